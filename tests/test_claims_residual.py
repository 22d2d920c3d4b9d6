"""The claims of notebooks 01 and 02, tested with the experiments the notebooks run.

Degradation (deck A2, A3): over three seeds other than the notebook's, with the
recipe of ``experiments.DegradationRecipe()`` (about 25 s per seed on one CPU thread):

* deep plain training error  >= shallow plain training error + 0.10   (degradation);
* deep residual training error <= shallow residual training error + 0.02 (shortcuts cure it).

The training error is the last epoch's, as ``fit`` records it (see the docstring of
``course_utils.experiments.residual``). Measured on the course machine (torch 2.14.1,
one thread), seeds 1/2/3: plain 6 vs 42 layers 0.235/0.604, 0.151/0.698, 0.189/0.534;
residual 6 vs 42 layers 0.211/0.036, 0.140/0.020, 0.142/0.015 — margins of +0.35 or
more and -0.12 or less, far from the thresholds.

Cost (deck A5, A6, A7): the FLOPs row within 2%, the 34-layer plain net under 20% of
VGG-19, a bottleneck on 256 channels about the cost of a basic block on 64.
"""

from __future__ import annotations

import pytest
import torch

from course_utils import data, experiments, measure, models

SEEDS = (1, 2, 3)
DEGRADATION_MARGIN = 0.10  # deep plain must be at least this much worse than shallow plain
RESIDUAL_SLACK = 0.02  # deep residual may be at most this much worse than shallow residual


@pytest.fixture(scope="module")
def mnist() -> data.Splits:
    return data.load_mnist1d(seed=experiments.DegradationRecipe().data_seed)


@pytest.fixture(scope="module")
def degradation_runs(mnist) -> dict[int, dict[str, float]]:
    out = {}
    for seed in SEEDS:
        runs = experiments.run_degradation(experiments.DegradationRecipe(seed=seed), data=mnist)
        out[seed] = {label: h.train_error[-1] for label, h in runs.items()}
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_plain_net_trains_worse_than_shallow(degradation_runs, seed: int) -> None:
    err = degradation_runs[seed]
    shallow, deep = err["plain, 6 layers"], err["plain, 42 layers"]
    assert deep >= shallow + DEGRADATION_MARGIN, (
        f"seed {seed}: no degradation: the 42-layer plain net ends at training error {deep:.3f}, "
        f"the 6-layer one at {shallow:.3f} (needed a gap of {DEGRADATION_MARGIN}). All errors: {err}")


@pytest.mark.parametrize("seed", SEEDS)
def test_deep_residual_net_trains_at_least_as_well_as_shallow(degradation_runs, seed: int) -> None:
    err = degradation_runs[seed]
    shallow, deep = err["residual, 6 layers"], err["residual, 42 layers"]
    assert deep <= shallow + RESIDUAL_SLACK, (
        f"seed {seed}: the 42-layer residual net ends at training error {deep:.3f}, the 6-layer one at "
        f"{shallow:.3f} (allowed slack {RESIDUAL_SLACK}). All errors: {err}")


def test_degradation_survives_a_longer_budget() -> None:
    # The stored long run (assets/residual_long_run.json, checked against its recipe and re-trained
    # in part by tests/test_assets.py): three times the epochs, and the deep plain net is still
    # far behind the shallow one, while the deep residual net still matches or beats it.
    long = experiments.load_degradation_sweep("long")
    assert long.recipe.epochs >= 24
    err = {label: h.train_error[-1] for label, h in long.runs.items()}
    assert err["plain, 42 layers"] >= err["plain, 6 layers"] + DEGRADATION_MARGIN, err
    assert err["residual, 42 layers"] <= err["residual, 6 layers"] + RESIDUAL_SLACK, err


def test_degradation_is_not_overfitting(degradation_runs) -> None:
    # Overfitting would lower the training error of the deeper net; degradation raises it.
    for seed, err in degradation_runs.items():
        assert err["plain, 42 layers"] > err["residual, 42 layers"] + DEGRADATION_MARGIN, (seed, err)


def test_gradients_vanish_or_explode_in_plain_nets_only(mnist) -> None:
    # 42-layer nets at PyTorch's default initialisation; ratio of the first block's gradient norm to the last's.
    ratio = {k: v[0] / v[-1] for k, v in experiments.gradient_norms_at_init(num_blocks=20, data=mnist).items()}
    assert ratio["plain, no BN"] < 1e-6, f"the plain net without BN should show a vanishing gradient: {ratio}"
    assert ratio["plain, BN"] > 20, f"the plain net with BN should grow its gradient toward the input: {ratio}"
    for label in ("residual, BN", "residual, no BN"):
        assert 0.1 < ratio[label] < 10, f"the residual nets should keep the gradient within 10x: {ratio}"
    he = experiments.gradient_norms_at_init(num_blocks=20, init="he", batch_norm=(False,), residual=(False,),
                                            data=mnist)["plain, no BN"]
    assert 0.1 < he[0] / he[-1] < 10, "He initialisation should keep the plain net's gradient from vanishing"


@pytest.mark.parametrize("name", list(experiments.PAPER_FLOPS))
def test_flops_row_is_reproduced(name: str) -> None:
    row = experiments.family_table([name])[0]
    paper = experiments.PAPER_FLOPS[name]
    assert row["macs"] == pytest.approx(paper, rel=0.02), (
        f"{name}: counted {row['macs'] / 1e9:.2f} G multiply-adds, the deck's row says {paper / 1e9:.1f} G")


def test_plain34_costs_under_20_percent_of_vgg19() -> None:
    plain = measure.count_on_meta(models.plain_resnet)
    vgg = measure.count_on_meta(models.vgg19)
    assert plain["macs"] == pytest.approx(experiments.PAPER_FLOPS["resnet34"], rel=0.02)
    assert vgg["macs"] == pytest.approx(experiments.VGG19_PAPER_FLOPS, rel=0.01)
    assert plain["macs"] < 0.2 * vgg["macs"], (plain, vgg)


def test_cost_per_layer_is_balanced_in_the_plain_net() -> None:
    # Halving the map and doubling the filters keeps a 3x3 layer's cost: every stride-1 3x3 layer is equal.
    with torch.device("meta"):
        net = models.plain_resnet(34)
    rows = [r for r in measure.conv_layer_costs(net) if r["name"].startswith("layer")]
    stride1 = {r["macs"] for r in rows if r["name"].endswith("conv2") or not r["name"].endswith(".0.conv1")}
    assert stride1 == {9 * 64 * 64 * 56 * 56}


def test_bottleneck_costs_like_a_narrow_basic_block() -> None:
    bottleneck = measure.count_macs(models.Bottleneck(256, 64), (1, 256, 56, 56))
    basic_64 = measure.count_macs(models.BasicBlock(64, 64), (1, 64, 56, 56))
    basic_256 = measure.count_macs(models.BasicBlock(256, 256), (1, 256, 56, 56))
    assert bottleneck == pytest.approx(basic_64, rel=0.1)
    assert basic_256 > 15 * bottleneck


def test_deeper_resnets_are_cheaper_than_vgg19_and_more_accurate() -> None:
    table = {r["method"]: r for r in experiments.imagenet_table()}
    vgg = table["VGG (v5)"]
    for name in ("ResNet-34 B", "ResNet-50", "ResNet-101", "ResNet-152"):
        assert table[name]["macs"] < vgg["macs"] and table[name]["top1"] < vgg["top1"]
    depth_order = ["ResNet-34 B", "ResNet-50", "ResNet-101", "ResNet-152"]
    assert [table[n]["top1"] for n in depth_order] == sorted((table[n]["top1"] for n in depth_order), reverse=True)
