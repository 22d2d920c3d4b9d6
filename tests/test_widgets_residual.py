"""Notebook 01's depth explorer: it redraws from a stored sweep and trains live through ``run``."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from course_utils import data, experiments  # noqa: E402
from course_utils.widgets.residual import depth_explorer  # noqa: E402


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=256, seed=0)


@pytest.fixture(scope="module")
def sweep(small) -> experiments.DegradationSweep:
    """A sweep of the same type as a stored one, made in a second from a tiny recipe."""
    recipe = experiments.DegradationRecipe(num_blocks=(1, 2), epochs=1)
    spec = dataclasses.replace(experiments.SWEEPS["depth"], recipe=recipe)
    return experiments.DegradationSweep(spec, experiments.run_degradation(recipe, data=small))


def test_depth_explorer_redraws_and_trains_live(sweep, small) -> None:
    calls = []

    def run(num_blocks, residual):
        calls.append((num_blocks, residual))
        return experiments.run_degradation_setting(num_blocks, residual, recipe=sweep.recipe, data=small)

    widget = depth_explorer(sweep, run)
    (depth, shortcuts), (button, status) = widget.children[0].children, widget.children[1].children
    assert depth.value == 2 and shortcuts.value is False
    assert [label for label, _ in depth.options] == ["4", "6"], "the slider shows layers, not blocks"
    depth.value = 1
    shortcuts.value = True
    button.click()
    assert calls == [(1, True)], "train live must train the chosen setting, once"
    assert "trained live" in status.value and "residual, 4 layers" in status.value, status.value
    stored = f"{sweep.history(1, True).train_error[-1]:.3f}"
    assert f"(stored: {stored})" in status.value, "a live run of the stored recipe repeats the stored one"
    assert not button.disabled


def test_depth_explorer_shows_a_failure_in_the_widget(sweep) -> None:
    def broken(num_blocks, residual):
        raise ValueError("The 'seed' parameter of run_degradation_setting must be ...")

    widget = depth_explorer(sweep, broken)
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and "'seed' parameter" in status.value
    assert not button.disabled, "the button must work again after a failure"


def test_depth_explorer_rejects_bad_input(sweep) -> None:
    with pytest.raises(TypeError, match=r"'sweep' parameter of depth_explorer"):
        depth_explorer({"meta": {}, "runs": {}}, lambda n, r: None)
    with pytest.raises(TypeError, match=r"'run' parameter of depth_explorer"):
        depth_explorer(sweep, "train")


def test_another_notebooks_sweep_is_refused_by_name() -> None:
    other = experiments.load_dropout_sweep("p")
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of depth_explorer must be a stored sweep such as "
                                         r"experiments.load_degradation_sweep\('depth'\). Got the dropout sweep 'p' "
                                         r"\(dropout_p_sweep.json\). Pass the sweep this widget draws"):
        depth_explorer(other, lambda num_blocks, residual: None)


def test_a_run_that_returns_nothing_is_named_in_the_status_line() -> None:
    widget = depth_explorer(experiments.load_degradation_sweep("depth"), lambda num_blocks, residual: None)
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value
    assert ("The 'run' parameter of depth_explorer must be a callable that returns the History of the run it "
            "trains. Got one that returned None") in status.value, status.value
    assert not button.disabled
