"""Every explorer keeps one figure: a control change redraws its content in place, no new figure.

Each explorer gets its stored sweep (loading one is fast) or, for the noise explorer, made-up maps
(tests/fake_runs.py); its live function raises if called: a control change must not train.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import fake_runs  # noqa: E402
import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from course_utils import experiments, models, widgets  # noqa: E402
from course_utils.widgets._live import LiveFigure  # noqa: E402


def _never(*args):
    raise AssertionError("a control change must not train")


def _noise():
    maps = fake_runs.overfit_maps(n_values=(20, 40, 80), sigma2_values=(0.0, 1.0), q_f_values=(5, 20))  # made up
    return widgets.noise_explorer(maps, lambda n, s, q, seed: experiments.lfd_example(n, s, q, seed=seed), _never)


def _epsilon():
    torch.manual_seed(0)
    data = (torch.rand(6, 64), torch.randint(0, 10, (6,)))
    return widgets.epsilon_explorer(experiments.load_catalogue_sweep("epsilon"), {"net": models.MLP(64, 10, width=8)},
                                    data, _never, experiments.fgsm_series)


def _ridge():
    example = experiments.lfd_example(15, 0.5, 10, seed=4, degrees=(10,))
    return widgets.ridge_explorer(example, lambda lam: experiments.ridge_fit(example, lam))


#: explorer: (build it, description of the control to move, the value to move it to)
EXPLORERS = {
    "example_browser": (lambda: widgets.example_browser(torch.randn(4, 40), torch.arange(4)), "example", 2),
    "depth_explorer": (lambda: widgets.depth_explorer(experiments.load_degradation_sweep("depth"), _never),
                       "shortcuts", True),
    "learning_rate_explorer": (lambda: widgets.learning_rate_explorer(experiments.load_batch_norm_sweep("lr"), _never),
                               "learning rate", 0.1),
    "dropout_explorer": (lambda: widgets.dropout_explorer(experiments.load_dropout_sweep("p"), _never), "p", 0.0),
    "ridge_explorer": (_ridge, "λ", 1.0),
    "decay_explorer": (lambda: widgets.decay_explorer(experiments.load_weight_decay_sweep("lambda"), _never), "λ", 0.0),
    "noise_explorer": (_noise, "N", 60),
    "shift_explorer": (lambda: widgets.shift_explorer(experiments.load_catalogue_sweep("shift"), _never),
                       "max shift", 0),
    "smoothing_explorer": (lambda: widgets.smoothing_explorer(experiments.load_catalogue_sweep("smoothing"), _never),
                           "α", 0.0),
    "epsilon_explorer": (_epsilon, "test ε", 0.0),
}


def _find(widget, cls, description=None):
    found = [widget] if isinstance(widget, cls) and description in (None, getattr(widget, "description", None)) else []
    for child in getattr(widget, "children", ()):
        found += _find(child, cls, description)
    return found


def _content(fig: Figure) -> list:
    """What the figure shows: every line's label and data, every visible text."""
    lines = [(line.get_label(), tuple(map(float, line.get_xdata())), tuple(map(float, line.get_ydata())))
             for ax in fig.axes for line in ax.get_lines()]
    images = [im.get_array().tobytes() for ax in fig.axes for im in ax.get_images()]
    return [lines, images, sorted(t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text())]


def test_every_public_explorer_is_checked() -> None:
    explorers = {name for name in widgets.__all__ if name.endswith("_explorer") or name == "example_browser"}
    assert explorers == set(EXPLORERS)


@pytest.mark.parametrize("name", list(EXPLORERS))
def test_a_control_change_updates_the_one_figure_in_place(name, monkeypatch) -> None:
    made = []
    real = plt.figure

    def figure(*args, **kwargs):
        fig = real(*args, **kwargs)
        made.append(fig)
        return fig

    monkeypatch.setattr(plt, "figure", figure)
    build, description, value = EXPLORERS[name]
    widget = build()
    assert len(made) == 1, f"{name}: one figure when it is built, got {len(made)}"
    assert not plt.get_fignums(), "the explorer's figure is not left open in pyplot (a notebook would show it twice)"
    image, = _find(widget, W.Image)
    first_png, before = bytes(image.value), _content(made[0])
    assert first_png.startswith(b"\x89PNG")
    control, = _find(widget, W.ValueWidget, description)
    assert control.value != value
    control.value = value
    assert len(made) == 1, f"{name}: a control change must not make a new figure"
    assert _content(made[0]) != before, f"{name}: the figure's content must follow the control"
    assert bytes(image.value) != first_png, f"{name}: the shown image must follow the control"
    plt.close("all")


def test_a_colour_bar_does_not_make_the_next_change_draw_the_whole_figure(monkeypatch) -> None:
    # Drawing moves a colour bar (its locator places it): the background drawn must still serve the next
    # change, and a new key must still draw the whole figure once, its layout fitted once.
    fig, (live, ax) = plt.subplots(1, 2, figsize=(8, 3))
    fig.colorbar(ax.pcolormesh([[0.0, 1.0], [2.0, 3.0]]), ax=ax)
    view = LiveFigure(fig, live_axes=[live])
    full_draws, layouts = [], []
    real_draw, real_layout = type(fig.canvas).draw, fig.tight_layout

    def draw(canvas, *args, **kwargs):
        full_draws.append(1)
        return real_draw(canvas, *args, **kwargs)

    def tight_layout(*args, **kwargs):
        layouts.append(1)
        return real_layout(*args, **kwargs)

    monkeypatch.setattr(type(fig.canvas), "draw", draw)
    monkeypatch.setattr(fig, "tight_layout", tight_layout)
    for step, key in enumerate(("first", "first", "first", "second", "second")):
        view.repaint(lambda: live.plot([0, 1], [0, step]), key=key)
    assert len(full_draws) == 2, "one full draw per key; the other changes reuse its background"
    assert len(layouts) == 2, "the layout is fitted once per key (not again to look for text past the edge)"
    plt.close("all")
