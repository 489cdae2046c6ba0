r"""Threshold (step) rules: exact mean-field limits through the trait's CDF.

Validation: Granovetter (1978), "Threshold models of collective behavior", American Journal of
Sociology 83, 1420-1443. Unit i joins when the participating share r reaches its threshold
θ_i ~ Normal(μ, σ): r_{t+1} = share of units with θ_i <= r_t. In the mean-field limit
r_{t+1} = Φ((r_t - μ)/σ), whose fixed points are the roots of r = Φ((r - μ)/σ); for μ = 0.25
the low-participation equilibrium and the unstable one merge in a fold near σ = 0.122.
"""

import numpy as np
import pytest
from scipy import optimize, stats

import coupling as cp

MU = 0.25


def granovetter(rule="heaviside(seen - theta)", sigma=0.1, trait=None, **changes):
    declaration = {
        "micro": cp.Map(rhs={"x": rule}, initial={"x": 0.0}),
        "traits": {"theta": cp.Normal("mu", "sigma") if trait is None else trait},
        "aggregates": {"r": "x"}, "context": {"seen": "r"},
        "parameters": {"mu": MU, "sigma": sigma}, "time": "discrete"}
    declaration.update(changes)
    return cp.Model(**declaration)


def roots(g, lo=0.0, hi=1.0, n=20001):
    """Every root of g on [lo, hi]: sign changes on a fine grid, each refined by brentq."""
    r = np.linspace(lo, hi, n)
    values = np.array([g(x) for x in r])
    found = [optimize.brentq(g, a, b, xtol=1e-15, rtol=1e-15)
             for a, b, ga, gb in zip(r[:-1], r[1:], values[:-1], values[1:]) if ga * gb < 0]
    return np.array(found + [x for x, v in zip(r, values) if v == 0])


def normal_roots(sigma):
    return roots(lambda r: stats.norm.cdf((r - MU) / sigma) - r)


def found(model, **options):
    equilibria = cp.equilibria(model, **options)
    order = np.argsort([e.aggregates["r"] for e in equilibria])
    return [equilibria[i] for i in order]


@pytest.mark.parametrize("sigma, count", [(0.05, 3), (0.1, 3), (0.12, 3), (0.125, 1),
                                          (0.2, 1), (0.5, 1)])
def test_granovetter_fixed_points_are_the_roots_of_the_normal_cdf(sigma, count):
    """Number and values of the mean-field fixed points against brentq roots of
    r = Φ((r - μ)/σ) (1e-10: both are solutions to machine precision of the same smooth
    equation, |1 - Φ'| >= 0.03 at every root here), and stability from the smooth limit:
    a fixed point of the map is stable iff its multiplier φ(z)/σ is below 1."""
    expected = normal_roots(sigma)
    assert len(expected) == count
    equilibria = found(granovetter(sigma=sigma))
    values = np.array([e.aggregates["r"] for e in equilibria])
    assert len(values) == count
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-10)
    multipliers = stats.norm.pdf((expected - MU) / sigma) / sigma
    assert [e.stable for e in equilibria] == list(multipliers < 1)


@pytest.mark.parametrize("rule", ["seen > theta", "where(seen >= theta, 1, 0)",
                                  "1 - heaviside(theta - seen)", "where(theta < seen, 1, 0)"])
def test_every_way_of_writing_the_threshold_has_the_same_limit(rule):
    """Comparisons and where are steps, in either orientation (b < 0 gives 1 - F)."""
    values = [e.aggregates["r"] for e in found(granovetter(rule))]
    np.testing.assert_allclose(values, normal_roots(0.1), rtol=0, atol=1e-10)


def test_continuation_finds_the_fold_of_the_low_equilibrium():
    r"""The fold in σ where the low and middle fixed points merge: there r = Φ(z) and
    φ(z)/σ = 1, z = (r - μ)/σ, so z = -sqrt(-2 log(σ sqrt(2π))) (the lower tangency) and σ*
    solves Φ(z) = μ + σ z. Located to 1e-8 (the fold is found by Newton on the augmented
    system; 1e-8 allows for its stopping tolerance, not for any approximation)."""
    def tangency(sigma):
        z = -np.sqrt(-2 * np.log(sigma * np.sqrt(2 * np.pi)))
        return stats.norm.cdf(z) - MU - sigma * z

    sigma_star = optimize.brentq(tangency, 0.05, 0.3, xtol=1e-15)
    diagram = cp.continuation(granovetter(), "sigma", (0.05, 0.3))
    folds = [p for p in diagram.special_points if p.kind == "fold"]
    assert len(folds) == 1
    assert abs(folds[0].param - sigma_star) < 1e-8


@pytest.mark.parametrize("sigma", [0.1, 0.5])
def test_finite_population_follows_the_mean_field_path(sigma):
    r"""N = 10^4 units with sampled thresholds. At every step the share is an empirical CDF,
    F_N(r) = F(r) + e with sd(e) = s_t = sqrt(r (1 - r) / N) (binomial); errors carried over
    from the previous step are multiplied by the slope F'(r) = φ(z)/σ. With fully correlated
    errors (the worst case, the same sample every step) the deviation has sd at most
    a_t = s_t + F'(r_{t-1}) a_{t-1}; allowed: 5 a_t."""
    model = granovetter(sigma=sigma)
    path = cp.simulate(model, t_end=30, population="mean-field")["r"]
    N = 10_000
    finite = cp.simulate(model, t_end=30, population=N, seed=7)["r"]
    bound = np.zeros_like(path)
    for t in range(1, path.size):
        slope = stats.norm.pdf((path[t - 1] - MU) / sigma) / sigma
        bound[t] = np.sqrt(path[t] * (1 - path[t]) / N) + slope * bound[t - 1]
    assert finite[0] == path[0] == 0.0
    assert np.all(np.abs(finite - path) <= 5 * bound)
    # and the mean-field path is the iteration of r -> Φ((r - μ)/σ) (1e-14: rounding)
    np.testing.assert_allclose(path[1:], stats.norm.cdf((path[:-1] - MU) / sigma),
                               rtol=0, atol=1e-14)


def test_ode_and_choice_rules_with_a_threshold_have_the_same_equilibria():
    """ε x' = H(seen - θ) - x (node states linear in the step), and a choice of option 1
    with probability H(seen - θ): the equilibria are the roots of r = Φ((r - μ)/σ), and the
    middle one is unstable (a continuous-time eigenvalue (Φ' - 1)/ε > 0)."""
    ode = granovetter(micro=cp.ODE(rhs={"x": "heaviside(seen - theta) - x"},
                                   initial={"x": 0.0}), time="continuous", timescale=0.1)
    choice = granovetter(
        micro=cp.Choice("s", options=(0, 1),
                        probabilities=("1 - heaviside(seen - theta)", "heaviside(seen - theta)")),
        aggregates={"r": cp.Share(1)}, time="continuous", timescale=0.1)
    expected = normal_roots(0.1)
    for model in (ode, choice):
        equilibria = found(model)
        np.testing.assert_allclose([e.aggregates["r"] for e in equilibria], expected,
                                   rtol=0, atol=1e-10)
        assert [e.stable for e in equilibria] == [True, False, True]


@pytest.mark.parametrize("trait, reference", [
    (cp.Uniform(0.1, 0.9), stats.uniform(0.1, 0.8)),
    (cp.LogNormal(-1.5, 0.6), stats.lognorm(0.6, scale=np.exp(-1.5))),
    (cp.Beta(2.0, 5.0), stats.beta(2.0, 5.0)),
    (cp.Beta(0.7, 1.6), stats.beta(0.7, 1.6)),
], ids=["uniform", "lognormal", "beta-2-5", "beta-0.7-1.6"])
def test_threshold_fixed_points_for_other_distributions(trait, reference):
    """r = F(r) for uniform, lognormal and beta thresholds (roots by brentq on scipy.stats'
    CDF; 1e-10 as above; roots at an end of the support count too, F(0) = 0, F(1) = 1), and
    stable iff F'(r) < 1: r = 0 is stable where the density vanishes there and unstable for
    Beta(0.7, 1.6), whose density is infinite at 0."""
    expected = np.unique(np.round(roots(lambda r: reference.cdf(r) - r, -0.5, 1.5), 12))
    equilibria = found(granovetter(trait=trait))
    np.testing.assert_allclose([e.aggregates["r"] for e in equilibria], expected,
                               rtol=0, atol=1e-10)
    assert [e.stable for e in equilibria] == list(reference.pdf(expected) < 1)


def test_other_traits_keep_their_quadrature_nodes():
    """x' = a^2 H(seen - θ) with a ~ Uniform(0, 1): r = E[a^2] Φ((r - μ)/σ) = Φ(...)/3, exact
    with Gauss-Legendre nodes in a (a polynomial of degree 2)."""
    model = granovetter("a**2*heaviside(seen - theta)", sigma=0.05,
                        traits={"theta": cp.Normal("mu", "sigma"), "a": cp.Uniform(0, 1)})
    expected = roots(lambda r: stats.norm.cdf((r - MU) / 0.05) / 3 - r)
    equilibria = found(model, population=cp.MeanField(nodes=4))
    np.testing.assert_allclose([e.aggregates["r"] for e in equilibria], expected,
                               rtol=0, atol=1e-10)


def test_discrete_thresholds_are_exact_sums():
    """θ ~ Discrete({0.2, 0.6}, equal weights): F(r) = (H(r - 0.2) + H(r - 0.6))/2, so the
    share started at 0.3 jumps to 1/2 and stays there (an exact finite sum, no CDF)."""
    model = granovetter(trait=cp.Discrete([0.2, 0.6]),
                        micro=cp.Map(rhs={"x": "heaviside(seen - theta)"},
                                     initial={"x": 0.3}))
    np.testing.assert_array_equal(cp.simulate(model, t_end=3)["r"], [0.3, 0.5, 0.5, 0.5])


def test_a_finite_population_evaluates_a_step_in_no_trait():
    """x_{t+1} = H(seen - 0.5) for a finite population: exactly 0 from 0.4 and 1 from 0.6."""
    for start, value in ((0.4, 0.0), (0.6, 1.0)):
        model = granovetter(micro=cp.Map(rhs={"x": "heaviside(seen - 0.5)"},
                                         initial={"x": start}))
        assert np.all(cp.simulate(model, t_end=3, population=50, seed=1)["r"][1:] == value)


REFUSED = [
    pytest.param({"rule": "heaviside(seen - 0.5)"}, "x", "micro", "reads no trait",
                 id="step-without-trait"),
    pytest.param({"context": {"seen": "where(r > 0.5, 1, r)"}}, "seen", "context",
                 "reads no trait", id="step-in-context"),
    pytest.param({"rule": "heaviside(seen - theta**2)"}, "x", "micro", "not affine in the trait",
                 id="not-affine-in-trait"),
    pytest.param({"rule": "heaviside(seen - theta - phi)",
                      "traits": {"theta": cp.Normal(0.2, 0.1), "phi": cp.Uniform(0, 0.1)}},
                 "x", "micro", "several continuous traits", id="two-traits"),
    pytest.param({"rule": "theta*heaviside(seen - theta)"}, "x", "micro",
                 "outside its steps", id="trait-outside-step"),
    pytest.param({"rule": "x**2 + heaviside(seen - theta)"}, "x", "micro", "not affine",
                 id="not-affine-in-state"),
    pytest.param({"rule": "heaviside(x - theta)"}, "x", "micro", "own state",
                 id="step-in-own-state"),
    pytest.param({"micro": cp.Map(rhs={"x": "heaviside(seen - theta)", "y": "x**2"},
                                   initial={"x": 0.0, "y": 0.0})}, "y", "micro",
                 "not affine", id="other-state-not-affine"),
    pytest.param({"micro": cp.Map(rhs={"x": "heaviside(seen - theta)",
                                        "y": "heaviside(x - d)"},
                                   initial={"x": 0.0, "y": 0.0}),
                      "traits": {"theta": cp.Normal(0.2, 0.1), "d": cp.Discrete([0.5])}},
                 "y", "micro", "reads the unit's state", id="discrete-step-in-state"),
    pytest.param({"aggregates": {"r": "x", "m": "theta"}}, "m", "aggregates",
                 "threshold trait", id="aggregate-reads-trait"),
    pytest.param({"aggregates": {"r": "x", "v": cp.Variance("x")}}, "v", "aggregates",
                 "variance", id="variance-aggregate"),
    pytest.param({"rule": "heaviside(seen - theta)", "trait": cp.Beta("mu", 2.0)}, "theta",
                 "traits", "numeric a and b", id="beta-with-parameter"),
]


@pytest.mark.parametrize("changes, symbol, level, needle", REFUSED)
def test_inexact_mean_field_limits_are_refused(changes, symbol, level, needle):
    """Where the expectation of a step is not exact, the mean-field limit is refused, naming
    the symbol and level and saying what to do; a finite population still runs."""
    model = granovetter(**changes)
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=2, population="mean-field")
    assert (info.value.symbol, info.value.level) == (symbol, level)
    assert needle in str(info.value)
    if level != "traits":
        assert "not differentiable" in str(info.value) or "distributed trait" in str(info.value)
    cp.simulate(model, t_end=2, population=20, seed=0)


@pytest.mark.parametrize("dist, reference", [
    (cp.Normal(0.3, 0.7), stats.norm(0.3, 0.7)),
    (cp.LogNormal(-0.2, 0.5), stats.lognorm(0.5, scale=np.exp(-0.2))),
    (cp.Uniform(-0.5, 2.0), stats.uniform(-0.5, 2.5)),
    (cp.Beta(2.5, 3.0), stats.beta(2.5, 3.0)),
])
def test_trait_cdf_and_pdf_match_scipy(dist, reference):
    """F and its derivative f on arrays, off the points where f jumps (the ends of a
    uniform's or beta's support, 0 for the lognormal): 1e-14, rounding of the same special
    functions (ndtr, betainc) and of the affine map into them."""
    x = np.array([-1.7, -0.3, 0.05, 0.4, 0.77, 0.999, 1.6, 3.1])
    np.testing.assert_allclose(dist.cdf(x), reference.cdf(x), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(dist.pdf(x), reference.pdf(x), rtol=1e-12, atol=1e-15)


def test_cdf_reads_parameter_values():
    np.testing.assert_allclose(cp.Normal("m", "s").cdf([0.0, 1.0], {"m": 1.0, "s": 2.0}),
                               stats.norm(1.0, 2.0).cdf([0.0, 1.0]), rtol=1e-15)
    assert not cp.Discrete([0.0, 1.0]).has_cdf and cp.Normal().has_cdf


def test_equilibria_of_a_finite_population_with_steps_are_refused():
    """A finite population evaluates its steps as written, with derivative zero: its
    stability would be meaningless, so equilibria are refused and say what to do; the
    mean field of the same model integrates the step and is accepted."""
    model = cp.Model(micro=cp.Map({"x": "heaviside(seen - theta)"}, initial={"x": 0.0}),
                     traits={"theta": cp.Normal("mu", "sigma")}, aggregates={"r": "x"},
                     context={"seen": "r"}, parameters={"mu": 0.25, "sigma": 0.2},
                     time="discrete")
    with pytest.raises(cp.DeclarationError, match="differentiable") as error:
        cp.equilibria(model, population=100, seed=1)
    assert (error.value.symbol, error.value.level) == ("x", "micro")
    assert len(cp.equilibria(model)) == 1


def test_an_exact_threshold_limit_skips_the_quadrature_check(monkeypatch):
    """A trait read only inside steps is integrated exactly through its CDF: the search
    runs once, without the node-doubling check a quadrature rule needs."""
    from coupling.analysis.bifurcation import _equilibria

    searches, original = [], _equilibria._search
    monkeypatch.setattr(_equilibria, "_search",
                        lambda *a, **k: searches.append(1) or original(*a, **k))
    equilibria = cp.equilibria(granovetter(sigma=0.1))
    assert len(equilibria) == 3 and equilibria.status == 0 and searches == [1]
