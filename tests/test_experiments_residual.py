"""Notebook 01's room: the degradation recipe, its run functions and its stored-sweep records.

The claims themselves (degradation over seeds) are in ``test_claims_residual.py``; here the
runs are tiny.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from course_utils import data, experiments, measure


@pytest.fixture(scope="module")
def small() -> data.Splits:
    """MNIST-1D with 256 training examples: a run of a few blocks takes a fraction of a second."""
    return data.load_mnist1d(n_train=256, seed=0)


def tiny(**changes) -> experiments.DegradationRecipe:
    return dataclasses.replace(experiments.DegradationRecipe(num_blocks=(1, 2), epochs=2), **changes)


def test_recipe_is_frozen_and_the_defaults_are_the_measured_ones() -> None:
    recipe = experiments.DegradationRecipe()
    assert (recipe.num_blocks, recipe.residual, recipe.width, recipe.epochs, recipe.lr) == (
        (2, 20), (False, True), 16, 8, 0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 3
    assert experiments.DegradationRecipe(num_blocks=[2, 4]).num_blocks == (2, 4), "lists are stored as tuples"
    assert hash(recipe) == hash(experiments.DegradationRecipe())


@pytest.mark.parametrize(("changes", "error", "name"), [
    ({"num_blocks": 20}, TypeError, "num_blocks"),
    ({"num_blocks": ()}, ValueError, "num_blocks"),
    ({"num_blocks": (2, -1)}, ValueError, "num_blocks"),
    ({"num_blocks": (2, 2)}, ValueError, "num_blocks"),
    ({"residual": (0, 1)}, TypeError, "residual"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"lr": 0.0}, ValueError, "lr"),
    ({"lr": float("nan")}, ValueError, "lr"),
    ({"momentum": 1.0}, ValueError, "momentum"),
    ({"schedule": "linear"}, ValueError, "schedule"),
    ({"seed": -1}, ValueError, "seed"),
    ({"batch_norm": "yes"}, TypeError, "batch_norm"),
], ids=lambda v: str(v) if not isinstance(v, dict) else "-".join(map(str, v)))
def test_recipe_rejects_bad_settings(changes, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of DegradationRecipe"):
        experiments.DegradationRecipe(**changes)


def test_run_degradation_labels_order_and_lengths(small) -> None:
    runs = experiments.run_degradation(tiny(), data=small)
    assert list(runs) == ["plain, 4 layers", "plain, 6 layers", "residual, 4 layers", "residual, 6 layers"]
    assert all(h.epochs == 2 for h in runs.values())


def test_run_degradation_repeats_and_leaves_global_state_alone(small) -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    threads = torch.get_num_threads()
    first = experiments.run_degradation(tiny(num_blocks=(1,), residual=(True,), seed=3), data=small)
    assert torch.equal(torch.get_rng_state(), before), "the caller's random state must be left alone"
    assert torch.get_num_threads() == threads, "the thread setting must be restored"
    second = experiments.run_degradation(tiny(num_blocks=(1,), residual=(True,), seed=3), data=small)
    other = experiments.run_degradation(tiny(num_blocks=(1,), residual=(True,), seed=4), data=small)
    label = "residual, 4 layers"
    assert first[label].train_loss == second[label].train_loss
    assert first[label].series("test_acc") == second[label].series("test_acc")
    assert first[label].train_loss != other[label].train_loss


def test_one_setting_equals_its_run_in_the_whole_experiment(small) -> None:
    recipe = tiny()
    whole = experiments.run_degradation(recipe, data=small)
    net, one = experiments.train_degradation_net(2, True, recipe=recipe, data=small, progress=False)
    assert one.train_loss == whole["residual, 6 layers"].train_loss
    fresh = experiments.degradation_net(2, True, width=recipe.width, batch_norm=recipe.batch_norm, seed=recipe.seed)
    assert net.residual and type(net) is type(fresh)
    assert not torch.equal(net.fc.weight, fresh.fc.weight), "the net returned is the trained one"


def test_plain_and_residual_start_from_the_same_weights() -> None:
    plain = experiments.degradation_net(3, False, width=8, seed=5)
    residual = experiments.degradation_net(3, True, width=8, seed=5)
    for (name, p), (_, r) in zip(plain.state_dict().items(), residual.state_dict().items()):
        assert torch.equal(p, r), name


def test_final_errors_reads_the_last_epoch(small) -> None:
    runs = experiments.run_degradation(tiny(num_blocks=(1,), residual=(False,)), data=small)
    h = runs["plain, 4 layers"]
    assert experiments.final_errors(runs) == {
        "plain, 4 layers": {"train error": round(1 - h.train_acc[-1], 3),
                            "test error": round(1 - h.series("test_acc")[-1], 3)}}
    assert all(math.isnan(a) for a in h.val_acc + h.val_loss) and h.best_epoch is None, (
        "the degradation runs use no validation set: the test curve is test_*, never val_*")


def test_labels_and_styles() -> None:
    assert experiments.degradation_label(20, False) == "plain, 42 layers"
    assert experiments.degradation_label(0, True) == "residual, 2 layers"
    plain, residual = experiments.degradation_style(20, False), experiments.degradation_style(20, True)
    assert plain["color"] != residual["color"], "colour is the kind of net"
    assert plain["linestyle"] == residual["linestyle"] and plain["marker"] == residual["marker"]
    shallow = experiments.degradation_style(2, False)
    assert shallow["color"] == plain["color"] and shallow["linestyle"] != plain["linestyle"], "style is the depth"


def test_gradient_norms_one_per_block_input_first(small) -> None:
    norms = experiments.gradient_norms_at_init(num_blocks=4, data=small)
    assert set(norms) == {"plain, BN", "plain, no BN", "residual, BN", "residual, no BN"}
    assert all(len(v) == 4 and all(x > 0 for x in v) for v in norms.values())
    # The same as measuring by hand with measure.block_grad_norms on a He-initialised model.
    he = experiments.gradient_norms_at_init(num_blocks=4, init="he", batch_norm=(True,), residual=(True,),
                                            data=small, batch_size=32)
    model = experiments.degradation_net(4, True)
    x, y = small.train[0][:32], small.train[1][:32]
    reference = measure.block_grad_norms(model, x, y, nn.CrossEntropyLoss())
    assert he["residual, BN"] == pytest.approx(list(reference.values()))


def test_final_errors_names_a_run_without_epochs() -> None:
    from course_utils.train import History

    with pytest.raises(ValueError, match=r"The 'histories' parameter of final_errors must be a dict \{label: History\} "
                                         r"of runs with at least one epoch each. Got an empty History \(0 epochs\) for "
                                         r"the run 'plain, 6 layers'"):
        experiments.final_errors({"plain, 6 layers": History()})
