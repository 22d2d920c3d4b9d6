"""Notebook 01, residual learning: the depth explorer over the stored degradation sweep."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import matplotlib.pyplot as plt

from .._validation import Constraint, IsCallable, validate
from ..language import gettext as tr
from ..language import label as named
from ..plots import compare_histories, plot_lines
from ..train import History
from ._live import LiveFigure, live_controls, run_live
from ._protocols import other_sweep

if TYPE_CHECKING:  # only for the type hints: a widget is given its sweep, it never loads one
    from ..experiments.residual import DegradationSweep

__all__ = ["depth_explorer"]


class _StoredSweep(Constraint):
    """A stored degradation sweep; checked by what it offers, since a widget never imports one."""

    needs = ("recipe", "history", "label", "style")

    def __init__(self) -> None:
        super().__init__("Pass the sweep this widget draws: experiments.load_degradation_sweep('depth').")

    def describe(self) -> str:
        return "a stored sweep such as experiments.load_degradation_sweep('depth')"

    def failure(self, value: Any) -> Any:
        return other_sweep(value, "residual") or (
            None if all(hasattr(value, a) for a in self.needs) else self.wrong_type(value))


@validate(sweep=_StoredSweep(), run=IsCallable("a callable (num_blocks, residual) -> History or (net, History)",
                                               hint="e.g. partial(experiments.train_degradation_net, "
                                                    "recipe=sweep.recipe, data=mnist)"))
def depth_explorer(sweep: DegradationSweep, run: Callable[[int, bool], History | tuple[Any, History]]) -> W.VBox:
    """Depth slider x shortcuts switch over a stored degradation sweep, and live training.

    Moving the slider or the switch redraws at once from the stored runs: on the left the
    training-error curves of the chosen setting next to the shallowest net of the same
    kind; on the right the summary, final training and test error against depth for plain
    and residual nets, the chosen setting circled. Colour is the kind (plain/residual) and
    line style or marker the depth, as in the notebook's main figure. "train live" calls
    ``run(num_blocks, residual)`` for the chosen setting, with a progress bar, and adds
    its curve; nothing trains until it is clicked.

    Args:
        sweep: a stored sweep, ``experiments.load_degradation_sweep("depth")``.
        run: trains one setting and returns its history or ``(net, history)``, e.g.
            ``partial(experiments.train_degradation_net, recipe=sweep.recipe, data=mnist)``.

    Returns:
        A widget: a ``SelectionSlider`` "layers", a ``ToggleButtons`` "shortcuts", a
        "train live" ``Button`` with a status line, and the plot.
    """
    blocks = list(sweep.recipe.num_blocks)
    kinds = [r for r in (False, True) if r in sweep.recipe.residual]
    depth = W.SelectionSlider(options=[(str(2 * n + 2), n) for n in blocks], value=blocks[-1],
                              description=tr("layers"), continuous_update=False)
    shortcuts = W.ToggleButtons(options=[(tr("off (plain)") if not r else tr("on (residual)"), r) for r in kinds],
                                value=kinds[0], description=tr("shortcuts"))
    button, status, progress_out = live_controls()
    live: dict[tuple[int, bool], History] = {}

    def summary_name(r: bool, split: str) -> str:
        kind = tr("residual") if r else tr("plain")
        return (tr("{kind}, training") if split == "training" else tr("{kind}, test")).format(kind=kind)

    # One figure for the explorer's life: the summary on the right is drawn once, a change redraws the rest.
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    view = LiveFigure(fig)
    summary = {}
    for r in kinds:
        finals = [sweep.history(m, r) for m in blocks]
        summary[summary_name(r, "training")] = ([2 * m + 2 for m in blocks], [h.train_error[-1] for h in finals])
        summary[summary_name(r, "test")] = ([2 * m + 2 for m in blocks], [h.test_error[-1] for h in finals])
    summary_styles = {summary_name(r, split):
                      {"color": sweep.style(blocks[0], r)["color"], "marker": "o",
                       "linestyle": "-" if split == "training" else ":"}
                      for r in kinds for split in ("training", "test")}
    plot_lines(summary, xlabel=tr("weighted layers"), ylabel=tr("error after the last epoch (1 − accuracy)"),
               styles=summary_styles, ax=axes[1], title=tr("final error against depth (stored sweep)"))
    axes[1].set_ylim(0, 1)

    def paint() -> None:
        n, residual = depth.value, shortcuts.value
        shown = [blocks[0], n] if n != blocks[0] else [n]
        stored = {m: tr("{label} (stored)").format(label=named(sweep.label(m, residual))) for m in shown}
        runs = {stored[m]: sweep.history(m, residual) for m in shown}
        styles = {stored[m]: sweep.style(m, residual) for m in shown}
        if (n, residual) in live:
            live_name = tr("{label} (live)").format(label=named(sweep.label(n, residual)))
            runs[live_name] = live[(n, residual)]
            styles[live_name] = {**sweep.style(n, residual), "alpha": 0.5, "lw": 3}
        compare_histories(runs, metric="error", split="train", ax=axes[0], styles=styles,
                          title=tr("training error per epoch"))
        axes[0].set_ylim(0, 1)
        chosen = sweep.history(n, residual).train_error[-1]
        axes[1].plot([2 * n + 2], [chosen], "o", ms=14, mfc="none", mec="black", label=tr("chosen setting"))
        axes[1].legend(fontsize="small")

    def draw(*_: Any) -> None:
        view.repaint(paint, autoscale=[axes[0]])

    def train_live(_: Any) -> None:
        n, residual = depth.value, shortcuts.value
        label = named(sweep.label(n, residual))  # shown in the status line only
        stored = sweep.history(n, residual).train_error[-1]
        what = tr("<b>{label}</b> for {epochs} epochs").format(label=label, epochs=sweep.recipe.epochs)
        history = run_live(button, status, progress_out, what, lambda: run(n, residual),
                           lambda h, seconds: tr("<b>{label}</b> trained live in {seconds:.0f} s: final training "
                                                 "error {error:.3f} (stored: {stored:.3f})").format(
                               label=label, seconds=seconds, error=h.train_error[-1], stored=stored))
        if history is not None:
            live[(n, residual)] = history
            draw()

    depth.observe(draw, names="value")
    shortcuts.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([W.HBox([depth, shortcuts]), W.HBox([button, status]), progress_out, view.image])
