"""The constraint a widget declares for the objects it draws: checked by what they offer.

A widget never imports the experiment classes it is given (lower floors never import higher
ones), so its ``@validate`` checks a sweep or a result by its attributes instead of its type.
"""

from __future__ import annotations

from typing import Any

from .._validation import Constraint

__all__ = ["HasAttributes"]


class HasAttributes(Constraint):
    """An object offering every attribute in ``needs``; ``desc`` says what to pass in an error message."""

    def __init__(self, needs: tuple[str, ...], desc: str) -> None:
        super().__init__()
        self.needs, self.desc = needs, desc

    def describe(self) -> str:
        return self.desc

    def failure(self, value: Any) -> Any:
        return None if all(hasattr(value, a) for a in self.needs) else self.wrong_type(value)
