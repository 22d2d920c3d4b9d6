"""Measuring models: parameters, multiply-adds, a layer table and gradient norms.

Cost is counted in **multiply-adds** (MACs), the unit of the ResNet paper's
"FLOPs" row (ResNet-50: 3.8 x 10^9). PyTorch's ``FlopCounterMode`` counts
FLOPs = 2 x multiply-adds for matrix products and convolutions, so the
functions here halve its count. Only convolutions and matrix products are
counted (as in the paper); BatchNorm, ReLU, pooling and additions are not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._validation import check_bool, check_choice, check_type
from .models.blocks import BasicBlock, Bottleneck
from .models.convnet import ConvBlock

__all__ = [
    "block_grad_norms",
    "count_macs",
    "count_parameters",
    "grad_norms",
    "layer_table",
]

# Modules that count as one "block" for per-block gradient norms.
_BLOCK_TYPES: tuple[type[nn.Module], ...] = (BasicBlock, Bottleneck, ConvBlock)


def _check_model(model: Any, func: str) -> nn.Module:
    return check_type(model, "model", func, nn.Module, "a torch.nn.Module",
                      hint="Pass the model itself, e.g. models.resnet18().")


def _check_input_size(input_size: Any, func: str) -> tuple[int, ...]:
    allowed = "a tuple of positive ints including the batch size, e.g. (1, 3, 224, 224)"
    check_type(input_size, "input_size", func, (tuple, list), allowed)
    if len(input_size) == 0:
        raise ValueError(f"The 'input_size' parameter of {func} must be {allowed}. Got {input_size!r}.")
    for d in input_size:
        if isinstance(d, bool) or not isinstance(d, int):
            raise TypeError(
                f"The 'input_size' parameter of {func} must be {allowed}. "
                f"Got {input_size!r}, whose entry {d!r} is of type {type(d).__name__}."
            )
        if d < 1:
            raise ValueError(
                f"The 'input_size' parameter of {func} must be {allowed}. "
                f"Got {input_size!r}, whose entry {d!r} is not positive."
            )
    return tuple(input_size)


def _example_input(model: nn.Module, input_size: tuple[int, ...]) -> torch.Tensor:
    # Match the model's device and floating dtype, so that a model on the GPU works too.
    ref = next(model.parameters(), None)
    if ref is None:
        ref = next(model.buffers(), None)
    if ref is None or not ref.is_floating_point():
        return torch.zeros(input_size)
    return torch.zeros(input_size, device=ref.device, dtype=ref.dtype)


def _leaves(model: nn.Module) -> list[tuple[str, nn.Module]]:
    return [(name, m) for name, m in model.named_modules() if next(m.children(), None) is None]


class _EvalNoGrad:
    """Context: eval mode and no autograd, restoring every module's own mode afterwards."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.modes: list[tuple[nn.Module, bool]] = []

    def __enter__(self) -> None:
        self.modes = [(m, m.training) for m in self.model.modules()]
        self.model.eval()  # BN uses running stats and does not update them; dropout is off
        self.no_grad = torch.no_grad()
        self.no_grad.__enter__()

    def __exit__(self, *exc: object) -> None:
        self.no_grad.__exit__(*exc)
        for m, mode in self.modes:
            m.training = mode


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters of ``model`` (shared tensors counted once).

    Args:
        model: any ``nn.Module``.
        trainable_only: count only parameters with ``requires_grad=True``.

    Returns:
        The total number of entries, e.g. 11,689,512 for ``resnet18()``.

    Raises:
        TypeError: ``model`` is not an ``nn.Module`` or ``trainable_only`` not a bool.
    """
    _check_model(model, "count_parameters")
    check_bool(trainable_only, "trainable_only", "count_parameters")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def count_macs(model: nn.Module, input_size: Sequence[int]) -> int:
    """Multiply-adds of one forward pass on a zero tensor of shape ``input_size``.

    The model runs in eval mode under ``torch.no_grad``; each submodule's
    train/eval mode is restored afterwards and BN statistics are untouched.

    Args:
        model: any ``nn.Module``.
        input_size: full input shape including the batch size, e.g. (1, 3, 224, 224).

    Returns:
        Multiply-adds of convolutions and matrix products (half of the FLOPs
        that ``torch.utils.flop_counter.FlopCounterMode`` reports), e.g. 50 for
        ``nn.Linear(10, 5)`` on input size (1, 10).

    Raises:
        TypeError: ``model`` is not a module, or ``input_size`` is not a tuple of ints.
        ValueError: ``input_size`` is empty or has an entry < 1.
    """
    _check_model(model, "count_macs")
    size = _check_input_size(input_size, "count_macs")
    x = _example_input(model, size)
    counter = FlopCounterMode(display=False)
    with _EvalNoGrad(model), counter:
        model(x)
    return counter.get_total_flops() // 2


def _shape_of(output: Any) -> Any:
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)):
        return tuple(_shape_of(o) for o in output)
    return None


def layer_table(model: nn.Module, input_size: Sequence[int]) -> list[dict[str, Any]]:
    """One row per leaf module, in the order the forward pass first calls them.

    The forward pass runs as in :func:`count_macs`. A leaf module called more
    than once (e.g. a shared ReLU) gets one row with its MACs summed over the
    calls and the output shape of its first call. Leaf modules never called
    are left out.

    Args:
        model: any ``nn.Module``.
        input_size: full input shape including the batch size, e.g. (1, 3, 32, 32).

    Returns:
        A list of dicts with keys ``"name"`` (qualified module name),
        ``"type"`` (class name), ``"output_shape"`` (tuple), ``"params"``
        (int) and ``"macs"`` (int). For models whose parameters all live in
        leaf modules, the ``params`` sum to :func:`count_parameters` and the
        ``macs`` to :func:`count_macs`.

    Raises:
        TypeError: ``model`` is not a module, or ``input_size`` is not a tuple of ints.
        ValueError: ``input_size`` is empty or has an entry < 1.
    """
    _check_model(model, "layer_table")
    size = _check_input_size(input_size, "layer_table")
    x = _example_input(model, size)
    counter = FlopCounterMode(display=False)
    rows: dict[str, dict[str, Any]] = {}
    start: dict[str, int] = {}

    def pre_hook(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any) -> None:
            start[name] = counter.get_total_flops()
        return hook

    def post_hook(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any, output: Any) -> None:
            # Leaves do not nest, so the FLOPs counted since the pre-hook are this call's.
            flops = counter.get_total_flops() - start[name]
            if name not in rows:
                rows[name] = {
                    "name": name,
                    "type": type(module).__name__,
                    "output_shape": _shape_of(output),
                    "params": sum(p.numel() for p in module.parameters()),
                    "macs": 0,
                }
            rows[name]["macs"] += flops // 2
        return hook

    handles = []
    try:
        for name, m in _leaves(model):
            handles.append(m.register_forward_pre_hook(pre_hook(name)))
            handles.append(m.register_forward_hook(post_hook(name)))
        with _EvalNoGrad(model), counter:
            model(x)
    finally:
        for h in handles:
            h.remove()
    return list(rows.values())


def _norm(module: nn.Module) -> float | None:
    grads = [p.grad.detach() for p in module.parameters() if p.grad is not None]
    if not grads:
        return None
    return float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))


def _blocks(model: nn.Module) -> list[tuple[str, nn.Module]]:
    blocks = [(n, m) for n, m in model.named_modules() if isinstance(m, _BLOCK_TYPES)]
    if blocks:
        return blocks
    # No residual-style blocks (e.g. an MLP): every parameterised leaf is a block.
    return [(n, m) for n, m in _leaves(model) if next(m.parameters(), None) is not None]


def grad_norms(model: nn.Module, per: str = "layer") -> dict[str, float]:
    """L2 norms of the gradients currently stored in ``.grad``.

    Args:
        model: a module after ``loss.backward()``.
        per: ``"layer"`` gives one entry per parameterised leaf module
            (conv, linear, BN); ``"block"`` one per residual/plain block
            (``BasicBlock``, ``Bottleneck``, ``ConvBlock``; for a model
            without blocks, the same as ``"layer"``). Each norm is
            sqrt(sum of squared gradient entries of all the module's parameters).

    Returns:
        ``{module name: norm}`` in registration order, which for the course's
        models is the forward (input -> output) order. Modules without any
        gradient are left out. Use :func:`block_grad_norms` for an order taken
        from an actual forward pass.

    Raises:
        TypeError: ``model`` is not an ``nn.Module``.
        ValueError: ``per`` is not ``"layer"`` or ``"block"``.
    """
    _check_model(model, "grad_norms")
    check_choice(per, "per", "grad_norms", ("layer", "block"))
    if per == "block":
        named = _blocks(model)
    else:
        named = [(n, m) for n, m in _leaves(model) if next(m.parameters(), None) is not None]
    out: dict[str, float] = {}
    for name, m in named:
        norm = _norm(m)
        if norm is not None:
            out[name] = norm
    return out


def block_grad_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor,
                     loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]) -> dict[str, float]:
    """One forward/backward pass on a batch; gradient norm of each block, input -> output.

    The model runs in its current mode (train mode: BN uses batch statistics
    and updates its running statistics, as in a training step). Existing
    gradients are cleared first, and the new ones are left in ``.grad``.

    Args:
        model: a model built of ``BasicBlock``, ``Bottleneck`` or ``ConvBlock``
            blocks (for other models every parameterised leaf module counts as a block).
        x: input batch, e.g. (N, 40) for ``ConvNet1d``.
        y: targets, e.g. (N,) class indices.
        loss_fn: ``loss_fn(model(x), y)`` returns a scalar, e.g. ``nn.CrossEntropyLoss()``.

    Returns:
        ``{block name: L2 norm of the gradient of all its parameters}`` in the
        order the forward pass reaches the blocks.

    Raises:
        TypeError: a wrong type, e.g. ``x`` not a tensor or ``loss_fn`` not callable.
        ValueError: ``loss_fn`` does not return a scalar.
    """
    func = "block_grad_norms"
    _check_model(model, func)
    check_type(x, "x", func, torch.Tensor, "a torch.Tensor (a batch of inputs)")
    check_type(y, "y", func, torch.Tensor, "a torch.Tensor (the batch's targets)")
    if not callable(loss_fn):
        raise TypeError(
            f"The 'loss_fn' parameter of {func} must be a callable such as nn.CrossEntropyLoss(). "
            f"Got {loss_fn!r} of type {type(loss_fn).__name__}."
        )
    order: list[str] = []
    handles = []

    def record(name: str) -> Callable[..., None]:
        def hook(module: nn.Module, args: Any) -> None:
            if name not in order:
                order.append(name)
        return hook

    blocks = dict(_blocks(model))
    try:
        for name, m in blocks.items():
            handles.append(m.register_forward_pre_hook(record(name)))
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
    finally:
        for h in handles:
            h.remove()
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise ValueError(
            f"The 'loss_fn' parameter of {func} must return a scalar tensor. Got {shape}. "
            "Use a loss with reduction='mean' or 'sum'."
        )
    loss.backward()
    out: dict[str, float] = {}
    for name in order:
        norm = _norm(blocks[name])
        out[name] = 0.0 if norm is None else norm
    return out
