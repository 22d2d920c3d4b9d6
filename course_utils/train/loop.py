"""``fit`` and ``evaluate``: the training and evaluation loops that return their history.

``fit`` is deliberately small: tensors in memory, a shuffled index per epoch,
one optimizer step per mini-batch. Everything a notebook varies (optimizer,
learning-rate schedule, weight decay, extra penalties, early stopping) is an
argument, and the result is a :class:`~course_utils.train.History` that plots and
widgets read. Two hooks cover the rest without copies of the loop: a ``batch_transform``
``(x, y) -> (x, y)`` for every training batch (augmentation, noise) and
``callbacks`` ``(epoch, model, history)`` after every epoch, which may record
extra series with :meth:`History.log` or stop the run::

    def weight_norm(epoch, model, history):
        history.log("weight_norm", torch.cat([p.detach().flatten() for p in model.parameters()]).norm())

    def input_noise(x, y):
        return x + 0.1 * torch.randn_like(x), y

    history = fit(model, splits.train, splits.val, callbacks=[weight_norm], batch_transform=input_noise)
    plot_history(history, metrics=("loss", "weight_norm"))

The callbacks the course uses again and again are ready-made in :mod:`.callbacks`
(``log_accuracy``, ``log_weights``).

``fit`` checks its arguments once; the package's calls inside it are not checked again. A
hook of the user's (a callback, ``batch_transform``, ``penalty``) runs as user code: the
public functions it calls check their arguments on every call, as they do anywhere else.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, Union

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from .._validation import (
    Bool,
    Float,
    Instance,
    Int,
    IsCallable,
    OneOf,
    SequenceOf,
    invalid,
    requires,
    show,
    user_hook,
    validate,
)
from ..device import DEVICE, SEED, get_device
from .checks import (
    _DATA,
    _HOOKS,
    _MODEL,
    BatchTransform,
    Callback,
    Penalty,
    TensorPair,
    _call_hook,
    _check_hook_signatures,
    _check_transformed_labels,
    _data_checks,
    _non_finite,
    _penalty,
    _transform_batch,
)
from .history import History
from .stopping import _Patience

__all__ = ["evaluate", "fit"]

OptimizerSpec = Union[str, Callable[..., torch.optim.Optimizer]]

_OPTIMIZERS = ("sgd", "adam", "adamw")
_SCHEDULES = (None, "cosine", "step")
_LOSSES = ("cross_entropy", "mse")
_MONITORS = ("val_loss", "val_acc")


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


@validate(model=_MODEL, data=_DATA, loss=OneOf(*_LOSSES), batch_size=Int(1), device=DEVICE,
          checks=[_data_checks("data")], always=("data",))
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

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of
            range, or ``data`` does not fit the model or the loss.
    """
    x, y = data
    dev = get_device(device)
    model.to(dev)
    value, acc = _evaluate(model, x.to(dev), y.to(dev), _loss_fn(loss), loss == "cross_entropy", batch_size)
    return {"loss": value, "acc": acc}


def _make_optimizer(spec: OptimizerSpec, params: Any, lr: float, momentum: float,
                    weight_decay: float) -> torch.optim.Optimizer:
    if callable(spec):
        opt = _call_hook("optimizer", spec, params)
        if not isinstance(opt, torch.optim.Optimizer):
            raise invalid("optimizer", _HOOKS["optimizer"][1],
                          f"a callable that returned {show(opt)} of type {type(opt).__name__}", type_error=True)
        return opt
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



def _run_callbacks(hooks: list[Callback], epoch: int, model: nn.Module, history: History) -> bool:
    """Call every hook (all of them, even after one asks to stop); ``True`` if one asked to stop."""
    stop = False
    for hook in hooks:
        result = _call_hook("callbacks", hook, epoch, model, history)
        if result is not None and not isinstance(result, bool):
            raise invalid("callbacks", "callables that return None, or True to stop training",
                          f"{getattr(hook, '__qualname__', repr(hook))}, which returned {show(result)} "
                          f"of type {type(result).__name__}", type_error=True)
        stop = stop or bool(result)
    for series in history.extra.values():  # a series a hook skipped this epoch reads nan there
        series.extend([math.nan] * (history.epochs - len(series)))
    return stop



_CALLBACK = IsCallable("a callable (epoch, model, history) -> None | bool")
_PENALTY = IsCallable("a callable model -> scalar tensor")


@validate(
    model=_MODEL,
    train=_DATA,
    val=[None, _DATA],
    test=[None, _DATA],
    epochs=Int(1),
    batch_size=Int(1),
    optimizer=[OneOf(*_OPTIMIZERS, hint="Or pass a callable, e.g. lambda p: torch.optim.RMSprop(p, lr=1e-3)."),
               IsCallable("a callable params -> torch.optim.Optimizer")],
    lr=Float(0, low_open=True),
    momentum=Float(0, 1, high_open=True),
    weight_decay=Float(0, hint="λ is a penalty strength and cannot be negative."),
    schedule=OneOf(*_SCHEDULES),
    penalty=[None, _PENALTY, SequenceOf(_PENALTY, min_len=0)],
    batch_transform=[None, IsCallable("a callable (x, y) -> (x, y)")],
    callbacks=[SequenceOf(_CALLBACK, min_len=0), _CALLBACK, None],  # a list first: its message names the bad item
    loss=OneOf(*_LOSSES),
    early_stopping=[None, Int(1)],
    monitor=OneOf(*_MONITORS),
    seed=SEED,
    device=DEVICE,
    progress=Bool(),
    description=Instance(str, desc="a str"),
    checks=[
        requires("early_stopping", lambda a: a["early_stopping"] is None or a["val"] is not None,
                 "None when val is None (early stopping watches the validation set)",
                 "Pass val=(x_val, y_val) or early_stopping=None."),
        requires("monitor", lambda a: a["monitor"] == "val_loss" or a["loss"] == "cross_entropy",
                 "'val_loss' for loss='mse' (a regression has no accuracy)"),
        _data_checks("train", "val", "test"),
    ],
    always=("train", "val", "test"),  # data: checked in every fit, also one the package calls (run_*'s Splits)
)
def fit(
    model: nn.Module,
    train: TensorPair,
    val: TensorPair | None = None,
    *,
    test: TensorPair | None = None,
    epochs: int = 10,
    batch_size: int = 128,
    optimizer: OptimizerSpec = "sgd",
    lr: float = 0.05,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    schedule: str | None = None,
    penalty: Penalty | Sequence[Penalty] | None = None,
    batch_transform: BatchTransform | None = None,
    callbacks: Callback | Sequence[Callback] | None = None,
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
        val: optional validation pair ``(x, y)``, evaluated at the end of every
            epoch (``History.val_loss``, ``val_acc``); early stopping and
            ``best_epoch`` watch it.
        test: optional test pair ``(x, y)``, evaluated at the end of every epoch
            and recorded as the series ``test_loss`` and ``test_acc``
            (``History.series``; ``History.test_error``). Nothing is chosen on
            it: pass it to *report* a held-out score per epoch, as the
            degradation and batch-norm figures do.
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
        batch_transform: a callable ``(x, y) -> (x, y)`` applied to every
            *training* batch before the forward pass (augmentation, input
            noise, label noise); validation data is never transformed. It gets
            and returns tensors on ``device``, with as many examples as it got
            and ``x`` of the same dtype; ``y`` may become float class
            probabilities of shape ``(N, C)`` (mixup, label smoothing). Random
            numbers it draws with ``torch.rand*`` come from the generator
            ``seed`` seeds, so a run repeats exactly.
        callbacks: a callable ``(epoch, model, history) -> None | bool``, or a
            sequence of them, called at the end of every epoch (after
            validation; ``epoch`` counts from 0). They may record extra
            per-epoch series with ``history.log(name, value)`` and stop the
            run by returning ``True`` (``history.stopped_early`` is then set).
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
        TypeError, ValueError: an argument is of the wrong type or out of
            range; ``train`` or ``val`` hold NaN or infinite values, do not fit
            the model (dtype, shape) or the loss (labels out of range, targets
            of another shape than the output); ``val`` or ``test`` differs from
            ``train``;
            a penalty does not return a scalar; a hook (``callbacks``,
            ``batch_transform``, ``penalty``) cannot take the arguments fit
            passes; ``batch_transform`` returns NaN, infinite values or labels
            the model has no output for. Before training, the model runs once
            on one training example in eval mode to check the data.
        FloatingPointError: the training loss became NaN or infinite.
    """
    x_train, y_train = train
    if val is not None:
        x_val, y_val = val
    penalties: list[Penalty] = [] if penalty is None else [penalty] if callable(penalty) else list(penalty)
    hooks = [] if callbacks is None else [callbacks] if callable(callbacks) else list(callbacks)
    _check_hook_signatures(callbacks=hooks, penalty=penalties,
                           batch_transform=[] if batch_transform is None else [batch_transform],
                           optimizer=[optimizer] if callable(optimizer) else [])
    # A user's hooks run as user code: the public functions they call check their arguments.
    penalties = [user_hook(p) for p in penalties]
    hooks = [user_hook(h) for h in hooks]
    if batch_transform is not None:
        batch_transform = user_hook(batch_transform)
    if callable(optimizer):
        optimizer = user_hook(optimizer)
    classify = loss == "cross_entropy"

    dev = get_device(device)
    model.to(dev)
    x_train, y_train = x_train.to(dev), y_train.to(dev)
    if val is not None:
        x_val, y_val = x_val.to(dev), y_val.to(dev)
    if test is not None:
        x_test, y_test = test[0].to(dev), test[1].to(dev)
    loss_fn = _loss_fn(loss)
    opt = _make_optimizer(optimizer, model.parameters(), lr, momentum, weight_decay)
    sched = _make_schedule(schedule, opt, epochs)
    shuffle = torch.Generator().manual_seed(seed)
    history = History()
    best_state, rule = None, _Patience(early_stopping)  # the early-stopping rule (stopping.py)
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
            transformed_bad = torch.zeros((), device=dev, dtype=torch.bool)
            for i in range(0, n, batch_size):
                idx = order[i:i + batch_size]
                xb, yb = x_train[idx], y_train[idx]
                if batch_transform is not None:
                    xb, yb = _transform_batch(batch_transform, xb, yb, classify)
                    transformed_bad |= _non_finite(xb, yb)
                out = model(xb)
                if batch_transform is not None and classify:
                    _check_transformed_labels(yb, out.shape[1])
                batch_loss = loss_fn(out, yb)
                objective = batch_loss
                for p in penalties:
                    objective = objective + _penalty(p, model)
                opt.zero_grad(set_to_none=True)
                objective.backward()
                opt.step()
                # Accumulate on the device: no host sync per step.
                loss_sum += batch_loss.detach() * len(idx)
                if classify:
                    labels = yb if yb.dim() == 1 else yb.argmax(1)  # soft targets from a batch_transform
                    correct += (out.detach().argmax(1) == labels).sum()
            history.lr.append(opt.param_groups[0]["lr"])
            if sched is not None:
                sched.step()
            train_loss = loss_sum.item() / n
            if not math.isfinite(train_loss):
                bar.close()
                if bool(transformed_bad):
                    raise invalid("batch_transform", "a callable that returns finite x (and finite y for float "
                                  "targets)", f"one that returned NaN or infinite values in epoch {epoch + 1}",
                                  "Check what it computes, e.g. a division by zero or the log of 0; the "
                                  "training loss became nan because of them, not because of the learning rate.")
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
            if test is not None:
                t_loss, t_acc = _evaluate(model, x_test, y_test, loss_fn, classify, max(batch_size, 1024))
            history.epoch_time.append(time.perf_counter() - start)
            if test is not None:  # before the callbacks, which may read it
                history.log("test_loss", t_loss if math.isfinite(t_loss) else math.nan)  # a History holds no inf
                history.log("test_acc", t_acc)
            stop = _run_callbacks(hooks, epoch, model, history)
            postfix = {"loss": f"{train_loss:.3f}"}
            if test is not None and classify:
                postfix["test_acc"] = f"{t_acc:.3f}"
            if val is not None:
                postfix["val_loss"] = f"{v_loss:.3f}"
                if classify:
                    postfix["val_acc"] = f"{v_acc:.3f}"
                if rule.update(sign * (v_loss if monitor == "val_loss" else v_acc)):
                    history.best_epoch = epoch
                    if early_stopping is not None:
                        best_state = copy.deepcopy(model.state_dict())
                elif rule.stop:
                    history.stopped_early = True
                    bar.set_postfix(postfix)
                    break
            bar.set_postfix(postfix)
            if stop:
                history.stopped_early = True
                break
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
