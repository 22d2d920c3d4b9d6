"""Declarative validation of the public functions of ``course_utils``.

Every public function and class declares what its parameters accept, once,
next to its signature; :func:`validate` checks the arguments at the public
boundary and raises errors in scikit-learn's form (parameter and function,
what is allowed, what it got, how to fix it)::

    from ._validation import Float, IsCallable, OneOf, Pair, TensorOf, invalid, requires, validate

    @validate(
        p=Float(0, 1, high_open=True, hint="p is the probability of dropping a unit."),
        mode=OneOf("train", "eval"),
        x=TensorOf("floating", ndim=2, finite=True),
        norm_layer=[None, IsCallable()],          # a list: any of them will do
        checks=[requires("p", lambda a: a["mode"] == "train" or a["p"] == 0,
                         "0 in eval mode")],       # cross-parameter checks
    )
    def dropout(x, p=0.5, mode="train", norm_layer=None): ...

    dropout(x, p=1.5)
    # ValueError: The 'p' parameter of dropout must be a float in [0, 1). Got 1.5.
    #   p is the probability of dropping a unit.

Rules:

* The function's name in the message comes from ``__qualname__``
  (``ConvNet1d.__init__`` shows as ``ConvNet1d``); it is never typed.
* Only the arguments the caller passed are checked, in signature order (a
  default is the author's choice, checked by the test suite); then every
  ``checks`` callable runs on all arguments, defaults included. A check
  receives ``{name: value}`` and raises :func:`invalid` naming a parameter.
* Wrong type -> :class:`ParameterTypeError` (a ``TypeError``); wrong value ->
  :class:`ParameterValueError` (a ``ValueError``). Both carry ``.param``,
  ``.func``, ``.allowed``, ``.got`` and ``.hint``.
* A function body may also ``raise invalid("x", ...)`` for what can only be
  seen while computing (e.g. a model that rejects an input); the innermost
  decorated function fills in its own name.
* The body receives the arguments unchanged: nothing is converted.
* A call is checked once, at the edge: while a validated call runs, the validated
  calls it makes are not checked again (``decorator.py`` says how, and the ways
  out: a body passing on ``**kwargs``, a user's hook run through :func:`user_hook`,
  a block of user values under :func:`user_input`, and the data a function
  consumes, named with ``validate(always=...)``).
* A dataclass may declare each field's constraint in its annotation, beside the
  field: ``seed: Annotated[int, SEED] = 0`` under a bare ``@validate()``.
* ``func.__validation__`` (for a class: ``cls.__init__.__validation__``) is a
  :class:`Validation` holding the constraints; ``tests/test_validation.py``
  reads it and makes invalid values for every parameter of the public API
  (``tests/validation_values.py``).
* Builders that pass ``**kwargs`` on to a class declare that with
  :func:`forwards`; errors about a forwarded argument then name the builder.
* :func:`unvalidated` marks the rare public callable that takes no user input.
"""

from .constraints import (
    Bool,
    Constraint,
    Failure,
    Float,
    Instance,
    Int,
    IsCallable,
    MappingOf,
    OneOf,
    Pair,
    PathLike,
    SequenceOf,
    Subclass,
    TensorOf,
)
from .decorator import (
    Validation,
    field_constraints,
    forwards,
    requires,
    unvalidated,
    user_hook,
    user_input,
    validate,
)
from .errors import (
    ParameterError,
    ParameterTypeError,
    ParameterValueError,
    invalid,
    show,
)
from .inputs import blame_input, classifier_logits, eval_mode

__all__ = [
    "Bool",
    "Constraint",
    "Failure",
    "Float",
    "Instance",
    "Int",
    "IsCallable",
    "MappingOf",
    "OneOf",
    "Pair",
    "ParameterError",
    "ParameterTypeError",
    "ParameterValueError",
    "PathLike",
    "SequenceOf",
    "Subclass",
    "TensorOf",
    "Validation",
    "blame_input",
    "classifier_logits",
    "eval_mode",
    "field_constraints",
    "forwards",
    "invalid",
    "requires",
    "show",
    "unvalidated",
    "user_hook",
    "user_input",
    "validate",
]
