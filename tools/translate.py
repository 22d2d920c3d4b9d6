"""Build a translated edition of the course's notebooks from the English sources (issue 22).

The English notebooks in ``notebooks/<NN_name>/`` stay the only source. A translation lives
beside them in one file per notebook, ``i18n/<lang>/<notebook stem>.json``, keyed by cell id::

    {
     "format": 1,
     "language": "ko",
     "notebook": "00_welcome/00_welcome.ipynb",
     "cells": {
      "welcome": {"en": "3f2a9c01d4e7", "markdown": ["# 00 · 환영합니다 ...", "..."]},
      "test_class_counts": {"en": "9b1e...", "strings": [["\\"the counts must ...\\"", "\\"...\\""]]},
      "show-digits": {"en": "77c0...", "strings": [], "note": "figure text: later (fonts)"}
     }
    }

* ``en`` is the fingerprint of the English cell the entry translates: the first 12 hex digits
  of the SHA-256 of its source. When the English cell changes, the entry is *stale* and the
  build refuses it (``tests/test_korean.py`` names every stale cell).
* A markdown cell is translated whole: ``markdown`` holds its text, one list item per line.
* A code cell is never copied. ``strings`` lists ``[English, translation]`` pairs of *source
  text* (quotes included where useful, so that a pair cannot match code); each English text must
  occur in the English cell, and every occurrence is replaced. Only what a learner reads is
  translated: printed strings and assert messages (visible and hidden tests). ``"strings": []``
  records that a code cell was reviewed and has nothing to translate; its fingerprint still
  flags the cell when its English changes. After the substitution the cell's Python tokens other
  than string literals (names, operators, numbers, comments) must be unchanged.
* Cells without an entry stay English in the build and are counted by ``--report``. Cell ids
  and all metadata (nbgrader's included) are kept, so a translated notebook grades like the
  English one.

Why a JSON file per notebook and not gettext ``.po`` catalogues: the unit of translation is a
cell (a whole markdown cell, or a few strings of one code cell), found by its id; a ``.po``
catalogue is keyed by the English text itself (``msgid``), so every markdown cell would be
copied into the catalogue in quoted, line-wrapped form and the cell id and the fingerprint
would have to ride in comments that the tools rewrite. The JSON file keeps exactly what the
build needs (id, fingerprint, text), reads like the notebook's own JSON, diffs line by line,
and needs no new dependency. Gettext remains the right tool for the messages of the package
``course_utils`` (widget labels, figure text), a later step of issue 22.

Usage (from the repository root, with the course's virtual environment)::

    python tools/translate.py ko             # the Korean sources into build/ko/notebooks/ (git-ignored)
    python tools/translate.py ko --report    # translated / untranslated / stale cells per notebook
    python tools/translate.py ko --ids 01_residual_learning   # each cell's id, state and first line
    python tools/translate.py ko --stamp 00_welcome CELL_ID ...   # record the English fingerprint
                                             # of reviewed entries (all entries without CELL_ID)
    python tools/translate.py --add-ids 01_residual_learning   # give a notebook without cell ids
                                             # stable, readable ids (nbformat 4.5), once
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import io
import json
import re
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course_notebooks  # noqa: E402  (a script in tools/, beside this one)

ROOT = course_notebooks.ROOT
SOURCE = course_notebooks.SOURCE
I18N = ROOT / "i18n"
BUILD = ROOT / "build"
FORMAT = 1
FINGERPRINT_DIGITS = 12


class TranslationError(Exception):
    """A translation that cannot be built: stale, misplaced or malformed entries."""


def fingerprint(text: str) -> str:
    """The fingerprint of an English cell's source: 12 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:FINGERPRINT_DIGITS]


def catalogue_path(notebook: course_notebooks.CourseNotebook, lang: str) -> Path:
    return I18N / lang / f"{notebook.name}.json"


def output_path(notebook: course_notebooks.CourseNotebook, lang: str, into: Path | None = None) -> Path:
    return (into or BUILD / lang / "notebooks") / notebook.assignment / notebook.path.name


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_catalogue(notebook: course_notebooks.CourseNotebook, lang: str) -> dict:
    """The translation file of ``notebook``; an empty one when there is none yet."""
    path = catalogue_path(notebook, lang)
    if not path.exists():
        return {"format": FORMAT, "language": lang,
                "notebook": f"{notebook.assignment}/{notebook.path.name}", "cells": {}}
    data = _read_json(path)
    if data.get("format") != FORMAT or data.get("language") != lang or not isinstance(data.get("cells"), dict):
        raise TranslationError(f"{path.relative_to(ROOT)}: expected 'format': {FORMAT}, 'language': "
                               f"{lang!r} and a 'cells' object keyed by cell id")
    return data


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


# --------------------------------------------------------------------------- code cells
def _tokens(code: str) -> list[tuple[int, str]] | None:
    """The cell's Python tokens without the text of string literals; ``None`` when the cell is
    not plain Python (IPython magics, shell escapes)."""
    string_types = {tokenize.STRING} | {getattr(tokenize, n) for n in ("FSTRING_MIDDLE",) if hasattr(tokenize, n)}
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return None
    return [(t.type, "" if t.type in string_types else t.string) for t in toks]


def code_outside_strings_equal(english: str, translated: str) -> bool:
    """Whether two code cells differ only inside string literals (comments count as code)."""
    a, b = _tokens(english), _tokens(translated)
    if a is None or b is None:
        return english == translated
    return a == b


def substitute(english: str, pairs: list, where: str) -> str:
    """Apply ``[English, translation]`` pairs to a code cell's source; raise on a pair whose
    English no longer occurs (stale) or on a result that changes code outside string literals."""
    text = english
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(s, str) and s for s in pair)):
            raise TranslationError(f"{where}: each entry of 'strings' must be [English, translation], got {pair!r}")
        old, new = pair
        if old not in english:
            raise TranslationError(f"{where}: stale string: {old!r} no longer occurs in the English cell")
        if old not in text:
            raise TranslationError(f"{where}: {old!r} overlaps the translation of an earlier pair; "
                                   "make the pairs disjoint")
        text = text.replace(old, new)
    if not code_outside_strings_equal(english, text):
        raise TranslationError(f"{where}: the substitutions change code outside string literals; "
                               "translate only text inside quotes")
    return text


# --------------------------------------------------------------------------- checking
@dataclass
class NotebookStatus:
    """What a translation file covers of one notebook."""

    notebook: course_notebooks.CourseNotebook
    translated: list[str] = field(default_factory=list)    # cell ids with a current entry
    untranslated: list[str] = field(default_factory=list)  # cells without an entry
    stale: list[str] = field(default_factory=list)          # messages naming cell ids
    problems: list[str] = field(default_factory=list)       # entries that can never apply
    strings: int = 0                                         # substitution pairs of current entries

    @property
    def errors(self) -> list[str]:
        return self.stale + self.problems


def check(notebook: course_notebooks.CourseNotebook, lang: str, nb: dict | None = None,
          catalogue: dict | None = None) -> NotebookStatus:
    """Compare a translation file with its English notebook (``nb``: a notebook's JSON, for tests)."""
    nb = nb if nb is not None else _read_json(notebook.path)
    catalogue = catalogue if catalogue is not None else load_catalogue(notebook, lang)
    status = NotebookStatus(notebook)
    name = notebook.name
    cells = {c.get("id"): c for c in nb["cells"]}
    entries = catalogue["cells"]
    if entries and None in cells:
        status.problems.append(f"{name}: its cells have no ids; run "
                               f"`python tools/translate.py --add-ids {notebook.assignment}` once")
        return status
    for cell_id, entry in entries.items():
        where = f"{name}, cell {cell_id!r}"
        cell = cells.get(cell_id)
        if cell is None:
            status.problems.append(f"{where}: no English cell has this id (deleted, or its id changed)")
            continue
        kind = "markdown" if cell["cell_type"] == "markdown" else "strings" if cell["cell_type"] == "code" else None
        if kind is None or kind not in entry or not isinstance(entry.get("en"), str):
            status.problems.append(f"{where}: a {cell['cell_type']} cell needs 'en' (fingerprint) and "
                                   f"'{kind or 'nothing'}'; the entry has {sorted(entry)}")
            continue
        english = _source(cell)
        if entry["en"] != fingerprint(english):
            status.stale.append(f"{where}: stale: the English cell changed since it was translated "
                                f"(fingerprint {entry['en']}, now {fingerprint(english)}); update the "
                                f"translation, then `python tools/translate.py {lang} --stamp {name} {cell_id}`")
            continue
        if kind == "strings":
            try:
                substitute(english, entry["strings"], where)
            except TranslationError as error:
                status.stale.append(str(error))
                continue
            status.strings += len(entry["strings"])
        elif not (isinstance(entry["markdown"], list) and all(isinstance(s, str) for s in entry["markdown"])):
            status.problems.append(f"{where}: 'markdown' must be a list of lines")
            continue
        status.translated.append(cell_id)
    status.untranslated = [c.get("id") for c in nb["cells"]
                           if c.get("id") not in entries and c["cell_type"] in ("markdown", "code")]
    return status


# --------------------------------------------------------------------------- building
def translate_notebook(notebook: course_notebooks.CourseNotebook, lang: str, nb: dict | None = None,
                       catalogue: dict | None = None) -> dict:
    """The translated notebook (JSON) of ``notebook``; raises :class:`TranslationError` listing
    every stale or malformed entry."""
    nb = copy.deepcopy(nb if nb is not None else _read_json(notebook.path))
    catalogue = catalogue if catalogue is not None else load_catalogue(notebook, lang)
    status = check(notebook, lang, nb, catalogue)
    if status.errors:
        raise TranslationError(f"{len(status.errors)} problem(s) in {catalogue_path(notebook, lang).relative_to(ROOT)}:\n  "
                               + "\n  ".join(status.errors))
    for cell in nb["cells"]:
        entry = catalogue["cells"].get(cell.get("id"))
        if entry is None:
            continue
        if "markdown" in entry:
            text = "\n".join(entry["markdown"])
        else:
            text = substitute(_source(cell), entry["strings"], f"{notebook.name}, cell {cell['id']!r}")
        lines = text.splitlines(keepends=True)
        cell["source"] = lines if isinstance(cell.get("source"), list) else text
    nb.setdefault("metadata", {})["language"] = lang
    return nb


def build(lang: str, into: Path | None = None, notebooks: list | None = None) -> list[Path]:
    """Write the translated source notebooks to ``build/<lang>/notebooks/<NN_name>/``.

    Every notebook is written (cells without a translation stay English); all problems of all
    notebooks are reported together before anything is written.
    """
    import nbformat

    notebooks = notebooks or course_notebooks.discover()
    built, errors = [], []
    for notebook in notebooks:
        try:
            built.append((notebook, translate_notebook(notebook, lang)))
        except TranslationError as error:
            errors.append(str(error))
    if errors:
        raise TranslationError("\n".join(errors))
    paths = []
    for notebook, nb in built:
        nbformat.validate(nbformat.from_dict(nb))
        path = output_path(notebook, lang, into)
        _write_json(path, nb)
        paths.append(path)
    return paths


def stamp(notebook: course_notebooks.CourseNotebook, lang: str, cell_ids: list[str]) -> list[str]:
    """Record the current English fingerprint in the given entries (all when ``cell_ids`` is
    empty): the translator's "I have reviewed this entry against the new English"."""
    catalogue = load_catalogue(notebook, lang)
    cells = {c.get("id"): c for c in _read_json(notebook.path)["cells"]}
    unknown = [i for i in cell_ids if i not in catalogue["cells"] or i not in cells]
    if unknown:
        raise TranslationError(f"{notebook.name}: no translated cell with id {unknown} "
                               "(add an entry to the translation file first)")
    done = []
    for cell_id in cell_ids or [i for i in catalogue["cells"] if i in cells]:
        new = fingerprint(_source(cells[cell_id]))
        if catalogue["cells"][cell_id].get("en") != new:
            catalogue["cells"][cell_id]["en"] = new
            done.append(cell_id)
    _write_json(catalogue_path(notebook, lang), catalogue)
    return done


# --------------------------------------------------------------------------- cell ids
def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", re.sub(r"^[#\s\d·.]*", "", text.lower()))
    return "-".join(words[:5])[:40] or "cell"


def add_ids(notebook: course_notebooks.CourseNotebook) -> int:
    """Give every cell of a notebook without ids a readable one (its nbgrader ``grade_id``, else
    words of its first line), upgrade it to nbformat 4.5 and write it back; return how many."""
    path = notebook.path
    nb = _read_json(path)
    taken = {c["id"] for c in nb["cells"] if "id" in c}
    added = 0
    for index, cell in enumerate(nb["cells"]):
        if "id" in cell:
            continue
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        lines = [line for line in _source(cell).splitlines() if line.strip()]
        if cell["cell_type"] == "code":  # a code cell is named by its first line of code
            lines = [line for line in lines if not line.lstrip().startswith("#")]
        first = lines[0] if lines else ""
        base = (re.sub(r"[^A-Za-z0-9_-]", "-", grade_id) if grade_id
                else ("code-" if cell["cell_type"] == "code" else "") + _slug(first.lstrip("# ")))
        new, k = base, 2
        while new in taken:
            new, k = f"{base}-{k}", k + 1
        taken.add(new)
        nb["cells"][index] = {"cell_type": cell["cell_type"], "id": new,
                              **{key: v for key, v in cell.items() if key != "cell_type"}}
        added += 1
    if added:
        nb["nbformat_minor"] = max(nb.get("nbformat_minor", 0), 5)
        import nbformat

        nbformat.validate(nbformat.from_dict(nb))
        _write_json(path, nb)
    return added


# --------------------------------------------------------------------------- command line
def _find(name: str) -> course_notebooks.CourseNotebook:
    for notebook in course_notebooks.discover():
        if name in (notebook.name, notebook.assignment):
            return notebook
    raise SystemExit(f"no notebook {name!r}; see `python tools/course_notebooks.py list`")


def report(lang: str) -> list[str]:
    lines = [f"{'notebook':<30} {'translated':>10} {'untranslated':>12} {'stale':>5} {'strings':>7}"]
    for notebook in course_notebooks.discover():
        status = check(notebook, lang)
        lines.append(f"{notebook.name:<30} {len(status.translated):>10} {len(status.untranslated):>12} "
                     f"{len(status.errors):>5} {status.strings:>7}")
        if status.translated and status.untranslated:
            lines.append(f"    untranslated: {', '.join(map(str, status.untranslated))}")
        lines += [f"    {e}" for e in status.errors]
    return lines


def cell_list(notebook: course_notebooks.CourseNotebook, lang: str) -> list[str]:
    """One line per cell: its id, whether it is translated, untranslated or stale, its first line."""
    status = check(notebook, lang)
    lines = []
    for cell in _read_json(notebook.path)["cells"]:
        cell_id = cell.get("id")
        state = ("translated" if cell_id in status.translated
                 else "STALE" if any(f"cell {cell_id!r}" in e for e in status.errors) else "-")
        first = next((line for line in _source(cell).splitlines() if line.strip()), "")
        lines.append(f"{str(cell_id):<42} {cell['cell_type']:<8} {state:<10} {first[:60]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lang", nargs="?", help="the language to build, e.g. ko")
    parser.add_argument("--report", action="store_true", help="count translated / untranslated / stale cells")
    parser.add_argument("--stamp", nargs="+", metavar=("NOTEBOOK", "CELL_ID"),
                        help="record the current English fingerprint of reviewed entries")
    parser.add_argument("--ids", metavar="NOTEBOOK", help="list a notebook's cells: id, state, first line")
    parser.add_argument("--into", type=Path, help="output folder (default: build/<lang>/notebooks)")
    parser.add_argument("--add-ids", metavar="NOTEBOOK", help="give a notebook without cell ids stable ids")
    args = parser.parse_args(argv)
    if args.add_ids:
        notebook = _find(args.add_ids)
        print(f"{add_ids(notebook)} cell id(s) added to {notebook.path.relative_to(ROOT)}")
        return 0
    if not args.lang:
        parser.error("name the language, e.g. `python tools/translate.py ko`")
    try:
        if args.stamp:
            notebook = _find(args.stamp[0])
            done = stamp(notebook, args.lang, args.stamp[1:])
            print(f"{notebook.name}: fingerprint updated for {len(done)} cell(s): {', '.join(done) or '-'}")
        elif args.ids:
            print("\n".join(cell_list(_find(args.ids), args.lang)))
        elif args.report:
            print("\n".join(report(args.lang)))
        else:
            for path in build(args.lang, into=args.into):
                print("built:", path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    except TranslationError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
