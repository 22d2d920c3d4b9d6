"""Notebook 01's depth explorer: it redraws from a (made-up, tests/fake_runs.py) sweep and trains live through ``run``."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.residual import depth_explorer  # noqa: E402


@pytest.fixture(scope="module")
def sweep() -> experiments.DegradationSweep:
    """A DegradationSweep of made-up runs (1 and 2 blocks, plain and residual), each ending at its own errors."""
    return fake_runs.degradation_sweep(num_blocks=(1, 2), epochs=2)


def test_depth_explorer_redraws_and_trains_live(sweep, monkeypatch) -> None:
    run = fake_runs.LiveRun(lambda num_blocks, residual: fake_runs.curves(fake_runs.live_final(num_blocks), 2))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = depth_explorer(sweep, run)
    fig, = figures
    (depth, shortcuts), (button, status) = widget.children[0].children, widget.children[1].children
    assert depth.value == 2 and shortcuts.value is False
    assert [label for label, _ in depth.options] == ["4", "6"], "the slider shows layers, not blocks"
    assert fake_runs.line(fig, "plain, 6 layers (stored)") == sweep.history(2, False).train_error
    assert fake_runs.line(fig, "plain, 4 layers (stored)") == sweep.history(1, False).train_error, (
        "the shallowest net of the same kind beside it")
    depth.value = 1
    shortcuts.value = True
    chosen = sweep.history(1, True)
    assert fake_runs.line(fig, "residual, 4 layers (stored)") == chosen.train_error
    assert fake_runs.line(fig, "chosen setting") == [chosen.train_error[-1]], "the chosen setting circled"
    assert fake_runs.line(fig, "residual, test") == [sweep.history(n, True).test_error[-1] for n in (1, 2)]
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [(1, True)], "train live must train the chosen setting, once"
    live = run.returned[-1]
    assert "trained live" in status.value and "residual, 4 layers" in status.value, status.value
    assert (f"final training error {live.train_error[-1]:.3f} (stored: {chosen.train_error[-1]:.3f})"
            in status.value), "the live run's error, then the stored run's"
    assert fake_runs.line(fig, "residual, 4 layers (live)") == live.train_error, "the live run's curve is added"
    assert not button.disabled


def test_depth_explorer_shows_a_failure_in_the_widget(sweep) -> None:
    def broken(num_blocks, residual):
        raise ValueError("The 'seed' parameter of train_degradation_net must be ...")

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
            "trains (or a pair (net, History), as the experiments' train_&lt;topic&gt;_net functions do). "
            "Got one that returned None") in status.value, status.value
    assert not button.disabled


def test_a_run_that_returns_the_net_and_its_history_is_drawn(sweep, monkeypatch) -> None:
    """The experiments' train_<topic>_net functions return (net, history): the explorer draws the history."""
    made = fake_runs.curves(0.2, 2)
    figures = fake_runs.capture_figures(monkeypatch)
    widget = depth_explorer(sweep, lambda num_blocks, residual: (torch.nn.Linear(1, 1), made))
    button, status = widget.children[1].children
    button.click()
    assert "trained live" in status.value, status.value
    assert fake_runs.line(figures[0], "plain, 6 layers (live)") == made.train_error
    # A pair of something else is not a net and its history.
    widget = depth_explorer(sweep, lambda num_blocks, residual: (made, made))
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and "Got one that returned" in status.value, status.value
