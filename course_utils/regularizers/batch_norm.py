"""Batch normalization, written from the deck's four equations (notebook 06).

For a mini-batch ``B = {x_1 ... x_m}`` of one feature (Ioffe & Szegedy 2015, Algorithm 1)::

    mu_B      = (1/m) sum_i x_i                      mini-batch mean
    sigma2_B  = (1/m) sum_i (x_i - mu_B)^2           mini-batch variance (biased: 1/m)
    xhat_i    = (x_i - mu_B) / sqrt(sigma2_B + eps)  normalize
    y_i       = gamma * xhat_i + beta                scale and shift (learned)

"Feature" means a column of an ``(N, C)`` input, and a channel of an ``(N, C, L)`` or
``(N, C, H, W)`` input, where the mini-batch holds every position of every example: ``m =
N * L`` or ``N * H * W`` (the paper's section 3.2 for convolutions). PyTorch's
``BatchNorm1d``/``BatchNorm2d`` do the same.

At evaluation time the batch statistics are replaced by running estimates made during
training, so that an example's output no longer depends on the other examples of its batch::

    running_mean <- (1 - momentum) * running_mean + momentum * mu_B
    running_var  <- (1 - momentum) * running_var  + momentum * sigma2_B * m / (m - 1)

(the running variance is the *unbiased* estimate, as in the paper's Algorithm 2 and in PyTorch,
while the normalisation during training uses the biased one, as in the equations above).

:func:`batch_norm_backward` is the gradient of the training-mode forward pass, derived by hand;
:class:`BatchNorm` is a drop-in module (its ``state_dict`` loads into ``nn.BatchNorm1d``/``2d``
and back) whose training-mode backward pass is that derivation, not autograd's.
:class:`CovariateShiftNoise` is the "noisy BN" of Santurkar et al. (2018), who added a random,
time-varying shift and scale after every batch-norm layer to test the "internal covariate shift"
explanation.

``tests/test_regularizers_batch_norm.py`` matches these against ``torch.nn.BatchNorm1d/2d`` (to
1e-5, both modes, running statistics included) and the backward pass against autograd.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor, nn

from .._validation import Bool, Float, Int, TensorOf, invalid, validate

__all__ = ["BatchNorm", "CovariateShiftNoise", "batch_norm", "batch_norm_backward"]

_X = TensorOf("floating", ndim=(2, 3, 4), desc="a floating-point torch.Tensor of shape (N, C), (N, C, L) "
                                                "or (N, C, H, W)")
_VECTOR = [None, TensorOf("floating", ndim=1, desc="a floating-point torch.Tensor of shape (C,)")]
_MOMENTUM = Float(0, 1, hint="momentum is the weight of the new batch in the running statistics, e.g. 0.1.")
_EPS = Float(0, low_open=True, hint="eps keeps the square root away from 0, e.g. 1e-5.")


def _dims(x: Tensor) -> list[int]:
    """Every dimension but the feature (channel) dimension 1."""
    return [0, *range(2, x.dim())]


def _per_feature(v: Tensor, x: Tensor) -> Tensor:
    """A (C,) vector shaped to broadcast against x: (1, C, 1, ...)."""
    return v.view(1, -1, *([1] * (x.dim() - 2)))


def _check_shapes(args: Mapping[str, Any]) -> None:
    x = args["x"]
    c = x.shape[1]
    for name in ("weight", "bias", "running_mean", "running_var"):
        v = args.get(name)
        if v is not None and v.shape != (c,):
            raise invalid(name, f"None or a tensor of shape ({c},), one entry per feature of x (x.shape[1])",
                          f"a tensor of shape {tuple(v.shape)}")
    if args["training"]:
        m = x.numel() // c if c else 0
        if m < 2:
            raise invalid("x", "a batch with more than one value per feature in training mode",
                          f"a tensor of shape {tuple(x.shape)} ({m} value per feature)",
                          "The variance of one value is 0: use a bigger batch, or evaluation mode.")
        if (args["running_mean"] is None) != (args["running_var"] is None):
            raise invalid("running_var", "given together with running_mean, or both None",
                          "one of them without the other")
    elif args["running_mean"] is None or args["running_var"] is None:
        raise invalid("running_mean", "a tensor of shape (C,) in evaluation mode (with running_var)", "None",
                      "Evaluation mode normalises with the running statistics made during training.")


@validate(x=_X, weight=_VECTOR, bias=_VECTOR, running_mean=_VECTOR, running_var=_VECTOR, training=Bool(),
          momentum=_MOMENTUM, eps=_EPS, checks=[_check_shapes])
def batch_norm(x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None,
               running_mean: Tensor | None = None, running_var: Tensor | None = None, *, training: bool = True,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization, forward pass: the deck's four equations, or the running statistics.

    Args:
        x: the batch, shape ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``; statistics are per feature
            ``C``, over every other dimension.
        weight: gamma, shape ``(C,)``; ``None`` is 1.
        bias: beta, shape ``(C,)``; ``None`` is 0.
        running_mean: shape ``(C,)``; updated in place in training mode (if given), used in
            evaluation mode.
        running_var: shape ``(C,)``; likewise (the unbiased variance, see the module docstring).
        training: normalise with the batch's statistics (and update the running ones) or with
            the running statistics.
        momentum: the weight of the current batch in the running statistics.
        eps: added to the variance under the square root.

    Returns:
        ``y`` of the shape of ``x``.

    Shape:
        (N, C, *) -> (N, C, *).
    """
    if training:
        dims = _dims(x)
        m = x.numel() // x.shape[1]
        mean = x.mean(dim=dims)
        var = ((x - _per_feature(mean, x)) ** 2).mean(dim=dims)  # biased: 1/m
        if running_mean is not None:
            with torch.no_grad():
                running_mean.mul_(1 - momentum).add_(momentum * mean.detach())
                running_var.mul_(1 - momentum).add_(momentum * var.detach() * m / (m - 1))
    else:
        mean, var = running_mean, running_var
    x_hat = (x - _per_feature(mean, x)) / torch.sqrt(_per_feature(var, x) + eps)
    y = x_hat
    if weight is not None:
        y = y * _per_feature(weight, x)
    if bias is not None:
        y = y + _per_feature(bias, x)
    return y


def _check_backward_shapes(args: Mapping[str, Any]) -> None:
    x, g, w = args["x"], args["grad_out"], args["weight"]
    if g.shape != x.shape:
        raise invalid("grad_out", f"a tensor of the shape of x, {tuple(x.shape)}", f"a tensor of shape {tuple(g.shape)}")
    if w is not None and w.shape != x.shape[1:2]:
        raise invalid("weight", f"None or a tensor of shape ({x.shape[1]},)", f"a tensor of shape {tuple(w.shape)}")
    if x.numel() // x.shape[1] < 2:
        raise invalid("x", "a batch with more than one value per feature", f"a tensor of shape {tuple(x.shape)}")


@validate(grad_out=_X, x=_X, weight=_VECTOR, eps=_EPS, checks=[_check_backward_shapes])
def batch_norm_backward(grad_out: Tensor, x: Tensor, weight: Tensor | None = None, *,
                        eps: float = 1e-5) -> tuple[Tensor, Tensor, Tensor]:
    """Gradient of the training-mode forward pass (batch statistics), derived by hand.

    With ``g = dL/dy``, ``xhat`` the normalised batch and ``sigma = sqrt(sigma2_B + eps)``, per
    feature and averaging over the ``m`` values of the batch::

        dL/dbeta  = sum_i g_i
        dL/dgamma = sum_i g_i * xhat_i
        dL/dx_i   = (gamma / sigma) * (g_i - mean(g) - xhat_i * mean(g * xhat))

    The two subtracted terms are the paths through ``mu_B`` and ``sigma2_B``: every example's
    output depends on every other example of the batch. (In evaluation mode the statistics are
    constants and ``dL/dx_i = gamma * g_i / sqrt(running_var + eps)``.)

    Args:
        grad_out: ``dL/dy``, the shape of ``x``.
        x: the batch the forward pass saw, ``(N, C)``, ``(N, C, L)`` or ``(N, C, H, W)``.
        weight: gamma, shape ``(C,)``; ``None`` is 1.
        eps: the forward pass's eps.

    Returns:
        ``(grad_x, grad_weight, grad_bias)`` of shapes ``x.shape``, ``(C,)``, ``(C,)``.
    """
    dims = _dims(x)
    mean = x.mean(dim=dims, keepdim=True)
    inv_std = torch.rsqrt(((x - mean) ** 2).mean(dim=dims, keepdim=True) + eps)
    x_hat = (x - mean) * inv_std
    grad_bias = grad_out.sum(dim=dims)
    grad_weight = (grad_out * x_hat).sum(dim=dims)
    g = grad_out if weight is None else grad_out * _per_feature(weight, x)
    grad_x = inv_std * (g - g.mean(dim=dims, keepdim=True) - x_hat * (g * x_hat).mean(dim=dims, keepdim=True))
    return grad_x, grad_weight, grad_bias


class _BatchNormFunction(torch.autograd.Function):
    """Training-mode batch norm whose backward pass is :func:`batch_norm_backward`."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, weight: Tensor, bias: Tensor, running_mean: Tensor | None,
                running_var: Tensor | None, momentum: float, eps: float) -> Tensor:
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        return batch_norm.__wrapped__(x, weight, bias, running_mean, running_var, training=True,
                                      momentum=momentum, eps=eps)

    @staticmethod
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor | None, ...]:
        x, weight = ctx.saved_tensors
        grad_x, grad_weight, grad_bias = batch_norm_backward.__wrapped__(grad_out, x, weight, eps=ctx.eps)
        return grad_x, grad_weight, grad_bias, None, None, None, None


class BatchNorm(nn.Module):
    """Batch normalization as a module, from :func:`batch_norm` and :func:`batch_norm_backward`.

    A drop-in for ``nn.BatchNorm1d`` / ``nn.BatchNorm2d`` (the input's number of dimensions
    decides): the same parameters (``weight`` = gamma, ``bias`` = beta) and buffers
    (``running_mean``, ``running_var``, ``num_batches_tracked``), so state dicts load both ways.
    In training mode it normalises with the batch's statistics, updates the running ones and
    back-propagates with the hand-derived gradient; in evaluation mode it uses the running
    statistics. (Unlike PyTorch's, ``momentum=None`` for a cumulative average is not offered.)

    Args:
        num_features: C, the features (channels) of the input.
        eps: added to the variance under the square root.
        momentum: the weight of each new batch in the running statistics.
        affine: learn gamma and beta (initialised to 1 and 0).

    Shape:
        (N, C), (N, C, L) or (N, C, H, W) -> the same.
    """

    @validate(num_features=Int(1), eps=_EPS, momentum=_MOMENTUM, affine=Bool())
    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = True) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        if affine:
            self.weight = nn.Parameter(torch.ones(num_features))
            self.bias = nn.Parameter(torch.zeros(num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() not in (2, 3, 4) or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm({self.num_features}) expects inputs of shape (N, {self.num_features}), "
                             f"(N, {self.num_features}, L) or (N, {self.num_features}, H, W). "
                             f"Got a tensor of shape {tuple(x.shape)}.")
        if not self.training:
            return batch_norm.__wrapped__(x, self.weight, self.bias, self.running_mean, self.running_var,
                                          training=False, eps=self.eps)
        if x.numel() // x.shape[1] < 2:
            raise ValueError(f"BatchNorm in training mode needs more than one value per feature; got an input of "
                             f"shape {tuple(x.shape)}. Use a bigger batch, or call .eval() for inference.")
        self.num_batches_tracked.add_(1)
        weight = self.weight if self.affine else torch.ones(self.num_features, dtype=x.dtype, device=x.device)
        bias = self.bias if self.affine else torch.zeros(self.num_features, dtype=x.dtype, device=x.device)
        return _BatchNormFunction.apply(x, weight, bias, self.running_mean, self.running_var, self.momentum,
                                        self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class CovariateShiftNoise(nn.Module):
    """Random shift and scale of every feature, new at every training step ("noisy BN").

    Santurkar, Tsipras, Ilyas and Madry (2018, *How Does Batch Normalization Help
    Optimization?*) put such noise after every batch-norm layer: the next layer's input
    distribution then changes from step to step by far more than it ever would by itself —
    "internal covariate shift" on purpose. If reducing that shift were why batch norm works,
    the noisy net should train badly. In training mode, for every feature ``c`` and every
    forward pass::

        y = s_c * x + t_c,   t_c ~ U(-shift, shift),   log s_c ~ U(-log_scale, log_scale)

    (the same ``s_c, t_c`` for the whole batch: a shift of the distribution, not per-example
    noise). In evaluation mode it is the identity.

    Args:
        num_features: C, the features (channels) of the input.
        shift: the largest mean shift.
        log_scale: the largest |log| of the scale factor (1.0: factors between 1/e and e).

    Shape:
        (N, C, *) -> (N, C, *).
    """

    @validate(num_features=Int(1), shift=Float(0), log_scale=Float(0))
    def __init__(self, num_features: int, shift: float = 1.0, log_scale: float = 1.0) -> None:
        super().__init__()
        self.num_features, self.shift, self.log_scale = num_features, float(shift), float(log_scale)

    def forward(self, x: Tensor) -> Tensor:
        if not self.training:
            return x
        c = self.num_features
        t = (2 * torch.rand(c, device=x.device, dtype=x.dtype) - 1) * self.shift
        s = torch.exp((2 * torch.rand(c, device=x.device, dtype=x.dtype) - 1) * self.log_scale)
        return _per_feature(s, x) * x + _per_feature(t, x)

    def extra_repr(self) -> str:
        return f"{self.num_features}, shift={self.shift}, log_scale={self.log_scale}"

