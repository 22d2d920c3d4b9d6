"""Notebook 05, dropout: the train–test gap against the drop rate p on an overfitting MLP.

The deck (part D) says that dropout "increases the generalization performance of the neural
network by restricting the model capacity". The experiment makes an MLP overfit on purpose — 1000
MNIST-1D training signals, two hidden layers of 512 units, Adam for 60 epochs, until it classifies
its whole training set correctly — and trains the same net with dropout (드롭아웃) at several
rates p, and with DropConnect (weights dropped instead of units) at the same rates.

Which accuracies: ``fit``'s ``val_acc`` is the *validation* accuracy, after every epoch, on the 800
validation signals that ``load_mnist1d`` carves out of the training signals; p is chosen with it.
The *test* accuracy, on MNIST-1D's 1000 test signals, is measured once, after the last epoch
(``History.extra["test_acc"]``, ``nan`` before; :func:`test_accuracy`). The *training* accuracy is
measured in evaluation mode after every epoch (``History.extra["train_eval_acc"]``): ``fit``'s own
``train_acc`` is taken in training mode, with dropout on, so it understates what the trained net
does on its training set. The train–test gap of a run is ``train_eval_acc[-1] - test_acc[-1]``
(:func:`train_test_gap`), the train–validation gap ``train_eval_acc[-1] - val_acc[-1]``
(:func:`train_val_gap`).

``"dropout_batch"`` is dropout with one mask per mini-batch, shared by its examples: the mask
granularity of this module's DropConnect, so that the two can be compared like with like.

One recipe, one source of truth: :class:`DropoutRecipe` holds every setting. The notebook, its
claim test (``tests/test_claims_dropout.py``), the stored sweep (``DROPOUT_SWEEPS``, made by ``python
assets/precompute.py dropout``) and the p slider's live run all take a recipe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import torch
from torch import nn

from .._limits import MAX_SAMPLES
from .._validation import Bool, Float, Instance, Int, OneOf, Pair, SequenceOf, TensorOf, classifier_logits, validate
from ..language import gettext_noop as N_
from ..data import Splits, load_mnist1d
from ..device import DEVICE, SEED, model_device, torch_threads
from ..models import MLP
from ..regularizers.dropout import DropConnectLinear, Dropout, monte_carlo_predict
from ..train import History, _require_epochs, fit, log_accuracy
from .sweep import Sweep, SweepSpec, load_sweep

__all__ = [
    "DROPOUT_SWEEPS",
    "METHOD_COLOURS",
    "DropoutRecipe",
    "DropoutSweep",
    "dropout_label",
    "dropout_net",
    "dropout_style",
    "ensemble_accuracies",
    "load_dropout_sweep",
    "run_dropout",
    "test_accuracy",
    "train_dropout_net",
    "train_test_gap",
    "train_val_gap",
]

_POSITIVE_INT = Int(1)
_RATE = Float(0, 1, high_open=True, hint="p is the probability of dropping a unit (or a weight).")
_METHOD = OneOf("dropout", "dropconnect", "dropout_batch")
_RATES = SequenceOf(_RATE, unique=True, hint="e.g. (0.0, 0.5)")
_METHODS = SequenceOf(_METHOD, unique=True, hint="e.g. ('dropout', 'dropconnect')")


@validate()
@dataclass(frozen=True)
class DropoutRecipe:
    """Every setting of the dropout experiment (measured on this kind of machine).

    Attributes:
        p: drop rates to train; 0 is the net without dropout (trained once, whatever the methods).
        method: ``"dropout"`` (units dropped after every hidden ReLU, a mask per example),
            ``"dropconnect"`` (the weights of the same layers' successors dropped: the second hidden
            layer and the output layer, the layers whose inputs dropout drops; one mask per
            mini-batch) and/or ``"dropout_batch"`` (dropout with one mask per mini-batch).
        n_train: training signals, a stratified subset of MNIST-1D's (few, so that the net overfits).
        width: units per hidden layer.
        depth: hidden layers.
        epochs: passes over the training set (constant learning rate).
        batch_size: examples per Adam step.
        lr: Adam's learning rate.
        seed: seeds the initialisation, the shuffling and the masks; every run starts from it.
        data_seed: the MNIST-1D seed (``load_mnist1d(n_train=n_train, seed=data_seed)``).
        ensemble_samples: after the last epoch of a run with p > 0, average this many sampled
            sub-networks on the test set (:func:`ensemble_accuracies`, mask seed = ``seed``) and
            record ``extra["mc_acc"]``, ``extra["one_subnet_acc"]`` and ``extra["agreement"]``;
            0 measures nothing.

    ``dataclasses.replace(recipe, p=(0.0, 0.3))`` makes a variant; the instance is frozen.
    """

    p: Annotated[tuple[float, ...], _RATES] = (0.0, 0.5)
    method: Annotated[tuple[str, ...], _METHODS] = ("dropout",)
    n_train: Annotated[int, Int(10, 3200)] = 1000
    width: Annotated[int, _POSITIVE_INT] = 512
    depth: Annotated[int, _POSITIVE_INT] = 2
    epochs: Annotated[int, _POSITIVE_INT] = 60
    batch_size: Annotated[int, _POSITIVE_INT] = 100
    lr: Annotated[float, Float(0, low_open=True)] = 1e-3
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0
    ensemble_samples: Annotated[int, Int(0, MAX_SAMPLES)] = 0

    def __post_init__(self) -> None:
        # Stored as tuples of floats, so that the recipe stays hashable and equal after JSON.
        object.__setattr__(self, "p", tuple(float(v) for v in self.p))
        object.__setattr__(self, "method", tuple(self.method))


@validate(p=_RATE, method=_METHOD)
def dropout_label(p: float, method: str = "dropout") -> str:
    """The name of one setting: ``"no dropout"`` for p = 0, else e.g. ``"dropout, p = 0.5"``.

    DropConnect settings read ``"DropConnect, p = 0.5"``, dropout with one mask per mini-batch
    ``"dropout (one mask per batch), p = 0.5"``.
    """
    if p == 0:
        return N_("no dropout")
    return N_("{method}, p = {p}").format(method=_METHOD_NAMES[method], p=f"{p:g}")


_METHOD_NAMES = {"dropout": N_("dropout"), "dropconnect": N_("DropConnect"),
                 "dropout_batch": N_("dropout (one mask per batch)")}


#: Colour = the method, the same in every figure and widget of notebook 05 (Okabe-Ito colours).
METHOD_COLOURS = {"none": "#555555", "dropout": "#0072B2", "dropconnect": "#009E73", "dropout_batch": "#CC79A7"}


@validate(p=_RATE, method=_METHOD, split=OneOf("train", "validation", "test"))
def dropout_style(p: float, method: str = "dropout", split: str = "test") -> dict[str, str]:
    """Matplotlib style of one curve: colour = method (grey without dropout), line = split.

    Training-set curves are solid with round markers, validation and test curves dashed with squares.

    Returns:
        Keyword arguments for ``plot``: ``{"color", "linestyle", "marker"}``.
    """
    colour = METHOD_COLOURS["none" if p == 0 else method]
    return {"color": colour, "linestyle": "-" if split == "train" else "--", "marker": "o" if split == "train" else "s"}


@validate(p=_RATE, method=_METHOD, width=_POSITIVE_INT, depth=_POSITIVE_INT, seed=SEED)
def dropout_net(p: float, method: str = "dropout", *, width: int = 512, depth: int = 2, seed: int = 0) -> nn.Module:
    """The experiment's net, freshly initialised from ``seed``: ``models.MLP`` (40 -> 10).

    ``"dropout"`` is ``MLP(dropout=p)`` (``nn.Dropout`` after every hidden ReLU);
    ``"dropout_batch"`` the same with :class:`~course_utils.regularizers.Dropout` drawing one mask
    per mini-batch; ``"dropconnect"`` is the same MLP whose linear layers after the first (the ones fed by
    the dropped units) are :class:`~course_utils.regularizers.DropConnectLinear` with rate p.
    Nets of the same seed start from identical weights, whatever p and the method.

    Shape:
        (N, 40) -> (N, 10).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = MLP(40, 10, width=width, depth=depth, dropout=p if method != "dropconnect" else 0.0)
    if method == "dropout_batch" and p > 0:
        for name, m in list(net.features.named_children()):
            if isinstance(m, nn.Dropout):
                setattr(net.features, name, Dropout(p, per_example=False))
    if method == "dropconnect" and p > 0:
        linears = [name for name, m in net.features.named_children() if isinstance(m, nn.Linear)]
        for name in linears[1:]:
            setattr(net.features, name, DropConnectLinear.from_linear(getattr(net.features, name), p))
        net.head = DropConnectLinear.from_linear(net.head, p)
    return net


def _data(data: Splits | None, recipe: DropoutRecipe) -> Splits:
    return load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed) if data is None else data


def _measure(splits: Splits, recipe: DropoutRecipe, p: float) -> list[Callable[[int, nn.Module, History], None]]:
    """``fit``'s callbacks: training accuracy in evaluation mode (dropout off) after every epoch; after
    the last, the test accuracy (the test set's one use) and, if the recipe asks, the ensemble."""
    last = recipe.epochs - 1

    def ensemble(epoch: int, model: nn.Module, history: History) -> None:
        if epoch == last:
            device = model_device(model)
            x, y = splits.test
            ens = ensemble_accuracies(model, (x.to(device), y.to(device)), samples=recipe.ensemble_samples,
                                      seed=recipe.seed, threads=None)
            history.log("mc_acc", ens["monte carlo"][-1])
            history.log("one_subnet_acc", ens["one sub-network"])
            history.log("agreement", ens["agreement"])

    return [log_accuracy(splits.train, "train_eval_acc"), log_accuracy(splits.test, "test_acc", every=None, last=last),
            *([ensemble] if recipe.ensemble_samples and p > 0 else [])]


_RUN_CONSTRAINTS = {
    "recipe": Instance(DropoutRecipe, hint="Pass e.g. recipe=experiments.DropoutRecipe()."),
    "data": [None, Instance(Splits, hint="Pass data=load_mnist1d(n_train=1000, seed=0) or leave it out.")],
    "threads": [None, _POSITIVE_INT],
    "device": DEVICE,
    "progress": Bool(),
}


@validate(p=_RATE, method=_METHOD, **_RUN_CONSTRAINTS)
def train_dropout_net(p: float, method: str = "dropout", *, recipe: DropoutRecipe, data: Splits | None = None,
                      threads: int | None = 1, device: str | torch.device | None = "cpu",
                      progress: bool = True) -> tuple[nn.Module, History]:
    """Train the net with one drop rate and method, with ``recipe``'s other settings: the live run.

    Args:
        p: the drop rate; 0 trains the net without dropout.
        method: ``"dropout"``, ``"dropconnect"`` or ``"dropout_batch"``.
        recipe: the experiment's settings; its ``p``/``method`` are not used.
        data: MNIST-1D ``Splits``; ``None`` loads ``load_mnist1d(n_train=recipe.n_train,
            seed=recipe.data_seed)``. Training uses ``data.train``, the per-epoch ``val_*`` curves
            ``data.val``, and ``data.test`` is measured once, after the last epoch.
        threads: PyTorch CPU threads during the run (restored afterwards); ``None`` keeps the
            current setting.
        device: ``"cpu"`` (the default, for repeatable numbers), ``None`` for the best available.
        progress: show a tqdm progress bar.

    Returns:
        ``(net, history)``: the net after the last epoch (in training mode) and the run's
        :class:`History`; ``val_*`` is the validation set, ``extra["train_eval_acc"]`` the
        accuracy on the training set in evaluation mode after every epoch, ``extra["test_acc"]`` the
        test accuracy after the last epoch (``nan`` before), and with ``recipe.ensemble_samples``
        the ensemble's ``extra["mc_acc"]``, ``["one_subnet_acc"]`` and ``["agreement"]`` (last epoch).
    """
    splits = _data(data, recipe)
    with torch_threads(threads):
        model = dropout_net(p, method, width=recipe.width, depth=recipe.depth, seed=recipe.seed)
        history = fit(model, splits.train, splits.val, epochs=recipe.epochs, batch_size=recipe.batch_size,
                      optimizer="adam", lr=recipe.lr, seed=recipe.seed, device=device, progress=progress,
                      callbacks=_measure(splits, recipe, p), description=dropout_label(p, method))
    return model, history


def _settings(recipe: DropoutRecipe) -> list[tuple[float, str]]:
    out: list[tuple[float, str]] = [(0.0, recipe.method[0])] if 0.0 in recipe.p else []
    return out + [(p, m) for m in recipe.method for p in recipe.p if p > 0]


@validate(**_RUN_CONSTRAINTS)
def run_dropout(recipe: DropoutRecipe, *, data: Splits | None = None, threads: int | None = 1,
                device: str | torch.device | None = "cpu", progress: bool = False) -> dict[str, History]:
    """Train the net for every (method, p) of ``recipe``; p = 0 once (it is the same net for both methods).

    Returns:
        ``{label: History}``: ``"no dropout"`` first (if p = 0 is in the recipe), then each method's
        rates in the recipe's order; labels from :func:`dropout_label`.
    """
    splits = _data(data, recipe)
    return {dropout_label(p, m): train_dropout_net(p, m, recipe=recipe, data=splits, threads=threads,
                                                   device=device, progress=progress)[1]
            for p, m in _settings(recipe)}


_HISTORY = Instance(History, desc="a History from train_dropout_net")


@validate(history=_HISTORY)
def test_accuracy(history: History) -> float:
    """The test accuracy after the last epoch (the test set's one use in a run).

    Raises:
        ValueError: the history has no epoch or no ``test_acc`` series (it was not made by
            :func:`train_dropout_net`).
    """
    _require_epochs(history)
    return history.series("test_acc")[-1]


test_accuracy.__test__ = False  # not a pytest test, whatever its name


@validate(history=_HISTORY)
def train_test_gap(history: History) -> float:
    """Last-epoch training accuracy (evaluation mode) minus test accuracy.

    Raises:
        ValueError: the history has no ``train_eval_acc`` or ``test_acc`` series (it was not made by
            :func:`train_dropout_net`), or no epoch.
    """
    _require_epochs(history)
    return history.series("train_eval_acc")[-1] - test_accuracy(history)


@validate(history=_HISTORY)
def train_val_gap(history: History) -> float:
    """Last-epoch training accuracy (evaluation mode) minus validation accuracy: the gap p is judged by.

    Raises:
        ValueError: the history has no epoch or no ``train_eval_acc`` series (it was not made by
            :func:`train_dropout_net`).
    """
    _require_epochs(history)
    return history.series("train_eval_acc")[-1] - history.val_acc[-1]


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"),
          data=Pair(TensorOf("floating", finite=True), TensorOf(torch.int64, ndim=1)),
          samples=Int(1), seed=SEED, threads=[None, _POSITIVE_INT])
def ensemble_accuracies(model: nn.Module, data: tuple[torch.Tensor, torch.Tensor], *, samples: int = 100,
                        seed: int = 0, threads: int | None = 1) -> dict[str, float | list[float]]:
    """Weight-scaling inference against averaging sampled sub-networks (Monte-Carlo dropout).

    Args:
        model: a trained classifier with dropout (or DropConnect) layers.
        data: ``(x, y)``, e.g. ``splits.test``.
        samples: the largest number of sub-networks averaged.
        seed: seeds the masks.
        threads: PyTorch CPU threads during the measurement (restored afterwards); ``None`` keeps the setting.

    Returns:
        ``{"weight scaling": accuracy of the one evaluation-mode pass,
        "one sub-network": accuracy of the first sampled sub-network alone,
        "monte carlo": [accuracy of the average of the first T sub-networks for T = 1..samples],
        "agreement": share of examples where the average of all ``samples`` sub-networks and the
        evaluation-mode pass predict the same class}``.
    """
    x, y = data
    was_training = model.training
    model.eval()
    with torch_threads(threads), torch.no_grad():
        scaled = classifier_logits(model, x, "data", "a pair (x, y) whose x the model accepts: {}").argmax(-1)
    model.train(was_training)
    with torch_threads(threads):
        mean_probs = monte_carlo_predict(model, x, samples=samples, seed=seed)  # (samples, N, K), running means
    mc = (mean_probs.argmax(-1) == y).float().mean(-1)
    return {"weight scaling": (scaled == y).float().mean().item(), "one sub-network": mc[0].item(),
            "monte carlo": mc.tolist(), "agreement": (mean_probs[-1].argmax(-1) == scaled).float().mean().item()}


class DropoutSweep(Sweep[DropoutRecipe]):
    """A stored dropout sweep: :meth:`history` finds a run by rate and method."""

    @validate(p=_RATE, method=_METHOD)
    def history(self, p: float, method: str = "dropout") -> History:
        """The stored :class:`History` of one (p, method) setting.

        Raises:
            KeyError: the sweep has no such setting; the message lists those it has.
        """
        return self.get(dropout_label(p, method))

    def label(self, p: float, method: str = "dropout") -> str:
        """:func:`dropout_label` of one setting."""
        return dropout_label(p, method)

    def style(self, p: float, method: str = "dropout", split: str = "test") -> dict[str, str]:
        """:func:`dropout_style` of one setting."""
        return dropout_style(p, method, split)

    def gap(self, p: float, method: str = "dropout") -> float:
        """:func:`train_test_gap` of one stored setting."""
        return train_test_gap(self.history(p, method))

    def val_gap(self, p: float, method: str = "dropout") -> float:
        """:func:`train_val_gap` of one stored setting."""
        return train_val_gap(self.history(p, method))

    def test(self, p: float, method: str = "dropout") -> float:
        """:func:`test_accuracy` of one stored setting."""
        return test_accuracy(self.history(p, method))

    def validation(self, p: float, method: str = "dropout") -> float:
        """The last epoch's validation accuracy of one stored setting."""
        return self.history(p, method).val_acc[-1]

    def best_p(self, method: str = "dropout") -> float:
        """The rate with the highest last-epoch *validation* accuracy (the test set plays no part)."""
        return max(self.recipe.p, key=lambda p: self.validation(p, method))


def _run(recipe: DropoutRecipe) -> dict[str, History]:
    return run_dropout(recipe, threads=1, device="cpu")


def _labels(recipe: DropoutRecipe) -> list[str]:
    return [dropout_label(p, m) for p, m in _settings(recipe)]


def _repeat(recipe: DropoutRecipe) -> tuple[str, History]:
    # The net with dropout at the first positive rate (its masks must repeat too).
    p = min(v for v in recipe.p if v > 0)
    return dropout_label(p, recipe.method[0]), train_dropout_net(p, recipe.method[0], recipe=recipe, progress=False)[1]


#: The rates of the p sweep (0.6 left out to keep the file under 100 kB).
P_RATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 0.8)
#: The rates of the seed sweeps: none, 0.2 (dropout's rate chosen on validation in the p sweep) and the notebook's 0.5.
SEED_RATES = (0.0, 0.2, 0.5)

#: The stored sweeps of notebook 05, made by ``python assets/precompute.py dropout``.
DROPOUT_SWEEPS: dict[str, SweepSpec[DropoutRecipe]] = {
    "p": SweepSpec(
        topic="dropout", name="p", file="dropout_p_sweep.json",
        recipe=DropoutRecipe(p=P_RATES, method=("dropout", "dropconnect")),
        run=_run, labels=_labels, repeat=_repeat,
        description="The p slider of notebook 05: dropout and DropConnect at p = 0 to 0.8 on the overfitting "
                    "MLP (1000 training signals, 2 x 512 units, 60 epochs); validation accuracy per epoch, "
                    "test accuracy after the last.",
    ),
}
#: The notebook's runs on seeds 1 to 3: no dropout, dropout (a mask per example, with the Monte-Carlo ensemble
#: measured after the last epoch), dropout with one mask per mini-batch, and DropConnect (one mask per mini-batch).
for _seed in (1, 2, 3):
    DROPOUT_SWEEPS[f"seed{_seed}"] = SweepSpec(
        topic="dropout", name=f"seed{_seed}", file=f"dropout_seed{_seed}.json",
        recipe=DropoutRecipe(p=SEED_RATES, method=("dropout", "dropout_batch", "dropconnect"), seed=_seed,
                             ensemble_samples=100),
        run=_run, labels=_labels, repeat=_repeat,
        description=f"Seed {_seed}: no dropout, dropout (with its Monte-Carlo ensemble of 100), dropout with "
                    f"one mask per mini-batch and DropConnect, at the rates {SEED_RATES}.")


@validate(name=OneOf(*DROPOUT_SWEEPS))
def load_dropout_sweep(name: str = "p") -> DropoutSweep:
    """One of notebook 05's stored sweeps, checked against its current recipe.

    Args:
        name: ``"p"``: dropout and DropConnect at the rates ``P_RATES`` (seed 0); ``"seed1"``,
            ``"seed2"``, ``"seed3"``: no dropout, dropout, dropout with one mask per mini-batch and
            DropConnect at ``SEED_RATES`` from seeds 1 to 3, with the ensemble measured.

    Returns:
        The sweep: ``.recipe``, ``.runs`` (``{label: History}``), ``.history(p, method)``, ``.gap(p, method)``.

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: the file was made from another recipe; rerun
            ``python assets/precompute.py dropout``.
    """
    sweep = load_sweep(DROPOUT_SWEEPS[name])
    return DropoutSweep(sweep.spec, sweep.runs, sweep.made_with)

