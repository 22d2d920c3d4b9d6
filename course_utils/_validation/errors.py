"""The errors of the declarative validation, and how a rejected value is shown."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

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


def _bound(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else _bound(low)
    hi = "inf" if high is None else _bound(high)
    return f"{left}{lo}, {hi}{right}"
