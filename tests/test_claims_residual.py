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

import itertools

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


# --------------------------------------------------------------------------- notebook 01's further statements
# Gradients of the experiment's own deep net (ConvNet1d, 20 blocks = 42 layers, plain, BN, He initialisation),
# first block / last block at initialisation, measured on the course machine for seeds 0-4:
# 149, 322, 389, 103, 226 (the notebook shows seed 0: "about 150 times"). The residual net of the same recipe:
# 2.6, 3.0, 2.7, 2.0, 2.8. Thresholds: over 50 (half the smallest) and under 10.
GRADIENT_SEEDS = (0, 1, 2, 3, 4)
EXPLODING_RATIO = 50.0
RESIDUAL_RATIO = 10.0


@pytest.fixture(scope="module")
def he_gradient_ratios(mnist) -> dict[int, dict[str, float]]:
    out = {}
    for seed in GRADIENT_SEEDS:
        norms = experiments.gradient_norms_at_init(num_blocks=20, init="he", seed=seed, data=mnist)
        out[seed] = {label: v[0] / v[-1] for label, v in norms.items()}
    return out


@pytest.mark.parametrize("seed", GRADIENT_SEEDS)
def test_the_experiments_deep_plain_net_has_a_gradient_growing_toward_the_input(he_gradient_ratios, seed) -> None:
    ratio = he_gradient_ratios[seed]
    assert ratio["plain, BN"] > EXPLODING_RATIO, (
        f"seed {seed}: the experiment's 42-layer plain net (BN, He init) should start with a first-block gradient "
        f"over {EXPLODING_RATIO:g} times its last block's; got {ratio['plain, BN']:.3g}. All ratios: {ratio}")
    assert 1 / RESIDUAL_RATIO < ratio["residual, BN"] < RESIDUAL_RATIO, (
        f"seed {seed}: the residual net of the same recipe should keep the gradient within {RESIDUAL_RATIO:g} "
        f"times; got {ratio['residual, BN']:.3g}")
    assert 1 / RESIDUAL_RATIO < ratio["plain, no BN"] < RESIDUAL_RATIO, (
        f"seed {seed}: with He initialisation the plain net without BN should not vanish; "
        f"got {ratio['plain, no BN']:.3g}")


def test_the_notebooks_gradient_ratio_is_about_150(he_gradient_ratios) -> None:
    # The notebook states "about 150 times" for its seed (0).
    ratio = he_gradient_ratios[0]["plain, BN"]
    assert 100 < ratio < 200, f"notebook 01 says the experiment's net starts at about 150x; measured {ratio:.3g}"


@pytest.mark.parametrize("num_blocks", [0, 2, 4, 8, 16, 20, 32])
def test_plain_and_residual_nets_have_equal_parameter_counts(num_blocks: int) -> None:
    # The identity shortcut has no parameters, so the deck's explanation (more parameters with depth) cannot
    # tell a plain net from a residual one of the same depth.
    plain, residual = (measure.count_parameters(experiments.degradation_net(num_blocks, r)) for r in (False, True))
    assert plain == residual, f"{num_blocks} blocks: plain {plain:,} vs residual {residual:,} parameters"
    assert plain == 3_450 + 1_600 * (num_blocks - 2), f"{num_blocks} blocks: {plain:,} parameters"


def test_equal_parameters_end_far_apart_in_the_stored_sweep() -> None:
    # Notebook 01's table: from 18 layers on, plain and residual nets of the same depth (same parameters)
    # end far apart (stored: 0.353/0.036, 0.503/0.023, 0.748/0.017 at 18/34/66 layers).
    depth = experiments.load_degradation_sweep("depth")
    for n in (8, 16, 32):
        plain, residual = (depth.history(n, r).train_error[-1] for r in (False, True))
        assert plain >= residual + 0.2, (
            f"{2 * n + 2} layers, same parameters: plain {plain:.3f}, residual {residual:.3f}")
    # and the 66-layer residual net, with 15 times the parameters of the 6-layer plain net, ends far lower.
    assert depth.history(32, True).train_error[-1] <= depth.history(2, False).train_error[-1] - 0.1


# The live run of notebook 01: 18 layers (8 blocks), plain and residual, with the recipe's other settings; the
# 6-layer nets come from the stored sweep. Measured on the course machine, seeds 1/2/3: plain 6 vs 18 layers
# 0.234/0.391, 0.157/0.351, 0.190/0.264; residual 6 vs 18 layers 0.213/0.029, 0.138/0.030, 0.143/0.029.
# At 18 layers the shortcut's effect is large (+0.24 or more) and the depth effect on plain nets is modest
# (+0.07 to +0.19): the margins below are set accordingly; the 42-layer claims above carry the 0.10 margin.
LIVE_BLOCKS = 8


@pytest.fixture(scope="module")
def live_runs(mnist) -> dict[int, dict[str, float]]:
    import dataclasses

    out = {}
    for seed in SEEDS:
        recipe = dataclasses.replace(experiments.DegradationRecipe(seed=seed), num_blocks=(LIVE_BLOCKS,))
        out[seed] = {label: h.train_error[-1] for label, h in experiments.run_degradation(recipe, data=mnist).items()}
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_notebook_live_pair_shows_the_shortcuts_effect(live_runs, degradation_runs, seed) -> None:
    live, shallow = live_runs[seed], degradation_runs[seed]
    assert live["plain, 18 layers"] >= live["residual, 18 layers"] + 0.15, (seed, live)
    assert live["plain, 18 layers"] >= shallow["plain, 6 layers"] + 0.03, (seed, live, shallow)
    assert live["residual, 18 layers"] <= shallow["residual, 6 layers"] - 0.05, (seed, live, shallow)


# --------------------------------------------------------------------------- notebook 02's per-stage table
BOTTLENECK_STAGES = {"conv2_x": (64, 56), "conv3_x": (128, 28), "conv4_x": (256, 14), "conv5_x": (512, 7)}


def _stage_block(planes: int, size: int) -> dict[str, int]:
    # A bottleneck block that keeps its shape: every block of a stage but the first.
    return measure.count_on_meta(lambda: models.Bottleneck(4 * planes, planes), (1, 4 * planes, size, size))


def test_a_bottleneck_block_costs_the_same_in_every_stage() -> None:
    macs = {stage: _stage_block(*spec)["macs"] for stage, spec in BOTTLENECK_STAGES.items()}
    assert len(set(macs.values())) == 1, f"multiply-adds per block differ between stages: {macs}"
    assert macs["conv2_x"] == (256 * 64 + 9 * 64 * 64 + 64 * 256) * 56 * 56 == 218_365_952
    assert macs["conv2_x"] == pytest.approx(218e6, rel=0.01)


def test_a_bottleneck_blocks_parameters_grow_four_times_per_stage() -> None:
    params = [_stage_block(*spec)["params"] for spec in BOTTLENECK_STAGES.values()]
    assert params[0] == 70_400, params
    for smaller, larger in itertools.pairwise(params):
        assert larger / smaller == pytest.approx(4, rel=0.01), params
    assert [round(p / 1e6, 2) for p in params] == [0.07, 0.28, 1.12, 4.46]


def test_deeper_resnets_add_the_per_block_cost_of_their_extra_blocks() -> None:
    rows = {r["model"]: r for r in experiments.family_table(["resnet50", "resnet101", "resnet152"])}
    per_block = {stage: _stage_block(*spec) for stage, spec in BOTTLENECK_STAGES.items()}
    for deeper in ("resnet101", "resnet152"):
        extra = [d - s for d, s in zip(rows[deeper]["layers"], rows["resnet50"]["layers"])]
        for key in ("macs", "params"):
            predicted = sum(n * per_block[stage][key] for n, stage in zip(extra, BOTTLENECK_STAGES))
            assert rows[deeper][key] - rows["resnet50"][key] == predicted, (deeper, key, extra)


def test_bottleneck_nets_project_in_conv2_x_too() -> None:
    # Option B: basic-block nets project in conv3_x, conv4_x, conv5_x; bottleneck nets also in conv2_x (64 -> 256).
    projections = {depth: next(r for r in experiments.shortcut_table(depth) if r["shortcut"] == "B")["projections"]
                   for depth in (34, 50)}
    assert projections == {34: 3, 50: 4}
