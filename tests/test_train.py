"""fit/evaluate: histories, repeatability, options, and rejected input."""

from __future__ import annotations

import json
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


def test_a_test_set_is_recorded_as_test_series_and_never_as_validation():
    """``val_*`` always means validation: fit(test=...) records test_loss/test_acc and chooses nothing on them."""
    train, val, test = _blobs(256, 0), _blobs(128, 1), _blobs(96, 2)
    seen = []
    h = fit(_model(), train, test=test, epochs=4, lr=0.1, progress=False,
            callbacks=lambda epoch, m, history: seen.append(history.series("test_acc")[-1]))
    assert all(math.isnan(v) for v in h.val_loss + h.val_acc) and h.best_epoch is None
    assert h.extra["test_acc"] == seen, "the test series is there before the callbacks run"
    final = evaluate(_model_after(h, train, test), test)
    assert h.series("test_acc")[-1] == pytest.approx(final["acc"]) and h.extra["test_loss"][-1] == pytest.approx(final["loss"])
    assert h.test_error == [1 - a for a in h.extra["test_acc"]] and "test_error" in h.series_names()
    assert h.series("test_error") == h.test_error
    back = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert back.extra == h.extra and back.test_error == h.test_error
    # With both, early stopping and best_epoch watch the validation set: the test set changes nothing of the run.
    with_val = fit(_model(), train, val, test=test, epochs=4, lr=0.1, early_stopping=2, progress=False)
    without = fit(_model(), train, val, epochs=4, lr=0.1, early_stopping=2, progress=False)
    assert with_val.val_loss == without.val_loss and with_val.best_epoch == without.best_epoch
    assert with_val.train_loss == without.train_loss


def _model_after(h: History, train, test) -> nn.Module:
    """The net of the first run of the test above, trained again the same way (fit is repeatable on CPU)."""
    model = _model()
    again = fit(model, train, test=test, epochs=h.epochs, lr=0.1, progress=False)
    assert again.extra["test_acc"] == h.extra["test_acc"]
    return model


def test_a_history_without_a_test_set_has_no_test_error():
    h = fit(_model(), _blobs(64), epochs=1, progress=False)
    assert "test_error" not in h.series_names()
    with pytest.raises(ValueError, match=r"History.test_error is 1 - test_acc, and this History has no series "
                                         r"'test_acc': it was trained without fit\(\.\.\., test=\.\.\.\)"):
        h.test_error
    # A callback that logs the test accuracy too is told that fit already records it.
    test = _blobs(32, 2)
    from course_utils.train import log_accuracy
    with pytest.raises(ValueError, match=r"already has a value of 'test_acc' .* fit\(\.\.\., test=\.\.\.\) "
                                         r"records test_loss and test_acc itself"):
        fit(_model(), _blobs(64), test=test, epochs=1, progress=False, callbacks=[log_accuracy(test)])


def test_a_test_set_that_does_not_fit_the_model_is_refused():
    x, y = _blobs(32, 2)
    with pytest.raises(ValueError, match=r"'test' parameter of fit must be a pair like train"):
        fit(_model(), _blobs(64), test=(x[:, :1], y), epochs=1, progress=False)
    with pytest.raises(ValueError, match=r"'test' parameter of fit must be a pair whose labels y are in \[0, 2\]"):
        fit(_model(), _blobs(64), test=(x, y + 3), epochs=1, progress=False)


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
    ("train_float_labels", {"train": (torch.zeros(4, 2), torch.zeros(4))}, TypeError),
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


# --------------------------------------------------------------------------- hooks: callbacks


def _weight_norm(epoch: int, model: nn.Module, history: History) -> None:
    history.log("weight_norm", torch.cat([p.detach().flatten() for p in model.parameters()]).norm())


def test_callbacks_run_once_per_epoch_after_validation_with_the_epoch_index():
    train, val = _blobs(64, 0), _blobs(32, 1)
    model, calls = _model(), []

    def spy(epoch, m, history):
        calls.append((epoch, m is model, history.epochs, history.val_loss[-1] == history.val_loss[-1]))

    h = fit(model, train, val, epochs=3, progress=False, callbacks=[spy, lambda *args: None])
    assert calls == [(0, True, 1, True), (1, True, 2, True), (2, True, 3, True)]
    assert h.extra == {} and "extra" not in h.to_dict()
    calls.clear()
    fit(model, train, epochs=2, progress=False, callbacks=spy)  # a single callable works too
    assert [c[0] for c in calls] == [0, 1]


def test_callback_series_matches_the_weights_and_round_trips():
    model = _model()
    h = fit(model, _blobs(64), epochs=3, progress=False, callbacks=[_weight_norm])
    assert len(h.extra["weight_norm"]) == 3
    final = torch.cat([p.detach().flatten() for p in model.parameters()]).norm().item()
    assert h.series("weight_norm")[-1] == pytest.approx(final)
    assert "weight_norm" in h.series_names()
    back = History.from_dict(json.loads(json.dumps(h.to_dict())))
    assert back.extra == h.extra and back.train_loss == h.train_loss


def test_series_skipped_in_some_epochs_reads_nan_there():
    def odd_epochs(epoch, model, history):
        if epoch % 2 == 1:
            history.log("odd", epoch)

    h = fit(_model(), _blobs(32), epochs=4, progress=False, callbacks=odd_epochs)
    assert h.extra["odd"][1::2] == [1.0, 3.0] and all(math.isnan(v) for v in h.extra["odd"][0::2])
    assert h.to_dict()["extra"]["odd"] == [None, 1.0, None, 3.0]
    back = History.from_dict(h.to_dict())
    assert math.isnan(back.extra["odd"][0]) and back.extra["odd"][3] == 3.0


def test_callback_returning_true_stops_training():
    h = fit(_model(), _blobs(32), epochs=10, progress=False, callbacks=lambda epoch, m, hist: epoch == 1)
    assert h.epochs == 2 and h.stopped_early


def test_callback_returning_something_else_is_a_clear_error():
    with pytest.raises(TypeError, match="'callbacks' parameter of fit.*returned 0.5"):
        fit(_model(), _blobs(32), epochs=2, progress=False, callbacks=lambda *args: 0.5)


@pytest.mark.parametrize("callbacks", [3, [_weight_norm, "norm"]], ids=["not_callable", "item_not_callable"])
def test_fit_rejects_bad_callbacks(callbacks):
    with pytest.raises(TypeError, match="'callbacks' parameter of fit.*Got"):
        fit(_model(), _blobs(16), epochs=1, progress=False, callbacks=callbacks)


def test_history_log_rejects_bad_use():
    h = History()
    with pytest.raises(ValueError, match="last finished epoch"):
        h.log("w", 1.0)
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[1.0], val_acc=[0.5], lr=[0.1], epoch_time=[0.1])
    for name in ("val_loss", "train_error", "epochs", "extra", "not a name"):
        with pytest.raises(ValueError, match="'name' parameter of History.log"):
            h.log(name, 1.0)
    with pytest.raises(TypeError, match="'value' parameter of History.log"):
        h.log("w", "big")
    with pytest.raises(ValueError, match="'value' parameter of History.log"):
        h.log("w", torch.ones(3))
    h.log("w", torch.tensor(2.0))
    with pytest.raises(ValueError, match="once per epoch"):
        h.log("w", 3.0)
    assert h.extra == {"w": [2.0]}
    with pytest.raises(ValueError, match=r"series of this History \[.*'w'\]\. Got 'weight_norm'"):
        h.series("weight_norm")


def test_history_from_dict_rejects_bad_extra():
    with pytest.raises(TypeError, match=r"data\['extra'\]"):
        History.from_dict({"train_loss": [1.0], "extra": [1.0]})


# --------------------------------------------------------------------------- hooks: batch_transform


def test_batch_transform_changes_training_batches_only():
    train, val = _blobs(64, 0), _blobs(32, 1)
    model, seen = _model(), []
    model.register_forward_pre_hook(lambda m, args: seen.append((m.training, args[0].clone())))
    h = fit(model, train, val, epochs=2, batch_size=16, progress=False,
            batch_transform=lambda x, y: (x + 100.0, y))
    training = torch.cat([x for is_training, x in seen if is_training])
    # seen[0]: fit's check that the model takes the data, on one training example in eval mode.
    evaluation = torch.cat([x for is_training, x in seen[1:] if not is_training])
    assert len(training) == 2 * 64 and bool((training > 50).all())
    assert torch.equal(evaluation, torch.cat([val[0], val[0]]))  # validation after each epoch, untouched
    assert h.epochs == 2


def _noisy(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Input noise and 20 % label noise, drawn from torch's generator."""
    flip = torch.rand(len(y)) < 0.2
    return x + 0.3 * torch.randn_like(x), torch.where(flip, torch.randint_like(y, 0, 3), y)


def test_batch_transform_with_randomness_repeats_with_the_seed():
    train, val = _blobs(128, 0), _blobs(64, 1)
    runs = [fit(_model(2), train, val, epochs=3, seed=5, progress=False, device="cpu", batch_transform=_noisy)
            for _ in range(2)]
    assert runs[0].train_loss == runs[1].train_loss and runs[0].val_loss == runs[1].val_loss
    other = fit(_model(2), train, val, epochs=3, seed=6, progress=False, device="cpu", batch_transform=_noisy)
    assert other.train_loss != runs[0].train_loss
    plain = fit(_model(2), train, val, epochs=3, seed=5, progress=False, device="cpu")
    assert plain.train_loss != runs[0].train_loss, "the transform must reach the model"


def test_batch_transform_may_return_class_probabilities():
    train = _blobs(64)
    hard = fit(_model(), train, epochs=2, progress=False, device="cpu")
    soft = fit(_model(), train, epochs=2, progress=False, device="cpu",
               batch_transform=lambda x, y: (x, nn.functional.one_hot(y, 3).float()))
    assert soft.train_acc == hard.train_acc
    assert soft.train_loss == pytest.approx(hard.train_loss, rel=1e-5)


BAD_TRANSFORMS = [
    ("returns_none", lambda x, y: None, TypeError),
    ("returns_x_only", lambda x, y: x, TypeError),
    ("returns_one_item", lambda x, y: (x,), TypeError),
    ("returns_numpy", lambda x, y: (x.numpy(), y), TypeError),
    ("drops_a_row", lambda x, y: (x[1:], y[1:]), ValueError),
    ("lengths_differ", lambda x, y: (x, y[:1]), ValueError),
    ("float64_inputs", lambda x, y: (x.double(), y), ValueError),
    ("float_label_vector", lambda x, y: (x, y.float()), ValueError),
]


@pytest.mark.parametrize("transform,exc", [c[1:] for c in BAD_TRANSFORMS], ids=[c[0] for c in BAD_TRANSFORMS])
def test_batch_transform_returning_garbage_is_a_clear_error(transform, exc):
    with pytest.raises(exc, match="'batch_transform' parameter of fit must be a callable that returns.*Got one"):
        fit(_model(), _blobs(16), epochs=1, progress=False, device="cpu", batch_transform=transform)


def test_fit_rejects_a_batch_transform_that_is_not_callable():
    with pytest.raises(TypeError, match="'batch_transform' parameter of fit.*Got"):
        fit(_model(), _blobs(16), epochs=1, progress=False, batch_transform=(1, 2))


def test_hooks_that_change_nothing_change_no_number():
    train, val = _blobs(128, 0), _blobs(64, 1)
    kwargs = dict(epochs=3, seed=4, progress=False, device="cpu", early_stopping=2)
    plain = fit(_model(1, dropout=0.3), train, val, **kwargs)
    hooked = fit(_model(1, dropout=0.3), train, val, batch_transform=lambda x, y: (x, y),
                 callbacks=[lambda *args: None, _weight_norm], **kwargs)
    hooked.extra.clear()
    for h in (plain, hooked):
        h.epoch_time.clear()
    assert plain == hooked


# --------------------------------------------------------------------------- hooks and bad inputs named (issue 19)


class _OneArgument:
    def __call__(self, history):
        return None


@pytest.mark.parametrize("hooks, param, shown", [
    (dict(callbacks=[lambda history: None]), "callbacks", r"<lambda>\(history\), which cannot take the 3 arguments "
                                                          r"fit passes \(epoch, model, history\)"),
    (dict(callbacks=_OneArgument()), "callbacks", r"_OneArgument\(history\)"),
    (dict(batch_transform=lambda x: x), "batch_transform", r"<lambda>\(x\), which cannot take the 2 arguments fit "
                                                           r"passes \(x, y\)"),
    (dict(penalty=lambda: 0.0), "penalty", r"<lambda>\(\), which cannot take the 1 argument fit passes \(model\)"),
    (dict(penalty=[lambda m, lam: 0.0]), "penalty", r"<lambda>\(m, lam\)"),
    (dict(optimizer=lambda: torch.optim.SGD([], lr=0.1)), "optimizer", r"<lambda>\(\), which cannot take the 1 "
                                                                       r"argument fit passes \(params\)"),
    (dict(optimizer=lambda params, lr: torch.optim.SGD(params, lr)), "optimizer", r"<lambda>\(params, lr\)"),
])
def test_a_hook_with_the_wrong_signature_is_named_before_training(hooks, param, shown):
    calls = []  # a recording hook of the other kind: training must not have started
    recorder = (dict(callbacks=[lambda e, m, h: calls.append(e)]) if param != "callbacks"
                else dict(batch_transform=lambda x, y: (calls.append(0), (x, y))[1]))
    with pytest.raises(TypeError, match=rf"The '{param}' parameter of fit must be a callable .*Got {shown}"):
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", **{**recorder, **hooks})
    assert calls == [], "the signature is checked before the first batch"


def test_a_hook_python_cannot_inspect_is_named_when_the_call_fails():
    # torch.sigmoid has no signature inspect can read; calling it with the model fails at the call.
    with pytest.raises(TypeError, match=r"The 'penalty' parameter of fit must be a callable model -> scalar.*"
                                        r"Got sigmoid, which fit could not call"):
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", penalty=torch.sigmoid)


def test_an_optimizer_class_is_a_valid_optimizer_hook():
    """torch.optim.Adam(params, lr=0.001, ...) takes what fit passes: its signature is accepted."""
    history = fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", optimizer=torch.optim.Adam)
    assert history.epochs == 1 and history.train_loss[0] == history.train_loss[0]


def test_a_type_error_inside_a_hook_is_not_blamed_on_its_signature():
    def callback(epoch, model, history):
        raise TypeError("my own mistake")

    with pytest.raises(TypeError, match="^my own mistake$"):
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", callbacks=callback)


@pytest.mark.parametrize("transform", [
    lambda x, y: (x * math.nan, y),
    lambda x, y: (x / torch.zeros_like(x), y),
    lambda x, y: (x, torch.full((len(y), 3), math.nan)),
])
def test_a_batch_transform_returning_nan_is_named_not_the_learning_rate(transform):
    with pytest.raises(ValueError, match="The 'batch_transform' parameter of fit must be a callable that returns "
                                         "finite x.*NaN or infinite values in epoch 1.*not because of the learning "
                                         "rate") as info:
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", batch_transform=transform)
    assert "lr=" not in str(info.value)


@pytest.mark.parametrize("shift, shown", [(5, r"\[5, 7\]"), (-3, r"\[-3, -1\]")])
def test_a_batch_transform_returning_labels_out_of_range_is_named(shift, shown):
    with pytest.raises(ValueError, match=r"The 'batch_transform' parameter of fit must be a callable that returns "
                                         rf"labels y in \[0, 2\] \(the model has 3 outputs\). Got one that returned "
                                         rf"labels in {shown}"):
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu", batch_transform=lambda x, y: (x, y + shift))


def test_a_batch_transform_returning_probabilities_for_other_classes_is_named():
    with pytest.raises(ValueError, match=r"'batch_transform' parameter of fit must be a callable that returns class "
                                         r"probabilities y of shape \(N, 3\).*y of shape \(32, 5\)"):
        fit(_model(), _blobs(32), epochs=1, progress=False, device="cpu",
            batch_transform=lambda x, y: (x, torch.full((len(y), 5), 0.2)))


def test_a_batch_transform_that_is_fine_trains_as_before():
    data = _blobs(64)
    plain = fit(_model(), data, epochs=2, progress=False, device="cpu", seed=1)
    same = fit(_model(), data, epochs=2, progress=False, device="cpu", seed=1, batch_transform=lambda x, y: (x, y))
    assert same.train_loss == plain.train_loss


def test_a_diverging_run_without_a_batch_transform_still_blames_the_learning_rate():
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(_model(), _blobs(64), epochs=3, lr=1e30, progress=False, device="cpu")


@pytest.mark.parametrize("value", [math.inf, -math.inf, torch.tensor(math.inf)])
def test_history_log_refuses_infinite_values(value):
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[math.nan], val_acc=[math.nan], lr=[0.1],
                epoch_time=[1.0])
    with pytest.raises(ValueError, match=r"The 'value' parameter of History.log must be a finite real number, or "
                                         r"nan for a value that is missing. Got -?inf"):
        h.log("weight_norm", value)
    assert "weight_norm" not in h.extra


def test_history_log_keeps_nan_as_a_missing_value():
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[math.nan], val_acc=[math.nan], lr=[0.1],
                epoch_time=[1.0])
    h.log("pseudo_right", math.nan)
    assert math.isnan(h.extra["pseudo_right"][0])
    assert History.from_dict(json.loads(json.dumps(h.to_dict()))).epochs == 1
