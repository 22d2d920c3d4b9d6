"""CPU time of one control change of each explorer widget, drawn from stored results.

Run with ``make bench`` (not part of ``make test``), or alone::

    OMP_NUM_THREADS=1 taskset -c 0 python benchmarks/bench_widgets.py [--rounds 3] [--png DIR]

Each explorer of ``course_utils.widgets`` is built from its stored sweep (as the tests do: no
training). IPython's ``display`` is replaced, in every widget module, by what a notebook front end
would get: a displayed figure is rendered to PNG bytes the way the inline backend's formatter does
(``IPython.core.pylabtools.print_figure``, ``bbox_inches="tight"``, base64), and ``plt.show`` shows
the open figures the same way. A figure shown in an ``ipywidgets.Image`` already is PNG bytes.
Then every control (slider, toggle, dropdown) is moved through several of its values, and the
process CPU time (``time.process_time``) of each change is measured: it covers the callback, the
drawing and the PNG. The table gives, per explorer and control, the median and the largest CPU
seconds per change against the target of 0.15 s; ``build/bench_widgets.json`` keeps every number.

The machine may be shared: CPU time (not wall time) is what is measured, on one pinned core with
one thread, so that another process's load changes the numbers little.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
for _key, _value in ONE_THREAD.items():
    os.environ.setdefault(_key, _value)

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from IPython.core.pylabtools import print_figure  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from course_utils import experiments, models  # noqa: E402
from course_utils import widgets as course_widgets  # noqa: E402

TARGET_S = 0.15
REPORT = ROOT / "build" / "bench_widgets.json"


class FrontEnd:
    """Stands in for the notebook: what the widgets display becomes PNG bytes, counted and kept."""

    def __init__(self) -> None:
        self.shown: list[bytes] = []

    def display(self, *objects: Any, **_: Any) -> None:
        for obj in objects:
            if isinstance(obj, Figure):
                png = print_figure(obj, "png", base64=True, bbox_inches="tight")  # the inline formatter's call
                if png:
                    self.shown.append(png.encode() if isinstance(png, str) else png)

    def show(self, *_: Any, **__: Any) -> None:
        """``plt.show`` under the inline backend: every open figure is displayed, then closed."""
        for number in plt.get_fignums():
            self.display(plt.figure(number))
        plt.close("all")

    def install(self) -> None:
        import importlib
        import pkgutil

        for info in pkgutil.iter_modules(course_widgets.__path__):
            module = importlib.import_module(f"{course_widgets.__name__}.{info.name}")
            if hasattr(module, "display"):
                module.display = self.display
        plt.close(plt.figure())  # pyplot picks its backend now, before its show is replaced

        def show(*args: Any, **kwargs: Any) -> None:
            self.show(*args, **kwargs)

        plt.show = show


def image_widgets(widget: W.Widget) -> list[W.Image]:
    """Every ``ipywidgets.Image`` in a widget tree (a widget may show its figure as one)."""
    found = [widget] if isinstance(widget, W.Image) else []
    for child in getattr(widget, "children", ()):
        found += image_widgets(child)
    return found


def controls(widget: W.Widget) -> list[W.ValueWidget]:
    """The controls a learner moves: sliders, toggle buttons and dropdowns, in the order shown."""
    kinds = (W.IntSlider, W.FloatSlider, W.FloatLogSlider, W.SelectionSlider, W.ToggleButtons, W.Dropdown)
    found = [widget] if isinstance(widget, kinds) else []
    for child in getattr(widget, "children", ()):
        found += controls(child)
    return found


def values_of(control: W.ValueWidget, count: int) -> list[Any]:
    """``count`` values across the control's range (never its current one twice in a row), ending where it began."""
    start = control.value
    if hasattr(control, "options") and not isinstance(control, (W.IntSlider, W.FloatSlider)):
        options = [value for _, value in control.options] if control.options and isinstance(
            control.options[0], tuple) else list(control.options)
        if isinstance(control, (W.ToggleButtons, W.Dropdown)) and len(options) <= 3:
            picks = [o for o in options if o != start] + [start]
            return (picks * count)[:max(count, len(picks))]
        step = max(1, len(options) // count)
        picks = [o for o in options[::step] if o != start][:count - 1]
        return picks + [start]
    if isinstance(control, W.FloatLogSlider):
        exponents = [control.min + (control.max - control.min) * k / (count - 1) for k in range(count)]
        return [control.base ** (round(v / control.step) * control.step) for v in exponents] + [start]
    low, high = control.min, control.max
    picks = [low + (high - low) * k / (count - 1) for k in range(count)]
    if isinstance(control, W.IntSlider):
        picks = [int(round(v)) for v in picks]
    else:
        picks = [round(round(v / control.step) * control.step, 6) for v in picks]
    return [v for v in picks if v != start] + [start]


def explorers() -> dict[str, Callable[[], W.Widget]]:
    """Every explorer of ``widgets.__all__``, built from stored results (no training: a stub ``run``)."""
    never = lambda *args: (_ for _ in ()).throw(RuntimeError("the benchmark never trains"))  # noqa: E731

    def depth() -> W.Widget:
        sweep = experiments.load_degradation_sweep("depth")
        return course_widgets.depth_explorer(sweep, never)

    def learning_rate() -> W.Widget:
        return course_widgets.learning_rate_explorer(experiments.load_batch_norm_sweep("lr"), never)

    def dropout() -> W.Widget:
        return course_widgets.dropout_explorer(experiments.load_dropout_sweep("p"), never)

    def ridge() -> W.Widget:
        example = experiments.lfd_example(15, 0.5, 10, seed=4, degrees=(10,))
        return course_widgets.ridge_explorer(example, lambda lam: experiments.ridge_fit(example, lam),
                                             colour=experiments.DECAY_COLOURS["l2"])

    def decay() -> W.Widget:
        return course_widgets.decay_explorer(experiments.load_weight_decay_sweep("lambda"), never,
                                             colours=experiments.DECAY_COLOURS)

    def noise() -> W.Widget:
        recipe = experiments.NoiseRecipe(runs=40)  # the notebook's grid; fewer runs per cell (same drawing)
        maps = {"stochastic (N, σ²)": experiments.overfit_map(recipe, "sigma2"),
                "deterministic (N, Q_f)": experiments.overfit_map(recipe, "q_f")}
        return course_widgets.noise_explorer(
            maps, lambda n, s, q, seed: experiments.lfd_example(n, s, q, seed=seed), never,
            colours=experiments.DEGREE_COLOURS)

    def shift() -> W.Widget:
        return course_widgets.shift_explorer(experiments.load_catalogue_sweep("shift"), never)

    def smoothing() -> W.Widget:
        return course_widgets.smoothing_explorer(experiments.load_catalogue_sweep("smoothing"), never)

    def epsilon() -> W.Widget:
        recipe = experiments.DigitsRecipe()
        digits = experiments.digits_data(recipe, images=False)
        torch.manual_seed(0)
        nets = {"standard": models.MLP(64, 10, width=recipe.mlp_width),
                "adversarial, ε = 0.1": models.MLP(64, 10, width=recipe.mlp_width)}
        return course_widgets.epsilon_explorer(experiments.load_catalogue_sweep("epsilon"), nets, digits.test,
                                               never, experiments.fgsm_series)

    def browser() -> W.Widget:
        from course_utils import data

        x, y = data.load_mnist1d(seed=0).train
        return course_widgets.example_browser(x, y, title="MNIST-1D")

    return {"example_browser": browser, "depth_explorer": depth, "noise_explorer": noise, "ridge_explorer": ridge,
            "decay_explorer": decay, "dropout_explorer": dropout, "learning_rate_explorer": learning_rate,
            "shift_explorer": shift, "smoothing_explorer": smoothing, "epsilon_explorer": epsilon}


def label_of(control: W.ValueWidget, index: int, seen: dict[str, int]) -> str:
    name = control.description or type(control).__name__
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name} #{seen[name]}"


def bench_one(name: str, build: Callable[[], W.Widget], front: FrontEnd, rounds: int, count: int,
              png_dir: Path | None) -> dict:
    start = time.process_time()
    widget = build()
    built = time.process_time() - start
    images = image_widgets(widget)
    result: dict = {"build_cpu_s": round(built, 3), "controls": {}}
    seen: dict[str, int] = {}
    for index, control in enumerate(controls(widget)):
        label = label_of(control, index, seen)
        times = []
        for round_ in range(rounds):
            for k, value in enumerate(values_of(control, count)):
                front.shown.clear()
                images_before = [im.value for im in images]
                start = time.process_time()
                control.value = value
                times.append(time.process_time() - start)
                shown = front.shown[-1:] or [im.value for im, old in zip(images, images_before) if im.value is not old]
                if png_dir is not None and round_ == 0 and shown:
                    png_dir.mkdir(parents=True, exist_ok=True)
                    data = shown[-1]
                    if isinstance(data, bytes) and not data.startswith(b"\x89PNG"):
                        import base64

                        data = base64.b64decode(data)
                    safe = "".join(c if c.isalnum() else "_" for c in label)
                    (png_dir / f"{name}__{safe}__{k}.png").write_bytes(data)
        result["controls"][label] = {"changes": len(times), "median_cpu_s": round(statistics.median(times), 4),
                                     "max_cpu_s": round(max(times), 4)}
    plt.close("all")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over each control's values (default 3)")
    parser.add_argument("--values", type=int, default=5, help="values per control and pass (default 5)")
    parser.add_argument("--only", default="", help="only explorers whose name contains this text")
    parser.add_argument("--png", type=Path, default=None, help="save each first-pass PNG in this folder")
    parser.add_argument("--out", type=Path, default=REPORT, help=f"JSON report (default {REPORT.relative_to(ROOT)})")
    parser.add_argument("--no-pin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if not args.no_pin and shutil.which("taskset") and os.sched_getaffinity(0) != {0}:
        os.execvpe("taskset", ["taskset", "-c", "0", sys.executable, *sys.argv, "--no-pin"], {**os.environ, **ONE_THREAD})

    torch.set_num_threads(1)
    front = FrontEnd()
    front.install()
    pinned = os.sched_getaffinity(0) == {0}
    print(f"explorer widgets: CPU s per control change (target ≤ {TARGET_S} s); "
          f"{'taskset -c 0' if pinned else 'NOT pinned'}, one thread")
    report: dict = {"settings": {"target_cpu_s": TARGET_S, "pinned_cpu0": pinned, **ONE_THREAD,
                                 "rounds": args.rounds, "values": args.values, "python": platform.python_version(),
                                 "matplotlib": matplotlib.__version__, "load_before": list(os.getloadavg())},
                    "explorers": {}}
    rows = []
    for name, build in explorers().items():
        if args.only not in name:
            continue
        result = bench_one(name, build, front, args.rounds, args.values, args.png)
        report["explorers"][name] = result
        for label, r in result["controls"].items():
            rows.append((name, label, r["median_cpu_s"], r["max_cpu_s"], r["changes"]))
    report["settings"]["load_after"] = list(os.getloadavg())
    print(f"{'explorer':<24} {'control':<16} {'median s':>9} {'max s':>8} {'changes':>8}  target {TARGET_S} s")
    for name, label, median, largest, changes in rows:
        verdict = "ok" if largest <= TARGET_S else ("median ok" if median <= TARGET_S else "OVER")
        print(f"{name:<24} {label:<16} {median:>9.3f} {largest:>8.3f} {changes:>8}  {verdict}")
    worst = max((r[3] for r in rows), default=0.0)
    print(f"largest CPU time of one change: {worst:.3f} s ({'within' if worst <= TARGET_S else 'OVER'} the target)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
