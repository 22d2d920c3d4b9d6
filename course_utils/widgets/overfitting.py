"""Notebook 03, overfitting and noise: the figures and the noise explorer.

The drawing functions are shared by the notebook's figures and the widget, so that both use the
same mapping: colour = the fitted degree (``colours``, e.g. ``experiments.DEGREE_COLOURS``), line
style = the degree too (the flexible fit dashed), the target black; in the heat maps red is
overfitting (the flexible fit loses), blue the opposite, on a symmetric-log colour scale (the
cells span from -0.3 to about 100). Like every widget module, this one imports nothing from
``experiments`` or ``data``: the results and the functions that compute them come in as arguments
and are checked by what they offer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.colors import SymLogNorm
from numpy.polynomial import legendre
from tqdm.auto import tqdm

from .._validation import Float, Instance, Int, IsCallable, MappingOf, user_hook, validate
from ..language import gettext as tr
from ._live import LiveFigure
from ._protocols import HasAttributes

__all__ = ["MAP_LIMIT", "draw_boundaries", "draw_fits", "draw_overfit_map", "map_covers", "noise_explorer"]

#: Fallback colours by degree (Okabe-Ito), when none are given.
_DEFAULT_COLOURS = {2: "#0072B2", 10: "#D55E00"}
_CLASS_STYLE = {0: {"color": "#0072B2", "marker": "o"}, 1: {"color": "#E69F00", "marker": "^"}}
_AX = [None, Instance(Axes, desc="a matplotlib Axes, e.g. from plt.subplots()")]
_COLOURS = [None, MappingOf(Int(0), Instance(str, desc="a colour string"), desc="a dict {degree: colour}")]


_EXAMPLE = HasAttributes(("x", "y", "target", "fits", "e_in", "e_out"),
                          "a drawn data set with its fits, such as experiments.lfd_example(30, 0.5, 20)")
_MAP = HasAttributes(("axis", "axis_values", "n_values", "average", "fixed", "recipe"),
                      "an overfit-measure map such as experiments.overfit_map(recipe, 'sigma2')")
_RESULT = HasAttributes(("models", "train", "held_out", "train_acc", "held_out_acc"),
                         "a decision-boundary result such as experiments.run_boundaries(recipe)")


def _style(degree: int, colours: Mapping[int, str] | None, lowest: int) -> dict[str, Any]:
    colour = (colours or _DEFAULT_COLOURS).get(degree, "#555555")
    return {"color": colour, "linestyle": "-" if degree == lowest else "--", "lw": 2}


#: Where the target and the fits are evaluated: the whole input range [-1, 1].
_GRID = np.linspace(-1, 1, 400)


def _samples_label(count: int) -> str:
    """The legend entry of ``count`` noisy samples, in the current language."""
    return tr("{count} noisy samples").format(count=count)


def _fit_label(example: Any, degree: int) -> str:
    """The legend entry of the fit of ``degree``: its in-sample and out-of-sample errors."""
    return f"g{degree}: E_in {example.e_in[degree]:.3g}, E_out {example.e_out[degree]:.3g}"


def _fit_ylim(y: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """The vertical range of the data and the target, padded (a fit that explodes leaves the panel)."""
    low, high = min(y.min(), target.min()), max(y.max(), target.max())
    pad = 0.25 * (high - low) + 0.1
    return low - pad, high + pad


def _data(example: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The target on :data:`_GRID`, and the samples' x and y, as float arrays."""
    target = legendre.legval(_GRID, np.asarray(example.target, dtype=float))
    return target, np.asarray(example.x, dtype=float), np.asarray(example.y, dtype=float)


def _fit_curve(coefs: Any) -> np.ndarray:
    """A fit's Legendre coefficients evaluated on :data:`_GRID`."""
    return legendre.legval(_GRID, np.asarray(coefs, dtype=float))


@validate(example=_EXAMPLE, ax=_AX, colours=_COLOURS)
def draw_fits(example: Any, ax: Axes | None = None, *, colours: Mapping[int, str] | None = None) -> Axes:
    """One data set: its points, the target f (black) and each fit g (colour and line = degree).

    The vertical range follows the data and the target, not an exploding fit (whose curve
    leaves the panel: that *is* the overfitting). The legend gives each fit's ``E_in`` and ``E_out``.

    Args:
        example: a data set with its fits, e.g. ``experiments.lfd_example(30, 0.5, 20)``.
        ax: axes to draw into; a new figure when ``None``.
        colours: ``{degree: colour}``.

    Returns:
        The matplotlib ``Axes``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    target, x, y = _data(example)
    ax.plot(_GRID, target, color="black", lw=1.5, label=tr("target f"))
    ax.scatter(x, y, s=18, color="#555555", zorder=3, label=_samples_label(len(x)))
    lowest = min(example.fits)
    for degree, coefs in example.fits.items():
        ax.plot(_GRID, _fit_curve(coefs), **_style(degree, colours, lowest), label=_fit_label(example, degree))
    ax.set(xlim=(-1, 1), ylim=_fit_ylim(y, target), xlabel="x", ylabel="y")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return ax


class _FitsPanel:
    """The noise explorer's data-set panel: what :func:`draw_fits` draws, its artists made once.

    Each new data set of the same degrees moves the target, the points and the fits (their data and
    labels) and the vertical range; the axes, ticks and labels stay, so a change does not build
    the panel again (clearing an axes throws its ticks away, and making them anew is most of the cost).
    """

    def __init__(self, ax: Axes, colours: Mapping[int, str] | None) -> None:
        self.ax, self.colours = ax, colours
        self.degrees: list[int] = []

    def show(self, example: Any) -> None:
        """Draw ``example`` as ``draw_fits(example, ax, colours=colours)`` would."""
        if list(example.fits) != self.degrees:  # the first data set (or fits of other degrees): drawn afresh
            self.ax.cla()
            draw_fits(example, self.ax, colours=self.colours)
            self.degrees = list(example.fits)
            return
        target, x, y = _data(example)
        curve, *fits = self.ax.lines
        curve.set_ydata(target)
        samples, = self.ax.collections
        samples.set_offsets(np.column_stack([x, y]))
        samples.set_label(_samples_label(len(x)))
        for line, (degree, coefs) in zip(fits, example.fits.items()):
            line.set_ydata(_fit_curve(coefs))
            line.set_label(_fit_label(example, degree))
        self.ax.set_ylim(_fit_ylim(y, target))
        self.ax.legend(fontsize="small", loc="best")


_AXIS_NAMES = {"sigma2": "noise variance σ²", "q_f": "target order Q_f"}


def _axis_name(axis: str) -> str:
    """The label of a map's row axis (a key of ``_AXIS_NAMES``), in the current language."""
    return {"sigma2": tr("noise variance σ²"), "q_f": tr("target order Q_f")}[axis]


def _average_name(average: str) -> str:
    """The name of a map's robust average (``NoiseRecipe.average``), in the current language."""
    return {"median": tr("median"), "trimmed": tr("trimmed mean"), "mean": tr("mean")}.get(average, average)


#: The heat maps' colour scale runs from -MAP_LIMIT to +MAP_LIMIT (symmetric-logarithmic), the same for
#: every map; the course's maps stay inside it (their cells span about -0.4 to 81).
MAP_LIMIT = 100.0
#: A live measure this close to 0 is rounding error (both fits exact): counted as a tie, not as a loss.
TIE = 1e-12


@validate(overfit=_MAP, ax=_AX, mark=[None, Instance(tuple, desc="a pair (N, row value)")])
def draw_overfit_map(overfit: Any, ax: Axes | None = None, *, mark: tuple[float, float] | None = None) -> Axes:
    """A heat map of the overfit measure: N across, σ² or Q_f up; red overfits, blue does not.

    The colour scale is symmetric-logarithmic (linear within ±0.1, logarithmic beyond, up to
    ±``MAP_LIMIT``) and the same for every map, so two maps can be compared by eye; a cell beyond
    the limit would take the end colour, and the colour bar then shows an arrow.

    Args:
        overfit: an overfit-measure map, e.g. ``experiments.overfit_map(recipe, "q_f")``.
        ax: axes to draw into; a new figure when ``None``.
        mark: ``(N, row value)`` to circle, e.g. the widget's current setting; a setting outside the
            map's range is not drawn (see :func:`map_covers`).

    Returns:
        The matplotlib ``Axes`` (with a colour bar).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    n = np.asarray(overfit.n_values, dtype=float)
    rows = np.asarray(overfit.axis_values, dtype=float)
    values = np.asarray(overfit.average, dtype=float)
    norm = SymLogNorm(linthresh=0.1, linscale=1.0, vmin=-MAP_LIMIT, vmax=MAP_LIMIT, base=10)
    mesh = ax.pcolormesh(n, rows, values, cmap="RdBu_r", norm=norm, shading="nearest")
    beyond = (values.min() < -MAP_LIMIT, values.max() > MAP_LIMIT)
    extend = {(False, False): "neither", (True, False): "min", (False, True): "max"}.get(beyond, "both")
    bar = ax.figure.colorbar(mesh, ax=ax, extend=extend)
    low, high = overfit.recipe.degrees
    bar.set_label(tr("E_out(g{high}) − E_out(g{low}), {average} of {runs} runs").format(
        high=high, low=low, average=_average_name(overfit.recipe.average), runs=overfit.recipe.runs), fontsize="small")
    ax.contour(n, rows, values, levels=[0.0], colors="black", linewidths=1)
    fixed = ", ".join(f"{'Q_f' if k == 'q_f' else 'σ²'} = {v:g}" for k, v in overfit.fixed.items())
    noise = tr("stochastic noise ({fixed})") if overfit.axis == "sigma2" else tr("deterministic noise ({fixed})")
    ax.set(xlabel=tr("number of samples N"), ylabel=_axis_name(overfit.axis), title=noise.format(fixed=fixed))
    if mark is not None and map_covers(overfit, *mark):
        ax.plot([mark[0]], [mark[1]], "o", ms=12, mfc="none", mec="black", mew=2)
    return ax


@validate(overfit=_MAP, n=Float(), row=Float())
def map_covers(overfit: Any, n: float, row: float) -> bool:
    """Whether the setting ``(N, row value)`` lies inside the map's grid (a circle there means something)."""
    return (min(overfit.n_values) <= n <= max(overfit.n_values)
            and min(overfit.axis_values) <= row <= max(overfit.axis_values))


def _symlog_bins(values: np.ndarray, linthresh: float, per_decade: int = 6) -> np.ndarray:
    """Histogram edges covering every value on a symmetric-log axis: nothing clipped into an end bin."""
    edges = [0.0]
    high, low = float(values.max()), float(values.min())
    if high > linthresh:
        edges += list(np.logspace(np.log10(linthresh), np.log10(high * 1.001),
                                  max(2, int(per_decade * np.log10(high / linthresh)) + 1)))
    else:
        edges.append(max(high, 0.0) + linthresh)
    if low < -linthresh:
        edges = list(-np.logspace(np.log10(-low * 1.001), np.log10(linthresh),
                                  max(2, int(per_decade * np.log10(-low / linthresh)) + 1))) + edges
    else:
        edges = [min(low, 0.0) - linthresh] + edges
    return np.unique(np.asarray(edges))


def _symlog_ticks(low: float, high: float, linthresh: float, most: int = 7) -> list[float]:
    """At most ``most`` ticks at powers of ten (and 0), so that the labels never overlap."""
    ticks = [0.0]
    for sign, end in ((1, high), (-1, low)):
        if sign * end > linthresh:
            decades = range(int(np.floor(np.log10(linthresh))), int(np.ceil(np.log10(sign * end))) + 1)
            ticks += [sign * 10.0 ** k for k in decades]
    ticks = sorted(ticks)
    step = int(np.ceil(len(ticks) / most))
    zero = ticks.index(0.0)
    return [t for i, t in enumerate(ticks) if (i - zero) % step == 0]


def _draw_measure_histogram(values: np.ndarray, ax: Axes) -> Axes:
    """The overfit measures of many data sets of one setting, with their median and mean (no clipping)."""
    linthresh = 0.01
    ax.hist(values, bins=_symlog_bins(values, linthresh), color="#999999")
    ax.set_xscale("symlog", linthresh=linthresh)
    median, mean = float(np.median(values)), float(np.mean(values))
    ax.axvline(median, color="black", lw=2, label=tr("median {value:.3g}").format(value=median))
    ax.axvline(mean, color="#D55E00", lw=2, ls="--", label=tr("mean {value:.3g}").format(value=mean))
    ticks = _symlog_ticks(float(values.min()), float(values.max()), linthresh)
    ax.set_xticks(ticks, [f"{t:g}" if abs(t) < 1e3 else f"${'-' if t < 0 else ''}10^{{{round(np.log10(abs(t)))}}}$"
                          for t in ticks])
    ax.set(xlabel=tr("overfit measure of one data set (symmetric log scale)"), ylabel=tr("data sets"),
           title=tr("{count} data sets of this setting (live)").format(count=len(values)))
    ax.legend(fontsize="small")
    return ax


@validate(result=_RESULT, grids=MappingOf(str, Instance(tuple, desc="a tuple (xx, yy, p) from decision_grid"),
                                          desc="a dict {model name: (xx, yy, p)}"),
          axes=[None, Instance(np.ndarray, list, tuple, desc="a row of matplotlib Axes, one per model")])
def draw_boundaries(result: Any, grids: Mapping[str, tuple[Any, Any, Any]], axes: Any = None) -> Any:
    """Each model's decision boundary (black line), its class-1 probability (shading) and the points.

    Training points are filled, colour and marker = class; each panel's title gives the model's
    training and held-out accuracy.

    Args:
        result: ``experiments.run_boundaries(recipe)``.
        grids: ``{name: experiments.decision_grid(model, x)}`` for the models to draw.
        axes: one Axes per entry of ``grids``; a new row of panels when ``None``.

    Returns:
        The axes.
    """
    if axes is None:
        _, axes = plt.subplots(1, len(grids), figsize=(5.2 * len(grids), 4.2), squeeze=False)
        axes = axes[0]
    x, y = (np.asarray(t) for t in result.train)
    for ax, (name, (xx, yy, p)) in zip(axes, grids.items()):
        ax.contourf(np.asarray(xx), np.asarray(yy), np.asarray(p), levels=np.linspace(0, 1, 11), cmap="PuOr_r",
                    alpha=0.35)
        ax.contour(np.asarray(xx), np.asarray(yy), np.asarray(p), levels=[0.5], colors="black", linewidths=1.5)
        for cls, style in _CLASS_STYLE.items():
            keep = y == cls
            ax.scatter(x[keep, 0], x[keep, 1], s=22, edgecolors="black", linewidths=0.5,
                       label=tr("class {label}").format(label=cls), **style)
        width, depth = getattr(result.recipe, name, (None, None)) if hasattr(result, "recipe") else (None, None)
        shape = tr(" ({depth} × {width} units)").format(depth=depth, width=width) if width is not None else ""
        shown = {"small": tr("small"), "large": tr("large")}.get(name, name)
        ax.set_title(tr("{name} MLP{shape}\ntraining acc {train:.3f}, held-out acc {held_out:.3f}").format(
            name=shown, shape=shape, train=result.train_acc[name], held_out=result.held_out_acc[name]),
            fontsize="medium")
        ax.set(xlabel="x₁", ylabel="x₂")
        ax.legend(fontsize="small", loc="lower right")
    return axes


@validate(maps=MappingOf(str, _MAP, desc="a dict {name: overfit map}, e.g. {'stochastic': ..., 'deterministic': ...}"),
          example=IsCallable("a callable (n, sigma2, q_f, seed) -> data set with fits",
                             hint="e.g. lambda n, s, q, seed: experiments.lfd_example(n, s, q, seed=seed)"),
          runs=IsCallable("a callable (n, sigma2, q_f, runs, seed) -> tensor of per-run overfit measures",
                          hint="e.g. lambda n, s, q, r, seed: experiments.overfit_runs(n, sigma2=[s], q_f=[q], "
                               "runs=r, seed=seed).flatten()"),
          colours=_COLOURS, live_runs=Int(10, 1_000_000))
def noise_explorer(maps: Mapping[str, Any], example: Callable[[int, float, int, int], Any],
                   runs: Callable[[int, float, int, int, int], torch.Tensor], *,
                   colours: Mapping[int, str] | None = None, live_runs: int = 2000) -> W.VBox:
    """Sliders for N, σ² and Q_f over one data set's two fits, beside the overfit-measure maps.

    Moving a slider draws a new data set of that setting at once (the same seed keeps the same
    target and points while σ² changes only the noise) and circles the setting on the chosen map.
    "measure live" computes the overfit measure of ``live_runs`` data sets of the chosen setting,
    with a progress bar, and shows their histogram with the median and the mean: the heavy tail
    that makes the maps use a robust average.

    Args:
        maps: ``{name: map}``: each an overfit-measure map (``experiments.overfit_map``).
        example: draws and fits one data set.
        runs: the overfit measures of many data sets of one setting, a 1-D tensor.
        colours: ``{degree: colour}`` for the fits.
        live_runs: data sets measured by the live button.

    Returns:
        A widget: sliders "N", "σ²", "Q_f", "data set", a map selector, the button with a status
        line, and the plot.
    """
    example, runs = user_hook(example), user_hook(runs)  # called here too, inside this call: the user's code
    names = list(maps)
    n = W.IntSlider(value=30, min=12, max=130, step=1, description="N", continuous_update=False)
    sigma2 = W.FloatSlider(value=0.5, min=0.0, max=2.0, step=0.05, description="σ²", continuous_update=False)
    q_f = W.IntSlider(value=20, min=0, max=100, step=1, description="Q_f", continuous_update=False)
    seed = W.IntSlider(value=0, min=0, max=50, description=tr("data set"), continuous_update=False)
    chooser = W.ToggleButtons(options=names, value=names[0], description=tr("map"))
    button = W.Button(description=tr("measure live"), icon="play",
                      tooltip=tr("compute the overfit measure of {count} data sets of this setting").format(
                          count=live_runs))
    status = W.HTML(value="<i>" + tr("one data set per setting; click “measure live” for the distribution over many")
                    + "</i>")
    progress_out, image = W.Output(), W.Image(format="png")
    measured: dict[tuple[int, float, int], np.ndarray] = {}
    # One figure per map and panel count for the explorer's life: the map is drawn once; a change
    # moves the fits to the new data set, draws the histogram again and moves the circle.
    figures: dict[tuple[str, int], tuple[LiveFigure, Any, str, _FitsPanel]] = {}

    def figure_for(name: str, panels: int) -> tuple[LiveFigure, Any, str, _FitsPanel]:
        if (name, panels) not in figures:
            fig, axes = plt.subplots(1, panels, figsize=(5.6 * panels, 4.0))
            draw_overfit_map(maps[name], axes[1])
            view = LiveFigure(fig, image=image, live_axes=[axes[0], *axes[2:]])
            figures[(name, panels)] = (view, axes, axes[1].get_title(), _FitsPanel(axes[0], colours))
        return figures[(name, panels)]

    def draw(*_: Any) -> None:
        setting = (n.value, round(sigma2.value, 2), q_f.value)
        data = example(n.value, setting[1], q_f.value, seed.value)
        chosen = maps[chooser.value]
        row = setting[1] if chosen.axis == "sigma2" else q_f.value
        held = {"sigma2": setting[1], "q_f": q_f.value}
        matches = all(abs(held[k] - v) < 1e-9 for k, v in chosen.fixed.items())
        panels = 3 if setting in measured else 2
        view, axes, map_title, fits = figure_for(chooser.value, panels)
        notes = []
        if not matches:
            notes.append(tr("the map holds {values}").format(
                values=", ".join(f"{'σ²' if k == 'sigma2' else 'Q_f'} = {v:g}" for k, v in chosen.fixed.items())))
        if not map_covers(chosen, n.value, row):
            notes.append(tr("N = {n} is off the map (N from {low})").format(n=n.value, low=min(chosen.n_values)))

        def paint() -> None:
            fits.show(data)
            axes[0].set_title(tr("one data set: N = {n}, σ² = {sigma2:g}, Q_f = {q_f}\noverfit measure {measure:.3g}")
                              .format(n=n.value, sigma2=setting[1], q_f=q_f.value,
                                      measure=data.e_out[max(data.fits)] - data.e_out[min(data.fits)]),
                              fontsize="medium")
            if matches and map_covers(chosen, n.value, row):  # the circle draw_overfit_map(mark=...) draws
                axes[1].plot([n.value], [row], "o", ms=12, mfc="none", mec="black", mew=2)
            if notes:
                axes[1].set_title(tr("{title}\n(not circled: {notes})").format(title=map_title, notes="; ".join(notes)),
                                  fontsize="medium")
            else:
                axes[1].set_title(map_title)
            if panels == 3:
                axes[2].cla()
                _draw_measure_histogram(measured[setting], axes[2])

        view.repaint(paint, key=bool(notes))

    def measure_live(_: Any) -> None:
        setting = (n.value, round(sigma2.value, 2), q_f.value)
        button.disabled = True
        start = time.perf_counter()
        try:
            chunks, size = [], max(1, live_runs // 20)
            with progress_out:
                progress_out.clear_output()
                for i in tqdm(range(0, live_runs, size), desc=tr("data sets"), unit_scale=size, leave=False):
                    chunk = runs(setting[0], setting[1], setting[2], min(size, live_runs - i), 10_000 + i)
                    chunks.append(np.asarray(chunk, dtype=float).reshape(-1))
            values = np.concatenate(chunks)
            measured[setting] = values
            cut = int(0.1 * len(values))
            trimmed = np.sort(values)[cut: len(values) - cut].mean()
            # Both fits exact (no noise of either kind): the measure is rounding error, a tie, not a loss.
            tie = np.abs(values) <= TIE
            status.value = (tr("{count} data sets in {seconds:.1f} s: median <b>{median:.3g}</b>, 10%-trimmed mean "
                               "{trimmed:.3g}, mean {mean:.3g}, largest {largest:.3g}; the flexible fit loses in "
                               "{loses:.1%} of them").format(
                                count=len(values), seconds=time.perf_counter() - start, median=np.median(values),
                                trimmed=trimmed, mean=values.mean(), largest=values.max(),
                                loses=np.mean(values > TIE))
                            + (tr(", ties (|measure| ≤ {tie:g}) in {share:.1%}").format(tie=TIE, share=np.mean(tie))
                               if tie.any() else ""))
            draw()
        except Exception as err:  # shown in the widget: a callback's exception would vanish silently
            failure = tr("live measurement failed: {error}").format(error=f"{type(err).__name__}: {err}")
            status.value = f"<span style='color:#b00'>{failure}</span>"
        finally:
            button.disabled = False

    for control in (n, sigma2, q_f, seed, chooser):
        control.observe(draw, names="value")
    button.on_click(measure_live)
    draw()
    return W.VBox([W.HBox([n, sigma2, q_f, seed]), chooser, W.HBox([button, status]), progress_out, image])
