"""Mean-field limits against closed forms, and finite populations against their mean field."""

import numpy as np
import pytest
from scipy import integrate, optimize, stats

import coupling as cp


def curie_weiss_root(beta, J, h, sigma, bracket):
    """Root of m = E_a[tanh(beta (J m + h + a))], a ~ Normal(0, sigma), by adaptive quad."""
    def expectation(m):
        if sigma == 0:
            return np.tanh(beta * (J * m + h))
        f = lambda a: np.tanh(beta * (J * m + h + a)) * stats.norm.pdf(a, scale=sigma)  # noqa: E731
        return integrate.quad(f, -12 * sigma, 12 * sigma, epsabs=1e-14, epsrel=1e-14)[0]

    return optimize.brentq(lambda m: m - expectation(m), *bracket, xtol=1e-15)


def mean_field_equilibrium(model, **kwargs):
    run = cp.simulate(model, t_end=200.0, stop_at_equilibrium=1e-13, rtol=1e-10, atol=1e-13,
                      **kwargs)
    assert run.status == 1, run.message
    return run


@pytest.mark.parametrize("beta, J, h, sigma, bracket", [
    (2.0, 1.0, 0.0, 0.0, (0.5, 1.0)),      # Curie-Weiss, closed form m = tanh(2m)
    (1.0, 1.5, 0.1, 0.0, (0.2, 1.0)),
    (1.0, 1.5, 0.0, 0.3, (0.2, 1.0)),      # heterogeneous tastes
    (1.5, 1.0, -0.2, 0.5, (-1.0, -0.1)),
])
def test_social_choice_equilibrium_matches_self_consistency(beta, J, h, sigma, bracket):
    model = cp.load("social-choice", beta=beta, J=J, h=h, sigma=sigma)
    start = (0.05, 0.95) if bracket[0] > 0 else (0.95, 0.05)
    model = model.replace(micro=_with_initial(model, start))
    run = mean_field_equilibrium(model, population=cp.MeanField(nodes=48))
    expected = curie_weiss_root(beta, J, h, sigma, bracket)
    # 1e-10: the equilibrium is a fixed point, so only the quadrature (exponentially
    # convergent for the analytic tanh integrand, 48 nodes) and the stopping test
    # (|dm/dt| < 1e-13 with relaxation rate > 1) contribute.
    assert abs(run["m"][-1] - expected) < 1e-10
    assert abs(run["adopters"][-1] - (1 + expected) / 2) < 1e-10


def _with_initial(model, probabilities):
    rule = model.micro
    return cp.Choice(rule.state, rule.options, rule.probabilities, initial=probabilities)


def test_mean_field_map_is_exact_for_polynomial_traits():
    """A linear map with a Uniform trait: X* = E[a] / (1 - c) exactly (Gauss-Legendre)."""
    model = cp.Model(
        micro=cp.Map(rhs={"x": "0.5*x + 0.5*(a**2 + c*X_seen)"}, initial={"x": 0.0}),
        traits={"a": cp.Uniform(0.0, 2.0)},
        aggregates={"X": "x"}, context={"X_seen": "X"},
        parameters={"c": 0.5}, time="discrete")
    run = cp.simulate(model, t_end=200, population=cp.MeanField(nodes=4))
    assert abs(run["X"][-1] - (4 / 3) / (1 - 0.5)) < 1e-12


def test_independent_choices_finite_n_matches_mean_field_within_standard_error():
    """With J = 0 every s_i is an independent draw with mean m*, so the finite-N mean m_N
    (traits sampled, one synchronous revision) has variance exactly (1 - m*^2) / N."""
    model = cp.load("social-choice", beta=1.0, J=0.0, h=0.3, sigma=0.5).replace(
        time="discrete", timescale=1e-9)
    m_star = cp.simulate(model, t_end=2, population="mean-field")["m"][-1]
    N, seeds = 2000, range(40)
    z = np.array([(cp.simulate(model, t_end=2, population=N, seed=s)["m"][-1] - m_star)
                  / np.sqrt((1 - m_star**2) / N) for s in seeds])
    # z-scores ~ N(0, 1): their mean has sd 1/sqrt(40) = 0.16 and their sd is 1 +- 0.11.
    assert abs(z.mean()) < 4 / np.sqrt(len(z))
    assert 0.6 < z.std(ddof=1) < 1.4


@pytest.mark.parametrize("time", ["discrete", "continuous"])
def test_coupled_finite_n_converges_to_mean_field(time):
    r"""Monostable coupled case (beta J E[sech^2] < 1). Linearising m_{t+1} = Phi(m_t) + noise
    around m*, the time-averaged m_N deviates from m* by a quenched part (trait sampling,
    sd(tanh)/sqrt(N)/(1 - Phi')) and a dynamic part averaged over T periods; the tolerance
    is 4 standard deviations of their sum."""
    beta, J, h, sigma = 1.0, 0.6, 0.2, 0.5
    model = cp.load("social-choice", beta=beta, J=J, h=h, sigma=sigma)
    if time == "discrete":
        model = model.replace(time="discrete", timescale=1e-9)
    m_star = curie_weiss_root(beta, J, h, sigma, (-1, 1))
    a = stats.norm(scale=sigma)
    th = lambda x: np.tanh(beta * (J * m_star + h + x))  # noqa: E731
    mean_sq = integrate.quad(lambda x: th(x) ** 2 * a.pdf(x), -8, 8)[0]
    slope = beta * J * (1 - mean_sq)
    T = 400
    for N in (1000, 10000):
        run = cp.simulate(model, t_end=T if time == "discrete" else 40.0, population=N,
                          seed=7, n_points=401)
        tail = run["m"][run.t >= run.t[-1] / 4]
        quenched = np.sqrt((mean_sq - m_star**2) / N) / (1 - slope)
        dynamic = np.sqrt((1 - mean_sq) / N / tail.size) / (1 - slope)
        assert abs(tail.mean() - m_star) < 4 * np.hypot(quenched, dynamic), N


def test_mean_field_choice_path_is_the_limit_of_finite_paths():
    """Whole transient: sup_t |m_N(t) - m(t)| shrinks like N^(-1/2) (Kurtz 1970)."""
    model = cp.load("social-choice", beta=1.2, J=1.0, h=0.1, sigma=0.3)
    times = np.linspace(0, 3, 31)
    reference = cp.simulate(model, t_eval=times, t_end=3)["m"]
    errors = []
    Ns = (400, 4000, 40000)
    for N in Ns:
        runs = [cp.simulate(model, t_eval=times, t_end=3, population=N, seed=s, dt=0.002)["m"]
                for s in range(4)]
        errors.append(np.mean([np.max(np.abs(r - reference)) for r in runs]))
    slope = np.polyfit(np.log(Ns), np.log(errors), 1)[0]
    assert -0.75 < slope < -0.3, (errors, slope)


def test_distribution_nodes_integrate_moments_exactly():
    params = {"s": 0.7}
    cases = [
        (cp.Normal(1.0, "s"), [1.0, 1 + 0.49, 1 + 3 * 0.49]),
        (cp.Uniform(-1.0, 3.0), [1.0, 7 / 3, 5.0]),
        (cp.LogNormal(0.0, "s"), [np.exp(0.245), np.exp(0.98), np.exp(2.205)]),
        (cp.Beta(2.0, 3.0), [0.4, 0.2, 4 / 35]),
        (cp.Discrete([0.0, 1.0, 3.0], [0.5, 0.25, 0.25]), [1.0, 2.5, 7.0]),
    ]
    for dist, moments in cases:
        nodes, weights = dist.nodes(24, **dist.resolve(params))
        assert np.isclose(weights.sum(), 1.0, atol=1e-14)
        got = [weights @ nodes**k for k in (1, 2, 3)]
        np.testing.assert_allclose(got, moments, rtol=1e-10, err_msg=repr(dist))


def test_sampled_traits_match_their_distribution():
    rng = np.random.default_rng(3)
    n = 200_000
    for dist, mean, sd in [(cp.Normal(1.0, 2.0), 1.0, 2.0), (cp.Uniform(0, 1), 0.5, 12**-0.5),
                           (cp.Beta(2.0, 5.0), 2 / 7, np.sqrt(10 / (49 * 8)))]:
        x = dist.sample(rng, n, {})
        assert abs(x.mean() - mean) < 5 * sd / np.sqrt(n), repr(dist)
        assert abs(x.std() - sd) < 0.01 * sd, repr(dist)


def test_three_option_choice_shares_match_mean_field_within_standard_error():
    """Independent multinomial-logit choices (no feedback): after every unit has revised
    once, each finite-N share is a mean of N Bernoulli(p_k) draws around the mean-field
    share p_k, so its standard error is sqrt(p_k (1 - p_k) / N)."""
    model = cp.Model(
        micro=cp.Choice("c", options=(0, 1, 2), initial=0,
                        probabilities=cp.logit(["0", "u1 + a", "u2 - a"], intensity=1.0)),
        traits={"a": cp.Uniform(-0.5, 0.5)},
        aggregates={f"share{k}": cp.Share(k) for k in range(3)},
        parameters={"u1": 0.4, "u2": -0.2}, time="discrete", timescale=1e-9)
    limit = cp.simulate(model, t_end=1, population="mean-field")
    N = 20_000
    finite = cp.simulate(model, t_end=1, population=N, seed=4)
    for k in range(3):
        p = limit[f"share{k}"][-1]
        assert abs(finite[f"share{k}"][-1] - p) < 4 * np.sqrt(p * (1 - p) / N)
    assert abs(sum(limit[f"share{k}"][-1] for k in range(3)) - 1) < 1e-12
