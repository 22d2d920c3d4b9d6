"""Notebook 07, the regularization catalogue: its three sliders.

Each gets its stored sweep and its live run function as arguments:

- :func:`shift_explorer`: augmentation strength (the largest circular shift) on MNIST-1D;
- :func:`smoothing_explorer`: label smoothing's α against accuracy and calibration;
- :func:`epsilon_explorer`: FGSM's ε against robust accuracy, with the adversarial examples shown.

The colours are the figures' (:mod:`.figures`): grey without the technique, blue the chosen
setting, orange a live run; solid lines are training, dashed ones test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
import torch
from torch import Tensor, nn

from ..._validation import (
    Constraint,
    Instance,
    IsCallable,
    MappingOf,
    Pair,
    TensorOf,
    user_hook,
    validate,
)
from ...language import gettext as tr
from ...language import label as named
from ...regularizers.adversarial import fgsm
from ...train import History
from .._live import LiveFigure, live_controls, run_live
from .._protocols import other_sweep
from .figures import _PALETTE, BASE, CHOSEN, LIVE

if TYPE_CHECKING:  # only for the type hints: a widget is given its sweep, it never loads one
    from ...experiments.catalogue import CatalogueSweep

__all__ = ["epsilon_explorer", "shift_explorer", "smoothing_explorer"]


class _SliderSweep(Constraint):
    """A stored slider sweep of notebook 07; checked by what it offers (a widget never imports one)."""

    def __init__(self, example: str) -> None:
        super().__init__(f"Pass the sweep this widget draws: experiments.load_catalogue_sweep({example!r}).")
        self.example = example

    def describe(self) -> str:
        return f"a stored slider sweep such as experiments.load_catalogue_sweep({self.example!r})"

    def failure(self, value: Any) -> Any:
        other = other_sweep(value, "catalogue", (self.example,))
        if other:
            return other
        ok = all(hasattr(value, a) for a in ("settings", "get", "recipe", "final")) and bool(
            callable(getattr(value, "settings", None)) and value.settings())
        return None if ok else self.wrong_type(value)


def _epochs(h: History) -> list[int]:
    return list(range(1, h.epochs + 1))


@validate(sweep=_SliderSweep("shift"), run=IsCallable("a callable max_shift -> History",
                                                      hint="e.g. partial(experiments.run_shift, recipe=sweep.recipe, "
                                                           "data=mnist)"))
def shift_explorer(sweep: CatalogueSweep, run: Callable[[int], History]) -> W.VBox:
    """A slider over the largest circular shift of the augmentation, over the stored shift sweep.

    Left: training and test accuracy per epoch of the chosen setting beside no augmentation (grey).
    Right: final training and test accuracy against the largest shift, the chosen one circled.
    "train live" trains the chosen setting now and adds its curves (orange).

    Args:
        sweep: ``experiments.load_catalogue_sweep("shift")``.
        run: trains one setting, e.g. ``partial(experiments.run_shift, recipe=sweep.recipe, data=mnist)``.

    Returns:
        A widget: a ``SelectionSlider`` "max shift", a "train live" button with a status line, the plot.
    """
    settings = sweep.settings()
    slider = W.SelectionSlider(options=[(str(v), v) for v, _ in settings], value=settings[-1][0],
                               description=tr("max shift"), continuous_update=False)
    button, status, progress = live_controls()
    label_of = dict(settings)
    live: dict[Any, History] = {}
    # One figure for the explorer's life: the final accuracies against the shift are drawn once.
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    view = LiveFigure(fig)
    axes[0].set(xlabel=tr("epoch"), ylabel=tr("accuracy"), ylim=(0, 1.02), title=tr("accuracy per epoch"))
    xs = [v for v, _ in settings]
    axes[1].plot(xs, [sweep.get(lab).train_acc[-1] for _, lab in settings], color=CHOSEN, ls="-", marker="o",
                 label=tr("training (augmented batches)"))
    axes[1].plot(xs, [sweep.final(lab) for _, lab in settings], color=CHOSEN, ls="--", marker="s",
                 label=tr("test"))
    axes[1].set(xlabel=tr("largest circular shift (positions of 40)"), ylabel=tr("accuracy after the last epoch"),
                ylim=(0, 1.02), title=tr("final accuracy against augmentation strength (stored)"))
    for ax in axes:
        ax.grid(alpha=0.3)

    def paint() -> None:
        value = slider.value
        shown = {named(label_of[settings[0][0]]): (sweep.get(label_of[settings[0][0]]), BASE)}
        shown[named(label_of[value])] = (sweep.get(label_of[value]), CHOSEN)
        if value in live:
            shown[tr("{label} (live)").format(label=named(label_of[value]))] = (live[value], LIVE)
        for name, (h, colour) in shown.items():
            axes[0].plot(_epochs(h), h.train_acc, color=colour, ls="-", label=tr("{label}: training").format(label=name))
            axes[0].plot(_epochs(h), h.series("test_acc"), color=colour, ls="--",
                         label=tr("{label}: test").format(label=name))
        axes[1].plot([value], [sweep.final(label_of[value])], "o", ms=14, mfc="none", mec="black",
                     label=tr("chosen setting"))
        for ax in axes:
            ax.legend(fontsize="x-small")

    def draw(*_: Any) -> None:
        view.repaint(paint, autoscale=[axes[0]])

    def train_live(_: Any) -> None:
        value = slider.value
        history = run_live(button, status, progress, f"<b>{named(label_of[value])}</b>", lambda: run(value),
                         lambda h, s: tr("<b>{label}</b> trained live in {seconds:.0f} s: test accuracy {acc:.3f} "
                                         "(stored: {stored:.3f})").format(
                             label=named(label_of[value]), seconds=s, acc=h.series("test_acc")[-1],
                             stored=sweep.final(label_of[value])))
        if history is not None:
            live[value] = history
            draw()

    slider.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([slider, W.HBox([button, status]), progress, view.image])


@validate(sweep=_SliderSweep("smoothing"), run=IsCallable("a callable alpha -> History",
                                                          hint="e.g. partial(experiments.run_smoothing, "
                                                               "recipe=sweep.recipe, data=mnist)"))
def smoothing_explorer(sweep: CatalogueSweep, run: Callable[[float], History]) -> W.VBox:
    """A slider over label smoothing's α, over the stored smoothing sweep.

    Left: test accuracy and expected calibration error against α (stored), the chosen α circled.
    Right: the validation loss per epoch of the chosen α beside α = 0 (grey): without smoothing it
    climbs while the accuracy does not fall, the mark of growing over-confidence. "train live"
    trains the chosen α now and adds its curve (orange).

    Args:
        sweep: ``experiments.load_catalogue_sweep("smoothing")``.
        run: trains one setting, e.g. ``partial(experiments.run_smoothing, recipe=sweep.recipe, data=mnist)``.

    Returns:
        A widget: a ``SelectionSlider`` "α", a "train live" button with a status line, the plot.
    """
    settings = sweep.settings()
    slider = W.SelectionSlider(options=[(f"{v:g}", v) for v, _ in settings], value=settings[min(2, len(settings) - 1)][0],
                               description="α", continuous_update=False)
    button, status, progress = live_controls()
    label_of = dict(settings)
    live: dict[Any, History] = {}
    # One figure for the explorer's life: accuracy and calibration against α are drawn once.
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    view = LiveFigure(fig)
    xs = [v for v, _ in settings]
    axes[0].plot(xs, [sweep.final(lab) for _, lab in settings], color=CHOSEN, ls="--", marker="s",
                 label=tr("test accuracy"))
    axes[0].plot(xs, [sweep.final(lab, "final_ece") for _, lab in settings], color="#009E73", ls="--", marker="^",
                 label=tr("expected calibration error (test)"))
    axes[0].set(xlabel=tr("smoothing factor α"), ylabel=tr("accuracy / calibration error"), ylim=(0, 1),
                title=tr("accuracy and calibration against α (stored)"))
    axes[1].set(xlabel=tr("epoch"), ylabel=tr("validation loss (cross-entropy)"), title=tr("validation loss per epoch"))
    for ax in axes:
        ax.grid(alpha=0.3)

    def paint() -> None:
        value = slider.value
        for series in ("final_acc", "final_ece"):
            axes[0].plot([value], [sweep.final(label_of[value], series)], "o", ms=14, mfc="none", mec="black")
        shown = {named(label_of[settings[0][0]]): (sweep.get(label_of[settings[0][0]]), BASE),
                 named(label_of[value]): (sweep.get(label_of[value]), CHOSEN)}
        if value in live:
            shown[tr("{label} (live)").format(label=named(label_of[value]))] = (live[value], LIVE)
        for name, (h, colour) in shown.items():
            axes[1].plot(_epochs(h), h.val_loss, color=colour, ls="--",
                         label=tr("{label}: validation loss").format(label=name))
        for ax in axes:
            ax.legend(fontsize="x-small")

    def draw(*_: Any) -> None:
        view.repaint(paint, autoscale=[axes[1]])

    def train_live(_: Any) -> None:
        value = slider.value
        history = run_live(button, status, progress, f"<b>{named(label_of[value])}</b>", lambda: run(value),
                         lambda h, s: tr("<b>{label}</b> trained live in {seconds:.0f} s: test accuracy {acc:.3f}, "
                                         "calibration error {ece:.3f} (stored: {stored_acc:.3f}, {stored_ece:.3f})").format(
                             label=named(label_of[value]), seconds=s, acc=h.series("final_acc")[-1],
                             ece=h.series("final_ece")[-1], stored_acc=sweep.final(label_of[value]),
                             stored_ece=sweep.final(label_of[value], "final_ece")))
        if history is not None:
            live[value] = history
            draw()

    slider.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([slider, W.HBox([button, status]), progress, view.image])


@validate(sweep=_SliderSweep("epsilon"),
          models=MappingOf(str, Instance(nn.Module, desc="a trained classifier"), desc="a dict {label: trained net}"),
          data=Pair(TensorOf("floating"), TensorOf(torch.int64, ndim=1)),
          run=IsCallable("a callable eps_train -> History or (net, History)",
                         hint="e.g. partial(experiments.train_digits_mlp, recipe=sweep.recipe, data=digits, progress=True)"),
          series=IsCallable("a callable eps -> the name of its robust-accuracy series, e.g. experiments.fgsm_series"))
def epsilon_explorer(sweep: CatalogueSweep, models: Mapping[str, nn.Module], data: tuple[Tensor, Tensor],
                     run: Callable[[float], History | tuple[nn.Module, History]],
                     series: Callable[[float], str]) -> W.VBox:
    """FGSM's ε: adversarial examples against live nets, and robust accuracy from the stored sweep.

    The test-ε slider sets the attack's step, and only that. Top: one test digit (the example slider
    picks it), its perturbation ε·sign(∇ₓloss) (blue +ε, red −ε) and the adversarial image, for each
    net of ``models``, with each net's answer — computed live, instantly. Bottom: test accuracy on FGSM
    examples against the test ε, one colour per training ε of the stored sweep, the chosen test ε
    marked. The training-ε menu is the other role of ε: "train live" trains a net adversarially at
    that ε now and adds its curve (orange, dashed) at every test ε.

    Args:
        sweep: ``experiments.load_catalogue_sweep("epsilon")``.
        models: trained nets to attack, e.g. ``{"standard": net, "adversarial, ε = 0.1": robust_net}``.
        data: the test set ``(x, y)``, ``x`` (N, 64) pixels in [0, 1] of 8x8 images.
        run: trains one setting, e.g. ``partial(experiments.train_digits_mlp, recipe=sweep.recipe, data=digits, progress=True)``.
        series: the name of the robust-accuracy series of an ε, ``experiments.fgsm_series``.

    Returns:
        A widget: a test-ε ``SelectionSlider``, an example ``IntSlider``, a training-ε ``Dropdown``
        with a "train live" button and a status line, and the plot.
    """
    series = user_hook(series)  # called here too, inside this call: the user's code
    grid = list(sweep.recipe.eps_grid)
    settings = sweep.settings()
    eps = W.SelectionSlider(options=[(f"{e:g}", e) for e in grid], value=min(grid, key=lambda e: abs(e - 0.1)),
                            description=tr("test ε"), continuous_update=False)
    x, y = data
    example = W.IntSlider(value=0, min=0, max=len(x) - 1, description=tr("example"), continuous_update=False)
    train_eps = W.Dropdown(options=[(f"{v:g}", v) for v, _ in settings], description=tr("train at ε"),
                           value=min((v for v, _ in settings), key=lambda v: abs(v - 0.1)))
    button, status, progress = live_controls()
    live: dict[float, History] = {}
    # One figure for the explorer's life: a change sets the images' pixels and the titles, and moves the ε line.
    fig = plt.figure(figsize=(11, 6.2))
    view = LiveFigure(fig, tight=False)
    top = fig.subfigures(2, 1, height_ratios=[1, 1.15])
    cells = top[0].subplots(1, 1 + 2 * len(models))
    blank = np.zeros((8, 8))
    pictures = [cells[0].imshow(blank, cmap="gray_r", vmin=0, vmax=1)]
    for k in range(len(models)):
        pictures += [cells[1 + 2 * k].imshow(blank, cmap="RdBu", vmin=-1, vmax=1),
                     cells[2 + 2 * k].imshow(blank, cmap="gray_r", vmin=0, vmax=1)]
    for ax in cells:
        ax.axis("off")
    ax = top[1].subplots()
    for k, (value, label) in enumerate(settings):
        h = sweep.get(label)
        ax.plot(grid, [h.series(series(g))[-1] for g in grid], marker="os^D"[k % 4],
                color=(BASE, *_PALETTE[1:])[k % len(_PALETTE)], label=tr("{label} (stored)").format(label=named(label)))
    ax.set(xlabel=tr("FGSM step ε at test time (pixels in [0, 1])"), ylabel=tr("test accuracy on FGSM examples"),
           ylim=(0, 1.02), title=tr("robust accuracy against ε"))
    ax.grid(alpha=0.3)

    def paint() -> None:
        e, i = eps.value, example.value
        xi, yi = x[i:i + 1], y[i:i + 1]
        pictures[0].set_data(xi.view(8, 8).numpy())
        cells[0].set_title(tr("test digit {index}\nlabel {label}").format(index=i, label=int(yi)), fontsize="small")
        for k, (name, net) in enumerate(models.items()):
            was = net.training
            net.eval()
            adv = fgsm(net, xi, yi, e)
            with torch.no_grad():
                before, after = int(net(xi).argmax(1)), int(net(adv).argmax(1))
            net.train(was)
            pictures[1 + 2 * k].set_data((adv - xi).view(8, 8).numpy())
            pictures[1 + 2 * k].set_clim(-max(e, 1e-3), max(e, 1e-3))
            cells[1 + 2 * k].set_title(tr("{name}:\nperturbation (blue +ε, red −ε)").format(name=name), fontsize="small")
            pictures[2 + 2 * k].set_data(adv.view(8, 8).numpy())
            cells[2 + 2 * k].set_title(tr("answer {before} → {after}").format(before=before, after=after),
                                       fontsize="small",
                                       color="#b00" if after != int(yi) else "black")
        for k, (value, h) in enumerate(live.items()):
            measured = [g for g in grid if series(g) in h.series_names()]  # the live run's own ε grid
            trained = (tr("standard training") if value == 0
                       else tr("adversarial training, ε = {eps:g}").format(eps=value))
            ax.plot(measured, [h.series(series(g))[-1] for g in measured], color=LIVE, ls="--", lw=2, alpha=0.8,
                    marker="os^D"[k % 4], mfc="white", label=tr("{label} (live)").format(label=trained))
        ax.axvline(e, color="black", lw=0.8, ls=":")
        ax.legend(fontsize="x-small")

    def draw(*_: Any) -> None:
        view.repaint(paint, keep=pictures)

    def train_live(_: Any) -> None:
        value = train_eps.value
        name = tr("standard training") if value == 0 else tr("adversarial training at ε = {eps:g}").format(eps=value)

        def done(h: History, seconds: float) -> str:
            text = tr("<b>{name}</b> trained live in {seconds:.0f} s: clean accuracy {acc:.3f}").format(
                name=name, seconds=seconds, acc=h.series("final_acc")[-1])
            if series(eps.value) in h.series_names():
                text += tr(", accuracy on FGSM examples at the test ε = {eps:g}: {acc:.3f}").format(
                    eps=eps.value, acc=h.series(series(eps.value))[-1])
            return text

        history = run_live(button, status, progress, f"<b>{name}</b>", lambda: run(value), done)
        if history is not None:
            live[value] = history
            draw()

    eps.observe(draw, names="value")
    example.observe(draw, names="value")
    button.on_click(train_live)
    draw()
    return W.VBox([W.HBox([eps, example]), W.HBox([train_eps, button, status]), progress, view.image])
