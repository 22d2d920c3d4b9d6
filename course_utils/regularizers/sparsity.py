"""Sparse representations: a penalty on the activations instead of the weights (notebook 07, item 8).

An L1 penalty on the *weights* (``weight_l1``) makes many weights exactly or nearly zero:
sparse parameters. Goodfellow et al. (*Deep Learning*, 7.10) contrast it with *representational*
sparsity: a penalty Ω(h) = λ Σ_j |h_j| on the hidden units h of every example pushes most of
them to zero for any given input, while the weights themselves stay dense.

:class:`ActivationL1` adds that penalty through ``fit``'s ``penalty`` hook: forward hooks keep
the outputs of the chosen layers (ReLUs by default) during each training-mode forward pass, and
the penalty reads them. :func:`zero_fraction` measures the result: the share of hidden
activations that are exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from .._validation import Float, Instance, Subclass, TensorOf, eval_mode, validate
from .penalties import l1_penalty

__all__ = ["ActivationL1", "weight_l1", "zero_fraction"]

_MODEL = Instance(nn.Module, desc="a torch.nn.Module")
_STRENGTH = Float(0, hint="The penalty's strength λ cannot be negative; 0 turns it off.")
_LAYER = Subclass(nn.Module, desc="a torch.nn.Module class, e.g. torch.nn.ReLU")


class ActivationL1:
    """``fit``'s penalty ``λ · mean over the batch of Σ_j |h_j|``, h the outputs of ``layer_type`` layers.

    Forward hooks on every ``layer_type`` module of ``model`` keep the outputs of the latest
    forward pass in training mode (evaluation passes are ignored); each call of the penalty uses
    and clears them. Call :meth:`remove` to take the hooks off the model.

    Args:
        model: the net to be trained (the same object passed to ``fit``).
        strength: λ ≥ 0.
        layer_type: the class of the layers whose outputs are penalised.

    Example::

        penalty = ActivationL1(net, 0.01)
        fit(net, splits.train, splits.val, penalty=penalty)
        penalty.remove()
    """

    @validate(model=_MODEL, strength=_STRENGTH, layer_type=_LAYER)
    def __init__(self, model: nn.Module, strength: float, *, layer_type: type[nn.Module] = nn.ReLU) -> None:
        self.strength = float(strength)
        self._outputs: list[Tensor] = []
        self._handles = [m.register_forward_hook(self._keep) for m in model.modules() if isinstance(m, layer_type)]
        if not self._handles:
            raise ValueError(f"ActivationL1: the model has no {layer_type.__name__} layer whose outputs could be "
                             "penalised. Pass layer_type= the class of its activation layers.")

    def _keep(self, module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        if module.training and torch.is_grad_enabled():
            self._outputs.append(output)

    def __call__(self, model: nn.Module) -> Tensor:
        if not self._outputs:
            return torch.zeros(())
        value = sum(h.flatten(1).abs().sum(1).mean() for h in self._outputs)
        self._outputs.clear()
        return self.strength * value

    def remove(self) -> None:
        """Take the hooks off the model."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
        self._outputs.clear()


@validate(strength=_STRENGTH)
def weight_l1(strength: float) -> Callable[[nn.Module], Tensor]:
    """``fit``'s penalty ``λ · Σ |w|`` over the weight matrices and kernels (biases left out):
    :func:`~course_utils.regularizers.penalties.l1_penalty` of the model, as a ``fit`` callback.

    Args:
        strength: λ ≥ 0.

    Returns:
        A callable ``model -> scalar tensor``.
    """

    def penalty(model: nn.Module) -> Tensor:
        return l1_penalty(model, strength)

    return penalty


@validate(model=_MODEL, x=TensorOf("floating", min_ndim=1, finite=True, nonempty=True), layer_type=_LAYER)
def zero_fraction(model: nn.Module, x: Tensor, *, layer_type: type[nn.Module] = nn.ReLU) -> float:
    """The share of the outputs of ``layer_type`` layers that are exactly zero on ``x`` (evaluation mode).

    Args:
        model: the net.
        x: inputs (N, ...).
        layer_type: the class of the layers to look at.

    Returns:
        A float in [0, 1]: zeros over all outputs of those layers, all examples pooled.
    """
    counts = [0, 0]

    def count(module: nn.Module, inputs: tuple[Tensor, ...], output: Tensor) -> None:
        counts[0] += int((output == 0).sum())
        counts[1] += output.numel()

    handles = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, layer_type)]
    try:
        with eval_mode(model):
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    if counts[1] == 0:
        raise ValueError(f"zero_fraction: the model has no {layer_type.__name__} layer. "
                         "Pass layer_type= the class of its activation layers.")
    return counts[0] / counts[1]
