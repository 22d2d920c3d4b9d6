"""Multi-task heads: each example is answered by its own task's head only."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_utils.regularizers import MASKED_LOGIT, MultiHeadMLP, with_task


def test_only_the_examples_task_head_answers_and_the_loss_is_that_tasks() -> None:
    torch.manual_seed(0)
    net = MultiHeadMLP(4, (2, 3), width=8, depth=1)
    x = torch.randn(6, 4)
    tasks = torch.tensor([0, 1, 0, 1, 1, 0])
    out = net(with_task(x, tasks))
    h = net.trunk(x)
    for i, t in enumerate(tasks.tolist()):
        own = net.heads[t](h[i:i + 1])[0]
        assert torch.allclose(out[i, :2] if t == 0 else out[i, 2:], own)
        assert (out[i, 2:] if t == 0 else out[i, :2]).eq(MASKED_LOGIT).all()
    # A global label of task 1 (class 3 = its second class): the loss is the 3-way loss of head 1.
    y = torch.tensor([3])
    loss = F.cross_entropy(out[1:2], y)
    assert torch.allclose(loss, F.cross_entropy(out[1:2, 2:], torch.tensor([1])), atol=1e-6)


def test_with_task_appends_a_column() -> None:
    x = torch.zeros(3, 2)
    assert with_task(x, 1)[:, -1].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="'task' parameter of with_task"):
        with_task(x, torch.tensor([0, 1]))


def test_the_input_shape_is_checked() -> None:
    with pytest.raises(ValueError, match=r"expects inputs of shape \(N, 5\)"):
        MultiHeadMLP(4, (2, 2))(torch.zeros(3, 4))
    with pytest.raises(ValueError, match="'classes_per_task' parameter of MultiHeadMLP"):
        MultiHeadMLP(4, ())


# --------------------------------------------------------------------------- bad inputs named (issue 19)


@pytest.mark.parametrize("task", [2.0, 5.0, -1.0, float("nan")])
def test_multihead_refuses_a_task_index_it_has_no_head_for(task):
    net = MultiHeadMLP(4, (2, 3), width=8)
    x = torch.cat([torch.rand(3, 4), torch.tensor([[0.0], [1.0], [task]])], dim=1)
    with pytest.raises(ValueError, match=r"MultiHeadMLP has 2 tasks, numbered 0 to 1 in the last input column. "
                                         r"Got the task indices \[(-?[0-9.]+|nan)\]"):
        net(x)


def test_multihead_refuses_a_net_too_large_to_allocate():
    with pytest.raises(ValueError, match=r"The 'classes_per_task' parameter of MultiHeadMLP must be a size for a net "
                                         r"of at most 100,000,000 parameters.*Got \(2, 10000000000\)"):
        MultiHeadMLP(4, (2, 10**10))
    with pytest.raises(ValueError, match=r"The 'depth' parameter of MultiHeadMLP must be an int of at most 10,000"):
        MultiHeadMLP(4, (2, 3), width=2, depth=10**7)
