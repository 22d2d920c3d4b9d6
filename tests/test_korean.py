"""The Korean edition (issue 22): its translations are current, its build keeps what grading
needs, and its Korean follows the course glossary.

The translations live in ``i18n/ko/<notebook>.json`` (see ``tools/translate.py`` for the format
and docs/translating.md for the workflow). The checks:

* staleness: every entry's English fingerprint matches its English cell, every code-cell
  substitution still applies; a failure names each out-of-date cell (``test_translations_are_current``);
  the fully translated notebooks (``COMPLETE``) have an entry for every cell;
* the build: cell ids, cell types and all metadata (nbgrader's included) kept, code cells equal
  to the English ones apart from the declared strings, the result valid nbformat;
* the demonstration: changing one English cell (in a temporary copy) makes the check name that
  Korean cell, and the build refuse it;
* the glossary: a translated cell uses the Korean form of every glossary term its English cell
  names, no banned variant appears, and the first Korean use of a term gives the English in
  brackets (PyTorch Korea's "한글(English)" convention);
* markdown that renders: CommonMark does not close ``**bold**`` or ``*emphasis*`` when the closing
  marker follows punctuation and is followed by a letter, which Korean particles make common
  (``**"제목"**을`` shows the asterisks).
"""

from __future__ import annotations

import json
import re
import shutil

import course_notebooks
import nbformat
import pytest
import translate
from test_glossary import TERMS, _pattern

LANG = "ko"
NOTEBOOKS = course_notebooks.discover()
TRANSLATED = [nb for nb in NOTEBOOKS if translate.catalogue_path(nb, LANG).exists()]
# Every notebook is translated in full: a new English cell must get its Korean entry too.
COMPLETE = {nb.id for nb in NOTEBOOKS}


def _ids(notebooks):
    return [nb.id for nb in notebooks]


def _english(notebook) -> dict:
    return json.loads(notebook.path.read_text(encoding="utf-8"))


def _strip_code(text: str) -> str:
    """Prose without code blocks, inline code spans and emphasis markers."""
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`\n]*`", " ", text)
    return text.replace("*", "")


# --------------------------------------------------------------------------- staleness
def test_there_is_a_korean_translation() -> None:
    assert {nb.id for nb in TRANSLATED} >= COMPLETE, f"i18n/ko/ lacks {COMPLETE - {nb.id for nb in TRANSLATED}}"


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_translations_are_current(notebook) -> None:
    status = translate.check(notebook, LANG)
    assert not status.errors, (f"{len(status.errors)} Korean cell(s) of {notebook.name} out of date "
                               "(see docs/translating.md):\n" + "\n".join(status.errors))
    if notebook.id in COMPLETE:
        assert not status.untranslated, (f"{notebook.name} is translated in full, but cells "
                                         f"{status.untranslated} have no Korean entry in "
                                         f"{translate.catalogue_path(notebook, LANG).relative_to(translate.ROOT)}")


def test_changing_one_english_cell_names_its_korean_cell(tmp_path) -> None:
    """The demonstration the issue asks for, on a temporary copy of notebook 00."""
    notebook = next(nb for nb in NOTEBOOKS if nb.id == "00_welcome")
    folder = tmp_path / notebook.assignment
    folder.mkdir()
    shutil.copy(notebook.path, folder / notebook.path.name)
    copy_ = course_notebooks.CourseNotebook(notebook.assignment, folder / notebook.path.name)
    assert translate.check(copy_, LANG).errors == []
    nb = json.loads(copy_.path.read_text(encoding="utf-8"))
    cells = {c["id"]: c for c in nb["cells"]}
    cells["a-first-widget"]["source"] = cells["a-first-widget"]["source"].replace("at once", "immediately")
    cells["test_class_counts"]["source"] = cells["test_class_counts"]["source"].replace(
        "must add up to", "must sum to")
    copy_.path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    stale = translate.check(copy_, LANG).stale
    assert len(stale) == 2, stale
    assert "cell 'a-first-widget': stale" in stale[0] and "--stamp 00_welcome a-first-widget" in stale[0]
    assert "cell 'test_class_counts': stale" in stale[1]
    with pytest.raises(translate.TranslationError, match="a-first-widget"):
        translate.build(LANG, into=tmp_path / "out", notebooks=[copy_])
    assert not (tmp_path / "out").exists(), "nothing is written while a translation is stale"


def test_a_stale_or_misplaced_substitution_is_reported() -> None:
    code = 'x = 1\nprint("hello", x)  # greet\n'
    assert translate.substitute(code, [['"hello"', '"안녕하세요"']], "t") == 'x = 1\nprint("안녕하세요", x)  # greet\n'
    with pytest.raises(translate.TranslationError, match="stale string: '\"goodbye\"'"):
        translate.substitute(code, [['"goodbye"', '"안녕히 가세요"']], "t")
    with pytest.raises(translate.TranslationError, match="outside string literals"):
        translate.substitute(code, [["x", "y"]], "t")
    with pytest.raises(translate.TranslationError, match="outside string literals"):
        translate.substitute(code, [["# greet", "# 인사"]], "t")
    with pytest.raises(translate.TranslationError, match="overlaps"):
        translate.substitute(code, [['"hello"', '"안녕"'], ['print("hello"', 'print("hi"']], "t")


# --------------------------------------------------------------------------- the build
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("ko")
    paths = translate.build(LANG, into=out)
    return {p.stem: p for p in paths}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_build_keeps_ids_metadata_and_code(notebook, built) -> None:
    english = _english(notebook)
    korean_nb = nbformat.read(built[notebook.name], as_version=4)
    nbformat.validate(korean_nb)
    korean = json.loads(built[notebook.name].read_text(encoding="utf-8"))
    assert korean["metadata"].pop("language") == LANG
    assert korean["metadata"] == english["metadata"], "the notebook's metadata must be kept"
    assert [c.get("id") for c in korean["cells"]] == [c.get("id") for c in english["cells"]]
    entries = translate.load_catalogue(notebook, LANG)["cells"]
    for en, ko in zip(english["cells"], korean["cells"]):
        where = f"{notebook.name}, cell {en.get('id')!r}"
        assert ko["cell_type"] == en["cell_type"], where
        assert ko["metadata"] == en["metadata"], f"{where}: metadata (nbgrader's included) must be kept"
        assert {k: v for k, v in ko.items() if k != "source"} == {k: v for k, v in en.items() if k != "source"}, where
        en_src, ko_src = translate._source(en), translate._source(ko)
        entry = entries.get(en.get("id"))
        if entry is None:
            assert ko_src == en_src, f"{where}: a cell without a translation must stay English"
        elif en["cell_type"] == "code":
            expected = en_src
            for old, new in entry["strings"]:
                assert old in en_src, f"{where}: {old!r}"
                expected = expected.replace(old, new)
            assert ko_src == expected, f"{where}: code changed beyond the declared strings"
            assert translate.code_outside_strings_equal(en_src, ko_src), f"{where}: code outside strings changed"
        else:
            assert ko_src == "\n".join(entry["markdown"]), where


def test_build_writes_under_build_and_refuses_nothing_by_default() -> None:
    assert translate.output_path(NOTEBOOKS[0], LANG) == (
        translate.ROOT / "build" / "ko" / "notebooks" / NOTEBOOKS[0].assignment / NOTEBOOKS[0].path.name)
    ignored = (translate.ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "build/" in ignored, "the built notebooks must stay out of git"


# --------------------------------------------------------------------------- the glossary in Korean
def _korean_cells(notebook):
    """(cell id, English text, Korean text, is prose) for each translated cell, in order."""
    english = {c.get("id"): c for c in _english(notebook)["cells"]}
    out = []
    for cell_id, entry in translate.load_catalogue(notebook, LANG)["cells"].items():
        en = translate._source(english[cell_id]) if cell_id in english else ""
        if "markdown" in entry:
            out.append((cell_id, en, "\n".join(entry["markdown"]), True))
        else:
            out.append((cell_id, en, "\n".join(new for _, new in entry["strings"]), False))
    order = list(english)
    return sorted(out, key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def _accepted(term) -> list[str]:
    return [term["ko"], *term["also"]]


def _ko(form: str) -> re.Pattern:
    """A Korean form with any run of white space between its words (a wrapped line)."""
    return re.compile(r"\s+".join(map(re.escape, form.split())))


def _uses(text: str, forms: list[str]) -> bool:
    return any(_ko(form).search(text) for form in forms)


def _hits(text: str, term) -> list[int]:
    """Where ``text`` uses one of ``term``'s Korean forms on its own, not as part of a longer
    accepted form of another term (정규화 inside 배치 정규화)."""
    longer = [k for t in TERMS if t is not term for k in _accepted(t)
              if any(own in k and own != k for own in _accepted(term))]
    covered = [range(m.start(), m.end()) for k in longer for m in _ko(k).finditer(text)]
    return sorted(m.start() for k in _accepted(term) for m in _ko(k).finditer(text)
                  if not any(m.start() in span for span in covered))


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_korean_cells_use_the_glossary_forms(notebook) -> None:
    problems = []
    for cell_id, en, ko, prose in _korean_cells(notebook):
        if not prose:
            continue
        en_text, ko_text = _strip_code(en), _strip_code(ko)
        for term in TERMS:
            if any(_pattern(form).search(en_text) for form in term["forms"]):
                if not _uses(ko_text, _accepted(term)):
                    problems.append(f"cell {cell_id!r}: the English names '{term['en']}', the Korean lacks "
                                    f"'{term['ko']}'" + (f" (or {term['also']})" if term["also"] else ""))
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_korean_cells_have_no_banned_variant(notebook) -> None:
    problems = [f"cell {cell_id!r} writes '{bad}' for '{term['en']}': use '{term['ko']}'"
                for cell_id, _, ko, _ in _korean_cells(notebook) for term in TERMS for bad in term["banned"]
                if _uses(ko.replace("*", ""), [bad])]
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_first_korean_use_gives_the_english_in_brackets(notebook) -> None:
    prose = "\n\n".join(_strip_code(ko) for _, _, ko, is_prose in _korean_cells(notebook) if is_prose)
    problems = []
    for term in TERMS:
        hits = _hits(prose, term)
        if not hits:
            continue
        start = prose.rfind("\n", 0, hits[0]) + 1
        end = prose.find("\n", hits[0])
        line = prose[start: len(prose) if end < 0 else end]
        if not any(_pattern(form).search(line) for form in term["forms"]):
            problems.append(f"'{term['ko']}' is first used without '({term['en']})': {line.strip()[:120]!r}")
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


def emphasis_problems(markdown: str) -> list[str]:
    """Closing ``*``/``**`` markers that CommonMark leaves as text: after punctuation, before a
    letter (a Korean particle, usually)."""
    problems = []
    for line in markdown.splitlines():
        body = re.sub(r"`[^`\n]*`", "``", re.sub(r"^\s*[*-] ", "  ", line))
        runs = list(re.finditer(r"\*+", body))
        for closing in runs[1::2]:
            before = body[closing.start() - 1] if closing.start() else " "
            after = body[closing.end()] if closing.end() < len(body) else " "
            if not before.isalnum() and not before.isspace() and after.isalnum():
                problems.append(f"{line.strip()[:100]!r}: put the particle outside, e.g. '**제목**(English)을'")
    return problems


def test_emphasis_check_catches_a_particle_after_punctuation() -> None:
    assert emphasis_problems('세미나 **"CNN"**을 봅니다') and emphasis_problems("*네트워크(net)*가")
    assert not emphasis_problems('세미나 **"CNN"** 자료를') and not emphasis_problems("*네트워크*(net)가")
    assert not emphasis_problems("* 목록 항목의 **굵은 글씨**입니다")


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_korean_markdown_renders_its_emphasis(notebook) -> None:
    problems = [f"cell {cell_id!r}: {p}" for cell_id, _, ko, prose in _korean_cells(notebook) if prose
                for p in emphasis_problems(ko)]
    assert not problems, f"{notebook.name}:\n" + "\n".join(problems)


# --------------------------------------------------------------------------- figure text
HANGUL = re.compile(r"[\uac00-\ud7a3]")


def mixes_hangul_and_math(text: str) -> bool:
    """Whether a string holds Hangul and is math text for matplotlib (an even number of unescaped
    dollar signs): mathtext sets such a label in the first font alone (DejaVu Sans, see
    course_utils/language.py), so the Hangul shows as empty boxes."""
    from matplotlib.cbook import is_math_text

    return bool(HANGUL.search(text)) and is_math_text(text)


def test_the_mathtext_check_can_fail() -> None:
    assert mixes_hangul_and_math("가중치 감쇠 $\\lambda$") and mixes_hangul_and_math("$w_1$의 값")
    assert not mixes_hangul_and_math("가중치 감쇠 λ") and not mixes_hangul_and_math("$\\lambda$ = 0.1")
    assert mixes_hangul_and_math("비용 $5 또는 $6")  # matplotlib reads two dollar signs as a formula
    assert not mixes_hangul_and_math("가격: \\$5")


@pytest.mark.parametrize("notebook", TRANSLATED, ids=_ids(TRANSLATED))
def test_korean_strings_do_not_mix_hangul_and_formulas(notebook) -> None:
    problems = [f"cell {cell_id!r}: {ko!r}" for cell_id, entry in translate.load_catalogue(notebook, LANG)["cells"].items()
                for _, ko in entry.get("strings", []) if mixes_hangul_and_math(ko)]
    assert not problems, (f"{notebook.name}: Korean next to a $...$ formula shows as boxes in a figure; write "
                          "the symbol in Unicode (λ, ε, ŷ) or keep the formula apart:\n" + "\n".join(problems))
