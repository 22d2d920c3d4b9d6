"""Notebook 05's widgets: the network picture and the p slider over a made-up sweep (tests/fake_runs.py)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils import experiments  # noqa: E402
from course_utils.widgets.dropout import draw_dropout_net, dropout_explorer  # noqa: E402


@pytest.fixture(scope="module")
def sweep() -> experiments.DropoutSweep:
    """A DropoutSweep of made-up runs (p = 0 and 0.5, dropout and DropConnect), each ending at its own accuracies."""
    return fake_runs.dropout_sweep(p=(0.0, 0.5), method=("dropout", "dropconnect"))


def test_the_net_picture_drops_hidden_units_only() -> None:
    full = draw_dropout_net((3, 5, 5, 2), 0.0)
    assert all(all(layer) for layer in full["kept"]) and full["connections"] == (15 + 25 + 10,) * 2
    thinned = draw_dropout_net((3, 5, 5, 2), 0.5, seed=1)
    assert all(thinned["kept"][0]) and all(thinned["kept"][-1]), "inputs and outputs are never dropped"
    kept = [sum(k) for k in thinned["kept"]]
    live = 3 * kept[1] + kept[1] * kept[2] + kept[2] * 2
    assert thinned["connections"] == (live, 50)
    assert "after dropout, p = 0.5" in thinned["ax"].get_title()
    plt.close("all")


def test_the_notebooks_first_picture_leaves_every_layer_connected() -> None:
    # Notebook 05, cell 3: seed 3 alone drops the whole first hidden layer; connected=True redraws until it does not.
    cut = draw_dropout_net((4, 6, 6, 2), 0.5, seed=3)
    assert not any(cut["kept"][1]) and not cut["connected"], "seed 3's first mask cuts the net (the issue's picture)"
    shown = draw_dropout_net((4, 6, 6, 2), 0.5, seed=3, connected=True)
    assert shown["connected"] and all(any(layer) for layer in shown["kept"]), "every layer keeps a unit"
    for seed in range(20):  # at p = 0.8 too, as the widget draws it
        assert draw_dropout_net((4, 7, 7, 2), 0.8, seed=seed, connected=True)["connected"]
        plt.close("all")
    plt.close("all")


def test_dropconnect_is_drawn_as_dropped_weights() -> None:
    drawn = draw_dropout_net((4, 6, 6, 2), 0.5, seed=3, method="dropconnect", connected=True)
    assert all(all(layer) for layer in drawn["kept"]), "DropConnect keeps every unit"
    assert all(all(all(row) for row in drawn["weights"][0]) for _ in [0]), "the first layer's weights are kept"
    dropped = sum(not w for pair in drawn["weights"][1:] for row in pair for w in row)
    assert 0 < dropped < 6 * 6 + 6 * 2 and drawn["connections"] == (4 * 6 + 6 * 6 + 6 * 2 - dropped, 72)
    assert "DropConnect" in drawn["ax"].get_title() and "weights dropped" in drawn["ax"].get_title()
    dashed = [line for line in drawn["ax"].lines if line.get_linestyle() not in ("-", "solid")]
    assert len(dashed) == dropped, "each dropped weight is drawn dashed"
    crosses = [line for line in drawn["ax"].lines if line.get_color() == "#D55E00" and line.get_linestyle() == "-"]
    assert not crosses, "no unit is crossed out"
    plt.close("all")
    with pytest.raises(ValueError, match=r"'p' parameter of draw_dropout_net"):
        draw_dropout_net(p=1.0)


def test_the_explorer_redraws_and_trains_live(sweep, monkeypatch) -> None:
    # The live run of seed s ends at validation accuracy 0.8 + s / 1000: never a stored run's.
    run = fake_runs.LiveRun(lambda p, method, seed: fake_runs.dropout_run(0.8 + seed / 1000))
    figures = fake_runs.capture_figures(monkeypatch)
    widget = dropout_explorer(sweep, run)
    fig, = figures
    (slider, method), (seed, button, status) = widget.children[0].children, widget.children[1].children
    assert slider.value == 0.5 and method.value == "dropout" and seed.value == sweep.recipe.seed
    method.value = "dropconnect"
    chosen, plain = sweep.history(0.5, "dropconnect"), sweep.history(0.0, "dropconnect")
    assert fake_runs.line(fig, "DropConnect, p = 0.5 (stored, seed 0), validation") == chosen.val_acc
    assert fake_runs.line(fig, "DropConnect, p = 0.5 (stored, seed 0), training") == chosen.extra["train_eval_acc"]
    assert fake_runs.line(fig, "no dropout (stored), validation") == plain.val_acc, "the net without dropout beside it"
    assert fake_runs.line(fig, "chosen setting") == [chosen.val_acc[-1]], "the chosen setting circled on the right"
    assert not run.calls, "a control change must not train"
    button.click()
    assert run.calls == [(0.5, "dropconnect", 0)]
    live, stored = run.returned[-1], chosen.val_acc[-1]
    assert "trained live" in status.value and "DropConnect, p = 0.5" in status.value, status.value
    assert (f"training accuracy {live.extra['train_eval_acc'][-1]:.3f}, validation {live.val_acc[-1]:.3f} "
            f"(the stored run of seed 0: validation {stored:.3f})") in status.value, status.value
    assert "test" not in status.value, "the live status must not show test accuracy: p is chosen on validation"
    assert fake_runs.line(fig, "live, seed 0, validation") == live.val_acc, "the live run's curves are added"
    seed.value = 7
    button.click()
    assert run.calls[-1] == (0.5, "dropconnect", 7) and "seed 7" in status.value, "the seed box reaches the run"
    seven = run.returned[-1].val_acc[-1]
    assert f"validation {seven:.3f} (stored seed 0: validation {stored:.3f})" in status.value, (
        "another seed's run is compared with the stored seed's, not called its repeat", status.value)
    assert fake_runs.line(fig, "live, seed 7, validation") == run.returned[-1].val_acc
    slider.value = 0.0  # p = 0 draws without error too
    assert fake_runs.line(fig, "no dropout (stored, seed 0), validation") == plain.val_acc
    assert not button.disabled and len(run.calls) == 2
    plt.close("all")


def _picture(ax) -> tuple:
    """What a net picture shows: its visible lines and discs with their styles, and its title."""
    lines = [(tuple(ln.get_xdata()), tuple(ln.get_ydata()), ln.get_color(), ln.get_linewidth(), ln.get_alpha(),
              ln.get_linestyle()) for ln in ax.lines if ln.get_visible()]
    discs = [(c.get_offsets().tolist(), c.get_facecolor().tolist(), c.get_edgecolor().tolist()) for c in ax.collections]
    return sorted(lines), discs, ax.get_title()


def test_the_explorers_net_picture_is_the_deck_picture_of_each_setting(sweep, monkeypatch) -> None:
    # The explorer restyles one set of artists: after any sequence of changes, the picture must be the one
    # draw_dropout_net draws for the chosen setting, with no unit, weight or cross left from an earlier one.
    figures = fake_runs.capture_figures(monkeypatch)
    widget = dropout_explorer(sweep, lambda p, method, seed: None)
    fig, = figures
    slider, method = widget.children[0].children
    for p, m in ((0.5, "dropout"), (0.0, "dropout"), (0.5, "dropconnect"), (0.0, "dropconnect"), (0.5, "dropout")):
        slider.value, method.value = p, m
        _, reference = plt.subplots()
        draw_dropout_net((4, 7, 7, 2), p, seed=round(100 * p), connected=True, method=m, ax=reference)
        assert _picture(fig.axes[2]) == _picture(reference), f"the picture of p = {p}, {m}"
    plt.close("all")


def test_the_explorer_shows_a_failure_and_rejects_bad_input(sweep) -> None:
    def broken(p, method, seed):
        raise ValueError("no data")

    widget = dropout_explorer(sweep, broken)
    _, button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and "no data" in status.value and not button.disabled
    with pytest.raises(TypeError, match=r"'sweep' parameter of dropout_explorer"):
        dropout_explorer({"runs": {}}, broken)
    with pytest.raises(TypeError, match=r"'run' parameter of dropout_explorer"):
        dropout_explorer(sweep, "train")
    plt.close("all")


def test_another_notebooks_sweep_is_refused_by_name() -> None:
    with pytest.raises(TypeError, match=r"The 'sweep' parameter of dropout_explorer must be a stored sweep such as "
                                         r"experiments.load_dropout_sweep\('p'\). Got the batch_norm sweep 'lr'"):
        dropout_explorer(experiments.load_batch_norm_sweep("lr"), lambda p, method, seed: None)
