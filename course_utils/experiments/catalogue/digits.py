"""The catalogue's image runs on scikit-learn's 8x8 digits: a small CNN with augmentation, and FGSM.

- **Augmentation on images** (item 2): ``models.ConvNet2d`` learns the digits from only
  ``n_train`` images (10 per class by default), with and without small random shifts, scalings
  and rotations (:func:`~course_utils.regularizers.affine_images`).
- **Adversarial examples** (item 11): an MLP learns the digits (1079 training images, pixels in
  [0, 1]); FGSM examples at several ε measure its robust accuracy, and adversarial training
  (half of every batch replaced by FGSM examples made at ``eps_train``) is measured the same way.

:class:`DigitsRecipe` holds every setting; :func:`train_digits_cnn` and :func:`train_digits_mlp`
return the trained net and its history, whose last epoch records ``final_acc`` (test accuracy)
and, for the MLP, the robust accuracy at every ε of ``eps_grid`` (:func:`fgsm_series`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import torch
from torch import nn

from ..._validation import Bool, Float, Instance, Int, SequenceOf, invalid, validate
from ...data import Splits, load_digits
from ...device import DEVICE, SEED, torch_threads
from ...models import MLP, ConvNet2d
from ...regularizers.adversarial import adversarial_training, fgsm_accuracy
from ...regularizers.augment import affine_images, augment_inputs
from ...train import History, fit, log_accuracy

__all__ = ["DigitsRecipe", "digits_data", "fgsm_series", "train_digits_cnn", "train_digits_mlp"]

_POS = Int(1)
_EPS = Float(0, 1)


@validate()
@dataclass(frozen=True)
class DigitsRecipe:
    """Every setting of notebook 07's runs on the 8x8 digits.

    Attributes:
        n_train: training images of the CNN (a class-balanced subset of the 1079).
        cnn_width: channels of ``ConvNet2d``'s convolutions.
        cnn_blocks: its residual blocks (after the stem).
        cnn_epochs: passes over the CNN's training images.
        cnn_batch_size: images per Adam step.
        cnn_lr: Adam's learning rate for the CNN.
        max_shift: augmentation: the largest shift, in pixels.
        scale: augmentation: the range of the zoom factor.
        rotation: augmentation: the largest rotation, in degrees.
        mlp_width: units per hidden layer of the MLP attacked by FGSM.
        mlp_depth: its hidden layers.
        mlp_epochs: passes over the 1079 training images.
        mlp_batch_size: images per Adam step.
        mlp_lr: Adam's learning rate for the MLP.
        eps: the FGSM step of the experiment, in pixel values (pixels are in [0, 1]).
        adv_fraction: the share of each batch replaced by FGSM examples in adversarial training.
        eps_grid: the steps at which robust accuracy is measured.
        seed: seeds the initialisation, the shuffling and every random draw of a run.
        data_seed: the split's seed (``load_digits(seed=data_seed)``) and the CNN subset's.
    """

    n_train: Annotated[int, Int(10, 1000)] = 100
    cnn_width: Annotated[int, _POS] = 16
    cnn_blocks: Annotated[int, Int(0)] = 1
    cnn_epochs: Annotated[int, _POS] = 100
    cnn_batch_size: Annotated[int, _POS] = 25
    cnn_lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    max_shift: Annotated[float, Float(0, 4)] = 1.0
    scale: Annotated[tuple[float, float], SequenceOf(Float(0.5, 2), min_len=2, max_len=2)] = (0.9, 1.1)
    rotation: Annotated[float, Float(0, 180)] = 10.0
    mlp_width: Annotated[int, _POS] = 256
    mlp_depth: Annotated[int, _POS] = 2
    mlp_epochs: Annotated[int, _POS] = 30
    mlp_batch_size: Annotated[int, _POS] = 50
    mlp_lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    eps: Annotated[float, _EPS] = 0.1
    adv_fraction: Annotated[float, Float(0, 1)] = 0.5
    eps_grid: Annotated[tuple[float, ...], SequenceOf(_EPS, unique=True)] = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3)
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        # Tuples of floats: hashable, frozen, and equal to themselves after a trip through JSON.
        object.__setattr__(self, "scale", tuple(float(v) for v in self.scale))
        object.__setattr__(self, "eps_grid", tuple(float(v) for v in self.eps_grid))
        if self.scale[0] > self.scale[1]:
            raise invalid("scale", "a pair (low, high) of zoom factors with low <= high", repr(self.scale),
                          f"Write it as ({self.scale[1]}, {self.scale[0]}).")


_RECIPE = Instance(DigitsRecipe, hint="Pass e.g. recipe=experiments.DigitsRecipe().")
_RUN = {
    "recipe": _RECIPE,
    "data": [None, Instance(Splits, hint="Pass data=experiments.digits_data(recipe, images=...) or leave it out.")],
    "threads": [None, _POS],
    "device": DEVICE,
    "progress": Bool(),
}


@validate(recipe=_RECIPE, images=Bool())
def digits_data(recipe: DigitsRecipe, *, images: bool) -> Splits:
    """The digits as each run uses them.

    Args:
        recipe: the settings (``data_seed``, ``n_train``).
        images: ``True``: the CNN's data, images (N, 1, 8, 8) with only ``n_train`` training
            images, the same number of each class; ``False``: the MLP's, vectors (N, 64) with all
            1079 training images.

    Returns:
        ``Splits`` (pixels in [0, 1]); validation and test sets of 359 images each.
    """
    splits = load_digits(seed=recipe.data_seed, flatten=not images)
    if not images:
        return splits
    x, y = splits.train
    generator = torch.Generator().manual_seed(recipe.data_seed)
    order = torch.randperm(len(y), generator=generator)
    per_class = [order[y[order] == c][: recipe.n_train // 10] for c in range(10)]
    keep = torch.sort(torch.cat(per_class)).values
    return Splits(train=(x[keep], y[keep]), val=splits.val, test=splits.test, num_classes=10, name="digits",
                  classes=splits.classes)


@validate(eps=_EPS)
def fgsm_series(eps: float) -> str:
    """The name of the series holding the robust accuracy at ``eps``, e.g. ``"fgsm_acc_010"`` for 0.1."""
    return f"fgsm_acc_{round(eps * 100):03d}"


@validate(augment=Bool(), **_RUN)
def train_digits_cnn(augment: bool, recipe: DigitsRecipe, *, data: Splits | None = None, threads: int | None = 1,
                     device: str | torch.device | None = "cpu", progress: bool = False) -> tuple[nn.Module, History]:
    """Train ``ConvNet2d`` on ``n_train`` digit images, with or without augmentation.

    Args:
        augment: transform every training batch with :func:`~course_utils.regularizers.affine_images`
            (``max_shift``, ``scale``, ``rotation`` of the recipe).
        recipe: the settings.
        data: :func:`digits_data` ``(recipe, images=True)``, or ``None`` to load it.
        threads, device, progress: as in :func:`train_technique`.

    Returns:
        ``(net, history)``; the history records ``final_acc``, the test accuracy, in its last epoch.
    """
    splits = digits_data(recipe, images=True) if data is None else data
    transform = augment_inputs(affine_images, max_shift=recipe.max_shift, scale=recipe.scale,
                               rotation=recipe.rotation) if augment else None
    with torch_threads(threads):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(recipe.seed)
            model = ConvNet2d(in_channels=1, width=recipe.cnn_width, num_blocks=recipe.cnn_blocks)
        # No validation set: nothing is selected with it, and evaluating it every epoch would cost a third of the run.
        history = fit(model, splits.train, None, epochs=recipe.cnn_epochs, batch_size=recipe.cnn_batch_size,
                      optimizer="adam", lr=recipe.cnn_lr, batch_transform=transform, seed=recipe.seed,
                      device=device, progress=progress, description="CNN + augmentation" if augment else "CNN")
        log_accuracy(splits.test, "final_acc")(history.epochs - 1, model, history)  # the returned net, in the last epoch
    return model, history


@validate(eps_train=_EPS, **_RUN)
def train_digits_mlp(eps_train: float, recipe: DigitsRecipe, *, data: Splits | None = None, threads: int | None = 1,
                     device: str | torch.device | None = "cpu", progress: bool = False) -> tuple[nn.Module, History]:
    """Train the MLP on the digits, adversarially when ``eps_train > 0``; measure it against FGSM.

    Args:
        eps_train: the FGSM step of adversarial training (a share ``adv_fraction`` of every batch
            replaced by FGSM examples against the current weights); 0 trains normally.
        recipe: the settings.
        data: :func:`digits_data` ``(recipe, images=False)``, or ``None`` to load it.
        threads, device, progress: as in :func:`train_technique`.

    Returns:
        ``(net, history)``; the history records, in its last epoch, ``final_acc`` and the robust test accuracy at every ε of ``eps_grid``
        (series :func:`fgsm_series` ``(eps)``).
    """
    splits = digits_data(recipe, images=False) if data is None else data
    with torch_threads(threads):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(recipe.seed)
            model = MLP(64, 10, width=recipe.mlp_width, depth=recipe.mlp_depth)
        transform = adversarial_training(model, eps_train, fraction=recipe.adv_fraction) if eps_train > 0 else None
        history = fit(model, splits.train, splits.val, epochs=recipe.mlp_epochs, batch_size=recipe.mlp_batch_size,
                      optimizer="adam", lr=recipe.mlp_lr, batch_transform=transform, seed=recipe.seed,
                      device=device, progress=progress,
                      description=f"adversarial training, ε = {eps_train:g}" if eps_train > 0 else "standard training")
        log_accuracy(splits.test, "final_acc")(history.epochs - 1, model, history)  # the returned net, in the last epoch
        for eps in recipe.eps_grid:
            history.log(fgsm_series(eps), fgsm_accuracy(model, splits.test, eps))
    return model, history
