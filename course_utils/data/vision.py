"""CIFAR-10 and Fashion-MNIST through torchvision: downloaded once, cached, offline-safe.

A download goes into a temporary folder inside the cache folder and is moved
into place with one ``os.replace`` only once torchvision has checked it, so an
interrupted or failed download never leaves a half-written data set behind.
Offline, :class:`DatasetUnavailableError` says which embedded data set to use
instead and where a manual copy can be placed.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .._validation import Bool, Int, OneOf, PathLike, validate
from ..device import SEED
from .splits import FRACTION, Splits, as_pair, carve, count_for

__all__ = ["DatasetUnavailableError", "VISION_NAMES", "default_data_dir", "load_torchvision"]

#: Environment variable that moves the download cache, e.g. to a shared course folder.
DATA_DIR_ENV = "COURSE_DATA_DIR"

EMBEDDED_ALTERNATIVES = (
    "load_mnist1d() (MNIST-1D, 10 classes), load_digits() (8x8 digits, 10 classes) or "
    "make_toy_2d('moons' | 'circles' | 'blobs' | 'spirals')"
)


class DatasetUnavailableError(RuntimeError):
    """A downloadable data set is neither cached nor obtainable (e.g. offline)."""


@dataclass(frozen=True)
class _VisionSpec:
    title: str
    torchvision_class: str
    folder: str  # below the cache root
    manual_files: str  # what a manual copy consists of
    manual_subdir: str  # where inside ``folder`` torchvision looks for it
    archives: tuple[str, ...]  # downloaded archives that are not needed once extracted


_SPECS = {
    "cifar10": _VisionSpec(
        title="CIFAR-10",
        torchvision_class="CIFAR10",
        folder="cifar10",
        manual_files="the folder 'cifar-10-batches-py' extracted from cifar-10-python.tar.gz",
        manual_subdir="",
        archives=("cifar-10-python.tar.gz",),
    ),
    "fashion_mnist": _VisionSpec(
        title="Fashion-MNIST",
        torchvision_class="FashionMNIST",
        folder="fashion_mnist",
        manual_files=(
            "the four uncompressed files train-images-idx3-ubyte, train-labels-idx1-ubyte, "
            "t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte"
        ),
        manual_subdir="FashionMNIST/raw",
        archives=(),  # torchvision keeps the small .gz files next to the extracted ones
    ),
}

#: Names accepted by :func:`load_torchvision`.
VISION_NAMES = tuple(_SPECS)

# Everything a failed download or a truncated archive can raise. URLError and
# socket errors are OSErrors; torchvision raises RuntimeError for a bad md5 and
# when every mirror failed.
_DOWNLOAD_ERRORS = (OSError, RuntimeError, EOFError, tarfile.TarError, zlib.error)


def default_data_dir() -> Path:
    """The data cache (downloads, generated MNIST-1D): ``$COURSE_DATA_DIR`` if set, else ``~/.cache/course_utils``.

    Read at call time (not import time) and never created here.
    """
    env = os.environ.get(DATA_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else Path.home() / ".cache" / "course_utils"


def _unavailable(spec: _VisionSpec, target: Path, reason: str) -> DatasetUnavailableError:
    manual_dir = target / spec.manual_subdir if spec.manual_subdir else target
    return DatasetUnavailableError(
        f"The {spec.title} data set is not available: {reason}\n"
        f"Without a network, use a data set that ships with the course instead (no download): "
        f"{EMBEDDED_ALTERNATIVES} from course_utils.data.\n"
        f"Or place a manual copy, {spec.manual_files}, in {manual_dir} "
        f"(set root=... or the {DATA_DIR_ENV} environment variable to use another cache folder)."
    )


def _download(spec: _VisionSpec, dataset_class: Any, cache_root: Path, target: Path) -> None:
    """Download into a temporary folder next to ``target`` and move it into place on success.

    On failure every folder this call created (the cache root and any missing
    parents of it) is removed again, deepest first, if it is still empty.
    """
    created = [p for p in (cache_root, *cache_root.parents) if not p.exists()]  # deepest first
    tmp: Path | None = None
    try:
        try:
            cache_root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unavailable(spec, target, f"cannot create the cache folder {cache_root} ({exc}).") from exc
        # Same file system as the target, so os.replace below is a rename, atomic on POSIX.
        tmp = Path(tempfile.mkdtemp(prefix=f".{spec.folder}-partial-", dir=cache_root))
        dataset_class(root=str(tmp), train=True, download=True)
        dataset_class(root=str(tmp), train=False, download=False)  # checks the test files too
        for archive in spec.archives:
            (tmp / archive).unlink(missing_ok=True)
        try:
            os.replace(tmp, target)
        except OSError:
            # Another process (a second kernel) finished first: keep its copy.
            if not target.is_dir():
                raise
    except DatasetUnavailableError:
        raise
    except _DOWNLOAD_ERRORS as exc:
        raise _unavailable(spec, target, f"the download failed ({type(exc).__name__}: {exc}).") from exc
    finally:
        # Also runs on KeyboardInterrupt: nothing half-written stays behind.
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if not target.exists():
            for folder in created:
                try:
                    folder.rmdir()  # only succeeds if it is empty
                except OSError:
                    break


def _images(dataset: Any) -> tuple[np.ndarray, np.ndarray]:
    """A torchvision data set's images as uint8 ``(N, C, H, W)`` and labels as int64 ``(N,)``."""
    data = dataset.data
    data = data.numpy() if isinstance(data, torch.Tensor) else np.asarray(data)
    if data.ndim == 3:  # grey images (N, H, W)
        data = data[:, None]
    else:  # colour images are stored channels-last (N, H, W, C)
        data = data.transpose(0, 3, 1, 2)
    targets = dataset.targets
    targets = targets.numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)
    return np.ascontiguousarray(data), targets.astype(np.int64)


@validate(name=OneOf(*VISION_NAMES, hint="Without a network use load_mnist1d, load_digits or make_toy_2d."),
          root=[None, PathLike()], download=Bool(), val_fraction=FRACTION, seed=SEED,
          max_train=[None, Int(1, hint="Use None to keep every training example.")], normalize=Bool())
def load_torchvision(name: str, *, root: str | os.PathLike[str] | None = None, download: bool = True,
                     val_fraction: float = 0.1, seed: int = 0, max_train: int | None = None,
                     normalize: bool = False) -> Splits:
    """CIFAR-10 or Fashion-MNIST as tensors, downloaded once and cached.

    Needs a network on the first call only. Offline, it raises
    :class:`DatasetUnavailableError` naming the embedded alternatives
    (``load_mnist1d``, ``load_digits``, ``make_toy_2d``) and the folder where a
    manual copy can be placed.

    Args:
        name: ``"cifar10"`` (50000 / 10000 colour images 3x32x32) or
            ``"fashion_mnist"`` (60000 / 10000 grey images 1x28x28).
        root: the cache folder; ``None`` uses :func:`default_data_dir`
            (``$COURSE_DATA_DIR`` or ``~/.cache/course_utils``). The data set
            lives in ``root/cifar10`` or ``root/fashion_mnist``.
        download: download when the data set is not cached yet.
        val_fraction: share of the official training set used for validation
            (stratified), in ``(0, 1)``.
        seed: seeds the split and the ``max_train`` subset; an int in
            ``[0, 2**32 - 1]``.
        max_train: keep at most this many training examples (a stratified
            subset, after the validation part is carved out); ``None`` keeps
            all. Saves memory: 45000 CIFAR-10 images take 550 MB as float32.
        normalize: standardise each channel with the mean and standard
            deviation of the (final) training part; otherwise pixels are in
            ``[0, 1]``.

    Returns:
        ``Splits`` with ``x`` float32 of shape ``(N, C, H, W)``, ``y`` int64 of
        shape ``(N,)``, ``num_classes=10`` and the class names.

    Raises:
        DatasetUnavailableError: not cached and the download is off or failed,
            or the cached copy is incomplete or corrupted.
    """
    import torchvision.datasets as tvd  # only when needed: importing torchvision takes a while

    spec = _SPECS[name]
    dataset_class = getattr(tvd, spec.torchvision_class)
    cache_root = Path(root).expanduser() if root is not None else default_data_dir()
    target = cache_root / spec.folder
    if not target.is_dir():
        if not download:
            raise _unavailable(spec, target, f"it is not in the cache ({target}) and download=False.")
        _download(spec, dataset_class, cache_root, target)
    try:
        train_set = dataset_class(root=str(target), train=True, download=False)
        test_set = dataset_class(root=str(target), train=False, download=False)
    except _DOWNLOAD_ERRORS as exc:
        raise _unavailable(
            spec, target,
            f"the copy in {target} is incomplete or corrupted ({type(exc).__name__}: {exc}). "
            "Delete that folder to download it again.",
        ) from exc

    x, y = _images(train_set)
    x_test, y_test = _images(test_set)
    rng = np.random.default_rng(seed)
    train_idx, val_idx = carve(y, count_for(val_fraction, len(y), "val_fraction"), rng)
    if max_train is not None and max_train < len(train_idx):
        _, keep = carve(y[train_idx], max_train, rng)
        train_idx = train_idx[keep]

    def scaled(pair: tuple[torch.Tensor, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return pair[0].div_(255.0), pair[1]

    # Index the uint8 arrays first, then convert: only the kept images become float32.
    train = scaled(as_pair(x, y, train_idx))
    val = scaled(as_pair(x, y, val_idx))
    test = scaled(as_pair(x_test, y_test))
    if normalize:
        dims = (0, 2, 3)
        mean = train[0].mean(dim=dims, keepdim=True)  # (1, C, 1, 1)
        std = train[0].std(dim=dims, keepdim=True).clamp_min(1e-8)
        train, val, test = ((((p[0] - mean) / std), p[1]) for p in (train, val, test))
    return Splits(train=train, val=val, test=test, num_classes=10, name=name,
                  classes=tuple(str(c) for c in train_set.classes))
