"""Dataset augmentation: label-preserving transformations of the inputs (notebook 07, item 2).

"When you have little data, make fake data" (Goodfellow et al., *Deep Learning*, 7.4): every
transformation here changes an input in a way that should not change its label.

- :func:`shift_signals`: a circular shift of 1-D signals (MNIST-1D's digits are drawn at a
  random position, so a shifted digit is still the same digit);
- :func:`affine_images`: small random shifts, scalings and rotations of images;
- :func:`flip_images`: mirror images (label-preserving for photos of scenes, *not* for digits:
  a mirrored 2 is no digit at all);
- :func:`crop_images`: a random crop resized back to the full size (subsampling);
- :func:`add_noise`: Gaussian noise on every input value.

Each draws a new transformation per example at every call, from PyTorch's global random
generator (or ``generator``): inside ``fit`` that generator is seeded by ``fit``'s ``seed``, so
a run repeats exactly. :func:`augment_inputs` turns any of them into ``fit``'s
``batch_transform``::

    fit(model, splits.train, splits.val, batch_transform=augment_inputs(shift_signals, max_shift=20))
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from .._validation import (
    Float,
    Instance,
    Int,
    IsCallable,
    OneOf,
    SequenceOf,
    TensorOf,
    invalid,
    requires,
    user_hook,
    validate,
)

__all__ = ["add_noise", "affine_images", "augment_inputs", "crop_images", "flip_images", "shift_signals"]

_GENERATOR = [None, Instance(torch.Generator, desc="a torch.Generator")]
_SIGNALS = TensorOf("floating", ndim=(2, 3), desc="a floating-point tensor of signals (N, L) or (N, C, L)")
_IMAGES = TensorOf("floating", ndim=4, desc="a floating-point tensor of images (N, C, H, W)")
_RANGE = SequenceOf(Float(0, low_open=True), min_len=2, max_len=2, desc="a pair (low, high) of floats > 0")


def _draw(shape: tuple[int, ...], generator: torch.Generator | None, device: torch.device) -> Tensor:
    """Uniform numbers in [0, 1) from ``generator`` (or the global generator), on ``device``."""
    if generator is None:
        return torch.rand(shape, device=device)
    return torch.rand(shape, generator=generator, device=generator.device).to(device)


@validate(x=_SIGNALS, max_shift=Int(0, hint="A shift of 0 leaves the signals as they are."), generator=_GENERATOR)
def shift_signals(x: Tensor, max_shift: int, *, generator: torch.Generator | None = None) -> Tensor:
    """Shift every signal circularly by its own random amount in ``[-max_shift, max_shift]``.

    The values that leave one end come back at the other (``torch.roll`` per example), so
    nothing is lost; ``max_shift >= L // 2`` allows every position.

    Args:
        x: signals of shape (N, L) or (N, C, L).
        max_shift: the largest shift, in positions.
        generator: the random generator (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x``.
    """
    length = x.shape[-1]
    u = _draw((x.shape[0],), generator, x.device)
    shifts = torch.floor(u * (2 * max_shift + 1)).long() - max_shift
    index = (torch.arange(length, device=x.device)[None, :] - shifts[:, None]) % length
    if x.dim() == 3:
        index = index[:, None, :].expand(-1, x.shape[1], -1)
    return x.gather(-1, index)


def _check_scale(args: dict[str, Any]) -> None:
    low, high = args["scale"]
    if low > high:
        raise invalid("scale", "a pair (low, high) with low <= high", repr(tuple(args["scale"])))


@validate(x=_IMAGES, max_shift=Float(0), scale=_RANGE, rotation=Float(0, 180), generator=_GENERATOR,
          checks=[_check_scale])
def affine_images(x: Tensor, *, max_shift: float = 1.0, scale: Sequence[float] = (1.0, 1.0),
                  rotation: float = 0.0, generator: torch.Generator | None = None) -> Tensor:
    """Move, scale and rotate every image by its own small random amount (bilinear, zeros outside).

    Args:
        x: images of shape (N, C, H, W).
        max_shift: the largest shift in pixels, drawn uniformly in ``[-max_shift, max_shift]``
            along each axis.
        scale: the zoom factor is drawn uniformly in ``[low, high]`` (above 1: larger).
        rotation: the largest rotation in degrees, drawn uniformly in ``[-rotation, rotation]``.
        generator: the random generator (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x``.
    """
    n, _, h, w = x.shape
    u = _draw((n, 4), generator, x.device)
    zoom = scale[0] + (scale[1] - scale[0]) * u[:, 0]
    angle = math.radians(rotation) * (2 * u[:, 1] - 1)
    # affine_grid maps output coordinates in [-1, 1] to input ones: the inverse of the motion.
    dx = max_shift * (2 * u[:, 2] - 1) * 2 / w
    dy = max_shift * (2 * u[:, 3] - 1) * 2 / h
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, -dx], 1), torch.stack([sin, cos, -dy], 1)], 1).to(x.dtype)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


@validate(x=_IMAGES, p=Float(0, 1), axis=OneOf("horizontal", "vertical"), generator=_GENERATOR)
def flip_images(x: Tensor, *, p: float = 0.5, axis: str = "horizontal",
                generator: torch.Generator | None = None) -> Tensor:
    """Mirror each image with probability ``p``.

    Args:
        x: images of shape (N, C, H, W).
        p: the probability of mirroring an image.
        axis: ``"horizontal"`` mirrors left and right, ``"vertical"`` top and bottom.
        generator: the random generator (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x``.
    """
    flip = (_draw((x.shape[0],), generator, x.device) < p)[:, None, None, None]
    return torch.where(flip, x.flip(-1 if axis == "horizontal" else -2), x)


@validate(x=_IMAGES, size=Float(0, 1, low_open=True, hint="size is the side of the crop as a share of the image's."),
          generator=_GENERATOR)
def crop_images(x: Tensor, size: float = 0.8, *, generator: torch.Generator | None = None) -> Tensor:
    """Cut a random crop from each image and resize it back to the full size (bilinear).

    Args:
        x: images of shape (N, C, H, W).
        size: the crop's height and width as a share of the image's, in (0, 1].
        generator: the random generator (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x``.
    """
    n, _, h, w = x.shape
    ch, cw = max(1, round(size * h)), max(1, round(size * w))
    u = _draw((n, 2), generator, x.device)
    tops = torch.floor(u[:, 0] * (h - ch + 1)).long().tolist()
    lefts = torch.floor(u[:, 1] * (w - cw + 1)).long().tolist()
    crops = [x[i:i + 1, :, t:t + ch, s:s + cw] for i, (t, s) in enumerate(zip(tops, lefts))]
    return F.interpolate(torch.cat(crops), size=(h, w), mode="bilinear", align_corners=False)


@validate(x=TensorOf("floating", min_ndim=1), sigma=Float(0), clamp=[None, SequenceOf(Float(), min_len=2, max_len=2)],
          generator=_GENERATOR,
          checks=[requires("clamp", lambda a: a["clamp"] is None or a["clamp"][0] < a["clamp"][1],
                           "None or a pair (low, high) with low < high")])
def add_noise(x: Tensor, sigma: float, *, clamp: Sequence[float] | None = None,
              generator: torch.Generator | None = None) -> Tensor:
    """Add Gaussian noise of standard deviation ``sigma`` to every value.

    Args:
        x: inputs of any shape (N, ...).
        sigma: the noise's standard deviation (0: no noise).
        clamp: ``(low, high)`` to keep the values in a range (e.g. pixels in ``(0, 1)``), or ``None``.
        generator: the random generator (``None``: PyTorch's global one).

    Returns:
        A new tensor of the shape of ``x``.
    """
    if generator is None:
        noise = torch.randn_like(x)
    else:
        noise = torch.randn(x.shape, generator=generator, device=generator.device).to(x)
    out = x + sigma * noise
    return out if clamp is None else out.clamp(clamp[0], clamp[1])


@validate(transform=IsCallable("a callable x -> x, e.g. shift_signals"))
def augment_inputs(transform: Callable[..., Tensor], **kwargs: Any) -> Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """``fit``'s ``batch_transform`` that applies ``transform(x, **kwargs)`` to every training batch.

    Labels pass through unchanged: the transformation must preserve them.

    Args:
        transform: one of this module's functions, or any ``x -> x`` of the same kind.
        **kwargs: its settings, e.g. ``max_shift=20``.

    Returns:
        A callable ``(x, y) -> (transform(x, **kwargs), y)``.

    Raises:
        TypeError, ValueError: a setting ``transform`` does not take (a misspelt name), or one that
            it (a function of the package) refuses, e.g. ``max_shift=-1`` for :func:`shift_signals`:
            both here, at once. Rules between settings (``clamp=(1.0, 0.0)``) are checked at the
            first batch, where ``transform`` is called as a call of the learner's would be.
    """
    try:
        inspect.signature(transform).bind_partial(None, **kwargs)
    except TypeError as exc:
        raise invalid("kwargs", f"settings that {getattr(transform, '__name__', 'transform')} takes",
                      f"{sorted(kwargs)} ({exc})", type_error=True) from None
    except ValueError:  # a callable without a signature Python can read: its call will tell
        pass
    declared = getattr(transform, "__validation__", None)
    if declared is not None:
        declared.check(kwargs)  # each setting at once; the rules between them at the first batch
    transform = user_hook(transform)  # runs as user code: checked as a call of the learner's

    def batch_transform(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return transform(x, **kwargs), y

    return batch_transform
