"""Plain and residual convolutional nets that differ *only* in the shortcuts.

The degradation experiment (notebook 01) needs two nets that are identical in
every weight and every operation except the identity shortcut, so that any
difference in training error is the shortcut's doing:

    stem conv -> num_blocks x [conv-BN-ReLU-conv-BN (+ x) -> ReLU] -> global avg pool -> linear

With ``residual=False`` the ``+ x`` is left out and nothing else changes; the
shortcut is the identity, so both nets have the same parameter count. A net
has ``2 * num_blocks + 2`` weighted layers (stem and linear head included).

``ConvNet1d`` takes MNIST-1D signals, ``ConvNet2d`` takes images.

The normalisation after each convolution is ``nn.BatchNorm1d``/``nn.BatchNorm2d``
when ``batch_norm=True``; ``norm_layer`` (a callable ``channels -> nn.Module``,
e.g. ``nn.Identity`` or ``lambda c: nn.GroupNorm(4, c)``) replaces that class.
"""

from __future__ import annotations

import torch
from torch import nn

from .._limits import MAX_LAYERS, MAX_PARAMETERS, check_at_most
from .._validation import Bool, Int, OneOf, requires, validate
from .blocks import NORM_LAYER, NormLayer, reset_norm, zero_norm_weight

__all__ = ["ConvBlock", "ConvNet1d", "ConvNet2d"]

_CONV = {1: nn.Conv1d, 2: nn.Conv2d}
_BN = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d}


class ConvBlock(nn.Module):
    """Two same-width 3-wide convolutions, with or without an identity shortcut.

    Args:
        channels: channels C in and out (the width stays the same, so the
            shortcut is always the identity and has no parameters).
        dim: 1 for signals (N, C, L), 2 for images (N, C, H, W).
        residual: add the identity shortcut before the last ReLU.
        batch_norm: put a normalisation layer after each convolution (and drop
            the convolution's bias, which the norm's beta replaces).
        norm_layer: the normalisation used when ``batch_norm`` is on, a callable
            ``channels -> nn.Module``; ``None`` is ``nn.BatchNorm1d``/``nn.BatchNorm2d``.

    Attributes:
        branch: ``nn.Sequential`` computing F(x) (conv-BN-ReLU-conv-BN).
        shortcut: ``nn.Identity`` when ``residual`` else ``None``.

    Shape:
        (N, C, L) -> (N, C, L) for ``dim=1``; (N, C, H, W) -> (N, C, H, W) for ``dim=2``.
    """

    @validate(channels=Int(1), dim=OneOf(1, 2), residual=Bool(), batch_norm=Bool(), norm_layer=NORM_LAYER)
    def __init__(self, channels: int, dim: int = 1, residual: bool = True, batch_norm: bool = True,
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__()
        conv, bn = _CONV[dim], norm_layer or _BN[dim]
        layers: list[nn.Module] = [conv(channels, channels, 3, padding=1, bias=not batch_norm)]
        if batch_norm:
            layers.append(bn(channels))
        layers += [nn.ReLU(), conv(channels, channels, 3, padding=1, bias=not batch_norm)]
        if batch_norm:
            layers.append(bn(channels))
        self.branch = nn.Sequential(*layers)
        self.shortcut: nn.Module | None = nn.Identity() if residual else None
        self.relu = nn.ReLU()
        self.residual = residual

    @property
    def last_layer(self) -> nn.Module:
        """The layer that ends the branch (the last norm, or the last conv without one)."""
        return self.branch[-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x)
        if self.shortcut is not None:
            out = out + self.shortcut(x)
        return self.relu(out)


_NET = dict(in_channels=Int(1), num_classes=Int(1), width=Int(1), num_blocks=Int(0), residual=Bool(),
            batch_norm=Bool(), zero_init_residual=Bool(), norm_layer=NORM_LAYER)
# A zeroed branch without a shortcut outputs zeros: the plain net would be dead.
_NET_CHECKS = [requires("zero_init_residual", lambda a: a["residual"] or not a["zero_init_residual"],
                        "False when residual=False (a plain net with zeroed branches outputs zeros)",
                        "Use zero_init_residual=True only with residual=True.")]


class _ConvNet(nn.Module):
    """Shared body of ``ConvNet1d`` and ``ConvNet2d``; see the module docstring."""

    dim: int = 1

    def __init__(self, in_channels: int, num_classes: int, width: int, num_blocks: int,
                 residual: bool, batch_norm: bool, zero_init_residual: bool, norm_layer: NormLayer | None) -> None:
        check_at_most("num_blocks", num_blocks, MAX_LAYERS, "MAX_LAYERS")
        kernel = 3 ** self.dim
        count = (in_channels * kernel + 1) * width + num_blocks * 2 * (width * kernel + 1) * width \
            + (width + 1) * num_classes
        sizes = {"in_channels": in_channels, "num_classes": num_classes, "width": width}
        largest = max(sizes, key=sizes.__getitem__)  # the size to blame
        check_at_most(largest, count, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a net of", unit=" parameters",
                      got=f"{sizes[largest]}, which makes about {count:,} parameters with "
                          + ", ".join(f"{k}={v}" for k, v in {**sizes, "num_blocks": num_blocks}.items()
                                      if k != largest))
        super().__init__()
        self.residual = residual
        self.num_blocks = num_blocks
        conv, bn = _CONV[self.dim], norm_layer or _BN[self.dim]
        stem: list[nn.Module] = [conv(in_channels, width, 3, padding=1, bias=not batch_norm)]
        if batch_norm:
            stem.append(bn(width))
        stem.append(nn.ReLU())
        self.stem = nn.Sequential(*stem)
        self.blocks = nn.Sequential(*[
            ConvBlock(width, self.dim, residual=residual, batch_norm=batch_norm, norm_layer=norm_layer)
            for _ in range(num_blocks)
        ])
        self.pool = nn.AdaptiveAvgPool1d(1) if self.dim == 1 else nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)
        self._init_weights(zero_init_residual)

    def _init_weights(self, zero_init_residual: bool) -> None:
        for m in self.modules():
            if isinstance(m, (nn.Conv1d, nn.Conv2d)):
                # He init for ReLU nets, as in the ResNet paper; biases start at 0.
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            else:
                reset_norm(m)
        if zero_init_residual:
            for block in self.blocks:
                # Zero gamma of the last norm (or the last conv's weight without one):
                # every block then starts as the identity. A norm without a weight
                # (nn.Identity) is left as it is.
                zero_norm_weight(block.last_layer)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class ConvNet1d(_ConvNet):
    """Plain or residual 1-D conv net for MNIST-1D signals.

    Args:
        in_channels: input channels C (1 for MNIST-1D).
        num_classes: size of the output layer.
        width: channels of every convolution.
        num_blocks: number of two-conv blocks; the net has ``2 * num_blocks + 2``
            weighted layers.
        residual: identity shortcuts on (ResNet) or off (plain net).
        batch_norm: a normalisation layer after every convolution.
        input_length: expected signal length L (40 for MNIST-1D); the forward
            pass checks it. ``None`` accepts any length (global pooling makes
            the net length-agnostic).
        zero_init_residual: start each block as the identity (needs ``residual=True``).
        norm_layer: the normalisation when ``batch_norm`` is on, a callable
            ``channels -> nn.Module``; ``None`` is ``nn.BatchNorm1d``.

    Shape:
        (N, L) when ``in_channels == 1``, or (N, C, L) -> (N, num_classes) logits.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, e.g. ``num_blocks=-1``.
    """

    dim = 1

    @validate(**_NET, input_length=[None, Int(1, hint="Use None to accept any length.")], checks=_NET_CHECKS)
    def __init__(self, in_channels: int = 1, num_classes: int = 10, width: int = 16, num_blocks: int = 2,
                 residual: bool = True, batch_norm: bool = True, input_length: int | None = 40,
                 zero_init_residual: bool = False, norm_layer: NormLayer | None = None) -> None:
        super().__init__(in_channels, num_classes, width, num_blocks, residual, batch_norm, zero_init_residual,
                         norm_layer)
        self.in_channels = in_channels
        self.input_length = input_length

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2 and self.in_channels == 1:
            x = x.unsqueeze(1)  # (N, L) -> (N, 1, L): MNIST-1D comes without a channel axis
        if x.dim() != 3 or x.shape[1] != self.in_channels or (
                self.input_length is not None and x.shape[2] != self.input_length):
            length = "L" if self.input_length is None else self.input_length
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape (N, {self.in_channels}, {length})"
                + (f" or (N, {length})" if self.in_channels == 1 else "")
                + f". Got a tensor of shape {tuple(x.shape)}."
            )
        return super().forward(x)


class ConvNet2d(_ConvNet):
    """Plain or residual 2-D conv net for small images (digits, CIFAR).

    Args:
        in_channels: input channels C (1 for grey, 3 for colour).
        num_classes: size of the output layer.
        width: channels of every convolution.
        num_blocks: number of two-conv blocks; the net has ``2 * num_blocks + 2``
            weighted layers.
        residual: identity shortcuts on (ResNet) or off (plain net).
        batch_norm: a normalisation layer after every convolution.
        zero_init_residual: start each block as the identity (needs ``residual=True``).
        norm_layer: the normalisation when ``batch_norm`` is on, a callable
            ``channels -> nn.Module``; ``None`` is ``nn.BatchNorm2d``.

    Shape:
        (N, C, H, W) -> (N, num_classes) logits, any H and W.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, e.g. ``width=0``.
    """

    dim = 2

    @validate(**_NET, checks=_NET_CHECKS)
    def __init__(self, in_channels: int = 3, num_classes: int = 10, width: int = 16, num_blocks: int = 2,
                 residual: bool = True, batch_norm: bool = True, zero_init_residual: bool = False,
                 norm_layer: NormLayer | None = None) -> None:
        super().__init__(in_channels, num_classes, width, num_blocks, residual, batch_norm, zero_init_residual,
                         norm_layer)
        self.in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(
                f"{type(self).__name__} expects inputs of shape (N, {self.in_channels}, H, W). "
                f"Got a tensor of shape {tuple(x.shape)}."
            )
        return super().forward(x)
