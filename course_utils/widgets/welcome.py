"""Notebook 00, welcome: a slider that walks through a data set's examples."""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from torch import Tensor

from .._validation import TensorOf, requires, validate
from ..language import gettext as tr
from ..plots import plot_signals
from ._live import LiveFigure

__all__ = ["example_browser"]


@validate(
    x=TensorOf("real", ndim=(2, 3), nonempty=True),
    y=TensorOf("integer", ndim=1),
    title=str,
    checks=[requires("y", lambda a: len(a["y"]) == len(a["x"]),
                     lambda a: f"one class index per example of 'x' ({len(a['x'])})",
                     got=lambda a: f"{len(a['y'])} class indices")],
)
def example_browser(x: Tensor, y: Tensor, *, title: str = "MNIST-1D") -> W.VBox:
    """A slider that walks through a data set's examples, one plot each.

    Args:
        x: 1-D signals of shape ``(N, L)`` or ``(N, 1, L)``.
        y: class indices of shape ``(N,)``.
        title: shown above the plot.

    Returns:
        A widget: an ``IntSlider`` labelled "example" above an output area.
    """
    slider = W.IntSlider(value=0, min=0, max=len(x) - 1, description=tr("example"), continuous_update=False)
    # One figure for the browser's life; its one panel is cleared and drawn again for each example.
    fig, ax = plt.subplots(figsize=(6, 2.8))
    view = LiveFigure(fig, tight=False, live_axes=[ax])

    def draw(index: int) -> None:
        def paint() -> None:
            ax.cla()
            plot_signals(x, y, indices=[index], ax=ax, title=tr("{title}: example {index}, class {label}").format(
                title=title, index=index, label=int(y[index])))

        view.repaint(paint)

    slider.observe(lambda change: draw(change["new"]), names="value")
    draw(0)
    return W.VBox([slider, view.image])
