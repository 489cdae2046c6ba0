r"""The institutions catalogue model: high- and low-trust equilibria, hysteresis in the
enforcement budget, and a finite population against its mean field.

Reference throughout: the mean-field self-consistency S = C(S; b) = E_a[Λ(β(a + bS − g))],
a ~ Normal(0, σ), solved here independently of the engine, with the expectation by adaptive
quadrature (scipy.integrate.quad, 1e-13) and the roots by brentq / fsolve. The engine runs
on 24 Gauss–Hermite nodes: its error on these equilibria decays geometrically with the node
count (measured 2e-8 at 16 nodes, 6e-10 at 24, 3e-12 at 32), hence the tolerance 1e-8 on
equilibria and on fold locations.
"""

import numpy as np
import pytest
from scipy import integrate, optimize, special

import coupling as cp

BETA, GAIN, SIGMA, TAU, EPS, BUDGET = 4.0, 1.0, 0.3, 10.0, 0.1, 2.5
NODES = cp.MeanField(nodes=24)
BOX = {"c": (0.0, 1.0), "S": (0.0, 1.0)}
OMEGA = 2.338107410459767  # first zero of -Ai (Haberman 1979)


def expected(f, S, b):
    """E_a[f(Λ(β(a + bS − g)))] by adaptive quadrature over ±12 σ."""
    def integrand(a):
        density = np.exp(-0.5 * (a / SIGMA) ** 2) / (SIGMA * np.sqrt(2 * np.pi))
        return f(special.expit(BETA * (a + b * S - GAIN))) * density
    return integrate.quad(integrand, -12 * SIGMA, 12 * SIGMA, epsabs=1e-14, epsrel=1e-13)[0]


def compliance(S, b):
    return expected(lambda p: p, S, b)


def slope(S, b):
    """∂C/∂S = β b E[Λ(1 − Λ)]."""
    return BETA * b * expected(lambda p: p * (1 - p), S, b)


def fixed_points(b):
    grid = np.linspace(0, 1, 401)
    g = np.array([compliance(S, b) - S for S in grid])
    return [optimize.brentq(lambda S: compliance(S, b) - S, lo, hi, xtol=1e-15)
            for lo, hi, glo, ghi in zip(grid[:-1], grid[1:], g[:-1], g[1:]) if glo * ghi < 0]


def fold(guess):
    """(S, b) of the tangency C(S; b) = S, ∂C/∂S = 1."""
    return optimize.fsolve(lambda v: [compliance(*v) - v[0], slope(*v) - 1], guess,
                           xtol=1e-13)


@pytest.fixture(scope="module")
def model():
    return cp.load("institutions")


@pytest.fixture(scope="module")
def found(model):
    return cp.equilibria(model, population=NODES, bounds=BOX, quadrature="check")


@pytest.fixture(scope="module")
def diagram(model, found):
    return cp.continuation(model, "budget", (1.4, 3.6), start=[found[0]], population=NODES,
                           bounds=BOX)


def spectrum(S):
    r"""The exact spectrum at an equilibrium: a slow mode with every node's probability
    following S, δp_j = P_j'(S) δS/(1 + ελ), so τλ = C'(S)/(1 + ελ) − 1, i.e. the two roots
    of (1 + τλ)(1 + ελ) = C'(S); and −1/ε for the other 2M − 1 modes of the M nodes' two
    option probabilities (the M − 1 with Σ w_j δp_j = 0 and the M that change p_0 + p_1)."""
    roots = np.roots([EPS * TAU, TAU + EPS, 1 - slope(S, BUDGET)])
    return np.sort(np.concatenate([roots.real, np.full(2 * NODES.nodes - 1, -1 / EPS)]))


def test_high_and_low_trust_equilibria_at_the_default_budget(found):
    """Three equilibria (stable, saddle, stable) at the roots of S = C(S; 2.5), to 1e-8 (the
    quadrature error, see the module notes), each with S = c, and the whole spectrum of the
    coupled Jacobian (49 eigenvalues) against :func:`spectrum`, to 1e-7 relative (C' carries
    the quadrature error)."""
    roots = fixed_points(BUDGET)
    assert len(roots) == 3 and len(found) == 3
    assert [e.n_unstable for e in found] == [0, 1, 0]
    assert [e.stable for e in found] == [True, False, True]
    for e, S in zip(found, roots):
        assert abs(e["S"] - S) < 1e-8 and abs(e["c"] - e["S"]) < 1e-12
        measured = np.sort(np.asarray(e.eigenvalues).real)
        np.testing.assert_allclose(measured, spectrum(S), rtol=1e-7, atol=0)
        assert np.max(np.abs(np.asarray(e.eigenvalues).imag)) < 1e-12
    low, _, high = roots
    assert low < 0.1 and high > 0.9  # a low-trust and a high-trust state


def test_folds_in_the_budget_are_the_tangencies(diagram):
    """Continuation in the budget finds exactly two folds, at the independent tangencies
    C = S, C' = 1 (fsolve), within 1e-8 in b and S: keeping trust needs b > 1.7955,
    restoring it needs b > 3.2297."""
    folds = sorted(diagram.folds(), key=lambda p: p.param)
    assert len(folds) == 2
    for point, guess in zip(folds, [(0.8, 1.8), (0.1, 3.2)]):
        S, b = fold(guess)
        assert abs(point.param - b) < 1e-8 and abs(point.state["S"] - S) < 1e-8
    assert folds[1].param - folds[0].param > 1.4


def test_quasi_static_sweep_jumps_just_past_the_folds(model, diagram):
    r"""A sweep of the budget at rate r = 2e-3 up and back down: the low-trust state jumps up
    after the upper fold and the high-trust state down after the lower one.

    Tolerance from the sweep: near a fold the slow reduction is τ dS/dt = a μ + κ x² with
    a = ∂C/∂b and κ = C''/2 (computed here by differences of the quadrature), and the jump
    lags the fold by δ = Ω (τ² r²/(a κ))^{1/3} (Haberman 1979, as in tests/test_hysteresis.py),
    approached from below with a relative correction O(r^{1/3}) (measured here: -18 % up and
    -25 % down at r = 2e-3, -15 % and -18 % at r = 1e-3). So the delay must lie in
    (0.6 δ, δ], and within the sweep's own delay estimate δ̂ (its rate check). The hold of
    40 = 3.7/λ at each end lets the state settle on the branch it starts from."""
    loop = cp.hysteresis(model, "budget", (1.4, 3.6), rate=2e-3, hold=40, population=NODES,
                         diagram=diagram, n_points=200, rtol=1e-5)
    assert loop.hysteresis and not loop.rate_dominated
    jumps = {j["direction"]: j for j in loop.jumps}
    assert sorted(jumps) == ["down", "up"] and len(loop.jumps) == 2
    for direction, guess, sign in [("up", (0.1, 3.2), 1), ("down", (0.8, 1.8), -1)]:
        S, b = fold(guess)
        h = 1e-4
        a = abs(compliance(S, b + h) - compliance(S, b - h)) / (2 * h)
        kappa = abs(compliance(S + h, b) - 2 * compliance(S, b)
                    + compliance(S - h, b)) / (2 * h * h)
        haberman = OMEGA * (TAU ** 2 * loop.rate ** 2 / (a * kappa)) ** (1 / 3)
        delay = sign * (jumps[direction]["param"] - b)
        assert 0.6 * haberman < delay <= haberman, (direction, delay, haberman)
        assert delay < loop.delay_estimate
    assert jumps["up"]["from"] < 0.2 and jumps["up"]["to"] > 0.9
    assert jumps["down"]["from"] > 0.7 and jumps["down"]["to"] < 0.1


def test_finite_population_settles_at_the_mean_field_high_trust_state(model):
    r"""N = 1000 individuals from S = 0.5 (the high-trust basin at b = 2.5) for 8 τ; the
    shares at the end against the mean-field equilibrium C(S*) = S*.

    Tolerance: two independent O(1/√N) errors, the sampled tastes (the population's own
    expected compliance differs from E_a by at most sd/√N <= sqrt(c(1 − c)/N)) and the
    current choices (binomial, sqrt(c(1 − c)/N)), amplified by the loop gain 1/(1 − C'(S*));
    4 standard errors: 4 sqrt(2 c(1 − c)/N)/(1 − C'). The transient decays like
    e^{-(1 − C') t/τ} = e^{-7.6}, well inside it."""
    N = 1000
    S_star = fixed_points(BUDGET)[-1]
    gain = 1 / (1 - slope(S_star, BUDGET))
    run = cp.simulate(model, t_end=8 * TAU, n_points=81, population=N, seed=7, dt=0.05)
    tolerance = 4 * np.sqrt(2 * S_star * (1 - S_star) / N) * gain
    assert abs(run["c"][-1] - S_star) < tolerance
    assert abs(run["S"][-1] - S_star) < tolerance
    assert tolerance < 0.02  # the test discriminates: S* = 0.995, the saddle at 0.28
