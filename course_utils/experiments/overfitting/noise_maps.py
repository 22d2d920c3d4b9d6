"""Notebook 03, stochastic vs deterministic noise: the overfit measure and its heat maps.

The experiment of Abu-Mostafa, Magdon-Ismail and Lin, *Learning From Data* (2012), section 4.1:
a target ``f`` of order ``Q_f`` in the Legendre basis with ``N(0, 1)`` coefficients, rescaled
so that ``E[f(x)^2] = 1`` for ``x ~ U[-1, 1]``; ``N`` samples ``y = f(x) + sigma * eps``;
``g2`` and ``g10`` are the least-squares polynomials of degree 2 and 10, and the **overfit
measure** (:func:`overfit_measure`) is ``E_out(g10) - E_out(g2)``: how much the more flexible
model loses. ``E_out`` is exact (``data.out_of_sample_error``, from the Legendre basis's
orthogonality); the error on a *noisy* test point would add ``sigma^2`` to both fits' errors,
which cancels in the measure.

* :class:`NoiseRecipe`, :func:`overfit_map`, :class:`OverfitMap`: the measure over (σ², N) and over
  (Q_f, N); :func:`map_trend` and :func:`map_cell` read a map's trends and one cell over seeds;
* :func:`overfit_runs` and :func:`robust_average`: the runs behind one cell, and their average;
* :func:`bias_variance`: a fit's error split into bias and variance, beside the deterministic noise.

Why the grid takes seconds. A least-squares fit is linear in ``y``: with ``P`` the fit's
solution operator for the points ``x``, ``c = P y = P f(x) + sigma P eps``. For one draw of
``(x, eps, a)`` the error is therefore a quadratic in ``sigma`` (:func:`overfit_runs` computes its
three coefficients once for every noise level), and every target order ``Q_f`` is one more
right-hand side of the same factorisation (targets of different orders are the prefixes of one
``N(0, 1)`` vector, each rescaled to power 1). A whole heat map of 23 x 21 cells x 400 runs is a
few hundred batched solves.

Why a robust average. With ``N`` not far above the 11 coefficients of ``g10``, a few draws put
the points where the fit is badly conditioned and ``g10`` explodes between them: the per-run
measure has a heavy right tail (values of 10^6 beside a median of 1), so the plain mean over a
few hundred runs is decided by its largest draw and changes from seed to seed by orders of
magnitude. The median (or a trimmed mean) measures the typical run and is stable
(:func:`robust_average`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import torch
from torch import Tensor
from tqdm.auto import tqdm

from ..._limits import MAX_ELEMENTS, check_at_most
from ..._validation import (
    Bool,
    Float,
    Instance,
    Int,
    MappingOf,
    OneOf,
    SequenceOf,
    TensorOf,
    invalid,
    requires,
    validate,
)
from ...data import fit_legendre, legendre_features, out_of_sample_error
from ...device import SEED, torch_threads
from ...language import gettext as tr
from .regression import _DEGREE

__all__ = [
    "NoiseRecipe",
    "OverfitMap",
    "bias_variance",
    "map_cell",
    "map_trend",
    "overfit_map",
    "overfit_measure",
    "overfit_runs",
    "robust_average",
]

_POSITIVE_INT = Int(1)
_POINTS = TensorOf("floating", ndim=(1, 2), nonempty=True, finite=True,
                   desc="a float tensor of shape (N,) or (B, N) with finite values")
_COEFS = TensorOf("floating", min_ndim=1, nonempty=True, finite=True,
                  desc="a float tensor of Legendre coefficients of shape (..., Q + 1)")
_AVERAGES = ("median", "trimmed", "mean")


# --------------------------------------------------------------------------- the measure of one data set


_DEGREES = SequenceOf(_DEGREE, min_len=2, max_len=2, desc="a pair (low, high) of polynomial degrees, e.g. (2, 10)")


def _check_degrees(degrees: Sequence[int]) -> None:
    """Refuse a pair ``(low, high)`` that is not increasing: the measure compares the flexible fit with the rigid."""
    low, high = degrees
    if low >= high:
        raise invalid("degrees", "an increasing pair (low, high) of polynomial degrees, e.g. (2, 10)",
                      repr(tuple(degrees)), f"Put the less flexible fit first: ({min(low, high)}, {max(low, high)})."
                      if low != high else "Compare two different degrees, e.g. (2, 10).")


@validate(x=_POINTS, y=_POINTS, coefs=_COEFS, degrees=_DEGREES,
          checks=[requires("y", lambda a: a["y"].shape == a["x"].shape, "a tensor of the shape of x",
                           got=lambda a: f"shape {tuple(a['y'].shape)} for x of shape {tuple(a['x'].shape)}")])
def overfit_measure(x: Tensor, y: Tensor, coefs: Tensor, *, degrees: Sequence[int] = (2, 10)) -> Tensor:
    """The overfit measure of one data set: ``E_out(g_high) - E_out(g_low)``.

    ``g_low`` and ``g_high`` are the least-squares fits of degree ``degrees[0]`` and
    ``degrees[1]`` to ``(x, y)``; ``E_out`` is :func:`~course_utils.data.out_of_sample_error` against the target's
    coefficients. Positive: the flexible model does worse out of sample (it overfits).

    Args:
        x: points, shape ``(N,)`` (or ``(B, N)`` for a batch of data sets).
        y: noisy targets of the same shape.
        coefs: the target's Legendre coefficients, shape ``(Q_f + 1,)`` (or ``(B, Q_f + 1)``).
        degrees: ``(low, high)``, ``(2, 10)`` in *Learning From Data*.

    Returns:
        A float64 tensor of shape ``()`` (or ``(B,)``).

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range, e.g. ``degrees``
            not an increasing pair.
    """
    _check_degrees(degrees)
    low, high = degrees
    return (out_of_sample_error(fit_legendre(x, y, high), coefs)
            - out_of_sample_error(fit_legendre(x, y, low), coefs))


# --------------------------------------------------------------------------- the vectorised grid


_SIGMA2S = SequenceOf(Float(0), desc="a non-empty list of noise variances >= 0, e.g. (0.0, 0.5, 1.0)")
_QFS = SequenceOf(Int(0, 200), desc="a non-empty list of target orders in [0, 200], e.g. (5, 20)")


@validate(n=Int(1, 100_000), sigma2=_SIGMA2S, q_f=_QFS, runs=Int(1, 1_000_000), seed=SEED, degrees=_DEGREES)
def overfit_runs(n: int, *, sigma2: Sequence[float], q_f: Sequence[int], runs: int, seed: int = 0,
                 degrees: Sequence[int] = (2, 10)) -> Tensor:
    """The overfit measure of ``runs`` data sets of ``n`` points, for every noise level and target order.

    One set of draws per call: run ``r`` has the same points ``x``, the same unit noise ``eps``
    and the same raw coefficients for every cell (common random numbers: the differences
    between cells are not blurred by new draws). The target of order ``Q`` is the first
    ``Q + 1`` raw coefficients rescaled to power 1, its data ``f(x) + sqrt(sigma2) * eps``. The
    result equals :func:`overfit_measure` on those data sets (tested), computed with one
    batched solve per degree (see the module docstring).

    Args:
        n: points per data set N (at most ``degrees[1]`` leaves the flexible fit underdetermined:
            it then takes the minimum-norm solution).
        sigma2: noise variances σ².
        q_f: target orders Q_f.
        runs: data sets per cell.
        seed: seeds every draw.
        degrees: ``(low, high)`` of the two fits.

    Returns:
        Float64 tensor of shape ``(len(sigma2), len(q_f), runs)``.

    Raises:
        TypeError, ValueError: an argument is of the wrong type or out of range: ``degrees`` not an
            increasing pair, or ``runs * n * (max(q_f, degrees) + 1)`` (the Legendre features of
            every data set) above ``MAX_ELEMENTS`` (``course_utils._limits``).
    """
    _check_degrees(degrees)
    low, high = degrees
    q_max = max(max(q_f), high)
    size = runs * n * (q_max + 1)
    check_at_most("runs", size, MAX_ELEMENTS, "MAX_ELEMENTS", what="small enough for Legendre features of",
                  unit=" numbers", got=f"{runs} with n={n} and order {q_max}: {size:,} numbers (runs x n x "
                  f"(order + 1))", hint="Use fewer runs or points.")
    gen = torch.Generator().manual_seed(seed)
    raw = torch.randn(runs, max(q_f) + 1, generator=gen, dtype=torch.float64)
    x = torch.rand(runs, n, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(runs, n, generator=gen, dtype=torch.float64)

    weights = 1.0 / (2 * torch.arange(q_max + 1, dtype=torch.float64) + 1)
    targets = torch.zeros(runs, len(q_f), q_max + 1, dtype=torch.float64)  # (R, K, Q)
    for k, q in enumerate(q_f):
        prefix = raw[:, : q + 1]
        targets[:, k, : q + 1] = prefix / torch.sqrt((prefix**2 * weights[: q + 1]).sum(-1, keepdim=True))
    features = legendre_features(x, q_max)  # (R, N, Q)
    clean = features @ targets.transpose(1, 2)  # (R, N, K): f(x) of every target order
    rhs = torch.cat([clean, eps.unsqueeze(-1)], dim=-1)  # (R, N, K + 1)
    scale = torch.tensor([math.sqrt(s) for s in sigma2], dtype=torch.float64)[None, :, None]  # (1, S, 1)

    errors = []
    for d in (low, high):
        solution = torch.linalg.lstsq(features[..., : d + 1], rhs).solution  # (R, d + 1, K + 1)
        fit_clean, fit_noise = solution[..., :-1].transpose(1, 2), solution[..., -1]  # (R, K, d + 1), (R, d + 1)
        miss = -targets.clone()
        miss[..., : d + 1] += fit_clean  # c - a for the noiseless data, (R, K, Q)
        # E_out(sigma) = A + 2 sigma B + sigma^2 C, with the noise fit's coefficients fit_noise.
        a_term = (miss**2 * weights).sum(-1)  # (R, K)
        b_term = (miss[..., : d + 1] * fit_noise.unsqueeze(1) * weights[: d + 1]).sum(-1)  # (R, K)
        c_term = (fit_noise**2 * weights[: d + 1]).sum(-1)  # (R,)
        errors.append(a_term.unsqueeze(1) + 2 * scale * b_term.unsqueeze(1) + scale**2 * c_term[:, None, None])
    return (errors[1] - errors[0]).permute(1, 2, 0).contiguous()


@validate(values=TensorOf("floating", min_ndim=1, nonempty=True), how=OneOf(*_AVERAGES),
          trim=Float(0, 0.5, high_open=True, hint="trim is the share cut from each end, e.g. 0.1."))
def robust_average(values: Tensor, *, how: str = "median", trim: float = 0.1) -> Tensor:
    """Average over the last dimension: the median, a trimmed mean, or the plain mean.

    Args:
        values: shape ``(..., R)``, e.g. :func:`overfit_runs`' result.
        how: ``"median"``, ``"trimmed"`` (the mean of what is left after cutting ``trim`` of the
            values from each end) or ``"mean"`` (not robust: shown for comparison).
        trim: the share cut from each end for ``"trimmed"``.

    Returns:
        Shape ``(...)``.
    """
    if how == "median":
        return values.median(-1).values if values.shape[-1] % 2 else values.quantile(0.5, dim=-1)
    if how == "mean":
        return values.mean(-1)
    ordered = values.sort(-1).values
    cut = int(trim * values.shape[-1])
    return ordered[..., cut: values.shape[-1] - cut].mean(-1)


@validate()
@dataclass(frozen=True)
class NoiseRecipe:
    """Every setting of the stochastic/deterministic noise experiment (the overfit-measure maps).

    Attributes:
        n_values: sample sizes N, the horizontal axis of both maps.
        sigma2_values: noise variances σ², the vertical axis of the stochastic-noise map.
        q_f_values: target orders Q_f, the vertical axis of the deterministic-noise map.
        q_f: the target order of the stochastic-noise map (20, as in the book).
        sigma2: the noise of the deterministic-noise map (0.1, as in the book).
        degrees: the two fits compared, ``(2, 10)``.
        runs: data sets per cell.
        average: how the runs of a cell are summarised (:func:`robust_average`).
        seed: seeds every draw; N value ``i`` uses ``seed + i``.
    """

    n_values: Annotated[tuple[int, ...], SequenceOf(Int(1, 100_000), unique=True,
                                                    desc="a non-empty list of sample sizes N")] = \
        tuple(range(20, 131, 5))
    sigma2_values: Annotated[tuple[float, ...], SequenceOf(Float(0), unique=True,
                                                           desc="a non-empty list of noise variances >= 0")] = \
        tuple(round(0.1 * i, 1) for i in range(21))
    q_f_values: Annotated[tuple[int, ...], SequenceOf(Int(0, 200), unique=True,
                                                      desc="a non-empty list of target orders in [0, 200]")] = \
        tuple(range(0, 101, 5))
    q_f: Annotated[int, Int(0, 200)] = 20
    sigma2: Annotated[float, Float(0)] = 0.1
    degrees: Annotated[tuple[int, ...], _DEGREES] = (2, 10)
    runs: Annotated[int, Int(1, 1_000_000)] = 400
    average: Annotated[str, OneOf(*_AVERAGES)] = "median"
    seed: Annotated[int, SEED] = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_values", tuple(self.n_values))
        object.__setattr__(self, "sigma2_values", tuple(float(v) for v in self.sigma2_values))
        object.__setattr__(self, "q_f_values", tuple(self.q_f_values))
        object.__setattr__(self, "degrees", tuple(self.degrees))
        _check_degrees(self.degrees)


_GRID = TensorOf("floating", ndim=2, desc="a 2-D float tensor (rows: axis values, columns: N values)")


@validate(axis=OneOf("sigma2", "q_f"), axis_values=SequenceOf(Float(0), desc="a non-empty list of numbers >= 0"),
          n_values=SequenceOf(Int(1), desc="a non-empty list of sample sizes"), average=_GRID, mean=_GRID,
          positive=_GRID, fixed=MappingOf(str, Float(0), desc="a dict such as {'q_f': 20}"),
          recipe=Instance(NoiseRecipe))
@dataclass(frozen=True)
class OverfitMap:
    """An overfit-measure heat map: one robust average per (axis value, N) cell.

    Attributes:
        axis: ``"sigma2"`` (noise variance) or ``"q_f"`` (target order): what the rows vary.
        axis_values: the rows' values.
        n_values: the columns' values N.
        average: ``(len(axis_values), len(n_values))``, the cells' robust averages.
        mean: the same cells' plain means (heavy-tailed: for comparison only).
        positive: the share of runs with a positive measure in each cell.
        fixed: the setting held fixed, e.g. ``{"q_f": 20}`` or ``{"sigma2": 0.1}``.
        recipe: the recipe the map was made from.
    """

    axis: str
    axis_values: tuple[float, ...]
    n_values: tuple[int, ...]
    average: Tensor
    mean: Tensor
    positive: Tensor
    fixed: dict[str, float]
    recipe: NoiseRecipe

    def cell(self, axis_value: float, n: int) -> float:
        """The robust average of one cell.

        Raises:
            KeyError: no such cell; the message lists the values there are.
        """
        if axis_value not in self.axis_values or n not in self.n_values:
            raise KeyError(f"The map has no cell ({self.axis}={axis_value!r}, N={n!r}); its {self.axis} values are "
                           f"{list(self.axis_values)} and its N values {list(self.n_values)}.")
        return float(self.average[self.axis_values.index(axis_value), self.n_values.index(n)])


@validate(recipe=Instance(NoiseRecipe, hint="Pass e.g. experiments.NoiseRecipe()."), over=OneOf("sigma2", "q_f"),
          threads=[None, _POSITIVE_INT], progress=Bool())
def overfit_map(recipe: NoiseRecipe, over: str = "sigma2", *, threads: int | None = 1,
                progress: bool = False) -> OverfitMap:
    """The overfit measure over (σ², N) at the recipe's ``q_f``, or over (Q_f, N) at its ``sigma2``.

    Args:
        recipe: the experiment's settings.
        over: ``"sigma2"`` for the stochastic-noise map, ``"q_f"`` for the deterministic-noise map.
        threads: PyTorch CPU threads during the computation (restored afterwards).
        progress: show a progress bar over the N values.

    Returns:
        An :class:`OverfitMap`; one to a few seconds per map on one core with the default recipe.
    """
    sigma2 = recipe.sigma2_values if over == "sigma2" else (recipe.sigma2,)
    q_f = (recipe.q_f,) if over == "sigma2" else recipe.q_f_values
    cells = []
    with torch_threads(threads):
        for i, n in enumerate(tqdm(recipe.n_values, desc=tr("overfit map over {axis}").format(axis=over),
                                   disable=not progress, leave=False)):
            runs = overfit_runs(n, sigma2=sigma2, q_f=q_f, runs=recipe.runs, seed=recipe.seed + i,
                                degrees=recipe.degrees)
            cells.append(runs.squeeze(1) if over == "sigma2" else runs.squeeze(0))  # (A, R)
    values = torch.stack(cells, dim=1)  # (A, len(n_values), R)
    return OverfitMap(
        axis=over,
        axis_values=tuple(sigma2 if over == "sigma2" else q_f),
        n_values=recipe.n_values,
        average=robust_average(values, how=recipe.average),
        mean=values.mean(-1),
        positive=(values > 0).double().mean(-1),
        fixed={"q_f": recipe.q_f} if over == "sigma2" else {"sigma2": recipe.sigma2},
        recipe=recipe,
    )


def _ranks(values: Tensor) -> Tensor:
    return values.argsort(-1).argsort(-1).double()


def _rank_correlation(a: Tensor, b: Tensor) -> float:
    """Spearman's rank correlation of two 1-D tensors (no ties expected: continuous values)."""
    ra, rb = _ranks(a) - (len(a) - 1) / 2, _ranks(b) - (len(b) - 1) / 2
    return float((ra * rb).sum() / (ra.norm() * rb.norm()))


@validate(overfit=Instance(OverfitMap, desc="an OverfitMap from overfit_map"), along=OneOf("axis", "n"),
          min_axis_value=[None, Float()])
def map_trend(overfit: OverfitMap, along: str = "axis", *, min_axis_value: float | None = None) -> list[float]:
    """How consistently the map's cells rise along one direction: Spearman's rank correlations.

    Args:
        overfit: a map from :func:`overfit_map`.
        along: ``"axis"``: one correlation per column (fixed N) between the axis values (σ² or
            Q_f) and the cells; ``"n"``: one per row between N and the cells.
        min_axis_value: keep only the rows whose axis value is at least this (e.g. Q_f ≥ 10).

    Returns:
        The correlations, in ``[-1, 1]``: +1 means the cells rise strictly in that direction,
        -1 that they fall strictly.
    """
    rows = torch.tensor(overfit.axis_values, dtype=torch.float64)
    keep = torch.ones(len(rows), dtype=torch.bool) if min_axis_value is None else rows >= min_axis_value
    if int(keep.sum()) < 2:
        raise invalid("min_axis_value", f"None or a value that keeps at least 2 rows of {list(overfit.axis_values)}",
                      repr(min_axis_value))
    cells, rows = overfit.average[keep], rows[keep]
    if along == "axis":
        return [_rank_correlation(rows, cells[:, j]) for j in range(cells.shape[1])]
    n = torch.tensor(overfit.n_values, dtype=torch.float64)
    return [_rank_correlation(n, cells[i]) for i in range(cells.shape[0])]


@validate(recipe=Instance(NoiseRecipe, hint="Pass e.g. experiments.NoiseRecipe()."), over=OneOf("sigma2", "q_f"),
          axis_value=Float(0), n=Int(1, 100_000), seeds=SequenceOf(SEED, unique=True, max_len=100, types=(list, tuple, range)))
def map_cell(recipe: NoiseRecipe, over: str, axis_value: float, n: int, *, seeds: Sequence[int]) -> list[float]:
    """One cell of :func:`overfit_map`, computed again for the recipe with each of ``seeds``.

    ``overfit_map(dataclasses.replace(recipe, seed=s), over).cell(axis_value, n)`` for every ``s``,
    without the rest of the map: the spread of one cell over seeds.

    Args:
        recipe: the experiment's settings; ``n`` must be one of its ``n_values``.
        over: ``"sigma2"`` (``axis_value`` is σ², at the recipe's ``q_f``) or ``"q_f"`` (``axis_value``
            is Q_f, at the recipe's ``sigma2``).
        axis_value: the cell's row.
        n: the cell's column.
        seeds: the recipes' seeds.

    Returns:
        The cell's robust average for each seed, in the order of ``seeds``.
    """
    if n not in recipe.n_values:
        raise invalid("n", f"one of the recipe's n_values {list(recipe.n_values)}", repr(n))
    if over == "q_f" and (axis_value != int(axis_value) or axis_value > 200):
        raise invalid("axis_value", "a target order Q_f: an integer in [0, 200]", repr(axis_value))
    sigma2 = [axis_value] if over == "sigma2" else [recipe.sigma2]
    q_f = [recipe.q_f] if over == "sigma2" else [int(axis_value)]
    column = recipe.n_values.index(n)
    return [float(robust_average(overfit_runs(n, sigma2=sigma2, q_f=q_f, runs=recipe.runs, seed=seed + column,
                                              degrees=recipe.degrees).flatten(), how=recipe.average))
            for seed in seeds]


# --------------------------------------------------------------------------- bias and variance


@validate(n=Int(1, 10_000), sigma2=_SIGMA2S, q_f=Int(0, 200), degree=_DEGREE, targets=Int(2, 10_000),
          runs=Int(2, 10_000), seed=SEED,
          checks=[requires("runs", lambda a: a["targets"] * a["runs"] * a["n"] <= 10_000_000,
                           "at most 10 000 000 points in all (targets × runs × n)",
                           got=lambda a: f"{a['targets']} × {a['runs']} × {a['n']}")])
def bias_variance(n: int, *, sigma2: Sequence[float], q_f: int, degree: int, targets: int = 40, runs: int = 100,
                  seed: int = 0) -> dict[str, Any]:
    """Split a fit's out-of-sample error into bias and variance, beside the deterministic noise.

    For each of ``targets`` random targets of order ``q_f`` (as in :func:`.regression.lfd_example`), ``runs``
    data sets of ``n`` points are drawn and fitted with a polynomial of degree ``degree``. With
    ``ḡ`` the fits' average (per target), *Learning From Data*'s decomposition (section 2.3.1) is
    ``E_D[E_out] = bias + variance``, ``bias = E_x[(ḡ - f)^2]`` and
    ``variance = E_x E_D[(g - ḡ)^2]``, exact per target (the Legendre weights, no test set). The
    **deterministic noise** of the model is the part of ``f`` that the best polynomial of degree
    ``degree`` misses, ``E_x[(h* - f)^2] = sum_{q > degree} a_q^2 / (2q + 1)``: it depends on the
    target *and the model*. Every σ² uses the same draws (a fit is linear in the noise).

    Args:
        n: points per data set.
        sigma2: noise variances σ² (the stochastic noise).
        q_f: the targets' order.
        degree: the fitted polynomial's degree (the hypothesis set).
        targets: targets averaged over.
        runs: data sets per target.
        seed: seeds every draw.

    Returns:
        ``{"deterministic": float, "bias": [float per σ²], "variance": [float per σ²]}``, each the mean
        over the targets.
    """
    gen = torch.Generator().manual_seed(seed)
    q = max(q_f, degree)
    weights = 1.0 / (2 * torch.arange(q + 1, dtype=torch.float64) + 1)
    a = torch.randn(targets, q_f + 1, generator=gen, dtype=torch.float64)
    a = a / torch.sqrt((a**2 * weights[: q_f + 1]).sum(-1, keepdim=True))
    a = torch.nn.functional.pad(a, (0, q - q_f))  # (T, Q + 1)
    x = torch.rand(targets * runs, n, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(targets * runs, n, generator=gen, dtype=torch.float64)
    clean = (legendre_features(x, q) @ a.repeat_interleave(runs, 0).unsqueeze(-1)).squeeze(-1)
    fits = torch.stack([fit_legendre(x, clean, degree), fit_legendre(x, eps, degree)])  # (2, T * R, degree + 1)
    fits = torch.nn.functional.pad(fits, (0, q - degree)).reshape(2, targets, runs, q + 1)
    bias, variance = [], []
    for s2 in sigma2:
        c = fits[0] + math.sqrt(s2) * fits[1]  # (T, R, Q + 1)
        mean_fit = c.mean(1)
        bias.append(float(((mean_fit - a) ** 2 * weights).sum(-1).mean()))
        variance.append(float(((c - mean_fit.unsqueeze(1)) ** 2 * weights).sum(-1).mean()))
    deterministic = float((a[:, degree + 1:] ** 2 * weights[degree + 1:]).sum(-1).mean())
    return {"deterministic": deterministic, "bias": bias, "variance": variance}
