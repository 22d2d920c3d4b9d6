"""train/: the shared callbacks, the weight statistics, the device helper and the one early-stopping rule (unit tier)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from course_utils import experiments, regularizers
from course_utils.device import model_device, seed_everything
from course_utils.train import SMALL_WEIGHT, History, evaluate, fit, log_accuracy, log_weights, weight_sparsity
from course_utils.train.stopping import _Patience


def _blobs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    x = torch.tensor([[2.0, 0.0], [-2.0, 0.0], [0.0, 2.5]])[y] + 0.8 * torch.randn(n, 2, generator=g)
    return x, y


def _model(seed: int = 0) -> nn.Module:
    seed_everything(seed)
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


TRAIN, VAL, TEST = _blobs(96, 0), _blobs(48, 1), _blobs(48, 2)


def test_log_accuracy_records_the_chosen_epochs_and_nan_between() -> None:
    seen: list[float] = []

    def reference(epoch: int, model: nn.Module, history: History) -> None:
        seen.append(evaluate(model, TEST)["acc"])

    h = fit(_model(), TRAIN, VAL, epochs=5, lr=0.1, progress=False, device="cpu",
            callbacks=[log_accuracy(TEST, "test_acc", loss_name="test_loss", every=2, last=4), reference])
    acc, loss = h.series("test_acc"), h.series("test_loss")
    assert [math.isnan(v) for v in acc] == [True, False, True, False, False]
    assert [acc[i] for i in (1, 3, 4)] == [seen[i] for i in (1, 3, 4)], "the accuracy evaluate gives, exactly"
    assert all(math.isnan(loss[i]) == math.isnan(acc[i]) for i in range(5))
    only_last = fit(_model(), TRAIN, None, epochs=3, progress=False, callbacks=[log_accuracy(TEST, every=None, last=2)])
    assert [math.isnan(v) for v in only_last.series("test_acc")] == [True, True, False]


def test_a_callback_called_after_fit_records_the_returned_net() -> None:
    model = _model()
    h = fit(model, TRAIN, None, epochs=2, progress=False)
    log_accuracy(TEST, "final_acc")(h.epochs - 1, model, h)
    final = h.series("final_acc")
    assert math.isnan(final[0]) and final[1] == evaluate(model, TEST)["acc"]


def test_log_weights_records_the_squared_norm_and_the_share_of_small_weights() -> None:
    model = _model()
    h = fit(model, TRAIN, None, epochs=2, progress=False, callbacks=[log_weights(every=None, last=1)])
    weights = [p.detach() for p in model.parameters() if p.dim() >= 2]
    assert h.series("weight_norm2")[1] == pytest.approx(float(sum((w ** 2).sum() for w in weights)))
    assert h.series("sparsity")[1] == weight_sparsity(model) and math.isnan(h.series("sparsity")[0])


def test_weight_sparsity_counts_the_weights_below_the_one_threshold() -> None:
    net = nn.Linear(5, 2)
    with torch.no_grad():
        net.weight.copy_(torch.tensor([[0.0, 5e-4, -5e-4, 2e-3, 1.0], [1.0, 1.0, 1.0, 1.0, -1e-4]]))
        net.bias.fill_(0.0)  # a bias is no weight: not counted
    assert weight_sparsity(net) == 4 / 10
    assert weight_sparsity(net, threshold=1e-2) == 5 / 10
    assert SMALL_WEIGHT == experiments.SPARSITY_THRESHOLD == experiments.SMALL_WEIGHT == 1e-3
    assert experiments.weight_sparsity is weight_sparsity


@pytest.mark.parametrize(("call", "match"), [
    (lambda: log_accuracy(TEST, every=None), "'every' parameter of log_accuracy"),
    (lambda: log_accuracy(TEST, every=0), "'every' parameter of log_accuracy"),
    (lambda: log_accuracy((TEST[0], TEST[1][:3]), "acc"), "'data' parameter of log_accuracy"),
    (lambda: log_weights(last=-1), "'last' parameter of log_weights"),
    (lambda: weight_sparsity(nn.Linear(2, 2), threshold=0.0), "'threshold' parameter of weight_sparsity"),
    (lambda: model_device("cpu"), "'model' parameter of model_device"),
])
def test_the_callbacks_refuse_bad_settings(call, match) -> None:
    with pytest.raises((TypeError, ValueError), match=match):
        call()


def test_model_device_is_the_device_of_the_parameters() -> None:
    assert model_device(nn.Linear(2, 2)) == torch.device("cpu")
    assert model_device(nn.ReLU()) == torch.device("cpu"), "a net without parameters computes on the CPU"


def test_the_rule_counts_nan_and_inf_as_no_improvement() -> None:
    rule = _Patience(2)
    assert [rule.update(v) for v in (math.nan, math.inf)] == [False, False] and rule.stop
    assert rule.best_epoch is None, "no epoch improved"
    rule = _Patience(None)
    assert [rule.update(v) for v in (1.0, 1.0, 0.5, math.nan)] == [True, False, True, False]
    assert rule.best_epoch == 2 and not rule.stop, "without a patience the rule never stops"


@pytest.mark.parametrize("patience", [1, 2, 3])
def test_fit_stops_where_the_rule_says(patience: int) -> None:
    full = fit(_model(), TRAIN, VAL, epochs=12, lr=0.5, progress=False, device="cpu")
    stopped = fit(_model(), TRAIN, VAL, epochs=12, lr=0.5, early_stopping=patience, progress=False, device="cpu")
    best, last = experiments.early_stopping_point(full.val_loss, patience)
    assert (stopped.best_epoch, stopped.epochs - 1) == (best, last)
    assert stopped.stopped_early == (last < 11)


def test_input_noise_is_add_noise() -> None:
    x, y = torch.randn(6, 4), torch.arange(6)
    torch.manual_seed(5)
    noisy, same = regularizers.input_noise(0.3)(x, y)
    torch.manual_seed(5)
    assert torch.equal(noisy, regularizers.add_noise(x, 0.3)) and torch.equal(same, y)
