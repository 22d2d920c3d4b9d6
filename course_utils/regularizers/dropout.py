"""Dropout and DropConnect, written from their definitions (notebook 05).

**Inverted dropout** (Srivastava et al. 2014, in the form every framework uses): during
training each unit is kept with probability ``1 - p`` and zeroed with probability ``p``, and
the kept units are divided by ``1 - p``::

    m_i ~ Bernoulli(1 - p),   y_i = m_i * x_i / (1 - p)      (training)
    y_i = x_i                                                 (evaluation)

so that ``E[y_i] = x_i``: the expected activation is the same in both modes and nothing has to
be rescaled at test time. (The paper's own form keeps ``y = m * x`` during training and
multiplies the weights by ``1 - p`` at test time, the "weight scaling inference rule"; the
two give the same test-time network.)

**DropConnect** (Wan et al. 2013) drops *weights* instead of units: a layer's weight matrix
``W`` is multiplied by a random 0/1 mask ``M`` (``M_ij ~ Bernoulli(1 - p)``), again divided by
``1 - p``. The paper draws a mask per example and approximates inference by moment matching;
here, as in most practical implementations, one mask is drawn per mini-batch (the same for its
examples) and inference uses the expected weights, which inverted scaling makes equal to ``W``
itself.

:func:`monte_carlo_predict` averages the predictions of many sampled sub-networks (dropout or
DropConnect left on): the ensemble that a single pass at evaluation time approximates.

Shapes are in the docstrings; ``tests/test_regularizers_dropout.py`` checks these functions
against ``torch.nn.functional.dropout`` (mask statistics, the exact kept values, the identity in
evaluation mode).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._limits import MAX_ELEMENTS, MAX_PARAMETERS, MAX_SAMPLES, check_at_most
from .._validation import Bool, Float, Instance, Int, SequenceOf, TensorOf, classifier_logits, invalid, validate
from ..device import SEED

__all__ = [
    "DropConnectLinear",
    "Dropout",
    "drop_connect_linear",
    "dropout",
    "dropout_mask",
    "monte_carlo_predict",
]

_P = Float(0, 1, high_open=True, hint="p is the probability of dropping a unit (or a weight); p = 1 would "
                                      "drop all of them and 1 / (1 - p) would divide by zero.")
_GENERATOR = [None, Instance(torch.Generator, desc="a torch.Generator")]
_FLOAT_TENSOR = TensorOf("floating", min_ndim=1)


@validate(shape=SequenceOf(Int(0), min_len=1, types=(list, tuple, torch.Size), desc="a shape such as (N, D)"),
          p=_P, generator=_GENERATOR, device=[None, str, torch.device])
def dropout_mask(shape: tuple[int, ...] | torch.Size, p: float = 0.5, *, generator: torch.Generator | None = None,
                 device: str | torch.device | None = None) -> Tensor:
    """A random keep-mask: ``True`` with probability ``1 - p``, independently per entry.

    Args:
        shape: the mask's shape, e.g. ``x.shape``.
        p: the probability of dropping an entry, in ``[0, 1)``.
        generator: the random generator (``None``: PyTorch's global one).
        device: where to make the mask (``None``: the CPU, or the generator's device).

    Returns:
        A bool tensor of shape ``shape``.
    """
    if generator is not None and device is None:
        device = generator.device
    return torch.rand(tuple(shape), generator=generator, device=device) >= p


def _dropout(x: Tensor, p: float, training: bool, generator: torch.Generator | None) -> Tensor:
    if not training or p == 0:
        return x
    keep = dropout_mask(x.shape, p, generator=generator, device=x.device)
    # Mask and scale in one factor, 0 or 1/(1-p), as PyTorch computes it: the kept values then
    # equal PyTorch's to the last bit.
    return x * keep.to(x.dtype).div_(1 - p)


@validate(x=_FLOAT_TENSOR, p=_P, training=Bool(), generator=_GENERATOR)
def dropout(x: Tensor, p: float = 0.5, training: bool = True, *, generator: torch.Generator | None = None) -> Tensor:
    """Inverted dropout: zero each entry with probability ``p``, divide the rest by ``1 - p``.

    In evaluation mode (``training=False``) it is the identity: with the scaling during training
    the expected activation already equals the evaluation-time one, ``E[y] = x``.

    Args:
        x: activations of any shape, e.g. ``(N, D)``; every entry is dropped independently.
        p: the probability of dropping an entry, in ``[0, 1)``; 0 is the identity.
        training: training mode (drop and scale) or evaluation mode (identity).
        generator: the random generator of the mask (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x`` (``x`` itself in evaluation mode or with ``p = 0``);
        ``x`` is never changed in place.

    Shape:
        (*) -> (*).
    """
    return _dropout(x, p, training, generator)


def _drop_connect_linear(x: Tensor, weight: Tensor, bias: Tensor | None, p: float, training: bool,
                         generator: torch.Generator | None) -> Tensor:
    if training and p > 0:
        keep = dropout_mask(weight.shape, p, generator=generator, device=weight.device)
        weight = weight * keep.to(weight.dtype).div_(1 - p)
    return F.linear(x, weight, bias)


def _check_linear_shapes(args: dict) -> None:
    x, weight, bias = args["x"], args["weight"], args["bias"]
    if x.shape[-1] != weight.shape[1]:
        raise invalid("x", f"a tensor whose last dimension has weight.shape[1] = {weight.shape[1]} features",
                      f"a tensor of shape {tuple(x.shape)}")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise invalid("bias", f"None or a tensor of shape ({weight.shape[0]},), one entry per output",
                      f"a tensor of shape {tuple(bias.shape)}")


@validate(x=_FLOAT_TENSOR, weight=TensorOf("floating", ndim=2), bias=[None, TensorOf("floating", ndim=1)],
          p=_P, training=Bool(), generator=_GENERATOR, checks=[_check_linear_shapes])
def drop_connect_linear(x: Tensor, weight: Tensor, bias: Tensor | None = None, p: float = 0.5,
                        training: bool = True, *, generator: torch.Generator | None = None) -> Tensor:
    """A linear layer with DropConnect: ``x @ (M * W / (1 - p)).T + b``, one mask ``M`` per call.

    Each weight is kept with probability ``1 - p`` (the bias is never dropped). In evaluation
    mode the layer uses ``W`` itself, the expected value of the scaled masked weights.

    Args:
        x: inputs of shape ``(*, in_features)``.
        weight: the weights, shape ``(out_features, in_features)``.
        bias: ``None`` or shape ``(out_features,)``.
        p: the probability of dropping a weight, in ``[0, 1)``.
        training: training mode (drop and scale) or evaluation mode (plain linear layer).
        generator: the random generator of the mask (``None``: PyTorch's global one).

    Returns:
        Outputs of shape ``(*, out_features)``.
    """
    return _drop_connect_linear(x, weight, bias, p, training, generator)


class Dropout(nn.Module):
    """Inverted dropout as a module: :func:`dropout` in training mode, the identity in evaluation mode.

    Behaves like ``torch.nn.Dropout(p)`` (same mode switch with ``.train()`` / ``.eval()``).
    With ``per_example=False`` one mask is drawn per call and shared by every example of the
    mini-batch (the granularity of :class:`DropConnectLinear`'s masks), which notebook 05 uses to
    measure what that granularity alone changes.

    Args:
        p: the probability of dropping an entry, in ``[0, 1)``.
        per_example: a mask per example (``True``, as ``nn.Dropout``) or one mask of shape
            ``x.shape[1:]`` for the whole mini-batch (``False``).

    Shape:
        (N, *) -> (N, *).
    """

    @validate(p=_P, per_example=Bool())
    def __init__(self, p: float = 0.5, *, per_example: bool = True) -> None:
        super().__init__()
        self.p = float(p)
        self.per_example = bool(per_example)

    def forward(self, x: Tensor) -> Tensor:
        if self.per_example or not self.training or self.p == 0 or x.dim() < 2:
            return _dropout(x, self.p, self.training, None)
        keep = dropout_mask((1, *x.shape[1:]), self.p, device=x.device)
        return x * keep.to(x.dtype).div_(1 - self.p)

    def extra_repr(self) -> str:
        return f"p={self.p}" + ("" if self.per_example else ", per_example=False")


class DropConnectLinear(nn.Linear):
    """``nn.Linear`` with DropConnect on its weights during training (:func:`drop_connect_linear`).

    In evaluation mode it computes exactly what ``nn.Linear`` computes with the same weights.

    Args:
        in_features: inputs per example.
        out_features: outputs per example.
        bias: learn an additive bias (never dropped).
        p: the probability of dropping a weight, in ``[0, 1)``.

    Shape:
        (*, in_features) -> (*, out_features).
    """

    @validate(in_features=Int(1), out_features=Int(1), bias=Bool(), p=_P)
    def __init__(self, in_features: int, out_features: int, bias: bool = True, p: float = 0.5) -> None:
        count = in_features * out_features + (out_features if bias else 0)
        check_at_most("out_features", count, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a layer of",
                      unit=" parameters", got=f"{out_features} with in_features={in_features}: {count:,} parameters")
        super().__init__(in_features, out_features, bias=bias)
        self.p = float(p)

    @classmethod
    @validate(linear=Instance(nn.Linear, desc="a torch.nn.Linear"), p=_P)
    def from_linear(cls, linear: nn.Linear, p: float = 0.5) -> DropConnectLinear:
        """A DropConnect layer with a copy of ``linear``'s weights (and bias), on its device.

        Args:
            linear: the layer to copy.
            p: the probability of dropping a weight, in ``[0, 1)``.
        """
        layer = cls(linear.in_features, linear.out_features, bias=linear.bias is not None, p=p)
        layer.to(device=linear.weight.device, dtype=linear.weight.dtype)
        layer.load_state_dict(linear.state_dict())
        return layer

    def forward(self, x: Tensor) -> Tensor:
        return _drop_connect_linear(x, self.weight, self.bias, self.p, self.training, None)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, p={self.p}"


#: The modules whose randomness :func:`monte_carlo_predict` keeps on.
_STOCHASTIC = (nn.Dropout, Dropout, DropConnectLinear)


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"), x=TensorOf("floating", min_ndim=1, finite=True),
          samples=Int(1), seed=SEED)
def monte_carlo_predict(model: nn.Module, x: Tensor, *, samples: int = 50, seed: int = 0) -> Tensor:
    """Average class probabilities over ``samples`` sampled sub-networks (dropout left on).

    The dropout and DropConnect layers (``nn.Dropout``, :class:`Dropout`,
    :class:`DropConnectLinear`) run in training mode, so each pass draws a new mask, while every
    other layer (batch norm included) stays in evaluation mode. Every module's mode is restored
    afterwards, and the caller's random state is left alone.

    Args:
        model: a classifier returning logits of shape ``(N, K)``.
        x: inputs of shape ``(N, ...)``.
        samples: how many sub-networks to average.
        seed: seeds the masks.

    Returns:
        Running means of the softmax probabilities, shape ``(samples, N, K)``: entry ``t`` is the
        average over the first ``t + 1`` sub-networks, so one call gives the ensemble of every
        size up to ``samples`` (entry ``samples - 1`` is the full average).

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range (``samples`` at most
            ``MAX_SAMPLES``, 10,000, and the result at most ``MAX_ELEMENTS`` numbers: see
            ``course_utils._limits``), or the model cannot take ``x`` (the error names ``x``).
    """
    check_at_most("samples", samples, MAX_SAMPLES, "MAX_SAMPLES",
                  hint="The average settles long before: the course uses 50.")
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    for m in model.modules():
        if isinstance(m, _STOCHASTIC):
            m.train()
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            first = torch.softmax(classifier_logits(model, x), dim=-1)
            check_at_most("samples", samples * first.numel(), MAX_ELEMENTS, "MAX_ELEMENTS",
                          what="small enough for a result of", unit=" numbers",
                          got=f"{samples}, which makes {samples * first.numel():,} numbers (samples x outputs "
                              f"of shape {tuple(first.shape)})", hint="Use fewer samples or a smaller x.")
            probs = torch.stack([first] + [torch.softmax(model(x), dim=-1) for _ in range(samples - 1)])
    finally:
        for m, mode in modes:
            m.training = mode
    counts = torch.arange(1, samples + 1, dtype=probs.dtype).view(-1, *([1] * (probs.dim() - 1)))
    return probs.cumsum(0) / counts
