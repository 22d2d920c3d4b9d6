"""The data of the full-scale runs: CIFAR-10 as the paper prepares it, and its augmentation.

CIFAR-10 comes through :func:`course_utils.data.load_torchvision` (downloaded on request,
cached, a clear error offline); all 50000 training images are used, as in the paper, with
the per-pixel mean of the training set subtracted. Without CIFAR-10 at hand,
``"digits"`` (scikit-learn's bundled 8x8 digits, scaled up to 3x32x32) runs the same
pipeline offline; it is a stand-in for trying the machinery, not a substitute for the
paper's numbers.

The augmentation is drawn per *example* and per epoch from ``(seed, epoch)``, not per
process: example 17 gets the same crop and flip in epoch 3 whether one process or eight
train, so a run's numbers do not depend on how it is spread over processes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .._validation import Bool, Instance, Int, OneOf, Pair, PathLike, TensorOf, requires, validate
from ..data import DatasetUnavailableError, load_digits, load_torchvision
from ..device import SEED

__all__ = ["DATASETS", "FullscaleData", "augmentation_params", "load_dataset", "pad_crop_flip"]

#: Data sets of :func:`load_dataset`.
DATASETS = ("cifar10", "digits")

#: Training images of each data set before ``max_train``: the command line checks a batch
#: against it before loading anything.
TRAIN_SIZES = {"cifar10": 50_000, "digits": 1438}

#: Pixels of zero padding on each side before the random 32x32 crop.
PADDING = 4

TensorPair = tuple[Tensor, Tensor]
_IMAGES = Pair(TensorOf("floating", ndim=4, finite=True), TensorOf(torch.int64, ndim=1))


@validate(train=_IMAGES, test=_IMAGES, name=Instance(str, desc="a str"),
          description=Instance(str, desc="a str"))
@dataclass(frozen=True)
class FullscaleData:
    """Training and test images of a full-scale run, mean-subtracted.

    Attributes:
        train: ``(x, y)``, ``x`` float32 of shape (N, 3, 32, 32), ``y`` int64 (N,).
        test: ``(x, y)`` of the same kind; evaluated after every epoch.
        name: ``"cifar10"`` or ``"digits"``.
        description: what the data is, in words, for result files.
    """

    train: TensorPair
    test: TensorPair
    name: str
    description: str


def _subtract_pixel_mean(train: TensorPair, test: TensorPair) -> tuple[TensorPair, TensorPair]:
    mean = train[0].mean(dim=0, keepdim=True)  # (1, 3, 32, 32): the paper's per-pixel mean
    return (train[0] - mean, train[1]), (test[0] - mean, test[1])


def _first(pair: TensorPair, count: int | None, seed: int) -> TensorPair:
    """A random subset of ``count`` examples (all when ``None``), in a seeded order."""
    if count is None or count >= len(pair[0]):
        return pair
    keep = torch.randperm(len(pair[0]), generator=torch.Generator().manual_seed(seed))[:count].sort().values
    return pair[0][keep], pair[1][keep]


_COUNT = [None, Int(1, hint="Use None to keep every example.")]


@validate(name=OneOf(*DATASETS, hint="Without a network and without a cached CIFAR-10, use 'digits'."),
          root=[None, PathLike()], download=Bool(),
          max_train=_COUNT, max_test=_COUNT, seed=SEED)
def load_dataset(name: str = "cifar10", *, root: str | os.PathLike[str] | None = None,
                 download: bool = False, max_train: int | None = None,
                 max_test: int | None = None, seed: int = 0) -> FullscaleData:
    """CIFAR-10 as the paper prepares it, or the offline stand-in, as tensors.

    Args:
        name: ``"cifar10"`` (50000 training and 10000 test images, 3x32x32) or
            ``"digits"`` (scikit-learn's 1797 8x8 digits, each pixel repeated
            4x4 and over 3 channels: 1438 training and 359 test images).
        root: CIFAR-10's cache folder (``None``: ``$COURSE_DATA_DIR`` or
            ``~/.cache/course_utils``), as for ``load_torchvision``.
        download: download CIFAR-10 (163 MB) when it is not cached.
        max_train: keep a random subset of this many training images.
        max_test: keep a random subset of this many test images.
        seed: seeds the subsets.

    Returns:
        :class:`FullscaleData`, the training set's per-pixel mean subtracted
        from both parts.

    Raises:
        DatasetUnavailableError: CIFAR-10 is not cached and cannot be
            downloaded; the message names ``"digits"`` and the folder for a
            manual copy.
    """
    if name == "cifar10":
        try:
            # The paper trains on all 50000 images: the validation part of the split is put back.
            splits = load_torchvision("cifar10", root=root, download=download, val_fraction=0.1, seed=seed)
        except DatasetUnavailableError as exc:
            fix = ("the download failed: check the network (or a proxy), or place the manual copy named above"
                   if download else "pass download=True (--download)")
            raise DatasetUnavailableError(
                f"{exc}\nFor the full-scale scripts: {fix}, or use the offline stand-in name='digits' "
                "(--dataset digits)."
            ) from exc
        train = (torch.cat([splits.train[0], splits.val[0]]), torch.cat([splits.train[1], splits.val[1]]))
        test = splits.test
        description = (f"CIFAR-10 (torchvision): the whole training set ({len(train[0])} images, as in the paper) "
                       f"and test set ({len(test[0])})")
    else:
        splits = load_digits(flatten=False, seed=seed)

        def big(pair: TensorPair) -> TensorPair:  # (N, 1, 8, 8) -> (N, 3, 32, 32), each pixel 4x4
            x = pair[0].repeat_interleave(4, dim=2).repeat_interleave(4, dim=3).expand(-1, 3, -1, -1)
            return x.contiguous(), pair[1]

        train = big((torch.cat([splits.train[0], splits.val[0]]), torch.cat([splits.train[1], splits.val[1]])))
        test = big(splits.test)
        description = ("scikit-learn's 8x8 digits scaled up to 3x32x32 (each pixel repeated 4x4 and over 3 "
                       "channels), an offline stand-in for CIFAR-10")
    train, test = _first(train, max_train, seed), _first(test, max_test, seed + 1)
    if max_train is not None or max_test is not None:
        description += f"; subset: {len(train[0])} training, {len(test[0])} test images"
    train, test = _subtract_pixel_mean(train, test)
    return FullscaleData(train=train, test=test, name=name, description=description)


@validate(n=Int(1), seed=SEED, epoch=Int(0), padding=Int(0))
def augmentation_params(n: int, *, seed: int, epoch: int, padding: int = PADDING) -> tuple[Tensor, Tensor]:
    """Crop offsets and flips of all ``n`` examples for one epoch, the same in every process.

    Args:
        n: number of training examples.
        seed: the run's seed.
        epoch: the epoch (from 0); each epoch draws anew.
        padding: pixels of padding on each side.

    Returns:
        ``(offsets, flips)``: int64 (n, 2) of (row, column) offsets in
        ``[0, 2 * padding]``, and bool (n,). Example ``i`` uses row ``i``.
    """
    # SeedSequence mixes (seed, epoch) into a well-spread 63-bit seed: no two epochs share draws.
    mixed = int(np.random.SeedSequence([seed, epoch]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    gen = torch.Generator().manual_seed(mixed)
    offsets = torch.randint(0, 2 * padding + 1, (n, 2), generator=gen)
    flips = torch.rand(n, generator=gen) < 0.5
    return offsets, flips


def _pad_crop_flip(x: Tensor, offsets: Tensor, flips: Tensor, padding: int) -> Tensor:
    """:func:`pad_crop_flip` without the checks, for the training loop."""
    n, c, h, w = x.shape
    padded = F.pad(x, (padding, padding, padding, padding))  # zeros: the mean pixel, after subtraction
    rows = offsets[:, :1] + torch.arange(h, device=x.device)  # (N, H)
    cols = offsets[:, 1:] + torch.arange(w, device=x.device)  # (N, W)
    cols = torch.where(flips[:, None], cols.flip(1), cols)  # a flipped crop reads its columns backwards
    return padded[torch.arange(n, device=x.device)[:, None, None, None],
                  torch.arange(c, device=x.device)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


@validate(x=TensorOf("floating", ndim=4), offsets=TensorOf(torch.int64, ndim=2),
          flips=TensorOf(torch.bool, ndim=1), padding=Int(0),
          checks=[requires("offsets", lambda a: tuple(a["offsets"].shape) == (len(a["x"]), 2)
                           and bool(((a["offsets"] >= 0) & (a["offsets"] <= 2 * a["padding"])).all()),
                           "an int64 tensor of shape (N, 2) with entries in [0, 2 * padding], N as in x",
                           got=lambda a: f"a tensor of shape {tuple(a['offsets'].shape)} with entries in "
                           f"[{int(a['offsets'].min()) if a['offsets'].numel() else 0}, "
                           f"{int(a['offsets'].max()) if a['offsets'].numel() else 0}]"),
                  requires("flips", lambda a: len(a["flips"]) == len(a["x"]),
                           "a bool tensor of shape (N,), N as in x", got=lambda a: f"shape {tuple(a['flips'].shape)}")])
def pad_crop_flip(x: Tensor, offsets: Tensor, flips: Tensor, padding: int = PADDING) -> Tensor:
    """The paper's augmentation: zero-pad, crop back to the original size, maybe flip.

    Args:
        x: images, (N, C, H, W).
        offsets: (N, 2) int64, each example's crop corner (row, column) in the
            padded image, in ``[0, 2 * padding]``; ``padding`` is the identity.
        flips: (N,) bool, flip the crop horizontally.
        padding: pixels of zero padding on each side.

    Returns:
        (N, C, H, W), on ``x``'s device.
    """
    if len(x) == 0:
        return x.clone()
    return _pad_crop_flip(x, offsets.to(x.device), flips.to(x.device), padding)

