"""Notebook 02, bottleneck and the ResNet family: the deck's tables as data and as code.

Counting needs shapes, not numbers, so the big ImageNet models are built on PyTorch's
``meta`` device (:func:`course_utils.measure.count_on_meta`): no memory is allocated and no
weights are initialised, yet the counts equal those of a real model (ResNet-152 is counted in
well under a second).

The deck's numbers:

* ``PAPER_FLOPS``: the FLOPs row of Table 1 (multiply-adds at 224x224);
* ``VGG19_PAPER_FLOPS``: VGG-19's 19.6 x 10^9 (the paper, sec. 3.3);
* ``IMAGENET_RESULTS``: the ImageNet table (single-model error rates, the paper's Table 4).

The architectures themselves (block type, blocks per stage) are read off the builders in
``course_utils.models`` (:func:`architecture`), never written out a second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from .._validation import OneOf, SequenceOf, unvalidated, validate
from ..measure import count_macs, count_on_meta, count_parameters, stage_costs
from ..models import SHORTCUT_OPTIONS, BasicBlock, Bottleneck, ResNet, get_model, vgg19

__all__ = [
    "IMAGENET_RESNETS",
    "IMAGENET_RESULTS",
    "PAPER_FLOPS",
    "VGG19_PAPER_FLOPS",
    "architecture",
    "family_table",
    "imagenet_table",
    "shortcut_table",
]

#: The deck's Table 1, by builder name (``course_utils.models``).
IMAGENET_RESNETS: tuple[str, ...] = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")

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
_NAMES = OneOf(*IMAGENET_RESNETS)


def _on_meta(name: str, **kwargs: Any) -> ResNet:
    with torch.device("meta"):
        return get_model(name, **kwargs)


@validate(name=_NAMES)
def architecture(name: str) -> tuple[str, tuple[int, int, int, int]]:
    """Block type and blocks per stage (conv2_x ... conv5_x) of one of the deck's ResNets.

    Read off the model the builder makes (on the meta device: no memory, no initialisation),
    so the table can never disagree with the code.

    Args:
        name: one of ``IMAGENET_RESNETS``, e.g. ``"resnet50"``.

    Returns:
        ``("basic" or "bottleneck", (n2, n3, n4, n5))``, e.g. ``("bottleneck", (3, 4, 6, 3))``.
    """
    model = _on_meta(name)
    stages = (model.layer1, model.layer2, model.layer3, model.layer4)
    block = "bottleneck" if isinstance(model.layer1[0], Bottleneck) else "basic"
    return block, tuple(len(stage) for stage in stages)


@validate(names=SequenceOf(_NAMES, unique=True), shortcut=OneOf(*SHORTCUT_OPTIONS))
def family_table(names: Sequence[str] = IMAGENET_RESNETS, *, shortcut: str = "B") -> list[dict[str, Any]]:
    """Build the deck's ResNets on the meta device and count them, one row each, at 224x224.

    Args:
        names: models from ``IMAGENET_RESNETS`` (``"resnet18"`` ... ``"resnet152"``).
        shortcut: shortcut option ``"A"``, ``"B"`` (the paper's default for Table 1's FLOPs)
            or ``"C"``.

    Returns:
        Rows ``{"model", "block", "layers", "depth", "params", "macs", "paper_macs",
        "stages"}``; ``depth`` counts the weighted layers (stem, the block convolutions, fc),
        ``stages`` is :func:`course_utils.measure.stage_costs`.
    """
    rows = []
    for name in names:
        block, layers = architecture(name)
        model = _on_meta(name, shortcut=shortcut)
        convs_per_block = 2 if block == "basic" else 3
        rows.append({
            "model": name,
            "block": block,
            "layers": layers,
            "depth": 2 + convs_per_block * sum(layers),
            "params": count_parameters(model),
            "macs": count_macs(model, _IMAGENET_INPUT),
            "paper_macs": PAPER_FLOPS[name],
            "stages": stage_costs(model, _IMAGENET_INPUT),
        })
    return rows


@validate(depth=OneOf(18, 34, 50, 101, 152))
def shortcut_table(depth: int = 34) -> list[dict[str, Any]]:
    """ResNet-18/34/50/101/152 with shortcut options A, B and C, counted, with the deck's errors.

    Args:
        depth: 18, 34, 50, 101 or 152.

    Returns:
        Rows ``{"shortcut", "params", "macs", "projections", "top1", "top5"}`` at 224x224;
        ``projections`` counts the 1x1 projection shortcuts; the errors are the deck's
        (``None`` where the deck has no row, e.g. option A).
    """
    name = f"resnet{depth}"
    rows = []
    for option in SHORTCUT_OPTIONS:
        model = _on_meta(name, shortcut=option)
        blocks = [m for m in model.modules() if isinstance(m, (BasicBlock, Bottleneck))]
        deck = next((r for r in IMAGENET_RESULTS if r["model"] == name and r.get("shortcut") == option), None)
        rows.append({
            "shortcut": option,
            "params": count_parameters(model),
            "macs": count_macs(model, _IMAGENET_INPUT),
            "projections": sum(isinstance(b.shortcut, nn.Sequential) for b in blocks),
            "top1": None if deck is None else deck["top1"],
            "top5": None if deck is None else deck["top5"],
        })
    return rows


def _googlenet() -> nn.Module:
    import torchvision  # imported here: only the counting of GoogLeNet needs it

    return torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)


@unvalidated("takes no arguments")
def imagenet_table() -> list[dict[str, Any]]:
    """The deck's ImageNet table with each model's cost counted where the course can build it.

    Returns:
        The rows of ``IMAGENET_RESULTS`` (copies) with two more keys: ``"params"`` and
        ``"macs"`` (multiply-adds of one 224x224 image), or ``None`` for methods without a
        model here (PReLU-net, BN-inception, the ILSVRC'14 VGG entry). GoogLeNet and VGG-19
        are torchvision's.
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
