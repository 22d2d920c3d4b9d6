"""Notebook 07, the regularization catalogue: its fixed figures (they only draw what they are given).

- :func:`draw_images`: a grid of images with titles (augmented photos, FGSM examples);
- :func:`draw_reliability`: a reliability diagram, accuracy against confidence, one colour per net;
- :func:`draw_effects`: the closing chart, each technique's measured effect with its spread over seeds.

Colours, shared with the explorers (:mod:`.explorers`): grey is the setting without the technique,
blue the chosen setting, orange a live run; line style is the data split (solid: training, dashed:
test), in the figures and the widgets alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from torch import Tensor

from ..._validation import Float, Instance, Int, MappingOf, SequenceOf, TensorOf, invalid, validate
from ...language import gettext as tr
from ...language import label as named

__all__ = ["BASE", "CHOSEN", "COST_MARK", "KIND_COLOURS", "LIVE", "draw_effects", "draw_images", "draw_reliability"]

#: Okabe-Ito colours, distinguishable with every common colour-vision deficiency.
BASE, CHOSEN, LIVE = "#555555", "#0072B2", "#D55E00"
_PALETTE = ("#555555", "#0072B2", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#D55E00")
_AX = [None, Instance(Axes, desc="a matplotlib Axes")]


def _check_titles(args: Mapping[str, Any]) -> None:
    if args["titles"] is not None and len(args["titles"]) != len(args["images"]):
        raise invalid("titles", f"None or one title per image ({len(args['images'])})",
                      f"{len(args['titles'])} titles")


@validate(images=TensorOf("real", ndim=(3, 4), nonempty=True, numpy=True,
                          desc="a tensor of images (N, H, W), (N, 1, H, W) or (N, H, W, 3)"),
          titles=[None, SequenceOf(str, min_len=0)], ncols=Int(1), cmap=str, size=Float(0, low_open=True),
          checks=[_check_titles])
def draw_images(images: Tensor | np.ndarray, titles: Sequence[str] | None = None, *, ncols: int = 6,
                cmap: str = "gray_r", size: float = 1.6) -> Figure:
    """A grid of images, one title each.

    Args:
        images: grey images (N, H, W) or (N, 1, H, W), or colour images (N, H, W, 3) with values
            in [0, 1] (or 0-255 integers).
        titles: one title per image, or ``None``.
        ncols: images per row.
        cmap: the colour map of grey images (``"gray_r"``: dark ink on white, like the digits).
        size: the width of one image in inches (its height follows the images' aspect ratio).

    Returns:
        The matplotlib ``Figure``.
    """
    arr = images.detach().cpu().numpy() if isinstance(images, Tensor) else np.asarray(images)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    n = len(arr)
    cols = min(ncols, n)
    rows = math.ceil(n / cols)
    height = size * arr.shape[1] / arr.shape[2]  # an image's height in inches, at its own aspect ratio
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols, (height + 0.3) * rows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        if arr[i].ndim == 2:
            ax.imshow(arr[i], cmap=cmap, vmin=0, vmax=max(1, arr.max()))
        else:
            ax.imshow(np.clip(arr[i], 0, 1) if arr.dtype.kind == "f" else arr[i])
        if titles is not None:
            ax.set_title(titles[i], fontsize="small")
    fig.tight_layout()
    return fig


_BINS = MappingOf(str, Instance(dict, desc="a dict from reliability_bins"),
                  desc="a dict {label: reliability_bins(...) result}")


@validate(tables=_BINS, ax=_AX)
def draw_reliability(tables: Mapping[str, Mapping[str, list[float]]], *, ax: Axes | None = None) -> Axes:
    """A reliability diagram: accuracy against confidence in each confidence bin, one line per net.

    A calibrated net lies on the diagonal; below it, the net is over-confident (its answers are
    right less often than its confidence says). A bin's shaded marker has an area of 10 + 1500 × its
    share of the examples (pt²), so a bin of a quarter of the examples stands out from one of a few.

    Args:
        tables: ``{label: regularizers.reliability_bins(probs, y)}``, e.g. with and without smoothing.
        ax: axes to draw into; a new figure when ``None``.

    Returns:
        The matplotlib ``Axes``.
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], color="black", lw=0.8, ls=":", label=tr("calibrated"))
    for i, (label, table) in enumerate(tables.items()):
        keep = [j for j, c in enumerate(table["count"]) if c > 0]
        conf = [table["confidence"][j] for j in keep]
        acc = [table["accuracy"][j] for j in keep]
        total = sum(table["count"])
        sizes = [10 + 1500 * table["count"][j] / total for j in keep]
        colour = (BASE, CHOSEN, *_PALETTE[2:])[i % len(_PALETTE)]
        ax.plot(conf, acc, color=colour, marker="o" if i == 0 else "s", ms=4, label=label)
        ax.scatter(conf, acc, s=sizes, color=colour, alpha=0.3)
    ax.set(xlim=(0, 1), ylim=(0, 1), xlabel=tr("confidence (highest predicted probability), per bin"),
           ylabel=tr("accuracy in the bin (test set)"), title=tr("Reliability diagram"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper left")
    return ax


_ROWS = SequenceOf(Instance(dict, desc="a row of experiments.catalogue_table()"),
                   desc="a list of rows of experiments.catalogue_table()")


#: The closing chart's panels: (metric of the rows drawn, x-axis label, scale of the effect).
_PANELS = (("accuracy", "change of test accuracy (percentage points)", 100.0),
           ("ECE", "change of the expected calibration error (lower is better)", 1.0),
           ("robust accuracy (ε = 0.1)", "change of test accuracy on FGSM examples at ε = 0.1 (points)", 100.0))
#: One colour per kind of comparison, ``experiments.ROW_KINDS`` (a row's ``kind``).
KIND_COLOURS = {"common baseline": CHOSEN, "another run, same data": "#E69F00", "own baseline, other setup": "#009E73"}
#: Ends the label of a row that is not like-for-like (it costs or adds data, compute, epochs or architecture).
COST_MARK = "‡"


def _panel_label(metric: str) -> str:
    """The x-axis label of a panel of ``_PANELS`` (keyed by its metric), in the current language."""
    return {"accuracy": tr("change of test accuracy (percentage points)"),
            "ECE": tr("change of the expected calibration error (lower is better)"),
            "robust accuracy (ε = 0.1)": tr("change of test accuracy on FGSM examples at ε = 0.1 (points)")}[metric]


def _kind_label(kind: str) -> str:
    """The legend entry of a kind of comparison (a key of ``KIND_COLOURS``), in the current language."""
    return {"common baseline": tr("vs the common baseline"), "another run, same data": tr("vs another run, same data"),
            "own baseline, other setup": tr("vs own baseline, other setup")}[kind]


@validate(rows=_ROWS)
def draw_effects(rows: Sequence[Mapping[str, Any]]) -> Figure:
    """The closing chart: each technique's measured effect, mean ± sd over the seeds, one panel per metric.

    Panels: test accuracy (percentage points), the expected calibration error (lower is better) and
    the accuracy on FGSM examples (item 11, its own metric); the sparsity rows are in the table only.
    The bar is the mean effect over the seeds, the error bar one standard deviation. Colour tells
    what a technique is compared with (``row["kind"]``): blue, the common baseline; yellow, another
    run on the same data (named in the label); green, the experiment's own baseline in another setup.
    Rows that cost or add something beyond their comparison (``row["cost"]``: data, compute, epochs
    or another architecture) are not like-for-like: their bars are hatched and their labels end in
    ``COST_MARK``, which stays visible where a bar is too short to show its hatching.

    Args:
        rows: ``experiments.catalogue_table()``.

    Returns:
        The matplotlib ``Figure``, one ``Axes`` per panel that has rows.
    """
    from matplotlib.patches import Patch

    unknown = [r.get("kind") for r in rows if r.get("kind") not in KIND_COLOURS]
    if unknown:
        raise invalid("rows", f"rows of experiments.catalogue_table(), each of a kind among {list(KIND_COLOURS)}",
                      f"a row of kind {unknown[0]!r}")
    panels = [(metric, label, scale, [r for r in rows if r["metric"] == metric]) for metric, label, scale in _PANELS]
    panels = [p for p in panels if p[3]]
    if not panels:
        raise invalid("rows", "rows of experiments.catalogue_table() with an accuracy, ECE or robust-accuracy metric",
                      f"{len(rows)} rows without one")
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 0.3 * sum(len(p[3]) for p in panels) + 1.6 * len(panels)),
                             height_ratios=[len(p[3]) + 1.5 for p in panels], squeeze=False)
    for ax, (metric, xlabel, scale, shown) in zip(axes[:, 0], panels):
        labels = [f"{r['item']}. {named(r['technique'])}"
                  + (tr("  (vs {other})").format(other=named(r["compared_with"])) if r["compared_with"] != "baseline" else "")
                  + (f" {COST_MARK}" if r["cost"] != "nothing" else "")
                  for r in shown]
        means = [scale * r["effect"] for r in shown]
        sds = [scale * r["effect_sd"] if not math.isnan(r["effect_sd"]) else 0.0 for r in shown]
        y = np.arange(len(shown))[::-1]
        bars = ax.barh(y, means, xerr=sds, capsize=2, error_kw={"lw": 0.8},
                       color=[KIND_COLOURS[r["kind"]] for r in shown],
                       hatch=["//" if r["cost"] != "nothing" else "" for r in shown], edgecolor="black", linewidth=0.4)
        digits = 1 if scale == 100 else 3
        ax.bar_label(bars, labels=[f"{m:+.{digits}f} ± {s:.{digits}f}" for m, s in zip(means, sds)],
                     fontsize="x-small", padding=6)
        ax.set_yticks(y, labels, fontsize="small")
        ax.axvline(0, color="black", lw=0.8)
        ax.set_xlabel(_panel_label(metric))
        ax.grid(axis="x", alpha=0.3)
        low = min(0.0, *(m - e for m, e in zip(means, sds)))
        high = max(0.0, *(m + e for m, e in zip(means, sds)))
        ax.set_xlim(low - 0.45 * (high - low), high + 0.45 * (high - low))  # room for the value labels
    handles = [Patch(color=c, label=_kind_label(k))
               for k, c in KIND_COLOURS.items() if any(r["kind"] == k for p in panels for r in p[3])]
    handles.append(Patch(facecolor="white", edgecolor="black", hatch="//",
                         label=tr("{mark} (hatched): costs or adds data, compute, epochs or architecture").format(
                             mark=COST_MARK)))
    first = axes[0, 0]
    first.set_ylim(-len(handles) - 0.5, len(panels[0][3]) - 0.4)  # room below the bars for the legend
    first.legend(handles=handles, fontsize="x-small", loc="lower right")
    n = len(rows[0]["seeds"]) if rows and "seeds" in rows[0] else 1
    fig.suptitle(tr("Goodfellow et al., chapter 7, measured here: mean ± sd over {seeds} seeds").format(seeds=n),
                 fontsize="medium")
    fig.tight_layout()
    return fig
