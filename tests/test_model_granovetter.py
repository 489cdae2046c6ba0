r"""The granovetter catalogue model against Granovetter (1978) and its exact mean field.

Mean field: r_{t+1} = Φ((r_t - μ)/σ), μ = 0.25. Its small-riot fixed point and the tipping
point merge in a fold at the critical spread σ*: r = Φ(z), φ(z) = σ with z = (r - μ)/σ, so
z = -sqrt(-2 log(σ sqrt(2π))) and Φ(z) = μ + σ z (solved here by brentq). Granovetter
(1978, AJS 83, 1420-1443) reports for a crowd of 100 with normally distributed thresholds of
mean 25 that the equilibrium number of rioters jumps from a handful to nearly all at a
critical standard deviation of about 12.2.
"""

import numpy as np
import pytest
from scipy import optimize, stats

import coupling as cp

MU = 0.25
GRANOVETTER_CRITICAL_SD = 12.2  # percent of the crowd, N = 100, mean 25


def tangency_z(sigma):
    return -np.sqrt(-2 * np.log(sigma * np.sqrt(2 * np.pi)))


def critical_spread():
    """σ* from the tangency of r = Φ((r - μ)/σ), independently of the library."""
    return optimize.brentq(lambda s: stats.norm.cdf(tangency_z(s)) - MU - s * tangency_z(s),
                           0.05, 0.3, xtol=1e-15, rtol=1e-15)


def fixed_points(sigma):
    """Every root of Φ((r - μ)/σ) = r on [0, 1] (sign changes on a grid, brentq)."""
    g = lambda r: stats.norm.cdf((r - MU) / sigma) - r
    grid = np.linspace(0, 1, 4001)
    values = g(grid)
    return [optimize.brentq(g, a, b, xtol=1e-15) for a, b, ga, gb in
            zip(grid[:-1], grid[1:], values[:-1], values[1:]) if ga * gb < 0]


def test_the_critical_spread_is_the_fold_of_the_mean_field():
    """Continuation in σ finds exactly one fold, at the tangency σ* = 0.12222 within 1e-10
    (the fold is polished by Newton on the minimally augmented system to ~1e-11 in its
    residual; brentq's σ* is exact to 1e-15), with the riot there r = μ + σ* z* within 1e-8
    (a fold's state is as accurate as its residual allows: the augmented system is regular
    there). Granovetter's 12.2 % is σ* to its printed precision (half a unit of the last
    digit, 0.05 %): the published figure is the continuum critical spread."""
    sigma_star = critical_spread()
    diagram = cp.continuation(cp.load("granovetter"), "sigma", (0.05, 0.3))
    (fold,) = diagram.folds()
    assert fold.status == "converged"
    assert abs(fold.param - sigma_star) < 1e-10
    assert abs(fold.state["r"] - (MU + sigma_star * tangency_z(sigma_star))) < 1e-8
    assert abs(100 * fold.param - GRANOVETTER_CRITICAL_SD) < 0.05


def test_the_riot_from_nobody_jumps_to_everyone_across_the_critical_spread():
    """Iterated from r = 0 for 300 periods (the bottleneck past the fold at σ = 1.01 σ*
    takes under 100), the mean field ends on the smallest fixed point: a small riot below
    σ*, (almost) everyone above; each equal to its brentq root within 1e-9 (the multiplier
    at the small riot for 0.99 σ* is 0.83, so 300 periods contract any transient by 1e-24)."""
    sigma_star = critical_spread()
    outcomes = {}
    for factor in (0.99, 1.01):
        sigma = factor * sigma_star
        run = cp.simulate(cp.load("granovetter", sigma=sigma), t_end=300)
        outcomes[factor] = run["r"][-1]
        assert run["r"][0] == 0.0
        assert abs(outcomes[factor] - fixed_points(sigma)[0]) < 1e-9
    assert outcomes[0.99] < 0.1 and outcomes[1.01] > 0.99


def test_granovetter_crowd_of_one_hundred_and_its_one_unit_change():
    """Thresholds 0, 1/100, ..., 99/100: each rioter brings in the next, everyone riots after
    100 periods (r_t = t/100 exactly); raise the threshold 1/100 to 2/100 and only the
    instigator riots. Exact (shares and thresholds are the same correctly rounded k/100)."""
    ladder = np.arange(100) / 100
    run = cp.simulate(cp.load("granovetter", thresholds=ladder), t_end=105)
    np.testing.assert_array_equal(run["r"][:101], np.arange(101) / 100)
    assert np.all(run["r"][100:] == 1.0)
    changed = ladder.copy()
    changed[1] = 0.02
    run = cp.simulate(cp.load("granovetter", thresholds=changed), t_end=10)
    np.testing.assert_array_equal(run["r"], [0.0] + [0.01] * 10)


def test_joining_at_equality_keeps_the_shares_counts_of_units():
    """With heaviside(0) = 1/2 instead, a unit whose threshold equals the share joins as half
    a unit: the instigator first, then each unit the period its threshold is reached, so the
    cascade crawls through the shares t/200 (no longer counts of units) and takes 200
    periods instead of 100."""
    model = cp.load("granovetter", thresholds=np.arange(100) / 100)
    half = model.replace(micro=cp.Map(rhs={"x": "heaviside(seen - theta)"},
                                      initial={"x": 0.0}))
    np.testing.assert_array_equal(cp.simulate(half, t_end=200)["r"], np.arange(201) / 200)


@pytest.mark.parametrize("sigma, seed", [(0.1, 1), (0.1, 2), (0.4, 1), (0.4, 2)])
def test_a_finite_crowd_ends_near_the_mean_field_fixed_point(sigma, seed):
    r"""N = 10^4 sampled thresholds, from r = 0. The final share r_N is the first fixed point
    of the empirical CDF F_N, F_N(r) = F(r) + e(r) with sd(e) = sqrt(F(1 - F)/N); to first
    order r_N - r* = e(r*)/(1 - F'(r*)), F' = φ(z*)/σ the multiplier of the stable fixed
    point (0.21 at σ = 0.1, small riot 0.0077; 0.20 at σ = 0.4, 0.963), far from the
    critical spread where 1 - F' vanishes. Allowed: 4 of these standard deviations
    (0.0044 and 0.0095). The finite run reaches its fixed point exactly (a monotone
    sequence on the lattice k/N)."""
    N = 10_000
    run = cp.simulate(cp.load("granovetter", sigma=sigma), t_end=60, population=N,
                      seed=seed)
    r_star = fixed_points(sigma)[0]
    slope = stats.norm.pdf((r_star - MU) / sigma) / sigma
    sd = np.sqrt(r_star * (1 - r_star) / N) / (1 - slope)
    assert run["r"][-1] == run["r"][-2]
    assert abs(run["r"][-1] - r_star) < 4 * sd
