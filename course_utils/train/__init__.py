"""Training and evaluation loops that return their history, and the callbacks the course shares.

``from course_utils.train import fit, evaluate, History`` is all a notebook needs; the package
holds one module per concept:

* :mod:`.history`: :class:`History`, the per-epoch record of a run, and its JSON form;
* :mod:`.loop`: :func:`fit` and :func:`evaluate`;
* :mod:`.checks`: what ``fit`` checks (the data against the model and the loss, the hooks);
* :mod:`.stopping`: the early-stopping rule ``fit(early_stopping=patience)`` follows;
* :mod:`.callbacks`: ready-made callbacks (:func:`log_accuracy`, :func:`log_weights`) and the
  weight statistics they record (:func:`weight_sparsity`, :data:`SMALL_WEIGHT`).

``val_*`` always means the validation set, the one early stopping and ``best_epoch`` watch; a
test set passed as ``fit(..., test=...)`` is recorded as the series ``test_loss`` and ``test_acc``
and chooses nothing. A notebook passes what it varies as arguments: ``callbacks``
``(epoch, model, history)`` after every epoch (they may record extra series with
:meth:`History.log` or stop the run) and a ``batch_transform`` ``(x, y) -> (x, y)`` for every
training batch::

    history = fit(model, splits.train, splits.val, test=splits.test,
                  batch_transform=regularizers.input_noise(0.1))
    plot_history(history, metrics=("loss", "test_acc"))
"""

from .callbacks import SMALL_WEIGHT, log_accuracy, log_weights, weight_sparsity
from .history import History, _require_epochs  # _require_epochs: for the experiments, which read last epochs
from .loop import evaluate, fit

__all__ = ["SMALL_WEIGHT", "History", "evaluate", "fit", "log_accuracy", "log_weights", "weight_sparsity"]
