"""Stored sweeps (experiments/sweep.py): hand-edited files and run functions that return nothing are named.

The round trip, stale recipes and the precompute script are tested in tests/test_assets.py; these
tests only read the stored residual sweep, edit a copy in a temporary folder and load it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from course_utils import experiments
from course_utils.resources import asset_path

SPEC = experiments.DEGRADATION_SWEEPS["depth"]


def _edited(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    stored = json.loads(asset_path(SPEC.file).read_text())
    change(stored)
    path = tmp_path / "edited_sweep.json"
    path.write_text(json.dumps(stored))
    return path


def _first(stored: dict[str, Any]) -> str:
    return next(iter(stored["runs"]))


@pytest.mark.parametrize(("change", "why"), [
    (lambda s: s.__setitem__("recipe", None),
     r"has a 'recipe' that is not a dict of DegradationRecipe's fields but None"),
    (lambda s: s.__setitem__("recipe", [1, 2]), r"has a 'recipe' that is not a dict of DegradationRecipe's fields"),
    (lambda s: s.__setitem__("runs", None), r"has a 'runs' that is not a dict \{label: History\} but None"),
    (lambda s: s.__setitem__("made_with", None), r"has a 'made_with' that is not a dict"),
    (lambda s: s["runs"].pop(_first(s)), r"lacks the runs \['plain, 6 layers'\]"),
    (lambda s: s["runs"].__setitem__("plain, 7 layers", s["runs"][_first(s)]),
     r"holds runs its recipe does not make \['plain, 7 layers'\]"),
    (lambda s: s["runs"].__setitem__(_first(s), None), r"holds a run that is not a History: 'plain, 6 layers'"),
    (lambda s: s["runs"].__setitem__(_first(s), {k: [] if isinstance(v, list) else {n: [] for n in v} if k == "extra"
                                                 else v for k, v in s["runs"][_first(s)].items() if k != "best_epoch"}),
     r"holds a run 'plain, 6 layers' without any epoch"),
    (lambda s: s["runs"][_first(s)].update(val_loss=s["runs"][_first(s)]["extra"]["test_loss"],
                                           val_acc=s["runs"][_first(s)]["extra"].pop("test_acc")),
     r"holds a run 'plain, 6 layers' without the series \['test_acc'\] that the current code records"),
], ids=["recipe-null", "recipe-list", "runs-null", "made-with-null", "run-deleted", "run-added", "run-null",
        "run-emptied", "run-old-layout"])
def test_a_hand_edited_sweep_file_is_refused_naming_the_file_and_what_is_wrong(tmp_path, change, why) -> None:
    path = _edited(tmp_path, change)
    with pytest.raises(experiments.StaleAssetError, match=rf"stale asset: .*edited_sweep.json {why}.*"
                                                          r"python assets/precompute.py residual"):
        experiments.load_sweep(SPEC, path)


def test_an_unedited_copy_still_loads(tmp_path) -> None:
    sweep = experiments.load_sweep(SPEC, _edited(tmp_path, lambda s: None))
    assert list(sweep.runs) == SPEC.labels(SPEC.recipe)


def test_make_sweep_names_a_run_function_that_returns_nothing() -> None:
    def run(recipe):
        runs = dict.fromkeys(SPEC.labels(recipe))  # noqa: F841 (it forgets `return runs`)

    spec = dataclasses.replace(SPEC, run=run)
    with pytest.raises(TypeError, match=r"The 'spec' parameter of make_sweep must be a SweepSpec whose run returns a "
                                        r"dict \{label: History\}. Got one whose run \(.*run\) returned None"):
        experiments.make_sweep(spec)
