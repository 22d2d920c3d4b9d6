"""Helpers for the notebooks' graded test cells: an answer must do the work itself.

The package holds finished versions of most exercises (``experiments.overfit_measure``,
``regularizers.dropout``, ...), because the notebooks and the claim tests need them. A test cell wraps
each call of the learner's answer in :func:`forbid`, so an answer that calls one of them, under any name
and however it was imported, fails with a message that says so, while the test itself may still call
the reference outside the ``with`` block to compute the expected value.
"""

from __future__ import annotations

import inspect
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ._validation import Instance, IsCallable, SequenceOf, validate

__all__ = ["DelegationError", "forbid"]


class DelegationError(AssertionError):
    """An answer called one of the course's finished versions instead of doing the work.

    An ``AssertionError``, so nbgrader counts it as a failed test like any other assert.
    """


def _public_name(reference: Callable[..., Any]) -> str:
    """The name a learner imports ``reference`` by: ``experiments.robust_average``, not the module
    it is defined in (``experiments.overfitting.noise_maps.robust_average``)."""
    module = getattr(reference, "__module__", None) or "?"
    qualname = getattr(reference, "__qualname__", repr(reference))
    top = qualname.split(".")[0]
    parts = module.split(".")
    owner = getattr(sys.modules.get(module), top, None)
    for end in range(2 if parts[0] == "course_utils" else 1, len(parts)):  # the shortest package that exports it
        package = sys.modules.get(".".join(parts[:end]))
        if owner is not None and getattr(package, top, None) is owner:
            module = ".".join(parts[:end])
            break
    return f"{module}.{qualname}".removeprefix("course_utils.")


def _code_objects(reference: Callable[..., Any]) -> dict[Any, str]:
    """What runs when ``reference`` is called (code objects, or the C function itself), each with its name."""
    name = _public_name(reference)
    if inspect.isclass(reference):
        codes = {}
        for attr in vars(reference).values():
            function = inspect.unwrap(attr.__func__ if isinstance(attr, (staticmethod, classmethod)) else attr)
            if inspect.isfunction(function):
                codes[function.__code__] = name
        return codes
    function = inspect.unwrap(reference)
    function = getattr(function, "__func__", function)  # a bound method
    if inspect.isbuiltin(function):
        return {function: name}  # a C function: seen by its "c_call" events
    if not inspect.isfunction(function):
        raise TypeError(f"The 'references' parameter of forbid must hold Python or built-in functions, methods or "
                        f"classes. Got {reference!r}, whose calls cannot be seen. Pass the function that wraps it.")
    return {function.__code__: name}


def _builtin_key(function: Any) -> tuple[int, str]:
    """A C function's identity: its owner and name (a bound C method is a new object at every attribute access)."""
    return id(getattr(function, "__self__", None)), getattr(function, "__name__", "")


@contextmanager
@validate(references=SequenceOf(IsCallable(), min_len=1), answer=Instance(str))
def forbid(references: list[Callable[..., Any]], *, answer: str) -> Iterator[None]:
    """Fail if the code in the ``with`` block calls any of ``references``.

    The calls are watched with :func:`sys.setprofile`, so an answer is caught whether it calls
    ``experiments.overfit_measure``, an alias of it, a copy imported inside the answer, or a function
    that calls it in turn. Code outside the block is not watched.

    Args:
        references: the finished versions that the answer must not use: Python functions, methods,
            classes (every method a class defines counts) or built-in (C) functions such as
            ``torch._fused_adam_``.
        answer: the name of the learner's function, for the message.

    Raises:
        DelegationError: on leaving the block, if a reference was called inside it.

    Example:
        >>> with forbid([experiments.overfit_measure], answer="overfit_measure"):
        ...     value = overfit_measure(x, y, target)
    """
    watched: dict[Any, str] = {}
    for reference in references:
        watched.update(_code_objects(reference))
    builtins = {_builtin_key(f): name for f, name in watched.items() if not isinstance(f, types.CodeType)}
    called: list[str] = []

    def profile(frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call":
            name = watched.get(frame.f_code)
        elif event == "c_call":
            name = builtins.get(_builtin_key(arg))
        else:
            return
        if name is not None and name not in called:
            called.append(name)

    previous, previous_threads = sys.getprofile(), threading.getprofile()
    sys.setprofile(profile)
    threading.setprofile(profile)  # threads the answer starts inside the block are watched too
    try:
        yield
    finally:
        sys.setprofile(previous)
        threading.setprofile(previous_threads)
    if called:
        raise DelegationError(
            f"{answer} calls {', '.join(called)}, a finished version of what this exercise asks you to write "
            "yourself, so an answer that delegates to it gets no points. Use only the tools the exercise names.")
