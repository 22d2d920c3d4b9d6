"""Render every course notebook to a reveal.js slide deck that works offline.

The decks are made from the *student* versions (generated with nbgrader into
``build/student-notebooks/``), so a deck can be shared without giving away solutions or hidden
tests. Slides follow each cell's
``slideshow.slide_type`` metadata (slide / subslide / fragment / notes / skip), as in
JupyterLab's slide view.

Nothing is loaded from a CDN: reveal.js, require.js, jQuery and MathJax are installed from the
npm registry once (into ``build/npm``, the only step that needs a network) and a trimmed copy is
placed in ``build/slides/vendor/`` next to the decks. Copy the whole ``build/slides/`` folder to
present from another machine. Without npm (and nothing fetched yet) this script stops with
``NpmMissing``; the slide tests of ``make test`` skip loudly instead, except in CI.

Usage::

    python tools/build_slides.py                 # build/slides/<notebook>.slides.html + index.html
    python tools/build_slides.py --execute       # run each notebook first so decks show outputs
    python tools/build_slides.py --vendor-only   # just fetch the JavaScript libraries
    python tools/build_slides.py --lang ko       # the Korean edition's decks in build/slides/ko/

A Korean deck carries the NanumGothic glyphs it uses (see :func:`korean_font_style`), so it shows
Hangul on a machine without a Korean font too.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import html
import json
import shutil
import subprocess
import sys
from pathlib import Path

import course_notebooks

ROOT = course_notebooks.ROOT
OUT = ROOT / "build" / "slides"
NPM_PREFIX = ROOT / "build" / "npm"
TEMPLATES = Path(__file__).resolve().parent / "slides"
TEMPLATE = "course_reveal"

# Pinned: nbconvert's reveal template is written for reveal.js 4 and MathJax 2.
PACKAGES = {"reveal.js": "4.6.1", "requirejs": "2.3.8", "jquery": "3.7.1", "mathjax": "2.7.9"}
# What the decks need from each package (MathJax 2 is 73 MB in full: keep TeX input, CommonHTML
# output and its TeX web fonts, which is what the nbconvert configuration asks for).
VENDOR_FILES = {
    "reveal.js": ["dist", "plugin/notes", "LICENSE"],
    "requirejs": ["require.js"],
    "jquery": ["dist/jquery.min.js", "LICENSE.txt"],
    "mathjax": ["MathJax.js", "LICENSE", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "config/local",
                "extensions", "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                "fonts/HTML-CSS/TeX/woff", "localization/en"],
}
URLS = {
    "reveal_url_prefix": "vendor/reveal.js",
    # 'white' takes its font from reveal.js's own files; 'simple' and others import Google Fonts.
    "reveal_theme": "white",
    "require_js_url": "vendor/requirejs/require.js",
    "jquery_url": "vendor/jquery/dist/jquery.min.js",
    "mathjax_url": "vendor/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
}
TITLES = {"en": "Course slides", "ko": "강의 슬라이드 (한국어판)"}
WIDGET_NOTES = {"en": "(interactive widget: run this notebook in JupyterLab to use it)",
                "ko": "(인터랙티브 위젯: JupyterLab에서 이 노트북을 실행하면 쓸 수 있습니다)"}
NPM_MISSING = ("npm is missing: it is needed once to fetch reveal.js, require.js, jQuery and MathJax for "
               "offline decks (Debian: apt-get install npm)")


class NpmMissing(RuntimeError):
    """The slide libraries are not installed in build/npm and there is no npm to fetch them."""


def libraries_installed() -> bool:
    """Whether build/npm already holds the pinned libraries (then npm is not needed)."""
    modules = NPM_PREFIX / "node_modules"
    return all((modules / name / "package.json").exists() and
               json.loads((modules / name / "package.json").read_text())["version"] == version
               for name, version in PACKAGES.items())


def libraries_available() -> bool:
    """Whether ``vendor`` can work here: the libraries are installed, or npm can fetch them."""
    return libraries_installed() or shutil.which("npm") is not None


@contextlib.contextmanager
def _one_at_a_time(lock: Path):
    """Hold an exclusive lock on ``lock`` (created if needed): two processes (the test suite runs in
    two) never run npm into one folder or copy into one vendor folder at the same time."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def vendor(out: Path = OUT) -> Path:
    """Install the pinned libraries with npm (if not yet there) and copy what decks need."""
    with _one_at_a_time(NPM_PREFIX.parent / "npm.lock"):
        return _vendor(out)


def _vendor(out: Path) -> Path:
    modules = NPM_PREFIX / "node_modules"
    wanted = [f"{name}@{version}" for name, version in PACKAGES.items()]
    if not libraries_installed():
        npm = shutil.which("npm")
        if npm is None:
            raise NpmMissing(f"build_slides: {NPM_MISSING}.")
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(NPM_PREFIX), "--no-save", "--no-package-lock", "--no-audit",
               "--no-fund", "--ignore-scripts", *wanted]
        print("fetching", " ".join(wanted), "from the npm registry", flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"build_slides: `{' '.join(cmd)}` failed (no network?):\n{done.stderr[-2000:]}")
    target = out / "vendor"
    stamp = target / "VERSIONS.json"
    if target.exists() and (not stamp.exists() or json.loads(stamp.read_text()) != PACKAGES):
        shutil.rmtree(target)  # other versions: start again
    for name, parts in VENDOR_FILES.items():
        for part in parts:
            src, dst = modules / name / part, target / name / part
            if dst.exists():
                continue
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst)
            else:
                shutil.copy2(src, dst)
    stamp.write_text(json.dumps(PACKAGES, indent=1))
    return target


def _executed_outputs(source: Path) -> list:
    """Run the source notebook (with solutions) in its folder; return its cells' outputs."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(source, as_version=4)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(source.parent)}}).execute()
    return [getattr(cell, "outputs", []) for cell in nb.cells]


def deck_notebook(student: Path, source: Path, execute: bool, lang: str = "en"):
    """The notebook a deck is made of: the student version, without widget state; with
    ``execute``, the outputs of the source's run, except those of answer and test cells."""
    import nbformat

    return with_outputs(nbformat.read(student, as_version=4), _executed_outputs(source) if execute else None,
                        lang, student.name)


def with_outputs(nb, outputs: list | None, lang: str = "en", name: str = "the student notebook"):
    """The student notebook ``nb`` (changed in place and returned) without widget state, with
    ``outputs`` (one list per cell of the source's run) except those of answer and test cells, and
    every widget output replaced by a note. Shared by the slides and the course site
    (tools/build_site.py)."""
    nb.metadata.pop("widgets", None)  # widget state would pull the renderer from a CDN
    if outputs is not None:
        if len(outputs) != len(nb.cells):
            raise RuntimeError(f"build_slides: {name} and its source have different cells")
        for cell, cell_outputs in zip(nb.cells, outputs):
            grading = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or grading.get("solution") or grading.get("grade"):
                continue  # never show what an answer or a (hidden) test printed
            cell.outputs = cell_outputs
    for cell in nb.cells:
        for output in getattr(cell, "outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                output["data"] = {"text/plain": WIDGET_NOTES[lang]}
    return nb


def korean_font_style(text: str) -> str:
    """A style that shows ``text``'s Hangul in NanumGothic, the font embedded in it.

    The font comes from the ``koreanize-matplotlib`` distribution the course installs, cut down
    with fontTools (matplotlib's own dependency) to the characters of ``text`` and embedded as a
    WOFF data URL: a deck opened from a file cannot load a font file beside it (Chromium treats
    every file as its own origin), and the whole font is 4.7 MB.
    """
    import base64
    import importlib.util
    import io

    from fontTools import subset

    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("build_slides: the Korean decks need the NanumGothic font of the "
                                "'koreanize-matplotlib' package: run `make install`.")
    options = subset.Options()
    options.flavor = "woff"
    font = subset.load_font(Path(next(iter(spec.submodule_search_locations))) / "fonts" / "NanumGothic.ttf", options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text))))
    subsetter.subset(font)
    data = io.BytesIO()
    subset.save_font(font, data, options)
    url = "data:font/woff;base64," + base64.b64encode(data.getvalue()).decode("ascii")
    return (f"<style>@font-face {{ font-family: 'NanumGothic'; src: url({url}) format('woff'); }}\n"
            ".reveal, .reveal h1, .reveal h2, .reveal h3, .reveal p, .reveal li, .reveal td, .reveal th "
            "{ font-family: 'Source Sans Pro', Helvetica, 'NanumGothic', sans-serif; }</style>\n")


def build(execute: bool = False, out: Path | None = None, release_dir: Path | None = None,
          notebooks: list | None = None, lang: str = "en") -> list[Path]:
    """Render one deck per course notebook (default: all found now); return their paths.

    ``lang="ko"``: the Korean edition (sources built by ``tools/translate.py``), into
    ``build/slides/ko/`` unless ``out`` says otherwise.
    """
    import nbformat  # noqa: F401 - fail early with a clear import error
    from nbconvert import SlidesExporter

    out = out or (OUT if lang == "en" else OUT / lang)
    vendor(out)
    if release_dir is None:
        release_dir = ROOT / "build" / ("student-notebooks" if lang == "en" else f"{lang}/student-notebooks")
        course_notebooks.release(into=release_dir, lang=lang)
    if notebooks is None and lang != "en":
        import translate

        notebooks = course_notebooks.discover(translate.BUILD / lang / "notebooks")
    exporter = SlidesExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)], **URLS)
    decks = []
    for notebook in notebooks or course_notebooks.discover():
        student = release_dir / notebook.assignment / notebook.path.name
        if not student.exists():
            raise FileNotFoundError(f"build_slides: no student version {student}: nbgrader did not make it.")
        nb = deck_notebook(student, notebook.path, execute, lang)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": notebook.name}})
        if lang == "ko":
            body = body.replace("</head>", korean_font_style(body) + "</head>", 1)
        deck = out / f"{notebook.name}.slides.html"
        deck.write_text(body)
        decks.append(deck)
        print("slides:", deck.relative_to(ROOT), flush=True)
    links = "\n".join(f'<li><a href="{d.name}">{html.escape(d.name.split(".")[0])}</a></li>' for d in decks)
    index = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Slides</title>"
             f"</head><body><h1>{TITLES[lang]}</h1><ul>{links}</ul></body></html>\n")
    if lang == "ko":
        index = index.replace("</head>", korean_font_style(index).replace(".reveal, ", "body, ", 1) + "</head>", 1)
    (out / "index.html").write_text(index)
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="run each notebook so decks show outputs")
    parser.add_argument("--vendor-only", action="store_true", help="only fetch and copy the libraries")
    parser.add_argument("--lang", default="en", choices=["en", "ko"], help="the edition (default: en)")
    args = parser.parse_args(argv)
    if args.vendor_only:
        print("libraries in", vendor().relative_to(ROOT))
    else:
        build(execute=args.execute, lang=args.lang)
    return 0


if __name__ == "__main__":
    sys.exit(main())
