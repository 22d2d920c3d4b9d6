"""Notebook 07's augmentations: each is label-preserving in the way its docstring says, and repeatable."""

from __future__ import annotations

import pytest
import torch

from course_utils.regularizers import (
    add_noise,
    affine_images,
    augment_inputs,
    crop_images,
    flip_images,
    shift_signals,
)


def test_a_circular_shift_moves_every_signal_by_its_own_amount_and_loses_nothing() -> None:
    x = torch.arange(40.0).repeat(200, 1)
    torch.manual_seed(0)
    out = shift_signals(x, 5)
    for row in out:
        assert any(torch.equal(row, torch.roll(x[0], s)) for s in range(-5, 6)), "each row is a roll of the input"
    shifts = {next(s for s in range(-5, 6) if torch.equal(row, torch.roll(x[0], s))) for row in out}
    assert shifts == set(range(-5, 6)), f"every shift in [-5, 5] should occur over 200 signals, got {sorted(shifts)}"


def test_shift_zero_is_the_identity_and_channels_move_together() -> None:
    x = torch.randn(8, 3, 40)
    assert torch.equal(shift_signals(x, 0), x)
    out = shift_signals(x, 20)
    for i in range(8):
        s = next(s for s in range(-20, 21) if torch.equal(out[i, 0], torch.roll(x[i, 0], s)))
        assert torch.equal(out[i], torch.roll(x[i], s, dims=-1)), "all channels of a signal shift by the same amount"


def test_the_same_generator_seed_gives_the_same_augmentation() -> None:
    x = torch.rand(16, 1, 8, 8)
    a = affine_images(x, max_shift=1, scale=(0.9, 1.1), rotation=10, generator=torch.Generator().manual_seed(3))
    b = affine_images(x, max_shift=1, scale=(0.9, 1.1), rotation=10, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a, b)
    assert not torch.equal(a, x)


def test_the_identity_affine_transformation_leaves_images_unchanged() -> None:
    x = torch.rand(4, 3, 10, 12)
    assert torch.allclose(affine_images(x, max_shift=0, scale=(1, 1), rotation=0), x, atol=1e-5)


def test_a_one_pixel_shift_moves_the_image_by_one_pixel() -> None:
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 4, 4] = 1.0
    moved = {tuple((affine_images(x, max_shift=1.0, generator=torch.Generator().manual_seed(s))[0, 0] > 0.5)
                   .nonzero()[0].tolist()) for s in range(40)
             if (affine_images(x, max_shift=1.0, generator=torch.Generator().manual_seed(s))[0, 0] > 0.5).any()}
    assert moved and all(abs(r - 4) <= 1 and abs(c - 4) <= 1 for r, c in moved), moved


def test_flips_mirror_with_probability_p() -> None:
    x = torch.rand(400, 1, 5, 5)
    torch.manual_seed(0)
    out = flip_images(x, p=0.5)
    mirrored = sum(torch.equal(o, xi.flip(-1)) for o, xi in zip(out, x))
    kept = sum(torch.equal(o, xi) for o, xi in zip(out, x))
    assert mirrored + kept == 400 and 150 < mirrored < 250, (mirrored, kept)
    assert torch.equal(flip_images(x, p=1.0, axis="vertical"), x.flip(-2))
    assert torch.equal(flip_images(x, p=0.0), x)


def test_a_full_size_crop_is_the_identity_and_a_crop_keeps_the_shape() -> None:
    x = torch.rand(3, 2, 9, 9)
    assert torch.allclose(crop_images(x, 1.0), x, atol=1e-6)
    assert crop_images(x, 0.5).shape == x.shape


def test_noise_has_the_stated_standard_deviation_and_clamps() -> None:
    torch.manual_seed(0)
    x = torch.zeros(100_000)
    assert abs(float(add_noise(x, 0.3).std()) - 0.3) < 0.01
    assert float(add_noise(x, 1.0, clamp=(0.0, 1.0)).min()) >= 0.0


def test_augment_inputs_transforms_x_and_keeps_y() -> None:
    x, y = torch.randn(6, 40), torch.arange(6)
    transform = augment_inputs(shift_signals, max_shift=3)
    x2, y2 = transform(x, y)
    assert y2 is y and x2.shape == x.shape


@pytest.mark.parametrize(("call", "match"), [
    (lambda: shift_signals(torch.zeros(2, 2, 2, 2), 1), "'x' parameter of shift_signals"),
    (lambda: shift_signals(torch.zeros(2, 4), -1), "'max_shift' parameter of shift_signals"),
    (lambda: affine_images(torch.zeros(2, 1, 4, 4), scale=(1.2, 0.8)), "'scale' parameter of affine_images"),
    (lambda: crop_images(torch.zeros(2, 1, 4, 4), 0.0), "'size' parameter of crop_images"),
    (lambda: add_noise(torch.zeros(3), 0.1, clamp=(1.0, 0.0)), "'clamp' parameter of add_noise"),
    (lambda: augment_inputs("shift"), "'transform' parameter of augment_inputs"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()
