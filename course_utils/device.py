"""Where tensors live and how runs are made repeatable."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ._validation import check_choice, check_int, check_type

__all__ = ["get_device", "seed_everything", "describe_environment"]

_KINDS = ("cpu", "cuda", "mps")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


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
        ValueError: the device kind is unknown or not available here.
    """
    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    check_type(device, "device", "get_device", (str, torch.device),
               "None, a string such as 'cpu' or 'cuda', or a torch.device")
    kind = str(device).split(":")[0]
    check_choice(kind, "device", "get_device", _KINDS,
                 hint="Use None to pick the best available device.")
    if kind == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"The 'device' parameter of get_device asked for {str(device)!r}, but CUDA is not "
            "available on this machine. Use device=None (best available) or 'cpu'."
        )
    if kind == "mps" and not _mps_available():
        raise ValueError(
            f"The 'device' parameter of get_device asked for {str(device)!r}, but MPS is not "
            "available on this machine. Use device=None (best available) or 'cpu'."
        )
    return torch.device(device)


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python, NumPy and PyTorch so that a CPU run repeats exactly.

    Args:
        seed: an int in ``[0, 2**32 - 1]``.

    Returns:
        A ``torch.Generator`` seeded with ``seed``, for code that prefers an
        explicit generator (shuffling, dropout masks) over the global one.
    """
    seed = check_int(seed, "seed", "seed_everything", 0, 2**32 - 1)
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
