"""The ResNet family counted (notebooks 01 and 02): the deck's tables as data and as code.

Counting needs shapes, not numbers, so the big ImageNet models are built on
PyTorch's ``meta`` device: no memory is allocated and no weights are
initialised, yet :func:`course_utils.measure.count_parameters` and
:func:`course_utils.measure.count_macs` give exactly the numbers of a real
model (ResNet-152 is counted in well under a second).

The deck's numbers:

* ``PAPER_FLOPS``: the FLOPs row of Table 1 (multiply-adds at 224x224);
* ``VGG19_PAPER_FLOPS``: VGG-19's 19.6 x 10^9 (the paper, sec. 3.3);
* ``IMAGENET_RESULTS``: the ImageNet table (single-model error rates, the paper's Table 4).

``plain_resnet(34)`` is the paper's 34-layer plain net: ResNet-34 with the
shortcuts taken out (every other layer the same).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from .._validation import check_choice, check_int, check_type
from ..measure import count_macs, count_parameters, layer_table
from ..models import SHORTCUT_OPTIONS, BasicBlock, Bottleneck, ResNet, get_model

__all__ = [
    "FAMILY",
    "IMAGENET_RESULTS",
    "PAPER_FLOPS",
    "VGG19_PAPER_FLOPS",
    "PlainBasicBlock",
    "conv_layer_costs",
    "count_on_meta",
    "family_table",
    "imagenet_table",
    "plain_resnet",
    "shortcut_table",
    "stage_costs",
    "vgg19",
]

#: The deck's Table 1: block type and blocks per stage (conv2_x ... conv5_x).
FAMILY: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "resnet18": ("basic", (2, 2, 2, 2)),
    "resnet34": ("basic", (3, 4, 6, 3)),
    "resnet50": ("bottleneck", (3, 4, 6, 3)),
    "resnet101": ("bottleneck", (3, 4, 23, 3)),
    "resnet152": ("bottleneck", (3, 8, 36, 3)),
}

#: The deck's FLOPs row (multiply-adds of one 224x224 image).
PAPER_FLOPS: dict[str, float] = {
    "resnet18": 1.8e9,
    "resnet34": 3.6e9,
    "resnet50": 3.8e9,
    "resnet101": 7.6e9,
    "resnet152": 11.3e9,
}

#: VGG-19's cost as the paper states it (multiply-adds at 224x224).
VGG19_PAPER_FLOPS: float = 19.6e9

#: The deck's ImageNet table (the paper's Table 4: single-model error rates in %, on the
#: validation set except where ``note`` says "test set", the paper's dagger).
#: ``model`` names the net whose cost :func:`imagenet_table` can count (GoogLeNet and
#: VGG-19 from torchvision, the ResNets from ``models``), ``None`` where the course has no
#: such model. "VGG (v5)" is the best single VGG model of the VGG paper's final version,
#: configuration E (VGG-19).
IMAGENET_RESULTS: tuple[dict[str, Any], ...] = (
    {"method": "VGG (ILSVRC'14)", "top1": None, "top5": 8.43, "model": None, "note": "test set"},
    {"method": "GoogLeNet (ILSVRC'14)", "top1": None, "top5": 7.89, "model": "googlenet", "note": ""},
    {"method": "VGG (v5)", "top1": 24.4, "top5": 7.1, "model": "vgg19", "note": ""},
    {"method": "PReLU-net", "top1": 21.59, "top5": 5.71, "model": None, "note": ""},
    {"method": "BN-inception", "top1": 21.99, "top5": 5.81, "model": None, "note": ""},
    {"method": "ResNet-34 B", "top1": 21.84, "top5": 5.71, "model": "resnet34", "shortcut": "B", "note": ""},
    {"method": "ResNet-34 C", "top1": 21.53, "top5": 5.60, "model": "resnet34", "shortcut": "C", "note": ""},
    {"method": "ResNet-50", "top1": 20.74, "top5": 5.25, "model": "resnet50", "shortcut": "B", "note": ""},
    {"method": "ResNet-101", "top1": 19.87, "top5": 4.60, "model": "resnet101", "shortcut": "B", "note": ""},
    {"method": "ResNet-152", "top1": 19.38, "top5": 4.49, "model": "resnet152", "shortcut": "B", "note": ""},
)

_IMAGENET_INPUT = (1, 3, 224, 224)
# Stage names of the deck's table, by the prefix of the module names in ResNet.
_STAGES = {"conv1": "conv1", "bn1": "conv1", "relu": "conv1", "maxpool": "conv1",
           "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x",
           "avgpool": "fc", "fc": "fc"}


class PlainBasicBlock(BasicBlock):
    """A ``BasicBlock`` without its shortcut: ``relu(F(x))`` instead of ``relu(F(x) + x)``.

    The building block of the paper's plain nets. It has exactly the branch
    (and so the parameters and the cost) of a ``BasicBlock``; its ``shortcut``
    attribute is ``None``.

    Shape:
        (N, C_in, H, W) -> (N, planes, ceil(H/stride), ceil(W/stride)).
    """

    def __init__(self, in_planes: int, planes: int, stride: int = 1, shortcut: str = "A") -> None:
        # Option A makes no parameters; the shortcut is then dropped altogether.
        super().__init__(in_planes, planes, stride, "A")
        self.shortcut = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x))


def plain_resnet(depth: int = 34, *, num_classes: int = 1000) -> ResNet:
    """The paper's plain net of 18 or 34 layers: ResNet-18/34 with no shortcuts.

    Args:
        depth: 18 or 34.
        num_classes: size of the output layer.

    Returns:
        A ``ResNet`` made of :class:`PlainBasicBlock` (21.8 M parameters and
        3.6 G multiply-adds at 224x224 for depth 34, the same as ResNet-34 with
        option A shortcuts).

    Raises:
        ValueError: ``depth`` is not 18 or 34.
    """
    check_choice(depth, "depth", "plain_resnet", (18, 34),
                 hint="The paper's plain nets have 18 or 34 layers (Table 1, Figure 4).")
    check_int(num_classes, "num_classes", "plain_resnet", 1)
    return ResNet(PlainBasicBlock, list(FAMILY[f"resnet{depth}"][1]), num_classes=num_classes, shortcut="A")


def vgg19(*, num_classes: int = 1000) -> nn.Module:
    """torchvision's VGG-19 (configuration E, no batch norm), untrained.

    Raises:
        ValueError: ``num_classes`` < 1.
    """
    import torchvision  # imported here: only the counting of VGG needs it

    check_int(num_classes, "num_classes", "vgg19", 1)
    return torchvision.models.vgg19(weights=None, num_classes=num_classes)


def _googlenet() -> nn.Module:
    import torchvision

    return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)


def _check_builder(builder: Any, func: str) -> Callable[[], nn.Module]:
    if isinstance(builder, nn.Module):
        raise TypeError(
            f"The 'builder' parameter of {func} must be a callable that returns a model, not a model: "
            f"the model must be built on the meta device. Got a {type(builder).__name__}. "
            "Pass the builder itself, e.g. models.resnet18 (without parentheses)."
        )
    if not callable(builder):
        raise TypeError(
            f"The 'builder' parameter of {func} must be a callable that returns a model, such as "
            f"models.resnet50 or lambda: plain_resnet(34). Got {builder!r} of type {type(builder).__name__}."
        )
    return builder


def count_on_meta(builder: Callable[[], nn.Module], input_size: Sequence[int] = _IMAGENET_INPUT
                  ) -> dict[str, int]:
    """Build a model on the ``meta`` device and count it: no memory, no initialisation.

    Args:
        builder: a callable without arguments that returns the model, e.g.
            ``models.resnet152`` or ``lambda: models.resnet34(shortcut="C")``.
        input_size: input shape including the batch, e.g. ``(1, 3, 224, 224)``.

    Returns:
        ``{"params": int, "macs": int}``, equal to the counts of a real model.

    Raises:
        TypeError: ``builder`` is not callable or does not return an ``nn.Module``.
    """
    _check_builder(builder, "count_on_meta")
    with torch.device("meta"):
        model = builder()
    check_type(model, "builder", "count_on_meta", nn.Module, "a callable that returns a torch.nn.Module")
    return {"params": count_parameters(model), "macs": count_macs(model, input_size)}


def _stage(name: str) -> str:
    return _STAGES.get(name.split(".")[0], "other")


def stage_costs(model: nn.Module, input_size: Sequence[int] = _IMAGENET_INPUT) -> dict[str, int]:
    """Multiply-adds per stage of the deck's table: conv1, conv2_x ... conv5_x, fc.

    Args:
        model: an ImageNet ``ResNet`` (any device, ``meta`` included).
        input_size: input shape including the batch.

    Returns:
        ``{stage: multiply-adds}`` in the table's order; the values sum to ``count_macs``.

    Raises:
        TypeError: ``model`` is not an ``nn.Module``.
    """
    check_type(model, "model", "stage_costs", nn.Module, "a torch.nn.Module such as models.resnet50()")
    costs = {stage: 0 for stage in ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "fc")}
    for row in layer_table(model, input_size):
        stage = _stage(row["name"])
        costs[stage] = costs.get(stage, 0) + row["macs"]
    return costs


def conv_layer_costs(model: nn.Module, input_size: Sequence[int] = _IMAGENET_INPUT) -> list[dict[str, Any]]:
    """One row per convolution and linear layer, in forward order: where the cost is.

    Args:
        model: any model (any device, ``meta`` included).
        input_size: input shape including the batch.

    Returns:
        Rows ``{"name", "type", "output_shape", "params", "macs"}`` of the
        ``Conv2d`` and ``Linear`` layers (see ``measure.layer_table``).
    """
    check_type(model, "model", "conv_layer_costs", nn.Module, "a torch.nn.Module such as vgg19()")
    return [row for row in layer_table(model, input_size) if row["type"] in ("Conv2d", "Linear")]


def family_table(names: Sequence[str] = tuple(FAMILY), *, shortcut: str = "B",
                 input_size: Sequence[int] = _IMAGENET_INPUT) -> list[dict[str, Any]]:
    """Build the deck's ResNets on the meta device and count them, one row each.

    Args:
        names: models from ``FAMILY`` (``"resnet18"`` ... ``"resnet152"``).
        shortcut: shortcut option ``"A"``, ``"B"`` (the paper's default for
            Table 1's FLOPs) or ``"C"``.
        input_size: input shape including the batch.

    Returns:
        Rows ``{"model", "block", "layers", "depth", "params", "macs",
        "paper_macs", "stages"}``; ``depth`` counts the weighted layers
        (stem, the block convolutions, fc), ``stages`` is :func:`stage_costs`.

    Raises:
        TypeError, ValueError: an unknown name or shortcut option.
    """
    func = "family_table"
    check_type(names, "names", func, (list, tuple), "a list of names such as ['resnet18', 'resnet50']")
    for name in names:
        check_choice(name, "names", func, tuple(FAMILY))
    check_choice(shortcut, "shortcut", func, SHORTCUT_OPTIONS)
    rows = []
    for name in names:
        block, layers = FAMILY[name]
        with torch.device("meta"):
            model = get_model(name, shortcut=shortcut)
        convs_per_block = 2 if block == "basic" else 3
        rows.append({
            "model": name,
            "block": block,
            "layers": layers,
            "depth": 2 + convs_per_block * sum(layers),
            "params": count_parameters(model),
            "macs": count_macs(model, input_size),
            "paper_macs": PAPER_FLOPS[name],
            "stages": stage_costs(model, input_size),
        })
    return rows


def shortcut_table(depth: int = 34, *, input_size: Sequence[int] = _IMAGENET_INPUT) -> list[dict[str, Any]]:
    """ResNet-18/34/50/101/152 with shortcut options A, B and C, counted, with the deck's errors.

    Args:
        depth: 18, 34, 50, 101 or 152.
        input_size: input shape including the batch.

    Returns:
        Rows ``{"shortcut", "params", "macs", "projections", "top1", "top5"}``;
        ``projections`` counts the 1x1 projection shortcuts; the errors are the
        deck's (``None`` where the deck has no row, e.g. option A).
    """
    check_choice(depth, "depth", "shortcut_table", (18, 34, 50, 101, 152))
    name = f"resnet{depth}"
    rows = []
    for option in SHORTCUT_OPTIONS:
        with torch.device("meta"):
            model = get_model(name, shortcut=option)
        blocks = [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
        deck = next((r for r in IMAGENET_RESULTS if r["model"] == name and r.get("shortcut") == option), None)
        rows.append({
            "shortcut": option,
            "params": count_parameters(model),
            "macs": count_macs(model, input_size),
            "projections": sum(isinstance(b.shortcut, nn.Sequential) for b in blocks),
            "top1": None if deck is None else deck["top1"],
            "top5": None if deck is None else deck["top5"],
        })
    return rows


def imagenet_table() -> list[dict[str, Any]]:
    """The deck's ImageNet table with each model's cost counted where the course can build it.

    Returns:
        The rows of ``IMAGENET_RESULTS`` (copies) with two more keys:
        ``"params"`` and ``"macs"`` (multiply-adds of one 224x224 image), or
        ``None`` for methods without a model here (PReLU-net, BN-inception,
        the ILSVRC'14 VGG entry). GoogLeNet and VGG-19 are torchvision's.
    """
    rows = []
    for row in IMAGENET_RESULTS:
        row = dict(row)
        if row["model"] == "vgg19":
            row.update(count_on_meta(vgg19))
        elif row["model"] == "googlenet":
            row.update(count_on_meta(_googlenet))
        elif row["model"] is not None:
            row.update(count_on_meta(partial(get_model, row["model"], shortcut=row["shortcut"])))
        else:
            row.update(params=None, macs=None)
        rows.append(row)
    return rows
