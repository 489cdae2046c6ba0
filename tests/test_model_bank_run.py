r"""The bank-run catalogue model against its closed forms (Diamond & Dybvig 1983; Morris &
Shin 1998 threshold strategies).

Defaults: κ = 1 (complementarity), d = 0.5 (drain), so k = κ + d = 1.5, σ = 0.25, τ = 1,
ε = 0.05. An equilibrium solves w = Φ((k w - f)/σ) with R = f - d w; the folds are at
z± = ±sqrt(2 log(k/(σ sqrt(2π)))), w = Φ(z±), f = k Φ(z±) - σ z±: the run starts below
f_run = 0.47013 and ends above f_recover = 1.02987.

The mean field of a threshold rule is exact through the thresholds' CDF (no quadrature
nodes enter), so the equilibrium searches skip the quadrature check (``quadrature="off"``)
and search the box the state lives in (``BOUNDS``: w is a share, R = f - d w).
"""

import numpy as np
import pytest
from scipy import optimize, stats

import coupling as cp

K, SIGMA, DRAIN, TAU = 1.5, 0.25, 0.5, 1.0
Z = np.sqrt(2 * np.log(K / (SIGMA * np.sqrt(2 * np.pi))))
F_RUN = K * stats.norm.cdf(-Z) + SIGMA * Z
F_RECOVER = K * stats.norm.cdf(Z) - SIGMA * Z
BOUNDS = {"w": (0.0, 1.0), "R": (-1.0, 2.0)}
SWEEP = (0.35, 1.15)


def bank(**params):
    return cp.load("bank-run", **params)


def withdrawn_shares(f):
    """Every root of Φ((k w - f)/σ) = w on [0, 1] (sign changes on a grid, brentq)."""
    g = lambda w: stats.norm.cdf((K * w - f) / SIGMA) - w
    grid = np.linspace(0, 1, 4001)
    values = g(grid)
    return np.array([optimize.brentq(g, a, b, xtol=1e-15) for a, b, ga, gb in
                     zip(grid[:-1], grid[1:], values[:-1], values[1:]) if ga * gb < 0])


def found(model):
    return cp.equilibria(model, bounds=BOUNDS, quadrature="off")


@pytest.fixture(scope="module")
def diagram():
    """The branch through the unique (run) equilibrium at the sweep's lower end."""
    start = bank(fundamentals=SWEEP[0])
    return cp.continuation(start, "fundamentals", SWEEP, start=found(start), bounds=BOUNDS)


def test_no_run_and_run_coexist_between_the_folds(diagram):
    """At f = 0.8: three equilibria against brentq roots of w = Φ((k w - f)/σ) (1e-10: both
    solve the same smooth equation to machine precision, |1 - kφ/σ| >= 0.05 at every root),
    the reserves R = f - d w, and stability from the smooth limit: stable iff kφ(z)/σ < 1
    (no run, run), the middle one unstable (a saddle of the coupled system). Along the whole
    continued branch: every point solves the same equation (1e-9, the corrector's
    tolerance), is stable iff kφ/σ < 1, and three points lie over each f between the folds,
    one outside."""
    expected = withdrawn_shares(0.8)
    equilibria = found(bank(fundamentals=0.8))
    assert len(expected) == 3 and len(equilibria) == 3
    np.testing.assert_allclose([e["w"] for e in equilibria], expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose([e["R"] for e in equilibria], 0.8 - DRAIN * expected,
                               rtol=0, atol=1e-10)
    assert [e.stable for e in equilibria] == [True, False, True]
    (branch,) = diagram.branches
    f, w, R = branch.param, diagram.observable(branch, "w"), diagram.observable(branch, "R")
    np.testing.assert_allclose(w, stats.norm.cdf((K * w - f) / SIGMA), rtol=0, atol=1e-9)
    np.testing.assert_allclose(R, f - DRAIN * w, rtol=0, atol=1e-9)
    slopes = K * stats.norm.pdf((K * w - f) / SIGMA) / SIGMA
    away = np.abs(slopes - 1) > 1e-3  # off the folds themselves
    assert np.array_equal(branch.stable[away], slopes[away] < 1)
    for value, count in ((0.4, 1), (0.6, 3), (1.0, 3), (1.1, 1)):
        assert np.count_nonzero(np.diff(np.sign(f - value))) == count
        assert len(withdrawn_shares(value)) == count


def test_the_run_starts_and_ends_at_the_folds_of_the_closed_form(diagram):
    """Two folds on one S-shaped branch, at f_run and f_recover within 1e-10 (Newton on the
    minimally augmented system, polished to ~1e-11 in its residual), with w = Φ(∓z) and
    R = f - d w there within 1e-8."""
    folds = diagram.folds()
    assert [p.status for p in folds] == ["converged", "converged"]
    run, recover = sorted(folds, key=lambda p: p.param)
    assert abs(run.param - F_RUN) < 1e-10 and abs(recover.param - F_RECOVER) < 1e-10
    for point, z in ((run, -Z), (recover, Z)):
        assert abs(point.state["w"] - stats.norm.cdf(z)) < 1e-8
        assert abs(point.state["R"] - (point.param - DRAIN * stats.norm.cdf(z))) < 1e-8


def test_a_slow_sweep_of_the_fundamentals_runs_late_and_recovers_later(diagram):
    r"""Fundamentals ramped from 0.35 (run) up to 1.15 and back at r = 0.01 per unit time
    (mean field). The bank recovers (w falls) on the way up just past f_recover and is run
    on (w rises) on the way down just below f_run: recovery needs more than the level at
    which the run began. Near a fold the depositors sit on their own equilibrium and the
    reserves obey τ x' = a μ + b x², a = 1, b = z k²/(2σd²) = 23.8, so the jump lags the
    fold by δ = Ω (τ² r²/(ab))^(1/3) = 0.0376 (Haberman 1979; Ω = 2.33811), with relative
    corrections O(r^(1/3)) = 0.22 (the inner layer, see tests/test_hysteresis.py) and
    O(ε/τ) = 0.05 (the depositors' own lag): allowed |gap/δ - 1| < 0.27."""
    rate = 1e-2
    loop = cp.hysteresis(bank(fundamentals=SWEEP[0]), "fundamentals", SWEEP, rate=rate,
                         diagram=diagram, n_points=150, rtol=1e-4, atol=1e-6)
    delta = 2.338107410459767 * (TAU ** 2 * rate ** 2 * 2 * SIGMA * DRAIN ** 2
                                 / (Z * K ** 2)) ** (1 / 3)
    (recovery,) = [j for j in loop.jumps if j["direction"] == "up"]
    (run,) = [j for j in loop.jumps if j["direction"] == "down"]
    assert recovery["from"] > 0.9 and recovery["to"] < 0.01
    assert run["from"] < 0.1 and run["to"] > 0.99
    assert abs((recovery["param"] - F_RECOVER) / delta - 1) < 0.27
    assert abs((F_RUN - run["param"]) / delta - 1) < 0.27
    assert loop.hysteresis and loop.width == pytest.approx(recovery["param"] - run["param"])


@pytest.mark.parametrize("seed", [1, 2])
def test_finite_depositors_settle_near_the_mean_field_no_run(seed):
    r"""N = 2000 depositors at f = 0.55 (no run, w* = 0.0183), from w = 0 and R = 1, run
    for 12 τ. At rest every depositor has settled on its (deterministic) decision, so the
    share is the empirical survival function S_N of the thresholds at the liquidity it
    leaves, w_N = S_N(f - k w_N) with sd(S_N) = sqrt(w*(1 - w*)/N) = 0.0030, amplified by
    the feedback factor 1/(1 - kφ(z*)/σ) = 1.37: allowed 4 of these sd (0.016). Revisions
    in steps dt = 0.02 = 0.4 ε only time the (deterministic) decisions. The reserves are at
    R = f - d w within 1e-4: what remains of their transient, e^{-12} x 0.45 = 3e-6, and of
    the last changes of w (d/N = 2.5e-4 each, decaying like e^{-t/τ} after them)."""
    f, N = 0.55, 2000
    (w_star, *_) = withdrawn_shares(f)
    slope = K * stats.norm.pdf((K * w_star - f) / SIGMA) / SIGMA
    sd = np.sqrt(w_star * (1 - w_star) / N) / (1 - slope)
    run = cp.simulate(bank(fundamentals=f), t_end=12 * TAU, population=N, seed=seed,
                      dt=0.02)
    assert abs(run["w"][-1] - w_star) < 4 * sd
    assert abs(run["R"][-1] - (f - DRAIN * run["w"][-1])) < 1e-4
