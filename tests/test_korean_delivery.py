"""The Korean edition delivered like the English one (issue 22, item 4): nbgrader and slides.

One throw-away course folder per session holds the Korean source notebooks, built by
``tools/translate.py`` from ``notebooks/`` and ``i18n/ko/``, with the course's nbgrader
configuration; nbgrader releases it as ``make lab-ko`` does. Then, per notebook with exercises:

* the release gives away no solution and no hidden test, and is Korean;
* the solved Korean notebook gets full marks from autograde;
* the released notebook with its test cells replaced by ``pass`` (a tampered submission) scores 0,
  and autograde ran the original Korean tests, hidden ones included (on the notebook with the most
  test cells: the mechanism is the edition's gradebook, the same for every notebook);
* the feedback shows the score and not a line of the hidden tests.

And the Korean slide decks (``make slides`` builds them into ``build/slides/ko/``): one per
notebook with its slides, nothing loaded from the network, Hangul in the bundled NanumGothic, and
reveal.js and MathJax alive offline in Chromium.

The English notebooks' infinite-loop case and the wrong-answer table (tests/test_grading.py) are
not repeated: the Korean code cells are the English ones with translated strings, which
``tests/test_korean.py`` proves.
"""

from __future__ import annotations

import re
import shutil
import time
from dataclasses import dataclass
from html import escape
from pathlib import Path

import build_slides
import course_notebooks
import nbformat
import pytest
import translate
from test_grading import Course, _graded, _nbgrader, _released, _source, is_test_cell, leaks, secret_lines
from test_slides import expected_slides, external_references, leaf_sections, typeset_probe
from testkit import NOTEBOOKS, REPORTS, ROOT, require_npm

HANGUL = re.compile(r"[\uac00-\ud7a3]")
REPORT = REPORTS.setdefault("Korean edition", {})


@dataclass(frozen=True)
class KoreanNotebook(course_notebooks.CourseNotebook):
    """A notebook of the Korean course folder; its id keeps the reports apart from the English."""

    @property
    def id(self) -> str:
        return f"ko-{self.path.stem}"


@pytest.fixture(scope="session")
def ko_course(tmp_path_factory) -> Course:
    root = tmp_path_factory.mktemp("course-ko")
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    start = time.perf_counter()
    translate.build("ko", into=root / "notebooks")
    course_notebooks.release(root=root)
    REPORT["build and release (all notebooks)"] = f"{time.perf_counter() - start:.1f} s"
    config = course_notebooks.load_config(root)
    (root / "exchange").mkdir()
    config.Exchange.root = str(root / "exchange")
    return Course(root=root, config=config)


def _korean(course: Course, notebook) -> KoreanNotebook:
    return KoreanNotebook(notebook.assignment, course.root / "notebooks" / notebook.assignment / notebook.path.name)


def _with_tests(course: Course, notebook) -> KoreanNotebook:
    korean = _korean(course, notebook)
    if not any(is_test_cell(c) for c in _source(korean).cells):
        pytest.skip(f"{notebook.path.name} has no autograded test cell")
    return korean


def _hangul_share(nb) -> float:
    """The share of markdown cells with Korean text."""
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    return sum(bool(HANGUL.search(c.source)) for c in markdown) / max(len(markdown), 1)


ids = [nb.id for nb in NOTEBOOKS]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_korean_release_is_korean_and_keeps_its_secrets(ko_course, notebook):
    korean = _korean(ko_course, notebook)
    released = _released(ko_course, korean)
    problems = [p for f in sorted(ko_course.release_dir(notebook.assignment).rglob("*")) if f.is_file()
                for p in leaks(f, secret_lines(_source(korean)))]
    assert not problems, f"the Korean student version of {notebook.path.name} gives away: {problems[:5]}"
    assert [c.get("id") for c in released.cells] == [c.get("id") for c in _source(notebook).cells]
    share = _hangul_share(released)
    REPORT[korean.id] = f"{share:.0%} of markdown cells in Korean"
    if notebook.id in translate_complete():
        assert share > 0.9, f"the Korean release of {notebook.path.name} is mostly English ({share:.0%} Korean)"


def translate_complete() -> set[str]:
    """The notebooks translated in full (every cell has a Korean entry)."""
    return {nb.id for nb in NOTEBOOKS if translate.catalogue_path(nb, "ko").exists()
            and not translate.check(nb, "ko").untranslated}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_korean_solutions_get_full_marks(ko_course, notebook):
    korean = _with_tests(ko_course, notebook)
    run = _graded(ko_course, korean, "solution")
    lost = {name: f"{g['score']}/{g['max_score']}" for name, g in run["grades"].items()
            if g["cell_type"] == "code" and g["score"] != g["max_score"]}
    assert run["max_code_score"] > 0 and not lost, f"the Korean solutions of {notebook.path.name} lose points: {lost}"


def _most_tested():
    """The notebook with the most test cells: where a submission could keep the most wrong tests."""
    return max(NOTEBOOKS, key=lambda nb: sum(is_test_cell(c) for c in _source(nb).cells))


# Which tests autograde runs is the edition's gradebook at work, the same for every notebook (and the
# Korean tests are the English ones with translated strings: tests/test_korean.py), so one notebook
# proves it; each English notebook's release scores 0 in tests/test_grading.py.
@pytest.mark.parametrize("notebook", [_most_tested()], ids=lambda nb: nb.id)
def test_a_tampered_korean_submission_is_graded_with_the_korean_tests(ko_course, notebook):
    korean = _with_tests(ko_course, notebook)
    run = _graded(ko_course, korean, "unsolved")  # the release with every test cell set to `pass`
    assert run["code_score"] == 0, f"tests replaced by `pass` earned points in {notebook.path.name}"
    originals = {_nbgrader(c)["grade_id"]: c.source for c in _source(korean).cells if is_test_cell(c)}
    graded = {_nbgrader(c)["grade_id"]: c.source for c in run["notebook"].cells if is_test_cell(c)}
    assert graded == originals, "autograde did not run the original Korean test cells"
    english = {_nbgrader(c)["grade_id"]: c.source for c in _source(notebook).cells if is_test_cell(c)}
    if notebook.id in translate_complete() and any(HANGUL.search(s) for s in originals.values()):
        assert graded != english, "the Korean submission was graded with the English tests"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_korean_feedback_has_the_score_and_no_hidden_test(ko_course, notebook):
    korean = _with_tests(ko_course, notebook)
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    run = _graded(ko_course, korean, "solution")
    api = NbGraderAPI(coursedir=CourseDirectory(config=ko_course.config), config=ko_course.config)
    result = api.generate_feedback(notebook.assignment, "solution")
    assert result["success"], result.get("error") or result["log"]
    html = (ko_course.root / "feedback" / "solution" / notebook.assignment / f"{notebook.name}.html").read_text()
    shown = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", html)
    assert shown and (float(shown[1]), float(shown[2])) == (run["score"], run["max_score"])
    hidden = _hidden_lines(_source(korean))
    shown_hidden = [line for line in hidden if line in html or escape(line) in html]
    assert not shown_hidden, f"the Korean feedback of {notebook.path.name} shows hidden tests: {shown_hidden[:3]}"


def _hidden_lines(nb) -> list[str]:
    """The lines of the hidden tests (long enough not to occur by chance elsewhere)."""
    lines = []
    for cell in nb.cells:
        if is_test_cell(cell):
            for block in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S):
                lines += [line.strip() for line in block.splitlines() if len(line.strip()) > 12]
    return lines


# --------------------------------------------------------------------------- slides
@pytest.fixture(scope="session")
def ko_decks(ko_course, tmp_path_factory) -> dict[str, Path]:
    require_npm()
    out = ROOT / "build" / "slides" / "ko"
    notebooks = [_korean(ko_course, nb) for nb in NOTEBOOKS]
    paths = build_slides.build(out=out, release_dir=ko_course.root / "release", notebooks=notebooks, lang="ko")
    return {p.name.split(".")[0]: p for p in paths}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=ids)
def test_korean_deck_has_the_slides_offline_and_the_font(ko_course, ko_decks, notebook):
    deck = ko_decks[notebook.name]
    html = deck.read_text()
    expected = expected_slides(nbformat.read(_korean(ko_course, notebook).path, as_version=4))
    sections = leaf_sections(html)
    assert len(sections) == len(expected), f"{deck.name}: {len(sections)} slides, {len(expected)} expected"
    for i, (section, heading) in enumerate(zip(sections, expected)):
        # Without white space: a Korean particle follows inline code directly (`model.eval()`을).
        if heading:
            text = "".join(section.get_text().split())
            assert "".join(heading.split()) in text, f"slide {i + 1} of {deck.name}: {heading!r}"
    assert not external_references(html), f"{deck.name} loads from the network: {external_references(html)}"
    assert "font-family: 'NanumGothic'; src: url(data:font/woff;base64," in html, f"{deck.name} has no Korean font"
    if notebook.id in translate_complete():
        assert HANGUL.search(leaf_sections(html)[0].get_text()), f"{deck.name}'s first slide is not Korean"


def test_korean_deck_shows_hangul_and_formulas_offline_in_a_browser(ko_decks, browser):
    """One deck is enough for the browser: the decks differ only in their cells."""
    deck = ko_decks[NOTEBOOKS[1].name]
    page = browser.new_page()
    refused = []
    page.route(re.compile(r"^(https?|wss?)://"), lambda route: (refused.append(route.request.url), route.abort()))
    try:
        page.goto(deck.as_uri())
        page.wait_for_selector(".reveal.ready", state="attached", timeout=30_000)
        page.wait_for_function("document.fonts.check(\"16px 'NanumGothic'\", '한')", timeout=30_000)
        family = page.evaluate("getComputedStyle(document.querySelector('.reveal p')).fontFamily")
        assert "NanumGothic" in family, family
        typeset_probe(page, "가중치 감쇠: ")  # a formula in a Korean sentence
    finally:
        page.close()
    assert not refused, f"{deck.name} tried the network: {refused}"


# --------------------------------------------------------------------------- README.ko.md
def test_korean_readme_names_real_commands_links_and_paths():
    text = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))
    used = set(re.findall(r"`make ([a-z][\w-]*)", text)) | set(re.findall(r"^make ([a-z][\w-]*)", text, re.M))
    assert {"lab-ko", "test"} <= used, "README.ko.md must give the two commands"
    assert used <= targets, f"README.ko.md names make targets that do not exist: {used - targets}"
    links = [link for link in re.findall(r"\]\(([^)#\s]+)", text) if not link.startswith("http")]
    assert "docs/instructors.md" in links and "docs/translating.md" in links
    assert all((ROOT / link).exists() for link in links), [link for link in links if not (ROOT / link).exists()]
    badge = re.search(r"urlpath=lab/tree/(\S+?\.ipynb)", text)
    assert badge and badge[1] == f"release-ko/{NOTEBOOKS[0].assignment}/{NOTEBOOKS[0].path.name}", badge
