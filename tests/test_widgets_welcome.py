"""Widgets wire a control to a plot: moving the control redraws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils.widgets import welcome  # noqa: E402


def test_example_browser_redraws_the_chosen_example(monkeypatch):
    drawn = []
    monkeypatch.setattr(welcome, "plot_signals", lambda x, y, *, indices, ax, title: drawn.append(indices))
    x, y = torch.randn(5, 40), torch.arange(5)
    box = welcome.example_browser(x, y)
    slider = box.children[0]
    assert (slider.min, slider.max, slider.description) == (0, 4, "example")
    slider.value = 3
    assert drawn == [[0], [3]]


LABELS = torch.arange(3)


@pytest.mark.parametrize("x,y,exc,name", [
    ("signals", LABELS, TypeError, "x"),
    (torch.zeros(3, 40), [0, 1, 2], TypeError, "y"),
    (torch.zeros(3, 40), torch.zeros(3), TypeError, "y"),
    (torch.zeros(3, 40), torch.arange(2), ValueError, "y"),
    (torch.zeros(0, 40), torch.arange(0), ValueError, "x"),
    (torch.zeros(3), LABELS, ValueError, "x"),
], ids=["x_not_tensor", "y_not_tensor", "y_float", "length_mismatch", "empty", "x_1d"])
def test_example_browser_rejects_bad_input(x, y, exc, name):
    with pytest.raises(exc, match=f"The '{name}' parameter of example_browser"):
        welcome.example_browser(x, y)
