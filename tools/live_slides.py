"""Live slides: present a notebook as a reveal.js deck with a running kernel, inside JupyterLab.

The static decks of ``make slides`` (tools/build_slides.py) need no kernel, but their widgets are
dead. For a talk where the sliders move and cells run, JupyterLab serves the notebook through
Voilà (installed with the course) with the course's template ``course_live``: Voilà's reveal
template, which follows the same ``slideshow.slide_type`` metadata, runs the notebook in a kernel
and renders its widgets live. reveal.js and jQuery are served by the same Jupyter server from
``build/live/voila/templates/course_live/static/vendor/`` (fetched with npm once, as for the
static decks), so a live deck needs no network either.

Why not RISE (jupyterlab-rise 0.43.1, the newest on the package index): its deck is a separate
application bundled with JupyterLab 4.3, and the widget extension of ipywidgets 8 fails to load
there (it needs ``@jupyterlab/console``, which that application lacks; jupyterlab-contrib/rise
issue 119): the course's sliders show as text, e.g. ``VBox(children=(IntSlider(...``.

Usage::

    python tools/live_slides.py [JUPYTER LAB OPTIONS]   # prepare, then start JupyterLab for the talk
    python tools/live_slides.py --prepare-only          # only build/live/ (the test suite uses this)

In JupyterLab, open a notebook and press "Render with Voilà" in its toolbar (command
``notebook:render-with-voila``): the deck opens in a tab beside the notebook. Or open
``http://localhost:8888/voila/render/notebooks/<assignment>/<notebook>.ipynb`` in a browser tab,
full screen. Arrow keys move between slides; Tab reaches a slider, arrow keys move it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import build_slides
import course_notebooks

ROOT = course_notebooks.ROOT
LIVE = ROOT / "build" / "live"  # goes on JUPYTER_PATH: Voilà finds its templates under voila/templates/
TEMPLATE = "course_live"
SOURCE = Path(__file__).resolve().parent / "slides" / TEMPLATE

#: The Jupyter server options of a live-slides server (with ``JUPYTER_PATH`` from :func:`environment`).
#: Sources are shown: the point of the live deck is code that runs during the talk.
SERVER_OPTIONS = [f"--VoilaConfiguration.template={TEMPLATE}", "--VoilaConfiguration.strip_sources=False"]


def prepare(out: Path = LIVE, source: Path = SOURCE) -> Path:
    """Copy the template (from ``source``) into ``out``/voila/templates/ and the libraries into
    its static/vendor/.

    Returns ``out``, the folder to put on ``JUPYTER_PATH``. Raises build_slides.NpmMissing where the
    libraries are not fetched yet and there is no npm.
    """
    template = out / "voila" / "templates" / TEMPLATE
    template.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copy2(path, template / path.name)
    build_slides.vendor(template / "static")
    return out


def environment(base: dict[str, str] | None = None, out: Path = LIVE) -> dict[str, str]:
    """``base`` (default: this process's environment) with ``out`` first on ``JUPYTER_PATH``."""
    env = dict(os.environ if base is None else base)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in [str(out), env.get("JUPYTER_PATH", "")] if p)
    return env


def deck_path(url: str, notebook: str) -> str:
    """The live deck's address for ``notebook`` (a path relative to the server's root folder)."""
    return f"{url.rstrip('/')}/voila/render/{notebook}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--prepare-only", action="store_true", help="only build build/live/, start nothing")
    args, lab_options = parser.parse_known_args(argv)
    try:
        out = prepare()
    except build_slides.NpmMissing as error:
        print(error, file=sys.stderr)
        return 2
    print(f"live slides: template {TEMPLATE} in {out.relative_to(ROOT)}/voila/templates/")
    if args.prepare_only:
        return 0
    print("In JupyterLab: open a notebook, then 'Render with Voilà' in its toolbar shows it as live slides.",
          flush=True)
    command = [sys.executable, "-m", "jupyterlab", *SERVER_OPTIONS, *lab_options]
    os.execve(sys.executable, command, environment())
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
