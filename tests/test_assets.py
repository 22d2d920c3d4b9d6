"""The course's data files: every stored sweep belongs to its current recipe and repeats.

A sweep in ``assets/`` is made by ``python assets/precompute.py <topic>`` with the topic's run
function and recipe; re-running one setting here must give the stored curves. On the machine
that made the file the numbers repeat exactly (one thread, CPU, same seed); elsewhere other CPU
kernels may change the last bits and training amplifies them, so the comparison allows 0.03 of
error per epoch. A sweep whose recipe was edited after it was made must refuse to load.
"""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from course_utils import experiments
from course_utils.resources import asset_path, list_assets

TOLERANCE = 0.03
PRECOMPUTE = Path(__file__).resolve().parents[1] / "assets" / "precompute.py"
SPECS = [spec for specs in experiments.TOPICS.values() for spec in specs.values()]
IDS = [f"{spec.topic}-{spec.name}" for spec in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_sweep_is_stored_small_and_complete(spec) -> None:
    assert spec.file in list_assets(), f"run `python assets/precompute.py {spec.topic}`"
    assert asset_path(spec.file).stat().st_size < 100_000, "a stored sweep should stay a small file"
    sweep = experiments.load_sweep(spec)
    assert list(sweep.runs) == spec.labels(spec.recipe), "the stored runs are not the recipe's runs"
    assert len({h.epochs for h in sweep.runs.values()}) >= 1 and all(h.epochs >= 1 for h in sweep.runs.values())


def test_the_stored_depth_sweep_shows_the_claim() -> None:
    depth = experiments.load_degradation_sweep("depth")
    final = {label: h.train_error[-1] for label, h in depth.runs.items()}
    assert final["plain, 66 layers"] >= final["plain, 6 layers"] + 0.10
    assert final["residual, 66 layers"] <= final["residual, 6 layers"] + 0.02


@pytest.mark.claims  # trains one run of every sweep again (minutes in all)
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_one_stored_run_repeats(spec) -> None:
    sweep = experiments.load_sweep(spec)
    label, rerun = spec.repeat(spec.recipe)
    stored = sweep.runs[label]
    assert rerun.epochs == stored.epochs
    for key in ("train_error", "val_error", "train_loss", "val_loss"):
        # Errors absolutely, losses relative to their size; NaN (no accuracy in a regression) skipped.
        pairs = [(x, y) for x, y in zip(getattr(rerun, key), getattr(stored, key))
                 if not (math.isnan(x) or math.isnan(y))]
        diff = max((abs(x - y) / (1.0 if "error" in key else max(1.0, abs(y))) for x, y in pairs), default=0.0)
        assert diff <= TOLERANCE, f"{spec.topic}/{spec.name} {label}: {key} differs from the stored sweep by {diff:.4f}"
    assert rerun.lr == pytest.approx(stored.lr, abs=1e-6)


def test_a_changed_recipe_makes_the_stored_sweep_stale() -> None:
    spec = experiments.DEGRADATION_SWEEPS["depth"]
    changed = dataclasses.replace(spec, recipe=dataclasses.replace(spec.recipe, lr=0.1))
    with pytest.raises(experiments.StaleAssetError,
                       match=r"stale asset: .*residual_depth_sweep.json was made from another DegradationRecipe: "
                             r"lr \(stored 0.05, current 0.1\).*python assets/precompute.py residual"):
        experiments.load_sweep(changed)


@pytest.mark.parametrize(("content", "why"), [
    ("not json {", "is not a JSON file"),
    ("[1, 2]", "is not a sweep file of format"),
    ('{"format": 1, "topic": "residual"}', r"lacks the keys \['name', 'recipe', 'runs'\]"),
    ('{"format": 1, "topic": "residual", "name": "long", "recipe": {}, "runs": {}}', "holds the sweep residual/long"),
], ids=["not-json", "not-a-dict", "missing-keys", "other-sweep"])
def test_a_malformed_sweep_file_gets_a_clear_error(tmp_path, content, why) -> None:
    path = tmp_path / "sweep.json"
    path.write_text(content)
    with pytest.raises(experiments.StaleAssetError, match=f"stale asset: .*{why}"):
        experiments.load_sweep(experiments.DEGRADATION_SWEEPS["depth"], path)


def test_a_run_that_is_not_a_history_is_stale(tmp_path) -> None:
    path = tmp_path / "sweep.json"
    stored = json.loads(asset_path("residual_depth_sweep.json").read_text())
    stored["runs"]["plain, 6 layers"] = {"train_los": [1.0]}
    path.write_text(json.dumps(stored))
    with pytest.raises(experiments.StaleAssetError, match="holds a run that is not a History"):
        experiments.load_sweep(experiments.DEGRADATION_SWEEPS["depth"], path)


def test_a_missing_sweep_says_how_to_make_it(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"python assets/precompute.py residual"):
        experiments.load_sweep(experiments.DEGRADATION_SWEEPS["depth"], tmp_path / "none.json")


def test_precompute_script_makes_a_sweep_that_loads(tmp_path) -> None:
    # The real script, in a subprocess, on a tiny recipe: patch the spec through a wrapper module.
    script = tmp_path / "run_precompute.py"
    script.write_text(
        "import dataclasses, runpy, sys\n"
        "from course_utils import data, experiments\n"
        "tiny = data.load_mnist1d(n_train=128, seed=0)\n"
        "spec = experiments.DEGRADATION_SWEEPS['depth']\n"
        "recipe = dataclasses.replace(spec.recipe, num_blocks=(1,), epochs=1)\n"
        "run = lambda r: experiments.run_degradation(r, data=tiny)\n"
        "experiments.DEGRADATION_SWEEPS['depth'] = dataclasses.replace(spec, recipe=recipe, run=run)\n"
        f"sys.argv = ['precompute.py', 'residual', '--only', 'depth', '--out-dir', {str(tmp_path)!r}]\n"
        f"runpy.run_path({str(PRECOMPUTE)!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "residual, 4 layers" in done.stdout
    stored = json.loads((tmp_path / "residual_depth_sweep.json").read_text())
    assert stored["recipe"]["num_blocks"] == [1] and stored["recipe"]["epochs"] == 1
    assert set(stored["runs"]) == {"plain, 4 layers", "residual, 4 layers"}
    assert not list(tmp_path.glob("*.tmp")), "no temporary file may be left behind"


def test_precompute_script_rejects_an_unknown_topic() -> None:
    done = subprocess.run([sys.executable, str(PRECOMPUTE),
                           "no_such_topic"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unknown topic(s) ['no_such_topic']" in done.stderr


@pytest.mark.parametrize(("name", "needed"), [
    ("residual_block.svg", ("ReLU(F(x) + x)", "identity", "H(x)")),
    ("bottleneck_block.svg", ("1×1", "3×3", "256")),
])
def test_the_course_diagrams_are_well_formed(name, needed) -> None:
    root = ET.parse(asset_path(name)).getroot()
    assert root.tag.endswith("svg")
    text = " ".join(t.text or "" for t in root.iter() if t.tag.endswith(("text", "title", "tspan")))
    for word in needed:
        assert word in text, f"{name} should say {word!r}"


def test_asset_path_names_the_files_there_are() -> None:
    with pytest.raises(FileNotFoundError, match=r"no data file 'missing.svg'. It has \[.*residual_block.svg"):
        asset_path("missing.svg")
    with pytest.raises(FileNotFoundError):
        asset_path("../pyproject.toml")
