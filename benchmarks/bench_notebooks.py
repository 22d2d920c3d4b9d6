"""Every notebook on one core with one thread, as on Binder: wall time and peak memory.

Run with ``make bench`` (after ``bench_training.py``) or on its own. Every
notebook ``notebooks/*/*.ipynb`` (discovered, not listed) is executed in a
fresh kernel by nbclient, in a child process pinned to CPU 0 (``taskset -c 0``)
with ``OMP_NUM_THREADS=MKL_NUM_THREADS=1`` (so PyTorch uses one thread), twice:

- **cold**: an empty data cache, a learner's first notebook on a machine
  (MNIST-1D is generated, then cached);
- **warm**: the cache the cold run left, every later notebook and session.

Wall time runs from the kernel's start to the end of the last cell; peak
memory is the kernel's VmHWM, read after every cell with
``notebooks/conftest.py``'s ``process_peak_mb`` (the same figure the notebook
budgets report). It also times ``load_mnist1d()`` in a new process with an
empty and with a filled cache. The results are printed and written to
``build/bench_notebooks.json``.

``--root DIR`` runs the notebooks and the ``course_utils`` of another checkout
(e.g. ``git archive HEAD | tar -x -C /tmp/head``) to compare before and after.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "build" / "bench_notebooks.json"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# Binder's limits, for the verdict column (the notebook harness checks its own budgets).
BINDER_MEMORY_MB = 2048.0


def _process_peak_mb():
    """``process_peak_mb`` from notebooks/conftest.py: one implementation of the kernel's peak memory."""
    spec = importlib.util.spec_from_file_location("_notebook_harness", ROOT / "notebooks" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.process_peak_mb


def run_notebook(path: Path, timeout: int) -> dict:
    """Execute one notebook in a new kernel (in this process's CPU set and environment)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    peak_mb = _process_peak_mb()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    peak = [0.0]

    def on_cell_executed(**_: object) -> None:
        value = peak_mb(client.km.provisioner.process.pid)
        if value == value:
            peak[0] = max(peak[0], value)

    client.on_cell_executed = on_cell_executed
    start = time.perf_counter()
    error = None
    try:
        client.execute()
    except CellExecutionError as exc:  # report it, and the time it took to get there
        error = str(exc).strip().splitlines()[-1][:300]
    return {"seconds": round(time.perf_counter() - start, 2), "peak_mb": round(peak[0], 1), "error": error}


def time_load_mnist1d() -> dict:
    """Seconds of one ``load_mnist1d()`` call in this (new) process, imports excluded."""
    from course_utils.data import load_mnist1d

    start = time.perf_counter()
    load_mnist1d(seed=0)
    return {"seconds": round(time.perf_counter() - start, 3)}


def _load_average() -> list[float] | None:
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def _pinned(args: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *args] if shutil.which("taskset") else args


def child(args: list[str], root: Path, cache: Path, timeout: int) -> dict:
    """Run this script's ``--child`` mode on CPU 0 with one thread and the given data cache."""
    env = {**os.environ, **ONE_THREAD, "COURSE_DATA_DIR": str(cache),
           "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    # No timeout here: nbclient's per-cell timeout ends a stuck notebook and shuts its kernel down.
    command = [sys.executable, __file__, "--timeout", str(timeout), "--child", *args]
    done = subprocess.run(_pinned(command), env=env, cwd=root,
                          capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="checkout whose notebooks/ and course_utils/ run (default: this one)")
    parser.add_argument("--modes", default="cold,warm", help="comma-separated: cold, warm (default both)")
    parser.add_argument("--only", default="", help="run only notebooks whose path contains this text")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--out", type=Path, default=REPORT, help="JSON report (default build/bench_notebooks.json)")
    parser.add_argument("--skip-load", action="store_true", help="do not time load_mnist1d()")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:  # inside the pinned child process
        kind, *rest = args.child
        result = run_notebook(Path(rest[0]), args.timeout) if kind == "notebook" else time_load_mnist1d()
        print(json.dumps(result))
        return

    root = args.root.resolve()
    modes = [m for m in args.modes.split(",") if m]
    unknown = set(modes) - {"cold", "warm"}
    if unknown:
        parser.error(f"--modes takes cold and warm; got {sorted(unknown)}")
    notebooks = sorted(p for p in (root / "notebooks").glob("*/*.ipynb")
                       if ".ipynb_checkpoints" not in p.parts and args.only in str(p.relative_to(root)))
    pinning = "taskset -c 0" if shutil.which("taskset") else "NOT pinned (no taskset)"
    print(f"notebooks on one core ({pinning}), one thread; root {root}")
    report: dict = {
        "settings": {"pinning": pinning, **ONE_THREAD, "root": str(root), "python": platform.python_version(),
                     "cpus_on_machine": os.cpu_count(), "modes": modes,
                     # Pinned to one core, a run still shares it: a busy machine shows here.
                     "load_average_at_start": _load_average()},
        "load_mnist1d_seconds": {},
        "notebooks": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-data-cache-") as scratch:
        cache = Path(scratch) / "load"
        for mode in () if args.skip_load else ("cold", "warm"):
            report["load_mnist1d_seconds"][mode] = child(["load"], root, cache, args.timeout)
        loads = report["load_mnist1d_seconds"]
        if loads:
            print(f"  load_mnist1d(), new process: {loads['cold'].get('seconds')} s with an empty cache, "
                  f"{loads['warm'].get('seconds')} s with a filled one")
        for i, path in enumerate(notebooks):
            rel = str(path.relative_to(root))
            cache = Path(scratch) / f"nb{i}"  # cold: empty; warm: what the cold run left
            rows = report["notebooks"][rel] = {}
            for mode in ("cold", "warm"):
                if mode not in modes:
                    continue
                if mode == "warm" and "cold" not in modes:
                    child(["notebook", str(path)], root, cache, args.timeout)  # fill the cache, untimed
                rows[mode] = child(["notebook", str(path)], root, cache, args.timeout)
                r = rows[mode]
                flag = f"  ERROR {r['error']}" if r.get("error") else (
                    "  over Binder's memory" if r.get("peak_mb", 0) > BINDER_MEMORY_MB else "")
                print(f"  {rel:<50} {mode:<4} {r.get('seconds', float('nan')):7.1f} s   "
                      f"peak {r.get('peak_mb', float('nan')):7.0f} MB{flag}")
    report["settings"]["load_average_at_end"] = _load_average()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2) + "\n")
    os.replace(tmp, args.out)
    print(f"(written to {args.out})")


if __name__ == "__main__":
    main()
