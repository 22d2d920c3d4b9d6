"""Legendre-target regression: the overfitting experiment of *Learning From Data*.

Abu-Mostafa, Magdon-Ismail and Lin (2012), ch. 4: the target is a random
polynomial of order ``Q_f`` written in the Legendre basis, normalised so that
its average power over ``x ~ U[-1, 1]`` is 1; the data are ``n`` noisy samples
of it. Fitting 2nd- and 10th-order polynomials to such data shows overfitting
caused by stochastic noise (``sigma2``) and by deterministic noise (``Q_f``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor

from .._limits import MAX_DEGREE, MAX_ELEMENTS, check_at_most
from .._validation import Float, Int, OneOf, TensorOf, validate
from ..device import SEED

__all__ = ["legendre_features", "evaluate_legendre", "legendre_target", "sample_lfd_regression"]

# Points: integers (e.g. a grid built with arange) are accepted and promoted to floats.
_POINTS = TensorOf("real", numpy=True, finite=True)
_COEFS = TensorOf("real", ndim=1, nonempty=True, numpy=True, finite=True,
                  desc="a non-empty 1-D tensor or numpy array of Legendre coefficients a_0..a_Q")


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


@validate(n=Int(1), q_f=Int(0), sigma2=Float(0), seed=SEED, dtype=OneOf(torch.float32, torch.float64))
def sample_lfd_regression(n: int, *, q_f: int, sigma2: float, seed: int,
                          dtype: torch.dtype = torch.float32) -> tuple[Tensor, Tensor, Tensor]:
    """Draw a random Legendre target and ``n`` noisy samples of it.

    The target is ``f(x) = sum_{q=0}^{Q_f} a_q L_q(x)`` with ``a_q ~ N(0, 1)``,
    rescaled so that ``E_x[f(x)^2] = 1`` for ``x ~ U[-1, 1]``: since
    ``E[L_q L_r] = delta_qr / (2q + 1)``, the coefficients are divided by
    ``sqrt(sum_q a_q^2 / (2q + 1))``. Then ``x ~ U[-1, 1]`` and
    ``y = f(x) + sigma * eps`` with ``eps ~ N(0, 1)`` and ``sigma^2 = sigma2``.
    A signal of power 1 makes ``sigma2`` the noise-to-signal ratio.

    Args:
        n: number of samples, ``>= 1``.
        q_f: order of the target (its complexity), ``>= 0``.
        sigma2: variance of the stochastic noise, ``>= 0``.
        seed: seeds the target and the samples (coefficients are drawn first,
            so one seed gives the same target for every ``n``); an int in
            ``[0, 2**32 - 1]``.
        dtype: ``torch.float32`` (default, matches models) or ``torch.float64``
            (for exact least-squares fits).

    Returns:
        ``(x, y, coefs)``: ``x`` and ``y`` of shape ``(n,)``, ``coefs`` of shape
        ``(q_f + 1,)``; evaluate the noiseless target with
        ``evaluate_legendre(coefs, x)``.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range:
            ``q_f`` above ``MAX_DEGREE``, or ``n * (q_f + 1)`` (the Legendre
            features of the samples) above ``MAX_ELEMENTS`` (``course_utils._limits``).
    """
    check_at_most("q_f", q_f, MAX_DEGREE, "MAX_DEGREE")
    check_at_most("n", n * (q_f + 1), MAX_ELEMENTS, "MAX_ELEMENTS", what="small enough for Legendre features of",
                  unit=" numbers", got=f"{n} with q_f={q_f}: {n * (q_f + 1):,} numbers (n x (q_f + 1))")
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(q_f + 1)
    a /= np.sqrt(np.sum(a**2 / (2 * np.arange(q_f + 1) + 1)))
    x = rng.uniform(-1.0, 1.0, size=n)
    eps = rng.standard_normal(n)
    # Compute in float64 and round once at the end.
    coefs = torch.from_numpy(a)
    x64 = torch.from_numpy(x)
    y = evaluate_legendre(coefs, x64) + np.sqrt(sigma2) * torch.from_numpy(eps)
    return x64.to(dtype), y.to(dtype), coefs.to(dtype)
