"""Device choice and seeding (the shared input checks are tested in test_validation.py)."""

from __future__ import annotations

import pytest
import torch

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
    ("cpu:-1", ValueError, "Got 'cpu:-1'"),
    ("cuda:x", ValueError, "Got 'cuda:x'"),
], ids=["unknown_kind", "wrong_type", "negative_index", "malformed_index"])
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
