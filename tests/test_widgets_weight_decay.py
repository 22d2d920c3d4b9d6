"""Notebook 04's widgets: the ridge λ slider, the λ explorer over a (made-up, tests/fake_runs.py) sweep, the λ curve."""

from __future__ import annotations

from functools import partial

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.weight_decay import decay_explorer, draw_decay_curve, ridge_explorer  # noqa: E402


@pytest.fixture(scope="module")
def sweep() -> experiments.DecaySweep:
    """A DecaySweep of made-up runs at λ = 0, 0.01 and 0.1, each ending at its own errors."""
    return fake_runs.decay_sweep(lambdas=(0.0, 0.01, 0.1), epochs=3)


def test_ridge_explorer_moves_the_fit_with_lambda() -> None:
    example = experiments.lfd_example(15, 0.5, 10, seed=4, degrees=(10,))
    calls = []

    def solve(lam):
        calls.append(lam)
        return experiments.ridge_fit(example, lam)

    widget = ridge_explorer(example, solve)
    lam, status = widget.children[0], widget.children[1]
    assert calls[0] == 0.0, "the unpenalised fit is computed once, for comparison"
    lam.value = 1e-2
    assert calls[-1] == pytest.approx(1e-2)
    expected = experiments.ridge_fit(example, 1e-2)
    assert f"E_out {expected['e_out']:.3f}" in status.value, status.value
    plt.close("all")


def test_ridge_explorer_bars_follow_every_lambda(monkeypatch) -> None:
    # The chosen λ's bars are made once and take new heights on each change: none may keep an earlier λ's.
    example = experiments.lfd_example(15, 0.5, 10, seed=4, degrees=(10,))
    figures = fake_runs.capture_figures(monkeypatch)
    lam = ridge_explorer(example, lambda value: experiments.ridge_fit(example, value)).children[0]
    fig, = figures
    weights = fig.axes[1]
    for value in (1e-2, 1.0, 1e-6):
        lam.value = value
        expected = np.abs(np.asarray(experiments.ridge_fit(example, lam.value)["coefs"], dtype=float))
        shown = {c.get_label(): [bar.get_height() for bar in c] for c in weights.containers}
        assert list(shown) == ["λ = 0", f"λ = {lam.value:.1e}"], "the λ = 0 bars and the chosen λ's, one set each"
        assert np.allclose(shown[f"λ = {lam.value:.1e}"], expected), f"the bars are λ = {lam.value:g}'s"
        legend = [t.get_text() for t in weights.get_legend().get_texts()]
        assert legend == ["λ = 0", f"λ = {lam.value:.1e}"], legend
        assert weights.get_ylim()[0] <= expected.min(), "the log axis shows the smallest |c_q|"
    plt.close("all")


def test_decay_explorer_redraws_and_trains_live(sweep, monkeypatch) -> None:
    run = fake_runs.LiveRun(lambda lam: fake_runs.decay_run(fake_runs.live_final(round(100 * lam))))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = decay_explorer(sweep, run, colours=experiments.DECAY_COLOURS)
    fig, = figures
    slider = widget.children[0]
    button, status = widget.children[1].children
    assert [value for _, value in slider.options] == [0.0, 0.01, 0.1]
    slider.value = 0.1
    chosen = sweep.history(0.1)
    assert fake_runs.line(fig, "L2, λ = 0.1: validation") == chosen.val_error
    assert fake_runs.line(fig, "no penalty: training") == sweep.history(0.0).train_error, "λ = 0 beside it"
    assert fake_runs.line(fig, "chosen λ") == [chosen.val_error[-1]], "the chosen λ circled"
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [(0.1,)], "train live must train the chosen λ, once"
    live = run.returned[-1]
    assert "trained live" in status.value and "L2, λ = 0.1" in status.value, status.value
    assert f"final validation error {live.val_error[-1]:.3f} (stored: {chosen.val_error[-1]:.3f})" in status.value, (
        "the live run's error, then the stored run's", status.value)
    assert fake_runs.line(fig, "L2, λ = 0.1: validation (live)") == live.val_error, "the live curve is added"
    assert not button.disabled
    plt.close("all")


def test_decay_explorer_shows_a_failure_and_rejects_bad_input(sweep) -> None:
    def broken(lam):
        raise ValueError("The 'lam' parameter of train_decay_net must be ...")

    widget = decay_explorer(sweep, broken)
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and not button.disabled
    with pytest.raises(TypeError, match="'sweep' parameter of decay_explorer"):
        decay_explorer({"runs": {}}, broken)
    with pytest.raises(TypeError, match="'run' parameter of decay_explorer"):
        decay_explorer(sweep, "train")
    with pytest.raises(TypeError, match="'example' parameter of ridge_explorer"):
        ridge_explorer(3, partial(experiments.ridge_fit))


def test_draw_decay_curve(sweep) -> None:
    ax = draw_decay_curve({"Adam + L2": sweep}, colours=experiments.DECAY_COLOURS, split=("train", "val", "test"))
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Adam + L2: training", "Adam + L2: validation", "Adam + L2: test"]
    assert {line.get_color() for line in ax.get_lines() if line.get_color() != "white"} == {experiments.DECAY_COLOURS["l2"]}
    joined = [line for line in ax.get_lines() if line.get_linestyle() in ("-", "--", ":") and line.get_color() != "white"]
    assert [line.get_linestyle() for line in joined] == ["-", "--", ":"]
    assert joined[1].get_xdata()[0] == pytest.approx(0.01), "the line starts at the smallest positive λ: λ = 0 is not joined"
    finals = {"train": [sweep.history(v).train_error[-1] for v in (0.01, 0.1)],
              "val": [sweep.history(v).val_error[-1] for v in (0.01, 0.1)],
              "test": [1 - sweep.history(v).series("test_acc")[-1] for v in (0.01, 0.1)]}
    for line, part in zip(joined, ("train", "val", "test")):
        assert list(line.get_ydata()) == pytest.approx(finals[part]), f"{part}: the last epoch's errors (test: its test_acc)"
    alone = [line for line in ax.get_lines() if line.get_linestyle() == "None"]
    assert len(alone) == 3 and all(line.get_xdata()[0] == pytest.approx(0.001) for line in alone), (
        "λ = 0 is drawn on its own, a decade left of the smallest λ")
    assert [float(line.get_ydata()[0]) for line in alone] == pytest.approx(
        [sweep.history(0.0).train_error[-1], sweep.history(0.0).val_error[-1],
         1 - sweep.history(0.0).series("test_acc")[-1]])
    ticks = [(float(x), t.get_text()) for x, t in zip(ax.get_xticks(), ax.get_xticklabels())]
    assert ticks == [(pytest.approx(0.001), "λ = 0"), (pytest.approx(0.01), "0.01"), (pytest.approx(0.1), "0.1")], ticks
    # several seeds: the mean, with ± sd bars (the second made-up seed's accuracies are 0.04 lower)
    plt.close("all")
    other = fake_runs.decay_sweep(lambdas=(0.0, 0.01, 0.1), epochs=3, seed=1, shift=-0.04)
    ax = draw_decay_curve({"Adam + L2": [sweep, other]}, split=("val",))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Adam + L2: validation (mean ± sd, 2 seeds)"]
    mean = [(sweep.history(v).val_error[-1] + other.history(v).val_error[-1]) / 2 for v in (0.01, 0.1)]
    line, = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert list(line.get_ydata()) == pytest.approx(mean), "the mean over the seeds"
    bars = [c for c in ax.containers if c.has_yerr]
    halves = [abs(s[1][1] - s[0][1]) / 2 for c in bars for s in c.lines[2][0].get_segments()]
    assert halves == pytest.approx([0.04 / 2 ** 0.5] * 3), "± one standard deviation over the seeds (λ = 0 too)"
    with pytest.raises(ValueError, match="'split' parameter of draw_decay_curve"):
        draw_decay_curve({"x": sweep}, split=("train", "dev"))
    plt.close("all")


def test_another_notebooks_sweep_is_refused_by_name() -> None:
    other = experiments.load_dropout_sweep("p")
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of decay_explorer must be a stored sweep such as "
                                         r"experiments.load_weight_decay_sweep\(\). Got the dropout sweep 'p'"):
        decay_explorer(other, lambda lam: None)
    with pytest.raises(TypeError, match=r"The 'sweeps' parameter of draw_decay_curve must be .*Got a dict whose "
                                         r"entry 'l2' is the dropout sweep 'p' \(dropout_p_sweep.json\)"):
        draw_decay_curve({"l2": other})
