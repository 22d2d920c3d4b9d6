"""The early-stopping rule, in one place: ``fit(early_stopping=patience)`` follows it epoch by
epoch, and :func:`course_utils.experiments.early_stopping_point` replays it on a list of losses.

An epoch *improves* when its monitored value is strictly below every earlier one (a tie is no
improvement; ``nan`` never improves). The run stops at the end of the epoch that makes
``patience`` epochs in a row without an improvement, and the last improving epoch is the best.
"""

from __future__ import annotations

import math


class _Patience:
    """The rule's state, fed one monitored value per epoch, lower being better.

    Attributes:
        patience: epochs without an improvement that are tolerated; ``None`` never stops.
        best_epoch: the last improving epoch (counted from 0), ``None`` before the first one.
        waited: epochs since then (all epochs seen, before the first improvement).
    """

    def __init__(self, patience: int | None) -> None:
        self.patience = patience
        self.best_epoch: int | None = None
        self.best_value = math.inf
        self.waited = 0
        self.epochs = 0

    def update(self, value: float) -> bool:
        """Record the next epoch's value; ``True`` if it improves."""
        epoch, self.epochs = self.epochs, self.epochs + 1
        if value < self.best_value:
            self.best_epoch, self.best_value, self.waited = epoch, value, 0
            return True
        self.waited += 1
        return False

    @property
    def stop(self) -> bool:
        """Whether the rule ends the run after the epoch just recorded."""
        return self.patience is not None and self.waited >= self.patience

