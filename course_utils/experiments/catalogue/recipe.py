"""The common setup of notebook 07 and its data: one baseline that every technique is measured against.

The baseline over-fits on purpose: an MLP with two hidden layers of 256 units (``models.MLP``,
about 78 000 parameters) learns MNIST-1D from only 500 training signals with Adam, 60 epochs of
batches of 100. It classifies its whole training set correctly within about 20 epochs, and its
test accuracy stays near 0.38: room for every technique of the catalogue to show what it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import torch
from torch import Tensor

from ..._validation import Float, Instance, Int, validate
from ...data import Splits, load_mnist1d
from ...device import SEED

__all__ = ["CatalogueRecipe", "catalogue_data", "other_signals"]

_POSITIVE_INT = Int(1)
_STRENGTH = Float(0)
_SHARE = Float(0, 1)


@validate()
@dataclass(frozen=True)
class CatalogueRecipe:
    """Every setting of notebook 07's MNIST-1D experiments: the baseline and each technique's strength.

    Attributes:
        n_train: labelled training signals, a stratified subset of MNIST-1D's 3200.
        width: units per hidden layer of the baseline MLP.
        depth: hidden layers of the baseline MLP.
        epochs: passes over the training set (constant learning rate).
        batch_size: examples per Adam step.
        lr: Adam's learning rate.
        weight_decay: λ of the L2 penalty ½λ‖w‖² (the optimizer's ``weight_decay``; item 1).
        patience: early stopping's patience in epochs, watching the validation loss (item 6).
        max_shift: the largest circular shift of the augmentation, in positions (20 of 40: any
            shift; item 2).
        input_noise: σ of the Gaussian noise on the inputs (item 3).
        weight_noise: σ of the Gaussian noise on the weights (item 3).
        smoothing: α of label smoothing (item 3).
        label_flips: the share of each batch's labels replaced by random classes (item 3).
        wrong_labels: the share of wrong labels in the noisy-label experiment (items 3 and 6).
        pseudo_threshold: the lowest confidence of a pseudo-label kept (item 4).
        consistency: the weight of the consistency penalty (item 4).
        task_split: multi-task learning's two tasks: the digits below this value and the others (item 5).
        cnn_width: channels of the 1-D conv net that shares its weights across positions (item 7).
        cnn_blocks: blocks of that conv net (``models.ConvNet1d``, plain, with BN).
        activation_l1: λ of the L1 penalty on the hidden activations (item 8).
        weight_l1: λ of the L1 penalty on the weights (item 8).
        members: models in the bagging ensemble (item 9).
        dropout: dropout's p after each hidden layer (item 10).
        tying: λ of the penalty ½λ‖w_B − w_A‖² tying a model to another (item 7).
        source_epochs: epochs of the model trained on the other domain, the one tied to (item 7).
        seed: seeds the initialisation, the shuffling and every random draw of a run.
        data_seed: the MNIST-1D seed (``load_mnist1d(n_train=n_train, seed=data_seed)``).

    ``dataclasses.replace(recipe, seed=1)`` makes a variant; the instance is frozen.
    """

    n_train: Annotated[int, Int(10, 3000)] = 500
    width: Annotated[int, _POSITIVE_INT] = 256
    depth: Annotated[int, _POSITIVE_INT] = 2
    epochs: Annotated[int, _POSITIVE_INT] = 60
    batch_size: Annotated[int, _POSITIVE_INT] = 100
    lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    weight_decay: Annotated[float, _STRENGTH] = 0.01
    patience: Annotated[int, _POSITIVE_INT] = 10
    max_shift: Annotated[int, Int(0, 20)] = 20
    input_noise: Annotated[float, _STRENGTH] = 0.3
    weight_noise: Annotated[float, _STRENGTH] = 0.03
    smoothing: Annotated[float, _SHARE] = 0.1
    label_flips: Annotated[float, _SHARE] = 0.2
    wrong_labels: Annotated[float, Float(0, 1, high_open=True)] = 0.4
    pseudo_threshold: Annotated[float, _SHARE] = 0.8
    consistency: Annotated[float, _STRENGTH] = 1.0
    task_split: Annotated[int, Int(1, 9)] = 5
    cnn_width: Annotated[int, _POSITIVE_INT] = 16
    cnn_blocks: Annotated[int, Int(0)] = 2
    activation_l1: Annotated[float, _STRENGTH] = 0.01
    weight_l1: Annotated[float, _STRENGTH] = 1e-3
    members: Annotated[int, _POSITIVE_INT] = 5
    dropout: Annotated[float, Float(0, 1, high_open=True)] = 0.5
    tying: Annotated[float, _STRENGTH] = 0.1
    source_epochs: Annotated[int, _POSITIVE_INT] = 20
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0


_RECIPE = Instance(CatalogueRecipe, hint="Pass e.g. recipe=experiments.CatalogueRecipe().")


@validate(recipe=_RECIPE)
def catalogue_data(recipe: CatalogueRecipe) -> Splits:
    """The baseline's data: ``load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed)``.

    Returns:
        ``Splits``: ``n_train`` training signals (N, 40), MNIST-1D's validation (800) and test
        (1000) signals, labels in 0–9.
    """
    return load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed)


@validate(recipe=_RECIPE)
def other_signals(recipe: CatalogueRecipe) -> tuple[Tensor, Tensor]:
    """MNIST-1D's training signals that the baseline does *not* train on, with their labels.

    Semi-supervised learning (item 4) uses them without their labels; parameter tying (item 7)
    trains the model of the other domain on them.

    Returns:
        ``(x, y)``: ``3200 - n_train`` signals (M, 40) and their labels (M,).
    """
    full = load_mnist1d(seed=recipe.data_seed).train
    subset = catalogue_data(recipe).train[0]
    # The subset's rows are rows of the full training set: find them by exact equality (the direct
    # distance computation gives exactly 0 for identical rows; the matrix-product shortcut would not).
    distance = torch.cdist(full[0], subset, compute_mode="donot_use_mm_for_euclid_dist")
    used = (distance == 0).any(1)
    if int(used.sum()) != len(subset):
        raise RuntimeError(f"other_signals: found {int(used.sum())} of the {len(subset)} training signals in "
                           "MNIST-1D's training set; the data does not match the recipe.")
    return full[0][~used], full[1][~used]
