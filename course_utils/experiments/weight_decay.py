"""Notebook 04, limiting capacity: weight decay (L2 and L1), AdamW, width, and early stopping.

**The task.** An MLP with two hidden layers of 256 units (40-256-256-10, about 78 000 weights)
trained with Adam (learning rate 1e-3, batches of 100) for 100 epochs on only 500 MNIST-1D
signals: it classifies all 500 correctly within a few dozen epochs, and its validation error
stays above 0.6. That gap is what a penalty can close. Validation error is measured on the 800
validation signals after the last epoch; the 1000 test signals are logged every 10th epoch and
after the last (``History.extra["test_acc"]``, ``nan`` in between, which keeps the stored sweeps
small) and never used to choose anything.

**How λ enters** (:class:`DecayRecipe`'s ``method``):

* ``"l2"``: the deck's ``E(w) = E₀(w) + ½ λ Σ w²``, the penalty :func:`~course_utils.regularizers.l2_penalty`
  added to every step's loss, minimised by Adam ("Adam + L2");
* ``"l1"``: ``E₀(w) + λ Σ |w|`` (:func:`~course_utils.regularizers.l1_penalty`), also under Adam;
* ``"adamw"``: decoupled weight decay (Loshchilov and Hutter, 2019): ``torch.optim.AdamW``
  shrinks every weight by ``1 - lr·λ`` per step *outside* Adam's normalisation, so its λ is
  on another scale (the shrinking per step is ``lr·λ``). The paper writes the shrinking as
  ``η_t·λ_paper`` with a schedule multiplier ``η_t`` (1 here), not the learning rate α; PyTorch
  multiplies by ``lr``, so ``λ_PyTorch = λ_paper / α``.

Every method acts on the weight matrices (``regularizers.decayed_weights``), not on the biases:
the penalties sum over them only, and AdamW gets two parameter groups, the biases with
``weight_decay=0`` (:func:`decay_param_groups`), so the comparison differs only in the decoupling.
Every run logs, at the same epochs, the weights' squared norm ``Σ w²`` (``"weight_norm2"``) and the
share of weights with ``|w| < 1e-3`` (``"sparsity"``).

**Early stopping** (:class:`EarlyStoppingRecipe`): the same net on the full training set (3200
signals), clean and with 40% of the training labels replaced by wrong ones (:func:`~course_utils.regularizers.noise.corrupt_labels`),
the validation labels either kept clean (a small hand-checked set) or as noisy; the test labels
stay clean: they measure the truth. Each run trains
for the full budget and logs the test accuracy and loss after every epoch, so that one run
shows both the last epoch and the epoch early stopping would restore (the lowest validation
loss, :func:`early_stopping_summary`); ``fit(early_stopping=patience)`` restores that epoch's
weights (tested).

One recipe per experiment, one source of truth: the notebook, the claim test
(``tests/test_claims_weight_decay.py``), the stored sweeps (``WEIGHT_DECAY_SWEEPS``, made by
``python assets/precompute.py weight_decay``) and the λ slider's live run take the same recipe.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

import torch
from torch import Tensor, nn

from .._validation import (
    Bool,
    Float,
    Instance,
    Int,
    OneOf,
    SequenceOf,
    invalid,
    validate,
)
from ..language import gettext_noop as N_
from ..data import Splits, legendre_features, load_mnist1d
from ..device import SEED, torch_threads
from ..models import MLP
from ..regularizers.noise import corrupt_labels
from ..regularizers.penalties import decayed_weights, l1_penalty, l2_penalty
from ..train import SMALL_WEIGHT, History, _require_epochs, evaluate, fit, log_accuracy, log_weights, weight_sparsity
from ..train.stopping import _Patience
from .overfitting import LFDExample, fit_legendre, out_of_sample_error
from .sweep import Sweep, SweepSpec, load_sweep

__all__ = [
    "DECAY_COLOURS",
    "DECAY_METHOD_NAMES",
    "SPARSITY_THRESHOLD",
    "WEIGHT_DECAY_SWEEPS",
    "DecayRecipe",
    "DecaySweep",
    "EarlyStoppingRecipe",
    "decay_label",
    "decay_net",
    "decay_param_groups",
    "early_stopping_label",
    "early_stopping_point",
    "early_stopping_summary",
    "final_decay_errors",
    "load_weight_decay_sweep",
    "ridge_fit",
    "run_decay",
    "run_decay_setting",
    "run_early_stopping",
    "run_early_stopping_setting",
    "train_decay_net",
    "weight_sparsity",
]

_POSITIVE_INT = Int(1)
_LAM = Float(0, hint="λ is a penalty strength and cannot be negative.")
_METHOD = OneOf("l2", "l1", "adamw")
_FRACTION = Float(0, 1, high_open=True, hint="The share of labels replaced by wrong ones, e.g. 0.4.")
_N_TRAIN = [None, Int(10, 3200, hint="Use None for the full training set (3200 signals).")]
#: Weights with ``|w|`` below this count as (near) zero in the sparsity measurements: the package's
#: one threshold, ``train.SMALL_WEIGHT`` (1e-3), under the name notebook 04 uses.
SPARSITY_THRESHOLD = SMALL_WEIGHT

#: How each method is named in labels and figures.
DECAY_METHOD_NAMES = {"l2": "L2", "l1": "L1", "adamw": "AdamW"}
#: Colour = the method, the same in every figure and widget of notebook 04 (Okabe-Ito colours).
DECAY_COLOURS = {"none": "#555555", "l2": "#0072B2", "l1": "#009E73", "adamw": "#CC79A7"}


# --------------------------------------------------------------------------- the polynomial (section 1)


@validate(example=Instance(LFDExample, hint="Pass e.g. experiments.lfd_example(15, 0.5, 10)."), lam=_LAM,
          degree=Int(0, 40))
def ridge_fit(example: LFDExample, lam: float, *, degree: int = 10) -> dict[str, Tensor | float]:
    """Fit a degree-``degree`` polynomial to an example's data with the L2 penalty λ.

    Minimises ``(1/N) Σ (g(x_n) − y_n)² + ½ λ Σ_{q≥1} c_q²`` over the Legendre coefficients ``c``
    (:func:`~course_utils.experiments.fit_legendre`): the network's ``½ λ Σ w²``, with the constant
    term ``c_0`` left out as the networks leave out their biases.

    Returns:
        ``{"coefs": (degree + 1,) tensor, "e_in": training MSE, "e_out": exact E_x[(g − f)²],
        "norm2": Σ_{q≥1} c_q²}`` (the penalised coefficients).
    """
    coefs = fit_legendre(example.x, example.y, degree, lam=lam)
    e_in = float(((legendre_features(example.x, degree) @ coefs - example.y) ** 2).mean())
    return {"coefs": coefs, "e_in": e_in, "e_out": float(out_of_sample_error(coefs, example.target)),
            "norm2": float((coefs[1:] ** 2).sum())}


# --------------------------------------------------------------------------- the network (sections 2-5)


@validate()
@dataclass(frozen=True)
class DecayRecipe:
    """Every setting of the weight-decay experiments (measured on this kind of machine).

    Attributes:
        method: how λ enters: ``"l2"`` (½λΣw² in the loss, Adam), ``"l1"`` (λΣ|w| in the loss,
            Adam) or ``"adamw"`` (decoupled decay, ``torch.optim.AdamW``).
        lambdas: the strengths λ to train; 0 is the unpenalised net.
        widths: the hidden layers' widths to train (the capacity sweep varies it).
        n_train: training signals, a stratified subset of MNIST-1D's (few, so that the net overfits).
        depth: hidden layers.
        epochs: passes over the training set (constant learning rate).
        batch_size: examples per step.
        lr: Adam's (or AdamW's) learning rate.
        seed: seeds the initialisation and the shuffling; every run starts from it.
        data_seed: the MNIST-1D seed.
    """

    method: Annotated[str, _METHOD] = "l2"
    lambdas: Annotated[tuple[float, ...], SequenceOf(_LAM, unique=True,
                                                     desc="a non-empty list of penalty strengths λ >= 0")] = \
        (0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
    widths: Annotated[tuple[int, ...], SequenceOf(_POSITIVE_INT, unique=True,
                                                  desc="a non-empty list of hidden-layer widths")] = (256,)
    n_train: Annotated[int | None, _N_TRAIN] = 500
    depth: Annotated[int, Int(0, 8)] = 2
    epochs: Annotated[int, _POSITIVE_INT] = 100
    batch_size: Annotated[int, _POSITIVE_INT] = 100
    lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lambdas", tuple(float(v) for v in self.lambdas))
        object.__setattr__(self, "widths", tuple(self.widths))


@validate(method=_METHOD, lam=_LAM, width=[None, _POSITIVE_INT])
def decay_label(method: str, lam: float, width: int | None = None) -> str:
    """The name of one setting, e.g. ``"L2, λ = 0.01"``, ``"no penalty"`` or ``"no penalty, width 64"``."""
    text = N_("no penalty") if lam == 0 else N_("{method}, λ = {lam}").format(method=DECAY_METHOD_NAMES[method],
                                                                                lam=f"{lam:g}")
    return text if width is None else N_("{setting}, width {width}").format(setting=text, width=width)


@validate(width=_POSITIVE_INT, depth=Int(0, 8), seed=SEED)
def decay_net(width: int = 256, depth: int = 2, *, seed: int = 0) -> MLP:
    """The experiment's net, freshly initialised from ``seed``: ``models.MLP(40, 10, width, depth)``.

    Shape:
        (N, 40) -> (N, 10).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MLP(40, 10, width=width, depth=depth)


def _monitor(test: tuple[Tensor, Tensor], *, every: int = 1, last: int | None = None, loss: bool = False
             ) -> list[Callable[[int, nn.Module, History], None]]:
    """The callbacks that log the test accuracy (and loss), the weights' squared norm and their sparsity.

    They record every ``every``-th epoch and the ``last`` one (the others read ``nan``): the stored
    sweeps keep their files small that way.
    """
    return [log_accuracy(test, "test_acc", loss_name="test_loss" if loss else None, every=every, last=last),
            log_weights(every=every, last=last)]


def _pruned_monitor(val: tuple[Tensor, Tensor], last: int) -> Callable[[int, nn.Module, History], None]:
    """A callback that logs, after the ``last`` epoch, the validation error with every weight below
    ``SPARSITY_THRESHOLD`` set to 0 (on a copy): whether L1's near-zero weights carry anything."""

    def log(epoch: int, model: nn.Module, history: History) -> None:
        if epoch != last:
            return
        pruned = copy.deepcopy(model)
        with torch.no_grad():
            for w in decayed_weights(pruned):
                w[w.abs() < SPARSITY_THRESHOLD] = 0.0
        history.log("pruned_val_error", 1 - evaluate(pruned, val, device="cpu")["acc"])

    return log


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"), lam=_LAM)
def decay_param_groups(model: nn.Module, lam: float) -> list[dict]:
    """AdamW's parameter groups: the weights (``regularizers.decayed_weights``) decayed by λ, the rest not.

    ``torch.optim.AdamW(model.parameters(), weight_decay=λ)`` would decay the biases too, which the
    L2 penalty leaves out; these groups make the two methods act on the same tensors.
    """
    decayed = {id(p) for p in decayed_weights(model)}
    return [{"params": [p for p in model.parameters() if id(p) in decayed], "weight_decay": lam},
            {"params": [p for p in model.parameters() if id(p) not in decayed], "weight_decay": 0.0}]


def _optimizer_and_penalty(method: str, lam: float, model: nn.Module, lr: float
                           ) -> tuple[object, float, Callable[[nn.Module], Tensor] | None]:
    if lam == 0:
        return "adam", 0.0, None
    if method == "adamw":
        return (lambda _params: torch.optim.AdamW(decay_param_groups(model, lam), lr=lr)), 0.0, None
    penalty = l2_penalty if method == "l2" else l1_penalty
    return "adam", 0.0, (lambda model: penalty(model, lam))


def _mnist(data: Splits | None, n_train: int | None, data_seed: int) -> Splits:
    return load_mnist1d(n_train=n_train, seed=data_seed) if data is None else data


_RUN = {
    "data": [None, Instance(Splits, hint="Pass data=load_mnist1d(n_train=500, seed=0) or leave it out.")],
    "threads": [None, _POSITIVE_INT],
    "progress": Bool(),
}


@validate(method=_METHOD, lam=_LAM, width=[None, _POSITIVE_INT],
          recipe=Instance(DecayRecipe, hint="Pass e.g. recipe=experiments.DecayRecipe()."), **_RUN)
def train_decay_net(method: str, lam: float, *, recipe: DecayRecipe, width: int | None = None,
                    data: Splits | None = None, threads: int | None = 1, progress: bool = True
                    ) -> tuple[MLP, History]:
    """Train one (method, λ, width) setting with ``recipe``'s other settings; return the net too.

    Args:
        method: ``"l2"``, ``"l1"`` or ``"adamw"`` (see the module docstring); ignored when λ = 0.
        lam: the strength λ.
        recipe: the experiment's settings; its ``method``, ``lambdas`` and ``widths`` are not used.
        width: hidden units per layer; ``None`` takes the recipe's first width.
        data: MNIST-1D ``Splits``; ``None`` loads ``load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed)``.
        threads: PyTorch CPU threads during the run (restored after); 1 gives the same numbers everywhere.
        progress: show a progress bar.

    Returns:
        ``(model, history)``: the trained net (in eval mode) and its :class:`History`, whose
        ``val_*`` series are the validation set's and whose ``extra`` holds ``test_acc``,
        ``weight_norm2`` and ``sparsity`` every 10th epoch and after the last (``nan`` between), and for
        L1 ``pruned_val_error`` after the last: the validation error with the weights below
        ``SPARSITY_THRESHOLD`` set to 0.
    """
    splits = _mnist(data, recipe.n_train, recipe.data_seed)
    width = recipe.widths[0] if width is None else width
    with torch_threads(threads):
        model = decay_net(width, recipe.depth, seed=recipe.seed)
        optimizer, weight_decay, penalty = _optimizer_and_penalty(method, lam, model, recipe.lr)
        history = fit(model, splits.train, splits.val, epochs=recipe.epochs, batch_size=recipe.batch_size,
                      optimizer=optimizer, lr=recipe.lr, weight_decay=weight_decay, penalty=penalty,
                      callbacks=_monitor(splits.test, every=10, last=recipe.epochs - 1)
                      + ([_pruned_monitor(splits.val, recipe.epochs - 1)] if method == "l1" else []), seed=recipe.seed,
                      device="cpu", progress=progress, description=decay_label(method, lam))
    return model.eval(), history


@validate(method=_METHOD, lam=_LAM, width=[None, _POSITIVE_INT],
          recipe=Instance(DecayRecipe, hint="Pass e.g. recipe=experiments.DecayRecipe()."), **_RUN)
def run_decay_setting(method: str, lam: float, *, recipe: DecayRecipe, width: int | None = None,
                      data: Splits | None = None, threads: int | None = 1, progress: bool = True) -> History:
    """:func:`train_decay_net`'s history only: the live run of the λ slider."""
    return train_decay_net(method, lam, recipe=recipe, width=width, data=data, threads=threads,
                           progress=progress)[1]


@validate(recipe=Instance(DecayRecipe, hint="Pass e.g. experiments.DecayRecipe()."), **_RUN)
def run_decay(recipe: DecayRecipe, *, data: Splits | None = None, threads: int | None = 1,
              progress: bool = False) -> dict[str, History]:
    """Train every (width, λ) pair of ``recipe`` with its method.

    Returns:
        ``{label: History}``, widths outer and λ inner, in the recipe's order; labels from
        :func:`decay_label` (with the width only when the recipe has several).
    """
    splits = _mnist(data, recipe.n_train, recipe.data_seed)
    return {_label(recipe, lam, width): run_decay_setting(recipe.method, lam, recipe=recipe, width=width, data=splits,
                                                          threads=threads, progress=progress)
            for width in recipe.widths for lam in recipe.lambdas}


def _label(recipe: DecayRecipe, lam: float, width: int) -> str:
    return decay_label(recipe.method, lam, width if len(recipe.widths) > 1 else None)


@validate(histories=Instance(dict, desc="a dict {label: History} from run_decay"))
def final_decay_errors(histories: dict[str, History]) -> dict[str, dict[str, float]]:
    """Last-epoch training, validation and test error of each run, rounded to 3 decimals.

    Returns:
        ``{label: {"train": float, "val": float, "test": float}}``.

    Raises:
        TypeError, ValueError: ``histories`` is not a dict, or one of its runs has no epoch.
    """
    for label, h in histories.items():
        _require_epochs(h, "histories", label, "a dict {label: History} of runs with at least one epoch each")
    return {label: {"train": round(h.train_error[-1], 3), "val": round(h.val_error[-1], 3),
                    "test": round(1 - h.series("test_acc")[-1], 3)} for label, h in histories.items()}


# --------------------------------------------------------------------------- early stopping (section 6)


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
def run_early_stopping_setting(label_noise: float, noisy_validation: bool = False, *, recipe: EarlyStoppingRecipe,
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
        threads, progress: as in :func:`train_decay_net`.

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
    return {early_stopping_label(noise, nv): run_early_stopping_setting(noise, nv, recipe=recipe, data=splits,
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


# --------------------------------------------------------------------------- stored sweeps


class DecaySweep(Sweep[DecayRecipe]):
    """A stored weight-decay sweep: :meth:`history` finds a run by λ (and width)."""

    @validate(lam=_LAM, width=[None, _POSITIVE_INT])
    def history(self, lam: float, width: int | None = None) -> History:
        """The stored :class:`History` of one setting.

        Raises:
            KeyError: the sweep has no such setting; the message lists those it has.
        """
        recipe = self.recipe
        return self.get(_label(recipe, float(lam), recipe.widths[0] if width is None else width))

    def label(self, lam: float, width: int | None = None) -> str:
        """The label of one setting in this sweep."""
        return _label(self.recipe, float(lam), self.recipe.widths[0] if width is None else width)


def _decay_run(recipe: DecayRecipe) -> dict[str, History]:
    return run_decay(recipe, threads=1)


def _decay_labels(recipe: DecayRecipe) -> list[str]:
    return [_label(recipe, lam, width) for width in recipe.widths for lam in recipe.lambdas]


def _decay_repeat(recipe: DecayRecipe) -> tuple[str, History]:
    # The narrowest net with the largest λ: the cheapest run that still uses the penalty.
    width, lam = min(recipe.widths), max(recipe.lambdas)
    return _label(recipe, lam, width), run_decay_setting(recipe.method, lam, recipe=recipe, width=width,
                                                         progress=False)


def _early_run(recipe: EarlyStoppingRecipe) -> dict[str, History]:
    return run_early_stopping(recipe, threads=1)


def _early_labels(recipe: EarlyStoppingRecipe) -> list[str]:
    return [early_stopping_label(noise, nv) for noise, nv in recipe.settings()]


def _early_repeat(recipe: EarlyStoppingRecipe) -> tuple[str, History]:
    noise, nv = recipe.settings()[-1]
    return early_stopping_label(noise, nv), run_early_stopping_setting(noise, nv, recipe=recipe, progress=False)[1]


_ADAMW = DecayRecipe(method="adamw", lambdas=(0.0, 0.3, 1.0, 3.0, 10.0, 30.0))
_L1 = DecayRecipe(method="l1", lambdas=(0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3))
_WIDTH = DecayRecipe(lambdas=(0.0,), widths=(8, 16, 32, 64, 128, 256, 512))

#: The stored sweeps of notebook 04, made by ``python assets/precompute.py weight_decay``.
WEIGHT_DECAY_SWEEPS: dict[str, SweepSpec] = {
    "lambda": SweepSpec(
        topic="weight_decay", name="lambda", file="weight_decay_lambda_sweep.json", recipe=DecayRecipe(),
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="The λ slider of notebook 04: Adam + L2 penalty ½λΣw², λ from 0 to 0.1, 500 signals.",
    ),
    "l1": SweepSpec(
        topic="weight_decay", name="l1", file="weight_decay_l1_sweep.json",
        recipe=_L1,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Adam + L1 penalty λΣ|w|, λ from 0 to 0.003: validation error and sparsity.",
    ),
    "adamw": SweepSpec(
        topic="weight_decay", name="adamw", file="weight_decay_adamw_sweep.json", recipe=_ADAMW,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Decoupled weight decay (AdamW, biases not decayed), λ from 0 to 30, beside the L2 sweep.",
    ),
    **{f"{name}_seed{seed}": SweepSpec(
        topic="weight_decay", name=f"{name}_seed{seed}", file=f"weight_decay_{name}_seed{seed}.json",
        recipe=dataclasses.replace(recipe, seed=seed), run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description=f"The {name} sweep again with seed {seed} (initialisation and batch order): the spread over seeds.")
       for name, recipe in (("lambda", DecayRecipe()), ("l1", _L1), ("adamw", _ADAMW), ("width", _WIDTH))
       for seed in (1, 2)},
    "width": SweepSpec(
        topic="weight_decay", name="width", file="weight_decay_width_sweep.json",
        recipe=_WIDTH,
        run=_decay_run, labels=_decay_labels, repeat=_decay_repeat,
        description="Capacity by architecture: hidden widths 8 to 512, no penalty.",
    ),
    "early": SweepSpec(
        topic="weight_decay", name="early", file="weight_decay_early_stopping.json", recipe=EarlyStoppingRecipe(),
        run=_early_run, labels=_early_labels, repeat=_early_repeat,
        description="Early stopping: 3200 signals, clean and 40% wrong labels (validation clean or noisy), "
                    "60 epochs, the clean test set logged every epoch.",
    ),
    **{f"early_seed{seed}": SweepSpec(
        topic="weight_decay", name=f"early_seed{seed}", file=f"weight_decay_early_seed{seed}.json",
        recipe=EarlyStoppingRecipe(seed=seed), run=_early_run, labels=_early_labels, repeat=_early_repeat,
        description=f"The early-stopping runs again with seed {seed}: the spread over seeds.")
       for seed in (1, 2)},
}


@validate(name=OneOf(*WEIGHT_DECAY_SWEEPS))
def load_weight_decay_sweep(name: str = "lambda") -> DecaySweep | Sweep[EarlyStoppingRecipe]:
    """One of notebook 04's stored sweeps, checked against its current recipe.

    Args:
        name: ``"lambda"`` (L2), ``"l1"``, ``"adamw"``, ``"width"``, ``"lambda_seed1"``, ``"lambda_seed2"``,
            ``"l1_seed1"``, ``"l1_seed2"``, ``"adamw_seed1"``, ``"adamw_seed2"``, ``"width_seed1"``, ``"width_seed2"`` (a :class:`DecaySweep`)
            or ``"early"``, ``"early_seed1"``, ``"early_seed2"`` (a plain ``Sweep`` of the early-stopping runs).

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: the file was made from another recipe; rerun
            ``python assets/precompute.py weight_decay``.
    """
    sweep = load_sweep(WEIGHT_DECAY_SWEEPS[name])
    if name.startswith("early"):
        return sweep
    return DecaySweep(sweep.spec, sweep.runs, sweep.made_with)
