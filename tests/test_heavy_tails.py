r"""Heavy-tailed traits: the Lorentzian (Cauchy) distribution and finite mixtures.

Closed forms for θ ~ Lorentzian(c, Δ) (density Δ/(π((θ - c)^2 + Δ^2))):
E[1/(1 + θ^2)] = (1 + Δ)/((1 + Δ)^2 + c^2) (the convolution of two Lorentzians), 1/(1 + Δ)
at c = 0; the characteristic function E[cos(tθ)] = e^{-Δ|t|} at c = 0; median c,
interquartile range 2Δ. Kuramoto's self-consistency (Strogatz 2000, "From Kuramoto to
Crawford", Physica D 143, 1-20): the locked oscillators give
r = K r ∫_{-π/2}^{π/2} cos²φ g(K r sin φ) dφ, which for Lorentzian natural frequencies of half
width Δ is solved by r = sqrt(1 - K_c/K), K_c = 2Δ, for K > K_c.
"""

import itertools

import numpy as np
import pytest
import sympy as sp
from scipy import optimize, stats

import coupling as cp


def expectation(dist, g, n, params=None):
    """Σ_i w_i g(θ_i) over the mean-field nodes of dist."""
    nodes, weights = dist.nodes(n, **dist.resolve(params or {}))
    return weights @ g(nodes)


def bounded(theta):
    return 1 / (1 + theta**2)


def lorentzian_bounded(c, delta):
    return (1 + delta) / ((1 + delta) ** 2 + c**2)


# ---------------------------------------------------------------------- quadrature
@pytest.mark.parametrize("delta", [0.3, 1.0, 2.5])
def test_bounded_analytic_integrand_is_exact(delta):
    """E[1/(1 + θ^2)] = 1/(1 + Δ): the integrand is analytic on the extended line after the
    substitution, so 64 Legendre nodes reach rounding (1e-13; measured <= 2e-15, already
    2e-14 .. 3e-8 at 32 nodes: the rate depends on how close to (0, 1) the poles θ = ±i
    land in u)."""
    value = expectation(cp.Lorentzian(0, delta), bounded, 64)
    assert abs(value - 1 / (1 + delta)) < 1e-13


def test_error_falls_exponentially_as_the_nodes_double():
    """Analytic case (c = 0.5, Δ = 2): geometric convergence C ρ^{-2n} roughly squares the
    error when n doubles; asserted: err(2n) <= err(n)^1.5 for n = 8, 16, 32 (measured
    exponents 1.97, 1.98 before rounding), and rounding (1e-14) at 64 nodes."""
    dist = cp.Lorentzian(0.5, 2.0)
    exact = lorentzian_bounded(0.5, 2.0)
    errors = [abs(expectation(dist, bounded, n) - exact) for n in (8, 16, 32, 64)]
    assert errors[0] > 1e-3  # not trivially exact
    for coarse, fine in itertools.pairwise(errors):
        assert fine <= coarse**1.5
    assert errors[3] < 1e-14


@pytest.mark.parametrize("t", [0.5, 1.0, 2.0])
def test_characteristic_function_converges_algebraically(t):
    """E[cos(tθ)] = e^{-Δ|t|} (Δ = 1): cos(tΔ tan(π(u - 1/2))) oscillates without bound as
    u -> 0, 1, and Legendre nodes resolve it only down to distances ~1/n from the ends, where
    the integrand is bounded by 1: error O(1/n), bounded here by 4/n (measured n·error <= 2.6
    for n <= 2048), and falling from 64 to 512 nodes."""
    dist = cp.Lorentzian(0, 1.0)
    exact = np.exp(-abs(t))
    error = {n: abs(expectation(dist, lambda x: np.cos(t * x), n) - exact) for n in (64, 512)}
    assert error[512] <= 4 / 512
    assert error[512] < error[64] or error[64] <= 4 / 512


def test_kuramoto_locking_through_the_nodes():
    r"""The locked fraction Σ_i w_i sqrt(1 - (ω_i/(K r))^2) [|ω_i| <= K r] over the nodes is
    the self-consistency integral K r ∫ cos²φ g(K r sin φ) dφ (ω = K r sin φ), equal to r at
    r = sqrt(1 - 2Δ/K). The square-root edges at ω = ±K r make the error O(n^{-3/2}): bound
    2 n^{-3/2} (measured n^{3/2}·error <= 1.4 for 50 <= n <= 1600)."""
    K, delta, n = 3.0, 0.5, 400
    r = np.sqrt(1 - 2 * delta / K)

    def locked(omega):
        return np.sqrt(np.clip(1 - (omega / (K * r)) ** 2, 0, None))

    assert abs(expectation(cp.Lorentzian(0, delta), locked, n) - r) <= 2 * n**-1.5
    # and the node integral is not r away from the solution (the test can fail)
    assert abs(expectation(cp.Lorentzian(0, 2 * delta), locked, n) - r) > 0.1


def test_mean_field_equilibrium_of_a_model_with_a_lorentzian_trait():
    """x relaxes to 1/(1 + θ^2): the mean-field equilibrium of the aggregate X = E[x] is
    1/(1 + Δ), to 1e-12 (the default 32 nodes are exact to rounding for this integrand)."""
    model = cp.Model(micro=cp.ODE(rhs={"x": "1/(1 + theta**2) - x"}, initial={"x": 0.0}),
                     traits={"theta": cp.Lorentzian(0, "Delta")}, aggregates={"X": "x"},
                     parameters={"Delta": 0.7})
    (equilibrium,) = cp.equilibria(model)
    assert abs(equilibrium.aggregates["X"] - 1 / 1.7) < 1e-12


# ---------------------------------------------------------------------- CDF and threshold
def test_cdf_and_pdf_match_scipy():
    """F and f against scipy.stats.cauchy (1e-14), for numbers and for parameter names, and
    a Mixture's as the weighted sums."""
    x = np.linspace(-20, 20, 41)
    dist = cp.Lorentzian("c", "d")
    params = {"c": 0.3, "d": 0.7}
    np.testing.assert_allclose(dist.cdf(x, params), stats.cauchy.cdf(x, 0.3, 0.7), atol=1e-14)
    np.testing.assert_allclose(dist.pdf(x, params), stats.cauchy.pdf(x, 0.3, 0.7), atol=1e-14)
    mixture = cp.Mixture([cp.Lorentzian(-1, 0.5), cp.Normal(2, 1)], [0.4, 0.6])
    np.testing.assert_allclose(
        mixture.cdf(x), 0.4 * stats.cauchy.cdf(x, -1, 0.5) + 0.6 * stats.norm.cdf(x, 2, 1),
        atol=1e-14)
    np.testing.assert_allclose(
        mixture.pdf(x), 0.4 * stats.cauchy.pdf(x, -1, 0.5) + 0.6 * stats.norm.pdf(x, 2, 1),
        atol=1e-14)
    assert dist.has_cdf and mixture.has_cdf
    assert not cp.Mixture([cp.Discrete([0, 1])], [1.0]).has_cdf


def test_threshold_rule_with_a_lorentzian_threshold():
    """Granovetter's threshold rule with θ ~ Lorentzian(c, Δ): the mean-field fixed points are
    the roots of r = 1/2 + arctan((r - c)/Δ)/π (through the exact CDF), against brentq roots
    (1e-10: both solve the same smooth equation; |1 - F'| >= 0.2 at every root), stable iff
    the multiplier f(r) is below 1."""
    c, delta = 0.5, 0.1
    expected = _check_threshold_fixed_points(
        cp.Lorentzian("c", "Delta"), {"c": c, "Delta": delta},
        lambda r: stats.cauchy.cdf(r, c, delta), lambda r: stats.cauchy.pdf(r, c, delta))
    assert len(expected) == 3


def test_threshold_rule_with_a_bimodal_lorentzian_mixture():
    """The same with θ ~ ½ Lorentzian(0.2, 0.05) + ½ Lorentzian(0.8, 0.05): F is the weighted
    sum of arctans, five fixed points (1e-10, as above)."""
    mixture = cp.Mixture([cp.Lorentzian(0.2, 0.05), cp.Lorentzian(0.8, 0.05)], [0.5, 0.5])

    def mixed(f):
        return lambda r: 0.5 * f(r, 0.2, 0.05) + 0.5 * f(r, 0.8, 0.05)

    expected = _check_threshold_fixed_points(mixture, {}, mixed(stats.cauchy.cdf),
                                             mixed(stats.cauchy.pdf))
    assert len(expected) == 5


def _check_threshold_fixed_points(trait, parameters, cdf, pdf):
    model = cp.Model(micro=cp.Map(rhs={"x": "where(seen >= theta, 1, 0)"}, initial={"x": 0.0}),
                     traits={"theta": trait}, aggregates={"r": "x"}, context={"seen": "r"},
                     parameters=parameters, time="discrete")

    def g(r):
        return cdf(r) - r

    grid = np.linspace(0, 1, 2001)
    signs = np.sign(g(grid))
    expected = [optimize.brentq(g, a, b, xtol=1e-15) for a, b, sa, sb
                in zip(grid[:-1], grid[1:], signs[:-1], signs[1:]) if sa * sb < 0]
    expected = np.sort(expected + list(grid[signs == 0]))
    found = sorted(cp.equilibria(model), key=lambda e: e.aggregates["r"])
    np.testing.assert_allclose([e.aggregates["r"] for e in found], expected, atol=1e-10)
    assert [e.stable for e in found] == list(pdf(expected) < 1)
    return expected


# ---------------------------------------------------------------------- finite populations
def test_sample_median_and_interquartile_range():
    """N = 10^4 draws of Lorentzian(c, Δ): median c and interquartile range 2Δ within 4
    asymptotic standard errors, sd(median) = πΔ/(2 sqrt N) and sd(IQR) = πΔ/sqrt N (from
    the quantiles' covariance p(1-q)/(N f(x_p) f(x_q)), f = 1/(2πΔ) at c ± Δ)."""
    c, delta, n = 1.5, 2.0, 10_000
    theta = cp.Lorentzian(c, delta).sample(np.random.default_rng(5), n, {})
    q1, median, q3 = np.quantile(theta, [0.25, 0.5, 0.75])
    assert abs(median - c) < 4 * np.pi * delta / (2 * np.sqrt(n))
    assert abs((q3 - q1) - 2 * delta) < 4 * np.pi * delta / np.sqrt(n)


def test_common_random_numbers_move_units_smoothly():
    """Same seed: a change of c shifts every unit by the change, a change of Δ scales every
    unit's distance from c (1e-12), and a Mixture unit keeps its component."""
    def draw(dist):
        return dist.sample(np.random.default_rng(3), 1000, {})

    base = draw(cp.Lorentzian(0.0, 1.0))
    np.testing.assert_allclose(draw(cp.Lorentzian(0.25, 1.0)), base + 0.25, atol=1e-12)
    np.testing.assert_allclose(draw(cp.Lorentzian(0.0, 1.5)), 1.5 * base, atol=1e-12, rtol=1e-12)

    def mixture(shift):
        return draw(cp.Mixture([cp.Lorentzian(-5 + shift, 0.1), cp.Lorentzian(5, 0.1)],
                               [0.5, 0.5]))
    a, b = mixture(0.0), mixture(0.5)
    moved = b != a
    np.testing.assert_allclose(b[moved] - a[moved], 0.5, atol=1e-12)
    assert 400 < moved.sum() < 600


def test_finite_population_mixture_share():
    """A finite population of N = 10^4 with a two-Lorentzian mixture trait: the share of
    positive traits against P(θ > 0) = Σ_k w_k (1 - F_k(0)) within 4 sqrt(p(1-p)/N); the same
    seed gives the same numbers."""
    n = 10_000
    mixture = cp.Mixture([cp.Lorentzian(-1, 0.5), cp.Lorentzian("omega", 1.0)], [0.3, 0.7])
    model = cp.Model(micro=cp.ODE(rhs={"x": "-x"}, initial={"x": 0.0}),
                     traits={"theta": mixture},
                     aggregates={"positive": "where(theta > 0, 1, 0)"},
                     parameters={"omega": 2.0}, population=n)
    share = cp.simulate(model, t_end=0.1, seed=11)["positive"]
    p = 0.3 * stats.cauchy.sf(0, -1, 0.5) + 0.7 * stats.cauchy.sf(0, 2, 1)
    assert abs(share[0] - p) < 4 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_array_equal(share, cp.simulate(model, t_end=0.1, seed=11)["positive"])


# ---------------------------------------------------------------------- mixtures
def test_mixture_nodes_integrate_polynomials_of_normals_exactly():
    """Two Normals, 4 Hermite nodes each: exact for degree <= 7; E[θ^3] and E[θ^4] from
    μ^3 + 3μσ^2 and μ^4 + 6μ^2σ^2 + 3σ^4 to rounding (1e-12 relative)."""
    mixture = cp.Mixture([cp.Normal(-1, 0.5), cp.Normal("mu", 1.0)], [0.3, 0.7])
    params = {"mu": 2.0}
    nodes, weights = mixture.nodes(4, **mixture.resolve(params))
    assert nodes.size == 8 and abs(weights.sum() - 1) < 1e-15

    def moments(mu, s):
        return mu**3 + 3 * mu * s**2, mu**4 + 6 * mu**2 * s**2 + 3 * s**4

    exact = 0.3 * np.array(moments(-1, 0.5)) + 0.7 * np.array(moments(2.0, 1.0))
    measured = [expectation(mixture, lambda x, k=k: x**k, 4, params) for k in (3, 4)]
    np.testing.assert_allclose(measured, exact, rtol=1e-12)


def test_bimodal_lorentzian_mixture_bounded_function():
    """Lorentzians at ±ω0 (the bimodal Kuramoto case): E[1/(1 + θ^2)] is the weighted sum of
    (1 + Δ)/((1 + Δ)^2 + ω0^2), to 1e-13 at 128 nodes per component (analytic integrand;
    its poles land close to the ends of (0, 1) for ω0 = 1.5, Δ = 0.4, so convergence is
    slower than at c = 0: errors 1e-6, 5e-10, 8e-15 at 32, 64, 128 nodes)."""
    omega0, delta = 1.5, 0.4
    mixture = cp.Mixture([cp.Lorentzian(-omega0, delta), cp.Lorentzian(omega0, delta)],
                         [0.5, 0.5])
    value = expectation(mixture, bounded, 128)
    assert abs(value - lorentzian_bounded(omega0, delta)) < 1e-13
    asymmetric = cp.Mixture([cp.Lorentzian(-omega0, delta), cp.Lorentzian(0.5, 1.0)],
                            [0.25, 0.75])
    expected = 0.25 * lorentzian_bounded(omega0, delta) + 0.75 * lorentzian_bounded(0.5, 1.0)
    assert abs(expectation(asymmetric, bounded, 128) - expected) < 1e-13


def test_model_file_round_trip(tmp_path):
    """A mean-field model with a Mixture of Lorentzians and of a Normal survives
    cp.write_model / cp.read_model: equal traits and identical simulated aggregates."""
    traits = {"theta": cp.Mixture([cp.Lorentzian("c", 0.5), cp.Lorentzian(1.0, "d"),
                                   cp.Normal(0, 1)], [0.25, 0.25, 0.5]),
              "eta": cp.Lorentzian(0, "d")}
    model = cp.Model(micro=cp.ODE(rhs={"x": "1/(1 + theta**2) + cos(eta) - x"},
                                  initial={"x": 0.0}),
                     traits=traits, aggregates={"X": "x"},
                     parameters={"c": -1.0, "d": 0.3}, population=cp.MeanField(nodes=8))
    path = tmp_path / "heavy.json"
    cp.write_model(model, path)
    back = cp.read_model(path)
    assert back.traits == model.traits
    np.testing.assert_array_equal(cp.simulate(back, t_end=2.0)["X"],
                                  cp.simulate(model, t_end=2.0)["X"])


# ---------------------------------------------------------------------- refusals
def test_moments_that_do_not_exist_are_named():
    """For a Lorentzian (or a mixture containing one) the mean of θ and the variance of an
    expression growing like |θ| do not exist and are named; bounded expressions, expressions
    not reading the trait and light-tailed traits pass."""
    theta, x = sp.symbols("theta x", real=True)
    heavy = cp.Lorentzian(0, 1)
    assert "mean of theta" in heavy.moment_problem(theta, "theta")
    assert "variance" in heavy.moment_problem(x * theta / (1 + x**2), "theta", variance=True)
    assert heavy.moment_problem(theta**2 / (1 + theta**2), "theta") is None
    assert heavy.moment_problem(sp.cos(theta), "theta") is None
    assert heavy.moment_problem(x, "theta") is None
    mixture = cp.Mixture([cp.Normal(), heavy], [0.5, 0.5])
    assert mixture.moment_order == 1
    assert mixture.moment_problem(theta**2, "theta") is not None
    assert cp.Normal().moment_problem(theta**2, "theta", variance=True) is None


def test_negative_half_width_is_refused():
    with pytest.raises(cp.DeclarationError, match="half_width must be >= 0"):
        cp.Model(micro=cp.ODE(rhs={"x": "-x"}, initial={"x": 0.0}),
                 traits={"theta": cp.Lorentzian(0, -1.0)}, aggregates={"X": "x"})
    with pytest.raises(cp.ParameterDomainError, match="parameter 'd'"):
        cp.Lorentzian(0, "d").cdf(0.0, {"d": -0.5})
    with pytest.raises(cp.DeclarationError, match="number or a parameter name"):
        cp.Lorentzian(0, [1.0])


@pytest.mark.parametrize("components, weights, message", [
    ([cp.Normal(), cp.Lorentzian()], [0.5, 0.6], "sum to 1"),
    ([cp.Normal(), cp.Lorentzian()], [1.2, -0.2], ">= 0"),
    ([cp.Normal(), cp.Lorentzian()], [1.0], "one number per component"),
    ([cp.Normal(), cp.Lorentzian()], ["w", 0.5], "one number per component"),
    ([cp.Normal(), "Lorentzian"], [0.5, 0.5], "must be a distribution"),
    ([cp.Normal(), cp.Fixed([1.0, 2.0])], [0.5, 0.5], "not cp.Fixed"),
    ([], [], "non-empty"),
])
def test_bad_mixtures_are_refused(components, weights, message):
    with pytest.raises(cp.DeclarationError, match=message):
        cp.Mixture(components, weights)


@pytest.mark.parametrize("aggregate", [cp.Mean("theta"), cp.Variance("x*theta")])
def test_an_aggregate_without_an_expectation_is_refused(aggregate):
    """The mean of a Lorentzian trait, and the variance of anything growing with it, do not
    exist: no large-population limit, so the declaration is refused, naming the aggregate;
    bounded functions of the trait are accepted."""
    rule = cp.ODE({"x": "-x + 1"}, initial={"x": 0.0})
    with pytest.raises(cp.DeclarationError, match="does not exist") as info:
        cp.Model(micro=rule, traits={"theta": cp.Lorentzian(0, 1)}, aggregates={"X": aggregate})
    assert info.value.symbol == "X" and info.value.level == "aggregates"
    cp.Model(micro=rule, traits={"theta": cp.Lorentzian(0, 1)},
             aggregates={"X": "cos(theta) + theta/(1 + theta**2)"})
