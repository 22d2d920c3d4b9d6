"""Data sets that need no download: MNIST-1D, scikit-learn's digits, 2-D toy sets.

Everything here is generated or read from files installed with a package, so
it works offline, on Binder and in CI.
"""

from __future__ import annotations

import functools
import random

import numpy as np

from .._validation import check_bool, check_choice, check_float, check_int, check_type
from .splits import Splits, as_pair, carve, check_fraction, check_seed, count_for

__all__ = ["load_mnist1d", "load_digits", "make_toy_2d", "TOY_2D_NAMES"]

#: Names accepted by :func:`make_toy_2d`.
TOY_2D_NAMES = ("moons", "circles", "blobs", "spirals")

# Three blob centres on the unit circle, 120 degrees apart: with the default
# noise of 0.2 they are cleanly separated, at 0.6 they overlap.
_BLOB_CENTERS = np.array([[np.cos(a), np.sin(a)] for a in np.deg2rad([90.0, 210.0, 330.0])])


@functools.lru_cache(maxsize=4)
def _mnist1d_arrays(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate MNIST-1D once per seed (about 1-2 s): ``(x, y, x_test, y_test)``, read-only."""
    from mnist1d.data import get_dataset_args, make_dataset  # heavy-ish import, only when used

    args = get_dataset_args()
    args.seed = seed
    # make_dataset seeds Python's and NumPy's *global* generators; put them back
    # so that loading data does not silently change the caller's random stream.
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        data = make_dataset(args)
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    arrays = (
        data["x"].astype(np.float32),
        data["y"].astype(np.int64),
        data["x_test"].astype(np.float32),
        data["y_test"].astype(np.int64),
    )
    for a in arrays:  # the cache is shared by every caller: make accidental writes fail loudly
        a.setflags(write=False)
    return arrays


def load_mnist1d(*, n_train: int | None = None, val_fraction: float = 0.2, seed: int = 0) -> Splits:
    """MNIST-1D, generated on the spot with the ``mnist1d`` package (no network).

    The standard set has 4000 training and 1000 test signals of length 40 in
    10 classes. The validation part is carved out of the 4000 training signals
    (stratified by class), then ``n_train`` optionally keeps a stratified
    subset of what is left, so the validation and test sets stay the same
    whatever ``n_train`` is: handy for overfitting demos.

    Args:
        n_train: number of training examples to keep, ``1 <= n_train <=
            4000 - round(4000 * val_fraction)``; ``None`` keeps them all.
        val_fraction: share of the 4000 training signals used for validation,
            in ``(0, 1)``.
        seed: seeds both the generation (``mnist1d``'s ``args.seed``) and the
            split; an int in ``[0, 2**32 - 1]``. The first call per seed takes
            1-2 s, later calls are served from an in-memory cache.

    Returns:
        ``Splits`` with ``x`` float32 of shape ``(N, 40)``, ``y`` int64 of shape
        ``(N,)``, ``num_classes=10``. With the defaults: 3200 / 800 / 1000.
    """
    func = "load_mnist1d"
    if n_train is not None:
        n_train = check_int(n_train, "n_train", func, 1, hint="Use None to keep every training example.")
    val_fraction = check_fraction(val_fraction, "val_fraction", func)
    seed = check_seed(seed, func)

    x, y, x_test, y_test = _mnist1d_arrays(seed)
    rng = np.random.default_rng(seed)
    n_val = count_for(val_fraction, len(y), "val_fraction", func)
    train_idx, val_idx = carve(y, n_val, rng)
    if n_train is not None:
        if n_train > len(train_idx):
            raise ValueError(
                f"The 'n_train' parameter of {func} must be an int in the range [1, {len(train_idx)}] "
                f"with val_fraction={val_fraction!r}. Got {n_train!r}. Use None to keep every "
                "training example, or lower val_fraction."
            )
        _, keep = carve(y[train_idx], n_train, rng)
        train_idx = train_idx[keep]
    return Splits(
        train=as_pair(x, y, train_idx),
        val=as_pair(x, y, val_idx),
        test=as_pair(x_test, y_test),
        num_classes=10,
        name="mnist1d",
        classes=tuple(str(d) for d in range(10)),
    )


def load_digits(*, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0,
                flatten: bool = True) -> Splits:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes).

    Pixel values (0-16) are scaled to ``[0, 1]``. Both fractions are shares of
    the whole set; each split is stratified by class.

    Args:
        val_fraction: share of the images used for validation, in ``(0, 1)``.
        test_fraction: share of the images used for testing, in ``(0, 1)``;
            ``val_fraction + test_fraction`` must stay below 1.
        seed: seeds the split; an int in ``[0, 2**32 - 1]``.
        flatten: ``True`` gives ``x`` of shape ``(N, 64)`` for MLPs, ``False``
            gives ``(N, 1, 8, 8)`` for CNNs.

    Returns:
        ``Splits`` with ``x`` float32 in ``[0, 1]``, ``y`` int64 of shape
        ``(N,)``, ``num_classes=10``. With the defaults: 1079 / 359 / 359.
    """
    func = "load_digits"
    val_fraction = check_fraction(val_fraction, "val_fraction", func)
    test_fraction = check_fraction(test_fraction, "test_fraction", func)
    seed = check_seed(seed, func)
    flatten = check_bool(flatten, "flatten", func)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            f"The 'val_fraction' and 'test_fraction' parameters of {func} must add up to less "
            f"than 1, to leave examples for training. Got {val_fraction!r} + {test_fraction!r}."
        )

    from sklearn.datasets import load_digits as _sk_load_digits  # import only when used

    x, y = _sk_load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    if not flatten:
        x = x.reshape(-1, 1, 8, 8)
    y = y.astype(np.int64)
    n = len(y)
    rng = np.random.default_rng(seed)
    rest, test_idx = carve(y, count_for(test_fraction, n, "test_fraction", func), rng)
    train_pos, val_pos = carve(y[rest], count_for(val_fraction, n, "val_fraction", func), rng)
    return Splits(
        train=as_pair(x, y, rest[train_pos]),
        val=as_pair(x, y, rest[val_pos]),
        test=as_pair(x, y, test_idx),
        num_classes=10,
        name="digits",
        classes=tuple(str(d) for d in range(10)),
    )


def _spirals(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms of 1.5 turns each, radius up to 3.

    Along any ray the two arms are 1 apart, so ``noise`` (the standard
    deviation of the Gaussian jitter) is on the same scale as for the other
    toy sets: 0.2 is clearly learnable, 0.5 is hard.
    """
    y = np.arange(n) % 2
    # sqrt spreads points evenly along the arm's length (the arm gets longer
    # as the radius grows); starting at 0.1 avoids a tangle at the centre.
    t = np.sqrt(rng.uniform(0.1**2, 1.0, size=n))
    angle = 3.0 * np.pi * t + np.pi * y
    radius = 3.0 * t
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    x = x + noise * rng.standard_normal((n, 2))
    return x, y


def make_toy_2d(name: str, *, n: int = 400, noise: float = 0.2, seed: int = 0) -> Splits:
    """A 2-D toy classification set, split 60 / 20 / 20 (stratified).

    Args:
        name: ``"moons"`` (2 classes, scikit-learn), ``"circles"`` (2 classes,
            scikit-learn, inner radius 0.5), ``"blobs"`` (3 Gaussian blobs on
            the unit circle) or ``"spirals"`` (2 interleaved spiral arms).
        n: total number of points, at least 10.
        noise: standard deviation of the Gaussian noise added to the points,
            ``>= 0``.
        seed: seeds the points and the split; an int in ``[0, 2**32 - 1]``.

    Returns:
        ``Splits`` with ``x`` float32 of shape ``(N, 2)`` and ``y`` int64 of
        shape ``(N,)``. With ``n=400``: 240 / 80 / 80.
    """
    func = "make_toy_2d"
    check_type(name, "name", func, str, "a str")
    check_choice(name, "name", func, TOY_2D_NAMES)
    n = check_int(n, "n", func, 10, hint="Each of the three splits needs a few points.")
    noise = check_float(noise, "noise", func, 0.0)
    seed = check_seed(seed, func)

    rng = np.random.default_rng(seed)
    if name == "spirals":
        x, y = _spirals(n, noise, rng)
        num_classes = 2
    else:
        from sklearn import datasets as skd  # import only when used

        if name == "moons":
            x, y = skd.make_moons(n_samples=n, noise=noise, random_state=seed)
            num_classes = 2
        elif name == "circles":
            x, y = skd.make_circles(n_samples=n, noise=noise, factor=0.5, random_state=seed)
            num_classes = 2
        else:
            x, y = skd.make_blobs(n_samples=n, centers=_BLOB_CENTERS, cluster_std=noise, random_state=seed)
            num_classes = 3
    x, y = x.astype(np.float32), y.astype(np.int64)
    rest, test_idx = carve(y, count_for(0.2, n, "n", func), rng)
    train_pos, val_pos = carve(y[rest], count_for(0.2, n, "n", func), rng)
    return Splits(
        train=as_pair(x, y, rest[train_pos]),
        val=as_pair(x, y, rest[val_pos]),
        test=as_pair(x, y, test_idx),
        num_classes=num_classes,
        name=name,
    )
