"""Models of the course: the ResNet family, the paper's CIFAR nets, the paper's plain nets
and VGG-19, plain-vs-residual conv nets for the degradation experiment, and an MLP for the
regularisation notebooks. Every model takes a ``norm_layer`` (``None`` is BatchNorm).

``models`` depends on nothing above it (no training, no plotting). Typical use::

    from course_utils import models
    net = models.get_model("resnet20")             # CIFAR, option A, 0.27 M parameters
    plain = models.ConvNet1d(num_blocks=10, residual=False)
    gn = models.resnet18(norm_layer=lambda c: nn.GroupNorm(32, c))
"""

from .blocks import (
    SHORTCUT_OPTIONS,
    BasicBlock,
    Bottleneck,
    ZeroPadShortcut,
    conv1x1,
    conv3x3,
    init_resnet_weights,
    make_shortcut,
)
from .cifar import CifarResNet, cifar_resnet, resnet20, resnet32, resnet44, resnet56, resnet110
from .convnet import ConvBlock, ConvNet1d, ConvNet2d
from .mlp import MLP
from .plain import PlainBasicBlock, plain_resnet, vgg19
from .resnet import ResNet, get_model, list_models, resnet18, resnet34, resnet50, resnet101, resnet152

__all__ = [
    "MLP",
    "SHORTCUT_OPTIONS",
    "BasicBlock",
    "Bottleneck",
    "CifarResNet",
    "ConvBlock",
    "ConvNet1d",
    "ConvNet2d",
    "PlainBasicBlock",
    "ResNet",
    "ZeroPadShortcut",
    "cifar_resnet",
    "conv1x1",
    "conv3x3",
    "get_model",
    "init_resnet_weights",
    "list_models",
    "make_shortcut",
    "plain_resnet",
    "resnet18",
    "resnet20",
    "resnet32",
    "resnet34",
    "resnet44",
    "resnet50",
    "resnet56",
    "resnet101",
    "resnet110",
    "resnet152",
    "vgg19",
]
