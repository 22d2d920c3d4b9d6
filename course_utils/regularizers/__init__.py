"""Reference implementations of the regularization techniques, one module per notebook.

Each is written from its equations for the course and checked against PyTorch (where PyTorch
has the technique) or autograd by the tests; the notebooks' exercises are graded against them.

- :mod:`.dropout` (notebook 05): inverted dropout, DropConnect, Monte-Carlo averaging.
- :mod:`.batch_norm` (notebook 06): batch norm's forward and backward passes, a module, shift noise.
"""

from .batch_norm import BatchNorm, CovariateShiftNoise, batch_norm, batch_norm_backward
from .dropout import DropConnectLinear, Dropout, drop_connect_linear, dropout, dropout_mask, monte_carlo_predict

__all__: list[str] = []
# notebook 05 (dropout)
__all__ += ["DropConnectLinear", "Dropout", "drop_connect_linear", "dropout", "dropout_mask", "monte_carlo_predict"]
# notebook 06 (batch normalization)
__all__ += ["BatchNorm", "CovariateShiftNoise", "batch_norm", "batch_norm_backward"]
