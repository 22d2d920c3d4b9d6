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
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data.distributed import DistributedSampler

from .._validation import Bool, Int, PathLike, invalid, validate
from ..device import DEVICE
from ..train import History
from .data import PADDING, FullscaleData, _pad_crop_flip, augmentation_params
from .distributed import DistContext, current_context
from .recipe import CifarRecipe, build_model

__all__ = ["FullscaleRun", "train_cifar"]

#: Version of the checkpoint layout; a checkpoint of another version is refused.
CHECKPOINT_FORMAT = 1


@validate(recipe=CifarRecipe, model=nn.Module, history=History, finished=Bool())
@dataclass
class FullscaleRun:
    """What :func:`train_cifar` returns.

    Attributes:
        recipe: the run's recipe.
        model: the trained net, unwrapped from DDP (``SyncBatchNorm`` layers
            stay as they are on GPUs), on the run's device.
        history: one entry per epoch; ``val_loss`` and ``val_acc`` are the
            *test* set's (Figure 6 plots test error), and the extra series
            ``"iteration"`` holds the step count at the end of each epoch.
        finished: whether all ``recipe.iterations`` steps are done (``False``
            after ``stop_after_epochs``).
    """

    recipe: CifarRecipe
    model: nn.Module
    history: History
    finished: bool

    @property
    def iteration(self) -> int:
        """Steps done so far."""
        steps = self.history.extra.get("iteration", [])
        return int(steps[-1]) if steps else 0


def _save_atomically(payload: dict, path: Path) -> None:
    """Write to a temporary file and rename: a run killed while saving keeps its last checkpoint."""
    tmp = path.with_name(path.name + ".partial")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def _load_checkpoint(path: Path, recipe: CifarRecipe, device: torch.device) -> dict | None:
    if not path.is_file():
        return None
    state = torch.load(path, map_location=device, weights_only=True)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise invalid("checkpoint", f"a checkpoint of format {CHECKPOINT_FORMAT} or a new file",
                      f"{str(path)!r} of format {state.get('format')!r}", "Delete it to start afresh.")
    if state["recipe"] != recipe.to_dict():
        changed = sorted(k for k, v in recipe.to_dict().items() if state["recipe"].get(k) != v)
        raise invalid("checkpoint", "a checkpoint of the same recipe, or a new file",
                      f"{str(path)!r}, written with other values of {changed}",
                      "Delete it, or write this run elsewhere (another --out folder).")
    return state


def _all_sum(values: list[float], ctx: DistContext) -> list[float]:
    """Sum numbers over all processes (float64, so counts stay exact)."""
    if ctx.world_size == 1:
        return values
    t = torch.tensor(values, dtype=torch.float64, device=ctx.device)  # gloo and NCCL sum float64
    dist.all_reduce(t)
    return t.tolist()


def _evaluate(model: nn.Module, data: tuple[Tensor, Tensor], ctx: DistContext, batch_size: int) -> tuple[float, float]:
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
            xb, yb = x[part].to(ctx.device), y[part].to(ctx.device)
            out = model(xb)
            loss_sum += F.cross_entropy(out, yb, reduction="sum").item()
            correct += (out.argmax(1) == yb).sum().item()
    model.train(was_training)
    loss_sum, correct, count = _all_sum([loss_sum, correct, float(len(idx))], ctx)
    return loss_sum / count, correct / count


def _prepare_model(recipe: CifarRecipe, ctx: DistContext, state: dict | None) -> nn.Module:
    torch.manual_seed(recipe.seed)  # the same initial weights in every process
    model = build_model(recipe)
    if state is not None:
        model.load_state_dict(state["model"])
    if ctx.world_size > 1 and ctx.device.type == "cuda" and recipe.norm == "batch":
        # Batch statistics over the whole global batch, as on one GPU. (On the CPU
        # SyncBatchNorm refuses to run: each process normalises over its own share.)
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    return model.to(ctx.device)


@validate(recipe=CifarRecipe, data=FullscaleData, checkpoint=[None, PathLike()], device=DEVICE,
          stop_after_epochs=[None, Int(1, hint="Use None to train to the end.")], eval_batch_size=Int(1),
          verbose=Bool())
def train_cifar(recipe: CifarRecipe, data: FullscaleData, *, checkpoint: str | os.PathLike[str] | None = None,
                device: str | torch.device | None = None, stop_after_epochs: int | None = None,
                eval_batch_size: int = 1000, verbose: bool = True) -> FullscaleRun:
    """Train the net of ``recipe`` on ``data`` in this process and, under torchrun, its peers.

    Called in every process of a ``torchrun`` job (after joining the group with
    :func:`~course_utils.fullscale.distributed`), it trains one DDP model; in a
    plain process it trains alone, with the same numbers up to rounding.

    Args:
        recipe: the run's settings (:func:`~course_utils.fullscale.paper_recipe`).
        data: training and test images (:func:`~course_utils.fullscale.load_dataset`);
            every process holds all of it and reads its own shares.
        checkpoint: a file written (by rank 0) after every epoch; if it exists,
            the run resumes from it and ends with the same weights as a run
            never stopped. ``None`` keeps nothing.
        device: ``None`` for the best available (under torchrun, GPU ``LOCAL_RANK``).
        stop_after_epochs: stop after this many epochs *of this call*, with a
            checkpoint, e.g. to fit a job into a queue's time limit; call again to go on.
        eval_batch_size: test images per forward pass.
        verbose: print one line per epoch (rank 0 only).

    Returns:
        A :class:`FullscaleRun` with the model and its :class:`~course_utils.train.History`.

    Raises:
        ValueError: ``recipe.batch_size`` does not split evenly over the
            processes, ``data`` holds fewer training images than one batch,
            or ``checkpoint`` was written by another recipe.
        FloatingPointError: the training loss became NaN or infinite.
    """
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
    state = _load_checkpoint(path, recipe, ctx.device) if path is not None else None

    model = _prepare_model(recipe, ctx, state)
    opt = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                          weight_decay=recipe.weight_decay)
    history, epoch, step = History(), 0, 0
    if state is not None:
        opt.load_state_dict(state["optimizer"])
        history, epoch, step = History.from_dict(state["history"]), state["epoch"], state["iteration"]
    net: nn.Module = model
    if ctx.world_size > 1:
        net = DistributedDataParallel(model, device_ids=[ctx.device.index] if ctx.device.type == "cuda" else None)
    say: Callable[[str], None] = (lambda text: print(text, flush=True)) if verbose and ctx.is_main else (lambda _: None)
    if state is not None:
        say(f"[{recipe.name}] resumed from {path} at epoch {epoch}, step {step}")

    x_train, y_train = data.train[0].to(ctx.device), data.train[1].to(ctx.device)
    # Only len() of the "data set" is used: the sampler hands out indices into the tensors.
    sampler = DistributedSampler(range(n), num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True,
                                 seed=recipe.seed, drop_last=True)
    epochs_here = 0
    while step < recipe.iterations:
        if stop_after_epochs is not None and epochs_here >= stop_after_epochs:
            break
        start = time.perf_counter()
        sampler.set_epoch(epoch)
        order = torch.tensor(list(sampler), device=ctx.device)
        offsets, flips = (t.to(ctx.device) for t in augmentation_params(n, seed=recipe.seed, epoch=epoch))
        net.train()
        loss_sum = torch.zeros((), dtype=torch.float32 if ctx.device.type == "mps" else torch.float64,
                               device=ctx.device)  # MPS has no float64
        correct = torch.zeros((), dtype=torch.long, device=ctx.device)
        seen = 0
        for b in range(steps_per_epoch):
            if step >= recipe.iterations:
                break
            lr = recipe.lr_at(step)
            for group in opt.param_groups:
                group["lr"] = lr
            idx = order[b * share:(b + 1) * share]
            xb, yb = x_train[idx], y_train[idx]
            if recipe.augment:
                xb = _pad_crop_flip(xb, offsets[idx], flips[idx], PADDING)
            out = net(xb)
            loss = F.cross_entropy(out, yb)  # the mean over this process's equal share
            opt.zero_grad(set_to_none=True)
            loss.backward()  # DDP averages the gradients over the processes here
            opt.step()
            loss_sum += loss.detach().to(loss_sum.dtype) * len(idx)  # on the device: no host sync per step
            correct += (out.detach().argmax(1) == yb).sum()
            seen += len(idx)
            step += 1
        total_loss, total_correct, total_seen = _all_sum([loss_sum.item(), float(correct.item()), float(seen)], ctx)
        train_loss = total_loss / total_seen
        if not math.isfinite(train_loss):
            raise FloatingPointError(
                f"train_cifar: the training loss of {recipe.name} became {train_loss} in epoch {epoch + 1}. "
                f"The learning rate ({lr:g}) is probably too high; lower it (--lr), or warm up "
                "as the paper does for ResNet-110 (warmup_iterations)."
            )
        test_loss, test_acc = _evaluate(model, data.test, ctx, eval_batch_size)
        history.train_loss.append(train_loss)
        history.train_acc.append(total_correct / total_seen)
        history.val_loss.append(test_loss)
        history.val_acc.append(test_acc)
        history.lr.append(lr)
        history.epoch_time.append(time.perf_counter() - start)
        history.log("iteration", step)
        epoch += 1
        epochs_here += 1
        if path is not None and ctx.is_main:
            _save_atomically({"format": CHECKPOINT_FORMAT, "recipe": recipe.to_dict(), "epoch": epoch,
                              "iteration": step, "model": model.state_dict(), "optimizer": opt.state_dict(),
                              "history": history.to_dict()}, path)
        say(f"[{recipe.name}] epoch {epoch:4d}  step {step:6d}/{recipe.iterations}  lr {lr:<6g} "
            f"train loss {train_loss:.4f} error {100 * (1 - history.train_acc[-1]):5.2f}%  "
            f"test error {100 * (1 - test_acc):5.2f}%  ({history.epoch_time[-1]:.1f} s)")
    return FullscaleRun(recipe=recipe, model=model, history=history, finished=step >= recipe.iterations)
