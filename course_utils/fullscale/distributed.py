"""Who am I among the processes ``torchrun`` started, and on which device: PyTorch's own engine.

Under ``torchrun --nproc_per_node=N`` every process finds ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK`` and the rendezvous address in its environment; :func:`distributed` reads them,
joins the process group (NCCL on CUDA, gloo on the CPU) and leaves it again. Started
without ``torchrun`` it is one process and joins nothing, so the same script runs either way.

:func:`default_threads` says how many PyTorch threads each process should use: the cores
this process may run on that other programs leave idle, shared out between the processes
of this machine. Two threads fighting a busy neighbour for two cores run several times
slower than one (the issue that added it measured 7x), so the idle cores count, not the cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.distributed as dist

from .._validation import Float, Instance, Int, invalid, requires, validate
from ..device import DEVICE, get_device

__all__ = ["DistContext", "default_threads", "distributed", "local_world_size"]


@validate(rank=Int(0), world_size=Int(1), local_rank=Int(0), device=torch.device,
          backend=[None, Instance(str, desc="a str such as 'nccl' or 'gloo'")],
          checks=[requires("rank", lambda a: a["rank"] < a["world_size"], "an int below world_size ({world_size})")])
@dataclass(frozen=True)
class DistContext:
    """This process's place in a (possibly one-process) run.

    Attributes:
        rank: 0 .. world_size - 1; rank 0 logs and writes files.
        world_size: number of processes.
        local_rank: index on this machine; the GPU a CUDA process uses.
        device: where this process computes.
        backend: ``"nccl"``, ``"gloo"``, or ``None`` for a single process.
    """

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str | None

    @property
    def is_main(self) -> bool:
        """Whether this process logs and writes files (rank 0)."""
        return self.rank == 0


def local_world_size() -> int:
    """Processes on this machine: ``LOCAL_WORLD_SIZE`` under torchrun, else 1."""
    return int(os.environ.get("LOCAL_WORLD_SIZE", "1"))


@validate(local_processes=Int(1), cores=[None, Int(1)], load=[None, Float(0)])
def default_threads(local_processes: int = 1, *, cores: int | None = None, load: float | None = None) -> int:
    """PyTorch threads per process: idle cores divided by the processes on this machine.

    Args:
        local_processes: processes of this job on this machine (``LOCAL_WORLD_SIZE``).
        cores: cores this process may run on (``None``: its CPU affinity mask).
        load: cores already busy (``None``: the 1-minute load average, read
            before this job starts working, so it counts other programs).

    Returns:
        ``max(1, (cores - round(load)) // local_processes)``, at most ``cores // local_processes``.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if load is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    idle = min(cores, max(1, cores - round(load)))
    return max(1, idle // local_processes)


@validate(device=DEVICE)
def current_context(device: str | torch.device | None = None) -> DistContext:
    """The context of a process group already joined (or of a single process): no joining here."""
    world = dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1
    rank = dist.get_rank() if world > 1 else 0
    local_rank = int(os.environ.get("LOCAL_RANK", "0")) if world > 1 else 0
    dev = _device_for(device, local_rank, world)
    backend = dist.get_backend() if world > 1 else None
    return DistContext(rank, world, local_rank, dev, backend)


def _device_for(device: str | torch.device | None, local_rank: int, world: int) -> torch.device:
    dev = get_device(device)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", local_rank if world > 1 else torch.cuda.current_device())
    if dev.type == "mps" and world > 1:
        raise invalid("device", "'cpu' or 'cuda' when several processes train (PyTorch has no "
                      "distributed backend for MPS)", "'mps'", "Pass device='cpu' or start one process.")
    return dev


@validate(device=DEVICE)
@contextmanager
def distributed(device: str | torch.device | None = None) -> Iterator[DistContext]:
    """Join the process group ``torchrun`` set up (if any) for the body, then leave it.

    Args:
        device: ``None`` picks CUDA (GPU ``LOCAL_RANK`` in each process),
            then MPS (single process only), then the CPU.

    Yields:
        The :class:`DistContext` of this process. Without ``torchrun``
        (no ``WORLD_SIZE`` above 1 in the environment) it is rank 0 of 1 and
        no process group is made.

    Raises:
        ValueError: ``device`` is ``"mps"`` under several processes.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    joined = False
    if world > 1 and not dist.is_initialized():
        dev = _device_for(device, int(os.environ.get("LOCAL_RANK", "0")), world)
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
        joined = True
    try:
        yield current_context(device)
    finally:
        if joined:
            dist.destroy_process_group()
