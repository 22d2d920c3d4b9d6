"""The claims of notebooks 07a and 07b, each run with the notebooks' own recipes on three other seeds.

Every technique of the catalogue runs with ``experiments.CatalogueRecipe(seed=s)`` (MNIST-1D, 500
training signals, the baseline MLP) or ``experiments.DigitsRecipe(seed=s)`` for s = 1, 2, 3; the
notebooks use seed 0, whose runs are stored in ``assets/catalogue_*.json`` and checked against the
code by ``tests/test_assets.py``. About 4 minutes of CPU in all (one thread).

Measured on the course machine (torch 2.14.1, one thread); test accuracies for seed 0 (the notebooks',
stored) and seeds 1, 2, 3 (the ones tested here) — every threshold below holds with room on all four:

- baseline 0.379, 0.374, 0.382, 0.373;
- weight decay +2.4, +2.4, +2.0, +2.1 points (claim: at least +1);
- shift augmentation +7.7, +7.9, +9.5, +8.0 (claim: at least +5), training accuracy 0.53-0.54 (claim: under
  0.8); on the digits, augmenting the CNN's 100 images changed its accuracy by -5.6, -8.4, -12.0, -3.1
  (claim, a finding: at least 2 points *lower*);
- input noise +2.6, +1.3, +1.4, +0.5 and weight noise +2.0, +0.2, +0.4, +1.2 (claim: between -1 and +5: a
  few points at most; the notebook says the gain is within a seed's spread);
- label smoothing: calibration error 0.350 -> 0.140, 0.363 -> 0.163, 0.358 -> 0.161, 0.365 -> 0.175
  (claim: at least 0.1 lower) with accuracy +0.6, +0.3, -0.6, -1.2 (claim: within 3 points); label flips
  -0.8, -1.6, -0.5, -0.2 (claim: no gain over +1);
- 40% wrong labels cost 15.0, 11.5, 12.8, 9.0 points (claim: at least 8); smoothing on them -1.2, -1.1,
  -0.1, -1.9 (claim: no gain over +1); early stopping on them +0.5, -0.8, -0.6, -1.1 (claim: within 2 points);
- semi-supervised, over the same shift augmentation: consistency +2.0, +0.5, +0.5, +1.7 (claim: between -1
  and +4, below the augmentation's own gain); pseudo-labels +2.5, +1.6, +3.3, -8.8 (claim, a finding:
  unstable, at least one seed 3 points lower, another at least 1 higher; always below the augmentation's
  gain), their labels 94-98% right and 97.5% or more of three classes (claim: over 90% right, over 80% in
  three classes);
- multi-task, task A: +1.8, +1.6, +1.4, +2.8 (claim: between 0 and +4);
- early stopping on the validation loss, clean labels: -9.2, -7.5, -9.5, -8.3 (claim, a finding: at least
  4 points lower), the best test accuracy 8-11 points above the one at the lowest validation loss (claim:
  over 4);
- tying on the second domain: +10.7, +10.5, +12.2, +11.5 (claim: at least +5), and 24-27 points above
  model A applied to domain B (claim: over 10); the conv net +40.5, +34.9, +36.4, +43.2 (claim: at least +20);
- L1 on the activations: zero activations 0.368 -> 0.699, 0.355 -> 0.702, 0.353 -> 0.696, 0.368 -> 0.692
  (claim: at least 1.5 times), accuracy +6.6, +5.8, +6.0, +5.3 (claim: no loss); L1 on the weights: 88% of
  the weights below 1e-3 against 1% (claim: over half, against under a tenth), zero activations within
  0.021 of the baseline's (claim: within 0.05), accuracy -1.5, -2.4, -0.6, -1.7;
- bagging: the ensemble over its average member +3.4, +2.8, +2.8, +3.8 and over its best member +1.9,
  +1.4, +1.2, +1.6 (claim: at least +2 over the average, above the best), and below the single net on all
  500 signals: -3.0, -2.8, -2.7, -1.7 (claim, a finding: not above it);
- dropout -1.6, +0.2, 0.0, +0.3 (claim: within 3 points);
- FGSM at eps = 0.1 on the digits MLP: 0.961 -> 0.485, 0.961 -> 0.501, 0.955 -> 0.532, 0.961 -> 0.499
  (claim: clean at least 0.93, attacked at most 0.65); adversarial training: 0.827, 0.852, 0.797, 0.830 at
  eps = 0.1, winning back 72%, 76%, 62%, 72% of the loss (claim: at least half), clean accuracy 0.967,
  0.981, 0.969, 0.978 (claim: not lower by over a point).
"""

from __future__ import annotations

import dataclasses
import functools

import pytest

from course_utils import experiments

SEEDS = (1, 2, 3)
RECIPE = experiments.CatalogueRecipe()
DIGITS = experiments.DigitsRecipe()


@functools.cache
def _data():
    return experiments.catalogue_data(RECIPE)


@functools.cache
def _run(name: str, seed: int):
    return experiments.run_technique(name, dataclasses.replace(RECIPE, seed=seed), data=_data())


def acc(name: str, seed: int, series: str = "final_acc") -> float:
    return _run(name, seed).series(series)[-1]


def gain(name: str, seed: int, against: str = "baseline") -> float:
    return acc(name, seed) - acc(against, seed)


@functools.cache
def _cnn(seed: int) -> dict[bool, float]:
    recipe = dataclasses.replace(DIGITS, seed=seed)
    images = experiments.digits_data(recipe, images=True)
    return {aug: experiments.train_digits_cnn(aug, recipe, data=images)[1].series("final_acc")[-1] for aug in (False, True)}


@functools.cache
def _fgsm(seed: int, eps_train: float):
    recipe = dataclasses.replace(DIGITS, seed=seed)
    return experiments.train_digits_mlp(eps_train, recipe, data=experiments.digits_data(recipe, images=False))[1]


# ------------------------------------------------------------------ items 1-3 (notebook 07a)
@pytest.mark.parametrize("seed", SEEDS)
def test_weight_decay_raises_test_accuracy(seed: int) -> None:
    assert gain("weight decay", seed) >= 0.01, f"seed {seed}: weight decay {gain('weight decay', seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_shift_augmentation_helps_most_in_the_low_data_task(seed: int) -> None:
    g = gain("shift augmentation", seed)
    assert g >= 0.05, f"seed {seed}: shift augmentation {g:+.3f}, expected at least +0.05"
    assert _run("shift augmentation", seed).train_acc[-1] < 0.8, "augmented, the net no longer memorises its 500 signals"


@pytest.mark.parametrize("seed", SEEDS)
def test_augmentation_does_not_help_the_cnn_on_the_centred_digits(seed: int) -> None:
    # A finding, not the textbook: the digits are centred and size-normalised, and the CNN pools over positions.
    accs = _cnn(seed)
    assert accs[True] <= accs[False] - 0.02, f"seed {seed}: CNN {accs[False]:.3f}, with augmentation {accs[True]:.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_input_and_weight_noise_change_accuracy_by_a_few_points_at_most(seed: int) -> None:
    for name in ("input noise", "weight noise"):
        assert -0.01 <= gain(name, seed) <= 0.05, f"seed {seed}: {name} {gain(name, seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_label_smoothing_cuts_the_calibration_error_not_the_accuracy(seed: int) -> None:
    before, after = acc("baseline", seed, "final_ece"), acc("label smoothing", seed, "final_ece")
    assert after <= before - 0.1, f"seed {seed}: ECE {before:.3f} -> {after:.3f}"
    assert abs(gain("label smoothing", seed)) <= 0.03, f"seed {seed}: accuracy {gain('label smoothing', seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_label_flips_do_not_help(seed: int) -> None:
    assert gain("label flips", seed) <= 0.01, f"seed {seed}: label flips {gain('label flips', seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_labels_hurt_and_neither_smoothing_nor_early_stopping_wins_it_back(seed: int) -> None:
    assert gain("wrong labels", seed) <= -0.08, f"seed {seed}: 40% wrong labels {gain('wrong labels', seed):+.3f}"
    smoothed = gain("wrong labels + label smoothing", seed, "wrong labels")
    stopped = gain("wrong labels + early stopping", seed, "wrong labels")
    assert smoothed <= 0.01, f"seed {seed}: smoothing on wrong labels {smoothed:+.3f}"
    assert abs(stopped) <= 0.02, f"seed {seed}: early stopping on wrong labels {stopped:+.3f}"


# ------------------------------------------------------------------ items 4-6 (notebook 07a)
@pytest.mark.parametrize("seed", SEEDS)
def test_unlabelled_data_adds_less_than_the_augmentation(seed: int) -> None:
    augmentation = gain("shift augmentation", seed)
    for name in ("pseudo-labels", "consistency"):
        unlabelled = gain(name, seed, "shift augmentation")
        assert unlabelled < augmentation, (
            f"seed {seed}: {name} adds {unlabelled:+.3f} over the augmentation, which adds {augmentation:+.3f}")
    consistency = gain("consistency", seed, "shift augmentation")
    assert -0.01 <= consistency <= 0.04, f"seed {seed}: the consistency penalty adds {consistency:+.3f}"
    # The kept pseudo-labels are mostly right, and almost all of a few classes: the student's classes tip.
    assert acc("pseudo-labels", seed, "pseudo_right") >= 0.9, f"seed {seed}: {acc('pseudo-labels', seed, 'pseudo_right')}"
    assert acc("pseudo-labels", seed, "pseudo_top3") >= 0.8, f"seed {seed}: {acc('pseudo-labels', seed, 'pseudo_top3')}"


def test_naive_pseudo_labelling_can_hurt() -> None:
    # A finding: over the notebook's seed and these three, pseudo-labels gain a few points on some seeds and
    # lose several on another (measured: +2.5, +1.6, +3.3, -8.8 points over the augmentation alone).
    stored = experiments.load_catalogue_sweep("items_3_6").final("pseudo-labels") - \
        experiments.load_catalogue_sweep("items_1_3").final("shift augmentation")
    gains = [stored] + [gain("pseudo-labels", seed, "shift augmentation") for seed in SEEDS]
    assert min(gains) <= -0.03 and max(gains) >= 0.01, f"pseudo-labels over the augmentation, seeds 0-3: {gains}"


@pytest.mark.parametrize("seed", SEEDS)
def test_multi_task_learning_gains_little_at_this_scale(seed: int) -> None:
    g = gain("multi-task", seed, "single task")
    assert 0.0 <= g <= 0.04, f"seed {seed}: multi-task on task A {g:+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_early_stopping_on_the_validation_loss_costs_accuracy_on_clean_labels(seed: int) -> None:
    # A finding: the validation loss climbs (over-confidence) while the test accuracy still rises.
    g = gain("early stopping", seed)
    assert g <= -0.04, f"seed {seed}: early stopping {g:+.3f}"
    base = _run("baseline", seed)
    curve = base.series("test_acc")
    assert max(curve) > curve[base.best_epoch] + 0.04, "the best test accuracy comes long after the lowest validation loss"


# ------------------------------------------------------------------ items 7-10 (notebook 07b)
@pytest.mark.parametrize("seed", SEEDS)
def test_sharing_and_tying_help_most(seed: int) -> None:
    assert gain("parameter sharing (CNN)", seed) >= 0.2, f"seed {seed}: conv net {gain('parameter sharing (CNN)', seed):+.3f}"
    tied = gain("domain B tied to A", seed, "domain B alone")
    assert tied >= 0.05, f"seed {seed}: tying {tied:+.3f}"
    assert acc("domain B tied to A", seed) > acc("domain B tied to A", seed, "source_acc_on_b") + 0.1, (
        "the tied model beats model A applied to domain B")


@pytest.mark.parametrize("seed", SEEDS)
def test_l1_on_activations_makes_a_sparse_representation_l1_on_weights_sparse_weights(seed: int) -> None:
    zeros = {n: acc(n, seed, "final_zero_frac") for n in ("baseline", "L1 on activations", "L1 on weights")}
    small = {n: acc(n, seed, "final_small_weights") for n in ("baseline", "L1 on weights")}
    assert zeros["L1 on activations"] >= 1.5 * zeros["baseline"], f"seed {seed}: zero activations {zeros}"
    assert gain("L1 on activations", seed) >= 0.0, f"seed {seed}: L1 on activations {gain('L1 on activations', seed):+.3f}"
    assert small["L1 on weights"] >= 0.5 and small["baseline"] < 0.1, f"seed {seed}: weights below 1e-3 {small}"
    assert abs(zeros["L1 on weights"] - zeros["baseline"]) <= 0.05, f"seed {seed}: zero activations {zeros}"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_bagged_ensemble_beats_its_members_but_not_the_net_on_all_the_data(seed: int) -> None:
    h = _run("bagging", seed)
    ensemble, mean, best = acc("bagging", seed), h.series("member_mean")[-1], h.series("member_max")[-1]
    assert ensemble >= mean + 0.02 and ensemble > best, f"seed {seed}: ensemble {ensemble:.3f}, members {mean:.3f} / {best:.3f}"
    assert ensemble <= acc("baseline", seed), f"seed {seed}: bagging {ensemble:.3f} above the baseline (a finding reversed)"


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_changes_little_at_this_scale(seed: int) -> None:
    assert abs(gain("dropout", seed)) <= 0.03, f"seed {seed}: dropout {gain('dropout', seed):+.3f}"


# ------------------------------------------------------------------ item 11 (notebook 07b)
@pytest.mark.parametrize("seed", SEEDS)
def test_fgsm_cuts_accuracy_and_adversarial_training_wins_back_at_least_half(seed: int) -> None:
    at = experiments.fgsm_series(DIGITS.eps)
    standard, robust = _fgsm(seed, 0.0), _fgsm(seed, DIGITS.eps)
    clean, attacked = standard.series("final_acc")[-1], standard.series(at)[-1]
    assert clean >= 0.93 and attacked <= 0.65, f"seed {seed}: clean {clean:.3f}, FGSM at eps 0.1 {attacked:.3f}"
    won = (robust.series(at)[-1] - attacked) / (clean - attacked)
    assert won >= 0.5, f"seed {seed}: adversarial training wins back {won:.0%} of the lost accuracy"
    assert robust.series("final_acc")[-1] >= clean - 0.01, "adversarial training keeps the clean accuracy"


# ------------------------------------------------------------------ the stored runs the notebooks read
def test_the_stored_sliders_show_what_the_notebooks_say() -> None:
    shift = experiments.load_catalogue_sweep("shift")
    accs = {v: shift.final(label) for v, label in shift.settings()}
    assert max(accs, key=accs.get) in (2, 4, 8) and accs[20] < max(accs.values()), (
        f"07a: a moderate shift does best within 60 epochs, the full shift a little less: {accs}")
    smoothing = experiments.load_catalogue_sweep("smoothing")
    ece = {v: smoothing.final(label, "final_ece") for v, label in smoothing.settings()}
    accs = [smoothing.final(label) for _, label in smoothing.settings()]
    assert ece[0.0] > 0.3 and min(ece.values()) < 0.06 and ece[0.5] > min(ece.values()) + 0.05, (
        f"07a: the calibration error falls to near 0.04 and rises again at alpha = 0.5: {ece}")
    assert max(accs) - min(accs) <= 0.03, f"07a: accuracy within about 2.5 points over alpha: {accs}"
    epsilon = experiments.load_catalogue_sweep("epsilon")
    at = experiments.fgsm_series(0.1)
    robust = {v: epsilon.final(label, at) for v, label in epsilon.settings()}
    clean = {v: epsilon.final(label) for v, label in epsilon.settings()}
    assert robust[0.2] == max(robust.values()), f"07b: training at eps 0.2 is the most robust at 0.1: {robust}"
    assert min(clean.values()) == clean[0.0], f"07b: no adversarially trained net loses clean accuracy: {clean}"
