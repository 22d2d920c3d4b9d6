"""Made-up results for the widget tests (tests/test_widgets_*.py): no training, numbers a test knows.

An explorer draws the results it is given and calls the ``run`` function it is given; whether the
training behind them is right is for the experiments' and the claims' tests. So the widget tests
drive the explorers with:

* :class:`~course_utils.train.History` objects of a few epochs of invented, deterministic numbers,
  wrapped in the topic's sweep class (``DropoutSweep(spec, runs)`` …) exactly as a stored sweep
  is: the spec is the topic's own with a small recipe, the labels those of ``spec.labels(recipe)``;
* :class:`LiveRun`, a stand-in for a widget's "train live" function: it records the arguments of
  each call and returns a made-up History at once.

Every run of a sweep ends at values that no other run of it has (run ``k`` of the labels' order
at :func:`stored_final`), and a live run at values no stored run has (:func:`live_final`, 0.8 and
above), so that a test can tell the chosen run's line or number from another's, and the live
run's from the stored one's.

A plain module imported like testkit (``import fake_runs``), not conftest.py: see
testkit.py why.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from course_utils import experiments, models
from course_utils.train import History

NAN = math.nan


# ------------------------------------------------------------------------------------ numbers
def stored_final(k: int) -> float:
    """The last-epoch accuracy of the ``k``-th run of a made-up sweep: 0.25, 0.293, 0.336, …, distinct to 3 digits."""
    if not 0 <= k < 16:
        raise ValueError(f"a made-up sweep has at most 16 runs, not run {k}")
    return round(0.25 + 0.043 * k, 3)


def live_final(k: int) -> float:
    """The last-epoch accuracy of the ``k``-th made-up live run: 0.8, 0.807, … above every stored run."""
    return round(0.8 + 0.007 * k, 3)


def ramp(end: float, epochs: int, start: float | None = None) -> list[float]:
    """``epochs`` values rising evenly from ``start`` (default ``end / 2``: every run's curve is its own)
    after the first epoch to ``end`` after the last."""
    start = end / 2 if start is None else start
    if epochs == 1:
        return [end]
    return [round(start + (end - start) * e / (epochs - 1), 6) for e in range(epochs)]


def after_last(value: float, epochs: int) -> list[float]:
    """A series measured once, after the last epoch (``nan`` before), as the experiments log test accuracy."""
    return [NAN] * (epochs - 1) + [value]


def history(train_acc: Sequence[float], val_acc: Sequence[float], *, train_loss: Sequence[float] | None = None,
            val_loss: Sequence[float] | None = None, lr: float = 1e-3, extra: dict[str, list[float]] | None = None,
            stopped_early: bool = False) -> History:
    """A History of the given accuracies; losses, when not given, fall as the accuracies rise."""
    epochs = len(train_acc)
    if len(val_acc) != epochs:
        raise ValueError("train_acc and val_acc must have one value per epoch")

    def loss(acc: Sequence[float]) -> list[float]:
        return [a if math.isnan(a) else round(2.3 * (1 - a) + 0.05, 6) for a in acc]

    return History(train_loss=list(train_loss) if train_loss is not None else loss(train_acc),
                   train_acc=list(train_acc), val_loss=list(val_loss) if val_loss is not None else loss(val_acc),
                   val_acc=list(val_acc), lr=[lr] * epochs, epoch_time=[0.01] * epochs,
                   best_epoch=None, stopped_early=stopped_early, extra=dict(extra or {}))


def curves(final: float, epochs: int, *, train_gap: float = 0.1) -> History:
    """A run whose validation accuracy ends at ``final`` and training accuracy ``train_gap`` above it."""
    return history(ramp(min(final + train_gap, 1.0), epochs), ramp(final, epochs))


def tested(h: History) -> History:
    """``h`` with its held-out curves as the test set's: ``extra`` ``test_loss``/``test_acc``, ``val_*`` nan.

    The shape ``fit(..., test=...)`` gives the runs of notebooks 01 and 06, which use no validation set.
    """
    return History(train_loss=h.train_loss, train_acc=h.train_acc, val_loss=[NAN] * h.epochs,
                   val_acc=[NAN] * h.epochs, lr=h.lr, epoch_time=h.epoch_time, stopped_early=h.stopped_early,
                   extra={"test_loss": h.val_loss, "test_acc": h.val_acc, **h.extra})


def diverged(epochs: int, *, before: float = 0.3, lr: float = 1e-3) -> History:
    """A run whose loss became NaN in epoch ``epochs``: the finite epochs before, then one of NaN, stopped early.

    The shape ``experiments.batch_norm`` stores for a diverged run (its test curves in ``extra``).
    """
    finite = curves(before, epochs - 1) if epochs > 1 else history([], [])
    return tested(history([*finite.train_acc, NAN], [*finite.val_acc, NAN], train_loss=[*finite.train_loss, NAN],
                          val_loss=[*finite.val_loss, NAN], lr=lr, stopped_early=True))


def sweep(kind: type, spec: experiments.SweepSpec, recipe: Any, make: Callable[[int, str], History]) -> Any:
    """``kind(spec with recipe, {label: make(k, label)})``, the runs in the order of ``spec.labels(recipe)``."""
    spec = dataclasses.replace(spec, recipe=recipe)
    runs = {label: make(k, label) for k, label in enumerate(spec.labels(recipe))}
    finals = [h.series("test_acc" if "test_acc" in h.extra else "val_acc")[-1] for h in runs.values()]
    finals = [a for a in finals if not math.isnan(a)]
    if len(set(finals)) != len(finals):  # a test could not tell one run's line from another's
        raise ValueError(f"made-up runs with the same final held-out accuracy: {sorted(finals)}")
    return kind(spec, runs)


class LiveRun:
    """A widget's "train live" function that trains nothing: it records each call and returns ``make(*args)``.

    Attributes:
        calls: the arguments of every call, one tuple per call.
        returned: the History each call returned.
    """

    def __init__(self, make: Callable[..., History]) -> None:
        self.make = make
        self.calls: list[tuple] = []
        self.returned: list[History] = []

    def __call__(self, *args: Any) -> History:
        self.calls.append(args)
        h = self.make(*args)
        self.returned.append(h)
        return h


# ------------------------------------------------------------------------------------ topics
def dropout_run(final: float, epochs: int = 3) -> History:
    """A dropout run: validation accuracy ``final``, ``extra["train_eval_acc"]`` 0.15 above, test accuracy after the last epoch."""
    h = curves(final, epochs, train_gap=0.05)
    h.extra["train_eval_acc"] = ramp(min(final + 0.15, 1.0), epochs)
    h.extra["test_acc"] = after_last(round(final - 0.011, 3), epochs)
    return h


def dropout_sweep(p: Sequence[float] = (0.0, 0.5), method: Sequence[str] = ("dropout", "dropconnect"),
                  epochs: int = 3) -> experiments.DropoutSweep:
    recipe = experiments.DropoutRecipe(p=tuple(p), method=tuple(method), width=16, epochs=epochs)
    return sweep(experiments.DropoutSweep, experiments.DROPOUT_SWEEPS["p"], recipe,
                 lambda k, _: dropout_run(stored_final(k), epochs))


def batch_norm_sweep(lr: Sequence[float] = (0.5, 2.0, 10000.0), epochs: int = 2,
                     diverge: dict[tuple[str, float], int] | None = None) -> experiments.BatchNormSweep:
    """Runs over the learning rates, with and without BN; ``diverge``: ``{(norm, lr): epoch its loss became NaN}``."""
    recipe = experiments.BatchNormRecipe(lr=tuple(lr), epochs=(epochs,), width=16)
    settings = {experiments.norm_label(s): s for s in experiments.norm_settings(recipe)}
    diverge = diverge or {}

    def make(k: int, label: str) -> History:
        s = settings[label]
        if (s.norm, s.lr) in diverge:
            return diverged(diverge[(s.norm, s.lr)], lr=s.lr)
        return tested(curves(stored_final(k), epochs))

    return sweep(experiments.BatchNormSweep, experiments.BATCH_NORM_SWEEPS["lr"], recipe, make)


def degradation_sweep(num_blocks: Sequence[int] = (1, 2), epochs: int = 2) -> experiments.DegradationSweep:
    recipe = experiments.DegradationRecipe(num_blocks=tuple(num_blocks), epochs=epochs)
    return sweep(experiments.DegradationSweep, experiments.DEGRADATION_SWEEPS["depth"], recipe,
                 lambda k, _: tested(curves(stored_final(k), epochs)))


def decay_run(final: float, epochs: int = 3) -> History:
    """A weight-decay run: validation accuracy ``final``, ``extra["test_acc"]`` logged after the first and the last epoch."""
    h = curves(final, epochs)
    h.extra["test_acc"] = [round(final - 0.2, 3)] + [NAN] * (epochs - 2) + [round(final - 0.017, 3)]
    return h


def decay_sweep(lambdas: Sequence[float] = (0.0, 0.01, 0.1), epochs: int = 3, seed: int = 0,
                shift: float = 0.0) -> experiments.DecaySweep:
    """A sweep over λ; ``shift`` moves every accuracy (another seed's sweep of the same recipe)."""
    recipe = experiments.DecayRecipe(lambdas=tuple(lambdas), widths=(16,), epochs=epochs, seed=seed)
    return sweep(experiments.DecaySweep, experiments.WEIGHT_DECAY_SWEEPS["lambda"], recipe,
                 lambda k, _: decay_run(round(stored_final(k) + shift, 3), epochs))


def catalogue_run(final: float, epochs: int = 3, *, fgsm: Sequence[float] = ()) -> History:
    """A run of notebook 07's sliders: test accuracy per epoch and ``final_acc``, ``final_ece`` after the last;
    with ``fgsm``, the robust accuracy at each of those test ε (``experiments.fgsm_series``), falling with ε."""
    h = curves(final, epochs)
    h.extra["test_acc"] = ramp(round(final - 0.013, 3), epochs)
    h.extra["final_acc"] = after_last(round(final - 0.013, 3), epochs)
    h.extra["final_ece"] = after_last(round(1.1 - final, 3), epochs)
    for i, eps in enumerate(fgsm):
        h.extra[experiments.fgsm_series(eps)] = after_last(round((final - 0.013) * 0.8 ** i, 3), epochs)
    return h


def overfit_maps(n_values: Sequence[int] = (20, 40, 80), sigma2_values: Sequence[float] = (0.0, 1.0, 2.0),
                 q_f_values: Sequence[int] = (5, 20, 40)) -> dict[str, experiments.OverfitMap]:
    """``{"stochastic": map over σ², "deterministic": map over Q_f}`` with made-up cells, different in the two maps.

    Laid out as ``experiments.overfit_map`` lays out its maps (rows: the axis, columns: N; the other
    noise held at the recipe's value); cell (i, j) of the stochastic map is ``0.1 * (i + 1) - 0.02 * j``,
    of the deterministic one ``-0.05 * (i + 1) + 0.3 * j``.
    """
    recipe = experiments.NoiseRecipe(n_values=tuple(n_values), sigma2_values=tuple(sigma2_values),
                                     q_f_values=tuple(q_f_values), runs=20)

    def cells(rows: int, row_step: float, column_step: float) -> torch.Tensor:
        i = torch.arange(1, rows + 1, dtype=torch.float64)[:, None]
        j = torch.arange(len(n_values), dtype=torch.float64)[None, :]
        return row_step * i + column_step * j

    def make(axis: str, values: tuple, average: torch.Tensor, fixed: dict[str, float]) -> experiments.OverfitMap:
        return experiments.OverfitMap(axis=axis, axis_values=values, n_values=recipe.n_values, average=average,
                                      mean=average * 3, positive=(average > 0).double(), fixed=fixed, recipe=recipe)

    return {"stochastic": make("sigma2", recipe.sigma2_values, cells(len(sigma2_values), 0.1, -0.02),
                               {"q_f": recipe.q_f}),
            "deterministic": make("q_f", recipe.q_f_values, cells(len(q_f_values), -0.05, 0.3),
                                  {"sigma2": recipe.sigma2})}


def boundary_result() -> experiments.BoundaryResult:
    """Notebook 03's two MLPs, untrained, on 40 made-up points of two classes, with made-up accuracies."""
    recipe = experiments.BoundaryRecipe(n_train=40, n_pool=300, epochs=3)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(40, 2, generator=generator)
    y = (x[:, 0] > 0).long()
    nets = {}
    for name, (width, depth) in (("small", recipe.small), ("large", recipe.large)):
        torch.manual_seed(0)
        nets[name] = models.MLP(2, 2, width=width, depth=depth).eval()
    runs = {name: curves(0.6, 3) for name in nets}
    return experiments.BoundaryResult(nets, runs, (x, y), (x[:10], y[:10]), {"small": 0.725, "large": 1.0},
                                      {"small": 0.713, "large": 0.638}, recipe)


# ------------------------------------------------------------------------------------ what was drawn
def capture_figures(monkeypatch) -> list:
    """Every figure made through ``plt.figure`` (``plt.subplots`` included) from now on, in order.

    An explorer keeps its figure to itself (it shows a PNG); this is how a test reads its lines.
    """
    import matplotlib.pyplot as plt

    made, real = [], plt.figure

    def figure(*args: Any, **kwargs: Any):
        fig = real(*args, **kwargs)
        made.append(fig)
        return fig

    monkeypatch.setattr(plt, "figure", figure)
    return made


def line(fig, label: str) -> list[float]:
    """The y values of the one line labelled ``label`` in ``fig`` (an AssertionError if there is not exactly one)."""
    found = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label() == label]
    labels = sorted({ln.get_label() for ax in fig.axes for ln in ax.get_lines()})
    assert len(found) == 1, f"{len(found)} lines labelled {label!r}; the lines are {labels}"
    return [float(v) for v in found[0].get_ydata()]

