"""fit/evaluate: histories, repeatability, options, and rejected input."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_utils.device import seed_everything
from course_utils.train import History, evaluate, fit


def _blobs(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])
    x = centers[y] + 0.6 * torch.randn(n, 2, generator=g)
    return x, y


def _model(seed: int = 0, dropout: float = 0.0) -> nn.Module:
    seed_everything(seed)
    return nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Dropout(dropout), nn.Linear(32, 3))


def test_fit_returns_one_entry_per_epoch_and_learns():
    train, val = _blobs(256, 0), _blobs(128, 1)
    h = fit(_model(), train, val, epochs=5, lr=0.1, progress=False)
    assert isinstance(h, History)
    assert h.epochs == 5
    for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr", "epoch_time"):
        assert len(getattr(h, key)) == 5, key
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.val_acc[-1] > 0.9
    assert all(t > 0 for t in h.epoch_time)
    assert h.best_epoch is not None and 0 <= h.best_epoch < 5


def test_same_seed_gives_identical_history_on_cpu():
    train, val = _blobs(256, 0), _blobs(128, 1)
    runs = [fit(_model(3, dropout=0.3), train, val, epochs=3, seed=7, progress=False, device="cpu")
            for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss
    assert runs[0].val_loss == runs[1].val_loss
    other = fit(_model(3, dropout=0.3), train, val, epochs=3, seed=8, progress=False, device="cpu")
    assert other.train_loss != runs[0].train_loss, "a different shuffling seed must change the run"


def test_fit_leaves_global_rng_untouched():
    model, data = _model(dropout=0.5), _blobs(64)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit(model, data, epochs=1, progress=False)
    assert torch.equal(torch.rand(3), expected)


def test_cosine_schedule_decays_learning_rate():
    h = fit(_model(), _blobs(64), epochs=4, lr=0.1, schedule="cosine", progress=False)
    assert h.lr[0] == pytest.approx(0.1)
    assert h.lr == sorted(h.lr, reverse=True) and h.lr[-1] < 0.1


def test_step_schedule_divides_by_ten():
    h = fit(_model(), _blobs(64), epochs=4, lr=0.1, schedule="step", progress=False)
    assert h.lr == pytest.approx([0.1, 0.1, 0.01, 0.001])


def test_weight_decay_shrinks_weights():
    norms = []
    for wd in (0.0, 0.5):
        model = _model()
        fit(model, _blobs(256), epochs=5, lr=0.05, weight_decay=wd, progress=False)
        norms.append(sum(p.pow(2).sum() for p in model.parameters()).item())
    assert norms[1] < 0.5 * norms[0]


def test_penalty_is_added_to_the_objective():
    model = _model()
    calls = []

    def l1(m: nn.Module) -> torch.Tensor:
        calls.append(1)
        return 0.1 * sum(p.abs().sum() for p in m.parameters())

    fit(model, _blobs(64), epochs=2, batch_size=32, penalty=[l1], progress=False)
    assert len(calls) == 4  # two steps per epoch, two epochs


def test_early_stopping_stops_and_restores_best_weights():
    # Training on random labels: validation loss soon rises, so early stopping triggers.
    x, _ = _blobs(256, 0)
    y = torch.randint(0, 3, (256,), generator=torch.Generator().manual_seed(5))
    val = _blobs(128, 1)
    model = nn.Sequential(nn.Linear(2, 256), nn.ReLU(), nn.Linear(256, 3))
    h = fit(model, (x, y), val, epochs=60, lr=0.2, early_stopping=3, progress=False)
    assert h.stopped_early and h.epochs < 60
    assert h.epochs == h.best_epoch + 1 + 3
    assert evaluate(model, val)["loss"] == pytest.approx(h.val_loss[h.best_epoch], rel=1e-5)


def test_regression_with_mse_has_nan_accuracy():
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * x
    h = fit(nn.Linear(1, 1), (x, y), (x, y), loss="mse", epochs=20, batch_size=16, lr=0.1, progress=False)
    assert h.val_loss[-1] < 0.05
    assert all(math.isnan(a) for a in h.train_acc)


def test_evaluate_matches_manual_computation():
    model, (x, y) = _model(), _blobs(50)
    with torch.no_grad():
        out = model(x)
    res = evaluate(model, (x, y), batch_size=7)
    assert res["loss"] == pytest.approx(nn.functional.cross_entropy(out, y).item(), rel=1e-5)
    assert res["acc"] == pytest.approx((out.argmax(1) == y).float().mean().item())


def test_history_round_trips_through_dict():
    h = fit(_model(), _blobs(64), epochs=2, progress=False)
    back = History.from_dict(h.to_dict())
    assert back.train_loss == h.train_loss
    assert all(math.isnan(v) for v in back.val_loss)
    assert h.to_dict()["val_loss"] == [None, None]


def test_diverging_run_raises_a_clear_error():
    x, y = _blobs(64)
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(_model(), (x * 1e6, y), epochs=3, lr=1e6, progress=False)


BAD_FIT_ARGS = [
    ("model", {"model": "resnet"}, TypeError),
    ("epochs_zero", {"epochs": 0}, ValueError),
    ("epochs_float", {"epochs": 2.5}, TypeError),
    ("batch_size", {"batch_size": 0}, ValueError),
    ("lr_negative", {"lr": -0.1}, ValueError),
    ("lr_nan", {"lr": float("nan")}, ValueError),
    ("momentum", {"momentum": 1.0}, ValueError),
    ("weight_decay_negative", {"weight_decay": -1e-4}, ValueError),
    ("optimizer_unknown", {"optimizer": "lbfgs"}, ValueError),
    ("schedule_unknown", {"schedule": "linear"}, ValueError),
    ("loss_unknown", {"loss": "hinge"}, ValueError),
    ("monitor_unknown", {"monitor": "train_loss"}, ValueError),
    ("early_stopping_without_val", {"early_stopping": 3}, ValueError),
    ("early_stopping_zero", {"early_stopping": 0, "val": "use"}, ValueError),
    ("seed_negative", {"seed": -1}, ValueError),
    ("progress_not_bool", {"progress": "yes"}, TypeError),
    ("penalty_not_callable", {"penalty": [1.0]}, TypeError),
    ("train_not_pair", {"train": "data"}, TypeError),
    ("train_length_mismatch", {"train": (torch.zeros(4, 2), torch.zeros(3, dtype=torch.long))}, ValueError),
    ("train_float_labels", {"train": (torch.zeros(4, 2), torch.zeros(4))}, ValueError),
    ("device_unknown", {"device": "tpu"}, ValueError),
]


@pytest.mark.parametrize("name,override,exc", BAD_FIT_ARGS, ids=[c[0] for c in BAD_FIT_ARGS])
def test_fit_rejects_bad_input(name, override, exc):
    kwargs = {"model": _model(), "train": _blobs(16), "val": None, "epochs": 1, "progress": False}
    kwargs.update(override)
    if kwargs["val"] == "use":
        kwargs["val"] = _blobs(16, 1)
    parameter = next(iter(override)).split("_")[0] if name != "early_stopping_without_val" else "early_stopping"
    parameter = {"train": "train", "early": "early_stopping", "weight": "weight_decay",
                 "batch": "batch_size"}.get(parameter, parameter)
    with pytest.raises(exc) as info:
        fit(**kwargs)
    message = str(info.value)
    assert f"'{parameter}'" in message, message
    assert "Got" in message, message


def test_evaluate_rejects_bad_loss():
    with pytest.raises(ValueError, match="'loss' parameter of evaluate"):
        evaluate(_model(), _blobs(8), loss="l1")


@pytest.mark.parametrize("data,exc", [
    ([1, 2], TypeError),
    ({"train_loss": [1.0], "accuracy": [0.5]}, ValueError),
], ids=["not_dict", "unknown_key"])
def test_history_from_dict_rejects_bad_input(data, exc):
    with pytest.raises(exc, match="'data' parameter of History.from_dict"):
        History.from_dict(data)
