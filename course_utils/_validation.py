"""Input checks shared by the public functions of ``course_utils``.

Every check raises an error in scikit-learn's form: which parameter of which
function, what is allowed, what it got and, where useful, how to fix it, e.g.
``The 'p' parameter of dropout must be a float in [0, 1). Got 1.5.``
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any

__all__ = [
    "check_bool",
    "check_choice",
    "check_float",
    "check_int",
    "check_type",
]


def _fix(hint: str | None) -> str:
    return f" {hint}" if hint else ""


def check_type(value: Any, name: str, func: str, types: type | tuple[type, ...],
               allowed: str, hint: str | None = None) -> Any:
    """Raise ``TypeError`` unless ``isinstance(value, types)``."""
    if not isinstance(value, types):
        raise TypeError(
            f"The '{name}' parameter of {func} must be {allowed}. "
            f"Got {value!r} of type {type(value).__name__}.{_fix(hint)}"
        )
    return value


def check_bool(value: Any, name: str, func: str) -> bool:
    """Raise ``TypeError`` unless ``value`` is a ``bool``."""
    check_type(value, name, func, bool, "a bool (True or False)")
    return value


def _interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    left = "(" if low_open or low is None else "["
    right = ")" if high_open or high is None else "]"
    lo = "-inf" if low is None else (str(low) if isinstance(low, int) else f"{low:g}")
    hi = "inf" if high is None else (str(high) if isinstance(high, int) else f"{high:g}")
    return f"{left}{lo}, {hi}{right}"


def check_int(value: Any, name: str, func: str, low: int | None = None,
              high: int | None = None, hint: str | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``.

    Raises:
        TypeError: ``value`` is not an integer (``bool`` counts as not one).
        ValueError: ``value`` is outside ``[low, high]``.
    """
    allowed = f"an int in the range {_interval(low, high, False, False)}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"The '{name}' parameter of {func} must be {allowed}. "
            f"Got {value!r} of type {type(value).__name__}.{_fix(hint)}"
        )
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"The '{name}' parameter of {func} must be {allowed}. Got {value!r}.{_fix(hint)}")
    return int(value)


def check_float(value: Any, name: str, func: str, low: float | None = None,
                high: float | None = None, low_open: bool = False, high_open: bool = False,
                hint: str | None = None) -> float:
    """Return ``value`` as ``float`` if it is a finite real number in the interval.

    ``low_open``/``high_open`` make the bound exclusive, e.g. dropout's
    ``p`` in ``[0, 1)`` is ``check_float(p, "p", "dropout", 0, 1, high_open=True)``.

    Raises:
        TypeError: ``value`` is not a real number.
        ValueError: ``value`` is NaN, infinite or outside the interval.
    """
    allowed = f"a float in {_interval(low, high, low_open, high_open)}"
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"The '{name}' parameter of {func} must be {allowed}. "
            f"Got {value!r} of type {type(value).__name__}.{_fix(hint)}"
        )
    v = float(value)
    bad = not math.isfinite(v)
    if low is not None and (v < low or (low_open and v == low)):
        bad = True
    if high is not None and (v > high or (high_open and v == high)):
        bad = True
    if bad:
        raise ValueError(f"The '{name}' parameter of {func} must be {allowed}. Got {value!r}.{_fix(hint)}")
    return v


def check_choice(value: Any, name: str, func: str, choices: Iterable[Any],
                 hint: str | None = None) -> Any:
    """Raise ``ValueError`` unless ``value`` is one of ``choices``."""
    options = list(choices)
    if value not in options:
        shown = ", ".join(repr(c) for c in options)
        raise ValueError(f"The '{name}' parameter of {func} must be one of {{{shown}}}. Got {value!r}.{_fix(hint)}")
    return value
