"""The decorator: constraints declared next to the signature, checked once, at the public edge.

A validated call checks its arguments and then runs its body with a flag set (a context
variable): every validated call made while the flag is set comes from inside the package and
is not checked again. Its arguments are the edge's, already checked, or the package's own.
The idea is scikit-learn's ``prefer_skip_nested_validation``; here it is the only behaviour,
with four ways out:

* a function with ``*args`` or ``**kwargs`` runs its body unflagged, since it passes on
  arguments it has not checked (``data.load(name, **kwargs)``);
* :func:`user_hook` runs a user's callable (``fit``'s callbacks, ``batch_transform``,
  ``penalty``) unflagged, so that the public functions a user's hook calls check their
  arguments as any call from user code does;
* :func:`user_input` does the same for a block of a body that passes on user values its own
  constraints did not look into.
* ``validate(always=...)`` names the data a function consumes (``fit``'s ``train`` and
  ``val``): those, and the cross-parameter checks, are checked in a nested call too, as
  scikit-learn checks the data in every ``fit`` while it skips the nested parameter checks.

So an edge's constraints must be as strict as those of the calls its body makes with its
arguments: a nested call no longer catches what the edge let through.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .constraints import Constraint, Failure, _as_constraints, _first_failure
from .errors import ParameterError, invalid, show

F = TypeVar("F", bound=Callable[..., Any])

# --- the decorator -----------------------------------------------------------------------------

Check = Callable[[Mapping[str, Any]], None]

#: ``True`` while the body of a validated call runs: validated calls made then are not checked.
_INSIDE: ContextVar[bool] = ContextVar("course_utils_inside_validated_call", default=False)


@contextmanager
def user_input() -> Iterator[None]:
    """Validated calls made inside check their arguments, as calls from user code do.

    For a body that passes on values of the user's that its own constraints did not look into,
    e.g. ``History.from_dict(data)`` building a ``History`` from the lists in ``data``.
    """
    token = _INSIDE.set(False)
    try:
        yield
    finally:
        _INSIDE.reset(token)


def user_hook(hook: F) -> F:
    """``hook``, made to run as user code: public functions it calls check their arguments.

    For a callable the package calls back inside a validated call (a callback, a
    ``batch_transform``, a ``penalty``). A function or method written in ``course_utils``
    (e.g. the penalty that :func:`~course_utils.regularizers.weight_l1` returns) is
    package code and is returned unchanged: what it passes on was checked where the user gave
    it. A public, validated function of the package given as the hook itself
    (``batch_transform=add_noise``) is wrapped: nobody has checked the arguments it will get. Anything else (a function of the user's, a lambda, a ``functools.partial``, an object
    with ``__call__``) is wrapped; the wrapper keeps its name and signature.
    """
    if _is_package_code(hook) and not hasattr(hook, "__validation__"):
        return hook

    @functools.wraps(hook)
    def as_user(*args: Any, **kwargs: Any) -> Any:
        with user_input():
            return hook(*args, **kwargs)

    as_user.__qualname__ = getattr(hook, "__qualname__", repr(hook))
    return as_user  # type: ignore[return-value]


def _is_package_code(hook: Any) -> bool:
    if isinstance(hook, functools.partial):  # its arguments are the user's
        return False
    module = getattr(hook, "__module__", None) if inspect.isroutine(hook) else type(hook).__module__
    return isinstance(module, str) and (module == "course_utils" or module.startswith("course_utils."))


@dataclass(frozen=True)
class Validation:
    """What :func:`validate` stores on a function as ``__validation__``.

    Attributes:
        name: the function's display name, from ``__qualname__``.
        params: ``{parameter: constraints}``; any one constraint accepts.
        checks: cross-parameter checks, each called with all arguments.
        forwards_to: for a builder (:func:`forwards`), the class or function
            its keyword arguments go to; ``None`` otherwise.
        fixed: parameters of ``forwards_to`` that the builder sets itself.
        reason: for :func:`unvalidated`, why nothing is checked.
    """

    name: str
    params: dict[str, tuple[Constraint, ...]] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    forwards_to: Any = None
    fixed: tuple[str, ...] = ()
    reason: str | None = None

    def failure(self, param: str, value: Any) -> Failure | None:
        """``None`` if ``param`` accepts ``value``, else the error class and what was got."""
        return _first_failure(self.params[param], value)

    def check(self, arguments: Mapping[str, Any]) -> None:
        """Check ``{parameter: value}`` as a call passing these arguments would (the cross checks aside).

        Raises:
            ParameterTypeError, ParameterValueError: for the first argument refused, naming the function.
        """
        name = self.name
        for param, constraints in self.params.items():
            if param in arguments:
                problem = _first_failure(constraints, arguments[param])
                if problem is not None:
                    cls, got = problem
                    hints = [c.hint for c in constraints if c.hint]
                    allowed = " or ".join(c.describe() for c in constraints)
                    raise cls(param, allowed, got, hints[0] if hints else None, name)


def display_name(func: Callable[..., Any]) -> str:
    """``Foo.__init__`` -> ``Foo``; ``Foo.bar`` -> ``Foo.bar``; ``f`` -> ``f``."""
    name = func.__qualname__.replace("<locals>.", "")
    return name.removesuffix(".__init__")


def _positional_names(sig: inspect.Signature) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in sig.parameters.values() if p.kind in kinds]


def _passed(positional: list[str], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> dict[str, Any]:
    passed = dict(zip(positional, args))
    passed.update(kwargs)
    return passed


def validate(*, checks: Iterable[Check] = (), always: Iterable[str] = (), **constraints: Any) -> Callable[[F], F]:
    """Declare what each parameter accepts; check the arguments of every call from outside the package.

    Args:
        checks: cross-parameter checks: callables receiving ``{name: value}``
            for every parameter (defaults included) that raise :func:`invalid`.
            They run after the per-parameter checks, when no required
            argument is missing. (``checks`` is therefore not a parameter name.)
        always: parameters holding data the function consumes (``fit``'s ``train``): checked,
            with the cross-parameter checks, in a nested call too, since an edge may have
            passed them on inside a container checked less strictly (a ``Splits``).
            (``always`` is not a parameter name either.)
        **constraints: ``parameter=constraint`` or ``parameter=[constraint, ...]``
            (any of them will do); ``None`` in a list allows ``None``, a
            class allows its instances.

    Returns:
        A decorator for a function, a method (``__init__`` included) or a
        class (it then wraps the class's ``__init__``, e.g. of a dataclass;
        its ``checks`` then run on the new object's attributes of the same
        names, after ``__init__``). A class's fields may instead carry their
        constraints in their annotations, ``seed: Annotated[int, SEED] = 0``
        (several after the type: any of them will do), read by
        :func:`field_constraints`.

    Raises:
        TypeError: at decoration time, a constraint names no parameter of the
            function, or a field is constrained twice.
    """
    declared = {name: _as_constraints(spec) for name, spec in constraints.items()}
    check_list = tuple(checks)
    always_names = tuple(always)
    if set(always_names) - set(declared):
        raise TypeError(f"validate: always names parameters without constraints: "
                        f"{sorted(set(always_names) - set(declared))}")

    def decorate(obj: F) -> F:
        if isinstance(obj, type):
            fields = field_constraints(obj)
            twice = sorted(set(fields) & set(declared))
            if twice:
                raise TypeError(f"validate: {obj.__qualname__} constrains {twice} both in its annotations and in "
                                "validate().")
            # The checks see the constructed object's attributes, so that default
            # factories (a dataclass's field(default_factory=list)) are resolved.
            obj.__init__ = _wrap(obj.__init__, {**fields, **declared}, check_list,  # type: ignore[misc]
                                 obj.__qualname__, after_init=True)
            return obj
        return _wrap(obj, declared, check_list, display_name(obj), always=always_names)  # type: ignore[return-value]

    return decorate


def field_constraints(cls: type) -> dict[str, tuple[Constraint, ...]]:
    """``{field: constraints}`` from a class's ``Annotated[type, constraint, ...]`` annotations.

    The annotations are resolved in the class's module (``from __future__ import annotations``
    makes them strings), so what they name must be defined above the class.
    """
    own = vars(cls).get("__annotations__", {})
    if not any("Annotated" in (hint if isinstance(hint, str) else repr(hint)) for hint in own.values()):
        return {}  # nothing to read (and nothing evaluated that only type checkers import)
    hints = typing.get_type_hints(cls, include_extras=True)
    out = {}
    for name, hint in hints.items():
        if typing.get_origin(hint) is typing.Annotated:  # a list among the constraints is spread out
            spread = [c for item in hint.__metadata__ for c in (item if isinstance(item, list) else [item])]
            out[name] = _as_constraints(spread)
    return out


def _wrap(func: Callable[..., Any], declared: dict[str, tuple[Constraint, ...]], checks: tuple[Check, ...],
          name: str, after_init: bool = False, always: tuple[str, ...] = ()) -> Callable[..., Any]:
    sig = inspect.signature(func)
    unknown = set(declared) - set(sig.parameters)
    if unknown:
        raise TypeError(f"validate: {name} has no parameter(s) {sorted(unknown)}.")
    positional = _positional_names(sig)
    order = [p for p in sig.parameters if p in declared]
    required = [p.name for p in sig.parameters.values()
                if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    # A body that passes on *args or **kwargs unchecked lets the calls it makes check them.
    passes_on = any(p.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
                    for p in sig.parameters.values())

    validation = Validation(name, {p: declared[p] for p in order}, checks)
    consumed = Validation(name, {p: declared[p] for p in order if p in always}, checks)

    def check(args: tuple[Any, ...], kwargs: dict[str, Any], what: Validation = validation) -> None:
        passed = _passed(positional, args, kwargs)
        what.check(passed)
        if checks and not after_init and all(p in passed for p in required):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for rule in checks:
                rule(bound.arguments)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nested = _INSIDE.get()
        token = None if nested else _INSIDE.set(not passes_on)
        try:
            if nested:  # called from inside the package: checked at the edge
                if always:  # data it consumes: checked here too
                    check(args, kwargs, consumed)
                return func(*args, **kwargs)
            check(args, kwargs)
            if after_init:
                func(*args, **kwargs)
                fields = {p: getattr(args[0], p) for p in sig.parameters if hasattr(args[0], p)}
                for rule in checks:
                    rule(fields)
                return None
            return func(*args, **kwargs)
        except ParameterError as exc:
            if exc.func is None:
                raise exc.named(name) from exc.__cause__
            raise
        finally:
            if token is not None:
                _INSIDE.reset(token)

    wrapper.__validation__ = validation  # type: ignore[attr-defined]
    return wrapper


def forwards(target: Callable[..., Any], *, fixed: Iterable[str] = ()) -> Callable[[F], F]:
    """Mark a builder that passes its keyword arguments on to ``target``, which validates them.

    An error about an argument the caller passed to the builder names the
    builder, e.g. ``resnet18(num_classes=0)`` -> "The 'num_classes' parameter
    of resnet18 ...".

    Args:
        target: the validated class or function the arguments go to.
        fixed: parameters of ``target`` that the builder sets itself (the
            API-wide test does not try them).
    """
    target_validation = getattr(getattr(target, "__init__", None), "__validation__", None) \
        if isinstance(target, type) else getattr(target, "__validation__", None)
    if target_validation is None:
        raise TypeError(f"forwards: {target!r} is not decorated with @validate.")
    fixed_names = tuple(fixed)

    def decorate(func: F) -> F:
        name = display_name(func)
        positional = _positional_names(inspect.signature(func))

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ParameterError as exc:
                if exc.func == target_validation.name and exc.param in _passed(positional, args, kwargs):
                    raise exc.named(name) from None
                raise

        wrapper.__validation__ = Validation(  # type: ignore[attr-defined]
            name, checks=(), forwards_to=target, fixed=fixed_names)
        return wrapper  # type: ignore[return-value]

    return decorate


def unvalidated(reason: str) -> Callable[[F], F]:
    """Opt a public callable out of the API-wide validation test, saying why.

    Only for callables that take no user input (keep the list tiny).
    """

    def decorate(obj: F) -> F:
        target = obj.__init__ if isinstance(obj, type) else obj  # type: ignore[misc]
        try:
            target.__validation__ = Validation(display_name(target), reason=reason)
        except AttributeError:  # a builtin __init__: mark the class instead
            obj.__validation__ = Validation(obj.__qualname__, reason=reason)  # type: ignore[attr-defined]
        return obj

    return decorate


def requires(param: str, condition: Callable[[Mapping[str, Any]], bool], allowed: str | Callable[..., str],
             hint: str | Callable[..., str] | None = None, *, got: Callable[..., str] | None = None,
             type_error: bool = False) -> Check:
    """A cross-parameter check: ``param`` is wrong unless ``condition(arguments)`` holds.

    Args:
        param: the parameter the error names.
        condition: receives ``{name: value}`` of all arguments.
        allowed: what ``param`` must be; a string (formatted with the
            arguments, e.g. ``"an int >= in_planes ({in_planes})"``) or a
            callable of the arguments.
        hint: how to fix it, formatted like ``allowed``.
        got: what was got, from the arguments (default: ``param``'s value).
        type_error: raise a ``TypeError`` instead of a ``ValueError``.
    """

    def text(spec: str | Callable[..., str] | None, args: Mapping[str, Any]) -> str | None:
        if spec is None or isinstance(spec, str):
            return spec.format(**args) if spec else spec
        return spec(args)

    def check(args: Mapping[str, Any]) -> None:
        if not condition(args):
            shown = got(args) if got else show(args[param])
            raise invalid(param, text(allowed, args) or "", shown, text(hint, args), type_error=type_error)

    check.param = param  # type: ignore[attr-defined]
    return check


