"""The course's L2 and L1 penalties and the decay step, against autograd, PyTorch's optimizers and the definitions."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils import models
from course_utils.regularizers import decayed_weights, l1_penalty, l2_penalty, weight_decay_step


def _weights(seed: int, shapes, dtype=torch.float32) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(*shape, generator=gen, dtype=dtype).requires_grad_() for shape in shapes]


@pytest.mark.parametrize("lam", [0.0, 1e-4, 0.5, 3.0])
@pytest.mark.parametrize("shapes", [[(7,)], [(4, 3), (2, 5, 3, 3)], [(1, 1), (10,), (3, 4, 5)]])
def test_values_and_autograd_gradients(lam: float, shapes) -> None:
    weights = _weights(len(shapes), shapes, torch.float64)
    l2 = l2_penalty(weights, lam)
    l1 = l1_penalty(weights, lam)
    assert l2.dim() == 0 and l1.dim() == 0
    flat = torch.cat([w.detach().flatten() for w in weights])
    assert torch.allclose(l2, 0.5 * lam * (flat**2).sum()) and torch.allclose(l1, lam * flat.abs().sum())
    if lam:
        for penalty, derivative in ((l2, lambda w: lam * w), (l1, lambda w: lam * w.sign())):
            for w, g in zip(weights, torch.autograd.grad(penalty, weights)):
                assert torch.allclose(g, derivative(w.detach()), atol=1e-12)


def test_a_model_is_penalised_on_its_weights_only() -> None:
    net = models.MLP(40, 10, width=16, depth=2, batch_norm=True)
    chosen = decayed_weights(net)
    assert [tuple(w.shape) for w in chosen] == [(16, 40), (16, 16), (10, 16)]
    assert all(any(w is p for p in net.parameters()) for w in chosen), "the parameters themselves, not copies"
    assert torch.equal(l2_penalty(net, 0.1), l2_penalty(chosen, 0.1))
    assert torch.equal(l1_penalty(net, 0.1), l1_penalty(chosen, 0.1))
    conv = nn.Conv1d(3, 4, 5)
    assert [w.shape for w in decayed_weights(conv)] == [conv.weight.shape], "the kernel, not the bias"
    assert float(l2_penalty([], 1.0)) == 0.0 and float(l1_penalty(nn.ReLU(), 1.0)) == 0.0


def test_the_l2_penalty_in_the_loss_is_sgd_weight_decay() -> None:
    # On a model without biases, ½λΣw² in the loss and SGD's weight_decay take the same steps.
    torch.manual_seed(0)
    x, y = torch.randn(32, 6), torch.randint(0, 3, (32,))
    nets = [nn.Sequential(nn.Linear(6, 8, bias=False), nn.ReLU(), nn.Linear(8, 3, bias=False)) for _ in range(2)]
    nets[1].load_state_dict(nets[0].state_dict())
    opts = [torch.optim.SGD(nets[0].parameters(), lr=0.1, momentum=0.9),
            torch.optim.SGD(nets[1].parameters(), lr=0.1, momentum=0.9, weight_decay=0.05)]
    for _ in range(5):
        for i, (net, opt) in enumerate(zip(nets, opts)):
            loss = nn.functional.cross_entropy(net(x), y) + (l2_penalty(net, 0.05) if i == 0 else 0)
            opt.zero_grad()
            loss.backward()
            opt.step()
    for a, b in zip(nets[0].parameters(), nets[1].parameters()):
        assert torch.allclose(a, b, atol=1e-6)


def test_the_decay_step_is_one_sgd_step() -> None:
    torch.manual_seed(1)
    w, grad = torch.randn(5, 4), torch.randn(5, 4)
    param = nn.Parameter(w.clone())
    param.grad = grad.clone()
    torch.optim.SGD([param], lr=0.2, weight_decay=0.3).step()
    new = weight_decay_step(w, grad, 0.2, 0.3)
    assert torch.allclose(new, param.detach(), atol=1e-7)
    assert torch.equal(w, w.clone()) and new is not w
    assert torch.allclose(weight_decay_step(w, torch.zeros_like(w), 0.1, 0.5), 0.95 * w), "without data: pure decay"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="'lam' parameter of l2_penalty"):
        l2_penalty([torch.ones(2)], -1.0)
    with pytest.raises(TypeError, match="'params' parameter of l1_penalty"):
        l1_penalty(torch.ones(3), 0.1)
    with pytest.raises(TypeError, match="'params' parameter of l1_penalty"):
        l1_penalty([torch.ones(3, dtype=torch.long)], 0.1)
    with pytest.raises(ValueError, match="'grad' parameter of weight_decay_step must be a tensor of the shape of weight"):
        weight_decay_step(torch.ones(3), torch.ones(4), 0.1, 0.1)
    with pytest.raises(ValueError, match="'lr' parameter of weight_decay_step"):
        weight_decay_step(torch.ones(3), torch.ones(3), 0.0, 0.1)
