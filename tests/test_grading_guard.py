"""The guard that test cells put around a learner's answer (course_utils.grading.forbid)."""

import pytest
import torch

from course_utils import experiments, grading, regularizers
from course_utils.grading import DelegationError, forbid


def _honest(x):
    return x * 2


def _delegates(x):
    return experiments.robust_average(x, how="median")


def _imports_inside(x):
    from course_utils.experiments import robust_average as average  # an alias, imported in the answer

    return average(x, how="median")


def _through_a_helper(x):
    return _delegates(x)


def test_an_answer_that_does_the_work_passes():
    with forbid([experiments.robust_average], answer="f"):
        assert torch.equal(_honest(torch.ones(3)), torch.full((3,), 2.0))


@pytest.mark.parametrize("answer", [_delegates, _imports_inside, _through_a_helper])
def test_delegation_fails_however_the_reference_is_reached(answer):
    with pytest.raises(DelegationError, match=r"f calls experiments\.robust_average, a finished version"):
        with forbid([experiments.robust_average], answer="f"):
            answer(torch.arange(5.0))


def test_the_reference_may_be_called_outside_the_block():
    expected = experiments.robust_average(torch.arange(5.0), how="median")
    with forbid([experiments.robust_average], answer="f"):
        got = _honest(torch.arange(5.0))
    assert float(expected) == 2.0 and got.shape == (5,)


def test_a_class_counts_with_all_its_methods():
    layer = regularizers.Dropout(0.5)
    with pytest.raises(DelegationError, match="Dropout"):
        with forbid([regularizers.Dropout], answer="g"):
            layer(torch.ones(4, 3))


def test_the_previous_profiler_is_restored_and_a_failure_inside_still_raises():
    calls = []

    def outer(frame, event, arg):
        calls.append(event)

    import sys

    sys.setprofile(outer)
    try:
        with pytest.raises(ZeroDivisionError):
            with forbid([experiments.robust_average], answer="f"):
                1 / 0
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)


def test_a_builtin_is_watched_and_an_object_that_cannot_be_seen_is_refused():
    with pytest.raises(DelegationError, match="sin"):
        with forbid([torch.sin], answer="f"):
            torch.sin(torch.zeros(2))
    with forbid([torch.sin], answer="f"):
        torch.cos(torch.zeros(2))
    with pytest.raises(TypeError, match="'references' parameter of forbid"):
        with forbid([torch.nn.functional.relu.__call__], answer="f"):
            pass


def test_delegation_error_is_an_assertion_error():
    assert issubclass(grading.DelegationError, AssertionError)


def test_a_thread_started_by_the_answer_is_watched_too():
    import threading

    def in_a_thread(x):
        out = []
        worker = threading.Thread(target=lambda: out.append(experiments.robust_average(x, how="median")))
        worker.start()
        worker.join()
        return out[0]

    with pytest.raises(DelegationError):
        with forbid([experiments.robust_average], answer="f"):
            in_a_thread(torch.arange(5.0))
    assert threading.getprofile() is None


def test_a_bound_c_method_is_recognised_at_every_access():
    engine = torch.autograd.Variable._execution_engine
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(DelegationError, match="run_backward"):
        with forbid([engine.run_backward], answer="f"):
            torch.autograd.Variable._execution_engine.run_backward(((x * 2).sum(),), (torch.tensor(1.0),), False, False,
                                                                    (), allow_unreachable=True, accumulate_grad=True)
