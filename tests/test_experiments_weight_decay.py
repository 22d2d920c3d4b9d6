"""Notebook 04's room: the recipes, the runs on tiny data, label noise, the early-stopping rule and summary.

The claims (the U-shape, L1 against L2, early stopping over seeds) are in
``test_claims_weight_decay.py``; here everything is small.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from course_utils import data, experiments, regularizers
from course_utils.data import legendre_features
from course_utils.train import evaluate, fit


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=100, seed=0)


def tiny(**changes) -> experiments.DecayRecipe:
    return dataclasses.replace(experiments.DecayRecipe(lambdas=(0.0, 0.01), widths=(16,), epochs=3), **changes)


def test_the_recipes_hold_the_measured_settings() -> None:
    recipe = experiments.DecayRecipe()
    assert (recipe.method, recipe.n_train, recipe.widths, recipe.depth, recipe.epochs, recipe.batch_size, recipe.lr) == (
        "l2", 500, (256,), 2, 100, 100, 1e-3)
    assert 0.0 in recipe.lambdas and 0.01 in recipe.lambdas and max(recipe.lambdas) == 0.1
    early = experiments.EarlyStoppingRecipe()
    assert (early.label_noise, early.noisy_validation, early.n_train, early.epochs) == ((0.0, 0.4), (False, True), None, 60)
    assert early.settings() == [(0.0, False), (0.4, False), (0.4, True)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 3
    assert experiments.DecayRecipe(lambdas=[0, 1]).lambdas == (0.0, 1.0)


@pytest.mark.parametrize(("cls", "changes", "error", "name"), [
    (experiments.DecayRecipe, {"method": "l3"}, ValueError, "method"),
    (experiments.DecayRecipe, {"lambdas": (0.0, -0.1)}, ValueError, "lambdas"),
    (experiments.DecayRecipe, {"lambdas": (0.1, 0.1)}, ValueError, "lambdas"),
    (experiments.DecayRecipe, {"widths": ()}, ValueError, "widths"),
    (experiments.DecayRecipe, {"n_train": 5000}, ValueError, "n_train"),
    (experiments.EarlyStoppingRecipe, {"label_noise": (1.0,)}, ValueError, "label_noise"),
    (experiments.EarlyStoppingRecipe, {"noisy_validation": (0,)}, TypeError, "noisy_validation"),
    (experiments.EarlyStoppingRecipe, {"patience": 0}, ValueError, "patience"),
])
def test_recipes_reject_bad_settings(cls, changes, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of {cls.__name__}"):
        cls(**changes)


def test_labels() -> None:
    assert experiments.decay_label("l2", 0.01) == "L2, λ = 0.01"
    assert experiments.decay_label("adamw", 3.0, 64) == "AdamW, λ = 3, width 64"
    assert experiments.decay_label("l1", 0.0) == "no penalty"
    assert experiments.early_stopping_label(0.0) == "clean labels"
    assert experiments.early_stopping_label(0.4) == "40% wrong training labels"
    assert experiments.early_stopping_label(0.4, True) == "40% wrong training and validation labels"


def test_run_decay_order_lengths_and_logged_series(small) -> None:
    runs = experiments.run_decay(tiny(widths=(8, 16)), data=small)
    assert list(runs) == ["no penalty, width 8", "L2, λ = 0.01, width 8", "no penalty, width 16", "L2, λ = 0.01, width 16"]
    h = runs["L2, λ = 0.01, width 16"]
    assert h.epochs == 3 and set(h.extra) == {"test_acc", "weight_norm2", "sparsity"}
    assert math.isnan(h.series("test_acc")[0]) and not math.isnan(h.series("test_acc")[-1]), (
        "logged every 10th epoch and after the last")


def test_each_method_is_what_it_says(small) -> None:
    recipe = tiny(epochs=2)
    # L2: fit with the course's penalty in the loss, by hand, gives the same run.
    net, history = experiments.train_decay_net("l2", 0.01, recipe=recipe, data=small, progress=False)
    by_hand = experiments.decay_net(16, 2, seed=recipe.seed)
    fit(by_hand, small.train, small.val, epochs=2, batch_size=100, optimizer="adam", lr=1e-3,
        penalty=lambda m: regularizers.l2_penalty(m, 0.01), seed=recipe.seed, device="cpu", progress=False)
    for a, b in zip(net.parameters(), by_hand.parameters()):
        assert torch.allclose(a, b)
    # AdamW: torch's decoupled decay on the weight matrices, not on the biases (as the L2 penalty).
    net, _ = experiments.train_decay_net("adamw", 3.0, recipe=recipe, data=small, progress=False)
    by_hand = experiments.decay_net(16, 2, seed=recipe.seed)
    groups = experiments.decay_param_groups(by_hand, 3.0)
    assert [len(g["params"]) for g in groups] == [3, 3] and [g["weight_decay"] for g in groups] == [3.0, 0.0]
    assert all(p.dim() == 2 for p in groups[0]["params"]) and all(p.dim() == 1 for p in groups[1]["params"])
    fit(by_hand, small.train, small.val, epochs=2, batch_size=100, optimizer=lambda _: torch.optim.AdamW(groups, lr=1e-3),
        seed=recipe.seed, device="cpu", progress=False)
    for a, b in zip(net.parameters(), by_hand.parameters()):
        assert torch.allclose(a, b)
    # ... which differs from AdamW on every parameter (the control can fail).
    every = experiments.decay_net(16, 2, seed=recipe.seed)
    fit(every, small.train, small.val, epochs=2, batch_size=100, optimizer="adamw", lr=1e-3, weight_decay=3.0,
        seed=recipe.seed, device="cpu", progress=False)
    biases = [(a, b) for a, b in zip(net.parameters(), every.parameters()) if a.dim() == 1]
    assert any(not torch.allclose(a, b) for a, b in biases), "decaying the biases too must change them"
    # λ = 0 is the same net whatever the method.
    runs = [experiments.train_decay_net(m, 0.0, recipe=recipe, data=small, progress=False)[1] for m in ("l2", "l1", "adamw")]
    assert runs[0].val_loss == runs[1].val_loss == runs[2].val_loss


def test_a_run_repeats_and_leaves_global_state_alone(small) -> None:
    torch.manual_seed(5)
    before = torch.get_rng_state()
    first = experiments.train_decay_net("l1", 1e-3, recipe=tiny(), data=small, progress=False)[1]
    assert torch.equal(torch.get_rng_state(), before)
    second = experiments.train_decay_net("l1", 1e-3, recipe=tiny(), data=small, progress=False)[1]
    assert first.val_loss == second.val_loss and first.series("sparsity")[-1] == second.series("sparsity")[-1]


def test_weight_sparsity() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Linear(5, 2))
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(1.0)
        net[0].weight[:2] = 0.0  # 8 of the 30 weights
        net[0].bias.zero_()  # biases are not counted
    assert experiments.weight_sparsity(net) == pytest.approx(8 / 30)
    assert experiments.weight_sparsity(net, threshold=2.0) == 1.0


@pytest.mark.parametrize(("losses", "patience", "expected"), [
    ([1.0, 0.8, 0.9, 0.85, 0.7], 2, (1, 3)),
    ([1.0, 0.5, 0.5, 0.5], 2, (1, 3)),
    ([3.0, 2.0, 1.0], 1, (2, 2)),
    ([2.0], 4, (0, 0)),
    ([1.0, 2.0, 3.0, 0.5], 2, (0, 2)),
    ([1.0, 2.0, 3.0, 0.5], 3, (3, 3)),  # epoch 3 improves before the count reaches 3
])
def test_early_stopping_point(losses, patience, expected) -> None:
    assert experiments.early_stopping_point(losses, patience) == expected


@pytest.mark.parametrize("patience", [1, 2, 4])
def test_the_rule_is_fits_rule_and_fit_restores_the_best_weights(small, patience: int) -> None:
    def train(stop):
        net = experiments.decay_net(32, 2, seed=0)
        history = fit(net, small.train, small.val, epochs=30, batch_size=25, optimizer="adam", lr=3e-3,
                      early_stopping=stop, seed=0, device="cpu", progress=False)
        return net, history

    _, full = train(None)
    net, stopped = train(patience)
    best, last = experiments.early_stopping_point(full.val_loss, patience)
    assert (best, last) == (stopped.best_epoch, stopped.epochs - 1)
    assert stopped.val_loss == full.val_loss[: last + 1]
    assert evaluate(net, small.val, device="cpu")["loss"] == pytest.approx(full.val_loss[best], rel=1e-5), (
        "the returned model must be the best epoch's")


def test_early_stopping_runs_and_summary(small) -> None:
    recipe = experiments.EarlyStoppingRecipe(n_train=100, width=16, epochs=4)
    runs = experiments.run_early_stopping(recipe, data=small)
    assert list(runs) == ["clean labels", "40% wrong training labels", "40% wrong training and validation labels"]
    clean = runs["clean labels"]
    assert set(clean.extra) == {"test_acc", "test_loss", "weight_norm2", "sparsity"}
    assert not any(math.isnan(v) for v in clean.series("test_acc") + clean.series("weight_norm2"))
    summary = experiments.early_stopping_summary(clean)
    best = min(range(4), key=lambda i: clean.val_loss[i])
    assert summary["best_epoch"] == best + 1 and summary["last_epoch"] == 4
    assert summary["test_acc at best"] == clean.series("test_acc")[best]
    # Noisy validation labels change the validation curve; the clean test set is the same.
    assert runs["40% wrong training labels"].val_loss != runs["40% wrong training and validation labels"].val_loss
    with pytest.raises(ValueError, match="'history' parameter of early_stopping_summary"):
        experiments.early_stopping_summary(fit(experiments.decay_net(4, 1), small.train, epochs=1, progress=False))


def test_ridge_fit(small) -> None:
    example = experiments.lfd_example(15, 0.5, 10, seed=4, degrees=(10,))
    free = experiments.ridge_fit(example, 0.0)
    assert torch.allclose(free["coefs"], example.fits[10])
    assert free["e_out"] == pytest.approx(example.e_out[10])
    fits = [experiments.ridge_fit(example, lam) for lam in (0.0, 1e-3, 1e-1, 10.0)]
    assert [f["norm2"] for f in fits] == sorted((f["norm2"] for f in fits), reverse=True)
    assert [f["e_in"] for f in fits] == sorted(f["e_in"] for f in fits)
    # It minimises (1/N) Σ (g − y)² + ½ λ Σ_{q≥1} c_q²: the gradient there is 0, and c_0 is not penalised.
    lam = 0.05
    coefs = experiments.ridge_fit(example, lam)["coefs"].clone().requires_grad_()
    z = legendre_features(example.x.double(), 10)
    objective = ((z @ coefs - example.y.double()) ** 2).mean() + 0.5 * lam * (coefs[1:] ** 2).sum()
    (grad,) = torch.autograd.grad(objective, coefs)
    assert grad.abs().max() < 1e-9, grad
    assert experiments.ridge_fit(example, lam)["norm2"] == pytest.approx(float((coefs.detach()[1:] ** 2).sum()))
    # A huge λ leaves the best constant: the mean of the data.
    flat = experiments.ridge_fit(example, 1e8)["coefs"]
    assert flat[0] == pytest.approx(float(example.y.double().mean()), abs=1e-6) and flat[1:].abs().max() < 1e-5


def test_an_empty_history_is_named_not_an_index_error() -> None:
    from course_utils.train import History

    with pytest.raises(ValueError, match=r"The 'histories' parameter of final_decay_errors must be a dict \{label: "
                                         r"History\} of runs with at least one epoch each. Got an empty History "
                                         r"\(0 epochs\) for the run 'l2'"):
        experiments.final_decay_errors({"l2": History()})
    with pytest.raises(ValueError, match=r"The 'history' parameter of early_stopping_summary must be a History with "
                                         r"at least one finished epoch"):
        experiments.early_stopping_summary(History())
