"""JupyterHub's proxy (configurable-http-proxy, a node program) for the classroom test.

Installed once with npm into build/npm-hub, the way tools/build_slides.py fetches the slide
libraries into build/npm (a separate prefix: an npm install into one prefix removes packages it
did not install itself). tests/test_classroom.py calls :func:`install`; `make hub-proxy` and
`make classroom` run this script. Without npm it says so loudly and, outside CI,
exits 0 so that the classroom test skips (loudly); in CI (CI=true) it fails.

Usage: ``python tests/classroom/hub_proxy.py``
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tools") not in sys.path:  # run as a script by `make hub-proxy`
    sys.path.insert(0, str(ROOT / "tools"))

import npm_fetch  # noqa: E402  (tools/npm_fetch.py)
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
    why = problem()
    if why:
        raise RuntimeError(why)
    # Two classroom tests (tests/test_classroom.py, tests/test_hub_users.py) may start side by side
    # in the suite's two processes: npm_fetch lets one npm at a time into the prefix.
    npm_fetch.fetch(PREFIX, PACKAGE, VERSION, installed, NPM_MISSING)
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
