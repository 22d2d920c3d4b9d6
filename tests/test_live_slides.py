"""Live slides inside JupyterLab (tools/live_slides.py): a deck whose widgets work, in Chromium.

JupyterLab starts on a copy of the notebooks as ``python tools/live_slides.py`` starts it (Voilà's
template ``course_live`` on JUPYTER_PATH, reveal.js served locally); every request that leaves
the machine is refused, as in a seminar room without a network. The test opens the welcome
notebook, presses "Render with Voilà" (the command ``notebook:render-with-voila``), and in the
deck that opens in a JupyterLab tab: waits for the first slide (the kernel runs every cell),
checks that no cell failed, steps through the slides with the keyboard to the slide that holds
a slider, moves the slider with the keyboard, waits for the output beside it to change and checks
that the deck stayed on that slide. A screenshot goes to build/browser/.

Negative controls: on the title slide, which holds no widget, the same slider check fails; and
with a template that lacks the course's key guard (reveal.js then takes the arrow key too), the
check fails as well.

Where Chromium, playwright or the slide libraries (npm) are missing the tests skip loudly; in CI
(CI=true) they fail.
"""

from __future__ import annotations

import re
import shutil
import time
from contextlib import contextmanager

import live_slides
import nbformat
import pytest
from test_browser import CASES, RUN_TIMEOUT_S, has_slider_widget, jupyterlab, move_first_slider
from testkit import BUILD, REPORTS, ROOT, require_npm

REPORT = REPORTS.setdefault("live slides", {})
DECK = "iframe[src*='voila/render']"
SHOWN = "section.present:not(.stack)"  # the slide on screen (a vertical stack is present with its child)
NOTEBOOK = CASES[0]  # the welcome notebook, which has a slider (test_browser checks it in JupyterLab)


@pytest.fixture(scope="module")
def live_path(tmp_path_factory):
    """The course_live template and its libraries, as tools/live_slides.py prepares them."""
    require_npm()
    return live_slides.prepare(tmp_path_factory.mktemp("live"))


def widget_slide_steps(notebook) -> int:
    """How many presses of Space (next slide or fragment) can lie before the slide with a widget:
    an upper bound, one per cell of the notebook."""
    assert has_slider_widget(notebook), f"{notebook.path.name} has no widget to present"
    return len(nbformat.read(notebook.path, as_version=4).cells)


def open_deck(page, url: str, notebook):
    """Open ``notebook`` in JupyterLab, render it as live slides in a tab, wait for the first
    slide and for a rendered slider anywhere in the deck; return the deck's frame and the seconds
    from the command to the first slide."""
    rel = f"notebooks/{notebook.assignment}/{notebook.path.name}"
    page.goto(f"{url}/lab/tree/{rel}?reset", wait_until="domcontentloaded")
    page.wait_for_function("""() => window.jupyterapp && document.querySelector('.jp-NotebookPanel .jp-Cell')
        && window.jupyterapp.commands.isEnabled('notebook:render-with-voila')""", timeout=90_000)
    start = time.perf_counter()
    page.evaluate("window.jupyterapp.commands.execute('notebook:render-with-voila')")
    frame = page.wait_for_selector(DECK, state="attached", timeout=30_000).content_frame()
    # Voilà runs every cell in the kernel, then reveal.js starts and shows the first slide.
    frame.wait_for_selector(f".reveal.ready .slides {SHOWN}", state="attached", timeout=RUN_TIMEOUT_S * 1000)
    first_slide = time.perf_counter() - start
    # The widgets render a moment later, from their models in the kernel.
    frame.wait_for_selector(".jp-OutputArea .widget-slider", state="attached", timeout=60_000)
    return frame, first_slide


def cell_errors(frame) -> list[str]:
    """Tracebacks in the deck's outputs, and Voilà's own note when a cell failed."""
    return frame.evaluate("""() => [...document.querySelectorAll('.jp-OutputArea-output')].map(e => e.textContent)
        .filter(t => /Traceback|There was an error when executing cell/.test(t)).map(t => t.slice(0, 300))""")


def go_to_widget_slide(page, frame, steps: int) -> str:
    """Press Space until the slide shown holds a slider; return the deck's address (#/h/v)."""
    frame.locator(f".reveal .slides {SHOWN}").first.click()  # keyboard focus in the deck
    for _ in range(steps):
        if frame.locator(f"{SHOWN} .widget-slider").count():
            return frame.evaluate("location.hash")
        page.keyboard.press("Space")
        frame.wait_for_timeout(400)  # reveal.js's slide transition
    raise AssertionError(f"no slide with a slider after {steps} steps through the deck")


def offline(page, url: str) -> list[str]:
    """Refuse every request that leaves the Jupyter server; return the list they are noted in."""
    refused = []

    def route(request_route):
        address = request_route.request.url
        if address.startswith((url, "data:", "blob:")):
            request_route.continue_()
        else:
            refused.append(address)
            request_route.abort()

    page.route("**/*", route)
    return refused


@contextmanager
def live_lab(tmp_path, live_path):
    options = tuple(live_slides.SERVER_OPTIONS)
    with jupyterlab(tmp_path, options=options, env=live_slides.environment(out=live_path)) as url:
        yield url


@pytest.fixture
def lab(tmp_path, live_path):
    with live_lab(tmp_path, live_path) as url:
        yield url


def present_widget_slide(browser, url: str, shot=None, timeout_s: float = 60) -> dict:
    """The whole check: open the deck, go to the widget's slide, move its slider with the keyboard,
    wait for the output to change, check the deck stayed on that slide; with no network."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused = offline(page, url)
    try:
        frame, first_slide = open_deck(page, url, NOTEBOOK)
        errors = cell_errors(frame)
        assert not errors, f"cells of {NOTEBOOK.path.name} failed in the live deck: {errors}"
        slide = go_to_widget_slide(page, frame, widget_slide_steps(NOTEBOOK))
        moved = move_first_slider(page, timeout_s, frame=frame, within=SHOWN)
        assert moved["value_before"] != moved["value_after"], "the slider's value did not change"
        now = frame.evaluate("location.hash")
        assert now == slide, f"moving the slider also moved the deck, from slide {slide} to {now}"
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot))
    finally:
        page.close()
    return {"first_slide": first_slide, "slide": slide, "refused": refused, **moved}


def test_live_deck_in_jupyterlab_moves_a_slider_on_its_slide(browser, lab):
    shot = BUILD / "browser" / f"{NOTEBOOK.name}-live-slide.png"
    start = time.perf_counter()
    shown = present_widget_slide(browser, lab, shot=shot)
    refused = shown["refused"]
    # Only Voilà's icon font is asked for outside; reveal.js, jQuery and the widgets come from the server.
    assert all("fontawesome" in address for address in refused), refused
    REPORT[NOTEBOOK.id] = (f"deck's first slide {shown['first_slide']:.1f} s after 'Render with Voilà' (the kernel "
                           f"ran every cell); slide {shown['slide']}: slider {shown['value_before']} -> "
                           f"{shown['value_after']}, output changed, deck stayed; whole check "
                           f"{time.perf_counter() - start:.0f} s; off-machine requests refused: {len(refused)}; "
                           f"screenshot {shot.relative_to(ROOT)}")
    print(f"\nscreenshot: {shot}")


def test_negative_control_a_slide_without_the_widget(browser, lab):
    """On the title slide the slider of a later slide does not count: the same check fails."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    offline(page, lab)
    try:
        frame, _ = open_deck(page, lab, NOTEBOOK)
        assert frame.evaluate("location.hash") in {"", "#/", "#/0", "#/0/0"}, "the deck did not start on its title"
        with pytest.raises(AssertionError, match="no rendered slider inside"):
            move_first_slider(page, frame=frame, within=SHOWN, timeout_s=10)
    finally:
        page.close()
    REPORT["negative control"] = f"{NOTEBOOK.id}: on the title slide the slider check failed, as it should"


def test_negative_control_without_the_key_guard(browser, tmp_path):
    """The course template stops arrow keys pressed in a widget before reveal.js sees them; a
    template without that guard lets reveal.js take → as well, and the check fails."""
    source = tmp_path / "template"
    shutil.copytree(live_slides.SOURCE, source)
    page = source / "index.html.j2"
    unguarded, found = re.subn(r"\{%-? block footer_js -?%\}.*?\{%-? endblock footer_js -?%\}", "",
                               page.read_text(), flags=re.S)
    assert found == 1, "the template's key guard (block footer_js) was not found"
    page.write_text(unguarded)
    require_npm()
    with live_lab(tmp_path, live_slides.prepare(tmp_path / "live", source=source)) as url:
        # reveal.js takes the arrow key: the deck changes slide, and the slider's value either stays or
        # moves along with it (either way the talk jumps to another slide).
        with pytest.raises(AssertionError, match="also moved the deck|did not change") as failed:
            present_widget_slide(browser, url, timeout_s=15)
    REPORT["negative control (no key guard)"] = f"the check failed, as it should: {str(failed.value).splitlines()[0]}"
