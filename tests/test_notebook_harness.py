"""The notebook harness (notebooks/conftest.py) fails notebooks over budget.

Each case writes a tiny notebook next to a copy of the harness and runs nbval
on it in a subprocess, as `make test` does.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def _run_notebook(tmp_path: Path, cells: list[str], budget_s: float | None = None,
                  folder: str = "notebooks") -> subprocess.CompletedProcess:
    folder = tmp_path / folder
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "notebooks" / "conftest.py", folder / "conftest.py")
    nb = new_notebook(cells=[new_code_cell(c) for c in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    if budget_s is not None:
        nb.metadata["course"] = {"budget_s": budget_s}
    nbformat.write(nb, folder / "probe.ipynb")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
         str(folder), "-q", "--rootdir", str(tmp_path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )


def test_a_notebook_within_budget_passes_and_is_reported(tmp_path):
    result = _run_notebook(tmp_path, ["x = 1 + 1", "assert x == 2"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "notebook budgets" in result.stdout
    report = json.loads((tmp_path / "build" / "notebook_budgets.json").read_text())
    (row,) = report.values()
    assert row["budget_s"] == 90 and row["peak_mb"] > 10


def test_the_korean_edition_reports_beside_the_english_one(tmp_path):
    """`make test-notebooks-ko` runs build/ko/notebooks/ with a copy of the harness: its table
    goes to build/notebook_budgets.ko.json and leaves the English one alone."""
    (tmp_path / "pyproject.toml").write_text("")
    result = _run_notebook(tmp_path, ["x = 1"], folder="build/ko/notebooks")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads((tmp_path / "build" / "notebook_budgets.ko.json").read_text())
    assert not (tmp_path / "build" / "notebook_budgets.json").exists()


def test_a_notebook_over_its_declared_time_budget_fails(tmp_path):
    result = _run_notebook(tmp_path, ["import time", "time.sleep(4)", "print('done')"], budget_s=2)
    assert result.returncode != 0
    assert "over its budget of 2 s" in result.stdout, result.stdout
    # The message names the cell to make cheaper: the sleep (nbval's Cell 1), not the last one run.
    assert re.search(r"slowest cell so far is Cell 1 \(4\.\d s\)", result.stdout), result.stdout


def test_the_table_names_each_notebooks_slowest_cell_and_the_kernels_threads(tmp_path):
    result = _run_notebook(tmp_path, ["x = 1", "import time; time.sleep(1.5)", "y = 2"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"probe\.ipynb: .* slowest Cell 1 \(1\.\d s\)", result.stdout), result.stdout
    report = json.loads((tmp_path / "build" / "notebook_budgets.json").read_text())
    (row,) = report.values()
    assert row["slowest_cell"] == "Cell 1" and 1.4 < row["slowest_cell_s"] < 5, row


@pytest.mark.parametrize("target", ["check", "test-python", "test-notebooks-both"])
def test_processes_side_by_side_get_one_thread_each(target):
    """Two processes of two torch threads each on two cores spin against each other (CI, stop 27:
    notebook 03 in 307 s instead of about 30 s): with JOBS above 1 each gets one thread."""
    def dry_run(jobs: str) -> str:
        done = subprocess.run(["make", "-n", target, f"JOBS={jobs}", "STAMP="], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert re.search(r"OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \S*(python|make)", dry_run("2")), dry_run("2")
    assert "OMP_NUM_THREADS" not in dry_run("1")


def test_a_declared_budget_cannot_exceed_the_default(tmp_path):
    result = _run_notebook(tmp_path, ["x = 1"], budget_s=500)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((tmp_path / "build" / "notebook_budgets.json").read_text())
    assert next(iter(report.values()))["budget_s"] == 90


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_a_notebook_over_two_gigabytes_fails(tmp_path):
    grab = "import numpy as np\nblock = np.ones(2300 * 2**20, dtype=np.uint8)\nblock.sum()"
    result = _run_notebook(tmp_path, [grab, "del block"])
    assert result.returncode != 0
    assert "over the 2048 MB limit" in result.stdout, result.stdout


def test_kernels_get_a_scratch_data_cache(tmp_path):
    """Notebook runs neither read nor fill a user's ~/.cache/course_utils."""
    result = _run_notebook(tmp_path, ["import os", "assert 'course-data-cache-' in os.environ['COURSE_DATA_DIR']"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_one_core_notebook_bench_reports_time_and_memory(tmp_path):
    """benchmarks/bench_notebooks.py finds every notebooks/*/*.ipynb and reports both cache modes."""
    folder = tmp_path / "notebooks" / "99_probe"
    folder.mkdir(parents=True)
    one_core = "assert len(os.sched_getaffinity(0)) == 1" if shutil.which("taskset") else "pass"
    nb = new_notebook(cells=[new_code_cell("import os\nassert os.environ['OMP_NUM_THREADS'] == '1'"),
                             new_code_cell(one_core)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "99_probe.ipynb")
    out = tmp_path / "bench.json"
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_notebooks.py"), "--root", str(tmp_path),
                             "--out", str(out), "--skip-load"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(out.read_text())
    (rows,) = report["notebooks"].values()
    assert set(rows) == {"cold", "warm"}
    for row in rows.values():
        assert row["error"] is None and row["seconds"] > 0 and row["peak_mb"] > 10, row
