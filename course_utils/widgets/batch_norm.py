"""Notebook 06, batch normalization: a learning-rate slider over the stored sweep, with and without BN.

Colour is the normalization (as in the notebook's figures: no norm orange, BN blue), line style
the set (solid: training, dashed: test); a run that diverged is marked with a cross at chance
level.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._validation import Constraint, IsCallable, validate
from ..language import gettext as tr
from ..train import History
from ._live import LiveFigure, live_controls, run_live
from ._protocols import other_sweep

if TYPE_CHECKING:  # only for the type hints: a widget is given its sweep, it never loads one
    from ..experiments.batch_norm import BatchNormSweep

__all__ = ["learning_rate_explorer"]

_NAMES = {"none": "no norm", "batch": "BN"}


def _name(norm: str) -> str:
    """The shown name of a normalization of ``_NAMES``, in the current language."""
    return {"none": tr("no norm"), "batch": tr("BN")}[norm]


class _StoredSweep(Constraint):
    """A stored batch-norm sweep over learning rates; checked by what it offers."""

    needs = ("recipe", "history", "style")

    def __init__(self) -> None:
        super().__init__("Pass the sweep this widget draws: experiments.load_batch_norm_sweep('lr').")

    def describe(self) -> str:
        return "a stored sweep such as experiments.load_batch_norm_sweep('lr')"

    def failure(self, value: Any) -> Any:
        other = other_sweep(value, "batch_norm")
        if other:
            return other
        ok = all(hasattr(value, a) for a in self.needs) and len(getattr(value.recipe, "lr", ())) >= 1
        return None if ok else self.wrong_type(value)


def _diverged(h: History) -> bool:
    return not math.isfinite(h.train_loss[-1])


def _final(h: History) -> float:
    return 0.1 if _diverged(h) else h.series("test_acc")[-1]


def _curves(ax: Axes, sweep: BatchNormSweep, h: History, norm: str, label: str, **extra: Any) -> None:
    # Only the epochs with a finite value are drawn, and a curve with none gets no legend entry.
    for values, name, dashed in ((h.train_acc, tr("{label}, training"), False), (h.series("test_acc"), tr("{label}, test"), True)):
        points = [(e, a) for e, a in enumerate(values, start=1) if math.isfinite(a)]
        if points:
            ax.plot(*zip(*points), label=name.format(label=label),
                    **{**sweep.style(norm, dashed), "marker": "." if len(points) == 1 else None, **extra})
    if _diverged(h):
        ax.plot([h.epochs], [0.1], "x", color=sweep.style(norm)["color"], ms=12, mew=2,
                label=tr("{label}: diverged (loss NaN) in epoch {epoch}").format(label=label, epoch=h.epochs),
                **{k: v for k, v in extra.items() if k == "alpha"})


def _figure(sweep: BatchNormSweep, lr: float, chosen: str, live: dict[tuple[str, float], History]) -> Figure:
    """The explorer's two panels at learning rate ``lr``; the ``chosen`` net in full, the other faded."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    _draw(left, right, sweep, lr, chosen, live)
    fig.tight_layout()
    return fig


def _draw(left: Axes, right: Axes, sweep: BatchNormSweep, lr: float, chosen: str,
          live: dict[tuple[str, float], History]) -> None:
    """Draw the explorer's two panels into ``left`` and ``right`` (see :func:`_figure`)."""
    rates = list(sweep.recipe.lr)
    norms = [n for n in sweep.recipe.norm if n in _NAMES]
    for n in norms:
        faded = {} if n == chosen else {"alpha": 0.3}
        _curves(left, sweep, sweep.history(n, lr=lr), n, _name(n), **faded)
        if (n, lr) in live:
            _curves(left, sweep, live[(n, lr)], n, tr("{label} (live)").format(label=_name(n)), lw=3, **faded)
    left.set(xlabel=tr("epoch"), ylabel=tr("accuracy"), ylim=(0, 1), xlim=(0.5, sweep.recipe.epochs[0] + 0.5),
             title=tr("learning rate {lr:g}; chosen net: {net} (the other faded)").format(lr=lr, net=_name(chosen)))
    left.grid(alpha=0.3)
    left.legend(fontsize="small")
    for n in norms:
        faded = {} if n == chosen else {"alpha": 0.3}
        runs = [sweep.history(n, lr=r) for r in rates]
        right.plot(rates, [_final(h) for h in runs], label=_name(n), **sweep.style(n, True), **faded)
        bad = [r for r, h in zip(rates, runs) if _diverged(h)]
        if bad:
            right.plot(bad, [0.1] * len(bad), "x", color=sweep.style(n)["color"], ms=12, mew=2,
                       label=tr("{label}: diverged").format(label=_name(n)), **faded)
    right.axvline(lr, color="black", lw=0.8, ls=":", label=tr("chosen learning rate"))
    right.axhline(0.1, color="grey", lw=0.6, label=tr("chance (10 classes)"))
    right.set(xscale="log", xlabel=tr("learning rate (log scale)"), ylabel=tr("test accuracy after the last epoch"),
              ylim=(0, 1), title=tr("final test accuracy against the learning rate (stored sweep)"))
    right.grid(alpha=0.3)
    right.legend(fontsize="small")


@validate(sweep=_StoredSweep(), run=IsCallable("a callable (norm, lr) -> History or (net, History)",
                                               hint="e.g. lambda norm, lr: experiments.train_norm_net("
                                                    "sweep.setting(norm, lr=lr), recipe=sweep.recipe, data=mnist)"))
def learning_rate_explorer(sweep: BatchNormSweep, run: Callable[[str, float], History | tuple[Any, History]]) -> W.VBox:
    """Learning-rate slider over a stored sweep of the same net with and without batch norm.

    Moving the slider redraws at once from the stored runs: on the left the accuracy per epoch of
    both nets at the chosen learning rate (training accuracy in training mode, solid; test accuracy
    in evaluation mode, dashed); on the right the final test accuracy against the learning rate, a
    cross where a run diverged (its loss became NaN; plotted at chance, 0.1), the chosen rate
    marked. The switch "net" chooses the net that "train live" trains; its curves are drawn in
    full, the other net's faded. A run that diverged in its first epoch has no curve (and no
    legend entry), only its cross. "train live" calls ``run(norm, lr)`` for the net chosen with the switch, with a
    progress bar, and adds its curves; nothing trains until it is clicked.

    Args:
        sweep: a stored sweep, ``experiments.load_batch_norm_sweep("lr")``.
        run: trains one net at one learning rate and returns its history or ``(net, history)``.

    Returns:
        A widget: a ``SelectionSlider`` "learning rate", a ``ToggleButtons`` "train live", a
        "train live" ``Button`` with a status line, and the plot.
    """
    rates = list(sweep.recipe.lr)
    norms = [n for n in sweep.recipe.norm if n in _NAMES]
    slider = W.SelectionSlider(options=[(f"{r:g}", r) for r in rates], value=2.0 if 2.0 in rates else rates[-1],
                               description=tr("learning rate"), continuous_update=False,
                               style={"description_width": "initial"})
    which = W.ToggleButtons(options=[(_name(n), n) for n in norms], value=norms[-1], description=tr("net"))
    button, status, progress_out = live_controls(
        tooltip=tr("train the chosen net at the chosen learning rate now, with the stored recipe and seed"),
        hint=tr("train the chosen net now"))
    live: dict[tuple[str, float], History] = {}
    # One figure for the explorer's life: a change redraws its curves, legends and titles, not its axes.
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    view = LiveFigure(fig)

    def draw(*_: Any) -> None:
        view.repaint(lambda: _draw(left, right, sweep, slider.value, which.value, live))

    def train_live(_: Any) -> None:
        norm, lr = which.value, slider.value
        stored = sweep.history(norm, lr=lr)
        was = tr("diverged") if _diverged(stored) else f"{_final(stored):.3f}"

        def done(h: History, seconds: float) -> str:
            result = tr("diverged") if _diverged(h) else tr("final test accuracy {acc:.3f}").format(acc=_final(h))
            return tr("<b>{net}</b> at learning rate {lr:g} trained live in {seconds:.0f} s: {result} "
                      "(stored: {stored})").format(net=_name(norm), lr=lr, seconds=seconds, result=result, stored=was)

        history = run_live(button, status, progress_out,
                           tr("<b>{net}</b> at learning rate {lr:g}").format(net=_name(norm), lr=lr),
                           lambda: run(norm, lr), done)
        if history is not None:
            live[(norm, lr)] = history
            draw()

    slider.observe(draw, names="value")
    which.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([slider, W.HBox([which, button, status]), progress_out, view.image])
