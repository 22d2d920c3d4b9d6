"""Declarative validation: the decorator, the API-wide invalid-input test, and every failure class.

The API-wide test walks every module of ``course_utils`` (``pkgutil``), takes every
public callable in each ``__all__``, reads the constraints it declared with
``@validate`` (``__validation__``), makes invalid values for every parameter from
those constraints (``tests/validation_values.py``) and checks that each is refused with
a ``TypeError``/``ValueError`` naming the parameter and the function: one test case per
callable, which tries all of its parameters' invalid values and lists every one it
mishandles. A new public function is covered by being declared; one that is not
declared fails ``test_every_public_callable_is_declared``.

What the walker looks at, and what it leaves out (and why):

* functions, and classes through their ``__init__`` and their public class- and
  static methods; instance methods need an instance (``History.log`` and
  ``History.series`` are declared all the same and tested below), and a module's
  ``forward`` runs per step, where validation would cost time;
* exception classes (their argument is a message, not user input);
* private modules (``course_utils._validation``: the machinery itself);
* callables without parameters, and the few marked ``@unvalidated(reason)``
  (listed in ``OPTED_OUT``, kept tiny).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
from collections.abc import Callable, Iterator
from functools import partial
from typing import Annotated, Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

import course_utils  # noqa: E402
from course_utils import data, measure, models, plots, regularizers  # noqa: E402
from course_utils._validation import (  # noqa: E402
    Float,
    Instance,
    Int,
    IsCallable,
    OneOf,
    Pair,
    ParameterError,
    SequenceOf,
    TensorOf,
    Validation,
    field_constraints,
    forwards,
    invalid,
    requires,
    show,
    unvalidated,
    user_hook,
    user_input,
    validate,
)
from course_utils.data import DatasetUnavailableError, load_mnist1d, load_torchvision  # noqa: E402
from course_utils.device import get_device  # noqa: E402
from course_utils.train import History, evaluate, fit  # noqa: E402
from validation_values import invalid_values  # noqa: E402

#: Public callables that take parameters yet no user input, marked @unvalidated(reason).
OPTED_OUT: set[str] = set()


# --------------------------------------------------------------------------- the walker


def _public_modules() -> Iterator[Any]:
    # course_utils itself lists its submodules in __all__; they are walked here.
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        yield importlib.import_module(info.name)


def _takes_input(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name not in ("self", "cls") for p in params)


def _public_callables() -> dict[str, tuple[Callable[..., Any], Callable[..., Any]]]:
    """``{"module.name": (what to call, what holds __validation__)}``, each object once."""
    found: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {}
    seen: set[int] = set()
    for module in _public_modules():
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or id(obj) in seen or not getattr(obj, "__module__", "").startswith("course_utils"):
                continue
            seen.add(id(obj))
            if isinstance(obj, type):
                if issubclass(obj, BaseException):
                    continue
                home = obj.__module__
                found[f"{home}.{obj.__qualname__}"] = (obj, obj.__init__)
                for attr, raw in vars(obj).items():
                    if not attr.startswith("_") and isinstance(raw, (classmethod, staticmethod)):
                        method = getattr(obj, attr)
                        found[f"{home}.{obj.__qualname__}.{attr}"] = (method, method)
            else:
                found[f"{obj.__module__}.{obj.__qualname__}"] = (obj, obj)
    return found


PUBLIC = _public_callables()


def _validation(holder: Callable[..., Any]) -> Validation | None:
    return getattr(holder, "__validation__", None)


def _undeclared() -> list[str]:
    """Public callables with parameters that are not declared, and declared ones missing a parameter."""
    problems = []
    for qualname, (call, holder) in sorted(PUBLIC.items()):
        if not _takes_input(call):
            continue
        v = _validation(holder)
        if v is None:
            problems.append(f"{qualname}: not declared with @validate")
            continue
        if v.reason is not None or v.forwards_to is not None:
            continue
        kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        missing = [p.name for p in inspect.signature(call).parameters.values()
                   if p.kind not in kinds and p.name not in ("self", "cls") and p.name not in v.params]
        if missing:
            problems.append(f"{qualname}: parameters without constraints {missing}")
    return problems


def test_every_public_callable_is_declared() -> None:
    problems = _undeclared()
    assert not problems, "Declare these with @validate (course_utils._validation):\n" + "\n".join(problems)


def test_the_opt_outs_are_few_and_listed() -> None:
    # A callable without parameters needs no marker (the walker skips it); these take parameters.
    opted = {q for q, (call, holder) in PUBLIC.items()
             if _takes_input(call) and (v := _validation(holder)) is not None and v.reason}
    assert opted == OPTED_OUT
    assert len(OPTED_OUT) <= 3


def _tries(call: Callable[..., Any], v: Validation) -> list[tuple[str, dict[str, Any]]]:
    """``(parameter, arguments)`` for every invalid value of every parameter, made from the constraints."""
    params, fill = v.params, {}
    if v.forwards_to is not None:  # a builder: the target's constraints, named after the builder
        target = v.forwards_to
        target_init = target.__init__ if isinstance(target, type) else target
        params = {p: c for p, c in _validation(target_init).params.items() if p not in v.fixed}
        # The builder's own required arguments (cifar_resnet's depth) take the target's defaults.
        defaults = {p.name: p.default for p in inspect.signature(target_init).parameters.values()}
        fill = {p.name: defaults[p.name] for p in inspect.signature(call).parameters.values()
                if p.default is inspect.Parameter.empty and p.name in defaults}
    return [(param, {**fill, param: value}) for param, constraints in params.items()
            for value in invalid_values(constraints)]


#: ``{"module.name": (what to call, its Validation)}`` for every declared, validated public callable.
WALKED = {q: (call, v) for q, (call, holder) in sorted(PUBLIC.items())
          if (v := _validation(holder)) is not None and v.reason is None}


def test_the_walker_covers_the_api() -> None:
    tries = sum(len(_tries(call, v)) for call, v in WALKED.values())
    assert len(WALKED) >= 60 and tries >= 600, (len(WALKED), tries)


def _refusal(call: Callable[..., Any], param: str, kwargs: dict[str, Any], name: str) -> str | None:
    """``None`` if ``call(**kwargs)`` refuses ``kwargs[param]`` in the package's form, else what went wrong."""
    try:
        call(**kwargs)
    except (TypeError, ValueError) as exc:
        message = str(exc)
        if not isinstance(exc, ParameterError):
            return f"raised {type(exc).__name__}, not a ParameterError: {message}"
        if not message.startswith(f"The '{param}' parameter of {name} must be "):
            return f"a message that does not start with \"The '{param}' parameter of {name} must be \": {message}"
        if " Got " not in message:
            return f"a message without \" Got \": {message}"
        return None
    except Exception as exc:  # noqa: BLE001 - named in the failure
        return f"raised {type(exc).__name__}: {exc}"
    return "accepted it"


@pytest.mark.parametrize("qualname", list(WALKED))
def test_generated_invalid_values_are_refused(qualname: str) -> None:
    """Every invalid value of every parameter of one public callable is refused, naming the parameter."""
    call, v = WALKED[qualname]
    problems = [f"{param}={show(kwargs[param])}: {problem}" for param, kwargs in _tries(call, v)
                if (problem := _refusal(call, param, kwargs, v.name)) is not None]
    assert not problems, f"{qualname} mishandles {len(problems)} invalid value(s):\n" + "\n".join(problems)


def _defaults() -> Iterator[Any]:
    for qualname, (call, holder) in sorted(PUBLIC.items()):
        v = _validation(holder)
        if v is None or v.reason is not None or v.forwards_to is not None:
            continue
        for p in inspect.signature(call).parameters.values():
            if p.name in v.params and p.default is not inspect.Parameter.empty:
                yield pytest.param(v, p.name, p.default, id=f"{qualname}-{p.name}")


@pytest.mark.parametrize(("validation", "param", "default"), list(_defaults()))
def test_every_default_satisfies_its_own_constraint(validation: Validation, param: str, default: Any) -> None:
    from dataclasses import MISSING, Field

    if isinstance(default, Field) or default is MISSING or repr(default) == "<factory>":  # a dataclass factory
        return
    assert validation.failure(param, default) is None


RECIPES = {q: call for q, (call, _) in sorted(PUBLIC.items())
           if isinstance(call, type) and call.__name__.endswith("Recipe")}


def _documented_attributes(cls: type) -> list[str]:
    """The names the "Attributes:" section of ``cls``'s docstring lists (``width, depth:`` lists two)."""
    lines = inspect.cleandoc(cls.__doc__ or "").splitlines()
    assert "Attributes:" in lines, f"{cls.__qualname__}'s docstring has no Attributes section"
    names: list[str] = []
    for line in lines[lines.index("Attributes:") + 1:]:
        if not line.startswith("    "):  # a blank line or the next section ends it
            break
        if not line.startswith("        "):  # an entry, not its continuation
            names += [name.strip() for name in line.split(":")[0].split(",")]
    return names


def test_the_walker_finds_the_recipes() -> None:
    assert len(RECIPES) >= 10, sorted(RECIPES)


@pytest.mark.parametrize("qualname", list(RECIPES))
def test_each_recipe_field_is_declared_once_beside_the_field_and_documented(qualname: str) -> None:
    """A recipe's constraints come from its fields' annotations; its docstring lists exactly its fields."""
    cls = RECIPES[qualname]
    fields = [f.name for f in dataclasses.fields(cls)]
    constrained = field_constraints(cls)
    assert list(constrained) == fields, f"fields without Annotated[type, constraint]: {set(fields) - set(constrained)}"
    described = {name: [c.describe() for c in constraints] for name, constraints in constrained.items()}
    assert {name: [c.describe() for c in constraints]
            for name, constraints in cls.__init__.__validation__.params.items()} == described
    assert _documented_attributes(cls) == fields, "the docstring's Attributes must list the fields, in their order"


# --------------------------------------------------------------------------- the decorator


@validate(p=Float(0, 1, high_open=True, hint="p is the probability of dropping a unit."),
          mode=OneOf("train", "eval"), x=[None, TensorOf("floating", ndim=2, finite=True)],
          checks=[requires("p", lambda a: a["mode"] == "train" or a["p"] == 0, "0 in eval mode")])
def dropout(x: torch.Tensor | None = None, p: float = 0.5, mode: str = "train") -> tuple[Any, float, str]:
    return x, p, mode


class Layer:
    @validate(width=Int(1))
    def __init__(self, width: int) -> None:
        self.width = width

    @classmethod
    @validate(size=Int(1))
    def square(cls, size: int) -> Layer:
        return cls(size * size)


def test_message_has_scikit_learns_form() -> None:
    with pytest.raises(ValueError) as info:
        dropout(p=1.5)
    assert str(info.value) == ("The 'p' parameter of dropout must be a float in [0, 1). Got 1.5. "
                               "p is the probability of dropping a unit.")


@pytest.mark.parametrize(("kwargs", "error", "got"), [
    ({"p": "0.5"}, TypeError, "Got '0.5' of type str."),
    ({"p": True}, TypeError, "Got True of type bool."),
    ({"p": math.nan}, ValueError, "Got nan."),
    ({"p": math.inf}, ValueError, "Got inf."),
    ({"p": 1}, ValueError, "Got 1."),
    ({"mode": "test"}, ValueError, "Got 'test'."),
    ({"mode": 1}, TypeError, "Got 1 of type int."),
    ({"x": torch.zeros(2, 2, dtype=torch.long)}, TypeError, "dtype torch.int64"),
    ({"x": torch.zeros(2)}, ValueError, "shape (2,)"),
    ({"x": torch.tensor([[0.0, math.nan]])}, ValueError, "1 NaN or infinite entries"),
    ({"p": 0.5, "mode": "eval"}, ValueError, "The 'p' parameter of dropout must be 0 in eval mode. Got 0.5."),
])
def test_wrong_type_is_a_type_error_and_wrong_value_a_value_error(kwargs, error, got) -> None:
    with pytest.raises(error) as info:
        dropout(**kwargs)
    assert got in str(info.value)
    assert not isinstance(info.value, ValueError if error is TypeError else TypeError)


def test_the_body_gets_the_arguments_unchanged() -> None:
    x = torch.zeros(2, 2)
    assert dropout(x, 0, "eval") == (x, 0, "eval")
    assert dropout(None, p=np.float32(0.25))[1].dtype == np.float32


def test_the_name_comes_from_qualname_and_the_constraints_are_readable() -> None:
    with pytest.raises(ValueError, match=r"^The 'width' parameter of Layer must be an int in the range \[1, inf\)"):
        Layer(0)
    with pytest.raises(ValueError, match=r"^The 'size' parameter of Layer.square must be"):
        Layer.square(0)
    v = dropout.__validation__
    assert v.name == "dropout" and set(v.params) == {"p", "mode", "x"} and len(v.checks) == 1
    assert Layer.__init__.__validation__.name == "Layer"


def test_a_constraint_must_name_a_parameter() -> None:
    with pytest.raises(TypeError, match="no parameter"):
        validate(q=Int())(lambda p: p)


def test_a_body_names_a_parameter_with_invalid() -> None:
    @validate(n=Int(0))
    def count(n: int) -> int:
        if n == 13:
            raise invalid("n", "an unlucky-free int", "13", "Skip it.")
        return n

    with pytest.raises(ValueError, match=r"^The 'n' parameter of .*count must be an unlucky-free int. Got 13. Skip"):
        count(13)


def test_a_builder_forwards_its_errors_under_its_own_name() -> None:
    @forwards(Layer)
    def wide(**kwargs: Any) -> Layer:
        return Layer(**kwargs)

    with pytest.raises(ValueError, match="^The 'width' parameter of .*wide must be"):
        wide(width=0)
    assert wide.__validation__.forwards_to is Layer


def test_unvalidated_marks_with_a_reason() -> None:
    @unvalidated("takes no user input")
    def tick(_: object = None) -> None:
        return None

    assert tick.__validation__.reason == "takes no user input"


@validate(n=Int(0))
def inner(n: int) -> int:
    return n


@validate(n=Int(0), hook=[None, IsCallable()])
def outer(n: int, hook: Callable[[], Any] | None = None) -> Any:
    if hook is not None:
        return user_hook(hook)()
    return inner(n - 1)  # a call from inside: not checked again


@validate(m=Int(0))
def passes_on(m: int, **kwargs: Any) -> int:
    return inner(**kwargs)


@validate(m=Int(0), values=dict)
def reads_user_values(m: int, values: dict[str, Any]) -> int:
    with user_input():
        return inner(**values)


@validate(x=TensorOf("floating", finite=True), k=Int(1), always=("x",))
def consumes(x: torch.Tensor, k: int) -> int:
    return k


@validate(n=Int(0))
def passes_data(n: int, x: Any) -> int:
    return consumes(x, k=n)  # n = 0 is not checked again; x is data consumes checks itself


def test_a_nested_call_is_checked_at_the_edge_only() -> None:
    assert outer(0) == -1, "inner(-1) is a call from inside the package: not checked again"
    with pytest.raises(ValueError, match=r"^The 'n' parameter of outer must be"):
        outer(-1)
    with pytest.raises(ValueError, match=r"^The 'n' parameter of inner must be"):
        inner(-1)


def test_a_users_hook_and_user_values_are_checked() -> None:
    with pytest.raises(ValueError, match=r"^The 'n' parameter of inner must be"):
        outer(1, hook=lambda: inner(-1))
    assert outer(1, hook=partial(inner, 2)) == 2
    penalty = regularizers.weight_l1(0.1)
    assert user_hook(penalty) is penalty, "what the package's factories make runs as it is"
    assert user_hook(evaluate) is not evaluate, "a public function given as a hook checks what it gets"
    assert user_hook(inner) is not inner, "this test module is user code"
    wrapped = user_hook(partial(inner, 2))
    assert wrapped.__qualname__ == repr(partial(inner, 2)) and wrapped() == 2
    with pytest.raises(ValueError, match=r"^The 'n' parameter of inner must be"):
        passes_on(0, n=-1)
    with pytest.raises(ValueError, match=r"^The 'n' parameter of inner must be"):
        reads_user_values(0, {"n": -1})


def test_data_named_always_is_checked_in_a_nested_call_too() -> None:
    assert passes_data(0, torch.zeros(2)) == 0, "k = 0 came from the edge: not checked again"
    with pytest.raises(ValueError, match=r"^The 'x' parameter of consumes must be .*NaN"):
        passes_data(1, torch.tensor([math.nan]))
    with pytest.raises(TypeError, match="always"):
        validate(k=Int(), always=("x",))(lambda k, x: k)


def test_a_recipe_declares_its_fields_in_their_annotations() -> None:
    @validate()
    @dataclasses.dataclass(frozen=True)
    class Tiny:
        """Attributes:
        width: units.
        """

        width: Annotated[int, Int(1)] = 4
        seed: Annotated[int | None, None, Int(0)] = None

    assert [c.describe() for c in field_constraints(Tiny)["seed"]] == ["None", "an int in the range [0, inf)"]
    with pytest.raises(ValueError, match=r"^The 'width' parameter of .*Tiny must be an int"):
        Tiny(width=0)
    with pytest.raises(TypeError, match="both in its annotations and in validate"):
        validate(width=Int(2))(Tiny)


def test_generated_invalid_values_follow_the_constraint() -> None:
    assert {repr(v) for v in invalid_values(Int(1, 5))} >= {"0", "6", "True", "1.5"}
    assert all(v is not None for v in invalid_values([None, Int(1)]))
    assert any(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], torch.Tensor) and bool(v[0].isnan().any())
               for v in invalid_values(Pair(TensorOf("floating", finite=True))))
    sequences = invalid_values(SequenceOf(Int(1), min_len=4, max_len=4))
    assert [] in sequences and [1, 1, 1, 1, 1] in sequences
    assert "relu" in invalid_values(IsCallable())
    assert invalid_values(Instance(str)) != []


def test_show_is_short_for_tensors() -> None:
    assert show(torch.zeros(1000, 3)) == "a tensor of shape (1000, 3) and dtype torch.float32"
    assert len(show(list(range(1000)))) <= 80


# --------------------------------------------------------------------------- the failure classes


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return models.MLP(2, 3, width=8, depth=1)


def _data(n: int = 12, classes: int = 3) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 2, generator=g), torch.arange(n) % classes


def _fails(call: Callable[[], Any], error: type[Exception], param: str, func: str, *fragments: str) -> str:
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"The '{param}' parameter of {func} must be "), message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_nan_or_inf_inputs_are_named_not_blamed_on_the_learning_rate(bad: float) -> None:
    x, y = _data()
    x[3, 1] = bad
    _fails(lambda: fit(_mlp(), (x, y), epochs=1, progress=False), ValueError, "train", "fit",
           "1 NaN or infinite entries")
    _fails(lambda: fit(_mlp(), _data(), (x, y), epochs=1, progress=False), ValueError, "val", "fit")
    _fails(lambda: evaluate(_mlp(), (x, y)), ValueError, "data", "evaluate")


def test_float_labels_are_refused() -> None:
    x, y = _data()
    _fails(lambda: fit(_mlp(), (x, y.float()), epochs=1, progress=False), TypeError, "train", "fit",
           "int64 class indices", "y.long()")


def test_labels_out_of_range_are_refused() -> None:
    x, y = _data()
    _fails(lambda: fit(_mlp(), (x, y + 1), epochs=1, progress=False), ValueError, "train", "fit",
           "labels y are in [0, 2] (the model has 3 outputs)", "Got labels in [1, 3]")
    _fails(lambda: evaluate(_mlp(), (x, y - 1)), ValueError, "data", "evaluate", "Got labels in [-1, 1]")


@pytest.mark.parametrize("dtype", [torch.float64, torch.int64])
def test_inputs_of_the_wrong_dtype_are_refused(dtype: torch.dtype) -> None:
    x, y = _data()
    _fails(lambda: fit(_mlp(), (x.to(dtype), y), epochs=1, progress=False), TypeError, "train", "fit",
           str(dtype))


def test_a_grey_image_for_an_rgb_resnet_is_refused_with_the_expected_shape() -> None:
    x, y = torch.zeros(4, 1, 32, 32), torch.zeros(4, dtype=torch.long)
    _fails(lambda: fit(models.resnet20(), (x, y), epochs=1, progress=False), ValueError, "train", "fit",
           "inputs of shape (N, 3, H, W)", "(4, 1, 32, 32)")
    _fails(lambda: measure.count_macs(models.resnet20(), (1, 1, 32, 32)), ValueError, "input_size",
           "count_macs", "(N, 3, H, W)")
    _fails(lambda: measure.count_macs(nn.Linear(4, 2), (1, 3)), ValueError, "input_size", "count_macs",
           "4 features")
    _fails(lambda: measure.layer_table(models.ConvNet1d(), (2, 1, 30)), ValueError, "input_size", "layer_table",
           "(N, 1, L)")


def test_val_inconsistent_with_train_is_refused() -> None:
    x, y = _data()
    _fails(lambda: fit(_mlp(), (x, y), (torch.zeros(4, 5), y[:4]), epochs=1, progress=False), ValueError,
           "val", "fit", "like train", "(N, 2)")
    _fails(lambda: fit(nn.Linear(2, 1), (x, y.float()[:, None]), (x, y.float()), loss="mse", epochs=1,
                       progress=False), ValueError, "val", "fit", "like train")


def test_a_penalty_returning_a_non_scalar_is_refused() -> None:
    _fails(lambda: fit(_mlp(), _data(), epochs=1, progress=False, penalty=lambda m: torch.ones(3)),
           ValueError, "penalty", "fit", "scalar", ".sum()")


def test_regression_targets_that_would_broadcast_are_refused() -> None:
    x, y = _data()
    _fails(lambda: fit(nn.Linear(2, 1), (x, y.float()), loss="mse", epochs=1, progress=False), ValueError,
           "train", "fit", "(N, 1)", "Got y of shape (12,)")
    fit(nn.Linear(2, 1), (x, y.float()[:, None]), loss="mse", epochs=1, progress=False)


@pytest.mark.parametrize(("call", "param", "func"), [
    (lambda: models.conv3x3(0, 4), "in_planes", "conv3x3"),
    (lambda: models.conv3x3(4, -1), "out_planes", "conv3x3"),
    (lambda: models.conv1x1(4, 4, stride=0), "stride", "conv1x1"),
    (lambda: models.make_shortcut("A", 4, 4, stride=-2), "stride", "make_shortcut"),
    (lambda: models.make_shortcut("D", 4, 4), "option", "make_shortcut"),
    (lambda: models.make_shortcut("A", 8, 4), "option", "make_shortcut"),
    (lambda: models.BasicBlock(0, 4), "in_planes", "BasicBlock"),
])
def test_convolution_helpers_refuse_zero_or_negative_sizes(call, param: str, func: str) -> None:
    with pytest.raises(ValueError, match=rf"^The '{param}' parameter of {func} must be"):
        call()


def test_history_fields_are_checked() -> None:
    _fails(lambda: History(train_loss=[1.0]), ValueError, "train_acc", "History", "as many as train_loss (1)")
    _fails(lambda: History(train_loss="x"), TypeError, "train_loss", "History")
    _fails(lambda: History(best_epoch=3), ValueError, "best_epoch", "History")
    _fails(lambda: History.from_dict({"train_loss": ["x"]}), TypeError, "data", "History.from_dict",
           "data['train_loss']")
    _fails(lambda: History.from_dict({"train_loss": [1.0, 0.5], "train_acc": [0.5]}), ValueError, "data",
           "History.from_dict", "data['train_acc']")
    _fails(lambda: History.from_dict([1]), TypeError, "data", "History.from_dict")
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[math.nan], val_acc=[math.nan], lr=[0.1],
                epoch_time=[0.2])
    assert History.from_dict(h.to_dict()).to_dict() == h.to_dict()


def test_plots_check_ax_and_values() -> None:
    h = History(train_loss=[1.0], train_acc=[0.5], val_loss=[1.0], val_acc=[0.5], lr=[0.1], epoch_time=[0.2])
    _fails(lambda: plots.compare_histories({"a": h}, ax="x"), TypeError, "ax", "compare_histories",
           "matplotlib Axes")
    _fails(lambda: plots.plot_bars({"a": "x"}, ylabel="y"), TypeError, "values", "plot_bars")
    _fails(lambda: plots.plot_bars({"a": math.nan}, ylabel="y"), ValueError, "values", "plot_bars")
    _fails(lambda: plots.plot_bars({"a": 0.0}, ylabel="y", log=True), ValueError, "log", "plot_bars")
    _fails(lambda: plots.plot_signals(torch.zeros(3, 5), torch.zeros(3, dtype=torch.long), indices=[3]),
           ValueError, "indices", "plot_signals", "[0, 2]")
    _fails(lambda: plots.plot_history(h, metrics=("f1",)), ValueError, "metrics", "plot_history")
    plt.close("all")


def test_device_strings_with_a_bad_index_are_refused() -> None:
    _fails(lambda: get_device("cpu:-1"), ValueError, "device", "get_device", "Got 'cpu:-1'")
    _fails(lambda: fit(_mlp(), _data(), device="cpu:-1", progress=False), ValueError, "device", "fit")


def test_a_failed_download_into_a_new_nested_folder_removes_every_folder_it_made(monkeypatch, tmp_path) -> None:
    import torchvision.datasets as tvd

    def offline(*args: Any, **kwargs: Any) -> None:
        raise OSError("no network")

    monkeypatch.setattr(tvd, "CIFAR10", offline)
    root = tmp_path / "a" / "b" / "cache"
    with pytest.raises(DatasetUnavailableError, match="download failed"):
        load_torchvision("cifar10", root=root)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "a").mkdir()  # a folder that was there before stays
    with pytest.raises(DatasetUnavailableError):
        load_torchvision("cifar10", root=root)
    assert [p.name for p in tmp_path.rglob("*")] == ["a"]


def test_load_mnist1d_checks_before_generating(monkeypatch: pytest.MonkeyPatch) -> None:
    def generate(seed: int) -> None:
        raise AssertionError("generated before the arguments were checked")

    monkeypatch.setattr("course_utils.data.embedded._mnist1d_arrays", generate)
    _fails(lambda: load_mnist1d(val_fraction=2), ValueError, "val_fraction", "load_mnist1d")
    _fails(lambda: load_mnist1d(val_fraction=1e-5), ValueError, "val_fraction", "load_mnist1d", "0 of 4000")
    _fails(lambda: load_mnist1d(n_train=3201), ValueError, "n_train", "load_mnist1d", "[1, 3200]")


def test_pairs_follow_one_rule_in_fit_and_splits() -> None:
    x, y = _data()
    for bad, error in [((x, y[:5]), ValueError), ((x[:0], y[:0]), ValueError), ((x,), TypeError), ([x], TypeError)]:
        _fails(lambda: fit(_mlp(), bad, epochs=1, progress=False), error, "train", "fit")
        _fails(lambda: data.Splits(bad, (x, y), (x, y), 3, "s"), error, "train", "Splits")
    fit(_mlp(), [x, y], epochs=1, progress=False)
    data.Splits([x, y], (x, y), (x, y), 3, "s")


def test_errors_name_the_parameter_where_the_review_found_raw_errors() -> None:
    # A sample of the bad-input battery that once ended in IndexError/RuntimeError/KeyError.
    _fails(lambda: models.ConvNet1d(input_length=0), ValueError, "input_length", "ConvNet1d")
    _fails(lambda: models.resnet18(norm_layer="bn"), TypeError, "norm_layer", "resnet18")
    _fails(lambda: data.legendre_features(np.array([np.nan]), 2), ValueError, "x", "legendre_features")
    _fails(lambda: measure.block_grad_norms(nn.Linear(2, 2), torch.zeros(3, 2), torch.zeros(2), nn.MSELoss()),
           ValueError, "y", "block_grad_norms")


# --------------------------------------------------------------------------- checked once, never lost
# A validated call made from inside the package skips its checks (checked at the edge). These are the
# paths where the edge had not checked what the inner call gets: each must still name the mistake.


def _tiny_fit(**kwargs: Any) -> Any:
    torch.manual_seed(0)
    images = "images" in kwargs and kwargs.pop("images")
    x = torch.rand(20, 1, 8, 8) if images else torch.rand(20, 8)
    net = nn.Sequential(nn.Flatten(), nn.Linear(x[0].numel(), 10))
    return fit(net, (x, torch.arange(20) % 10), **{"epochs": 1, "batch_size": 5, "progress": False, "device": "cpu",
                                                   **kwargs})


@pytest.mark.parametrize(("make", "images", "message"), [
    # the package's function given as the hook itself: nobody checked what fit passes it
    (lambda: regularizers.add_noise, False, "The 'sigma' parameter of add_noise must be"),
    (lambda: regularizers.crop_images, True, "The 'size' parameter of crop_images must be"),
    # a rule between a factory's settings, first checkable at the first batch
    (lambda: regularizers.augment_inputs(regularizers.affine_images, scale=(1.2, 0.8)), True,
     "The 'scale' parameter of affine_images must be a pair (low, high) with low <= high"),
    (lambda: regularizers.augment_inputs(regularizers.add_noise, sigma=0.1, clamp=(1.0, 0.0)), False,
     "The 'clamp' parameter of add_noise must be None or a pair (low, high) with low < high"),
    # data the factory could not see: the labels of each batch against its number of classes
    (lambda: regularizers.label_smoothing(0.1, 5), False, "The 'y' parameter of smooth_labels must be labels in [0, 4]"),
], ids=["add_noise-as-hook", "crop_images-as-hook", "affine-reversed-scale", "noise-reversed-clamp",
        "smoothing-too-few-classes"])
def test_what_the_edge_could_not_check_is_checked_inside(make, images, message) -> None:
    with pytest.raises(ParameterError) as info:
        _tiny_fit(batch_transform=make(), images=images)
    assert str(info.value).startswith(message), str(info.value)


def test_a_misspelt_setting_of_augment_inputs_is_named_at_once() -> None:
    with pytest.raises(ParameterError, match=r"The 'kwargs' parameter of augment_inputs must be settings that "
                                             r"shift_signals takes. Got \['max_shfit'\]"):
        regularizers.augment_inputs(regularizers.shift_signals, max_shfit=2)


def test_what_a_learners_callable_calls_is_checked() -> None:
    from dataclasses import dataclass

    from course_utils.experiments.sweep import SweepSpec, make_sweep
    from course_utils.regularizers import smoothed_cross_entropy

    @dataclass(frozen=True)
    class Recipe:
        lr: float = 0.1

    def run(recipe: Recipe) -> dict[str, History]:
        return {"a": _tiny_fit(epochs=0)}

    spec = SweepSpec(topic="t", name="n", file="t_n.json", recipe=Recipe(), run=run, description="d",
                     labels=lambda r: ["a"], repeat=lambda r: ("a", run(r)["a"]))
    with pytest.raises(ParameterError, match=r"The 'epochs' parameter of fit must be"):
        make_sweep(spec)
    x, y = torch.rand(20, 8), torch.arange(20) % 4
    with pytest.raises(ParameterError, match=r"The 'alpha' parameter of smoothed_cross_entropy must be"):
        measure.block_grad_norms(nn.Sequential(nn.Linear(8, 4)), x, y,
                                 lambda out, t: smoothed_cross_entropy(out, t, 5.0))
