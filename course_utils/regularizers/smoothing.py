"""Label smoothing, and the calibration it is judged by (notebook 07, item 3).

**Label smoothing** (Szegedy et al. 2016) trains against soft targets instead of one-hot ones:
with K classes and smoothing factor α, the true class gets ``1 - α + α / K`` and every other
class ``α / K``::

    q = (1 - α) · onehot(y) + α / K,        loss = - Σ_k q_k · log softmax(z)_k

The targets never ask for a probability of exactly 1, so the logits stop growing once the
margin is large enough, and the net stops being *over-confident*. This is the form of
``torch.nn.functional.cross_entropy(..., label_smoothing=α)``, against which the tests check
:func:`smoothed_cross_entropy`.

**Calibration.** A classifier is calibrated when, among the examples it gives confidence
(highest probability) about 0.8, about 80% are right. The *expected calibration error* (ECE,
Guo et al. 2017) sorts the examples into equal-width confidence bins and averages
``|accuracy - mean confidence|`` over the bins, weighted by their share of the examples;
:func:`reliability_bins` gives the per-bin numbers of a reliability diagram.

**Temperature scaling** (Guo et al. 2017) is the standard repair after training: divide every
logit by one number T > 0, chosen to minimise the negative log-likelihood on held-out labelled
data (:func:`fit_temperature`). The predicted class does not change, only the confidence.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor

from .._limits import MAX_BINS, check_at_most
from .._validation import Float, Int, TensorOf, invalid, validate

__all__ = ["expected_calibration_error", "fit_temperature", "label_smoothing", "reliability_bins", "smooth_labels",
           "smoothed_cross_entropy"]

_ALPHA = Float(0, 1, hint="alpha is the share of the target spread evenly over the classes; 0 is no smoothing.")
_LABELS = TensorOf(torch.int64, ndim=1, nonempty=True, desc="an int64 tensor of class labels of shape (N,)")
_PROBS = TensorOf("floating", ndim=2, finite=True, nonempty=True,
                  desc="a floating-point tensor of class probabilities of shape (N, K)")


def _check_labels(args: dict, num_classes: int | None = None) -> None:
    y = args["y"]
    k = num_classes if num_classes is not None else (
        args["num_classes"] if "num_classes" in args else (args.get("logits", args.get("probs"))).shape[1])
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= k:
        raise invalid("y", f"labels in [0, {k - 1}] ({k} classes)", f"labels in [{low}, {high}]")


def _check_rows(args: dict) -> None:
    other = args.get("logits", args.get("probs"))
    if len(other) != len(args["y"]):
        name = "logits" if "logits" in args else "probs"
        raise invalid("y", f"one label per row of {name} ({len(other)})", f"{len(args['y'])} labels")
    _check_labels(args)


@validate(y=_LABELS, num_classes=Int(2), alpha=_ALPHA, checks=[_check_labels], always=("y",))
def smooth_labels(y: Tensor, num_classes: int, alpha: float) -> Tensor:
    """The smoothed targets ``(1 - alpha) · onehot(y) + alpha / K``.

    Args:
        y: int64 labels of shape (N,), in ``[0, num_classes)``.
        num_classes: the number of classes K.
        alpha: the smoothing factor in [0, 1].

    Returns:
        Float class probabilities of shape (N, K); every row sums to 1.
    """
    return F.one_hot(y, num_classes).float() * (1 - alpha) + alpha / num_classes


@validate(alpha=_ALPHA, num_classes=Int(2))
def label_smoothing(alpha: float, num_classes: int) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """``fit``'s ``batch_transform`` that trains against smoothed targets.

    ``fit`` accepts float class probabilities of shape (N, K) from a batch transform and uses
    them as soft targets of its cross-entropy, which then equals :func:`smoothed_cross_entropy`.

    Args:
        alpha: the smoothing factor in [0, 1].
        num_classes: the number of classes K.

    Returns:
        A callable ``(x, y) -> (x, smooth_labels(y, K, alpha))``.
    """

    def transform(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return x, smooth_labels(y, num_classes, alpha).to(x.dtype)

    return transform


@validate(logits=TensorOf("floating", ndim=2, nonempty=True, desc="a floating-point tensor of logits (N, K)"),
          y=_LABELS, alpha=_ALPHA, checks=[_check_rows])
def smoothed_cross_entropy(logits: Tensor, y: Tensor, alpha: float) -> Tensor:
    """The label-smoothed cross-entropy, averaged over the batch.

    ``- mean_i Σ_k q_ik log softmax(z_i)_k`` with ``q = smooth_labels(y, K, alpha)``;
    equal to ``F.cross_entropy(logits, y, label_smoothing=alpha)``.

    Args:
        logits: the net's outputs, shape (N, K).
        y: int64 labels of shape (N,), in ``[0, K)``.
        alpha: the smoothing factor in [0, 1].

    Returns:
        A scalar tensor (differentiable).
    """
    log_p = F.log_softmax(logits, dim=1)
    return -(smooth_labels(y, logits.shape[1], alpha).to(log_p) * log_p).sum(1).mean()


@validate(probs=_PROBS, y=_LABELS, bins=Int(1), checks=[_check_rows])
def reliability_bins(probs: Tensor, y: Tensor, bins: int = 10) -> dict[str, list[float]]:
    """Accuracy against confidence, in ``bins`` equal-width bins of the confidence.

    The confidence of an example is its highest class probability; the bins cover [0, 1]
    (the first is closed on both sides, the others open on the left).

    Args:
        probs: class probabilities of shape (N, K), e.g. ``softmax(model(x))``.
        y: the true labels, int64 of shape (N,).
        bins: the number of bins.

    Returns:
        ``{"edges": [bins + 1 floats], "confidence": [...], "accuracy": [...], "count": [...]}``:
        per bin the mean confidence, the accuracy (``nan`` in an empty bin) and the number of examples.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range (``bins`` at most
            ``MAX_BINS``, 10,000: ``course_utils._limits``).
    """
    check_at_most("bins", bins, MAX_BINS, "MAX_BINS", hint="Calibration is read from 10 to 15 bins.")
    conf, pred = probs.detach().max(1)
    right = (pred == y).float()
    edges = torch.linspace(0, 1, bins + 1)
    which = torch.clamp(torch.bucketize(conf.cpu(), edges, right=False) - 1, 0, bins - 1)
    out: dict[str, list[float]] = {"edges": edges.tolist(), "confidence": [], "accuracy": [], "count": []}
    for b in range(bins):
        inside = (which == b).to(conf.device)
        count = int(inside.sum())
        out["count"].append(float(count))
        out["confidence"].append(float(conf[inside].mean()) if count else float("nan"))
        out["accuracy"].append(float(right[inside].mean()) if count else float("nan"))
    return out


@validate(probs=_PROBS, y=_LABELS, bins=Int(1), checks=[_check_rows])
def expected_calibration_error(probs: Tensor, y: Tensor, bins: int = 15) -> float:
    """The expected calibration error: ``Σ_b (n_b / N) · |accuracy_b - confidence_b|``.

    Args:
        probs: class probabilities of shape (N, K).
        y: the true labels, int64 of shape (N,).
        bins: the number of equal-width confidence bins (15, as in Guo et al. 2017).

    Returns:
        A float in [0, 1]: 0 for a perfectly calibrated classifier.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range (``bins`` at most
            ``MAX_BINS``, 10,000: ``course_utils._limits``).
    """
    check_at_most("bins", bins, MAX_BINS, "MAX_BINS", hint="Calibration is read from 10 to 15 bins.")
    table = reliability_bins(probs, y, bins)
    n = sum(table["count"])
    return float(sum(c / n * abs(a - p) for c, a, p in zip(table["count"], table["accuracy"], table["confidence"])
                     if c > 0))


_LOGITS = TensorOf("floating", ndim=2, finite=True, nonempty=True,
                   desc="a floating-point tensor of logits of shape (N, K)")


@validate(logits=_LOGITS, y=_LABELS, checks=[_check_rows])
def fit_temperature(logits: Tensor, y: Tensor) -> float:
    """The temperature T > 0 that minimises ``cross_entropy(logits / T, y)``: Guo et al.'s repair.

    Fit it on held-out labelled data (the validation set), never on the test set; then
    ``softmax(logits / T)`` are the calibrated probabilities. The argmax, and so the accuracy,
    does not change. The loss is convex in 1/T, so a bounded search over log T finds the optimum.

    Args:
        logits: the net's outputs on the held-out examples, shape (N, K).
        y: their true labels, int64 of shape (N,).

    Returns:
        T, a float in [0.01, 100].
    """
    z, t = logits.detach().double().cpu(), y.cpu()

    def loss(log_t: float) -> float:
        return float(F.cross_entropy(z / torch.exp(torch.tensor(log_t, dtype=torch.float64)), t))

    # Golden-section search on log T in [log 0.01, log 100]: the loss is unimodal in log T.
    low, high = -4.605170185988091, 4.605170185988091
    ratio = (5 ** 0.5 - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = loss(a), loss(b)
    for _ in range(80):
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = loss(a)
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = loss(b)
    return float(torch.exp(torch.tensor((low + high) / 2)))
