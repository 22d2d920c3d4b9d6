"""Notebook 03, overfitting and noise: three experiments, all small enough to run live.

- :mod:`.regression`: polynomials of rising degree fitted to a few noisy samples of a Legendre
  target (:func:`lfd_example`, :func:`degree_errors`).
- :mod:`.boundaries`: a small and a large MLP's decision boundaries on the noisy two moons
  (:class:`BoundaryRecipe`, :func:`run_boundaries`).
- :mod:`.noise_maps`: stochastic vs deterministic noise, the overfit measure and its heat maps
  (:class:`NoiseRecipe`, :func:`overfit_map`), and the bias-variance split (:func:`bias_variance`).

The Legendre maths they share (features, least-squares fits, exact out-of-sample errors) is in
:mod:`course_utils.data.legendre`.
"""

from .boundaries import MODEL_COLOURS, BoundaryRecipe, BoundaryResult, boundary_data, decision_grid, run_boundaries
from .noise_maps import (
    NoiseRecipe,
    OverfitMap,
    bias_variance,
    map_cell,
    map_trend,
    overfit_map,
    overfit_measure,
    overfit_runs,
    robust_average,
)
from .regression import DEGREE_COLOURS, LFDExample, degree_errors, lfd_example

__all__ = [
    "DEGREE_COLOURS",
    "MODEL_COLOURS",
    "BoundaryRecipe",
    "BoundaryResult",
    "LFDExample",
    "NoiseRecipe",
    "OverfitMap",
    "bias_variance",
    "boundary_data",
    "decision_grid",
    "degree_errors",
    "lfd_example",
    "map_cell",
    "map_trend",
    "overfit_map",
    "overfit_measure",
    "overfit_runs",
    "robust_average",
    "run_boundaries",
]
