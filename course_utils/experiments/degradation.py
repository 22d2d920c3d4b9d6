"""The degradation problem on a CPU (notebook 01): plain vs residual, shallow vs deep.

He et al. (2015) observed that a deeper *plain* network reaches a *higher
training error* than a shallower one, so the problem is optimisation, not
overfitting; with identity shortcuts the deeper net trains at least as well.
:func:`run_degradation` repeats that observation at course scale: the same 1-D
conv net on MNIST-1D (``models.ConvNet1d``), shallow and deep, shortcuts off
and on, every other setting equal. The notebook, its claim test and
``assets/precompute.py`` (the depth slider's stored results) all call it.

The recipe (``DEGRADATION_RECIPE``, measured in ``RECIPES.md``): width 16,
batch norm, SGD with learning rate 0.05 and momentum 0.9, batch 128, cosine
decay over 8 epochs, 2 vs 20 blocks (6 vs 42 weighted layers).

Which training error: a claim reads ``history.train_error[-1]``, the error of
the *last epoch* as ``fit`` records it (train mode: BN uses batch statistics;
averaged over the epoch's mini-batches). With BN, the error measured in eval
mode swings widely from epoch to epoch at a constant learning rate; the cosine
decay takes the rate to almost 0 in the last epoch, so the weights hardly move
during it and the recorded error agrees with the eval-mode error of the final
weights to about 0.01. See :func:`final_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .._validation import check_bool, check_choice, check_float, check_int, check_type
from ..data import Splits, load_mnist1d
from ..measure import block_grad_norms
from ..models import ConvNet1d
from ..train import History, fit

__all__ = [
    "ASSETS_DIR",
    "DEGRADATION_RECIPE",
    "SWEEP_BLOCKS",
    "SWEEP_PATH",
    "degradation_label",
    "final_errors",
    "gradient_norms_at_init",
    "load_sweep",
    "run_degradation",
    "sweep_history",
    "torch_threads",
]

#: The measured recipe; every keyword of :func:`run_degradation` defaults to it.
DEGRADATION_RECIPE: dict[str, Any] = {
    "num_blocks": (2, 20),
    "width": 16,
    "batch_norm": True,
    "epochs": 8,
    "batch_size": 128,
    "lr": 0.05,
    "momentum": 0.9,
    "schedule": "cosine",
    "data_seed": 0,
}

#: Depths (blocks) of the depth slider's precomputed sweep: 6, 10, 18, 34 and 66 layers.
SWEEP_BLOCKS: tuple[int, ...] = (2, 4, 8, 16, 32)

#: The repository's ``assets/`` folder: figures drawn for the course and precomputed results.
ASSETS_DIR: Path = Path(__file__).resolve().parents[2] / "assets"

#: Where ``assets/precompute.py`` stores the sweep.
SWEEP_PATH: Path = ASSETS_DIR / "degradation_sweep.json"


@contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run the body with ``num_threads`` PyTorch CPU threads, restoring the old number after.

    ``None`` leaves the setting alone. One thread is the fastest for the course's tiny
    nets (no thread hand-off per operation) and gives the same numbers on every machine,
    whatever its core count.
    """
    if num_threads is None:
        yield
        return
    num_threads = check_int(num_threads, "num_threads", "torch_threads", 1)
    old = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def degradation_label(num_blocks: int, residual: bool) -> str:
    """The name of one setting, e.g. ``"plain, 42 layers"`` for 20 blocks without shortcuts.

    A ``ConvNet1d`` with ``num_blocks`` blocks has ``2 * num_blocks + 2`` weighted layers.
    """
    num_blocks = check_int(num_blocks, "num_blocks", "degradation_label", 0)
    check_bool(residual, "residual", "degradation_label")
    return f"{'residual' if residual else 'plain'}, {2 * num_blocks + 2} layers"


def _check_settings(values: Any, name: str, func: str, check: Any, example: str) -> tuple[Any, ...]:
    allowed = f"a non-empty tuple or list, e.g. {example}"
    check_type(values, name, func, (tuple, list), allowed)
    if len(values) == 0:
        raise ValueError(f"The '{name}' parameter of {func} must be {allowed}. Got {values!r}.")
    out = tuple(check(v) for v in values)
    if len(set(out)) != len(out):
        raise ValueError(f"The '{name}' parameter of {func} must not repeat a value. Got {values!r}.")
    return out


def _check_data(data: Any, func: str) -> Splits:
    if data is None:
        return load_mnist1d(seed=DEGRADATION_RECIPE["data_seed"])
    return check_type(data, "data", func, Splits, "None or the Splits of load_mnist1d",
                      hint="Pass data=load_mnist1d(seed=0) or leave it out.")


def _build(num_blocks: int, residual: bool, width: int, batch_norm: bool, seed: int) -> ConvNet1d:
    # Seed the initialisation without touching the caller's global generator.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return ConvNet1d(num_blocks=num_blocks, residual=residual, width=width, batch_norm=batch_norm)


def run_degradation(
    num_blocks: Sequence[int] = (2, 20),
    residual: Sequence[bool] = (False, True),
    *,
    seed: int = 0,
    epochs: int = 8,
    width: int = 16,
    batch_norm: bool = True,
    lr: float = 0.05,
    batch_size: int = 128,
    data: Splits | None = None,
    threads: int | None = 1,
    device: str | torch.device | None = "cpu",
    progress: bool = False,
) -> dict[str, History]:
    """Train ``ConvNet1d`` for every (shortcuts, depth) pair; return each run's history.

    Every run starts from the same seed and sees the same mini-batches in the
    same order; the nets differ only in depth and in the identity shortcuts.
    Training uses ``data.train``; the held-out curve (``History.val_*``) is
    measured on ``data.test`` after every epoch, as in the paper's Figure 1
    (nothing is selected with it, so it stays an honest test error).

    Args:
        num_blocks: depths to train, in blocks (``2 * n + 2`` weighted layers each).
        residual: shortcut settings to train: ``False`` (plain), ``True`` (residual).
        seed: seeds the initialisation and the shuffling; an int in ``[0, 2**32 - 1]``.
        epochs: passes over the training set; the cosine decay spans them all.
        width: channels of every convolution.
        batch_norm: BatchNorm after every convolution (without it the shallow
            plain net fails too and there is no clean contrast).
        lr: initial SGD learning rate (momentum 0.9).
        batch_size: examples per step.
        data: MNIST-1D ``Splits``; ``None`` generates ``load_mnist1d(seed=0)``.
        threads: PyTorch CPU threads during the runs (restored afterwards);
            ``None`` keeps the current setting. 1 is fastest for these tiny
            nets and makes the numbers the same on every machine.
        device: ``"cpu"`` (the default, for repeatable numbers), ``None`` for
            the best available device, or any device ``fit`` accepts.
        progress: show a tqdm progress bar per run (for live training in a notebook).

    Returns:
        ``{label: History}`` in the order plain before residual, shallow before
        deep, labels from :func:`degradation_label`, e.g. ``"plain, 42 layers"``.
        The claim reads ``history.train_error[-1]`` (see the module docstring).

    Raises:
        TypeError, ValueError: an argument has the wrong type or is out of range.
    """
    func = "run_degradation"
    blocks = _check_settings(num_blocks, "num_blocks", func,
                             lambda n: check_int(n, "num_blocks", func, 0, 200), "(2, 20)")
    shortcuts = _check_settings(residual, "residual", func,
                                lambda r: check_bool(r, "residual", func), "(False, True)")
    seed = check_int(seed, "seed", func, 0, 2**32 - 1)
    epochs = check_int(epochs, "epochs", func, 1)
    width = check_int(width, "width", func, 1)
    check_bool(batch_norm, "batch_norm", func)
    lr = check_float(lr, "lr", func, 0.0, low_open=True)
    batch_size = check_int(batch_size, "batch_size", func, 1)
    if threads is not None:
        threads = check_int(threads, "threads", func, 1, hint="Use None to keep PyTorch's setting.")
    check_bool(progress, "progress", func)
    splits = _check_data(data, func)

    histories: dict[str, History] = {}
    with torch_threads(threads):
        for res in shortcuts:
            for n in blocks:
                label = degradation_label(n, res)
                model = _build(n, res, width, batch_norm, seed)
                histories[label] = fit(
                    model, splits.train, splits.test, epochs=epochs, batch_size=batch_size,
                    optimizer="sgd", lr=lr, momentum=DEGRADATION_RECIPE["momentum"],
                    schedule=DEGRADATION_RECIPE["schedule"], seed=seed, device=device,
                    progress=progress, description=label,
                )
    return histories


def final_errors(histories: dict[str, History]) -> dict[str, dict[str, float]]:
    """Last-epoch training and test error of each run, rounded to 3 decimals.

    Args:
        histories: what :func:`run_degradation` returned.

    Returns:
        ``{label: {"train error": float, "test error": float}}``.
    """
    check_type(histories, "histories", "final_errors", dict, "a dict {label: History} from run_degradation")
    out = {}
    for label, h in histories.items():
        check_type(h, "histories", "final_errors", History, "a dict {label: History} from run_degradation")
        out[label] = {"train error": round(h.train_error[-1], 3), "test error": round(h.val_error[-1], 3)}
    return out


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

    One forward/backward pass of the cross-entropy loss on the first
    ``batch_size`` training examples, in train mode (as in the first training step).

    Args:
        num_blocks: depth of the nets in blocks.
        init: ``"default"`` re-initialises every convolution with PyTorch's
            default (``reset_parameters``: uniform, variance 1/(3 fan_in)), what
            a stack of layers gets without care; ``"he"`` keeps ``ConvNet1d``'s
            He (Kaiming) initialisation, the "normalized initialization" of the paper.
        batch_norm: BN settings to measure.
        residual: shortcut settings to measure.
        seed: seeds the initialisation.
        width: channels of every convolution.
        batch_size: examples in the batch.
        data: MNIST-1D ``Splits``; ``None`` generates ``load_mnist1d(seed=0)``.

    Returns:
        ``{label: [norm of block 1, ..., norm of block num_blocks]}``, labels such as
        ``"plain, BN"`` or ``"residual, no BN"``; block 1 is the nearest to the input.

    Raises:
        TypeError, ValueError: an argument has the wrong type or is out of range.
    """
    func = "gradient_norms_at_init"
    num_blocks = check_int(num_blocks, "num_blocks", func, 1, 200)
    check_choice(init, "init", func, ("default", "he"))
    bns = _check_settings(batch_norm, "batch_norm", func, lambda b: check_bool(b, "batch_norm", func),
                          "(True, False)")
    shortcuts = _check_settings(residual, "residual", func, lambda r: check_bool(r, "residual", func),
                                "(False, True)")
    seed = check_int(seed, "seed", func, 0, 2**32 - 1)
    width = check_int(width, "width", func, 1)
    batch_size = check_int(batch_size, "batch_size", func, 1)
    splits = _check_data(data, func)
    x, y = splits.train[0][:batch_size], splits.train[1][:batch_size]
    out: dict[str, list[float]] = {}
    for res in shortcuts:
        for bn in bns:
            model = _build(num_blocks, res, width, bn, seed)
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


def load_sweep(path: str | Path | None = None) -> dict[str, Any]:
    """Read the depth sweep that ``assets/precompute.py`` stored.

    Args:
        path: the JSON file; ``None`` for ``SWEEP_PATH`` (``assets/degradation_sweep.json``).

    Returns:
        ``{"meta": {...settings...}, "runs": {label: History}}``, labels as in
        :func:`degradation_label`.

    Raises:
        TypeError: ``path`` is not a string or a path.
        FileNotFoundError: the file is missing; the message says how to make it.
    """
    path = SWEEP_PATH if path is None else Path(check_type(path, "path", "load_sweep", (str, Path),
                                                           "None, a str or a pathlib.Path"))
    if not path.is_file():
        raise FileNotFoundError(
            f"load_sweep: no precomputed sweep at {path}. Make it with "
            "`python assets/precompute.py` from the repository root (about 2 minutes)."
        )
    stored = json.loads(path.read_text())
    runs = {label: History.from_dict(h) for label, h in stored["runs"].items()}
    return {"meta": stored["meta"], "runs": runs}


def sweep_history(sweep: dict[str, Any], num_blocks: int, residual: bool) -> History:
    """The stored :class:`History` of one setting of a sweep from :func:`load_sweep`.

    Raises:
        ValueError: the sweep has no such setting; the message lists those it has.
    """
    label = degradation_label(num_blocks, residual)
    check_type(sweep, "sweep", "sweep_history", dict, "the dict returned by load_sweep")
    runs = sweep.get("runs", {})
    if label not in runs:
        raise ValueError(f"The sweep passed to sweep_history has no run {label!r}. "
                         f"It has {sorted(runs)}.")
    return runs[label]
