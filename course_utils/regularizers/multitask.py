"""Multi-task learning with hard parameter sharing: one trunk, one head per task (notebook 07, item 5).

Goodfellow et al. (*Deep Learning*, 7.7): tasks that share factors of variation can pool their
examples; the shared layers (the trunk) see the examples of every task, each task keeps its own
output layer (its head). :class:`MultiHeadMLP` is that net for classification tasks on the same
kind of input. Each example carries the index of its task in its *last input column*, and only
that task's head answers: the logits of the other heads are set to a large negative number, so a
softmax over all the outputs is the task's own softmax and ``fit``'s cross-entropy on global class
indices is each task's own cross-entropy.

Class indices are global: task 0 owns classes ``0 .. c_0 - 1``, task 1 the next ``c_1``, and so on.
:func:`with_task` appends the task column.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from .._limits import MAX_LAYERS, MAX_PARAMETERS, check_at_most
from .._validation import Int, SequenceOf, TensorOf, requires, validate

__all__ = ["MASKED_LOGIT", "MultiHeadMLP", "with_task"]

#: The logit given to the classes of the other tasks: softmax makes their probability 0.
MASKED_LOGIT = -1e4


class MultiHeadMLP(nn.Module):
    """A shared MLP trunk with one linear head per task; the last input column says the task.

    Args:
        in_features: features per example D, the task column excluded.
        classes_per_task: the number of classes of each task, e.g. ``(5, 5)``.
        width: units per hidden layer of the trunk.
        depth: hidden layers of the trunk (Linear -> ReLU), at least 1.

    Attributes:
        trunk: the shared ``nn.Sequential``.
        heads: one ``nn.Linear`` per task.

    Shape:
        (N, D + 1) -> (N, sum(classes_per_task)) logits; the last input column holds task indices
        (0, 1, ...) as floats.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range (``depth`` at most
            ``MAX_LAYERS``, the net at most ``MAX_PARAMETERS`` parameters: ``course_utils._limits``).
            ``forward`` raises a ``ValueError`` for inputs of another shape or a task index that is
            not one of the net's tasks.
    """

    @validate(in_features=Int(1), classes_per_task=SequenceOf(Int(1), desc="a non-empty list of class counts"),
              width=Int(1), depth=Int(1))
    def __init__(self, in_features: int, classes_per_task: Sequence[int], width: int = 256, depth: int = 2) -> None:
        check_at_most("depth", depth, MAX_LAYERS, "MAX_LAYERS")
        total = sum(classes_per_task)
        count = (in_features + 1) * width + (depth - 1) * (width + 1) * width + (width + 1) * total
        sizes = {"in_features": in_features, "classes_per_task": total, "width": width}
        largest = max(sizes, key=sizes.__getitem__)  # the size to blame
        check_at_most(largest, count, MAX_PARAMETERS, "MAX_PARAMETERS", what="a size for a net of", unit=" parameters",
                      got=f"{tuple(classes_per_task) if largest == 'classes_per_task' else sizes[largest]}, which "
                          f"makes {count:,} parameters with "
                          + ", ".join(f"{k}={v}" for k, v in {**sizes, "depth": depth}.items() if k != largest))
        super().__init__()
        self.in_features = in_features
        self.classes_per_task = tuple(classes_per_task)
        layers: list[nn.Module] = []
        fan_in = in_features
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), nn.ReLU()]
            fan_in = width
        self.trunk = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.Linear(width, c) for c in self.classes_per_task)
        owner = torch.cat([torch.full((c,), t) for t, c in enumerate(self.classes_per_task)])
        self.register_buffer("owner", owner, persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2 or x.shape[1] != self.in_features + 1:
            raise ValueError(f"MultiHeadMLP expects inputs of shape (N, {self.in_features + 1}): "
                             f"{self.in_features} features and the task index. Got {tuple(x.shape)}.")
        task = x[:, -1:].round()
        tasks = len(self.heads)
        bad = ~((task >= 0) & (task < tasks))  # NaN included
        if bad.any():  # one host sync per forward
            found = sorted({t for t in task[bad].tolist()}, key=str)
            raise ValueError(f"MultiHeadMLP has {tasks} tasks, numbered 0 to {tasks - 1} in the last input column. "
                             f"Got the task indices {found[:10]}. Build the column with with_task(x, task).")
        h = self.trunk(x[:, :-1])
        logits = torch.cat([head(h) for head in self.heads], dim=1)
        mine = task.long() == self.owner[None, :]
        return logits.masked_fill(~mine, MASKED_LOGIT)


@validate(x=TensorOf("floating", ndim=2), task=[Int(0), TensorOf("integer", ndim=1)],
          checks=[requires("task", lambda a: isinstance(a["task"], int) or len(a["task"]) == len(a["x"]),
                           "an int or one task index per row of x", got=lambda a: f"{len(a['task'])} indices for {len(a['x'])} rows")])
def with_task(x: Tensor, task: int | Tensor) -> Tensor:
    """``x`` with a last column holding each example's task index.

    Args:
        x: features (N, D).
        task: one task index for all examples, or one per example (int tensor of shape (N,)).

    Returns:
        (N, D + 1), of the dtype of ``x``.
    """
    column = torch.full((len(x), 1), float(task), dtype=x.dtype, device=x.device) if isinstance(task, int) \
        else task.to(x.dtype).to(x.device)[:, None]
    return torch.cat([x, column], dim=1)
