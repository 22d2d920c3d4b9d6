"""Notebook 07's stored sweeps, the widgets' live runs, and the closing table built from measurements.

``python assets/precompute.py catalogue`` makes every sweep of :data:`CATALOGUE_SWEEPS` with the
run functions of :mod:`.mnist1d` and :mod:`.digits`; :func:`load_catalogue_sweep` reads one back,
refusing a file made from another recipe. The closing table's runs are stored for each seed of
:data:`TABLE_SEEDS`, and :data:`LONG_RUNS` also with three times the epochs, so that "does not help
at this scale" can be told from "does not help within 60 epochs". :func:`catalogue_table` turns
the stored runs into the closing table: one row per measured effect, each against the baseline it
is compared with, as a mean and a standard deviation over the seeds, with what it costs.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..._validation import Bool, Float, Instance, Int, MappingOf, OneOf, SequenceOf, invalid, validate
from ...data import Splits
from ...language import gettext as tr
from ...language import gettext_noop as N_
from ...resources import asset_path
from ...train import History, _require_epochs
from ..sweep import Sweep, SweepSpec, load_sweep
from .digits import DigitsRecipe, fgsm_series, train_digits_cnn, train_digits_mlp
from .mnist1d import PSEUDO_CAP, train_technique
from .recipe import CatalogueRecipe

__all__ = [
    "CATALOGUE_SWEEPS",
    "EFFECT_ROWS",
    "LONG_RUNS",
    "ROW_KINDS",
    "TABLE_SEEDS",
    "CatalogueSweep",
    "across_seeds",
    "adversarial_label",
    "catalogue_table",
    "load_catalogue_sweep",
    "run_shift",
    "run_smoothing",
    "seed_sweep",
    "shift_label",
    "smoothing_label",
    "spread",
]

#: The techniques each stored table sweep holds (all with ``CatalogueRecipe()``, one file per seed).
TABLE_SWEEPS: dict[str, tuple[str, ...]] = {
    "items_1_3": ("baseline", "weight decay", "early stopping", "shift augmentation", "input noise", "weight noise",
                  "label smoothing", "label flips", "dropout", "temperature scaling",
                  "label smoothing + early stopping"),
    "items_3_6": ("wrong labels", "wrong labels + label smoothing", "wrong labels + early stopping",
                  "pseudo-labels", "consistency", "single task", "multi-task", "pseudo-labels, true labels",
                  "pseudo-labels, capped"),
    "items_7_9": ("parameter sharing (CNN)", "domain B alone", "domain B tied to A", "L1 on activations",
                  "L1 on weights", "bagging", "domain B fine-tuned from A", "seed ensemble"),
}
# The run of each table sweep that tests/test_assets.py trains again (seconds each).
_CHEAPEST = {"items_1_3": "early stopping", "items_3_6": "wrong labels + early stopping", "items_7_9": "domain B alone"}
#: The seeds of the closing table: the notebooks' seed 0 and three more, each sweep stored once per seed.
TABLE_SEEDS = tuple(range(8))
#: The runs repeated with three times the epochs (``"long"``), to separate the budget from the scale.
LONG_RUNS = ("baseline", "dropout", "shift augmentation")
#: How many times the epochs the long runs train.
LONG_FACTOR = 3
#: The settings of the widgets' sliders.
SHIFTS = (0, 1, 2, 4, 8, 20)
SMOOTHINGS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
ADVERSARIAL_EPS = (0.0, 0.05, 0.1, 0.2)
CNN_LABELS = ("CNN", "CNN + augmentation")

_MNIST = Instance(CatalogueRecipe, hint="Pass e.g. recipe=experiments.CatalogueRecipe().")
_LIVE = {"data": [None, Instance(Splits, desc="a Splits")], "progress": Bool()}


@validate(max_shift=Int(0, 20))
def shift_label(max_shift: int) -> str:
    """The name of one setting of the shift sweep, e.g. ``"max shift 4"``."""
    return N_("max shift {shift}").format(shift=max_shift)


@validate(alpha=Float(0, 1))
def smoothing_label(alpha: float) -> str:
    """The name of one setting of the smoothing sweep, e.g. ``"α = 0.1"``."""
    return f"α = {alpha:g}"


@validate(eps_train=Float(0, 1))
def adversarial_label(eps_train: float) -> str:
    """``"standard training"`` for 0, else e.g. ``"adversarial training, ε = 0.1"``."""
    return N_("standard training") if eps_train == 0 else N_("adversarial training, ε = {eps}").format(eps=f"{eps_train:g}")


@validate(max_shift=Int(0, 20), recipe=_MNIST, **_LIVE)
def run_shift(max_shift: int, *, recipe: CatalogueRecipe, data: Splits | None = None,
              progress: bool = True) -> History:
    """The shift-augmentation run with ``max_shift`` (0: no augmentation): the shift widget's live run."""
    return train_technique("shift augmentation", dataclasses.replace(recipe, max_shift=max_shift), data=data,
                           progress=progress)[1]


@validate(alpha=Float(0, 1), recipe=_MNIST, **_LIVE)
def run_smoothing(alpha: float, *, recipe: CatalogueRecipe, data: Splits | None = None,
                  progress: bool = True) -> History:
    """The label-smoothing run with factor ``alpha`` (0: one-hot targets): the smoothing widget's live run."""
    return train_technique("label smoothing", dataclasses.replace(recipe, smoothing=alpha), data=data,
                           progress=progress)[1]


# ------------------------------------------------------------------------------------------ sweep specs
@validate(name=str, seed=Int(0))
def seed_sweep(name: str, seed: int) -> str:
    """The name of a sweep stored for another seed: ``"items_1_3"`` for seed 0, ``"items_1_3_seed2"`` for seed 2."""
    return name if seed == 0 else f"{name}_seed{seed}"


def _runs_spec(name: str, recipe: Any, labels: tuple[str, ...], train: Callable[[str, Any], History],
               cheapest: str, description: str) -> SweepSpec:
    return SweepSpec(
        topic="catalogue", name=name, file=f"catalogue_{name}.json", recipe=recipe,
        run=lambda r: {label: train(label, r) for label in labels},
        labels=lambda r: list(labels),
        repeat=lambda r: (cheapest, train(cheapest, r)),
        description=description)


def _slider_spec(name: str, recipe: Any, values: tuple, label: Callable[[Any], str],
                 run: Callable[..., History], description: str) -> SweepSpec:
    return SweepSpec(
        topic="catalogue", name=name, file=f"catalogue_{name}_sweep.json", recipe=recipe,
        run=lambda r: {label(v): run(v, recipe=r, progress=False) for v in values},
        labels=lambda r: [label(v) for v in values],
        repeat=lambda r: (label(values[0]), run(values[0], recipe=r, progress=False)),
        description=description)


def _cnn(label: str, recipe: DigitsRecipe) -> History:
    return train_digits_cnn(label != "CNN", recipe)[1]


def _technique(label: str, recipe: CatalogueRecipe) -> History:
    return train_technique(label, recipe)[1]


def _adversarial(eps_train: float, *, recipe: DigitsRecipe, progress: bool) -> History:
    return train_digits_mlp(eps_train, recipe, progress=progress)[1]


def _per_seed(name: str, make: Callable[[str, int], SweepSpec]) -> dict[str, SweepSpec]:
    return {seed_sweep(name, s): make(seed_sweep(name, s), s) for s in TABLE_SEEDS}


_ITEMS = {"items_1_3": "items 1-3, 6 and 10 on the common baseline (MNIST-1D, 500 signals, MLP)",
          "items_3_6": "items 3-6: wrong labels, semi-supervised and multi-task runs",
          "items_7_9": "items 7-9: parameter sharing and tying, sparse representations, ensembles"}
_LONG = dataclasses.replace(CatalogueRecipe(), epochs=LONG_FACTOR * CatalogueRecipe().epochs)
_CNN_LONG = dataclasses.replace(DigitsRecipe(), cnn_epochs=LONG_FACTOR * DigitsRecipe().cnn_epochs)

#: The stored sweeps of notebooks 07a and 07b, made by ``python assets/precompute.py catalogue``.
CATALOGUE_SWEEPS: dict[str, SweepSpec] = {}
for _group, _what in _ITEMS.items():
    CATALOGUE_SWEEPS |= _per_seed(_group, lambda name, s, g=_group, w=_what: _runs_spec(
        name, dataclasses.replace(CatalogueRecipe(), seed=s), TABLE_SWEEPS[g], _technique, _CHEAPEST[g],
        f"Notebooks 07a-07b, {w}; seed {s}."))
CATALOGUE_SWEEPS |= _per_seed("long", lambda name, s: _runs_spec(
    name, dataclasses.replace(_LONG, seed=s), LONG_RUNS, _technique, "baseline",
    f"Notebooks 07a-07b: the runs the budget changes, with {_LONG.epochs} epochs instead of "
    f"{CatalogueRecipe().epochs}; seed {s}."))
CATALOGUE_SWEEPS |= _per_seed("digits_cnn", lambda name, s: _runs_spec(
    name, dataclasses.replace(DigitsRecipe(), seed=s), CNN_LABELS, _cnn, "CNN",
    f"Notebook 07a, item 2: ConvNet2d on 100 digit images, with and without augmentation; seed {s}."))
CATALOGUE_SWEEPS |= _per_seed("digits_cnn_long", lambda name, s: _runs_spec(
    name, dataclasses.replace(_CNN_LONG, seed=s), CNN_LABELS, _cnn, "CNN",
    f"Notebook 07a, item 2 with {_CNN_LONG.cnn_epochs} epochs instead of {DigitsRecipe().cnn_epochs}; seed {s}."))
CATALOGUE_SWEEPS["shift"] = _slider_spec(
    "shift", CatalogueRecipe(), SHIFTS, shift_label, run_shift,
    "Notebook 07a's augmentation-strength slider: circular shifts of at most 0 to 20 positions.")
CATALOGUE_SWEEPS |= _per_seed("smoothing", lambda name, s: _slider_spec(
    name, dataclasses.replace(CatalogueRecipe(), seed=s), SMOOTHINGS, smoothing_label, run_smoothing,
    f"Notebook 07a's smoothing slider: label smoothing with α from 0 to 0.5; seed {s}."))
CATALOGUE_SWEEPS |= _per_seed("epsilon", lambda name, s: _slider_spec(
    name, dataclasses.replace(DigitsRecipe(), seed=s), ADVERSARIAL_EPS, adversarial_label, _adversarial,
    f"Notebook 07b's ε slider: the digits MLP trained normally and adversarially, robust accuracy at every "
    f"test ε; seed {s}."))


_SLIDERS: dict[str, tuple[tuple, Callable[[Any], str]]] = {
    "shift": (SHIFTS, shift_label), "smoothing": (SMOOTHINGS, smoothing_label),
    "epsilon": (ADVERSARIAL_EPS, adversarial_label)}


class CatalogueSweep(Sweep[Any]):
    """A stored sweep of notebook 07: :meth:`final` reads a run's measurement in its last epoch."""

    def settings(self) -> list[tuple[float, str]]:
        """The slider's settings of a slider sweep, ``[(value, label), ...]``; ``[]`` for a table sweep."""
        values, label = _SLIDERS.get(re.sub(r"_seed\d+$", "", self.spec.name), ((), str))
        return [(v, label(v)) for v in values]

    @validate(label=str, series=str)
    def final(self, label: str, series: str = "final_acc") -> float:
        """The last recorded value of ``series`` in the run ``label`` (e.g. its test accuracy).

        Raises:
            KeyError: no such run (the message lists the runs).
            ValueError: no such series in that run, or the run has no epoch.
        """
        run = self.get(label)
        _require_epochs(run, "label", label, "the label of a run with at least one epoch")
        return run.series(series)[-1]


@validate(name=OneOf(*CATALOGUE_SWEEPS))
def load_catalogue_sweep(name: str) -> CatalogueSweep:
    """One of notebook 07's stored sweeps, checked against its current recipe.

    Args:
        name: ``"items_1_3"``, ``"items_3_6"``, ``"items_7_9"`` (the closing table's runs),
            ``"long"`` (:data:`LONG_RUNS` with three times the epochs), ``"digits_cnn"``,
            ``"digits_cnn_long"``, ``"shift"``, ``"smoothing"`` or ``"epsilon"`` (the sliders'), all
            made with seed 0; the table's sweeps and ``"epsilon"`` are also stored for the other seeds
            of :data:`TABLE_SEEDS`, as ``"items_1_3_seed1"`` and so on (:func:`seed_sweep`).

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: it was made from another recipe; rerun ``python assets/precompute.py catalogue``.
    """
    sweep = load_sweep(CATALOGUE_SWEEPS[name])
    return CatalogueSweep(sweep.spec, sweep.runs, sweep.made_with)


#: The sweeps ``across_seeds`` and ``catalogue_table`` have read, by name, with their file's
#: (modification time, size): a notebook reads the same eight files dozens of times, and parsing
#: them was a fifth of its run time.
_READ: dict[str, tuple[tuple[int, int], CatalogueSweep]] = {}


def _read_only(name: str) -> CatalogueSweep:
    """``load_catalogue_sweep(name)``, read again only when its file changes; only read, never handed out."""
    path = asset_path(CATALOGUE_SWEEPS[name].file)
    if not path.is_file():
        return load_catalogue_sweep(name)  # its error says how to make the file
    stamp = (path.stat().st_mtime_ns, path.stat().st_size)
    if name not in _READ or _READ[name][0] != stamp:
        _READ[name] = (stamp, load_catalogue_sweep(name))
    return _READ[name][1]


@validate(name=str, label=str, series=str, against=[None, str])
def across_seeds(name: str, label: str, series: str = "final_acc", *, against: str | None = None) -> list[float]:
    """One stored measurement on every seed of :data:`TABLE_SEEDS`, e.g. a technique's test accuracy.

    Args:
        name: a sweep stored per seed, by seed 0's name, e.g. ``"items_1_3"`` or ``"long"``.
        label: the run, e.g. ``"dropout"``.
        series: what to read from the run's last epoch, e.g. ``"final_ece"``.
        against: another run of the same sweep; if given, each value is the difference
            ``label - against`` on the same seed (an effect).

    Returns:
        One value per seed, in the order of :data:`TABLE_SEEDS`.

    Raises:
        ValueError: ``name`` is not stored per seed (the message lists the ones that are).
    """
    missing = [seed_sweep(name, s) for s in TABLE_SEEDS if seed_sweep(name, s) not in CATALOGUE_SWEEPS]
    if missing:
        per_seed = sorted(n for n in CATALOGUE_SWEEPS if seed_sweep(n, TABLE_SEEDS[-1]) in CATALOGUE_SWEEPS)
        raise invalid("name", f"a sweep stored for every seed, one of {per_seed}", repr(name))
    sweeps = [_read_only(seed_sweep(name, s)) for s in TABLE_SEEDS]
    return [sw.final(label, series) - (sw.final(against, series) if against is not None else 0.0) for sw in sweeps]


@validate(values=SequenceOf(Float(), desc="a list of numbers, one per seed"), scale=Float(0, low_open=True),
          unit=[None, str], digits=Int(0))
def spread(values: Sequence[float], *, scale: float = 100.0, unit: str | None = None, digits: int = 1) -> str:
    """``mean ± sd`` of per-seed values, with the values: e.g. ``"+2.2 ± 0.2 points (+2.4, +2.4, +2.0, +2.1)"``.

    Args:
        values: one measurement per seed (differences are shown signed, see ``unit``).
        scale: multiplies every value first (100: fractions to percentage points).
        unit: appended to the mean; ``""`` for a plain number. ``None``: percentage points
            (" points", in the course's language), with signed values.
        digits: decimals shown.

    Returns:
        The text; the sd is the sample standard deviation (over n - 1).
    """
    scaled = [scale * v for v in values]
    mean, sd = _mean_sd(scaled)
    sign = "+" if unit is None else ""
    unit = tr(" points") if unit is None else unit
    each = ", ".join(f"{v:{sign}.{digits}f}" for v in scaled)
    return f"{mean:{sign}.{digits}f} ± {sd:.{digits}f}{unit} ({each})"


# ------------------------------------------------------------------------------------------ the table
#: What a row of the closing table is compared with (``kind``): the common baseline (the MNIST-1D MLP
#: on 500 signals, 60 epochs), another run on the same data (named in ``compared_with``), or the
#: experiment's own baseline in another setup (named in ``setup``).
ROW_KINDS = ("common baseline", "another run, same data", "own baseline, other setup")
_C, _S, _O = ROW_KINDS
_COMMON = "MNIST-1D MLP, 500 signals"
_LONG_SETUP = f"{_COMMON}, {_LONG.epochs} epochs"
_WRONG = "MNIST-1D MLP, 40% wrong labels"
_DOMAIN_B = "MNIST-1D MLP, second domain"
_DIGITS_MLP = "digits MLP, 1 079 images"
_VALIDATION = "the 800 validation labels"
_UNLABELLED = "2,700 unlabelled signals"


@dataclasses.dataclass(frozen=True)
class _Row:
    item: int
    technique: str  # the run measured
    compared_with: str  # the run it is compared with
    sweep: str  # the stored sweep, seed 0's name
    metric: str
    kind: str
    cost: str = "nothing"  # what the row costs or adds beyond its comparison
    series: str = "final_acc"
    baseline_series: str | None = None  # default: the same series
    baseline_sweep: str | None = None  # default: the same sweep
    setup: str = _COMMON
    name: str | None = None  # the row's name; default: the technique
    against: str | None = None  # the comparison's name; default: compared_with


_ROBUST = fgsm_series(0.1)
_ADV = "adversarial training, ε = 0.1"
_ADV_COST = "another data set; one more forward and backward pass per step"
#: Every row of the closing table: which measured runs it compares, and what the technique costs.
EFFECT_ROWS: tuple[_Row, ...] = (
    _Row(1, "weight decay", "baseline", "items_1_3", "accuracy", _C),
    _Row(2, "shift augmentation", "baseline", "items_1_3", "accuracy", _C),
    _Row(2, "shift augmentation", "baseline", "long", "accuracy", _S, f"{LONG_FACTOR}× the epochs, both runs",
         setup=_LONG_SETUP, name=f"shift augmentation, {_LONG.epochs} epochs", against=f"baseline, {_LONG.epochs} epochs"),
    _Row(2, "CNN + augmentation", "CNN", "digits_cnn", "accuracy", _O, "another data set and net",
         setup="digits CNN, 100 images"),
    _Row(2, "CNN + augmentation", "CNN", "digits_cnn_long", "accuracy", _O,
         f"another data set and net; {LONG_FACTOR}× the epochs, both runs",
         setup=f"digits CNN, 100 images, {_CNN_LONG.cnn_epochs} epochs",
         name=f"CNN + augmentation, {_CNN_LONG.cnn_epochs} epochs", against=f"CNN, {_CNN_LONG.cnn_epochs} epochs"),
    _Row(3, "input noise", "baseline", "items_1_3", "accuracy", _C),
    _Row(3, "weight noise", "baseline", "items_1_3", "accuracy", _C),
    _Row(3, "label smoothing", "baseline", "items_1_3", "accuracy", _C),
    _Row(3, "label smoothing", "baseline", "items_1_3", "ECE", _C, series="final_ece"),
    _Row(3, "temperature scaling", "baseline", "items_1_3", "ECE", _C, f"{_VALIDATION}; no retraining",
         series="final_ece"),
    _Row(3, "label flips", "baseline", "items_1_3", "accuracy", _C),
    _Row(3, "label flips", "baseline", "items_1_3", "ECE", _C, series="final_ece"),
    _Row(3, "wrong labels + label smoothing", "wrong labels", "items_3_6", "accuracy", _O, setup=_WRONG),
    _Row(4, "pseudo-labels", "shift augmentation", "items_3_6", "accuracy", _S, f"{_UNLABELLED}; 2× the training",
         baseline_sweep="items_1_3"),
    _Row(4, "pseudo-labels, capped", "shift augmentation", "items_3_6", "accuracy", _S,
         f"{_UNLABELLED}; 2× the training", baseline_sweep="items_1_3",
         name=f"pseudo-labels, at most {PSEUDO_CAP} per class"),
    _Row(4, "consistency", "shift augmentation", "items_3_6", "accuracy", _S,
         f"{_UNLABELLED}; 3× the forward passes per step",
         baseline_sweep="items_1_3"),
    _Row(5, "multi-task", "single task", "items_3_6", "accuracy", _O, "the other task's labelled signals",
         setup="MNIST-1D, digits 0-4 (5 classes)"),
    _Row(6, "early stopping", "baseline", "items_1_3", "accuracy", _C, _VALIDATION),
    _Row(6, "label smoothing + early stopping", "label smoothing", "items_1_3", "accuracy", _S, _VALIDATION),
    _Row(6, "wrong labels + early stopping", "wrong labels", "items_3_6", "accuracy", _O, _VALIDATION, setup=_WRONG),
    _Row(7, "parameter sharing (CNN)", "baseline", "items_7_9", "accuracy", _C, "another architecture",
         baseline_sweep="items_1_3"),
    _Row(7, "domain B tied to A", "domain B alone", "items_7_9", "accuracy", _O,
         "2,700 labelled signals of the first domain", setup=_DOMAIN_B),
    _Row(7, "domain B fine-tuned from A", "domain B alone", "items_7_9", "accuracy", _O,
         "2,700 labelled signals of the first domain", setup=_DOMAIN_B),
    _Row(8, "L1 on activations", "baseline", "items_7_9", "accuracy", _C, baseline_sweep="items_1_3"),
    _Row(8, "L1 on activations", "baseline", "items_7_9", "zero activations", _C, series="final_zero_frac",
         baseline_sweep="items_1_3"),
    _Row(8, "L1 on weights", "baseline", "items_7_9", "accuracy", _C, baseline_sweep="items_1_3"),
    _Row(8, "L1 on weights", "baseline", "items_7_9", "weights below 1e-3", _C, series="final_small_weights",
         baseline_sweep="items_1_3"),
    _Row(9, "bagging", "baseline", "items_7_9", "accuracy", _C, "5× the training", baseline_sweep="items_1_3"),
    _Row(9, "bagging", "its average member", "items_7_9", "accuracy", _S, "5× the training",
         baseline_series="member_mean"),
    _Row(9, "seed ensemble", "baseline", "items_7_9", "accuracy", _C, "5× the training", baseline_sweep="items_1_3"),
    _Row(9, "seed ensemble", "its average member", "items_7_9", "accuracy", _S, "5× the training",
         baseline_series="member_mean"),
    _Row(10, "dropout", "baseline", "items_1_3", "accuracy", _C),
    _Row(10, "dropout", "baseline", "long", "accuracy", _S, f"{LONG_FACTOR}× the epochs, both runs",
         setup=_LONG_SETUP, name=f"dropout, {_LONG.epochs} epochs", against=f"baseline, {_LONG.epochs} epochs"),
    _Row(11, _ADV, "standard training", "epsilon", "robust accuracy (ε = 0.1)", _O, _ADV_COST, series=_ROBUST,
         setup=_DIGITS_MLP),
    _Row(11, _ADV, "standard training", "epsilon", "accuracy", _O, _ADV_COST, setup=_DIGITS_MLP,
         name=f"{_ADV}, clean digits"),
)


def _mean_sd(values: list[float]) -> tuple[float, float]:
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else math.nan
    return mean, sd


@validate(sweeps=[None, MappingOf(str, Instance(Sweep, desc="a stored Sweep"),
                                  desc="a dict {sweep name: loaded sweep}")])
def catalogue_table(sweeps: Mapping[str, Sweep] | None = None) -> list[dict[str, Any]]:
    """The closing table: every effect measured in notebooks 07a and 07b, over the seeds of :data:`TABLE_SEEDS`.

    Args:
        sweeps: ``{name: sweep}`` for the sweeps the rows of :data:`EFFECT_ROWS` use, on every seed
            (``"items_1_3"``, ``"items_1_3_seed1"``, ...); those missing are loaded with
            :func:`load_catalogue_sweep`.

    Returns:
        One dict per row: ``item``, ``technique`` (the row's name), ``compared_with``, ``setup``,
        ``metric``, ``kind`` (one of :data:`ROW_KINDS`), ``cost`` (what the technique costs or adds
        beyond its comparison), ``seeds``, and per seed ``baselines``, ``values`` and ``effects``
        (``value - baseline``; accuracies as fractions, e.g. 0.077 for +7.7 percentage points);
        ``baseline``, ``value`` and ``effect`` are their means over the seeds, ``effect_sd`` the
        effect's sample standard deviation.
    """
    loaded = dict(sweeps) if sweeps is not None else {}
    rows = []
    for r in EFFECT_ROWS:
        baselines, values = [], []
        for seed in TABLE_SEEDS:
            for name in {r.sweep, r.baseline_sweep or r.sweep}:
                full = seed_sweep(name, seed)
                if full not in loaded:
                    loaded[full] = _read_only(full)
            values.append(loaded[seed_sweep(r.sweep, seed)].get(r.technique).series(r.series)[-1])
            base_run = loaded[seed_sweep(r.baseline_sweep or r.sweep, seed)].get(
                r.technique if r.baseline_series else r.compared_with)
            baselines.append(base_run.series(r.baseline_series or r.series)[-1])
        effects = [v - b for v, b in zip(values, baselines)]
        effect, sd = _mean_sd(effects)
        rows.append({"item": r.item, "technique": r.name or r.technique, "compared_with": r.against or r.compared_with,
                     "setup": r.setup, "metric": r.metric, "kind": r.kind, "cost": r.cost,
                     "seeds": list(TABLE_SEEDS), "baselines": baselines, "values": values, "effects": effects,
                     "baseline": _mean_sd(baselines)[0], "value": _mean_sd(values)[0], "effect": effect,
                     "effect_sd": sd})
    return rows
