"""The claims of notebook 04 (weight decay and early stopping), tested with the notebook's recipes.

Seeds 1, 2 and 3 (the notebook's is 0), each with ``dataclasses.replace(recipe, seed=s)``: the
initialisation and the mini-batch order change, the data stay. Measured on the course machine
(torch 2.14.1, one thread), seeds 1 / 2 / 3:

* **The U-shape** (``DecayRecipe()``: 500 signals, 40-256-256-10 MLP, Adam 1e-3, 100 epochs, L2
  penalty ½λΣw² on the weights). Validation error at λ = 0: 0.646 / 0.637 / 0.631; at the best λ
  of the sweep: 0.603 (λ = 0.03) / 0.603 (0.01) / 0.610 (0.01): gains 0.043 / 0.034 / 0.021 (the
  notebook's seed 0: 0.056). Thresholds: a gain of at least 0.01 on every seed and 0.025 on
  average; the best λ in [0.003, 0.03]. The test error at the validation-chosen λ: 0.587 / 0.576
  / 0.587 against 0.622 / 0.621 / 0.622 at λ = 0. λ = 0.1 underfits: training error 0.678 /
  0.706 / 0.696 (threshold 0.3). The effect is smaller than the "about 6 points" of RECIPES.md,
  measured with 200 epochs; the stored sweeps use 100 (their files must stay under 100 kB).
* **L1 against L2** (λ = 3e-4 for L1, 0.01 for L2): weights below 1e-3: L1 0.621 / 0.616 / 0.619,
  L2 0.033 / 0.028 / 0.042. Thresholds: L1 >= 0.5, L2 <= 0.1, difference >= 0.4.
* **AdamW** at the notebook's best λ (3): validation error 0.623 / 0.621 / 0.620, a gain over
  λ = 0 of only 0.023 / 0.016 / 0.011, and behind Adam + L2 at λ = 0.01 by 0.019 / 0.018 / 0.010.
  Small effects: the thresholds are the orderings themselves (margin 0).
* **Early stopping** (``EarlyStoppingRecipe()``, 3200 signals, 60 epochs). Validation loss at the
  lowest epoch over the last epoch's: clean 1.187/1.785, 1.196/1.858, 1.178/1.835; 40% wrong
  training labels 1.652/2.555, 1.647/2.645, 1.653/2.521 (threshold: at most 0.8 times). Clean
  labels: validation accuracy at the lowest-loss epoch 0.581 / 0.578 / 0.579 against 0.604 / 0.609
  / 0.605 at the last (test 0.589 / 0.600 / 0.589 against 0.631 / 0.628 / 0.616): lower, the
  subtlety. 40% wrong training labels, clean validation set: test accuracy 0.438 / 0.449 / 0.416
  against 0.379 / 0.378 / 0.384 (gains 0.059 / 0.071 / 0.032; threshold 0.02).
* **A noisy monitor** (40% wrong validation labels too): its lowest validation loss came at epoch
  5 / 11 / 6, earlier than the clean monitor's 17 / 14 / 15 (asserted), and the test accuracy
  there was 0.361 / 0.429 / 0.366 against 0.379 / 0.378 / 0.384 at the last epoch: early stopping
  lost twice and won once. Not asserted either way: it is the notebook's "less reliable".
"""

from __future__ import annotations

import dataclasses

import pytest
from testkit import REPORTS

from course_utils import data, experiments

SEEDS = (1, 2, 3)
# The numbers behind each claim, per seed, printed at the end of the run (and written to build/).
REPORT = REPORTS.setdefault("claims of notebook 04 (weight decay), seeds 1, 2, 3", {})


def _per_seed(values) -> str:
    return " / ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in values)

@pytest.fixture(scope="module")
def mnist() -> data.Splits:
    recipe = experiments.DecayRecipe()
    return data.load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed)


@pytest.fixture(scope="module")
def l2_runs(mnist) -> dict[int, dict[float, object]]:
    out = {}
    for seed in SEEDS:
        recipe = dataclasses.replace(experiments.DecayRecipe(), seed=seed)
        runs = experiments.run_decay(recipe, data=mnist)
        out[seed] = {lam: runs[experiments.decay_label("l2", lam)] for lam in recipe.lambdas}
    val = {seed: {lam: h.val_error[-1] for lam, h in runs.items()} for seed, runs in out.items()}
    best = {seed: min(v, key=v.get) for seed, v in val.items()}
    REPORT["L2: validation error at λ = 0"] = _per_seed([val[s][0.0] for s in SEEDS])
    REPORT["L2: best λ, its validation error"] = _per_seed([f"{best[s]:g}: {val[s][best[s]]:.3f}" for s in SEEDS])
    REPORT["L2: test error at λ = 0 / at the best λ"] = _per_seed(
        [f"{1 - out[s][0.0].series('test_acc')[-1]:.3f} / {1 - out[s][best[s]].series('test_acc')[-1]:.3f}" for s in SEEDS])
    REPORT["L2: training error at λ = 0.1"] = _per_seed([out[s][0.1].train_error[-1] for s in SEEDS])
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_the_best_lambda_beats_no_penalty_on_validation_error(l2_runs, seed: int) -> None:
    runs = l2_runs[seed]
    val = {lam: h.val_error[-1] for lam, h in runs.items()}
    best = min(val, key=val.get)
    assert val[best] <= val[0.0] - 0.01, f"seed {seed}: best λ {best} gives {val[best]:.3f}, λ = 0 {val[0.0]:.3f}: {val}"
    assert 0.003 <= best <= 0.03, f"seed {seed}: the best λ should be in [0.003, 0.03]; validation errors {val}"
    test = {lam: 1 - h.series("test_acc")[-1] for lam, h in runs.items()}
    assert test[best] < test[0.0], f"seed {seed}: the test error at the chosen λ should be lower too: {test}"


def test_the_best_lambda_gains_on_average(l2_runs) -> None:
    gains = [h[0.0].val_error[-1] - min(r.val_error[-1] for r in h.values()) for h in l2_runs.values()]
    assert sum(gains) / len(gains) >= 0.025, f"mean validation-error gain of the best λ over λ = 0: {gains}"


@pytest.mark.parametrize("seed", SEEDS)
def test_too_much_decay_underfits(l2_runs, seed: int) -> None:
    runs = l2_runs[seed]
    assert runs[0.0].train_error[-1] == 0.0, f"seed {seed}: without a penalty the net should fit all 500 signals"
    assert runs[0.1].train_error[-1] >= 0.3, f"seed {seed}: λ = 0.1 should underfit: {runs[0.1].train_error[-1]:.3f}"
    assert runs[0.1].val_error[-1] > min(h.val_error[-1] for h in runs.values()) + 0.05
    norms = [runs[lam].series("weight_norm2")[-1] for lam in sorted(runs)]
    assert norms == sorted(norms, reverse=True), f"seed {seed}: Σw² should shrink as λ grows: {norms}"


@pytest.mark.parametrize("seed", SEEDS)
def test_l1_leaves_far_more_weights_near_zero_than_l2(mnist, l2_runs, seed: int) -> None:
    recipe = dataclasses.replace(experiments.DecayRecipe(), seed=seed)
    l1_net, l1 = experiments.train_decay_net("l1", 3e-4, recipe=recipe, data=mnist, progress=False)
    l1_share = experiments.weight_sparsity(l1_net)
    l2_share = l2_runs[seed][0.01].series("sparsity")[-1]
    REPORT[f"L1 (λ = 3e-4) / L2 (λ = 0.01): weights below 1e-3, seed {seed}"] = f"{l1_share:.3f} / {l2_share:.3f}"
    assert l1_share == pytest.approx(l1.series("sparsity")[-1]), "the logged sparsity is the final net's"
    assert l1_share >= 0.5 and l2_share <= 0.1 and l1_share - l2_share >= 0.4, (
        f"seed {seed}: weights below 1e-3: L1 {l1_share:.3f}, L2 {l2_share:.3f}")


@pytest.mark.parametrize("seed", SEEDS)
def test_adamw_helps_less_than_the_l2_term_under_adam(mnist, l2_runs, seed: int) -> None:
    recipe = dataclasses.replace(experiments.WEIGHT_DECAY_SWEEPS["adamw"].recipe, seed=seed)
    adamw = experiments.run_decay_setting("adamw", 3.0, recipe=recipe, data=mnist, progress=False).val_error[-1]
    none, l2 = l2_runs[seed][0.0].val_error[-1], l2_runs[seed][0.01].val_error[-1]
    REPORT[f"validation error: Adam + L2 (0.01) / AdamW (3) / none, seed {seed}"] = f"{l2:.3f} / {adamw:.3f} / {none:.3f}"
    assert l2 < adamw < none, f"seed {seed}: validation error Adam + L2 {l2:.3f}, AdamW {adamw:.3f}, no penalty {none:.3f}"


@pytest.fixture(scope="module")
def early_runs() -> dict[int, dict[str, dict[str, float]]]:
    full = data.load_mnist1d(seed=experiments.EarlyStoppingRecipe().data_seed)
    out = {}
    for seed in SEEDS:
        recipe = dataclasses.replace(experiments.EarlyStoppingRecipe(), seed=seed)
        out[seed] = {label: experiments.early_stopping_summary(h)
                     for label, h in experiments.run_early_stopping(recipe, data=full).items()}
    for label in out[SEEDS[0]]:
        for name in ("best_epoch", "val_loss", "val_acc", "test_acc"):
            key = name if name == "best_epoch" else f"{name} at best / at last"
            REPORT[f"early stopping, {label}: {key}"] = _per_seed(
                [f"{out[s][label]['best_epoch']}" if name == "best_epoch" else
                 f"{out[s][label][f'{name} at best']:.3f} / {out[s][label][f'{name} at last']:.3f}" for s in SEEDS])
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_the_early_stopped_models_validation_loss_is_well_below_the_last_epochs(early_runs, seed: int) -> None:
    for label, s in early_runs[seed].items():
        assert s["val_loss at best"] <= 0.8 * s["val_loss at last"], f"seed {seed}, {label}: {s}"
        assert s["best_epoch"] < s["last_epoch"] - 10, f"seed {seed}, {label}: the lowest loss should come early: {s}"


@pytest.mark.parametrize("seed", SEEDS)
def test_with_clean_labels_the_lowest_loss_epoch_is_not_the_most_accurate(early_runs, seed: int) -> None:
    s = early_runs[seed]["clean labels"]
    assert s["val_acc at best"] < s["val_acc at last"], (
        f"seed {seed}: with clean labels the model keeps getting more accurate after its lowest validation loss: {s}")


@pytest.mark.parametrize("seed", SEEDS)
def test_with_noisy_labels_early_stopping_wins_on_test_accuracy(early_runs, seed: int) -> None:
    s = early_runs[seed]["40% wrong training labels"]
    assert s["test_acc at best"] >= s["test_acc at last"] + 0.02, (
        f"seed {seed}: with 40% wrong training labels the early-stopped model should be more accurate: {s}")


@pytest.mark.parametrize("seed", SEEDS)
def test_a_noisy_monitor_stops_earlier(early_runs, seed: int) -> None:
    clean_monitor = early_runs[seed]["40% wrong training labels"]
    noisy_monitor = early_runs[seed]["40% wrong training and validation labels"]
    assert noisy_monitor["best_epoch"] < clean_monitor["best_epoch"], (seed, noisy_monitor, clean_monitor)
    assert noisy_monitor["val_loss at best"] <= 0.8 * noisy_monitor["val_loss at last"], (seed, noisy_monitor)


def test_the_notebooks_stored_numbers() -> None:
    # Statements of notebook 04 about its own seed (0), read from the stored sweeps.
    sweep = experiments.load_weight_decay_sweep("lambda")
    val = {lam: sweep.history(lam).val_error[-1] for lam in sweep.recipe.lambdas}
    assert min(val, key=val.get) == 0.01 and val[0.0] - val[0.01] >= 0.05
    assert all(sweep.history(lam).train_error[-1] == 0 for lam in (0.0, 1e-4, 1e-3, 3e-3, 0.01))
    assert val[0.0] > val[1e-3] > val[0.01] and val[0.1] > val[0.0]
    l1 = experiments.load_weight_decay_sweep("l1")
    shares = [l1.history(lam).series("sparsity")[-1] for lam in l1.recipe.lambdas]
    assert shares == sorted(shares), f"the share of near-zero weights should rise with the L1 λ: {shares}"
    assert l1.history(3e-4).val_error[-1] > val[0.01], "L2 reached the lower validation error"
    width = experiments.load_weight_decay_sweep("width")
    train = [width.history(0.0, w).train_error[-1] for w in width.recipe.widths]
    widths_val = {w: width.history(0.0, w).val_error[-1] for w in width.recipe.widths}
    assert train == sorted(train, reverse=True) and train[0] > 0.5 and train[-1] == 0
    assert max(widths_val, key=widths_val.get) == 8 and min(widths_val, key=widths_val.get) == 512, widths_val
    early = experiments.load_weight_decay_sweep("early")
    clean = experiments.early_stopping_summary(early.runs["clean labels"])
    noisy = experiments.early_stopping_summary(early.runs["40% wrong training labels"])
    assert clean["test_acc at best"] < clean["test_acc at last"] and noisy["test_acc at best"] > noisy["test_acc at last"] + 0.05
