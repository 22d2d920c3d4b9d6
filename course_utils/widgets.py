"""Interactive controls for the notebooks.

Widgets only wire controls to stored results, experiments and plots: the
drawing lives in :mod:`course_utils.plots`, the training in
:mod:`course_utils.experiments`.
"""

from __future__ import annotations

import ipywidgets as W
import matplotlib.pyplot as plt
from torch import Tensor

from ._validation import check_type
from .plots import plot_signals

__all__ = ["example_browser"]


def example_browser(x: Tensor, y: Tensor, *, title: str = "MNIST-1D") -> W.VBox:
    """A slider that walks through a data set's examples, one plot each.

    Args:
        x: 1-D signals of shape ``(N, L)`` or ``(N, 1, L)``.
        y: class indices of shape ``(N,)``.
        title: shown above the plot.

    Returns:
        A widget: an ``IntSlider`` labelled "example" above an output area.
    """
    check_type(x, "x", "example_browser", Tensor, "a tensor of shape (N, L)")
    check_type(y, "y", "example_browser", Tensor, "a tensor of shape (N,)")
    if len(x) != len(y) or len(x) == 0:
        raise ValueError(f"The 'x' and 'y' parameters of example_browser must hold the same, non-zero "
                         f"number of examples. Got {len(x)} and {len(y)}.")
    slider = W.IntSlider(value=0, min=0, max=len(x) - 1, description="example",
                         continuous_update=False)
    out = W.Output()

    def draw(index: int) -> None:
        with out:
            out.clear_output(wait=True)
            _, ax = plt.subplots(figsize=(6, 2.8))
            plot_signals(x, y, indices=[index], ax=ax, title=f"{title}: example {index}, class {int(y[index])}")
            plt.show()

    slider.observe(lambda change: draw(change["new"]), names="value")
    draw(0)
    return W.VBox([slider, out])


