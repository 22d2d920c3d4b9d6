"""Checks that need the model: a user's input the model cannot take, blamed on the parameter."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any

import torch
from torch import nn

from .errors import ParameterError, invalid

# --- models and inputs -------------------------------------------------------------------------


@contextmanager
def eval_mode(model: nn.Module) -> Any:
    """Eval mode and no autograd inside; every module's own mode is restored afterwards."""
    modes = [(m, m.training) for m in model.modules()]
    model.eval()  # BN uses its running statistics and does not update them; dropout is off
    try:
        with torch.no_grad():
            yield
    finally:
        for m, mode in modes:
            m.training = mode


_FIRST_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def expected_input(model: nn.Module) -> str:
    """What the model's first layer takes, e.g. ``"inputs of shape (N, 3, H, W)"``."""
    first = next((m for m in model.modules() if isinstance(m, _FIRST_LAYERS)), None)
    if isinstance(first, nn.Linear):
        return f"inputs with {first.in_features} features per example (after any flattening)"
    if isinstance(first, nn.Conv1d):
        return f"inputs of shape (N, {first.in_channels}, L)"
    if isinstance(first, nn.Conv2d):
        return f"inputs of shape (N, {first.in_channels}, H, W)"
    if isinstance(first, nn.Conv3d):
        return f"inputs of shape (N, {first.in_channels}, D, H, W)"
    return "inputs the model accepts"


@contextmanager
def blame_input(model: nn.Module, param: str, got: str, allowed: str = "{}") -> Any:
    """Turn a model's failure on an input into an error naming the parameter that gave it.

    Used around a forward pass on a user's input (``fit``'s ``train``,
    ``count_macs``'s ``input_size``): a raw ``RuntimeError`` from deep inside
    torch becomes ``The 'input_size' parameter of count_macs must be the shape
    of inputs of shape (N, 3, H, W). Got (1, 1, 32, 32) (the model raised RuntimeError: ...)``.

    Args:
        model: the model about to run.
        param: the parameter the input came from.
        got: the input, described (e.g. its shape).
        allowed: what ``param`` must be; ``{}`` is replaced by what the
            model's first layer takes (:func:`expected_input`).
    """
    try:
        yield
    except ParameterError:
        raise
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise invalid(param, allowed.format(expected_input(model)),
                      f"{got} (the model raised {type(exc).__name__}: {reason})") from exc


def classifier_logits(model: nn.Module, x: torch.Tensor, param: str = "x", allowed: str = "{}") -> torch.Tensor:
    """``model(x)`` for a classifier, checked: what goes wrong is blamed on what caused it.

    The forward pass runs inside :func:`blame_input` (an input the model cannot take names
    ``param``); an output that is not a tensor of logits, one row per example, names ``model``.
    Nothing is done to the output before it is checked, so a model's own mistake (returning a
    tuple, say) is never blamed on the input.

    Args:
        model: the classifier.
        x: its input, shape ``(N, ...)``.
        param: the parameter ``x`` came from.
        allowed: what ``param`` must be, as in :func:`blame_input`.

    Returns:
        The logits, shape ``(N, K)``.
    """
    with blame_input(model, param, f"x of shape {tuple(x.shape)}", allowed):
        out = model(x)
    if not isinstance(out, torch.Tensor):
        raise invalid("model", "a classifier returning logits of shape (N, K)",
                      f"one returning a {type(out).__name__}", type_error=True)
    if out.dim() != 2 or len(out) != len(x):
        raise invalid("model", "a classifier returning logits of shape (N, K)",
                      f"one returning outputs of shape {tuple(out.shape)} for x of shape {tuple(x.shape)}")
    return out
