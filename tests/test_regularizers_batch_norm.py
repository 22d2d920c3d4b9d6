"""The course's batch norm against ``torch.nn.BatchNorm1d/2d`` (to 1e-5) and its backward pass against autograd."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import models
from course_utils.regularizers import BatchNorm, CovariateShiftNoise, batch_norm, batch_norm_backward

TOL = 1e-5
SHAPES = [((16, 6), nn.BatchNorm1d), ((5, 6, 9), nn.BatchNorm1d), ((4, 6, 5, 7), nn.BatchNorm2d),
          ((2, 6), nn.BatchNorm1d)]


def _pair(shape, reference_cls, momentum: float = 0.1, eps: float = 1e-5):
    torch.manual_seed(sum(shape))
    reference = reference_cls(shape[1], momentum=momentum, eps=eps)
    nn.init.uniform_(reference.weight, 0.5, 1.5)
    nn.init.uniform_(reference.bias, -0.5, 0.5)
    ours = BatchNorm(shape[1], momentum=momentum, eps=eps)
    ours.load_state_dict(reference.state_dict())
    return ours, reference


@pytest.mark.parametrize(("shape", "reference_cls"), SHAPES, ids=lambda v: str(v))
def test_the_module_matches_pytorch_in_training_then_in_evaluation_mode(shape, reference_cls) -> None:
    ours, reference = _pair(shape, reference_cls, momentum=0.2)
    for step in range(5):
        x = 3 * torch.randn(shape) + 2  # not already normalised
        assert torch.allclose(ours(x), reference(x), atol=TOL), f"training-mode output differs at step {step}"
        for name in ("running_mean", "running_var"):
            assert torch.allclose(getattr(ours, name), getattr(reference, name), atol=TOL), f"{name} at step {step}"
    assert int(ours.num_batches_tracked) == int(reference.num_batches_tracked) == 5
    ours.eval(), reference.eval()
    x = 3 * torch.randn(shape) + 2
    assert torch.allclose(ours(x), reference(x), atol=TOL), "evaluation mode must use the running statistics"
    before = ours.running_mean.clone()
    ours(x)
    assert torch.equal(ours.running_mean, before), "evaluation mode must not update the running statistics"
    # and the state dict goes back into PyTorch's layer
    fresh = reference_cls(shape[1])
    fresh.load_state_dict(ours.state_dict())


@pytest.mark.parametrize(("shape", "reference_cls"), SHAPES[:3], ids=lambda v: str(v))
def test_the_function_matches_pytorchs_functional_form(shape, reference_cls) -> None:
    torch.manual_seed(0)
    x = torch.randn(shape) * 2 - 1
    w, b = torch.rand(shape[1]), torch.randn(shape[1])
    rm, rv = torch.randn(shape[1]), torch.rand(shape[1]) + 0.5
    rm2, rv2 = rm.clone(), rv.clone()
    ours = batch_norm(x, w, b, rm, rv, training=True, momentum=0.3, eps=1e-3)
    theirs = nn.functional.batch_norm(x, rm2, rv2, w, b, training=True, momentum=0.3, eps=1e-3)
    assert torch.allclose(ours, theirs, atol=TOL)
    assert torch.allclose(rm, rm2, atol=TOL) and torch.allclose(rv, rv2, atol=TOL)
    ours = batch_norm(x, w, b, rm, rv, training=False, eps=1e-3)
    theirs = nn.functional.batch_norm(x, rm2, rv2, w, b, training=False, eps=1e-3)
    assert torch.allclose(ours, theirs, atol=TOL)


def test_the_four_equations_by_hand() -> None:
    x = torch.tensor([[1.0], [2.0], [3.0], [6.0]])  # one feature, m = 4
    mu, var = 3.0, (4 + 1 + 0 + 9) / 4  # the biased variance, 3.5
    y = batch_norm(x, torch.tensor([2.0]), torch.tensor([1.0]), eps=0.0 + 1e-12)
    expected = 2.0 * (x - mu) / var**0.5 + 1.0
    assert torch.allclose(y, expected, atol=1e-6)
    rm, rv = torch.zeros(1), torch.ones(1)
    batch_norm(x, running_mean=rm, running_var=rv, momentum=0.5)
    assert rm.item() == pytest.approx(0.5 * mu)
    assert rv.item() == pytest.approx(0.5 + 0.5 * var * 4 / 3), "the running variance is the unbiased estimate"
    without = batch_norm(x)
    assert torch.allclose(without.mean(), torch.tensor(0.0), atol=1e-6)
    assert torch.allclose(without.var(unbiased=False), torch.tensor(1.0), atol=1e-4)


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (3, 3, 4, 2), (2, 3)])
def test_the_backward_pass_matches_autograd(shape) -> None:
    torch.manual_seed(len(shape))
    x = (torch.randn(shape, dtype=torch.float64) * 2 + 1).requires_grad_()
    w = (torch.rand(shape[1], dtype=torch.float64) + 0.5).requires_grad_()
    b = torch.randn(shape[1], dtype=torch.float64, requires_grad=True)
    y = nn.functional.batch_norm(x, None, None, w, b, training=True, eps=1e-5)
    g = torch.randn_like(y)
    y.backward(g)
    grads = batch_norm_backward(g, x.detach(), w.detach(), eps=1e-5)
    for name, ours, theirs in zip(("x", "gamma", "beta"), grads, (x.grad, w.grad, b.grad)):
        assert torch.allclose(ours, theirs, atol=1e-10), f"the gradient with respect to {name} differs from autograd"
    gx, _, _ = batch_norm_backward(g, x.detach(), None)
    x.grad = None
    nn.functional.batch_norm(x, None, None, None, None, training=True).backward(g)
    assert torch.allclose(gx, x.grad, atol=1e-10)


def test_the_modules_backward_is_the_derived_one_and_passes_gradcheck() -> None:
    torch.manual_seed(3)
    layer = BatchNorm(4).double()
    nn.init.uniform_(layer.weight, 0.5, 1.5)
    x = torch.randn(6, 4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: layer(t), (x,))
    reference = nn.BatchNorm1d(4).double()
    reference.load_state_dict(layer.state_dict())
    g = torch.randn(6, 4, 3, dtype=torch.float64)
    (layer(x) * g).sum().backward()
    ours = (x.grad.clone(), layer.weight.grad.clone(), layer.bias.grad.clone())
    x.grad = None
    (reference(x) * g).sum().backward()
    for a, b in zip(ours, (x.grad, reference.weight.grad, reference.bias.grad)):
        assert torch.allclose(a, b, atol=1e-10)


def test_a_net_built_with_our_layer_trains_like_one_built_with_pytorchs() -> None:
    torch.manual_seed(4)
    x, y = torch.randn(64, 40), torch.randint(0, 10, (64,))
    nets = {}
    for name, layer in (("ours", BatchNorm), ("torch", nn.BatchNorm1d)):
        torch.manual_seed(5)
        net = models.MLP(40, 10, width=16, depth=2, batch_norm=True, norm_layer=layer)
        opt = torch.optim.SGD(net.parameters(), lr=0.5)
        for _ in range(5):
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
        nets[name] = net.eval()(x)
    assert torch.allclose(nets["ours"], nets["torch"], atol=1e-4)


def test_no_affine_and_bad_input_are_handled() -> None:
    layer = BatchNorm(3, affine=False)
    assert layer.weight is None and "affine=False" in repr(layer)
    x = torch.randn(5, 3)
    assert torch.allclose(layer(x), nn.BatchNorm1d(3, affine=False)(x), atol=TOL)
    with pytest.raises(ValueError, match=r"BatchNorm\(3\) expects inputs of shape \(N, 3\)"):
        layer(torch.randn(5, 4))
    with pytest.raises(ValueError, match="more than one value per feature"):
        layer(torch.randn(1, 3))
    layer.eval()
    assert layer(torch.randn(1, 3)).shape == (1, 3), "one example is fine in evaluation mode"


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"weight": torch.ones(4)}, ValueError, "weight"),
    ({"running_mean": torch.zeros(3)}, ValueError, "running_var"),
    ({"training": False}, ValueError, "running_mean"),
    ({"momentum": 1.5}, ValueError, "momentum"),
    ({"eps": 0.0}, ValueError, "eps"),
    ({"x": torch.ones(1, 3)}, ValueError, "x"),
    ({"x": torch.ones(4)}, ValueError, "x"),
    ({"x": torch.ones(4, 3, dtype=torch.long)}, TypeError, "x"),
])
def test_bad_arguments_get_a_clear_error(kwargs, error, name) -> None:
    args = {"x": torch.randn(4, 3), **kwargs}
    with pytest.raises(error, match=rf"'{name}' parameter of batch_norm"):
        batch_norm(**args)


def test_backward_refuses_a_gradient_of_another_shape() -> None:
    with pytest.raises(ValueError, match=r"'grad_out' parameter of batch_norm_backward"):
        batch_norm_backward(torch.ones(4, 2), torch.randn(4, 3))


def test_shift_noise_moves_each_feature_per_step_and_is_off_in_evaluation_mode() -> None:
    torch.manual_seed(6)
    noise = CovariateShiftNoise(5, shift=1.0, log_scale=1.0)
    x = torch.randn(200, 5)
    a, b = noise(x), noise(x)
    assert not torch.allclose(a, b), "a new shift and scale at every step"
    # the same affine map for every example of the batch: y = s x + t per feature
    s = (a[1] - a[0]) / (x[1] - x[0])
    assert torch.allclose(a, s * x + (a[0] - s * x[0]), atol=1e-4)
    assert ((s > 1 / 2.72) & (s < 2.72)).all()
    noise.eval()
    assert torch.equal(noise(x), x)
