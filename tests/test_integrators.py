"""The integrator registry: which integrator runs what, the options each reads, the
warnings for options without effect, and the contract a new integrator relies on."""

import itertools
import warnings

import numpy as np
import pytest

import coupling as cp
from coupling._checks import IgnoredArgumentWarning
from coupling.dynamics import _registry
from coupling.dynamics._registry import INTEGRATORS, Integrator, RunKind, choose, methods

SOCIAL = cp.load("social-choice", norm=True)


def ode_model(**changes):
    """dx_i/dt = (-x_i + X/2 + y)/ε, dy/dt = -y: a linear system with y = y0 exp(-t)."""
    model = cp.Model(micro=cp.ODE(rhs={"x": "-x + 0.5*X_seen + y_seen"}, initial={"x": 1.0}),
                     aggregates={"X": "x"}, context={"X_seen": "X", "y_seen": "y"},
                     macro={"y": cp.Macro("-y", 1.0)}, timescale=0.5, population=3)
    return model.replace(**changes)


def statistic_model():
    return ode_model(aggregates={"X": cp.Statistic(lambda state, traits, w: state["x"].mean())})


def quiet(call):
    """Run ``call`` with every warning an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return call()


@pytest.mark.parametrize("model, population, method", [
    (SOCIAL, "mean-field", "BDF"),
    (SOCIAL, 50, "stochastic revision (dt = 0.01)"),
    (SOCIAL.replace(time="discrete"), "mean-field", "map"),
    (SOCIAL.replace(time="discrete"), 50, "stochastic revision"),
    (cp.reduce(cp.load("slow-feedback")), None, "fixed-point tracking + RK45"),
    (ode_model(macro={"y": cp.Macro("-y", 1.0, noise=0.1)}), None,
     "linearly implicit Euler-Maruyama (dt = 0.05)"),
])
def test_each_kind_of_run_has_its_integrator(model, population, method):
    run = quiet(lambda: cp.simulate(model, 2.0 if model.time == "continuous" else 2,
                                    population=population, seed=0))
    assert run.success and run.method == method


def test_auto_is_bdf_when_differentiable_else_rk45():
    assert quiet(lambda: cp.simulate(ode_model(), 1.0)).method == "BDF"
    assert quiet(lambda: cp.simulate(statistic_model(), 1.0)).method == "RK45"
    for name in ("RK45", "RK23", "DOP853"):
        run = quiet(lambda name=name: cp.simulate(statistic_model(), 1.0, method=name))
        assert run.method == name
    with pytest.raises(ValueError, match="method='BDF' needs derivatives"):
        cp.simulate(statistic_model(), 1.0, method="BDF")


def test_the_methods_are_the_integrators_that_read_method():
    assert methods() == ("auto", "BDF", "RK45", "RK23", "DOP853")
    with pytest.raises(ValueError, match="unknown method 'Radau'; choose one of"):
        cp.simulate(ode_model(), 1.0, method="Radau")


def test_every_registered_integrator_declares_known_options():
    for integrator in INTEGRATORS.values():
        assert set(integrator.options) <= set(_registry.OPTIONS), integrator.name
    with pytest.raises(ValueError, match=r"declares unknown options \['tol'\]"):
        Integrator(name="x", run=None, subject="x", time="continuous",
                   rules=frozenset({"ode"}), options=frozenset({"tol"}))


def test_a_run_without_integrator_is_refused():
    noisy_response = cp.reduce(cp.load("slow-feedback")).replace(
        macro={"y": cp.Macro("-k*X - b*y + c", 0.0, noise=0.1)})
    with pytest.raises(ValueError, match="no integrator for a continuous-time response rule"):
        cp.simulate(noisy_response, 1.0)
    kind = RunKind(time="continuous", rule="map", stochastic=False, noise=False,
                   differentiable=True)
    with pytest.raises(ValueError, match="no integrator"):
        choose(kind)


# ---------------------------------------------------------------- options without effect
@pytest.mark.parametrize("model, population, option, value", [
    (SOCIAL, 50, "method", "DOP853"),
    (SOCIAL, 50, "rtol", 1e-3),
    (SOCIAL, 50, "max_step", 0.1),
    (SOCIAL, "mean-field", "dt", 0.01),
    (ode_model(), None, "dt", 0.01),
    (SOCIAL.replace(time="discrete"), "mean-field", "atol", 1e-3),
    (SOCIAL.replace(time="discrete"), "mean-field", "method", "RK45"),
    (cp.reduce(cp.load("slow-feedback")), None, "method", "BDF"),
    (cp.reduce(cp.load("slow-feedback")), None, "dt", 0.1),
])
def test_an_option_without_effect_warns_naming_it(model, population, option, value):
    t_end = 2.0 if model.time == "continuous" else 2
    with pytest.warns(IgnoredArgumentWarning) as record:
        run = cp.simulate(model, t_end, population=population, seed=1, **{option: value})
    plain = quiet(lambda: cp.simulate(model, t_end, population=population, seed=1))
    assert len(record) == 1
    message = str(record[0].message)
    assert message.startswith(f"{option}={value!r} is ignored: ")
    assert "which does not read it" in message and f"{option} is read by" in message
    assert record[0].filename == __file__  # points at the call of cp.simulate
    # and indeed nothing changes
    assert run.method == plain.method
    assert np.array_equal(run.macro, plain.macro)
    assert np.array_equal(run.aggregates, plain.aggregates)


def test_options_with_effect_and_auto_do_not_warn():
    quiet(lambda: cp.simulate(SOCIAL, 1.0, method="auto", rtol=1e-8, atol=1e-10,
                              max_step=0.1, stop_at_equilibrium=1e-9))
    quiet(lambda: cp.simulate(SOCIAL, 1.0, population=20, method="auto", dt=0.01))
    quiet(lambda: cp.simulate(cp.reduce(cp.load("slow-feedback")), 1.0, rtol=1e-8))


def test_options_that_ask_for_what_the_run_cannot_do_are_errors():
    noisy = ode_model(macro={"y": cp.Macro("-y", 1.0, noise=0.1)})
    with pytest.raises(ValueError, match="stop_at_equilibrium needs a deterministic run "
                                         "without noise.*this is a noisy model"):
        cp.simulate(noisy, 1.0, stop_at_equilibrium=1e-6)
    with pytest.raises(ValueError, match="this is a discrete-time model that draws noise"):
        cp.simulate(SOCIAL.replace(time="discrete", macro={"n": cp.Macro(
            "n + (m - n)/tau", 0.0, noise=0.1)}), 5, stop_at_equilibrium=1e-6)
    with pytest.raises(ValueError, match="events are located.*this is a noisy model"):
        cp.simulate(noisy, 1.0, events={"e": "y - 0.5"})


@pytest.mark.parametrize("option, value", [("rtol", 0), ("atol", -1.0), ("dt", 0.0),
                                           ("stop_at_equilibrium", -1e-6),
                                           ("max_step", 0.0), ("max_step", "1")])
def test_bad_option_values_are_refused_naming_the_option(option, value):
    with pytest.raises(ValueError, match=f"^{option} must be a positive number"):
        cp.simulate(ode_model(), 1.0, **{option: value})


def test_a_response_rule_stops_at_an_equilibrium():
    """The reduced slow-feedback model with c = 0.3, x0 = 0.9 settles at a stable node; the
    run stops once |dy/dt| < 1e-9, so within 1e-9/|λ| of the equilibrium (λ its slow
    eigenvalue, dy/dt = λ (y - y*) to first order)."""
    model = cp.reduce(cp.load("slow-feedback", c=0.3, x0=0.9))
    (equilibrium,) = [e for e in cp.equilibria(model) if e.stable]
    run = quiet(lambda: cp.simulate(model, 500.0, stop_at_equilibrium=1e-9, rtol=1e-10,
                                    atol=1e-12))
    assert run.status == 1 and run.t[-1] < 500.0 and "equilibrium" in run.message
    slow = abs(equilibrium.eigenvalues[0].real)
    assert abs(run["y"][-1] - equilibrium["y"]) < 1e-9 / slow * 1.01


# ---------------------------------------------------------------- the contract for implementers
def euler(system, schedule, recorder, times, Z, y, *, method, dt):
    """Forward Euler with steps of at most dt between the output times (an integrator written
    only against the documented contract)."""
    u = system.pack(Z, y)
    recorder.record(times[0], *system.unpack(u))
    for t0, t1 in itertools.pairwise(times):
        n = int(np.ceil((t1 - t0) / dt - 1e-9))
        for _ in range(n):
            u = u + (t1 - t0) / n * system.rhs(u)
        recorder.record(t1, *system.unpack(u))
    return 0, None, system.unpack(u)[0], {"steps": (len(times) - 1) * n}


def test_a_new_integrator_needs_only_its_registry_entry(monkeypatch):
    """Registered under a name that reads ``method`` and ``dt``, a forward Euler runs
    through cp.simulate with its checks, initial state and result; its error against the
    closed form y = y0 exp(-t) is first order: halving dt halves it (to 5 %)."""
    monkeypatch.setitem(INTEGRATORS, "Euler", Integrator(
        name="Euler", label="forward Euler (dt = {dt:g})", run=euler,
        subject="a deterministic continuous-time run", time="continuous",
        rules=frozenset({"ode"}), options=frozenset({"method", "dt"})))
    assert "Euler" in methods()
    errors = []
    for dt in (0.01, 0.005):
        run = quiet(lambda dt=dt: cp.simulate(ode_model(), 1.0, t_eval=[0.0, 1.0],
                                              method="Euler", dt=dt, initial={"y": 2.0}))
        assert run.method == f"forward Euler (dt = {dt:g})" and run["y"][0] == 2.0
        errors.append(abs(run["y"][-1] - 2.0 * np.exp(-1.0)))
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.05)
    with pytest.warns(IgnoredArgumentWarning, match="rtol=0.001 is ignored"):
        cp.simulate(ode_model(), 1.0, method="Euler", dt=0.01, rtol=1e-3)
