"""The "train live" part every explorer shares, and the one way a widget shows a figure.

An explorer draws its stored sweep at once; its "train live" button trains the chosen setting
now (with the stored recipe), the training's progress bar appears under it, and the status line
compares the live run with the stored one. An error during the live run is shown in the status
line (an exception in a widget callback would otherwise vanish) and the button comes back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.figure import Figure

from ..language import gettext as tr

if TYPE_CHECKING:
    from ..train import History

__all__ = ["live_controls", "run_live", "show"]


def live_controls(tooltip: str | None = None, hint: str | None = None) -> tuple[W.Button, W.HTML, W.Output]:
    """The "train live" button, its status line and the output the progress bar goes to.

    Args:
        tooltip: the button's tooltip (default: it trains the chosen setting with the stored recipe and seed).
        hint: what the button does, for the status line before the first live run (default: "train this
            setting now").
    """
    if tooltip is None:
        tooltip = tr("train the chosen setting now with the stored recipe and seed")
    if hint is None:
        hint = tr("train this setting now")
    button = W.Button(description=tr("train live"), icon="play", tooltip=tooltip)
    status = W.HTML(value="<i>" + tr("curves from the stored sweep; click “train live” to {hint}").format(hint=hint)
                    + "</i>")
    return button, status, W.Output()


def run_live(button: W.Button, status: W.HTML, progress: W.Output, what: str, run: Callable[[], History],
               done: Callable[[History, float], str]) -> History | None:
    """Run ``run()`` with the button disabled and its progress bar in ``progress``.

    Args:
        button: disabled while training, enabled again whatever happens.
        status: says "training {what} …", then ``done(history, seconds)`` or the error.
        progress: where the training's progress bar is drawn (cleared first).
        what: the setting being trained, as HTML (e.g. ``"<b>residual, 8 layers</b> for 30 epochs"``).
        run: trains the setting and returns its history.
        done: the status line after a successful run, from the history and the seconds it took.

    Returns:
        The live run's history, or None when it failed (the status line then says why).
    """
    button.disabled = True
    status.value = tr("training {what} …").format(what=what)
    start = time.perf_counter()
    try:
        with progress:
            progress.clear_output()
            history = run()
        status.value = done(history, time.perf_counter() - start)
        return history
    except Exception as err:  # noqa: BLE001 (shown in the widget: a callback's exception would vanish silently)
        failure = tr("live training failed: {error}").format(error=f"{type(err).__name__}: {err}")
        status.value = f"<span style='color:#b00'>{failure}</span>"
        return None
    finally:
        button.disabled = False


def show(fig: Figure, out: W.Output) -> None:
    """Show ``fig`` in ``out`` in place of what was there, and close it: one figure per redraw."""
    with out:
        out.clear_output(wait=True)
        display(fig)
        plt.close(fig)
