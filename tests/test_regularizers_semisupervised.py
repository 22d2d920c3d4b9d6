"""Pseudo-labels keep the confident predictions; the consistency penalty compares two random views."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.regularizers import consistency_penalty, pseudo_labels


def test_pseudo_labels_keep_the_confident_predictions() -> None:
    net = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        net.weight.copy_(torch.eye(2))
    x = torch.tensor([[5.0, 0.0], [0.1, 0.0], [0.0, 5.0]])
    kept, labels = pseudo_labels(net, x, 0.9)
    assert kept.tolist() == [0, 2] and labels.tolist() == [0, 1]
    assert pseudo_labels(net, x, 0.0)[0].tolist() == [0, 1, 2]


def test_the_consistency_penalty_is_zero_for_an_invariant_transform_and_positive_otherwise() -> None:
    torch.manual_seed(0)
    net = nn.Linear(4, 3)
    u = torch.randn(50, 4)
    assert float(consistency_penalty(u, 1.0, lambda x: x)(net)) == 0.0
    noisy = consistency_penalty(u, 2.0, lambda x: x + torch.randn_like(x), batch_size=10)
    value = noisy(net)
    assert float(value) > 0 and value.requires_grad


def test_the_consistency_penalty_is_the_mean_squared_difference_of_probabilities() -> None:
    net = nn.Linear(1, 2)
    u = torch.ones(5, 1)
    views = iter([torch.zeros(3, 1), torch.ones(3, 1)])
    value = consistency_penalty(u, 3.0, lambda x: next(views), batch_size=3)(net)
    p1, p2 = F.softmax(net(torch.zeros(1, 1)), 1), F.softmax(net(torch.ones(1, 1)), 1)
    assert torch.allclose(value, 3.0 * ((p1 - p2) ** 2).sum())


@pytest.mark.parametrize(("call", "match"), [
    (lambda: pseudo_labels(nn.Linear(2, 2), torch.zeros(3, 2), 1.5), "'threshold' parameter of pseudo_labels"),
    (lambda: consistency_penalty(torch.zeros(3, 2), 1.0, "shift"), "'transform' parameter of consistency_penalty"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_pseudo_labels_names_x_when_the_model_cannot_take_it():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(5, 3))
    with pytest.raises(ValueError, match=r"The 'x' parameter of pseudo_labels must be inputs with 5 features per "
                                         r"example.*Got x of shape \(10, 7\) \(the model raised RuntimeError"):
        pseudo_labels(net, torch.rand(10, 7), 0.5)
