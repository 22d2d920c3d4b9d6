"""The paper's CIFAR-10 recipe (He et al. 2015, sec. 4.2) as one frozen dataclass, and its nets.

"We use a weight decay of 0.0001 and momentum of 0.9 [...] These models are trained with a
mini-batch size of 128 on two GPUs. We start with a learning rate of 0.1, divide it by 10 at
32k and 48k iterations, and terminate training at 64k iterations [...] We follow the simple
data augmentation in [24] for training: 4 pixels are padded on each side, and a 32x32 crop is
randomly sampled from the padded image or its horizontal flip. For testing, we only evaluate
the single view of the original 32x32 image." For ResNet-110 "we use 0.01 to warm up the
training until the training error is below 80% (about 400 iterations), and then go back to 0.1".

:func:`paper_recipe` builds that recipe for one net; ``scale`` shortens every iteration count
in proportion (``scale=0.01``: 640 iterations, ÷10 at 320 and 480) for runs on small machines.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from torch import nn

from .._validation import Bool, Float, Int, OneOf, SequenceOf, invalid, validate
from ..device import SEED
from ..models import CifarResNet, PlainBasicBlock

__all__ = ["NORMS", "PAPER_TABLE6", "CifarRecipe", "build_model", "paper_recipe"]

#: The normalisation layers a recipe may use: the paper's BatchNorm, or GroupNorm (8 groups),
#: whose result does not depend on how a batch is split over processes.
NORMS = ("batch", "group")

#: Test error (%) on CIFAR-10 of the paper's ResNets, Table 6 (ResNet-110: best of 5 runs;
#: the mean was 6.61 ± 0.16). The plain nets appear only in Figure 6.
PAPER_TABLE6: dict[str, float] = {
    "resnet-20": 8.75,
    "resnet-32": 7.51,
    "resnet-44": 7.17,
    "resnet-56": 6.97,
    "resnet-110": 6.43,
}

#: GroupNorm's number of groups: 2, 4 and 8 channels per group in the 16/32/64-filter stages.
GROUPS = 8

_PAPER_ITERATIONS = 64_000
_PAPER_MILESTONES = (32_000, 48_000)
_PAPER_WARMUP = 400  # ResNet-110 only
_DEPTH_HINT = "The CIFAR nets have 6n + 2 layers, e.g. 20, 32, 44, 56 or 110."


def _check_depth(args: Mapping[str, Any]) -> None:
    depth = args["depth"]
    if (depth - 2) % 6:
        low = depth - (depth - 2) % 6
        raise invalid("depth", "an int of the form 6n + 2 (e.g. 8, 20, 32, 44, 56, 110)", repr(depth),
                      f"The nearest valid depths are {low} and {low + 6}.")


def _check_schedule(args: Mapping[str, Any]) -> None:
    milestones, iterations = tuple(args["milestones"]), args["iterations"]
    if list(milestones) != sorted(milestones) or any(m > iterations for m in milestones):
        raise invalid("milestones", f"non-decreasing iteration counts in [0, iterations ({iterations})]",
                      repr(milestones), "The paper divides the rate by 10 at (32000, 48000) of 64000.")
    if args["warmup_iterations"] >= iterations:
        raise invalid("warmup_iterations", f"an int below iterations ({iterations})",
                      repr(args["warmup_iterations"]))


@validate(checks=[_check_depth, _check_schedule])
@dataclass(frozen=True)
class CifarRecipe:
    """Every setting of one CIFAR-10 training run; the defaults are the paper's ResNet-20.

    Attributes:
        depth: weighted layers, 6n + 2 (20, 32, 44, 56, 110, ...).
        residual: ``True`` for the ResNet, ``False`` for its plain twin (same
            layers, no shortcuts).
        norm: ``"batch"`` (the paper's) or ``"group"`` (GroupNorm, 8 groups).
        batch_size: the *global* mini-batch: under ``torchrun`` each of the N
            processes takes ``batch_size / N`` examples per step.
        lr: learning rate after the warm-up.
        momentum: SGD momentum.
        weight_decay: SGD weight decay (on every parameter, as in the paper's code).
        iterations: optimizer steps in all.
        milestones: steps at which the rate is divided by 10 (a step listed
            twice divides it by 100, as a very short scaled run may do).
        warmup_iterations: steps at ``warmup_lr`` first (ResNet-110: 400).
        warmup_lr: the warm-up rate.
        augment: the paper's 4-pixel pad, random 32x32 crop and horizontal flip.
        seed: seeds the weights, the order of the examples and the augmentation.
    """

    depth: Annotated[int, Int(8, hint=_DEPTH_HINT)] = 20
    residual: Annotated[bool, Bool()] = True
    norm: Annotated[str, OneOf(*NORMS, hint="'group' makes a run independent of how its batches are split over "
                                            "processes.")] = "batch"
    batch_size: Annotated[int, Int(1)] = 128
    lr: Annotated[float, Float(0, low_open=True)] = 0.1
    momentum: Annotated[float, Float(0, 1, high_open=True)] = 0.9
    weight_decay: Annotated[float, Float(0)] = 1e-4
    iterations: Annotated[int, Int(1)] = _PAPER_ITERATIONS
    milestones: Annotated[tuple[int, ...], SequenceOf(Int(0), min_len=0, types=(tuple,), desc="a tuple of ints >= 0")
                          ] = _PAPER_MILESTONES
    warmup_iterations: Annotated[int, Int(0)] = 0
    warmup_lr: Annotated[float, Float(0, low_open=True)] = 0.01
    augment: Annotated[bool, Bool()] = True
    seed: Annotated[int, SEED] = 0

    @property
    def name(self) -> str:
        """The run's name: ``"resnet-20"``, ``"plain-56"``, ``"resnet-20-gn"`` (GroupNorm)."""
        return f"{'resnet' if self.residual else 'plain'}-{self.depth}{'-gn' if self.norm == 'group' else ''}"

    @validate(iteration=Int(0))
    def lr_at(self, iteration: int) -> float:
        """The learning rate of step ``iteration`` (counted from 0).

        ``warmup_lr`` before ``warmup_iterations``, then ``lr`` divided by 10
        at every milestone already reached.
        """
        if iteration < self.warmup_iterations:
            return self.warmup_lr
        return self.lr / 10 ** sum(iteration >= m for m in self.milestones)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` for JSON files and checkpoints (``milestones`` as a list)."""
        out = dataclasses.asdict(self)
        out["milestones"] = list(self.milestones)
        return out


@validate(depth=Int(8, hint=_DEPTH_HINT), residual=Bool(),
          scale=Float(0, 1, low_open=True, hint="scale=1 is the paper's 64k iterations; 0.01 is 640."),
          norm=OneOf(*NORMS), seed=SEED, checks=[_check_depth])
def paper_recipe(depth: int = 20, *, residual: bool = True, scale: float = 1.0, norm: str = "batch",
                 seed: int = 0) -> CifarRecipe:
    """The paper's recipe for one net, with every iteration count multiplied by ``scale``.

    Args:
        depth: 6n + 2 layers: 20, 32, 44, 56 (Figure 6, plain and residual) or 110.
        residual: the ResNet (``True``) or its plain twin (``False``).
        scale: fraction of the paper's 64k iterations, in ``(0, 1]``; the
            milestones (32k, 48k) and ResNet-110's 400 warm-up steps shrink
            with it (rounded, at least one step in all).
        norm: ``"batch"`` (the paper's) or ``"group"``.
        seed: seeds the run.

    Returns:
        A :class:`CifarRecipe`; change other settings with ``dataclasses.replace``.
    """
    iterations = max(1, round(_PAPER_ITERATIONS * scale))
    warmup = round(_PAPER_WARMUP * scale) if depth >= 110 else 0
    return CifarRecipe(
        depth=depth, residual=residual, norm=norm, iterations=iterations,
        milestones=tuple(round(m * scale) for m in _PAPER_MILESTONES),
        warmup_iterations=min(warmup, iterations - 1), seed=seed,
    )


class _PlainCifarNet(CifarResNet):
    """The plain twin of a CIFAR ResNet: the same layers with :class:`PlainBasicBlock`\\ s."""

    def _make_layer(self, planes: int, blocks: int, stride: int, norm_layer: Any) -> nn.Sequential:
        layers = [PlainBasicBlock(self.in_planes, planes, stride, norm_layer=norm_layer)]
        self.in_planes = planes
        layers += [PlainBasicBlock(planes, planes, 1, norm_layer=norm_layer) for _ in range(1, blocks)]
        return nn.Sequential(*layers)


@validate(recipe=CifarRecipe)
def build_model(recipe: CifarRecipe) -> CifarResNet:
    """The net of ``recipe``: a CIFAR ResNet (option A shortcuts) or its plain twin.

    The weights are drawn from PyTorch's global generator; seed it first
    (``torch.manual_seed``) for the same net in every process.

    Args:
        recipe: says the depth, residual or plain, and the norm.

    Returns:
        A :class:`~course_utils.models.CifarResNet`, (N, 3, 32, 32) -> (N, 10);
        the plain twin has the same parameters (0.27 M for depth 20).
    """
    norm = None if recipe.norm == "batch" else functools.partial(nn.GroupNorm, GROUPS)
    cls = CifarResNet if recipe.residual else _PlainCifarNet
    return cls(recipe.depth, num_classes=10, shortcut="A", norm_layer=norm)
