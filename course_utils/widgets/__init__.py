"""Interactive controls for the notebooks, one module per notebook.

A widget only wires controls to what it is given: the stored results and the run function
come in as arguments (a widget imports nothing from ``experiments`` or ``data``), and the
drawing lives in :mod:`course_utils.plots`.

- :mod:`.welcome` (notebook 00): :func:`example_browser`, a slider over a data set's examples.
- :mod:`.residual` (notebook 01): :func:`depth_explorer`, a depth slider over a stored sweep
  with live training of the chosen setting.
"""

from .residual import depth_explorer
from .welcome import example_browser

__all__ = ["depth_explorer", "example_browser"]
