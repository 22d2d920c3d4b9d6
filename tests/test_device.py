"""Device choice, seeding, and the shared input checks."""

from __future__ import annotations

import pytest
import torch

from course_utils import _validation as v
from course_utils.device import describe_environment, get_device, seed_everything


def test_best_device_follows_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert get_device() == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert get_device() == torch.device("cuda")


def test_explicit_cpu_device():
    assert get_device("cpu") == torch.device("cpu")
    assert get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("device,exc,fragment", [
    ("tpu", ValueError, "Got 'tpu'"),
    (3, TypeError, "Got 3 of type int"),
], ids=["unknown_kind", "wrong_type"])
def test_get_device_rejects_bad_input(device, exc, fragment):
    with pytest.raises(exc) as info:
        get_device(device)
    assert "'device' parameter of get_device" in str(info.value)
    assert fragment in str(info.value)


def test_cuda_asked_for_but_missing(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        get_device("cuda")


def test_seed_everything_repeats_random_streams():
    seed_everything(11)
    a = (torch.rand(4), torch.randn(2, 2))
    seed_everything(11)
    b = (torch.rand(4), torch.randn(2, 2))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    g1, g2 = seed_everything(5), seed_everything(5)
    assert torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2))


@pytest.mark.parametrize("seed,exc", [(-1, ValueError), (2**32, ValueError), (1.5, TypeError),
                                      (True, TypeError)], ids=["negative", "too_big", "float", "bool"])
def test_seed_everything_rejects_bad_seed(seed, exc):
    with pytest.raises(exc, match="'seed' parameter of seed_everything"):
        seed_everything(seed)


def test_describe_environment_names_versions():
    info = describe_environment()
    assert info["torch"] == torch.__version__
    assert info["device"] in ("cpu", "cuda", "mps")


def test_float_check_message_has_sklearn_form():
    with pytest.raises(ValueError) as info:
        v.check_float(1.5, "p", "dropout", 0, 1, high_open=True)
    assert str(info.value) == "The 'p' parameter of dropout must be a float in [0, 1). Got 1.5."


@pytest.mark.parametrize("value", [0.0, 0.5, 0.999])
def test_float_check_accepts_inside(value):
    assert v.check_float(value, "p", "dropout", 0, 1, high_open=True) == value


@pytest.mark.parametrize("value,exc", [(1.0, ValueError), (-0.1, ValueError), (float("inf"), ValueError),
                                       ("0.5", TypeError), (None, TypeError)],
                         ids=["upper_bound", "below", "inf", "string", "none"])
def test_float_check_rejects(value, exc):
    with pytest.raises(exc):
        v.check_float(value, "p", "dropout", 0, 1, high_open=True)


def test_int_and_choice_checks():
    assert v.check_int(3, "n", "f", 1, 5) == 3
    with pytest.raises(ValueError, match=r"must be an int in the range \[1, 5\]. Got 6."):
        v.check_int(6, "n", "f", 1, 5)
    with pytest.raises(ValueError, match=r"must be one of \{'a', 'b'\}. Got 'c'."):
        v.check_choice("c", "k", "f", ("a", "b"))
