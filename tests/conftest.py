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


def pytest_terminal_summary(terminalreporter) -> None:
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
