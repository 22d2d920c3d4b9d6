"""Data sets that need no download: MNIST-1D, scikit-learn's digits, 2-D toy sets.

Everything here is generated or read from files installed with a package, so
it works offline, on Binder and in CI.

MNIST-1D takes seconds to generate, so the generated arrays are cached on disk
once per machine, in ``default_data_dir() / "mnist1d"`` (``$COURSE_DATA_DIR``
moves it, as it moves the downloads). A cache file is named after a hash of
everything that changes the data (the generation arguments, the seed, the
versions of ``mnist1d``, NumPy and SciPy), is written to a temporary file in
the same folder and moved into place with one ``os.replace``, and carries a
SHA-256 of its arrays: a truncated or corrupt file is noticed, reported with a
warning and regenerated. Where the folder cannot be written the data is
generated as before, with a warning. The arrays served are byte for byte those
``mnist1d`` generates.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import os
import random
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._validation import Bool, Float, Int, OneOf, invalid, requires, validate
from ..device import SEED
from .splits import FRACTION, Splits, as_pair, carve, count_for
from .vision import default_data_dir

__all__ = ["load_mnist1d", "load_digits", "make_toy_2d", "TOY_2D_NAMES"]

#: Names accepted by :func:`make_toy_2d`.
TOY_2D_NAMES = ("moons", "circles", "blobs", "spirals")

# Three blob centres on the unit circle, 120 degrees apart: with the default
# noise of 0.2 they are cleanly separated, at 0.6 they overlap.
_BLOB_CENTERS = np.array([[np.cos(a), np.sin(a)] for a in np.deg2rad([90.0, 210.0, 330.0])])


Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
_MNIST1D_NAMES = ("x", "y", "x_test", "y_test")
_MNIST1D_DTYPES = (np.float32, np.int64, np.float32, np.int64)
#: Bump when the file layout or the generation code below changes: old files are then ignored.
_MNIST1D_CACHE_FORMAT = 1


@functools.lru_cache(maxsize=4)
def _mnist1d_arrays(seed: int) -> Arrays:
    """MNIST-1D ``(x, y, x_test, y_test)`` for ``seed``, read-only: from memory, the disk cache, or generated."""
    path = _mnist1d_cache_path(seed)
    arrays = _read_mnist1d_cache(path)
    if arrays is None:
        arrays = _generate_mnist1d(seed)
        _write_mnist1d_cache(path, arrays)
    for a in arrays:  # the cache is shared by every caller: make accidental writes fail loudly
        a.setflags(write=False)
    return arrays


def _mnist1d_cache_path(seed: int) -> Path:
    """The cache file for ``seed``: its name hashes everything that changes the generated data.

    The generation arguments are ``mnist1d``'s defaults with ``seed`` set; the
    defaults are fixed by the package version, which is part of the key. The
    versions come from the installed metadata, so a cache hit never imports
    ``mnist1d`` (SciPy and ``requests`` with it: seconds on a busy machine).
    """
    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    key = {"format": _MNIST1D_CACHE_FORMAT, "args_over_defaults": {"seed": seed},
           "mnist1d": version("mnist1d"), "numpy": np.__version__, "scipy": version("scipy")}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return default_data_dir() / "mnist1d" / f"mnist1d-seed{seed}-{digest}.npz"


def _checksum(arrays: Arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(np.ascontiguousarray(a).data)
    return h.hexdigest()


def _read_mnist1d_cache(path: Path) -> Arrays | None:
    """The cached arrays, or ``None`` when there is no file or it is unusable (then with a warning)."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = tuple(stored[name] for name in _MNIST1D_NAMES)
            expected = str(stored["sha256"])
    except (FileNotFoundError, NotADirectoryError):  # not cached yet (or the folder cannot exist)
        return None
    except Exception as exc:  # truncated zip, garbage, missing member, unreadable: all mean "regenerate"
        reason = f"it cannot be read ({type(exc).__name__}: {exc})"
    else:
        if tuple(a.dtype for a in arrays) != _MNIST1D_DTYPES:
            reason = f"its arrays have dtypes {[str(a.dtype) for a in arrays]}"
        elif _checksum(arrays) != expected:
            reason = "its checksum does not match its content"
        else:
            return arrays
    warnings.warn(f"The cached MNIST-1D file {path} cannot be used: {reason}. Generating the data "
                  "again and replacing the file.", RuntimeWarning, stacklevel=4)
    return None


def _write_mnist1d_cache(path: Path, arrays: Arrays) -> None:
    """Write atomically: a temporary file in the same folder, then ``os.replace``; never raises."""
    created = [d for d in (path.parent, *path.parent.parents) if not d.exists()]
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".partial", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **dict(zip(_MNIST1D_NAMES, arrays)), sha256=np.array(_checksum(arrays)))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared course cache must be readable
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        for folder in created:  # only the folders this call made, innermost first, if still empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        warnings.warn(f"Could not cache MNIST-1D in {path.parent} ({exc}); the data was generated and "
                      "is used as usual, but the next session generates it again. Set the "
                      "COURSE_DATA_DIR environment variable to a writable folder to cache it.",
                      RuntimeWarning, stacklevel=4)


def _generate_mnist1d(seed: int) -> Arrays:
    """Generate MNIST-1D with ``mnist1d``'s default arguments and ``seed`` (seconds)."""
    from mnist1d.data import get_dataset_args, make_dataset  # heavy import, only when used

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
    return (
        data["x"].astype(np.float32),
        data["y"].astype(np.int64),
        data["x_test"].astype(np.float32),
        data["y_test"].astype(np.int64),
    )


# mnist1d's standard set: 5000 signals, 80 % of them for training.
_MNIST1D_TRAIN = 4000


def _check_mnist1d_sizes(args: Mapping[str, Any]) -> None:
    """Both sides of the validation split non-empty and ``n_train`` available, before generating."""
    n_val = count_for(args["val_fraction"], _MNIST1D_TRAIN, "val_fraction")
    n_train, available = args["n_train"], _MNIST1D_TRAIN - n_val
    if n_train is not None and n_train > available:
        raise invalid("n_train", f"None or an int in the range [1, {available}] with "
                      f"val_fraction={args['val_fraction']!r}", repr(n_train),
                      "Use None to keep every training example, or lower val_fraction.")


@validate(n_train=[None, Int(1, hint="Use None to keep every training example.")], val_fraction=FRACTION,
          seed=SEED, checks=[_check_mnist1d_sizes])
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
            split; an int in ``[0, 2**32 - 1]``. The first call per seed on a
            machine generates the data (seconds) and caches it on disk under
            :func:`default_data_dir` (``$COURSE_DATA_DIR`` or
            ``~/.cache/course_utils``); later calls read it from there (well
            under a second), or from memory within one session.

    Returns:
        ``Splits`` with ``x`` float32 of shape ``(N, 40)``, ``y`` int64 of shape
        ``(N,)``, ``num_classes=10``. With the defaults: 3200 / 800 / 1000.
    """
    x, y, x_test, y_test = _mnist1d_arrays(seed)
    rng = np.random.default_rng(seed)
    train_idx, val_idx = carve(y, count_for(val_fraction, len(y), "val_fraction"), rng)
    if n_train is not None:
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


@validate(val_fraction=FRACTION, test_fraction=FRACTION, seed=SEED, flatten=Bool(), checks=[
    requires("test_fraction", lambda a: a["val_fraction"] + a["test_fraction"] < 1,
             lambda a: f"a float in (0, 1 - val_fraction), to leave examples for training "
                       f"(val_fraction={a['val_fraction']!r})"),
])
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
    from sklearn.datasets import load_digits as _sk_load_digits  # import only when used

    x, y = _sk_load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    if not flatten:
        x = x.reshape(-1, 1, 8, 8)
    y = y.astype(np.int64)
    n = len(y)
    rng = np.random.default_rng(seed)
    rest, test_idx = carve(y, count_for(test_fraction, n, "test_fraction"), rng)
    train_pos, val_pos = carve(y[rest], count_for(val_fraction, n, "val_fraction"), rng)
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


@validate(name=OneOf(*TOY_2D_NAMES), n=Int(10, hint="Each of the three splits needs a few points."),
          noise=Float(0), seed=SEED)
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
    rest, test_idx = carve(y, count_for(0.2, n, "n"), rng)
    train_pos, val_pos = carve(y[rest], count_for(0.2, n, "n"), rng)
    return Splits(
        train=as_pair(x, y, rest[train_pos]),
        val=as_pair(x, y, rest[val_pos]),
        test=as_pair(x, y, test_idx),
        num_classes=num_classes,
        name=name,
    )
