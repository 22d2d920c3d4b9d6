"""The log of one run: a CSV row per epoch and, when ``tensorboard`` is installed, event files.

``<out>/<name>.csv`` gets a row after every epoch (a resumed run appends; ``--no-resume``
starts it again); ``<out>/tensorboard/<name>/`` gets the same numbers as scalars when the
optional ``tensorboard`` package can be imported, and nothing otherwise.
"""

from __future__ import annotations

import csv
import importlib.util
import os
from pathlib import Path
from typing import Any

from .._validation import Bool, Instance, PathLike, unvalidated, validate

__all__ = ["CSV_COLUMNS", "RunLog", "tensorboard_available"]

#: Columns of the CSV, in order. ``images_per_s`` and ``s_per_iteration`` are measured over the
#: epoch's training iterations of this session (evaluation and checkpoint excluded).
CSV_COLUMNS = ("epoch", "iteration", "lr", "train_loss", "train_error", "test_loss", "test_error",
               "epoch_time_s", "images_per_s", "s_per_iteration")


@unvalidated("takes no arguments")
def tensorboard_available() -> bool:
    """Whether the optional ``tensorboard`` package is installed."""
    return importlib.util.find_spec("tensorboard") is not None


@validate(out=PathLike(), name=Instance(str, desc="a str such as 'resnet-20'"), fresh=Bool())
class RunLog:
    """Per-epoch rows to a CSV file and, if possible, TensorBoard.

    Args:
        out: the run's folder.
        name: the run's name (``resnet-20``).
        fresh: start the CSV again instead of appending to it.
    """

    def __init__(self, out: str | os.PathLike[str], name: str, *, fresh: bool) -> None:
        out = Path(out)
        self.path = out / f"{name}.csv"
        if fresh or not self.path.is_file():
            with self.path.open("w", newline="", encoding="utf-8") as fh:
                csv.writer(fh).writerow(CSV_COLUMNS)
        self._writer = None
        if tensorboard_available():
            from torch.utils.tensorboard import SummaryWriter  # here: it imports tensorboard

            self._writer = SummaryWriter(log_dir=str(out / "tensorboard" / name))

    def __call__(self, row: dict[str, Any]) -> None:
        """Log one epoch's ``row`` (keys: :data:`CSV_COLUMNS`)."""
        with self.path.open("a", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerow([row[c] for c in CSV_COLUMNS])
        if self._writer is not None:
            for key in CSV_COLUMNS[2:]:
                self._writer.add_scalar(key, row[key], row["iteration"])
            self._writer.flush()

    def close(self) -> None:
        """Close the event file (the CSV is closed after every row)."""
        if self._writer is not None:
            self._writer.close()
