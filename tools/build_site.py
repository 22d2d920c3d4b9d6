"""Build the read-only course site (Jupyter Book 1, on Sphinx) into ``build/site/``.

What the site holds, per edition (English at ``build/site/``, Korean at ``build/site/ko/``):

* every notebook as a page, **executed, with its figures**, built from nbgrader's *student*
  version (``course_notebooks.release``): the exercises are shown as exercises, with no solution
  and no hidden test. The outputs come from a run of the source notebook (with solutions),
  copied onto the student version except those of answer and test cells, exactly as the slides
  do (``build_slides.with_outputs``); widget outputs become a note, since a static page cannot
  run a kernel;
* the README (the start page), the guides in ``docs/`` and the glossary (``assets/glossary.json``);
* search (Sphinx's own index, no server needed), and on every notebook page "launch on Binder" and
  "open on your JupyterHub" (an nbgitpuller link) buttons.

Offline once installed: Jupyter Book 1 builds without the network, and MathJax 3 is installed
from npm once (into ``build/npm-site``, the only step that needs a network) and bundled into the
site's ``_static/mathjax``. Executed notebooks are cached with jupyter-cache in
``build/site-cache/<lang>`` (keyed by the code cells), and only changed pages are rewritten, so
a second build without changes takes seconds. After a change in ``course_utils`` that changes
outputs but no notebook code, delete ``build/site-cache``.

The repository has no public address yet: ``--repo`` (default ``https://github.com/OWNER/REPO``),
``--branch`` and ``--hub`` (default ``https://hub.example.org``) fill in the launch links
(``make site REPO=... HUB=... BRANCH=...``). README.md, "The course site", says what to set.

Usage::

    python tools/build_site.py                 # both editions, warnings are errors
    python tools/build_site.py --lang en       # one edition
    python tools/build_site.py --repo https://github.com/me/course --hub https://hub.uni.edu
"""

from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import build_slides
import course_notebooks

ROOT = course_notebooks.ROOT
OUT = ROOT / "build" / "site"
WORK = ROOT / "build" / "site-src"      # the books' generated sources and Sphinx's own build folders
CACHE = ROOT / "build" / "site-cache"   # jupyter-cache: the executed source notebooks
NPM_PREFIX = ROOT / "build" / "npm-site"
MATHJAX = "3.2.2"
# What the pages need from MathJax 3: one combined component (TeX input with every extension,
# CommonHTML output, the menu) and the files it loads on demand; the speech engine (sre, 4 MB)
# is left out (its menu entries then do nothing).
MATHJAX_COMPONENT = "tex-chtml-full.js"
MATHJAX_PARTS = [MATHJAX_COMPONENT, "input", "output", "a11y", "ui", "adaptors", "core.js", "startup.js", "loader.js"]

PLACEHOLDER_REPO = "https://github.com/OWNER/REPO"
PLACEHOLDER_HUB = "https://hub.example.org"
DOCS = ["docs/instructors.md", "docs/fullscale.md", "docs/adding_a_notebook.md", "docs/translating.md"]

EDITIONS = {
    "en": {"readme": "README.md", "title": "Dissecting CNNs, Part 3", "release": "release",
           "notebooks": "Notebooks", "guides": "Guides", "reference": "Reference", "glossary": "Glossary",
           "docs": DOCS, "other": ("ko/index.html", "한국어판 (Korean edition)"),
           "launch": "Launch the course on Binder"},
    "ko": {"readme": "README.ko.md", "title": "CNN 파헤치기 (3탄)", "release": "release-ko",
           "notebooks": "노트북", "guides": "안내서 (영어)", "reference": "참고", "glossary": "용어집",
           "docs": [], "other": ("../index.html", "English edition"), "launch": "Binder에서 강의 열기"},
}
GLOSSARY_TEXT = {
    "en": ("The course's key terms: the English term, how the seminar deck writes it, the Korean form "
           "the course uses on first use, other accepted Korean forms, and the notebooks that use it.",
           ["English", "deck", "Korean", "also", "notebooks", "note"]),
    "ko": ("강의의 핵심 용어: 영어 용어, 세미나 발표 자료의 표기, 강의가 처음 쓸 때의 한국어 표기, 함께 쓰는 표기, "
           "그 용어를 쓰는 노트북.", ["영어", "발표 자료", "한국어", "함께 쓰는 표기", "노트북", "설명"]),
}


class SiteToolMissing(RuntimeError):
    """Jupyter Book 1 or npm (for MathJax, when it is not installed yet) is missing."""


def jupyter_book() -> str:
    exe = Path(sys.executable).parent / "jupyter-book"
    if not exe.exists():
        raise SiteToolMissing("build_site: Jupyter Book 1 is missing from this environment: run `make site` "
                              "(it installs the course's 'site' extra: pip install -e '.[site]').")
    return str(exe)


def mathjax_installed() -> bool:
    package = NPM_PREFIX / "node_modules" / "mathjax" / "package.json"
    return package.exists() and json.loads(package.read_text())["version"] == MATHJAX


def tools_available() -> str | None:
    """What is missing to build the site here, or None."""
    try:
        jupyter_book()
    except SiteToolMissing as missing:
        return str(missing)
    if not mathjax_installed() and shutil.which("npm") is None:
        return ("npm is missing: it is needed once to fetch MathJax for the offline site "
                "(Debian: apt-get install npm)")
    return None


def mathjax(static: Path) -> None:
    """Install MathJax with npm once, and copy what the pages need into ``static/mathjax``."""
    with build_slides._one_at_a_time(NPM_PREFIX.parent / "npm-site.lock"):
        if not mathjax_installed():
            npm = shutil.which("npm")
            if npm is None:
                raise SiteToolMissing("build_site: npm is missing: it is needed once to fetch MathJax "
                                      "(Debian: apt-get install npm).")
            cmd = [npm, "install", "--prefix", str(NPM_PREFIX), "--no-save", "--no-package-lock", "--no-audit",
                   "--no-fund", "--ignore-scripts", f"mathjax@{MATHJAX}"]
            print("fetching", f"mathjax@{MATHJAX}", "from the npm registry", flush=True)
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"build_site: `{' '.join(cmd)}` failed (no network?):\n{done.stderr[-2000:]}")
    es5 = NPM_PREFIX / "node_modules" / "mathjax" / "es5"
    target = static / "mathjax"
    if (target / "VERSION").exists() and (target / "VERSION").read_text() == MATHJAX:
        return
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for part in MATHJAX_PARTS:
        (shutil.copytree if (es5 / part).is_dir() else shutil.copy2)(es5 / part, target / part)
    shutil.copy2(es5.parent / "LICENSE", target / "LICENSE")
    (target / "VERSION").write_text(MATHJAX)


# ------------------------------------------------------------------------------------ pages

def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it (Sphinx then re-reads nothing)."""
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True


LINK = re.compile(r"(\]\()([^)\s]+)(\))")


def rewrite_links(text: str, src: str, page: str, pages: dict[str, str], repo: str, branch: str) -> str:
    """Markdown links of a repository file ``src`` as seen from the book page ``page``.

    A link to a file that is a page of the book (``pages``: repository path -> book path) becomes a
    link to that page (anchors kept); a link to any other file of the repository goes to the
    repository's web view; external links and anchors stay.
    """
    def one(match: re.Match) -> str:
        target = match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            return match.group(0)
        path, _, anchor = target.partition("#")
        path = posixpath.normpath(posixpath.join(posixpath.dirname(src), path))
        if path in pages:
            new = posixpath.relpath(pages[path], posixpath.dirname(page) or ".")
        else:
            kind = "tree" if (ROOT / path).is_dir() else "blob"
            new = f"{repo}/{kind}/{branch}/{path}"
        return match.group(1) + new + (f"#{anchor}" if anchor else "") + match.group(3)

    return LINK.sub(one, text)


def binder_url(repo: str, branch: str, path: str) -> str:
    """mybinder.org's link that opens ``path`` of the GitHub repository ``repo`` in JupyterLab."""
    owner_name = repo.rstrip("/").split("github.com/")[-1]
    return f"https://mybinder.org/v2/gh/{owner_name}/{branch}?urlpath=lab/tree/{path}"


def readme_page(lang: str, pages: dict[str, str], repo: str, branch: str) -> str:
    """The edition's README as the start page: the badge becomes a plain Binder link, and a link
    to the other edition follows the title."""
    edition = EDITIONS[lang]
    text = (ROOT / edition["readme"]).read_text()
    # The badge is an image from mybinder.org (an external request): a plain link instead.
    text = re.sub(r"\[!\[Binder\]\([^)]*\)\]\([^)]*\)\n?(\([^)\n]*\)\n)?",
                  f"[{edition['launch']}]({binder_url(repo, branch, edition['release'] + '/00_welcome/00_welcome.ipynb')})"
                  " · ", text, count=1)
    href, label = edition["other"]
    text = text.replace("\n", f"\n\n<a href=\"{href}\">{html.escape(label)}</a>\n", 1)
    return rewrite_links(text, edition["readme"], "index.md", pages, repo, branch)


def glossary_page(lang: str, pages_of_notebooks: dict[str, str]) -> str:
    """assets/glossary.json as one table, each notebook number a link to its page."""
    data = json.loads((ROOT / "assets" / "glossary.json").read_text())
    intro, header = GLOSSARY_TEXT[lang]

    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    rows = []
    for term in data["terms"]:
        links = ", ".join(f"[{n}]({pages_of_notebooks[n]})" if n in pages_of_notebooks else n
                          for n in term.get("notebooks", []))
        rows.append("| " + " | ".join([cell(term["en"]), cell(term.get("deck", "")), cell(term.get("ko", "")),
                                       cell(", ".join(term.get("also", []))), links,
                                       cell(term.get("note", ""))]) + " |")
    return (f"# {EDITIONS[lang]['glossary']}\n\n{intro}\n\n| " + " | ".join(header) + " |\n|"
            + "---|" * len(header) + "\n" + "\n".join(rows) + "\n")


def executed(source: Path, cache_dir: Path):
    """The source notebook ``source`` executed in its folder, from jupyter-cache when its code
    cells have not changed since the last run (then nothing is executed)."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from nbclient import NotebookClient

    cache = get_cache(cache_dir)
    nb = nbformat.read(source, as_version=4)
    try:
        _, merged = cache.merge_match_into_notebook(nb)
        print("cached:", source.relative_to(ROOT), flush=True)
        return merged
    except KeyError:
        pass
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, record_timing=False, resources={"metadata": {"path": str(source.parent)}}).execute()
    print(f"executed: {source.relative_to(ROOT)} ({time.perf_counter() - start:.0f} s)", flush=True)
    cache.cache_notebook_bundle(CacheBundleIn(nb, uri=str(source)), check_validity=False, overwrite=True)
    return nb


def cached_run(source: Path, lang: str):
    """The cached run of ``source`` (for the tests), or None when it was never executed."""
    import nbformat
    from jupyter_cache import get_cache

    try:
        return get_cache(CACHE / lang).merge_match_into_notebook(nbformat.read(source, as_version=4))[1]
    except KeyError:
        return None


def sources(lang: str) -> list:
    if lang == "en":
        return course_notebooks.discover()
    import translate

    translate.build(lang, into=translated(lang))
    return course_notebooks.discover(translated(lang))


def translated(lang: str) -> Path:
    """The site's own copy of a translated edition's source notebooks: `make korean` and the Korean
    tests write build/<lang>/notebooks, and two processes of the test suite must not write one file
    while the other reads it."""
    return WORK / "translated" / lang


def student_dir(lang: str) -> Path:
    return WORK / "student" / lang


def release_students(lang: str, notebooks: list) -> None:
    """nbgrader's student versions into build/site-src/student/<lang>, for the assignments whose
    source notebooks changed since their last release (nbgrader takes seconds per assignment)."""
    import hashlib

    out = student_dir(lang)

    def digest(assignment: str) -> str:
        return hashlib.sha256(b"".join(nb.path.read_bytes() for nb in notebooks if nb.assignment == assignment)).hexdigest()

    stale = sorted({nb.assignment for nb in notebooks
                    if not (out / nb.assignment / nb.path.name).exists()
                    or not (out / f"{nb.assignment}.sha256").exists()
                    or (out / f"{nb.assignment}.sha256").read_text() != digest(nb.assignment)})
    if stale:
        out.mkdir(parents=True, exist_ok=True)  # the gradebook's folder must exist for sqlite
        course_notebooks.release(into=out, lang=lang, names=stale, gradebook=WORK / f"gradebook-{lang}.db",
                                 translated=translated(lang))
        for assignment in stale:
            (out / f"{assignment}.sha256").write_text(digest(assignment))


def book(lang: str, repo: str, branch: str, hub: str) -> Path:
    """Write the book's sources for one edition into build/site-src/<lang>/; return the folder."""
    import nbformat

    edition = EDITIONS[lang]
    folder = WORK / lang
    notebooks = sources(lang)
    release_students(lang, notebooks)
    pages = {f"notebooks/{nb.assignment}/{nb.path.name}": f"{nb.assignment}/{nb.path.name}" for nb in notebooks}
    pages.update({doc: doc for doc in edition["docs"]})
    pages["README.md" if lang == "en" else "README.ko.md"] = "index.md"
    by_number = {nb.assignment.split("_")[0]: f"{nb.assignment}/{nb.path.name}" for nb in notebooks}
    for nb in notebooks:
        run = executed(nb.path, CACHE / lang)
        student = nbformat.read(student_dir(lang) / nb.assignment / nb.path.name, as_version=4)
        page = build_slides.with_outputs(student, [getattr(c, "outputs", []) for c in run.cells], lang, nb.path.name)
        for cell in page.cells:
            if cell.cell_type == "markdown":
                cell.source = rewrite_links(cell.source, f"notebooks/{nb.assignment}/{nb.path.name}",
                                            pages[f"notebooks/{nb.assignment}/{nb.path.name}"], pages, repo, branch)
        write_if_changed(folder / nb.assignment / nb.path.name, nbformat.writes(page))
    for doc in edition["docs"]:
        write_if_changed(folder / doc, rewrite_links((ROOT / doc).read_text(), doc, doc, pages, repo, branch))
    write_if_changed(folder / "index.md", readme_page(lang, pages, repo, branch))
    write_if_changed(folder / "glossary.md", glossary_page(lang, by_number))
    # Not in _static/: Jupyter Book adds a <script> for every .js file there (MathJax loads its
    # own parts on demand). Sphinx copies the folder's content into the site's _static/.
    mathjax(folder / "_mathjax")
    toc = ["format: jb-book", "root: index", "parts:",
           f"  - caption: {json.dumps(edition['notebooks'])}", "    chapters:"]
    toc += [f"      - file: {nb.assignment}/{nb.path.stem}" for nb in notebooks]
    if edition["docs"]:
        toc += [f"  - caption: {json.dumps(edition['guides'])}", "    chapters:"]
        toc += [f"      - file: {doc[:-3]}" for doc in edition["docs"]]
    toc += [f"  - caption: {json.dumps(edition['reference'])}", "    chapters:", "      - file: glossary"]
    write_if_changed(folder / "_toc.yml", "\n".join(toc) + "\n")
    config = {
        "title": edition["title"],
        "author": "the course's authors",
        "copyright": "the course's authors (MIT licence)",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},  # executed (and cached) above, from the sources
        "repository": {"url": repo, "branch": branch, "path_to_book": edition["release"]},
        # Launch buttons on notebook pages open the *student* version: release/<NN>/<NN>.ipynb.
        "launch_buttons": {"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
                           "jupyterhub_url": hub, "thebe": False, "colab_url": ""},
        "html": {"use_repository_button": False, "use_issues_button": False, "use_edit_page_button": False,
                 "home_page_in_navbar": True},
        "parse": {"myst_enable_extensions": ["amsmath", "colon_fence", "dollarmath", "html_image", "substitution"]},
        "sphinx": {"config": {
            "language": lang,
            "mathjax_path": f"mathjax/{MATHJAX_COMPONENT}",
            "html_static_path": ["_mathjax"],
            "myst_heading_anchors": 4,
            "nb_ipywidgets_js": {},  # no widget renderer from a CDN (widget outputs are notes)
        }},
    }
    write_if_changed(folder / "_config.yml", json.dumps(config, indent=1, ensure_ascii=False) + "\n")
    return folder


def build_command(book_dir: Path, output: Path) -> list[str]:
    """Jupyter Book's build of ``book_dir`` into ``output``/_build/html, warnings as errors (-W),
    with every missing reference reported (-n) and all of them listed before it fails."""
    return [jupyter_book(), "build", str(book_dir), "--path-output", str(output), "-W", "-n", "--keep-going"]


def build(langs: list[str] | None = None, repo: str = PLACEHOLDER_REPO, branch: str = "main",
          hub: str = PLACEHOLDER_HUB, out: Path = OUT) -> Path:
    """Build the site (warnings are errors) into ``out``; return ``out``."""
    langs = langs or list(EDITIONS)
    jupyter_book()  # fail early, before any notebook runs
    for lang in langs:
        folder = book(lang, repo, branch, hub)
        cmd = build_command(folder, WORK / f"_build-{lang}")
        print("building the", lang, "pages:", " ".join(cmd[1:]), flush=True)
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"build_site: Jupyter Book failed (warnings are errors) for the {lang} edition:\n"
                               f"{done.stdout[-6000:]}\n{done.stderr[-4000:]}")
        html_dir = WORK / f"_build-{lang}" / "_build" / "html"
        target = out if lang == "en" else out / lang
        keep = {"ko"} if lang == "en" else set()
        if target.exists():
            for old in target.iterdir():
                if old.name not in keep:
                    shutil.rmtree(old) if old.is_dir() else old.unlink()
        shutil.copytree(html_dir, target, dirs_exist_ok=True, 
                        # the theme's Jinja macro files land in _static/ too: templates, not pages
                        ignore=shutil.ignore_patterns(".buildinfo", ".doctrees", "*macros.html"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=list(EDITIONS), action="append", help="an edition (default: all)")
    parser.add_argument("--repo", default=os.environ.get("COURSE_REPO") or PLACEHOLDER_REPO,
                        help="the repository's public address (GitHub), for the Binder and JupyterHub links")
    parser.add_argument("--branch", default=os.environ.get("COURSE_BRANCH") or "main", help="its branch")
    parser.add_argument("--hub", default=os.environ.get("COURSE_HUB") or PLACEHOLDER_HUB,
                        help="your JupyterHub's address, for the nbgitpuller links")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = build(args.lang, args.repo.rstrip("/"), args.branch, args.hub.rstrip("/"))
    print(f"site: {out.relative_to(ROOT)}/index.html ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
