"""Helpers shared by the course-delivery tests (tests/test_grading.py, test_slides.py,
test_browser.py, test_environments.py, test_offline.py).

A module of its own rather than tests/conftest.py: notebooks/ has a conftest.py too, and
`from conftest import …` would pick whichever was imported last when pytest collects both.
The notebooks are discovered (tools/course_notebooks.py), never listed.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import course_notebooks
import pytest

ROOT = course_notebooks.ROOT
BUILD = ROOT / "build"
NOTEBOOKS = course_notebooks.discover()

# Results that the closing summary prints and build/<title>.json keeps, filled by the tests.
REPORTS: dict[str, dict] = {}

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def notebook_params():
    """``pytest.mark.parametrize`` arguments: one case per course notebook, named by its stem."""
    return pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.id for nb in NOTEBOOKS])


def stop_server(server: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a server process, and kill it if it has not exited within ``timeout`` s."""
    server.terminate()
    try:
        server.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def chromium_executable() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def require_browser() -> str:
    """Skip, loudly, where Chromium or playwright is missing; in CI that is a failure instead."""
    exe = chromium_executable()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "the Python package playwright is missing (pip install -e '.[test]')"
    else:
        problem = None if exe else "Chromium is missing (Debian: apt-get install chromium)"
    if problem:
        message = f"browser tests cannot run: {problem}"
        if in_ci():
            pytest.fail(message + "; .ci/run installs it, so this must not happen in CI", pytrace=False)
        print(f"\n*** SKIPPED: {message} ***")
        pytest.skip(message)
    return exe
