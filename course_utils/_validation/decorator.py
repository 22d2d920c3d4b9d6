"""The decorator: constraints declared next to the signature, checked at the public boundary."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .constraints import Constraint, Failure, _as_constraints, _first_failure
from .errors import ParameterError, invalid, show

F = TypeVar("F", bound=Callable[..., Any])

# --- the decorator -----------------------------------------------------------------------------

Check = Callable[[Mapping[str, Any]], None]


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


def validate(*, checks: Iterable[Check] = (), **constraints: Any) -> Callable[[F], F]:
    """Declare what each parameter accepts; check the arguments on every call.

    Args:
        checks: cross-parameter checks: callables receiving ``{name: value}``
            for every parameter (defaults included) that raise :func:`invalid`.
            They run after the per-parameter checks, when no required
            argument is missing. (``checks`` is therefore not a parameter name.)
        **constraints: ``parameter=constraint`` or ``parameter=[constraint, ...]``
            (any of them will do); ``None`` in a list allows ``None``, a
            class allows its instances.

    Returns:
        A decorator for a function, a method (``__init__`` included) or a
        class (it then wraps the class's ``__init__``, e.g. of a dataclass;
        its ``checks`` then run on the new object's attributes of the same
        names, after ``__init__``).

    Raises:
        TypeError: at decoration time, a constraint names no parameter of the function.
    """
    declared = {name: _as_constraints(spec) for name, spec in constraints.items()}
    check_list = tuple(checks)

    def decorate(obj: F) -> F:
        if isinstance(obj, type):
            # The checks see the constructed object's attributes, so that default
            # factories (a dataclass's field(default_factory=list)) are resolved.
            obj.__init__ = _wrap(obj.__init__, declared, check_list, obj.__qualname__,  # type: ignore[misc]
                                 after_init=True)
            return obj
        return _wrap(obj, declared, check_list, display_name(obj))  # type: ignore[return-value]

    return decorate


def _wrap(func: Callable[..., Any], declared: dict[str, tuple[Constraint, ...]], checks: tuple[Check, ...],
          name: str, after_init: bool = False) -> Callable[..., Any]:
    sig = inspect.signature(func)
    unknown = set(declared) - set(sig.parameters)
    if unknown:
        raise TypeError(f"validate: {name} has no parameter(s) {sorted(unknown)}.")
    positional = _positional_names(sig)
    order = [p for p in sig.parameters if p in declared]
    required = [p.name for p in sig.parameters.values()
                if p.default is inspect.Parameter.empty
                and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        passed = _passed(positional, args, kwargs)
        for param in order:
            if param in passed:
                problem = _first_failure(declared[param], passed[param])
                if problem is not None:
                    cls, got = problem
                    hints = [c.hint for c in declared[param] if c.hint]
                    allowed = " or ".join(c.describe() for c in declared[param])
                    raise cls(param, allowed, got, hints[0] if hints else None, name)
        try:
            if after_init:
                func(*args, **kwargs)
                fields = {p: getattr(args[0], p) for p in sig.parameters if hasattr(args[0], p)}
                for check in checks:
                    check(fields)
                return None
            if checks and all(p in passed for p in required):
                bound = sig.bind(*args, **kwargs)
                bound.apply_defaults()
                for check in checks:
                    check(bound.arguments)
            return func(*args, **kwargs)
        except ParameterError as exc:
            if exc.func is None:
                raise exc.named(name) from exc.__cause__
            raise

    wrapper.__validation__ = Validation(name, declared, checks)  # type: ignore[attr-defined]
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


