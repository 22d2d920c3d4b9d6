"""Ready-made ``fit`` callbacks: the per-epoch measurements the course records again and again.

* :func:`log_accuracy`: the accuracy (and loss) on a held-out pair, e.g. the test set, as an
  extra series of the History;
* :func:`log_weights`: the weights' squared norm ``Σ w²`` and the share of small weights
  (:func:`weight_sparsity`, ``|w| <`` :data:`SMALL_WEIGHT`).

Each returns a callable ``(epoch, model, history)`` for ``fit(..., callbacks=[...])``; ``every``
and ``last`` choose the epochs it records (the others read ``nan``), so that a stored sweep
stays small. (For the test set in every epoch, ``fit(..., test=...)`` records ``test_loss`` and
``test_acc`` itself; use :func:`log_accuracy` for other epochs or other sets, under a name
``fit`` does not use then.) Called once after ``fit`` with the last epoch's index, a callback records the
returned net instead (after early stopping, the restored one)::

    history = fit(net, splits.train, splits.val, callbacks=[log_accuracy(splits.test), log_weights(every=10)])
    log_accuracy(splits.test, "final_acc")(history.epochs - 1, net, history)
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from .._validation import Float, Instance, Int, requires, validate
from ..device import model_device
from ..regularizers.penalties import decayed_weights
from .checks import _DATA, _MODEL, Callback, TensorPair
from .history import History
from .loop import evaluate

__all__ = ["SMALL_WEIGHT", "log_accuracy", "log_weights", "weight_sparsity"]

#: A weight with ``|w|`` below this counts as (near) zero: the share of small weights of notebook 04
#: (``experiments.SPARSITY_THRESHOLD``) and of the catalogue (``experiments.SMALL_WEIGHT``).
SMALL_WEIGHT = 1e-3

_THRESHOLD = Float(0, low_open=True)
_SERIES_NAME = Instance(str, desc="a str naming the series, e.g. 'test_acc'")
_EVERY = [None, Int(1, hint="Use every=None to record only the epoch `last`.")]
_LAST = [None, Int(0)]
_SOME_EPOCH = requires("every", lambda a: a["every"] is not None or a["last"] is not None,
                       "an int >= 1 when last is None (the callback would record nothing)",
                       "Pass every=1 to record every epoch, or last=epochs - 1 for the last one.")


@validate(model=_MODEL, threshold=_THRESHOLD)
def weight_sparsity(model: nn.Module, threshold: float = SMALL_WEIGHT) -> float:
    """The share of the model's weights (``regularizers.decayed_weights``) with ``|w| < threshold``.

    Computed in float64. (The catalogue's stored sweeps hold it rounded to float32, as they were
    first made: ``experiments.catalogue`` rounds it so.)
    """
    weights = torch.cat([w.detach().flatten() for w in decayed_weights(model)])
    return float((weights.abs() < threshold).double().mean())


def _weight_norm2(model: nn.Module) -> float:
    """``Σ w²`` over the model's weights (``regularizers.decayed_weights``)."""
    return float(sum((w.detach() ** 2).sum() for w in decayed_weights(model)))


def _records(every: int | None, last: int | None) -> Callable[[int], bool]:
    """Whether a callback records in ``epoch`` (from 0): every ``every``-th epoch, and the epoch ``last``."""
    return lambda epoch: (every is not None and (epoch + 1) % every == 0) or epoch == last


@validate(data=_DATA, name=_SERIES_NAME, loss_name=[None, _SERIES_NAME], every=_EVERY, last=_LAST,
          checks=[_SOME_EPOCH])
def log_accuracy(data: TensorPair, name: str = "test_acc", *, loss_name: str | None = None, every: int | None = 1,
                 last: int | None = None) -> Callback:
    """A ``fit`` callback that records the accuracy of the net on ``data`` as the series ``name``.

    The net is evaluated with :func:`~course_utils.train.evaluate` (eval mode, no gradients) on
    the device its parameters are on.

    Args:
        data: a held-out pair ``(x, y)``, e.g. ``splits.test``.
        name: the series of the accuracy, e.g. ``"test_acc"``.
        loss_name: also record the loss on ``data`` under this name, e.g. ``"test_loss"``.
        every: record every ``every``-th epoch (``None``: only the epoch ``last``).
        last: also record this epoch (counted from 0), e.g. ``epochs - 1``.

    Returns:
        A callable ``(epoch, model, history) -> None``.
    """
    records = _records(every, last)

    def log(epoch: int, model: nn.Module, history: History) -> None:
        if not records(epoch):
            return
        result = evaluate(model, data, device=model_device(model))
        history.log(name, result["acc"])
        if loss_name is not None:
            history.log(loss_name, result["loss"])

    return log


@validate(every=_EVERY, last=_LAST, threshold=_THRESHOLD, checks=[_SOME_EPOCH])
def log_weights(*, every: int | None = 1, last: int | None = None, threshold: float = SMALL_WEIGHT) -> Callback:
    """A ``fit`` callback that records the weights' ``weight_norm2`` (``Σ w²``) and their ``sparsity``.

    Both are over ``regularizers.decayed_weights`` (the tensors a weight penalty acts on);
    ``sparsity`` is :func:`weight_sparsity`, the share with ``|w| < threshold``.

    Args:
        every, last: the epochs recorded, as in :func:`log_accuracy`.
        threshold: the magnitude below which a weight counts as (near) zero.

    Returns:
        A callable ``(epoch, model, history) -> None``.
    """
    records = _records(every, last)

    def log(epoch: int, model: nn.Module, history: History) -> None:
        if records(epoch):
            history.log("weight_norm2", _weight_norm2(model))
            history.log("sparsity", weight_sparsity(model, threshold))

    return log
