"""lock-in: the Pólya urn's Beta limit (Eggenberger & Pólya 1923; Hill, Lane & Sudderth 1980),
Arthur's (1989) lock-in probability from the gambler's ruin, and the neutral mean field."""

import numpy as np
import pytest
from scipy import stats

import coupling as cp

A, B = 2.0, 1.0       # urn weights: Beta(2, 1), mean 2/3, variance 1/18
N, R = 50, 150        # adopters per run (the capacity), replicate runs


@pytest.fixture(scope="module")
def urn_runs():
    """R replicate urns of N adopters: the share of A after every adopter, (R, N + 1)."""
    model = cp.load("lock-in", kind="polya", a=A, b=B, population=N)
    return np.array([cp.simulate(model, N, seed=seed)["share_A"] for seed in range(R)])


def _share_variance(n=None):
    """Var(n_A/n) of the beta-binomial(n, a, b) share; Beta's ab/((a+b)^2(a+b+1)) for
    n = None (n → ∞)."""
    s = A + B
    return A * B / (s**2 * (s + 1)) * (1 if n is None else (s + n) / n)


def test_polya_limit_share_is_beta_distributed(urn_runs):
    """Kolmogorov–Smirnov of the R shares after N adopters against Beta(a, b), at level
    0.1 %. The shares live on the grid k/N: their exact law (beta-binomial) is D_grid =
    0.0385 from Beta(a, b) in Kolmogorov distance (computed here), so the test's true level
    is at most P(D_R > c - D_grid) = 2.6 % (c its critical distance; required < 5 %).
    The mean a/(a + b) and the variance (beta-binomial at N; Beta's 1/18 plus O(1/N)) are
    checked within 4 standard errors of R replicates (the variance's from the sample
    fourth moment)."""
    ends = urn_runs[:, -1]
    k = np.arange(N + 1)
    exact, limit = stats.betabinom(N, A, B).cdf(k), stats.beta(A, B).cdf(k / N)
    d_grid = max(np.max(np.abs(exact - limit)), np.max(np.abs(exact[:-1] - limit[1:])))
    critical = stats.kstwo(R).isf(0.001)
    assert stats.kstwo(R).sf(critical - d_grid) < 0.05
    assert stats.kstest(ends, stats.beta(A, B).cdf).pvalue > 0.001
    variance = _share_variance(N)
    assert abs(ends.mean() - A / (A + B)) <= 4 * np.sqrt(variance / R)
    centred = ends - ends.mean()
    se_variance = np.sqrt((np.mean(centred**4) - np.var(ends) ** 2) / R)
    assert abs(np.var(ends, ddof=1) - variance) <= 4 * se_variance


def test_polya_mean_field_is_neutral_and_the_spread_comes_from_early_adopters(urn_runs):
    """The mean-field recursion x_{t+1} = x_t + (P_t - x_t)/(n_t + 1) keeps the urn fraction
    u = (a + n x)/(a + b + n) fixed (to rounding, 1e-12): from n_0 = 10 adopters at share
    x_0 the share converges to u_0, a different limit for every start, so every share is a
    fixed point of the limiting mean dynamics. From the empty urn it stays at a/(a + b),
    which is E[x_t] of the finite runs exactly (P is affine in the share): their mean is
    within 4 standard errors at every t. The randomness is made early: after 10 adopters
    the replicates' variance is already the beta-binomial value, 1.3 times the variance of
    the limit, within 4 standard errors; later adopters only settle it (to 1.06 times at
    N = 50, see above)."""
    model = cp.load("lock-in", kind="polya", a=A, b=B)
    later = model.replace(arrivals=cp.Arrivals(initial=10, count="n", revise=False))
    limits = []
    for x0 in (0.2, 0.5, 0.8):
        run = cp.simulate(later, 400, population="mean-field", initial={"s": [1 - x0, x0]})
        n, x = run["n"], run["share_A"]
        urn = (A + n * x) / (A + B + n)
        np.testing.assert_allclose(urn, urn[0], atol=1e-12)
        limits.append(x[-1])
        assert x[-1] == pytest.approx(urn[0], abs=(A + B) / n[-1])
    assert np.all(np.diff(limits) > 0.2)
    mean_field = cp.simulate(model, N, population="mean-field")["share_A"]
    np.testing.assert_allclose(mean_field[1:], A / (A + B), atol=1e-12)
    se = urn_runs.std(axis=0, ddof=1)[1:] / np.sqrt(R)
    assert np.all(np.abs(urn_runs.mean(axis=0)[1:] - mean_field[1:]) <= 4 * se)
    early = urn_runs[:, 10]
    centred = early - early.mean()
    se_variance = np.sqrt((np.mean(centred**4) - np.var(early) ** 2) / R)
    assert abs(np.var(early, ddof=1) - _share_variance(10)) <= 4 * se_variance


def _survival(p, m, steps):
    """P(the walk ±1 from 0 is still strictly inside (-m, m) after ``steps`` adopters)."""
    size = 2 * m - 1
    walk = np.diag(np.full(size - 1, p), 1) + np.diag(np.full(size - 1, 1 - p), -1)
    return np.linalg.matrix_power(walk, steps)[m - 1].sum()


@pytest.mark.parametrize("a_R, b_R, r", [(1.0, 0.5, 0.5), (1.0, 0.25, 0.5)])
def test_arthur_locks_in_with_the_gamblers_ruin_probability(a_R, b_R, r):
    """Δ = (a_R - b_R)/r = 1 (a tie at |d| = 1, decided by the agents' own preference) and
    Δ = 1.5 both put the absorbing barriers at ±m, m = floor(Δ) + 1 = 2; with p = 0.7 the
    lock-in probability is 1/(1 + (q/p)^m) = 0.8448 (Δ itself as the exponent would give
    0.7 for Δ = 1, 4 standard errors away at R = 100). The frequency of lock-in to A
    over R = 100 runs is within 4 binomial standard errors. Every run locks in by the
    capacity of 30 adopters: the exact chance that one of the R walks is still inside
    the barriers then is below 1e-3. After the walk first reaches ±m, every adopter picks
    the leader."""
    p, replicates, capacity = 0.7, 100, 30
    m = int(np.floor((a_R - b_R) / r)) + 1
    assert replicates * _survival(p, m, capacity) < 1e-3
    model = cp.load("lock-in", kind="arthur", p=p, a_R=a_R, b_R=b_R, r=r,
                    population=capacity)
    to_a = 0
    for seed in range(replicates):
        lead = np.rint(cp.simulate(model, capacity, seed=seed)["lead"]).astype(int)
        hit = int(np.flatnonzero(np.abs(lead) >= m)[0])
        assert abs(lead[hit]) == m
        np.testing.assert_array_equal(np.diff(lead[hit:]), np.sign(lead[hit]))
        to_a += lead[hit] > 0
    q = 1 - p
    expected = 1 / (1 + (q / p) ** m)
    assert expected == pytest.approx((1 - (q / p) ** m) / (1 - (q / p) ** (2 * m)))
    se = np.sqrt(expected * (1 - expected) / replicates)
    assert abs(to_a / replicates - expected) <= 4 * se


def test_arthur_has_no_smooth_mean_field_and_bad_kinds_are_refused():
    """P(A | d) is a step function of the aggregates: the mean-field limit is refused."""
    with pytest.raises(cp.DeclarationError, match="step") as info:
        cp.simulate(cp.load("lock-in", kind="arthur"), 5, population="mean-field")
    assert info.value.symbol == "pA"
    with pytest.raises(cp.DeclarationError, match="kind"):
        cp.load("lock-in", kind="urn")
