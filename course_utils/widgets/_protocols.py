"""The constraint a widget declares for the objects it draws: checked by what they offer.

A widget never imports the experiment classes it is given (lower floors never import higher
ones), so its ``@validate`` checks a sweep or a result by its attributes instead of its type.
"""

from __future__ import annotations

import re
from typing import Any

from .._validation import Constraint, ParameterTypeError

__all__ = ["HasAttributes", "StoredSweep", "other_sweep"]


class HasAttributes(Constraint):
    """An object offering every attribute in ``needs``; ``desc`` says what to pass in an error message."""

    def __init__(self, needs: tuple[str, ...], desc: str) -> None:
        super().__init__()
        self.needs, self.desc = needs, desc

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Any:
        return None if all(hasattr(value, a) for a in self.needs) else self.wrong_type(value)


def other_sweep(value: Any, topic: str, names: tuple[str, ...] | None = None) -> Any:
    """What was got, if ``value`` is a stored sweep of another topic (or not one of ``names``); else ``None``.

    A stored sweep says what it is in ``value.spec`` (topic, name, file); an object without one
    (a made-up sweep in a test) is left to the attribute checks. A per-seed sweep such as
    ``"epsilon_seed3"`` counts as ``"epsilon"``.
    """
    spec = getattr(value, "spec", None)
    got_topic, got_name = getattr(spec, "topic", None), getattr(spec, "name", None)
    if not isinstance(got_topic, str) or not isinstance(got_name, str):
        return None
    if got_topic == topic and (names is None or re.sub(r"_seed\d+$", "", got_name) in names):
        return None
    file = getattr(spec, "file", None)
    return ParameterTypeError, f"the {got_topic} sweep {got_name!r}" + (f" ({file})" if file else "")


class StoredSweep(HasAttributes):
    """A stored sweep of ``topic`` (one of ``names``, if given) offering every attribute in ``needs``.

    Another notebook's sweep is refused by name ("Got the dropout sweep 'p' (dropout_p_sweep.json)")
    before any attribute is read.
    """

    def __init__(self, needs: tuple[str, ...], desc: str, topic: str, names: tuple[str, ...] | None = None) -> None:
        super().__init__(needs, desc)
        self.topic, self.names = topic, names
        self.hint = f"Pass the sweep this widget draws: {desc.split('such as ', 1)[-1]}."

    def failure(self, value: Any) -> Any:
        return other_sweep(value, self.topic, self.names) or super().failure(value)
