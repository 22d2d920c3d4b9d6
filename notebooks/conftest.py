"""Budgets for notebook execution under nbval.

Every notebook must run within its wall-time budget (90 s on the course's
reference 2-core machine, or less if its metadata says
``"course": {"budget_s": N}``) and within 2 GB peak memory, Binder's limit.
The check runs after every cell: the cell that crosses a limit fails with a
message naming the notebook, the time or memory used and the limit, and the
slowest cell so far. A table of every notebook's time, peak memory and slowest
cell, headed by the kernels' ``OMP_NUM_THREADS``, is printed at the end of the run and
written to ``build/notebook_budgets.json`` (a translated edition, run from its copy of this file in
``build/<lang>/notebooks/``: ``build/notebook_budgets.<lang>.json``).

The kernels get a scratch data cache (``COURSE_DATA_DIR``), so a run neither
depends on nor writes into a user's ``~/.cache/course_utils``: the first
notebook that needs MNIST-1D generates it, as on a learner's first day.
``benchmarks/bench_notebooks.py`` reuses :func:`process_peak_mb`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

DEFAULT_BUDGET_S = 90.0
MEMORY_LIMIT_MB = 2048.0
_HERE = Path(__file__).resolve().parent
_ROOT = next((p for p in _HERE.parents if (p / "pyproject.toml").exists()), _HERE.parent)
REPORT = _ROOT / "build" / ("notebook_budgets.json" if _HERE == _ROOT / "notebooks"
                            else f"notebook_budgets.{_HERE.parent.name}.json")

_runs: dict[str, dict[str, float]] = {}
_scratch: dict[str, str | None] = {}
_slowest: dict[str, str] = {}  # notebook path -> nbval's name of its slowest cell so far


def pytest_configure(config) -> None:
    # Kernels inherit this process's environment when they start.
    _scratch["old"] = os.environ.get("COURSE_DATA_DIR")
    _scratch["dir"] = tempfile.mkdtemp(prefix="course-data-cache-")
    os.environ["COURSE_DATA_DIR"] = _scratch["dir"]


def pytest_unconfigure(config) -> None:
    if "dir" not in _scratch:
        return
    shutil.rmtree(_scratch.pop("dir"), ignore_errors=True)
    old = _scratch.pop("old")
    if old is None:
        os.environ.pop("COURSE_DATA_DIR", None)
    else:
        os.environ["COURSE_DATA_DIR"] = old


def _notebook_of(item: pytest.Item):
    parent = item.parent
    return parent if parent is not None and hasattr(parent, "nb") and hasattr(parent, "kernel") else None


def _kernel_peak_mb(notebook) -> float:
    """Peak resident memory of the notebook's kernel process (Linux: VmHWM)."""
    try:
        pid = notebook.kernel.km.provisioner.process.pid
    except AttributeError:
        return float("nan")
    return process_peak_mb(pid)


def process_peak_mb(pid: int) -> float:
    """Peak resident memory of a live process in MB (Linux: VmHWM; elsewhere current RSS), or nan."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 2**20
    except Exception:  # the kernel may be gone; no figure is better than a wrong one
        return float("nan")


def _budget_s(notebook) -> float:
    meta = notebook.nb.metadata.get("course", {})
    declared = float(meta.get("budget_s", DEFAULT_BUDGET_S))
    return min(declared, DEFAULT_BUDGET_S)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    notebook = _notebook_of(item)
    if notebook is not None:
        # The first cell's setup starts the kernel: count it against the budget.
        _runs.setdefault(str(notebook.path), {"start": time.perf_counter(), "seconds": 0.0,
                                              "peak_mb": 0.0, "budget_s": _budget_s(notebook)})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    cell_start = time.perf_counter()
    result = yield
    notebook = _notebook_of(item)
    if notebook is None:
        return result
    run = _runs[str(notebook.path)]
    run["seconds"] = time.perf_counter() - run["start"]
    cell_s = time.perf_counter() - cell_start
    if cell_s > run.get("slowest_cell_s", -1.0):
        run["slowest_cell_s"], _slowest[str(notebook.path)] = cell_s, item.name
    peak = _kernel_peak_mb(notebook)
    if peak == peak:
        run["peak_mb"] = max(run["peak_mb"], peak)
    name = Path(notebook.path).name
    if run["seconds"] > run["budget_s"]:
        pytest.fail(f"{name} has run {run['seconds']:.1f} s by this cell, over its budget of "
                    f"{run['budget_s']:.0f} s; its slowest cell so far is {_slowest_text(notebook.path)}. "
                    f"Make the cell cheaper (precompute, fewer epochs) or split the notebook.", pytrace=False)
    if run["peak_mb"] > MEMORY_LIMIT_MB:
        pytest.fail(f"{name}'s kernel reached {run['peak_mb']:.0f} MB peak memory by this cell, "
                    f"over the {MEMORY_LIMIT_MB:.0f} MB limit (Binder). Use smaller data or models.",
                    pytrace=False)
    return result


def _slowest_text(path) -> str:
    """'Cell 10 (5.7 s)': nbval's name of the slowest cell run so far, and its time."""
    return f"{_slowest[str(path)]} ({_runs[str(path)]['slowest_cell_s']:.1f} s)"


def pytest_terminal_summary(terminalreporter) -> None:
    if not _runs:
        return
    threads = os.environ.get("OMP_NUM_THREADS", "not set: torch's default")
    terminalreporter.section(f"notebook budgets (kernels' OMP_NUM_THREADS: {threads})")
    rows = {}
    for path, run in sorted(_runs.items()):
        rel = os.path.relpath(path)
        rows[rel] = {k: round(v, 1) for k, v in run.items() if k != "start"}
        slowest = f", slowest {_slowest_text(path)}" if path in _slowest else ""
        if path in _slowest:
            rows[rel]["slowest_cell"] = _slowest[path]
        terminalreporter.write_line(f"{rel}: {run['seconds']:.1f} s of {run['budget_s']:.0f} s, "
                                    f"peak memory {run['peak_mb']:.0f} MB{slowest}")
    REPORT.parent.mkdir(exist_ok=True)
    tmp = REPORT.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=2))
    os.replace(tmp, REPORT)
