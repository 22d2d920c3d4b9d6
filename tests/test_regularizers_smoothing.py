"""Label smoothing against PyTorch's, and the calibration error against its definition."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_utils.regularizers import (
    expected_calibration_error,
    fit_temperature,
    label_smoothing,
    reliability_bins,
    smooth_labels,
    smoothed_cross_entropy,
)


@pytest.mark.parametrize("alpha", [0.0, 0.1, 0.5, 1.0])
@pytest.mark.parametrize(("n", "k"), [(1, 2), (7, 10), (33, 3)])
def test_smoothed_cross_entropy_equals_pytorchs_and_its_gradient_too(alpha: float, n: int, k: int) -> None:
    torch.manual_seed(n * k)
    logits = (3 * torch.randn(n, k, dtype=torch.float64)).requires_grad_(True)
    y = torch.randint(0, k, (n,))
    ours = smoothed_cross_entropy(logits, y, alpha)
    (g_ours,) = torch.autograd.grad(ours, logits)
    ref = F.cross_entropy(logits, y, label_smoothing=alpha)
    (g_ref,) = torch.autograd.grad(ref, logits)
    assert torch.allclose(ours, ref, atol=1e-12) and torch.allclose(g_ours, g_ref, atol=1e-12)


def test_smoothed_targets_sum_to_one_and_give_the_true_class_its_share() -> None:
    q = smooth_labels(torch.tensor([0, 2]), 4, 0.2)
    assert torch.allclose(q.sum(1), torch.ones(2))
    assert torch.allclose(q[0], torch.tensor([0.85, 0.05, 0.05, 0.05]))


def test_fit_with_the_smoothing_transform_minimises_the_smoothed_loss() -> None:
    # fit's cross-entropy with soft targets from the transform is the smoothed cross-entropy.
    x, y = torch.randn(5, 3), torch.tensor([0, 1, 2, 0, 1])
    logits = torch.randn(5, 3)
    _, q = label_smoothing(0.3, 3)(x, y)
    assert torch.allclose(F.cross_entropy(logits, q), smoothed_cross_entropy(logits, y, 0.3), atol=1e-6)


def test_a_perfectly_calibrated_classifier_has_zero_ece_and_an_overconfident_one_does_not() -> None:
    # 10 examples at confidence 0.8, 8 right: calibrated. All at 1.0 with 8 right: ECE 0.2.
    probs = torch.tensor([[0.8, 0.2]] * 10)
    y = torch.tensor([0] * 8 + [1] * 2)
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-6)
    sure = torch.tensor([[1.0, 0.0]] * 10)
    assert expected_calibration_error(sure, y) == pytest.approx(0.2)


def test_ece_is_the_count_weighted_gap_of_the_reliability_bins() -> None:
    torch.manual_seed(0)
    probs = F.softmax(2 * torch.randn(500, 5), 1)
    y = torch.randint(0, 5, (500,))
    table = reliability_bins(probs, y, bins=15)
    assert sum(table["count"]) == 500 and len(table["edges"]) == 16
    conf, pred = probs.max(1)
    manual = 0.0
    for lo, hi in zip(table["edges"][:-1], table["edges"][1:]):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            manual += inside.float().mean() * abs((pred[inside] == y[inside]).float().mean() - conf[inside].mean())
    assert expected_calibration_error(probs, y, bins=15) == pytest.approx(float(manual), abs=1e-6)


@pytest.mark.parametrize(("call", "match"), [
    (lambda: smooth_labels(torch.tensor([0, 5]), 3, 0.1), r"'y' parameter of smooth_labels must be labels in \[0, 2\]"),
    (lambda: smoothed_cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1]), 0.1), "'y' parameter of smoothed_cross"),
    (lambda: label_smoothing(1.5, 10), "'alpha' parameter of label_smoothing"),
    (lambda: expected_calibration_error(torch.ones(2, 2), torch.tensor([0, 1]), bins=0), "'bins' parameter"),
])
def test_bad_input_gets_a_clear_error(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_fit_temperature_finds_the_temperature_that_made_the_logits() -> None:
    # Labels drawn from softmax(z); logits given as 3z are over-confident by a factor 3: T = 3 undoes it.
    g = torch.Generator().manual_seed(0)
    z = torch.randn(20000, 5, generator=g) * 2
    y = torch.multinomial(torch.softmax(z, 1), 1, generator=g).flatten()
    assert fit_temperature(3 * z, y) == pytest.approx(3.0, rel=0.05)
    assert fit_temperature(z / 2, y) == pytest.approx(0.5, rel=0.05), "an under-confident net gets T < 1"
    grid = torch.linspace(0.2, 8, 400)
    losses = torch.stack([F.cross_entropy(3 * z / t, y) for t in grid])
    assert fit_temperature(3 * z, y) == pytest.approx(float(grid[losses.argmin()]), abs=0.05), "the NLL's minimum"


def test_temperature_scaling_lowers_the_calibration_error_and_keeps_the_predictions() -> None:
    g = torch.Generator().manual_seed(1)
    z = torch.randn(5000, 4, generator=g) * 2
    y = torch.multinomial(torch.softmax(z, 1), 1, generator=g).flatten()
    t = fit_temperature(4 * z, y)
    before, after = torch.softmax(4 * z, 1), torch.softmax(4 * z / t, 1)
    assert expected_calibration_error(after, y) < expected_calibration_error(before, y) / 3
    assert torch.equal(before.argmax(1), after.argmax(1))


def test_fit_temperature_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="'logits' parameter of fit_temperature"):
        fit_temperature(torch.tensor([[0.0, float("nan")]]), torch.tensor([0]))
    with pytest.raises((TypeError, ValueError), match="'y' parameter of fit_temperature"):
        fit_temperature(torch.zeros(3, 2), torch.zeros(3))


@pytest.mark.parametrize("func", [reliability_bins, expected_calibration_error])
def test_calibration_refuses_more_bins_than_the_cap(func):
    probs, y = torch.softmax(torch.rand(6, 3), 1), torch.tensor([0, 1, 2, 0, 1, 2])
    with pytest.raises(ValueError, match=rf"The 'bins' parameter of {func.__name__} must be an int of at most "
                                         r"10,000 \(course_utils._limits.MAX_BINS\)"):
        func(probs, y, bins=10**10)
