"""Noise robustness: noise on the inputs, on the weights and on the labels (notebook 07, item 3).

Goodfellow et al. (*Deep Learning*, 7.5) list three places to inject noise while training:

- **inputs** (:func:`input_noise`): a Gaussian jitter on every input value, a kind of
  augmentation; for a linear model with squared loss it is equivalent to weight decay
  (Bishop 1995);
- **weights** (:class:`WeightNoise`): every forward pass in training mode sees the weights plus
  fresh Gaussian noise, which pushes training toward regions where small weight changes do not
  change the output;
- **labels**: most data sets hold some wrong labels. :func:`label_flips` replaces a random share
  of each batch's labels by random classes (a regulariser, drawn anew at every step), while
  :func:`corrupt_labels` makes a *fixed* share of a data set's labels wrong, to study training on
  such data. Label smoothing, the book's answer to wrong labels, is in
  :mod:`course_utils.regularizers.smoothing`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.func import functional_call

from .._validation import Float, Instance, Int, TensorOf, requires, validate
from ..device import SEED
from .augment import add_noise

__all__ = ["WeightNoise", "corrupt_labels", "input_noise", "label_flips"]

BatchTransform = Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]
_SIGMA = Float(0, hint="sigma is the standard deviation of the noise; 0 adds none.")


@validate(sigma=_SIGMA)
def input_noise(sigma: float) -> BatchTransform:
    """``fit``'s ``batch_transform`` adding Gaussian noise N(0, sigma²) to every training input.

    The noise is :func:`~course_utils.regularizers.add_noise`'s, drawn from PyTorch's global
    generator (which ``fit`` seeds).

    Args:
        sigma: the noise's standard deviation, in the units of the inputs.

    Returns:
        A callable ``(x, y) -> (x + sigma * noise, y)``.
    """

    def transform(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return add_noise(x, sigma), y

    return transform


@validate(p=Float(0, 1, hint="p is the share of each batch's labels replaced by a random class."),
          num_classes=Int(2))
def label_flips(p: float, num_classes: int) -> BatchTransform:
    """``fit``'s ``batch_transform`` replacing each label, with probability ``p``, by a random class.

    The random class is drawn uniformly among all ``num_classes`` (it may be the true one), anew
    for every batch: the net never sees the same wrong label twice (the "DisturbLabel" regulariser
    of Xie et al. 2016).

    Args:
        p: the probability of replacing a label.
        num_classes: the number of classes K.

    Returns:
        A callable ``(x, y) -> (x, y')`` with ``y'`` int64 labels of shape (N,).
    """

    def transform(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        replace = torch.rand(y.shape, device=y.device) < p
        return x, torch.where(replace, torch.randint(0, num_classes, y.shape, device=y.device), y)

    return transform


@validate(y=TensorOf(torch.int64, ndim=1, nonempty=True), fraction=Float(0, 1), num_classes=Int(2), seed=SEED,
          checks=[requires("y", lambda a: int(a["y"].min()) >= 0 and int(a["y"].max()) < a["num_classes"],
                           lambda a: f"a tensor of labels in [0, num_classes - 1] = [0, {a['num_classes'] - 1}]",
                           got=lambda a: f"labels in [{int(a['y'].min())}, {int(a['y'].max())}]")])
def corrupt_labels(y: Tensor, fraction: float, num_classes: int, *, seed: int = 0) -> Tensor:
    """A copy of ``y`` in which ``round(fraction * N)`` labels, chosen at random, are wrong.

    Each chosen label is replaced by one of the *other* classes, drawn uniformly, so exactly
    that share of the labels is wrong.

    Args:
        y: int64 labels of shape (N,), in ``[0, num_classes)``.
        fraction: the share of labels to make wrong, in [0, 1].
        num_classes: the number of classes K.
        seed: seeds the choice of the labels and of the wrong classes.

    Returns:
        int64 labels of shape (N,).
    """
    generator = torch.Generator().manual_seed(seed)
    n = len(y)
    chosen = torch.randperm(n, generator=generator)[:round(fraction * n)]
    offset = torch.randint(1, num_classes, (len(chosen),), generator=generator)
    out = y.clone()
    out[chosen.to(y.device)] = (y[chosen.to(y.device)] + offset.to(y.device)) % num_classes
    return out


class WeightNoise(nn.Module):
    """A net whose weights get fresh Gaussian noise at every forward pass in training mode.

    The noise is added to every parameter with at least two dimensions (the weight matrices and
    kernels; biases and normalisation parameters are left alone) for that one pass only: the
    gradient flows to the noise-free weights, which are what the optimizer updates and what the
    net uses in evaluation mode.

    Args:
        net: the network to wrap.
        sigma: the noise's standard deviation (0: the plain net).

    Shape:
        The wrapped net's.
    """

    @validate(net=Instance(nn.Module, desc="a torch.nn.Module"), sigma=_SIGMA)
    def __init__(self, net: nn.Module, sigma: float) -> None:
        super().__init__()
        self.net = net
        self.sigma = float(sigma)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.sigma == 0:
            return self.net(x)
        params = {name: p + self.sigma * torch.randn_like(p) if p.dim() > 1 else p
                  for name, p in self.net.named_parameters()}
        return functional_call(self.net, {**dict(self.net.named_buffers()), **params}, (x,))

    def extra_repr(self) -> str:
        return f"sigma={self.sigma:g}"
