"""The course's inverted dropout and DropConnect against PyTorch's dropout and the definitions.

Dropout is random, so "matches PyTorch" means: the same distribution of masks (the share of zeros
within a few standard errors of p, independent entries), the same kept values to the last bit
(x / (1 - p), computed as PyTorch computes it), and exactly the identity in evaluation mode.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from testkit import deadline
from course_utils import models, regularizers
from course_utils.device import torch_threads
from course_utils.regularizers import (
    DropConnectLinear,
    Dropout,
    drop_connect_linear,
    dropout,
    dropout_mask,
    monte_carlo_predict,
)

RATES = (0.1, 0.3, 0.5, 0.8)


def _zero_share_bounds(p: float, n: int, z: float = 5.0) -> tuple[float, float]:
    sd = math.sqrt(p * (1 - p) / n)
    return p - z * sd, p + z * sd


@pytest.mark.parametrize("p", RATES)
@pytest.mark.parametrize("shape", [(200_000,), (500, 400), (20, 30, 40, 5)])
def test_the_share_of_dropped_entries_is_p_as_in_pytorch(p: float, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    x = torch.rand(shape) + 0.5  # no zeros of its own
    ours, theirs = dropout(x, p), F.dropout(x, p)
    low, high = _zero_share_bounds(p, x.numel())
    for name, y in (("ours", ours), ("PyTorch's", theirs)):
        share = (y == 0).float().mean().item()
        assert low <= share <= high, f"{name}: share of zeros {share:.4f} for p={p} outside [{low:.4f}, {high:.4f}]"


@pytest.mark.parametrize("p", RATES)
def test_kept_values_equal_pytorchs_bit_for_bit(p: float) -> None:
    torch.manual_seed(1)
    x = torch.randn(300, 300)
    ours, theirs = dropout(x, p), F.dropout(x, p)
    both = (ours != 0) & (theirs != 0)
    assert both.sum() > 1000
    assert torch.equal(ours[both], theirs[both]), "a kept value differs from PyTorch's x / (1 - p)"
    assert torch.allclose(ours[ours != 0], x[ours != 0] / (1 - p), rtol=1e-6, atol=0)


@pytest.mark.parametrize("p", (0.2, 0.5))
def test_the_mean_and_variance_match_pytorchs(p: float) -> None:
    # E[y] = x; Var[y] = x^2 p / (1 - p): averaged over many masks of a constant input.
    torch.manual_seed(2)
    x = torch.full((400_000,), 2.0)
    for y in (dropout(x, p), F.dropout(x, p)):
        assert y.mean().item() == pytest.approx(2.0, abs=0.01)
        assert y.var().item() == pytest.approx(4 * p / (1 - p), rel=0.02)


def test_entries_are_dropped_independently() -> None:
    torch.manual_seed(3)
    keep = dropout_mask((20_000, 2), 0.5).float()
    corr = torch.corrcoef(keep.T)[0, 1].item()
    assert abs(corr) < 0.05, f"neighbouring entries' masks are correlated ({corr:.3f})"
    rows = dropout(torch.ones(64, 100), 0.5)
    assert len({tuple(r.tolist()) for r in rows}) == 64, "each example must get its own mask"


@pytest.mark.parametrize("p", (0.0, 0.3, 0.9))
def test_evaluation_mode_is_exactly_the_identity(p: float) -> None:
    x = torch.randn(7, 11)
    assert dropout(x, p, training=False) is x
    assert torch.equal(F.dropout(x, p, training=False), dropout(x, p, training=False))
    layer, reference = Dropout(p).eval(), nn.Dropout(p).eval()
    assert torch.equal(layer(x), reference(x)) and torch.equal(layer(x), x)
    assert torch.equal(dropout(x, 0.0), x), "p = 0 keeps everything, also in training mode"


def test_the_module_switches_with_train_and_eval_and_leaves_its_input_alone() -> None:
    layer = Dropout(0.5)
    x = torch.ones(1000)
    before = x.clone()
    y = layer(x)
    assert set(y.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(x, before), "dropout must not change its input in place"
    layer.eval()
    assert torch.equal(layer(x), x)
    assert "p=0.5" in repr(layer)


def test_a_generator_makes_the_mask_repeat() -> None:
    x = torch.randn(50, 50)
    a = dropout(x, 0.4, generator=torch.Generator().manual_seed(7))
    b = dropout(x, 0.4, generator=torch.Generator().manual_seed(7))
    c = dropout(x, 0.4, generator=torch.Generator().manual_seed(8))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_the_gradient_flows_through_the_kept_units_only() -> None:
    x = torch.randn(100, 20, requires_grad=True)
    y = dropout(x, 0.5, generator=torch.Generator().manual_seed(0))
    y.sum().backward()
    assert torch.equal(x.grad, (y != 0).float() * 2.0)


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"p": 1.0}, ValueError, "p"),
    ({"p": -0.1}, ValueError, "p"),
    ({"p": float("nan")}, ValueError, "p"),
    ({"p": "0.5"}, TypeError, "p"),
    ({"training": 1}, TypeError, "training"),
])
def test_bad_arguments_are_refused(kwargs, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of dropout"):
        dropout(torch.ones(3), **kwargs)
    if name == "p":
        with pytest.raises(error, match=r"'p' parameter of Dropout"):
            Dropout(kwargs["p"])
    with pytest.raises(TypeError, match=r"'x' parameter of dropout"):
        dropout(torch.ones(3, dtype=torch.long))


# --------------------------------------------------------------------------- DropConnect
def test_drop_connect_is_a_linear_layer_in_evaluation_mode() -> None:
    torch.manual_seed(4)
    linear = nn.Linear(6, 4)
    layer = DropConnectLinear.from_linear(linear, p=0.5).eval()
    x = torch.randn(10, 6)
    assert torch.equal(layer(x), linear(x))
    assert torch.equal(drop_connect_linear(x, linear.weight, linear.bias, 0.7, training=False), linear(x))
    assert "p=0.5" in repr(layer)


def test_drop_connect_drops_weights_with_one_mask_per_batch() -> None:
    torch.manual_seed(5)
    weight = torch.randn(300, 200)
    x = torch.eye(200)  # row i of the output is column i of the masked weights
    y = drop_connect_linear(x, weight, None, 0.3, generator=torch.Generator().manual_seed(0))
    masked = y.T  # (300, 200): the effective weights
    zeros = (masked == 0).float().mean().item()
    low, high = _zero_share_bounds(0.3, weight.numel())
    assert low <= zeros <= high, zeros
    kept = masked != 0
    assert torch.allclose(masked[kept], weight[kept] / 0.7, rtol=1e-6), "kept weights must be scaled by 1/(1-p)"
    # Inverted scaling keeps the expected output: average over many masks.
    # Each output sums 20 terms of variance (x w)^2 p / (1 - p): a standard deviation near 3 per mask,
    # near 0.05 for the mean of 4000 masks; 0.25 is five of those.
    x, weight = torch.randn(5, 20), torch.randn(30, 20)
    with torch_threads(1):  # thousands of tiny matrix products: thread hand-offs would dominate
        mean = torch.stack([drop_connect_linear(x, weight, None, 0.3) for _ in range(4000)]).mean(0)
    assert torch.allclose(mean, x @ weight.T, atol=0.25), (mean - x @ weight.T).abs().max()


def test_drop_connect_never_drops_the_bias_and_checks_shapes() -> None:
    weight, bias = torch.zeros(3, 4), torch.tensor([1.0, 2.0, 3.0])
    assert torch.equal(drop_connect_linear(torch.ones(2, 4), weight, bias, 0.9), bias.expand(2, 3))
    with pytest.raises(ValueError, match=r"'x' parameter of drop_connect_linear"):
        drop_connect_linear(torch.ones(2, 5), weight, bias)
    with pytest.raises(ValueError, match=r"'bias' parameter of drop_connect_linear"):
        drop_connect_linear(torch.ones(2, 4), weight, torch.ones(4))


# --------------------------------------------------------------------------- the ensemble
def test_monte_carlo_predict_averages_sub_networks_and_restores_modes() -> None:
    torch.manual_seed(6)
    net = models.MLP(40, 10, width=32, depth=2, dropout=0.5, batch_norm=True)
    net.train()
    x = torch.randn(8, 40)
    state = torch.get_rng_state()
    running = monte_carlo_predict(net, x, samples=20, seed=3)
    assert torch.equal(torch.get_rng_state(), state), "the caller's random state must be left alone"
    assert running.shape == (20, 8, 10)
    assert torch.allclose(running.sum(-1), torch.ones(20, 8))
    assert all(m.training for m in net.modules()), "every module's mode must be restored"
    again = monte_carlo_predict(net, x, samples=20, seed=3)
    assert torch.equal(running, again), "the same seed must give the same sub-networks"
    # The running mean's last entry is the mean of the sub-networks, sampled in eval mode except dropout.
    net.eval()
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.train()
    with torch.random.fork_rng():
        torch.manual_seed(3)
        probs = torch.stack([torch.softmax(net(x), -1) for _ in range(20)])
    assert torch.allclose(running[-1], probs.mean(0), atol=1e-6)
    assert torch.allclose(running[0], probs[0], atol=1e-6)


def test_the_module_can_share_one_mask_over_the_batch() -> None:
    # Notebook 05, section 6: dropout with DropConnectLinear's mask granularity, one mask per mini-batch.
    torch.manual_seed(0)
    layer = regularizers.Dropout(0.5, per_example=False)
    y = layer(torch.ones(64, 300))
    assert torch.equal(y, y[:1].expand_as(y)), "every example gets the same mask"
    assert set(y.unique().tolist()) == {0.0, 2.0} and abs((y[0] == 0).float().mean().item() - 0.5) < 0.1
    assert not torch.equal(layer(torch.ones(64, 300)), y), "a new mask at every call"
    assert torch.equal(layer.eval()(torch.ones(3, 4)), torch.ones(3, 4)), "the identity in evaluation mode"
    assert "per_example=False" in repr(layer)
    per_example = regularizers.Dropout(0.5)(torch.ones(64, 300))
    assert not torch.equal(per_example, per_example[:1].expand_as(per_example))
    with pytest.raises(TypeError, match=r"'per_example' parameter of Dropout"):
        regularizers.Dropout(0.5, per_example="no")


# --------------------------------------------------------------------------- bad inputs named (issue 19)


def _mc_net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.5), nn.Linear(8, 3))


def test_monte_carlo_predict_refuses_a_huge_number_of_samples_at_once():
    with deadline(10), pytest.raises(ValueError, match=r"The 'samples' parameter of monte_carlo_predict must be an "
                                                        r"int of at most 10,000 \(course_utils._limits.MAX_SAMPLES\). "
                                                        r"Got 1000000000"):
        monte_carlo_predict(_mc_net(), torch.rand(4, 5), samples=10**9)


def test_monte_carlo_predict_refuses_a_result_too_large_to_hold():
    with deadline(10), pytest.raises(ValueError, match=r"'samples' parameter of monte_carlo_predict must be small "
                                                        r"enough for a result of at most 100,000,000 numbers.*"
                                                        r"Got 10000, which makes 1,200,000,000 numbers"):
        monte_carlo_predict(_mc_net(), torch.rand(40_000, 5), samples=10_000)


def test_monte_carlo_predict_names_x_when_the_model_cannot_take_it():
    net = _mc_net()
    with pytest.raises(ValueError, match=r"The 'x' parameter of monte_carlo_predict must be inputs with 5 features "
                                         r"per example.*Got x of shape \(10, 7\)"):
        monte_carlo_predict(net, torch.rand(10, 7), samples=3)
    assert net.training, "the modes are restored after the error"


def test_monte_carlo_predict_blames_a_model_that_returns_no_logits_not_x():
    net = _mc_net()

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x), x

    with pytest.raises(TypeError, match=r"^The 'model' parameter of monte_carlo_predict must be a classifier returning "
                                        r"logits of shape \(N, K\). Got one returning a tuple"):
        monte_carlo_predict(Pair(), torch.rand(10, 5), samples=3)
    with pytest.raises(ValueError, match=r"'model' .* Got one returning outputs of shape \(30,\) for x of shape \(10, 5\)"):
        monte_carlo_predict(nn.Sequential(net, nn.Flatten(0)), torch.rand(10, 5), samples=3)


def test_monte_carlo_predict_draws_the_same_masks_as_before():
    net, x = _mc_net(), torch.rand(6, 5)
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        expected = torch.stack([torch.softmax(net(x), -1) for _ in range(4)])
    expected = expected.cumsum(0) / torch.arange(1, 5).view(-1, 1, 1)
    assert torch.allclose(monte_carlo_predict(net, x, samples=4, seed=3), expected)


def test_drop_connect_linear_refuses_a_layer_too_large_to_allocate():
    with pytest.raises(ValueError, match=r"The 'out_features' parameter of DropConnectLinear must be a size for a "
                                         r"layer of at most 100,000,000 parameters"):
        DropConnectLinear(10**6, 10**6)
