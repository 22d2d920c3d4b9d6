"""Notebook 03's figures and noise explorer: they draw what they are given and measure live through ``runs``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.overfitting import draw_boundaries, draw_fits, draw_overfit_map, noise_explorer  # noqa: E402


@pytest.fixture(scope="module")
def maps() -> dict[str, experiments.OverfitMap]:
    recipe = experiments.NoiseRecipe(n_values=(20, 40, 80), sigma2_values=(0.0, 1.0, 2.0), q_f_values=(5, 20, 40),
                                     runs=20)
    return {"stochastic": experiments.overfit_map(recipe, "sigma2"), "deterministic": experiments.overfit_map(recipe, "q_f")}


def _example(n, sigma2, q_f, seed):
    return experiments.lfd_example(n, sigma2, q_f, seed=seed)


def test_noise_explorer_redraws_and_measures_live(maps) -> None:
    calls = []

    def runs(n, sigma2, q_f, count, seed):
        calls.append((n, sigma2, q_f, count))
        return experiments.overfit_runs(n, sigma2=[sigma2], q_f=[q_f], runs=count, seed=seed).flatten()

    widget = noise_explorer(maps, _example, runs, colours=experiments.DEGREE_COLOURS, live_runs=100)
    (n, sigma2, q_f, seed), chooser = widget.children[0].children, widget.children[1]
    button, status = widget.children[2].children
    assert (n.value, sigma2.value, q_f.value) == (30, 0.5, 20)
    assert list(chooser.options) == ["stochastic", "deterministic"]
    n.value, sigma2.value, q_f.value = 40, 1.0, 20
    chooser.value = "deterministic"
    seed.value = 3
    button.click()
    assert calls and all(c[:3] == (40, 1.0, 20) for c in calls), calls
    assert sum(c[3] for c in calls) == 100, "the live button must measure live_runs data sets in all"
    assert "100 data sets" in status.value and "median" in status.value, status.value
    assert not button.disabled
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
    result = experiments.run_boundaries(experiments.BoundaryRecipe(n_train=40, n_pool=300, epochs=3))
    grids = {name: experiments.decision_grid(model, result.train[0], steps=20) for name, model in result.models.items()}
    axes = draw_boundaries(result, grids)
    assert len(axes) == 2 and "held-out acc" in axes[1].get_title()
    with pytest.raises(TypeError, match="'example' parameter of draw_fits"):
        draw_fits(torch.zeros(3))
    plt.close("all")
