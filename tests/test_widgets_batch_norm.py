"""Notebook 06's learning-rate slider over a made-up sweep (tests/fake_runs.py), with and without batch norm."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.batch_norm import learning_rate_explorer  # noqa: E402


@pytest.fixture(scope="module")
def sweep() -> experiments.BatchNormSweep:
    """A BatchNormSweep of made-up runs at three learning rates; at the largest both nets diverge, the plain
    one in its first epoch (no curve, only the cross), the one with BN in its second (one finite epoch)."""
    return fake_runs.batch_norm_sweep(lr=(0.5, 2.0, 10000.0), epochs=2,
                                      diverge={("none", 10000.0): 1, ("batch", 10000.0): 2})


def _live(norm: str, lr: float):
    """The stub's live run: it diverges where the stored run did, else ends at a made-up accuracy of its own."""
    return fake_runs.diverged(1, lr=lr) if lr == 10000.0 else fake_runs.tested(fake_runs.curves(fake_runs.live_final(int(lr)), 2))


def test_the_explorer_redraws_and_trains_live(sweep, monkeypatch) -> None:
    assert experiments.diverged(sweep.history("none", lr=10000.0)), "the fixture needs a diverged run"
    run = fake_runs.LiveRun(_live)
    figures = fake_runs.capture_figures(monkeypatch)
    widget = learning_rate_explorer(sweep, run)
    fig, = figures
    slider, (which, button, status) = widget.children[0], widget.children[1].children
    assert slider.value == 2.0 and which.value == "batch"
    bn = sweep.history("batch", lr=2.0)
    assert fake_runs.line(fig, "BN, training") == bn.train_acc and fake_runs.line(fig, "BN, test") == bn.series("test_acc")
    finals = [sweep.history("batch", lr=r).series("test_acc")[-1] for r in (0.5, 2.0)] + [0.1]
    assert fake_runs.line(fig, "BN") == finals, "final accuracy against the learning rate, a diverged run at chance"
    slider.value = 10000.0  # draws the diverged run's cross
    which.value = "none"
    assert fake_runs.line(fig, "no norm: diverged (loss NaN) in epoch 1") == [0.1]
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [("none", 10000.0)]
    assert "trained live" in status.value and "diverged (stored: diverged)" in status.value, status.value
    slider.value = 0.5
    which.value = "batch"
    button.click()
    assert run.calls[-1] == ("batch", 0.5)
    stored, live = (h.series("test_acc")[-1] for h in (sweep.history("batch", lr=0.5), run.returned[-1]))
    assert f"final test accuracy {live:.3f} (stored: {stored:.3f})" in status.value, status.value
    assert fake_runs.line(fig, "BN (live), test") == run.returned[-1].series("test_acc"), "the live run's curves are added"
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
    # "none" diverged in its first epoch: no curve, only the cross; "batch" in its second: one point, then the cross.
    assert sweep.history("none", lr=10000.0).epochs == 1 and sweep.history("batch", lr=10000.0).epochs == 2
    for fig in (chosen_bn, chosen_none):
        left = fig.axes[0]
        shown = [t.get_text() for t in left.get_legend().get_texts()]
        assert not any(t.startswith("no norm, ") for t in shown), shown
        assert "no norm: diverged (loss NaN) in epoch 1" in shown and "BN: diverged (loss NaN) in epoch 2" in shown
        assert fake_runs.line(fig, "BN, training") == sweep.history("batch", lr=10000.0).train_acc[:1]
    plt.close("all")


def test_another_notebooks_sweep_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of learning_rate_explorer must be a stored sweep such "
                                         r"as experiments.load_batch_norm_sweep\('lr'\). Got the residual sweep "
                                         r"'depth' \(residual_depth_sweep.json\)"):
        learning_rate_explorer(experiments.load_degradation_sweep("depth"), lambda norm, lr: None)
