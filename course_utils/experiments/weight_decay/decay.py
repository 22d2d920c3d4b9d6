"""Notebook 04, sections 2-5: weight decay on a net (L2 and L1 penalties, AdamW, width).

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
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import torch
from torch import Tensor, nn

from ..._validation import Bool, Float, Instance, Int, OneOf, SequenceOf, validate
from ...data import Splits, load_mnist1d
from ...device import SEED, torch_threads
from ...language import gettext_noop as N_
from ...models import MLP
from ...regularizers.penalties import decayed_weights, l1_penalty, l2_penalty
from ...train import SMALL_WEIGHT, History, _require_epochs, evaluate, fit, log_accuracy, log_weights, weight_sparsity

__all__ = [
    "DECAY_COLOURS",
    "DECAY_METHOD_NAMES",
    "SPARSITY_THRESHOLD",
    "DecayRecipe",
    "decay_label",
    "decay_net",
    "decay_param_groups",
    "final_decay_errors",
    "run_decay",
    "train_decay_net",
    "weight_sparsity",
]

_POSITIVE_INT = Int(1)
_LAM = Float(0, hint="λ is a penalty strength and cannot be negative.")
_METHOD = OneOf("l2", "l1", "adamw")
_N_TRAIN = [None, Int(10, 3200, hint="Use None for the full training set (3200 signals).")]
#: Weights with ``|w|`` below this count as (near) zero in the sparsity measurements: the package's
#: one threshold, ``train.SMALL_WEIGHT`` (1e-3), under the name notebook 04 uses.
SPARSITY_THRESHOLD = SMALL_WEIGHT

#: How each method is named in labels and figures.
DECAY_METHOD_NAMES = {"l2": "L2", "l1": "L1", "adamw": "AdamW"}
#: Colour = the method, the same in every figure and widget of notebook 04 (Okabe-Ito colours).
DECAY_COLOURS = {"none": "#555555", "l2": "#0072B2", "l1": "#009E73", "adamw": "#CC79A7"}


@validate()
@dataclass(frozen=True)
class DecayRecipe:
    """Every setting of the weight-decay experiments (measured on this kind of machine).

    ``method``, ``lambdas`` and ``widths`` say which settings :func:`run_decay` trains (every
    width with every λ, all with ``method``); :func:`train_decay_net` trains one setting, given as
    its arguments, with the recipe's other attributes.

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
    """Train one (method, λ, width) setting with ``recipe``'s other settings: the live run of the λ slider.

    Args:
        method: ``"l2"``, ``"l1"`` or ``"adamw"`` (see the module docstring); ignored when λ = 0.
        lam: the strength λ.
        recipe: the experiment's settings; its ``method``, ``lambdas`` and ``widths`` choose the
            settings of a sweep (:func:`run_decay`) and are not used here: the setting is given.
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


@validate(recipe=Instance(DecayRecipe, hint="Pass e.g. experiments.DecayRecipe()."), **_RUN)
def run_decay(recipe: DecayRecipe, *, data: Splits | None = None, threads: int | None = 1,
              progress: bool = False) -> dict[str, History]:
    """Train every (width, λ) pair of ``recipe`` with its method.

    Returns:
        ``{label: History}``, widths outer and λ inner, in the recipe's order; labels from
        :func:`decay_label` (with the width only when the recipe has several).
    """
    splits = _mnist(data, recipe.n_train, recipe.data_seed)
    return {_label(recipe, lam, width): train_decay_net(recipe.method, lam, recipe=recipe, width=width, data=splits,
                                                        threads=threads, progress=progress)[1]
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
