"""Stopping on SIGTERM (a pre-empted or timed-out job) at the next iteration boundary.

:func:`stop_on_sigterm` installs a handler for the body of a ``with`` and puts the old one back
after; the handler only sets a flag. The training loop polls the flag between iterations,
writes a checkpoint with its place inside the epoch and returns, so nothing is lost and the
same command resumes exactly. Importing this module installs nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .._validation import unvalidated

__all__ = ["StopFlag", "stop_on_sigterm"]


class StopFlag:
    """Set by a signal handler, read by the loop: ``flag()`` is ``True`` once a stop was asked for."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self) -> bool:
        return self.signal is not None

    def set(self, signum: int, _frame: object = None) -> None:
        """The signal handler: remember the signal, nothing else (it runs between bytecodes)."""
        self.signal = signum


@unvalidated("takes no arguments")
@contextmanager
def stop_on_sigterm() -> Iterator[StopFlag]:
    """Within the body, SIGTERM sets the yielded :class:`StopFlag` instead of ending the process.

    Outside the main thread (where Python cannot install handlers) the flag is never set.
    """
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return
    old = signal.signal(signal.SIGTERM, flag.set)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGTERM, old)
