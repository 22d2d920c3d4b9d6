"""What ``fit`` and ``evaluate`` check before and while they train: the data against the model
and the loss, and the user's hooks (``callbacks``, ``batch_transform``, ``penalty``).

The data is checked once per call, before any training, on one example in eval mode
(:func:`_data_checks`). A hook's signature is checked before the first epoch
(:func:`_check_hook_signatures`); what it returns, each time it is called
(:func:`_transform_batch`, :func:`_penalty`). Every failure names the parameter or the hook.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any, Union

import torch
from torch import Tensor, nn

from .._validation import Instance, Pair, TensorOf, blame_input, eval_mode, invalid, show
from .history import History

Penalty = Callable[[nn.Module], Tensor]
TensorPair = tuple[Tensor, Tensor]
#: ``(x, y) -> (x, y)``, applied to every training batch (augmentation, noise).
BatchTransform = Callable[[Tensor, Tensor], TensorPair]
#: ``(epoch, model, history) -> None | bool``, called after every epoch; ``True`` stops the run.
Callback = Callable[[int, nn.Module, History], Union[bool, None]]

_MODEL = Instance(nn.Module, desc="a torch.nn.Module")
# Inputs are floats with finite values; targets are int64 labels or float regression targets.
_DATA = Pair(TensorOf("floating", finite=True), TensorOf("real", finite=True))


def _probe(model: nn.Module, x: Tensor, param: str) -> Tensor:
    """The model's output on the first example of ``x``, computed in eval mode without gradients.

    A cheap check that ``x`` fits the model (dtype, channels, length) before
    any training: a failure names ``param`` and the shape the model expects.
    Eval mode updates no BN statistics and draws no dropout mask, and the CPU
    random generator is restored, so training is not changed by it.
    """
    ref = next((p for p in model.parameters() if p.is_floating_point()), None)
    if ref is not None and ref.dtype != x.dtype:
        raise invalid(param, f"a pair whose x has the dtype of the model's parameters ({ref.dtype})",
                      f"x of dtype {x.dtype}", f"Convert it with x.to({ref.dtype}).", type_error=True)
    xb = x[:1] if ref is None else x[:1].to(ref.device)
    blame = blame_input(model, param, f"x of shape {tuple(x.shape)}", "a pair whose x the model accepts: {}")
    with eval_mode(model), torch.random.fork_rng(devices=[]), blame:
        return model(xb)


def _data_checks(*params: str) -> Callable[[Mapping[str, Any]], None]:
    """Check that the pairs ``params`` (the first one required) fit the model and the loss.

    * later pairs look like the first (same input shape, same dtypes);
    * ``cross_entropy``: y holds int64 labels of shape (N,) in ``[0, K)``, K
      being the number of outputs of the model;
    * ``mse``: y is floating and has the shape of the model's output, so that
      the loss does not broadcast (N,) against (N, 1).
    """

    def check(args: Mapping[str, Any]) -> None:
        model, loss, first = args["model"], args["loss"], params[0]
        x0, y0 = args[first]
        for param in params[1:]:
            if args[param] is None:
                continue
            x, y = args[param]
            if x.shape[1:] != x0.shape[1:] or x.dtype != x0.dtype or y.shape[1:] != y0.shape[1:] or y.dtype != y0.dtype:
                raise invalid(param, f"a pair like {first}: inputs of shape (N, {', '.join(map(str, x0.shape[1:]))}) "
                              f"and dtype {x0.dtype}, targets of shape (N{''.join(f', {d}' for d in y0.shape[1:])}) "
                              f"and dtype {y0.dtype}", f"x of shape {tuple(x.shape)} and dtype {x.dtype}, y of "
                              f"shape {tuple(y.shape)} and dtype {y.dtype}")
        out = _probe(model, x0, first)
        for param in params:
            if args[param] is None:
                continue
            y = args[param][1]
            if loss == "cross_entropy":
                if y.dtype != torch.int64 or y.dim() != 1:
                    raise invalid(param, "a pair whose y holds int64 class indices of shape (N,) for "
                                  "loss='cross_entropy'", f"y of dtype {y.dtype} and shape {tuple(y.shape)}",
                                  "Use y.long() for labels, or loss='mse' for regression.",
                                  type_error=y.dtype != torch.int64)
                if out.dim() != 2:
                    raise invalid("model", "a classifier with outputs (N, num_classes) for loss='cross_entropy'",
                                  f"outputs of shape (N, {', '.join(map(str, out.shape[1:]))})")
                low, high, k = int(y.min()), int(y.max()), out.shape[1]
                if low < 0 or high >= k:
                    raise invalid(param, f"a pair whose labels y are in [0, {k - 1}] (the model has {k} outputs)",
                                  f"labels in [{low}, {high}]",
                                  "Build the model with as many outputs as there are classes.")
            else:
                if not y.is_floating_point():
                    raise invalid(param, "a pair whose y is a floating-point tensor for loss='mse'",
                                  f"y of dtype {y.dtype}", "Convert it with y.float().", type_error=True)
                if y.shape[1:] != out.shape[1:]:
                    shape = "(N" + "".join(f", {d}" for d in out.shape[1:]) + ")"
                    raise invalid(param, f"a pair whose y has the shape of the model's output {shape} for "
                                  "loss='mse'", f"y of shape {tuple(y.shape)}",
                                  f"Reshape it, e.g. y.view(-1, {', '.join(map(str, out.shape[1:]))}) or "
                                  "y.unsqueeze(1), so that the loss does not broadcast."
                                  if out.dim() > 1 else "Reshape it to the shape of the output.")

    return check



#: ``fit``'s hooks: how many positional arguments fit passes, what it expects, and how to write one.
_HOOKS = {
    "callbacks": (("epoch", "model", "history"), "a callable (epoch, model, history) -> None | bool, or a list of them",
                  "Write it as def my_callback(epoch, model, history): ... (return True to stop)."),
    "batch_transform": (("x", "y"), "a callable (x, y) -> (x, y)",
                        "Write it as def my_transform(x, y): ... return x, y."),
    "optimizer": (("params",), "a callable params -> torch.optim.Optimizer",
                  "Write it as lambda params: torch.optim.RMSprop(params, lr=1e-3)."),
    "penalty": (("model",), "a callable model -> scalar tensor, or a list of them",
                "Write it as def my_penalty(model): return lam * sum(p.pow(2).sum() for p in model.parameters())."),
}


def _hook_name(hook: Callable[..., Any]) -> str:
    return getattr(hook, "__name__", None) or type(hook).__name__


def _check_hook_signatures(**hooks: list[Callable[..., Any]]) -> None:
    """Refuse, before any training, a hook that cannot take the arguments ``fit`` passes it.

    A hook whose signature Python cannot read (some builtins) is let through; a call that then
    fails is named by :func:`_call_hook`.
    """
    for param, funcs in hooks.items():
        names, allowed, hint = _HOOKS[param]
        for hook in funcs:
            try:
                sig = inspect.signature(hook)
            except (TypeError, ValueError):
                continue
            try:
                sig.bind(*names)
            except TypeError:
                raise invalid(param, allowed, f"{_hook_name(hook)}{sig}, which cannot take the {len(names)} "
                              f"argument{'s' if len(names) > 1 else ''} fit passes ({', '.join(names)})",
                              hint, type_error=True) from None


def _call_hook(param: str, hook: Callable[..., Any], *args: Any) -> Any:
    """``hook(*args)``; a ``TypeError`` raised by the call itself (not inside the hook) names the hook."""
    try:
        return hook(*args)
    except TypeError as exc:
        # Raised by the call itself: the innermost frame is this one, or the wrapper that runs a
        # user's hook as user code (_validation.user_hook); deeper, it is the hook's own error.
        frames = exc.__traceback__
        while frames is not None and frames.tb_next is not None:
            frames = frames.tb_next
        wrapper = getattr(hook, "__code__", None) if hasattr(hook, "__wrapped__") else None
        if frames is not None and frames.tb_frame.f_code in (_call_hook.__code__, wrapper):
            _, allowed, hint = _HOOKS[param]
            raise invalid(param, allowed, f"{_hook_name(hook)}, which fit could not call: {exc}", hint,
                          type_error=True) from exc
        raise


def _transform_batch(transform: BatchTransform, xb: Tensor, yb: Tensor, classify: bool) -> TensorPair:
    """``transform(xb, yb)``, checked: a user's mistake gets named here, not deep inside torch."""
    out = _call_hook("batch_transform", transform, xb, yb)
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, Tensor) for t in out)):
        got = show(out) if isinstance(out, (tuple, list, Tensor)) else f"{show(out)} of type {type(out).__name__}"
        raise invalid("batch_transform", "a callable that returns a pair (x, y) of tensors",
                      f"one that returned {got}", "End it with `return x, y`.", type_error=True)
    x2, y2 = out
    if x2.shape[:1] != xb.shape[:1] or y2.shape[:1] != yb.shape[:1]:
        raise invalid("batch_transform", f"a callable that returns as many examples as it gets ({len(xb)})",
                      f"one that returned x of shape {tuple(x2.shape)} and y of shape {tuple(y2.shape)}")
    if x2.dtype != xb.dtype or x2.device != xb.device or y2.device != yb.device:
        raise invalid("batch_transform", f"a callable that returns x of the dtype and device it gets "
                      f"({xb.dtype} on {xb.device}) and y on {yb.device}",
                      f"one that returned x of dtype {x2.dtype} on {x2.device} and y on {y2.device}",
                      "Build new tensors with torch.*_like(x) or x.new_*(...).")
    if classify and not ((y2.dtype == torch.long and y2.dim() == 1) or (y2.is_floating_point() and y2.dim() == 2)):
        raise invalid("batch_transform", "a callable that returns y as int64 class indices of shape (N,) or "
                      "float class probabilities of shape (N, C) for loss='cross_entropy'",
                      f"one that returned y of dtype {y2.dtype} and shape {tuple(y2.shape)}")
    return x2, y2


def _check_transformed_labels(y: Tensor, num_outputs: int) -> None:
    """Labels a ``batch_transform`` returned, against the model's ``num_outputs`` classes (before the loss)."""
    if y.dim() == 2:
        if y.shape[1] != num_outputs:
            raise invalid("batch_transform", f"a callable that returns class probabilities y of shape (N, "
                          f"{num_outputs}), one column per output of the model",
                          f"one that returned y of shape {tuple(y.shape)}")
        return
    low, high = (int(v) for v in torch.aminmax(y))  # one host sync per step, only with a batch_transform
    if low < 0 or high >= num_outputs:
        raise invalid("batch_transform", f"a callable that returns labels y in [0, {num_outputs - 1}] (the model "
                      f"has {num_outputs} outputs)", f"one that returned labels in [{low}, {high}]",
                      "Check the labels it makes, e.g. the classes a label-noise transform draws from.")


def _non_finite(x: Tensor, y: Tensor) -> Tensor:
    """A 0-d bool tensor on the device: whether x (or floating y) holds NaN or infinite values (no host sync)."""
    bad = ~torch.isfinite(x).all()
    return bad | ~torch.isfinite(y).all() if y.is_floating_point() else bad


def _penalty(p: Penalty, model: nn.Module) -> Tensor | float:
    """``p(model)``, checked to be a scalar: a non-scalar would broadcast the loss into a tensor."""
    value = _call_hook("penalty", p, model)
    if (isinstance(value, Tensor) and value.dim() == 0) or (isinstance(value, Real) and not isinstance(value, bool)):
        return value
    raise invalid("penalty", "a callable model -> scalar tensor (0-d), a list of them, or None",
                  f"{getattr(p, '__qualname__', repr(p))}, which returned {show(value)}",
                  "Reduce it to one number, e.g. with .sum().")
