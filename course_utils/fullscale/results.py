"""Results files of full-scale runs, and the paper's Figure 6 drawn from them. Nothing here trains.

A results file (``results.json``, written by ``python -m course_utils.fullscale``) keeps every
run's recipe and :class:`~course_utils.train.History` with what a reader needs to trust it:
the data, the command, the hardware, the date and the wall time. The course ships one, made
on a CPU (:func:`stored_cpu_run`), so the figure exists offline.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .._validation import Instance, MappingOf, PathLike, invalid, unvalidated, validate
from ..resources import asset_path
from ..train import History
from .recipe import CifarRecipe

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FullscaleResults", "describe_hardware", "load_results", "plot_figure6", "stored_cpu_run"]

#: Version of the results-file layout. 2: the test curves are the series ``test_loss``/``test_acc``, no longer ``val_*``.
RESULTS_FORMAT = 2

#: The stored CPU run shipped with the course (``assets/``).
CPU_RUN_ASSET = "fullscale_cpu_run.json"

_HISTORIES = MappingOf(Instance(str, desc="a str"), Instance(History, desc="a History"),
                       desc="a non-empty dict {run name: History}, e.g. {'plain-20': h, 'resnet-20': h2}")


@unvalidated("takes no arguments")
def describe_hardware() -> dict[str, Any]:
    """The machine a run is made on, for the label of its results.

    Returns:
        ``{"cpu": model name, "cpu_count": …, "torch_threads": …, "gpu": name or "none",
        "python": …, "torch": …, "platform": …}``.
    """
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {"cpu": cpu, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "gpu": gpu,
            "python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform()}


@validate(runs=MappingOf(Instance(str, desc="a str"), Instance(dict, desc="a dict")), meta=Instance(dict, desc="a dict"))
@dataclass(frozen=True)
class FullscaleResults:
    """The runs of one results file.

    Attributes:
        runs: ``{name: {"recipe": dict, "history": dict, "finished": bool, ...}}`` as stored.
        meta: the label: ``"date"`` (UTC), ``"hardware"`` (:func:`describe_hardware`),
            ``"processes"``, ``"device"``, ``"torch_threads_per_process"``,
            ``"dataset"``, ``"data"`` (in words), ``"command"``, ``"wall_time_s"``
            (training time of the runs over every session that resumed them),
            ``"session_wall_time_s"`` (the last command's) and ``"note"``.
    """

    runs: dict[str, dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def histories(self) -> dict[str, History]:
        """``{run name: History}``, e.g. for :func:`plot_figure6`."""
        return {name: History.from_dict(run["history"]) for name, run in self.runs.items()}

    @property
    def recipes(self) -> dict[str, CifarRecipe]:
        """``{run name: CifarRecipe}``."""
        return {name: CifarRecipe(**{**run["recipe"], "milestones": tuple(run["recipe"]["milestones"])})
                for name, run in self.runs.items()}

    def final_test_errors(self) -> dict[str, float]:
        """``{run name: test error (%) after the last epoch}``."""
        return {name: 100 * h.test_error[-1] for name, h in self.histories.items() if h.epochs}

    def label(self) -> str:
        """One line saying what, where and when, for a figure's title."""
        hw = self.meta.get("hardware", {})
        where = hw.get("gpu") if hw.get("gpu", "none") != "none" else f"CPU ({hw.get('cpu', '?')})"
        data = self.meta.get("dataset", "?")
        if data != "cifar10":
            data += " (a stand-in, not CIFAR-10)"
        return f"{data} | {where} | {self.meta.get('date', '?')[:10]}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout of a results file."""
        return {"format": RESULTS_FORMAT, "meta": self.meta, "runs": self.runs}


def _make_results(runs: Mapping[str, tuple[CifarRecipe, History, bool, float]],
                  meta: Mapping[str, Any]) -> FullscaleResults:
    """A :class:`FullscaleResults` of finished or stopped runs, labelled with the date and hardware.

    ``runs`` maps each name to ``(recipe, history, finished, wall time in s over all sessions)``.
    """
    stored = {}
    for name, (recipe, history, finished, wall) in runs.items():
        final = 100 * history.test_error[-1] if history.epochs else None
        stored[name] = {"recipe": recipe.to_dict(), "history": history.to_dict(), "finished": finished,
                        "final_test_error": final, "wall_time_s": round(wall, 1)}
    label = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "hardware": describe_hardware(),
             **meta}
    return FullscaleResults(runs=stored, meta=label)


@validate(path=PathLike())
def load_results(path: str | os.PathLike[str]) -> FullscaleResults:
    """Read a ``results.json`` written by ``python -m course_utils.fullscale``.

    Args:
        path: the file.

    Returns:
        :class:`FullscaleResults`.

    Raises:
        FileNotFoundError: no such file.
        ValueError: the file is not such a results file.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("format") != RESULTS_FORMAT or not isinstance(data.get("runs"), dict):
        found = data.get("format") if isinstance(data, dict) else None
        raise invalid("path", f"a results.json of format {RESULTS_FORMAT} written by "
                      "python -m course_utils.fullscale", f"{str(path)!r} (format {found!r})",
                      "Format 1 files hold the test curves as val_*; run them again with this version."
                      if found == 1 else None)
    return FullscaleResults(runs=data["runs"], meta=data.get("meta", {}))


@unvalidated("takes no arguments")
def stored_cpu_run() -> FullscaleResults:
    """The scaled-down run stored with the course (made on a CPU; see its ``meta`` for what and where).

    Returns:
        :class:`FullscaleResults` of ``assets/fullscale_cpu_run.json``.
    """
    return load_results(asset_path(CPU_RUN_ASSET))


_DEPTH_COLOURS = {8: "#999999", 14: "#56B4E9", 20: "#E69F00", 32: "#0072B2", 44: "#009E73", 56: "#D55E00",
                  110: "#CC79A7"}


@validate(histories=_HISTORIES, title=[None, Instance(str, desc="a str")])
def plot_figure6(histories: Mapping[str, History], *, title: str | None = None) -> Figure:
    """The paper's Figure 6: error against iterations, plain nets left, ResNets right.

    Thin dashed lines are training error (in train mode, on augmented
    batches), bold lines test error, one colour per depth.

    Args:
        histories: ``{run name: History}`` as written by the full-scale
            runs (names such as ``"plain-20"``, ``"resnet-56"``,
            ``"resnet-20-gn"``); each History has the extra series
            ``"iteration"`` and ``"test_acc"``. Names starting with ``"plain"`` go left.
        title: the figure's title, e.g. :meth:`FullscaleResults.label`.

    Returns:
        The matplotlib ``Figure``.

    Raises:
        ValueError: a History has no ``"iteration"`` or ``"test_acc"`` series.
    """
    import matplotlib.pyplot as plt  # here: a training process never pays for importing it

    for name, h in histories.items():
        missing = [series for series in ("iteration", "test_acc") if series not in h.extra]
        if missing:
            raise invalid("histories", "Histories of full-scale runs, which record the series 'iteration' and "
                          f"'test_acc'", f"the History {name!r} without {missing}",
                          "Use the histories of a results.json.")
    panels = [(kind, label) for kind, label in (("plain", "plain nets"), ("resnet", "ResNets"))
              if any(name.startswith("plain") == (kind == "plain") for name in histories)]
    last = max((h.extra["iteration"][-1] for h in histories.values() if h.epochs), default=0)
    unit = 1e4 if last >= 2e4 else 1  # the paper's axis is in units of 1e4 iterations
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), sharey=True, squeeze=False)
    for ax, (kind, label) in zip(axes[0], panels):
        for name, h in histories.items():
            if name.startswith("plain") != (kind == "plain"):
                continue
            depth = next((int(p) for p in name.split("-") if p.isdigit()), 0)
            colour = _DEPTH_COLOURS.get(depth)
            steps = [s / unit for s in h.extra["iteration"]]
            ax.plot(steps, [100 * e for e in h.train_error], linestyle="--", linewidth=1, color=colour)
            ax.plot(steps, [100 * e for e in h.test_error], linewidth=2, color=colour, label=name)
        ax.set_xlabel("iterations (1e4)" if unit > 1 else "iterations")
        ax.set_title(f"{label} (dashed: training, bold: test)", fontsize="medium")
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    axes[0][0].set_ylabel("error (%)")
    if title:
        fig.suptitle(title, fontsize="small")
    fig.tight_layout()
    return fig
