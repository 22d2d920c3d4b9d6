"""The ``Splits`` container every loader returns, and the seeded splitting helpers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .._validation import Float, Instance, Int, Pair, SequenceOf, invalid, show, validate

__all__ = ["Splits"]

#: Constraint of every split fraction: a float in the open interval (0, 1).
FRACTION = Float(0, 1, low_open=True, high_open=True)

_PARTS = ("train", "val", "test")


def _describe(pair: tuple[Tensor, Tensor]) -> str:
    x, y = pair
    def dtype(t: Tensor) -> str:
        return str(t.dtype).removeprefix("torch.")

    return f"x{tuple(x.shape)} {dtype(x)}, y{tuple(y.shape)} {dtype(y)}"


def _check_parts(args: Mapping[str, Any]) -> None:
    """``val`` and ``test`` look like ``train``; labels fit ``num_classes``; one name per class."""
    x_train, y_train = args["train"]
    for part in ("val", "test"):
        x, y = args[part]
        if x.shape[1:] != x_train.shape[1:] or x.dtype != x_train.dtype or y.dtype != y_train.dtype:
            raise invalid(part, "a pair like train (the same input shape and the same dtypes)",
                          f"x{tuple(x.shape[1:])} {x.dtype}, y {y.dtype} against train's "
                          f"x{tuple(x_train.shape[1:])} {x_train.dtype}, y {y_train.dtype}")
    k = args["num_classes"]
    if k is not None:
        for part in _PARTS:
            y = args[part][1]
            if y.dtype != torch.int64 or y.dim() != 1:
                raise invalid(part, "a pair whose y holds int64 class labels of shape (N,) when num_classes "
                              "is set", f"y of dtype {y.dtype} and shape {tuple(y.shape)}",
                              "Use num_classes=None for regression.", type_error=y.dtype != torch.int64)
            low, high = int(y.min()), int(y.max())
            if low < 0 or high >= k:
                raise invalid(part, f"a pair whose labels y are in [0, num_classes - 1] = [0, {k - 1}]",
                              f"labels in [{low}, {high}]")
    classes = args["classes"]
    if classes is not None and k is not None and len(classes) != k:
        raise invalid("classes", f"None or a tuple of num_classes ({k}) names", show(classes))


# eq=False: comparing tensors with == gives tensors, not a bool, so the generated
# __eq__ would fail; identity comparison is the honest default for data sets.
@validate(train=Pair(), val=Pair(), test=Pair(),
          num_classes=[None, Int(1, hint="Use None for regression.")], name=Instance(str, desc="a str"),
          classes=[None, SequenceOf(Instance(str, desc="a str"), types=(tuple,),
                                    desc="a tuple of class names")],
          checks=[_check_parts])
@dataclass(frozen=True, eq=False, repr=False)
class Splits:
    """A data set cut into training, validation and test parts.

    This is the contract between the loaders and the training code, e.g.
    ``fit(model, splits.train, splits.val, ...)``.

    Every part is a pair ``(x, y)`` of tensors with as many rows in ``y`` as
    in ``x`` and at least one row (the same rule as ``fit``'s ``train``);
    ``val`` and ``test`` have ``train``'s input shape and dtypes.

    Attributes:
        train: ``(x, y)`` with ``x`` of shape ``(N_train, *input_shape)`` and
            ``y`` of shape ``(N_train,)`` (int64 labels for classification).
        val: ``(x, y)`` for choosing hyperparameters and early stopping.
        test: ``(x, y)`` kept aside for the final estimate.
        num_classes: number of classes (every label is in ``[0, num_classes)``),
            or ``None`` for regression.
        name: short name of the data set, e.g. ``"mnist1d"``.
        classes: optional class names, indexed by label.
    """

    train: tuple[Tensor, Tensor]
    val: tuple[Tensor, Tensor]
    test: tuple[Tensor, Tensor]
    num_classes: int | None
    name: str
    classes: tuple[str, ...] | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Shape of one input, e.g. ``(40,)`` for MNIST-1D or ``(3, 32, 32)`` for CIFAR-10."""
        return tuple(self.train[0].shape[1:])

    def sizes(self) -> dict[str, int]:
        """Number of examples in each part, e.g. ``{"train": 3200, "val": 800, "test": 1000}``."""
        return {part: int(getattr(self, part)[0].shape[0]) for part in ("train", "val", "test")}

    def summary(self) -> str:
        """A few lines naming the data set and the shape and dtype of every part."""
        kind = "regression" if self.num_classes is None else f"{self.num_classes} classes"
        lines = [f"{self.name}: {kind}, input shape {self.input_shape}"]
        lines += [f"  {part:<5} {_describe(getattr(self, part))}" for part in ("train", "val", "test")]
        return "\n".join(lines)

    def __repr__(self) -> str:
        # Shapes, not values: printing a few thousand numbers helps no one.
        parts = ", ".join(f"{part}=({_describe(getattr(self, part))})" for part in ("train", "val", "test"))
        return f"Splits(name={self.name!r}, num_classes={self.num_classes}, {parts})"


def count_for(fraction: float, n: int, name: str) -> int:
    """``round(fraction * n)``, refusing (naming the parameter ``name``) a split that leaves a part empty."""
    k = int(round(fraction * n))
    if k < 1 or k > n - 1:
        raise invalid(name, f"a fraction that leaves at least one of the {n} examples on each side of the split",
                      f"{fraction!r}, which takes {k} of {n} examples")
    return k


def carve(y: np.ndarray, k: int, rng: np.random.Generator,
          stratify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Split the indices ``0..len(y)-1`` into a kept part and a carved-out part of ``k``.

    With ``stratify`` each class gives up its share of the ``k`` examples
    (largest-remainder rounding, ties broken at random), so a small validation
    set or a small training subset keeps the class balance of the whole.

    Args:
        y: labels of shape ``(N,)``; only used when ``stratify`` is true.
        k: how many indices to carve out, ``0 <= k <= N``.
        rng: the generator that decides which indices go where.
        stratify: keep class proportions (classification) or not (regression).

    Returns:
        ``(kept, carved)``: two int64 index arrays in random order, disjoint,
        together covering ``0..N-1``; ``carved`` has ``k`` entries.
    """
    n = len(y)
    if not stratify:
        order = rng.permutation(n)
        return order[k:], order[:k]
    labels, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = counts * (k / n)
    take = np.floor(quota).astype(np.int64)
    # Hand the leftover examples to the classes with the largest fractional quota;
    # the random secondary key breaks ties without favouring low labels.
    leftover = k - int(take.sum())
    order = np.lexsort((rng.random(len(labels)), -(quota - take)))
    take[order[:leftover]] += 1
    kept, carved = [], []
    for c in range(len(labels)):
        members = rng.permutation(np.flatnonzero(inverse == c))
        carved.append(members[: take[c]])
        kept.append(members[take[c]:])
    kept_all, carved_all = np.concatenate(kept), np.concatenate(carved)
    # Shuffle across classes so that no part comes out sorted by label.
    return kept_all[rng.permutation(len(kept_all))], carved_all[rng.permutation(len(carved_all))]


def as_pair(x: np.ndarray, y: np.ndarray, idx: np.ndarray | None = None,
            x_dtype: torch.dtype = torch.float32, y_dtype: torch.dtype = torch.int64) -> tuple[Tensor, Tensor]:
    """Fresh tensors ``(x[idx], y[idx])``; they never share memory with the arrays given."""
    if idx is not None:
        x, y = x[idx], y[idx]
    # torch.tensor always copies, so callers may change the result in place
    # without touching a cached array.
    return torch.tensor(x, dtype=x_dtype), torch.tensor(y, dtype=y_dtype)
