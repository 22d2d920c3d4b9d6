"""The record of one training run: :class:`History`, its extra series and its JSON form.

``fit`` returns a History; plots, widgets and the stored sweeps read it. Every series has one
entry per finished epoch, ``nan`` where nothing was measured, and a History written with
:meth:`History.to_dict` loads back with :meth:`History.from_dict` to the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from numbers import Real
from typing import Any

from torch import Tensor

from .._validation import (
    Bool,
    Float,
    Instance,
    Int,
    MappingOf,
    ParameterError,
    SequenceOf,
    invalid,
    show,
    user_input,
    validate,
)

__all__ = ["History"]

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
        epoch_time: wall-clock seconds of the epoch, evaluation included.
        best_epoch: index of the epoch with the best monitored value, or
            ``None`` without a validation set.
        stopped_early: whether early stopping (or a callback returning
            ``True``) ended the run.
        extra: further per-epoch series: ``test_loss`` and ``test_acc`` when
            ``fit`` was given a test set, and those recorded by its callbacks with
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
        try:
            infinite = math.isinf(value)
        except OverflowError:  # an int too large for a float
            infinite = True
        if infinite:
            raise invalid("value", "a finite real number, or nan for a value that is missing", repr(value),
                          "An infinite value cannot be stored, plotted or averaged; a diverged run reads nan.")
        if self.epochs == 0:
            raise ValueError(f"{func} records a value for the last finished epoch, and this History "
                             "has none yet. Call it from a fit callback, which runs after each epoch.")
        series = self.extra.setdefault(name, [])
        if len(series) >= self.epochs:
            also = (" fit(..., test=...) records test_loss and test_acc itself: give the callback another name, "
                    "or leave test out." if name in ("test_loss", "test_acc") else "")
            raise ValueError(f"{func} already has a value of {name!r} for epoch {self.epochs - 1}. "
                             f"Record each series once per epoch.{also}")
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
        if name == "test_error" and "test_acc" in self.extra:
            return self.test_error
        if name in _BUILTIN_SERIES:
            return getattr(self, name)
        raise invalid("name", f"one of the series of this History {self.series_names()}", repr(name))

    def series_names(self) -> list[str]:
        """Names accepted by :meth:`series`: the built-in series, then the recorded ones.

        ``test_error`` (``1 - test_acc``) is among them when ``test_acc`` is.
        """
        derived = ["test_error"] if "test_acc" in self.extra else []
        return [*_BUILTIN_SERIES, *self.extra, *derived]

    @property
    def train_error(self) -> list[float]:
        """``1 - train_acc`` per epoch."""
        return [1.0 - a for a in self.train_acc]

    @property
    def val_error(self) -> list[float]:
        """``1 - val_acc`` per epoch."""
        return [1.0 - a for a in self.val_acc]

    @property
    def test_error(self) -> list[float]:
        """``1 - test_acc`` per epoch, from the series ``fit(..., test=...)`` records.

        Raises:
            ValueError: the History has no ``test_acc`` series (it was trained without ``test``).
        """
        if "test_acc" not in self.extra:
            raise ValueError("History.test_error is 1 - test_acc, and this History has no series 'test_acc': "
                             "it was trained without fit(..., test=...). (Histories made before that "
                             "option kept a test curve in val_*; make them again.)")
        return [1.0 - a for a in self.extra["test_acc"]]

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

