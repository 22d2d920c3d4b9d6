"""Notebook 05, dropout: the deck's network picture, and a p slider over the stored sweep.

:func:`draw_dropout_net` draws the deck's figure — (a) a standard net, (b) the same net after
dropout — from a mask it samples. :func:`dropout_explorer` is the notebook's widget: a slider over
the drop rate p and a switch between dropout and DropConnect over a stored sweep, with live
training of the chosen setting from a seed the learner picks. Colour is the method (grey: no
dropout), line style the set (solid: training set, dashed: validation set), as in the notebook's figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
from matplotlib.artist import Artist
from matplotlib.axes import Axes

from .._validation import Bool, Constraint, Float, Instance, Int, IsCallable, OneOf, SequenceOf, validate
from ..device import SEED
from ..language import gettext as tr
from ..language import label as named
from ..plots import plot_lines
from ..train import History
from ._live import LiveFigure, live_controls, run_live
from ._protocols import other_sweep

if TYPE_CHECKING:  # only for the type hints: a widget is given its sweep, it never loads one
    from ..experiments.dropout import DropoutSweep

__all__ = ["draw_dropout_net", "dropout_explorer"]


def _reachable(layer_sizes: Sequence[int], kept: list[list[bool]], weights: list[list[list[bool]]]) -> list[list[bool]]:
    """Which units the inputs reach through kept units and kept weights."""
    reach = [list(kept[0])]
    for i in range(1, len(layer_sizes)):
        reach.append([kept[i][b] and any(reach[i - 1][a] and weights[i - 1][a][b] for a in range(layer_sizes[i - 1]))
                      for b in range(layer_sizes[i])])
    return reach


def _sample_masks(sizes: list[int], p: float, seed: int, method: str,
                  connected: bool) -> tuple[list[list[bool]], list[list[list[bool]]], bool, int]:
    """The kept units and weights of a sampled mask (see :func:`draw_dropout_net`).

    Returns:
        ``(kept, weights, connected, draws)``: a bool per unit per layer, an in x out bool grid per
        layer pair, whether every output is reached from the inputs, and how many masks were drawn.
    """
    g = torch.Generator().manual_seed(seed)
    for draws in range(1, 10_001):
        kept, weights = [], []
        for i, n in enumerate(sizes):
            hidden = 0 < i < len(sizes) - 1
            kept.append((torch.rand(n, generator=g) >= p).tolist() if hidden and method == "dropout" else [True] * n)
        for i in range(len(sizes) - 1):
            drop = method == "dropconnect" and i > 0
            weights.append((torch.rand(sizes[i], sizes[i + 1], generator=g) >= p).tolist() if drop
                           else [[True] * sizes[i + 1] for _ in range(sizes[i])])
        reach = _reachable(sizes, kept, weights)
        if all(reach[-1]) or not connected:
            break
    return kept, weights, all(reach[-1]), draws


def _positions(sizes: list[int]) -> list[list[tuple[float, float]]]:
    """Each unit's place in the picture, layer by layer (left to right), each layer centred on y = 0."""
    return [[(1.6 * i, (n - 1) / 2 - j) for j in range(n)] for i, n in enumerate(sizes)]


def _edges(sizes: list[int]) -> list[tuple[int, int, int]]:
    """Every connection ``(layer, from unit, to unit)``, in the order the picture draws them."""
    return [(i, a, b) for i in range(len(sizes) - 1) for a in range(sizes[i]) for b in range(sizes[i + 1])]


def _edge_state(kept: list[list[bool]], weights: list[list[list[bool]]], i: int, a: int, b: int) -> tuple[bool, bool]:
    """Whether connection ``(i, a, b)`` carries signal, and whether DropConnect dropped its weight (both units kept)."""
    both = kept[i][a] and kept[i + 1][b]
    return both and weights[i][a][b], both and not weights[i][a][b]


def _edge_style(on: bool, dropped_weight: bool) -> dict[str, Any]:
    """A connection's line: dark when it carries signal, dashed orange when DropConnect dropped its weight,
    light grey when a dropped unit cuts it."""
    return {"color": "#333333" if on else "#D55E00" if dropped_weight else "#dddddd",
            "lw": 0.9 if on else 0.7 if dropped_weight else 0.5, "alpha": 0.7 if dropped_weight else 1.0,
            "ls": (0, (2, 2)) if dropped_weight else "-"}


def _unit_style(on: bool) -> dict[str, str]:
    """A unit's disc: white with a blue ring when kept, grey when dropped."""
    return {"facecolor": "white" if on else "#f2f2f2", "edgecolor": "#0072B2" if on else "#bbbbbb"}


#: A unit's disc, and a stroke of the cross over a dropped one (the colours of the disc: ``_unit_style``).
_DISC = {"s": 260, "zorder": 2, "linewidths": 1.5}
_STROKE = {"color": "#D55E00", "lw": 1.5, "zorder": 3}


def _cross(x: float, y: float) -> list[tuple[list[float], list[float]]]:
    """The two strokes (x data, y data) that cross out a dropped unit at ``(x, y)``."""
    return [([x - 0.12, x + 0.12], [y - 0.25, y + 0.25]), ([x - 0.12, x + 0.12], [y + 0.25, y - 0.25])]


def _net_title(sizes: list[int], p: float, method: str, kept: list[list[bool]],
               weights: list[list[list[bool]]]) -> str:
    """The picture's default title: the standard net, or p with how many units (weights) it kept (dropped)."""
    if p == 0:
        return tr("(a) standard net")
    if method == "dropout":
        return tr("(b) after dropout, p = {p:g}:\n{kept} of {total} hidden units kept (crossed out: dropped)").format(
            p=p, kept=sum(sum(k) for k in kept[1:-1]), total=sum(sizes[1:-1]))
    dropped = [sum(not w for row in weights[i] for w in row) for i in range(1, len(sizes) - 1)]
    return tr("after DropConnect, p = {p:g}:\n{dropped} of {total} weights dropped (dashed, orange)").format(
        p=p, dropped=sum(dropped), total=sum(sizes[i] * sizes[i + 1] for i in range(1, len(sizes) - 1)))


def _frame_net(ax: Axes) -> None:
    """The picture's axes: equal aspect, a margin around the outermost units, no axis."""
    ax.set_aspect("equal", adjustable="datalim")  # round units and symmetric crosses in any panel shape
    ax.margins(x=0.05, y=0.1)  # the outermost units stay whole
    ax.set_axis_off()


@validate(layer_sizes=SequenceOf(Int(1, 12), min_len=2, desc="a list of at least 2 layer sizes in [1, 12]"),
          p=Float(0, 1, high_open=True), seed=SEED, method=OneOf("dropout", "dropconnect"),
          connected=Bool(), ax=[None, Instance(Axes, desc="a matplotlib Axes")], title=[None, str])
def draw_dropout_net(layer_sizes: Sequence[int] = (4, 6, 6, 2), p: float = 0.5, *, seed: int = 0,
                     method: str = "dropout", connected: bool = False, ax: Axes | None = None,
                     title: str | None = None) -> dict[str, Any]:
    """Draw a fully connected net with a sampled dropout (or DropConnect) mask (the deck's figure).

    ``"dropout"``: each hidden unit is dropped with probability ``p`` (crossed out), and so are the
    connections into and out of it; inputs and outputs are kept, as in the course's nets (Srivastava
    et al. also drop inputs, with keep probability 0.8). ``"dropconnect"``: every unit is kept and each
    *weight* of the layers after the first (the layers DropConnect replaces in notebook 05) is dropped
    with probability ``p`` (drawn dashed, in orange). ``p = 0`` draws the standard net.

    Args:
        layer_sizes: units per layer, input first, e.g. ``(4, 6, 6, 2)``.
        p: the drop rate.
        seed: seeds the mask.
        method: ``"dropout"`` (units) or ``"dropconnect"`` (weights).
        connected: draw masks from ``seed``'s generator until every output unit is reached from the
            inputs (a mask that cuts the net carries no signal); the picture then shows such a mask.
        ax: axes to draw into; a new figure when ``None``.
        title: the panel's title (default: says p and how many units or weights were kept).

    Returns:
        ``{"ax": the Axes, "kept": [bool per unit, per layer], "weights": [in x out bool per layer pair],
        "connections": (kept, total), "connected": every output reached from the inputs, "draws": masks drawn}``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4, 3.2))
    sizes = list(layer_sizes)
    kept, weights, reached, draws = _sample_masks(sizes, p, seed, method, connected)
    pos = _positions(sizes)
    live = total = 0
    for i, a, b in _edges(sizes):
        (xa, ya), (xb, yb) = pos[i][a], pos[i + 1][b]
        on, dropped_weight = _edge_state(kept, weights, i, a, b)
        live, total = live + on, total + 1
        ax.plot([xa, xb], [ya, yb], zorder=1, **_edge_style(on, dropped_weight))
    for i, layer in enumerate(pos):
        for j, (x, y) in enumerate(layer):
            ax.scatter([x], [y], **_DISC, **_unit_style(kept[i][j]))
            if not kept[i][j]:
                for xs, ys in _cross(x, y):
                    ax.plot(xs, ys, **_STROKE)
    ax.set_title(title or _net_title(sizes, p, method, kept, weights), fontsize="medium")
    _frame_net(ax)
    return {"ax": ax, "kept": kept, "weights": weights, "connections": (live, total), "connected": reached,
            "draws": draws}


class _NetPicture:
    """The explorer's net picture: its artists are made once and restyled for each setting's mask.

    It draws what :func:`draw_dropout_net` draws for the same arguments (the same lines, discs,
    crosses and title), without making some hundred artists on every change.
    """

    def __init__(self, ax: Axes, layer_sizes: Sequence[int]) -> None:
        self.ax, self.sizes = ax, list(layer_sizes)
        pos = _positions(self.sizes)
        self.edges = [(edge, ax.plot(*zip(pos[edge[0]][edge[1]], pos[edge[0] + 1][edge[2]]), zorder=1)[0])
                      for edge in _edges(self.sizes)]
        self.units, self.crosses = [], []
        for layer in pos:
            self.units.append([ax.scatter([x], [y], **_DISC) for x, y in layer])
            self.crosses.append([[ax.plot(xs, ys, visible=False, **_STROKE)[0] for xs, ys in _cross(x, y)]
                                 for x, y in layer])
        # Every cross, hidden or not, is in the data limits: a change of mask never moves the picture.
        _frame_net(ax)

    def artists(self) -> list[Artist]:
        """Every artist of the picture (a control change may restyle each)."""
        return [*(line for _, line in self.edges), *(u for layer in self.units for u in layer),
                *(c for layer in self.crosses for unit in layer for c in unit)]

    def show(self, p: float, *, seed: int, method: str) -> None:
        """Restyle the picture for a mask drawn as ``draw_dropout_net(..., connected=True)`` draws it."""
        kept, weights, _, _ = _sample_masks(self.sizes, p, seed, method, True)
        for edge, line in self.edges:
            line.set(**_edge_style(*_edge_state(kept, weights, *edge)))
        for i, layer in enumerate(self.units):
            for j, unit in enumerate(layer):
                unit.set(**_unit_style(kept[i][j]))
                for stroke in self.crosses[i][j]:
                    stroke.set_visible(not kept[i][j])
        self.ax.set_title(_net_title(self.sizes, p, method, kept, weights), fontsize="medium")
        self.ax.autoscale_view()  # the view a fresh plot sets (the equal aspect then widens x, not y)


class _StoredSweep(Constraint):
    """A stored dropout sweep; checked by what it offers, since a widget never imports one."""

    needs = ("recipe", "history", "label", "style", "gap")

    def __init__(self) -> None:
        super().__init__("Pass the sweep this widget draws: experiments.load_dropout_sweep('p').")

    def describe(self) -> str:
        return "a stored sweep such as experiments.load_dropout_sweep('p')"

    def failure(self, value: Any) -> Any:
        return other_sweep(value, "dropout") or (
            None if all(hasattr(value, a) for a in self.needs) else self.wrong_type(value))


def _accuracies(h: History) -> tuple[float, float]:
    """Last-epoch training (evaluation mode) and validation accuracy."""
    return h.series("train_eval_acc")[-1], h.val_acc[-1]


@validate(sweep=_StoredSweep(), run=IsCallable("a callable (p, method, seed) -> History or (net, History)",
                                               hint="e.g. lambda p, m, seed: experiments.train_dropout_net(p, m, "
                                                    "recipe=dataclasses.replace(sweep.recipe, seed=seed), data=mnist)"))
def dropout_explorer(sweep: DropoutSweep, run: Callable[[float, str, int], History | tuple[Any, History]]) -> W.VBox:
    """Slider over the drop rate p and a dropout/DropConnect switch over a stored sweep, and live training.

    Moving the slider or the switch redraws at once from the stored runs: on the left the chosen
    setting's accuracy per epoch on the training set (measured in evaluation mode, solid) and the
    validation set (dashed), next to the net without dropout (grey); on the right the final accuracies
    against p for each method, the chosen setting circled; below, a thinned net at that p (units
    crossed out for dropout, dashed weights for DropConnect). "train live" calls
    ``run(p, method, seed)`` with the seed of the "seed" box (the stored sweep's seed by default: then
    it repeats the stored run; another seed gives a new run), with a progress bar, and adds its
    curves; nothing trains until it is clicked.

    Args:
        sweep: a stored sweep, ``experiments.load_dropout_sweep("p")``.
        run: trains one setting from a seed and returns its history or ``(net, history)``, e.g. ``lambda p, m, seed:
            experiments.train_dropout_net(p, m, recipe=dataclasses.replace(sweep.recipe, seed=seed), data=mnist)``.

    Returns:
        A widget: a ``SelectionSlider`` "p", a ``ToggleButtons`` "method", a ``BoundedIntText`` "seed",
        a "train live" ``Button`` with a status line, and the plot.
    """
    rates = list(sweep.recipe.p)
    methods = list(sweep.recipe.method)
    names = {"dropout": tr("dropout (units)"), "dropconnect": tr("DropConnect (weights)"),
             "dropout_batch": tr("dropout (one mask per batch)")}
    slider = W.SelectionSlider(options=[(f"{p:g}", p) for p in rates], value=0.5 if 0.5 in rates else rates[-1],
                               description="p", continuous_update=False)
    method = W.ToggleButtons(options=[(names[m], m) for m in methods], value=methods[0], description=tr("method"))
    seed = W.BoundedIntText(value=sweep.recipe.seed, min=0, max=2**31 - 1, description=tr("seed"),
                            layout=W.Layout(width="160px"))
    button, status, progress_out = live_controls()
    live: dict[tuple[float, str], tuple[int, History]] = {}

    def curves(ax: Axes, h: History, p: float, m: str, label: str, **extra: Any) -> None:
        epochs = list(range(1, h.epochs + 1))
        for split, values in (("train", h.series("train_eval_acc")), ("validation", h.val_acc)):
            style = {**sweep.style(p, m, split), "marker": None, **extra}
            name = tr("{label}, training") if split == "train" else tr("{label}, validation")
            ax.plot(epochs, values, label=name.format(label=label), **style)

    # One figure for the explorer's life: the summary on the right is drawn once, a change redraws the rest.
    fig = plt.figure(figsize=(12, 6.4))
    grid = fig.add_gridspec(2, 2, height_ratios=(1.25, 1))
    left, right, net = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, :])
    view = LiveFigure(fig)
    series, styles = {}, {}
    for mm in methods:
        finals = [_accuracies(sweep.history(q, mm)) for q in rates]
        for k, split in enumerate((tr("{label}, training"), tr("{label}, validation"))):
            key = split.format(label=names[mm])
            series[key] = (rates, [f[k] for f in finals])
            styles[key] = {**sweep.style(0.5, mm, "train" if k == 0 else "validation")}
    plot_lines(series, xlabel=tr("drop rate p"), ylabel=tr("accuracy after the last epoch"), styles=styles,
               ax=right, title=tr("final accuracy against p (stored sweep, seed {seed})").format(seed=sweep.recipe.seed))
    right.set_ylim(0, 1.02)
    left.set(xlabel=tr("epoch"), ylabel=tr("accuracy"), ylim=(0, 1.02), title=tr("accuracy per epoch"))
    left.grid(alpha=0.3)
    picture = _NetPicture(net, (4, 7, 7, 2))

    def paint() -> None:
        p, m = slider.value, method.value
        if 0.0 in rates and p != 0:
            curves(left, sweep.history(0.0, m), 0.0, m, tr("no dropout (stored)"))
        curves(left, sweep.history(p, m), p, m,
               tr("{label} (stored, seed {seed})").format(label=named(sweep.label(p, m)), seed=sweep.recipe.seed))
        if (p, m) in live:
            live_seed, h = live[(p, m)]
            curves(left, h, p, m, tr("live, seed {seed}").format(seed=live_seed), alpha=0.5, lw=3)
        left.legend(fontsize="small")
        right.plot([p], [_accuracies(sweep.history(p, m))[1]], "o", ms=14, mfc="none", mec="black",
                   label=tr("chosen setting"))
        right.legend(fontsize="small")
        picture.show(p, seed=round(100 * p), method="dropconnect" if m == "dropconnect" else "dropout")

    def draw(*_: Any) -> None:
        view.repaint(paint, autoscale=[left], keep=picture.artists())

    def train_live(_: Any) -> None:
        p, m, s = slider.value, method.value, int(seed.value)
        label = named(sweep.label(p, m))  # shown in the status line only
        same = s == sweep.recipe.seed

        def done(h: History, seconds: float) -> str:
            train, val = _accuracies(h)
            was = _accuracies(sweep.history(p, m))[1]
            stored = (tr("the stored run of seed {seed}: validation {acc:.3f}").format(seed=s, acc=was) if same
                      else tr("stored seed {seed}: validation {acc:.3f}").format(seed=sweep.recipe.seed, acc=was))
            # No test accuracy here: p is chosen on validation, and the test set is looked at once, in the notebook.
            return tr("<b>{label}</b>, seed {seed}, trained live in {seconds:.0f} s: training accuracy {train:.3f}, "
                      "validation {val:.3f} ({stored})").format(label=label, seed=s, seconds=seconds, train=train,
                                                                 val=val, stored=stored)

        what = tr("<b>{label}</b>, seed {seed}, for {epochs} epochs").format(label=label, seed=s,
                                                                             epochs=sweep.recipe.epochs)
        history = run_live(button, status, progress_out, what, lambda: run(p, m, s), done)
        if history is not None:
            live[(p, m)] = (s, history)
            draw()

    slider.observe(draw, names="value")
    method.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([W.HBox([slider, method]), W.HBox([seed, button, status]), progress_out, view.image])
