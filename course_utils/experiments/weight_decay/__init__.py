"""Notebook 04, limiting capacity: weight decay (L2 and L1), AdamW, width, and early stopping.

- :mod:`.ridge` (section 1): :func:`ridge_fit`, the L2 penalty on a polynomial's coefficients.
- :mod:`.decay` (sections 2-5): :class:`DecayRecipe` and :func:`run_decay`, the penalties and AdamW
  on an MLP trained on 500 MNIST-1D signals, and the width sweep.
- :mod:`.early_stopping` (section 6): :class:`EarlyStoppingRecipe` and :func:`run_early_stopping`,
  clean and wrong labels, with the epoch early stopping would restore.
- :mod:`.sweeps`: the stored sweeps (``python assets/precompute.py weight_decay``) and their loader.
"""

from .decay import (
    DECAY_COLOURS,
    DECAY_METHOD_NAMES,
    SPARSITY_THRESHOLD,
    DecayRecipe,
    decay_label,
    decay_net,
    decay_param_groups,
    final_decay_errors,
    run_decay,
    train_decay_net,
    weight_sparsity,
)
from .early_stopping import (
    EarlyStoppingRecipe,
    early_stopping_label,
    early_stopping_point,
    early_stopping_summary,
    run_early_stopping,
    train_early_stopping_net,
)
from .ridge import ridge_fit
from .sweeps import WEIGHT_DECAY_SWEEPS, DecaySweep, load_weight_decay_sweep

__all__ = [
    "DECAY_COLOURS",
    "DECAY_METHOD_NAMES",
    "SPARSITY_THRESHOLD",
    "WEIGHT_DECAY_SWEEPS",
    "DecayRecipe",
    "DecaySweep",
    "EarlyStoppingRecipe",
    "decay_label",
    "decay_net",
    "decay_param_groups",
    "early_stopping_label",
    "early_stopping_point",
    "early_stopping_summary",
    "final_decay_errors",
    "load_weight_decay_sweep",
    "ridge_fit",
    "run_decay",
    "run_early_stopping",
    "train_early_stopping_net",
    "train_decay_net",
    "weight_sparsity",
]
