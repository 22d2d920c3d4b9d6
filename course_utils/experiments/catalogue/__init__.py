"""Notebook 07, the regularization catalogue: Goodfellow et al.'s chapter 7, every item measured.

- :mod:`.recipe`: :class:`CatalogueRecipe`, the common MNIST-1D baseline and each technique's strength.
- :mod:`.mnist1d`: :func:`train_technique` for every setting of :data:`TECHNIQUES`.
- :mod:`.digits`: :class:`DigitsRecipe`, a CNN with augmentation and FGSM on scikit-learn's 8x8 digits.
- :mod:`.sweeps`: the stored sweeps (``python assets/precompute.py catalogue``), the sliders' live runs,
  and :func:`catalogue_table`, the closing table built from the measurements.
"""

from .digits import (
    DigitsRecipe,
    digits_data,
    fgsm_series,
    train_digits_cnn,
    train_digits_mlp,
)
from .mnist1d import (
    PSEUDO_CAP,
    SMALL_WEIGHT,
    TECHNIQUES,
    TEST_CURVES,
    catalogue_net,
    second_domain,
    train_technique,
)
from .recipe import CatalogueRecipe, catalogue_data, other_signals
from .sweeps import (
    CATALOGUE_SWEEPS,
    EFFECT_ROWS,
    LONG_RUNS,
    ROW_KINDS,
    TABLE_SEEDS,
    CatalogueSweep,
    across_seeds,
    adversarial_label,
    catalogue_table,
    load_catalogue_sweep,
    run_shift,
    run_smoothing,
    seed_sweep,
    shift_label,
    smoothing_label,
    spread,
)

__all__ = [
    "CATALOGUE_SWEEPS",
    "EFFECT_ROWS",
    "LONG_RUNS",
    "PSEUDO_CAP",
    "ROW_KINDS",
    "SMALL_WEIGHT",
    "TABLE_SEEDS",
    "TECHNIQUES",
    "TEST_CURVES",
    "CatalogueRecipe",
    "CatalogueSweep",
    "DigitsRecipe",
    "across_seeds",
    "adversarial_label",
    "catalogue_data",
    "catalogue_net",
    "catalogue_table",
    "digits_data",
    "fgsm_series",
    "load_catalogue_sweep",
    "other_signals",
    "run_shift",
    "run_smoothing",
    "second_domain",
    "seed_sweep",
    "shift_label",
    "smoothing_label",
    "spread",
    "train_digits_cnn",
    "train_digits_mlp",
    "train_technique",
]
