"""The CIFAR-10 ResNets of He et al. (2015), sec. 4.2 and Table 6.

A 3x3 stem with 16 filters, then three stages of ``n`` BasicBlocks with 16, 32
and 64 filters on 32x32, 16x16 and 8x8 maps, global average pooling and a
10-way linear layer: ``6n + 2`` weighted layers in all. The paper uses
option A shortcuts (zero padding), so the parameter count is exactly that of
the plain net of the same depth: 0.27 / 0.46 / 0.66 / 0.85 / 1.7 M for
depth 20 / 32 / 44 / 56 / 110.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_bool, check_choice, check_int
from .blocks import SHORTCUT_OPTIONS, BasicBlock, conv3x3, init_resnet_weights

__all__ = [
    "CifarResNet",
    "cifar_resnet",
    "resnet20",
    "resnet32",
    "resnet44",
    "resnet56",
    "resnet110",
]

_SHORTCUT_HINT = "The paper uses 'A' (zero-padding) on CIFAR; 'B' and 'C' add 1x1 projections."


def _check_depth(depth: int, func: str) -> int:
    check_int(depth, "depth", func, low=8, hint="The depth is 6n + 2 with n >= 1, e.g. 20, 32, 44, 56 or 110.")
    if (depth - 2) % 6:
        raise ValueError(
            f"The 'depth' parameter of {func} must be an int of the form 6n + 2 "
            f"(e.g. 8, 14, 20, 26, 32, 44, 56, 110). Got {depth!r}. "
            f"The nearest valid depths are {depth - (depth - 2) % 6} and {depth - (depth - 2) % 6 + 6}."
        )
    return depth


class CifarResNet(nn.Module):
    """ResNet for 32x32 images with ``depth = 6n + 2`` layers (He et al. 2015, sec. 4.2).

    Args:
        depth: number of weighted layers, 6n + 2 (20, 32, 44, 56, 110, ...).
        num_classes: size of the output layer.
        shortcut: ``"A"`` (the paper's choice, no extra parameters), ``"B"`` or ``"C"``.
        zero_init_residual: start every block as the identity by zeroing the
            gamma of the last BN of its branch.

    Shape:
        (N, 3, H, W) -> (N, num_classes); the paper's inputs are 32x32.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: ``depth`` is not 6n + 2, ``num_classes < 1`` or ``shortcut`` is unknown.
    """

    def __init__(self, depth: int = 20, num_classes: int = 10, shortcut: str = "A",
                 zero_init_residual: bool = False) -> None:
        super().__init__()
        func = "CifarResNet"
        _check_depth(depth, func)
        check_int(num_classes, "num_classes", func, low=1)
        check_choice(shortcut, "shortcut", func, SHORTCUT_OPTIONS, hint=_SHORTCUT_HINT)
        check_bool(zero_init_residual, "zero_init_residual", func)

        self.depth = depth
        self.shortcut_option = shortcut
        n = (depth - 2) // 6
        self.in_planes = 16
        self.conv1 = conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = self._make_layer(16, n, stride=1)  # 32x32
        self.layer2 = self._make_layer(32, n, stride=2)  # 16x16
        self.layer3 = self._make_layer(64, n, stride=2)  # 8x8
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, num_classes)
        init_resnet_weights(self, zero_init_residual)

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        """One stage of ``blocks`` BasicBlocks; only the first may change the shape."""
        layers = [BasicBlock(self.in_planes, planes, stride, self.shortcut_option)]
        self.in_planes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(planes, planes, 1, self.shortcut_option))
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))  # (N, 16, H, W)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)  # (N, 64, H/4, W/4)
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def _cifar(name: str, depth: int, num_classes: int, shortcut: str, zero_init_residual: bool) -> CifarResNet:
    # Check here as well so that the message names the builder the learner called.
    _check_depth(depth, name)
    check_int(num_classes, "num_classes", name, low=1)
    check_choice(shortcut, "shortcut", name, SHORTCUT_OPTIONS, hint=_SHORTCUT_HINT)
    check_bool(zero_init_residual, "zero_init_residual", name)
    return CifarResNet(depth, num_classes=num_classes, shortcut=shortcut, zero_init_residual=zero_init_residual)


def cifar_resnet(depth: int, *, num_classes: int = 10, shortcut: str = "A",
                 zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet of any depth 6n + 2, e.g. ``cifar_resnet(8)`` for a quick demo.

    Raises:
        ValueError: ``depth`` is not of the form 6n + 2.
    """
    return _cifar("cifar_resnet", depth, num_classes, shortcut, zero_init_residual)


def resnet20(*, num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet-20 (n = 3): 0.27 M parameters with option A."""
    return _cifar("resnet20", 20, num_classes, shortcut, zero_init_residual)


def resnet32(*, num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet-32 (n = 5): 0.46 M parameters with option A."""
    return _cifar("resnet32", 32, num_classes, shortcut, zero_init_residual)


def resnet44(*, num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet-44 (n = 7): 0.66 M parameters with option A."""
    return _cifar("resnet44", 44, num_classes, shortcut, zero_init_residual)


def resnet56(*, num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet-56 (n = 9): 0.85 M parameters with option A."""
    return _cifar("resnet56", 56, num_classes, shortcut, zero_init_residual)


def resnet110(*, num_classes: int = 10, shortcut: str = "A", zero_init_residual: bool = False) -> CifarResNet:
    """CIFAR ResNet-110 (n = 18): 1.7 M parameters with option A."""
    return _cifar("resnet110", 110, num_classes, shortcut, zero_init_residual)
