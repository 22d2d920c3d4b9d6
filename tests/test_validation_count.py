"""A value is checked once, at the public edge, on its way down to training (unit tier).

The test counts the checks the validation machinery makes: it replaces the function every
validated call uses to test one argument against its constraints (``_first_failure`` in
``course_utils._validation.decorator``) with one that records ``(function, parameter, value)``
and then does the same work. Followed from the notebooks' entry points:

* the weight-decay λ of notebook 04, from the "train live" click of ``widgets.decay_explorer``
  with the notebook's ``run=partial(experiments.train_decay_net, "l2", recipe=..., data=...)``
  down to 2 epochs of 4 optimiser steps each;
* the drop rate p of notebook 05, from the click of ``dropout_explorer`` with the notebook's
  ``run=lambda p, method, seed: experiments.train_dropout_net(...)``, for each method;
* one ``fit`` call with a penalty the package made (``regularizers.weight_l1``).

Before issue 19, λ was checked 3 times before training and again at every step (the penalty
closure called the validated ``l2_penalty``), and p 5 times (7 and once per step for DropConnect).
The widgets' own redrawing after a click reads the stored sweep (``sweep.history(λ)``,
``sweep.label(λ)``): those are the widget's calls, not the run's, and are not counted here.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from course_utils import experiments, models, regularizers  # noqa: E402
from course_utils._validation import decorator  # noqa: E402
from course_utils.data import Splits  # noqa: E402
from course_utils.train import History, evaluate, fit  # noqa: E402
from course_utils.widgets.dropout import dropout_explorer  # noqa: E402
from course_utils.widgets.weight_decay import decay_explorer  # noqa: E402

EPOCHS, BATCH, N = 2, 25, 100  # 4 optimiser steps per epoch


class Checks:
    """Every argument checked against its constraints while :meth:`recording`, as (function, parameter, value)."""

    def __init__(self, check: Callable[..., Any]) -> None:
        self._check, self.records, self._on = check, [], False

    def __call__(self, constraints: Any, value: Any) -> Any:
        if self._on:  # the validated call's own frame names the function and the parameter
            frame = sys._getframe(1).f_locals
            self.records.append((frame.get("name"), frame.get("param"), value))
        return self._check(constraints, value)

    @contextmanager
    def recording(self) -> Iterator[None]:
        self._on = True
        try:
            yield
        finally:
            self._on = False

    def of(self, value: float) -> Counter:
        """``{(function, parameter): times}`` over the checks of the float ``value``."""
        return Counter((f, p) for f, p, v in self.records
                       if isinstance(v, float) and not isinstance(v, bool) and v == value)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Checks:
    recorder = Checks(decorator._first_failure)
    monkeypatch.setattr(decorator, "_first_failure", recorder)
    return recorder


@pytest.fixture(scope="module")
def tiny() -> Splits:
    """Random MNIST-1D-shaped data (40 inputs, 10 classes): the counts do not depend on what is learnt."""
    g = torch.Generator().manual_seed(0)
    pair = lambda: (torch.randn(N, 40, generator=g), torch.randint(0, 10, (N,), generator=g))  # noqa: E731
    return Splits(pair(), pair(), pair(), 10, "tiny")


def _made_up(epochs: int = EPOCHS, **extra: list[float]) -> History:
    """A stored run's History without training: the widget only draws it."""
    return History(train_loss=[1.0] * epochs, train_acc=[0.5] * epochs, val_loss=[1.2] * epochs,
                   val_acc=[0.4] * epochs, lr=[1e-3] * epochs, epoch_time=[0.1] * epochs,
                   extra={"test_acc": [math.nan] * (epochs - 1) + [0.4], **extra})


def _scoped(run: Callable[..., History], checks: Checks) -> Callable[..., History]:
    """``run`` with the checks recorded while it runs: the path from the click down to training."""

    def recorded(*args: Any) -> Any:
        with checks.recording():
            return run(*args)

    return recorded


def test_lambda_of_notebook_04_is_checked_once_from_the_click_to_the_optimiser(checks: Checks, tiny: Splits) -> None:
    lam = 0.1
    recipe = experiments.DecayRecipe(lambdas=(0.0, 0.01, lam), widths=(16,), epochs=EPOCHS, batch_size=BATCH)
    spec = dataclasses.replace(experiments.WEIGHT_DECAY_SWEEPS["lambda"], recipe=recipe)
    sweep = experiments.DecaySweep(spec, {experiments.decay_label("l2", v): _made_up() for v in recipe.lambdas})
    # Notebook 04, cell eea8a7b4 (without its progress bar).
    run = partial(experiments.train_decay_net, "l2", recipe=sweep.recipe, data=tiny, progress=False)
    widget = decay_explorer(sweep, run=_scoped(run, checks), colours=experiments.DECAY_COLOURS)
    slider, (button, status) = widget.children[0], widget.children[1].children
    slider.value = lam
    button.click()
    plt.close("all")
    assert "trained live" in status.value, status.value
    assert checks.of(lam) == {("train_decay_net", "lam"): 1}, checks.of(lam)


@pytest.mark.parametrize("method", ["dropout", "dropconnect", "dropout_batch"])
def test_p_of_notebook_05_is_checked_once_from_the_click_to_the_masks(checks: Checks, tiny: Splits,
                                                                    method: str) -> None:
    p = 0.5
    recipe = experiments.DropoutRecipe(p=(0.0, p), method=(method,), n_train=N, width=16, epochs=EPOCHS,
                                       batch_size=BATCH)
    spec = dataclasses.replace(experiments.DROPOUT_SWEEPS["p"], recipe=recipe)
    stored = {experiments.dropout_label(q, method): _made_up(train_eval_acc=[0.5] * EPOCHS) for q in recipe.p}
    sweep = experiments.DropoutSweep(spec, stored)

    # Notebook 05, cell code-dropout-explorer-sweep-run-lambda (without its progress bar).
    def run(p, method, seed):
        return experiments.train_dropout_net(p, method, recipe=dataclasses.replace(sweep.recipe, seed=seed),
                                             data=tiny, progress=False)

    widget = dropout_explorer(sweep, run=_scoped(run, checks))
    button, status = widget.children[1].children[1:]
    button.click()
    plt.close("all")
    assert "trained live" in status.value, status.value
    assert checks.of(p) == {("train_dropout_net", "p"): 1}, checks.of(p)


def test_one_fit_call_checks_its_own_arguments_once_and_nothing_per_step(checks: Checks, tiny: Splits) -> None:
    torch.manual_seed(0)
    model = models.MLP(40, 10, width=16, depth=1)
    with checks.recording():
        penalty = regularizers.weight_l1(0.1)  # λ checked here, where the user gives it
        fit(model, tiny.train, tiny.val, epochs=EPOCHS, batch_size=BATCH, optimizer="adam", lr=1e-3,
            penalty=penalty, seed=0, device="cpu", progress=False)
    assert checks.of(0.1) == {("weight_l1", "strength"): 1}, checks.of(0.1)
    by_function = Counter(f for f, _, _ in checks.records)
    assert by_function == {"weight_l1": 1, "fit": 11}, by_function  # fit's 11 arguments; no check per step
    assert Counter(p for f, p, _ in checks.records if f == "fit").most_common(1)[0][1] == 1


def test_a_users_hook_is_user_code_its_calls_are_checked(checks: Checks, tiny: Splits) -> None:
    """What we chose for hooks: a callback, penalty or batch_transform of the user's runs as user code."""
    torch.manual_seed(0)
    model = models.MLP(40, 10, width=16, depth=1)

    def callback(epoch: int, model: torch.nn.Module, history: History) -> None:
        history.log("val_again", evaluate(model, tiny.val, batch_size=50, device="cpu")["acc"])

    with checks.recording():
        fit(model, tiny.train, tiny.val, epochs=EPOCHS, batch_size=BATCH, callbacks=[callback], device="cpu",
            progress=False)
    assert Counter(p for f, p, _ in checks.records if f == "evaluate") == {"model": 2, "data": 2, "batch_size": 2,
                                                                         "device": 2}
    with pytest.raises(ValueError, match=r"^The 'batch_size' parameter of evaluate must be"):
        fit(model, tiny.train, epochs=1, device="cpu", progress=False,
            callbacks=lambda epoch, m, h: evaluate(m, tiny.val, batch_size=0))
