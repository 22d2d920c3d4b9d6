"""Settings that make a run faster without changing what it computes (up to rounding).

- ``amp``: mixed precision. ``"bf16"`` and ``"fp16"`` run the forward pass under
  ``torch.autocast``; fp16's narrow range needs a ``GradScaler`` (bf16 has float32's range
  and does not). ``"off"``: float32 throughout.
- ``channels_last``: weights and batches in NHWC memory order (faster convolutions on
  tensor cores and on many CPUs' oneDNN kernels).
- ``compile``: ``torch.compile`` the (DDP-wrapped) net; its first steps compile.
- ``workers``: 0 keeps the whole data set on the device and cuts and augments every batch
  there; N > 0 cuts and augments batches in N ``DataLoader`` processes on the CPU and copies
  them over (from pinned memory on CUDA). Both produce the same batches bit for bit.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from .._validation import Bool, Int, OneOf, validate

__all__ = ["AMP_MODES", "Speed"]

#: Values of ``--amp``.
AMP_MODES = ("off", "bf16", "fp16")

_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


@validate(amp=OneOf(*AMP_MODES), channels_last=Bool(), compile=Bool(), workers=Int(0))
@dataclass(frozen=True)
class Speed:
    """How a run computes, not what: see the module docstring.

    Attributes:
        amp: ``"off"``, ``"bf16"`` or ``"fp16"``.
        channels_last: NHWC memory order.
        compile: ``torch.compile`` the net.
        workers: data-loader processes (0: batches are cut on the device).
    """

    amp: str = "off"
    channels_last: bool = False
    compile: bool = False
    workers: int = 0

    def autocast(self, device: torch.device) -> contextlib.AbstractContextManager:
        """The forward pass's context: autocast to the amp dtype, or nothing."""
        if self.amp == "off":
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=_DTYPES[self.amp])

    def scaler(self, device: torch.device) -> torch.amp.GradScaler:
        """A GradScaler, enabled only under fp16 (whose small gradients would underflow)."""
        return torch.amp.GradScaler(device.type, enabled=self.amp == "fp16")

    def memory_format(self) -> torch.memory_format:
        """``torch.channels_last`` or ``torch.contiguous_format``."""
        return torch.channels_last if self.channels_last else torch.contiguous_format
