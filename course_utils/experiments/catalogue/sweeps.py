"""Notebook 07's stored sweeps, the widgets' live runs, and the closing table built from measurements.

``python assets/precompute.py catalogue`` makes every sweep of :data:`CATALOGUE_SWEEPS` with the
run functions of :mod:`.mnist1d` and :mod:`.digits`; :func:`load_catalogue_sweep` reads one back,
refusing a file made from another recipe. :func:`catalogue_table` turns the stored runs into the
closing table: one row per measured effect, each against the baseline it is compared with.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

from ..._validation import Bool, Float, Instance, Int, MappingOf, OneOf, validate
from ...data import Splits
from ...train import History
from ..sweep import Sweep, SweepSpec, load_sweep
from .digits import DigitsRecipe, fgsm_series, train_digits_cnn, train_digits_mlp
from .mnist1d import run_technique
from .recipe import CatalogueRecipe

__all__ = [
    "CATALOGUE_SWEEPS",
    "EFFECT_ROWS",
    "CatalogueSweep",
    "adversarial_label",
    "catalogue_table",
    "load_catalogue_sweep",
    "run_adversarial",
    "run_shift",
    "run_smoothing",
    "shift_label",
    "smoothing_label",
]

#: The techniques each stored table sweep holds (all with ``CatalogueRecipe()``).
TABLE_SWEEPS: dict[str, tuple[str, ...]] = {
    "items_1_3": ("baseline", "weight decay", "early stopping", "shift augmentation", "input noise", "weight noise",
                  "label smoothing", "label flips", "dropout"),
    "items_3_6": ("wrong labels", "wrong labels + label smoothing", "wrong labels + early stopping",
                  "pseudo-labels", "consistency", "single task", "multi-task"),
    "items_7_9": ("parameter sharing (CNN)", "domain B alone", "domain B tied to A", "L1 on activations",
                  "L1 on weights", "bagging"),
}
# The run of each table sweep that tests/test_assets.py trains again (seconds each).
_CHEAPEST = {"items_1_3": "early stopping", "items_3_6": "wrong labels + early stopping", "items_7_9": "domain B alone"}
#: The seeds of the semi-supervised runs stored beside the notebook's seed 0 (pseudo-labelling is unstable).
SEMI_SEEDS = (1, 2, 3)
SEMI_RUNS = ("shift augmentation", "pseudo-labels", "consistency")
#: The settings of the widgets' sliders.
SHIFTS = (0, 1, 2, 4, 8, 20)
SMOOTHINGS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
ADVERSARIAL_EPS = (0.0, 0.05, 0.1, 0.2)
CNN_LABELS = ("CNN", "CNN + augmentation")

_MNIST = Instance(CatalogueRecipe, hint="Pass e.g. recipe=experiments.CatalogueRecipe().")
_DIGITS = Instance(DigitsRecipe, hint="Pass e.g. recipe=experiments.DigitsRecipe().")
_LIVE = {"data": [None, Instance(Splits, desc="a Splits")], "progress": Bool()}


@validate(max_shift=Int(0, 20))
def shift_label(max_shift: int) -> str:
    """The name of one setting of the shift sweep, e.g. ``"max shift 4"``."""
    return f"max shift {max_shift}"


@validate(alpha=Float(0, 1))
def smoothing_label(alpha: float) -> str:
    """The name of one setting of the smoothing sweep, e.g. ``"α = 0.1"``."""
    return f"α = {alpha:g}"


@validate(eps_train=Float(0, 1))
def adversarial_label(eps_train: float) -> str:
    """``"standard training"`` for 0, else e.g. ``"adversarial training, ε = 0.1"``."""
    return "standard training" if eps_train == 0 else f"adversarial training, ε = {eps_train:g}"


@validate(max_shift=Int(0, 20), recipe=_MNIST, **_LIVE)
def run_shift(max_shift: int, *, recipe: CatalogueRecipe, data: Splits | None = None,
              progress: bool = True) -> History:
    """The shift-augmentation run with ``max_shift`` (0: no augmentation): the shift widget's live run."""
    return run_technique("shift augmentation", dataclasses.replace(recipe, max_shift=max_shift), data=data,
                         progress=progress)


@validate(alpha=Float(0, 1), recipe=_MNIST, **_LIVE)
def run_smoothing(alpha: float, *, recipe: CatalogueRecipe, data: Splits | None = None,
                  progress: bool = True) -> History:
    """The label-smoothing run with factor ``alpha`` (0: one-hot targets): the smoothing widget's live run."""
    return run_technique("label smoothing", dataclasses.replace(recipe, smoothing=alpha), data=data,
                         progress=progress)


@validate(eps_train=Float(0, 1), recipe=_DIGITS, **_LIVE)
def run_adversarial(eps_train: float, *, recipe: DigitsRecipe, data: Splits | None = None,
                    progress: bool = True) -> History:
    """The digits MLP trained with FGSM examples at ``eps_train`` (0: normally): the ε widget's live run."""
    return train_digits_mlp(eps_train, recipe, data=data, progress=progress)[1]


# ------------------------------------------------------------------------------------------ sweep specs
def _table_spec(name: str, description: str) -> SweepSpec[CatalogueRecipe]:
    labels = TABLE_SWEEPS[name]
    cheapest = _CHEAPEST[name]
    return SweepSpec(
        topic="catalogue", name=name, file=f"catalogue_{name}.json", recipe=CatalogueRecipe(),
        run=lambda r: {label: run_technique(label, r) for label in labels},
        labels=lambda r: list(labels),
        repeat=lambda r: (cheapest, run_technique(cheapest, r)),
        description=description)


def _slider_spec(name: str, recipe: Any, values: tuple, label: Callable[[Any], str],
                 run: Callable[..., History], description: str) -> SweepSpec:
    return SweepSpec(
        topic="catalogue", name=name, file=f"catalogue_{name}_sweep.json", recipe=recipe,
        run=lambda r: {label(v): run(v, recipe=r, progress=False) for v in values},
        labels=lambda r: [label(v) for v in values],
        repeat=lambda r: (label(values[0]), run(values[0], recipe=r, progress=False)),
        description=description)


def _semi_label(seed: int, name: str) -> str:
    return f"seed {seed}: {name}"


def _semi_runs(recipe: CatalogueRecipe) -> dict[str, History]:
    return {_semi_label(s, name): run_technique(name, dataclasses.replace(recipe, seed=s))
            for s in SEMI_SEEDS for name in SEMI_RUNS}


def _cnn_runs(recipe: DigitsRecipe) -> dict[str, History]:
    return {label: train_digits_cnn(label != "CNN", recipe)[1] for label in CNN_LABELS}


#: The stored sweeps of notebook 07, made by ``python assets/precompute.py catalogue``.
CATALOGUE_SWEEPS: dict[str, SweepSpec] = {
    "items_1_3": _table_spec("items_1_3", "Notebook 07, items 1-3, 6 and 10 on the common baseline (MNIST-1D, "
                                          "500 signals, MLP): one run per technique."),
    "items_3_6": _table_spec("items_3_6", "Notebook 07, items 3-6: wrong labels, semi-supervised and multi-task "
                                          "runs."),
    "items_7_9": _table_spec("items_7_9", "Notebook 07, items 7-9: parameter sharing and tying, sparse "
                                          "representations, bagging."),
    "semi_seeds": SweepSpec(
        topic="catalogue", name="semi_seeds", file="catalogue_semi_seeds.json", recipe=CatalogueRecipe(),
        run=_semi_runs, labels=lambda r: [_semi_label(s, n) for s in SEMI_SEEDS for n in SEMI_RUNS],
        repeat=lambda r: (_semi_label(SEMI_SEEDS[0], SEMI_RUNS[0]),
                          run_technique(SEMI_RUNS[0], dataclasses.replace(r, seed=SEMI_SEEDS[0]))),
        description="Notebook 07, item 4 on three more seeds: augmentation alone, with pseudo-labels, with "
                    "the consistency penalty."),
    "digits_cnn": SweepSpec(
        topic="catalogue", name="digits_cnn", file="catalogue_digits_cnn.json", recipe=DigitsRecipe(),
        run=_cnn_runs, labels=lambda r: list(CNN_LABELS),
        repeat=lambda r: ("CNN", train_digits_cnn(False, r)[1]),
        description="Notebook 07, item 2: ConvNet2d on 100 digit images, with and without augmentation."),
    "shift": _slider_spec("shift", CatalogueRecipe(), SHIFTS, shift_label, run_shift,
                          "Notebook 07's augmentation-strength slider: circular shifts of at most 0 to 20 positions."),
    "smoothing": _slider_spec("smoothing", CatalogueRecipe(), SMOOTHINGS, smoothing_label, run_smoothing,
                              "Notebook 07's smoothing slider: label smoothing with α from 0 to 0.5."),
    "epsilon": _slider_spec("epsilon", DigitsRecipe(), ADVERSARIAL_EPS, adversarial_label, run_adversarial,
                            "Notebook 07's ε slider: the digits MLP trained normally and adversarially, "
                            "robust accuracy at every test ε."),
}


_SLIDERS: dict[str, tuple[tuple, Callable[[Any], str]]] = {
    "shift": (SHIFTS, shift_label), "smoothing": (SMOOTHINGS, smoothing_label),
    "epsilon": (ADVERSARIAL_EPS, adversarial_label)}


class CatalogueSweep(Sweep[Any]):
    """A stored sweep of notebook 07: :meth:`final` reads a run's measurement in its last epoch."""

    def settings(self) -> list[tuple[float, str]]:
        """The slider's settings of a slider sweep, ``[(value, label), ...]``; ``[]`` for a table sweep."""
        values, label = _SLIDERS.get(self.spec.name, ((), str))
        return [(v, label(v)) for v in values]

    @validate(label=str, series=str)
    def final(self, label: str, series: str = "final_acc") -> float:
        """The last recorded value of ``series`` in the run ``label`` (e.g. its test accuracy).

        Raises:
            KeyError: no such run (the message lists the runs).
            ValueError: no such series in that run.
        """
        return self.get(label).series(series)[-1]


@validate(name=OneOf(*CATALOGUE_SWEEPS))
def load_catalogue_sweep(name: str) -> CatalogueSweep:
    """One of notebook 07's stored sweeps, checked against its current recipe.

    Args:
        name: ``"items_1_3"``, ``"items_3_6"``, ``"items_7_9"`` (the closing table's runs),
            ``"semi_seeds"`` (item 4 on seeds 1-3: labels ``"seed 1: pseudo-labels"``, ...),
            ``"digits_cnn"``, ``"shift"``, ``"smoothing"`` or ``"epsilon"`` (the sliders').

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: it was made from another recipe; rerun ``python assets/precompute.py catalogue``.
    """
    sweep = load_sweep(CATALOGUE_SWEEPS[name])
    return CatalogueSweep(sweep.spec, sweep.runs, sweep.made_with)


# ------------------------------------------------------------------------------------------ the table
@dataclasses.dataclass(frozen=True)
class _Row:
    item: int
    technique: str
    compared_with: str
    sweep: str
    metric: str  # "accuracy", "ECE", "zero activations", "robust accuracy"
    series: str = "final_acc"
    baseline_series: str | None = None  # default: the same series
    baseline_sweep: str | None = None  # default: the same sweep
    setup: str = "MNIST-1D MLP, 500 signals"


_ROBUST = fgsm_series(0.1)
#: Every row of the closing table: which measured runs it compares.
EFFECT_ROWS: tuple[_Row, ...] = (
    _Row(1, "weight decay", "baseline", "items_1_3", "accuracy"),
    _Row(2, "shift augmentation", "baseline", "items_1_3", "accuracy"),
    _Row(2, "CNN + augmentation", "CNN", "digits_cnn", "accuracy", setup="digits CNN, 100 images"),
    _Row(3, "input noise", "baseline", "items_1_3", "accuracy"),
    _Row(3, "weight noise", "baseline", "items_1_3", "accuracy"),
    _Row(3, "label smoothing", "baseline", "items_1_3", "accuracy"),
    _Row(3, "label smoothing", "baseline", "items_1_3", "ECE", "final_ece"),
    _Row(3, "label flips", "baseline", "items_1_3", "accuracy"),
    _Row(3, "wrong labels + label smoothing", "wrong labels", "items_3_6", "accuracy",
         setup="MNIST-1D MLP, 40% wrong labels"),
    _Row(4, "pseudo-labels", "shift augmentation", "items_3_6", "accuracy", baseline_sweep="items_1_3"),
    _Row(4, "consistency", "shift augmentation", "items_3_6", "accuracy", baseline_sweep="items_1_3"),
    _Row(5, "multi-task", "single task", "items_3_6", "accuracy", setup="MNIST-1D, digits 0-4 (5 classes)"),
    _Row(6, "early stopping", "baseline", "items_1_3", "accuracy"),
    _Row(6, "wrong labels + early stopping", "wrong labels", "items_3_6", "accuracy",
         setup="MNIST-1D MLP, 40% wrong labels"),
    _Row(7, "domain B tied to A", "domain B alone", "items_7_9", "accuracy", setup="MNIST-1D MLP, second domain"),
    _Row(7, "parameter sharing (CNN)", "baseline", "items_7_9", "accuracy", baseline_sweep="items_1_3"),
    _Row(8, "L1 on activations", "baseline", "items_7_9", "accuracy", baseline_sweep="items_1_3"),
    _Row(8, "L1 on activations", "baseline", "items_7_9", "zero activations", "final_zero_frac",
         baseline_sweep="items_1_3"),
    _Row(8, "L1 on weights", "baseline", "items_7_9", "accuracy", baseline_sweep="items_1_3"),
    _Row(8, "L1 on weights", "baseline", "items_7_9", "weights below 1e-3", "final_small_weights",
         baseline_sweep="items_1_3"),
    _Row(9, "bagging", "baseline", "items_7_9", "accuracy", baseline_sweep="items_1_3"),
    _Row(9, "bagging", "its average member", "items_7_9", "accuracy", baseline_series="member_mean"),
    _Row(10, "dropout", "baseline", "items_1_3", "accuracy"),
    _Row(11, "adversarial training, ε = 0.1", "standard training", "epsilon", "robust accuracy (ε = 0.1)", _ROBUST,
         setup="digits MLP, FGSM at ε = 0.1"),
    _Row(11, "adversarial training, ε = 0.1", "standard training", "epsilon", "accuracy", setup="digits MLP"),
)


@validate(sweeps=[None, MappingOf(str, Instance(Sweep, desc="a stored Sweep"),
                                  desc="a dict {sweep name: loaded sweep}")])
def catalogue_table(sweeps: Mapping[str, Sweep] | None = None) -> list[dict[str, Any]]:
    """The closing table: every effect measured in notebook 07, from the stored runs.

    Args:
        sweeps: ``{name: sweep}`` for the names used by :data:`EFFECT_ROWS`; ``None`` loads them with
            :func:`load_catalogue_sweep`.

    Returns:
        One dict per row: ``item``, ``technique``, ``compared_with``, ``setup``, ``metric``,
        ``baseline`` and ``value`` (the two measurements) and ``effect`` (``value - baseline``;
        for accuracies, in points of a fraction, e.g. 0.077 for +7.7 percentage points).
    """
    needed = {r.sweep for r in EFFECT_ROWS} | {r.baseline_sweep for r in EFFECT_ROWS if r.baseline_sweep}
    loaded = dict(sweeps) if sweeps is not None else {}
    for name in needed:
        if name not in loaded:
            loaded[name] = load_catalogue_sweep(name)
    rows = []
    for r in EFFECT_ROWS:
        value = loaded[r.sweep].get(r.technique).series(r.series)[-1]
        base_run = loaded[r.baseline_sweep or r.sweep].get(r.technique if r.baseline_series else r.compared_with)
        baseline = base_run.series(r.baseline_series or r.series)[-1]
        rows.append({"item": r.item, "technique": r.technique, "compared_with": r.compared_with, "setup": r.setup,
                     "metric": r.metric, "baseline": baseline, "value": value,
                     "effect": value - baseline if not (math.isnan(value) or math.isnan(baseline)) else math.nan})
    return rows
