"""A multilayer perceptron with optional dropout and batch normalisation.

The regularisation notebooks (dropout, batch norm, weight decay) compare the
same MLP with one ingredient switched on or off, so every option defaults to
"off" and the layer order is fixed: Linear -> [BatchNorm1d] -> ReLU -> [Dropout].
``norm_layer`` swaps the normalisation class, e.g. ``lambda c: nn.LayerNorm(c)``.
"""

from __future__ import annotations

import torch
from torch import nn

from .._limits import MAX_LAYERS, MAX_PARAMETERS, check_at_most
from .._validation import Bool, Float, Int, validate
from .blocks import NORM_LAYER, NormLayer

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
        batch_norm: put a normalisation layer after every hidden linear layer
            (whose bias is then dropped, since the norm's beta replaces it).
        norm_layer: the normalisation when ``batch_norm`` is on, a callable
            ``features -> nn.Module``; ``None`` is ``nn.BatchNorm1d``.

    Attributes:
        features: ``nn.Sequential`` of the hidden layers (empty if ``depth == 0``).
        head: the output ``nn.Linear``.

    Shape:
        (N, *) with prod(*) = in_features -> (N, num_classes) logits.

    Raises:
        TypeError: an argument has the wrong type.
        ValueError: an argument is out of range, e.g. ``dropout=1.5``, ``depth`` above
            ``MAX_LAYERS`` or a net of more than ``MAX_PARAMETERS`` parameters
            (``course_utils._limits``).
    """

    @validate(in_features=Int(1), num_classes=Int(1), width=Int(1), depth=Int(0),
              dropout=Float(0, 1, high_open=True,
                            hint="p is the probability of dropping a unit; p = 1 would drop all of them."),
              batch_norm=Bool(), norm_layer=NORM_LAYER)
    def __init__(self, in_features: int, num_classes: int, width: int = 128, depth: int = 2,
                 dropout: float = 0.0, batch_norm: bool = False, norm_layer: NormLayer | None = None) -> None:
        check_at_most("depth", depth, MAX_LAYERS, "MAX_LAYERS")
        count = (in_features + 1) * num_classes if depth == 0 else \
            (in_features + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * num_classes
        sizes = {"in_features": in_features, "num_classes": num_classes, **({"width": width} if depth else {})}
        largest = max(sizes, key=sizes.__getitem__)  # the size to blame
        check_at_most(largest, count, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a net of", unit=" parameters",
                      got=f"{sizes[largest]}, which makes {count:,} parameters with "
                          + ", ".join(f"{k}={v}" for k, v in {**sizes, "depth": depth}.items() if k != largest))
        super().__init__()
        self.in_features = in_features
        self.num_classes = num_classes
        self.width = width
        self.depth = depth
        self.dropout = float(dropout)
        self.batch_norm = batch_norm

        norm = norm_layer or nn.BatchNorm1d
        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(depth):
            layers.append(nn.Linear(fan_in, width, bias=not batch_norm))
            if batch_norm:
                layers.append(norm(width))
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
                f"{type(self).__name__} expects inputs with {self.in_features} features per example "
                f"(after flattening). Got a tensor of shape {tuple(x.shape)}."
            )
        return self.head(self.features(x))
