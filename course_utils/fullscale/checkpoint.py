"""Checkpoints of full-scale runs: written atomically by rank 0, read by rank 0, sent to the others.

Only rank 0 touches the files. When a run resumes, rank 0 reads the checkpoint and broadcasts
it to every other process, so a job spread over several machines resumes without a shared
filesystem: the other machines never open the checkpoint folder.

A checkpoint is written to ``<name>.pt.partial`` and renamed over ``<name>.pt``: a job killed
while saving keeps its previous checkpoint. A failed save removes its ``.partial``, and the
next start removes one left by a job killed in the middle of ``torch.save``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from .._validation import Bool, Instance, PathLike, validate
from .distributed import DistContext
from .recipe import CifarRecipe

__all__ = ["CHECKPOINT_FORMAT", "CheckpointError", "load_for_resume", "read_checkpoint", "save_atomically"]

#: Version of the checkpoint layout; a checkpoint of another version is refused.
#: 2: adds the position inside an epoch (a run stopped by SIGTERM) and the wall time so far.
#: 3: the History holds the test set's curves as ``test_loss``/``test_acc``, no longer as ``val_*``.
CHECKPOINT_FORMAT = 3


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed from; the message names the file and what to do."""


def _partial(path: Path) -> Path:
    return path.with_name(path.name + ".partial")


@validate(payload=Instance(dict, desc="a dict"), path=PathLike())
def save_atomically(payload: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write ``payload`` to ``path`` through a temporary file; on any failure the temporary file goes."""
    path = Path(path)
    tmp = _partial(path)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@validate(path=PathLike(), recipe=[None, CifarRecipe])
def read_checkpoint(path: str | os.PathLike[str], recipe: CifarRecipe | None = None) -> dict[str, Any]:
    """Read a checkpoint on the CPU and check it belongs to ``recipe``.

    Args:
        path: the file.
        recipe: the run it must continue; ``None`` takes any recipe (``--test-only``).

    Returns:
        The checkpoint's dict.

    Raises:
        CheckpointError: the file is missing, truncated, corrupt, of another
            format, or of another recipe.
    """
    path = Path(path)
    if recipe is None:  # --test-only: nothing to start afresh, another file to evaluate
        way_out = "Pass --test-only a checkpoint written by this command (<--out>/<name>.pt)."
    else:
        way_out = (f"To start this run afresh, delete {str(path)!r} (or pass --no-resume); to go on from a copy "
                   "you trust, pass --resume COPY.")
    if not path.is_file():
        where = "--test-only" if recipe is None else "--resume (or leave it out to resume from --out)"
        raise CheckpointError(f"the checkpoint {str(path)!r} does not exist (or is not a file). Check the path "
                              f"given to {where}.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 -- unpickling damaged bytes can raise almost anything
        raise CheckpointError(
            f"the checkpoint {str(path)!r} cannot be read: it is truncated or corrupt ({_reason(exc)}). "
            "A job killed while saving never leaves one: the disk may have been full or the file copied "
            "in part. " + way_out) from exc
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{str(path)!r} is not a checkpoint of format {CHECKPOINT_FORMAT} (found {found!r}). "
                              + way_out)
    if recipe is not None and state["recipe"] != recipe.to_dict():
        changed = sorted(k for k, v in recipe.to_dict().items() if state["recipe"].get(k) != v)
        raise CheckpointError(f"the checkpoint {str(path)!r} was written with other values of {changed} than "
                              "this run's. Pass --no-resume to start afresh (overwriting it), or write this "
                              "run elsewhere (another --out).")
    return state


def _reason(exc: Exception) -> str:
    """The first sentence of ``exc``'s message, short: torch's own messages run to a paragraph."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = text.split(". ")[0].rstrip(".")
    if len(text) > 100:
        text = text[:97] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@validate(path=[None, PathLike()], recipe=[None, CifarRecipe], ctx=DistContext, must_exist=Bool())
def load_for_resume(path: str | os.PathLike[str] | None, recipe: CifarRecipe | None, ctx: DistContext, *,
                    must_exist: bool) -> dict | None:
    """Rank 0 reads ``path`` (if it exists) and broadcasts it; every process gets the same dict or error.

    Args:
        path: the checkpoint, or ``None`` for a fresh start.
        recipe: the run it must continue (``None``: any).
        ctx: this process's place.
        must_exist: a missing file is an error (``--resume PATH``) rather than a fresh start.

    Returns:
        The checkpoint on ``ctx.device``, or ``None`` to start afresh.

    Raises:
        CheckpointError: in every process, when rank 0 cannot use the file.
    """
    message, state = None, None
    path = Path(path) if path is not None else None
    if ctx.is_main and path is not None:
        _partial(path).unlink(missing_ok=True)  # left by a job killed inside torch.save
        if must_exist or path.is_file():
            try:
                state = read_checkpoint(path, recipe)
            except CheckpointError as exc:
                message = str(exc)
    if ctx.world_size > 1:
        box = [message, state]
        dist.broadcast_object_list(box, src=0, device=ctx.device if ctx.device.type == "cuda" else None)
        message, state = box
    if message is not None:
        raise CheckpointError(message)
    if state is None:
        return None
    return {k: _to(v, ctx.device) for k, v in state.items()}


def _to(value: Any, device: torch.device) -> Any:
    if isinstance(value, torch.Tensor):
        return value.to(device)
    if isinstance(value, dict):
        return {k: _to(v, device) for k, v in value.items()}
    if isinstance(value, list):
        return [_to(v, device) for v in value]
    return value
