"""Policy regimes, shocks and the Lucas-critique test, against the closed forms of the two
catalogue models (lucas-islands, phillips-curve)."""

import json

import matplotlib
import numpy as np
import pytest

import coupling as cp
from coupling.analysis.regimes._breaks import fit_linear
from coupling.analysis.regimes._regimes import parse_reduced_form
from coupling.model._policy import regime_path

matplotlib.use("Agg")


def regression(run, dependent, regressors, burn_in=50):
    """OLS of run[dependent] on a constant and run[name][t - lag] for (name, lag)."""
    start = max(burn_in, max(lag for _, lag in regressors))
    n = run.t.size
    X = np.column_stack([np.ones(n - start)] + [run[name][start - lag:n - lag]
                                                for name, lag in regressors])
    return fit_linear(run[dependent][start:], X)


# ----------------------------------------------------------------------------- shocks
def test_shocks_are_seeded_and_have_the_declared_spread():
    model = cp.load("phillips-curve")
    a = cp.simulate(model, 400, seed=7)
    b = cp.simulate(model, 400, seed=7)
    c = cp.simulate(model, 400, seed=8)
    np.testing.assert_array_equal(a["u"], b["u"])
    assert not np.array_equal(a["u"], c["u"])
    # inflation is an AR(1) with innovation sd sigma_pi = 1: its one-step innovations have
    # sd 1 to within 4 standard errors of a sample sd over 400 draws (1/sqrt(2 n))
    p = model.parameters
    innovations = a["inflation"][1:] - p["rho"] * a["inflation"][:-1] - (1 - p["rho"]) * p["pibar"]
    assert abs(np.std(innovations) - 1.0) < 4 / np.sqrt(2 * 400)


def test_shocks_are_checked_at_declaration():
    model = cp.load("phillips-curve")
    with pytest.raises(cp.DeclarationError, match="finite population") as error:
        model.replace(population="mean-field")
    assert error.value.level == "population"
    with pytest.raises(cp.DeclarationError, match="discrete time") as error:
        cp.Model(micro=cp.ODE(rhs={"x": "-x + s_seen"}, initial={"x": 0}),
                 aggregates={"X": "x"}, context={"s_seen": "s"}, shocks={"s": 0.1})
    assert error.value.symbol == "s"
    with pytest.raises(cp.DeclarationError, match="reads") as error:
        model.replace(shocks={"v": "sigma_v*inflation"})
    assert error.value.symbol == "v"


def test_continuous_time_macro_noise_is_an_ornstein_uhlenbeck_process():
    """dy = -k y dt + sigma dW (units slaved to y): stationary variance sigma^2/(2k). The
    linearly implicit Euler-Maruyama step y' = y/(1 + hk) + sigma sqrt(h) xi has the
    stationary variance sigma^2 h / (1 - (1 + hk)^-2), 3 % above at h = 0.02."""
    model = cp.Model(micro=cp.ODE(rhs={"x": "-x + y_seen"}, initial={"x": 0.0}),
                     aggregates={"X": "x"}, context={"y_seen": "y"},
                     macro={"y": cp.Macro("-k*y", 0.0, noise="sigma")},
                     parameters={"k": 1.0, "sigma": 0.5}, timescale=0.01, population=10)
    h = 0.02
    run = cp.simulate(model, 1000.0, seed=3, n_points=2001, dt=h)
    late = run["y"][run.t > 20]
    # an OU process with correlation time 1 observed over T = 980: about T/2 independent
    # values, so a variance estimate has relative sd sqrt(2/490) = 0.064
    scheme = 0.25 * h / (1 - (1 + h) ** -2)
    assert np.var(late) == pytest.approx(scheme, rel=4 * 0.064)
    assert run.method.startswith("linearly implicit Euler-Maruyama")


# ----------------------------------------------------------------------------- regimes
def test_reduced_form_parsing():
    assert parse_reduced_form("u ~ inflation + inflation[-2]") == \
        ("u", [("inflation", 0), ("inflation", 2)])
    for bad in ("u", "u ~ ", "u[-1] ~ x", "u ~ x[+1]", "u ~ 2*x"):
        with pytest.raises(ValueError):
            parse_reduced_form(bad)


def test_regime_paths_with_values_and_rules():
    model = cp.load("phillips-curve")
    switched, schedule = regime_path(model, [(0, {"rho": 0.2}), (50, {"rho": 0.9})])
    assert switched.parameters["rho"] == 0.2 and schedule == {"rho": [(50.0, 0.9)]}
    # a rule: the inflation target follows inflation; it reaches the units through a
    # context variable, and one indicator per regime switches it on and off
    ruled, schedule = regime_path(model, [(0, {"pibar": 2.0}),
                                          (30, {"pibar": "1.5 + 0.25*inflation"}),
                                          (60, {"pibar": 3.0})])
    assert "pibar_rule" in ruled.context
    assert schedule == {"regime_0": [(30.0, 0.0), (60.0, 0.0)],
                        "regime_1": [(30.0, 1.0), (60.0, 0.0)],
                        "regime_2": [(30.0, 0.0), (60.0, 1.0)]}
    run = cp.simulate(model, 90, seed=1, regimes=[(0, {"pibar": 2.0}),
                                                  (30, {"pibar": "1.5 + 0.25*inflation"}),
                                                  (60, {"pibar": 3.0})])
    # the last regime's target is 3: the mean of the 20 periods after t = 70 of an AR(1)
    # with rho = 0.2 and innovation sd 1 has sd sqrt(1/20 (1 + rho)/(1 - rho)/(1 - rho^2))
    sd_mean = np.sqrt(1 / 20 * 1.2 / 0.8 / 0.96)
    assert run.status == 0 and abs(np.mean(run["inflation"][run.t > 70]) - 3.0) < 4 * sd_mean
    with pytest.raises(cp.DeclarationError, match="policy lever"):
        regime_path(model, [(0, {"kappa": 1.0})])
    with pytest.raises(ValueError, match="both"):
        cp.simulate(model, 10, regimes=[(5, {"rho": 0.5})], schedule={"rho": [(2, 0.1)]})


# ----------------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("rho", [0.2, 0.9])
def test_phillips_curve_coefficients_under_two_rules(rho):
    """u = u* + (1 - rho) pibar/kappa - inflation/kappa + rho inflation[-1]/kappa + iid error:
    the OLS estimates lie within 4 standard errors (iid errors: OLS errors are valid)."""
    model = cp.load("phillips-curve", rho=rho)
    p = model.parameters
    fit = regression(cp.simulate(model, 3000, seed=11), "u", [("inflation", 0),
                                                              ("inflation", 1)])
    exact = [p["u_star"] + (1 - rho) * p["pibar"] / p["kappa"], -1 / p["kappa"],
             rho / p["kappa"]]
    assert np.all(np.abs(fit.coef - exact) < 4 * fit.se), (fit.coef, exact, fit.se)
    # the naive Phillips curve u ~ inflation: slope -(1 - rho^2)/kappa; its residual is an
    # AR(1) with coefficient rho, which inflates the OLS error by sqrt((1 + rho)/(1 - rho))
    naive = regression(cp.simulate(model, 3000, seed=12), "u", [("inflation", 0)])
    inflate = np.sqrt((1 + rho) / (1 - rho))
    assert abs(naive.coef[1] + (1 - rho ** 2) / p["kappa"]) < 4 * inflate * naive.se[1]


@pytest.mark.parametrize("sigma_m", [0.5, 1.5])
def test_lucas_islands_slope_under_two_policy_variances(sigma_m):
    """output = -beta mu + beta inflation + e, beta = mean(b) sigma_z^2/(sigma_z^2 +
    sigma_m^2) (Lucas 1973); iid errors."""
    model = cp.load("lucas-islands", sigma_m=sigma_m)
    p = model.parameters
    run = cp.simulate(model, 2000, seed=5)
    fit = regression(run, "output", [("inflation", 0)])
    # the finite population's own mean elasticity (its sampling error is 0.2/sqrt(500))
    b = run.traits["elasticity"].mean()
    beta = b * p["sigma_z"] ** 2 / (p["sigma_z"] ** 2 + sigma_m ** 2)
    assert np.all(np.abs(fit.coef - [-beta * p["mu"], beta]) < 4 * fit.se), (fit.coef, beta)


# ----------------------------------------------------------------------------- regime_break
def test_regime_break_flags_the_lucas_critique_in_the_phillips_curve():
    model = cp.load("phillips-curve")
    result = cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=300, periods=600,
                             reduced_form="u ~ inflation", seed=3)
    p = model.parameters
    assert result.broke and result.tests["chow"].pvalue < 1e-6
    # the structural model predicts the new slope -(1 - 0.81)/kappa; its forecast error is
    # the noise level: RMSE over 300 iid rows has relative sd 1/sqrt(600) = 0.04
    assert result.structural.coef[1] == pytest.approx(-(1 - 0.81) / p["kappa"], abs=0.06)
    assert result.rmse_structural / result.noise == pytest.approx(1.0, abs=4 * 0.041 + 0.03)
    assert result.ratio > 1.5
    assert "inflation" in result.verdict and "rose" in result.verdict
    assert "the units' rule reads rho" in result.verdict
    record = json.loads(json.dumps(result.to_dict()))
    assert record["broke"] and set(record["tests"]) == {"chow", "cusum", "sup_f", "variance"}
    axes = result.plot()
    assert len(axes) == 3


def test_regime_break_is_reproducible_and_quiet_without_a_change():
    model = cp.load("lucas-islands")
    a = cp.regime_break(model, {"sigma_m": 0.5}, {"sigma_m": 0.5}, switch_at=200,
                        reduced_form="output ~ inflation", seed=4, replicates=3)
    b = cp.regime_break(model, {"sigma_m": 0.5}, {"sigma_m": 0.5}, switch_at=200,
                        reduced_form="output ~ inflation", seed=4, replicates=3)
    assert a.to_dict() == b.to_dict()
    assert a.tests["chow"].pvalue > 0.01 and a.ratio == pytest.approx(1.0, abs=0.15)


def test_regime_break_rejects_bad_input():
    model = cp.load("phillips-curve")
    with pytest.raises(ValueError, match="does not record"):
        cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=100,
                        reduced_form="gdp ~ inflation")
    with pytest.raises(ValueError, match="switch_at"):
        cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=100, periods=50,
                        reduced_form="u ~ inflation")


def test_regime_break_with_a_rule_and_in_continuous_time():
    """A rule regime runs end to end. In continuous time rows are sampled every ``sample``
    time units. Units relaxing on eps behind the OU process dy = (c - y) dt + 0.3 dW give X,
    the exponential smoothing of y over eps; its regression on y has the slope
    int exp(-s/eps)/eps exp(-s) ds = 1/(1 + eps) (a long run gives 0.946 +- 0.004)."""
    model = cp.load("phillips-curve")
    ruled = cp.regime_break(model, {"pibar": 2.0}, {"pibar": "1.5 + 0.25*inflation"},
                            switch_at=200, reduced_form="u ~ inflation", seed=2, replicates=2)
    assert "regime_1" in ruled.trajectory.scheduled_names and np.isfinite(ruled.ratio)
    ou = cp.Model(micro=cp.ODE(rhs={"x": "-x + y_seen"}, initial={"x": 0.0}),
                  aggregates={"X": "x"}, context={"y_seen": "y"},
                  macro={"y": cp.Macro("-y + c", 0.0, noise="0.3")},
                  parameters={"c": 0.0}, policy=["c"], timescale=0.05, population=5)
    result = cp.regime_break(ou, {"c": 0.0}, {"c": 1.0}, switch_at=60, sample=0.5,
                             reduced_form="X ~ y", seed=1, replicates=2)
    assert result.t[1] - result.t[0] == 0.5
    # the pooled structural fit has about 180 rows of an OU process with correlation time 1:
    # standard error about 0.015; tolerance 3 of them
    assert result.structural.coef[1] == pytest.approx(1 / 1.05, abs=0.045)


def test_regime_break_with_a_callable_reduced_form():
    """A callable builds the rows itself: here the Phillips curve in first differences,
    du = -(1/kappa) dinflation + ..., against the same relation given as a formula."""
    def differences(run):
        du, dpi = np.diff(run["u"]), np.diff(run["inflation"])
        return run.t[1:], du, np.column_stack([np.ones(du.size), dpi])

    model = cp.load("phillips-curve")
    result = cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=200,
                             reduced_form=differences, seed=5, replicates=2)
    assert result.names == ("x0", "x1") and result.reduced_form == "differences"
    assert np.isfinite(result.ratio) and len(result.tests) == 4
    with pytest.raises(ValueError, match="returns"):
        cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=200,
                        reduced_form=lambda run: run.t)
