"""Notebook 03, regression: polynomials of rising degree fitted to a few noisy samples of a Legendre target.

* **One data set** (:func:`lfd_example`, an :class:`LFDExample`): a target ``f`` of order ``Q_f``
  in the Legendre basis with ``N(0, 1)`` coefficients, rescaled so that ``E[f(x)^2] = 1`` for
  ``x ~ U[-1, 1]``; ``N`` samples ``y = f(x) + sigma * eps``; a least-squares polynomial of each
  degree asked for, with its training error and its exact out-of-sample error
  (``data.out_of_sample_error``). What the figures and the sliders of notebooks 03 and 04 draw.
* **Rising degree** (:func:`degree_errors`): degrees 0 to 12 fitted to the same data sets;
  training error falls with the degree, the error on the whole interval first falls, then climbs.

The Legendre maths (features, fits, exact errors) is in :mod:`course_utils.data.legendre`, the
draw of targets, points and noise in :mod:`course_utils.data.lfd`. The overfit-measure maps built
on the same experiment are in :mod:`.noise_maps`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from torch import Tensor

from ..._validation import Float, Int, MappingOf, SequenceOf, TensorOf, validate
from ...data import fit_legendre, legendre_features, out_of_sample_error
from ...data.lfd import _draw_targets
from ...device import SEED

__all__ = ["DEGREE_COLOURS", "LFDExample", "degree_errors", "lfd_example"]

_DEGREE = Int(0, 40, hint="Degrees above 40 are not stable in float64 on a few points.")

#: Colour = the fitted degree, the same in every figure and widget of notebooks 03 and 04 (Okabe-Ito).
DEGREE_COLOURS = {2: "#0072B2", 10: "#D55E00"}


_FLOATS = TensorOf("floating", ndim=1, desc="a 1-D float tensor")


@validate(x=_FLOATS, y=_FLOATS, target=_FLOATS,
          fits=MappingOf(Int(0), _FLOATS, desc="a dict {degree: coefficients}"),
          e_in=MappingOf(Int(0), Float(0), desc="a dict {degree: error >= 0}"),
          e_out=MappingOf(Int(0), Float(0), desc="a dict {degree: error >= 0}"),
          n=Int(1), sigma2=Float(0), q_f=Int(0), seed=SEED)
@dataclass(frozen=True)
class LFDExample:
    """One draw of the Learning-From-Data experiment and its two fits.

    Attributes:
        x, y: the ``N`` sample points and their noisy targets, float64 of shape ``(N,)``.
        target: the target's Legendre coefficients, shape ``(Q_f + 1,)``.
        fits: ``{degree: coefficients}`` of each least-squares fit.
        e_in: ``{degree: mean squared error on the N samples}``.
        e_out: ``{degree: exact E_x[(g - f)^2]}``.
        n, sigma2, q_f, seed: the setting.
    """

    x: Tensor
    y: Tensor
    target: Tensor
    fits: dict[int, Tensor]
    e_in: dict[int, float]
    e_out: dict[int, float]
    n: int
    sigma2: float
    q_f: int
    seed: int

    @property
    def measure(self) -> float:
        """``E_out`` of the highest degree minus that of the lowest: the overfit measure."""
        return self.e_out[max(self.fits)] - self.e_out[min(self.fits)]


@validate(n=Int(1, 100_000), sigma2=Float(0), q_f=Int(0, 200), seed=SEED,
          degrees=SequenceOf(_DEGREE, unique=True, desc="a non-empty list of polynomial degrees, e.g. (2, 10)"))
def lfd_example(n: int, sigma2: float, q_f: int, *, seed: int = 0, degrees: Sequence[int] = (2, 10)) -> LFDExample:
    """Draw one data set of the experiment and fit a polynomial of every degree in ``degrees``.

    The target and the points come from ``seed`` alone (the same seed gives the same target and
    points whatever ``sigma2``, so a slider over the noise moves only the noise).

    Args:
        n: number of samples N.
        sigma2: noise variance σ² (the target has power 1, so σ² is the noise-to-signal ratio).
        q_f: the target's order Q_f.
        seed: seeds the target, the points and the noise.
        degrees: the fits' degrees.

    Returns:
        An :class:`LFDExample`.
    """
    a, x, eps = (drawn[0] for drawn in _draw_targets(1, n, q_f, seed))
    y = legendre_features(x, q_f) @ a + math.sqrt(sigma2) * eps
    fits = {d: fit_legendre(x, y, d) for d in degrees}
    e_in = {d: float(((legendre_features(x, d) @ c - y) ** 2).mean()) for d, c in fits.items()}
    e_out = {d: float(out_of_sample_error(c, a)) for d, c in fits.items()}
    return LFDExample(x, y, a, fits, e_in, e_out, n, float(sigma2), q_f, seed)


@validate(n=Int(1, 100_000), sigma2=Float(0), q_f=Int(0, 200),
          degrees=SequenceOf(_DEGREE, unique=True, types=(list, tuple, range),
                             desc="a non-empty list or range of polynomial degrees"),
          runs=Int(1, 100_000), seed=SEED)
def degree_errors(n: int, sigma2: float, q_f: int, *, degrees: Sequence[int] = tuple(range(13)), runs: int = 200,
                  seed: int = 0) -> dict[str, list[float]]:
    """Training and out-of-sample error against the degree, the median over ``runs`` data sets.

    Each run draws a target, ``n`` points and their noise (as :func:`lfd_example`) and fits every
    degree to the same data.

    Args:
        n: samples per data set.
        sigma2: noise variance σ².
        q_f: the target's order.
        degrees: the degrees to fit.
        runs: data sets.
        seed: seeds all runs.

    Returns:
        ``{"degree": [...], "e_in": [...], "e_out": [...]}``, one entry per degree; ``e_out`` is
        the exact error against the noiseless target (add σ² for noisy test points).
    """
    a, x, eps = _draw_targets(runs, n, q_f, seed)
    y = (legendre_features(x, q_f) @ a.unsqueeze(-1)).squeeze(-1)
    y = y + math.sqrt(sigma2) * eps
    e_in, e_out = [], []
    for d in degrees:
        c = fit_legendre(x, y, d)
        e_in.append(float(((legendre_features(x, d) @ c.unsqueeze(-1)).squeeze(-1) - y).pow(2).mean(-1).median()))
        e_out.append(float(out_of_sample_error(c, a).median()))
    return {"degree": [float(d) for d in degrees], "e_in": e_in, "e_out": e_out}
