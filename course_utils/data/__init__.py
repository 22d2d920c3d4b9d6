"""Data for the course: embedded sets that work offline, and cached downloads.

Every loader returns a :class:`Splits` (``train``, ``val``, ``test`` pairs of
tensors), the contract the training code uses:
``fit(model, splits.train, splits.val, ...)``.

Offline, no download needed:
    - :func:`load_mnist1d`: MNIST-1D generated on the spot (4000 / 1000 signals of length 40),
      then cached on disk in :func:`default_data_dir` so later sessions load it in well under a second.
    - :func:`load_digits`: scikit-learn's bundled 8x8 digits.
    - :func:`make_toy_2d`: moons, circles, blobs, spirals.
    - :func:`sample_lfd_regression`: Legendre-target regression (Learning From Data, ch. 4),
      on the Legendre basis of :mod:`.legendre` (:func:`legendre_features`, :func:`fit_legendre`,
      :func:`out_of_sample_error`, ...).

Downloaded once when online, then cached:
    - :func:`load_torchvision`: CIFAR-10, Fashion-MNIST.

Importing this package creates no folder and downloads nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .._validation import OneOf, validate
from .embedded import TOY_2D_NAMES, load_digits, load_mnist1d, make_toy_2d
from .legendre import evaluate_legendre, fit_legendre, legendre_features, legendre_target, out_of_sample_error
from .lfd import sample_lfd_regression
from .splits import Splits
from .vision import VISION_NAMES, DatasetUnavailableError, default_data_dir, load_torchvision

__all__ = [
    "DATASET_NAMES",
    "DatasetUnavailableError",
    "Splits",
    "default_data_dir",
    "evaluate_legendre",
    "fit_legendre",
    "legendre_features",
    "legendre_target",
    "load",
    "load_digits",
    "load_mnist1d",
    "load_torchvision",
    "make_toy_2d",
    "out_of_sample_error",
    "sample_lfd_regression",
]


def _toy(name: str) -> Callable[..., Splits]:
    def loader(**kwargs: Any) -> Splits:
        return make_toy_2d(name, **kwargs)

    return loader


def _vision(name: str) -> Callable[..., Splits]:
    def loader(**kwargs: Any) -> Splits:
        return load_torchvision(name, **kwargs)

    return loader


_LOADERS: dict[str, Callable[..., Splits]] = {
    "mnist1d": load_mnist1d,
    "digits": load_digits,
    **{name: _toy(name) for name in TOY_2D_NAMES},
    **{name: _vision(name) for name in VISION_NAMES},
}

#: Names accepted by :func:`load`.
DATASET_NAMES = tuple(_LOADERS)


@validate(name=OneOf(*DATASET_NAMES))
def load(name: str, **kwargs: Any) -> Splits:
    """Load a data set by name; keyword arguments go to its loader.

    Args:
        name: one of ``"mnist1d"`` (:func:`load_mnist1d`), ``"digits"``
            (:func:`load_digits`), ``"moons"``, ``"circles"``, ``"blobs"``,
            ``"spirals"`` (:func:`make_toy_2d`), ``"cifar10"``,
            ``"fashion_mnist"`` (:func:`load_torchvision`, needs a download
            or a cached copy).
        **kwargs: the loader's keyword arguments, e.g. ``seed=1``.

    Returns:
        The loader's :class:`Splits`.
    """
    return _LOADERS[name](**kwargs)
