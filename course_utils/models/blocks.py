"""Building blocks of the ResNet family: convolutions, shortcuts and residual blocks.

The structure follows torchvision's ``resnet.py`` (``conv3x3``/``conv1x1``
helpers, ``BasicBlock``/``Bottleneck`` with a class attribute ``expansion``),
written out for the course, with one deliberate difference and one addition:

* ``Bottleneck`` is the **v1** block of He et al. (2015): the stride sits in the
  *first* 1x1 convolution. torchvision's block is "v1.5" (stride in the 3x3),
  which costs more (4.1 vs 3.9 G multiply-adds for ResNet-50) at the same
  parameter count. v1 reproduces the paper's FLOPs row of Table 1.
* The shortcut is chosen by the paper's option (sec. 3.3):

  - ``"A"``: identity; where the shape changes, subsample with the stride and
    pad the missing channels with zeros (no parameters);
  - ``"B"``: identity, and a projection (1x1 conv + BN) only where the shape
    changes;
  - ``"C"``: a projection on every block.

Every block exposes its two paths: ``block.branch(x)`` computes the residual
branch F(x) and ``block.shortcut`` is the module that carries x, so that
``block(x) == relu(block.branch(x) + block.shortcut(x))``.

As in torchvision, the normalisation layer is an argument: ``norm_layer`` is a
callable ``channels -> nn.Module``, ``None`` meaning ``nn.BatchNorm2d``; pass
``nn.Identity`` (no normalisation) or ``lambda c: nn.GroupNorm(4, c)`` to swap it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .._validation import Bool, Instance, Int, IsCallable, OneOf, requires, validate

__all__ = [
    "SHORTCUT_OPTIONS",
    "BasicBlock",
    "Bottleneck",
    "ZeroPadShortcut",
    "conv1x1",
    "conv3x3",
    "init_resnet_weights",
    "make_shortcut",
]

#: The paper's three shortcut options (He et al. 2015, sec. 3.3 and Table 3).
SHORTCUT_OPTIONS: tuple[str, ...] = ("A", "B", "C")

NormLayer = Callable[[int], nn.Module]

#: Constraint of every ``norm_layer`` argument of the models.
NORM_LAYER = [None, IsCallable("a callable channels -> nn.Module, such as nn.BatchNorm2d, nn.Identity "
                               "or lambda c: nn.GroupNorm(4, c)")]

_SHORTCUT = OneOf(*SHORTCUT_OPTIONS, hint="See He et al. (2015), sec. 3.3: 'A' = zero-padding, "
                                          "'B' = projection where needed, 'C' = projection everywhere.")

# Normalisation layers whose affine weight and bias the initialisers reset.
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm, nn.GroupNorm, nn.LayerNorm,
          nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)


def reset_norm(module: nn.Module) -> None:
    """gamma = 1, beta = 0 for a normalisation layer with affine parameters; nothing otherwise."""
    if isinstance(module, _NORMS):
        if module.weight is not None:
            nn.init.ones_(module.weight)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def zero_norm_weight(module: nn.Module) -> None:
    """Zero the gamma of a normalisation layer (or the weight of a conv); nothing if it has none.

    Used by ``zero_init_residual``: with ``nn.Identity`` as the norm there is no weight to zero.
    """
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        nn.init.zeros_(weight)


_PLANES = Int(1)


@validate(in_planes=_PLANES, out_planes=_PLANES, stride=_PLANES)
def conv3x3(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """3x3 convolution with padding 1 and no bias (a normalisation layer follows it).

    Args:
        in_planes: input channels C_in.
        out_planes: output channels C_out.
        stride: stride; 2 halves the spatial size.

    Returns:
        ``nn.Conv2d`` mapping (N, C_in, H, W) to (N, C_out, ceil(H/stride), ceil(W/stride)).
    """
    return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=stride, padding=1, bias=False)


@validate(in_planes=_PLANES, out_planes=_PLANES, stride=_PLANES)
def conv1x1(in_planes: int, out_planes: int, stride: int = 1) -> nn.Conv2d:
    """1x1 convolution without bias (a normalisation layer follows it).

    Args:
        in_planes: input channels C_in.
        out_planes: output channels C_out.
        stride: stride; 2 keeps every other pixel.

    Returns:
        ``nn.Conv2d`` mapping (N, C_in, H, W) to (N, C_out, ceil(H/stride), ceil(W/stride)).
    """
    return nn.Conv2d(in_planes, out_planes, kernel_size=1, stride=stride, bias=False)


class ZeroPadShortcut(nn.Module):
    """Option A shortcut: subsample by ``stride`` and zero-pad the extra channels.

    It has no parameters, which is why option A nets have the fewest
    parameters (CIFAR ResNet-20: 0.27 M).

    Args:
        in_planes: channels of the input C_in.
        out_planes: channels of the output C_out >= C_in.
        stride: spatial subsampling factor.

    Shape:
        (N, C_in, H, W) -> (N, C_out, ceil(H/stride), ceil(W/stride)).
    """

    @validate(in_planes=_PLANES, out_planes=_PLANES, stride=_PLANES, checks=[
        requires("out_planes", lambda a: a["out_planes"] >= a["in_planes"], "an int >= in_planes ({in_planes})",
                 "Option A can only add channels, not remove them."),
    ])
    def __init__(self, in_planes: int, out_planes: int, stride: int = 1) -> None:
        super().__init__()
        self.in_planes = in_planes
        self.out_planes = out_planes
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride > 1:
            # Taking every stride-th pixel matches the sampling grid of a
            # strided 3x3 conv with padding 1, so the two paths line up.
            x = x[:, :, :: self.stride, :: self.stride]
        extra = self.out_planes - self.in_planes
        if extra:
            # F.pad pads from the last dim backwards: (W_l, W_r, H_t, H_b, C_front, C_back).
            x = F.pad(x, (0, 0, 0, 0, 0, extra))
        return x

    def extra_repr(self) -> str:
        return f"{self.in_planes}, {self.out_planes}, stride={self.stride}"


@validate(option=_SHORTCUT, in_planes=_PLANES, out_planes=_PLANES, stride=_PLANES, norm_layer=NORM_LAYER,
          checks=[requires("option", lambda a: a["option"] != "A" or a["out_planes"] >= a["in_planes"],
                           "'B' or 'C' when out_planes < in_planes",
                           "Option A (zero padding) can only add channels; 'B' and 'C' project.",
                           got=lambda a: f"'A' with in_planes={a['in_planes']}, out_planes={a['out_planes']}")])
def make_shortcut(option: str, in_planes: int, out_planes: int, stride: int = 1,
                  norm_layer: NormLayer | None = None) -> nn.Module:
    """Return the shortcut path of a block for one of the paper's options.

    Args:
        option: ``"A"`` (identity / zero padding), ``"B"`` (projection only
            where the shape changes) or ``"C"`` (projection everywhere).
        in_planes: channels entering the block.
        out_planes: channels leaving the block.
        stride: the block's stride.
        norm_layer: the normalisation after a projection; ``None`` is ``nn.BatchNorm2d``.

    Returns:
        ``nn.Identity``, a ``ZeroPadShortcut``, or ``nn.Sequential(conv1x1, norm_layer(out_planes))``.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range.
    """
    same_shape = stride == 1 and in_planes == out_planes
    if option == "C" or (option == "B" and not same_shape):
        norm = norm_layer or nn.BatchNorm2d
        return nn.Sequential(conv1x1(in_planes, out_planes, stride), norm(out_planes))
    if same_shape:
        return nn.Identity()
    return ZeroPadShortcut(in_planes, out_planes, stride)




class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a shortcut (ResNet-18/34 and the CIFAR nets).

    Args:
        in_planes: input channels C_in.
        planes: channels of both convolutions; the output has
            ``planes * expansion`` = ``planes`` channels.
        stride: stride of the first convolution (and of the shortcut).
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (see the module docstring).
        norm_layer: callable ``channels -> nn.Module`` after each convolution
            (``bn1``, ``bn2`` and a projection's); ``None`` is ``nn.BatchNorm2d``.

    Shape:
        (N, C_in, H, W) -> (N, planes, ceil(H/stride), ceil(W/stride)).
    """

    expansion: int = 1

    @validate(in_planes=_PLANES, planes=_PLANES, stride=_PLANES, shortcut=_SHORTCUT, norm_layer=NORM_LAYER)
    def __init__(self, in_planes: int, planes: int, stride: int = 1, shortcut: str = "B",
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        norm = norm_layer or nn.BatchNorm2d
        self.conv1 = conv3x3(in_planes, planes, stride)
        self.bn1 = norm(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm(planes)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = self._make_shortcut(shortcut, in_planes, planes * self.expansion, stride, norm_layer)

    def _make_shortcut(self, option: str, in_planes: int, out_planes: int, stride: int,
                       norm_layer: NormLayer | None) -> nn.Module | None:
        """The shortcut path; a plain block (``PlainBasicBlock``) has none."""
        return make_shortcut(option, in_planes, out_planes, stride, norm_layer)

    @property
    def last_bn(self) -> nn.Module:
        """The norm that ends the branch; zeroing its gamma makes the block start as identity."""
        return self.bn2

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch F(x): conv-BN-ReLU-conv-BN, without the final ReLU."""
        out = self.relu(self.bn1(self.conv1(x)))
        return self.bn2(self.conv2(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x) + self.shortcut(x))


class Bottleneck(nn.Module):
    """1x1 (reduce) - 3x3 - 1x1 (expand by 4) with a shortcut (ResNet-50/101/152).

    This is the paper's v1 block: the stride is in the first 1x1 convolution,
    so the 3x3 runs at the reduced resolution (torchvision's v1.5 strides the
    3x3 instead and costs more multiply-adds for the same parameters).

    Args:
        in_planes: input channels C_in.
        planes: width of the 3x3 convolution; the output has
            ``planes * expansion`` = ``4 * planes`` channels.
        stride: stride of the first 1x1 convolution (and of the shortcut).
        shortcut: ``"A"``, ``"B"`` or ``"C"`` (see the module docstring).
        norm_layer: callable ``channels -> nn.Module`` after each convolution;
            ``None`` is ``nn.BatchNorm2d``.

    Shape:
        (N, C_in, H, W) -> (N, 4 * planes, ceil(H/stride), ceil(W/stride)).
    """

    expansion: int = 4

    @validate(in_planes=_PLANES, planes=_PLANES, stride=_PLANES, shortcut=_SHORTCUT, norm_layer=NORM_LAYER)
    def __init__(self, in_planes: int, planes: int, stride: int = 1, shortcut: str = "B",
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        norm = norm_layer or nn.BatchNorm2d
        out_planes = planes * self.expansion
        self.conv1 = conv1x1(in_planes, planes, stride)
        self.bn1 = norm(planes)
        self.conv2 = conv3x3(planes, planes)
        self.bn2 = norm(planes)
        self.conv3 = conv1x1(planes, out_planes)
        self.bn3 = norm(out_planes)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = make_shortcut(shortcut, in_planes, out_planes, stride, norm_layer)

    @property
    def last_bn(self) -> nn.Module:
        """The norm that ends the branch; zeroing its gamma makes the block start as identity."""
        return self.bn3

    def branch(self, x: torch.Tensor) -> torch.Tensor:
        """The residual branch F(x): 1x1-BN-ReLU-3x3-BN-ReLU-1x1-BN, without the final ReLU."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.branch(x) + self.shortcut(x))


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"), zero_init_residual=Bool())
def init_resnet_weights(model: nn.Module, zero_init_residual: bool = False) -> None:
    """He (Kaiming) normal init for convolutions, gamma=1 / beta=0 for normalisation layers.

    Works with any ``norm_layer``: BatchNorm, GroupNorm, LayerNorm and
    InstanceNorm with affine parameters are reset; ``nn.Identity`` has nothing to reset.

    Args:
        model: a module holding residual blocks.
        zero_init_residual: zero the gamma of the last norm of every residual
            branch, so that each block starts as the identity (Goyal et al. 2017);
            a norm without a weight (``nn.Identity``) is left as it is.

    Raises:
        TypeError: ``model`` is not an ``nn.Module`` or ``zero_init_residual`` not a bool.
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            # fan_out keeps the variance of the backward signal constant (He et al. 2015b).
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        else:
            reset_norm(m)
    if zero_init_residual:
        for m in model.modules():
            if isinstance(m, (BasicBlock, Bottleneck)):
                zero_norm_weight(m.last_bn)
