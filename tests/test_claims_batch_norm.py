"""The claims of notebook 06 (batch normalization), tested with the experiments the notebook runs.

Benefit 1 (deck E, "a higher learning rate can be used"): ``experiments.BatchNormRecipe()`` — a 4-layer MLP
(128 units), plain SGD at learning rate 2, 10 epochs, batch 128, all of MNIST-1D's 3200 training signals —
with and without BN, over three seeds other than the notebook's (a few seconds per seed):

* without BN the net stalls or diverges: test accuracy <= STALLED (chance is 0.1; a diverged run counts as 0.1);
* with BN the same net trains: test accuracy >= TRAINS.

Our batch norm against PyTorch's (forward in both modes with running statistics, to 1e-5) and its backward
pass against autograd: once more here as the notebook's claim; details in ``tests/test_regularizers_batch_norm.py``.

The other four benefits are verdicts on stored sweeps of one seed each (the notebook says so); the tests at
the end check that the stored numbers say what the notebook's summary table says.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import data, experiments, regularizers

SEEDS = (1, 2, 3)
STALLED = 0.15
TRAINS = 0.40


@pytest.fixture(scope="module")
def mnist() -> data.Splits:
    return data.load_mnist1d(seed=experiments.BatchNormRecipe().data_seed)


@pytest.fixture(scope="module")
def runs(mnist) -> dict[int, dict[str, float]]:
    out = {}
    for seed in SEEDS:
        recipe = experiments.BatchNormRecipe(seed=seed)
        histories = experiments.run_batch_norm(recipe, data=mnist)
        out[seed] = {s.norm: experiments.final_test_acc(histories[experiments.norm_label(s)])
                     for s in experiments.norm_settings(recipe)}
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_without_bn_the_net_stalls_at_learning_rate_2(runs, seed) -> None:
    assert runs[seed]["none"] <= STALLED, (
        f"seed {seed}: without BN the net should stall or diverge at lr 2; test accuracy {runs[seed]['none']:.3f}")


@pytest.mark.parametrize("seed", SEEDS)
def test_with_bn_the_same_net_trains_at_learning_rate_2(runs, seed) -> None:
    assert runs[seed]["batch"] >= TRAINS, (
        f"seed {seed}: with BN the net should reach {TRAINS} test accuracy at lr 2; got {runs[seed]['batch']:.3f}")


def test_the_stored_seed_runs_are_what_the_notebook_shows() -> None:
    for seed in SEEDS:
        stored = experiments.load_batch_norm_sweep(f"seed{seed}")
        assert experiments.final_test_acc(stored.history("none")) <= STALLED
        assert experiments.final_test_acc(stored.history("batch")) >= TRAINS


@pytest.mark.parametrize(("shape", "cls"), [((32, 8), nn.BatchNorm1d), ((8, 8, 20), nn.BatchNorm1d),
                                            ((4, 8, 6, 6), nn.BatchNorm2d)])
def test_our_batch_norm_matches_pytorchs_to_1e_5(shape, cls) -> None:
    torch.manual_seed(0)
    reference = cls(8, momentum=0.3)
    nn.init.uniform_(reference.weight, 0.5, 2.0), nn.init.uniform_(reference.bias, -1, 1)
    ours = regularizers.BatchNorm(8, momentum=0.3)
    ours.load_state_dict(reference.state_dict())
    for _ in range(4):
        x = torch.randn(shape) * 4 - 3
        assert (ours(x) - reference(x)).abs().max() <= 1e-5
    assert (ours.running_mean - reference.running_mean).abs().max() <= 1e-5
    assert (ours.running_var - reference.running_var).abs().max() <= 1e-5
    ours.eval(), reference.eval()
    x = torch.randn(shape) * 4 - 3
    assert (ours(x) - reference(x)).abs().max() <= 1e-5


def test_our_backward_pass_matches_autograd() -> None:
    torch.manual_seed(1)
    x = torch.randn(16, 5, 3, dtype=torch.float64, requires_grad=True)
    w = torch.rand(5, dtype=torch.float64, requires_grad=True)
    b = torch.randn(5, dtype=torch.float64, requires_grad=True)
    g = torch.randn(16, 5, 3, dtype=torch.float64)
    (nn.functional.batch_norm(x, None, None, w, b, training=True) * g).sum().backward()
    ours = regularizers.batch_norm_backward(g, x.detach(), w.detach())
    for a, ref in zip(ours, (x.grad, w.grad, b.grad)):
        assert (a - ref).abs().max() <= 1e-10


# --------------------------------------------------------------------------- the notebook's verdicts (stored)
def _acc(name: str, norm: str, **axes) -> float:
    return experiments.final_test_acc(experiments.load_batch_norm_sweep(name).history(norm, **axes))


def test_benefit_1_bn_learns_over_a_wider_range_of_learning_rates() -> None:
    sweep = experiments.load_batch_norm_sweep("lr")
    ok = {n: [r for r in sweep.recipe.lr if _acc("lr", n, lr=r) >= 0.3] for n in sweep.recipe.norm}
    assert min(ok["batch"]) < min(ok["none"]) and max(ok["batch"]) > max(ok["none"]), ok
    assert max(_acc("lr", "batch", lr=r) for r in sweep.recipe.lr) >= max(_acc("lr", "none", lr=r)
                                                                         for r in sweep.recipe.lr) + 0.1
    assert experiments.diverged(sweep.history("none", lr=4.0)), "the plain net's loss becomes NaN at lr 4"


def test_benefit_2_bn_matches_dropout_but_does_not_replace_it() -> None:
    none, drop = _acc("dropout", "none", dropout=0.0), _acc("dropout", "none", dropout=0.5)
    bn, both = _acc("dropout", "batch", dropout=0.0), _acc("dropout", "batch", dropout=0.5)
    assert bn >= none + 0.01 and bn >= drop - 0.01, (none, drop, bn)
    assert both >= bn + 0.02, f"dropout still adds to BN at this scale: {both:.3f} vs {bn:.3f}"


def test_benefit_3_l2_helps_without_bn_and_hardly_with_it() -> None:
    decays = experiments.load_batch_norm_sweep("l2").recipe.weight_decay
    gain = {n: max(_acc("l2", n, weight_decay=w) for w in decays) - _acc("l2", n, weight_decay=0.0)
            for n in ("none", "batch")}
    assert gain["none"] >= 0.01 and gain["batch"] <= gain["none"] - 0.005, gain
    assert _acc("l2", "none", weight_decay=0.1) <= _acc("l2", "none", weight_decay=0.0) - 0.1, "λ = 0.1 underfits"


def test_benefit_4_bn_reaches_the_plain_nets_16_epoch_accuracy_with_a_much_shorter_decay() -> None:
    target = _acc("decay", "none", epochs=16)
    assert _acc("decay", "batch", epochs=4) >= target, (target, _acc("decay", "batch", epochs=4))


def test_benefit_5_lrn_adds_nothing_to_bn() -> None:
    assert abs(_acc("lrn", "batch+lrn") - _acc("lrn", "batch")) <= 0.03
    assert _acc("lrn", "batch") >= _acc("lrn", "none") + 0.1 and _acc("lrn", "batch") >= _acc("lrn", "group")


def test_tiny_batches_break_bn_but_not_group_norm() -> None:
    assert _acc("batch_size", "batch", batch_size=2) <= 0.15
    assert _acc("batch_size", "group", batch_size=2) >= 0.3
    assert _acc("batch_size", "batch", batch_size=128) >= 0.4


def test_shift_noise_after_bn_still_trains_better_than_no_bn() -> None:
    sweep = experiments.load_batch_norm_sweep("shift")
    for rate in sweep.recipe.lr:
        train = {n: sweep.history(n, lr=rate).train_acc[-1] for n in sweep.recipe.norm}
        assert train["batch+noise"] >= train["none"] + 0.1, (rate, train)
        assert train["batch+noise"] <= train["batch"], (rate, train)
