"""Plots of training histories. Nothing here trains: it only draws."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ._validation import (
    Bool,
    Float,
    Instance,
    Int,
    MappingOf,
    OneOf,
    SequenceOf,
    TensorOf,
    invalid,
    requires,
    validate,
)
from .language import gettext as tr
from .train import History

__all__ = ["compare_histories", "plot_bars", "plot_history", "plot_lines", "plot_signals"]

_METRICS = {
    "loss": ("train_loss", "val_loss"),
    "error": ("train_error", "val_error"),
    "acc": ("train_acc", "val_acc"),
}
#: The test-set series of each pair, recorded by ``fit(..., test=...)``.
_TEST_SERIES = {"loss": "test_loss", "error": "test_error", "acc": "test_acc"}


def _axis_label(metric: str) -> str:
    """The y-axis label of a training/validation pair of ``_METRICS``, in the current language."""
    return {"loss": tr("loss"), "error": tr("error (1 − accuracy)"), "acc": tr("accuracy")}[metric]


def _epochs(h: History) -> list[int]:
    return list(range(1, h.epochs + 1))


_AX = [None, Instance(Axes, desc="a matplotlib Axes, e.g. from plt.subplots()")]
_TITLE = [None, Instance(str, desc="a str")]
_HISTORY = Instance(History, desc="a History returned by fit")
_NAME = Instance(str, desc="a str naming a metric or a series, e.g. 'loss'")
_STYLES = [None, MappingOf(str, Instance(Mapping, desc="a dict of Axes.plot keyword arguments"), min_len=0,
                           desc="a dict {label: dict of Axes.plot keyword arguments}")]


def _check_metric(metric: str, histories: Sequence[History], param: str) -> None:
    """A metric is a training/validation pair from ``_METRICS`` or one series every history has."""
    if metric in _METRICS:
        return
    common = [s for s in histories[0].series_names() if all(s in h.series_names() for h in histories)]
    if metric not in common:
        whose = "the History" if len(histories) == 1 else "every History"
        raise invalid(param, f"one of {list(_METRICS)} (training and validation curves) or a series of "
                      f"{whose}: {common}", repr(metric), "A callback records a series with history.log(name, value).")


def _check_history_metrics(args: Mapping[str, Any]) -> None:
    for metric in args["metrics"]:
        _check_metric(metric, [args["history"]], "metrics")


def _check_compared_metric(args: Mapping[str, Any]) -> None:
    _check_metric(args["metric"], list(args["histories"].values()), "metric")
    if args["metric"] not in _METRICS and args["split"] != "train":
        raise invalid("split", f"'train' (the default) for the single series {args['metric']!r}; 'val', 'test' "
                      f"and 'both' apply to {list(_METRICS)}", repr(args["split"]))
    if args["metric"] not in _METRICS:
        return
    runs = args["histories"].items()
    if args["split"] == "test":
        series = _TEST_SERIES[args["metric"]]
        untested = [name for name, h in runs if series not in h.series_names()]
        if untested:
            raise invalid("split", f"'train', 'val' or 'both' for runs without the series {series!r}",
                          f"'test', and these runs have no {series}: {untested}",
                          "fit(..., test=splits.test) records the series test_loss and test_acc.")
    if args["split"] in ("val", "both"):
        key = _METRICS[args["metric"]][1]
        unvalidated = [name for name, h in runs if all(math.isnan(v) for v in getattr(h, key))]
        if unvalidated:
            tested = all("test_acc" in h.series_names() for _, h in runs)
            raise invalid("split", "'train' or 'test' for runs trained without a validation set",
                          f"{args['split']!r}, and these runs have no {key}: {unvalidated}",
                          "They record the test set as test_*: use split='test'." if tested else
                          "Pass val=(x_val, y_val) to fit to record a validation curve.")


def _series_label(name: str) -> str:
    return name.replace("_", " ")


@validate(history=_HISTORY, metrics=SequenceOf(_NAME, desc="a non-empty list of metric or series names"),
          title=_TITLE, checks=[_check_history_metrics])
def plot_history(history: History, *, metrics: Sequence[str] = ("loss", "error"),
                 title: str | None = None) -> Figure:
    """Learning curves of one run: training and validation, one panel per metric.

    Args:
        history: what :func:`course_utils.train.fit` returned.
        metrics: panels to draw: ``"loss"``, ``"error"``, ``"acc"`` (training
            and validation curves), or the name of one series of the history
            (``"lr"``, ``"train_loss"``, … or one recorded by a callback with
            ``history.log``, e.g. ``"weight_norm"``).
        title: figure title.

    Returns:
        The matplotlib ``Figure``.
    """
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.4), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        if metric not in _METRICS:  # one series, e.g. recorded by a callback
            ax.plot(_epochs(history), history.series(metric), label=_series_label(metric))
            ax.set_xlabel(tr("epoch"))
            ax.set_ylabel(_series_label(metric))
            ax.grid(alpha=0.3)
            continue
        train_key, val_key = _METRICS[metric]
        ax.plot(_epochs(history), getattr(history, train_key), label=tr("training"))
        if any(v == v for v in history.val_loss):  # nan != nan: skip a run without validation
            ax.plot(_epochs(history), getattr(history, val_key), "--", label=tr("validation"))
        if history.best_epoch is not None and metric == "loss":
            ax.axvline(history.best_epoch + 1, color="grey", lw=0.8, ls=":", label=tr("best epoch"))
        ax.set_xlabel(tr("epoch"))
        ax.set_ylabel(_axis_label(metric))
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


@validate(histories=MappingOf(Instance(str, desc="a str"), _HISTORY, desc="a non-empty dict {label: History}"),
          metric=_NAME, split=OneOf("train", "val", "test", "both"), ax=_AX, title=_TITLE,
          styles=_STYLES, checks=[_check_compared_metric])
def compare_histories(histories: Mapping[str, History], *, metric: str = "error",
                      split: str = "train", ax: Axes | None = None,
                      title: str | None = None,
                      styles: Mapping[str, Mapping[str, Any]] | None = None) -> Axes:
    """Several runs' curves of one metric in one panel, one line per run.

    Args:
        histories: ``{label: History}``, e.g. ``{"plain, 20 blocks": h1, ...}``.
        metric: ``"loss"``, ``"error"`` or ``"acc"``, or the name of a series
            every history has (e.g. ``"weight_norm"``, recorded by a callback).
        split: ``"train"``, ``"val"`` (validation), ``"test"`` (the test set
            that ``fit(..., test=...)`` recorded) or ``"both"`` (training, and
            validation dashed); a single series (``metric`` not a pair) needs
            the default ``"train"``.
        ax: axes to draw into; a new figure when ``None``.
        title: the panel's title.
        styles: ``{label: keyword arguments of Axes.plot}`` for some or all runs, e.g.
            ``{"plain, 42 layers": {"color": "#D55E00", "linestyle": "--"}}``, so that a
            figure can give one factor the colour and another the line style.

    Returns:
        The matplotlib ``Axes``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    if metric not in _METRICS:  # one series per run, e.g. recorded by a callback
        for name, h in histories.items():
            ax.plot(_epochs(h), h.series(metric), label=name, **_style(styles, name))
        ylabel = _series_label(metric)
    else:
        train_key, val_key = _METRICS[metric]
        for name, h in histories.items():
            style = _style(styles, name)
            if split in ("train", "both"):
                line, = ax.plot(_epochs(h), getattr(h, train_key),
                                label=tr("{name} (training)").format(name=name) if split == "both" else name, **style)
            if split == "both":  # validation dashed, in the training curve's colour
                ax.plot(_epochs(h), getattr(h, val_key), label=tr("{name} (validation)").format(name=name),
                        **{**style, "color": line.get_color(), "linestyle": "--"})
            elif split == "val":
                ax.plot(_epochs(h), getattr(h, val_key), label=name, **{"linestyle": "--", **style})
            elif split == "test":
                ax.plot(_epochs(h), h.series(_TEST_SERIES[metric]), label=name, **{"linestyle": "--", **style})
        label = _axis_label(metric)
        ylabel = {"train": tr("training {metric}"), "val": tr("validation {metric}"),
                  "test": tr("test {metric}")}.get(split, "{metric}").format(metric=label)
    ax.set_xlabel(tr("epoch"))
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


def _style(styles: Mapping[str, Mapping[str, Any]] | None, name: str) -> dict[str, Any]:
    return dict(styles.get(name, {})) if styles else {}




@validate(
    series=MappingOf(str, SequenceOf(SequenceOf(Float(allow_nan=True)), min_len=2, max_len=2,
                                     desc="a pair (xs, ys) of lists of numbers"),
                     desc="a non-empty dict {label: (xs, ys)}"),
    xlabel=str, ylabel=str, styles=_STYLES, ax=_AX, title=_TITLE, logx=Bool(),
    checks=[requires("series", lambda a: all(len(xs) == len(ys) for xs, ys in a["series"].values()),
                     "pairs (xs, ys) with as many ys as xs",
                     got=lambda a: str({k: (len(xs), len(ys)) for k, (xs, ys) in a["series"].items()})
                     + " (lengths)")],
)
def plot_lines(series: Mapping[str, tuple[Sequence[float], Sequence[float]]], *, xlabel: str, ylabel: str,
               styles: Mapping[str, Mapping[str, Any]] | None = None, ax: Axes | None = None,
               title: str | None = None, logx: bool = False) -> Axes:
    """Named (x, y) series as lines with markers, e.g. final error against depth.

    Args:
        series: ``{label: (xs, ys)}`` with as many ``ys`` as ``xs``.
        xlabel: what x is, with units.
        ylabel: what y is, with units.
        styles: ``{label: keyword arguments of Axes.plot}`` for some or all series.
        ax: axes to draw into; a new figure when ``None``.
        title: the panel's title.
        logx: logarithmic x axis.

    Returns:
        The matplotlib ``Axes``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.8))
    for name, (xs, ys) in series.items():
        ax.plot(list(xs), list(ys), **{"marker": "o", **_style(styles, name)}, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logx:
        ax.set_xscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax


@validate(values=MappingOf(Instance(str, desc="a str"), Float(), desc="a non-empty dict {label: number}"),
          ylabel=Instance(str, desc="a str"), title=_TITLE, ax=_AX, log=Bool(),
          checks=[requires("log", lambda a: not a["log"] or all(v > 0 for v in a["values"].values()),
                           "False when a value is not positive (a log axis cannot show it)")])
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


@validate(x=TensorOf("real", ndim=(2, 3), numpy=True), y=TensorOf("integer", ndim=1, numpy=True),
          indices=SequenceOf(Int(0), types=(list, tuple, range), desc="a non-empty list of row indices"),
          ax=_AX, title=_TITLE,
          checks=[requires("y", lambda a: len(a["y"]) == len(a["x"]), "one class index per row of x",
                           got=lambda a: f"{len(a['y'])} labels for {len(a['x'])} rows"),
                  requires("indices", lambda a: max(a["indices"]) < len(a["x"]),
                           lambda a: f"a list of row indices in [0, {len(a['x']) - 1}]")])
def plot_signals(x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, *, indices: Sequence[int],
                 ax: Axes | None = None, title: str | None = None) -> Axes:
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
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    for i in indices:
        signal = x[i].reshape(-1)
        ax.plot(range(len(signal)), signal.tolist(),
                label=tr("example {index}: class {label}").format(index=i, label=int(y[i])))
    ax.set_xlabel(tr("position in the signal"))
    ax.set_ylabel(tr("value"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title)
    return ax
