"""Fixtures of the course-delivery tests (grading, slides, browser, environments).

Shared constants and helpers live in tools/testkit.py (see there why not here).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import course_notebooks  # noqa: E402
from testkit import BUILD, CHROMIUM_ARGS, REPORTS, ROOT, require_browser  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _venv_on_path():
    """nbgrader starts `alembic` and kernels start from PATH: put this interpreter's bin first."""
    bindir = str(Path(sys.executable).parent)
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = bindir + os.pathsep + old
    yield
    os.environ["PATH"] = old


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
