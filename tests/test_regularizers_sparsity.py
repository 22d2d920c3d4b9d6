"""L1 on activations through fit's penalty hook, L1 on weights, and the share of zero activations."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import models
from course_utils.regularizers import ActivationL1, weight_l1, zero_fraction
from course_utils.train import fit


def test_the_activation_penalty_is_lambda_times_the_mean_l1_norm_of_the_hidden_units() -> None:
    torch.manual_seed(0)
    net = models.MLP(6, 3, width=5, depth=2).train()
    penalty = ActivationL1(net, 0.5)
    x = torch.randn(4, 6)
    net(x)
    h1 = torch.relu(net.features[0](x))
    h2 = torch.relu(net.features[2](h1))
    expected = 0.5 * (h1.abs().sum(1).mean() + h2.abs().sum(1).mean())
    assert torch.allclose(penalty(net), expected)
    assert float(penalty(net)) == 0.0, "each forward pass is penalised once"
    net.eval()
    net(x)
    assert float(penalty(net)) == 0.0, "evaluation passes are not penalised"
    penalty.remove()
    net.train()
    net(x)
    assert float(penalty(net)) == 0.0, "after remove() the hooks are gone"


def test_the_activation_penalty_makes_more_activations_zero() -> None:
    torch.manual_seed(0)
    x, y = torch.randn(200, 10), torch.randint(0, 3, (200,))
    shares = []
    for strength in (0.0, 0.05):
        torch.manual_seed(1)
        net = models.MLP(10, 3, width=32, depth=1)
        penalty = ActivationL1(net, strength)
        fit(net, (x, y), epochs=30, batch_size=50, optimizer="adam", lr=1e-2, penalty=penalty, progress=False,
            device="cpu")
        shares.append(zero_fraction(net, x))
    assert shares[1] > shares[0] + 0.2, shares


def test_weight_l1_sums_the_weight_magnitudes_without_biases() -> None:
    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    expected = 0.1 * (net[0].weight.abs().sum() + net[2].weight.abs().sum())
    assert torch.allclose(weight_l1(0.1)(net), expected)


def test_zero_fraction_counts_relu_outputs() -> None:
    net = nn.Sequential(nn.Linear(1, 2), nn.ReLU())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0], [-1.0]]))
        net[0].bias.zero_()
    assert zero_fraction(net, torch.tensor([[1.0], [2.0]])) == 0.5
    with pytest.raises(ValueError, match="no Tanh layer"):
        zero_fraction(net, torch.ones(1, 1), layer_type=nn.Tanh)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: ActivationL1(nn.Linear(2, 2), 0.1), "no ReLU layer"),
    (lambda: ActivationL1(nn.ReLU(), -1.0), "'strength' parameter of ActivationL1"),
    (lambda: weight_l1(-0.1), "'strength' parameter of weight_l1"),
    (lambda: zero_fraction(nn.ReLU(), "x"), "'x' parameter of zero_fraction"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()
