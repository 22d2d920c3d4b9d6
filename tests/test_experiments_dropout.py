"""Notebook 05's room: the dropout recipe, its nets, its run functions and the ensemble measurement.

The claims (the train–test gap over seeds) are in ``test_claims_dropout.py``; here the runs are tiny.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from course_utils import data, experiments
from course_utils.regularizers import DropConnectLinear, Dropout


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=200, seed=0)


def tiny(**changes) -> experiments.DropoutRecipe:
    return dataclasses.replace(experiments.DropoutRecipe(width=32, epochs=2), **changes)


def test_recipe_defaults_are_the_measured_ones_and_frozen() -> None:
    recipe = experiments.DropoutRecipe()
    assert (recipe.p, recipe.method, recipe.n_train, recipe.width, recipe.depth, recipe.epochs, recipe.lr,
            recipe.ensemble_samples) == ((0.0, 0.5), ("dropout",), 1000, 512, 2, 60, 1e-3, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 3
    assert experiments.DropoutRecipe(p=[0, 1 / 2]).p == (0.0, 0.5), "lists become tuples of floats"
    assert hash(recipe) == hash(experiments.DropoutRecipe())


@pytest.mark.parametrize(("changes", "error", "name"), [
    ({"p": 0.5}, TypeError, "p"),
    ({"p": (0.0, 1.0)}, ValueError, "p"),
    ({"p": (0.5, 0.5)}, ValueError, "p"),
    ({"method": ("gaussian",)}, ValueError, "method"),
    ({"n_train": 5}, ValueError, "n_train"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"lr": -1.0}, ValueError, "lr"),
    ({"seed": -1}, ValueError, "seed"),
    ({"ensemble_samples": -1}, ValueError, "ensemble_samples"),
])
def test_recipe_rejects_bad_settings(changes, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of DropoutRecipe"):
        experiments.DropoutRecipe(**changes)


def test_labels_and_styles() -> None:
    assert experiments.dropout_label(0.0) == experiments.dropout_label(0.0, "dropconnect") == "no dropout"
    assert experiments.dropout_label(0.5) == "dropout, p = 0.5"
    assert experiments.dropout_label(0.25, "dropconnect") == "DropConnect, p = 0.25"
    assert experiments.dropout_label(0.5, "dropout_batch") == "dropout (one mask per batch), p = 0.5"
    train, test = experiments.dropout_style(0.5, "dropout", "train"), experiments.dropout_style(0.5, "dropout", "test")
    assert train["color"] == test["color"] == experiments.METHOD_COLOURS["dropout"]
    assert train["linestyle"] != test["linestyle"]
    assert experiments.dropout_style(0.0, "dropconnect")["color"] == experiments.METHOD_COLOURS["none"]


def test_nets_start_from_the_same_weights_and_drop_where_they_should() -> None:
    plain = experiments.dropout_net(0.0, width=16, seed=3)
    dropped = experiments.dropout_net(0.5, width=16, seed=3)
    connect = experiments.dropout_net(0.5, "dropconnect", width=16, seed=3)
    batch = experiments.dropout_net(0.5, "dropout_batch", width=16, seed=3)
    weights = [[p.detach() for p in net.parameters()] for net in (plain, dropped, connect, batch)]
    assert all(torch.equal(a, b) and torch.equal(a, c) and torch.equal(a, d) for a, b, c, d in zip(*weights)), (
        "same seed, same weights")
    shared = [m for m in batch.modules() if isinstance(m, Dropout)]
    assert len(shared) == 2 and not any(m.per_example for m in shared)
    with torch.no_grad():
        h = batch.train().features(torch.ones(50, 40).abs() + 1)
    assert torch.equal(h == 0, (h == 0)[:1].expand_as(h)) or bool((h[0] == 0).all()), (
        "one mask per batch: every example drops the same units")
    assert sum(isinstance(m, nn.Dropout) for m in dropped.modules()) == 2
    assert [type(m).__name__ for m in connect.modules() if isinstance(m, nn.Linear)] == [
        "Linear", "DropConnectLinear", "DropConnectLinear"], "DropConnect on the layers fed by hidden units"
    x = torch.randn(5, 40)
    for net in (dropped, connect, batch):
        net.eval()
        assert torch.equal(net(x), plain.eval()(x)), "in evaluation mode every variant is the plain net"
    assert all(m.p == 0.5 for m in connect.modules() if isinstance(m, DropConnectLinear))


def test_a_run_records_training_validation_and_test_once(small) -> None:
    runs = experiments.run_dropout(tiny(method=("dropout", "dropconnect")), data=small)
    assert list(runs) == ["no dropout", "dropout, p = 0.5", "DropConnect, p = 0.5"], "p = 0 once"
    for label, h in runs.items():
        assert h.epochs == 2 and set(h.extra) == {"train_eval_acc", "test_acc"}, label
        assert math.isnan(h.extra["test_acc"][0]) and 0 <= h.extra["test_acc"][-1] <= 1, "the test set once, at the end"
        assert experiments.train_test_gap(h) == pytest.approx(h.extra["train_eval_acc"][-1] - h.extra["test_acc"][-1])
        assert experiments.train_val_gap(h) == pytest.approx(h.extra["train_eval_acc"][-1] - h.val_acc[-1])
        assert experiments.test_accuracy(h) == h.extra["test_acc"][-1]
    net, _ = experiments.train_dropout_net(0.5, recipe=tiny(), data=small, progress=False)
    assert runs["dropout, p = 0.5"].val_acc[-1] == pytest.approx(
        experiments.ensemble_accuracies(net, small.val, samples=1)["weight scaling"]), "val_acc is the validation set"
    assert all(0 <= a <= 1 for h in runs.values() for a in h.extra["train_eval_acc"])


def test_a_run_measures_the_ensemble_when_the_recipe_asks(small) -> None:
    h = experiments.train_dropout_net(0.5, recipe=tiny(ensemble_samples=3), data=small, progress=False)[1]
    assert {"mc_acc", "one_subnet_acc", "agreement"} <= set(h.extra)
    assert all(math.isnan(h.extra[k][0]) and 0 <= h.extra[k][-1] <= 1 for k in ("mc_acc", "one_subnet_acc", "agreement"))
    plain = experiments.train_dropout_net(0.0, recipe=tiny(ensemble_samples=3), data=small, progress=False)[1]
    assert "mc_acc" not in plain.extra, "no ensemble without dropout"


def test_runs_repeat_and_leave_global_state_alone(small) -> None:
    torch.manual_seed(123)
    state, threads = torch.get_rng_state(), torch.get_num_threads()
    first = experiments.train_dropout_net(0.5, recipe=tiny(seed=4), data=small, progress=False)[1]
    assert torch.equal(torch.get_rng_state(), state) and torch.get_num_threads() == threads
    second = experiments.train_dropout_net(0.5, recipe=tiny(seed=4), data=small, progress=False)[1]
    other = experiments.train_dropout_net(0.5, recipe=tiny(seed=5), data=small, progress=False)[1]
    assert first.train_loss == second.train_loss and first.extra == second.extra
    assert first.train_loss != other.train_loss


def test_ensemble_accuracies_on_a_trained_net(small) -> None:
    torch.manual_seed(0)
    net = experiments.dropout_net(0.5, width=64, seed=0)  # untrained: only the bookkeeping is checked here
    result = experiments.ensemble_accuracies(net, small.test, samples=5, seed=1)
    assert set(result) == {"weight scaling", "one sub-network", "monte carlo", "agreement"}
    assert len(result["monte carlo"]) == 5 and result["monte carlo"][0] == result["one sub-network"]
    assert all(0 <= a <= 1 for a in result["monte carlo"]) and 0 <= result["agreement"] <= 1
    assert net.training, "the net's mode is restored"
    with pytest.raises(TypeError, match=r"'data' parameter of ensemble_accuracies"):
        experiments.ensemble_accuracies(net, small.test[0])


def test_ensemble_accuracies_names_its_own_parameters(small) -> None:
    """Data the net cannot take is 'data' of ensemble_accuracies (not the 'x' of a function it calls),
    and a net that returns no logits is the 'model'."""
    net = experiments.dropout_net(0.5, width=64, seed=0)
    x, y = small.test
    with pytest.raises(ValueError, match=r"^The 'data' parameter of ensemble_accuracies must be a pair \(x, y\) whose "
                                         r"x the model accepts: inputs with 40 features.*Got x of shape \(\d+, 39\)"):
        experiments.ensemble_accuracies(net, (x[:, :39], y), samples=2)

    class Pair(nn.Module):
        def forward(self, x):
            return net(x), x

    with pytest.raises(TypeError, match=r"^The 'model' parameter of ensemble_accuracies must be a classifier returning "
                                        r"logits of shape \(N, K\). Got one returning a tuple"):
        experiments.ensemble_accuracies(Pair(), small.test, samples=2)


def test_train_test_gap_needs_the_evaluation_mode_series(small) -> None:
    from course_utils.train import History

    with pytest.raises(ValueError, match="train_eval_acc"):
        experiments.train_test_gap(History(train_loss=[1.0], train_acc=[0.5], val_loss=[1.0], val_acc=[0.5],
                                           lr=[0.1], epoch_time=[1.0]))


def test_the_stored_sweeps_have_every_setting() -> None:
    sweep = experiments.load_dropout_sweep("p")
    assert sweep.recipe.method == ("dropout", "dropconnect") and sweep.recipe.p == experiments.P_RATES
    assert len(sweep.runs) == 1 + 2 * (len(experiments.P_RATES) - 1)
    assert sweep.history(0.0) is sweep.history(0.0, "dropconnect")
    assert sweep.gap(0.5) == experiments.train_test_gap(sweep.history(0.5))
    assert sweep.val_gap(0.5) == experiments.train_val_gap(sweep.history(0.5))
    assert sweep.test(0.5) == experiments.test_accuracy(sweep.history(0.5))
    best = sweep.best_p()
    assert sweep.validation(best) == max(sweep.validation(p) for p in sweep.recipe.p)
    assert best in experiments.SEED_RATES, "the seed sweeps must hold the rate chosen on validation"
    for seed in (1, 2, 3):
        stored = experiments.load_dropout_sweep(f"seed{seed}")
        assert stored.recipe == experiments.DropoutRecipe(p=experiments.SEED_RATES, seed=seed, ensemble_samples=100,
                                                          method=("dropout", "dropout_batch", "dropconnect"))
        assert "mc_acc" in stored.history(0.5).extra
    with pytest.raises(KeyError, match="has no run 'dropout, p = 0.55'"):
        sweep.history(0.55)


@pytest.mark.parametrize("func", [experiments.test_accuracy, experiments.train_test_gap, experiments.train_val_gap])
def test_an_empty_history_is_named(func) -> None:
    from course_utils.train import History

    with pytest.raises(ValueError, match=rf"The 'history' parameter of {func.__name__} must be a History with at "
                                         r"least one finished epoch. Got an empty History \(0 epochs\)"):
        func(History())
