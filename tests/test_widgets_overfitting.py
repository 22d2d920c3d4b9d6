"""Notebook 03's figures and noise explorer: they draw what they are given and measure live through ``runs``.

The maps and the boundary result are made up (tests/fake_runs.py), and the live measurement is a stub
that records its calls and returns made-up measures; only the data sets of the sliders are real
(``experiments.lfd_example``: one least-squares fit, milliseconds).
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.overfitting import draw_boundaries, draw_fits, draw_overfit_map, noise_explorer  # noqa: E402


@pytest.fixture(scope="module")
def maps() -> dict[str, experiments.OverfitMap]:
    return fake_runs.overfit_maps(n_values=(20, 40, 80), sigma2_values=(0.0, 1.0, 2.0), q_f_values=(5, 20, 40))


def _example(n, sigma2, q_f, seed):
    return experiments.lfd_example(n, sigma2, q_f, seed=seed)


def _measures(n, sigma2, q_f, count, seed):
    """Made-up overfit measures of ``count`` data sets, a heavy right tail, different for every chunk's seed."""
    return torch.linspace(-0.5, 2.0, count, dtype=torch.float64) ** 3 + (seed - 10_000) / 1000


def _shows(fig, overfit) -> bool:
    """Whether ``fig`` has a colour mesh of exactly ``overfit``'s cells (the heat map drawn)."""
    cells = overfit.average.numpy().ravel()
    meshes = [np.asarray(c.get_array()).ravel() for ax in fig.axes for c in ax.collections
              if getattr(c, "get_array", lambda: None)() is not None]
    return any(m.shape == cells.shape and np.allclose(m, cells) for m in meshes)


def _circles(fig) -> list[tuple[float, float]]:
    return [(float(ln.get_xdata()[0]), float(ln.get_ydata()[0])) for ax in fig.axes for ln in ax.get_lines()
            if ln.get_marker() == "o"]


def test_noise_explorer_redraws_and_measures_live(maps, monkeypatch) -> None:
    runs = fake_runs.LiveRun(_measures)
    figures = fake_runs.capture_figures(monkeypatch)
    widget = noise_explorer(maps, _example, runs, colours=experiments.DEGREE_COLOURS, live_runs=100)
    (n, sigma2, q_f, seed), chooser = widget.children[0].children, widget.children[1]
    button, status = widget.children[2].children
    assert (n.value, sigma2.value, q_f.value) == (30, 0.5, 20)
    assert list(chooser.options) == ["stochastic", "deterministic"]
    stochastic, = figures
    assert _shows(stochastic, maps["stochastic"]) and not _shows(stochastic, maps["deterministic"])
    n.value, sigma2.value, q_f.value = 40, 1.0, 20
    assert _circles(stochastic) == [(40.0, 1.0)], "the setting circled on the map of σ² (its Q_f is the map's 20)"
    chooser.value = "deterministic"
    deterministic = figures[-1]
    assert deterministic is not stochastic and _shows(deterministic, maps["deterministic"]), "the chosen map is drawn"
    assert _circles(deterministic) == [] and "not circled: the map holds σ² = 0.1" in deterministic.axes[1].get_title(), (
        "σ² = 1 is not the σ² of the map of Q_f: nothing circled, and the title says why")
    seed.value = 3
    assert not runs.calls, "a slider change must not measure"
    button.click()
    assert runs.calls and all(c[:3] == (40, 1.0, 20) for c in runs.calls), runs.calls
    assert sum(c[3] for c in runs.calls) == 100, "the live button must measure live_runs data sets in all"
    values = np.concatenate([r.numpy() for r in runs.returned])
    assert "100 data sets" in status.value and f"median <b>{np.median(values):.3g}</b>" in status.value, status.value
    assert f"mean {values.mean():.3g}, largest {values.max():.3g}" in status.value, status.value
    shown = figures[-1]
    assert len(shown.axes) >= 3 and shown.axes[2].get_title() == "100 data sets of this setting (live)", (
        "the histogram of the measures is added")
    assert not button.disabled
    plt.close("all")


def _fits_panel(ax) -> tuple:
    """What a data-set panel shows: its lines and points with their labels, its range, legend and axis labels."""
    lines = [(ln.get_label(), tuple(ln.get_xdata()), tuple(ln.get_ydata()), ln.get_color(), ln.get_linestyle())
             for ln in ax.get_lines()]
    points = [(c.get_label(), c.get_offsets().tolist()) for c in ax.collections]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    return lines, points, ax.get_xlim(), ax.get_ylim(), legend, ax.get_xlabel(), ax.get_ylabel()


def test_noise_explorer_draws_each_data_set_as_draw_fits_does(maps, monkeypatch) -> None:
    # The explorer moves one set of artists to each new data set: after any sequence of changes, its panel
    # must be what draw_fits draws for the chosen data set, nothing left from an earlier one.
    figures = fake_runs.capture_figures(monkeypatch)
    widget = noise_explorer(maps, _example, fake_runs.LiveRun(_measures), colours=experiments.DEGREE_COLOURS)
    n, sigma2, q_f, seed = widget.children[0].children
    fig, = figures
    for control, value in ((n, 80), (sigma2, 2.0), (q_f, 5), (seed, 7), (n, 12), (q_f, 60)):
        control.value = value
        _, reference = plt.subplots()
        draw_fits(_example(n.value, round(sigma2.value, 2), q_f.value, seed.value), reference,
                  colours=experiments.DEGREE_COLOURS)
        assert _fits_panel(fig.axes[0]) == _fits_panel(reference), f"after {control.description} = {value}"
    plt.close("all")


def test_noise_explorer_shows_a_failure_in_the_widget(maps) -> None:
    def broken(*args):
        raise ValueError("The 'runs' parameter of overfit_runs must be ...")

    widget = noise_explorer(maps, _example, broken, live_runs=20)
    button, status = widget.children[2].children
    button.click()
    assert "live measurement failed" in status.value and "'runs' parameter" in status.value
    assert not button.disabled


def test_noise_explorer_rejects_bad_input(maps) -> None:
    with pytest.raises(TypeError, match=r"'maps' parameter of noise_explorer"):
        noise_explorer({"a": {"runs": 1}}, _example, lambda *a: None)
    with pytest.raises(TypeError, match=r"'example' parameter of noise_explorer"):
        noise_explorer(maps, "lfd_example", lambda *a: None)
    with pytest.raises(ValueError, match=r"'live_runs' parameter of noise_explorer"):
        noise_explorer(maps, _example, lambda *a: None, live_runs=1)


def test_the_drawing_functions(maps) -> None:
    example = experiments.lfd_example(20, 0.5, 20, seed=0)
    ax = draw_fits(example, colours=experiments.DEGREE_COLOURS)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "target f" and any(label.startswith("g10: E_in") for label in labels)
    colours = {line.get_label()[:3]: line.get_color() for line in ax.get_lines()}
    assert colours["g2:"] == experiments.DEGREE_COLOURS[2] and colours["g10"] == experiments.DEGREE_COLOURS[10]
    ax = draw_overfit_map(maps["stochastic"], mark=(40, 1.0))
    assert ax.get_xlabel() == "number of samples N" and "σ²" in ax.get_ylabel()
    result = fake_runs.boundary_result()
    grids = {name: experiments.decision_grid(model, result.train[0], steps=20) for name, model in result.models.items()}
    axes = draw_boundaries(result, grids)
    assert len(axes) == 2 and "held-out acc" in axes[1].get_title()
    for ax, name in zip(axes, ("small", "large")):
        assert f"training acc {result.train_acc[name]:.3f}, held-out acc {result.held_out_acc[name]:.3f}" in (
            ax.get_title()), "each panel gives its own model's accuracies"
    assert "(2 × 128 units)" in axes[1].get_title(), axes[1].get_title()
    with pytest.raises(TypeError, match="'example' parameter of draw_fits"):
        draw_fits(torch.zeros(3))
    plt.close("all")


def test_the_map_marks_only_settings_on_its_grid_and_keeps_every_cell_inside_its_scale(maps) -> None:
    from course_utils.widgets.overfitting import MAP_LIMIT, map_covers

    m = maps["stochastic"]
    assert map_covers(m, 40, 1.0) and not map_covers(m, 15, 1.0) and not map_covers(m, 40, 3.0)
    on = draw_overfit_map(m, mark=(40, 1.0))
    off = draw_overfit_map(m, mark=(12, 1.0))
    circles = [len([line for line in ax.get_lines() if line.get_marker() == "o"]) for ax in (on, off)]
    assert circles == [1, 0], f"a setting off the grid must not be circled: {circles}"
    # The course's own maps (seed 0, full recipe) fit inside the colour scale: no saturated column.
    recipe = experiments.NoiseRecipe(runs=40)
    for axis in ("sigma2", "q_f"):
        assert float(experiments.overfit_map(recipe, axis).average.abs().max()) < MAP_LIMIT
    plt.close("all")


@pytest.mark.parametrize("values", [
    [-3.0, -0.5, 0.001, 0.2, 5.0, 2e7],     # heavy right tail, some negatives
    [0.3, 0.4, 12.0],                         # positive only
    [-0.002, 0.0, 0.004],                     # inside the linear part
    [-5e4, -1.0, -0.02],                      # negative only
])
def test_the_live_histogram_clips_nothing_and_keeps_its_lines_on_the_bars(values) -> None:
    import numpy as np

    from course_utils.widgets.overfitting import _draw_measure_histogram, _symlog_bins, _symlog_ticks

    v = np.asarray(values)
    edges = _symlog_bins(v, 0.01)
    counts, _ = np.histogram(v, bins=edges)
    assert counts.sum() == len(v), f"values fell outside the bins {edges}"
    assert edges[0] <= min(np.median(v), v.mean()) and max(np.median(v), v.mean()) <= edges[-1]
    ticks = _symlog_ticks(float(v.min()), float(v.max()), 0.01)
    assert 0.0 in ticks and len(ticks) <= 7, ticks
    _, ax = plt.subplots()
    _draw_measure_histogram(v, ax)
    lines = [line.get_xdata()[0] for line in ax.get_lines()]
    assert len(lines) == 2 and all(edges[0] <= x <= edges[-1] for x in lines)
    plt.close("all")
