"""Models of the course: the ResNet family, the paper's CIFAR nets, plain-vs-residual
conv nets for the degradation experiment, and an MLP for the regularisation notebooks.

``models`` depends on nothing above it (no training, no plotting); see
``COURSE_DESIGN.md``. Typical use::

    from course_utils import models
    net = models.get_model("resnet20")             # CIFAR, option A, 0.27 M parameters
    plain = models.ConvNet1d(num_blocks=10, residual=False)
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
    "ResNet",
    "ZeroPadShortcut",
    "cifar_resnet",
    "conv1x1",
    "conv3x3",
    "get_model",
    "init_resnet_weights",
    "list_models",
    "make_shortcut",
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
]
