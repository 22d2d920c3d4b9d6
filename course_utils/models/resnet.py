"""The ImageNet ResNets of He et al. (2015), Table 1, and a registry of all models.

``ResNet(block, layers)`` is built like torchvision's ``resnet.py``: a 7x7
stem, four stages made by ``_make_layer``, global average pooling and a linear
head. The builders ``resnet18`` ... ``resnet152`` take keyword arguments only
and pass them on to ``ResNet``, which checks them.
With option B shortcuts their parameter counts equal torchvision's exactly;
their multiply-adds reproduce the paper's FLOPs row (1.8 / 3.6 / 3.8 / 7.6 /
11.3 x 10^9) because ``Bottleneck`` is the paper's v1 block.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from .._limits import MAX_LAYERS, MAX_PARAMETERS, check_at_most
from .._validation import Bool, Int, OneOf, SequenceOf, Subclass, forwards, validate
from .blocks import NORM_LAYER, SHORTCUT_OPTIONS, BasicBlock, Bottleneck, NormLayer, init_resnet_weights
from .cifar import resnet20, resnet32, resnet44, resnet56, resnet110

__all__ = [
    "ResNet",
    "get_model",
    "list_models",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
]

# Blocks per stage (conv2_x ... conv5_x) of the paper's Table 1, by depth.
_STAGE_BLOCKS: dict[int, tuple[int, int, int, int]] = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
    152: (3, 8, 36, 3),
}


class ResNet(nn.Module):
    """ResNet for 224x224 images (He et al. 2015, Table 1).

    Args:
        block: ``BasicBlock`` (ResNet-18/34) or ``Bottleneck`` (ResNet-50/101/152).
        layers: number of blocks in each of the four stages, e.g. ``[2, 2, 2, 2]``.
        num_classes: size of the output layer.
        shortcut: shortcut option ``"A"``, ``"B"`` or ``"C"``.
        zero_init_residual: start every block as the identity by zeroing the
            gamma of the last norm of its branch.
        norm_layer: callable ``channels -> nn.Module`` used after every
            convolution (stem, blocks, projections); ``None`` is ``nn.BatchNorm2d``.
            E.g. ``nn.Identity`` or ``lambda c: nn.GroupNorm(32, c)``.

    Shape:
        (N, 3, H, W) -> (N, num_classes) logits. Any H, W >= 32 works
        (the net downsamples by 32); the paper's cost is at 224x224.

    Raises:
        TypeError: ``block`` is not a block class, or an argument has the wrong type.
        ValueError: an argument is out of range, ``shortcut`` is unknown, or the net would be beyond
            ``MAX_LAYERS`` blocks or ``MAX_PARAMETERS`` (``course_utils._limits``).
    """

    @validate(
        block=Subclass(BasicBlock, Bottleneck),
        layers=SequenceOf(Int(1), min_len=4, max_len=4, desc="a list of 4 ints >= 1, one per stage, "
                                                              "e.g. [2, 2, 2, 2]"),
        num_classes=Int(1),
        shortcut=OneOf(*SHORTCUT_OPTIONS, hint="Use 'A' (zero-padding), 'B' (projection where needed) "
                                               "or 'C' (projection everywhere)."),
        zero_init_residual=Bool(),
        norm_layer=NORM_LAYER,
    )
    def __init__(self, block: type[BasicBlock] | type[Bottleneck], layers: Sequence[int],
                 num_classes: int = 1000, shortcut: str = "B", zero_init_residual: bool = False,
                 norm_layer: NormLayer | None = None) -> None:
        check_at_most("layers", sum(layers), MAX_LAYERS, "MAX_LAYERS", what="a list of blocks that add up to",
                      got=f"{list(layers)}, {sum(layers):,} blocks")
        # At least: the 3x3 convolutions of every block (two in a BasicBlock; a Bottleneck's 3x3 and
        # its 1x1 to 4x the planes), and the output layer.
        per_block = 18 if block is BasicBlock else 13
        blocks = sum(n * per_block * planes**2 for n, planes in zip(layers, (64, 128, 256, 512)))
        head = (512 * block.expansion + 1) * num_classes
        largest = "num_classes" if head > blocks else "layers"
        check_at_most(largest, blocks + head, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a net of",
                      unit=" parameters", got=f"{num_classes if head > blocks else list(layers)}, which makes at least "
                                              f"{blocks + head:,} parameters")
        super().__init__()
        self.shortcut_option = shortcut
        self.in_planes = 64  # channels entering the next stage; _make_layer advances it
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = (norm_layer or nn.BatchNorm2d)(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        # The first stage keeps the resolution (the max-pool already halved it).
        self.layer1 = self._make_layer(block, 64, layers[0], 1, norm_layer)
        self.layer2 = self._make_layer(block, 128, layers[1], 2, norm_layer)
        self.layer3 = self._make_layer(block, 256, layers[2], 2, norm_layer)
        self.layer4 = self._make_layer(block, 512, layers[3], 2, norm_layer)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
        init_resnet_weights(self, zero_init_residual)

    def _make_layer(self, block: type[BasicBlock] | type[Bottleneck], planes: int, blocks: int,
                    stride: int, norm_layer: NormLayer | None) -> nn.Sequential:
        """One stage: a first block that may change shape, then ``blocks - 1`` same-shape blocks."""
        layers = [block(self.in_planes, planes, stride, self.shortcut_option, norm_layer)]
        self.in_planes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.in_planes, planes, 1, self.shortcut_option, norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))  # (N, 64, H/4, W/4)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)  # (N, 512 * expansion, H/32, W/32)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


_FIXED = ("block", "layers")


@forwards(ResNet, fixed=_FIXED)
def resnet18(**kwargs: Any) -> ResNet:
    """ResNet-18: BasicBlock x [2, 2, 2, 2]; 11.7 M parameters, 1.8 G multiply-adds at 224x224.

    Args:
        **kwargs: keyword arguments of :class:`ResNet` (``num_classes``,
            ``shortcut``, ``zero_init_residual``, ``norm_layer``).
    """
    return ResNet(BasicBlock, _STAGE_BLOCKS[18], **kwargs)


@forwards(ResNet, fixed=_FIXED)
def resnet34(**kwargs: Any) -> ResNet:
    """ResNet-34: BasicBlock x [3, 4, 6, 3]; 21.8 M parameters, 3.6 G multiply-adds at 224x224.

    Args:
        **kwargs: keyword arguments of :class:`ResNet`.
    """
    return ResNet(BasicBlock, _STAGE_BLOCKS[34], **kwargs)


@forwards(ResNet, fixed=_FIXED)
def resnet50(**kwargs: Any) -> ResNet:
    """ResNet-50: Bottleneck x [3, 4, 6, 3]; 25.6 M parameters, 3.8 G multiply-adds at 224x224.

    Args:
        **kwargs: keyword arguments of :class:`ResNet`.
    """
    return ResNet(Bottleneck, _STAGE_BLOCKS[50], **kwargs)


@forwards(ResNet, fixed=_FIXED)
def resnet101(**kwargs: Any) -> ResNet:
    """ResNet-101: Bottleneck x [3, 4, 23, 3]; 44.5 M parameters, 7.6 G multiply-adds at 224x224.

    Args:
        **kwargs: keyword arguments of :class:`ResNet`.
    """
    return ResNet(Bottleneck, _STAGE_BLOCKS[101], **kwargs)


@forwards(ResNet, fixed=_FIXED)
def resnet152(**kwargs: Any) -> ResNet:
    """ResNet-152: Bottleneck x [3, 8, 36, 3]; 60.2 M parameters, 11.3 G multiply-adds at 224x224.

    Args:
        **kwargs: keyword arguments of :class:`ResNet`.
    """
    return ResNet(Bottleneck, _STAGE_BLOCKS[152], **kwargs)


# The registry is a plain dict built at import time from functions: no side effects.
_MODELS: dict[str, Callable[..., nn.Module]] = {
    "resnet18": resnet18,
    "resnet34": resnet34,
    "resnet50": resnet50,
    "resnet101": resnet101,
    "resnet152": resnet152,
    "resnet20": resnet20,
    "resnet32": resnet32,
    "resnet44": resnet44,
    "resnet56": resnet56,
    "resnet110": resnet110,
}


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`: ImageNet resnet18...152 and CIFAR resnet20...110."""
    return list(_MODELS)


@validate(name=OneOf(*_MODELS))
def get_model(name: str, **kwargs: Any) -> nn.Module:
    """Build a model by name, e.g. ``get_model("resnet56", num_classes=10)``.

    Args:
        name: one of :func:`list_models` (``"resnet18"``...``"resnet152"`` for
            224x224 ImageNet inputs, ``"resnet20"``...``"resnet110"`` for 32x32 CIFAR).
        **kwargs: keyword arguments of the builder (``num_classes``, ``shortcut``,
            ``zero_init_residual``, ``norm_layer``), checked by the model's class.

    Returns:
        The freshly initialised model (seed with ``torch.manual_seed`` first
        for a repeatable initialisation).

    Raises:
        TypeError: ``name`` is not a string.
        ValueError: ``name`` is unknown; the message lists the known names.
    """
    return _MODELS[name](**kwargs)
