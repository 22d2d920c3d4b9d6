"""Plots of training histories. Nothing here trains: it only draws."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._validation import check_choice, check_type
from .train import History

__all__ = ["plot_history", "compare_histories", "plot_bars", "plot_signals"]

_METRICS = {
    "loss": ("train_loss", "val_loss", "loss"),
    "error": ("train_error", "val_error", "error (1 − accuracy)"),
    "acc": ("train_acc", "val_acc", "accuracy"),
}


def _epochs(h: History) -> list[int]:
    return list(range(1, h.epochs + 1))


def plot_history(history: History, *, metrics: Sequence[str] = ("loss", "error"),
                 title: str | None = None) -> Figure:
    """Learning curves of one run: training and validation, one panel per metric.

    Args:
        history: what :func:`course_utils.train.fit` returned.
        metrics: panels to draw, from ``"loss"``, ``"error"``, ``"acc"``.
        title: figure title.

    Returns:
        The matplotlib ``Figure``.
    """
    check_type(history, "history", "plot_history", History, "a History returned by fit")
    check_type(metrics, "metrics", "plot_history", (list, tuple), "a list of metric names")
    for m in metrics:
        check_choice(m, "metrics", "plot_history", tuple(_METRICS))
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        train_key, val_key, label = _METRICS[metric]
        ax.plot(_epochs(history), getattr(history, train_key), label="training")
        if any(v == v for v in history.val_loss):  # nan != nan: skip a run without validation
            ax.plot(_epochs(history), getattr(history, val_key), "--", label="validation")
        if history.best_epoch is not None and metric == "loss":
            ax.axvline(history.best_epoch + 1, color="grey", lw=0.8, ls=":", label="best epoch")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def compare_histories(histories: Mapping[str, History], *, metric: str = "error",
                      split: str = "train", ax: Axes | None = None,
                      title: str | None = None) -> Axes:
    """Several runs' curves of one metric in one panel, one line per run.

    Args:
        histories: ``{label: History}``, e.g. ``{"plain, 20 blocks": h1, ...}``.
        metric: ``"loss"``, ``"error"`` or ``"acc"``.
        split: ``"train"``, ``"val"`` or ``"both"`` (validation dashed).
        ax: axes to draw into; a new figure when ``None``.
        title: the panel's title.

    Returns:
        The matplotlib ``Axes``.
    """
    check_type(histories, "histories", "compare_histories", Mapping, "a dict {label: History}")
    if not histories:
        raise ValueError("The 'histories' parameter of compare_histories must hold at least one run. Got {}.")
    for label, h in histories.items():
        check_type(h, f"histories[{label!r}]", "compare_histories", History, "a History returned by fit")
    check_choice(metric, "metric", "compare_histories", tuple(_METRICS))
    check_choice(split, "split", "compare_histories", ("train", "val", "both"))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    train_key, val_key, label = _METRICS[metric]
    for name, h in histories.items():
        if split in ("train", "both"):
            line, = ax.plot(_epochs(h), getattr(h, train_key), label=f"{name} (training)" if split == "both" else name)
        if split in ("val", "both"):
            kwargs = {"color": line.get_color()} if split == "both" else {}
            ax.plot(_epochs(h), getattr(h, val_key), "--",
                    label=f"{name} (validation)" if split == "both" else name, **kwargs)
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"{'training' if split == 'train' else 'validation' if split == 'val' else ''} {label}".strip())
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def plot_bars(values: Mapping[str, float], *, ylabel: str, title: str | None = None,
              ax: Axes | None = None, log: bool = False) -> Axes:
    """A labelled bar chart of named numbers (parameter counts, costs, errors).

    Args:
        values: ``{bar label: height}``.
        ylabel: what the heights are, with units.
        title: the panel's title.
        ax: axes to draw into; a new figure when ``None``.
        log: logarithmic y axis.

    Returns:
        The matplotlib ``Axes``.
    """
    check_type(values, "values", "plot_bars", Mapping, "a dict {label: number}")
    if not values:
        raise ValueError("The 'values' parameter of plot_bars must hold at least one bar. Got {}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    names = list(values)
    bars = ax.bar(names, [float(values[k]) for k in names])
    ax.bar_label(bars, fmt="%.3g", fontsize="small")
    ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    ax.tick_params(axis="x", rotation=30)
    return ax


def plot_signals(x, y, *, indices, ax: Axes | None = None, title: str | None = None) -> Axes:
    """Draw 1-D signals (e.g. MNIST-1D examples) as lines, labelled by class.

    Args:
        x: inputs of shape ``(N, L)`` or ``(N, 1, L)``.
        y: class indices of shape ``(N,)``.
        indices: which rows to draw.
        ax: axes to draw into; a new figure when ``None``.
        title: the panel's title.

    Returns:
        The matplotlib ``Axes``.
    """
    check_type(indices, "indices", "plot_signals", (list, tuple, range), "a list of row indices")
    n = len(x)
    for i in indices:
        if not isinstance(i, int) or not 0 <= i < n:
            raise ValueError(f"The 'indices' parameter of plot_signals must hold ints in [0, {n - 1}]. Got {i!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    for i in indices:
        signal = x[i].reshape(-1)
        ax.plot(range(len(signal)), signal.tolist(), label=f"example {i}: class {int(y[i])}")
    ax.set_xlabel("position in the signal")
    ax.set_ylabel("value")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax
