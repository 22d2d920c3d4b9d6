"""Fetch one pinned npm package into a prefix of build/, once, for the course's offline pieces.

The feedback's MathJax (tools/feedback_mathjax.py, build/npm-feedback) and JupyterHub's proxy
for the classroom tests (tests/classroom/hub_proxy.py, build/npm-hub) each have a prefix of
their own: an npm install into one prefix removes packages it did not install itself. The test
suite runs in two processes, so one npm at a time writes into a prefix (a lock file beside it).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path


def fetch(prefix: Path, package: str, version: str, ready: Callable[[], bool], npm_missing: str) -> None:
    """Install ``package@version`` into ``prefix`` with npm unless ``ready()`` already holds.

    Args:
        prefix: the npm prefix, a folder of build/.
        package: the npm package, e.g. ``"mathjax"``.
        version: its exact version.
        ready: whether what the caller needs is there (checked again under the lock).
        npm_missing: the message when npm is not on PATH.

    Raises:
        RuntimeError: without npm, or when npm fails (no network); the message says which.
    """
    if ready():
        return
    prefix.parent.mkdir(parents=True, exist_ok=True)
    with open(prefix.parent / f"{prefix.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ready():  # another process fetched it while this one waited
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(npm_missing)
        prefix.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(prefix), "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
               "--ignore-scripts", f"{package}@{version}"]
        print(f"fetching {package}@{version} from the npm registry into {prefix}", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0 or not ready():
            raise RuntimeError(f"`{' '.join(cmd)}` failed (no network?):\n{done.stderr[-2000:]}")
