"""Nets without shortcuts: the paper's plain nets and VGG-19, the references of notebooks 01-02.

``plain_resnet(34)`` is the paper's 34-layer plain net (He et al. 2015,
Table 1 and Figure 3): ResNet-34 with the shortcuts taken out, every other
layer the same. ``vgg19()`` is torchvision's VGG-19 (configuration E), the
paper's other reference (19.6 x 10^9 multiply-adds).
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import Int, OneOf, validate
from .blocks import NORM_LAYER, SHORTCUT_OPTIONS, BasicBlock, NormLayer
from .resnet import _STAGE_BLOCKS, ResNet

__all__ = ["PlainBasicBlock", "plain_resnet", "vgg19"]


class PlainBasicBlock(BasicBlock):
    """A ``BasicBlock`` without a shortcut: ``relu(F(x))`` instead of ``relu(F(x) + x)``.

    The building block of the paper's plain nets. It has exactly the branch
    (and so the parameters and the cost) of a ``BasicBlock``, for any
    channels and stride (e.g. ``PlainBasicBlock(64, 32)``); its ``shortcut``
    attribute is ``None``.

    Args:
        in_planes: input channels C_in.
        planes: output channels.
        stride: stride of the first convolution.
        shortcut: accepted, so that ``ResNet`` builds plain blocks like any
            other block, and ignored: a plain block has no shortcut.
        norm_layer: callable ``channels -> nn.Module`` after each convolution;
            ``None`` is ``nn.BatchNorm2d``.

    Shape:
        (N, C_in, H, W) -> (N, planes, ceil(H/stride), ceil(W/stride)).
    """

    @validate(in_planes=Int(1), planes=Int(1), stride=Int(1), shortcut=OneOf(*SHORTCUT_OPTIONS),
              norm_layer=NORM_LAYER)
    def __init__(self, in_planes: int, planes: int, stride: int = 1, shortcut: str = "A",
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__(in_planes, planes, stride, shortcut, norm_layer)

    def _make_shortcut(self, option: str, in_planes: int, out_planes: int, stride: int,
                       norm_layer: NormLayer | None) -> None:
        return None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x))


@validate(depth=OneOf(18, 34, hint="The paper's plain nets have 18 or 34 layers (Table 1, Figure 4)."),
          num_classes=Int(1), norm_layer=NORM_LAYER)
def plain_resnet(depth: int = 34, *, num_classes: int = 1000, norm_layer: NormLayer | None = None) -> ResNet:
    """The paper's plain net of 18 or 34 layers: ResNet-18/34 with no shortcuts.

    Args:
        depth: 18 or 34.
        num_classes: size of the output layer.
        norm_layer: callable ``channels -> nn.Module`` after every convolution;
            ``None`` is ``nn.BatchNorm2d``.

    Returns:
        A ``ResNet`` made of :class:`PlainBasicBlock` (21.8 M parameters and
        3.6 G multiply-adds at 224x224 for depth 34, the same as ResNet-34 with
        option A shortcuts).

    Raises:
        ValueError: ``depth`` is not 18 or 34.
    """
    return ResNet(PlainBasicBlock, _STAGE_BLOCKS[depth], num_classes=num_classes, shortcut="A",
                  norm_layer=norm_layer)


@validate(num_classes=Int(1))
def vgg19(*, num_classes: int = 1000) -> nn.Module:
    """torchvision's VGG-19 (configuration E, no batch norm), untrained.

    Args:
        num_classes: size of the output layer.

    Returns:
        ``torchvision.models.vgg19(weights=None, num_classes=num_classes)``:
        143.7 M parameters and 19.6 G multiply-adds at 224x224 for 1000 classes.

    Raises:
        ValueError: ``num_classes`` < 1.
    """
    import torchvision  # imported here: only the counting of VGG needs it

    return torchvision.models.vgg19(weights=None, num_classes=num_classes)
