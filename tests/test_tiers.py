"""The test suite's own machinery (tests/conftest.py): tiers, and the process groups of pytest-xdist.

`make check` and `make test` run in two processes with ``--dist loadgroup``; conftest.py puts each
file's tests in one group, so that one process runs them all and a module fixture (a trained
sweep, a released course) is made once. If the groups fall apart, nothing fails: each process
trains the fixtures again and the suite takes longer (pytest 9 with pytest-xdist 3.8 did this,
silently). These tests run pytest in a subprocess and look at what it did.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _pytest(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
                          cwd=HERE.parent, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def test_a_files_tests_stay_in_one_group_under_two_processes() -> None:
    pytest.importorskip("xdist")
    done = _pytest("tests/test_device.py", "tests/test_train_callbacks.py", "-n", "2", "--dist", "loadgroup",
                   "--durations=0", "--durations-min=0")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    timed = re.findall(r"^\s*[\d.]+s (?:setup|call|teardown)\s+(\S+)$", done.stdout, re.M)
    assert len(timed) > 20, done.stdout[-3000:]
    wrong = [nodeid for nodeid in timed if not nodeid.endswith("@" + Path(nodeid.split("::")[0]).stem)]
    assert not wrong, (f"{len(wrong)} of {len(timed)} tests ran outside their file's group (pytest "
                       f"{pytest.__version__}), e.g. {wrong[:3]}: pytest-xdist no longer sees the groups")


def test_every_test_of_a_file_gets_its_files_tier() -> None:
    done = _pytest("tests/test_device.py", "tests/test_notebook_harness.py", "-m", "unit", "--co")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    files = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    assert files == {"tests/test_device.py"}, files  # the harness tests are delivery: not selected
