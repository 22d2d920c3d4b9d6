"""Notebook 07's widgets and figures: they redraw from the stored sweeps and train live through ``run``.

The live runs are stubs (tests/fake_runs.py): they record the setting they were called with and
return a made-up History at once, whose numbers no stored run has.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs
import matplotlib.pyplot as plt
import pytest
import torch

from course_utils import experiments, models, regularizers
from course_utils.widgets.catalogue import (
    COST_MARK,
    KIND_COLOURS,
    draw_effects,
    draw_images,
    draw_reliability,
    epsilon_explorer,
    shift_explorer,
    smoothing_explorer,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _controls(widget):
    slider = widget.children[0]
    button, status = widget.children[1].children
    return slider, button, status


def test_shift_explorer_redraws_and_trains_the_chosen_setting(monkeypatch) -> None:
    sweep = experiments.load_catalogue_sweep("shift")
    run = fake_runs.LiveRun(lambda max_shift: fake_runs.catalogue_run(fake_runs.live_final(max_shift)))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = shift_explorer(sweep, run)
    fig, = figures
    slider, button, status = _controls(widget)
    assert [v for _, v in slider.options] == [0, 1, 2, 4, 8, 20] and slider.value == 20
    slider.value = 4
    chosen = sweep.get("max shift 4")
    assert fake_runs.line(fig, "max shift 4: test") == chosen.series("test_acc")
    assert fake_runs.line(fig, "max shift 0: training") == sweep.get("max shift 0").train_acc, "no augmentation beside it"
    assert fake_runs.line(fig, "chosen setting") == [sweep.final("max shift 4")], "the chosen setting circled"
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [(4,)], "train live must train the chosen setting, once"
    live = run.returned[-1]
    assert "trained live" in status.value and "max shift 4" in status.value, status.value
    assert (f"test accuracy {live.series('test_acc')[-1]:.3f} (stored: {sweep.final('max shift 4'):.3f})"
            in status.value), status.value
    assert fake_runs.line(fig, "max shift 4 (live): test") == live.series("test_acc"), "the live curves are added"
    assert not button.disabled


def test_smoothing_explorer_shows_a_failure_in_the_widget() -> None:
    sweep = experiments.load_catalogue_sweep("smoothing")

    def broken(alpha):
        raise ValueError("The 'alpha' parameter of run_smoothing must be ...")

    widget = smoothing_explorer(sweep, broken)
    slider, button, status = _controls(widget)
    assert slider.value == 0.1
    slider.value = 0.3
    button.click()
    assert "live training failed" in status.value and "'alpha' parameter" in status.value
    assert not button.disabled, "the button must work again after a failure"


def test_smoothing_explorer_trains_live(monkeypatch) -> None:
    sweep = experiments.load_catalogue_sweep("smoothing")
    run = fake_runs.LiveRun(lambda alpha: fake_runs.catalogue_run(fake_runs.live_final(round(10 * alpha))))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = smoothing_explorer(sweep, run)
    fig, = figures
    _, button, status = _controls(widget)
    assert fake_runs.line(fig, "α = 0.1: validation loss") == sweep.get("α = 0.1").val_loss
    assert fake_runs.line(fig, "α = 0: validation loss") == sweep.get("α = 0").val_loss, "α = 0 beside it"
    button.click()
    assert run.calls == [(0.1,)]
    live = run.returned[-1]
    assert "α = 0.1" in status.value and "calibration error" in status.value, status.value
    assert (f"test accuracy {live.series('final_acc')[-1]:.3f}, calibration error {live.series('final_ece')[-1]:.3f} "
            f"(stored: {sweep.final('α = 0.1'):.3f}, {sweep.final('α = 0.1', 'final_ece'):.3f})") in status.value, (
        status.value)
    assert fake_runs.line(fig, "α = 0.1 (live): validation loss") == live.val_loss, "the live curve is added"


def test_epsilon_explorer_attacks_live_nets_and_trains_live(monkeypatch) -> None:
    sweep = experiments.load_catalogue_sweep("epsilon")
    grid = list(sweep.recipe.eps_grid)
    torch.manual_seed(0)
    x, y = torch.rand(12, 64), torch.randint(0, 10, (12,))  # twelve made-up 8x8 "digits"
    net = models.MLP(64, 10, width=16)
    run = fake_runs.LiveRun(lambda eps: fake_runs.catalogue_run(fake_runs.live_final(round(100 * eps)), fgsm=grid))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = epsilon_explorer(sweep, {"standard": net}, (x, y), run, experiments.fgsm_series)
    fig, = figures
    eps, example = widget.children[0].children
    train_eps, button, status = widget.children[1].children
    assert eps.value == 0.1 and example.max == len(x) - 1 and train_eps.value == 0.1
    stored = sweep.get("adversarial training, ε = 0.1")
    assert fake_runs.line(fig, "adversarial training, ε = 0.1 (stored)") == [
        stored.series(experiments.fgsm_series(g))[-1] for g in grid], "robust accuracy against the test ε, stored"
    example.value = 5
    eps.value = 0.2
    train_eps.value = 0.05
    assert net.training, "the widget restores the nets' mode after attacking them"
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [(0.05,)] and "trained live" in status.value, "train live uses the training ε, not the test ε"
    live = run.returned[-1]
    assert f"clean accuracy {live.series('final_acc')[-1]:.3f}" in status.value, status.value
    assert (f"accuracy on FGSM examples at the test ε = 0.2: {live.series(experiments.fgsm_series(0.2))[-1]:.3f}"
            in status.value), "the live run's robust accuracy at the chosen test ε"
    assert fake_runs.line(fig, "adversarial training, ε = 0.05 (live)") == [
        live.series(experiments.fgsm_series(g))[-1] for g in grid], "the live curve is added at every test ε"


def test_the_widgets_reject_what_is_not_their_sweep() -> None:
    with pytest.raises(TypeError, match="'sweep' parameter of shift_explorer"):
        shift_explorer(experiments.load_catalogue_sweep("items_1_3"), lambda v: None)
    with pytest.raises(TypeError, match="'run' parameter of smoothing_explorer"):
        smoothing_explorer(experiments.load_catalogue_sweep("smoothing"), "train")
    with pytest.raises(TypeError, match="'models' parameter of epsilon_explorer"):
        epsilon_explorer(experiments.load_catalogue_sweep("epsilon"), {"net": "not a net"},
                         (torch.zeros(2, 64), torch.zeros(2, dtype=torch.long)), lambda e: None, str)


def test_draw_images_takes_grey_and_colour_images() -> None:
    fig = draw_images(torch.rand(5, 1, 8, 8), [f"image {i}" for i in range(5)], ncols=3)
    assert len([ax for ax in fig.axes if ax.images]) == 5
    fig = draw_images(torch.rand(2, 6, 9, 3))
    assert len([ax for ax in fig.axes if ax.images]) == 2
    with pytest.raises(ValueError, match="'titles' parameter of draw_images"):
        draw_images(torch.rand(3, 8, 8), ["only one"])


def test_draw_reliability_draws_one_line_per_net() -> None:
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(300, 4) * 3, 1)
    y = torch.randint(0, 4, (300,))
    ax = draw_reliability({"a": regularizers.reliability_bins(probs, y), "b": regularizers.reliability_bins(probs, y, 5)})
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["calibrated", "a", "b"]
    table = regularizers.reliability_bins(probs, y)
    shares = [c / sum(table["count"]) for c in table["count"] if c > 0]
    assert list(ax.collections[0].get_sizes()) == pytest.approx([10 + 1500 * s for s in shares]), (
        "a bin's marker area follows its share of the examples")


def test_draw_effects_draws_each_metric_on_its_own_axis_with_its_spread() -> None:
    rows = experiments.catalogue_table()
    fig = draw_effects(rows)
    panels = {"accuracy": 100, "ECE": 1, "robust accuracy (ε = 0.1)": 100}
    assert len(fig.axes) == len(panels), "test accuracy, calibration error and robust accuracy: one panel each"
    for ax, (metric, scale) in zip(fig.axes, panels.items()):
        shown = [r for r in rows if r["metric"] == metric]
        bars = [p for p in ax.patches if p.get_height() > 0]
        assert len(bars) == len(shown), metric
        assert [round(b.get_width(), 6) for b in bars] == [round(scale * r["effect"], 6) for r in shown], (
            f"{metric}: bar lengths are the mean effects")
        colours = [matplotlib.colors.to_hex(b.get_facecolor()) for b in bars]
        assert colours == [KIND_COLOURS[r["kind"]].lower() for r in shown], f"{metric}: colour = what it is compared with"
        assert [bool(b.get_hatch()) for b in bars] == [r["cost"] != "nothing" for r in shown], (
            f"{metric}: hatched = not like-for-like")
        marked = [t.get_text().endswith(f" {COST_MARK}") for t in ax.get_yticklabels()]
        assert marked == [r["cost"] != "nothing" for r in shown], (
            f"{metric}: a label ends in {COST_MARK} exactly when its row is not like-for-like (short bars hide hatching)")
        errs = [c for c in ax.containers if hasattr(c, "errorbar") and c.errorbar is not None]
        segments = errs[0].errorbar.lines[2][0].get_segments()
        assert [round(abs(s[1][0] - s[0][0]) / 2, 6) for s in segments] == [
            round(scale * r["effect_sd"], 6) for r in shown], f"{metric}: error bars are the sd over seeds"
    assert "accuracy" not in fig.axes[1].get_xlabel() and "calibration" in fig.axes[1].get_xlabel()
    assert set(KIND_COLOURS) == set(experiments.ROW_KINDS)
    with pytest.raises(ValueError, match="'rows' parameter of draw_effects"):
        draw_effects([r for r in rows if r["metric"] not in panels])
    with pytest.raises(ValueError, match="'rows' parameter of draw_effects"):
        draw_effects([dict(rows[0], kind="vs something else")])


def test_another_slider_sweep_is_refused_by_name() -> None:
    smoothing = experiments.load_catalogue_sweep("smoothing")
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of shift_explorer must be a stored slider sweep such "
                                         r"as experiments.load_catalogue_sweep\('shift'\). Got the catalogue sweep "
                                         r"'smoothing' \(catalogue_smoothing_sweep.json\)"):
        shift_explorer(smoothing, lambda max_shift: None)
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of smoothing_explorer .* Got the dropout sweep 'p'"):
        smoothing_explorer(experiments.load_dropout_sweep("p"), lambda alpha: None)
