"""Adversarial examples and adversarial training (notebook 07, item 11).

Szegedy et al. (2014) found that nets which classify images as well as people change their
answer for images a person cannot tell apart from the originals. Goodfellow, Shlens and Szegedy
(2015) explained them by the nets' near-linearity and gave the **fast gradient sign method**
(FGSM): move every input value by ±ε in the direction that raises the loss,

    x_adv = clip(x + ε · sign(∇_x L(f(x), y)), low, high)

— for a linear score wᵀx the change is ε·‖w‖₁, which grows with the number of inputs although
no single value moves by more than ε. **Adversarial training** (:func:`adversarial_training`)
trains on such examples as they are made, against the current weights. *Virtual* adversarial
training (Miyato et al. 2018) needs no labels: it moves x in the direction that changes the
*prediction* most and penalises that change, which also makes it a semi-supervised method.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._validation import (
    Float,
    Instance,
    Int,
    Pair,
    SequenceOf,
    TensorOf,
    classifier_logits,
    eval_mode,
    invalid,
    requires,
    validate,
)

__all__ = ["adversarial_training", "fgsm", "fgsm_accuracy"]

_MODEL = Instance(nn.Module, desc="a torch.nn.Module classifier")
_EPS = Float(0, hint="eps is the largest change of one input value, in the units of the inputs.")
_CLAMP = [None, SequenceOf(Float(), min_len=2, max_len=2, desc="a pair (low, high) of floats")]
_CLAMP_OK = requires("clamp", lambda a: a["clamp"] is None or a["clamp"][0] < a["clamp"][1],
                     "None or a pair (low, high) with low < high")


def _check_xy(args: dict) -> None:
    if len(args["x"]) != len(args["y"]):
        raise invalid("y", f"one label per example of x ({len(args['x'])})", f"{len(args['y'])} labels")


def _logits(model: nn.Module, x: Tensor, y: Tensor, x_param: str, y_param: str) -> Tensor:
    """``model(x)``, checked: inputs the model cannot take name ``x_param``, labels it has no output for ``y_param``."""
    pair = x_param == y_param
    out = classifier_logits(model, x, x_param, "a pair (x, y) whose x the model accepts: {}" if pair else "{}")
    low, high, k = int(y.min()), int(y.max()), out.shape[1]
    if low < 0 or high >= k:
        raise invalid(y_param, f"{'a pair (x, y) whose labels are' if pair else 'labels'} in [0, {k - 1}] "
                      f"(the model has {k} outputs)",
                      f"labels in [{low}, {high}]", "Pass the true labels of x for this model's classes.")
    return out


def _fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float, clamp: Sequence[float] | None,
          checked: bool = False) -> Tensor:
    """FGSM examples; ``checked``: the forward pass names ``x`` or ``y`` when they do not fit (:func:`_logits`)."""
    x = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = F.cross_entropy(_logits(model, x, y, "x", "y") if checked else model(x), y)
        # Only the gradient with respect to the input: the parameters' .grad are left alone.
        (grad,) = torch.autograd.grad(loss, x)
    out = x.detach() + eps * grad.sign()
    return out if clamp is None else out.clamp(clamp[0], clamp[1])


@validate(model=_MODEL, x=TensorOf("floating", min_ndim=2, finite=True, nonempty=True),
          y=TensorOf(torch.int64, ndim=1), eps=_EPS, clamp=_CLAMP, checks=[_check_xy, _CLAMP_OK])
def fgsm(model: nn.Module, x: Tensor, y: Tensor, eps: float, *,
         clamp: Sequence[float] | None = (0.0, 1.0)) -> Tensor:
    """Adversarial examples by the fast gradient sign method.

    The model is used as it is (its mode is not changed: put it in evaluation mode to attack the
    net as it predicts); its parameters' gradients are not touched.

    Args:
        model: a classifier returning logits (N, K).
        x: inputs (N, ...).
        y: their true labels, int64 of shape (N,).
        eps: the step ε ≥ 0 added to or taken from every input value.
        clamp: ``(low, high)``, the valid range of an input value (pixels in ``(0, 1)``), or ``None``.

    Returns:
        ``x + eps * sign(grad_x cross_entropy(model(x), y))``, clamped; detached, shape of ``x``.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range, the model cannot
            take ``x`` (the error names ``x`` and the input the model expects), or ``y`` holds a
            label the model has no output for.
    """
    return _fgsm(model, x, y, eps, clamp, checked=True)


@validate(model=_MODEL, data=Pair(TensorOf("floating", finite=True), TensorOf(torch.int64, ndim=1)), eps=_EPS,
          clamp=_CLAMP, batch_size=Int(1), checks=[_CLAMP_OK])
def fgsm_accuracy(model: nn.Module, data: tuple[Tensor, Tensor], eps: float, *,
                  clamp: Sequence[float] | None = (0.0, 1.0), batch_size: int = 1024) -> float:
    """Accuracy on FGSM examples made against ``model`` itself, in evaluation mode ("robust accuracy").

    Args:
        model: a classifier returning logits (N, K); its mode is restored afterwards.
        data: ``(x, y)``, e.g. ``splits.test``.
        eps: the FGSM step; 0 gives the clean accuracy.
        clamp: the valid range of an input value, or ``None``.
        batch_size: examples per pass.

    Returns:
        The share of the FGSM examples the model still classifies correctly.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range, the model cannot
            take the inputs of ``data``, or its labels go beyond the model's outputs.
    """
    x, y = data
    right = 0
    with eval_mode(model):
        with torch.no_grad():  # one example: the inputs fit, and every label has an output
            _logits(model, x[:1], y, "data", "data")
        for i in range(0, len(x), batch_size):
            xb, yb = x[i:i + batch_size], y[i:i + batch_size]
            adv = _fgsm(model, xb, yb, eps, clamp) if eps > 0 else xb
            with torch.no_grad():
                right += int((model(adv).argmax(1) == yb).sum())
    return right / len(x)


@validate(model=_MODEL, eps=_EPS, fraction=Float(0, 1, hint="fraction is the share of each batch made adversarial."),
          clamp=_CLAMP, checks=[_CLAMP_OK])
def adversarial_training(model: nn.Module, eps: float, *, fraction: float = 0.5,
                         clamp: Sequence[float] | None = (0.0, 1.0)
                         ) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """``fit``'s ``batch_transform`` replacing part of every batch by FGSM examples against ``model``.

    The examples are made against the current weights, in evaluation mode (no dropout mask, BN's
    running statistics), at every step. With ``fraction = 0.5`` the loss is, in expectation,
    Goodfellow et al.'s ``0.5 · L(x, y) + 0.5 · L(x_adv, y)``.

    Args:
        model: the net being trained (the same object passed to ``fit``).
        eps: the FGSM step.
        fraction: the share of each batch replaced (the last ``round(fraction * N)`` examples).
        clamp: the valid range of an input value, or ``None``.

    Returns:
        A callable ``(x, y) -> (x', y)``.
    """

    def transform(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        k = round(fraction * len(x))
        if k == 0 or eps == 0:
            return x, y
        with eval_mode(model):
            adv = _fgsm(model, x[len(x) - k:], y[len(x) - k:], eps, clamp)
        return torch.cat([x[:len(x) - k], adv]), y

    return transform
