"""The ecological-fallacy model (Robinson 1950; Simpson 1951): a positive individual-level
relation that reverses across group means.

Signatures: the within, pooled and ecological slopes against their expected values
beta_w, beta_w + gamma lambda and beta_w + gamma kappa (module docstring); Robinson's kind of
reversal, a weak positive individual correlation (0.118 by the formula, Robinson's 0.118)
against a negative ecological one (Robinson's -0.526), flagged by ``cp.cross_level``; the
mean-field limit, whose nodes give the slopes and the population means exactly."""

import numpy as np
import pytest

import coupling as cp

N, SEED = 1000, 11


@pytest.fixture(scope="module")
def model():
    return cp.load("ecological-fallacy")


@pytest.fixture(scope="module")
def parameters(model):
    return model.parameters


@pytest.fixture(scope="module")
def result(model):
    run = cp.simulate(model, 1, population=N, seed=SEED)
    return cp.cross_level(run, "x", "group", outcome="y")


def moments(p):
    """Population variances of x and y, their covariance, lambda and kappa at N units in
    48 groups (module docstring)."""
    bw, g, tau, sx, sy = p["beta_w"], p["gamma"], p["tau"], p["sigma_x"], p["sigma_y"]
    var_x = tau ** 2 + sx ** 2
    var_y = bw ** 2 * sx ** 2 + (bw + g) ** 2 * tau ** 2 + sy ** 2
    cov = bw * sx ** 2 + (bw + g) * tau ** 2
    kappa = (N - 1) * tau ** 2 / ((N - 1) * tau ** 2 + 47 * sx ** 2)
    return var_x, var_y, cov, tau ** 2 / var_x, kappa


def test_slopes_match_their_expected_values(result, parameters):
    """Each slope within 4 of its reported standard errors of its expected value (the
    pooled error is cluster-robust, conservative for this fixed set of groups; the
    expectations of the ratios hold to O(1/N), far inside the tolerance)."""
    bw, g = parameters["beta_w"], parameters["gamma"]
    *_, lam, kappa = moments(parameters)
    for name, value in {"within": bw, "pooled": bw + g * lam,
                        "ecological": bw + g * kappa}.items():
        assert abs(result.slope(name) - value) < 4 * result.slopes[name]["se"], name
    assert result.slope("within") > 0 > result.slope("ecological")


def test_robinsons_reversal_of_the_correlations(result, parameters):
    """Individual r = 0.118 exactly in the population (Robinson's 0.118), ecological r of
    about -0.54 (Robinson's -0.526 over 48 states): each estimate within 4 of its standard
    errors of the value the moments give, and the reversal significant at 5 %."""
    var_x, var_y, cov, _, _ = moments(parameters)
    individual = cov / np.sqrt(var_x * var_y)
    assert individual == pytest.approx(0.118, abs=5e-4)
    p, spread = parameters, 47 / (N - 1)  # (G - 1)/(N - 1): the noise in a group mean
    bw, g, tau = p["beta_w"], p["gamma"], p["tau"]
    between_x = tau ** 2 + p["sigma_x"] ** 2 * spread
    between_y = (bw + g) ** 2 * tau ** 2 + (bw ** 2 * p["sigma_x"] ** 2
                                             + p["sigma_y"] ** 2) * spread
    ecological = ((bw + g) * tau ** 2 + bw * p["sigma_x"] ** 2 * spread) / np.sqrt(
        between_x * between_y)
    assert -0.6 < ecological < -0.5
    found = result.correlations
    assert abs(found["individual"]["estimate"] - individual) < 4 * found["individual"]["se"]
    assert abs(found["ecological"]["estimate"] - ecological) < 4 * found["ecological"]["se"]
    robinson = [r for r in result.reversals if r["name"] == "Robinson"]
    assert robinson and robinson[0]["significant"]
    assert any(r["pair"] == ("within", "ecological") and r["significant"]
               for r in result.reversals)


def test_mean_field_gives_the_population_means_and_the_limit_slopes(model, parameters,
                                                                    result):
    """The mean-field nodes (exact for the groups, 3 Gauss-Hermite nodes for xi and eta,
    exact for these quadratic moments) give E x = m and E y = (beta_w + gamma) m, and, with
    their weights, the limit slopes exactly: within beta_w, pooled beta_w + gamma lambda,
    ecological beta_w + gamma (groups of infinite size: kappa = 1). The finite run's means
    are within 4 standard errors sqrt(var/N) of E x and E y (units are iid)."""
    p = parameters
    limit = cp.simulate(model, 1, population=cp.MeanField(nodes=3))
    assert limit["mean_x"][-1] == pytest.approx(p["m"], abs=1e-12)
    assert limit["mean_y"][-1] == pytest.approx((p["beta_w"] + p["gamma"]) * p["m"],
                                                abs=1e-12)
    w, x, y = limit.weights, limit.micro[-1, :, 0], limit.micro[-1, :, 1]
    group = np.unique(limit.traits["group"], return_inverse=True)[1]
    share = np.bincount(group, w)
    mean_x, mean_y = np.bincount(group, w * x) / share, np.bincount(group, w * y) / share
    dx, dy = x - mean_x[group], y - mean_y[group]
    cx = x - w @ x
    ecological = np.polyfit(mean_x, mean_y, 1, w=np.sqrt(share))[0]
    *_, lam, _ = moments(p)
    assert w @ (dx * dy) / (w @ dx ** 2) == pytest.approx(p["beta_w"], rel=1e-10)
    assert w @ (cx * y) / (w @ cx ** 2) == pytest.approx(p["beta_w"] + p["gamma"] * lam,
                                                         rel=1e-10)
    assert ecological == pytest.approx(p["beta_w"] + p["gamma"], rel=1e-10)
    var_x, var_y, *_ = moments(p)
    assert abs(result.x.mean() - p["m"]) < 4 * np.sqrt(var_x / N)
    assert abs(result.y.mean() - (p["beta_w"] + p["gamma"]) * p["m"]) < 4 * np.sqrt(var_y / N)


def test_without_a_group_effect_nothing_reverses(model):
    """gamma = 0: every slope estimates beta_w; no significant reversal."""
    run = cp.simulate(model.with_parameters(gamma=0.0), 1, population=N, seed=SEED)
    result = cp.cross_level(run, "x", "group", outcome="y")
    assert not result.significant_reversal
    for name in ("within", "pooled", "ecological"):
        assert abs(result.slope(name) - 0.5) < 4 * result.slopes[name]["se"]
