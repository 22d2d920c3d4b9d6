"""A multilayer perceptron with optional dropout and batch normalisation.

The regularisation notebooks (dropout, batch norm, weight decay) compare the
same MLP with one ingredient switched on or off, so every option defaults to
"off" and the layer order is fixed: Linear -> [BatchNorm1d] -> ReLU -> [Dropout].
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import check_bool, check_float, check_int

__all__ = ["MLP"]


class MLP(nn.Module):
    """Fully connected classifier with ``depth`` hidden layers of ``width`` units.

    Args:
        in_features: number of input features D (inputs are flattened, so an
            image of shape (C, H, W) needs D = C * H * W).
        num_classes: size of the output layer K.
        width: units per hidden layer.
        depth: number of hidden layers; 0 gives a linear (softmax-regression) model.
        dropout: probability p in [0, 1) of zeroing a hidden unit during
            training (inverted dropout, as ``nn.Dropout``); 0 turns it off.
        batch_norm: put a ``BatchNorm1d`` after every hidden linear layer
            (whose bias is then dropped, since BN's beta replaces it).

    Attributes:
        features: ``nn.Sequential`` of the hidden layers (empty if ``depth == 0``).
        head: the output ``nn.Linear``.

    Shape:
        (N, *) with prod(*) = in_features -> (N, num_classes) logits.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, e.g. ``dropout=1.5``.
    """

    def __init__(self, in_features: int, num_classes: int, width: int = 128, depth: int = 2,
                 dropout: float = 0.0, batch_norm: bool = False) -> None:
        super().__init__()
        func = "MLP"
        self.in_features = check_int(in_features, "in_features", func, low=1)
        self.num_classes = check_int(num_classes, "num_classes", func, low=1)
        self.width = check_int(width, "width", func, low=1)
        self.depth = check_int(depth, "depth", func, low=0)
        self.dropout = check_float(dropout, "dropout", func, 0.0, 1.0, high_open=True,
                                   hint="p is the probability of dropping a unit; p = 1 would drop all of them.")
        self.batch_norm = check_bool(batch_norm, "batch_norm", func)

        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(depth):
            layers.append(nn.Linear(fan_in, width, bias=not batch_norm))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            fan_in = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(fan_in, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)  # (N, in_features)
        if x.shape[1] != self.in_features:
            raise ValueError(
                f"MLP expects inputs with {self.in_features} features per example "
                f"(after flattening). Got a tensor of shape {tuple(x.shape)}."
            )
        return self.head(self.features(x))
