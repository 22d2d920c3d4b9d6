"""Notebook 07's room: the catalogue's recipes, every run on tiny settings, the sweeps and the closing table.

The claims themselves (each technique's effect over seeds) are in ``test_claims_catalogue.py``;
here the runs are tiny (2 epochs, small nets), so that each setting's wiring is checked in seconds.
"""

from __future__ import annotations

import dataclasses
import statistics
import math

import pytest
import torch

from course_utils import experiments, measure, regularizers
from course_utils.train import History

TINY = experiments.CatalogueRecipe(width=16, epochs=2, patience=1, source_epochs=1, members=2, cnn_blocks=1,
                                   pseudo_threshold=0.0,
                                   cnn_width=4)
TINY_DIGITS = experiments.DigitsRecipe(n_train=20, cnn_width=4, cnn_epochs=2, mlp_width=16, mlp_epochs=1,
                                       eps_grid=(0.0, 0.1))


@pytest.fixture(scope="module")
def mnist():
    return experiments.catalogue_data(TINY)


def test_the_recipes_are_frozen_and_hold_the_measured_defaults() -> None:
    recipe = experiments.CatalogueRecipe()
    assert (recipe.n_train, recipe.width, recipe.depth, recipe.epochs, recipe.batch_size, recipe.lr) == (
        500, 256, 2, 60, 100, 1e-3)
    assert (recipe.weight_decay, recipe.max_shift, recipe.smoothing, recipe.activation_l1, recipe.members,
            recipe.dropout, recipe.tying) == (0.01, 20, 0.1, 0.01, 5, 0.5, 0.1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 3
    digits = experiments.DigitsRecipe(scale=[0.8, 1.2], eps_grid=[0, 0.1])
    assert digits.scale == (0.8, 1.2) and digits.eps_grid == (0.0, 0.1), "lists are stored as tuples of floats"
    assert hash(experiments.DigitsRecipe()) == hash(experiments.DigitsRecipe())


@pytest.mark.parametrize(("cls", "changes", "name"), [
    (experiments.CatalogueRecipe, {"n_train": 5}, "n_train"),
    (experiments.CatalogueRecipe, {"max_shift": 21}, "max_shift"),
    (experiments.CatalogueRecipe, {"smoothing": 1.5}, "smoothing"),
    (experiments.CatalogueRecipe, {"wrong_labels": 1.0}, "wrong_labels"),
    (experiments.CatalogueRecipe, {"dropout": 1.0}, "dropout"),
    (experiments.CatalogueRecipe, {"task_split": 10}, "task_split"),
    (experiments.CatalogueRecipe, {"lr": 0.0}, "lr"),
    (experiments.DigitsRecipe, {"eps": -0.1}, "eps"),
    (experiments.DigitsRecipe, {"scale": (1.0,)}, "scale"),
    (experiments.DigitsRecipe, {"eps_grid": (0.1, 0.1)}, "eps_grid"),
])
def test_the_recipes_reject_bad_settings(cls, changes, name) -> None:
    with pytest.raises((TypeError, ValueError), match=rf"'{name}' parameter of {cls.__name__}"):
        cls(**changes)


def test_the_data_the_other_signals_and_the_second_domain(mnist) -> None:
    assert mnist.sizes() == {"train": 500, "val": 800, "test": 1000}
    x, y = experiments.other_signals(TINY)
    assert len(x) == 2700 and len(y) == 2700
    train = mnist.train[0]
    assert not (torch.cdist(x, train, compute_mode="donot_use_mm_for_euclid_dist") == 0).any(), (
        "the other signals must not contain the baseline's training signals")
    moved = experiments.second_domain(train[:3])
    assert moved.shape == (3, 40) and not torch.allclose(moved, train[:3])
    flat = torch.zeros(1, 40)
    assert torch.allclose(experiments.second_domain(flat), torch.full((1, 40), 0.5)), "zeros map to the offset"


def test_digits_data_is_class_balanced(mnist) -> None:
    images = experiments.digits_data(TINY_DIGITS, images=True)
    assert images.train[0].shape == (20, 1, 8, 8) and torch.bincount(images.train[1]).tolist() == [2] * 10
    vectors = experiments.digits_data(TINY_DIGITS, images=False)
    assert vectors.train[0].shape == (1079, 64)


def test_catalogue_net_starts_from_its_seed() -> None:
    a, b = experiments.catalogue_net(TINY), experiments.catalogue_net(TINY)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    c = experiments.catalogue_net(TINY, dropout=0.5)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters())), "dropout adds no parameters"
    assert measure.count_parameters(experiments.catalogue_net(experiments.CatalogueRecipe())) == 78_858


@pytest.mark.parametrize("name", list(experiments.TECHNIQUES))
def test_every_technique_runs_and_records_its_measurements(name, mnist) -> None:
    net, history = experiments.train_technique(name, TINY, data=mnist)
    assert isinstance(history, History) and 1 <= history.epochs <= (6 if name == "single task" else TINY.epochs)
    final = history.series("final_acc")
    assert 0 <= final[-1] <= 1 and all(math.isnan(v) for v in final[:-1]), "final_acc is logged in the last epoch"
    assert 0 <= history.series("final_ece")[-1] <= 1
    if name in experiments.TEST_CURVES:
        assert len(history.series("test_acc")) == history.epochs
    if name not in ("single task", "multi-task"):
        assert 0 <= history.series("final_zero_frac")[-1] <= 1
    extras = {"pseudo-labels": ("pseudo_kept", "pseudo_right", "pseudo_top3"), "multi-task": ("task_b_acc",),
              "domain B tied to A": ("source_acc_on_b",),
              "bagging": ("member_mean", "member_min", "member_max", "member_std")}
    for series in extras.get(name, ()):
        assert not math.isnan(history.series(series)[-1]), f"{name} records {series}"
    if name == "bagging":
        assert isinstance(net, regularizers.Ensemble) and len(net.members) == TINY.members
        assert history.series("member_min")[-1] <= history.series("member_mean")[-1] <= history.series("member_max")[-1]


def test_the_same_recipe_repeats_exactly(mnist) -> None:
    a = experiments.train_technique("label smoothing", TINY, data=mnist)[1]
    b = experiments.train_technique("label smoothing", TINY, data=mnist)[1]
    same = lambda h: {k: v for k, v in h.to_dict().items() if k != "epoch_time"}
    assert same(a) == same(b)


def test_early_stopping_restores_its_best_epoch(mnist) -> None:
    recipe = dataclasses.replace(TINY, epochs=8, patience=2)
    _, h = experiments.train_technique("early stopping", recipe, data=mnist)
    assert h.series("final_acc")[-1] == pytest.approx(h.series("test_acc")[h.best_epoch], abs=1e-6)


def test_the_digits_runs(mnist) -> None:
    for augment in (False, True):
        _, h = experiments.train_digits_cnn(augment, TINY_DIGITS)
        assert h.epochs == 2 and 0 <= h.series("final_acc")[-1] <= 1
    _, h = experiments.train_digits_mlp(0.1, TINY_DIGITS)
    accs = [h.series(experiments.fgsm_series(e))[-1] for e in TINY_DIGITS.eps_grid]
    assert accs[0] == pytest.approx(h.series("final_acc")[-1]) and accs[1] <= accs[0]
    assert experiments.fgsm_series(0.1) == "fgsm_acc_010" and experiments.fgsm_series(0.02) == "fgsm_acc_002"


def test_labels_of_the_slider_sweeps() -> None:
    assert experiments.shift_label(4) == "max shift 4"
    assert experiments.smoothing_label(0.1) == "α = 0.1"
    assert experiments.adversarial_label(0.0) == "standard training"
    assert experiments.adversarial_label(0.05) == "adversarial training, ε = 0.05"


def test_the_sweep_specs_name_their_runs_and_files() -> None:
    specs = experiments.CATALOGUE_SWEEPS
    assert experiments.TOPICS["catalogue"] is specs
    per_seed = ("items_1_3", "items_3_6", "items_7_9", "long", "digits_cnn", "digits_cnn_long", "epsilon", "smoothing")
    assert set(specs) == {experiments.seed_sweep(n, s) for n in per_seed for s in experiments.TABLE_SEEDS} | {"shift"}
    assert experiments.seed_sweep("items_1_3", 0) == "items_1_3" and experiments.seed_sweep("long", 2) == "long_seed2"
    for name in per_seed:
        recipes = [specs[experiments.seed_sweep(name, s)].recipe for s in experiments.TABLE_SEEDS]
        assert [r.seed for r in recipes] == list(experiments.TABLE_SEEDS), f"{name}: one stored sweep per seed"
        assert len({dataclasses.replace(r, seed=0) for r in recipes}) == 1, f"{name}: only the seed differs"
    assert specs["long"].recipe.epochs == 3 * specs["items_1_3"].recipe.epochs
    assert specs["digits_cnn_long"].recipe.cnn_epochs == 3 * specs["digits_cnn"].recipe.cnn_epochs
    for spec in specs.values():
        assert spec.topic == "catalogue" and spec.file.startswith("catalogue_") and spec.file.endswith(".json")
    covered = {label for name in ("items_1_3", "items_3_6", "items_7_9") for label in specs[name].labels(specs[name].recipe)}
    assert covered == set(experiments.TECHNIQUES), "the table sweeps hold every technique once"
    assert specs["shift"].labels(specs["shift"].recipe)[0] == "max shift 0"


def test_the_closing_table_compares_the_stated_runs_on_every_seed() -> None:
    rows = experiments.catalogue_table()
    assert len(rows) == len(experiments.EFFECT_ROWS)
    assert {r["item"] for r in rows} == set(range(1, 12)), "every item of the catalogue has a measured row"
    for r in rows:
        assert r["seeds"] == list(experiments.TABLE_SEEDS) and len(r["effects"]) == len(r["seeds"])
        assert r["effects"] == pytest.approx([v - b for v, b in zip(r["values"], r["baselines"])])
        assert r["effect"] == pytest.approx(statistics.mean(r["effects"]))
        assert r["effect_sd"] == pytest.approx(statistics.stdev(r["effects"]))
        assert r["effect"] == pytest.approx(r["value"] - r["baseline"])
        assert r["kind"] in experiments.ROW_KINDS and r["cost"]
    wd = next(r for r in rows if r["technique"] == "weight decay")
    for seed, value, baseline in zip(wd["seeds"], wd["values"], wd["baselines"]):
        first = experiments.load_catalogue_sweep(experiments.seed_sweep("items_1_3", seed))
        assert (baseline, value) == (first.final("baseline"), first.final("weight decay"))
    bag = next(r for r in rows if r["compared_with"] == "its average member")
    third = experiments.load_catalogue_sweep("items_7_9_seed3")
    assert bag["baselines"][3] == third.final("bagging", "member_mean")
    long_dropout = next(r for r in rows if r["technique"].startswith("dropout,"))
    assert long_dropout["baselines"][1] == experiments.load_catalogue_sweep("long_seed1").final("baseline")
    # The rows that are not like-for-like say what they cost or add.
    costs = {r["technique"]: r["cost"] for r in rows}
    assert "unlabelled" in costs["pseudo-labels"] and "5×" in costs["bagging"] and "labelled" in costs["domain B tied to A"]
    assert costs["weight decay"] == "nothing" and "architecture" in costs["parameter sharing (CNN)"]
    item11 = [r for r in rows if r["item"] == 11]
    assert {r["metric"] for r in item11} == {"accuracy", "robust accuracy (ε = 0.1)"} and all(
        r["kind"] == "own baseline, other setup" for r in item11), "item 11 is another data set, on rows of its own"


def test_the_table_can_be_built_from_sweeps_given_to_it() -> None:
    sweeps = {name: experiments.load_catalogue_sweep(name) for name in ("items_1_3", "items_3_6_seed2", "epsilon")}
    assert experiments.catalogue_table(sweeps) == experiments.catalogue_table()


def test_the_slider_sweeps_offer_their_settings() -> None:
    shift = experiments.load_catalogue_sweep("shift")
    assert [v for v, _ in shift.settings()] == [0, 1, 2, 4, 8, 20]
    assert experiments.load_catalogue_sweep("items_1_3").settings() == []
    assert shift.final("max shift 0") == experiments.load_catalogue_sweep("items_1_3").final("baseline"), (
        "no shift is the baseline itself")


def test_a_stale_catalogue_sweep_is_refused() -> None:
    spec = experiments.CATALOGUE_SWEEPS["shift"]
    changed = dataclasses.replace(spec, recipe=dataclasses.replace(spec.recipe, lr=0.01))
    with pytest.raises(experiments.StaleAssetError, match=r"lr \(stored 0.001, current 0.01\)"):
        experiments.load_sweep(changed)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: experiments.train_technique("mixup", TINY), "'name' parameter of train_technique"),
    (lambda: experiments.train_technique("baseline", "recipe"), "'recipe' parameter of train_technique"),
    (lambda: experiments.load_catalogue_sweep("depth"), "'name' parameter of load_catalogue_sweep"),
    (lambda: experiments.run_shift(30, recipe=TINY), "'max_shift' parameter of run_shift"),
    (lambda: experiments.train_digits_mlp(0.1, recipe=TINY), "'recipe' parameter of train_digits_mlp"),
    (lambda: experiments.catalogue_table({"items_1_3": 3}), "'sweeps' parameter of catalogue_table"),
    (lambda: experiments.second_domain(torch.zeros(2, 1, 40)), "'x' parameter of second_domain"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_across_seeds_reads_one_run_on_every_seed_and_spread_summarises_it() -> None:
    decay = experiments.across_seeds("items_1_3", "weight decay")
    gains = experiments.across_seeds("items_1_3", "weight decay", against="baseline")
    assert len(decay) == len(experiments.TABLE_SEEDS)
    for seed, value, gain in zip(experiments.TABLE_SEEDS, decay, gains):
        sweep = experiments.load_catalogue_sweep(experiments.seed_sweep("items_1_3", seed))
        assert value == sweep.final("weight decay") and gain == pytest.approx(value - sweep.final("baseline"))
    text = experiments.spread([0.01, 0.03])
    assert text == "+2.0 ± 1.4 points (+1.0, +3.0)", text
    assert experiments.spread([0.35, 0.05], scale=1, unit="", digits=2) == "0.20 ± 0.21 (0.35, 0.05)"
    with pytest.raises(ValueError, match="'name' parameter of across_seeds.*items_1_3"):
        experiments.across_seeds("shift", "max shift 0")


def test_across_seeds_reads_each_file_once_and_again_when_it_changes(tmp_path, monkeypatch) -> None:
    import json
    import shutil

    from course_utils import resources
    from course_utils.experiments.catalogue import sweeps as catalogue_sweeps

    names = [experiments.seed_sweep("items_1_3", s) for s in experiments.TABLE_SEEDS]
    for name in names:
        shutil.copy(resources.asset_path(experiments.CATALOGUE_SWEEPS[name].file), tmp_path)
    monkeypatch.setattr(catalogue_sweeps, "asset_path", lambda file: tmp_path / file)
    monkeypatch.setattr(catalogue_sweeps, "_READ", {})
    reads = []

    def counted(name):
        reads.append(name)
        spec = experiments.CATALOGUE_SWEEPS[name]
        sweep = catalogue_sweeps.load_sweep(spec, tmp_path / spec.file)
        return catalogue_sweeps.CatalogueSweep(sweep.spec, sweep.runs, sweep.made_with)

    monkeypatch.setattr(catalogue_sweeps, "load_catalogue_sweep", counted)
    before = experiments.across_seeds("items_1_3", "baseline")
    assert experiments.across_seeds("items_1_3", "weight decay") and reads == names, "each file is parsed once"
    path = tmp_path / experiments.CATALOGUE_SWEEPS[names[1]].file
    stored = json.loads(path.read_text())
    stored["runs"]["baseline"]["extra"]["final_acc"][-1] = 0.999
    path.write_text(json.dumps(stored))
    after = experiments.across_seeds("items_1_3", "baseline")
    assert reads == names + [names[1]], "a changed file is read again, and only that one"
    assert after[1] == 0.999 and after[:1] + after[2:] == before[:1] + before[2:]


def test_digits_recipe_refuses_a_reversed_zoom_range() -> None:
    with pytest.raises(ValueError, match=r"The 'scale' parameter of DigitsRecipe must be a pair \(low, high\) of zoom "
                                         r"factors with low <= high. Got \(1.1, 0.9\). Write it as \(0.9, 1.1\)"):
        experiments.DigitsRecipe(scale=(1.1, 0.9))
    assert experiments.DigitsRecipe(scale=(1.0, 1.0)).scale == (1.0, 1.0)


def test_final_names_a_run_without_epochs() -> None:
    sweep = experiments.load_catalogue_sweep("shift")
    label = next(iter(sweep.runs))
    emptied = type(sweep)(sweep.spec, {**sweep.runs, label: History()}, sweep.made_with)
    with pytest.raises(ValueError, match=rf"The 'label' parameter of CatalogueSweep.final must be the label of a run "
                                         rf"with at least one epoch. Got an empty History \(0 epochs\) for the run "
                                         rf"'{label}'"):
        emptied.final(label)
