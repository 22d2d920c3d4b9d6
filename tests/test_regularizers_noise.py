"""Noise on inputs, weights and labels: what each injects, and that the clean net is what trains."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import models
from course_utils.regularizers import (
    WeightNoise,
    corrupt_labels,
    input_noise,
    label_flips,
)


def test_input_noise_adds_noise_of_the_stated_size_and_keeps_labels() -> None:
    torch.manual_seed(0)
    x, y = torch.zeros(50_000, 4), torch.arange(50_000) % 3
    x2, y2 = input_noise(0.3)(x, y)
    assert abs(float(x2.std()) - 0.3) < 0.01 and torch.equal(y2, y)


def test_label_flips_replace_about_p_of_the_labels_by_random_classes() -> None:
    torch.manual_seed(0)
    y = torch.zeros(100_000, dtype=torch.long)
    _, y2 = label_flips(0.2, 10)(torch.zeros(100_000, 1), y)
    # A replaced label is a random class, the true one 1 time in 10: 18% of the labels change.
    assert abs(float((y2 != y).float().mean()) - 0.18) < 0.01
    assert y2.dtype == torch.int64 and int(y2.max()) <= 9


def test_corrupt_labels_makes_exactly_that_share_wrong() -> None:
    y = torch.arange(1000) % 10
    wrong = corrupt_labels(y, 0.4, 10, seed=3)
    assert int((wrong != y).sum()) == 400
    assert torch.equal(corrupt_labels(y, 0.4, 10, seed=3), wrong), "the same seed gives the same labels"
    assert not torch.equal(corrupt_labels(y, 0.4, 10, seed=4), wrong)
    assert torch.equal(corrupt_labels(y, 0.0, 10), y)
    counts = torch.bincount(wrong[wrong != y], minlength=10)
    assert int(counts.min()) > 20, "the wrong labels should spread over the classes"


def test_weight_noise_perturbs_training_passes_only_and_trains_the_clean_weights() -> None:
    torch.manual_seed(0)
    net = models.MLP(5, 3, width=8, depth=1)
    noisy = WeightNoise(net, 0.1)
    x = torch.randn(4, 5)
    noisy.eval()
    assert torch.equal(noisy(x), net(x)), "evaluation mode: the plain net"
    noisy.train()
    assert not torch.allclose(noisy(x), net(x)), "training mode: noisy weights"
    # The gradient reaches the clean weights; biases get no noise (a zero-noise check through them).
    noisy(x).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    assert [n for n, _ in noisy.named_parameters()] == [f"net.{n}" for n, _ in net.named_parameters()]


def test_weight_noise_of_zero_is_the_plain_net() -> None:
    net = nn.Linear(3, 2)
    x = torch.randn(5, 3)
    assert torch.equal(WeightNoise(net, 0.0).train()(x), net(x))


@pytest.mark.parametrize(("call", "match"), [
    (lambda: input_noise(-0.1), "'sigma' parameter of input_noise"),
    (lambda: label_flips(0.2, 1), "'num_classes' parameter of label_flips"),
    (lambda: corrupt_labels(torch.tensor([0, 12]), 0.5, 10), "'y' parameter of corrupt_labels"),
    (lambda: corrupt_labels(torch.tensor([0, 1]), 1.5, 10), "'fraction' parameter of corrupt_labels"),
    (lambda: WeightNoise("net", 0.1), "'net' parameter of WeightNoise"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()
