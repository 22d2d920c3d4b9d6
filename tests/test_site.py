"""The read-only course site (tools/build_site.py, `make site`), built once for this module.

What a reader of the site must get, each checked on the built HTML with a negative control that
shows the check can fail: the build passes with warnings as errors; every internal link and
anchor resolves; no page holds a solution, a hidden test or a script from another site; every
figure of every notebook's run is on its page; a page opened in headless Chromium renders its
formulas with the bundled MathJax, with no failed request; every notebook page has its Binder and
JupyterHub (nbgitpuller) links; a second build without changes runs with the network cut and
executes nothing.
"""

from __future__ import annotations

import functools
import http.server
import posixpath
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from testkit import REPORTS, ROOT, require_tool

import build_site

EDITIONS = list(build_site.EDITIONS)
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")


@pytest.fixture(scope="module")
def site():
    require_tool(build_site.tools_available(), "course site tests")
    start = time.perf_counter()
    out = build_site.build()  # raises with Jupyter Book's log when a warning (an error under -W) occurs
    REPORTS.setdefault("course site", {})["build_s"] = round(time.perf_counter() - start)
    return out


def notebook_pages(lang: str) -> list[tuple]:
    """(source notebook, its page) for every notebook of an edition."""
    sources = build_site.sources(lang)
    base = build_site.OUT if lang == "en" else build_site.OUT / lang
    return [(nb, base / nb.assignment / f"{nb.path.stem}.html") for nb in sources]


# ------------------------------------------------------------------------ the HTML readers

class _Page(HTMLParser):
    """One page's ids, links, scripts, text, and the images inside notebook cell outputs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids, self.links, self.scripts, self.text = set(), [], [], []
        self.output_images = 0
        self._stack: list[bool] = []  # per open element: inside a cell output?

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name") if tag == "a" else ("id",):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and tag != "script":
                self.links.append(attrs[key])
        if tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        inside = (bool(self._stack) and self._stack[-1]) or "cell_output" in (attrs.get("class") or "").split()
        if tag == "img" and inside:
            self.output_images += 1
        if tag not in self.VOID:
            self._stack.append(inside)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self._stack.pop()

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@functools.lru_cache(maxsize=None)
def _parse_text(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def parse(path: Path) -> _Page:
    return _parse_text(path.read_text(encoding="utf-8"))


def is_external(url: str) -> bool:
    return bool(re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I))


def broken_links(site_dir: Path) -> list[str]:
    """Every internal link (href/src) of every page that names a missing file or anchor.

    External links (a scheme such as https:, mailto:, data:, or //host) are skipped; a link to a
    folder means its index.html.
    """
    pages = {p: parse(p) for p in site_dir.rglob("*.html")}
    problems = []
    for page, parsed in pages.items():
        for link in parsed.links:
            if is_external(link):
                continue
            parts = urllib.parse.urlsplit(link)
            path = urllib.parse.unquote(parts.path)
            target = page if not path else (page.parent / path)
            target = Path(posixpath.normpath(str(target)))
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site_dir)}: {link}"
            if not target.exists():
                problems.append(f"{where} (no file {target.relative_to(site_dir) if target.is_relative_to(site_dir) else target})")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if urllib.parse.unquote(parts.fragment) not in ids:
                    problems.append(f"{where} (no anchor #{parts.fragment} in {target.relative_to(site_dir)})")
    return problems


def external_scripts(html_text: str) -> list[str]:
    return [src for src in _parse_text(html_text).scripts if is_external(src)]


def leaked_lines(source_path: Path, student_path: Path) -> list[str]:
    """The lines of ``source_path``'s solutions and hidden tests that its student version lacks
    (what a page must never show), with nbgrader's markers; short lines, and lines that are part
    of a line of the student version (a common statement), are left out."""
    source = nbformat.read(source_path, as_version=4)
    student = nbformat.read(student_path, as_version=4)
    known = "\n".join(line.strip() for cell in student.cells for line in cell.source.splitlines())
    secret = []
    for cell in source.cells:
        inside = False
        for line in cell.source.splitlines():
            stripped = line.strip()
            if re.match(r"#+ BEGIN (SOLUTION|HIDDEN TESTS)", stripped):
                inside = True
                secret.append(stripped)
            elif re.match(r"#+ END (SOLUTION|HIDDEN TESTS)", stripped):
                inside = False
            elif inside and len(stripped) >= 16 and stripped not in known:
                secret.append(stripped)
    return sorted(set(secret))


def shown_secrets(html_text: str, secrets: list[str]) -> list[str]:
    """Which of ``secrets`` (lines of code) a page shows in its text."""
    text = "".join(_parse_text(html_text).text)
    text = re.sub(r"[ \t]+", " ", text)
    return [s for s in secrets if re.sub(r"[ \t]+", " ", s) in text]


def expected_figures(source: Path, lang: str) -> int:
    """Image outputs of the source notebook's (cached) run that a page shows: those of every code
    cell but answer and test cells (their outputs are never copied onto a student page)."""
    run = build_site.cached_run(source, lang)
    assert run is not None, f"{source} has no cached run in {build_site.CACHE / lang}: the build did not execute it"
    count = 0
    for cell in run.cells:
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or grading.get("solution") or grading.get("grade"):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue  # a widget: its figures live in the widget, replaced by a note
            count += any(kind in data for kind in IMAGE_TYPES)
    return count


# ------------------------------------------------------------------------------------- tests

def test_warnings_fail_the_build(tmp_path):
    """The site's build command fails on a warning: a book with a link to a missing page."""
    require_tool(build_site.tools_available(), "course site tests")
    book = tmp_path / "book"
    book.mkdir()
    (book / "_config.yml").write_text('{"title": "t", "execute": {"execute_notebooks": "off"}}\n')
    (book / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (book / "index.md").write_text("# Start\n\nSee [the missing page](missing.md).\n")
    done = subprocess.run(build_site.build_command(book, tmp_path / "out"), capture_output=True, text=True)
    assert done.returncode != 0, "a link to a missing page did not fail the build: warnings are not errors"
    assert "missing" in done.stdout + done.stderr


def test_every_internal_link_and_anchor_resolves(site, tmp_path):
    problems = broken_links(site)
    pages = len(list(site.rglob("*.html")))
    REPORTS.setdefault("course site", {}).update(pages=pages, broken_links=len(problems))
    assert not problems, f"{len(problems)} broken internal links:\n" + "\n".join(problems[:40])
    # Negative control: a copy of the site with a broken anchor and a missing file on one page.
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    page = copy / "glossary.html"
    page.write_text(page.read_text().replace("</body>", '<a href="index.html#no-such-anchor">x</a>'
                                             '<a href="no_such_page.html">y</a></body>'))
    found = broken_links(copy)
    assert any("no-such-anchor" in p for p in found) and any("no_such_page.html" in p for p in found), found


@pytest.mark.parametrize("lang", EDITIONS)
def test_no_solution_hidden_test_or_external_script(site, lang):
    checked = 0
    for nb, page in notebook_pages(lang):
        text = page.read_text()
        secrets = leaked_lines(nb.path, build_site.student_dir(lang) / nb.assignment / nb.path.name)
        assert not shown_secrets(text, secrets), f"{page} shows solution or hidden-test lines: {shown_secrets(text, secrets)[:5]}"
        # The notebook a reader downloads from the page (the theme's download button): _sources/.
        download = page.parent.parent / "_sources" / nb.assignment / nb.path.name
        assert download.exists(), f"no {download}: the download button would fail"
        code = "\n".join(line.strip() for cell in nbformat.read(download, as_version=4).cells
                         for line in cell.source.splitlines())
        assert not [s for s in secrets if s in code], f"{download} holds solution or hidden-test lines"
        checked += len(secrets)
    # Every page (the guides may name nbgrader's markers, as in a grep for leaks: not notebook pages).
    for page in (site if lang == "en" else site / lang).rglob("*.html"):
        text = page.read_text()
        assert not external_scripts(text), f"{page} loads scripts from another site: {external_scripts(text)}"
    assert checked > 20, f"only {checked} solution lines to look for: the exercises were not found"


def test_the_solution_check_flags_a_page_built_from_a_source_notebook():
    """Negative controls: a page made from a source notebook (with solutions) is flagged, and so is
    an external script."""
    from nbconvert import HTMLExporter

    nb = next(nb for nb in build_site.sources("en") if "### BEGIN SOLUTION" in nb.path.read_text())
    student = build_site.student_dir("en") / nb.assignment / nb.path.name
    if not student.exists():
        build_site.release_students("en", [nb])
    body, _ = HTMLExporter().from_notebook_node(nbformat.read(nb.path, as_version=4))
    secrets = leaked_lines(nb.path, student)
    assert shown_secrets(body, secrets), "a page with the solutions passed the check"
    code = "\n".join(line.strip() for cell in nbformat.read(nb.path, as_version=4).cells
                     for line in cell.source.splitlines())
    assert [s for s in secrets if s in code], "a downloadable source notebook passed the check"
    assert external_scripts('<html><script src="https://cdn.example.org/x.js"></script></html>')
    assert not external_scripts('<html><script src="_static/x.js"></script></html>')


@pytest.mark.parametrize("lang", EDITIONS)
def test_every_figure_is_on_its_page(site, lang):
    counts = {}
    for nb, page in notebook_pages(lang):
        wanted, shown = expected_figures(nb.path, lang), parse(page).output_images
        counts[nb.path.stem] = shown
        assert shown == wanted, f"{page.name}: {shown} figures on the page, {wanted} in the notebook's run"
    REPORTS.setdefault("course site", {})[f"figures_{lang}"] = sum(counts.values())
    assert sum(counts.values()) > 10, f"hardly any figures: {counts}"
    # Negative control: a page that lost one figure.
    nb, page = next((nb, page) for nb, page in notebook_pages(lang) if counts[nb.path.stem])
    text = page.read_text()
    lost = re.sub(r'(<div class="cell_output[^"]*">(?:(?!<img).)*?)<img [^>]*>', r"\1", text, count=1, flags=re.S)
    assert lost != text and _parse_text(lost).output_images == counts[nb.path.stem] - 1


@pytest.mark.parametrize("lang", EDITIONS)
def test_notebook_pages_have_launch_links(site, lang):
    release = build_site.EDITIONS[lang]["release"]
    for nb, page in notebook_pages(lang):
        links = parse(page).links
        path = f"{release}/{nb.assignment}/{nb.path.name}"
        assert any(link.startswith("https://mybinder.org/v2/gh/") and link.endswith(f"urlpath=lab/tree/{path}")
                   for link in links), f"{page.name}: no Binder link to {path}"
        assert any("/hub/user-redirect/git-pull?repo=" in link and f"/{path}&" in link for link in links), \
            f"{page.name}: no nbgitpuller link to {path}"


def test_the_links_take_the_configured_repository():
    """REPO and BRANCH (`make site REPO=... BRANCH=...`) reach the Binder link of the start page and
    the links to repository files that are not pages; the Binder badge's image is gone (it is an
    external request)."""
    repo = "https://github.com/someone/course"
    assert build_site.binder_url(repo, "trunk", "release/01_x/01_x.ipynb") == \
        "https://mybinder.org/v2/gh/someone/course/trunk?urlpath=lab/tree/release/01_x/01_x.ipynb"
    start = build_site.readme_page("en", {}, repo, "trunk")
    assert f"]({build_site.binder_url(repo, 'trunk', 'release/00_welcome/00_welcome.ipynb')})" in start
    assert "badge_logo.svg" not in start
    pages = {"docs/fullscale.md": "docs/fullscale.md"}
    text = "[a](LICENSE) [b](docs/fullscale.md#the-runs) [c](https://example.org) [d](#here)"
    assert build_site.rewrite_links(text, "README.md", "index.md", pages, repo, "trunk") == (
        f"[a]({repo}/blob/trunk/LICENSE) [b](docs/fullscale.md#the-runs) [c](https://example.org) [d](#here)")
    assert build_site.rewrite_links("[n](../04_w/04_w.ipynb)", "notebooks/05_d/05_d.ipynb", "05_d/05_d.ipynb",
                                    {"notebooks/04_w/04_w.ipynb": "04_w/04_w.ipynb"}, repo, "main") == \
        "[n](../04_w/04_w.ipynb)"


def test_search_and_glossary_pages(site):
    index = (site / "searchindex.js").read_text()
    assert "bottleneck" in index and (site / "search.html").exists()
    import json

    glossary = "".join(parse(site / "glossary.html").text)
    terms = json.loads((ROOT / "assets" / "glossary.json").read_text())["terms"]
    missing = [t["en"] for t in terms if t["en"] not in glossary or t["ko"] not in glossary]
    assert not missing, f"glossary page lacks {missing}"
    for doc in ["index.html", "docs/instructors.html", "docs/fullscale.html"]:
        assert (site / doc).exists(), doc


def test_a_second_build_runs_offline_and_executes_nothing(site):
    """Built again with the network cut (tools/offline.sh), the site needs no network and runs no
    notebook: every run comes from the cache."""
    start = time.perf_counter()
    done = subprocess.run([str(ROOT / "tools" / "offline.sh"), sys.executable, str(ROOT / "tools" / "build_site.py")],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    REPORTS.setdefault("course site", {})["cached_offline_build_s"] = round(seconds)
    assert "executed:" not in done.stdout and "cached:" in done.stdout, done.stdout[-2000:]


# ------------------------------------------------------------------------------ the browser

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def render_math(browser, url: str, block_mathjax: bool = False) -> tuple[int, list[str]]:
    """Open ``url``; return (MathJax output elements after rendering, failed requests)."""
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.on("response", lambda r: failed.append(f"{r.url} ({r.status})") if r.status >= 400 else None)
    if block_mathjax:
        page.route("**/mathjax/**", lambda route: route.abort())
    page.goto(url, wait_until="load")
    try:
        page.wait_for_selector("mjx-container", timeout=20_000)
    except Exception:
        pass
    count = page.locator("mjx-container").count()
    page.close()
    return count, failed


def test_formulas_render_in_chromium(site, browser):
    """In the session's Chromium (tests/conftest.py's ``browser``: a second playwright in one process
    would find the first one's event loop running and refuse to start)."""
    # The notebook page with the most formulas.
    pages = [page for lang in EDITIONS for _, page in notebook_pages(lang)]
    page = max(pages, key=lambda p: p.read_text().count('class="math'))
    server = _serve(site)
    url = f"http://127.0.0.1:{server.server_address[1]}/{page.relative_to(site).as_posix()}"
    try:
        count, failed = render_math(browser, url)
        assert count > 0 and not failed, f"{page.name}: {count} formulas rendered, failed requests {failed}"
        # Negative control: without MathJax nothing renders and the blocked requests are seen.
        blocked_count, blocked_failed = render_math(browser, url, block_mathjax=True)
        assert blocked_count == 0 and blocked_failed, (blocked_count, blocked_failed)
    finally:
        server.shutdown()
