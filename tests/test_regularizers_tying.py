"""Parameter tying: the penalty is ½λ‖w − w_A‖², its gradient pulls toward the reference."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.regularizers import tie_to


def test_the_tying_penalty_and_its_gradient() -> None:
    torch.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    penalty = tie_to(a, 0.4)
    value = penalty(b)
    expected = 0.2 * sum(((pb - pa) ** 2).sum() for pb, pa in zip(b.parameters(), a.parameters()))
    assert torch.allclose(value, expected)
    value.backward()
    assert torch.allclose(b.weight.grad, 0.4 * (b.weight - a.weight).detach())
    assert a.weight.grad is None, "the reference is not trained"
    assert float(tie_to(a, 1.0)(a).detach()) == 0.0


def test_the_reference_is_copied_when_tied() -> None:
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    penalty = tie_to(a, 1.0)
    before = float(penalty(b).detach())
    with torch.no_grad():
        a.weight.add_(10.0)
    assert float(penalty(b).detach()) == pytest.approx(before)


def test_a_model_sharing_nothing_with_the_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="shares no parameter"):
        tie_to(nn.Linear(2, 2), 1.0)(nn.Conv1d(1, 1, 3))
    with pytest.raises(ValueError, match="'strength' parameter of tie_to"):
        tie_to(nn.Linear(2, 2), -1.0)
