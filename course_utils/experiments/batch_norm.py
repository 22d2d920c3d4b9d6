"""Notebook 06, batch normalization: the deck's five claimed benefits, each put to a test.

The deck (part E) lists five benefits of batch normalization (배치 정규화), after Ioffe & Szegedy
(2015): (1) a higher learning rate can be used; (2) dropout can be removed; (3) L2 weight decay
can be reduced; (4) the learning-rate decay can be accelerated; (5) local response normalization
can be removed. Each is a comparison of the *same* net with and without a normalization layer,
every other setting equal:

* the net is ``models.MLP`` (MNIST-1D's 40 inputs, 10 classes; Linear -> norm -> ReLU
  [-> dropout]) or, for the normalizations that need channels (local response normalization),
  the plain 1-D conv net ``models.ConvNet1d``; the normalization enters through the models'
  ``norm_layer`` argument (:func:`norm_net`);
* :class:`BatchNormRecipe` holds the settings, and tuples for the axes a sweep varies (norm,
  learning rate, epochs, batch size, dropout, weight decay); :func:`run_batch_norm` trains every
  combination, :func:`train_norm_net` one of them (the live run).

The fair baseline: with ``init="he"`` every linear or convolution weight is drawn from He initialisation
(N(0, 2 / fan_in), biases 0) by a generator seeded with the recipe's seed, so the nets with and without a
norm start from the same weights; ``init_gain`` scales that draw (the robustness-to-initialisation sweep).
PyTorch's default initialisation (``init="default"``) shrinks the plain MLP's signal layer by layer.

A run whose loss becomes NaN or infinite (the learning rate is too high) is not an error here: its
:class:`History` ends with the epoch in which it diverged, whose losses and accuracies read NaN
(:func:`diverged`). The accuracies of a run are ``fit``'s: the test accuracy is measured in
evaluation mode (running statistics) on MNIST-1D's 1000 test signals, which nothing is selected
with.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import torch
from torch import nn

from .._validation import Bool, Float, Instance, Int, OneOf, SequenceOf, invalid, validate
from ..data import Splits, load_mnist1d
from ..device import DEVICE, SEED, torch_threads
from ..models import MLP, ConvNet1d
from ..regularizers.batch_norm import CovariateShiftNoise
from ..train import History, _require_epochs, fit
from .sweep import Sweep, SweepSpec, load_sweep

__all__ = [
    "ALEXNET_LRN",
    "BATCH_NORM_SWEEPS",
    "HE_SEEDS",
    "NORMS",
    "NORM_COLOURS",
    "BatchNormRecipe",
    "BatchNormSweep",
    "NormSetting",
    "diverged",
    "final_test_acc",
    "load_batch_norm_sweep",
    "norm_label",
    "norm_net",
    "norm_settings",
    "norm_style",
    "run_batch_norm",
    "train_norm_net",
    "training_mode_accuracy",
]

#: The normalizations a recipe may compare, and their names in labels and legends.
NORMS = {
    "none": "no norm",
    "batch": "BN",
    "group": "GroupNorm",
    "batch+noise": "BN + shift noise",
    "lrn": "LRN",
    "batch+lrn": "BN + LRN",
    "lrn-alexnet": "LRN (AlexNet's) + bias",
}
#: Normalizations that need channels, i.e. ``model="conv"``.
_CONV_ONLY = ("lrn", "batch+lrn", "lrn-alexnet")

#: Colour = the normalization, the same in every figure and widget of notebook 06 (Okabe-Ito).
NORM_COLOURS = {"none": "#D55E00", "batch": "#0072B2", "group": "#009E73", "batch+noise": "#CC79A7",
                "lrn": "#E69F00", "batch+lrn": "#56B4E9", "lrn-alexnet": "#000000"}

#: AlexNet's local response normalization (Krizhevsky et al. 2012: k = 2, n = 5, α = 1e-4, β = 0.75) in
#: PyTorch's form, which divides ``alpha`` by ``size``: ``alpha = 1e-4 * 5``.
ALEXNET_LRN = {"size": 5, "alpha": 5e-4, "beta": 0.75, "k": 2.0}


class _ChannelBias(nn.Module):
    """A learned bias per channel, ``x + b`` with ``b`` of shape (C,), initialised to 0.

    It gives back the bias that the convolutions drop when a normalization follows them (BN's beta
    plays that part; LRN has none), so the "lrn-alexnet" net has its biases.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.bias.view(1, -1, *[1] * (x.dim() - 2))

_POSITIVE_INT = Int(1)
_NORM = OneOf(*NORMS)
_LR = Float(0, low_open=True)
_RATE = Float(0, 1, high_open=True, hint="p is the probability of dropping a unit.")
_DECAY = Float(0, hint="λ is a penalty strength and cannot be negative.")
_GAIN = Float(0, low_open=True, hint="The gain multiplies He initialisation's standard deviation.")


def _axis(item, hint: str) -> SequenceOf:
    return SequenceOf(item, unique=True, hint=hint)


def _conv_only(args) -> None:
    if args["model"] != "conv":
        bad = [n for n in args["norm"] if n in _CONV_ONLY]
        if bad:
            raise invalid("norm", f"normalizations an MLP can use (not {list(_CONV_ONLY)}, which need channels) "
                          "when model='mlp'", repr(args["norm"]), "Use model='conv' for local response normalization.")


@validate(checks=[_conv_only])
@dataclass(frozen=True)
class BatchNormRecipe:
    """The settings of a batch-norm comparison: fixed ones, and the axes it sweeps.

    Every combination of the tuple-valued attributes (the axes) is one run
    (:func:`norm_settings`); the others are shared by all runs.

    Attributes:
        norm: normalizations after every hidden linear layer (or convolution), keys of ``NORMS``:
            ``"none"``, ``"batch"`` (``nn.BatchNorm1d``), ``"group"`` (``nn.GroupNorm`` with 4 groups),
            ``"batch+noise"`` (batch norm followed by :class:`CovariateShiftNoise`), and for
            ``model="conv"`` only ``"lrn"`` (``nn.LocalResponseNorm(5)``: PyTorch's defaults, α = 1e-4
            divided by the size 5, k = 1), ``"batch+lrn"``, and ``"lrn-alexnet"`` (a learned bias per
            channel, the convolution's, then LRN at AlexNet's parameters, ``ALEXNET_LRN``).
        lr: learning rates.
        epochs: training budgets; with ``schedule="cosine"`` the decay spans each budget.
        batch_size: mini-batch sizes.
        dropout: dropout rates after every hidden ReLU (MLP only; 0 is none).
        weight_decay: L2 penalty strengths λ (the optimizer's ``weight_decay``).
        model: ``"mlp"`` (``models.MLP``) or ``"conv"`` (``models.ConvNet1d``, plain).
        width: units per hidden layer (MLP) or channels (conv).
        depth: hidden layers (MLP) or two-convolution blocks (conv).
        optimizer: ``"sgd"`` (with ``momentum``) or ``"adam"``.
        momentum: SGD momentum (0: plain SGD).
        schedule: ``None`` (constant learning rate) or ``"cosine"`` (decay to 0 over the budget).
        noise: the strength of ``"batch+noise"``: :class:`CovariateShiftNoise` with ``shift`` and
            ``log_scale`` both equal to it.
        n_train: training signals (a stratified subset), ``None`` for all 3200.
        init: ``"default"`` (PyTorch's initialisation of every layer) or ``"he"`` (He et al. 2015:
            every linear or convolution weight drawn from N(0, gain² · 2 / fan_in), biases 0, from a
            generator seeded with ``seed`` — so the nets with and without a norm start from the *same*
            weights; see :func:`norm_net`).
        init_gain: an axis, the gains of He initialisation (1 is He's; only with ``init="he"``).
        seed: seeds the initialisation, the shuffling and any random layer; every run starts from it.
        data_seed: the MNIST-1D seed.
    """

    norm: Annotated[tuple[str, ...], _axis(_NORM, "e.g. ('none', 'batch')")] = ("none", "batch")
    lr: Annotated[tuple[float, ...], _axis(_LR, "e.g. (0.1, 2.0)")] = (2.0,)
    epochs: Annotated[tuple[int, ...], _axis(_POSITIVE_INT, "e.g. (10,)")] = (10,)
    batch_size: Annotated[tuple[int, ...], _axis(_POSITIVE_INT, "e.g. (128,)")] = (128,)
    dropout: Annotated[tuple[float, ...], _axis(_RATE, "e.g. (0.0, 0.5)")] = (0.0,)
    weight_decay: Annotated[tuple[float, ...], _axis(_DECAY, "e.g. (0.0, 0.001)")] = (0.0,)
    model: Annotated[str, OneOf("mlp", "conv")] = "mlp"
    width: Annotated[int, _POSITIVE_INT] = 128
    depth: Annotated[int, _POSITIVE_INT] = 4
    optimizer: Annotated[str, OneOf("sgd", "adam")] = "sgd"
    momentum: Annotated[float, Float(0, 1, high_open=True)] = 0.0
    schedule: Annotated[str | None, OneOf(None, "cosine")] = None
    noise: Annotated[float, Float(0)] = 1.0
    n_train: Annotated[int | None, None, Int(10, 3200)] = None
    init: Annotated[str, OneOf("default", "he")] = "default"
    init_gain: Annotated[tuple[float, ...], _axis(_GAIN, "e.g. (0.25, 1.0, 4.0)")] = (1.0,)
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        # Tuples (of floats where floats are meant), so that the recipe is hashable and equal after JSON.
        for name in ("norm", "epochs", "batch_size"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("lr", "dropout", "weight_decay", "init_gain"):
            object.__setattr__(self, name, tuple(float(v) for v in getattr(self, name)))


@validate(norm=_NORM, lr=_LR, epochs=_POSITIVE_INT, batch_size=_POSITIVE_INT, dropout=_RATE, weight_decay=_DECAY,
          init_gain=_GAIN)
@dataclass(frozen=True)
class NormSetting:
    """One run of a :class:`BatchNormRecipe`: a value on every axis, e.g. ``NormSetting("batch", 2.0, 10, 128)``."""

    norm: str
    lr: float
    epochs: int
    batch_size: int
    dropout: float = 0.0
    weight_decay: float = 0.0
    init_gain: float = 1.0


_AXES = ("norm", "lr", "epochs", "batch_size", "dropout", "weight_decay", "init_gain")


@validate(recipe=Instance(BatchNormRecipe, hint="Pass e.g. experiments.BatchNormRecipe()."))
def norm_settings(recipe: BatchNormRecipe) -> list[NormSetting]:
    """Every run of ``recipe``: the product of its axes, the normalization varying slowest."""
    return [NormSetting(*values) for values in itertools.product(*(getattr(recipe, a) for a in _AXES))]


@validate(setting=Instance(NormSetting, hint="e.g. NormSetting('batch', 2.0, 10, 128)"))
def norm_label(setting: NormSetting) -> str:
    """The name of one run, e.g. ``"BN, lr 2, 10 epochs, batch 128, dropout 0, L2 0"`` (``", gain 4"`` added
    when the initialisation gain is not 1)."""
    s = setting
    gain = "" if s.init_gain == 1.0 else f", gain {s.init_gain:g}"
    return (f"{NORMS[s.norm]}, lr {s.lr:g}, {s.epochs} epochs, batch {s.batch_size}, dropout {s.dropout:g}, "
            f"L2 {s.weight_decay:g}{gain}")


@validate(norm=_NORM, dashed=Bool())
def norm_style(norm: str, dashed: bool = False) -> dict[str, str]:
    """Matplotlib style: colour = the normalization; solid (training) or dashed (test)."""
    return {"color": NORM_COLOURS[norm], "linestyle": "--" if dashed else "-", "marker": "s" if dashed else "o"}


def _norm_layer(norm: str, noise: float) -> Callable[[int], nn.Module] | None:
    bn = nn.BatchNorm1d
    return {
        "none": None,
        "batch": bn,
        "group": lambda c: nn.GroupNorm(4, c),
        "batch+noise": lambda c: nn.Sequential(bn(c), CovariateShiftNoise(c, shift=noise, log_scale=noise)),
        "lrn": lambda c: nn.LocalResponseNorm(5),
        "batch+lrn": lambda c: nn.Sequential(bn(c), nn.LocalResponseNorm(5)),
        "lrn-alexnet": lambda c: nn.Sequential(_ChannelBias(c), nn.LocalResponseNorm(**ALEXNET_LRN)),
    }[norm]


def _he_init(net: nn.Module, seed: int, gain: float) -> None:
    """Every linear / convolution weight from N(0, gain² · 2 / fan_in), in module order, from ``seed``; biases 0."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, (nn.Linear, nn.Conv1d)):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator)
                                    * (gain * math.sqrt(2.0 / fan_in)))
                if module.bias is not None:
                    module.bias.zero_()


@validate(norm=_NORM, model=OneOf("mlp", "conv"), width=_POSITIVE_INT, depth=_POSITIVE_INT, dropout=_RATE,
          noise=Float(0), init=OneOf("default", "he"), init_gain=_GAIN, seed=SEED,
          checks=[lambda a: _conv_only({"model": a["model"], "norm": (a["norm"],)})])
def norm_net(norm: str, *, model: str = "mlp", width: int = 128, depth: int = 4, dropout: float = 0.0,
             noise: float = 1.0, init: str = "default", init_gain: float = 1.0, seed: int = 0) -> nn.Module:
    """The experiment's net with one normalization, freshly initialised from ``seed``.

    ``model="mlp"``: ``models.MLP(40, 10, width, depth, dropout, batch_norm=norm != "none",
    norm_layer=...)`` (with a norm, the linear layers drop their bias: the norm's beta replaces it).
    ``model="conv"``: ``models.ConvNet1d(width=width, num_blocks=depth, residual=False, ...)``;
    there too a norm replaces the convolutions' biases, so the LRN nets have none (LRN has no beta).
    ``noise`` is the strength of ``"batch+noise"`` (see :class:`BatchNormRecipe`).

    ``init="default"`` keeps PyTorch's initialisation; its random stream differs between the nets with
    and without a norm (the biases the norm nets lack shift it), so only their first layers start equal.
    ``init="he"`` redraws every linear or convolution weight from N(0, init_gain² · 2 / fan_in) with a
    generator seeded with ``seed``, in module order, and sets every bias to 0: the nets with and without
    a norm then start from the same weights, layer by layer. ``init_gain`` is ignored with ``"default"``.

    Shape:
        (N, 40) -> (N, 10).
    """
    layer = _norm_layer(norm, noise)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if model == "mlp":
            net = MLP(40, 10, width=width, depth=depth, dropout=dropout, batch_norm=norm != "none", norm_layer=layer)
        else:
            net = ConvNet1d(width=width, num_blocks=depth, residual=False, batch_norm=norm != "none",
                            norm_layer=layer)
    if init == "he":
        _he_init(net, seed, init_gain)
    return net


def _data(data: Splits | None, recipe: BatchNormRecipe) -> Splits:
    return load_mnist1d(n_train=recipe.n_train, seed=recipe.data_seed) if data is None else data


def _diverged_history(partial: History | None, lr: float, seconds: float) -> History:
    """The epochs before the loss became non-finite, then that epoch with NaN losses and accuracies."""
    nan = math.nan
    if partial is None or partial.epochs == 0:
        return History(train_loss=[nan], train_acc=[nan], val_loss=[nan], val_acc=[nan], lr=[lr],
                       epoch_time=[seconds], stopped_early=True, extra={"test_loss": [nan], "test_acc": [nan]})
    h = partial
    # fit records the epoch's learning rate before it checks the loss: it is there already.
    return History(train_loss=[*h.train_loss, nan], train_acc=[*h.train_acc, nan], val_loss=[*h.val_loss, nan],
                   val_acc=[*h.val_acc, nan], lr=h.lr[: h.epochs + 1],
                   epoch_time=[*h.epoch_time, max(seconds - sum(h.epoch_time), 0.0)], stopped_early=True,
                   extra={k: [*v, nan] for k, v in h.extra.items()})


_RUN_CONSTRAINTS = {
    "recipe": Instance(BatchNormRecipe, hint="Pass e.g. recipe=experiments.BatchNormRecipe()."),
    "data": [None, Instance(Splits, hint="Pass data=load_mnist1d(seed=0) or leave it out.")],
    "threads": [None, _POSITIVE_INT],
    "device": DEVICE,
    "progress": Bool(),
}


@validate(setting=Instance(NormSetting, hint="e.g. NormSetting('batch', 2.0, 10, 128)"), **_RUN_CONSTRAINTS)
def train_norm_net(setting: NormSetting, *, recipe: BatchNormRecipe, data: Splits | None = None,
                   threads: int | None = 1, device: str | torch.device | None = "cpu",
                   progress: bool = True) -> tuple[nn.Module, History]:
    """Train one setting with ``recipe``'s fixed settings: the live run.

    Args:
        setting: the value on every axis, e.g. ``NormSetting("batch", 2.0, 10, 128)``.
        recipe: the experiment's fixed settings (its axes are not used).
        data: MNIST-1D ``Splits``; ``None`` loads ``load_mnist1d(n_train=recipe.n_train,
            seed=recipe.data_seed)``. Training uses ``data.train``; ``data.test`` is evaluated
            after every epoch (``fit(..., test=...)``).
        threads: PyTorch CPU threads during the run (restored afterwards); ``None`` keeps the setting.
        device: ``"cpu"`` (the default, for repeatable numbers), ``None`` for the best available.
        progress: show a tqdm progress bar.

    Returns:
        ``(net, history)``: the net after its last epoch (in training mode) and the run's
        :class:`History` (the series ``test_loss`` and ``test_acc``; ``val_*`` is ``nan``: no
        validation set is used, nothing is chosen). A run that diverges ends early, with NaN in
        its last epoch (:func:`diverged`).
    """
    if setting.norm in _CONV_ONLY and recipe.model != "conv":
        raise invalid("setting", "a setting whose norm the recipe's model can use",
                      f"norm {setting.norm!r} with model {recipe.model!r}", "Use model='conv' for LRN.")
    splits = _data(data, recipe)
    seen: list[History] = []

    def keep(epoch: int, model: nn.Module, history: History) -> None:
        if not seen:
            seen.append(history)

    with torch_threads(threads):
        model = norm_net(setting.norm, model=recipe.model, width=recipe.width, depth=recipe.depth,
                         dropout=setting.dropout, noise=recipe.noise, init=recipe.init, init_gain=setting.init_gain,
                         seed=recipe.seed)
        start = time.perf_counter()
        try:
            history = fit(model, splits.train, test=splits.test, epochs=setting.epochs, batch_size=setting.batch_size,
                          optimizer=recipe.optimizer, lr=setting.lr, momentum=recipe.momentum,
                          weight_decay=setting.weight_decay, schedule=recipe.schedule, seed=recipe.seed,
                          device=device, progress=progress, callbacks=[keep], description=norm_label(setting))
        except FloatingPointError:
            history = _diverged_history(seen[0] if seen else None, setting.lr, time.perf_counter() - start)
    return model, history


@validate(**_RUN_CONSTRAINTS)
def run_batch_norm(recipe: BatchNormRecipe, *, data: Splits | None = None, threads: int | None = 1,
                   device: str | torch.device | None = "cpu", progress: bool = False) -> dict[str, History]:
    """Train every setting of ``recipe`` (:func:`norm_settings`).

    Returns:
        ``{label: History}`` in the order of :func:`norm_settings`, labels from :func:`norm_label`.
    """
    splits = _data(data, recipe)
    return {norm_label(s): train_norm_net(s, recipe=recipe, data=splits, threads=threads, device=device,
                                          progress=progress)[1]
            for s in norm_settings(recipe)}


@validate(history=Instance(History, desc="a History"))
def diverged(history: History) -> bool:
    """Whether the run's loss became NaN or infinite (its last epoch then reads NaN).

    Raises:
        TypeError, ValueError: ``history`` is not a History or has no epoch.
    """
    _require_epochs(history)
    return not math.isfinite(history.train_loss[-1])


@validate(history=Instance(History, desc="a History"))
def final_test_acc(history: History) -> float:
    """The last epoch's test accuracy; a diverged run counts as chance, 0.1 (ten classes).

    A diverged net's weights are NaN: it can no longer tell the classes apart.

    Raises:
        TypeError, ValueError: ``history`` is not a History, has no epoch or no ``test_acc``
            series (it was trained without ``fit(..., test=...)``).
    """
    _require_epochs(history)
    if "test_acc" not in history.extra:
        raise invalid("history", "a History with the series 'test_acc', as train_norm_net makes it "
                      "(fit(..., test=...))", "one without it", "Histories made before the test curves moved out "
                      "of val_* must be made again.")
    return 0.1 if diverged(history) else history.extra["test_acc"][-1]


def _same_length(x: torch.Tensor, y: torch.Tensor) -> None:
    if len(x) != len(y):
        raise invalid("y", f"one label per example of x ({len(x)})", f"{len(y)} labels")


@validate(net=Instance(nn.Module, desc="a trained net"), x=Instance(torch.Tensor, desc="a tensor"),
          y=Instance(torch.Tensor, desc="a tensor"), batch_size=_POSITIVE_INT, seed=SEED,
          checks=[lambda a: _same_length(a["x"], a["y"])])
def training_mode_accuracy(net: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int,
                           seed: int = 0) -> float:
    """The accuracy of ``net`` evaluated by mistake in training mode, on shuffled batches of ``batch_size``.

    Every batch is normalised with its own statistics (the forgotten ``model.eval()``). The net's
    state (running statistics included) and mode are restored afterwards, so the call changes nothing.

    Args:
        net: a trained net with batch norm layers.
        x: the inputs, shape ``(N, ...)``.
        y: the labels, shape ``(N,)``.
        batch_size: examples per batch (the last batch may be smaller; a batch of one is skipped, since
            batch norm refuses it in training mode).
        seed: the shuffling's seed.

    Returns:
        The fraction of the (evaluated) examples classified correctly.
    """
    saved = {k: v.clone() for k, v in net.state_dict().items()}
    was_training = net.training
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    right = seen = 0
    try:
        net.train()
        with torch.no_grad():
            for start in range(0, len(x), batch_size):
                idx = order[start:start + batch_size]
                if len(idx) < 2:
                    continue
                right += (net(x[idx]).argmax(1) == y[idx]).sum().item()
                seen += len(idx)
    finally:
        net.load_state_dict(saved)
        net.train(was_training)
    return right / seen


class BatchNormSweep(Sweep[BatchNormRecipe]):
    """A stored batch-norm sweep: :meth:`history` finds a run by its axes' values."""

    def setting(self, norm: str, **axes: float) -> NormSetting:
        """The sweep's setting with ``norm`` and the given axes; an axis left out must have one value.

        Raises:
            TypeError: an axis that is not one of the sweep's (a misspelt name); the message lists them.
            ValueError: an axis left out has several values in this sweep.
        """
        return self._setting(norm, axes, "BatchNormSweep.setting")

    def _setting(self, norm: str, axes: dict[str, float], func: str) -> NormSetting:
        unknown = [a for a in axes if a not in _AXES[1:]]
        if unknown:
            varied = [a for a in _AXES[1:] if len(getattr(self.recipe, a)) > 1]
            raise invalid("axes", f"keyword arguments named after the axes of a batch-norm sweep {list(_AXES[1:])}",
                          ", ".join(f"{a}={axes[a]!r}" for a in unknown),
                          f"This sweep ({self.spec.name!r}) varies {varied or 'none of them'}.",
                          type_error=True).named(func)
        values = {}
        for axis in _AXES[1:]:
            options = getattr(self.recipe, axis)
            if axis in axes:
                values[axis] = axes[axis]
            elif len(options) == 1:
                values[axis] = options[0]
            else:
                raise ValueError(f"{func}: the sweep {self.spec.name!r} varies {axis} over "
                                 f"{list(options)}; pass {axis}=one of them.")
        return NormSetting(norm, **values)

    def history(self, norm: str, **axes: float) -> History:
        """The stored :class:`History` of one run, e.g. ``sweep.history("batch", lr=2.0)``.

        Raises:
            KeyError: the sweep has no such run; the message lists those it has.
            TypeError: an axis that is not one of the sweep's (a misspelt name); the message lists them.
            ValueError: an axis left out has several values in this sweep.
        """
        return self.get(norm_label(self._setting(norm, axes, "BatchNormSweep.history")))

    def style(self, norm: str, dashed: bool = False) -> dict[str, str]:
        """:func:`norm_style` of one normalization."""
        return norm_style(norm, dashed)


def _run(recipe: BatchNormRecipe) -> dict[str, History]:
    return run_batch_norm(recipe, threads=1, device="cpu")


def _labels(recipe: BatchNormRecipe) -> list[str]:
    return [norm_label(s) for s in norm_settings(recipe)]


def _repeat(recipe: BatchNormRecipe) -> tuple[str, History]:
    # The cheapest run with a normalization layer (fewest epochs, largest batch).
    runs = [s for s in norm_settings(recipe) if s.norm != "none"] or norm_settings(recipe)
    s = min(runs, key=lambda s: (s.epochs / s.batch_size, s.lr))
    return norm_label(s), train_norm_net(s, recipe=recipe, progress=False)[1]


_LRS = (0.01, 0.03, 0.1, 0.3, 1.0, 2.0, 4.0, 8.0)
#: The overfitting setting of notebook 05 (1000 signals, 2 x 512 units, Adam, 60 epochs), with a cosine
#: decay: with BN and a constant rate the test accuracy read in evaluation mode swings from epoch to epoch,
#: and the decay makes the last epoch a steady reading.
_OVERFIT = dict(n_train=1000, width=512, depth=2, optimizer="adam", lr=(1e-3,), epochs=(60,), batch_size=(100,),
                schedule="cosine")


def _spec(name: str, recipe: BatchNormRecipe, description: str) -> SweepSpec[BatchNormRecipe]:
    return SweepSpec(topic="batch_norm", name=name, file=f"batch_norm_{name}_sweep.json", recipe=recipe, run=_run,
                     labels=_labels, repeat=_repeat, description=description, records=("test_loss", "test_acc"))


_LRN_NORMS = ("none", "lrn", "lrn-alexnet", "group", "batch", "batch+lrn")
_LRN = dict(lr=(0.05,), epochs=(8,), model="conv", width=16, depth=2, momentum=0.9, schedule="cosine")

#: The stored sweeps of notebook 06, made by ``python assets/precompute.py batch_norm``.
BATCH_NORM_SWEEPS: dict[str, SweepSpec[BatchNormRecipe]] = {
    "lr": _spec("lr", BatchNormRecipe(lr=_LRS),
                "The old baseline of benefit 1: a 4-layer MLP with PyTorch's default initialisation, plain SGD, "
                "10 epochs, learning rates 0.01 to 8, with and without BN."),
    "dropout": _spec("dropout", BatchNormRecipe(dropout=(0.0, 0.5), **_OVERFIT),
                     "Benefit 2: the overfitting MLP of notebook 05 (with a cosine decay), with and without "
                     "BN, with and without dropout 0.5."),
    "l2": _spec("l2", BatchNormRecipe(weight_decay=(0.0, 1e-4, 1e-3, 1e-2, 1e-1), **_OVERFIT),
                "Benefit 3: the overfitting MLP of notebook 05 (with a cosine decay), with and without BN, "
                "L2 weight decay 0 to 0.1."),
    "lrn": _spec("lrn", BatchNormRecipe(norm=_LRN_NORMS, **_LRN),
                 "Benefit 5 and norm_layer: the plain 6-layer conv net of notebook 01 with no norm, LRN, "
                 "LRN at AlexNet's parameters with the bias kept, GroupNorm, BN, BN + LRN, seed 0."),
    "batch_size": _spec("batch_size", BatchNormRecipe(norm=("none", "batch", "group"), lr=(0.1,),
                                                      batch_size=(2, 8, 32, 128), epochs=(5,)),
                        "Pitfall: tiny batches; the 4-layer MLP at batch sizes 2 to 128 with no norm, BN and "
                        "GroupNorm."),
}
#: The fair baseline, over seeds 0 to 2: He initialisation for both nets (the same initial weights).
HE_SEEDS = (0, 1, 2)
for _seed in HE_SEEDS:
    BATCH_NORM_SWEEPS[f"lr_he{_seed}"] = _spec(
        f"lr_he{_seed}", BatchNormRecipe(lr=_LRS, init="he", seed=_seed),
        f"Benefit 1 with a fair baseline: the 4-layer MLP with He initialisation (both nets), plain SGD, "
        f"10 epochs, learning rates 0.01 to 8, with and without BN, seed {_seed}.")
    BATCH_NORM_SWEEPS[f"decay_he{_seed}"] = _spec(
        f"decay_he{_seed}", BatchNormRecipe(lr=(0.3,), epochs=(1, 2, 4, 8, 16), schedule="cosine", init="he",
                                            seed=_seed),
        f"Benefit 4 with a fair baseline: He initialisation, cosine decay over 1 to 16 epochs, seed {_seed}.")
    BATCH_NORM_SWEEPS[f"shift_he{_seed}"] = _spec(
        f"shift_he{_seed}", BatchNormRecipe(norm=("none", "batch", "batch+noise"), lr=(0.1, 1.0), noise=0.5,
                                            init="he", seed=_seed),
        f"Internal covariate shift with a fair baseline: shift noise after BN, He initialisation, seed {_seed}.")
    BATCH_NORM_SWEEPS[f"init{_seed}"] = _spec(
        f"init{_seed}", BatchNormRecipe(lr=(0.1,), init="he", init_gain=(0.25, 0.5, 1.0, 2.0, 4.0), seed=_seed),
        f"Robustness to initialisation: He initialisation times 0.25 to 4, lr 0.1, with and without BN, "
        f"seed {_seed}.")
for _seed in (1, 2):
    BATCH_NORM_SWEEPS[f"lrn{_seed}"] = _spec(
        f"lrn{_seed}", BatchNormRecipe(norm=_LRN_NORMS, seed=_seed, **_LRN),
        f"Benefit 5 over seeds: the sweep 'lrn' from seed {_seed}.")
for _seed in (1, 2):
    BATCH_NORM_SWEEPS[f"dropout{_seed}"] = _spec(
        f"dropout{_seed}", BatchNormRecipe(dropout=(0.0, 0.5), seed=_seed, **_OVERFIT),
        f"Benefit 2 over seeds: the sweep 'dropout' from seed {_seed}.")


@validate(name=OneOf(*BATCH_NORM_SWEEPS))
def load_batch_norm_sweep(name: str = "lr") -> BatchNormSweep:
    """One of notebook 06's stored sweeps, checked against its current recipe.

    Args:
        name: ``"lr"`` (benefit 1 with PyTorch's default initialisation, seed 0), ``"dropout"``,
            ``"dropout1"``, ``"dropout2"`` (benefit 2, seeds 0-2), ``"l2"`` (3), ``"lrn"``, ``"lrn1"``,
            ``"lrn2"`` (5 and the ``norm_layer`` comparison, seeds 0-2), ``"batch_size"`` (tiny batches);
            with He initialisation on seeds 0-2 (``HE_SEEDS``): ``"lr_he0"`` ... (benefit 1, the slider),
            ``"decay_he0"`` ... (4), ``"shift_he0"`` ... (noise after BN), ``"init0"`` ... (initialisation
            gains 0.25 to 4).

    Returns:
        The sweep: ``.recipe``, ``.runs``, ``.history(norm, **axes)``.

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: the file was made from another recipe; rerun
            ``python assets/precompute.py batch_norm``.
    """
    sweep = load_sweep(BATCH_NORM_SWEEPS[name])
    return BatchNormSweep(sweep.spec, sweep.runs, sweep.made_with)

