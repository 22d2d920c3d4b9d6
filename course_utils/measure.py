"""Measuring models: parameters, multiply-adds, a layer table and gradient norms.

Cost is counted in **multiply-adds** (MACs), the unit of the ResNet paper's
"FLOPs" row (ResNet-50: 3.8 x 10^9). PyTorch's ``FlopCounterMode`` counts
FLOPs = 2 x multiply-adds for matrix products and convolutions, so the
functions here halve its count. Only convolutions and matrix products are
counted (as in the paper); BatchNorm, ReLU, pooling and additions are not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ._limits import MAX_ELEMENTS, check_at_most
from ._validation import (
    Bool,
    Instance,
    Int,
    IsCallable,
    OneOf,
    SequenceOf,
    TensorOf,
    blame_input,
    eval_mode,
    invalid,
    requires,
    show,
    user_hook,
    validate,
)
from .models.blocks import BasicBlock, Bottleneck
from .models.convnet import ConvBlock

__all__ = [
    "block_grad_norms",
    "conv_layer_costs",
    "count_macs",
    "count_on_meta",
    "count_parameters",
    "grad_norms",
    "layer_table",
    "stage_costs",
]

# Modules that count as one "block" for per-block gradient norms.
_BLOCK_TYPES: tuple[type[nn.Module], ...] = (BasicBlock, Bottleneck, ConvBlock)


_MODEL = Instance(nn.Module, desc="a torch.nn.Module", hint="Pass the model itself, e.g. models.resnet18().")
_INPUT_SIZE = SequenceOf(Int(1), desc="a tuple of positive ints including the batch size, e.g. (1, 3, 224, 224)")


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


@validate(model=_MODEL, trainable_only=Bool())
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
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _forward(model: nn.Module, input_size: Sequence[int], counter: FlopCounterMode) -> None:
    """One forward pass on zeros of ``input_size`` in eval mode, counted by ``counter``.

    A model that cannot take that input gives an error naming ``input_size``.
    """
    size = math.prod(input_size)
    check_at_most("input_size", size, MAX_ELEMENTS, "MAX_ELEMENTS", what="the shape of an input of",
                  unit=" numbers", got=f"{tuple(input_size)}: {size:,} numbers", hint="Use a batch size of 1.")
    x = _example_input(model, tuple(input_size))
    with eval_mode(model), counter, blame_input(model, "input_size", show(tuple(input_size)),
                                                  "the size of an input the model accepts: {}"):
        model(x)


@validate(model=_MODEL, input_size=_INPUT_SIZE)
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
        ValueError: ``input_size`` is empty, has an entry < 1, or the model
            cannot take an input of that shape.
    """
    counter = FlopCounterMode(display=False)
    _forward(model, input_size, counter)
    return counter.get_total_flops() // 2


def _shape_of(output: Any) -> Any:
    if isinstance(output, torch.Tensor):
        return tuple(output.shape)
    if isinstance(output, (tuple, list)):
        return tuple(_shape_of(o) for o in output)
    return None


@validate(model=_MODEL, input_size=_INPUT_SIZE)
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
        ValueError: ``input_size`` is empty, has an entry < 1, or the model
            cannot take an input of that shape.
    """
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
        _forward(model, input_size, counter)
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


@validate(model=_MODEL, per=OneOf("layer", "block"))
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


@validate(model=_MODEL, x=TensorOf(min_ndim=1, finite=True, desc="a torch.Tensor (a batch of inputs) with finite "
                                                                 "values"),
          y=TensorOf(min_ndim=1, finite=True, desc="a torch.Tensor (the batch's targets) with finite values"),
          loss_fn=IsCallable("a callable such as nn.CrossEntropyLoss()"),
          checks=[requires("y", lambda a: len(a["y"]) == len(a["x"]), "a tensor with one row per row of x",
                           got=lambda a: f"{len(a['y'])} rows for {len(a['x'])} in x")])
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
        with blame_input(model, "x", show(x)):
            out = model(x)
        loss = user_hook(loss_fn)(out, y)
    finally:
        for h in handles:
            h.remove()
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise invalid("loss_fn", "a callable that returns a scalar tensor", f"a loss of {show(loss)}",
                      "Use a loss with reduction='mean' or 'sum'.")
    loss.backward()
    out: dict[str, float] = {}
    for name in order:
        norm = _norm(blocks[name])
        out[name] = 0.0 if norm is None else norm
    return out


# Stage names of the deck's Table 1, by the prefix of the module names in models.ResNet.
_STAGES = {"conv1": "conv1", "bn1": "conv1", "relu": "conv1", "maxpool": "conv1",
           "layer1": "conv2_x", "layer2": "conv3_x", "layer3": "conv4_x", "layer4": "conv5_x",
           "avgpool": "fc", "fc": "fc"}


@validate(builder=IsCallable("a callable without arguments that returns a model, e.g. models.resnet18"),
          input_size=_INPUT_SIZE,
          checks=[requires("builder", lambda a: not isinstance(a["builder"], nn.Module),
                           "a callable that returns a model, not a model: the model must be built on the meta "
                           "device", "Pass the builder itself, e.g. models.resnet18 (without parentheses).",
                           got=lambda a: f"a {type(a['builder']).__name__}", type_error=True)])
def count_on_meta(builder: Callable[[], nn.Module], input_size: Sequence[int] = (1, 3, 224, 224)
                  ) -> dict[str, int]:
    """Build a model on the ``meta`` device and count it: no memory, no initialisation.

    Args:
        builder: a callable without arguments that returns the model, e.g.
            ``models.resnet152`` or ``functools.partial(models.resnet34, shortcut="C")``;
            not a model (it must be built on the meta device).
        input_size: input shape including the batch, e.g. ``(1, 3, 224, 224)``.

    Returns:
        ``{"params": int, "macs": int}``, equal to the counts of a real model.

    Raises:
        TypeError: ``builder`` is a model, is not callable, or does not return an ``nn.Module``.
    """
    with torch.device("meta"):
        model = user_hook(builder)()  # a builder of the user's runs as user code: its arguments are checked
    if not isinstance(model, nn.Module):
        raise invalid("builder", "a callable that returns a torch.nn.Module",
                      f"a callable that returned {show(model)} of type {type(model).__name__}", type_error=True)
    return {"params": count_parameters(model), "macs": count_macs(model, input_size)}


@validate(model=_MODEL, input_size=_INPUT_SIZE)
def stage_costs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> dict[str, int]:
    """Multiply-adds per stage of the deck's Table 1: conv1, conv2_x ... conv5_x, fc.

    Args:
        model: an ImageNet ``models.ResNet`` (any device, ``meta`` included).
        input_size: input shape including the batch.

    Returns:
        ``{stage: multiply-adds}`` in the table's order; the values sum to :func:`count_macs`.
    """
    costs = {stage: 0 for stage in ("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "fc")}
    for row in layer_table(model, input_size):
        stage = _STAGES.get(row["name"].split(".")[0], "other")
        costs[stage] = costs.get(stage, 0) + row["macs"]
    return costs


@validate(model=_MODEL, input_size=_INPUT_SIZE)
def conv_layer_costs(model: nn.Module, input_size: Sequence[int] = (1, 3, 224, 224)) -> list[dict[str, Any]]:
    """One row per convolution and linear layer, in forward order: where the cost is.

    Args:
        model: any model (any device, ``meta`` included).
        input_size: input shape including the batch.

    Returns:
        Rows ``{"name", "type", "output_shape", "params", "macs"}`` of the ``Conv2d`` and
        ``Linear`` layers (see :func:`layer_table`).
    """
    return [row for row in layer_table(model, input_size) if row["type"] in ("Conv2d", "Linear")]
