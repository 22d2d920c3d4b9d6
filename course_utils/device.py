"""Where tensors live and how runs are made repeatable."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from ._validation import Constraint, Failure, Instance, Int, ParameterValueError, show, validate

__all__ = ["describe_environment", "get_device", "model_device", "seed_everything", "torch_threads"]

_KINDS = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


class DeviceSpec(Constraint):
    """A device this machine has: ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"`` or a ``torch.device``.

    The index, if any, must be a non-negative int (``"cpu:-1"`` is refused)
    and name an existing GPU.
    """

    def __init__(self) -> None:
        super().__init__(hint="Use device=None to pick the best available device.")

    def describe(self) -> str:
        return "a device of this machine: 'cpu', 'cuda', 'cuda:<index>', 'mps' or a torch.device"

    def failure(self, value: object) -> Failure | None:
        if not isinstance(value, (str, torch.device)):
            return self.wrong_type(value)
        text = str(value)
        kind, _, index = text.partition(":")
        if kind not in _KINDS or (index and not index.isdigit()):
            return ParameterValueError, show(value)
        if kind == "cuda" and not torch.cuda.is_available():
            return ParameterValueError, f"{text!r}, but CUDA is not available on this machine"
        if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
            return ParameterValueError, f"{text!r}, but this machine has {torch.cuda.device_count()} GPU(s)"
        if kind == "mps" and not _mps_available():
            return ParameterValueError, f"{text!r}, but MPS is not available on this machine"
        return None


#: Constraint of every ``device`` argument: ``None`` (best available) or a device of this machine.
DEVICE = [None, DeviceSpec()]

#: Constraint of every ``seed`` argument (NumPy's legacy generator takes 32 bits).
SEED = Int(0, 2**32 - 1)


@validate(device=DEVICE)
def get_device(device: str | torch.device | None = None) -> torch.device:
    """Return the device to compute on.

    Args:
        device: ``None`` picks the best available one: CUDA, then Apple's MPS,
            then the CPU. A string such as ``"cpu"``, ``"cuda"`` or
            ``"cuda:1"``, or a ``torch.device``, is checked and returned.

    Returns:
        A ``torch.device``.

    Raises:
        TypeError: ``device`` is not ``None``, a string or a ``torch.device``.
        ValueError: the device kind is unknown, its index malformed, or it is
            not available here.
    """
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(device)


@validate(model=Instance(nn.Module, desc="a torch.nn.Module"))
def model_device(model: nn.Module) -> torch.device:
    """The device ``model`` computes on: that of its first parameter (the CPU if it has none).

    For code that receives a trained net and must put data beside it, e.g.
    ``evaluate(model, data, device=model_device(model))``.
    """
    first = next(model.parameters(), None)
    return torch.device("cpu") if first is None else first.device


@validate(seed=SEED)
def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch so that a CPU run repeats exactly.

    Args:
        seed: an int in ``[0, 2**32 - 1]``.

    Returns:
        A ``torch.Generator`` seeded with ``seed``, for code that prefers an
        explicit generator (shuffling, dropout masks) over the global one.
    """
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def describe_environment() -> dict[str, str]:
    """Versions and hardware that matter for the course, as strings.

    Returns:
        A dict with Python, PyTorch, torchvision, device and thread count.
    """
    import platform

    import torchvision

    dev = get_device()
    info = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "device": str(dev),
        "cpu threads": str(torch.get_num_threads()),
        "cpu cores": str(os.cpu_count()),
    }
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
    return info


@validate(num_threads=[None, Int(1, hint="Use None to keep PyTorch's setting.")])
@contextmanager
def torch_threads(num_threads: int | None) -> Iterator[None]:
    """Run the body with ``num_threads`` PyTorch CPU threads, restoring the old number after.

    ``None`` leaves the setting alone. One thread is the fastest for the course's tiny nets
    (no thread hand-off per operation) and gives the same numbers on every machine, whatever
    its core count.
    """
    if num_threads is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(old)
