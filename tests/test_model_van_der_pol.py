r"""The van-der-pol catalogue model against the relaxation asymptotics of its period
(van der Pol 1926; Dorodnitsyn 1947; Mishchenko & Rozov 1980, ch. III).

In slow time, ε = 1/μ²: T(ε) = 3 - 2 ln 2 + 3α ε^(2/3) + (ε ln ε)/3 + O(ε), α = 2.338107
(the first zero of Ai(-z)); in the classical time T_classical = μ T(ε). Periods are measured
between successive upward crossings of y = 0, located by events on the dense output of the
stiff integrator (rtol 1e-6: the crossing times are good to ~1e-6, far below the O(ε)
remainder being tested). σ = 0 makes one node the exact mean field.
"""

import numpy as np
import pytest

import coupling as cp

T0 = 3 - 2 * np.log(2)
ALPHA = 2.338107410459767
ONE_NODE = cp.MeanField(nodes=1)
UP = {"up": cp.Event("y", direction=1)}


def period(mu):
    """The period in slow time at ε = 1/μ², from the second cycle on."""
    run = cp.simulate(cp.load("van-der-pol", eps=mu ** -2.0), 3.6, population=ONE_NODE,
                      events=UP, rtol=1e-6, atol=1e-8, n_points=2)
    return float(np.diff(run.events["up"]["t"][:2])[0])


@pytest.fixture(scope="module")
def periods():
    mus = np.array([5.0, 20.0, 50.0])
    return mus, np.array([period(mu) for mu in mus])


def test_period_follows_the_large_mu_asymptotics(periods):
    """Classical period μT against (3 - 2 ln 2) μ + 3α μ^(-1/3) - (2/3) μ^(-1) ln μ: the
    remainder is O(1/μ) (O(ε) in slow time), measured -1.72/μ, -1.52/μ, -1.44/μ; allowed
    2/μ, the bound of tests/test_timescales.py. Each added term of the expansion shrinks
    the error, and the two-term error shrinks with μ like (2/3) ln μ/μ."""
    mus, T = periods
    classical = mus * T
    two = (3 - 2 * np.log(2)) * mus + 3 * ALPHA * mus ** (-1 / 3)
    three = two - 2 / 3 * np.log(mus) / mus
    assert np.all(np.abs(classical - three) < 2 / mus)
    assert np.all(np.abs(classical - three) < np.abs(classical - two))
    assert np.all(np.abs(classical - two) < np.abs(classical - T0 * mus))
    assert np.all(np.diff(np.abs(classical - two)) < 0)


def test_reduction_gives_the_relaxation_period():
    """cp.reduce: the ε → 0 model relaxes between the folds; its period is 3 - 2 ln 2.
    Crossings of y = 0 interpolated linearly between outputs dt = 0.0045 apart, where
    |ÿ| = |Ẋ| = √3/2 (X = -√3): error below dt² |ÿ|/8 = 2.2e-6 each; allowed 1e-5."""
    run = cp.simulate(cp.reduce(cp.load("van-der-pol")), 3.6, n_points=801)
    y, t = run["y"], run.t
    i = np.nonzero((y[:-1] < 0) & (y[1:] >= 0))[0]
    crossings = t[i] - y[i] * (t[i + 1] - t[i]) / (y[i + 1] - y[i])
    assert crossings.size >= 2
    assert abs(np.diff(crossings)[0] - T0) < 1e-5


def test_finite_population_with_offsets_is_the_shifted_oscillator():
    r"""N = 40 units with offsets a_i ~ Normal(0, 0.3), μ = 10: the aggregate is a Van der
    Pol oscillator with offset ā = mean(a_i), so its period equals the mean field's
    (to the integrator's 1e-5) and its y on the cycle is shifted by -ā: the top of y is
    2/3 - ā + O(ε^(2/3)) in both, so max y_N - max y_MF = -ā within 1e-4. The shift
    itself is a mean of N Normal offsets: |ā| < 4 σ/√N."""
    N, sigma, mu = 40, 0.3, 10.0
    model = cp.load("van-der-pol", eps=mu ** -2.0, sigma=sigma)
    options = {"events": UP, "rtol": 1e-7, "atol": 1e-9, "n_points": 4001}
    finite = cp.simulate(model, 3.6, population=N, seed=3, **options)
    mean_field = cp.simulate(model, 3.6, population=ONE_NODE, **options)
    late = finite.t > 2.0
    a_bar = -(finite["y"][late].max() - mean_field["y"][late].max())
    assert abs(a_bar) < 4 * sigma / np.sqrt(N)
    T_N = np.diff(finite.events["up"]["t"])[-1]
    T_MF = np.diff(mean_field.events["up"]["t"])[-1]
    assert abs(T_N - T_MF) < 1e-5
