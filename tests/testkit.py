"""Helpers shared by the course-delivery tests (tests/test_grading.py, test_slides.py,
test_browser.py, test_environments.py, test_offline.py).

A module of its own rather than tests/conftest.py: notebooks/ has a conftest.py too, and
`from conftest import …` would pick whichever was imported last when pytest collects both.
The notebooks are discovered (tools/course_notebooks.py), never listed.

Tests that need a program this machine may lack (Chromium, npm, network namespaces) call
``require_tool`` (or ``require_browser``/``require_npm``): outside CI they skip loudly (a
``*** SKIPPED: … ***`` line and a pytest skip), in CI (``CI=true``) a missing tool fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parent.parent / "tools"
if str(TOOLS) not in sys.path:  # course_notebooks and build_slides are scripts in tools/, not a package
    sys.path.insert(0, str(TOOLS))

import course_notebooks  # noqa: E402

ROOT = course_notebooks.ROOT
BUILD = ROOT / "build"
NOTEBOOKS = course_notebooks.discover()

# Results that the closing summary prints and build/<title>.json keeps, filled by the tests.
REPORTS: dict[str, dict] = {}
# Why tests were skipped for a missing tool; conftest.py prints them at the end of the run, loudly.
LOUD_SKIPS: set[str] = set()

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def notebook_params():
    """``pytest.mark.parametrize`` arguments: one case per course notebook, named by its stem."""
    return pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.id for nb in NOTEBOOKS])


@contextlib.contextmanager
def deadline(seconds: float, what: str = "the call"):
    """Fail instead of hanging: SIGALRM after ``seconds`` raises TimeoutError inside the block."""
    def expire(*_):
        raise TimeoutError(f"{what} ran for more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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


def require_tool(problem: str | None, what: str) -> None:
    """Skip ``what`` loudly when ``problem`` (what is missing) is set; in CI fail instead.

    Outside CI the pytest skip comes with a ``*** SKIPPED: … ***`` line, printed at once (seen
    with ``-s``) and again in the closing summary (tests/conftest.py), so that a green run on a
    bare machine says what it did not test. In CI (``CI=true``) .ci/run installs every tool, so a
    missing one is a failure.
    """
    if not problem:
        return
    message = f"{what} cannot run: {problem}"
    if in_ci():
        pytest.fail(message + "; .ci/run installs it, so this must not happen in CI", pytrace=False)
    LOUD_SKIPS.add(message)
    print(f"\n*** SKIPPED: {message} ***", flush=True)
    pytest.skip(message)


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
    require_tool(problem, "browser tests")
    return exe


def require_npm() -> None:
    """Skip, loudly, where the offline slide libraries are not there and npm cannot fetch them."""
    import build_slides

    problem = None if build_slides.libraries_available() else build_slides.NPM_MISSING
    require_tool(problem, "slide deck tests (offline reveal.js/MathJax)")
