r"""The budworm catalogue model against the closed forms of Ludwig, Jones & Holling (1978)
in Strogatz's dimensionless form (§3.7): dx/dτ = r x (1 − x/k) − P, P the birds' mean
predation, x²/(1 + x²) for identical birds.

Positive equilibria solve r (1 − x/k) = g(x) with g(x) = P(x)/x; a fold is where also
−r/k = g'(x), so along the fold curve, parametrised by the budworm density x there,

    r = g − x g',   k = −r/g' = x − g/g',

and the cusp is where the two branches of that curve meet, g''(x) = 0. For identical birds
g = x/(1 + x²), g' = (1 − x²)/(1 + x²)², g'' = 2x(x² − 3)/(1 + x²)³: r = 2x³/(1 + x²)²,
k = 2x³/(x² − 1) (Strogatz eq. 3.7.6) and the cusp at x = √3, (r, k) = (3√3/8, 3√3). For
half-saturations h ~ LogNormal(0, σ), g and its derivatives are expectations over h, done
here by adaptive quadrature (scipy.integrate.quad, 1e-13), independently of the engine's
Gauss–Hermite nodes.
"""

import numpy as np
import pytest
from scipy import integrate, optimize

import coupling as cp
from coupling.analysis.simulation._hysteresis_results import RateWarning

K = 10.0
BOUNDS = {"x": (1e-6, 45.0), "P": (0.0, 1.0)}  # x > 0: leaves out the extinct state x = 0
OMEGA = 2.338107410459767  # first zero of -Ai (Haberman 1979)


def budworm(**params):
    return cp.load("budworm", **params)


def expected(f, sigma):
    """E_h[f(h)] for h ~ LogNormal(0, σ), by quad over ±12 sd of log h."""
    if sigma == 0:
        return f(1.0)
    density = lambda z: np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    return integrate.quad(lambda z: f(np.exp(sigma * z)) * density(z), -12, 12,
                          epsabs=1e-14, epsrel=1e-13)[0]


def g(x, sigma, order=0):
    """g = P(x)/x = E[x/(h² + x²)] and its first two derivatives in x."""
    terms = (lambda h: x / (h * h + x * x),
             lambda h: (h * h - x * x) / (h * h + x * x) ** 2,
             lambda h: 2 * x * (x * x - 3 * h * h) / (h * h + x * x) ** 3)
    return expected(terms[order], sigma)


def cusp(sigma):
    """(x, r, k) of the cusp: g''(x) = 0, then r = g − x g', k = −r/g'."""
    x = optimize.brentq(lambda x: g(x, sigma, 2), 0.5, 3.0, xtol=1e-15)
    r = g(x, sigma) - x * g(x, sigma, 1)
    return x, r, -r / g(x, sigma, 1)


def folds_at(k):
    """(x, r) of the two homogeneous folds at carrying capacity k: the roots of
    2x³/(x² − 1) = k on either side of √3 (the up-fold, refuge end, first)."""
    xs = [optimize.brentq(lambda x: 2 * x ** 3 / (x * x - 1) - k, lo, hi, xtol=1e-15)
          for lo, hi in ((1 + 1e-9, np.sqrt(3)), (np.sqrt(3), k))]
    return [(x, 2 * x ** 3 / (1 + x * x) ** 2) for x in xs]


def rhs(x, r, k=K):
    return r * x * (1 - x / k) - x * x / (1 + x * x)


def test_fold_curve_and_cusp_of_identical_birds():
    """The fold curve in (r, k) over a box around the cusp: every point, with the budworm
    density x the curve records there, on r = 2x³/(1 + x²)², k = 2x³/(x² − 1) within 1e-9
    (the corrector's tolerance is 1e-11 in the residual; the fold condition's Jacobian is
    O(1)); both branches present (x on either side of √3); one cusp, converged, at
    (3√3/8, 3√3) within 1e-12 in (r, k) (polished to the arithmetic's precision) and
    x = √3 within 1e-6 (it rests on a finite-difference normal-form test)."""
    curve = cp.fold_curve(budworm(k=6.0), "r", "k", (0.5, 0.68), (4.5, 7.5), bounds=BOUNDS,
                          shade=False, ds_max=0.2)
    assert curve.success and len(curve.curves) == 1
    (points,), (states,) = curve.curves, curve.states
    r, k, x = points[:, 0], points[:, 1], states["x"]
    np.testing.assert_allclose(r, 2 * x ** 3 / (1 + x * x) ** 2, rtol=0, atol=1e-9)
    np.testing.assert_allclose(k, 2 * x ** 3 / (x * x - 1), rtol=0, atol=1e-9)
    assert x.min() < 1.3 and x.max() > 2.5  # the refuge and the outbreak branch
    (point,) = curve.special_points
    assert point.kind == "cusp" and point.status == "converged"
    assert abs(point.param - 3 * np.sqrt(3) / 8) < 1e-12
    assert abs(point.data["p2"] - 3 * np.sqrt(3)) < 1e-12
    assert abs(point.state["x"] - np.sqrt(3)) < 1e-6


def crossing(r0, rate, x0, level, sign):
    """Where the ramp r = r0 + sign·rate·t, started from x0, carries x across ``level``
    (LSODA at 1e-10 on the scalar ODE, the event located by root finding)."""
    event = lambda t, x: x[0] - level
    event.terminal = True
    run = integrate.solve_ivp(lambda t, x: rhs(x, r0 + sign * rate * t), (0, 1e4), [x0],
                              method="LSODA", rtol=1e-10, atol=1e-12, events=event)
    return r0 + sign * rate * run.t_events[0][0]


def test_a_sweep_of_r_breaks_out_and_collapses_past_the_folds():
    r"""r ramped from 0.24 (refuge only) to 0.70 (outbreak only) and back at 3e-3 per unit
    time, k = 10. The outbreak starts past the up-fold (r = 0.55953, x = 1.1378) and
    collapses past the down-fold (r = 0.38397, x = 4.7813), both from the closed form.

    Two checks, with their tolerances:
    * each jump against the same ramp integrated independently (the scalar ODE, LSODA at
      1e-10), at the level the sweep records it at (midway between ``from`` and ``to``):
      within 2 sample spacings of the sweep (a response rule reads a ramp at its output
      times, so the parameter lags by up to one spacing, and the crossing is interpolated
      between samples);
    * the delay after the fold against Haberman's law δ = Ω (r_t²/(a b))^{1/3},
      a = ∂ẋ/∂r = x(1 − x/k), b = |∂²ẋ/∂x²|/2 at the fold: the delay to blow-up is δ up to
      relative corrections O(r_t^{1/3}) = 0.14, approached from below (tests/
      test_hysteresis.py), and reaching the midway level adds the outer transit, O(r_t)
      in r: allowed 0.6 δ < delay < δ + 2 spacings.

    The sweep's own rate check warns that the loop is rate-dominated: its delay estimate
    δ̂ rests on the slowest relaxation at the ends (0.225, at the refuge), while the
    measured delays are within the bounds above."""
    rate, interval, n_points = 3e-3, (0.24, 0.70), 60
    with pytest.warns(RateWarning, match="rate-dominated"):
        loop = cp.hysteresis(budworm(r=interval[0]), "r", interval, rate=rate, diagram=None,
                             bounds=BOUNDS, n_points=n_points, observables=["x"], hold=10,
                             rtol=1e-4, atol=1e-8)
    spacing = (interval[1] - interval[0]) / (n_points - 1)
    jumps = {j["direction"]: j for j in loop.jumps}
    assert sorted(jumps) == ["down", "up"] and len(loop.jumps) == 2 and loop.hysteresis
    (x_up, r_up), (x_down, r_down) = folds_at(K)
    refuge = optimize.brentq(lambda x: rhs(x, interval[0]), 0.05, x_up)
    outbreak = optimize.brentq(lambda x: rhs(x, interval[1]), x_down, K)
    for direction, (x_f, r_f), start, sign in (("up", (x_up, r_up), refuge, 1),
                                               ("down", (x_down, r_down), outbreak, -1)):
        jump = jumps[direction]
        r0 = interval[0] if sign > 0 else interval[1]
        level = (jump["from"] + jump["to"]) / 2
        assert abs(jump["param"] - crossing(r0, rate, start, level, sign)) < 2 * spacing
        a = x_f * (1 - x_f / K)
        b = abs(-2 * r_f / K - (2 - 6 * x_f ** 2) / (1 + x_f ** 2) ** 3) / 2
        haberman = OMEGA * (rate ** 2 / (a * b)) ** (1 / 3)
        delay = sign * (jump["param"] - r_f)
        assert 0.6 * haberman < delay < haberman + 2 * spacing, (direction, delay, haberman)
    assert jumps["up"]["from"] < 1.5 and jumps["up"]["to"] > 7.5      # refuge -> outbreak
    assert jumps["down"]["from"] > 4 and jumps["down"]["to"] < 0.5    # outbreak -> refuge


def test_heterogeneous_birds_move_the_cusp():
    """σ = 0.3: the cusp of the mean field (12 Gauss–Hermite nodes in log h) against the
    quadrature reference (g'' = 0), within 1e-7 in r and k (the node error, measured
    2e-9 at 12 nodes and 1e-7 at 8) and 1e-5 in x (the finite-difference normal-form
    test). The spread smooths the birds' sigmoid predation: the cusp moves to lower r,
    k and x, by more than 100 times the tolerance."""
    sigma = 0.3
    curve = cp.fold_curve(budworm(sigma=sigma, k=6.0), "r", "k", (0.5, 0.68), (4.5, 7.0),
                          bounds=BOUNDS, population=cp.MeanField(nodes=12), shade=False,
                          ds_max=0.2)
    (point,) = [p for p in curve.special_points if p.kind == "cusp"]
    x, r, k = cusp(sigma)
    assert point.status == "converged"
    assert abs(point.param - r) < 1e-7 and abs(point.data["p2"] - k) < 1e-7
    assert abs(point.state["x"] - x) < 1e-5
    assert 3 * np.sqrt(3) / 8 - r > 1e-5 and 3 * np.sqrt(3) - k > 1e-5 and np.sqrt(3) - x > 1e-3


@pytest.mark.parametrize("seed", [1, 2])
def test_a_finite_flock_sits_near_the_mean_field_refuge(seed):
    r"""N = 2000 birds with sampled half-saturations (σ = 0.3) at r = 0.45, k = 10: the
    refuge equilibrium against the mean field's, computed from the quadrature reference
    (brentq on r(1 − x/k) = g(x)). At fixed x the flock's predation is a mean of N
    independent p_i = x²/(h_i² + x²), sd(p)/√N; the equilibrium moves by that over
    |∂ẋ/∂x| = |r(1 − 2x/k) − P'(x)| (the feedback factor): allowed 4 of these sd. The
    mean-field equilibrium of identical birds lies outside it (the test discriminates)."""
    sigma, r, N = 0.3, 0.45, 2000
    x_star = optimize.brentq(lambda x: r * (1 - x / K) - g(x, sigma), 0.05, 1.5, xtol=1e-14)
    p = lambda h: x_star ** 2 / (h * h + x_star ** 2)
    sd_p = np.sqrt(expected(lambda h: p(h) ** 2, sigma) - expected(p, sigma) ** 2)
    slope = r * (1 - 2 * x_star / K) - (g(x_star, sigma) + x_star * g(x_star, sigma, 1))
    tolerance = 4 * sd_p / np.sqrt(N) / abs(slope)
    found = cp.equilibria(budworm(sigma=sigma, r=r), population=N, seed=seed, bounds=BOUNDS)
    refuge = min(found, key=lambda e: e["x"])
    assert refuge.stable and len(found) == 3
    assert abs(refuge["x"] - x_star) < tolerance
    identical = optimize.brentq(lambda x: rhs(x, r), 0.05, 1.0)
    assert abs(identical - x_star) > tolerance
