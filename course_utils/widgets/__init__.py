"""Interactive controls for the notebooks, one module per notebook.

A widget only wires controls to what it is given: the stored results and the run function
come in as arguments (a widget imports nothing from ``experiments`` or ``data``), and the
drawing lives in :mod:`course_utils.plots`.

- :mod:`.welcome` (notebook 00): :func:`example_browser`, a slider over a data set's examples.
- :mod:`.residual` (notebook 01): :func:`depth_explorer`, a depth slider over a stored sweep
  with live training of the chosen setting.
- :mod:`.overfitting` (notebook 03): :func:`noise_explorer`, sliders for N, σ² and Q_f over one data
  set's fits beside the overfit-measure maps; the figures' drawing functions.
- :mod:`.weight_decay` (notebook 04): :func:`ridge_explorer` (λ on a polynomial) and
  :func:`decay_explorer` (λ over the stored net sweep, with live training).
- :mod:`.dropout` (notebook 05): :func:`dropout_explorer`, a p slider over the stored sweep;
  :func:`draw_dropout_net`, the deck's picture of a net before and after dropout.
- :mod:`.batch_norm` (notebook 06): :func:`learning_rate_explorer`, a learning-rate slider, with and
  without batch norm.
- :mod:`.catalogue` (notebook 07): its ``explorers`` :func:`shift_explorer`, :func:`smoothing_explorer`
  and :func:`epsilon_explorer` (augmentation strength, smoothing factor, FGSM's ε); its ``figures``
  :func:`draw_images`, :func:`draw_reliability` and :func:`draw_effects`.
"""

from .batch_norm import learning_rate_explorer
from .overfitting import draw_boundaries, draw_fits, draw_overfit_map, noise_explorer
from .weight_decay import decay_explorer, draw_decay_curve, ridge_explorer
from .dropout import draw_dropout_net, dropout_explorer
from .residual import depth_explorer
from .catalogue import (draw_effects, draw_images, draw_reliability, epsilon_explorer, shift_explorer,
                        smoothing_explorer)
from .welcome import example_browser

__all__ = ["depth_explorer", "example_browser"]
__all__ += ["draw_dropout_net", "dropout_explorer"]  # notebook 05
__all__ += ["learning_rate_explorer"]  # notebook 06
__all__ += ["draw_boundaries", "draw_fits", "draw_overfit_map", "noise_explorer"]  # notebook 03
__all__ += ["decay_explorer", "draw_decay_curve", "ridge_explorer"]  # notebook 04
__all__ += ["draw_effects", "draw_images", "draw_reliability", "epsilon_explorer", "shift_explorer",
            "smoothing_explorer"]  # notebook 07
