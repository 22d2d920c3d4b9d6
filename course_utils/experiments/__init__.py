"""Each notebook's experiments, one module (one "room") per notebook.

A module holds a frozen recipe dataclass (every setting of the experiment), the run function
that takes it, and the specs of its stored sweeps. The notebook, its claim test
(``tests/test_claims_<topic>.py``), the precompute script (``python assets/precompute.py
<topic>``) and the widget's live run all take the same recipe, so they cannot drift apart.

- :mod:`.residual` (notebook 01): the degradation problem, plain vs residual nets on MNIST-1D.
- :mod:`.bottleneck` (notebook 02): the ResNet family counted; the deck's tables as data.
- :mod:`.overfitting` (notebook 03): polynomial fits (``regression``), decision boundaries
  (``boundaries``), the overfit-measure maps (``noise_maps``); their Legendre maths is in ``data``.
- :mod:`.weight_decay` (notebook 04): the ridge fit (``ridge``), L2 and L1 penalties, AdamW and width on
  MNIST-1D (``decay``), early stopping (``early_stopping``), the stored sweeps (``sweeps``).
- :mod:`.dropout` (notebook 05): the train–test gap against the drop rate; the ensemble view.
- :mod:`.batch_norm` (notebook 06): the five claimed benefits of batch norm, one sweep each.
- :mod:`.catalogue` (notebook 07): the regularization catalogue, every item measured on one baseline.
- :mod:`.sweep`: stored sweeps, shared by every topic; a stale one refuses to load.
"""

from .bottleneck import (
    IMAGENET_RESNETS,
    IMAGENET_RESULTS,
    PAPER_FLOPS,
    VGG19_PAPER_FLOPS,
    architecture,
    family_table,
    imagenet_table,
    shortcut_table,
)
from .residual import (
    DEGRADATION_SWEEPS,
    DegradationRecipe,
    DegradationSweep,
    degradation_label,
    degradation_net,
    degradation_style,
    final_errors,
    gradient_norms_at_init,
    load_degradation_sweep,
    run_degradation,
    train_degradation_net,
)
from .sweep import StaleAssetError, Sweep, SweepSpec, load_sweep, make_sweep, save_sweep
from .batch_norm import (
    BATCH_NORM_SWEEPS,
    NORM_COLOURS,
    NORMS,
    BatchNormRecipe,
    BatchNormSweep,
    NormSetting,
    diverged,
    final_test_acc,
    load_batch_norm_sweep,
    norm_label,
    norm_net,
    norm_settings,
    norm_style,
    run_batch_norm,
    train_norm_net,
    training_mode_accuracy,
    ALEXNET_LRN,
    HE_SEEDS,
)
from .dropout import (
    DROPOUT_SWEEPS,
    METHOD_COLOURS,
    DropoutRecipe,
    DropoutSweep,
    P_RATES,
    SEED_RATES,
    dropout_label,
    dropout_net,
    dropout_style,
    ensemble_accuracies,
    load_dropout_sweep,
    run_dropout,
    test_accuracy,
    train_dropout_net,
    train_test_gap,
    train_val_gap,
)
from ..data import fit_legendre, out_of_sample_error  # notebook 03 names them experiments.*: the maths is data's
from .overfitting import (
    DEGREE_COLOURS,
    MODEL_COLOURS,
    BoundaryRecipe,
    BoundaryResult,
    LFDExample,
    NoiseRecipe,
    OverfitMap,
    bias_variance,
    boundary_data,
    decision_grid,
    degree_errors,
    lfd_example,
    map_cell,
    map_trend,
    overfit_map,
    overfit_measure,
    overfit_runs,
    robust_average,
    run_boundaries,
)
from .weight_decay import (
    DECAY_COLOURS,
    DECAY_METHOD_NAMES,
    SPARSITY_THRESHOLD,
    WEIGHT_DECAY_SWEEPS,
    DecayRecipe,
    DecaySweep,
    EarlyStoppingRecipe,
    decay_label,
    decay_net,
    decay_param_groups,
    early_stopping_label,
    early_stopping_point,
    early_stopping_summary,
    final_decay_errors,
    load_weight_decay_sweep,
    ridge_fit,
    run_decay,
    run_early_stopping,
    train_early_stopping_net,
    train_decay_net,
    weight_sparsity,
)
from .catalogue import (
    CATALOGUE_SWEEPS,
    EFFECT_ROWS,
    LONG_RUNS,
    PSEUDO_CAP,
    ROW_KINDS,
    SMALL_WEIGHT,
    TABLE_SEEDS,
    TECHNIQUES,
    TEST_CURVES,
    CatalogueRecipe,
    CatalogueSweep,
    DigitsRecipe,
    across_seeds,
    adversarial_label,
    catalogue_data,
    catalogue_net,
    catalogue_table,
    digits_data,
    fgsm_series,
    load_catalogue_sweep,
    other_signals,
    run_shift,
    run_smoothing,
    second_domain,
    seed_sweep,
    shift_label,
    smoothing_label,
    spread,
    train_digits_cnn,
    train_digits_mlp,
    train_technique,
)

#: Every stored sweep of the course, by topic: what ``assets/precompute.py <topic>`` makes.
TOPICS: dict[str, dict[str, SweepSpec]] = {"residual": DEGRADATION_SWEEPS}
TOPICS["weight_decay"] = WEIGHT_DECAY_SWEEPS
TOPICS["dropout"] = DROPOUT_SWEEPS
TOPICS["batch_norm"] = BATCH_NORM_SWEEPS
TOPICS["catalogue"] = CATALOGUE_SWEEPS

__all__ = [
    "IMAGENET_RESNETS",
    "IMAGENET_RESULTS",
    "PAPER_FLOPS",
    "TOPICS",
    "VGG19_PAPER_FLOPS",
    "DegradationRecipe",
    "DegradationSweep",
    "StaleAssetError",
    "Sweep",
    "SweepSpec",
    "architecture",
    "degradation_label",
    "degradation_net",
    "degradation_style",
    "family_table",
    "final_errors",
    "gradient_norms_at_init",
    "imagenet_table",
    "load_degradation_sweep",
    "load_sweep",
    "make_sweep",
    "run_degradation",
    "train_degradation_net",
    "save_sweep",
    "shortcut_table",
]
# notebook 03 (overfitting and noise)
__all__ += ["DEGREE_COLOURS", "MODEL_COLOURS", "BoundaryRecipe", "BoundaryResult", "LFDExample",
            "NoiseRecipe", "OverfitMap", "bias_variance", "boundary_data", "decision_grid", "degree_errors", "fit_legendre",
            "lfd_example", "map_cell", "map_trend", "out_of_sample_error", "overfit_map", "overfit_measure",
            "overfit_runs", "robust_average", "run_boundaries"]
# notebook 04 (weight decay and early stopping)
__all__ += ["DECAY_COLOURS", "DECAY_METHOD_NAMES", "SPARSITY_THRESHOLD", "WEIGHT_DECAY_SWEEPS", "DecayRecipe",
            "DecaySweep", "EarlyStoppingRecipe", "decay_label", "decay_param_groups", "decay_net", "early_stopping_label",
            "early_stopping_point", "early_stopping_summary", "final_decay_errors", "load_weight_decay_sweep",
            "ridge_fit", "run_decay", "run_early_stopping",
            "train_early_stopping_net", "train_decay_net", "weight_sparsity"]
# notebook 05 (dropout)
__all__ += ["DROPOUT_SWEEPS", "METHOD_COLOURS", "DropoutRecipe", "DropoutSweep", "dropout_label",
            "dropout_net", "dropout_style", "ensemble_accuracies", "load_dropout_sweep", "run_dropout",
            "train_dropout_net", "train_test_gap", "P_RATES", "SEED_RATES", "test_accuracy",
            "train_val_gap"]
# notebook 06 (batch normalization)
__all__ += ["BATCH_NORM_SWEEPS", "NORMS", "NORM_COLOURS", "BatchNormRecipe", "BatchNormSweep", "NormSetting",
            "diverged", "final_test_acc", "load_batch_norm_sweep", "norm_label", "norm_net", "norm_settings",
            "norm_style", "run_batch_norm", "train_norm_net", "training_mode_accuracy",
            "ALEXNET_LRN", "HE_SEEDS"]
# notebook 07 (the regularization catalogue)
__all__ += ["CATALOGUE_SWEEPS", "EFFECT_ROWS", "LONG_RUNS", "PSEUDO_CAP", "ROW_KINDS", "SMALL_WEIGHT", "TABLE_SEEDS", "TECHNIQUES", "TEST_CURVES", "CatalogueRecipe",
            "CatalogueSweep", "DigitsRecipe", "across_seeds", "adversarial_label", "catalogue_data", "catalogue_net",
            "catalogue_table", "digits_data", "fgsm_series", "load_catalogue_sweep", "other_signals",
            "run_shift", "run_smoothing", "second_domain", "seed_sweep", "shift_label",
            "smoothing_label", "spread", "train_digits_cnn", "train_digits_mlp", "train_technique"]
