"""JupyterHub's proxy (configurable-http-proxy, a node program) for the classroom test.

Installed once with npm into build/npm-hub, the way tools/build_slides.py fetches the slide
libraries into build/npm (a separate prefix: an npm install into one prefix removes packages it
did not install itself). tests/test_classroom.py calls :func:`install`; `make hub-proxy` and
`make classroom` run this script. Without npm it says so loudly and, outside CI,
exits 0 so that the classroom test skips (loudly); in CI (CI=true) it fails.

Usage: ``python tests/classroom/hub_proxy.py``
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PREFIX = ROOT / "build" / "npm-hub"
PACKAGE, VERSION = "configurable-http-proxy", "5.3.0"
COMMAND = PREFIX / "node_modules" / ".bin" / PACKAGE
NPM_MISSING = (f"npm is missing: it installs JupyterHub's proxy ({PACKAGE}) into build/npm-hub once "
               "(Debian: apt-get install npm)")


def installed() -> bool:
    meta = PREFIX / "node_modules" / PACKAGE / "package.json"
    return COMMAND.exists() and meta.exists() and json.loads(meta.read_text())["version"] == VERSION


def problem() -> str | None:
    """Why the proxy cannot be had here (None when it is installed or npm can fetch it)."""
    if installed():
        return None
    if not shutil.which("node"):
        return "node is missing: JupyterHub's proxy is a node program (Debian: apt-get install nodejs npm)"
    return None if shutil.which("npm") else NPM_MISSING


def install() -> Path:
    """The proxy's command, installed with npm first if needed.

    Raises:
        RuntimeError: without node or npm, or when npm fails (no network); the message says which.
    """
    if installed():
        return COMMAND
    PREFIX.parent.mkdir(parents=True, exist_ok=True)
    # Two classroom tests (tests/test_classroom.py, tests/test_hub_users.py) may start side by side
    # in the suite's two processes: one npm at a time into the prefix.
    with open(PREFIX.parent / "npm-hub.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return COMMAND if installed() else _install()


def _install() -> Path:
    why = problem()
    if why:
        raise RuntimeError(why)
    PREFIX.mkdir(parents=True, exist_ok=True)
    cmd = [shutil.which("npm"), "install", "--prefix", str(PREFIX), "--no-save", "--no-package-lock",
           "--no-audit", "--no-fund", "--ignore-scripts", f"{PACKAGE}@{VERSION}"]
    print(f"fetching {PACKAGE}@{VERSION} from the npm registry into {PREFIX}", flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not installed():
        raise RuntimeError(f"`{' '.join(cmd)}` failed (no network?):\n{done.stderr[-2000:]}")
    return COMMAND


def main() -> int:
    try:
        print("JupyterHub proxy:", install())
    except RuntimeError as error:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            print(f"hub_proxy: {error}", file=sys.stderr)
            return 1
        print(f"\n*** SKIPPED: the JupyterHub classroom test cannot run: {error} ***\n", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
