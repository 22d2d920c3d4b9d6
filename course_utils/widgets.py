"""Interactive controls for the notebooks.

Widgets only wire controls to stored results, experiments and plots: the
drawing lives in :mod:`course_utils.plots`, the training in
:mod:`course_utils.experiments`.
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display
from torch import Tensor

from ._validation import check_type
from .plots import compare_histories, plot_signals

__all__ = ["depth_explorer", "example_browser"]


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


def depth_explorer(sweep: dict[str, Any] | None = None, *, data: Any = None) -> W.VBox:
    """Depth slider x shortcuts switch over the stored degradation sweep, and live training.

    Moving the slider or the switch redraws at once from the results that
    ``assets/precompute.py`` stored: training and test error per epoch of the
    chosen setting, next to the shallowest net of the same kind. "train live"
    trains the chosen setting again with the same recipe and seed
    (:func:`course_utils.experiments.run_degradation`), with a progress bar,
    and adds its curves to the plot; nothing trains until it is clicked.

    Args:
        sweep: what :func:`course_utils.experiments.load_sweep` returns;
            ``None`` loads ``assets/degradation_sweep.json``.
        data: MNIST-1D ``Splits`` for live training; ``None`` generates them at
            the first click with the sweep's data seed.

    Returns:
        A widget: a ``SelectionSlider`` "layers", a ``ToggleButtons``
        "shortcuts", a "train live" ``Button`` with a status line, and the plot.

    Raises:
        TypeError: ``sweep`` is not a dict from ``load_sweep``.
        FileNotFoundError: ``sweep`` is ``None`` and the stored file is missing.
    """
    from .data import Splits, load_mnist1d
    from .experiments import degradation_label, load_sweep, run_degradation, sweep_history

    sweep = load_sweep() if sweep is None else check_type(
        sweep, "sweep", "depth_explorer", dict, "None or the dict returned by experiments.load_sweep")
    if data is not None:
        check_type(data, "data", "depth_explorer", Splits, "None or the Splits of load_mnist1d")
    meta = sweep["meta"]
    blocks = list(meta["num_blocks"])
    depth = W.SelectionSlider(options=[(str(2 * n + 2), n) for n in blocks], value=blocks[-1],
                              description="layers", continuous_update=False)
    shortcuts = W.ToggleButtons(options=[("off (plain)", False), ("on (residual)", True)], value=False,
                                description="shortcuts")
    button = W.Button(description="train live", icon="play",
                      tooltip="train the chosen setting now with the stored recipe and seed")
    status = W.HTML(value="<i>curves from the stored sweep; click “train live” to train this setting now</i>")
    progress_out, plot_out = W.Output(), W.Output()
    live: dict[tuple[int, bool], Any] = {}
    cache: dict[str, Any] = {"data": data}

    def draw(*_: Any) -> None:
        n, residual = depth.value, shortcuts.value
        runs = {f"{degradation_label(n, residual)} (stored)": sweep_history(sweep, n, residual)}
        if n != blocks[0]:
            runs[f"{degradation_label(blocks[0], residual)} (stored)"] = sweep_history(sweep, blocks[0], residual)
        if (n, residual) in live:
            runs[f"{degradation_label(n, residual)} (live)"] = live[(n, residual)]
        with plot_out:
            plot_out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
            compare_histories(runs, metric="error", split="train", ax=axes[0], title="training error")
            compare_histories(runs, metric="error", split="val", ax=axes[1], title="test error")
            axes[1].set_ylabel("test error (1 − accuracy)")
            axes[0].set_ylim(0, 1)
            fig.tight_layout()
            # display + close: one figure per redraw, never an open figure left behind.
            display(fig)
            plt.close(fig)

    def train_live(_: Any) -> None:
        n, residual = depth.value, shortcuts.value
        label = degradation_label(n, residual)
        button.disabled = True
        status.value = f"training <b>{label}</b> for {meta['recipe']['epochs']} epochs …"
        start = time.perf_counter()
        try:
            with progress_out:
                progress_out.clear_output()
                if cache["data"] is None:
                    cache["data"] = load_mnist1d(seed=meta["recipe"]["data_seed"])
                run = run_degradation(num_blocks=(n,), residual=(residual,), seed=meta["seed"],
                                      epochs=meta["recipe"]["epochs"], data=cache["data"], progress=True)
            live[(n, residual)] = run[label]
            stored = sweep_history(sweep, n, residual).train_error[-1]
            status.value = (f"<b>{label}</b> trained live in {time.perf_counter() - start:.0f} s: final "
                            f"training error {run[label].train_error[-1]:.3f} (stored: {stored:.3f})")
            draw()
        except Exception as err:  # shown in the widget: a callback's exception would vanish silently
            status.value = f"<span style='color:#b00'>live training failed: {type(err).__name__}: {err}</span>"
        finally:
            button.disabled = False

    depth.observe(draw, names="value")
    shortcuts.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([W.HBox([depth, shortcuts]), W.HBox([button, status]), progress_out, plot_out])
