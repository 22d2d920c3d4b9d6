"""The "train live" part every explorer shares, and the one way a widget shows a figure.

An explorer draws its stored sweep at once, into one :class:`LiveFigure` it keeps and redraws in
place on every control change; its "train live" button trains the chosen setting
now (with the stored recipe), the training's progress bar appears under it, and the status line
compares the live run with the stored one. An error during the live run is shown in the status
line (an exception in a widget callback would otherwise vanish) and the button comes back.
"""

from __future__ import annotations

import html
import io
import time
from collections.abc import Callable, Hashable, Iterable

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib._tight_bbox import adjust_bbox  # what savefig(bbox_inches='tight') uses
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from PIL import Image
from torch import nn

from .._validation import invalid, show
from ..language import gettext as tr
from ..train import History

__all__ = ["LiveFigure", "live_controls", "run_live"]


def live_controls(tooltip: str | None = None, hint: str | None = None) -> tuple[W.Button, W.HTML, W.Output]:
    """The "train live" button, its status line and the output the progress bar goes to.

    Args:
        tooltip: the button's tooltip (default: it trains the chosen setting with the stored recipe and seed).
        hint: what the button does, for the status line before the first live run (default: "train this
            setting now").
    """
    if tooltip is None:
        tooltip = tr("train the chosen setting now with the stored recipe and seed")
    if hint is None:
        hint = tr("train this setting now")
    button = W.Button(description=tr("train live"), icon="play", tooltip=tooltip)
    status = W.HTML(value="<i>" + tr("curves from the stored sweep; click “train live” to {hint}").format(hint=hint)
                    + "</i>")
    return button, status, W.Output()


def run_live(button: W.Button, status: W.HTML, progress: W.Output, what: str,
             run: Callable[[], History | tuple[nn.Module, History]],
             done: Callable[[History, float], str]) -> History | None:
    """Run ``run()`` with the button disabled and its progress bar in ``progress``.

    Args:
        button: disabled while training, enabled again whatever happens.
        status: says "training {what} …", then ``done(history, seconds)`` or the error.
        progress: where the training's progress bar is drawn (cleared first).
        what: the setting being trained, as HTML (e.g. ``"<b>residual, 8 layers</b> for 30 epochs"``).
        run: trains the setting and returns its history, or the pair ``(net, history)`` that the
            experiments' ``train_<topic>_net`` functions return (the net is not kept); the
            explorer's ``run`` argument, wrapped in a lambda defined inside the explorer (whose name
            the error for a ``run`` that returns something else then gives).
        done: the status line after a successful run, from the history and the seconds it took.

    Returns:
        The live run's history, or None when it failed (the status line then says why, e.g. "The
        'run' parameter of depth_explorer must be a callable that returns the History of the run it
        trains. Got one that returned None.").
    """
    button.disabled = True
    status.value = tr("training {what} …").format(what=what)
    start = time.perf_counter()
    try:
        with progress:
            progress.clear_output()
            history = run()
        if isinstance(history, tuple) and len(history) == 2 and isinstance(history[0], nn.Module):
            history = history[1]  # (net, history) from a train_<topic>_net function
        if not isinstance(history, History):
            error = invalid("run", "a callable that returns the History of the run it trains (or a pair "
                            "(net, History), as the experiments' train_<topic>_net functions do)",
                            f"one that returned {show(history)} of type {type(history).__name__}",
                            "End it with `return history`, e.g. the History that fit returns.", type_error=True)
            owner = getattr(run, "__qualname__", "").split(".")[0]
            raise error.named(owner) if owner.isidentifier() else error
        status.value = done(history, time.perf_counter() - start)
        return history
    except Exception as err:  # noqa: BLE001 (shown in the widget: a callback's exception would vanish silently)
        # Escaped: the status line is HTML, and a message may hold "<" (e.g. "train_<topic>_net").
        failure = tr("live training failed: {error}").format(error=html.escape(f"{type(err).__name__}: {err}", quote=False))
        status.value = f"<span style='color:#b00'>{failure}</span>"
        return None
    finally:
        button.disabled = False


class LiveFigure:
    """One figure an explorer keeps for its whole life and redraws in place, shown as a PNG image.

    A control change updates the figure's changing artists (their data, texts, heights) and calls
    :meth:`show` with them: the rest of the figure (axes, ticks, labels, what does not change) is
    rendered once and kept as a background; only the changing artists are drawn over it. When an
    axis range or ``key`` (what else the background shows) changes, the whole figure is rendered
    again. The PNG is cropped to the figure's content plus 0.1 inch, as a notebook shows a figure
    (``bbox_inches="tight"``), and put into :attr:`image`, an ``ipywidgets.Image``.

    ``tight``: fit the layout with ``tight_layout`` (see :meth:`repaint`). ``image``: the
    ``ipywidgets.Image`` to show the figure in (default: a new one). ``live_axes``: axes whose
    content (ranges and ticks included) changes wholesale: they are drawn entire on every change,
    over the background of the rest (e.g. a panel that ``cla()`` clears and draws again).

    The figure is made with pyplot (so that it has the course's style) and closed there at once:
    pyplot never shows it, nothing else draws into it.
    """

    def __init__(self, fig: Figure, *, tight: bool = True, image: W.Image | None = None,
                 live_axes: Iterable[Axes] = ()) -> None:
        self.tight = tight
        plt.close(fig)
        FigureCanvasAgg(fig)  # the explorer renders it itself, whatever pyplot's backend
        self.fig = fig
        self.image = W.Image(format="png") if image is None else image
        self.live_axes = list(live_axes)
        for ax in self.live_axes:
            ax.set_animated(True)
        self._state: tuple | None = None
        self._drawn_state: tuple | None = None
        self._background = None
        self._changing: list[Artist] = []
        self._painted: list[Artist] = []
        self._containers: list = []
        self._restore: Callable[[], None] | None = None

    def show(self, changing: Iterable[Artist] = (), key: Hashable = None, *, fitted: bool = False) -> None:
        """Render the figure into :attr:`image`; ``changing``: the artists a control change may alter.

        ``fitted``: the layout was just fitted (``tight_layout``) to what the figure now holds, so
        nothing is looked for past the figure's edge (a second fit would change nothing).
        """
        fig, canvas = self.fig, self.fig.canvas
        for artist in self._changing:
            artist.set_animated(False)
        changing = [*self.live_axes, *(a for a in changing if a is not None and a.get_visible())]
        for artist in changing:
            artist.set_animated(True)
        self._changing = changing
        fitted = fitted and self.tight
        if self.tight and self._state is not None and not fitted and self._overflows(self.live_axes):
            fig.tight_layout()  # a live panel's new labels left the figure: fit the layout as a fresh figure would
            fitted = True
        state = self._layout_state(key)
        if self._background is None or state not in (self._state, self._drawn_state):
            if self._restore is not None:
                self._restore()
                self._restore = None
                state = self._layout_state(key)
            if not fitted and self._overflows():  # text reaches past the figure's edge
                if self.tight:  # fit the layout as a fresh figure would
                    fig.tight_layout()
                    state = self._layout_state(key)
                else:  # grow the canvas to show it, as a notebook's tight crop does
                    for artist in changing:
                        artist.set_animated(False)
                    box = fig.get_tightbbox(canvas.get_renderer()).padded(0.1)
                    for artist in changing:
                        artist.set_animated(True)
                    self._restore = adjust_bbox(fig, box, canvas.get_renderer(), fig.dpi)
                    state = self._layout_state(key)
            canvas.draw()  # everything but the changing artists
            # The background serves the state it was drawn from and the state the draw left: drawing
            # moves what a locator places (e.g. a colour bar beside its axes) and what an aspect fixes.
            self._background, self._state, self._drawn_state = (canvas.copy_from_bbox(fig.bbox), state,
                                                                self._layout_state(key))
        else:
            canvas.restore_region(self._background)
        # Drawn in the order a full draw would use (z-order), legends last, as each axes draws them.
        for artist in sorted(changing, key=lambda a: (isinstance(a, Legend), a.get_zorder())):
            fig.draw_artist(artist)
        self.image.value = _png(canvas)

    def _layout_state(self, key: Hashable) -> tuple:
        """What the kept background depends on: ``key``, the canvas size, the other axes' ranges and places."""
        return (key, self.fig.canvas.get_width_height(),
                tuple((tuple(ax.get_xlim()), tuple(ax.get_ylim()), ax.get_position().bounds) for ax in self.fig.axes
                      if ax not in self.live_axes))

    def _overflows(self, axes: Iterable[Axes] | None = None) -> bool:
        """Whether some artist (of ``axes``, default all) reaches past the figure's edge (a notebook's
        tight crop would grow the image to show it)."""
        renderer = self.fig.canvas.get_renderer()
        if axes is None:
            boxes = [self.fig.get_tightbbox(renderer).transformed(self.fig.dpi_scale_trans)]
        else:
            boxes = [ax.get_tightbbox(renderer) for ax in axes]
        width, height = self.fig.canvas.get_width_height()
        return any(b is not None and (b.x0 < 0 or b.y0 < 0 or b.x1 > width or b.y1 > height) for b in boxes)

    def repaint(self, paint: Callable[[], object], *, key: Hashable = None, autoscale: Iterable = (),
                keep: Iterable[Artist] = ()) -> None:
        """Remove what the last ``paint`` drew, call ``paint()`` to draw the new state, and :meth:`show` it.

        ``paint`` draws with the same calls as a fresh figure would (lines, legends, titles); every
        artist it adds, and every axes title, is a changing artist. ``autoscale``: axes whose data
        limits are recomputed afterwards (their autoscaled ranges follow the new data, as in a
        fresh figure). ``keep``: further changing artists that ``paint`` updates in place. When
        ``key`` changes the layout is fitted again (``tight_layout``), as a fresh figure would be.
        """
        for artist in self._painted:
            if artist.axes is not None or artist.figure is not None:
                try:
                    artist.remove()
                except (ValueError, NotImplementedError):
                    artist.set_visible(False)
        for ax, container in self._containers:
            if container in ax.containers:
                ax.containers.remove(container)
        axes = [ax for ax in self.fig.axes if ax not in self.live_axes]
        before = {id(a) for ax in axes for a in ax.get_children()}
        containers = {id(c) for ax in axes for c in ax.containers}
        paint()
        for ax in autoscale:
            ax.relim()
            ax.autoscale_view()
        painted = [a for ax in axes for a in ax.get_children() if id(a) not in before]
        self._painted = painted
        # bar() and errorbar() also keep a container, whose label a legend lists: it goes with its artists.
        self._containers = [(ax, c) for ax in axes for c in ax.containers if id(c) not in containers]
        fitted = self.tight and (self._state is None or key != self._state[0])
        if fitted:
            self.fig.tight_layout()
        titles = [t for ax in axes for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        self.show([*painted, *titles, *keep], key=key, fitted=fitted)


def _png(canvas: FigureCanvasAgg) -> bytes:
    """The rendered canvas as PNG bytes, cropped to its content plus 0.1 inch on each side."""
    rgba = np.asarray(canvas.buffer_rgba())
    face = np.array([round(255 * c) for c in to_rgba(canvas.figure.get_facecolor())], dtype=np.uint8)
    # One comparison per pixel (its four bytes read as one 32-bit word), not four.
    ink = rgba.view(np.uint32)[..., 0] != face.view(np.uint32)[0]
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(rows):
        pad = round(0.1 * canvas.figure.dpi)
        rgba = rgba[max(rows[0] - pad, 0):rows[-1] + pad + 1, max(cols[0] - pad, 0):cols[-1] + pad + 1]
    out = io.BytesIO()
    Image.fromarray(rgba).save(out, format="png", compress_level=1)
    return out.getvalue()
