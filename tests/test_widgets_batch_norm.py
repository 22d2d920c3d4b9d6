"""Notebook 06's learning-rate slider over a (tiny) stored sweep, with and without batch norm."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils import data, experiments  # noqa: E402
from course_utils.widgets.batch_norm import learning_rate_explorer  # noqa: E402


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=256, seed=0)


@pytest.fixture(scope="module")
def sweep(small) -> experiments.BatchNormSweep:
    """A sweep of the same type as the stored one, with a learning rate at which the plain net diverges."""
    recipe = experiments.BatchNormRecipe(lr=(0.5, 2.0, 10000.0), epochs=(2,), width=16)
    spec = dataclasses.replace(experiments.BATCH_NORM_SWEEPS["lr"], recipe=recipe)
    return experiments.BatchNormSweep(spec, experiments.run_batch_norm(recipe, data=small))


def test_the_explorer_redraws_and_trains_live(sweep, small) -> None:
    assert experiments.diverged(sweep.history("none", lr=10000.0)), "the fixture needs a diverged run"
    calls = []

    def run(norm, lr):
        calls.append((norm, lr))
        return experiments.run_norm_setting(sweep.setting(norm, lr=lr), recipe=sweep.recipe, data=small,
                                            progress=False)

    widget = learning_rate_explorer(sweep, run)
    slider, (which, button, status) = widget.children[0], widget.children[1].children
    assert slider.value == 2.0 and which.value == "batch"
    slider.value = 10000.0  # draws the diverged run's cross
    which.value = "none"
    button.click()
    assert calls == [("none", 10000.0)]
    assert "trained live" in status.value and "diverged (stored: diverged)" in status.value, status.value
    slider.value = 0.5
    which.value = "batch"
    button.click()
    stored = sweep.history("batch", lr=0.5).val_acc[-1]
    assert f"(stored: {stored:.3f})" in status.value, status.value
    plt.close("all")


def test_the_explorer_shows_a_failure_and_rejects_bad_input(sweep) -> None:
    def broken(norm, lr):
        raise RuntimeError("boom")

    widget = learning_rate_explorer(sweep, broken)
    button, status = widget.children[1].children[1:]
    button.click()
    assert "live training failed" in status.value and "boom" in status.value and not button.disabled
    with pytest.raises(TypeError, match=r"'sweep' parameter of learning_rate_explorer"):
        learning_rate_explorer(object(), broken)
    with pytest.raises(TypeError, match=r"'run' parameter of learning_rate_explorer"):
        learning_rate_explorer(sweep, 3)
    plt.close("all")


def test_the_net_switch_redraws_and_the_legend_lists_only_drawn_lines(sweep) -> None:
    from course_utils.widgets import batch_norm as widget

    def alphas(fig, colour):
        return {line.get_alpha() for ax in fig.axes for line in ax.get_lines() if line.get_color() == colour}

    blue, orange = experiments.NORM_COLOURS["batch"], experiments.NORM_COLOURS["none"]
    chosen_bn = widget._figure(sweep, 10000.0, "batch", {})
    chosen_none = widget._figure(sweep, 10000.0, "none", {})
    assert alphas(chosen_bn, blue) == {None} and alphas(chosen_bn, orange) == {0.3}, "the chosen net in full, the other faded"
    assert alphas(chosen_none, orange) == {None} and alphas(chosen_none, blue) == {0.3}, "the switch must change the figure"
    for fig in (chosen_bn, chosen_none):
        for ax in fig.axes:
            legend = [t.get_text() for t in ax.get_legend().get_texts()]
            drawn = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
            assert sorted(legend) == sorted(drawn), (legend, drawn)
            for line in ax.get_lines():
                assert len(line.get_xdata()) and all(y == y for y in line.get_ydata()), f"{line.get_label()}: no NaN"
    diverged = sweep.history("none", lr=10000.0)
    if diverged.epochs == 1:  # diverged in its first epoch: no curve, only the cross
        left = chosen_bn.axes[0]
        assert not any(t.get_text().startswith("no norm, ") for t in left.get_legend().get_texts())
    plt.close("all")


def test_another_notebooks_sweep_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of learning_rate_explorer must be a stored sweep such "
                                         r"as experiments.load_batch_norm_sweep\('lr'\). Got the residual sweep "
                                         r"'depth' \(residual_depth_sweep.json\)"):
        learning_rate_explorer(experiments.load_degradation_sweep("depth"), lambda norm, lr: None)
