"""Notebook 06's room: the batch-norm recipe, its axes, its nets, divergence, and the stored sweeps.

The claims (BN trains where the plain net cannot) are in ``test_claims_batch_norm.py``; here the runs are tiny.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from torch import nn

from course_utils import data, experiments
from course_utils.regularizers import CovariateShiftNoise
from course_utils.train import History

NormSetting = experiments.NormSetting


@pytest.fixture(scope="module")
def small() -> data.Splits:
    return data.load_mnist1d(n_train=256, seed=0)


def test_recipe_defaults_are_the_notebooks_live_pair_and_frozen() -> None:
    recipe = experiments.BatchNormRecipe()
    assert (recipe.norm, recipe.lr, recipe.epochs, recipe.batch_size, recipe.model, recipe.width, recipe.depth,
            recipe.optimizer, recipe.momentum) == (("none", "batch"), (2.0,), (10,), (128,), "mlp", 128, 4, "sgd", 0.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.width = 3
    assert experiments.BatchNormRecipe(lr=[1, 2]).lr == (1.0, 2.0), "lists become tuples of floats"


@pytest.mark.parametrize(("changes", "error", "name"), [
    ({"norm": ("batch", "batch")}, ValueError, "norm"),
    ({"norm": ("layer",)}, ValueError, "norm"),
    ({"norm": ("lrn",)}, ValueError, "norm"),  # LRN needs channels: model="conv"
    ({"lr": (0.0,)}, ValueError, "lr"),
    ({"lr": 2.0}, TypeError, "lr"),
    ({"dropout": (1.0,)}, ValueError, "dropout"),
    ({"weight_decay": (-1.0,)}, ValueError, "weight_decay"),
    ({"model": "resnet"}, ValueError, "model"),
    ({"schedule": "step"}, ValueError, "schedule"),
    ({"momentum": 1.0}, ValueError, "momentum"),
    ({"init": "xavier"}, ValueError, "init"),
    ({"init_gain": (0.0,)}, ValueError, "init_gain"),
])
def test_recipe_rejects_bad_settings(changes, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of BatchNormRecipe"):
        experiments.BatchNormRecipe(**changes)


def test_settings_are_the_product_of_the_axes_and_labels_are_unique() -> None:
    recipe = experiments.BatchNormRecipe(lr=(0.1, 1.0), dropout=(0.0, 0.5))
    settings = experiments.norm_settings(recipe)
    assert len(settings) == 2 * 2 * 2 and settings[0] == NormSetting("none", 0.1, 10, 128, 0.0, 0.0)
    assert [s.norm for s in settings] == ["none"] * 4 + ["batch"] * 4, "the normalization varies slowest"
    labels = [experiments.norm_label(s) for s in settings]
    assert len(set(labels)) == len(labels)
    assert experiments.norm_label(NormSetting("batch", 2.0, 10, 128)) == (
        "BN, lr 2, 10 epochs, batch 128, dropout 0, L2 0")


@pytest.mark.parametrize("norm", ["none", "batch", "group", "batch+noise"])
def test_mlp_nets_differ_only_in_the_normalization(norm) -> None:
    net = experiments.norm_net(norm, width=8, depth=2, seed=1)
    kinds = {type(m) for m in net.modules()}
    expected = {"none": None, "batch": nn.BatchNorm1d, "group": nn.GroupNorm, "batch+noise": CovariateShiftNoise}
    if expected[norm] is not None:
        assert expected[norm] in kinds
        assert all(m.bias is None for m in net.features if isinstance(m, nn.Linear)), "the norm's beta replaces the bias"
    else:
        assert not kinds & {nn.BatchNorm1d, nn.GroupNorm}
    assert net(torch.randn(4, 40)).shape == (4, 10)


@pytest.mark.parametrize("norm", ["none", "lrn", "group", "batch", "batch+lrn", "lrn-alexnet"])
def test_conv_nets_take_every_norm_through_norm_layer(norm) -> None:
    net = experiments.norm_net(norm, model="conv", width=8, depth=1, seed=0)
    assert net(torch.randn(3, 40)).shape == (3, 10)
    if "lrn" in norm:
        assert any(isinstance(m, nn.LocalResponseNorm) for m in net.modules())
    with pytest.raises(ValueError, match=r"'norm' parameter of norm_net"):
        experiments.norm_net("lrn", model="mlp")


def test_a_diverging_run_ends_with_nan_instead_of_an_error(small) -> None:
    recipe = experiments.BatchNormRecipe(norm=("none",), lr=(50.0,), epochs=(4,), width=16)
    h = experiments.train_norm_net(NormSetting("none", 50.0, 4, 128), recipe=recipe, data=small, progress=False)[1]
    assert experiments.diverged(h) and h.stopped_early
    assert math.isnan(h.series("test_acc")[-1]) and experiments.final_test_acc(h) == 0.1
    assert all(math.isnan(a) for a in h.val_acc), "no validation set: the test curve is test_acc, not val_acc"
    old = History(train_loss=[1.0], train_acc=[0.3], val_loss=[1.0], val_acc=[0.3], lr=[0.1],
                   epoch_time=[1.0])  # a run of the layout before fit(test=...)
    with pytest.raises(ValueError, match=r"'history' parameter of final_test_acc must be a History with the "
                                         r"series 'test_acc'"):
        experiments.final_test_acc(old)
    assert len(h.lr) == h.epochs == len(h.train_acc), "every series has one entry per epoch"
    assert h.epochs <= 4


def test_a_run_that_diverges_after_some_epochs_keeps_them(small, monkeypatch) -> None:
    import course_utils.experiments.batch_norm as room

    real_fit = room.fit

    def fit_that_diverges_in_epoch_3(*args, **kwargs):
        def boom(epoch, model, history):
            if epoch == 1:
                with torch.no_grad():
                    for p in model.parameters():
                        p.fill_(float("nan"))
        kwargs["callbacks"] = [*kwargs["callbacks"], boom]
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(room, "fit", fit_that_diverges_in_epoch_3)
    recipe = experiments.BatchNormRecipe(norm=("none",), lr=(0.1,), epochs=(5,), width=16)
    h = experiments.train_norm_net(NormSetting("none", 0.1, 5, 128), recipe=recipe, data=small, progress=False)[1]
    assert h.epochs == 3 and experiments.diverged(h)
    assert all(math.isfinite(v) for v in h.train_loss[:2]) and h.lr == [0.1, 0.1, 0.1]


def test_runs_repeat_and_leave_global_state_alone(small) -> None:
    recipe = experiments.BatchNormRecipe(epochs=(2,), width=16, lr=(0.5,), norm=("batch+noise",))
    torch.manual_seed(9)
    state = torch.get_rng_state()
    a = experiments.run_batch_norm(recipe, data=small)
    assert torch.equal(torch.get_rng_state(), state)
    b = experiments.run_batch_norm(recipe, data=small)
    assert [h.train_loss for h in a.values()] == [h.train_loss for h in b.values()], "the noise is seeded too"


def test_sweep_lookup_by_axes() -> None:
    sweep = experiments.load_batch_norm_sweep("lr")
    assert sweep.history("batch", lr=2.0) is sweep.runs["BN, lr 2, 10 epochs, batch 128, dropout 0, L2 0"]
    with pytest.raises(ValueError, match="varies lr"):
        sweep.setting("batch")
    l2 = experiments.load_batch_norm_sweep("l2")
    assert l2.history("none", weight_decay=0.01).epochs == 60
    for seed in experiments.HE_SEEDS:
        he = experiments.load_batch_norm_sweep(f"lr_he{seed}")
        assert he.recipe == experiments.BatchNormRecipe(lr=sweep.recipe.lr, init="he", seed=seed)
        init = experiments.load_batch_norm_sweep(f"init{seed}")
        assert init.history("none", init_gain=0.25) is init.runs["no norm, lr 0.1, 10 epochs, batch 128, dropout 0, L2 0, gain 0.25"]


def test_styles_give_the_norm_a_colour_and_the_split_a_line() -> None:
    solid, dashed = experiments.norm_style("batch"), experiments.norm_style("batch", True)
    assert solid["color"] == dashed["color"] == experiments.NORM_COLOURS["batch"]
    assert solid["linestyle"] == "-" and dashed["linestyle"] == "--"
    assert len(set(experiments.NORM_COLOURS.values())) == len(experiments.NORMS)


def test_he_init_draws_every_weight_from_its_fan_in_and_matches_across_norms() -> None:
    nets = {n: experiments.norm_net(n, init="he", seed=4) for n in ("none", "batch", "group")}
    layers = {n: [m for m in net.modules() if isinstance(m, nn.Linear)] for n, net in nets.items()}
    for a, b, c in zip(*layers.values()):
        assert torch.equal(a.weight, b.weight) and torch.equal(a.weight, c.weight), "the same weights, layer by layer"
    assert all(m.bias is None or not m.bias.any() for ms in layers.values() for m in ms), "biases start at 0"
    hidden = layers["none"][1].weight  # 128 x 128
    assert abs(hidden.std().item() - math.sqrt(2 / 128)) < 0.01
    doubled = [m for m in experiments.norm_net("none", init="he", init_gain=2.0, seed=4).modules() if isinstance(m, nn.Linear)]
    assert torch.allclose(doubled[1].weight, 2 * hidden), "the gain scales the same draw"
    default = experiments.norm_net("none", seed=4)
    assert not torch.equal([m for m in default.modules() if isinstance(m, nn.Linear)][1].weight, hidden)
    conv = experiments.norm_net("lrn-alexnet", model="conv", width=8, depth=1, init="he", seed=0)
    assert any(isinstance(m, nn.Conv1d) for m in conv.modules())


def test_the_gain_enters_the_label_only_when_it_is_not_1() -> None:
    assert experiments.norm_label(NormSetting("none", 0.1, 10, 128, init_gain=0.5)).endswith(", gain 0.5")
    assert "gain" not in experiments.norm_label(NormSetting("none", 0.1, 10, 128))
    with pytest.raises(ValueError, match=r"'init_gain' parameter of NormSetting"):
        NormSetting("none", 0.1, 10, 128, init_gain=-1.0)


def test_alexnets_lrn_keeps_the_bias_and_uses_pytorchs_scaled_alpha() -> None:
    net = experiments.norm_net("lrn-alexnet", model="conv", width=8, depth=1, seed=0)
    lrns = [m for m in net.modules() if isinstance(m, nn.LocalResponseNorm)]
    assert lrns and all((m.size, m.alpha, m.beta, m.k) == (5, 5e-4, 0.75, 2.0) for m in lrns)
    biases = [m for m in net.modules() if type(m).__name__ == "_ChannelBias"]
    assert len(biases) == len(lrns) and all(b.bias.shape == (8,) for b in biases)


def test_training_mode_accuracy_restores_the_net(small) -> None:
    recipe = experiments.BatchNormRecipe(norm=("batch",), epochs=(1,), width=16, lr=(0.5,))
    net, _ = experiments.train_norm_net(NormSetting("batch", 0.5, 1, 128), recipe=recipe, data=small, progress=False)
    net.eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    x, y = small.test
    acc = experiments.training_mode_accuracy(net, x, y, 32, seed=1)
    assert 0 <= acc <= 1 and not net.training
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items()), "running statistics restored"
    assert acc == experiments.training_mode_accuracy(net, x, y, 32, seed=1), "seeded shuffling"
    with pytest.raises(ValueError, match=r"'y' parameter of training_mode_accuracy"):
        experiments.training_mode_accuracy(net, x, y[:-1], 32)


@pytest.mark.parametrize("func", [experiments.diverged, experiments.final_test_acc])
def test_an_empty_history_is_named_not_an_index_error(func) -> None:
    from course_utils.train import History

    with pytest.raises(ValueError, match=rf"The 'history' parameter of {func.__name__} must be a History with at "
                                         r"least one finished epoch. Got an empty History \(0 epochs\)"):
        func(History())


@pytest.mark.parametrize("axes", [{"lrr": 2.0}, {"lr": 2.0, "epoch": 10}])
def test_a_misspelt_sweep_axis_is_refused_with_the_valid_names(axes) -> None:
    sweep = experiments.load_batch_norm_sweep("lr")
    wrong = next(a for a in axes if a not in ("lr",))
    for call, name in ((sweep.history, "history"), (sweep.setting, "setting")):
        with pytest.raises(TypeError, match=rf"The 'axes' parameter of BatchNormSweep.{name} must be keyword arguments "
                                            r"named after the axes of a batch-norm sweep \['lr', 'epochs', "
                                            rf"'batch_size', 'dropout', 'weight_decay', 'init_gain'\]. Got {wrong}="
                                            r".*This sweep \('lr'\) varies \['lr'\]"):
            call("batch", **axes)
