"""Tests of ``course_utils.measure`` against hand-computed counts and autograd."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_utils import measure, models


def test_count_parameters_matches_numel() -> None:
    model = models.resnet20()
    assert measure.count_parameters(model) == sum(p.numel() for p in model.parameters())
    assert measure.count_parameters(nn.Linear(10, 5)) == 55


def test_count_parameters_trainable_only() -> None:
    model = nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 2))
    model[0].requires_grad_(False)
    assert measure.count_parameters(model) == 55 + 12
    assert measure.count_parameters(model, trainable_only=True) == 12


def test_count_parameters_counts_shared_weights_once() -> None:
    shared = nn.Linear(4, 4)
    assert measure.count_parameters(nn.Sequential(shared, shared)) == 20


@pytest.mark.parametrize(("batch", "expected"), [(1, 50), (3, 150)])
def test_count_macs_linear(batch: int, expected: int) -> None:
    assert measure.count_macs(nn.Linear(10, 5), (batch, 10)) == expected


@pytest.mark.parametrize(("conv", "size", "out_hw"), [
    (nn.Conv2d(3, 8, 3, stride=2, padding=1), (1, 3, 17, 17), (9, 9)),
    (nn.Conv2d(4, 6, 3, groups=2), (2, 4, 10, 12), (8, 10)),
    (nn.Conv2d(3, 5, (1, 5), bias=False), (1, 3, 7, 7), (7, 3)),
])
def test_count_macs_conv2d_formula(conv: nn.Conv2d, size: tuple[int, ...], out_hw: tuple[int, int]) -> None:
    # MACs = N * C_out * H_out * W_out * (C_in / groups) * k_h * k_w
    n = size[0]
    k_h, k_w = conv.kernel_size
    expected = n * conv.out_channels * out_hw[0] * out_hw[1] * (conv.in_channels // conv.groups) * k_h * k_w
    assert measure.count_macs(conv, size) == expected


def test_count_macs_leaves_model_untouched() -> None:
    model = models.resnet20()
    model.train()
    model.layer1[0].eval()  # a mixed state must come back as it was
    before = {k: v.clone() for k, v in model.state_dict().items()}
    measure.count_macs(model, (2, 3, 32, 32))
    assert model.training and not model.layer1[0].training and model.layer1[1].training
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # BN running stats included
    assert torch.is_grad_enabled()


def test_count_macs_resnet20_by_hand() -> None:
    # stem + 3 stages of 3 blocks x 2 convs (3x3) + fc, option A: no projections.
    stem = 32 * 32 * 16 * 3 * 9
    stage1 = 6 * 32 * 32 * 16 * 16 * 9
    stage2 = 16 * 16 * 32 * 16 * 9 + 5 * 16 * 16 * 32 * 32 * 9
    stage3 = 8 * 8 * 64 * 32 * 9 + 5 * 8 * 8 * 64 * 64 * 9
    fc = 64 * 10
    assert measure.count_macs(models.resnet20(), (1, 3, 32, 32)) == stem + stage1 + stage2 + stage3 + fc


@pytest.mark.parametrize("build, size", [
    (lambda: models.resnet20(), (1, 3, 32, 32)),
    (lambda: models.ResNet(models.Bottleneck, [1, 2, 1, 1], shortcut="C"), (1, 3, 64, 64)),
    (lambda: models.ConvNet1d(num_blocks=3), (2, 1, 40)),
    (lambda: models.MLP(40, 10, depth=2, batch_norm=True, dropout=0.1), (2, 40)),
], ids=["resnet20", "bottleneck-C", "convnet1d", "mlp"])
def test_layer_table_sums_to_totals(build, size: tuple[int, ...]) -> None:
    model = build()
    table = measure.layer_table(model, size)
    assert sum(r["params"] for r in table) == measure.count_parameters(model)
    assert sum(r["macs"] for r in table) == pytest.approx(measure.count_macs(model, size), rel=1e-6)
    assert set(table[0]) == {"name", "type", "output_shape", "params", "macs"}


def test_layer_table_rows() -> None:
    table = measure.layer_table(models.resnet20(), (1, 3, 32, 32))
    rows = {r["name"]: r for r in table}
    assert table[0]["name"] == "conv1" and table[-1]["name"] == "fc"
    assert rows["conv1"]["type"] == "Conv2d"
    assert rows["conv1"]["output_shape"] == (1, 16, 32, 32)
    assert rows["conv1"]["macs"] == 32 * 32 * 16 * 3 * 9
    assert rows["layer3.0.conv1"]["output_shape"] == (1, 64, 8, 8)
    assert rows["fc"] == {"name": "fc", "type": "Linear", "output_shape": (1, 10), "params": 650, "macs": 640}


def _one_backward(model: nn.Module) -> None:
    torch.manual_seed(0)
    x, y = torch.randn(8, 40), torch.randint(0, 10, (8,))
    model.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()


def test_grad_norms_per_layer_and_block() -> None:
    torch.manual_seed(0)
    model = models.ConvNet1d(num_blocks=2)
    _one_backward(model)
    layers = measure.grad_norms(model)
    assert list(layers)[0] == "stem.0" and list(layers)[-1] == "fc"
    expected = torch.cat([model.fc.weight.grad.flatten(), model.fc.bias.grad]).norm().item()
    assert layers["fc"] == pytest.approx(expected, rel=1e-6)
    blocks = measure.grad_norms(model, per="block")
    assert list(blocks) == ["blocks.0", "blocks.1"]
    in_block = [v for k, v in layers.items() if k.startswith("blocks.1.")]
    assert blocks["blocks.1"] == pytest.approx(math.sqrt(sum(v * v for v in in_block)), rel=1e-6)


def test_block_grad_norms_convnet() -> None:
    torch.manual_seed(0)
    model = models.ConvNet1d(num_blocks=4, residual=False)
    x, y = torch.randn(16, 40), torch.randint(0, 10, (16,))
    norms = measure.block_grad_norms(model, x, y, nn.CrossEntropyLoss())
    assert list(norms) == [f"blocks.{i}" for i in range(4)]
    assert all(math.isfinite(v) and v > 0 for v in norms.values())
    # Against autograd directly: the norm of blocks.2's parameter gradients.
    model.zero_grad()
    grads = torch.autograd.grad(nn.functional.cross_entropy(model(x), y), list(model.blocks[2].parameters()))
    expected = torch.sqrt(sum((g ** 2).sum() for g in grads)).item()
    assert norms["blocks.2"] == pytest.approx(expected, rel=1e-5)


def test_block_grad_norms_follow_forward_order() -> None:
    class Reversed(nn.Module):
        """Registers its blocks in one order and calls them in the other."""

        def __init__(self) -> None:
            super().__init__()
            self.late = models.ConvBlock(4)
            self.early = models.ConvBlock(4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.late(self.early(x)).mean(dim=(1, 2))

    torch.manual_seed(0)
    norms = measure.block_grad_norms(Reversed(), torch.randn(3, 4, 10), torch.zeros(3), nn.MSELoss())
    assert list(norms) == ["early", "late"]


def test_block_grad_norms_resnet20() -> None:
    torch.manual_seed(0)
    model = models.resnet20()
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    norms = measure.block_grad_norms(model, x, y, nn.CrossEntropyLoss())
    assert list(norms) == [f"layer{s}.{b}" for s in (1, 2, 3) for b in range(3)]
    assert all(math.isfinite(v) and v > 0 for v in norms.values())


BAD_INPUT = [
    ("count-parameters-not-module", lambda: measure.count_parameters("resnet18"), TypeError,
     r"'model' parameter of count_parameters must be a torch.nn.Module. Got 'resnet18' of type str"),
    ("count-parameters-trainable-not-bool", lambda: measure.count_parameters(nn.Linear(2, 2), trainable_only=None),
     TypeError, r"'trainable_only' parameter of count_parameters must be a bool .* Got None"),
    ("count-macs-input-size-string", lambda: measure.count_macs(nn.Linear(2, 2), "1x2"), TypeError,
     r"'input_size' parameter of count_macs must be a tuple of positive ints .* Got '1x2' of type str"),
    ("count-macs-input-size-zero", lambda: measure.count_macs(nn.Linear(2, 2), (0, 2)), ValueError,
     r"'input_size' parameter of count_macs must be .* Got \(0, 2\), whose item 0 is 0"),
    ("count-macs-input-size-float", lambda: measure.count_macs(nn.Linear(2, 2), (1, 2.0)), TypeError,
     r"'input_size' parameter of count_macs .* Got \(1, 2.0\), whose item 1 is 2.0 of type float"),
    ("count-macs-input-size-empty", lambda: measure.count_macs(nn.Linear(2, 2), ()), ValueError,
     r"'input_size' parameter of count_macs .* Got \(\)"),
    ("layer-table-not-module", lambda: measure.layer_table(None, (1, 2)), TypeError,
     r"'model' parameter of layer_table must be a torch.nn.Module. Got None"),
    ("grad-norms-bad-per", lambda: measure.grad_norms(nn.Linear(2, 2), per="neuron"), ValueError,
     r"'per' parameter of grad_norms must be one of \{'layer', 'block'\}. Got 'neuron'"),
    ("block-grad-norms-loss-not-callable",
     lambda: measure.block_grad_norms(nn.Linear(2, 2), torch.zeros(1, 2), torch.zeros(1), "mse"), TypeError,
     r"'loss_fn' parameter of block_grad_norms must be a callable .* Got 'mse' of type str"),
    ("block-grad-norms-x-not-tensor",
     lambda: measure.block_grad_norms(nn.Linear(2, 2), [[0.0, 0.0]], torch.zeros(1), nn.MSELoss()), TypeError,
     r"'x' parameter of block_grad_norms must be a torch.Tensor .* Got \[\[0.0, 0.0\]\] of type list"),
    ("block-grad-norms-loss-not-scalar",
     lambda: measure.block_grad_norms(nn.Linear(2, 2), torch.zeros(3, 2), torch.zeros(3, 2),
                                      nn.MSELoss(reduction="none")), ValueError,
     r"'loss_fn' parameter of block_grad_norms must be a callable that returns a scalar tensor. "
     r"Got a loss of a tensor of shape \(3, 2\)"),
]


@pytest.mark.parametrize(("call", "error", "message"), [case[1:] for case in BAD_INPUT],
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_rejected(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_count_macs_refuses_an_input_too_large_to_allocate() -> None:
    with pytest.raises(ValueError, match=r"The 'input_size' parameter of count_macs must be the shape of an input of "
                                         r"at most 100,000,000 numbers \(course_utils._limits.MAX_ELEMENTS\). "
                                         r"Got \(10000000000, 5\): 50,000,000,000 numbers"):
        measure.count_macs(nn.Linear(5, 3), (10**10, 5))
