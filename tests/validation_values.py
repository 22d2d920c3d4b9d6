"""Values a constraint rejects, made from the constraint: the API-wide invalid-input test's inputs.

The package's constraints only describe and test values (``course_utils._validation``); what
to try against them lives here, with the tests that use it. :func:`invalid_values` gives, for a
parameter's constraints, values that every one of them rejects; ``tests/test_validation.py``
passes each to the public callable and expects an error naming the parameter.

A constraint class the table below does not know (one defined in a package module, say a
widget's stored-sweep check) is tried with a value nothing accepts, :class:`Bad`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Integral
from typing import Any

import torch

from course_utils._validation import (
    Bool,
    Constraint,
    Float,
    Instance,
    Int,
    IsCallable,
    MappingOf,
    OneOf,
    Pair,
    PathLike,
    SequenceOf,
    Subclass,
    TensorOf,
)
from course_utils._validation.constraints import _as_constraints, _first_failure
from course_utils.device import DeviceSpec

__all__ = ["Bad", "invalid_values", "valid_example"]


class Bad:
    """A value no constraint accepts."""

    def __repr__(self) -> str:
        return "<bad value>"


def _int(c: Int) -> list[Any]:
    out: list[Any] = [Bad(), True, 1.5, "1"]
    if c.low is not None:
        out.append(c.low - 1)
    if c.high is not None:
        out.append(c.high + 1)
    return out


def _float(c: Float) -> list[Any]:
    out: list[Any] = [Bad(), True, "0.5", math.inf] + ([] if c.allow_nan else [math.nan])
    if c.low is not None:
        out.append(c.low if c.low_open else c.low - 1)
    if c.high is not None:
        out.append(c.high if c.high_open else c.high + 1)
    return out


def _one_of(c: OneOf) -> list[Any]:
    out: list[Any] = [Bad()]
    ints = [int(x) for x in c.choices if isinstance(x, Integral) and not isinstance(x, bool)]
    for choice in c.choices:
        if isinstance(choice, str):
            out.append(choice + "?")
        elif isinstance(choice, Integral) and not isinstance(choice, bool):
            out.append(max(ints) + 1)
    return out


def _tensor_example(c: TensorOf) -> torch.Tensor:
    ndim = c.ndim[0] if c.ndim is not None else max(c.min_ndim, 1)
    if c.dtype is None or c.dtype in ("floating", "real"):
        dtype = torch.float32
    elif c.dtype == "integer":
        dtype = torch.int64
    else:
        dtype = c.dtype[0] if isinstance(c.dtype, tuple) else c.dtype
    return torch.zeros((2,) * ndim, dtype=dtype)


def _tensor(c: TensorOf) -> list[Any]:
    good = _tensor_example(c)
    out: list[Any] = [Bad(), good.tolist()]
    if c.dtype is not None:  # a dtype of another family than the accepted ones
        if c._dtype_ok(torch.float32) and c._dtype_ok(torch.int64):
            wrong = torch.bool
        elif not c._dtype_ok(torch.int64):
            wrong = torch.int64
        else:
            wrong = torch.float64 if not c._dtype_ok(torch.float64) else torch.float32
        out.append(good.to(wrong))
    if c.ndim is not None or c.min_ndim:
        too_few = (min(c.ndim) if c.ndim else c.min_ndim) - 1
        if too_few >= 0:
            out.append(torch.zeros((2,) * too_few, dtype=good.dtype))
        if c.ndim is not None:
            out.append(torch.zeros((2,) * (max(c.ndim) + 1), dtype=good.dtype))
    if c.finite and good.is_floating_point():
        nan, inf = good.clone(), good.clone()
        nan.view(-1)[0] = math.nan
        inf.view(-1)[-1] = math.inf
        out += [nan, inf]
    return out


def _pair_example(c: Pair) -> tuple[torch.Tensor, torch.Tensor]:
    return _tensor_example(c.x), _tensor_example(c.y)


def _pair(c: Pair) -> list[Any]:
    x, y = _pair_example(c)
    out: list[Any] = [Bad(), x, (x, y, y), (x, y.tolist()), (x, y[:1]), (x[:0], y[:0])]
    out += [(bad, y) for bad in _tensor(c.x) if isinstance(bad, torch.Tensor) and bad.dim()]
    out += [(x, bad) for bad in _tensor(c.y) if isinstance(bad, torch.Tensor) and bad.dim()]
    return out


def valid_example(constraints: tuple[Constraint, ...]) -> list[Any]:
    """A few values the constraints accept (possibly none), to fill a container around a bad item."""
    candidates: list[Any] = [1, 1.0, "a", True, None]
    for c in constraints:
        if isinstance(c, TensorOf):
            candidates.insert(0, _tensor_example(c))
        if isinstance(c, Pair):
            candidates.insert(0, _pair_example(c))
        if isinstance(c, OneOf):
            candidates = list(c.choices) + candidates
        if isinstance(c, Int) and c.low is not None:
            candidates.insert(0, c.low)
    return [v for v in candidates if _first_failure(constraints, v) is None]


def _sequence(c: SequenceOf) -> list[Any]:
    container = c.types[0]
    good = valid_example(c.item)[:1]
    padding = good * (max(c.min_len, 1) - 1)  # the right length, with the bad item last
    out: list[Any] = [Bad(), {"a": 1}]
    if c.min_len > 0:
        out.append(container())
    if c.max_len is not None and good:
        out.append(container(good * (c.max_len + 1)))
    out += [container(padding + [bad]) for bad in invalid_values(c.item)]
    if c.unique and good:
        out.append(container(good * max(2, c.min_len)))
    return out


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _mapping(c: MappingOf) -> list[Any]:
    out: list[Any] = [Bad(), [("a", 1)]] + ([{}] if c.min_len else [])
    keys, values = valid_example(c.key), valid_example(c.value)
    if keys:
        out += [{keys[0]: bad} for bad in invalid_values(c.value)]
    if values:
        out += [{bad: values[0]} for bad in invalid_values(c.key) if _hashable(bad)]
    return out


#: What to try against each kind of constraint (the first class in the method order that is here).
_TRIES: dict[type, Callable[[Any], list[Any]]] = {
    Int: _int,
    Float: _float,
    Bool: lambda c: [Bad(), 1, None, "True"],
    OneOf: _one_of,
    Instance: lambda c: [Bad()] + ([] if isinstance(None, c.types) else [None]),
    Subclass: lambda c: [Bad(), int],
    IsCallable: lambda c: [Bad(), "relu"],
    PathLike: lambda c: [Bad(), 3, ""],
    SequenceOf: _sequence,
    MappingOf: _mapping,
    TensorOf: _tensor,
    Pair: _pair,
    DeviceSpec: lambda c: [Bad(), 0, "gpu", "cpu:-1", "cuda:x", "cuda:99"],
}


def _tries(c: Constraint) -> list[Any]:
    for cls in type(c).__mro__:
        if cls in _TRIES:
            return _TRIES[cls](c)
    return [Bad()]


def invalid_values(spec: Constraint | list[Any] | tuple[Constraint, ...]) -> list[Any]:
    """Values that every constraint of ``spec`` rejects (a tuple, a list or one constraint)."""
    constraints = spec if isinstance(spec, tuple) else _as_constraints(spec)
    return [value for c in constraints for value in _tries(c) if _first_failure(constraints, value) is not None]
