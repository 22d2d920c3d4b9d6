"""Notebook 01, residual learning: the degradation problem on a CPU, plain vs residual.

He et al. (2015) observed that a deeper *plain* network reaches a *higher training error*
than a shallower one, so the problem is optimisation, not overfitting; with identity
shortcuts the deeper net trains at least as well. :func:`run_degradation` repeats that
observation at course scale: the same 1-D conv net on MNIST-1D (``models.ConvNet1d``),
shallow and deep, shortcuts off and on, every other setting equal.

One recipe, one source of truth: :class:`DegradationRecipe` holds every setting of the
experiment. The notebook, its claim test (``tests/test_claims_residual.py``), the stored
sweeps (``DEGRADATION_SWEEPS``, made by ``python assets/precompute.py residual``) and the depth widget's
live run all take a recipe, so they cannot drift apart; a stored sweep whose recipe differs
from the current one refuses to load (:func:`load_degradation_sweep`).

Which training error: a claim reads ``history.train_error[-1]``, the error of the *last
epoch* as ``fit`` records it (train mode: BN uses batch statistics; averaged over the
epoch's mini-batches). With BN, the error measured in eval mode swings widely from epoch to
epoch at a constant learning rate; the cosine decay takes the rate to almost 0 in the last
epoch, so the weights hardly move during it and the recorded error agrees with the eval-mode
error of the final weights to about 0.01.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

import torch
from torch import nn

from .._validation import Bool, Float, Instance, Int, MappingOf, OneOf, SequenceOf, validate
from ..language import gettext_noop as N_
from ..data import Splits, load_mnist1d
from ..device import DEVICE, SEED, torch_threads
from ..measure import block_grad_norms
from ..models import ConvNet1d
from ..train import History, _require_epochs, fit
from .sweep import Sweep, SweepSpec, load_sweep

__all__ = [
    "KIND_COLOURS",
    "DEGRADATION_SWEEPS",
    "DegradationRecipe",
    "DegradationSweep",
    "degradation_label",
    "degradation_net",
    "degradation_style",
    "final_errors",
    "gradient_norms_at_init",
    "load_degradation_sweep",
    "run_degradation",
    "train_degradation_net",
]

_POSITIVE_INT = Int(1)
_DEPTHS = SequenceOf(Int(0, 200), unique=True, hint="Depths are in blocks, e.g. (2, 20) for 6 and 42 layers.")
_KINDS = SequenceOf(Bool(), unique=True, hint="False is plain, True residual, e.g. (False, True).")


@validate()
@dataclass(frozen=True)
class DegradationRecipe:
    """Every setting of the degradation experiment (measured on this kind of machine).

    Attributes:
        num_blocks: depths to train, in blocks (``2 * n + 2`` weighted layers each):
            2 vs 20 blocks are 6 vs 42 layers.
        residual: shortcut settings to train: ``False`` (plain), ``True`` (residual).
        width: channels of every convolution.
        batch_norm: BatchNorm after every convolution (without it the shallow plain net
            fails too and there is no clean contrast).
        epochs: passes over the training set; the cosine decay spans them all.
        batch_size: examples per SGD step.
        lr: initial SGD learning rate.
        momentum: SGD momentum.
        schedule: the learning-rate schedule of ``fit``.
        seed: seeds the initialisation and the shuffling; every net starts from it.
        data_seed: the MNIST-1D seed (``load_mnist1d(seed=data_seed)``).

    ``dataclasses.replace(recipe, epochs=24)`` makes a variant; the instance is frozen.
    """

    num_blocks: Annotated[tuple[int, ...], _DEPTHS] = (2, 20)
    residual: Annotated[tuple[bool, ...], _KINDS] = (False, True)
    width: Annotated[int, _POSITIVE_INT] = 16
    batch_norm: Annotated[bool, Bool()] = True
    epochs: Annotated[int, _POSITIVE_INT] = 8
    batch_size: Annotated[int, _POSITIVE_INT] = 128
    lr: Annotated[float, Float(0, low_open=True)] = 0.05
    momentum: Annotated[float, Float(0, 1, high_open=True)] = 0.9
    schedule: Annotated[str | None, OneOf(None, "cosine", "step")] = "cosine"
    seed: Annotated[int, SEED] = 0
    data_seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        # Lists are accepted and stored as tuples, so that the recipe stays hashable and frozen.
        object.__setattr__(self, "num_blocks", tuple(self.num_blocks))
        object.__setattr__(self, "residual", tuple(self.residual))


@validate(num_blocks=Int(0), residual=Bool())
def degradation_label(num_blocks: int, residual: bool) -> str:
    """The name of one setting, e.g. ``"plain, 42 layers"`` for 20 blocks without shortcuts.

    A ``ConvNet1d`` with ``num_blocks`` blocks has ``2 * num_blocks + 2`` weighted layers.
    """
    kind = N_("residual") if residual else N_("plain")
    return N_("{kind}, {layers} layers").format(kind=kind, layers=2 * num_blocks + 2)


#: Colour = the kind of net, the same in every figure and widget of notebook 01 (Okabe-Ito
#: colours, distinguishable with every common colour-vision deficiency).
KIND_COLOURS = {False: "#D55E00", True: "#0072B2"}
_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


@validate(num_blocks=Int(0), residual=Bool())
def degradation_style(num_blocks: int, residual: bool) -> dict[str, str]:
    """Matplotlib line style of one setting: colour = plain/residual, line and marker = depth.

    Shallow nets (2 blocks or fewer) are drawn solid, deeper ones dashed; the marker names the
    depth, so a figure with several depths stays readable in black and white.

    Returns:
        Keyword arguments for ``plot``: ``{"color", "linestyle", "marker"}``.
    """
    marker = _MARKERS[min(max(num_blocks.bit_length() - 2, 0), len(_MARKERS) - 1)]
    return {"color": KIND_COLOURS[residual], "linestyle": "-" if num_blocks <= 2 else "--", "marker": marker}


def _data(data: Splits | None, recipe: DegradationRecipe) -> Splits:
    return load_mnist1d(seed=recipe.data_seed) if data is None else data


@validate(num_blocks=Int(0, 200), residual=Bool(), width=_POSITIVE_INT, batch_norm=Bool(), seed=SEED)
def degradation_net(num_blocks: int, residual: bool, *, width: int = 16, batch_norm: bool = True,
                    seed: int = 0) -> ConvNet1d:
    """The experiment's net, freshly initialised from ``seed``: a ``models.ConvNet1d``.

    A plain and a residual net of the same depth and seed start from identical weights (the
    shortcuts add none), so the experiment compares the shortcuts and nothing else. The
    caller's global random generator is left alone.

    Shape:
        (N, 1, L) -> (N, 10).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ConvNet1d(num_blocks=num_blocks, residual=residual, width=width, batch_norm=batch_norm)


_RUN_CONSTRAINTS = {
    "recipe": Instance(DegradationRecipe, hint="Pass e.g. recipe=experiments.DegradationRecipe()."),
    "data": [None, Instance(Splits, hint="Pass data=load_mnist1d(seed=0) or leave it out.")],
    "threads": [None, _POSITIVE_INT],
    "device": DEVICE,
    "progress": Bool(),
}


@validate(num_blocks=Int(0, 200), residual=Bool(), **_RUN_CONSTRAINTS)
def train_degradation_net(num_blocks: int, residual: bool, *, recipe: DegradationRecipe,
                          data: Splits | None = None, threads: int | None = 1,
                          device: str | torch.device | None = "cpu", progress: bool = True
                          ) -> tuple[ConvNet1d, History]:
    """Train one (depth, shortcuts) setting with ``recipe``'s other settings: the live run.

    The depth widget calls it (through ``functools.partial``) to train the chosen setting
    again; the result equals the stored run of the same setting.

    Args:
        num_blocks: depth in blocks (``2 * n + 2`` weighted layers).
        residual: with identity shortcuts or not.
        recipe: the experiment's settings; its ``num_blocks``/``residual`` are not used.
        data: MNIST-1D ``Splits``; ``None`` generates ``load_mnist1d(seed=recipe.data_seed)``.
        threads: PyTorch CPU threads during the run (restored afterwards); ``None`` keeps
            the current setting. 1 is fastest for these tiny nets and makes the numbers the
            same on every machine.
        device: ``"cpu"`` (the default, for repeatable numbers), ``None`` for the best
            available device, or any device ``fit`` accepts.
        progress: show a tqdm progress bar.

    Returns:
        ``(net, history)``: the net after the last epoch and the run's :class:`History`; training
        uses ``data.train``, and ``data.test`` is evaluated after every epoch (the series
        ``test_loss`` and ``test_acc``, ``History.test_error``), as in the paper's Figure 1.
        Nothing is selected with it, so it stays an honest test error; ``val_*`` is ``nan``.
    """
    splits = _data(data, recipe)
    with torch_threads(threads):
        model = degradation_net(num_blocks, residual, width=recipe.width, batch_norm=recipe.batch_norm,
                                seed=recipe.seed)
        history = fit(model, splits.train, test=splits.test, epochs=recipe.epochs, batch_size=recipe.batch_size,
                      optimizer="sgd", lr=recipe.lr, momentum=recipe.momentum, schedule=recipe.schedule,
                      seed=recipe.seed, device=device, progress=progress,
                      description=degradation_label(num_blocks, residual))
    return model, history


@validate(**_RUN_CONSTRAINTS)
def run_degradation(recipe: DegradationRecipe, *, data: Splits | None = None, threads: int | None = 1,
                    device: str | torch.device | None = "cpu", progress: bool = False
                    ) -> dict[str, History]:
    """Train ``ConvNet1d`` for every (shortcuts, depth) pair of ``recipe``; return each history.

    Every run starts from the same seed and sees the same mini-batches in the same order; the
    nets differ only in depth and in the identity shortcuts.

    Args:
        recipe: the experiment's settings, e.g. ``DegradationRecipe()``.
        data, threads, device, progress: as in :func:`train_degradation_net`.

    Returns:
        ``{label: History}`` in the order plain before residual, shallow before deep, labels
        from :func:`degradation_label`, e.g. ``"plain, 42 layers"``. The claim reads
        ``history.train_error[-1]`` (see the module docstring).
    """
    splits = _data(data, recipe)
    return {degradation_label(n, res): train_degradation_net(n, res, recipe=recipe, data=splits, threads=threads,
                                                             device=device, progress=progress)[1]
            for res in recipe.residual for n in recipe.num_blocks}


@validate(histories=MappingOf(str, History, desc="a dict {label: History} from run_degradation"))
def final_errors(histories: dict[str, History]) -> dict[str, dict[str, float]]:
    """Last-epoch training and test error of each run, rounded to 3 decimals.

    Args:
        histories: what :func:`run_degradation` returned, ``{label: History}``.

    Returns:
        ``{label: {"train error": float, "test error": float}}``.

    Raises:
        TypeError, ValueError: ``histories`` is not such a dict, or one of its runs has no epoch.
    """
    for label, h in histories.items():
        _require_epochs(h, "histories", label, "a dict {label: History} of runs with at least one epoch each")
    return {label: {"train error": round(h.train_error[-1], 3), "test error": round(h.test_error[-1], 3)}
            for label, h in histories.items()}


@validate(
    num_blocks=Int(1, 200),
    init=OneOf("default", "he"),
    batch_norm=SequenceOf(Bool(), unique=True),
    residual=_KINDS,
    seed=SEED,
    width=_POSITIVE_INT,
    batch_size=_POSITIVE_INT,
    data=_RUN_CONSTRAINTS["data"],
)
def gradient_norms_at_init(
    num_blocks: int = 20,
    *,
    init: str = "default",
    batch_norm: Sequence[bool] = (True, False),
    residual: Sequence[bool] = (False, True),
    seed: int = 0,
    width: int = 16,
    batch_size: int = 128,
    data: Splits | None = None,
) -> dict[str, list[float]]:
    """Gradient norm of every block of a freshly initialised net, input to output.

    One forward/backward pass of the cross-entropy loss on the first ``batch_size``
    training examples, in train mode (as in the first training step).

    Args:
        num_blocks: depth of the nets in blocks.
        init: ``"default"`` re-initialises every convolution with PyTorch's default
            (``reset_parameters``: uniform, variance 1/(3 fan_in)), what a stack of layers
            gets without care; ``"he"`` keeps ``ConvNet1d``'s He (Kaiming) initialisation,
            the "normalized initialization" of the paper and of the degradation experiment.
        batch_norm: BN settings to measure.
        residual: shortcut settings to measure.
        seed: seeds the initialisation.
        width: channels of every convolution.
        batch_size: examples in the batch.
        data: MNIST-1D ``Splits``; ``None`` generates ``load_mnist1d(seed=0)``.

    Returns:
        ``{label: [norm of block 1, ..., norm of block num_blocks]}``, labels such as
        ``"plain, BN"`` or ``"residual, no BN"``; block 1 is the nearest to the input.
    """
    splits = load_mnist1d(seed=0) if data is None else data
    x, y = splits.train[0][:batch_size], splits.train[1][:batch_size]
    out: dict[str, list[float]] = {}
    for res in residual:
        for bn in batch_norm:
            model = degradation_net(num_blocks, res, width=width, batch_norm=bn, seed=seed)
            if init == "default":
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    for m in model.modules():
                        if isinstance(m, (nn.Conv1d, nn.Linear)):
                            m.reset_parameters()
            norms = block_grad_norms(model, x, y, nn.CrossEntropyLoss())
            model.zero_grad(set_to_none=True)
            out[f"{'residual' if res else 'plain'}, {'BN' if bn else 'no BN'}"] = list(norms.values())
    return out


class DegradationSweep(Sweep[DegradationRecipe]):
    """A stored degradation sweep: :meth:`history` finds a run by depth and shortcuts."""

    @validate(num_blocks=Int(0), residual=Bool())
    def history(self, num_blocks: int, residual: bool) -> History:
        """The stored :class:`History` of one (depth, shortcuts) setting.

        Raises:
            KeyError: the sweep has no such setting; the message lists those it has.
        """
        return self.get(degradation_label(num_blocks, residual))

    def label(self, num_blocks: int, residual: bool) -> str:
        """:func:`degradation_label` of one setting."""
        return degradation_label(num_blocks, residual)

    def style(self, num_blocks: int, residual: bool) -> dict[str, str]:
        """:func:`degradation_style` of one setting."""
        return degradation_style(num_blocks, residual)


def _run(recipe: DegradationRecipe) -> dict[str, History]:
    return run_degradation(recipe, threads=1, device="cpu")


def _labels(recipe: DegradationRecipe) -> list[str]:
    return [degradation_label(n, res) for res in recipe.residual for n in recipe.num_blocks]


def _repeat(recipe: DegradationRecipe) -> tuple[str, History]:
    # The shallowest net with shortcuts (if the sweep has any): seconds, and a net with shortcuts.
    n, res = min(recipe.num_blocks), max(recipe.residual)
    return degradation_label(n, res), train_degradation_net(n, res, recipe=recipe, progress=False)[1]


#: The stored sweeps of notebook 01, made by ``python assets/precompute.py residual``.
#: The series every stored run holds (fit's test=): final_errors and the widget read them.
_RECORDS = ("test_loss", "test_acc")

DEGRADATION_SWEEPS: dict[str, SweepSpec[DegradationRecipe]] = {
    "depth": SweepSpec(
        topic="residual", name="depth", file="residual_depth_sweep.json",
        recipe=DegradationRecipe(num_blocks=(2, 4, 8, 16, 32)), run=_run, labels=_labels, repeat=_repeat,
        records=_RECORDS,
        description="The depth slider of notebook 01: 6 to 66 layers, plain and residual, "
                    "the experiment's 8 epochs.",
    ),
    "long": SweepSpec(
        topic="residual", name="long", file="residual_long_run.json",
        recipe=DegradationRecipe(epochs=24), run=_run, labels=_labels, repeat=_repeat, records=_RECORDS,
        description="The experiment's four nets trained three times longer (24 epochs): "
                    "degradation survives a longer budget.",
    ),
}


@validate(name=OneOf(*DEGRADATION_SWEEPS))
def load_degradation_sweep(name: str = "depth") -> DegradationSweep:
    """One of notebook 01's stored sweeps, checked against its current recipe.

    Args:
        name: ``"depth"`` (2, 4, 8, 16, 32 blocks, 8 epochs: the depth slider) or
            ``"long"`` (2 and 20 blocks, 24 epochs).

    Returns:
        The sweep: ``.recipe``, ``.runs`` (``{label: History}``), ``.history(n, residual)``.

    Raises:
        FileNotFoundError: the file is missing.
        StaleAssetError: the file was made from another recipe; rerun
            ``python assets/precompute.py residual``.
    """
    sweep = load_sweep(DEGRADATION_SWEEPS[name])
    return DegradationSweep(sweep.spec, sweep.runs, sweep.made_with)
