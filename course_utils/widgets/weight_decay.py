"""Notebook 04, weight decay: a λ slider on the polynomial fit, and a λ slider over the stored net sweep.

Colour = the method (``experiments.DECAY_COLOURS``), line style = the split (training solid,
validation dashed), the same in the notebook's figures. The λ = 0 run is grey. Like every widget
module, this one imports nothing from ``experiments`` or ``data``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from numpy.polynomial import legendre

from .._validation import Float, Instance, IsCallable, MappingOf, OneOf, SequenceOf, user_hook, validate
from ..language import gettext as tr
from ..language import label as named
from ..train import History
from ._live import LiveFigure, live_controls, run_live
from ._protocols import HasAttributes, StoredSweep

__all__ = ["decay_explorer", "draw_decay_curve", "ridge_explorer"]

_NONE_COLOUR = "#555555"
_METHOD_NAMES = {"l2": "Adam + L2", "l1": "Adam + L1", "adamw": "AdamW"}


_EXAMPLE = HasAttributes(("x", "y", "target"), "a drawn data set such as experiments.lfd_example(15, 0.5, 10)")
_SWEEP = StoredSweep(("recipe", "history", "label"), "a stored sweep such as experiments.load_weight_decay_sweep()",
                     "weight_decay")
_COLOURS = MappingOf(str, Instance(str, desc="a colour string"), desc="a dict {method: colour}")


def _lambda_positions(lambdas: list[float]) -> list[float]:
    """x positions on a log axis: λ = 0 is drawn one decade left of the smallest positive λ (behind an axis break)."""
    positive = [v for v in lambdas if v > 0]
    zero_at = min(positive) / 10 if positive else 1e-4
    return [v if v > 0 else zero_at for v in lambdas]


def _lambda_ticks(lambdas: list[float]) -> tuple[list[float], list[str]]:
    """Tick positions and labels: every λ of the sweep, and "λ = 0" (not a power of ten) at its own position."""
    return _lambda_positions(lambdas), ["λ = 0" if v == 0 else f"{v:g}" for v in lambdas]


def _final(sweep: Any, lam: float, part: str) -> float:
    h = sweep.history(lam)
    return 1 - h.series("test_acc")[-1] if part == "test" else getattr(h, f"{part}_error")[-1]


_SWEEPS = MappingOf(str, [_SWEEP, SequenceOf(_SWEEP, desc="a list of stored sweeps of one recipe over seeds")],
                    desc="a dict {name: stored sweep, or a list of them over seeds}")


@validate(sweeps=_SWEEPS, colours=[None, _COLOURS],
          ax=[None, Instance(Axes, desc="a matplotlib Axes")], split=SequenceOf(OneOf("train", "val", "test"), unique=True),
          ylim=[None, SequenceOf(Float(), min_len=2, max_len=2, desc="a pair (bottom, top)")])
def draw_decay_curve(sweeps: Mapping[str, Any], *, colours: Mapping[str, str] | None = None, ax: Any = None,
                     split: tuple[str, ...] = ("train", "val"), ylim: tuple[float, float] | None = None) -> Any:
    """Final error against λ for each stored sweep: colour = method, line = split; mean ± sd over seeds.

    A log axis has no 0: λ = 0 is drawn one decade left of the smallest positive λ, behind an axis
    break (//), with its own tick "λ = 0", and not joined to the other points. Every λ of the sweep
    gets a tick with its value, so no point sits at a tick that means something else.

    Args:
        sweeps: ``{name: sweep}`` or ``{name: [sweep, ...]}`` (one recipe over seeds: the mean is drawn,
            with bars of ± one standard deviation).
        colours: ``{method: colour}``, keyed by each sweep's ``recipe.method``.
        ax: axes to draw into; a new figure when ``None``.
        split: which errors to draw: ``"train"`` (solid), ``"val"`` (dashed), ``"test"`` (dotted).
        ylim: the y range; ``None`` fits the data (the axis is not forced to start at 0).

    Returns:
        The matplotlib ``Axes``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 4))
    lines = {"train": ("-", "o", tr("training")), "val": ("--", "s", tr("validation")), "test": (":", "^", tr("test"))}
    for name, group in sweeps.items():
        group = list(group) if isinstance(group, (list, tuple)) else [group]
        lambdas = list(group[0].recipe.lambdas)
        colour = (colours or {}).get(group[0].recipe.method, None)
        x = _lambda_positions(lambdas)
        seeds = tr(" (mean ± sd, {count} seeds)").format(count=len(group)) if len(group) > 1 else ""
        for part in split:
            values = np.array([[_final(s, v, part) for v in lambdas] for s in group])
            mean, sd = values.mean(0), (values.std(0, ddof=1) if len(group) > 1 else np.zeros(len(lambdas)))
            style, marker, word = lines[part]
            positive = [i for i, v in enumerate(lambdas) if v > 0]
            label = f"{name}: {word}{seeds}"
            ax.errorbar([x[i] for i in positive], mean[positive], yerr=sd[positive] if len(group) > 1 else None,
                        linestyle=style, marker=marker, color=colour, capsize=3, label=label)
            if 0.0 in lambdas:
                i = lambdas.index(0.0)
                ax.errorbar([x[i]], [mean[i]], yerr=[sd[i]] if len(group) > 1 else None, marker=marker,
                            color=colour, capsize=3, linestyle="none")
    all_lambdas = sorted({v for group in sweeps.values()
                          for s in (group if isinstance(group, (list, tuple)) else [group]) for v in s.recipe.lambdas})
    ax.set_xscale("log")
    ticks, labels = _lambda_ticks(all_lambdas)
    ax.set_xticks(ticks, labels, fontsize="small")
    ax.minorticks_off()
    if 0.0 in all_lambdas:
        # the break between λ = 0 and the smallest positive λ
        zero_at = _lambda_positions(all_lambdas)[0]
        at = zero_at * 10 ** 0.5
        ax.axvline(at, color="white", lw=6, zorder=2)
        ax.text(at, 0, "//", transform=ax.get_xaxis_transform(), ha="center", va="center", fontsize="large",
                clip_on=False, zorder=3)
    ax.set(xlabel=tr("penalty strength λ (log scale; λ = 0 left of the break)"),
           ylabel=tr("error after the last epoch (1 − accuracy)"))
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return ax


@validate(example=_EXAMPLE,
          solve=IsCallable("a callable lam -> {'coefs', 'e_in', 'e_out', 'norm2'}",
                           hint="e.g. lambda lam: experiments.ridge_fit(example, lam)"),
          colour=Instance(str, desc="a colour string"))
def ridge_explorer(example: Any, solve: Callable[[float], Mapping[str, Any]], *, colour: str = "#0072B2") -> W.VBox:
    """A λ slider over an L2-penalised degree-10 polynomial fit: the curve and the weights move together.

    Left: the data, the target (black), the unpenalised fit (grey, dashed) and the fit with the
    chosen λ. Right: the size of each Legendre coefficient |c_q| for both (log scale). Everything is
    recomputed at once (a least-squares solve).

    Args:
        example: the data set, e.g. ``experiments.lfd_example(15, 0.5, 10)``.
        solve: ``lam -> {"coefs", "e_in", "e_out", "norm2"}``, e.g. ``experiments.ridge_fit``.
        colour: the penalised fit's colour.

    Returns:
        A widget: a log-scale slider "λ", a status line with the errors, and the plot.
    """
    solve = user_hook(solve)  # called here too, inside this call: it is the user's code
    lam = W.FloatLogSlider(value=1e-3, base=10, min=-8, max=1, step=0.25, description="λ", continuous_update=False,
                           readout_format=".1e")
    status = W.HTML()
    free = solve(0.0)
    grid = np.linspace(-1, 1, 400)
    target = legendre.legval(grid, np.asarray(example.target, dtype=float))
    x, y = np.asarray(example.x, dtype=float), np.asarray(example.y, dtype=float)
    free_coefs = np.asarray(free["coefs"], dtype=float)
    # One figure for the explorer's life: the data, the target and λ = 0 are drawn once. The weights'
    # log axis follows the chosen λ's smallest |c_q|, so that panel is drawn entire on every change.
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 3.9))
    view = LiveFigure(fig, live_axes=[axes[1]])
    axes[0].plot(grid, target, color="black", lw=1.5, label=tr("target f"))
    axes[0].scatter(x, y, s=18, color="#555555", zorder=3, label=tr("{count} noisy samples").format(count=len(x)))
    axes[0].plot(grid, legendre.legval(grid, free_coefs), color=_NONE_COLOUR, ls="--", lw=1.5,
                 label=tr("degree 10, λ = 0"))
    low, high = min(y.min(), target.min()), max(y.max(), target.max())
    pad = 0.25 * (high - low) + 0.1
    axes[0].set(xlim=(-1, 1), ylim=(low - pad, high + pad), xlabel="x", ylabel="y", title=tr("the fit"))
    axes[0].grid(alpha=0.3)
    q = np.arange(len(free_coefs))
    axes[1].bar(q - 0.2, np.abs(free_coefs), width=0.4, color=_NONE_COLOUR, label="λ = 0")
    axes[1].set_yscale("log")
    axes[1].set(xlabel=tr("Legendre order q"), ylabel=tr("|c_q| (log scale)"), title=tr("the weights"), xticks=q)
    # The chosen λ's bars are made once and take each λ's heights (a live panel keeps what it holds).
    chosen = axes[1].bar(q + 0.2, np.abs(free_coefs), width=0.4, color=colour)

    def draw(*_: Any) -> None:
        fit = solve(float(lam.value))
        coefs = np.asarray(fit["coefs"], dtype=float)
        status.value = (f"λ = {lam.value:.1e}: E_in {fit['e_in']:.3g} (λ = 0: {free['e_in']:.3g}), "
                        f"<b>E_out {fit['e_out']:.3g}</b> (λ = 0: {free['e_out']:.3g}), "
                        f"Σ c² {fit['norm2']:.3g} (λ = 0: {free['norm2']:.3g})")

        def paint() -> None:
            axes[0].plot(grid, legendre.legval(grid, coefs), color=colour, lw=2,
                         label=tr("degree 10, λ = {lam:.1e}").format(lam=lam.value))
            axes[0].legend(fontsize="small")
            for bar, height in zip(chosen, np.abs(coefs)):
                bar.set_height(height)
            chosen.set_label(f"λ = {lam.value:.1e}")
            axes[1].legend(fontsize="small")

        view.repaint(paint, autoscale=[axes[1]])

    lam.observe(draw, names="value")
    draw()
    return W.VBox([lam, status, view.image])


@validate(sweep=_SWEEP, run=IsCallable("a callable lam -> History or (net, History)",
                                       hint="e.g. partial(experiments.train_decay_net, 'l2', recipe=sweep.recipe, "
                                            "data=mnist)"),
          colours=[None, _COLOURS])
def decay_explorer(sweep: Any, run: Callable[[float], History | tuple[Any, History]], *,
                   colours: Mapping[str, str] | None = None) -> W.VBox:
    """A λ slider over a stored weight-decay sweep, with live training of the chosen λ.

    Left: the chosen λ's training (solid) and validation (dashed) error per epoch beside λ = 0's
    (grey). Right: the final errors against λ, the chosen λ circled. "train live" calls
    ``run(lam)`` with a progress bar and adds the live validation curve; nothing trains until it
    is clicked.

    Args:
        sweep: a stored sweep, ``experiments.load_weight_decay_sweep("lambda")``.
        run: trains one λ with the sweep's recipe and returns its history or ``(net, history)``.
        colours: ``{method: colour}``.

    Returns:
        A widget: a ``SelectionSlider`` "λ", a "train live" ``Button`` with a status line, and the plot.
    """
    lambdas = list(sweep.recipe.lambdas)
    method = sweep.recipe.method
    colour = (colours or {}).get(method, "#0072B2")
    slider = W.SelectionSlider(options=[(f"{v:g}", v) for v in lambdas], value=lambdas[len(lambdas) // 2],
                               description="λ", continuous_update=False)
    button, status, progress_out = live_controls(tooltip=tr("train the chosen λ now with the stored recipe"),
                                                 hint=tr("train this λ now"))
    live: dict[float, History] = {}
    # One figure for the explorer's life: the final errors against λ are drawn once.
    fig, axes = plt.subplots(1, 2, figsize=(11.5, 5.2))
    view = LiveFigure(fig)
    axes[0].set(xlabel=tr("epoch"), ylabel=tr("error (1 − accuracy)"), ylim=(0, 1), title=tr("per epoch (stored)"))
    axes[0].grid(alpha=0.3)
    draw_decay_curve({_METHOD_NAMES.get(method, method): sweep}, colours={method: colour}, ax=axes[1])
    axes[1].set_title(tr("after the last epoch (stored)"))

    def paint() -> None:
        chosen = slider.value
        shown = [(0.0, _NONE_COLOUR)] if 0.0 in lambdas and chosen != 0.0 else []
        for value, c in shown + [(chosen, colour if chosen else _NONE_COLOUR)]:
            h = sweep.history(value)
            epochs = range(1, h.epochs + 1)
            axes[0].plot(epochs, h.train_error, color=c, ls="-",
                         label=tr("{label}: training").format(label=named(sweep.label(value))))
            axes[0].plot(epochs, h.val_error, color=c, ls="--",
                         label=tr("{label}: validation").format(label=named(sweep.label(value))))
        if chosen in live:
            h = live[chosen]
            axes[0].plot(range(1, h.epochs + 1), h.val_error, color=colour, ls="--", lw=4, alpha=0.4,
                         label=tr("{label}: validation (live)").format(label=named(sweep.label(chosen))))
        position = _lambda_positions(lambdas)[lambdas.index(chosen)]
        axes[1].plot([position], [sweep.history(chosen).val_error[-1]], "o", ms=14, mfc="none", mec="black",
                     label=tr("chosen λ"))
        for ax in axes:  # the legends go below the plots, where they cover no curve
            ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)

    def draw(*_: Any) -> None:
        view.repaint(paint, autoscale=[axes[0]])

    def train_live(_: Any) -> None:
        chosen = slider.value
        label, stored = named(sweep.label(chosen)), sweep.history(chosen).val_error[-1]
        what = tr("<b>{label}</b> for {epochs} epochs").format(label=label, epochs=sweep.recipe.epochs)
        history = run_live(button, status, progress_out, what, lambda: run(chosen),
                           lambda h, seconds: tr("<b>{label}</b> trained live in {seconds:.0f} s: final validation "
                                                 "error {error:.3f} (stored: {stored:.3f})").format(
                               label=label, seconds=seconds, error=h.val_error[-1], stored=stored))
        if history is not None:
            live[chosen] = history
            draw()

    slider.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([slider, W.HBox([button, status]), progress_out, view.image])
