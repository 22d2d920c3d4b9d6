"""Interactive controls for the notebooks, one module per notebook.

A widget only wires controls to what it is given: the stored results and the run function
come in as arguments (a widget imports nothing from ``experiments`` or ``data``), and the
drawing lives in :mod:`course_utils.plots`.

- :mod:`.welcome` (notebook 00): :func:`example_browser`, a slider over a data set's examples.
- :mod:`.residual` (notebook 01): :func:`depth_explorer`, a depth slider over a stored sweep
  with live training of the chosen setting.
- :mod:`.dropout` (notebook 05): :func:`dropout_explorer`, a p slider over the stored sweep;
  :func:`draw_dropout_net`, the deck's picture of a net before and after dropout.
- :mod:`.batch_norm` (notebook 06): :func:`learning_rate_explorer`, a learning-rate slider, with and
  without batch norm.
"""

from .batch_norm import learning_rate_explorer
from .dropout import draw_dropout_net, dropout_explorer
from .residual import depth_explorer
from .welcome import example_browser

__all__ = ["depth_explorer", "example_browser"]
__all__ += ["draw_dropout_net", "dropout_explorer"]  # notebook 05
__all__ += ["learning_rate_explorer"]  # notebook 06
