"""Stored sweeps: runs precomputed from one recipe, refused once the recipe has changed.

A notebook's slider shows results that take too long to train live. ``assets/precompute.py
<topic>`` trains them with the topic's run function and a :class:`SweepSpec` (the file name,
the recipe and how to run it) and writes one JSON file per spec; the notebook loads it with
:func:`load_sweep`. The file records the *full* recipe it was made with, and loading compares
it with the spec's current recipe field by field: if anyone edits the recipe, the stored file
is reported as stale instead of being shown as if it belonged to the new recipe.

A recipe is a frozen dataclass of plain values (ints, floats, bools, strings and tuples of
them), so it round-trips through JSON exactly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import torch

from .._validation import (Constraint, Instance, IsCallable, MappingOf, PathLike, SequenceOf, invalid, requires, show,
                           user_hook, validate)
from ..resources import asset_path
from ..train import History

__all__ = ["StaleAssetError", "Sweep", "SweepSpec", "load_sweep", "make_sweep", "save_sweep"]

R = TypeVar("R")

#: Version of the file layout; bump it when the layout changes.
FORMAT = 1


class StaleAssetError(ValueError):
    """A stored result does not belong to the current code: it must be made again."""


class _Recipe(Constraint):
    """A topic's recipe: an instance of a frozen dataclass."""

    def describe(self) -> str:
        return "a frozen dataclass instance, a topic's Recipe such as DegradationRecipe()"

    def failure(self, value: Any) -> Any:
        frozen = (dataclasses.is_dataclass(value) and not isinstance(value, type)
                  and value.__dataclass_params__.frozen)
        return None if frozen else self.wrong_type(value)


_RUN_FUNCTION = IsCallable("a callable taking the recipe")


@validate(
    topic=str, name=str, file=str, recipe=_Recipe(), run=_RUN_FUNCTION, description=str, labels=_RUN_FUNCTION,
    repeat=_RUN_FUNCTION,
    records=SequenceOf(Instance(str, desc="a str"), min_len=0, desc="a tuple of series names, e.g. ('test_acc',)"),
    checks=[requires("file", lambda a: a["file"].endswith(".json") and "/" not in a["file"],
                     "the name of a .json file in assets/, e.g. 'residual_depth_sweep.json'")],
)
@dataclass(frozen=True)
class SweepSpec(Generic[R]):
    """What ``assets/precompute.py`` makes for one stored sweep.

    Attributes:
        topic: the notebook's topic, the argument of ``assets/precompute.py``, e.g. ``"residual"``.
        name: the sweep's name within the topic, e.g. ``"depth"``.
        file: the JSON file in ``assets/``, e.g. ``"residual_depth_sweep.json"``.
        recipe: the frozen recipe every run of the sweep is made from.
        run: ``recipe -> {label: History}``, the topic's own run function.
        description: one line saying what the sweep is.
        labels: ``recipe -> [label, ...]``, the runs a complete sweep holds (cheap: no training).
        repeat: ``recipe -> (label, History)``: trains the sweep's cheapest run again, so that
            ``tests/test_assets.py`` can check the stored file against the code that made it.
        records: series beyond the built-in ones that every run records and the topic's readers
            need, e.g. ``("test_loss", "test_acc")``; a stored run without one was made by older
            code and is refused.
    """

    topic: str
    name: str
    file: str
    recipe: R
    run: Callable[[R], dict[str, History]]
    description: str
    labels: Callable[[R], list[str]]
    repeat: Callable[[R], tuple[str, History]]
    records: tuple[str, ...] = ()


@validate(spec=SweepSpec, runs=MappingOf(str, History, min_len=0, desc="a dict {label: History}"),
          made_with=MappingOf(str, Instance(object), min_len=0, desc="a dict {what: value}"))
@dataclass(frozen=True)
class Sweep(Generic[R]):
    """Runs stored from one recipe.

    Attributes:
        spec: the spec the sweep was loaded or made for.
        runs: ``{label: History}`` in the order the run function made them.
        made_with: where and how the file was made (torch and Python versions, seconds).
    """

    spec: SweepSpec[R]
    runs: dict[str, History]
    made_with: dict[str, Any] = field(default_factory=dict)

    @property
    def recipe(self) -> R:
        """The recipe the runs were made from (equal to the spec's current one)."""
        return self.spec.recipe

    def get(self, label: str) -> History:
        """The stored :class:`History` of one run, by its label.

        Raises:
            KeyError: no such run; the message lists the runs there are.
        """
        if label not in self.runs:
            raise KeyError(f"The {self.spec.topic} sweep {self.spec.name!r} has no run {label!r}. "
                           f"It has {list(self.runs)}.")
        return self.runs[label]


def _plain(value: Any) -> Any:
    # Tuples become lists in JSON; compare in the JSON form.
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _recipe_dict(recipe: Any) -> dict[str, Any]:
    return {f.name: _plain(getattr(recipe, f.name)) for f in dataclasses.fields(recipe)}


def _rounded(history: dict[str, Any]) -> dict[str, Any]:
    # Six decimals are far below the run-to-run noise and keep the files small.
    def r(v: Any) -> Any:
        return round(v, 6) if isinstance(v, float) else v

    return {k: ([r(v) for v in val] if isinstance(val, list)
                else {s: [r(v) for v in vs] for s, vs in val.items()} if isinstance(val, dict) else val)
            for k, val in history.items()}


@validate(spec=SweepSpec)
def make_sweep(spec: SweepSpec[R]) -> Sweep[R]:
    """Run ``spec.run(spec.recipe)`` and keep the result with how it was made.

    Raises:
        TypeError: ``spec.run`` did not return a dict ``{label: History}`` (e.g. it returned None).
    """
    start = time.perf_counter()
    runs = user_hook(spec.run)(spec.recipe)  # the learner's run function: what it calls is checked
    if not (isinstance(runs, dict) and all(isinstance(h, History) for h in runs.values())):
        got = f"{show(runs)} of type {type(runs).__name__}" if not isinstance(runs, dict) else \
            f"a dict holding {sorted({type(h).__name__ for h in runs.values()} - {'History'})}"
        raise invalid("spec", "a SweepSpec whose run returns a dict {label: History}",
                      f"one whose run ({getattr(spec.run, '__qualname__', repr(spec.run))}) returned {got}",
                      "End the run function with `return {label: history, ...}`.", type_error=True)
    made_with = {"torch": torch.__version__, "python": platform.python_version(),
                 "seconds": round(time.perf_counter() - start, 1)}
    return Sweep(spec, runs, made_with)


@validate(sweep=Sweep, path=PathLike())
def save_sweep(sweep: Sweep[Any], path: str | Path) -> Path:
    """Write ``sweep`` to ``path`` as JSON, atomically (a temporary file, then a rename).

    Returns:
        The path written.
    """
    path = Path(path)
    spec = sweep.spec
    stored = {
        "format": FORMAT,
        "topic": spec.topic,
        "name": spec.name,
        "description": spec.description,
        "recipe": _recipe_dict(spec.recipe),
        "made_with": sweep.made_with,
        "runs": {label: _rounded(h.to_dict()) for label, h in sweep.runs.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(json.dumps(stored, indent=1) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _stale(path: Path, spec: SweepSpec[Any], why: str) -> StaleAssetError:
    return StaleAssetError(
        f"stale asset: {path} {why}. Rerun `python assets/precompute.py {spec.topic}` "
        "from the repository root to make it again from the current recipe."
    )


def _differences(stored: Mapping[str, Any], current: Mapping[str, Any]) -> list[str]:
    keys = list(current) + [k for k in stored if k not in current]
    return [f"{k} (stored {stored.get(k, '<missing>')!r}, current {current.get(k, '<missing>')!r})"
            for k in keys if stored.get(k, "<missing>") != current.get(k, "<missing>")]


@validate(spec=SweepSpec, path=[None, PathLike()])
def load_sweep(spec: SweepSpec[R], path: str | Path | None = None) -> Sweep[R]:
    """Read a stored sweep and check that it was made from ``spec``'s current recipe.

    Args:
        spec: the sweep's spec, e.g. ``experiments.DEGRADATION_SWEEPS["depth"]``.
        path: the JSON file; ``None`` for ``spec.file`` among the course's assets.

    Returns:
        The :class:`Sweep`.

    Raises:
        FileNotFoundError: the file is missing; the message says how to make it.
        StaleAssetError: the file is not a sweep of this layout, was made for another topic or
            from another recipe, or was edited by hand (a recipe or a run that is not what
            ``save_sweep`` writes, a run missing or added, a run without epochs or without a series
            of ``spec.records``); the message names
            the file, what is wrong and how to make it again.
    """
    path = asset_path(spec.file) if path is None else Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load_sweep: no stored sweep at {path}. Make it with "
                                f"`python assets/precompute.py {spec.topic}` from the repository root.")
    try:
        stored = json.loads(path.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _stale(path, spec, f"is not a JSON file ({err})") from None
    if not isinstance(stored, dict) or stored.get("format") != FORMAT:
        raise _stale(path, spec, f"is not a sweep file of format {FORMAT}")
    missing = [k for k in ("topic", "name", "recipe", "runs") if k not in stored]
    if missing:
        raise _stale(path, spec, f"lacks the keys {missing}")
    if (stored["topic"], stored["name"]) != (spec.topic, spec.name):
        raise _stale(path, spec, f"holds the sweep {stored['topic']}/{stored['name']}, "
                                 f"not {spec.topic}/{spec.name}")
    for key, what in (("recipe", f"a dict of {type(spec.recipe).__name__}'s fields"),
                      ("runs", "a dict {label: History}"), ("made_with", "a dict {what: value}")):
        if key in stored and not isinstance(stored[key], dict):
            raise _stale(path, spec, f"has a {key!r} that is not {what} but {show(stored[key])}")
    diff = _differences(stored["recipe"], _recipe_dict(spec.recipe))
    if diff:
        raise _stale(path, spec, f"was made from another {type(spec.recipe).__name__}: "
                                 f"{'; '.join(diff)}")
    runs = {}
    for label, h in stored["runs"].items():
        try:
            runs[label] = History.from_dict(h)
        except (AttributeError, TypeError, ValueError) as err:
            raise _stale(path, spec, f"holds a run that is not a History: {label!r} ({err})") from None
        if runs[label].epochs == 0:
            raise _stale(path, spec, f"holds a run {label!r} without any epoch")
        lacking = [name for name in spec.records if name not in runs[label].extra]
        if lacking:
            raise _stale(path, spec, f"holds a run {label!r} without the series {lacking} that the current code "
                                     "records (made by an older version: the degradation and batch-norm runs "
                                     "kept their test curves in val_* before)")
    expected = user_hook(spec.labels)(spec.recipe)
    if not (isinstance(expected, (list, tuple)) and all(isinstance(label, str) for label in expected)):
        raise invalid("spec", "a SweepSpec whose labels returns the list of the runs' labels",
                      f"one whose labels ({getattr(spec.labels, '__qualname__', repr(spec.labels))}) returned "
                      f"{show(expected)}", "End the labels function with `return [label, ...]`.", type_error=True)
    missing = [label for label in expected if label not in runs]
    extra = [label for label in runs if label not in expected]
    if missing or extra:
        what = [f"lacks the runs {missing}" if missing else "", f"holds runs its recipe does not make {extra}"
                if extra else ""]
        raise _stale(path, spec, " and ".join(w for w in what if w) + " (a complete sweep holds exactly the runs "
                                 f"{type(spec.recipe).__name__} makes)")
    return Sweep(spec, runs, stored.get("made_with", {}))
