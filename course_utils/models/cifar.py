"""The CIFAR-10 ResNets of He et al. (2015), sec. 4.2 and Table 6.

A 3x3 stem with 16 filters, then three stages of ``n`` BasicBlocks with 16, 32
and 64 filters on 32x32, 16x16 and 8x8 maps, global average pooling and a
10-way linear layer: ``6n + 2`` weighted layers in all. The paper uses
option A shortcuts (zero padding), so the parameter count is exactly that of
the plain net of the same depth: 0.27 / 0.46 / 0.66 / 0.85 / 1.7 M for
depth 20 / 32 / 44 / 56 / 110.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from .._limits import MAX_LAYERS, MAX_PARAMETERS, check_at_most
from .._validation import Bool, Int, OneOf, forwards, requires, validate
from .blocks import NORM_LAYER, SHORTCUT_OPTIONS, BasicBlock, NormLayer, conv3x3, init_resnet_weights

__all__ = [
    "CifarResNet",
    "cifar_resnet",
    "resnet20",
    "resnet32",
    "resnet44",
    "resnet56",
    "resnet110",
]

def _nearest_depths(args: Mapping[str, Any]) -> str:
    low = args["depth"] - (args["depth"] - 2) % 6
    return f"The nearest valid depths are {low} and {low + 6}."


class CifarResNet(nn.Module):
    """ResNet for 32x32 images with ``depth = 6n + 2`` layers (He et al. 2015, sec. 4.2).

    Args:
        depth: number of weighted layers, 6n + 2 (20, 32, 44, 56, 110, ...).
        num_classes: size of the output layer.
        shortcut: ``"A"`` (the paper's choice, no extra parameters), ``"B"`` or ``"C"``.
        zero_init_residual: start every block as the identity by zeroing the
            gamma of the last norm of its branch.
        norm_layer: callable ``channels -> nn.Module`` used after every
            convolution; ``None`` is ``nn.BatchNorm2d``.

    Shape:
        (N, 3, H, W) -> (N, num_classes); the paper's inputs are 32x32.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``depth`` is not 6n + 2, ``num_classes < 1``, ``shortcut`` is unknown, or the
            net would be beyond ``MAX_LAYERS`` or ``MAX_PARAMETERS`` (``course_utils._limits``).
    """

    @validate(
        depth=Int(8, hint="The depth is 6n + 2 with n >= 1, e.g. 20, 32, 44, 56 or 110."),
        num_classes=Int(1),
        shortcut=OneOf(*SHORTCUT_OPTIONS, hint="The paper uses 'A' (zero-padding) on CIFAR; "
                                               "'B' and 'C' add 1x1 projections."),
        zero_init_residual=Bool(),
        norm_layer=NORM_LAYER,
        checks=[requires("depth", lambda a: (a["depth"] - 2) % 6 == 0,
                         "an int of the form 6n + 2 (e.g. 8, 14, 20, 26, 32, 44, 56, 110)", _nearest_depths)],
    )
    def __init__(self, depth: int = 20, num_classes: int = 10, shortcut: str = "A",
                 zero_init_residual: bool = False, norm_layer: NormLayer | None = None) -> None:
        check_at_most("depth", depth, MAX_LAYERS, "MAX_LAYERS")
        n = (depth - 2) // 6
        # At least: the two 3x3 convolutions of every block, and the output layer.
        blocks, head = 2 * 9 * n * (16**2 + 32**2 + 64**2), 65 * num_classes
        sizes = {"num_classes": num_classes, "depth": depth}
        largest, other = ("num_classes", "depth") if head > blocks else ("depth", "num_classes")  # the one to blame
        check_at_most(largest, blocks + head, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a net of",
                      unit=" parameters", got=f"{sizes[largest]}, which makes at least {blocks + head:,} parameters "
                                              f"with {other}={sizes[other]}")
        super().__init__()
        self.depth = depth
        self.shortcut_option = shortcut
        self.in_planes = 16
        self.conv1 = conv3x3(3, 16)
        self.bn1 = (norm_layer or nn.BatchNorm2d)(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, 1, norm_layer)  # 32x32
        self.layer2 = self._make_layer(32, n, 2, norm_layer)  # 16x16
        self.layer3 = self._make_layer(64, n, 2, norm_layer)  # 8x8
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        init_resnet_weights(self, zero_init_residual)

    def _make_layer(self, planes: int, blocks: int, stride: int, norm_layer: NormLayer | None) -> nn.Sequential:
        """One stage of ``blocks`` BasicBlocks; only the first may change the shape."""
        layers = [BasicBlock(self.in_planes, planes, stride, self.shortcut_option, norm_layer)]
        self.in_planes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(planes, planes, 1, self.shortcut_option, norm_layer))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 16, H, W)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)  # (N, 64, H/4, W/4)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


@forwards(CifarResNet)
def cifar_resnet(depth: int, **kwargs: Any) -> CifarResNet:
    """CIFAR ResNet of any depth 6n + 2, e.g. ``cifar_resnet(8)`` for a quick demo.

    Args:
        depth: number of weighted layers, 6n + 2.
        **kwargs: keyword arguments of :class:`CifarResNet` (``num_classes``,
            ``shortcut``, ``zero_init_residual``, ``norm_layer``).

    Raises:
        ValueError: ``depth`` is not of the form 6n + 2.
    """
    return CifarResNet(depth, **kwargs)


@forwards(CifarResNet, fixed=("depth",))
def resnet20(**kwargs: Any) -> CifarResNet:
    """CIFAR ResNet-20 (n = 3): 0.27 M parameters with option A; ``**kwargs`` go to :class:`CifarResNet`."""
    return CifarResNet(20, **kwargs)


@forwards(CifarResNet, fixed=("depth",))
def resnet32(**kwargs: Any) -> CifarResNet:
    """CIFAR ResNet-32 (n = 5): 0.46 M parameters with option A; ``**kwargs`` go to :class:`CifarResNet`."""
    return CifarResNet(32, **kwargs)


@forwards(CifarResNet, fixed=("depth",))
def resnet44(**kwargs: Any) -> CifarResNet:
    """CIFAR ResNet-44 (n = 7): 0.66 M parameters with option A; ``**kwargs`` go to :class:`CifarResNet`."""
    return CifarResNet(44, **kwargs)


@forwards(CifarResNet, fixed=("depth",))
def resnet56(**kwargs: Any) -> CifarResNet:
    """CIFAR ResNet-56 (n = 9): 0.85 M parameters with option A; ``**kwargs`` go to :class:`CifarResNet`."""
    return CifarResNet(56, **kwargs)


@forwards(CifarResNet, fixed=("depth",))
def resnet110(**kwargs: Any) -> CifarResNet:
    """CIFAR ResNet-110 (n = 18): 1.7 M parameters with option A; ``**kwargs`` go to :class:`CifarResNet`."""
    return CifarResNet(110, **kwargs)
