"""Notebook 05's widgets: the network picture and the p slider over a (tiny) stored sweep."""

from __future__ import annotations

import dataclasses

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils import data, experiments  # noqa: E402
from course_utils.widgets.dropout import draw_dropout_net, dropout_explorer  # noqa: E402


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=128, seed=0)


@pytest.fixture(scope="module")
def sweep(small) -> experiments.DropoutSweep:
    """A sweep of the same type as the stored one, made in seconds from a tiny recipe."""
    recipe = experiments.DropoutRecipe(p=(0.0, 0.5), method=("dropout", "dropconnect"), width=16, epochs=2)
    spec = dataclasses.replace(experiments.DROPOUT_SWEEPS["p"], recipe=recipe)
    return experiments.DropoutSweep(spec, experiments.run_dropout(recipe, data=small))


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
    with pytest.raises(ValueError, match=r"'p' parameter of draw_dropout_net"):
        draw_dropout_net(p=1.0)


def test_the_explorer_redraws_and_trains_live(sweep, small) -> None:
    calls = []

    def run(p, method):
        calls.append((p, method))
        return experiments.run_dropout_setting(p, method, recipe=sweep.recipe, data=small, progress=False)

    widget = dropout_explorer(sweep, run)
    (slider, method), (button, status) = widget.children[0].children, widget.children[1].children
    assert slider.value == 0.5 and method.value == "dropout"
    method.value = "dropconnect"
    button.click()
    assert calls == [(0.5, "dropconnect")]
    assert "trained live" in status.value and "DropConnect, p = 0.5" in status.value, status.value
    assert f"(stored: gap {sweep.gap(0.5, 'dropconnect'):.3f})" in status.value, "a live run repeats the stored one"
    slider.value = 0.0  # p = 0 draws without error too
    assert not button.disabled
    plt.close("all")


def test_the_explorer_shows_a_failure_and_rejects_bad_input(sweep) -> None:
    def broken(p, method):
        raise ValueError("no data")

    widget = dropout_explorer(sweep, broken)
    button, status = widget.children[1].children
    button.click()
    assert "live training failed" in status.value and "no data" in status.value and not button.disabled
    with pytest.raises(TypeError, match=r"'sweep' parameter of dropout_explorer"):
        dropout_explorer({"runs": {}}, broken)
    with pytest.raises(TypeError, match=r"'run' parameter of dropout_explorer"):
        dropout_explorer(sweep, "train")
    plt.close("all")
