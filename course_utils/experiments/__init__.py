"""Each notebook's experiments, one module (one "room") per notebook.

A module holds a frozen recipe dataclass (every setting of the experiment), the run function
that takes it, and the specs of its stored sweeps. The notebook, its claim test
(``tests/test_claims_<topic>.py``), the precompute script (``python assets/precompute.py
<topic>``) and the widget's live run all take the same recipe, so they cannot drift apart.

- :mod:`.residual` (notebook 01): the degradation problem, plain vs residual nets on MNIST-1D.
- :mod:`.bottleneck` (notebook 02): the ResNet family counted; the deck's tables as data.
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

#: Every stored sweep of the course, by topic: what ``assets/precompute.py <topic>`` makes.
TOPICS: dict[str, dict[str, SweepSpec]] = {"residual": SWEEPS}

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
