"""Notebook 03, classification: a small and a large MLP's decision boundaries on noisy two moons.

:class:`BoundaryRecipe`, :func:`run_boundaries`: both MLPs trained on 100 points of the noisy
two-moons set (600 full-batch Adam steps, no regularization of any kind) until the large one
classifies (nearly) every training point correctly; accuracy measured on 800 held-out points.
:func:`decision_grid` gives a trained model's probabilities on a grid, for the boundary plot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import torch
from torch import Tensor, nn

from ..._validation import (
    Bool,
    Float,
    Instance,
    Int,
    MappingOf,
    OneOf,
    Pair,
    SequenceOf,
    TensorOf,
    invalid,
    requires,
    validate,
)
from ...data import Splits, make_toy_2d
from ...device import SEED, torch_threads
from ...models import MLP
from ...train import History, evaluate, fit

__all__ = ["MODEL_COLOURS", "BoundaryRecipe", "BoundaryResult", "boundary_data", "decision_grid", "run_boundaries"]

_POSITIVE_INT = Int(1)

#: Colour = the model's size in the decision-boundary figures (Okabe-Ito).
MODEL_COLOURS = {"small": "#0072B2", "large": "#D55E00"}


_WIDTH_DEPTH = SequenceOf(Int(0, 4096), min_len=2, max_len=2, desc="a pair (width, depth) of ints, e.g. (128, 2)")


@validate(checks=[requires("n_train", lambda a: a["n_train"] <= 0.6 * a["n_pool"],
                           lambda a: f"an int at most 60% of n_pool ({int(0.6 * a['n_pool'])})")])
@dataclass(frozen=True)
class BoundaryRecipe:
    """Every setting of the decision-boundary experiment.

    Attributes:
        dataset: the 2-D toy set (``data.make_toy_2d``).
        noise: standard deviation of its Gaussian jitter; 0.5 makes the two moons overlap.
        n_train: training points (a random subset of the set's training split).
        n_pool: points generated; the held-out accuracy is measured on its validation and test
            splits (40% of them: 800 points by default).
        small: ``(width, depth)`` of the small MLP.
        large: ``(width, depth)`` of the large MLP.
        epochs: full-batch Adam steps.
        lr: Adam's learning rate.
        seed: seeds the data and both initialisations.
    """

    dataset: Annotated[str, OneOf("moons", "circles", "spirals")] = "moons"
    noise: Annotated[float, Float(0)] = 0.5
    n_train: Annotated[int, Int(4, 1000)] = 100
    n_pool: Annotated[int, Int(100, 100_000)] = 2000
    small: Annotated[tuple[int, ...], _WIDTH_DEPTH] = (4, 1)
    large: Annotated[tuple[int, ...], _WIDTH_DEPTH] = (128, 2)
    epochs: Annotated[int, _POSITIVE_INT] = 600
    lr: Annotated[float, Float(0, low_open=True)] = 0.03
    seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "small", tuple(self.small))
        object.__setattr__(self, "large", tuple(self.large))


_NAMES = Instance(str, desc="a model name, e.g. 'small'")


@validate(models=MappingOf(_NAMES, Instance(nn.Module, desc="a torch.nn.Module")),
          histories=MappingOf(_NAMES, Instance(History, desc="a History")), train=Pair(), held_out=Pair(),
          train_acc=MappingOf(_NAMES, Float(0, 1)), held_out_acc=MappingOf(_NAMES, Float(0, 1)),
          recipe=Instance(BoundaryRecipe))
@dataclass(frozen=True)
class BoundaryResult:
    """Both trained models of the decision-boundary experiment, their data and accuracies.

    Attributes:
        models: ``{"small": MLP, "large": MLP}``, trained.
        histories: their training histories.
        train: the training pair ``(x (n_train, 2), y (n_train,))``.
        held_out: the held-out pair (validation and test splits together).
        train_acc, held_out_acc: ``{"small": float, "large": float}``, accuracies of the final models.
        recipe: the recipe.
    """

    models: dict[str, nn.Module]
    histories: dict[str, History]
    train: tuple[Tensor, Tensor]
    held_out: tuple[Tensor, Tensor]
    train_acc: dict[str, float]
    held_out_acc: dict[str, float]
    recipe: BoundaryRecipe


@validate(recipe=Instance(BoundaryRecipe, hint="Pass e.g. experiments.BoundaryRecipe()."))
def boundary_data(recipe: BoundaryRecipe) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """The experiment's training pair and held-out pair, drawn from ``recipe.seed``.

    Returns:
        ``((x_train, y_train), (x_held_out, y_held_out))``, x float32 of shape ``(N, 2)``.
    """
    splits: Splits = make_toy_2d(recipe.dataset, n=recipe.n_pool, noise=recipe.noise, seed=recipe.seed)
    keep = torch.randperm(len(splits.train[0]), generator=torch.Generator().manual_seed(recipe.seed))[: recipe.n_train]
    train = (splits.train[0][keep], splits.train[1][keep])
    held_out = (torch.cat([splits.val[0], splits.test[0]]), torch.cat([splits.val[1], splits.test[1]]))
    return train, held_out


@validate(recipe=Instance(BoundaryRecipe, hint="Pass e.g. experiments.BoundaryRecipe()."),
          threads=[None, _POSITIVE_INT], progress=Bool())
def run_boundaries(recipe: BoundaryRecipe, *, threads: int | None = 1, progress: bool = False) -> BoundaryResult:
    """Train the small and the large MLP on the same points; measure both on held-out points.

    Both use full-batch Adam for ``recipe.epochs`` steps, no regularization of any kind. A few
    seconds on one core.

    Returns:
        A :class:`BoundaryResult`.
    """
    train, held_out = boundary_data(recipe)
    models, histories, train_acc, held_acc = {}, {}, {}, {}
    with torch_threads(threads):
        for name, (width, depth) in (("small", recipe.small), ("large", recipe.large)):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(recipe.seed)
                model = MLP(2, 2, width=max(width, 1), depth=depth)
            histories[name] = fit(model, train, None, epochs=recipe.epochs, batch_size=recipe.n_train,
                                  optimizer="adam", lr=recipe.lr, seed=recipe.seed, device="cpu", progress=progress,
                                  description=f"{name} MLP {width}x{depth}")
            models[name] = model.eval()
            train_acc[name] = evaluate(model, train, device="cpu")["acc"]
            held_acc[name] = evaluate(model, held_out, device="cpu")["acc"]
    return BoundaryResult(models, histories, train, held_out, train_acc, held_acc, recipe)


@validate(model=Instance(nn.Module, desc="a torch.nn.Module with 2 inputs and C outputs"),
          x=TensorOf("floating", ndim=2, nonempty=True, finite=True, desc="a float tensor of points, shape (N, 2)"),
          steps=Int(2, 2000), margin=Float(0))
def decision_grid(model: nn.Module, x: Tensor, *, steps: int = 200, margin: float = 0.5
                  ) -> tuple[Tensor, Tensor, Tensor]:
    """The model's probability of class 1 on a grid covering ``x`` (for a decision-boundary plot).

    Args:
        model: a classifier of 2-D points (in eval mode); its second output is class 1.
        x: the points to cover, shape ``(N, 2)``.
        steps: grid points per axis.
        margin: added around the points' bounding box.

    Returns:
        ``(xx, yy, p)``, each of shape ``(steps, steps)``: grid coordinates and ``P(class 1)``.
    """
    if x.shape[1] != 2:
        raise invalid("x", "a float tensor of points, shape (N, 2)", f"shape {tuple(x.shape)}")
    low, high = x.min(0).values - margin, x.max(0).values + margin
    xs = torch.linspace(float(low[0]), float(high[0]), steps)
    ys = torch.linspace(float(low[1]), float(high[1]), steps)
    xx, yy = torch.meshgrid(xs, ys, indexing="xy")
    with torch.no_grad():
        p = torch.softmax(model(torch.stack([xx.flatten(), yy.flatten()], 1).to(x.dtype)), 1)[:, 1]
    return xx, yy, p.reshape(steps, steps)
