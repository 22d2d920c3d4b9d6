"""Each notebook's canonical experiments, one function each.

The notebook, its claim test (``tests/test_claims_*.py``) and the script that
precomputes widget results (``assets/precompute.py``) call the same function,
so they cannot drift apart.

- :mod:`.degradation` (notebook 01): :func:`run_degradation`, the degradation
  problem on MNIST-1D; :func:`gradient_norms_at_init`; the stored depth sweep.
- :mod:`.resnet_family` (notebooks 01 and 02): the ResNet family and VGG-19
  counted on the meta device; the deck's FLOPs row and ImageNet table as data.
"""

from .degradation import (
    ASSETS_DIR,
    DEGRADATION_RECIPE,
    SWEEP_BLOCKS,
    SWEEP_PATH,
    degradation_label,
    final_errors,
    gradient_norms_at_init,
    load_sweep,
    run_degradation,
    sweep_history,
    torch_threads,
)
from .resnet_family import (
    FAMILY,
    IMAGENET_RESULTS,
    PAPER_FLOPS,
    VGG19_PAPER_FLOPS,
    PlainBasicBlock,
    conv_layer_costs,
    count_on_meta,
    family_table,
    imagenet_table,
    plain_resnet,
    shortcut_table,
    stage_costs,
    vgg19,
)

__all__ = [
    "ASSETS_DIR",
    "DEGRADATION_RECIPE",
    "FAMILY",
    "IMAGENET_RESULTS",
    "PAPER_FLOPS",
    "SWEEP_BLOCKS",
    "SWEEP_PATH",
    "VGG19_PAPER_FLOPS",
    "PlainBasicBlock",
    "conv_layer_costs",
    "count_on_meta",
    "degradation_label",
    "family_table",
    "final_errors",
    "gradient_norms_at_init",
    "imagenet_table",
    "load_sweep",
    "plain_resnet",
    "run_degradation",
    "shortcut_table",
    "stage_costs",
    "sweep_history",
    "torch_threads",
    "vgg19",
]
