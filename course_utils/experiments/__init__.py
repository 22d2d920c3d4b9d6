"""Each notebook's experiments, one module (one "room") per notebook.

A module holds a frozen recipe dataclass (every setting of the experiment), the run function
that takes it, and the specs of its stored sweeps. The notebook, its claim test
(``tests/test_claims_<topic>.py``), the precompute script (``python assets/precompute.py
<topic>``) and the widget's live run all take the same recipe, so they cannot drift apart.

- :mod:`.residual` (notebook 01): the degradation problem, plain vs residual nets on MNIST-1D.
- :mod:`.bottleneck` (notebook 02): the ResNet family counted; the deck's tables as data.
- :mod:`.dropout` (notebook 05): the train–test gap against the drop rate; the ensemble view.
- :mod:`.batch_norm` (notebook 06): the five claimed benefits of batch norm, one sweep each.
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
    SWEEPS,
    DegradationRecipe,
    DegradationSweep,
    degradation_label,
    degradation_net,
    degradation_style,
    final_errors,
    gradient_norms_at_init,
    load_degradation_sweep,
    run_degradation,
    run_degradation_setting,
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
    run_norm_setting,
    train_norm_net,
)
from .dropout import (
    DROPOUT_SWEEPS,
    METHOD_COLOURS,
    DropoutRecipe,
    DropoutSweep,
    dropout_label,
    dropout_net,
    dropout_style,
    ensemble_accuracies,
    load_dropout_sweep,
    run_dropout,
    run_dropout_setting,
    train_dropout_net,
    train_test_gap,
)


#: Every stored sweep of the course, by topic: what ``assets/precompute.py <topic>`` makes.
TOPICS: dict[str, dict[str, SweepSpec]] = {"residual": SWEEPS}
TOPICS["dropout"] = DROPOUT_SWEEPS
TOPICS["batch_norm"] = BATCH_NORM_SWEEPS

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
    "run_degradation_setting",
    "save_sweep",
    "shortcut_table",
]
# notebook 05 (dropout)
__all__ += ["DROPOUT_SWEEPS", "METHOD_COLOURS", "DropoutRecipe", "DropoutSweep", "dropout_label", "dropout_net",
            "dropout_style", "ensemble_accuracies", "load_dropout_sweep", "run_dropout", "run_dropout_setting",
            "train_dropout_net", "train_test_gap"]
# notebook 06 (batch normalization)
__all__ += ["BATCH_NORM_SWEEPS", "NORMS", "NORM_COLOURS", "BatchNormRecipe", "BatchNormSweep", "NormSetting",
            "diverged", "final_test_acc", "load_batch_norm_sweep", "norm_label", "norm_net", "norm_settings",
            "norm_style", "run_batch_norm", "run_norm_setting", "train_norm_net"]
