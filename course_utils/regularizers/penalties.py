"""Parameter norm penalties and the weight-decay step, written from their equations (notebook 04).

The deck (part C) writes the penalised error as

    E(w) = E₀(w) + ½ λ Σᵢ wᵢ²

whose gradient is ``∇E₀(w) + λ w``. A gradient step of size η on it is

    w ← w − η (∇E₀(w) + λ w) = (1 − η λ) w − η ∇E₀(w)

so every step first shrinks every weight by the factor ``1 − η λ`` — it *decays* — and then takes
the ordinary step: hence the name weight decay (:func:`weight_decay_step`). This is exactly what
``torch.optim.SGD(weight_decay=λ)`` does (tested).

* :func:`l2_penalty`: ``½ λ Σ w²`` (L2, "squared values"); its gradient is ``λ w``.
* :func:`l1_penalty`: ``λ Σ |w|`` (L1, "absolute values"); its gradient is ``λ sign(w)``: a
  constant pull toward 0 whatever the weight's size, which sets small weights to (nearly) zero,
  where L2's pull fades with the weight.
* :func:`decayed_weights`: which tensors of a model are penalised. The usual choice, and the
  course's: the weight matrices and kernels of the linear and convolutional layers (tensors of
  two or more dimensions), not the biases nor the scales and shifts of normalisation layers (a
  penalty on a bias does not limit how wiggly the function can be, it only shifts it).

``tests/test_regularizers_penalties.py`` checks the values and, through autograd, the gradients
``λ w`` and ``λ sign(w)``; notebook 04 trains with them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .._validation import Float, Instance, SequenceOf, TensorOf, requires, validate

__all__ = ["decayed_weights", "l1_penalty", "l2_penalty", "weight_decay_step"]

_LAM = Float(0, hint="λ is a penalty strength and cannot be negative.")
_PARAMS = [Instance(nn.Module, desc="a torch.nn.Module (its decayed_weights are penalised)"),
           SequenceOf(TensorOf("floating"), min_len=0,
                      desc="a list or tuple of float tensors (every entry is penalised)")]


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"))
def decayed_weights(model: nn.Module) -> list[Tensor]:
    """The tensors a weight penalty acts on: every parameter with two or more dimensions.

    Those are the weight matrices of ``nn.Linear`` and the kernels of convolutions; biases and
    the scales and shifts of normalisation layers (one dimension) are left out.

    Returns:
        The parameters themselves (not copies), in ``model.parameters()`` order.
    """
    return [p for p in model.parameters() if p.dim() >= 2]


def _tensors(params: nn.Module | Sequence[Tensor]) -> list[Tensor]:
    return decayed_weights(params) if isinstance(params, nn.Module) else list(params)


@validate(params=_PARAMS, lam=_LAM)
def l2_penalty(params: nn.Module | Sequence[Tensor], lam: float) -> Tensor:
    """The L2 penalty ``½ λ Σ w²`` over every entry of every tensor.

    Args:
        params: a model (its :func:`decayed_weights`) or a list of tensors of any shapes.
        lam: the strength λ ≥ 0.

    Returns:
        A 0-d tensor that autograd can differentiate: its gradient with respect to each ``w``
        is ``λ w``. ``fit(..., penalty=lambda m: l2_penalty(m, 0.01))`` adds it to every step's loss.
    """
    tensors = _tensors(params)
    if not tensors:
        return torch.zeros(())
    return 0.5 * lam * sum((w**2).sum() for w in tensors)


@validate(params=_PARAMS, lam=_LAM)
def l1_penalty(params: nn.Module | Sequence[Tensor], lam: float) -> Tensor:
    """The L1 penalty ``λ Σ |w|`` over every entry of every tensor.

    Args:
        params: a model (its :func:`decayed_weights`) or a list of tensors of any shapes.
        lam: the strength λ ≥ 0.

    Returns:
        A 0-d tensor; its (sub)gradient with respect to each ``w`` is ``λ sign(w)`` (0 at 0).
    """
    tensors = _tensors(params)
    if not tensors:
        return torch.zeros(())
    return lam * sum(w.abs().sum() for w in tensors)


@validate(weight=TensorOf("floating"), grad=TensorOf("floating"), lr=Float(0, low_open=True), lam=_LAM,
          checks=[requires("grad", lambda a: a["grad"].shape == a["weight"].shape, "a tensor of the shape of weight",
                           got=lambda a: f"shape {tuple(a['grad'].shape)} for weight of shape {tuple(a['weight'].shape)}")])
def weight_decay_step(weight: Tensor, grad: Tensor, lr: float, lam: float) -> Tensor:
    """One gradient step on ``E₀ + ½ λ Σ w²`` written as decay: ``(1 − η λ) w − η ∇E₀``.

    Args:
        weight: the weights ``w``, any shape.
        grad: ``∇E₀(w)``, the gradient of the *unpenalised* error, same shape.
        lr: the step size η > 0.
        lam: the strength λ ≥ 0.

    Returns:
        The new weights (a new tensor; ``weight`` is not changed). Equal to one step of
        ``torch.optim.SGD(lr=η, weight_decay=λ)`` without momentum.
    """
    return (1 - lr * lam) * weight - lr * grad
