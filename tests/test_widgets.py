"""Widgets wire a control to a plot: moving the control redraws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import widgets  # noqa: E402


def test_example_browser_redraws_the_chosen_example(monkeypatch):
    drawn = []
    monkeypatch.setattr(widgets, "plot_signals", lambda x, y, *, indices, ax, title: drawn.append(indices))
    x, y = torch.randn(5, 40), torch.arange(5)
    box = widgets.example_browser(x, y)
    slider = box.children[0]
    assert (slider.min, slider.max, slider.description) == (0, 4, "example")
    slider.value = 3
    assert drawn == [[0], [3]]


@pytest.mark.parametrize("x,y,exc", [
    ("signals", torch.zeros(3), TypeError),
    (torch.zeros(3, 40), [0, 1, 2], TypeError),
    (torch.zeros(3, 40), torch.zeros(2), ValueError),
    (torch.zeros(0, 40), torch.zeros(0), ValueError),
], ids=["x_not_tensor", "y_not_tensor", "length_mismatch", "empty"])
def test_example_browser_rejects_bad_input(x, y, exc):
    with pytest.raises(exc, match="parameter"):
        widgets.example_browser(x, y)
