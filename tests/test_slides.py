"""`make slides`: one offline reveal.js deck per notebook, made from its slide metadata.

The decks are built once per session into build/slides/ (what `make slides` makes) from the
student versions of the shared test course. Checks: a deck per notebook, one slide per
``slide``/``subslide`` cell in order with its heading, nothing loaded from the network (in the
HTML, and in a real browser with every network request refused), reveal.js and MathJax alive.

The libraries are fetched with npm once (build/npm). Where npm is missing (and they are not
there yet) the deck tests skip loudly; in CI (CI=true) that is a failure (testkit.require_npm).
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import urlparse

import build_slides
import nbformat
import pytest
from bs4 import BeautifulSoup
import testkit
from testkit import NOTEBOOKS, REPORTS, ROOT, notebook_params, require_npm

REPORT = REPORTS.setdefault("slide decks", {})
EXTERNAL = re.compile(r"^(https?:)?//", re.I)
MARKUP = re.compile(r"`|\*\*?")


FORMULA = r"$E(w) = E_0(w) + \frac{\lambda}{2} \sum w^2$"


def typeset_probe(page, before: str = "") -> None:
    """Add ``before`` and a formula to a deck's first slide and wait until MathJax 2 typesets it."""
    page.evaluate("""text => { const p = document.createElement('p'); p.id = 'probe'; p.textContent = text;
                               document.querySelector('.slides section').appendChild(p);
                               MathJax.Hub.Queue(['Typeset', MathJax.Hub, p]); }""", before + FORMULA)
    page.wait_for_selector("#probe .MathJax_CHTML", state="attached", timeout=30_000)


def expected_slides(nb) -> list[str]:
    """One entry per reveal.js slide (vertical subslides included), following nbconvert's rules:
    the first visible cell opens a slide, then every ``slide`` or ``subslide`` cell opens one.
    Each entry is the slide's heading if its first cell is a markdown heading, else ""."""
    slides, started = [], False
    for cell in nb.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if not started and kind in {"notes", "skip"}:
            continue
        if not started or kind in {"slide", "subslide"}:
            started = True
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            heading = first.lstrip("#").strip() if cell.cell_type == "markdown" and first.startswith("#") else ""
            heading = MARKUP.sub("", heading)  # `code` and **bold** render without their marks
            slides.append(heading)
    return slides


def leaf_sections(html: str) -> list:
    soup = BeautifulSoup(html, "html.parser")
    return [s for s in soup.select("div.slides section") if not s.find("section")]


def external_references(html: str) -> list[str]:
    """Everything a page would fetch from another host: script/img/iframe src, stylesheet
    hrefs, require() paths, ES-module imports and CSS @import/url()."""
    soup = BeautifulSoup(html, "html.parser")
    found = [tag.get("src") for tag in soup.find_all(["script", "img", "iframe", "audio", "video", "source"])
             if tag.get("src") and EXTERNAL.match(tag["src"])]
    found += [tag.get("href") for tag in soup.find_all("link") if tag.get("href") and EXTERNAL.match(tag["href"])]
    for script in soup.find_all("script"):
        text = script.string or ""
        found += re.findall(r"""(?:import\s[^;]*?from\s*|import\(\s*|require\(\s*\[?\s*)['"]((?:https?:)?//[^'"]+)""", text)
        found += re.findall(r"""['"]((?:https?:)?//[^'"\s]+\.js)['"]""", text)
    for style in soup.find_all("style"):
        found += re.findall(r"""@import\s+(?:url\()?['"]?((?:https?:)?//[^'")\s]+)""", style.string or "")
        found += re.findall(r"""url\(\s*['"]?((?:https?:)?//[^'")\s]+)""", style.string or "")
    return sorted(set(found))


def css_external_references(css_file: Path, seen: set | None = None) -> list[str]:
    """External @import/url() in a local style sheet and in the local sheets it imports."""
    seen = set() if seen is None else seen
    if css_file in seen or not css_file.exists():
        return []
    seen.add(css_file)
    text = css_file.read_text(errors="replace")
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)  # comments may hold URLs
    refs = re.findall(r"""(?:@import\s+(?:url\()?|url\()\s*['"]?([^'")\s;]+)""", text)
    found = [r for r in refs if EXTERNAL.match(r)]
    for r in refs:
        if not EXTERNAL.match(r) and not r.startswith("data:") and urlparse(r).path.endswith(".css"):
            found += css_external_references((css_file.parent / urlparse(r).path).resolve(), seen)
    return found


def local_references(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    refs = [t.get("src") for t in soup.find_all("script") if t.get("src")]
    refs += [t.get("href") for t in soup.find_all("link") if t.get("href")]
    return [urlparse(r).path for r in refs if not EXTERNAL.match(r) and not r.startswith("data:")]


@pytest.fixture(scope="session")
def slide_libraries() -> None:
    """reveal.js & co. are installed in build/npm, or npm is here to fetch them: else skip loudly
    (fail in CI). Requested before course_root, so a skip costs no nbgrader release."""
    require_npm()


@pytest.fixture(scope="session")
def decks(slide_libraries, course_root) -> dict[str, Path]:
    out = ROOT / "build" / "slides"
    paths = build_slides.build(out=out, release_dir=course_root / "release", notebooks=NOTEBOOKS)
    return {p.name.split(".")[0]: p for p in paths}


@notebook_params()
def test_deck_has_the_notebooks_slides(decks, notebook):
    deck = decks.get(notebook.name)
    assert deck and deck.exists(), f"no deck for {notebook.path.name} in build/slides"
    expected = expected_slides(nbformat.read(notebook.path, as_version=4))
    sections = leaf_sections(deck.read_text())
    assert len(sections) == len(expected), (
        f"{deck.name} has {len(sections)} slides; {notebook.path.name}'s slide metadata asks for {len(expected)}")
    for i, (section, heading) in enumerate(zip(sections, expected)):
        if heading:
            text = " ".join(section.get_text(" ").split())
            assert heading in text, f"slide {i + 1} of {deck.name} should open with {heading!r}"
    REPORT[notebook.id] = f"{len(sections)} slides, {deck.stat().st_size // 1024} KB: {deck.relative_to(ROOT)}"


@notebook_params()
def test_deck_loads_nothing_from_the_network(decks, notebook):
    deck = decks[notebook.name]
    html = deck.read_text()
    external = external_references(html)
    assert not external, f"{deck.name} loads from the network: {external}"
    local = local_references(html)
    missing = [r for r in local if not (deck.parent / r).exists()]
    assert not missing, f"{deck.name} refers to files that are not in {deck.parent}: {missing}"
    in_css = [ref for r in local if r.endswith(".css") for ref in css_external_references(deck.parent / r)]
    assert not in_css, f"style sheets of {deck.name} load from the network: {in_css}"
    assert "vendor/reveal.js/dist/reveal.js" in html and "vendor/mathjax/MathJax.js" in html


def test_cdn_check_can_fail():
    """Negative control: nbconvert's stock slides load reveal.js, MathJax, jQuery, require.js and
    mermaid from CDNs, and the check finds every one of them."""
    from nbconvert import SlidesExporter

    body, _ = SlidesExporter().from_filename(str(NOTEBOOKS[0].path))
    found = " ".join(external_references(body))
    for library in ("reveal.js", "mathjax", "jquery", "require", "mermaid"):
        assert library in found.lower(), f"the CDN check missed {library} in stock nbconvert slides"
    # and the style-sheet check finds the Google Fonts import of reveal.js's 'simple' theme
    simple = ROOT / "build" / "slides" / "vendor" / "reveal.js" / "dist" / "theme" / "simple.css"
    if simple.exists():
        assert css_external_references(simple), "the style-sheet check missed simple.css's web fonts"


@notebook_params()
def test_deck_runs_offline_in_a_browser(decks, browser, notebook):
    """reveal.js starts, shows every slide and MathJax typesets, with all network refused."""
    deck = decks[notebook.name]
    expected = len(leaf_sections(deck.read_text()))
    page = browser.new_page()
    refused = []

    def refuse(route):
        refused.append(route.request.url)
        route.abort()

    page.route(re.compile(r"^(https?|wss?)://"), refuse)
    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    try:
        page.goto(deck.as_uri())
        # Loaded through require.js, reveal.js is a module, not a global: ask require for it.
        page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
        total = page.evaluate("require('vendor/reveal.js/dist/reveal.js').getTotalSlides()")
        assert total == expected, f"reveal.js shows {total} slides of {expected} in {deck.name}"
        # MathJax typesets a formula added to the page: the fonts and TeX input load offline.
        typeset_probe(page)
    finally:
        page.close()
    assert not refused, f"{deck.name} tried the network: {refused}"
    assert not failed, f"{deck.name} could not load: {failed}"


def test_executed_deck_shows_outputs_without_answers(course_root, tmp_path):
    """`make slides EXECUTE=1` (checked on the welcome notebook only, to save time): decks show
    the outputs of the source run, but neither answers nor hidden tests."""
    notebook = NOTEBOOKS[0]
    source = nbformat.read(notebook.path, as_version=4)
    student = course_root / "release" / notebook.assignment / notebook.path.name
    nb = build_slides.deck_notebook(student, notebook.path, execute=True)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert any("image/png" in o.get("data", {}) for o in outputs), "the executed deck shows no figure"
    text = nbformat.writes(nb)
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
        assert marker not in text
    answers = [c for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")]
    for cell, released in zip(source.cells, nb.cells):
        if cell in answers:
            assert not released.get("outputs"), "an answer cell's output made it into the deck"
    widget_text = [o for o in outputs if "IntSlider(" in str(o.get("data", {}).get("text/plain", ""))]
    assert not widget_text, "a widget shows as its text fallback in the deck"



def test_slide_libraries_are_available_in_ci():
    """In CI the deck tests must run, not skip (.ci/run installs npm)."""
    require_npm()


@pytest.fixture
def bare_machine(tmp_path, monkeypatch):
    """No npm on PATH and nothing fetched yet in build/npm, outside CI; the loud-skip record is
    a fresh one, so that this test's skips do not show in the run's closing summary."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(build_slides, "NPM_PREFIX", tmp_path / "npm")
    monkeypatch.setattr(testkit, "LOUD_SKIPS", set())
    return empty


def test_without_npm_the_slide_tests_skip_loudly_and_fail_in_ci(bare_machine, monkeypatch, capsys):
    assert not build_slides.libraries_available()
    with pytest.raises(build_slides.NpmMissing, match="npm is missing"):
        build_slides.vendor(out=bare_machine.parent / "slides")
    with pytest.raises(pytest.skip.Exception, match="npm is missing"):
        require_npm()
    assert "*** SKIPPED: slide deck tests" in capsys.readouterr().out
    assert len(testkit.LOUD_SKIPS) == 1, "the closing summary would not list the skip"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="must not happen in CI"):
        require_npm()
    # control: with an npm to call, nothing is skipped
    monkeypatch.delenv("CI")
    fake = bare_machine / "npm"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    require_npm()


def test_make_test_does_not_need_npm_before_the_tests():
    """`make test-python` must reach pytest on a machine without npm (the slide tests then skip
    loudly): its prerequisites are the installation only (the course's, and the site's Python
    extra), not a slide-library fetch."""
    makefile = (ROOT / "Makefile").read_text()
    lines = makefile.splitlines()

    def prerequisites(target: str) -> list[str]:
        return next(line for line in lines if line.startswith(f"{target}:")).split(":", 1)[1].split()

    def recipe(target: str) -> list[str]:
        start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
        return list(itertools.takewhile(lambda line: line.startswith("\t"), lines[start + 1:]))

    assert prerequisites("test-python") == ["$(SITE_STAMP)"], prerequisites("test-python")
    assert prerequisites("$(SITE_STAMP)") == ["$(STAMP)"], prerequisites("$(SITE_STAMP)")
    for target in ("$(SITE_STAMP)", "$(STAMP)"):
        assert not any("npm" in line for line in recipe(target)), (target, recipe(target))
