"""Fixtures of the course-delivery tests (grading, slides, browser, environments).

Shared constants and helpers live in tests/testkit.py (see there why not here).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from testkit import BUILD, CHROMIUM_ARGS, LOUD_SKIPS, REPORTS, ROOT, require_browser

import course_notebooks  # tools/, put on sys.path by testkit

HERE = Path(__file__).resolve().parent

#: The three tiers of the suite, by test file. `make check` runs the unit tier (seconds per file:
#: the package's functions on tiny inputs, made-up histories, the stored data), `make test` all
#: three. claims: the notebooks' claims re-run with the course's seeds, and the stored sweeps
#: retrained. delivery: what reaches a learner or an instructor (nbgrader, the classroom, slides,
#: browsers, environments, the offline wrapper, the wheel, the full-scale launcher). Every test
#: file is named here once; a single test may move to another tier with its own mark
#: (``@pytest.mark.claims``). docs/adding_a_notebook.md says which tier a new test belongs in.
TIERS: dict[str, set[str]] = {
    "unit": {
        "test_assets.py", "test_data.py", "test_device.py", "test_glossary.py", "test_grading_guard.py",
        "test_korean.py", "test_language.py", "test_measure.py", "test_models.py", "test_plots.py",
        "test_train.py", "test_train_callbacks.py", "test_validation.py", "test_validation_count.py", "test_experiments_sweep.py", "test_fullscale_engineering.py",
        "test_experiments_batch_norm.py", "test_experiments_bottleneck.py", "test_experiments_catalogue.py",
        "test_experiments_dropout.py", "test_experiments_overfitting.py", "test_experiments_residual.py",
        "test_experiments_weight_decay.py",
        "test_regularizers_adversarial.py", "test_regularizers_augment.py", "test_regularizers_batch_norm.py",
        "test_regularizers_dropout.py", "test_regularizers_ensembles.py", "test_regularizers_multitask.py",
        "test_regularizers_noise.py", "test_regularizers_penalties.py", "test_regularizers_semisupervised.py",
        "test_regularizers_smoothing.py", "test_regularizers_sparsity.py", "test_regularizers_tying.py",
        "test_widgets_batch_norm.py", "test_widgets_catalogue.py", "test_widgets_dropout.py",
        "test_widgets_live.py", "test_widgets_overfitting.py", "test_widgets_residual.py",
        "test_tiers.py", "test_widgets_weight_decay.py", "test_widgets_welcome.py",
    },
    "claims": {
        "test_claims_batch_norm.py", "test_claims_catalogue.py", "test_claims_dropout.py",
        "test_claims_overfitting.py", "test_claims_residual.py", "test_claims_weight_decay.py",
    },
    "delivery": {
        "test_browser.py", "test_classroom.py", "test_environments.py", "test_fullscale.py", "test_grading.py",
        "test_hub_users.py", "test_korean_delivery.py", "test_live_slides.py", "test_notebook_harness.py",
        "test_offline.py", "test_packaging.py", "test_site.py", "test_slides.py",
    },
}


def pytest_configure(config) -> None:
    """Refuse to start when a test file is in no tier (checked before any process of pytest-xdist starts)."""
    named = [name for names in TIERS.values() for name in names]
    on_disk = {p.name for p in HERE.glob("test_*.py")}
    problems = [f"{name}: in TIERS but not in tests/" for name in sorted(set(named) - on_disk)]
    problems += [f"{name}: in no tier" for name in sorted(on_disk - set(named))]
    problems += [f"{name}: in more than one tier" for name in sorted({n for n in named if named.count(n) > 1})]
    if problems:
        raise pytest.UsageError("tests/conftest.py TIERS must name every test file once (unit, claims or "
                                "delivery; see docs/adding_a_notebook.md):\n" + "\n".join(problems))


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by these marks
def pytest_collection_modifyitems(config, items) -> None:
    """Mark every test of tests/ with its file's tier (and, under pytest-xdist, its group)."""
    tier_of = {name: tier for tier, names in TIERS.items() for name in names}
    in_groups = config.pluginmanager.hasplugin("xdist")
    for item in items:
        path = Path(str(item.fspath))
        if path.parent != HERE:
            continue
        if not any(m.name in TIERS for m in item.iter_markers()):
            item.add_marker(getattr(pytest.mark, tier_of[path.name]))
        if in_groups:
            item.add_marker(pytest.mark.xdist_group(_group(item, path)))


def _group(item, path: Path) -> str:
    """The pytest-xdist group of a test (``--dist loadgroup``): one process runs a whole group.

    A file's tests share module fixtures (a trained sweep, a released course), so a file is one
    group; tests of one notebook or one exercise (the grading tests) are a group of their own, so
    that notebooks are graded side by side while each notebook's graded submissions (kept for the
    session) are made once.
    """
    if {"decks", "ko_decks"} & set(getattr(item, "fixturenames", ())):
        return f"{path.stem}-decks"  # the decks are built into one folder of build/: by one process
    params = getattr(item, "callspec", None)
    params = params.params if params is not None else {}
    notebook = params.get("notebook")
    exercise = params.get("exercise")
    if notebook is not None:
        return f"{path.stem}-{getattr(notebook, 'id', notebook)}"
    if isinstance(exercise, tuple):
        return f"{path.stem}-{exercise[0]}-{exercise[1]}"
    return path.stem


@pytest.fixture(scope="session", autouse=True)
def _venv_on_path():
    """nbgrader starts `alembic` and kernels start from PATH: put this interpreter's bin first."""
    bindir = str(Path(sys.executable).parent)
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = bindir + os.pathsep + old
    yield
    os.environ["PATH"] = old


@pytest.fixture(scope="session", autouse=True)
def _scratch_data_cache(tmp_path_factory):
    """The data cache (generated MNIST-1D, downloads) in a scratch folder for the whole session.

    Tests (and the notebooks they run in subprocesses) then neither read a user's
    ~/.cache/course_utils, which may hold anything, nor write into it.
    """
    old = os.environ.get("COURSE_DATA_DIR")
    os.environ["COURSE_DATA_DIR"] = str(tmp_path_factory.mktemp("data-cache"))
    yield
    if old is None:
        os.environ.pop("COURSE_DATA_DIR", None)
    else:
        os.environ["COURSE_DATA_DIR"] = old


@pytest.fixture(scope="session")
def course_root(tmp_path_factory) -> Path:
    """A throw-away copy of the course (notebooks and nbgrader_config.py), released by nbgrader.

    Built once per session; the grading and slide tests share it.
    """
    root = tmp_path_factory.mktemp("course")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "conftest.py"))
    start = time.perf_counter()
    course_notebooks.release(root=root)
    REPORTS.setdefault("grading results", {})["release (all notebooks)"] = f"{time.perf_counter() - start:.1f} s"
    return root


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by playwright (never `playwright install`: no download here)."""
    exe = require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def pytest_sessionfinish(session) -> None:
    """In a pytest-xdist worker: hand the reports and loud skips to the main process, which prints them."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["course_reports"] = json.dumps({"reports": REPORTS, "skips": sorted(LOUD_SKIPS)}, default=str)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook: the main process, as each worker stops
def pytest_testnodedown(node, error) -> None:
    handed = json.loads(getattr(node, "workeroutput", {}).get("course_reports", "{}"))
    for title, rows in handed.get("reports", {}).items():
        REPORTS.setdefault(title, {}).update(rows)
    LOUD_SKIPS.update(handed.get("skips", []))


def pytest_terminal_summary(terminalreporter, config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the main process prints and writes it all
        return
    if LOUD_SKIPS:  # tools this machine lacks (testkit.require_tool): say so where nobody can miss it
        terminalreporter.section("skipped for missing tools (required in CI)", yellow=True, bold=True)
        reasons = [str(r.longrepr[-1]) for r in terminalreporter.stats.get("skipped", [])
                   if isinstance(r.longrepr, tuple)]
        for message in LOUD_SKIPS:
            count = sum(message in reason for reason in reasons)
            terminalreporter.write_line(f"*** SKIPPED: {message} ({count} test{'s' * (count != 1)}) ***",
                                        yellow=True, bold=True)
    for title, rows in REPORTS.items():
        if not rows:
            continue
        terminalreporter.section(title)
        for key, value in rows.items():
            terminalreporter.write_line(f"{key}: {value}")
        BUILD.mkdir(exist_ok=True)
        out = BUILD / (title.replace(" ", "_") + ".json")
        out.write_text(json.dumps(rows, indent=2, default=str))
        terminalreporter.write_line(f"(written to {out.relative_to(ROOT)})")
