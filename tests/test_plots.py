"""Plots draw labelled axes from histories and refuse what they cannot draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_utils.plots import compare_histories, plot_bars, plot_history  # noqa: E402
from course_utils.train import History  # noqa: E402


def _history(shift: float = 0.0) -> History:
    return History(train_loss=[1.0, 0.5, 0.3], train_acc=[0.5, 0.7, 0.9 - shift],
                   val_loss=[1.1, 0.7, 0.6], val_acc=[0.4, 0.6, 0.7], lr=[0.1] * 3,
                   epoch_time=[0.1] * 3, best_epoch=2)


def test_plot_history_has_labelled_panels():
    fig = plot_history(_history(), metrics=("loss", "error"))
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["loss", "error (1 − accuracy)"]
    assert all(ax.get_xlabel() == "epoch" for ax in axes)
    err_train = axes[1].get_lines()[0].get_ydata()
    assert list(err_train) == pytest.approx([0.5, 0.3, 0.1])
    plt.close(fig)


def test_compare_histories_draws_one_line_per_run_with_legend():
    ax = compare_histories({"plain": _history(), "residual": _history(0.05)}, metric="error")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["plain", "residual"]
    assert ax.get_ylabel() == "training error (1 − accuracy)"
    plt.close(ax.figure)


def test_compare_histories_draws_the_test_curves_that_fit_recorded():
    tested = _history()
    tested.extra.update(test_loss=[1.2, 0.8, 0.7], test_acc=[0.3, 0.5, 0.65])
    ax = compare_histories({"residual": tested}, metric="error", split="test")
    assert list(ax.get_lines()[0].get_ydata()) == pytest.approx([0.7, 0.5, 0.35]), "1 − test_acc, not val_acc"
    assert ax.get_ylabel() == "test error (1 − accuracy)" and ax.get_lines()[0].get_linestyle() == "--"
    plt.close(ax.figure)
    ax = compare_histories({"residual": tested}, metric="loss", split="test")
    assert list(ax.get_lines()[0].get_ydata()) == [1.2, 0.8, 0.7] and ax.get_ylabel() == "test loss"
    plt.close(ax.figure)
    # A run without a test set is named, not drawn from its validation curve.
    with pytest.raises(ValueError, match=r"'split' parameter of compare_histories must be 'train', 'val' or 'both' "
                                         r"for runs without the series 'test_error'\. Got 'test', and these runs have "
                                         r"no test_error: \['plain'\]"):
        compare_histories({"residual": tested, "plain": _history()}, split="test")
    # A test accuracy logged by a callback has no test loss beside it: the error names the series.
    partly = _history()
    partly.extra["test_acc"] = [0.3, 0.5, 0.65]
    with pytest.raises(ValueError, match=r"Got 'test', and these runs have no test_loss: \['partly'\]"):
        compare_histories({"partly": partly}, metric="loss", split="test")


@pytest.mark.parametrize("split", ["val", "both"])
def test_compare_histories_refuses_a_validation_curve_a_run_does_not_have(split):
    """A run trained without a validation set (val_* all nan) would draw an empty panel: refused, with the way out."""
    tested = History(train_loss=[1.0, 0.5], train_acc=[0.5, 0.7], val_loss=[float("nan")] * 2,
                     val_acc=[float("nan")] * 2, lr=[0.1] * 2, epoch_time=[0.1] * 2,
                     extra={"test_loss": [1.1, 0.8], "test_acc": [0.4, 0.6]})
    with pytest.raises(ValueError, match=rf"Got '{split}', and these runs have no val_error: \['residual'\]\. "
                                         r"They record the test set as test_\*: use split='test'"):
        compare_histories({"residual": tested}, split=split)


def test_plot_bars_labels_values():
    ax = plot_bars({"a": 1.0, "b": 2.0}, ylabel="GMACs")
    assert ax.get_ylabel() == "GMACs" and len(ax.patches) == 2
    plt.close(ax.figure)


@pytest.mark.parametrize("call,exc", [
    (lambda: plot_history("h"), TypeError),
    (lambda: plot_history(_history(), metrics=("f1",)), ValueError),
    (lambda: compare_histories({}), ValueError),
    (lambda: compare_histories({"a": _history()}, split="testing"), ValueError),
    (lambda: plot_bars({}, ylabel="x"), ValueError),
], ids=["history_type", "unknown_metric", "no_runs", "unknown_split", "no_bars"])
def test_plots_reject_bad_input(call, exc):
    with pytest.raises(exc, match="parameter of"):
        call()


def _history_with_norm(norms: list[float]) -> History:
    h = _history()
    h.extra["weight_norm"] = list(norms)
    return h


def test_plot_history_draws_a_series_recorded_by_a_callback():
    h = History.from_dict(_history_with_norm([3.0, 2.5, 2.0]).to_dict())  # as loaded from a file
    fig = plot_history(h, metrics=("loss", "weight_norm", "lr"))
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "weight norm", "lr"]
    assert list(fig.axes[1].get_lines()[0].get_ydata()) == [3.0, 2.5, 2.0]
    plt.close(fig)


def test_compare_histories_draws_a_recorded_series_per_run():
    ax = compare_histories({"λ=0": _history_with_norm([3.0, 3.5, 4.0]),
                            "λ=0.01": _history_with_norm([3.0, 2.5, 2.0])}, metric="weight_norm")
    assert [list(line.get_ydata()) for line in ax.get_lines()] == [[3.0, 3.5, 4.0], [3.0, 2.5, 2.0]]
    assert ax.get_ylabel() == "weight norm"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["λ=0", "λ=0.01"]
    plt.close(ax.figure)


def test_unknown_series_error_lists_the_available_ones():
    with pytest.raises(ValueError, match=r"'metrics' parameter of plot_history.*'weight_norm'\]\. Got 'norm'"):
        plot_history(_history_with_norm([1.0, 1.0, 1.0]), metrics=("norm",))
    # A series must be in every run to be compared; the error says which ones are.
    with pytest.raises(ValueError, match=r"'metric' parameter of compare_histories.*every History.*'epoch_time'\]"):
        compare_histories({"a": _history_with_norm([1.0] * 3), "b": _history()}, metric="weight_norm")
    with pytest.raises(ValueError, match="'split' parameter of compare_histories must be 'train'"):
        compare_histories({"a": _history_with_norm([1.0] * 3)}, metric="weight_norm", split="both")
