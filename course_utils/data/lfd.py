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

from .._validation import check_float, check_int, check_type
from .splits import check_seed

__all__ = ["legendre_features", "evaluate_legendre", "legendre_target", "sample_lfd_regression"]

_ARRAY = (Tensor, np.ndarray)
_ARRAY_TEXT = "a torch.Tensor or a numpy.ndarray"


def _as_float_tensor(value: Tensor | np.ndarray, name: str, func: str) -> Tensor:
    check_type(value, name, func, _ARRAY, _ARRAY_TEXT)
    t = torch.as_tensor(value)
    if not (t.is_floating_point() or t.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
        raise TypeError(f"The '{name}' parameter of {func} must hold real numbers. Got dtype {t.dtype}.")
    # Integers (e.g. a grid built with arange) are promoted rather than refused.
    return t if t.is_floating_point() else t.to(torch.get_default_dtype())


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
    """
    func = "legendre_features"
    x = _as_float_tensor(x, "x", func)
    degree = check_int(degree, "degree", func, 0)
    columns = [torch.ones_like(x)]
    if degree >= 1:
        columns.append(x)
    for q in range(1, degree):
        columns.append(((2 * q + 1) * x * columns[q] - q * columns[q - 1]) / (q + 1))
    return torch.stack(columns, dim=-1)


def _check_coefs(coefs: Tensor | np.ndarray, func: str) -> Tensor:
    c = _as_float_tensor(coefs, "coefs", func)
    if c.ndim != 1 or c.numel() == 0:
        raise ValueError(
            f"The 'coefs' parameter of {func} must be a non-empty 1-D array of Legendre "
            f"coefficients a_0..a_Q. Got shape {tuple(c.shape)}."
        )
    return c


def evaluate_legendre(coefs: Tensor | np.ndarray, x: Tensor | np.ndarray) -> Tensor:
    """Evaluate ``f(x) = sum_q coefs[q] * L_q(x)``.

    Args:
        coefs: Legendre coefficients of shape ``(Q + 1,)``.
        x: points of any shape ``(*)``.

    Returns:
        Tensor of shape ``(*)``, in the wider of the two dtypes.
    """
    func = "evaluate_legendre"
    c = _check_coefs(coefs, func)
    x = _as_float_tensor(x, "x", func)
    dtype = torch.promote_types(c.dtype, x.dtype)
    return legendre_features(x.to(dtype), c.numel() - 1) @ c.to(dtype=dtype, device=x.device)


def legendre_target(coefs: Tensor | np.ndarray) -> Callable[[Tensor | np.ndarray], Tensor]:
    """The function ``x -> evaluate_legendre(coefs, x)``, e.g. to plot the target on a grid.

    Args:
        coefs: Legendre coefficients of shape ``(Q + 1,)``; copied, so later
            changes to the array do not change the function.
    """
    c = _check_coefs(coefs, "legendre_target").clone()

    def target(x: Tensor | np.ndarray) -> Tensor:
        return evaluate_legendre(c, x)

    return target


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
    """
    func = "sample_lfd_regression"
    n = check_int(n, "n", func, 1)
    q_f = check_int(q_f, "q_f", func, 0)
    sigma2 = check_float(sigma2, "sigma2", func, 0.0)
    seed = check_seed(seed, func)
    if dtype not in (torch.float32, torch.float64):
        raise TypeError(f"The 'dtype' parameter of {func} must be torch.float32 or torch.float64. Got {dtype!r}.")

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
