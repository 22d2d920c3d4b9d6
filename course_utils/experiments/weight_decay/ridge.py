"""Notebook 04, section 1: weight decay on a polynomial, the ridge fit.

:func:`ridge_fit` fits a degree-10 polynomial to one of notebook 03's data sets
(``experiments.lfd_example``) with the L2 penalty ``½ λ Σ_{q≥1} c_q²`` on its Legendre coefficients:
the networks' ``½ λ Σ w²`` (:mod:`.decay`) on a model small enough to solve exactly
(``data.fit_legendre`` with ``lam``).
"""

from __future__ import annotations

from torch import Tensor

from ..._validation import Float, Instance, Int, validate
from ...data import fit_legendre, legendre_features, out_of_sample_error
from ..overfitting import LFDExample

__all__ = ["ridge_fit"]

_LAM = Float(0, hint="λ is a penalty strength and cannot be negative.")


@validate(example=Instance(LFDExample, hint="Pass e.g. experiments.lfd_example(15, 0.5, 10)."), lam=_LAM,
          degree=Int(0, 40))
def ridge_fit(example: LFDExample, lam: float, *, degree: int = 10) -> dict[str, Tensor | float]:
    """Fit a degree-``degree`` polynomial to an example's data with the L2 penalty λ.

    Minimises ``(1/N) Σ (g(x_n) − y_n)² + ½ λ Σ_{q≥1} c_q²`` over the Legendre coefficients ``c``
    (:func:`~course_utils.data.fit_legendre`): the network's ``½ λ Σ w²``, with the constant
    term ``c_0`` left out as the networks leave out their biases.

    Returns:
        ``{"coefs": (degree + 1,) tensor, "e_in": training MSE, "e_out": exact E_x[(g − f)²],
        "norm2": Σ_{q≥1} c_q²}`` (the penalised coefficients).
    """
    coefs = fit_legendre(example.x, example.y, degree, lam=lam)
    e_in = float(((legendre_features(example.x, degree) @ coefs - example.y) ** 2).mean())
    return {"coefs": coefs, "e_in": e_in, "e_out": float(out_of_sample_error(coefs, example.target)),
            "norm2": float((coefs[1:] ** 2).sum())}
