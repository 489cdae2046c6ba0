r"""The shallow-lake catalogue model against the closed forms of its macro equation
(Carpenter, Ludwig & Brock 1999): dx/dt = L − b x + f(x), f(x) = x²/(1 + x²), where the
farms' mean-field loading is L = a exactly (γ = 0: mean intensity 1 at any σ).

Equilibria solve a = b x − f(x); a fold is where also b = f'(x) = 2x/(1 + x²)², so along
the fold curve, parametrised by x, b = 2x/(1 + x²)² and a = b x − f(x) = x²(1 − x²)/(1 + x²)²,
with the cusp where db/dx = 0 (2(1 + x²) = 8x², x = 1/√3): (a, b) = (1/8, 3√3/8). The
lower fold's loading is negative for x > 1: it crosses a = 0 at x = 1, b_irr = 2/4 = 1/2.
At a = 0 and b < 1/2 the turbid state is the root x = (1 + √(1 − 4b²))/(2b) of b(1 + x²) = x.
"""

import numpy as np
import pytest
from scipy import optimize

import coupling as cp

BOUNDS = {"x": (-0.5, 4.0), "L": (-1.0, 1.0)}
F_SLOPE_MAX = 3 * np.sqrt(3) / 8  # b at the cusp


def lake(**params):
    return cp.load("shallow-lake", **params)


def recycling_slope(x):
    return 2 * x / (1 + x * x) ** 2


def fold_loading(x):
    return x * x * (1 - x * x) / (1 + x * x) ** 2


def lower_fold(b):
    """(x, a) of the fold where the turbid lake ends, x > 1/√3, at loss rate b."""
    x = optimize.brentq(lambda x: recycling_slope(x) - b, 1 / np.sqrt(3), 10, xtol=1e-15)
    return x, fold_loading(x)


def test_fold_curve_and_cusp_in_loading_and_loss():
    """The fold curve in (a, b): each point, with the phosphorus x recorded there, on
    b = 2x/(1 + x²)², a = x²(1 − x²)/(1 + x²)² within 1e-9 (corrector tolerance 1e-11 in
    the residual, an O(1) Jacobian); both branches present; one cusp, converged, at
    (1/8, 3√3/8) within 1e-9 (the polished point; measured 3e-12) and x = 1/√3 within
    1e-4 (a finite-difference normal-form test)."""
    curve = cp.fold_curve(lake(), "a", "b", (-0.35, 0.3), (0.35, 0.75), bounds=BOUNDS,
                          shade=False)
    assert curve.success and len(curve.curves) == 1
    (points,), (states,) = curve.curves, curve.states
    a, b, x = points[:, 0], points[:, 1], states["x"]
    np.testing.assert_allclose(b, recycling_slope(x), rtol=0, atol=1e-9)
    np.testing.assert_allclose(a, fold_loading(x), rtol=0, atol=1e-9)
    assert x.min() < 0.3 and x.max() > 1.2
    (point,) = curve.special_points
    assert point.kind == "cusp" and point.status == "converged"
    assert abs(point.param - 1 / 8) < 1e-9 and abs(point.data["p2"] - F_SLOPE_MAX) < 1e-9
    assert abs(point.state["x"] - 1 / np.sqrt(3)) < 1e-4


@pytest.mark.parametrize("b", [0.49, 0.51])
def test_the_lower_fold_crosses_zero_loading_at_b_one_half(b):
    """Continuation in a at b = 1/2 ∓ 0.01: the lower fold (the end of the turbid lake)
    against the closed form within 1e-9 in a and 1e-7 in x, and its loading negative below
    b_irr = 1/2 (irreversible), positive above (da/db = 1 there: a = ∓0.0099)."""
    diagram = cp.continuation(lake(b=b, a=-0.05), "a", (-0.05, 0.25), bounds=BOUNDS)
    folds = sorted(diagram.folds(), key=lambda p: p.param)
    assert len(folds) == 2 and all(p.status == "converged" for p in folds)
    x, a = lower_fold(b)
    assert abs(folds[0].param - a) < 1e-9 and abs(folds[0].state["x"] - x) < 1e-7
    assert np.sign(folds[0].param) == np.sign(b - 0.5) and abs(folds[0].param) > 0.009


@pytest.mark.parametrize("b", [0.45, 0.55])
def test_cutting_the_loading_to_zero_restores_the_lake_only_above_b_one_half(b):
    """From the turbid lake (x = 2 at a = 0.2, its only state) the loading is cut to 0 at
    t = 20 and the lake followed to t = 120. For b = 0.45 < 1/2 it stays turbid, at
    x = (1 + √(1 − 4b²))/(2b) = 1.59543 within 1e-5 (integrator rtol 1e-6; the transient,
    e^{-(b − f'(x)) 100}, is below 1e-9); for b = 0.55 it clears, x < 1e-3 (it passes the
    bottleneck near x = 1 in about π/√(0.05 · 0.25) = 28 time units)."""
    run = cp.simulate(lake(b=b, a=0.2), t_end=120, n_points=13, initial={"x": 2.0},
                      schedule={"a": [(20, 0.0)]})
    assert run["x"][2] > 1.5  # turbid before the cut
    if b < 0.5:
        assert abs(run["x"][-1] - (1 + np.sqrt(1 - 4 * b * b)) / (2 * b)) < 1e-5
    else:
        assert abs(run["x"][-1]) < 1e-3


@pytest.mark.parametrize("seed", [1, 2])
def test_a_finite_catchment_against_the_mean_field(seed):
    r"""N = 400 farms with sampled intensities (σ = 0.5) at a = 0.05, b = 0.6 (a clear
    lake, x* = 0.0998 from a = b x − f(x)). The farms' loading L_N is a times the sample
    mean of q e^{-σ²/2}, sd a √((e^{σ²} − 1)/N) = 0.0013: allowed 4 sd from a. The lake
    then solves the macro closed form with L_N in place of a (1e-10, the equilibrium
    polish), and x lies within 4 sd/|f'(x*) − b| = 0.013 of x*; the lake at a = 0 lies
    outside (the test discriminates)."""
    a, b, sigma, N = 0.05, 0.6, 0.5, 400
    x_star = optimize.brentq(lambda x: a - b * x + x * x / (1 + x * x), 0, 0.5, xtol=1e-15)
    sd = a * np.sqrt(np.expm1(sigma ** 2) / N)
    (found,) = cp.equilibria(lake(a=a, b=b, sigma=sigma), population=N, seed=seed,
                             bounds=BOUNDS)
    loading, x = found["L"], found["x"]
    assert found.stable and abs(loading - a) < 4 * sd
    assert abs(loading - b * x + x * x / (1 + x * x)) < 1e-10
    tolerance = 4 * sd / abs(recycling_slope(x_star) - b)
    assert abs(x - x_star) < tolerance < x_star


def test_farms_that_abate_as_the_lake_turns_turbid():
    """care γ = 2: the mean-field loading is a/(1 + γx), so an equilibrium solves
    a/(1 + γx) = b x − f(x). At a = 0.1, b = 0.55 (a reversible lake) the farms'
    abatement leaves one clear equilibrium, x = 0.1996 against brentq within 1e-9, where
    without it the lake's only state is turbid (x = 1.3650, the root for γ = 0). (Below
    b = 1/2 no abatement helps: the turbid state persists even at zero loading.)"""
    a, b, care = 0.1, 0.55, 2.0
    (found,) = cp.equilibria(lake(a=a, b=b, care=care), bounds=BOUNDS)
    g = lambda x, c: a / (1 + c * x) - b * x + x * x / (1 + x * x)
    assert abs(found["x"] - optimize.brentq(lambda x: g(x, care), 0, 4, xtol=1e-15)) < 1e-9
    assert found.stable and found["x"] < 0.3
    assert optimize.brentq(lambda x: g(x, 0), 0, 4, xtol=1e-15) > 1.3
