"""Legendre-target regression: the data of the overfitting experiment of *Learning From Data*.

Abu-Mostafa, Magdon-Ismail and Lin (2012), ch. 4: the target is a random
polynomial of order ``Q_f`` written in the Legendre basis (:mod:`.legendre`), normalised so that
its average power over ``x ~ U[-1, 1]`` is 1; the data are ``n`` noisy samples
of it. Fitting 2nd- and 10th-order polynomials to such data shows overfitting
caused by stochastic noise (``sigma2``) and by deterministic noise (``Q_f``).

Two draws of such data, each with its own random stream (the numbers a notebook shows come from one of them):

* :func:`sample_lfd_regression`: one data set ``(x, y, coefs)`` from NumPy's generator, for the learners' own code;
* :func:`_draw_targets`: ``runs`` targets with their points and unit noise in float64 from one PyTorch
  generator, what notebook 03's experiments draw (``experiments.lfd_example``, ``experiments.degree_errors``).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from .._limits import MAX_DEGREE, MAX_ELEMENTS, check_at_most
from .._validation import Float, Int, OneOf, validate
from ..device import SEED
from .legendre import evaluate_legendre

__all__ = ["sample_lfd_regression"]


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


def _draw_targets(runs: int, n: int, q_f: int, seed: int) -> tuple[Tensor, Tensor, Tensor]:
    """``(a, x, eps)`` for ``runs`` data sets, float64, drawn in this order from one generator seeded with ``seed``.

    ``a`` (``(runs, q_f + 1)``): ``N(0, 1)`` Legendre coefficients rescaled to power 1 (divided by
    ``sqrt(sum_q a_q^2 / (2q + 1))``); ``x`` (``(runs, n)``): points ``U[-1, 1]``; ``eps``
    (``(runs, n)``): unit Gaussian noise, so that the data ``f(x) + sqrt(sigma2) * eps`` of every σ² share
    the target and the points. ``runs = 1`` gives the same numbers as a single draw of shape
    ``(q_f + 1,)`` and ``(n,)``. The callers check the arguments.
    """
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(runs, q_f + 1, generator=gen, dtype=torch.float64)
    a = a / torch.sqrt((a**2 / (2 * torch.arange(q_f + 1, dtype=torch.float64) + 1)).sum(-1, keepdim=True))
    x = torch.rand(runs, n, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(runs, n, generator=gen, dtype=torch.float64)
    return a, x, eps
