"""Notebook 07, the regularization catalogue: its figures and its three sliders.

- :mod:`.figures`: :func:`draw_images`, :func:`draw_reliability` and :func:`draw_effects` (the
  closing chart), and the notebook's colours (``BASE``, ``CHOSEN``, ``LIVE``, ``KIND_COLOURS``).
- :mod:`.explorers`: :func:`shift_explorer`, :func:`smoothing_explorer` and :func:`epsilon_explorer`
  (augmentation strength, smoothing factor, FGSM's ε), each over its stored sweep with live training.

The notebooks use them as ``from course_utils.widgets import catalogue as cw``.
"""

from .explorers import epsilon_explorer, shift_explorer, smoothing_explorer
from .figures import BASE, CHOSEN, COST_MARK, KIND_COLOURS, LIVE, draw_effects, draw_images, draw_reliability

__all__ = ["BASE", "CHOSEN", "COST_MARK", "KIND_COLOURS", "LIVE", "draw_effects", "draw_images", "draw_reliability",
           "epsilon_explorer", "shift_explorer", "smoothing_explorer"]
