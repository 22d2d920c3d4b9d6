"""Semi-supervised learning: few labels, many unlabelled examples (notebook 07, item 4).

Two classic ways for unlabelled examples to help a classifier:

- **pseudo-labelling** (Lee 2013, "self-training"): a net trained on the labelled examples
  labels the unlabelled ones; those it is confident about join the training set with the
  predicted labels (:func:`pseudo_labels`). Wrong pseudo-labels are learned as if they were
  right, so a confidence threshold decides between more data and more wrong labels.
- **consistency regularisation** (the Π-model of Laine and Aila 2017, Sajjadi et al. 2016): the
  net should give the same answer for two random transformations of the same unlabelled input;
  the penalty :func:`consistency_penalty` is the squared difference of the two predicted
  probability vectors, added to the labelled loss through ``fit``'s ``penalty`` hook.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._validation import (
    Float,
    Instance,
    Int,
    IsCallable,
    TensorOf,
    classifier_logits,
    eval_mode,
    user_hook,
    validate,
)
from ..device import model_device

__all__ = ["consistency_penalty", "pseudo_labels"]


@validate(model=Instance(nn.Module, desc="a trained torch.nn.Module classifier"),
          x=TensorOf("floating", min_ndim=2, finite=True, nonempty=True),
          threshold=Float(0, 1, hint="threshold is the lowest confidence (highest class probability) kept."))
def pseudo_labels(model: nn.Module, x: Tensor, threshold: float) -> tuple[Tensor, Tensor]:
    """The examples of ``x`` the model is confident about, with its predictions as labels.

    Args:
        model: a classifier returning logits (N, K); used in evaluation mode.
        x: unlabelled inputs (N, ...).
        threshold: keep the examples whose highest predicted probability is at least this.

    Returns:
        ``(kept, labels)``: the indices of the kept rows of ``x`` (int64, shape (M,)) and their
        predicted labels (int64, shape (M,)).

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range, or the model cannot
            take ``x`` (the error names ``x`` and the input the model expects).
    """
    with eval_mode(model):
        logits = classifier_logits(model, x)
    probs = F.softmax(logits, dim=1)
    confidence, predicted = probs.max(1)
    kept = torch.nonzero(confidence >= threshold).flatten()
    return kept, predicted[kept]


@validate(unlabelled=TensorOf("floating", min_ndim=2, finite=True, nonempty=True),
          strength=Float(0, hint="The consistency weight cannot be negative; 0 turns it off."),
          transform=IsCallable("a callable x -> x, a random label-preserving transformation"),
          batch_size=Int(1))
def consistency_penalty(unlabelled: Tensor, strength: float, transform: Callable[[Tensor], Tensor], *,
                        batch_size: int = 100) -> Callable[[nn.Module], Tensor]:
    """``fit``'s penalty: ``strength · mean_i ‖p(t1(u_i)) - p(t2(u_i))‖²`` on a random unlabelled batch.

    At every step it draws ``batch_size`` unlabelled examples (with PyTorch's global generator,
    which ``fit`` seeds), transforms each twice with independent random draws, and compares the
    net's predicted probabilities.

    Args:
        unlabelled: the unlabelled inputs (N, ...).
        strength: the penalty's weight.
        transform: a random label-preserving transformation, e.g.
            ``functools.partial(shift_signals, max_shift=20)``.
        batch_size: unlabelled examples per step.

    Returns:
        A callable ``model -> scalar tensor``.
    """
    transform = user_hook(transform)  # the user's code, called at every step inside fit

    def penalty(model: nn.Module) -> Tensor:
        device = model_device(model)
        idx = torch.randint(0, len(unlabelled), (batch_size,))
        u = unlabelled[idx].to(device)
        p1 = F.softmax(model(transform(u)), dim=1)
        p2 = F.softmax(model(transform(u)), dim=1)
        return strength * ((p1 - p2) ** 2).sum(1).mean()

    return penalty
