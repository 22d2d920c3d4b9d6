"""Declarative validation of the public functions of ``course_utils``.

Every public function and class declares what its parameters accept, once,
next to its signature; :func:`validate` checks the arguments at the public
boundary and raises errors in scikit-learn's form (parameter and function,
what is allowed, what it got, how to fix it)::

    from ._validation import Float, IsCallable, OneOf, Pair, TensorOf, invalid, requires, validate

    @validate(
        p=Float(0, 1, high_open=True, hint="p is the probability of dropping a unit."),
        mode=OneOf("train", "eval"),
        x=TensorOf("floating", ndim=2, finite=True),
        norm_layer=[None, IsCallable()],          # a list: any of them will do
        checks=[requires("p", lambda a: a["mode"] == "train" or a["p"] == 0,
                         "0 in eval mode")],       # cross-parameter checks
    )
    def dropout(x, p=0.5, mode="train", norm_layer=None): ...

    dropout(x, p=1.5)
    # ValueError: The 'p' parameter of dropout must be a float in [0, 1). Got 1.5.
    #   p is the probability of dropping a unit.

Rules:

* The function's name in the message comes from ``__qualname__``
  (``ConvNet1d.__init__`` shows as ``ConvNet1d``); it is never typed.
* Only the arguments the caller passed are checked, in signature order (a
  default is the author's choice, checked by the test suite); then every
  ``checks`` callable runs on all arguments, defaults included. A check
  receives ``{name: value}`` and raises :func:`invalid` naming a parameter.
* Wrong type -> :class:`ParameterTypeError` (a ``TypeError``); wrong value ->
  :class:`ParameterValueError` (a ``ValueError``). Both carry ``.param``,
  ``.func``, ``.allowed``, ``.got`` and ``.hint``.
* A function body may also ``raise invalid("x", ...)`` for what can only be
  seen while computing (e.g. a model that rejects an input); the innermost
  decorated function fills in its own name.
* The body receives the arguments unchanged: nothing is converted.
* ``func.__validation__`` (for a class: ``cls.__init__.__validation__``) is a
  :class:`Validation` holding the constraints; ``tests/test_validation.py``
  reads it to generate invalid values for every parameter of the public API.
* Builders that pass ``**kwargs`` on to a class declare that with
  :func:`forwards`; errors about a forwarded argument then name the builder.
* :func:`unvalidated` marks the rare public callable that takes no user input.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np
import torch
from torch import nn

__all__ = [
    "Bool",
    "Constraint",
    "Failure",
    "Float",
    "Instance",
    "Int",
    "IsCallable",
    "MappingOf",
    "OneOf",
    "Pair",
    "ParameterError",
    "ParameterTypeError",
    "ParameterValueError",
    "PathLike",
    "SequenceOf",
    "Subclass",
    "TensorOf",
    "Validation",
    "blame_input",
    "eval_mode",
    "forwards",
    "invalid",
    "invalid_values",
    "requires",
    "show",
    "unvalidated",
    "validate",
]

F = TypeVar("F", bound=Callable[..., Any])


# --- errors ------------------------------------------------------------------------------------


class ParameterError(Exception):
    """Base of the two errors raised for a bad argument; see the module docstring."""

    def __init__(self, param: str, allowed: str, got: str, hint: str | None = None,
                 func: str | None = None) -> None:
        super().__init__(param, allowed, got, hint, func)
        self.param, self.allowed, self.got, self.hint, self.func = param, allowed, got, hint, func

    def __str__(self) -> str:
        where = f" of {self.func}" if self.func else ""
        hint = f" {self.hint}" if self.hint else ""
        return f"The '{self.param}' parameter{where} must be {self.allowed}. Got {self.got}.{hint}"

    def named(self, func: str) -> ParameterError:
        """The same error, naming ``func`` as the function."""
        return type(self)(self.param, self.allowed, self.got, self.hint, func)


class ParameterTypeError(ParameterError, TypeError):
    """An argument of the wrong type."""


class ParameterValueError(ParameterError, ValueError):
    """An argument of the right type with a wrong value."""


def invalid(param: str, allowed: str, got: str, hint: str | None = None, *,
            type_error: bool = False) -> ParameterError:
    """The error to raise from a check or a function body; the decorator names the function.

    Args:
        param: the parameter's name.
        allowed: what it must be, e.g. ``"a float in [0, 1)"``.
        got: what it was, e.g. ``"1.5"`` (the message reads "Got 1.5.").
        hint: how to fix it, a full sentence.
        type_error: raise a ``TypeError`` instead of a ``ValueError``.
    """
    cls = ParameterTypeError if type_error else ParameterValueError
    return cls(param, allowed, got, hint)


# --- how values are shown ----------------------------------------------------------------------


def show(value: Any) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, (tuple, list)) and any(isinstance(v, (torch.Tensor, np.ndarray)) for v in value):
        inner = ", ".join(show(v) for v in value[:4]) + (", ..." if len(value) > 4 else "")
        return f"a {type(value).__name__} ({inner})"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _show_typed(value: Any) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return show(value)
    return f"{show(value)} of type {type(value).__name__}"


def _bound(value: float | None) -> str:
    if value is None:
        return "?"
    return str(value) if isinstance(value, int) else f"{value:g}"


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else _bound(low)
    hi = "inf" if high is None else _bound(high)
    return f"{left}{lo}, {hi}{right}"


class _Bad:
    """A value no constraint accepts (used to generate invalid arguments)."""

    def __repr__(self) -> str:
        return "<bad value>"


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

    def invalid_examples(self) -> list[Any]:
        """Values this constraint rejects, for the API-wide invalid-input test."""
        return [_Bad()]

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

    def invalid_examples(self) -> list[Any]:
        out: list[Any] = [_Bad(), True, 1.5, "1"]
        if self.low is not None:
            out.append(self.low - 1)
        if self.high is not None:
            out.append(self.high + 1)
        return out


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

    def invalid_examples(self) -> list[Any]:
        out: list[Any] = [_Bad(), True, "0.5", math.inf]
        if not self.allow_nan:
            out.append(math.nan)
        if self.low is not None:
            out.append(self.low if self.low_open else self.low - 1)
        if self.high is not None:
            out.append(self.high if self.high_open else self.high + 1)
        return out


class Bool(Constraint):
    """``True`` or ``False`` (not 0, 1 or None)."""

    def describe(self) -> str:
        return "a bool (True or False)"

    def failure(self, value: Any) -> Failure | None:
        return None if isinstance(value, (bool, np.bool_)) else self.wrong_type(value)

    def invalid_examples(self) -> list[Any]:
        return [_Bad(), 1, None, "True"]


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

    def invalid_examples(self) -> list[Any]:
        out: list[Any] = [_Bad()]
        for c in self.choices:
            if isinstance(c, str):
                out.append(c + "?")
            elif isinstance(c, Integral) and not isinstance(c, bool):
                out.append(max(int(x) for x in self.choices if isinstance(x, Integral)) + 1)
        return out


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

    def invalid_examples(self) -> list[Any]:
        return [_Bad(), None] if not isinstance(None, self.types) else [_Bad()]


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

    def invalid_examples(self) -> list[Any]:
        return [_Bad(), int]


class IsCallable(Constraint):
    """A callable: a function, a lambda, a class or an object with ``__call__``."""

    def __init__(self, desc: str = "a callable", *, hint: str | None = None) -> None:
        super().__init__(hint)
        self.desc = desc

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Failure | None:
        return None if callable(value) else self.wrong_type(value)

    def invalid_examples(self) -> list[Any]:
        return [_Bad(), "relu"]


class PathLike(Constraint):
    """A folder or file name: a ``str`` or an ``os.PathLike`` such as ``pathlib.Path``."""

    def describe(self) -> str:
        return "a str or a pathlib.Path"

    def failure(self, value: Any) -> Failure | None:
        if not isinstance(value, (str, os.PathLike)):
            return self.wrong_type(value)
        return (ParameterValueError, "''") if value == "" else None

    def invalid_examples(self) -> list[Any]:
        return [_Bad(), 3, ""]


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

    def invalid_examples(self) -> list[Any]:
        container = self.types[0]
        good = [v for v in _valid_item_examples(self.item)]
        out: list[Any] = [_Bad(), {"a": 1}]
        if self.min_len > 0:
            out.append(container())
        if self.max_len is not None and good:
            out.append(container(good[:1] * (self.max_len + 1)))
        for bad in invalid_values(self.item):
            out.append(container((good[:1] * self.min_len)[:-1] + [bad] if good and self.min_len else [bad]))
        if self.unique and good:
            out.append(container(good[:1] * max(2, self.min_len)))
        return out


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

    def invalid_examples(self) -> list[Any]:
        out: list[Any] = [_Bad(), [("a", 1)]]
        if self.min_len:
            out.append({})
        keys, values = _valid_item_examples(self.key), _valid_item_examples(self.value)
        if keys:
            out += [{keys[0]: bad} for bad in invalid_values(self.value)]
        if values:
            out += [{bad: values[0]} for bad in invalid_values(self.key) if _hashable(bad)]
        return out


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


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

    def example(self) -> torch.Tensor:
        """A tensor this constraint accepts (zeros)."""
        ndim = self.ndim[0] if self.ndim is not None else max(self.min_ndim, 1)
        if self.dtype is None or self.dtype in ("floating", "real"):
            dtype = torch.float32
        elif self.dtype == "integer":
            dtype = torch.int64
        else:
            dtype = self.dtype[0] if isinstance(self.dtype, tuple) else self.dtype
        return torch.zeros((2,) * ndim, dtype=dtype)

    def invalid_examples(self) -> list[Any]:
        good = self.example()
        out: list[Any] = [_Bad(), good.tolist()]
        if self.dtype is not None:
            wrong = torch.bool if self._dtype_ok(torch.float32) and self._dtype_ok(torch.int64) else (
                torch.int64 if not self._dtype_ok(torch.int64) else torch.float32)
            if not self._dtype_ok(torch.float64) and wrong == torch.float32:
                wrong = torch.float64
            out.append(good.to(wrong))
        if self.ndim is not None or self.min_ndim:
            too_few = (min(self.ndim) if self.ndim else self.min_ndim) - 1
            out.append(torch.zeros((2,) * too_few, dtype=good.dtype) if too_few >= 0 else None)
            if self.ndim is not None:
                out.append(torch.zeros((2,) * (max(self.ndim) + 1), dtype=good.dtype))
        if self.finite and good.is_floating_point():
            nan = good.clone()
            nan.view(-1)[0] = math.nan
            inf = good.clone()
            inf.view(-1)[-1] = math.inf
            out += [nan, inf]
        return [v for v in out if v is not None]


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

    def example(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A pair this constraint accepts (zeros, two rows)."""
        x = self.x.example() if isinstance(self.x, TensorOf) else torch.zeros(2, 2)
        y = self.y.example() if isinstance(self.y, TensorOf) else torch.zeros(2)
        return x, y

    def invalid_examples(self) -> list[Any]:
        x, y = self.example()
        out: list[Any] = [_Bad(), x, (x, y, y), (x, y.tolist()), (x, y[:1]), (x[:0], y[:0])]
        out += [(bad, y) for bad in self.x.invalid_examples() if isinstance(bad, torch.Tensor) and bad.dim()]
        out += [(x, bad) for bad in self.y.invalid_examples() if isinstance(bad, torch.Tensor) and bad.dim()]
        return out


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


def _valid_item_examples(constraints: tuple[Constraint, ...]) -> list[Any]:
    candidates = [1, 1.0, "a", True, None]
    for c in constraints:
        if isinstance(c, (TensorOf, Pair)):
            candidates.insert(0, c.example())
        if isinstance(c, OneOf):
            candidates = list(c.choices) + candidates
        if isinstance(c, Int) and c.low is not None:
            candidates.insert(0, c.low)
    return [v for v in candidates if _first_failure(constraints, v) is None]


def invalid_values(spec: Constraint | list[Any] | tuple[Constraint, ...]) -> list[Any]:
    """Values that every constraint of ``spec`` rejects, generated from the constraints.

    ``tests/test_validation.py`` passes each of them to the public function
    and expects an error naming the parameter.
    """
    constraints = spec if isinstance(spec, tuple) else _as_constraints(spec)
    out = []
    for c in constraints:
        for value in c.invalid_examples():
            if _first_failure(constraints, value) is not None:
                out.append(value)
    return out


# --- the decorator -----------------------------------------------------------------------------

Check = Callable[[Mapping[str, Any]], None]


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` stores on a function as ``__validation__``.

    Attributes:
        name: the function's display name, from ``__qualname__``.
        params: ``{parameter: constraints}``; any one constraint accepts.
        checks: cross-parameter checks, each called with all arguments.
        forwards_to: for a builder (:func:`forwards`), the class or function
            its keyword arguments go to; ``None`` otherwise.
        fixed: parameters of ``forwards_to`` that the builder sets itself.
        reason: for :func:`unvalidated`, why nothing is checked.
    """

    name: str
    params: dict[str, tuple[Constraint, ...]] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    forwards_to: Any = None
    fixed: tuple[str, ...] = ()
    reason: str | None = None

    def failure(self, param: str, value: Any) -> Failure | None:
        """``None`` if ``param`` accepts ``value``, else the error class and what was got."""
        return _first_failure(self.params[param], value)


def display_name(func: Callable[..., Any]) -> str:
    """``Foo.__init__`` -> ``Foo``; ``Foo.bar`` -> ``Foo.bar``; ``f`` -> ``f``."""
    name = func.__qualname__.replace("<locals>.", "")
    return name.removesuffix(".__init__")


def _positional_names(sig: inspect.Signature) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in sig.parameters.values() if p.kind in kinds]


def _passed(positional: list[str], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    passed = dict(zip(positional, args))
    passed.update(kwargs)
    return passed


def validate(*, checks: Iterable[Check] = (), **constraints: Any) -> Callable[[F], F]:
    """Declare what each parameter accepts; check the arguments on every call.

    Args:
        checks: cross-parameter checks: callables receiving ``{name: value}``
            for every parameter (defaults included) that raise :func:`invalid`.
            They run after the per-parameter checks, when no required
            argument is missing. (``checks`` is therefore not a parameter name.)
        **constraints: ``parameter=constraint`` or ``parameter=[constraint, ...]``
            (any of them will do); ``None`` in a list allows ``None``, a
            class allows its instances.

    Returns:
        A decorator for a function, a method (``__init__`` included) or a
        class (it then wraps the class's ``__init__``, e.g. of a dataclass;
        its ``checks`` then run on the new object's attributes of the same
        names, after ``__init__``).

    Raises:
        TypeError: at decoration time, a constraint names no parameter of the function.
    """
    declared = {name: _as_constraints(spec) for name, spec in constraints.items()}
    check_list = tuple(checks)

    def decorate(obj: F) -> F:
        if isinstance(obj, type):
            # The checks see the constructed object's attributes, so that default
            # factories (a dataclass's field(default_factory=list)) are resolved.
            obj.__init__ = _wrap(obj.__init__, declared, check_list, obj.__qualname__,  # type: ignore[misc]
                                 after_init=True)
            return obj
        return _wrap(obj, declared, check_list, display_name(obj))  # type: ignore[return-value]

    return decorate


def _wrap(func: Callable[..., Any], declared: dict[str, tuple[Constraint, ...]], checks: tuple[Check, ...],
          name: str, after_init: bool = False) -> Callable[..., Any]:
    sig = inspect.signature(func)
    unknown = set(declared) - set(sig.parameters)
    if unknown:
        raise TypeError(f"validate: {name} has no parameter(s) {sorted(unknown)}.")
    positional = _positional_names(sig)
    order = [p for p in sig.parameters if p in declared]
    required = [p.name for p in sig.parameters.values()
                if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        passed = _passed(positional, args, kwargs)
        for param in order:
            if param in passed:
                problem = _first_failure(declared[param], passed[param])
                if problem is not None:
                    cls, got = problem
                    hints = [c.hint for c in declared[param] if c.hint]
                    allowed = " or ".join(c.describe() for c in declared[param])
                    raise cls(param, allowed, got, hints[0] if hints else None, name)
        try:
            if after_init:
                func(*args, **kwargs)
                fields = {p: getattr(args[0], p) for p in sig.parameters if hasattr(args[0], p)}
                for check in checks:
                    check(fields)
                return None
            if checks and all(p in passed for p in required):
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                for check in checks:
                    check(bound.arguments)
            return func(*args, **kwargs)
        except ParameterError as exc:
            if exc.func is None:
                raise exc.named(name) from exc.__cause__
            raise

    wrapper.__validation__ = Validation(name, declared, checks)  # type: ignore[attr-defined]
    return wrapper


def forwards(target: Callable[..., Any], *, fixed: Iterable[str] = ()) -> Callable[[F], F]:
    """Mark a builder that passes its keyword arguments on to ``target``, which validates them.

    An error about an argument the caller passed to the builder names the
    builder, e.g. ``resnet18(num_classes=0)`` -> "The 'num_classes' parameter
    of resnet18 ...".

    Args:
        target: the validated class or function the arguments go to.
        fixed: parameters of ``target`` that the builder sets itself (the
            API-wide test does not try them).
    """
    target_validation = getattr(getattr(target, "__init__", None), "__validation__", None) \
        if isinstance(target, type) else getattr(target, "__validation__", None)
    if target_validation is None:
        raise TypeError(f"forwards: {target!r} is not decorated with @validate.")
    fixed_names = tuple(fixed)

    def decorate(func: F) -> F:
        name = display_name(func)
        positional = _positional_names(inspect.signature(func))

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ParameterError as exc:
                if exc.func == target_validation.name and exc.param in _passed(positional, args, kwargs):
                    raise exc.named(name) from None
                raise

        wrapper.__validation__ = Validation(  # type: ignore[attr-defined]
            name, checks=(), forwards_to=target, fixed=fixed_names)
        return wrapper  # type: ignore[return-value]

    return decorate


def unvalidated(reason: str) -> Callable[[F], F]:
    """Opt a public callable out of the API-wide validation test, saying why.

    Only for callables that take no user input (keep the list tiny).
    """

    def decorate(obj: F) -> F:
        target = obj.__init__ if isinstance(obj, type) else obj  # type: ignore[misc]
        try:
            target.__validation__ = Validation(display_name(target), reason=reason)
        except AttributeError:  # a builtin __init__: mark the class instead
            obj.__validation__ = Validation(obj.__qualname__, reason=reason)  # type: ignore[attr-defined]
        return obj

    return decorate


def requires(param: str, condition: Callable[[Mapping[str, Any]], bool], allowed: str | Callable[..., str],
             hint: str | Callable[..., str] | None = None, *, got: Callable[..., str] | None = None,
             type_error: bool = False) -> Check:
    """A cross-parameter check: ``param`` is wrong unless ``condition(arguments)`` holds.

    Args:
        param: the parameter the error names.
        condition: receives ``{name: value}`` of all arguments.
        allowed: what ``param`` must be; a string (formatted with the
            arguments, e.g. ``"an int >= in_planes ({in_planes})"``) or a
            callable of the arguments.
        hint: how to fix it, formatted like ``allowed``.
        got: what was got, from the arguments (default: ``param``'s value).
        type_error: raise a ``TypeError`` instead of a ``ValueError``.
    """

    def text(spec: str | Callable[..., str] | None, args: Mapping[str, Any]) -> str | None:
        if spec is None or isinstance(spec, str):
            return spec.format(**args) if spec else spec
        return spec(args)

    def check(args: Mapping[str, Any]) -> None:
        if not condition(args):
            shown = got(args) if got else show(args[param])
            raise invalid(param, text(allowed, args) or "", shown, text(hint, args), type_error=type_error)

    check.param = param  # type: ignore[attr-defined]
    return check


# --- models and inputs -------------------------------------------------------------------------


@contextmanager
def eval_mode(model: nn.Module) -> Any:
    """Eval mode and no autograd inside; every module's own mode is restored afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()  # BN uses its running statistics and does not update them; dropout is off
    try:
        with torch.no_grad():
            yield
    finally:
        for m, mode in modes:
            m.training = mode


_FIRST_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def expected_input(model: nn.Module) -> str:
    """What the model's first layer takes, e.g. ``"inputs of shape (N, 3, H, W)"``."""
    first = next((m for m in model.modules() if isinstance(m, _FIRST_LAYERS)), None)
    if isinstance(first, nn.Linear):
        return f"inputs with {first.in_features} features per example (after any flattening)"
    if isinstance(first, nn.Conv1d):
        return f"inputs of shape (N, {first.in_channels}, L)"
    if isinstance(first, nn.Conv2d):
        return f"inputs of shape (N, {first.in_channels}, H, W)"
    if isinstance(first, nn.Conv3d):
        return f"inputs of shape (N, {first.in_channels}, D, H, W)"
    return "inputs the model accepts"


@contextmanager
def blame_input(model: nn.Module, param: str, got: str, allowed: str = "{}") -> Any:
    """Turn a model's failure on an input into an error naming the parameter that gave it.

    Used around a forward pass on a user's input (``fit``'s ``train``,
    ``count_macs``'s ``input_size``): a raw ``RuntimeError`` from deep inside
    torch becomes ``The 'input_size' parameter of count_macs must be the shape
    of inputs of shape (N, 3, H, W). Got (1, 1, 32, 32) (the model raised RuntimeError: ...)``.

    Args:
        model: the model about to run.
        param: the parameter the input came from.
        got: the input, described (e.g. its shape).
        allowed: what ``param`` must be; ``{}`` is replaced by what the
            model's first layer takes (:func:`expected_input`).
    """
    try:
        yield
    except ParameterError:
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise invalid(param, allowed.format(expected_input(model)),
                      f"{got} (the model raised {type(exc).__name__}: {reason})") from exc
