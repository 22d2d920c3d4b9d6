"""The MathJax that the course's feedback carries inside itself (nbgrader_config.py inlines it).

A student opens feedback through their own Jupyter server, on a hub, perhaps offline: a
``file://`` path of the instructor's disk or a CDN cannot serve it there, and a URL of one
server is wrong on another. So each feedback file holds MathJax itself: MathJax 3's one-file
build ``es5/tex-svg-full.js`` (TeX input, every TeX extension, SVG output). SVG output needs no
web fonts, which matters because Jupyter serves files to the browser with the CSP ``sandbox``:
the page has an opaque origin, and fonts from any origin would need CORS headers. The price is
about 2.3 MB per feedback file.

The file is fetched once with npm into build/npm-feedback (its own prefix, like the slides'
build/npm and the hub proxy's build/npm-hub: an npm install into one prefix removes packages it
did not install itself).

Usage: ``python tools/feedback_mathjax.py`` (``make feedback-mathjax``) fetches it and prints
its path; without npm it says so and exits 1.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import npm_fetch

ROOT = Path(__file__).resolve().parents[1]
PREFIX = ROOT / "build" / "npm-feedback"
PACKAGE, VERSION = "mathjax", "3.2.2"
SCRIPT = PREFIX / "node_modules" / PACKAGE / "es5" / "tex-svg-full.js"
NPM_MISSING = (f"npm is missing: it fetches MathJax {VERSION} for the feedback once, into build/npm-feedback "
               "(Debian: apt-get install npm)")


def installed(prefix: Path = PREFIX) -> bool:
    """Whether ``prefix`` holds the pinned MathJax with its one-file build."""
    meta = prefix / "node_modules" / PACKAGE / "package.json"
    script = prefix / "node_modules" / PACKAGE / "es5" / "tex-svg-full.js"
    return script.exists() and meta.exists() and json.loads(meta.read_text())["version"] == VERSION


def problem() -> str | None:
    """Why the script cannot be had here (None when it is installed or npm can fetch it)."""
    return None if installed() or shutil.which("npm") else NPM_MISSING


def install() -> Path:
    """The path of ``tex-svg-full.js``, fetched with npm first if needed.

    Raises:
        RuntimeError: without npm, or when npm fails (no network); the message says which.
    """
    npm_fetch.fetch(PREFIX, PACKAGE, VERSION, installed, NPM_MISSING)
    return SCRIPT


def main() -> int:
    try:
        print("feedback MathJax:", install())
    except RuntimeError as error:
        print(f"feedback_mathjax: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
