"""What a parameter accepts: one class per kind of value, each able to describe itself and test a value.

The values a constraint rejects, which the API-wide invalid-input test passes to every public
function, are made by the tests (``tests/validation_values.py``), not here."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch

from .errors import (
    ParameterError,
    ParameterTypeError,
    ParameterValueError,
    _interval,
    _show_typed,
    show,
)

# --- constraints -------------------------------------------------------------------------------

Failure = tuple[type[ParameterError], str]  # (error class, what was got)


class Constraint:
    """One thing a parameter accepts. Subclasses define :meth:`failure` and :meth:`describe`.

    Args:
        hint: how to fix a value this constraint rejects, appended to the message.
    """

    def __init__(self, hint: str | None = None) -> None:
        self.hint = hint

    def describe(self) -> str:
        """What is allowed, e.g. ``"an int in the range [1, inf)"``."""
        raise NotImplementedError

    def failure(self, value: Any) -> Failure | None:
        """``None`` if ``value`` is allowed, else the error class and what was got."""
        raise NotImplementedError

    def wrong_type(self, value: Any) -> Failure:
        return ParameterTypeError, _show_typed(value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()!r})"


class _NoneOK(Constraint):
    def describe(self) -> str:
        return "None"

    def failure(self, value: Any) -> Failure | None:
        return None if value is None else self.wrong_type(value)


class Int(Constraint):
    """An integer (not a bool) in the closed range ``[low, high]``; ``None`` leaves a side open."""

    def __init__(self, low: int | None = None, high: int | None = None, *, hint: str | None = None) -> None:
        super().__init__(hint)
        self.low, self.high = low, high

    def describe(self) -> str:
        return f"an int in the range {_interval(self.low, self.high, False, False)}"

    def failure(self, value: Any) -> Failure | None:
        if isinstance(value, bool) or not isinstance(value, Integral):
            return self.wrong_type(value)
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return ParameterValueError, show(value)
        return None


class Float(Constraint):
    """A real number (int or float, not a bool) in an interval; NaN and inf are refused.

    Args:
        low, high: the bounds; ``None`` leaves that side unbounded.
        low_open, high_open: make a bound exclusive, e.g. dropout's
            ``Float(0, 1, high_open=True)`` is ``[0, 1)``.
        allow_nan: accept NaN too (e.g. the accuracy of a regression run).
    """

    def __init__(self, low: float | None = None, high: float | None = None, *, low_open: bool = False,
                 high_open: bool = False, allow_nan: bool = False, hint: str | None = None) -> None:
        super().__init__(hint)
        self.low, self.high, self.low_open, self.high_open = low, high, low_open, high_open
        self.allow_nan = allow_nan

    def describe(self) -> str:
        text = f"a float in {_interval(self.low, self.high, self.low_open, self.high_open)}"
        return text + " or nan" if self.allow_nan else text

    def failure(self, value: Any) -> Failure | None:
        if isinstance(value, bool) or not isinstance(value, Real):
            return self.wrong_type(value)
        v = float(value)
        if math.isnan(v) and self.allow_nan:
            return None
        bad = not math.isfinite(v)
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            bad = True
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            bad = True
        return (ParameterValueError, show(value)) if bad else None


class Bool(Constraint):
    """``True`` or ``False`` (not 0, 1 or None)."""

    def describe(self) -> str:
        return "a bool (True or False)"

    def failure(self, value: Any) -> Failure | None:
        return None if isinstance(value, (bool, np.bool_)) else self.wrong_type(value)


def _same_kind(value: Any, choice: Any) -> bool:
    if isinstance(choice, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(choice, bool)
    if isinstance(choice, Integral):
        return isinstance(value, Integral)
    return isinstance(value, type(choice))


class OneOf(Constraint):
    """One of a few values, e.g. ``OneOf("sgd", "adam")`` or ``OneOf(None, "cosine")``.

    A value of another type than every choice is a type error; one of the
    right type that is not a choice is a value error.
    """

    def __init__(self, *choices: Any, hint: str | None = None) -> None:
        super().__init__(hint)
        self.choices = choices

    def describe(self) -> str:
        return "one of {" + ", ".join(repr(c) for c in self.choices) + "}"

    def failure(self, value: Any) -> Failure | None:
        kinds = [c for c in self.choices if _same_kind(value, c)]
        if not kinds:
            return self.wrong_type(value)
        if any(value is c or value == c for c in kinds):
            return None
        return ParameterValueError, show(value)


class Instance(Constraint):
    """An instance of one of ``types``.

    Args:
        types: the accepted classes.
        desc: what is allowed in words, e.g. ``"a torch.nn.Module"``
            (default: "an instance of <names>").
    """

    def __init__(self, *types: type, desc: str | None = None, hint: str | None = None) -> None:
        super().__init__(hint)
        self.types = types
        self.desc = desc or "an instance of " + " or ".join(t.__name__ for t in types)

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        return None if isinstance(value, self.types) else self.wrong_type(value)


class Subclass(Constraint):
    """A class that is one of ``bases`` or derives from one (e.g. a block class)."""

    def __init__(self, *bases: type, desc: str | None = None, hint: str | None = None) -> None:
        super().__init__(hint)
        self.bases = bases
        self.desc = desc or "the class " + " or ".join(b.__name__ for b in bases) + " (or a subclass)"

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        ok = isinstance(value, type) and issubclass(value, self.bases)
        return None if ok else self.wrong_type(value)


class IsCallable(Constraint):
    """A callable: a function, a lambda, a class or an object with ``__call__``."""

    def __init__(self, desc: str = "a callable", *, hint: str | None = None) -> None:
        super().__init__(hint)
        self.desc = desc

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        return None if callable(value) else self.wrong_type(value)


class PathLike(Constraint):
    """A folder or file name: a ``str`` or an ``os.PathLike`` such as ``pathlib.Path``."""

    def describe(self) -> str:
        return "a str or a pathlib.Path"

    def failure(self, value: Any) -> Failure | None:
        if not isinstance(value, (str, os.PathLike)):
            return self.wrong_type(value)
        return (ParameterValueError, "''") if value == "" else None


class SequenceOf(Constraint):
    """A list or tuple whose items all satisfy ``item``.

    Args:
        item: the constraint on every item (or a list of them).
        min_len: fewest items (1: not empty).
        max_len: most items, ``None`` for no limit.
        unique: refuse repeated items.
        types: the accepted containers.
        desc: what is allowed in words, e.g. ``"a list of 4 ints >= 1"``.
    """

    def __init__(self, item: Constraint | list[Any], *, min_len: int = 1, max_len: int | None = None,
                 unique: bool = False, types: tuple[type, ...] = (list, tuple), desc: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(hint)
        self.item = _as_constraints(item)
        self.min_len, self.max_len, self.unique, self.types = min_len, max_len, unique, types
        if desc is None:
            size = ""
            if self.min_len == self.max_len:
                size = f" of {self.min_len} items"
            elif self.min_len > 1:
                size = f" of at least {self.min_len} items"
            items = " or ".join(c.describe() for c in self.item)
            empty = "non-empty " if self.min_len == 1 and self.max_len != 1 else ""
            desc = f"a {empty}list or tuple{size}, each item {items}"
            if self.unique:
                desc += ", without repeats"
        self.desc = desc

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        if not isinstance(value, self.types):
            return self.wrong_type(value)
        n = len(value)
        if n < self.min_len or (self.max_len is not None and n > self.max_len):
            return ParameterValueError, f"{show(value)} of length {n}"
        for i, item in enumerate(value):
            problem = _first_failure(self.item, item)
            if problem is not None:
                cls, got = problem
                return cls, f"{show(value)}, whose item {i} is {got}"
        if self.unique:
            seen: list[Any] = []
            for item in value:
                if item in seen:
                    return ParameterValueError, f"{show(value)}, which repeats {item!r}"
                seen.append(item)
        return None


class MappingOf(Constraint):
    """A dict (any ``Mapping``) whose keys satisfy ``key`` and values ``value``."""

    def __init__(self, key: Constraint | list[Any], value: Constraint | list[Any], *, min_len: int = 1,
                 desc: str | None = None, hint: str | None = None) -> None:
        super().__init__(hint)
        self.key, self.value, self.min_len = _as_constraints(key), _as_constraints(value), min_len
        keys = " or ".join(c.describe() for c in self.key)
        values = " or ".join(c.describe() for c in self.value)
        self.desc = desc or f"a{' non-empty' if min_len else ''} dict with keys {keys} and values {values}"

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        if not isinstance(value, Mapping):
            return self.wrong_type(value)
        if len(value) < self.min_len:
            return ParameterValueError, show(value)
        for k, v in value.items():
            problem = _first_failure(self.key, k)
            if problem is not None:
                return problem[0], f"a dict whose key {problem[1]}"
            problem = _first_failure(self.value, v)
            if problem is not None:
                return problem[0], f"a dict whose entry {k!r} is {problem[1]}"
        return None


_DTYPE_FAMILIES: dict[str, tuple[str, Callable[[torch.dtype], bool]]] = {
    "floating": ("floating-point", lambda d: d.is_floating_point),
    "integer": ("integer", lambda d: not d.is_floating_point and not d.is_complex and d != torch.bool),
    "real": ("real-valued", lambda d: not d.is_complex and d != torch.bool),
}


class TensorOf(Constraint):
    """A ``torch.Tensor`` (optionally a NumPy array) with a given dtype, dimensions and values.

    Args:
        dtype: ``None`` (any), ``"floating"``, ``"integer"``, ``"real"`` (float
            or integer), a ``torch.dtype`` (e.g. ``torch.int64`` for class
            labels) or a tuple of them.
        ndim: ``None`` (any), a number of dimensions, or a tuple of the allowed numbers.
        min_ndim: the fewest dimensions.
        finite: refuse NaN and infinite entries.
        nonempty: refuse a tensor with no entries.
        numpy: accept a ``numpy.ndarray`` as well.
        desc: what is allowed in words (default: built from the above).
    """

    def __init__(self, dtype: str | torch.dtype | tuple[torch.dtype, ...] | None = None, *,
                 ndim: int | tuple[int, ...] | None = None, min_ndim: int = 0, finite: bool = False,
                 nonempty: bool = False, numpy: bool = False, desc: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(hint)
        if dtype is not None and not isinstance(dtype, (str, torch.dtype, tuple)):
            raise TypeError(f"TensorOf: dtype must be None, a family name or torch.dtype(s). Got {dtype!r}.")
        self.dtype, self.numpy = dtype, numpy
        self.ndim = (ndim,) if isinstance(ndim, int) else ndim
        self.min_ndim, self.finite, self.nonempty = min_ndim, finite, nonempty
        self.desc = desc or self._build_desc()

    def _dtype_text(self) -> str:
        if self.dtype is None:
            return ""
        if isinstance(self.dtype, str):
            return _DTYPE_FAMILIES[self.dtype][0] + " "
        dtypes = self.dtype if isinstance(self.dtype, tuple) else (self.dtype,)
        return " or ".join(str(d).removeprefix("torch.") for d in dtypes) + " "

    def _build_desc(self) -> str:
        kind = "torch.Tensor or numpy array" if self.numpy else "torch.Tensor"
        text = f"{self._dtype_text()}{kind}"
        text = ("an " if text[0] in "aeiou" else "a ") + text
        parts = []
        if self.ndim is not None:
            dims = " or ".join(str(d) for d in self.ndim)
            parts.append(f"{dims} dimension{'s' if self.ndim != (1,) else ''}")
        elif self.min_ndim:
            parts.append(f"at least {self.min_ndim} dimension{'s' if self.min_ndim > 1 else ''}")
        if self.finite:
            parts.append("finite values")
        if self.nonempty:
            parts.append("at least one entry")
        return text + (" with " + " and ".join(parts) if parts else "")

    def describe(self) -> str:
        return self.desc

    def _dtype_ok(self, dtype: torch.dtype) -> bool:
        if self.dtype is None:
            return True
        if isinstance(self.dtype, str):
            return _DTYPE_FAMILIES[self.dtype][1](dtype)
        return dtype in (self.dtype if isinstance(self.dtype, tuple) else (self.dtype,))

    def failure(self, value: Any) -> Failure | None:
        if isinstance(value, np.ndarray) and self.numpy:
            try:
                t = torch.from_numpy(value) if value.dtype != object else None
            except TypeError:
                t = None
            if t is None:
                return ParameterTypeError, show(value)
        elif isinstance(value, torch.Tensor):
            t = value
        else:
            return self.wrong_type(value)
        if not self._dtype_ok(t.dtype):
            return ParameterTypeError, show(value)
        if (self.ndim is not None and t.dim() not in self.ndim) or t.dim() < self.min_ndim:
            return ParameterValueError, show(value)
        if self.nonempty and t.numel() == 0:
            return ParameterValueError, show(value)
        if self.finite and t.is_floating_point() and t.device.type != "meta":
            bad = int((~torch.isfinite(t)).sum())
            if bad:
                return ParameterValueError, f"{show(value)} with {bad} NaN or infinite entries"
        return None


class Pair(Constraint):
    """A pair ``(x, y)`` of tensors with one row per example, e.g. ``splits.train``.

    The one rule for data pairs in the course: a tuple or list of two
    tensors of at least one dimension, with as many rows in ``y`` as in ``x``,
    and at least one row.

    Args:
        x: constraint on the inputs (default: any tensor).
        y: constraint on the targets (default: any tensor).
    """

    def __init__(self, x: TensorOf | None = None, y: TensorOf | None = None, *, hint: str | None = None) -> None:
        super().__init__(hint)
        self.x = x or TensorOf(min_ndim=1)
        self.y = y or TensorOf(min_ndim=1)
        details = [f"{name} {c.describe()}" for name, c in (("x", x), ("y", y)) if c is not None]
        self.desc = ("a pair (x, y) of tensors with as many rows in y as in x (at least one)"
                     + (f", {' and '.join(details)}" if details else "") + ", e.g. splits.train")

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            return self.wrong_type(value)
        if not all(isinstance(t, torch.Tensor) for t in value):
            return ParameterTypeError, (f"a {type(value).__name__} of items of types "
                                        f"{[type(t).__name__ for t in value]}")
        x, y = value
        for name, t, constraint in (("x", x, self.x), ("y", y, self.y)):
            if t.dim() == 0:
                return ParameterValueError, f"a pair whose {name} has no dimensions (a 0-d tensor)"
            problem = constraint.failure(t)
            if problem is not None:
                return problem[0], f"a pair whose {name} is {problem[1]}"
        if len(x) != len(y):
            return ParameterValueError, f"x of shape {tuple(x.shape)} and y of shape {tuple(y.shape)}"
        if len(x) == 0:
            return ParameterValueError, "a pair with 0 examples"
        return None


def _as_constraints(spec: Any) -> tuple[Constraint, ...]:
    items = spec if isinstance(spec, list) else [spec]
    out = []
    for item in items:
        if item is None:
            out.append(_NoneOK())
        elif isinstance(item, Constraint):
            out.append(item)
        elif isinstance(item, type):
            out.append(Instance(item))
        else:
            raise TypeError(f"validate: a constraint must be a Constraint, a type or None. Got {item!r}.")
    return tuple(out)


def _first_failure(constraints: tuple[Constraint, ...], value: Any) -> Failure | None:
    """``None`` if any constraint accepts ``value``; else the most telling failure.

    A value error (right type, wrong value) says more than a type error, so it wins.
    """
    failures = []
    for c in constraints:
        problem = c.failure(value)
        if problem is None:
            return None
        failures.append(problem)
    value_errors = [f for f in failures if f[0] is ParameterValueError]
    return (value_errors or failures)[0]
