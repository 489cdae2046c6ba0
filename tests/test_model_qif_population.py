r"""QIF neurons with Lorentzian excitabilities (``qif-population``): the MPR firing-rate equations.

Signatures (Montbrió, Pazó & Roxin 2015, Phys. Rev. X 5, 021028, eq. 12 and Fig. 1): the
fixed points of τṙ = Δ/(πτ) + 2rv, τv̇ = v² + η + Jτr + I - (πτr)² have v* = -Δ/(2πτr*)
and R = πτr* a root of g(R) = Δ²/(4R²) + η + I + JR/π - R²; the folds in (η, J) are
η + I = -R² - 3Δ²/(4R²), J = 2πR + πΔ²/(2R³), meeting in the cusp R_c⁴ = 3Δ²/4,
η_c + I = -√3 Δ, J_c = (8π/3) R_c (closed forms derived in the model's docstring).
"""

import numpy as np
import pytest
from scipy.optimize import brentq

import coupling as cp


def g(R, eta, Delta, J, I):
    """The fixed-point condition in R = πτr, with v = -Δ/(2πτr) eliminated."""
    return Delta**2 / (4 * R**2) + eta + I + J * R / np.pi - R**2


def dg(R, Delta, J):
    return -Delta**2 / (2 * R**3) + J / np.pi - 2 * R


def roots(eta, Delta, J, I):
    """All roots R > 0 of g, bracketed on a fine grid and polished with brentq."""
    grid = np.linspace(1e-3, 20, 20001)
    values = g(grid, eta, Delta, J, I)
    cross = np.nonzero(np.sign(values[:-1]) != np.sign(values[1:]))[0]
    return [brentq(g, grid[i], grid[i + 1], args=(eta, Delta, J, I), xtol=1e-15)
            for i in cross]


def test_fixed_points_of_the_firing_rate_equations():
    """Three fixed points at η = -6, I = 1, J = 15, Δ = 1, τ = 2 (η + I = -5, MPR's bistable
    example, with τ ≠ 1 and I ≠ 0 to place both): rate r* = R/(πτ) and voltage
    v* = -Δ/(2πτr*) to 1e-10 (Newton tolerance 1e-12, brentq to 1e-15); stable exactly
    where g'(R) < 0; eigenvalues (2v ± sqrt(2r(Jτ - 2π²τ²r)))/τ to 1e-8."""
    eta, Delta, J, tau, I = -6.0, 1.0, 15.0, 2.0, 1.0
    model = cp.load("qif-population", eta=eta, Delta=Delta, J=J, tau=tau, I=I)
    found = sorted(cp.equilibria(model, quadrature="off"), key=lambda e: e["rate"])
    expected = roots(eta, Delta, J, I)
    assert len(expected) == 3 and len(found) == 3
    for point, R in zip(found, expected):
        r, v = R / (np.pi * tau), -Delta / (2 * R)
        assert point["rate"] == pytest.approx(r, abs=1e-10)
        assert point["voltage"] == pytest.approx(v, abs=1e-10)
        assert point.stable == (dg(R, Delta, J) < 0)
        root = np.sqrt(complex(2 * r * (J * tau - 2 * np.pi**2 * tau**2 * r)))
        eig = np.array([2 * v + root, 2 * v - root]) / tau
        order = np.lexsort((eig.imag, eig.real))
        got = point.eigenvalues[np.lexsort((point.eigenvalues.imag, point.eigenvalues.real))]
        np.testing.assert_allclose(got, eig[order], atol=1e-8)
    assert [p.stable for p in found] == [True, False, True]


def test_fold_curve_and_cusp_in_eta_J():
    """``cp.fold_curve`` in (η, J) over (-4, -1) × (6, 10) at Δ = 1, τ = 1: every point
    (η, J) of the curve, with R = πτr = (1 - |z|²)/|1 + z|² from its state, satisfies
    η = -R² - 3/(4R²) and J = 2πR + π/(2R³) to 1e-8 (Newton tolerance 1e-11), on both
    branches (R on both sides of R_c); one cusp at η_c = -√3, J_c = (8π/3)(3/4)^{1/4} to
    1e-8."""
    model = cp.load("qif-population", J=10.0)
    curve = cp.fold_curve(model, "eta", "J", (-4, -1), (6, 10), shade=False, ds_max=0.2)
    assert curve.success and len(curve.curves) == 1
    (points,), (states,) = curve.curves, curve.states
    x, y = states["X_cos"], states["X_sin"]
    R = (1 - x**2 - y**2) / ((1 + x)**2 + y**2)
    eta, J = points.T
    np.testing.assert_allclose(eta, -R**2 - 3 / (4 * R**2), atol=1e-8)
    np.testing.assert_allclose(J, 2 * np.pi * R + np.pi / (2 * R**3), atol=1e-8)
    R_c = 0.75**0.25
    assert R.min() < R_c - 0.1 and R.max() > R_c + 0.1
    (cusp,) = curve.special_points
    assert cusp.kind == "cusp" and cusp.status == "converged"
    assert cusp.param == pytest.approx(-np.sqrt(3), abs=1e-8)
    assert cusp.data["p2"] == pytest.approx(8 * np.pi / 3 * R_c, abs=1e-8)


def rate_sensitivity(eta, Delta, J):
    """(∂r*/∂η, ∂r*/∂Δ) at the single fixed point, τ = 1: implicit differentiation of
    g(R) = 0, dR/dη = -1/g'(R), dR/dΔ = -(Δ/(2R²))/g'(R), r = R/π."""
    (R,) = roots(eta, Delta, J, 0.0)
    slope = dg(R, Delta, J)
    return R / np.pi, np.array([-1 / slope, -Delta / (2 * R**2) / slope]) / np.pi


@pytest.mark.parametrize("N", [500, 2000])
def test_finite_network_rate_approaches_the_mpr_rate(N):
    """At η = -1, J = 5 (below the cusp: one stable focus, eigenvalues -1.21 ± 0.31i) the
    time-averaged rate over 4 < t < 8 of N theta neurons with sampled Lorentzian
    excitabilities is within tol(N) of r* ≈ 0.2625 (the closed form; ``cp.equilibria``
    agrees with it to 1e-10, as in the first test).

    tol(N) = 4 · 1.25 · |∇r*| Δ sqrt(2/N) + 0.01: the sample's Lorentzian centre and width
    fluctuate by Δ sqrt(2/N) (the asymptotic sd of the Cauchy location and scale
    estimates), moving r* by |∇r*| = |(∂r*/∂η, ∂r*/∂Δ)| ≈ 0.41 per unit; widened by 1.25
    for the incoherent fluctuations of z (8 seeds at N = 1000 spread 1.2 times this
    estimate, with no mean offset beyond 0.2 sd); plus 0.01 for the integration (rtol
    1e-4 against 1e-7 moved those averages by < 0.008) and the residual transient
    (e^{-1.21 · 4} < 0.01 of the initial offset 0.06). tol = 0.14 (N = 500), 0.076
    (N = 2000); r* = 0.26."""
    eta, Delta, J = -1.0, 1.0, 5.0
    r_star, gradient = rate_sensitivity(eta, Delta, J)
    model = cp.load("qif-population", eta=eta, Delta=Delta, J=J)
    run = cp.simulate(model, 8, population=N, seed=2, method="RK45", rtol=1e-4, atol=1e-7,
                      n_points=81)
    rate = run.context[:, run.context_names.index("rate")]
    tolerance = 4 * 1.25 * np.linalg.norm(gradient) * Delta * np.sqrt(2 / N) + 0.01
    assert abs(rate[run.t > 4].mean() - r_star) < tolerance
