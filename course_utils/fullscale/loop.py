"""The full-scale training loop: the paper's recipe on DistributedDataParallel, resumable.

Why not :func:`course_utils.train.fit`: ``fit`` is the notebooks' one readable loop over
tensors in memory, one process, epochs, its own shuffling. A full-scale run needs what the
notebooks never do: a schedule counted in iterations (÷10 at 32k and 48k of 64k), each
process reading its own share of every batch (``DistributedSampler``), gradients averaged
across processes (``DistributedDataParallel``), ``SyncBatchNorm`` on GPUs, and checkpoints
from which a killed run resumes exactly. Folding that into ``fit`` would double its size for
every notebook reader; so this is a second, small loop that shares everything else with
the course: the models, the data loading, and the :class:`~course_utils.train.History` it
returns, so plots and results files read both alike.

How one global batch is spread: ``DistributedSampler(drop_last=True)`` gives process ``r``
the positions ``r, r + N, r + 2N, ...`` of the epoch's permutation (seeded by
``seed + epoch`` through ``set_epoch``), and step ``b`` of every process takes the next
``batch_size / N`` of them: together, exactly positions ``b * batch_size`` to
``(b + 1) * batch_size - 1``, the batch a single process would take. Each process averages
the loss over its equal share and DDP averages the gradients, so the update is the single
process's -- up to rounding, and up to BatchNorm, whose batch statistics are per process
(``docs/fullscale.md`` shows by how much).

Checkpoints: after every epoch, and, when ``should_stop`` turns true (SIGTERM), at the next
iteration boundary with the place inside the epoch, so a pre-empted job loses nothing. There
are no periodic mid-epoch checkpoints: an epoch of the paper's run is 390 steps (seconds on a
GPU), a SIGKILL loses at most that, and saving more often would only add I/O.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler

from .._validation import Bool, Float, Int, IsCallable, PathLike, invalid, user_hook, validate
from ..device import DEVICE
from ..train import History
from .checkpoint import CHECKPOINT_FORMAT, load_for_resume, save_atomically
from .data import PADDING, FullscaleData, _pad_crop_flip, augmentation_params
from .distributed import DistContext, current_context
from .recipe import CifarRecipe, build_model
from .speed import Speed

__all__ = ["FullscaleRun", "evaluate_checkpoint", "train_cifar"]

#: Under several processes, the stop flag is agreed on (an all-reduce) every this many steps:
#: every process must stop at the same step, and a host sync per step would cost GPU time.
STOP_POLL_EVERY = 10


@validate(recipe=CifarRecipe, model=nn.Module, history=History, finished=Bool(), stopped=Bool(),
          wall_time_s=Float(0))
@dataclass
class FullscaleRun:
    """What :func:`train_cifar` returns.

    Attributes:
        recipe: the run's recipe.
        model: the trained net, unwrapped from DDP (``SyncBatchNorm`` layers
            stay as they are on GPUs), on the run's device.
        history: one entry per epoch; the extra series ``test_loss`` and
            ``test_acc`` are the test set's (Figure 6 plots test error; no
            validation set is used, so ``val_*`` is ``nan``), and
            ``"iteration"`` holds the step count at the end of each epoch.
        finished: whether all ``recipe.iterations`` steps are done.
        stopped: whether ``should_stop`` ended it (inside an epoch, with a checkpoint).
        wall_time_s: seconds spent training it, over every session that resumed it.
    """

    recipe: CifarRecipe
    model: nn.Module
    history: History
    finished: bool
    stopped: bool = False
    wall_time_s: float = 0.0

    @property
    def iteration(self) -> int:
        """Steps done so far, up to the last complete epoch."""
        steps = self.history.extra.get("iteration", [])
        return int(steps[-1]) if steps else 0


class _EpochBatches(Dataset):
    """Batches ``start, start + 1, ...`` of one process in one epoch, cut and augmented.

    The same object serves both paths: with tensors on the device it is iterated directly;
    with tensors on the CPU a ``DataLoader`` of workers calls it (``batch_size=None``).
    """

    def __init__(self, data: tuple[Tensor, Tensor], order: Tensor, aug: tuple[Tensor, Tensor] | None,
                 share: int, start: int, stop: int) -> None:
        self.x, self.y = data
        self.order, self.aug, self.share, self.start, self.stop = order, aug, share, start, stop

    def __len__(self) -> int:
        return self.stop - self.start

    def __getitem__(self, i: int) -> tuple[Tensor, Tensor]:
        b = self.start + i
        idx = self.order[b * self.share:(b + 1) * self.share]
        xb = self.x[idx]
        if self.aug is not None:
            xb = _pad_crop_flip(xb, self.aug[0][idx], self.aug[1][idx], PADDING)
        return xb, self.y[idx]


def _batches(source: _EpochBatches, ctx: DistContext, speed: Speed) -> Iterator[tuple[Tensor, Tensor]]:
    if speed.workers == 0:
        yield from (source[i] for i in range(len(source)))
        return
    cuda = ctx.device.type == "cuda"
    loader = DataLoader(source, batch_size=None, shuffle=False, num_workers=speed.workers, pin_memory=cuda)
    for xb, yb in loader:
        yield xb.to(ctx.device, non_blocking=cuda), yb.to(ctx.device, non_blocking=cuda)


def _all_sum(values: list[float], ctx: DistContext) -> list[float]:
    """Sum numbers over all processes (float64, so counts stay exact)."""
    if ctx.world_size == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)  # gloo and NCCL sum float64
    dist.all_reduce(t)
    return t.tolist()


def _stop_agreed(should_stop: Callable[[], bool] | None, step: int, ctx: DistContext) -> bool:
    """Whether every process stops before ``step``: any process asked, at a step all of them poll."""
    if should_stop is None:
        return False
    if ctx.world_size == 1:
        return user_hook(should_stop)()
    if step % STOP_POLL_EVERY:
        return False
    return _all_sum([float(user_hook(should_stop)())], ctx)[0] > 0


def _evaluate(model: nn.Module, data: tuple[Tensor, Tensor], ctx: DistContext, batch_size: int,
              speed: Speed) -> tuple[float, float]:
    """Test loss and accuracy: each process takes every N-th example, the sums are added up."""
    if ctx.world_size > 1:
        # Without SyncBatchNorm each process's running statistics follow its own shares;
        # evaluate rank 0's (which the checkpoint keeps) everywhere.
        for buffer in model.buffers():
            dist.broadcast(buffer, src=0)
    x, y = data
    idx = torch.arange(ctx.rank, len(x), ctx.world_size)
    loss_sum, correct = 0.0, 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for i in range(0, len(idx), batch_size):
            part = idx[i:i + batch_size]
            xb = x[part].to(ctx.device).contiguous(memory_format=speed.memory_format())
            yb = y[part].to(ctx.device)
            with speed.autocast(ctx.device):
                out = model(xb)
            loss_sum += F.cross_entropy(out.float(), yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    model.train(was_training)
    loss_sum, correct, count = _all_sum([loss_sum, correct, float(len(idx))], ctx)
    return loss_sum / count, correct / count


def _prepare_model(recipe: CifarRecipe, ctx: DistContext, state: dict | None, speed: Speed) -> nn.Module:
    torch.manual_seed(recipe.seed)  # the same initial weights in every process
    model = build_model(recipe)
    if state is not None:
        model.load_state_dict(state["model"])
    if ctx.world_size > 1 and ctx.device.type == "cuda" and recipe.norm == "batch":
        # Batch statistics over the whole global batch, as on one GPU. (On the CPU
        # SyncBatchNorm refuses to run: each process normalises over its own share.)
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return model.to(ctx.device, memory_format=speed.memory_format())


def _sync(ctx: DistContext) -> None:
    if ctx.device.type == "cuda":
        torch.cuda.synchronize(ctx.device)


@validate(recipe=CifarRecipe, data=FullscaleData, checkpoint=[None, PathLike()], resume=[Bool(), PathLike()],
          device=DEVICE, stop_after_epochs=[None, Int(1, hint="Use None to train to the end.")],
          eval_batch_size=Int(1), speed=Speed, should_stop=[None, IsCallable()], on_epoch=[None, IsCallable()],
          verbose=Bool())
def train_cifar(recipe: CifarRecipe, data: FullscaleData, *, checkpoint: str | os.PathLike[str] | None = None,
                resume: bool | str | os.PathLike[str] = True, device: str | torch.device | None = None,
                stop_after_epochs: int | None = None, eval_batch_size: int = 1000, speed: Speed = Speed(),
                should_stop: Callable[[], bool] | None = None,
                on_epoch: Callable[[dict[str, Any]], None] | None = None, verbose: bool = True) -> FullscaleRun:
    """Train the net of ``recipe`` on ``data`` in this process and, under torchrun, its peers.

    Called in every process of a ``torchrun`` job (after joining the group with
    :func:`~course_utils.fullscale.distributed`), it trains one DDP model; in a
    plain process it trains alone, with the same numbers up to rounding.

    Args:
        recipe: the run's settings (:func:`~course_utils.fullscale.paper_recipe`).
        data: training and test images (:func:`~course_utils.fullscale.load_dataset`);
            every process holds all of it and reads its own shares.
        checkpoint: a file written (by rank 0) after every epoch. ``None`` keeps nothing.
        resume: ``True``: resume from ``checkpoint`` if it exists (the result
            is the weights of a run never stopped); ``False``: start afresh;
            a path: resume from that checkpoint, which must exist. Rank 0
            reads it and broadcasts it: the others need no access to it.
        device: ``None`` for the best available (under torchrun, GPU ``LOCAL_RANK``).
        stop_after_epochs: stop after this many epochs *of this call*, with a
            checkpoint, e.g. to fit a job into a queue's time limit; call again to go on.
        eval_batch_size: test images per forward pass.
        speed: mixed precision, channels-last, compile, loader workers (:class:`Speed`).
        should_stop: polled between iterations (e.g. a SIGTERM flag); when it
            turns true the run writes a checkpoint there and returns.
        on_epoch: called (rank 0 only) with each epoch's row: the columns of
            :data:`~course_utils.fullscale.logs.CSV_COLUMNS`.
        verbose: print one line per epoch (rank 0 only).

    Returns:
        A :class:`FullscaleRun` with the model and its :class:`~course_utils.train.History`.

    Raises:
        ValueError: ``recipe.batch_size`` does not split evenly over the
            processes, or ``data`` holds fewer training images than one batch.
        CheckpointError: the checkpoint to resume from is missing (``resume``
            a path), unreadable or of another recipe.
        FloatingPointError: the training loss became NaN or infinite.
    """
    session_start = time.perf_counter()
    ctx = current_context(device)
    if recipe.batch_size % ctx.world_size:
        raise invalid("recipe", f"a recipe whose batch_size splits evenly over the {ctx.world_size} processes",
                      f"batch_size={recipe.batch_size}", "Change batch_size or --nproc_per_node.")
    n = len(data.train[0])
    steps_per_epoch = n // recipe.batch_size  # the last, incomplete batch is dropped, as the sampler does
    if steps_per_epoch == 0:
        raise invalid("data", f"data with at least one batch of training images ({recipe.batch_size})",
                      f"{n} training images")
    share = recipe.batch_size // ctx.world_size
    path = Path(checkpoint) if checkpoint is not None else None
    source = path if resume is True else None if resume is False else Path(resume)
    state = load_for_resume(source, recipe, ctx, must_exist=not isinstance(resume, bool))

    model = _prepare_model(recipe, ctx, state, speed)
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                          weight_decay=recipe.weight_decay)
    scaler = speed.scaler(ctx.device)
    history, epoch, step, position, wall_before = History(), 0, 0, None, 0.0
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        if state.get("scaler"):
            scaler.load_state_dict(state["scaler"])
        history, epoch, step = History.from_dict(state["history"]), state["epoch"], state["iteration"]
        position, wall_before = state["position"], state["wall_time_s"]
    net: nn.Module = model
    if ctx.world_size > 1:
        net = DistributedDataParallel(model, device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None)
    if speed.compile:
        net = torch.compile(net)
    say: Callable[[str], None] = (lambda text: print(text, flush=True)) if verbose and ctx.is_main else (lambda _: None)
    if state is not None:
        say(f"[{recipe.name}] resumed from {source} at epoch {epoch}, step {step}"
            + (f" (batch {position['batch']} of the epoch)" if position else ""))

    def save(pos: dict[str, Any] | None) -> None:
        if path is not None and ctx.is_main:
            save_atomically({"format": CHECKPOINT_FORMAT, "recipe": recipe.to_dict(), "epoch": epoch,
                             "iteration": step, "model": model.state_dict(), "optimizer": opt.state_dict(),
                             "scaler": scaler.state_dict() if scaler.is_enabled() else None,
                             "history": history.to_dict(), "position": pos,
                             "wall_time_s": wall_before + time.perf_counter() - session_start}, path)

    on_device = speed.workers == 0
    x_train, y_train = (t.to(ctx.device) if on_device else t for t in data.train)
    # Only len() of the "data set" is used: the sampler hands out indices into the tensors.
    sampler = DistributedSampler(range(n), num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True,
                                 seed=recipe.seed, drop_last=True)
    epochs_here, stopped, lr = 0, False, recipe.lr_at(step)
    while step < recipe.iterations and not stopped:
        if stop_after_epochs is not None and epochs_here >= stop_after_epochs:
            break
        start = time.perf_counter()
        sampler.set_epoch(epoch)
        where = ctx.device if on_device else torch.device("cpu")
        order = torch.tensor(list(sampler), device=where)
        aug = tuple(t.to(where) for t in augmentation_params(n, seed=recipe.seed, epoch=epoch)) if recipe.augment \
            else None
        first = position["batch"] if position else 0
        net.train()
        loss_sum = torch.zeros((), dtype=torch.float32 if ctx.device.type == "mps" else torch.float64,
                               device=ctx.device)  # MPS has no float64
        correct = torch.zeros((), dtype=torch.long, device=ctx.device)
        seen, before = 0, 0.0
        if position:  # resumed inside this epoch: its sums so far
            loss_sum += position["loss_sum"]
            correct += position["correct"]
            seen, before = position["seen"], position["seconds"]
        position = None
        last = min(steps_per_epoch, first + recipe.iterations - step)
        batches = _EpochBatches((x_train, y_train), order, aug, share, first, last)
        steps_here = 0
        for b, (xb, yb) in enumerate(_batches(batches, ctx, speed), start=first):
            if _stop_agreed(should_stop, step, ctx):
                save({"batch": b, "loss_sum": loss_sum.item(), "correct": int(correct.item()), "seen": seen,
                      "seconds": before + time.perf_counter() - start})
                if ctx.is_main:  # even when quiet: the one line that says how to go on
                    print(f"[{recipe.name}] stopped on request at step {step} (batch {b} of epoch {epoch + 1}), "
                          f"checkpoint written; run the same command to resume", flush=True)
                stopped = True
                break
            lr = recipe.lr_at(step)
            for group in opt.param_groups:
                group["lr"] = lr
            xb = xb.contiguous(memory_format=speed.memory_format())
            with speed.autocast(ctx.device):
                out = net(xb)
            loss = F.cross_entropy(out.float(), yb)  # the mean over this process's equal share
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()  # DDP averages the gradients over the processes here
            scaler.step(opt)
            scaler.update()
            loss_sum += loss.detach().to(loss_sum.dtype) * len(yb)  # on the device: no host sync per step
            correct += (out.detach().argmax(1) == yb).sum()
            seen += len(yb)
            step += 1
            steps_here += 1
        if stopped:
            break
        _sync(ctx)
        train_seconds = time.perf_counter() - start
        total_loss, total_correct, total_seen = _all_sum([loss_sum.item(), float(correct.item()), float(seen)], ctx)
        train_loss = total_loss / total_seen
        if not math.isfinite(train_loss):
            raise FloatingPointError(
                f"train_cifar: the training loss of {recipe.name} became {train_loss} in epoch {epoch + 1}. "
                f"The learning rate ({lr:g}) is probably too high; lower it (--lr), or warm up "
                "as the paper does for ResNet-110 (warmup_iterations)."
            )
        test_loss, test_acc = _evaluate(model, data.test, ctx, eval_batch_size, speed)
        history.train_loss.append(train_loss)
        history.train_acc.append(total_correct / total_seen)
        history.val_loss.append(math.nan)  # no validation set: nothing is chosen on the test set
        history.val_acc.append(math.nan)
        history.lr.append(lr)
        history.epoch_time.append(before + time.perf_counter() - start)
        history.log("test_loss", test_loss)
        history.log("test_acc", test_acc)
        history.log("iteration", step)
        epoch += 1
        epochs_here += 1
        save(None)
        if on_epoch is not None and ctx.is_main:
            user_hook(on_epoch)({"epoch": epoch, "iteration": step, "lr": lr, "train_loss": train_loss,
                      "train_error": 1 - history.train_acc[-1], "test_loss": test_loss, "test_error": 1 - test_acc,
                      "epoch_time_s": round(history.epoch_time[-1], 3),
                      "images_per_s": round(steps_here * recipe.batch_size / train_seconds, 1),
                      "s_per_iteration": round(train_seconds / max(steps_here, 1), 5)})
        say(f"[{recipe.name}] epoch {epoch:4d}  step {step:6d}/{recipe.iterations}  lr {lr:<6g} "
            f"train loss {train_loss:.4f} error {100 * (1 - history.train_acc[-1]):5.2f}%  "
            f"test error {100 * (1 - test_acc):5.2f}%  ({history.epoch_time[-1]:.1f} s)")
    return FullscaleRun(recipe=recipe, model=model, history=history, finished=step >= recipe.iterations,
                        stopped=stopped, wall_time_s=wall_before + time.perf_counter() - session_start)


@validate(checkpoint=PathLike(), data=FullscaleData, device=DEVICE, eval_batch_size=Int(1), speed=Speed)
def evaluate_checkpoint(checkpoint: str | os.PathLike[str], data: FullscaleData, *,
                        device: str | torch.device | None = None, eval_batch_size: int = 1000,
                        speed: Speed = Speed()) -> tuple[CifarRecipe, float, float]:
    """The test loss and accuracy of a checkpoint's weights (``--test-only``); writes nothing.

    Args:
        checkpoint: a file written by :func:`train_cifar` (rank 0 reads it and broadcasts it).
        data: its test part is evaluated.
        device: ``None`` for the best available.
        eval_batch_size: test images per forward pass.
        speed: ``amp`` and ``channels_last`` apply.

    Returns:
        ``(recipe, test loss, test accuracy)``.

    Raises:
        CheckpointError: the file is missing, unreadable or not a checkpoint.
    """
    ctx = current_context(device)
    state = load_for_resume(Path(checkpoint), None, ctx, must_exist=True)
    recipe = CifarRecipe(**{**state["recipe"], "milestones": tuple(state["recipe"]["milestones"])})
    model = _prepare_model(recipe, ctx, state, speed)
    loss, acc = _evaluate(model, data.test, ctx, eval_batch_size, speed)
    return recipe, loss, acc
