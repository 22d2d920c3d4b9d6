"""Reference implementations of the regularization techniques, one module per notebook.

Each is written from its equations for the course and checked against PyTorch (where PyTorch
has the technique) or autograd by the tests; the notebooks' exercises are graded against them.

- :mod:`.penalties` (notebook 04): the L2 and L1 penalties, the weights they act on, the decay step.
- :mod:`.dropout` (notebook 05): inverted dropout, DropConnect, Monte-Carlo averaging.
- :mod:`.batch_norm` (notebook 06): batch norm's forward and backward passes, a module, shift noise.
- notebook 07 (the regularization catalogue): :mod:`.augment` (dataset augmentation), :mod:`.noise`
  (input, weight and label noise), :mod:`.smoothing` (label smoothing, calibration), :mod:`.multitask`
  (one trunk, one head per task), :mod:`.semisupervised` (pseudo-labels, consistency),
  :mod:`.tying` (parameter tying), :mod:`.sparsity` (L1 on activations),
  :mod:`.ensembles` (bagging), :mod:`.adversarial` (FGSM, adversarial training).
"""

# notebooks 04-06
from .batch_norm import BatchNorm, CovariateShiftNoise, batch_norm, batch_norm_backward
from .dropout import DropConnectLinear, Dropout, drop_connect_linear, dropout, dropout_mask, monte_carlo_predict
from .penalties import decayed_weights, l1_penalty, l2_penalty, weight_decay_step

# notebook 07
from .adversarial import adversarial_training, fgsm, fgsm_accuracy
from .augment import add_noise, affine_images, augment_inputs, crop_images, flip_images, shift_signals
from .ensembles import Ensemble, bagging, bootstrap_indices, disagreement
from .multitask import MASKED_LOGIT, MultiHeadMLP, with_task
from .noise import WeightNoise, corrupt_labels, input_noise, label_flips
from .semisupervised import consistency_penalty, pseudo_labels
from .smoothing import (expected_calibration_error, fit_temperature, label_smoothing, reliability_bins,
                        smooth_labels, smoothed_cross_entropy)
from .sparsity import ActivationL1, weight_l1, zero_fraction
from .tying import tie_to

__all__: list[str] = []
# notebook 04 (weight decay)
__all__ += ["decayed_weights", "l1_penalty", "l2_penalty", "weight_decay_step"]
# notebook 05 (dropout)
__all__ += ["DropConnectLinear", "Dropout", "drop_connect_linear", "dropout", "dropout_mask",
            "monte_carlo_predict"]
# notebook 06 (batch normalization)
__all__ += ["BatchNorm", "CovariateShiftNoise", "batch_norm", "batch_norm_backward"]
# notebook 07 (the regularization catalogue)
__all__ += ["ActivationL1", "Ensemble", "MASKED_LOGIT", "MultiHeadMLP", "WeightNoise", "add_noise",
            "adversarial_training", "affine_images", "augment_inputs", "bagging", "bootstrap_indices",
            "consistency_penalty", "corrupt_labels", "crop_images", "disagreement", "expected_calibration_error",
            "fgsm", "fgsm_accuracy", "fit_temperature", "flip_images", "input_noise", "label_flips", "label_smoothing", "pseudo_labels",
            "reliability_bins", "shift_signals", "smooth_labels", "smoothed_cross_entropy", "tie_to",
            "weight_l1", "with_task", "zero_fraction"]
