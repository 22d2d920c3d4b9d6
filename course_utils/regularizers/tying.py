"""Parameter tying: a penalty pulling one model's parameters toward another's (notebook 07, item 7).

Two models doing the same task on somewhat different input distributions should end up with
similar parameters. Goodfellow et al. (*Deep Learning*, 7.9, after Lasserre et al. 2006) tie them
with a norm penalty ``Ω(w_B) = λ/2 · ‖w_B - w_A‖²``: the model with little data (B) is pulled
toward the one trained on plenty (A), instead of toward zero as weight decay would. (Parameter
*sharing*, forcing sets of parameters to be equal, is what a convolution does.)
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn

from .._validation import Float, Instance, validate

__all__ = ["tie_to"]


@validate(reference=Instance(nn.Module, desc="a trained torch.nn.Module"),
          strength=Float(0, hint="The tying strength λ cannot be negative; 0 unties the models."))
def tie_to(reference: nn.Module, strength: float) -> Callable[[nn.Module], Tensor]:
    """``fit``'s penalty ``λ/2 · Σ (w - w_ref)²`` over the parameters ``reference`` has by the same name.

    The reference's parameters are copied (detached) when this is called; training the tied
    model does not change the reference.

    Args:
        reference: the model to stay close to, of the same architecture.
        strength: λ ≥ 0.

    Returns:
        A callable ``model -> scalar tensor``; it raises ``ValueError`` for a model that shares no
        parameter name and shape with the reference.
    """
    anchor = {name: p.detach().clone() for name, p in reference.named_parameters()}

    def penalty(model: nn.Module) -> Tensor:
        pairs = [(p, anchor[name]) for name, p in model.named_parameters()
                 if name in anchor and anchor[name].shape == p.shape]
        if not pairs:
            raise ValueError("tie_to: the model shares no parameter (same name and shape) with the reference. "
                             "Tie two models of the same architecture.")
        return strength / 2 * sum(((p - a.to(p.device)) ** 2).sum() for p, a in pairs)

    return penalty
