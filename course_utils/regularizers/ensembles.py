"""Bagging and ensembles (notebook 07, item 9).

**Bagging** (bootstrap aggregating, Breiman 1996) trains k models, each on a *bootstrap sample*
of the training set: n examples drawn from the n with replacement, so each sample holds about
63% (1 - 1/e) of the distinct examples, some of them several times. The models make partly
independent errors, and their average makes fewer: if k models had independent errors of
variance v, their mean would have variance v / k.

:func:`bagging` is the loop; :class:`Ensemble` averages the members' predicted probabilities
(the usual way for neural nets, rather than a majority vote) and returns the log of that
average, so that ``evaluate`` and ``fit``'s cross-entropy read it as logits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .._limits import MAX_ELEMENTS, check_at_most
from .._validation import (
    Instance,
    Int,
    IsCallable,
    Pair,
    SequenceOf,
    TensorOf,
    classifier_logits,
    invalid,
    show,
    user_hook,
    validate,
)
from ..device import SEED

__all__ = ["Ensemble", "bagging", "bootstrap_indices", "disagreement"]


@validate(n=Int(1), seed=SEED)
def bootstrap_indices(n: int, seed: int) -> Tensor:
    """The indices of one bootstrap sample: n draws from ``range(n)`` with replacement.

    Drawn as ``torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed))``, so the
    same seed gives the same sample on every machine.

    Args:
        n: the size of the training set (and of the sample).
        seed: seeds the draw.

    Returns:
        int64 indices of shape (n,).

    Raises:
        TypeError, ValueError: ``n`` is not an int in ``[1, MAX_ELEMENTS]`` (``course_utils._limits``)
            or ``seed`` is out of range.
    """
    check_at_most("n", n, MAX_ELEMENTS, "MAX_ELEMENTS")
    return torch.randint(0, n, (n,), generator=torch.Generator().manual_seed(seed))


@validate(train_one=IsCallable("a callable (x, y) -> trained model"),
          data=Pair(TensorOf(min_ndim=1, nonempty=True), TensorOf(ndim=1)), k=Int(1), seed=SEED)
def bagging(train_one: Callable[[Tensor, Tensor], nn.Module], data: tuple[Tensor, Tensor], k: int,
            seed: int = 0) -> list[nn.Module]:
    """Train ``k`` models, model i on the bootstrap sample ``bootstrap_indices(n, seed + i)``.

    Args:
        train_one: trains a fresh model on ``(x, y)`` and returns it.
        data: the training set ``(x, y)``, ``x`` of shape (n, ...).
        k: the number of models.
        seed: model i's sample is drawn with seed ``seed + i``.

    Returns:
        The k trained models, in order.
    """
    x, y = data
    train_one = user_hook(train_one)  # the user's code: the fit it calls checks its arguments
    members = []
    for i in range(k):
        idx = bootstrap_indices(len(x), seed + i).to(x.device)
        member = train_one(x[idx], y[idx])
        if not isinstance(member, nn.Module):
            raise invalid("train_one", "a callable (x, y) -> trained model that returns the model it trained",
                          f"one that returned {show(member)} of type {type(member).__name__}",
                          "End it with `return model` (fit trains the model in place and returns its History).",
                          type_error=True)
        members.append(member)
    return members


class Ensemble(nn.Module):
    """The average of several classifiers' predicted probabilities.

    ``forward`` returns ``log(mean_m softmax(f_m(x)))``: its softmax is the averaged
    probability, its argmax the ensemble's prediction, and ``evaluate`` reads it as logits.

    Args:
        members: the trained classifiers, each returning logits (N, K).

    Shape:
        (N, ...) -> (N, K).

    Raises:
        TypeError, ValueError: ``members`` is not a non-empty list of modules, or its members
            predict different numbers of classes (read from their output layers where possible,
            else found by ``forward``, which then raises a ``ValueError``).
    """

    @validate(members=SequenceOf(Instance(nn.Module, desc="a torch.nn.Module"), desc="a non-empty list of models"))
    def __init__(self, members: Sequence[nn.Module]) -> None:
        counts = [_num_outputs(m) for m in members]
        if None not in counts and len(set(counts)) > 1:
            raise invalid("members", "classifiers with the same number of classes (outputs)",
                          f"members whose output layers have {counts} outputs",
                          "Average only members trained for the same classes.")
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: Tensor) -> Tensor:
        outputs = [m(x) for m in self.members]
        shapes = [tuple(o.shape) for o in outputs]
        if len(set(shapes)) > 1:
            raise ValueError(f"Ensemble: its members return outputs of different shapes {shapes}; they must be "
                             "classifiers with the same number of classes.")
        probs = torch.stack([F.softmax(o, dim=1) for o in outputs]).mean(0)
        return torch.log(probs.clamp_min(1e-12))


def _num_outputs(model: nn.Module) -> int | None:
    """The number of classes ``model`` predicts, where it can be read without running it, else ``None``.

    Read from an ``nn.Sequential`` ending in a linear layer, or from a ``fc``/``head`` linear
    output layer (``ConvNet1d``, ``MLP``, ``ResNet``) or a ``classes_per_task`` attribute (``MultiHeadMLP``).
    """
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Linear):
        return model[-1].out_features
    for name in ("head", "fc"):
        layer = getattr(model, name, None)
        if isinstance(layer, nn.Linear):
            return layer.out_features
    per_task = getattr(model, "classes_per_task", None)
    return sum(per_task) if isinstance(per_task, tuple) else None


@validate(models=SequenceOf(Instance(nn.Module, desc="a torch.nn.Module"), min_len=2,
                            desc="a list of at least two models"),
          x=TensorOf(min_ndim=1, nonempty=True), pairwise=bool)
def disagreement(models: Sequence[nn.Module], x: Tensor, *, pairwise: bool = False) -> float:
    """How often an ensemble's members predict different classes: what averaging can correct.

    Members with equal accuracies can still be wrong on different examples; the ensemble gains
    where they disagree, not where their accuracies differ.

    Args:
        models: the members, each returning logits (N, K); used as they are, without gradients.
        x: inputs (N, ...).
        pairwise: ``False``: the share of inputs on which not all members give the same class;
            ``True``: the share of (input, pair of members) on which the pair differs, averaged over pairs.

    Returns:
        A float in [0, 1].
    """
    with torch.no_grad():
        preds = [classifier_logits(m, x).argmax(1) for m in models]
    preds = torch.stack(preds)  # (M, N)
    if not pairwise:
        return float((preds != preds[:1]).any(0).float().mean())
    m = len(models)
    pairs = [(preds[i] != preds[j]).float().mean() for i in range(m) for j in range(i + 1, m)]
    return float(torch.stack(pairs).mean())
