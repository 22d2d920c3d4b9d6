"""Notebook 04, section 6: early stopping, with clean and with wrong labels.


**Early stopping** (:class:`EarlyStoppingRecipe`): the same net on the full training set (3200
signals), clean and with 40% of the training labels replaced by wrong ones (:func:`~course_utils.regularizers.noise.corrupt_labels`),
the validation labels either kept clean (a small hand-checked set) or as noisy; the test labels
stay clean: they measure the truth. Each run trains
for the full budget and logs the test accuracy and loss after every epoch, so that one run
shows both the last epoch and the epoch early stopping would restore (the lowest validation
loss, :func:`early_stopping_summary`); ``fit(early_stopping=patience)`` restores that epoch's

The net is :mod:`.decay`'s (``decay_net``), trained without a penalty; :func:`early_stopping_point`
replays the rule ``fit`` follows (``train/stopping.py``) on a list of validation losses.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from ..._validation import Bool, Float, Instance, Int, SequenceOf, invalid, validate
from ...data import Splits
from ...device import SEED, torch_threads
from ...language import gettext_noop as N_
from ...models import MLP
from ...regularizers.noise import corrupt_labels
from ...train import History, _require_epochs, fit
from ...train.stopping import _Patience
from .decay import _N_TRAIN, _POSITIVE_INT, _RUN, _mnist, _monitor, decay_net

__all__ = [
    "EarlyStoppingRecipe",
    "early_stopping_label",
    "early_stopping_point",
    "early_stopping_summary",
    "run_early_stopping",
    "train_early_stopping_net",
]

_FRACTION = Float(0, 1, high_open=True, hint="The share of labels replaced by wrong ones, e.g. 0.4.")


@validate()
@dataclass(frozen=True)
class EarlyStoppingRecipe:
    """Every setting of the early-stopping experiment.

    Attributes:
        label_noise: shares of wrong training labels to train with (0: clean).
        noisy_validation: for each share above 0, whether the validation labels are made as wrong
            as the training labels (``True``: the monitor sees noisy labels too) or kept clean
            (``False``: a small hand-checked validation set). The test labels are always clean.
        n_train: training signals; ``None`` is all 3200.
        width, depth: the MLP's hidden layers.
        epochs: the full budget (each run trains all of it and logs every epoch).
        batch_size: examples per Adam step.
        lr: Adam's learning rate.
        patience: the patience of the live ``fit(early_stopping=patience)`` run.
        seed: seeds the initialisation and the shuffling.
        data_seed: the MNIST-1D seed.
        noise_seed: seeds which labels are made wrong.
    """

    label_noise: Annotated[tuple[float, ...], SequenceOf(_FRACTION, unique=True,
                                                         desc="a non-empty list of label-noise shares in [0, 1)")
                           ] = (0.0, 0.4)
    noisy_validation: Annotated[tuple[bool, ...], SequenceOf(Bool(), unique=True,
                                                             desc="a non-empty list of bools, e.g. (False, True)")
                                ] = (False, True)
    n_train: Annotated[int | None, _N_TRAIN] = None
    width: Annotated[int, _POSITIVE_INT] = 256
    depth: Annotated[int, Int(0, 8)] = 2
    epochs: Annotated[int, _POSITIVE_INT] = 60
    batch_size: Annotated[int, _POSITIVE_INT] = 100
    lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    patience: Annotated[int, _POSITIVE_INT] = 10
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0
    noise_seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_noise", tuple(float(v) for v in self.label_noise))
        object.__setattr__(self, "noisy_validation", tuple(self.noisy_validation))

    def settings(self) -> list[tuple[float, bool]]:
        """The ``(label_noise, noisy_validation)`` pairs trained: one clean run, then each noisy variant."""
        return [(noise, nv) for noise in self.label_noise
                for nv in ((False,) if noise == 0 else self.noisy_validation)]


@validate(label_noise=_FRACTION, noisy_validation=Bool())
def early_stopping_label(label_noise: float, noisy_validation: bool = False) -> str:
    """``"clean labels"``, ``"40% wrong training labels"`` or ``"40% wrong training and validation labels"``."""
    if label_noise == 0:
        return N_("clean labels")
    wrong = (N_("{share} wrong training and validation labels") if noisy_validation
             else N_("{share} wrong training labels"))
    return wrong.format(share=f"{label_noise:.0%}")


def _noisy_splits(splits: Splits, label_noise: float, noisy_validation: bool, seed: int) -> Splits:
    if label_noise == 0:
        return splits
    (xt, yt), (xv, yv) = splits.train, splits.val
    val = (xv, corrupt_labels(yv, label_noise, 10, seed=seed + 1)) if noisy_validation else splits.val
    return dataclasses.replace(splits, train=(xt, corrupt_labels(yt, label_noise, 10, seed=seed)), val=val)


@validate(label_noise=_FRACTION, noisy_validation=Bool(),
          recipe=Instance(EarlyStoppingRecipe, hint="Pass e.g. experiments.EarlyStoppingRecipe()."),
          early_stopping=[None, _POSITIVE_INT], **_RUN)
def train_early_stopping_net(label_noise: float, noisy_validation: bool = False, *, recipe: EarlyStoppingRecipe,
                             early_stopping: int | None = None, data: Splits | None = None,
                             threads: int | None = 1, progress: bool = True) -> tuple[MLP, History]:
    """Train the net on labels with ``label_noise`` wrong; log the clean test set every epoch.

    Args:
        label_noise: the share of wrong training labels.
        noisy_validation: make the same share of the validation labels wrong too.
        recipe: the experiment's settings (its ``label_noise`` is not used).
        early_stopping: ``None`` trains every epoch of the budget; a patience stops the run
            that many epochs after the lowest validation loss and restores that epoch's weights.
        data: the clean MNIST-1D ``Splits``; ``None`` loads them from the recipe.
        threads, progress: as in :func:`.decay.train_decay_net`.

    Returns:
        ``(model, history)``; ``history.extra`` holds ``test_acc``, ``test_loss``, the weights'
        ``weight_norm2`` (Σ w²) and ``sparsity`` per epoch,
        ``history.best_epoch`` the epoch of the lowest validation loss.
    """
    splits = _noisy_splits(_mnist(data, recipe.n_train, recipe.data_seed), label_noise, noisy_validation,
                           recipe.noise_seed)
    with torch_threads(threads):
        model = decay_net(recipe.width, recipe.depth, seed=recipe.seed)
        history = fit(model, splits.train, splits.val, epochs=recipe.epochs, batch_size=recipe.batch_size,
                      optimizer="adam", lr=recipe.lr, callbacks=_monitor(splits.test, loss=True),
                      early_stopping=early_stopping, seed=recipe.seed, device="cpu", progress=progress,
                      description=early_stopping_label(label_noise, noisy_validation))
    return model.eval(), history


@validate(recipe=Instance(EarlyStoppingRecipe, hint="Pass e.g. experiments.EarlyStoppingRecipe()."), **_RUN)
def run_early_stopping(recipe: EarlyStoppingRecipe, *, data: Splits | None = None, threads: int | None = 1,
                       progress: bool = False) -> dict[str, History]:
    """Every setting of ``recipe`` (:meth:`EarlyStoppingRecipe.settings`), each trained for the full budget.

    Returns:
        ``{early_stopping_label(noise, noisy_validation): History}`` in the recipe's order.
    """
    splits = _mnist(data, recipe.n_train, recipe.data_seed)
    return {early_stopping_label(noise, nv): train_early_stopping_net(noise, nv, recipe=recipe, data=splits,
                                                                      threads=threads, progress=progress)[1]
            for noise, nv in recipe.settings()}


@validate(history=Instance(History, desc="a History whose extra series include test_acc"))
def early_stopping_summary(history: History) -> dict[str, float]:
    """The epoch with the lowest validation loss against the last epoch, on every measure.

    Returns:
        ``{"best_epoch", "last_epoch"}`` (counted from 1) and, for ``val_loss``, ``val_acc``,
        ``test_loss``, ``test_acc``: ``"<name> at best"`` and ``"<name> at last"``.

    Raises:
        ValueError: the history has no epoch, no ``test_acc`` series or no validation losses.
    """
    _require_epochs(history)
    if "test_acc" not in history.extra or all(math.isnan(v) for v in history.val_loss):
        raise invalid("history", "a History from run_early_stopping (validation losses and a test_acc series)",
                      f"one with the series {history.series_names()}")
    best = min(range(history.epochs), key=lambda i: history.val_loss[i])
    out: dict[str, float] = {"best_epoch": best + 1, "last_epoch": history.epochs}
    for name in ("val_loss", "val_acc", "test_loss", "test_acc"):
        series = history.series(name)
        out[f"{name} at best"], out[f"{name} at last"] = series[best], series[-1]
    return out


@validate(val_losses=SequenceOf(Float(allow_nan=False), desc="a non-empty list of validation losses, one per epoch"),
          patience=_POSITIVE_INT)
def early_stopping_point(val_losses: Sequence[float], patience: int) -> tuple[int, int]:
    """Where ``fit(early_stopping=patience)`` stops, and which epoch's weights it restores.

    The rule: an epoch *improves* when its validation loss is strictly below every earlier one;
    training stops at the end of the epoch that makes ``patience`` epochs in a row without an
    improvement, and the weights of the last improving epoch are restored. A run that never
    stops ends at the last epoch.

    Args:
        val_losses: the validation loss after each epoch, epoch 0 first.
        patience: epochs without an improvement that are tolerated.

    Returns:
        ``(best_epoch, stop_epoch)``, both counted from 0: the epoch whose weights are kept and
        the last epoch trained.
    """
    rule = _Patience(patience)  # the rule fit follows, epoch by epoch (train/stopping.py)
    for value in val_losses:
        rule.update(value)
        if rule.stop:
            break
    return (0 if rule.best_epoch is None else rule.best_epoch), rule.epochs - 1
