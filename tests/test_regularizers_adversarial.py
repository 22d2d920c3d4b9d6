"""FGSM against its definition (autograd), robust accuracy, and the adversarial-training transform."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from course_utils import models
from course_utils.regularizers import adversarial_training, fgsm, fgsm_accuracy


@pytest.fixture
def net() -> nn.Module:
    torch.manual_seed(0)
    return models.MLP(16, 4, width=12, depth=1).eval()


def test_fgsm_steps_eps_along_the_sign_of_the_input_gradient(net) -> None:
    torch.manual_seed(1)
    x, y = torch.rand(10, 16), torch.randint(0, 4, (10,))
    xr = x.clone().requires_grad_(True)
    F.cross_entropy(net(xr), y).backward()
    expected = (x + 0.05 * xr.grad.sign()).clamp(0, 1)
    out = fgsm(net, x, y, 0.05)
    assert torch.equal(out, expected) and not out.requires_grad
    assert float((out - x).abs().max()) <= 0.05 + 1e-7
    assert torch.equal(fgsm(net, x, y, 0.05, clamp=None), x + 0.05 * xr.grad.sign())


def test_fgsm_raises_the_loss_and_leaves_the_model_alone(net) -> None:
    torch.manual_seed(2)
    x, y = torch.rand(64, 16), torch.randint(0, 4, (64,))
    net.train()
    out = fgsm(net, x, y, 0.1)
    assert net.training, "fgsm must not change the model's mode"
    assert all(p.grad is None for p in net.parameters()), "fgsm must not touch the parameters' gradients"
    assert F.cross_entropy(net(out), y) > F.cross_entropy(net(x), y)


def test_robust_accuracy_at_zero_is_the_clean_accuracy_and_falls_with_eps(net) -> None:
    torch.manual_seed(3)
    x = torch.rand(200, 16)
    with torch.no_grad():
        y = net(x).argmax(1)  # the net is right on every example
    assert fgsm_accuracy(net, (x, y), 0.0) == 1.0
    accs = [fgsm_accuracy(net, (x, y), e, clamp=None, batch_size=64) for e in (0.0, 0.5, 2.0)]
    assert accs[0] >= accs[1] >= accs[2] and accs[2] < 1.0, accs


def test_adversarial_training_replaces_the_last_share_of_the_batch(net) -> None:
    x, y = torch.rand(10, 16), torch.randint(0, 4, (10,))
    x2, y2 = adversarial_training(net, 0.1, fraction=0.5)(x, y)
    assert torch.equal(x2[:5], x[:5]) and torch.equal(y2, y)
    assert torch.equal(x2[5:], fgsm(net.eval(), x[5:], y[5:], 0.1))
    net.train()
    adversarial_training(net, 0.1)(x, y)
    assert net.training, "the transform attacks in evaluation mode and restores the mode"


@pytest.mark.parametrize(("call", "match"), [
    (lambda n: fgsm(n, torch.rand(3, 16), torch.tensor([0, 1]), 0.1), "'y' parameter of fgsm"),
    (lambda n: fgsm(n, torch.rand(3, 16), torch.tensor([0, 1, 2]), -0.1), "'eps' parameter of fgsm"),
    (lambda n: fgsm(n, torch.rand(3, 16), torch.tensor([0, 1, 2]), 0.1, clamp=(1, 0)), "'clamp' parameter of fgsm"),
    (lambda n: fgsm_accuracy(n, (torch.rand(3, 16), torch.tensor([0.0, 1.0, 2.0])), 0.1), "'data' parameter"),
    (lambda n: adversarial_training(n, 0.1, fraction=2.0), "'fraction' parameter of adversarial_training"),
])
def test_bad_input_gets_a_clear_error(net, call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call(net)


# --------------------------------------------------------------------------- inputs the model cannot take (issue 19)


def _net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3))


def test_fgsm_names_x_when_the_model_cannot_take_it():
    with pytest.raises(ValueError, match=r"The 'x' parameter of fgsm must be inputs with 5 features per example.*"
                                         r"Got x of shape \(10, 7\) \(the model raised RuntimeError"):
        fgsm(_net(), torch.rand(10, 7), torch.zeros(10, dtype=torch.long), 0.1)


def test_fgsm_names_y_when_a_label_has_no_output():
    with pytest.raises(ValueError, match=r"The 'y' parameter of fgsm must be labels in \[0, 2\] \(the model has 3 "
                                         r"outputs\). Got labels in \[0, 5\]"):
        fgsm(_net(), torch.rand(4, 5), torch.tensor([0, 1, 2, 5]), 0.1)


def test_fgsm_accuracy_names_data_when_it_does_not_fit_the_model():
    with pytest.raises(ValueError, match=r"The 'data' parameter of fgsm_accuracy must be a pair \(x, y\) whose x the "
                                         r"model accepts: inputs with 5 features"):
        fgsm_accuracy(_net(), (torch.rand(10, 7), torch.zeros(10, dtype=torch.long)), 0.1)
    with pytest.raises(ValueError, match=r"The 'data' parameter of fgsm_accuracy must be a pair \(x, y\) whose labels "
                                         r"are in \[0, 2\]"):
        fgsm_accuracy(_net(), (torch.rand(4, 5), torch.tensor([0, 1, 2, 3])), 0.1)
