"""Training and evaluation loops that return their history.

``fit`` is deliberately small: tensors in memory, a shuffled index per epoch,
one optimizer step per mini-batch. Everything a notebook varies (optimizer,
learning-rate schedule, weight decay, extra penalties, early stopping) is an
argument, and the result is a :class:`History` that plots and widgets read.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Union

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ._validation import check_bool, check_choice, check_float, check_int, check_type
from .device import get_device

__all__ = ["History", "evaluate", "fit"]

Penalty = Callable[[nn.Module], Tensor]
TensorPair = tuple[Tensor, Tensor]
OptimizerSpec = Union[str, Callable[..., torch.optim.Optimizer]]

_OPTIMIZERS = ("sgd", "adam", "adamw")
_SCHEDULES = (None, "cosine", "step")
_LOSSES = ("cross_entropy", "mse")
_MONITORS = ("val_loss", "val_acc")


@dataclass
class History:
    """Per-epoch record of one training run.

    Lists have one entry per finished epoch. Accuracies are ``nan`` for a
    regression loss; validation entries are ``nan`` when no validation set
    was given.

    Attributes:
        train_loss: mean loss over the epoch's mini-batches (in train mode).
        train_acc: fraction of training examples classified correctly during
            the epoch (in train mode: dropout on, batch statistics in BN).
        val_loss: loss on the validation set at the end of the epoch (eval mode).
        val_acc: accuracy on the validation set at the end of the epoch.
        lr: learning rate used during the epoch.
        epoch_time: wall-clock seconds of the epoch, validation included.
        best_epoch: index of the epoch with the best monitored value, or
            ``None`` without a validation set.
        stopped_early: whether early stopping ended the run.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)

    @property
    def train_error(self) -> list[float]:
        """``1 - train_acc`` per epoch."""
        return [1.0 - a for a in self.train_acc]

    @property
    def val_error(self) -> list[float]:
        """``1 - val_acc`` per epoch."""
        return [1.0 - a for a in self.val_acc]

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` for JSON files (``nan`` becomes ``None``)."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, list):
                out[key] = [None if isinstance(v, float) and math.isnan(v) else v for v in value]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict`."""
        check_type(data, "data", "History.from_dict", dict, "a dict made by History.to_dict")
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"The 'data' parameter of History.from_dict has unknown keys {sorted(unknown)}. "
                f"Allowed keys are {sorted(known)}."
            )
        kwargs = {
            k: [math.nan if v is None else v for v in val] if isinstance(val, list) else val
            for k, val in data.items()
        }
        return cls(**kwargs)


def _check_pair(pair: Any, name: str, func: str) -> TensorPair:
    check_type(pair, name, func, (tuple, list), "a pair (x, y) of tensors, e.g. splits.train")
    if len(pair) != 2 or not all(isinstance(t, Tensor) for t in pair):
        raise TypeError(
            f"The '{name}' parameter of {func} must be a pair (x, y) of tensors, e.g. splits.train. "
            f"Got a {type(pair).__name__} of {len(pair)} items of types {[type(t).__name__ for t in pair]}."
        )
    x, y = pair
    if len(x) != len(y):
        raise ValueError(
            f"The '{name}' parameter of {func} must hold as many targets as inputs. "
            f"Got x with {len(x)} rows and y with {len(y)}."
        )
    if len(x) == 0:
        raise ValueError(f"The '{name}' parameter of {func} must not be empty. Got 0 examples.")
    return x, y


def _loss_fn(loss: str) -> nn.Module:
    return nn.CrossEntropyLoss() if loss == "cross_entropy" else nn.MSELoss()


@torch.no_grad()
def _evaluate(model: nn.Module, x: Tensor, y: Tensor, loss_fn: nn.Module, classify: bool,
              batch_size: int) -> tuple[float, float]:
    was_training = model.training
    model.eval()
    total_loss, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        out = model(xb)
        total_loss += loss_fn(out, yb).item() * len(xb)
        if classify:
            correct += int((out.argmax(1) == yb).sum())
    model.train(was_training)
    return total_loss / len(x), (correct / len(x) if classify else math.nan)


def evaluate(model: nn.Module, data: TensorPair, *, loss: str = "cross_entropy",
             batch_size: int = 1024, device: str | torch.device | None = None) -> dict[str, float]:
    """Loss and accuracy of ``model`` on ``data``, in eval mode, without gradients.

    Args:
        model: the network; it is moved to ``device``.
        data: ``(x, y)`` with ``x`` of shape ``(N, ...)`` and ``y`` of shape
            ``(N,)`` (class indices, int64) or, for ``loss="mse"``, the
            shape of the model's output.
        loss: ``"cross_entropy"`` (classification) or ``"mse"`` (regression).
        batch_size: examples per forward pass.
        device: ``None`` for the best available device.

    Returns:
        ``{"loss": float, "acc": float}``; ``acc`` is ``nan`` for ``"mse"``.
    """
    check_type(model, "model", "evaluate", nn.Module, "a torch.nn.Module")
    x, y = _check_pair(data, "data", "evaluate")
    check_choice(loss, "loss", "evaluate", _LOSSES)
    batch_size = check_int(batch_size, "batch_size", "evaluate", 1)
    dev = get_device(device)
    model.to(dev)
    value, acc = _evaluate(model, x.to(dev), y.to(dev), _loss_fn(loss), loss == "cross_entropy", batch_size)
    return {"loss": value, "acc": acc}


def _make_optimizer(spec: OptimizerSpec, params: Any, lr: float, momentum: float,
                    weight_decay: float) -> torch.optim.Optimizer:
    if callable(spec):
        opt = spec(params)
        check_type(opt, "optimizer", "fit", torch.optim.Optimizer,
                   "one of 'sgd', 'adam', 'adamw' or a callable params -> torch.optim.Optimizer")
        return opt
    check_type(spec, "optimizer", "fit", str,
               "one of 'sgd', 'adam', 'adamw' or a callable params -> torch.optim.Optimizer")
    check_choice(spec, "optimizer", "fit", _OPTIMIZERS,
                 hint="Or pass a callable, e.g. lambda p: torch.optim.RMSprop(p, lr=1e-3).")
    if spec == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)
    if spec == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)


def _make_schedule(name: str | None, opt: torch.optim.Optimizer, epochs: int
                   ) -> torch.optim.lr_scheduler.LRScheduler | None:
    if name == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    if name == "step":
        # The ResNet paper divides the rate by 10 at fixed points; at course scale
        # we do it at 50% and 75% of the run.
        return torch.optim.lr_scheduler.MultiStepLR(opt, [epochs // 2, (3 * epochs) // 4], 0.1)
    return None


def fit(
    model: nn.Module,
    train: TensorPair,
    val: TensorPair | None = None,
    *,
    epochs: int = 10,
    batch_size: int = 128,
    optimizer: OptimizerSpec = "sgd",
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    schedule: str | None = None,
    penalty: Penalty | Sequence[Penalty] | None = None,
    loss: str = "cross_entropy",
    early_stopping: int | None = None,
    monitor: str = "val_loss",
    seed: int = 0,
    device: str | torch.device | None = None,
    progress: bool = True,
    description: str = "training",
) -> History:
    """Train ``model`` in place and return what happened, epoch by epoch.

    Args:
        model: the network; it is moved to ``device``.
        train: ``(x, y)``, ``x`` of shape ``(N, ...)``; ``y`` of shape ``(N,)``
            with class indices (``loss="cross_entropy"``) or the shape of the
            model's output (``loss="mse"``).
        val: optional ``(x, y)`` evaluated at the end of every epoch.
        epochs: number of passes over ``train``.
        batch_size: examples per optimizer step; the last batch may be smaller.
        optimizer: ``"sgd"`` (with ``momentum``), ``"adam"``, ``"adamw"``, or a
            callable ``params -> torch.optim.Optimizer``.
        lr: learning rate (ignored by a callable ``optimizer``).
        momentum: SGD momentum in ``[0, 1)``.
        weight_decay: the optimizer's weight decay λ ≥ 0 (for SGD this is
            the gradient of ½λΣw², i.e. L2 regularization).
        schedule: ``None`` (constant rate), ``"cosine"`` (cosine decay to 0
            over ``epochs``) or ``"step"`` (÷10 at 50% and 75% of ``epochs``).
        penalty: a callable ``model -> scalar tensor``, or a sequence of them,
            added to the loss at every step (e.g. an L1 penalty).
        loss: ``"cross_entropy"`` or ``"mse"``.
        early_stopping: patience in epochs, or ``None``. Needs ``val``. When the
            monitored value has not improved for this many epochs training
            stops and the best weights are restored.
        monitor: ``"val_loss"`` (lower is better) or ``"val_acc"`` (higher).
        seed: seeds the shuffling and, inside this call only, PyTorch's random
            generator (dropout masks). The global generator is left as it was.
        device: ``None`` for the best available device.
        progress: show a ``tqdm`` progress bar over epochs.
        description: the progress bar's label.

    Returns:
        A :class:`History`.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range.
    """
    func = "fit"
    check_type(model, "model", func, nn.Module, "a torch.nn.Module")
    x_train, y_train = _check_pair(train, "train", func)
    if val is not None:
        x_val, y_val = _check_pair(val, "val", func)
    epochs = check_int(epochs, "epochs", func, 1)
    batch_size = check_int(batch_size, "batch_size", func, 1)
    lr = check_float(lr, "lr", func, 0.0, low_open=True)
    momentum = check_float(momentum, "momentum", func, 0.0, 1.0, high_open=True)
    weight_decay = check_float(weight_decay, "weight_decay", func, 0.0,
                               hint="λ is a penalty strength and cannot be negative.")
    check_choice(schedule, "schedule", func, _SCHEDULES)
    check_choice(loss, "loss", func, _LOSSES)
    penalties: list[Penalty] = []
    if penalty is not None:
        penalties = [penalty] if callable(penalty) else list(check_type(
            penalty, "penalty", func, (list, tuple), "a callable model -> tensor, a list of them, or None"))
        for p in penalties:
            if not callable(p):
                raise TypeError(f"The 'penalty' parameter of fit must contain callables model -> tensor. "
                                f"Got an item {p!r} of type {type(p).__name__}.")
    check_choice(monitor, "monitor", func, _MONITORS)
    if early_stopping is not None:
        early_stopping = check_int(early_stopping, "early_stopping", func, 1)
        if val is None:
            raise ValueError("The 'early_stopping' parameter of fit needs a validation set. "
                             "Got val=None: pass val=(x_val, y_val) or early_stopping=None.")
    seed = check_int(seed, "seed", func, 0, 2**32 - 1)
    check_bool(progress, "progress", func)
    classify = loss == "cross_entropy"
    if monitor == "val_acc" and not classify:
        raise ValueError("The 'monitor' parameter of fit must be 'val_loss' for loss='mse' "
                         "(a regression has no accuracy). Got 'val_acc'.")
    if classify and (y_train.dtype != torch.long or y_train.dim() != 1):
        raise ValueError(
            "The 'train' parameter of fit must have class indices of dtype int64 and shape (N,) "
            f"as targets for loss='cross_entropy'. Got y of dtype {y_train.dtype} and shape "
            f"{tuple(y_train.shape)}. Use loss='mse' for regression."
        )

    dev = get_device(device)
    model.to(dev)
    x_train, y_train = x_train.to(dev), y_train.to(dev)
    if val is not None:
        x_val, y_val = x_val.to(dev), y_val.to(dev)
    loss_fn = _loss_fn(loss)
    opt = _make_optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
    sched = _make_schedule(schedule, opt, epochs)
    shuffle = torch.Generator().manual_seed(seed)
    history = History()
    best_value, best_state, waited = math.inf, None, 0
    sign = 1.0 if monitor == "val_loss" else -1.0
    n = len(x_train)

    fork_devices = [dev] if dev.type == "cuda" else []
    with torch.random.fork_rng(devices=fork_devices):
        torch.manual_seed(seed)
        bar = tqdm(range(epochs), desc=description, disable=not progress, leave=False)
        for epoch in bar:
            start = time.perf_counter()
            model.train()
            order = torch.randperm(n, generator=shuffle).to(dev)
            loss_sum = torch.zeros((), device=dev)
            correct = torch.zeros((), device=dev, dtype=torch.long)
            for i in range(0, n, batch_size):
                idx = order[i:i + batch_size]
                xb, yb = x_train[idx], y_train[idx]
                out = model(xb)
                batch_loss = loss_fn(out, yb)
                objective = batch_loss
                for p in penalties:
                    objective = objective + p(model)
                opt.zero_grad(set_to_none=True)
                objective.backward()
                opt.step()
                # Accumulate on the device: no host sync per step.
                loss_sum += batch_loss.detach() * len(idx)
                if classify:
                    correct += (out.detach().argmax(1) == yb).sum()
            history.lr.append(opt.param_groups[0]["lr"])
            if sched is not None:
                sched.step()
            train_loss = loss_sum.item() / n
            if not math.isfinite(train_loss):
                bar.close()
                raise FloatingPointError(
                    f"fit: the training loss became {train_loss} in epoch {epoch + 1}. "
                    f"The learning rate (lr={lr}) is probably too high for this model; lower it."
                )
            history.train_loss.append(train_loss)
            history.train_acc.append(correct.item() / n if classify else math.nan)
            if val is not None:
                v_loss, v_acc = _evaluate(model, x_val, y_val, loss_fn, classify, max(batch_size, 1024))
            else:
                v_loss, v_acc = math.nan, math.nan
            history.val_loss.append(v_loss)
            history.val_acc.append(v_acc)
            history.epoch_time.append(time.perf_counter() - start)
            postfix = {"loss": f"{train_loss:.3f}"}
            if val is not None:
                postfix["val_loss"] = f"{v_loss:.3f}"
                if classify:
                    postfix["val_acc"] = f"{v_acc:.3f}"
                value = sign * (v_loss if monitor == "val_loss" else v_acc)
                if value < best_value:
                    best_value, history.best_epoch, waited = value, epoch, 0
                    if early_stopping is not None:
                        best_state = copy.deepcopy(model.state_dict())
                else:
                    waited += 1
                    if early_stopping is not None and waited >= early_stopping:
                        history.stopped_early = True
                        bar.set_postfix(postfix)
                        break
            bar.set_postfix(postfix)
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
