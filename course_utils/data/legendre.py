"""The Legendre basis on ``[-1, 1]``: features, evaluation, least-squares fits and their exact error.

The maths under the polynomial experiments of notebooks 03 and 04 (and the regression data of
:mod:`.lfd`):

* :func:`legendre_features`: the design matrix ``L_0(x) … L_Q(x)``; :func:`evaluate_legendre` and
  :func:`legendre_target`: a polynomial given by its Legendre coefficients, as values or as a function;
* :func:`fit_legendre`: the least-squares polynomial of a degree (optionally with notebook 04's
  L2 penalty, the ridge fit), for a whole batch of data sets at once;
* :func:`out_of_sample_error`: a fit's error against a target over all of ``[-1, 1]``, exactly.

Exact out-of-sample error. The Legendre polynomials are orthogonal on ``[-1, 1]``:
``E_x[L_q(x) L_r(x)] = delta_qr / (2q + 1)`` for ``x ~ U[-1, 1]``. So a fit ``g = sum c_q L_q``
of a target ``f = sum a_q L_q`` has ``E_x[(g - f)^2] = sum_q (c_q - a_q)^2 / (2q + 1)``
(:func:`out_of_sample_error`): no test set, no sampling error. (The error on a *noisy* test point
adds ``sigma^2`` to both fits' errors; it cancels in notebook 03's overfit measure.)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .._limits import MAX_DEGREE, MAX_ELEMENTS, check_at_most
from .._validation import Float, Int, TensorOf, requires, validate

__all__ = ["evaluate_legendre", "fit_legendre", "legendre_features", "legendre_target", "out_of_sample_error"]

# Points: integers (e.g. a grid built with arange) are accepted and promoted to floats.
_POINTS = TensorOf("real", numpy=True, finite=True)
_COEFS = TensorOf("real", ndim=1, nonempty=True, numpy=True, finite=True,
                  desc="a non-empty 1-D tensor or numpy array of Legendre coefficients a_0..a_Q")
# The fits take float tensors only, one data set (N,) or a batch of them (B, N).
_FIT_POINTS = TensorOf("floating", ndim=(1, 2), nonempty=True, finite=True,
                       desc="a float tensor of shape (N,) or (B, N) with finite values")
_FIT_COEFS = TensorOf("floating", min_ndim=1, nonempty=True, finite=True,
                      desc="a float tensor of Legendre coefficients of shape (..., Q + 1)")
_FIT_DEGREE = Int(0, 40, hint="Degrees above 40 are not stable in float64 on a few points.")


def _as_float_tensor(value: Tensor | np.ndarray) -> Tensor:
    t = torch.as_tensor(value)
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


@validate(x=_POINTS, degree=Int(0))
def legendre_features(x: Tensor | np.ndarray, degree: int) -> Tensor:
    """The Legendre basis ``L_0(x), ..., L_degree(x)`` evaluated at every ``x``.

    Uses Bonnet's recurrence ``(q+1) L_{q+1} = (2q+1) x L_q - q L_{q-1}``,
    which is stable on ``[-1, 1]``; the result matches
    ``numpy.polynomial.legendre.legvander``.

    Args:
        x: points of any shape ``(*)``, usually ``(n,)`` in ``[-1, 1]``.
        degree: highest order, ``>= 0``.

    Returns:
        Tensor of shape ``(*, degree + 1)`` in the dtype of ``x`` (float for
        integer input): the design matrix for fitting an order-``degree``
        polynomial by least squares.

    Raises:
        TypeError, ValueError: ``x`` is not a tensor or array of finite real
            numbers, ``degree`` is not an int in ``[0, MAX_DEGREE]`` (1,000), or
            the result would hold more than ``MAX_ELEMENTS`` numbers
            (``course_utils._limits``).
    """
    check_at_most("degree", degree, MAX_DEGREE, "MAX_DEGREE",
                  hint="Bonnet's recurrence takes one step per degree, and float64 cannot resolve higher orders.")
    size = int(np.prod(np.shape(x), dtype=np.int64)) * (degree + 1)
    check_at_most("degree", size, MAX_ELEMENTS, "MAX_ELEMENTS", what="small enough for a result of",
                  unit=" numbers", got=f"{degree} for x of shape {tuple(np.shape(x))}: {size:,} numbers",
                  hint="Use fewer points or a lower degree.")
    x = _as_float_tensor(x)
    columns = [torch.ones_like(x)]
    if degree >= 1:
        columns.append(x)
    for q in range(1, degree):
        columns.append(((2 * q + 1) * x * columns[q] - q * columns[q - 1]) / (q + 1))
    return torch.stack(columns, dim=-1)


@validate(coefs=_COEFS, x=_POINTS)
def evaluate_legendre(coefs: Tensor | np.ndarray, x: Tensor | np.ndarray) -> Tensor:
    """Evaluate ``f(x) = sum_q coefs[q] * L_q(x)``.

    Args:
        coefs: Legendre coefficients of shape ``(Q + 1,)``.
        x: points of any shape ``(*)``.

    Returns:
        Tensor of shape ``(*)``, in the wider of the two dtypes.
    """
    check_at_most("coefs", len(coefs) - 1, MAX_DEGREE, "MAX_DEGREE", what="coefficients of a polynomial of degree",
                  got=f"{len(coefs)} coefficients (degree {len(coefs) - 1})")
    c = _as_float_tensor(coefs)
    x = _as_float_tensor(x)
    dtype = torch.promote_types(c.dtype, x.dtype)
    return legendre_features(x.to(dtype), c.numel() - 1) @ c.to(dtype=dtype, device=x.device)


@validate(coefs=_COEFS)
def legendre_target(coefs: Tensor | np.ndarray) -> Callable[[Tensor | np.ndarray], Tensor]:
    """The function ``x -> evaluate_legendre(coefs, x)``, e.g. to plot the target on a grid.

    Args:
        coefs: Legendre coefficients of shape ``(Q + 1,)``; copied, so later
            changes to the array do not change the function.
    """
    c = _as_float_tensor(coefs).clone()

    def target(x: Tensor | np.ndarray) -> Tensor:
        return evaluate_legendre(c, x)

    return target


@validate(x=_FIT_POINTS, y=_FIT_POINTS, degree=_FIT_DEGREE,
          lam=Float(0, hint="λ is a penalty strength and cannot be negative."),
          checks=[requires("y", lambda a: a["y"].shape == a["x"].shape, "a tensor of the shape of x",
                           got=lambda a: f"shape {tuple(a['y'].shape)} for x of shape {tuple(a['x'].shape)}")])
def fit_legendre(x: Tensor, y: Tensor, degree: int, *, lam: float = 0.0) -> Tensor:
    """Least-squares polynomial of degree ``degree`` in the Legendre basis, optionally with an L2 penalty.

    Minimises ``(1/N) sum_n (g(x_n) - y_n)^2 + ½ lam * sum_{q >= 1} c_q^2`` over ``g = sum_q c_q L_q``:
    the networks' ``½ λ Σ w²`` with the constant term ``c_0`` left out, as the networks leave out their
    biases (a penalty on the constant only shifts the curve; it does not limit its wiggles).
    ``lam = 0`` is ordinary least squares (the minimum-norm solution when ``N <= degree``).
    Computed in float64 for every fit of a batch at once.

    Args:
        x: points, shape ``(N,)`` or ``(B, N)`` (a batch of ``B`` data sets).
        y: targets of the same shape.
        degree: the polynomial's degree (``degree + 1`` coefficients).
        lam: the weight-decay strength λ ≥ 0 (notebook 04's ridge fit).

    Returns:
        Coefficients ``c_0 … c_degree`` of shape ``(degree + 1,)`` or ``(B, degree + 1)``, float64.
    """
    x64, y64 = x.double(), y.double()
    X = legendre_features(x64, degree)  # (..., N, degree + 1)
    if lam > 0:
        # Ridge as an ordinary least-squares problem: rows sqrt(N lam / 2) D below X (D = I without c_0's
        # entry), zeros below y.
        n = X.shape[-2]
        penalised = torch.eye(degree + 1, dtype=torch.float64)
        penalised[0, 0] = 0.0
        eye = math.sqrt(n * lam / 2) * penalised.expand(*X.shape[:-2], -1, -1)
        X = torch.cat([X, eye], dim=-2)
        y64 = torch.cat([y64, torch.zeros(*y64.shape[:-1], degree + 1, dtype=torch.float64)], dim=-1)
    return torch.linalg.lstsq(X, y64.unsqueeze(-1), driver="gelsd").solution.squeeze(-1)


@validate(fit=_FIT_COEFS, target=_FIT_COEFS)
def out_of_sample_error(fit: Tensor, target: Tensor) -> Tensor:
    """``E_x[(g(x) - f(x))^2]`` for ``x ~ U[-1, 1]``, exactly, from Legendre coefficients.

    Orthogonality gives ``sum_q (c_q - a_q)^2 / (2q + 1)``; the shorter coefficient vector is
    padded with zeros (a degree-2 fit of an order-20 target misses ``a_3 … a_20`` entirely).

    Args:
        fit: coefficients of ``g``, shape ``(..., Q_g + 1)``.
        target: coefficients of ``f``, shape ``(..., Q_f + 1)``; leading dimensions broadcast.

    Returns:
        The error, shape ``(...)`` (the broadcast leading shape), float64.
    """
    q = max(fit.shape[-1], target.shape[-1])
    c = torch.nn.functional.pad(fit.double(), (0, q - fit.shape[-1]))
    a = torch.nn.functional.pad(target.double(), (0, q - target.shape[-1]))
    weights = 1.0 / (2 * torch.arange(q, dtype=torch.float64) + 1)
    return ((c - a) ** 2 * weights).sum(-1)
