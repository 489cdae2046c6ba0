r"""The fishery catalogue model against its mean field solved independently (Gordon 1954;
May 1977; Scheffer et al. 2001).

At rest the fishers' share is :math:`\bar\Lambda(s; T) = E_c[\Lambda(\beta(p q s - c - T))]`,
c ~ Normal(0.1, 0.2), and the stock solves G(s; T) = r s (1 - s/K) - P s²/(H² + s²)
- q E_max s Λ̄(s; T) = 0. Here Λ̄ and its s-derivative are computed by adaptive quadrature
(``scipy.integrate.quad`` against the Normal density, to 1e-13), the roots by brentq and
the tangencies G = ∂_s G = 0 by fsolve; the library's mean field uses 32 Gauss–Hermite
nodes (its quadrature error for this smooth logistic is below 1e-12, far under the
tolerances used).
"""

import functools

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats

import coupling as cp

P = cp.load("fishery").parameters
BOUNDS = {"s": (0.005, 1.0), "f": (0.0, 1.0)}  # the box the stock and the share live in
SWEEP = (-0.1, 0.45)
OMEGA = 2.338107410459767  # first zero of Ai(-z)


def expected(s, tax, order=0):
    """E_c[Λ^(order)] of the logit in the cost: Λ̄ (order 0) or ∂Λ̄/∂u (order 1)."""
    def integrand(c):
        lam = special.expit(P["beta"] * (P["price"] * P["catchability"] * s - c - tax))
        value = lam if order == 0 else lam * (1 - lam)
        return value * stats.norm.pdf(c, P["cost"], P["sigma"])
    lo, hi = P["cost"] - 12 * P["sigma"], P["cost"] + 12 * P["sigma"]
    return integrate.quad(integrand, lo, hi, epsabs=1e-14, epsrel=1e-13, limit=200)[0]


def G(s, tax):
    """The stock's rate of change at rest of the fishers."""
    return (P["growth"] * s * (1 - s / P["K"])
            - P["predation"] * s ** 2 / (P["saturation"] ** 2 + s ** 2)
            - P["catchability"] * P["capacity"] * s * expected(s, tax))


def G_s(s, tax):
    """∂G/∂s, the fishers' response included."""
    H2 = P["saturation"] ** 2
    slope = P["beta"] * P["price"] * P["catchability"] * expected(s, tax, 1)
    return (P["growth"] * (1 - 2 * s / P["K"]) - 2 * P["predation"] * s * H2 / (H2 + s ** 2) ** 2
            - P["catchability"] * P["capacity"] * (expected(s, tax) + s * slope))


@functools.lru_cache
def stocks(tax):
    """Every positive root of G on (0.005, 1] (sign changes on a grid, brentq)."""
    grid = np.linspace(0.005, 1.0, 41)  # roots 0.037, 0.092, 0.337: 0.025 apart
    values = [G(s, tax) for s in grid]
    return [optimize.brentq(G, a, b, args=(tax,), xtol=1e-15)
            for a, b, ga, gb in zip(grid[:-1], grid[1:], values[:-1], values[1:]) if ga * gb < 0]


def tangency(guess):
    """(s, T) with G = ∂_s G = 0."""
    return optimize.fsolve(lambda v: [G(*v), G_s(*v)], guess, xtol=1e-14)


COLLAPSE = tangency([0.19, 0.07])
RECOVERY = tangency([0.056, 0.306])


@pytest.fixture(scope="module")
def diagram():
    """The S-shaped branch through the unique (high-stock) equilibrium at tax 0.45."""
    start = cp.load("fishery", tax=SWEEP[1])
    return cp.continuation(start, "tax", SWEEP, bounds=BOUNDS,
                           start=cp.equilibria(start, bounds=BOUNDS, quadrature="off"))


def test_high_stock_saddle_and_collapsed_stock_at_the_defaults():
    """Three equilibria at tax 0.2: the collapsed stock (stable), a saddle and the high
    stock (stable), at the brentq roots of G within 1e-10, with the share fishing Λ̄(s)."""
    reference = stocks(P["tax"])
    found = cp.equilibria(cp.load("fishery"), bounds={"s": (0.01, 0.5), "f": (0.2, 0.6)},
                          quadrature="check")
    assert len(reference) == 3 and len(found) == 3
    np.testing.assert_allclose([e["s"] for e in found], reference, rtol=0, atol=1e-10)
    np.testing.assert_allclose([e["f"] for e in found],
                               [expected(s, P["tax"]) for s in reference], rtol=0, atol=1e-10)
    assert [e.stable for e in found] == [True, False, True]
    # the slow eigenvalue of each stable state is ∂_s G to O(ε) (the fishers' lag)
    for e, s in zip(found, reference):
        if e.stable:
            assert abs(e.eigenvalues[0].real - G_s(s, P["tax"])) < 0.2 * abs(G_s(s, P["tax"]))


def test_collapse_and_recovery_folds_match_the_tangencies(diagram):
    """The collapse fold (T_c, the high stock's end) and the recovery fold (T_r, the
    collapsed stock's end) of the continued branch against the tangency conditions within
    1e-10 in the tax and 1e-8 in the stock (measured 1e-13: Newton on the augmented system;
    the stock is a square-root function of the tax at a fold, hence the looser bound)."""
    points = sorted(diagram.special_points, key=lambda p: p.param)
    assert len(points) == 2 and all(p.status == "converged" for p in points)
    for point, (s, tax) in zip(points, (COLLAPSE, RECOVERY)):
        assert abs(point.param - tax) < 1e-10 and abs(point.state["s"] - s) < 1e-8
    assert RECOVERY[1] - COLLAPSE[1] > 0.2  # recovery needs a tax well above the collapse's
    assert points[0].kind == "fold"


def test_the_recovery_fold_is_classified_as_a_fold(diagram):
    """Both turning points are folds: the branch-point test det [[J, F_p], [τᵀ]] keeps its
    sign across them (a left-null-vector test read the fast shares' F_p / ε as no F_p)."""
    assert [p.kind for p in sorted(diagram.special_points, key=lambda p: p.param)] == \
        ["fold", "fold"]


def test_a_slow_sweep_collapses_late_and_recovers_later():
    r"""Tax ramped from -0.1 (collapsed) to 0.45 and back at r = 2e-3 (mean field). The
    stock recovers just past T_r and collapses just below T_c. Near a fold the stock obeys
    ẋ = a μ + b x², a = |∂_T G|, b = |∂_s² G|/2 (by central differences of G), so the jump
    lags the fold by δ = Ω (r²/(a b))^(1/3) (Haberman 1979), with relative corrections
    O(r^(1/3)) ≈ 0.13 times an O(1) constant from the inner layer, O(ε |∂_s G|) from the
    fishers' lag, and the jump detector's window (0.08 of the range): allowed
    |gap/δ - 1| < 0.4."""
    rate = 2e-3
    loop = cp.hysteresis(cp.load("fishery", tax=SWEEP[0]), "tax", SWEEP, rate=rate,
                         diagram=None, observables=["s"], n_points=300, window=0.08)
    (up,) = [j for j in loop.jumps if j["direction"] == "up"]
    (down,) = [j for j in loop.jumps if j["direction"] == "down"]
    for jump, (s, tax), sign in ((up, RECOVERY, 1), (down, COLLAPSE, -1)):
        h = 1e-4
        a = abs(G(s, tax + h) - G(s, tax - h)) / (2 * h)
        b = abs(G(s + h, tax) - 2 * G(s, tax) + G(s - h, tax)) / (2 * h ** 2)
        delta = OMEGA * (rate ** 2 / (a * b)) ** (1 / 3)
        assert abs(sign * (jump["param"] - tax) / delta - 1) < 0.4
    assert up["param"] - down["param"] > RECOVERY[1] - COLLAPSE[1]


def test_finite_fleet_fishes_like_the_mean_field():
    r"""N = 2000 fishers at the defaults from the high stock, run to t = 40 (the slow rate
    is 0.40, so the start is forgotten by t = 20), averaged over t in [20, 40]. The share
    fishing is a mean of N Bernoulli choices, sd √(Λ̄(1 - Λ̄)/N) = 0.011 at fixed stock;
    the sampling of the costs adds at most as much again (√2), and the stock feeds the
    share back through G: δs = q E_max s δf / |∂_s G| (factor 0.67). Allowed 4 of these sd
    for the stock and for the share (whose fast noise averages over 20/ε = 200
    revision times, so the bias term dominates)."""
    N = 2000
    s_star = stocks(P["tax"])[-1]
    f_star = expected(s_star, P["tax"])
    sd_f = np.sqrt(2 * f_star * (1 - f_star) / N)
    sd_s = P["catchability"] * P["capacity"] * s_star * sd_f / abs(G_s(s_star, P["tax"]))
    run = cp.simulate(cp.load("fishery"), t_end=40, population=N, seed=1, dt=0.02,
                      n_points=401)
    late = run.t >= 20
    assert abs(run["s"][late].mean() - s_star) < 4 * sd_s
    assert abs(run["f"][late].mean() - f_star) < 4 * sd_f
