"""Widgets in a real browser: JupyterLab + headless Debian Chromium (playwright).

For the welcome notebook and one topic notebook with a slider (found, not named), the test
starts JupyterLab on a copy of the notebooks, runs all cells from the browser, checks that no
cell failed, finds the rendered slider, moves it with the keyboard and waits for the output
beside it to change. A screenshot of the moved slider is saved under build/browser/.

Negative control: with the widget extension (@jupyter-widgets/jupyterlab-manager) disabled,
the same notebook shows the widget as text and the same check fails.

Where Chromium or playwright is missing the tests skip loudly; in CI (CI=true) they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
from testkit import BUILD, NOTEBOOKS, REPORTS, ROOT, require_browser, stop_server

REPORT = REPORTS.setdefault("browser widget test", {})
WIDGET_CELL = re.compile(r"course_utils\.widgets|ipywidgets|\binteract(ive)?\b|Slider")
WIDGET_EXTENSION = "@jupyter-widgets/jupyterlab-manager"
RUN_TIMEOUT_S = 240  # a notebook's budget is 90 s on the reference machine; the browser adds some


def has_slider_widget(notebook) -> bool:
    nb = nbformat.read(notebook.path, as_version=4)
    return any(c.cell_type == "code" and (WIDGET_CELL.search(c.source) or "widget" in c.metadata.get("tags", []))
               for c in nb.cells)


def browser_notebooks() -> list:
    """The welcome notebook and the first other notebook with a widget (01 when it has one)."""
    welcome = [nb for nb in NOTEBOOKS if nb.assignment.startswith("00")][:1]
    topics = [nb for nb in NOTEBOOKS if nb not in welcome and has_slider_widget(nb)][:1]
    if not topics:
        print("\n*** test_browser: only the welcome notebook has a widget so far; testing it alone ***")
    return welcome + topics


CASES = browser_notebooks()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyterlab(tmp: Path, disabled: tuple[str, ...] = (), options: tuple[str, ...] = (),
               env: dict[str, str] | None = None):
    """JupyterLab on a copy of the notebooks in ``tmp``; yields its URL; stops it by PID.

    ``options`` are added to its command line, ``env`` replaces this process's environment
    (the live-slides test, tests/test_live_slides.py, passes both)."""
    root, config, state = tmp / "root", tmp / "config", tmp / "state"
    if not root.exists():
        shutil.copytree(ROOT / "notebooks", root / "notebooks",
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.py"))
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps({"disabledExtensions": {name: True for name in disabled}}))
    # No "Would you like to get notified about official Jupyter news?" toast over the screenshot.
    news = state / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True, exist_ok=True)
    news.write_text(json.dumps({"fetchNews": "false"}))
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--allow-root", "--IdentityProvider.token=", "--ServerApp.password=",
           "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={root}",
           f"--LabApp.workspaces_dir={state / 'workspaces'}", f"--LabApp.user_settings_dir={state / 'settings'}",
           "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *options]
    env = dict(os.environ if env is None else env, JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(state / "rt"))
    log = (tmp / f"jupyterlab-{port}.log").open("w")
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {server.returncode}; see {log.name}")
            try:
                with urllib.request.urlopen(f"{url}/api/status", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer on {url} within 90 s; see {log.name}") from None
                time.sleep(0.5)
        yield url
    finally:
        stop_server(server)
        log.close()


def open_and_run_all(page, url: str, notebook) -> None:
    rel = f"notebooks/{notebook.assignment}/{notebook.path.name}"
    page.goto(f"{url}/lab/tree/{rel}?reset", wait_until="domcontentloaded")
    page.wait_for_function("window.jupyterapp && document.querySelector('.jp-NotebookPanel .jp-Cell')",
                           timeout=90_000)
    # Wait for the kernel, then run every cell from JupyterLab's own command.
    page.wait_for_function("""() => { const w = window.jupyterapp.shell.currentWidget;
        return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel
               && w.sessionContext.session.kernel.status === 'idle'; }""", timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def wait_until_all_cells_ran(page, timeout_s: float) -> None:
    """Every code cell shows an execution count, or a cell failed and the rest were cancelled
    (JupyterLab stops "run all" at the first error; the caller then reports the error)."""
    state = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate("""() => {
            const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(p => p.textContent);
            return {cells: prompts.length, running: prompts.filter(t => t.includes('*')).length,
                    done: prompts.filter(t => /\\[\\d+\\]/.test(t)).length,
                    errors: document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').length}; }""")
        if state["cells"] and (state["done"] == state["cells"] or (state["errors"] and not state["running"])):
            return
        time.sleep(1)
    raise AssertionError(f"the notebook did not finish running within {timeout_s:.0f} s: {state}")


def cell_errors(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]')]
        .map(e => e.textContent.slice(0, 300))""")


FINGERPRINT = """(cell) => {
    const area = cell.querySelector('.jp-OutputArea');
    if (!area) return '';
    const parts = [];
    area.querySelectorAll('img').forEach(i => parts.push(i.src.length + ':' + i.src.slice(-200)));
    area.querySelectorAll('pre, .jp-RenderedText, canvas, svg').forEach(e => {
        if (!e.closest('.widget-readout') && !e.closest('.widget-slider')) parts.push(e.textContent); });
    return parts.join('|'); }"""


def move_first_slider(page, timeout_s: float = 60, frame=None, within: str = "") -> dict:
    """Find the first rendered slider, press → on it, wait for its cell's output to change.

    ``frame``: look in this frame of ``page`` (an iframe, e.g. a live deck inside JupyterLab);
    ``within``: a CSS selector the slider must be inside (e.g. the slide shown).

    Raises:
        AssertionError: no rendered slider (e.g. it shows as text) or no output change.
    """
    keyboard, page = page.keyboard, frame or page
    sliders = page.locator(f"{within} .jp-OutputArea .widget-slider".strip())
    if sliders.count() == 0:
        texts = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
            .map(e => e.textContent).filter(t => /Slider\\(|VBox\\(|interactive\\(/.test(t)).slice(0, 2)""")
        where = f"inside {within!r}" if within else "in the notebook"
        raise AssertionError(f"no rendered slider {where}; widget text shown instead: {texts}")
    slider = sliders.first
    slider.scroll_into_view_if_needed()
    cell = slider.locator("xpath=ancestor::div[contains(@class,'jp-CodeCell')][1]")
    handle = cell.element_handle()
    before = page.evaluate(FINGERPRINT, handle)
    readout = cell.locator(".widget-readout").first
    value_before = readout.text_content() if readout.count() else None
    knob = slider.locator(".noUi-handle, [role=slider], input[type=range]").first
    knob.focus()
    # One step right; a slider that starts at its maximum goes one step left instead.
    for key in ("ArrowRight", "ArrowLeft"):
        keyboard.press(key)
        if value_before is None:
            break
        try:
            page.wait_for_function("([el, v]) => el.textContent !== v",
                                   arg=[readout.element_handle(), value_before], timeout=3000)
            break
        except Exception:  # playwright's TimeoutError: the value did not move that way
            continue
    try:
        page.wait_for_function(f"(cell) => ({FINGERPRINT})(cell) !== {json.dumps(before)}", arg=handle,
                               timeout=timeout_s * 1000)
    except Exception as error:  # playwright's TimeoutError
        raise AssertionError(f"moving the slider did not change the output within {timeout_s:.0f} s") from error
    value_after = readout.text_content() if readout.count() else None
    return {"cell": cell, "value_before": value_before, "value_after": value_after}


@pytest.mark.parametrize("notebook", CASES, ids=[nb.id for nb in CASES])
def test_widget_slider_moves_and_updates_output(browser, notebook, tmp_path):
    with jupyterlab(tmp_path) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            start = time.perf_counter()
            open_and_run_all(page, url, notebook)
            wait_until_all_cells_ran(page, RUN_TIMEOUT_S)
            ran = time.perf_counter() - start
            errors = cell_errors(page)
            assert not errors, f"cells of {notebook.path.name} failed in JupyterLab: {errors}"
            moved = move_first_slider(page)
            assert moved["value_before"] != moved["value_after"], "the slider's value did not change"
            shot = BUILD / "browser" / f"{notebook.name}-slider-moved.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            moved["cell"].screenshot(path=str(shot))
            page.screenshot(path=str(shot.with_name(f"{notebook.name}-page.png")))
        finally:
            page.close()
    REPORT[notebook.id] = (f"ran all cells in {ran:.0f} s, slider {moved['value_before']} -> "
                           f"{moved['value_after']}, output changed; screenshot {shot.relative_to(ROOT)}")
    print(f"\nscreenshot: {shot}")


def test_negative_control_without_the_widget_extension(browser, tmp_path):
    """With the widget extension disabled, the slider renders as text and the check fails."""
    notebook = CASES[0]
    with jupyterlab(tmp_path, disabled=(WIDGET_EXTENSION,)) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        try:
            open_and_run_all(page, url, notebook)
            wait_until_all_cells_ran(page, RUN_TIMEOUT_S)
            with pytest.raises(AssertionError, match="no rendered slider"):
                move_first_slider(page, timeout_s=10)
            shown = page.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')]
                .some(e => /Slider\\(|VBox\\(|interactive\\(/.test(e.textContent))""")
            assert shown, "without the extension the widget should show as its text, e.g. IntSlider(value=0)"
        finally:
            page.close()
    REPORT["negative control"] = f"{notebook.id} with {WIDGET_EXTENSION} disabled: text shown, check failed as it should"


def test_browser_is_available_in_ci():
    """In CI the browser tests must run, not skip (.ci/run installs Chromium)."""
    require_browser()


@pytest.mark.parametrize("ci", [False, True], ids=["outside-ci", "ci"])
def test_without_chromium_the_browser_tests_skip_loudly_or_fail_in_ci(tmp_path, ci):
    """As on a machine with only Python and make: pytest run with a PATH that has no Chromium
    skips the browser tests with a loud line in its closing summary, and fails them in CI."""
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "CHROMIUM"}}
    env["PATH"] = str(tmp_path)  # nothing at all on it; pytest is run by its absolute path
    if ci:
        env["CI"] = "true"
    test = f"{Path(__file__).resolve()}::test_browser_is_available_in_ci"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    if ci:
        assert done.returncode == 1 and "must not happen in CI" in out, out[-3000:]
    else:
        assert done.returncode == 0 and "1 skipped" in out, out[-3000:]
        assert "*** SKIPPED: browser tests cannot run:" in out, out[-3000:]
