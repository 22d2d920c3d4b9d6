"""Training and evaluation loops that return their history.

``fit`` is deliberately small: tensors in memory, a shuffled index per epoch,
one optimizer step per mini-batch. Everything a notebook varies (optimizer,
learning-rate schedule, weight decay, extra penalties, early stopping) is an
argument, and the result is a :class:`History` that plots and widgets read.
Two hooks cover the rest without copies of the loop: a ``batch_transform``
``(x, y) -> (x, y)`` for every training batch (augmentation, noise) and
``callbacks`` ``(epoch, model, history)`` after every epoch, which may record
extra series with :meth:`History.log` or stop the run::

    def weight_norm(epoch, model, history):
        history.log("weight_norm", torch.cat([p.detach().flatten() for p in model.parameters()]).norm())

    def input_noise(x, y):
        return x + 0.1 * torch.randn_like(x), y

    history = fit(model, splits.train, splits.val, callbacks=[weight_norm], batch_transform=input_noise)
    plot_history(history, metrics=("loss", "weight_norm"))

``fit`` checks its arguments once; the package's calls inside it are not checked again. A
hook of the user's (a callback, ``batch_transform``, ``penalty``) runs as user code: the
public functions it calls check their arguments on every call, as they do anywhere else.
"""

from __future__ import annotations

import copy
import inspect
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Any, Union

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ._validation import (
    Bool,
    Float,
    Instance,
    Int,
    IsCallable,
    MappingOf,
    OneOf,
    Pair,
    ParameterError,
    SequenceOf,
    TensorOf,
    blame_input,
    eval_mode,
    invalid,
    requires,
    show,
    user_hook,
    user_input,
    validate,
)
from .device import DEVICE, SEED, get_device

__all__ = ["History", "evaluate", "fit"]

Penalty = Callable[[nn.Module], Tensor]
TensorPair = tuple[Tensor, Tensor]
#: ``(x, y) -> (x, y)``, applied to every training batch (augmentation, noise).
BatchTransform = Callable[[Tensor, Tensor], TensorPair]
#: ``(epoch, model, history) -> None | bool``, called after every epoch; ``True`` stops the run.
Callback = Callable[[int, nn.Module, "History"], Union[bool, None]]
OptimizerSpec = Union[str, Callable[..., torch.optim.Optimizer]]

_OPTIMIZERS = ("sgd", "adam", "adamw")
_SCHEDULES = (None, "cosine", "step")
_LOSSES = ("cross_entropy", "mse")
_MONITORS = ("val_loss", "val_acc")

_SERIES = SequenceOf(Float(allow_nan=True), min_len=0, types=(list,), desc="a list of floats (nan where missing)")
_RATES = SequenceOf(Float(0, 1, allow_nan=True), min_len=0, types=(list,),
                    desc="a list of floats in [0, 1] (nan where missing)")
_POSITIVE = SequenceOf(Float(0), min_len=0, types=(list,), desc="a list of floats >= 0")


def _check_history(args: Mapping[str, Any]) -> None:
    """Every series has one entry per epoch; ``best_epoch`` is one of them; extra names are free."""
    n = len(args["train_loss"])
    for name in ("train_acc", "val_loss", "val_acc", "lr", "epoch_time"):
        if len(args[name]) != n:
            raise invalid(name, f"a list with one entry per epoch, as many as train_loss ({n})",
                          f"a list of {len(args[name])}")
    for name, values in args["extra"].items():
        if not name.isidentifier() or name in History.__dataclass_fields__ or hasattr(History, name):
            raise invalid("extra", "a dict whose keys are identifiers other than the names History already uses",
                          f"a dict with the key {name!r}")
        if len(values) != n:
            raise invalid("extra", f"a dict of lists with one entry per epoch, as many as train_loss ({n})",
                          f"{len(values)} entries for {name!r}")
    best = args["best_epoch"]
    if best is not None and best >= n:
        raise invalid("best_epoch", f"None or the index of a recorded epoch, in [0, {n - 1}]", repr(best))


@validate(train_loss=_SERIES, train_acc=_RATES, val_loss=_SERIES, val_acc=_RATES, lr=_POSITIVE,
          epoch_time=_POSITIVE, best_epoch=[None, Int(0)], stopped_early=Bool(),
          extra=MappingOf(Instance(str, desc="a str"), _SERIES, min_len=0), checks=[_check_history])
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
        stopped_early: whether early stopping (or a callback returning
            ``True``) ended the run.
        extra: further per-epoch series recorded by ``fit``'s callbacks with
            :meth:`log`, e.g. ``{"weight_norm": [3.1, 2.8, ...]}``; each has one
            entry per epoch (``nan`` where nothing was recorded). They
            serialise, load and plot like the built-in series.
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    epoch_time: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False
    extra: dict[str, list[float]] = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        """Number of epochs trained."""
        return len(self.train_loss)

    @validate(name=Instance(str, desc="a str naming the series, e.g. 'weight_norm'"),
              value=Instance(Real, Tensor, desc="a real number or a one-element tensor"))
    def log(self, name: str, value: float | Tensor) -> None:
        """Record ``value`` of the series ``name`` for the last finished epoch.

        Meant for ``fit``'s callbacks, e.g. the weight norm after every epoch::

            def weight_norm(epoch, model, history):
                history.log("weight_norm", sum(p.detach().norm() ** 2 for p in model.parameters()) ** 0.5)

        Epochs in which nothing was recorded read ``nan``, so every series has
        one entry per epoch and lines up with ``train_loss``.

        Args:
            name: the series' name, e.g. ``"weight_norm"``; not the name of a
                built-in series (``"train_loss"``, ``"val_acc"``, …).
            value: a real number or a one-element tensor; ``nan`` marks a missing value,
                ``inf`` and ``-inf`` are refused (a History holds no infinite value).

        Raises:
            TypeError, ValueError: a bad name or value (infinite included), no
                finished epoch yet, or a second value for the same epoch.
        """
        func = "History.log"
        if not name.isidentifier() or name in self.__dataclass_fields__ or hasattr(History, name):
            raise invalid("name", "a Python identifier other than the names History already uses, such as "
                          f"the built-in series {list(_BUILTIN_SERIES)}", repr(name),
                          "Pick another name, e.g. 'weight_norm'.")
        if isinstance(value, bool) or (isinstance(value, Tensor) and value.numel() != 1):
            raise invalid("value", "a real number or a one-element tensor", show(value),
                          type_error=isinstance(value, bool))
        if isinstance(value, Tensor):
            value = value.item()
        if math.isinf(value):
            raise invalid("value", "a finite real number, or nan for a value that is missing", repr(value),
                          "An infinite value cannot be stored, plotted or averaged; a diverged run reads nan.")
        if self.epochs == 0:
            raise ValueError(f"{func} records a value for the last finished epoch, and this History "
                             "has none yet. Call it from a fit callback, which runs after each epoch.")
        series = self.extra.setdefault(name, [])
        if len(series) >= self.epochs:
            raise ValueError(f"{func} already has a value of {name!r} for epoch {self.epochs - 1}. "
                             "Record each series once per epoch.")
        series.extend([math.nan] * (self.epochs - 1 - len(series)))
        series.append(float(value))

    @validate(name=Instance(str, desc="a str naming a series"))
    def series(self, name: str) -> list[float]:
        """The per-epoch series ``name``: a built-in one or one recorded with :meth:`log`.

        Raises:
            ValueError: no such series; the message lists the available ones.
        """
        if name in self.extra:
            return self.extra[name]
        if name in _BUILTIN_SERIES:
            return getattr(self, name)
        raise invalid("name", f"one of the series of this History {self.series_names()}", repr(name))

    def series_names(self) -> list[str]:
        """Names accepted by :meth:`series`: the built-in series, then the recorded ones."""
        return [*_BUILTIN_SERIES, *self.extra]

    @property
    def train_error(self) -> list[float]:
        """``1 - train_acc`` per epoch."""
        return [1.0 - a for a in self.train_acc]

    @property
    def val_error(self) -> list[float]:
        """``1 - val_acc`` per epoch."""
        return [1.0 - a for a in self.val_acc]

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` for JSON files (``nan`` becomes ``None``).

        ``extra`` is left out when no series was recorded, so a run without
        callbacks writes the same file as before callbacks existed.
        """
        out = asdict(self)
        if not self.extra:
            del out["extra"]
        for key, value in out.items():
            if isinstance(value, list):
                out[key] = _nan_to_none(value)
        if "extra" in out:
            out["extra"] = {k: _nan_to_none(v) for k, v in out["extra"].items()}
        return out

    @classmethod
    @validate(data=Instance(dict, desc="a dict made by History.to_dict"))
    def from_dict(cls, data: dict[str, Any]) -> History:
        """Inverse of :meth:`to_dict`.

        Raises:
            TypeError, ValueError: ``data`` is not such a dict: an unknown key,
                a series that is not a list of numbers, lists of unequal lengths.
        """
        known = sorted(cls.__dataclass_fields__)
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise invalid("data", f"a dict made by History.to_dict, with keys among {known}",
                          f"a dict with the unknown keys {unknown}")
        kwargs = {k: _none_to_nan(val) if isinstance(val, list) else val for k, val in data.items()}
        if isinstance(kwargs.get("extra"), dict):
            kwargs["extra"] = {k: _none_to_nan(v) if isinstance(v, list) else v for k, v in kwargs["extra"].items()}
        try:
            with user_input():  # the lists inside data are checked by History's own constraints
                return cls(**kwargs)
        except ParameterError as exc:
            raise invalid("data", "a dict made by History.to_dict",
                          f"data[{exc.param!r}] = {exc.got} (it must be {exc.allowed})",
                          type_error=isinstance(exc, TypeError)) from None


#: Per-epoch series every History has (properties included); :meth:`History.log` adds others.
_BUILTIN_SERIES = ("train_loss", "val_loss", "train_acc", "val_acc", "train_error", "val_error",
                   "lr", "epoch_time")


def _nan_to_none(values: list) -> list:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


def _none_to_nan(values: list) -> list:
    return [math.nan if v is None else v for v in values]


def _require_epochs(history: History, param: str = "history", run: str | None = None,
                    allowed: str = "a History with at least one finished epoch") -> None:
    """Refuse an empty History where a function reads its last epoch; the error names ``param``.

    Args:
        history: the History about to be read.
        param: the parameter it came from.
        run: its label, when it is one run of a dict ``{label: History}``.
        allowed: what ``param`` must be.
    """
    if isinstance(history, History) and history.epochs == 0:
        where = "" if run is None else f" for the run {run!r}"
        raise invalid(param, allowed, f"an empty History (0 epochs){where}",
                      "Pass the History of a finished run, as fit or the topic's run function returns it.")


_MODEL = Instance(nn.Module, desc="a torch.nn.Module")
# Inputs are floats with finite values; targets are int64 labels or float regression targets.
_DATA = Pair(TensorOf("floating", finite=True), TensorOf("real", finite=True))


def _probe(model: nn.Module, x: Tensor, param: str) -> Tensor:
    """The model's output on the first example of ``x``, computed in eval mode without gradients.

    A cheap check that ``x`` fits the model (dtype, channels, length) before
    any training: a failure names ``param`` and the shape the model expects.
    Eval mode updates no BN statistics and draws no dropout mask, and the CPU
    random generator is restored, so training is not changed by it.
    """
    ref = next((p for p in model.parameters() if p.is_floating_point()), None)
    if ref is not None and ref.dtype != x.dtype:
        raise invalid(param, f"a pair whose x has the dtype of the model's parameters ({ref.dtype})",
                      f"x of dtype {x.dtype}", f"Convert it with x.to({ref.dtype}).", type_error=True)
    xb = x[:1] if ref is None else x[:1].to(ref.device)
    blame = blame_input(model, param, f"x of shape {tuple(x.shape)}", "a pair whose x the model accepts: {}")
    with eval_mode(model), torch.random.fork_rng(devices=[]), blame:
        return model(xb)


def _data_checks(*params: str) -> Callable[[Mapping[str, Any]], None]:
    """Check that the pairs ``params`` (the first one required) fit the model and the loss.

    * later pairs look like the first (same input shape, same dtypes);
    * ``cross_entropy``: y holds int64 labels of shape (N,) in ``[0, K)``, K
      being the number of outputs of the model;
    * ``mse``: y is floating and has the shape of the model's output, so that
      the loss does not broadcast (N,) against (N, 1).
    """

    def check(args: Mapping[str, Any]) -> None:
        model, loss, first = args["model"], args["loss"], params[0]
        x0, y0 = args[first]
        for param in params[1:]:
            if args[param] is None:
                continue
            x, y = args[param]
            if x.shape[1:] != x0.shape[1:] or x.dtype != x0.dtype or y.shape[1:] != y0.shape[1:] or y.dtype != y0.dtype:
                raise invalid(param, f"a pair like {first}: inputs of shape (N, {', '.join(map(str, x0.shape[1:]))}) "
                              f"and dtype {x0.dtype}, targets of shape (N{''.join(f', {d}' for d in y0.shape[1:])}) "
                              f"and dtype {y0.dtype}", f"x of shape {tuple(x.shape)} and dtype {x.dtype}, y of "
                              f"shape {tuple(y.shape)} and dtype {y.dtype}")
        out = _probe(model, x0, first)
        for param in params:
            if args[param] is None:
                continue
            y = args[param][1]
            if loss == "cross_entropy":
                if y.dtype != torch.int64 or y.dim() != 1:
                    raise invalid(param, "a pair whose y holds int64 class indices of shape (N,) for "
                                  "loss='cross_entropy'", f"y of dtype {y.dtype} and shape {tuple(y.shape)}",
                                  "Use y.long() for labels, or loss='mse' for regression.",
                                  type_error=y.dtype != torch.int64)
                if out.dim() != 2:
                    raise invalid("model", "a classifier with outputs (N, num_classes) for loss='cross_entropy'",
                                  f"outputs of shape (N, {', '.join(map(str, out.shape[1:]))})")
                low, high, k = int(y.min()), int(y.max()), out.shape[1]
                if low < 0 or high >= k:
                    raise invalid(param, f"a pair whose labels y are in [0, {k - 1}] (the model has {k} outputs)",
                                  f"labels in [{low}, {high}]",
                                  "Build the model with as many outputs as there are classes.")
            else:
                if not y.is_floating_point():
                    raise invalid(param, "a pair whose y is a floating-point tensor for loss='mse'",
                                  f"y of dtype {y.dtype}", "Convert it with y.float().", type_error=True)
                if y.shape[1:] != out.shape[1:]:
                    shape = "(N" + "".join(f", {d}" for d in out.shape[1:]) + ")"
                    raise invalid(param, f"a pair whose y has the shape of the model's output {shape} for "
                                  "loss='mse'", f"y of shape {tuple(y.shape)}",
                                  f"Reshape it, e.g. y.view(-1, {', '.join(map(str, out.shape[1:]))}) or "
                                  "y.unsqueeze(1), so that the loss does not broadcast."
                                  if out.dim() > 1 else "Reshape it to the shape of the output.")

    return check


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
        opt = spec(params)
        if not isinstance(opt, torch.optim.Optimizer):
            raise invalid("optimizer", "a callable params -> torch.optim.Optimizer",
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


#: ``fit``'s hooks: how many positional arguments fit passes, what it expects, and how to write one.
_HOOKS = {
    "callbacks": (("epoch", "model", "history"), "a callable (epoch, model, history) -> None | bool, or a list of them",
                  "Write it as def my_callback(epoch, model, history): ... (return True to stop)."),
    "batch_transform": (("x", "y"), "a callable (x, y) -> (x, y)",
                        "Write it as def my_transform(x, y): ... return x, y."),
    "penalty": (("model",), "a callable model -> scalar tensor, or a list of them",
                "Write it as def my_penalty(model): return lam * sum(p.pow(2).sum() for p in model.parameters())."),
}


def _hook_name(hook: Callable[..., Any]) -> str:
    return getattr(hook, "__name__", None) or type(hook).__name__


def _check_hook_signatures(**hooks: list[Callable[..., Any]]) -> None:
    """Refuse, before any training, a hook that cannot take the arguments ``fit`` passes it.

    A hook whose signature Python cannot read (some builtins) is let through; a call that then
    fails is named by :func:`_call_hook`.
    """
    for param, funcs in hooks.items():
        names, allowed, hint = _HOOKS[param]
        for hook in funcs:
            try:
                sig = inspect.signature(hook)
            except (TypeError, ValueError):
                continue
            try:
                sig.bind(*names)
            except TypeError:
                raise invalid(param, allowed, f"{_hook_name(hook)}{sig}, which cannot take the {len(names)} "
                              f"argument{'s' if len(names) > 1 else ''} fit passes ({', '.join(names)})",
                              hint, type_error=True) from None


def _call_hook(param: str, hook: Callable[..., Any], *args: Any) -> Any:
    """``hook(*args)``; a ``TypeError`` raised by the call itself (not inside the hook) names the hook."""
    try:
        return hook(*args)
    except TypeError as exc:
        # Raised by the call itself: the innermost frame is this one, or the wrapper that runs a
        # user's hook as user code (_validation.user_hook); deeper, it is the hook's own error.
        frames = exc.__traceback__
        while frames is not None and frames.tb_next is not None:
            frames = frames.tb_next
        wrapper = getattr(hook, "__code__", None) if hasattr(hook, "__wrapped__") else None
        if frames is not None and frames.tb_frame.f_code in (_call_hook.__code__, wrapper):
            _, allowed, hint = _HOOKS[param]
            raise invalid(param, allowed, f"{_hook_name(hook)}, which fit could not call: {exc}", hint,
                          type_error=True) from exc
        raise


def _transform_batch(transform: BatchTransform, xb: Tensor, yb: Tensor, classify: bool) -> TensorPair:
    """``transform(xb, yb)``, checked: a user's mistake gets named here, not deep inside torch."""
    out = _call_hook("batch_transform", transform, xb, yb)
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, Tensor) for t in out)):
        got = show(out) if isinstance(out, (tuple, list, Tensor)) else f"{show(out)} of type {type(out).__name__}"
        raise invalid("batch_transform", "a callable that returns a pair (x, y) of tensors",
                      f"one that returned {got}", "End it with `return x, y`.", type_error=True)
    x2, y2 = out
    if x2.shape[:1] != xb.shape[:1] or y2.shape[:1] != yb.shape[:1]:
        raise invalid("batch_transform", f"a callable that returns as many examples as it gets ({len(xb)})",
                      f"one that returned x of shape {tuple(x2.shape)} and y of shape {tuple(y2.shape)}")
    if x2.dtype != xb.dtype or x2.device != xb.device or y2.device != yb.device:
        raise invalid("batch_transform", f"a callable that returns x of the dtype and device it gets "
                      f"({xb.dtype} on {xb.device}) and y on {yb.device}",
                      f"one that returned x of dtype {x2.dtype} on {x2.device} and y on {y2.device}",
                      "Build new tensors with torch.*_like(x) or x.new_*(...).")
    if classify and not ((y2.dtype == torch.long and y2.dim() == 1) or (y2.is_floating_point() and y2.dim() == 2)):
        raise invalid("batch_transform", "a callable that returns y as int64 class indices of shape (N,) or "
                      "float class probabilities of shape (N, C) for loss='cross_entropy'",
                      f"one that returned y of dtype {y2.dtype} and shape {tuple(y2.shape)}")
    return x2, y2


def _check_transformed_labels(y: Tensor, num_outputs: int) -> None:
    """Labels a ``batch_transform`` returned, against the model's ``num_outputs`` classes (before the loss)."""
    if y.dim() == 2:
        if y.shape[1] != num_outputs:
            raise invalid("batch_transform", f"a callable that returns class probabilities y of shape (N, "
                          f"{num_outputs}), one column per output of the model",
                          f"one that returned y of shape {tuple(y.shape)}")
        return
    low, high = (int(v) for v in torch.aminmax(y))  # one host sync per step, only with a batch_transform
    if low < 0 or high >= num_outputs:
        raise invalid("batch_transform", f"a callable that returns labels y in [0, {num_outputs - 1}] (the model "
                      f"has {num_outputs} outputs)", f"one that returned labels in [{low}, {high}]",
                      "Check the labels it makes, e.g. the classes a label-noise transform draws from.")


def _non_finite(x: Tensor, y: Tensor) -> Tensor:
    """A 0-d bool tensor on the device: whether x (or floating y) holds NaN or infinite values (no host sync)."""
    bad = ~torch.isfinite(x).all()
    return bad | ~torch.isfinite(y).all() if y.is_floating_point() else bad


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


def _penalty(p: Penalty, model: nn.Module) -> Tensor | float:
    """``p(model)``, checked to be a scalar: a non-scalar would broadcast the loss into a tensor."""
    value = _call_hook("penalty", p, model)
    if (isinstance(value, Tensor) and value.dim() == 0) or (isinstance(value, Real) and not isinstance(value, bool)):
        return value
    raise invalid("penalty", "a callable model -> scalar tensor (0-d), a list of them, or None",
                  f"{getattr(p, '__qualname__', repr(p))}, which returned {show(value)}",
                  "Reduce it to one number, e.g. with .sum().")


_CALLBACK = IsCallable("a callable (epoch, model, history) -> None | bool")
_PENALTY = IsCallable("a callable model -> scalar tensor")


@validate(
    model=_MODEL,
    train=_DATA,
    val=[None, _DATA],
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
        _data_checks("train", "val"),
    ],
    always=("train", "val"),  # data: checked in every fit, also one the package calls (run_*'s Splits)
)
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
            of another shape than the output); ``val`` differs from ``train``;
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
                           batch_transform=[] if batch_transform is None else [batch_transform])
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
            history.epoch_time.append(time.perf_counter() - start)
            stop = _run_callbacks(hooks, epoch, model, history)
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
            if stop:
                history.stopped_early = True
                break
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
