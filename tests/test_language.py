"""The Korean edition of what course_utils shows: set_language, the .po catalogue, and Korean figures.

- ``set_language``: its checked argument, ``get_language``, and the font settings it restores.
- The catalogue ``course_utils/locale/ko.po``: the reader (multi-line entries, a malformed line named
  by file and line); every message the package passes to its gettext function (found with ``ast``)
  has a Korean entry with the same ``{placeholders}``; no stale entry; no ``gettext(f"...")`` or
  gettext call with a non-literal argument in the package.
- Glyphs: with ``set_language("ko")`` each kind of figure the package draws, and each explorer
  widget's first render (and its status line after a stubbed live run), is drawn with matplotlib's
  "Glyph ... missing from font" warning turned into an error and "findfont" log records counted as
  failures; its text must contain Hangul. A control proves the detector fails on DejaVu Sans alone.

Fast: no training (stored sweeps from assets/, made-up histories, stub run functions).
"""

from __future__ import annotations

import ast
import logging
import re
import string
import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from course_utils import experiments, language, models, plots, regularizers, widgets  # noqa: E402
from course_utils._validation import ParameterValueError  # noqa: E402
from course_utils.train import History  # noqa: E402

PACKAGE = Path(language.__file__).parent
PO_FILE = PACKAGE / "locale" / "ko.po"
HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.fixture(autouse=True)
def _english_afterwards():
    """Every test leaves the package in English with its fonts restored, and no figure open."""
    yield
    language.set_language("en")
    plt.close("all")


# ------------------------------------------------------------------------------------------ set_language
def test_set_language_rejects_an_unknown_language() -> None:
    with pytest.raises(ParameterValueError, match=r"The 'language' parameter of set_language must be one of "
                                                  r"\{'en', 'ko'\}\. Got 'fr'\."):
        language.set_language("fr")
    assert language.get_language() == "en"


def test_get_language_follows_set_language_and_english_restores_the_fonts() -> None:
    before = {key: mpl.rcParams[key] for key in ("font.family", "axes.unicode_minus")}
    assert language.get_language() == "en"
    language.set_language("ko")
    assert language.get_language() == "ko"
    assert mpl.rcParams["font.family"] == ["DejaVu Sans", language.KOREAN_FONT]  # Hangul falls back
    assert language.gettext("epoch") == "에포크"
    language.set_language("ko")  # twice: "en" must still restore what was there before the first call
    language.set_language("en")
    assert language.get_language() == "en"
    assert {key: mpl.rcParams[key] for key in before} == before
    assert language.gettext("epoch") == "epoch"


# ------------------------------------------------------------------------------------------ the catalogue
def test_the_po_reader_joins_multi_line_entries_and_skips_comments(tmp_path) -> None:
    po = tmp_path / "xx.po"
    po.write_text('# a comment\nmsgid ""\nmsgstr ""\n"Language: xx\\n"\n\n'
                  '#: widgets/x.py:f\nmsgid ""\n"first line\\n"\n"second {n}"\nmsgstr ""\n"첫 줄\\n"\n"둘째 {n}"\n\n'
                  'msgid "say \\"hi\\""\nmsgstr "\\"안녕\\""\n\nmsgid "untranslated"\nmsgstr ""\n', encoding="utf-8")
    entries = language._read_po(po)
    assert entries["first line\nsecond {n}"] == "첫 줄\n둘째 {n}"
    assert entries['say "hi"'] == '"안녕"'
    assert entries["untranslated"] == ""


@pytest.mark.parametrize("bad_line", ["msgid unquoted", 'msgstr "no end', "random words"])
def test_the_po_reader_names_the_file_and_line_of_a_malformed_line(tmp_path, bad_line) -> None:
    po = tmp_path / "bad.po"
    po.write_text(f'msgid "a"\nmsgstr "가"\n\n{bad_line}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.po, line 4"):
        language._read_po(po)


def _gettext_calls(source: str, filename: str) -> tuple[list[tuple[str, str]], list[str]]:
    """``([(message, "file:line")], [problems])`` of the gettext calls in ``source``.

    A gettext call is a call of a name bound by ``from ...language import gettext [as name]`` (or
    ``gettext_noop``, which marks the templates of the settings' names), or of an attribute
    ``.gettext``. Its first argument must be a plain string literal.
    """
    tree = ast.parse(source, filename)
    names = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
             and (node.module or "").split(".")[-1] == "language" for alias in node.names
             if alias.name in ("gettext", "gettext_noop")}
    found, problems = [], []
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if not ((isinstance(func, ast.Name) and func.id in names)
                or (isinstance(func, ast.Attribute) and func.attr == "gettext")):
            continue
        where = f"{filename}:{node.lineno}"
        arg = node.args[0] if node.args else None
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            found.append((arg.value, where))
        elif isinstance(arg, ast.JoinedStr):
            problems.append(f"{where}: gettext(f\"...\") (translate the template, then .format it)")
        else:
            problems.append(f"{where}: gettext with a non-literal argument (the catalogue cannot list it)")
    return found, problems


def _package_messages() -> tuple[dict[str, list[str]], list[str]]:
    messages: dict[str, list[str]] = {}
    problems: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        found, bad = _gettext_calls(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE.parent)))
        problems += bad
        for message, where in found:
            messages.setdefault(message, []).append(where)
    return messages, problems


def test_the_scanner_catches_f_strings_and_non_literal_messages() -> None:
    source = ('from ..language import gettext as tr\n'
              'a = tr("fine {x}").format(x=1)\n'
              'b = tr(f"bad {a}")\n'
              'c = tr(a)\n'
              'from course_utils import language\n'
              'd = language.gettext("also fine")\n')
    found, problems = _gettext_calls(source, "widgets/fake.py")
    assert found == [("fine {x}", "widgets/fake.py:2"), ("also fine", "widgets/fake.py:6")]
    assert [p.split(": ")[0] for p in problems] == ["widgets/fake.py:3", "widgets/fake.py:4"]


def test_the_package_passes_only_string_literals_to_gettext() -> None:
    messages, problems = _package_messages()
    assert len(messages) > 100, "the scan must find the package's messages"
    assert not problems, "\n".join(problems)


def _shown_names() -> list[str]:
    """The names of settings and runs that figures and widgets show (keys of the stored sweeps the
    explorers take, and the rows of the closing table), which go through ``language.label``."""
    sweeps = [experiments.load_degradation_sweep("depth"), experiments.load_dropout_sweep("p"),
              experiments.load_weight_decay_sweep("lambda"), experiments.load_weight_decay_sweep("early"),
              *(experiments.load_catalogue_sweep(name) for name in ("shift", "smoothing", "epsilon"))]
    rows = experiments.catalogue_table()
    names = {label for sweep in sweeps for label in sweep.runs}
    names |= {r["technique"] for r in rows} | {r["compared_with"] for r in rows}
    names |= {experiments.degradation_label(n, residual) for n in (2, 32) for residual in (False, True)}
    return sorted(names)


def test_every_message_has_korean_and_the_catalogue_has_no_stale_entry() -> None:
    messages, _ = _package_messages()
    entries = {k: v for k, v in language._read_po(PO_FILE).items() if k}
    missing = [f"{where[0]}: {message!r}" for message, where in messages.items() if not entries.get(message)]
    assert not missing, f"{len(missing)} messages without Korean in {PO_FILE.name}:\n" + "\n".join(missing)
    by_names = frozenset().union(*(language._label(name, "ko")[1] for name in _shown_names()))
    stale = [message for message in entries if message not in messages and message not in by_names]
    assert not stale, f"entries of {PO_FILE.name} that the package no longer uses: {stale}"


ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
NAMES_KEPT = {"CNN", "AdamW"}  # names Korean writing keeps


def test_the_settings_names_read_in_korean() -> None:
    """Every name a figure or widget shows (e.g. ``"plain, 6 layers"``) reads in Korean: no English
    word is left, but for the names of methods that Korean writing keeps."""
    language.set_language("ko")
    try:
        shown = {name: language.label(name) for name in _shown_names()}
    finally:
        language.set_language("en")
    left = {name: korean for name, korean in shown.items()
            if set(ENGLISH_WORD.findall(korean)) - NAMES_KEPT}
    assert len(shown) > 40 and not left, f"names still in English: {left}"
    assert shown["plain, 6 layers"] == "플레인 네트워크, 6층"
    assert language.label("plain, 6 layers") == "plain, 6 layers", "English is unchanged"


def test_label_fills_the_most_specific_template_with_translated_values(tmp_path, monkeypatch) -> None:
    po = tmp_path / "xx.po"
    po.write_text('msgid "{kind}, {n} layers"\nmsgstr "{kind}, {n}층"\n\nmsgid "plain"\nmsgstr "플레인"\n\n'
                  'msgid "{setting}, {epochs} epochs"\nmsgstr "{setting}, {epochs} 에포크"\n\n'
                  'msgid "{a}, {b}"\nmsgstr "{b} / {a}"\n\nmsgid "{acc:.3f} accuracy"\nmsgstr "정확도 {acc:.3f}"\n',
                  encoding="utf-8")
    monkeypatch.setattr(language, "_CATALOGUES", tmp_path)
    language.catalogue.cache_clear()
    language._templates.cache_clear()
    try:
        assert language._label("plain, 6 layers", "xx") == ("플레인, 6층", frozenset({"{kind}, {n} layers", "plain"}))
        # nested: the outer template's value is a name itself
        assert language._label("plain, 6 layers, 180 epochs", "xx")[0] == "플레인, 6층, 180 에포크"
        assert language._label("x, y", "xx")[0] == "y / x"  # the generic template, when nothing else fits
        assert language._label("0.25", "xx") == ("0.25", frozenset())  # nothing matches: as it is
        assert language._label("0.5 accuracy", "xx")[0] == "0.5 accuracy"  # a message with a format spec is no template
    finally:
        language.catalogue.cache_clear()
        language._templates.cache_clear()


def test_a_msgid_twice_in_the_catalogue_is_refused(tmp_path) -> None:
    po = tmp_path / "xx.po"
    po.write_text('msgid "a"\nmsgstr "가"\n\nmsgid "a"\nmsgstr "나"\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"xx.po, line \d+: the msgid 'a' is there twice"):
        language._read_po(po)


def _fields(text: str) -> list[tuple[str, str, str]]:
    return sorted((name, spec, conversion or "") for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None)


def test_each_translation_keeps_the_placeholders_of_its_message() -> None:
    entries = {k: v for k, v in language._read_po(PO_FILE).items() if k}
    wrong = [f"{k!r}: {_fields(k)} != {_fields(v)}" for k, v in entries.items() if _fields(k) != _fields(v)]
    assert not wrong, "\n".join(wrong)
    hangul = [k for k, v in entries.items() if not HANGUL.search(v) and re.search(r"[A-Za-z]{2,}", re.sub(r"{[^}]*}", "", v))]
    assert hangul == ["BN"], f"translations without Hangul (only a symbol may stay as it is): {hangul}"


# ------------------------------------------------------------------------------------------ glyphs
class _FontLog(logging.Handler):
    """Collects matplotlib's "findfont: ..." log records (a font family it cannot find) and
    mathtext's "Font 'default' does not have a glyph" (a ``$...$`` text or a log axis's tick
    label set in a font without the glyph: it is logged, not warned)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.WARNING and ("findfont" in message or "does not have a glyph" in message):
            self.records.append(record.getMessage())


def _texts_of_widget(widget: Any) -> tuple[list[str], list[str]]:
    """``(labels, status lines)`` a learner reads in a widget tree: descriptions, tooltips, option
    labels; the values of its HTML lines."""
    labels, lines = [], []
    for attr in ("description", "tooltip"):
        if isinstance(getattr(widget, attr, None), str):
            labels.append(getattr(widget, attr))
    if isinstance(widget, W.HTML):
        lines.append(widget.value)
    if hasattr(widget, "_options_labels"):
        labels += list(widget._options_labels)
    for child in getattr(widget, "children", ()):
        more_labels, more_lines = _texts_of_widget(child)
        labels, lines = labels + more_labels, lines + more_lines
    return labels, lines


def _draw_checked(build: Callable[[], Any]) -> tuple[list[str], tuple[list[str], list[str]]]:
    """Run ``build`` and draw every figure it leaves, with missing glyphs as errors.

    Widgets close their figures after showing them: ``plt.close`` is suspended while ``build`` runs,
    so that every figure it made can be drawn here. Returns the figures' texts and the widget's
    ``(labels, status lines)`` (empty for a figure function).
    """
    log = _FontLog()
    font_logger = logging.getLogger("matplotlib")
    font_logger.addHandler(log)
    real_close = plt.close
    plt.close("all")
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=r".*Glyph .* missing from font")
            warnings.filterwarnings("error", message=r".*findfont")
            plt.close = lambda *args, **kwargs: None
            try:
                made = build()
            finally:
                plt.close = real_close
            texts = []
            for number in plt.get_fignums():
                fig = plt.figure(number)
                fig.canvas.draw()
                texts += [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    finally:
        font_logger.removeHandler(log)
        real_close("all")
    assert not log.records, f"matplotlib could not find a font or a glyph: {log.records[:5]}"
    return texts, _texts_of_widget(made) if isinstance(made, W.Widget) else ([], [])


def _history(epochs: int = 4, **series: list[float]) -> History:
    h = History(train_loss=[1.0, 0.7, 0.5, 0.4][:epochs], train_acc=[0.5, 0.6, 0.7, 0.8][:epochs],
                val_loss=[1.1, 0.8, 0.7, 0.7][:epochs], val_acc=[0.4, 0.55, 0.6, 0.62][:epochs],
                lr=[0.1] * epochs, epoch_time=[0.1] * epochs, best_epoch=2, extra=dict(series))
    return h


def _fake_map(axis: str) -> SimpleNamespace:
    n_values, rows = [20, 40, 80], ([0.0, 1.0, 2.0] if axis == "sigma2" else [5, 20, 40])
    average = np.array([[-0.2, 0.1, -0.05], [3.0, 0.5, -0.1], [40.0, 2.0, 0.2]])
    return SimpleNamespace(axis=axis, axis_values=rows, n_values=n_values, average=average,
                           fixed={"q_f": 20} if axis == "sigma2" else {"sigma2": 0.5},
                           recipe=SimpleNamespace(degrees=(2, 10), average="median", runs=20))


def _boundaries() -> tuple[SimpleNamespace, dict[str, tuple]]:
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(30, 2, generator=g), torch.randint(0, 2, (30,), generator=g)
    xx, yy = np.meshgrid(np.linspace(-2, 2, 20), np.linspace(-2, 2, 20))
    p = 1 / (1 + np.exp(-(xx + yy)))
    result = SimpleNamespace(models={"small": None, "large": None}, train=(x, y), held_out=(x, y),
                             train_acc={"small": 0.8, "large": 1.0}, held_out_acc={"small": 0.78, "large": 0.7},
                             recipe=SimpleNamespace(small=(4, 1), large=(64, 3)))
    return result, {"small": (xx, yy, p), "large": (xx, yy, 1 - p)}


def _click(widget: Any) -> None:
    """Click the widget's live button (the first ``Button`` in it), as a learner would."""
    stack = [widget]
    while stack:
        node = stack.pop(0)
        if isinstance(node, W.Button):
            node.click()
            return
        stack += list(getattr(node, "children", ()))
    raise AssertionError("the widget has no button")


def _depth() -> W.Widget:
    sweep = experiments.load_degradation_sweep("depth")
    widget = widgets.depth_explorer(sweep, lambda n, residual: sweep.history(n, residual))
    _click(widget)
    return widget


def _learning_rate() -> W.Widget:
    sweep = experiments.load_batch_norm_sweep("lr")
    widget = widgets.learning_rate_explorer(sweep, lambda norm, lr: sweep.history(norm, lr=lr))
    _click(widget)
    return widget


def _dropout() -> W.Widget:
    sweep = experiments.load_dropout_sweep("p")
    widget = widgets.dropout_explorer(sweep, lambda p, method, seed: sweep.history(p, method))
    _click(widget)
    return widget


def _decay() -> W.Widget:
    sweep = experiments.load_weight_decay_sweep("lambda")
    widget = widgets.decay_explorer(sweep, lambda lam: sweep.history(lam), colours=experiments.DECAY_COLOURS)
    _click(widget)
    return widget


def _ridge() -> W.Widget:
    example = experiments.lfd_example(15, 0.5, 10)
    return widgets.ridge_explorer(example, lambda lam: experiments.ridge_fit(example, lam))


def _noise() -> W.Widget:
    widget = widgets.noise_explorer(
        {"확률적": _fake_map("sigma2"), "결정적": _fake_map("q_f")},
        lambda n, s, q, seed: experiments.lfd_example(n, s, q, seed=seed),
        lambda n, s, q, count, seed: torch.linspace(-0.5, 30.0, count), live_runs=40)
    _click(widget)  # "measure live": adds the histogram panel and the status line
    return widget


def _shift() -> W.Widget:
    sweep = experiments.load_catalogue_sweep("shift")
    widget = widgets.shift_explorer(sweep, lambda value: sweep.get(dict(sweep.settings())[value]))
    _click(widget)
    return widget


def _smoothing() -> W.Widget:
    sweep = experiments.load_catalogue_sweep("smoothing")
    widget = widgets.smoothing_explorer(sweep, lambda value: sweep.get(dict(sweep.settings())[value]))
    _click(widget)
    return widget


def _epsilon() -> W.Widget:
    sweep = experiments.load_catalogue_sweep("epsilon")
    torch.manual_seed(0)
    net = models.MLP(64, 10, width=16)
    data = (torch.rand(12, 64), torch.randint(0, 10, (12,)))
    widget = widgets.epsilon_explorer(sweep, {"일반 학습": net}, data,
                                      lambda eps: sweep.get(dict(sweep.settings())[eps]), experiments.fgsm_series)
    _click(widget)
    return widget


def _reliability() -> Any:
    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(3 * torch.randn(200, 4, generator=g), 1)
    y = torch.randint(0, 4, (200,), generator=g)
    return widgets.draw_reliability({"스무딩 없음": regularizers.reliability_bins(probs, y)})


#: One entry per public figure function and explorer widget of plots.py and widgets/ (experiments/
#: draws nothing: see test_experiments_draw_nothing). Arguments a caller chooses (labels of
#: plot_lines, plot_bars, draw_images) are Korean, as a Korean notebook passes them.
FIGURES: dict[str, Callable[[], Any]] = {
    "plot_history": lambda: plots.plot_history(_history(weight_norm=[3.0, 2.5, 2.2, 2.0]),
                                               metrics=("loss", "error", "acc", "weight_norm")),
    "compare_histories": lambda: [plots.compare_histories({"A": _history(), "B": _history()}, split=split)
                                  for split in ("train", "val", "both")],
    "plot_lines": lambda: plots.plot_lines({"플레인": ([6, 18], [0.2, 0.4])}, xlabel="층 수", ylabel="훈련 오차"),
    "plot_bars": lambda: plots.plot_bars({"ResNet-34": 3.6, "VGG-19": 19.6}, ylabel="곱셈-누산 (10⁹)"),
    "plot_signals": lambda: plots.plot_signals(torch.randn(3, 40), torch.arange(3), indices=[0, 2]),
    "example_browser": lambda: widgets.example_browser(torch.randn(3, 40), torch.arange(3)),
    "depth_explorer": _depth,
    "learning_rate_explorer": _learning_rate,
    "draw_dropout_net": lambda: [widgets.draw_dropout_net(p=p, method=m, seed=1)
                                 for p, m in ((0.0, "dropout"), (0.5, "dropout"), (0.5, "dropconnect"))],
    "dropout_explorer": _dropout,
    "draw_decay_curve": lambda: widgets.draw_decay_curve(
        {"AdamW": [experiments.load_weight_decay_sweep("lambda")] * 2}, split=("train", "val", "test")),
    "ridge_explorer": _ridge,
    "decay_explorer": _decay,
    "draw_fits": lambda: widgets.draw_fits(experiments.lfd_example(30, 0.5, 20)),
    "draw_overfit_map": lambda: [widgets.draw_overfit_map(_fake_map("sigma2"), mark=(40, 1.0)),
                                 widgets.draw_overfit_map(_fake_map("q_f"))],
    "draw_boundaries": lambda: widgets.draw_boundaries(*_boundaries()),
    "noise_explorer": _noise,
    "draw_images": lambda: widgets.draw_images(torch.rand(3, 8, 8), ["원본", "이동", "잡음"]),
    "draw_reliability": _reliability,
    "draw_effects": lambda: widgets.draw_effects(experiments.catalogue_table()),
    "shift_explorer": _shift,
    "smoothing_explorer": _smoothing,
    "epsilon_explorer": _epsilon,
}


def test_the_glyph_test_draws_every_public_figure_function() -> None:
    public = set(plots.__all__) | set(widgets.__all__)
    assert set(FIGURES) == public, f"add a case for {public - set(FIGURES)}; remove {set(FIGURES) - public}"


def test_experiments_draw_nothing() -> None:
    """The glyph test covers plots.py and widgets/ only: experiments/ must not draw (it has no figures)."""
    drawing = [str(p.relative_to(PACKAGE)) for p in (PACKAGE / "experiments").rglob("*.py")
               if re.search(r"^\s*(import|from) matplotlib", p.read_text(encoding="utf-8"), re.M)]
    assert not drawing, f"experiments/ modules that draw: {drawing}; add their figures to FIGURES"


@pytest.mark.parametrize("kind", list(FIGURES))
def test_each_figure_draws_in_korean_without_a_missing_glyph(kind) -> None:
    language.set_language("ko")
    texts, (labels, lines) = _draw_checked(FIGURES[kind])
    assert texts, f"{kind} drew no text"
    assert any(HANGUL.search(t) for t in texts), f"{kind}: no Hangul in the figure's text: {texts}"
    # ridge_explorer's one control is "λ" and its status line formulas only (λ, E_in, E_out, Σ c²).
    if labels and kind != "ridge_explorer":
        assert any(HANGUL.search(t) for t in labels), f"{kind}: no Hangul in the widget's labels: {labels}"
    assert not [t for t in lines if "실패" in t], f"{kind}: the stubbed live run failed: {lines}"
    english = [t for t in lines if t and not HANGUL.search(t) and kind != "ridge_explorer"]
    assert not english, f"{kind}: a status line stayed English: {english}"


def test_the_glyph_check_fails_on_korean_text_in_a_font_without_hangul() -> None:
    """The control: the same draw with DejaVu Sans alone must report the missing Hangul glyphs."""
    language.set_language("ko")
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        with pytest.raises(UserWarning, match=r"Glyph \d+ .* missing from font"):
            _draw_checked(FIGURES["plot_history"])


def _log_axis_in_korean() -> Any:
    fig, ax = plt.subplots()
    ax.semilogy([1, 2, 3], [1e-3, 1e-2, 1e-1], label=language.gettext("validation error"))
    ax.set_title("가중치 감쇠 λ = 0.01, ε ≈ −0.5")
    ax.legend()
    return fig


def test_a_log_axis_keeps_its_minus_sign_in_korean() -> None:
    """The ticks of a log axis are mathtext (10^{-2}); mathtext uses the first font alone, so
    DejaVu Sans comes first and NanumGothic (which has no U+2212) only fills in the Hangul."""
    language.set_language("ko")
    try:
        texts, _ = _draw_checked(_log_axis_in_korean)
        assert any(HANGUL.search(t) for t in texts)
        # The control: NanumGothic first, and the minus of 10^{-2} is missing.
        with mpl.rc_context({"font.family": [language.KOREAN_FONT, "DejaVu Sans"]}):
            with pytest.raises(AssertionError, match="does not have a glyph"):
                _draw_checked(_log_axis_in_korean)
    finally:
        language.set_language("en")
