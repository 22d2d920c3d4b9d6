"""The language of what ``course_utils`` shows: figure text, widget labels and status lines.

The English notebooks call ``set_language("en")`` in their first code cell; the Korean edition
(built by ``tools/translate.py``) calls ``set_language("ko")``. Everything else reads the language
through :func:`gettext`, which returns the Korean text of an English message from the package's
gettext catalogue ``course_utils/locale/ko.po`` (read as text: no compiled ``.mo`` file to keep
in step), or the English message itself.

Korean figure text needs a font with Hangul: ``set_language("ko")`` registers NanumGothic, which
the ``koreanize-matplotlib`` distribution ships (its module is not imported: only its font files
are used), and puts it behind DejaVu Sans in matplotlib's font list: matplotlib falls back glyph
by glyph, so Latin letters, digits, Greek and the minus sign look as in the English figures and
Hangul comes from NanumGothic. Text with ``$...$`` is the exception: mathtext sets it in the first
font alone, so a figure string must not mix Hangul with ``$...$`` (write λ, not ``$\\lambda$``,
beside Korean words); ``tests/test_language.py`` and ``tests/test_korean.py`` check it. NanumGothic
cannot come first: it has no minus sign (U+2212), which every log axis's ``10^{-2}`` needs.
``set_language("en")`` restores the settings it found.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path
from string import Formatter

import matplotlib as mpl
from matplotlib import font_manager

from ._validation import OneOf, validate

__all__ = ["LANGUAGES", "KOREAN_FONT", "get_language", "gettext", "gettext_noop", "label", "set_language"]

LANGUAGES = ("en", "ko")
KOREAN_FONT = "NanumGothic"
_CATALOGUES = Path(__file__).parent / "locale"
_FONT_SETTINGS = {"font.family": ["DejaVu Sans", KOREAN_FONT], "axes.unicode_minus": True}

_state: dict[str, object] = {"language": "en", "fonts": None}


@validate(language=OneOf(*LANGUAGES))
def set_language(language: str) -> None:
    """Show figures, widgets and status lines in ``language`` from now on.

    Args:
        language: ``"en"`` or ``"ko"``.
    """
    if language == "ko":
        if _state["fonts"] is None:
            _state["fonts"] = {key: mpl.rcParams[key] for key in _FONT_SETTINGS}
        _use_korean_font()
    elif _state["fonts"] is not None:
        mpl.rcParams.update(_state["fonts"])
        _state["fonts"] = None
    _state["language"] = language


def get_language() -> str:
    """The language set by :func:`set_language` (``"en"`` until it is called)."""
    return str(_state["language"])


@validate(message=str)
def gettext(message: str) -> str:
    """``message`` in the current language: its catalogue entry, or ``message`` itself.

    Messages with values are translated before they are formatted, so that the catalogue holds
    one entry per message: ``gettext("test accuracy {acc:.3f}").format(acc=acc)``.
    """
    language = get_language()
    if language == "en":
        return message
    return catalogue(language).get(message) or message


@validate(message=str)
def gettext_noop(message: str) -> str:
    """``message`` itself: marks an English text for the catalogue where it must stay English.

    The names of the experiments' settings (``"plain, 42 layers"``, ``"dropout, p = 0.5"``) are keys
    of the stored sweeps, so they are made in English with templates marked by this function; a
    figure or a widget shows them through :func:`label`.
    """
    return message


@validate(text=str)
def label(text: str) -> str:
    """How a setting's name (made from marked templates, see :func:`gettext_noop`) reads in the
    current language, e.g. ``"plain, 42 layers"`` → ``"플레인, 42층"``.

    An exact catalogue entry wins; otherwise the most specific template of the catalogue (the most
    literal text) that matches the whole text (``"{kind}, {layers} layers"``) is filled with its
    values, each value translated the same way (``"plain"`` → ``"플레인 네트워크"``). A value takes as
    much text as it can, so ``"{setting}, {epochs} epochs"`` reads ``"plain, 6 layers, 180 epochs"``
    as the setting ``"plain, 6 layers"``. A text that matches nothing is returned as
    it is (a number, a name the catalogue does not know).
    """
    language = get_language()
    return text if language == "en" else _label(text, language)[0]


def _label(text: str, language: str) -> tuple[str, frozenset[str]]:
    """:func:`label`'s translation of ``text`` and the catalogue entries it used."""
    exact = catalogue(language).get(text)
    if exact:
        return exact, frozenset({text})
    for pattern, msgid, names, translation in _templates(language):
        found = pattern.fullmatch(text)
        if found:
            values = {name: _label(found[name], language) for name in names}
            used = frozenset({msgid}).union(*(entries for _, entries in values.values()))
            return translation.format(**{name: value for name, (value, _) in values.items()}), used
    return text, frozenset()


@cache
def _templates(language: str) -> list[tuple[re.Pattern[str], str, tuple[str, ...], str]]:
    """The catalogue's entries with ``{placeholders}`` as ``(pattern, msgid, names, translation)``, the
    most specific (longest literal text) first. Entries whose placeholders carry a format spec
    (``{acc:.3f}``) are messages, not names: they are left out."""
    found = []
    for msgid, msgstr in catalogue(language).items():
        parts = list(Formatter().parse(msgid))
        names = tuple(name for _, name, _, _ in parts if name is not None)
        literal = "".join(text for text, *_ in parts)
        if (not names or len(set(names)) < len(names) or not literal.strip()
                or any(spec or conv for _, name, spec, conv in parts if name is not None)):
            continue
        regex = "".join(re.escape(text) + (f"(?P<{name}>.+)" if name is not None else "")
                        for text, name, _, _ in parts)
        found.append((len(literal), re.compile(regex, re.DOTALL), msgid, names, msgstr))
    found.sort(key=lambda item: -item[0])
    return [item[1:] for item in found]


@cache
def catalogue(language: str) -> dict[str, str]:
    """The ``{English: translation}`` entries of ``locale/<language>.po`` (untranslated ones left out).

    Raises:
        FileNotFoundError: when the package has no catalogue for ``language``.
        ValueError: when the catalogue is not valid ``.po`` text; the message names the line.
    """
    path = _CATALOGUES / f"{language}.po"
    if not path.exists():
        raise FileNotFoundError(f"course_utils has no catalogue for {language!r}: {path} does not exist.")
    return {msgid: msgstr for msgid, msgstr in _read_po(path).items() if msgid and msgstr}


def _read_po(path: Path) -> dict[str, str]:
    """The msgid/msgstr pairs of a ``.po`` file (comments and empty lines skipped)."""
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    field = None

    def finish() -> None:
        if "msgid" in current:
            if current["msgid"] in entries:
                raise ValueError(f"{path}, line {number}: the msgid {current['msgid']!r} is there twice; "
                                 "keep one entry.")
            entries[current["msgid"]] = current.get("msgstr", "")
        current.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "msgstr"):
            if keyword == "msgid":
                finish()
            field, line = keyword, rest.strip()
        if field is None or not (line.startswith('"') and line.endswith('"')):
            raise ValueError(f"{path}, line {number}: expected msgid, msgstr or a quoted string. Got {raw!r}.")
        try:
            current[field] = current.get(field, "") + ast.literal_eval(line)
        except (SyntaxError, ValueError) as error:
            raise ValueError(f"{path}, line {number}: not a valid quoted string: {raw!r}.") from error
    finish()
    return entries


def _use_korean_font() -> None:
    """Register the NanumGothic files of ``koreanize-matplotlib`` and put the font first."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("Korean figures need the NanumGothic font of the 'koreanize-matplotlib' "
                                  "package: run `make install` (or `pip install koreanize-matplotlib`).")
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for name in ("NanumGothic.ttf", "NanumGothicBold.ttf"):
        if str(folder / name) not in known:
            font_manager.fontManager.addfont(str(folder / name))
    mpl.rcParams.update(_FONT_SETTINGS)
