"""The claims of notebooks 07a and 07b, trained again with the notebooks' own recipes on seeds 1, 2, 3.

Every technique of the catalogue runs with ``experiments.CatalogueRecipe(seed=s)`` (MNIST-1D, 500
training signals, the baseline MLP) or ``experiments.DigitsRecipe(seed=s)``; the runs with three times
the epochs with the same recipes, ``epochs=180`` or ``cnn_epochs=300``. The notebooks print seed 0 live
and seeds 0-7 from the stored sweeps (``experiments.across_seeds``); the first test below checks that
the stored seeds 1-3 are what this code trains (tests/test_assets.py retrains one run of every stored
sweep), so the claims hold for the numbers the notebooks print. Per-seed claims are checked on fresh
runs of seeds 1-3; claims about the mean, the spread or "every seed" read all eight stored seeds. The
notebooks' rule for a tie: the mean effect within one standard deviation of zero. About 6 minutes of CPU
in all (one thread).

Measured on the course machine (torch 2.14.1, one thread), seeds 0-7, effects in points of test accuracy
(mean ± sd, smallest to largest):

- weight decay +2.7 ± 1.2 (+0.7..+4.6), input noise +2.3 ± 1.2 (+0.5..+3.6): a tie between them, both
  positive on every seed; weight noise +1.2 ± 1.2 (-0.7..+2.7), below weight decay on every seed;
- shift augmentation +9.4 ± 1.9 within 60 epochs (training accuracy 0.52-0.55), +15.3 ± 1.6 within 180
  over the 180-epoch baseline, which stays within a point of the 60-epoch one;
- the digits CNN with augmentation -8.2 ± 2.9 within 100 epochs (training accuracy 0.86-0.94), -1.0 ± 1.7
  within 300 (0.98-1.00): a tie;
- calibration error 0.364 on average; label smoothing 0.40-0.48 of it, accuracy +0.2 ± 1.0 (a tie);
  temperature scaling (T 3.95-4.14) 0.033-0.067, accuracy unchanged; 20% label flips 0.080-0.109,
  accuracy -0.5 ± 1.7 (a tie); smoothing at alpha = 0.5: ECE 0.036-0.083 above alpha = 0.3's, mean
  confidence 0.28-0.29 against accuracy 0.37-0.40 (under-confident) on every seed;
- 40% wrong labels cost 9.0-15.0; smoothing on them -0.6 ± 0.9, early stopping on them -0.7 ± 1.5 (ties);
- over the same shift augmentation: pseudo-labels -0.0 ± 4.2 (-8.8..+3.3), the same kept signals with
  their true labels within 2.1 points of them on every seed, capped at 30 per class +1.0 ± 3.9
  (-8.3..+4.2), consistency +0.6 ± 1.0 (a tie); the pseudo-labels 94-98% right, 97% or more of them in
  three classes;
- multi-task, task A: +1.7 ± 0.7 (+0.4..+2.8);
- early stopping on the validation loss, clean labels: -7.8 ± 1.4; with label smoothing, against smoothing
  alone: -7.1 ± 1.4, stopping at epochs 18-27;
- tying on the second domain +11.4 ± 0.8, fine-tuning from model A instead +11.4 ± 1.5; model B alone
  against the baseline on its own domain: a tie; the conv net +41.1 ± 4.4, about twice the MLP's accuracy;
- L1 on the activations: zero activations 0.36 -> 0.70, accuracy +6.4 ± 1.0; L1 on the weights: 88% of the
  weights below 1e-3 against 1%, accuracy -1.0 ± 1.5 (a tie);
- bagging: over its average member +3.0 ± 0.7, over its best member on every seed, below the single net on
  every seed (-2.4 ± 1.7); its members disagree on 0.50-0.54 of the test signals (pairs), the seed
  ensemble's on 0.27-0.29; the seed ensemble over its average member +1.0 ± 0.7, over the single net
  +0.8 ± 1.4 (a tie);
- dropout -0.4 ± 1.0 within 60 epochs (a tie), +4.3 ± 0.8 within 180, on every seed, training accuracy
  with dropout on 0.86-0.90;
- FGSM at eps = 0.1 on the digits MLP: 0.96 -> 0.48-0.53; adversarial training wins back 62-76% of it,
  clean accuracy +1.5 ± 0.6; training at eps = 0.2 about as robust at 0.1 (within a point or better).
"""

from __future__ import annotations

import dataclasses
import functools
import statistics

import pytest

from course_utils import experiments

SEEDS = (1, 2, 3)
RECIPE = experiments.CatalogueRecipe()
LONG = dataclasses.replace(RECIPE, epochs=3 * RECIPE.epochs)
DIGITS = experiments.DigitsRecipe()
DIGITS_LONG = dataclasses.replace(DIGITS, cnn_epochs=3 * DIGITS.cnn_epochs)
#: Where each technique's seed-s runs are stored (the notebooks read them).
STORED = {label: name for name, labels in experiments.catalogue.sweeps.TABLE_SWEEPS.items() for label in labels}


@functools.cache
def _data():
    return experiments.catalogue_data(RECIPE)


@functools.cache
def _run(name: str, seed: int, long: bool = False):
    recipe = dataclasses.replace(LONG if long else RECIPE, seed=seed)
    return experiments.train_technique(name, recipe, data=_data())[1]


def acc(name: str, seed: int, series: str = "final_acc", long: bool = False) -> float:
    return _run(name, seed, long).series(series)[-1]


def gain(name: str, seed: int, against: str = "baseline", long: bool = False) -> float:
    return acc(name, seed, long=long) - acc(against, seed, long=long)


def stored(name: str, series: str = "final_acc", against: str | None = None) -> list[float]:
    """A technique's measurement on every stored seed, as the notebooks print it (minus ``against``'s, if given).

    The first test below checks that the stored seeds 1-3 are this code's runs; the others are checked one run
    per sweep by tests/test_assets.py.
    """
    values = experiments.across_seeds(STORED[name], name, series)
    if against is None:
        return values
    return [v - b for v, b in zip(values, experiments.across_seeds(STORED[against], against, series))]


def tie(values: list[float]) -> bool:
    """The notebooks' rule: an effect whose mean is within one standard deviation of zero is a tie."""
    return abs(statistics.mean(values)) <= statistics.stdev(values)


@functools.cache
def _cnn(seed: int, long: bool = False) -> dict[bool, object]:
    recipe = dataclasses.replace(DIGITS_LONG if long else DIGITS, seed=seed)
    images = experiments.digits_data(recipe, images=True)
    return {aug: experiments.train_digits_cnn(aug, recipe, data=images)[1] for aug in (False, True)}


@functools.cache
def _fgsm(seed: int, eps_train: float):
    recipe = dataclasses.replace(DIGITS, seed=seed)
    return experiments.train_digits_mlp(eps_train, recipe, data=experiments.digits_data(recipe, images=False))[1]


# ------------------------------------------------------------------ the stored seeds are this code's runs
def repeat_tolerance(sweep: str, name: str) -> float:
    """How far a fresh run may end from the stored one: 0.03, or the run's own spread over the stored
    seeds where that is larger. On another CPU the last bits differ and training amplifies them, like
    a change of seed: pseudo-labels (sd 0.050 over eight seeds) ended seed 2 at 0.479 on an Intel
    Xeon, 0.510 as stored from an AMD EPYC; the baseline's sd is 0.011."""
    return max(0.03, statistics.stdev(experiments.across_seeds(sweep, name)))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_stored_seeds_are_what_this_code_trains(seed: int) -> None:
    # The notebooks print seeds 1-3 from the stored sweeps; the claims below are checked on fresh runs.
    for name, sweep in STORED.items():
        stored = experiments.load_catalogue_sweep(experiments.seed_sweep(sweep, seed)).final(name)
        assert abs(acc(name, seed) - stored) <= repeat_tolerance(sweep, name), (
            f"seed {seed}, {name}: trained {acc(name, seed):.3f}, stored {stored:.3f}")
    long = experiments.load_catalogue_sweep(experiments.seed_sweep("long", seed))
    for name in experiments.LONG_RUNS:
        assert abs(acc(name, seed, long=True) - long.final(name)) <= repeat_tolerance("long", name), (
            f"seed {seed}, {name}, 180 epochs")


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
def test_with_three_times_the_epochs_the_shift_gains_far_more_and_the_baseline_nothing(seed: int) -> None:
    long = gain("shift augmentation", seed, long=True)
    assert long >= 0.10 and long >= gain("shift augmentation", seed) + 0.03, (
        f"seed {seed}: shift augmentation {gain('shift augmentation', seed):+.3f} in 60 epochs, {long:+.3f} in 180")
    assert abs(acc("baseline", seed, long=True) - acc("baseline", seed)) <= 0.02, "the baseline had already memorised"
    curve = _run("shift augmentation", seed, long=True).series("test_acc")
    assert curve[119] - curve[59] > curve[179] - curve[119], f"seed {seed}: most of the climb is in epochs 60-120"
    assert _run("shift augmentation", seed, long=True).train_acc[-1] < 0.7, "still far from memorising the shifts"


@pytest.mark.parametrize("seed", SEEDS)
def test_augmenting_the_cnn_costs_accuracy_in_100_epochs_and_ties_in_300(seed: int) -> None:
    short, long = _cnn(seed), _cnn(seed, long=True)
    lost = short[True].series("final_acc")[-1] - short[False].series("final_acc")[-1]
    assert lost <= -0.02 and short[True].train_acc[-1] < 0.96, (
        f"seed {seed}: augmentation {lost:+.3f} in 100 epochs, training accuracy {short[True].train_acc[-1]:.3f}")
    tie = long[True].series("final_acc")[-1] - long[False].series("final_acc")[-1]
    assert abs(tie) <= 0.05 and long[True].train_acc[-1] >= 0.97, (
        f"seed {seed}: augmentation {tie:+.3f} in 300 epochs, training accuracy {long[True].train_acc[-1]:.3f}")


def test_the_cnns_augmentation_loss_is_mostly_the_budget_over_the_stored_seeds() -> None:
    short = experiments.across_seeds("digits_cnn", "CNN + augmentation", against="CNN")
    long = experiments.across_seeds("digits_cnn_long", "CNN + augmentation", against="CNN")
    assert statistics.mean(long) > statistics.mean(short) + 0.03, (short, long)
    assert abs(statistics.mean(long)) <= 2 * statistics.stdev(long), f"300 epochs: a tie within the spread {long}"


@pytest.mark.parametrize("seed", SEEDS)
def test_input_and_weight_noise_change_accuracy_by_a_few_points_at_most(seed: int) -> None:
    for name in ("input noise", "weight noise"):
        assert -0.01 <= gain(name, seed) <= 0.05, f"seed {seed}: {name} {gain(name, seed):+.3f}"


def test_input_noise_and_the_l2_penalty_tie_over_the_stored_seeds() -> None:
    noise, decay = stored("input noise", against="baseline"), stored("weight decay", against="baseline")
    assert tie([n - d for n, d in zip(noise, decay)]), f"input noise {noise}, weight decay {decay}"
    assert min(statistics.mean(noise), statistics.mean(decay)) >= 0.015, "both gain two to three points on average"
    assert min(noise) > 0 and min(decay) > 0, f"both positive on every seed: {noise}, {decay}"
    weights = stored("weight noise", against="baseline")
    assert 0.005 <= statistics.mean(weights) <= 0.02 and min(weights) < 0, f"weight noise: about one point {weights}"
    assert all(d > w for d, w in zip(decay, weights)), "weight noise gains less than weight decay on every seed"


def test_the_stored_seeds_show_the_calibration_and_multi_task_statements() -> None:
    confidence = stored("baseline", "final_confidence")
    assert 0.7 <= statistics.mean(confidence) <= 0.77, f"07a: the baseline's mean confidence, about 0.74: {confidence}"
    for seed in experiments.TABLE_SEEDS:
        sweep = experiments.load_catalogue_sweep(experiments.seed_sweep("smoothing", seed))
        best, half = sweep.get("α = 0.3"), sweep.get("α = 0.5")
        assert half.series("final_ece")[-1] >= best.series("final_ece")[-1] + 0.03, f"seed {seed}: ECE rises at 0.5"
        assert half.series("final_confidence")[-1] <= half.series("final_acc")[-1] - 0.05, f"seed {seed}: under-confident"
    multi = stored("multi-task", against="single task")
    assert min(multi) > 0 and statistics.mean(multi) >= 0.01, f"07a: multi-task positive on every seed {multi}"


@pytest.mark.parametrize("seed", SEEDS)
def test_label_smoothing_cuts_the_calibration_error_not_the_accuracy(seed: int) -> None:
    before, after = acc("baseline", seed, "final_ece"), acc("label smoothing", seed, "final_ece")
    assert after <= before - 0.1 and after <= 0.5 * before, f"seed {seed}: ECE {before:.3f} -> {after:.3f}"
    assert abs(gain("label smoothing", seed)) <= 0.03, f"seed {seed}: accuracy {gain('label smoothing', seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_temperature_scaling_calibrates_best_without_changing_the_accuracy(seed: int) -> None:
    scaled = acc("temperature scaling", seed, "final_ece")
    assert scaled < 0.07 and scaled < acc("label smoothing", seed, "final_ece"), f"seed {seed}: ECE {scaled:.3f}"
    assert acc("temperature scaling", seed) == acc("baseline", seed), "dividing the logits keeps every prediction"
    assert 3.5 <= acc("temperature scaling", seed, "temperature") <= 4.7, "T about 4 on every seed (over-confident)"


@pytest.mark.parametrize("seed", SEEDS)
def test_label_flips_calibrate_like_smoothing(seed: int) -> None:
    ece = acc("label flips", seed, "final_ece")
    assert 0.07 <= ece <= 0.12, f"seed {seed}: ECE with label flips {ece:.3f}"


def test_label_flips_and_the_remedies_for_wrong_labels_tie_over_the_stored_seeds() -> None:
    for name, against in (("label flips", "baseline"), ("wrong labels + label smoothing", "wrong labels"),
                          ("wrong labels + early stopping", "wrong labels"), ("consistency", "shift augmentation"),
                          ("seed ensemble", "baseline"), ("L1 on weights", "baseline"), ("dropout", "baseline"),
                          ("label smoothing", "baseline")):
        effects = stored(name, against=against)
        assert tie(effects), f"{name} against {against}: {effects} is not a tie"


@pytest.mark.parametrize("seed", SEEDS)
def test_smoothing_at_one_half_is_under_confident_and_less_calibrated_than_at_0_3(seed: int) -> None:
    recipe = dataclasses.replace(RECIPE, seed=seed)
    half, best = (experiments.run_smoothing(a, recipe=recipe, data=_data(), progress=False) for a in (0.5, 0.3))
    confidence, accuracy = half.series("final_confidence")[-1], half.series("final_acc")[-1]
    assert confidence <= accuracy - 0.05, f"seed {seed}: confidence {confidence:.3f}, accuracy {accuracy:.3f}"
    assert half.series("final_ece")[-1] >= best.series("final_ece")[-1] + 0.02, f"seed {seed}: ECE does not rise again"


@pytest.mark.parametrize("seed", SEEDS)
def test_wrong_labels_hurt_and_neither_smoothing_nor_early_stopping_wins_it_back(seed: int) -> None:
    assert gain("wrong labels", seed) <= -0.08, f"seed {seed}: 40% wrong labels {gain('wrong labels', seed):+.3f}"
    smoothed = gain("wrong labels + label smoothing", seed, "wrong labels")
    stopped = gain("wrong labels + early stopping", seed, "wrong labels")
    assert smoothed <= 0.01, f"seed {seed}: smoothing on wrong labels {smoothed:+.3f}"
    assert acc("wrong labels + label smoothing", seed, "final_ece") < acc("wrong labels", seed, "final_ece"), (
        "smoothing still lowers the calibration error on wrong labels")
    for name in ("wrong labels", "wrong labels + label smoothing"):
        assert _run(name, seed).train_acc[-1] >= 0.99, f"seed {seed}: {name} memorises the wrong labels"
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
    assert -0.015 <= consistency <= 0.04, f"seed {seed}: the consistency penalty adds {consistency:+.3f}"
    # The kept pseudo-labels are mostly right, and almost all of three classes, on every seed.
    assert acc("pseudo-labels", seed, "pseudo_right") >= 0.9, f"seed {seed}: {acc('pseudo-labels', seed, 'pseudo_right')}"
    assert acc("pseudo-labels", seed, "pseudo_top3") >= 0.95, f"seed {seed}: {acc('pseudo-labels', seed, 'pseudo_top3')}"


def test_naive_pseudo_labelling_is_unstable_and_its_errors_are_not_the_cause() -> None:
    pseudo = stored("pseudo-labels", against="shift augmentation")
    assert min(pseudo) <= -0.03 and max(pseudo) >= 0.01, f"pseudo-labels over the augmentation: {pseudo}"
    true = stored("pseudo-labels, true labels", against="shift augmentation")
    assert all(abs(t - p) <= 0.025 for t, p in zip(true, pseudo)), f"true labels {true} against pseudo-labels {pseudo}"
    worst = pseudo.index(min(pseudo))
    assert true[worst] <= -0.03, "with the true labels, the same kept signals still cost accuracy on that seed"


def test_pseudo_labels_capped_per_class_are_unstable_too() -> None:
    capped = stored("pseudo-labels, capped", against="shift augmentation")
    assert min(capped) <= -0.05 and sum(c > 0 for c in capped) >= len(capped) - 2, f"capped pseudo-labels: {capped}"
    kept = stored("pseudo-labels, capped", "pseudo_kept")
    assert max(kept) <= 10 * experiments.PSEUDO_CAP and min(kept) >= 50, kept


@pytest.mark.parametrize("seed", SEEDS)
def test_multi_task_learning_gains_little_at_this_scale(seed: int) -> None:
    g = gain("multi-task", seed, "single task")
    assert 0.0 <= g <= 0.04, f"seed {seed}: multi-task on task A {g:+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_early_stopping_on_the_validation_loss_costs_accuracy_even_with_smoothing(seed: int) -> None:
    # A finding: the validation loss climbs (over-confidence) while the test accuracy still rises.
    g = gain("early stopping", seed)
    assert g <= -0.04, f"seed {seed}: early stopping {g:+.3f}"
    base = _run("baseline", seed)
    curve = base.series("test_acc")
    assert max(curve) > curve[base.best_epoch] + 0.04, "the best test accuracy comes long after the lowest validation loss"
    # The calibrated net of section 3 stops too early as well.
    smoothed = gain("label smoothing + early stopping", seed, "label smoothing")
    assert smoothed <= -0.04 and _run("label smoothing + early stopping", seed).epochs < 30, (
        f"seed {seed}: smoothing with early stopping {smoothed:+.3f}")


# ------------------------------------------------------------------ items 7-10 (notebook 07b)
@pytest.mark.parametrize("seed", SEEDS)
def test_sharing_and_tying_help_most_and_tying_is_transfer(seed: int) -> None:
    assert gain("parameter sharing (CNN)", seed) >= 0.2, f"seed {seed}: conv net {gain('parameter sharing (CNN)', seed):+.3f}"
    assert acc("parameter sharing (CNN)", seed) >= 1.8 * acc("baseline", seed), "the conv net about doubles the accuracy"
    tied = gain("domain B tied to A", seed, "domain B alone")
    assert tied >= 0.05, f"seed {seed}: tying {tied:+.3f}"
    assert acc("domain B tied to A", seed) > acc("domain B tied to A", seed, "source_acc_on_b") + 0.1, (
        "the tied model beats model A applied to domain B")
    tuned = gain("domain B fine-tuned from A", seed, "domain B alone")
    assert abs(tuned - tied) <= 0.04, f"seed {seed}: fine-tuning from A {tuned:+.3f}, tying {tied:+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_l1_on_activations_makes_a_sparse_representation_l1_on_weights_sparse_weights(seed: int) -> None:
    zeros = {n: acc(n, seed, "final_zero_frac") for n in ("baseline", "L1 on activations", "L1 on weights")}
    small = {n: acc(n, seed, "final_small_weights") for n in ("baseline", "L1 on weights")}
    assert zeros["L1 on activations"] >= 1.5 * zeros["baseline"], f"seed {seed}: zero activations {zeros}"
    assert gain("L1 on activations", seed) >= 0.03, f"seed {seed}: L1 on activations {gain('L1 on activations', seed):+.3f}"
    assert small["L1 on weights"] >= 0.5 and small["baseline"] < 0.1, f"seed {seed}: weights below 1e-3 {small}"
    assert abs(zeros["L1 on weights"] - zeros["baseline"]) <= 0.05, f"seed {seed}: zero activations {zeros}"


@pytest.mark.parametrize("seed", SEEDS)
def test_the_bagged_ensemble_beats_its_members_but_not_the_net_on_all_the_data(seed: int) -> None:
    h = _run("bagging", seed)
    ensemble, mean, best = acc("bagging", seed), h.series("member_mean")[-1], h.series("member_max")[-1]
    assert ensemble >= mean + 0.02 and ensemble > best, f"seed {seed}: ensemble {ensemble:.3f}, members {mean:.3f} / {best:.3f}"
    assert ensemble <= acc("baseline", seed), f"seed {seed}: bagging {ensemble:.3f} above the baseline (a finding reversed)"
    assert mean <= acc("baseline", seed) - 0.04, f"seed {seed}: a member on its bootstrap sample {mean:.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_ensembles_gain_by_disagreement_not_by_the_spread_of_their_accuracies(seed: int) -> None:
    bag, seeds = _run("bagging", seed), _run("seed ensemble", seed)
    bagged, seeded = bag.series("pairwise_disagreement")[-1], seeds.series("pairwise_disagreement")[-1]
    assert bagged >= 0.4 and 0.2 <= seeded <= 0.35 and seeded < bagged, f"seed {seed}: {bagged:.3f}, {seeded:.3f}"
    assert bag.series("member_std")[-1] < 0.02 and seeds.series("member_std")[-1] < 0.02, (
        "the members' accuracies are within a couple of points although they disagree on many signals")
    over_members = {name: acc(name, seed) - h.series("member_mean")[-1] for name, h in
                    (("bagging", bag), ("seed ensemble", seeds))}
    assert over_members["seed ensemble"] < over_members["bagging"], f"seed {seed}: {over_members}"
    assert abs(gain("seed ensemble", seed)) <= 0.03, f"seed {seed}: seed ensemble {gain('seed ensemble', seed):+.3f}"


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_ties_in_60_epochs_and_gains_in_180(seed: int) -> None:
    assert abs(gain("dropout", seed)) <= 0.03, f"seed {seed}: dropout {gain('dropout', seed):+.3f}"
    long = gain("dropout", seed, long=True)
    assert long >= 0.02, f"seed {seed}: dropout with 180 epochs {long:+.3f}"
    assert _run("dropout", seed, long=True).train_acc[-1] < 0.95, "still below 0.95 with dropout on"


# ------------------------------------------------------------------ item 11 (notebook 07b)
@pytest.mark.parametrize("seed", SEEDS)
def test_fgsm_halves_accuracy_and_adversarial_training_wins_back_at_least_half(seed: int) -> None:
    at = experiments.fgsm_series(DIGITS.eps)
    standard, robust = _fgsm(seed, 0.0), _fgsm(seed, DIGITS.eps)
    clean, attacked = standard.series("final_acc")[-1], standard.series(at)[-1]
    assert clean >= 0.93 and 0.4 <= attacked <= 0.6, f"seed {seed}: clean {clean:.3f}, FGSM at eps 0.1 {attacked:.3f}"
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
    assert ece[0.0] > 0.3 and min(ece.values()) < 0.06 and ece[0.5] > min(ece.values()) + 0.05, (
        f"07a: the calibration error falls to near 0.04 and rises again at alpha = 0.5: {ece}")
    for seed in experiments.TABLE_SEEDS:
        sweep = experiments.load_catalogue_sweep(experiments.seed_sweep("smoothing", seed))
        accs = [sweep.final(label) for _, label in sweep.settings()]
        assert 0.01 <= max(accs) - min(accs) <= 0.035, f"07a: accuracy within 1.2 to 3.3 points over alpha: {accs}"
    full_shift_long = experiments.load_catalogue_sweep("long").final("shift augmentation")
    assert full_shift_long > max(shift.final(label) for _, label in shift.settings()), (
        "07a: with 180 epochs the full shift beats every setting of the 60-epoch slider")
    alone = [b - a for b, a in zip(stored("domain B alone"), stored("baseline"))]
    assert tie(alone), f"07b: model B alone does about as well on its domain as the baseline on the first: {alone}"
    longer = experiments.across_seeds("long", "dropout", against="baseline")
    assert min(longer) > 0.02, f"07b: dropout with 180 epochs gains on every seed {longer}"
    bagged = stored("bagging", against="baseline")
    assert max(bagged) < 0, f"07b: bagging below the single net on every seed {bagged}"
    at = experiments.fgsm_series(0.1)
    for seed in experiments.TABLE_SEEDS:
        epsilon = experiments.load_catalogue_sweep(experiments.seed_sweep("epsilon", seed))
        robust = {v: epsilon.final(label, at) for v, label in epsilon.settings()}
        clean = {v: epsilon.final(label) for v, label in epsilon.settings()}
        assert min(v for e, v in robust.items() if e > 0) > robust[0.0] + 0.15, f"seed {seed}: {robust}"
        assert robust[0.2] >= robust[0.1] - 0.01, f"07b: training at 0.2 about as robust at 0.1 as at 0.1: {robust}"
        assert min(clean.values()) == clean[0.0], f"07b: no adversarially trained net loses clean accuracy: {clean}"
