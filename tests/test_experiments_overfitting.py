"""Notebook 03's room: least-squares fits, the exact E_out, the vectorised overfit measure, the boundaries.

The claims (trends over the maps, over seeds) are in ``test_claims_overfitting.py``; here the
pieces are checked against references: NumPy's Legendre fit, a dense grid over [-1, 1], the
closed form of ridge regression, and a loop over single data sets.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch
from numpy.polynomial import legendre as npleg

from course_utils import data, experiments


def _dense_e_out(coefs: torch.Tensor, target: torch.Tensor) -> float:
    # The average of (g - f)^2 over [-1, 1] by the trapezoidal rule on 400 001 points.
    grid = np.linspace(-1, 1, 400_001)
    return float(np.trapezoid((npleg.legval(grid, coefs.numpy()) - npleg.legval(grid, target.numpy())) ** 2, grid) / 2)


@pytest.mark.parametrize(("n", "degree"), [(30, 2), (30, 10), (11, 10), (200, 7)])
def test_fit_legendre_matches_numpy(n: int, degree: int) -> None:
    x, y, _ = data.sample_lfd_regression(n, q_f=12, sigma2=0.3, seed=n, dtype=torch.float64)
    ours = experiments.fit_legendre(x, y, degree)
    theirs = npleg.legfit(x.numpy(), y.numpy(), degree)
    assert ours.dtype == torch.float64 and ours.shape == (degree + 1,)
    assert np.allclose(ours.numpy(), theirs, rtol=1e-6, atol=1e-8)


def test_fit_legendre_with_a_penalty_is_ridge_regression() -> None:
    x, y, _ = data.sample_lfd_regression(20, q_f=8, sigma2=0.2, seed=4, dtype=torch.float64)
    lam = 0.03
    X = data.legendre_features(x, 10)
    penalised = torch.eye(11, dtype=torch.float64)
    penalised[0, 0] = 0.0  # ½λΣ_{q≥1} c_q²: the constant term is not penalised
    closed = torch.linalg.solve(X.T @ X + 20 * lam / 2 * penalised, X.T @ y)
    assert torch.allclose(experiments.fit_legendre(x, y, 10, lam=lam), closed, atol=1e-10)
    norms = [float(experiments.fit_legendre(x, y, 10, lam=v)[1:].norm()) for v in (0.0, 1e-4, 1e-2, 1.0)]
    assert norms == sorted(norms, reverse=True), f"a larger λ must shrink the coefficients: {norms}"


def test_fit_legendre_fits_a_batch_like_one_at_a_time() -> None:
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(5, 25, generator=gen, dtype=torch.float64) * 2 - 1
    y = torch.randn(5, 25, generator=gen, dtype=torch.float64)
    batch = experiments.fit_legendre(x, y, 6, lam=0.01)
    for i in range(5):
        assert torch.allclose(batch[i], experiments.fit_legendre(x[i], y[i], 6, lam=0.01), atol=1e-12)


@pytest.mark.parametrize(("fit_len", "target_len"), [(3, 21), (11, 4), (11, 11), (1, 1)])
def test_out_of_sample_error_is_exact(fit_len: int, target_len: int) -> None:
    gen = torch.Generator().manual_seed(fit_len * 100 + target_len)
    c = torch.randn(fit_len, generator=gen, dtype=torch.float64)
    a = torch.randn(target_len, generator=gen, dtype=torch.float64)
    exact = float(experiments.out_of_sample_error(c, a))
    assert exact == pytest.approx(_dense_e_out(c, a), rel=1e-6)
    assert exact == pytest.approx(float(experiments.out_of_sample_error(a, c)))


def test_overfit_measure_is_the_difference_of_the_two_errors() -> None:
    x, y, a = data.sample_lfd_regression(35, q_f=20, sigma2=0.4, seed=9, dtype=torch.float64)
    e10 = _dense_e_out(experiments.fit_legendre(x, y, 10), a)
    e2 = _dense_e_out(experiments.fit_legendre(x, y, 2), a)
    assert float(experiments.overfit_measure(x, y, a)) == pytest.approx(e10 - e2, rel=1e-6, abs=1e-8)
    # A reversed pair, (10, 2), is refused: test_a_reversed_or_flat_pair_of_degrees_is_refused.


def test_overfit_runs_equals_the_measure_of_each_data_set() -> None:
    # The vectorised grid (one solve per degree, the noise as a quadratic in sigma) against the
    # one-data-set function on the same draws: the order of the draws is the function's contract.
    n, sigma2, q_f, runs = 24, [0.0, 0.3, 2.0], [0, 4, 10, 25], 6
    grid = experiments.overfit_runs(n, sigma2=sigma2, q_f=q_f, runs=runs, seed=11)
    assert grid.shape == (3, 4, 6) and grid.dtype == torch.float64
    gen = torch.Generator().manual_seed(11)
    raw = torch.randn(runs, max(q_f) + 1, generator=gen, dtype=torch.float64)
    x = torch.rand(runs, n, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(runs, n, generator=gen, dtype=torch.float64)
    for i, s in enumerate(sigma2):
        for k, q in enumerate(q_f):
            a = raw[:, : q + 1]
            a = a / torch.sqrt((a**2 / (2 * torch.arange(q + 1) + 1)).sum(-1, keepdim=True))
            y = (data.legendre_features(x, q) @ a.unsqueeze(-1)).squeeze(-1) + math.sqrt(s) * eps
            one_by_one = torch.stack([experiments.overfit_measure(x[r], y[r], a[r]) for r in range(runs)])
            assert torch.allclose(grid[i, k], one_by_one, rtol=1e-8, atol=1e-10), (s, q)


def test_overfit_runs_repeats_with_its_seed() -> None:
    first = experiments.overfit_runs(20, sigma2=[0.5], q_f=[20], runs=50, seed=3)
    assert torch.equal(first, experiments.overfit_runs(20, sigma2=[0.5], q_f=[20], runs=50, seed=3))
    assert not torch.equal(first, experiments.overfit_runs(20, sigma2=[0.5], q_f=[20], runs=50, seed=4))


def test_robust_average() -> None:
    values = torch.tensor([[1.0, 2.0, 3.0, 4.0, 1000.0], [5.0, 5.0, 5.0, 5.0, 5.0]], dtype=torch.float64)
    assert experiments.robust_average(values).tolist() == [3.0, 5.0]
    assert experiments.robust_average(values, how="mean").tolist() == [202.0, 5.0]
    assert experiments.robust_average(values, how="trimmed", trim=0.2).tolist() == [3.0, 5.0]
    assert experiments.robust_average(values, how="trimmed", trim=0.0).tolist() == [202.0, 5.0]
    even = torch.tensor([1.0, 2.0, 3.0, 10.0], dtype=torch.float64)
    assert float(experiments.robust_average(even)) == 2.5, "the median of an even count is the middle pair's mean"


def test_overfit_map_shapes_and_cells() -> None:
    recipe = experiments.NoiseRecipe(n_values=(20, 40, 80), sigma2_values=(0.0, 1.0), q_f_values=(5, 30), runs=50)
    stochastic = experiments.overfit_map(recipe, "sigma2")
    deterministic = experiments.overfit_map(recipe, "q_f")
    assert stochastic.average.shape == (2, 3) and deterministic.average.shape == (2, 3)
    assert stochastic.fixed == {"q_f": 20} and deterministic.fixed == {"sigma2": 0.1}
    assert ((stochastic.positive >= 0) & (stochastic.positive <= 1)).all()
    direct = experiments.overfit_runs(40, sigma2=[1.0], q_f=[20], runs=50, seed=recipe.seed + 1).flatten()
    assert stochastic.cell(1.0, 40) == pytest.approx(float(direct.quantile(0.5)))
    with pytest.raises(KeyError, match=r"no cell \(sigma2=0.5, N=40\)"):
        stochastic.cell(0.5, 40)
    assert len(experiments.map_trend(stochastic, "axis")) == 3 and len(experiments.map_trend(stochastic, "n")) == 2


def test_map_trend_reads_a_known_map() -> None:
    recipe = experiments.NoiseRecipe(n_values=(20, 40, 80), sigma2_values=(0.0, 1.0, 2.0), runs=5)
    rising = torch.tensor([[1.0, 0.5, 0.2], [2.0, 1.0, 0.3], [3.0, 1.5, 0.4]], dtype=torch.float64)
    known = experiments.OverfitMap("sigma2", (0.0, 1.0, 2.0), (20, 40, 80), rising, rising, rising * 0, {"q_f": 20},
                                   recipe)
    assert experiments.map_trend(known, "axis") == pytest.approx([1.0, 1.0, 1.0])
    assert experiments.map_trend(known, "n") == pytest.approx([-1.0, -1.0, -1.0])
    assert experiments.map_trend(known, "axis", min_axis_value=1.0) == pytest.approx([1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="'min_axis_value' parameter of map_trend"):
        experiments.map_trend(known, "axis", min_axis_value=2.0)


def test_lfd_example_keeps_target_and_points_across_noise_levels() -> None:
    quiet = experiments.lfd_example(25, 0.0, 20, seed=5)
    noisy = experiments.lfd_example(25, 1.0, 20, seed=5)
    assert torch.equal(quiet.x, noisy.x) and torch.equal(quiet.target, noisy.target)
    assert not torch.equal(quiet.y, noisy.y)
    assert quiet.measure == pytest.approx(quiet.e_out[10] - quiet.e_out[2])
    assert float((quiet.target**2 / (2 * torch.arange(21) + 1)).sum()) == pytest.approx(1.0), "f has power 1"
    assert quiet.e_out[10] == pytest.approx(_dense_e_out(quiet.fits[10], quiet.target), rel=1e-6)


def test_degree_errors() -> None:
    errors = experiments.degree_errors(15, 0.1, 5, degrees=(0, 2, 5, 12), runs=50, seed=0)
    assert errors["degree"] == [0.0, 2.0, 5.0, 12.0]
    assert errors["e_in"] == sorted(errors["e_in"], reverse=True)
    assert errors["e_out"][3] > errors["e_out"][2]


def test_the_recipes_hold_the_notebooks_settings() -> None:
    recipe = experiments.NoiseRecipe()
    assert (recipe.q_f, recipe.sigma2, recipe.degrees, recipe.average) == (20, 0.1, (2, 10), "median")
    assert recipe.n_values[0] == 20 and recipe.n_values[-1] == 130 and recipe.sigma2_values[-1] == 2.0
    assert recipe.q_f_values[-1] == 100
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.runs = 3
    assert experiments.NoiseRecipe(sigma2_values=[0, 1]).sigma2_values == (0.0, 1.0)


@pytest.mark.parametrize(("cls", "changes", "error", "name"), [
    (experiments.NoiseRecipe, {"runs": 0}, ValueError, "runs"),
    (experiments.NoiseRecipe, {"average": "mode"}, ValueError, "average"),
    (experiments.NoiseRecipe, {"sigma2_values": (0.0, -1.0)}, ValueError, "sigma2_values"),
    (experiments.NoiseRecipe, {"degrees": (2,)}, ValueError, "degrees"),
    (experiments.BoundaryRecipe, {"dataset": "blobs"}, ValueError, "dataset"),
    (experiments.BoundaryRecipe, {"n_train": 1500}, ValueError, "n_train"),
    (experiments.BoundaryRecipe, {"large": (128,)}, ValueError, "large"),
])
def test_recipes_reject_bad_settings(cls, changes, error, name) -> None:
    with pytest.raises(error, match=rf"'{name}' parameter of {cls.__name__}"):
        cls(**changes)


def test_functions_reject_bad_input() -> None:
    x = torch.linspace(-1, 1, 10, dtype=torch.float64)
    with pytest.raises(ValueError, match="'y' parameter of fit_legendre must be a tensor of the shape of x"):
        experiments.fit_legendre(x, x[:5], 2)
    with pytest.raises(ValueError, match="'lam' parameter of fit_legendre"):
        experiments.fit_legendre(x, x, 2, lam=-1.0)
    with pytest.raises(TypeError, match="'fit' parameter of out_of_sample_error"):
        experiments.out_of_sample_error([1.0, 2.0], torch.ones(3))
    with pytest.raises(ValueError, match="'over' parameter of overfit_map"):
        experiments.overfit_map(experiments.NoiseRecipe(runs=2), "N")
    with pytest.raises(ValueError, match="'x' parameter of decision_grid"):
        experiments.decision_grid(torch.nn.Linear(3, 2), torch.zeros(4, 3))


def test_boundary_data_and_grid() -> None:
    recipe = experiments.BoundaryRecipe(n_train=40, n_pool=500, epochs=5)
    (xt, yt), (xh, yh) = experiments.boundary_data(recipe)
    assert xt.shape == (40, 2) and yt.shape == (40,) and xh.shape == (200, 2) and len(yh) == 200
    result = experiments.run_boundaries(recipe)
    assert set(result.models) == {"small", "large"} and all(h.epochs == 5 for h in result.histories.values())
    xx, yy, p = experiments.decision_grid(result.models["large"], xt, steps=30)
    assert xx.shape == yy.shape == p.shape == (30, 30)
    assert float(p.min()) >= 0 and float(p.max()) <= 1
    again = experiments.run_boundaries(recipe)
    assert again.held_out_acc == result.held_out_acc, "a run repeats with its seed"


def test_map_cell_equals_the_cell_of_the_map_for_that_seed() -> None:
    import dataclasses

    recipe = experiments.NoiseRecipe(n_values=(20, 40), sigma2_values=(0.0, 2.0), q_f_values=(0, 20), runs=50)
    for over, value in (("sigma2", 2.0), ("q_f", 20)):
        cells = experiments.map_cell(recipe, over, value, 40, seeds=[0, 3])
        expected = [experiments.overfit_map(dataclasses.replace(recipe, seed=s), over).cell(value, 40) for s in (0, 3)]
        assert cells == pytest.approx(expected, rel=1e-12, abs=1e-12)
    with pytest.raises(ValueError, match="'n' parameter of map_cell"):
        experiments.map_cell(recipe, "sigma2", 2.0, 30, seeds=[0])
    with pytest.raises(ValueError, match="'axis_value' parameter of map_cell"):
        experiments.map_cell(recipe, "q_f", 2.5, 40, seeds=[0])


def test_bias_variance_adds_up_to_the_mean_error_and_finds_the_deterministic_noise() -> None:
    # bias + variance is the mean E_out over the data sets of each target: check it by brute force.
    split = experiments.bias_variance(30, sigma2=[0.0, 0.5], q_f=6, degree=2, targets=3, runs=50, seed=4)
    gen = torch.Generator().manual_seed(4)
    q = 6
    weights = 1.0 / (2 * torch.arange(q + 1, dtype=torch.float64) + 1)
    a = torch.randn(3, q + 1, generator=gen, dtype=torch.float64)
    a = a / torch.sqrt((a**2 * weights).sum(-1, keepdim=True))
    x = torch.rand(150, 30, generator=gen, dtype=torch.float64) * 2 - 1
    eps = torch.randn(150, 30, generator=gen, dtype=torch.float64)
    f = (data.legendre_features(x, q) @ a.repeat_interleave(50, 0).unsqueeze(-1)).squeeze(-1)
    for k, s2 in enumerate((0.0, 0.5)):
        fits = experiments.fit_legendre(x, f + s2 ** 0.5 * eps, 2)
        mean_e_out = experiments.out_of_sample_error(fits, a.repeat_interleave(50, 0)).reshape(3, 50).mean(1).mean()
        assert split["bias"][k] + split["variance"][k] == pytest.approx(float(mean_e_out), rel=1e-10)
    assert split["deterministic"] == pytest.approx(float((a[:, 3:] ** 2 * weights[3:]).sum(-1).mean()), rel=1e-12)
    assert split["variance"][0] > 0 and split["variance"][1] > split["variance"][0]
    exact = experiments.bias_variance(20, sigma2=[0.0], q_f=4, degree=10, targets=2, runs=5)
    assert exact["deterministic"] == 0 and exact["variance"][0] < 1e-20 and exact["bias"][0] < 1e-20
    with pytest.raises(ValueError, match="'runs' parameter of bias_variance"):
        experiments.bias_variance(10_000, sigma2=[0.1], q_f=4, degree=2, targets=100, runs=100)


# --------------------------------------------------------------------------- bad inputs named (issue 19)


@pytest.mark.parametrize("degrees, hint", [((10, 2), r"Put the less flexible fit first: \(2, 10\)"),
                                           ((3, 3), r"Compare two different degrees")])
def test_a_reversed_or_flat_pair_of_degrees_is_refused(degrees, hint) -> None:
    allowed = r"must be an increasing pair \(low, high\) of polynomial degrees, e.g. \(2, 10\). Got "
    got = rf"\({degrees[0]}, {degrees[1]}\)\. {hint}"
    x = torch.linspace(-1, 1, 20, dtype=torch.float64)
    coefs = torch.tensor([0.0, 0.0, 1.0], dtype=torch.float64)
    with pytest.raises(ValueError, match=rf"The 'degrees' parameter of overfit_measure {allowed}{got}"):
        experiments.overfit_measure(x, x**2, coefs, degrees=degrees)
    with pytest.raises(ValueError, match=rf"The 'degrees' parameter of overfit_runs {allowed}{got}"):
        experiments.overfit_runs(20, sigma2=[0.1], q_f=[5], runs=3, degrees=degrees)
    with pytest.raises(ValueError, match=rf"The 'degrees' parameter of NoiseRecipe {allowed}{got}"):
        experiments.NoiseRecipe(degrees=degrees)


def test_overfit_runs_refuses_a_grid_too_large_to_allocate() -> None:
    with pytest.raises(ValueError, match=r"The 'runs' parameter of overfit_runs must be small enough for Legendre "
                                         r"features of at most 100,000,000 numbers \(course_utils._limits."
                                         r"MAX_ELEMENTS\). Got 1000000 with n=100000 and order 200"):
        experiments.overfit_runs(100_000, sigma2=[0.1], q_f=[200], runs=1_000_000)
