"""Bagging: bootstrap samples drawn with replacement, one per member; the ensemble averages probabilities."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils.regularizers import Ensemble, bagging, bootstrap_indices, disagreement


def test_a_bootstrap_sample_draws_with_replacement_and_holds_about_63_percent() -> None:
    idx = bootstrap_indices(10_000, 0)
    assert idx.shape == (10_000,) and int(idx.min()) >= 0 and int(idx.max()) < 10_000
    unique = len(torch.unique(idx)) / 10_000
    assert abs(unique - (1 - math.exp(-1))) < 0.02, unique
    assert torch.equal(idx, torch.randint(0, 10_000, (10_000,), generator=torch.Generator().manual_seed(0)))


def test_bagging_trains_each_member_on_its_own_bootstrap_sample() -> None:
    x, y = torch.arange(50.0)[:, None], torch.arange(50) % 3
    seen = []

    def train_one(xb, yb):
        seen.append(xb[:, 0].long())
        return nn.Identity()

    members = bagging(train_one, (x, y), 4, seed=7)
    assert len(members) == 4
    for i, rows in enumerate(seen):
        assert torch.equal(rows, bootstrap_indices(50, 7 + i)), f"member {i} was not trained on sample seed 7 + {i}"


def test_the_ensemble_averages_probabilities_not_votes() -> None:
    # Two members say 0.45/0.55, one says 0.9/0.1: a vote picks class 1, the average class 0.
    class Fixed(nn.Module):
        def __init__(self, p):
            super().__init__()
            self.logits = torch.log(torch.tensor([p, 1 - p]))

        def forward(self, x):
            return self.logits.expand(len(x), 2)

    ens = Ensemble([Fixed(0.45), Fixed(0.45), Fixed(0.9)])
    out = ens(torch.zeros(3, 1))
    assert torch.allclose(F.softmax(out, 1)[0], torch.tensor([0.6, 0.4]), atol=1e-6)
    assert out.argmax(1).tolist() == [0, 0, 0]


@pytest.mark.parametrize(("call", "match"), [
    (lambda: bootstrap_indices(0, 1), "'n' parameter of bootstrap_indices"),
    (lambda: bagging("train", (torch.zeros(3, 1), torch.zeros(3)), 2), "'train_one' parameter of bagging"),
    (lambda: bagging(lambda x, y: x, (torch.zeros(3, 1), torch.zeros(3)), 0), "'k' parameter of bagging"),
    (lambda: Ensemble([]), "'members' parameter of Ensemble"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


class _Fixed(nn.Module):
    """A 'model' that answers fixed classes, whatever the input."""

    def __init__(self, classes: list[int]) -> None:
        super().__init__()
        self.classes = torch.tensor(classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.one_hot(self.classes, 3).float()


def test_disagreement_counts_inputs_and_pairs_where_members_differ() -> None:
    x = torch.zeros(4, 1)
    members = [_Fixed([0, 1, 2, 0]), _Fixed([0, 1, 1, 1]), _Fixed([0, 2, 1, 0])]
    # Input 0: all agree; inputs 1-3: not all the same class.
    assert disagreement(members, x) == pytest.approx(3 / 4)
    # Pairs (a, b): 2 of 4 differ; (a, c): 2 of 4; (b, c): 2 of 4.
    assert disagreement(members, x, pairwise=True) == pytest.approx(0.5)
    same = [_Fixed([0, 1, 2, 0]), _Fixed([0, 1, 2, 0])]
    assert disagreement(same, x) == 0.0 and disagreement(same, x, pairwise=True) == 0.0
    # Equal accuracies, different errors: what averaging can correct.
    y = torch.tensor([0, 1, 2, 0])
    a, b = _Fixed([0, 1, 0, 1]), _Fixed([1, 0, 2, 0])
    assert (a(x).argmax(1) == y).float().mean() == (b(x).argmax(1) == y).float().mean()
    assert disagreement([a, b], x) == 1.0


def test_disagreement_needs_two_models() -> None:
    with pytest.raises((TypeError, ValueError), match="'models' parameter of disagreement"):
        disagreement([nn.Linear(2, 3)], torch.zeros(4, 2))


# --------------------------------------------------------------------------- bad inputs named (issue 19)


def test_ensemble_refuses_members_with_different_class_counts():
    members = [nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3)), nn.Sequential(nn.Linear(5, 4))]
    with pytest.raises(ValueError, match=r"The 'members' parameter of Ensemble must be classifiers with the same "
                                         r"number of classes \(outputs\). Got members whose output layers have "
                                         r"\[3, 4\] outputs"):
        Ensemble(members)


def test_ensemble_forward_names_members_whose_outputs_differ_where_the_constructor_cannot_see_it():
    class Opaque(nn.Module):  # no readable output layer: only forward finds the mismatch
        def __init__(self, k: int) -> None:
            super().__init__()
            self.k = k

        def forward(self, x):
            return x[:, : self.k]

    ensemble = Ensemble([Opaque(3), Opaque(4)])
    with pytest.raises(ValueError, match=r"Ensemble: its members return outputs of different shapes "
                                         r"\[\(2, 3\), \(2, 4\)\]"):
        ensemble(torch.rand(2, 5))


def test_ensemble_of_models_with_as_many_classes_in_other_layouts_is_accepted():
    from course_utils.models import MLP
    from course_utils.regularizers import MultiHeadMLP

    ensemble = Ensemble([MultiHeadMLP(5, (2, 3), width=8), nn.Sequential(nn.Linear(6, 5)), MLP(6, 5, width=4)])
    assert ensemble(torch.cat([torch.rand(3, 5), torch.zeros(3, 1)], 1)).shape == (3, 5)


def test_disagreement_names_x_when_the_models_cannot_take_it():
    models = [nn.Sequential(nn.Linear(5, 3)), nn.Sequential(nn.Linear(5, 3))]
    with pytest.raises(ValueError, match=r"The 'x' parameter of disagreement must be inputs with 5 features"):
        disagreement(models, torch.rand(4, 7))


def test_bagging_names_train_one_when_it_returns_no_model():
    with pytest.raises(TypeError, match=r"The 'train_one' parameter of bagging must be a callable \(x, y\) -> trained "
                                        r"model that returns the model it trained. Got one that returned None"):
        bagging(lambda x, y: None, (torch.rand(6, 2), torch.zeros(6, dtype=torch.long)), 2)


def test_bootstrap_indices_refuses_a_size_too_large_to_allocate():
    with pytest.raises(ValueError, match=r"The 'n' parameter of bootstrap_indices must be an int of at most "
                                         r"100,000,000 \(course_utils._limits.MAX_ELEMENTS\)"):
        bootstrap_indices(10**12, 0)
