"""Simulation mechanics: stiff runs, reproducibility, schedules, failures, persistence."""

import numpy as np
import pytest
import scipy.sparse as sparse
from scipy import optimize

import coupling as cp
from coupling.model._system import System


def relaxation_model(N, eps, J=2.0):
    """eps dx_i/dt = -x_i + tanh(J X + a_i + y), dy/dt = -0.5 X - 0.2 y + 0.05."""
    return cp.Model(
        micro=cp.ODE(rhs={"x": "-x + tanh(J*X_seen + a + y_seen)"}, initial={"x": 0.0}),
        traits={"a": cp.Normal(0.0, 0.3)},
        aggregates={"X": "x"},
        context={"X_seen": "X", "y_seen": "y"},
        macro={"y": cp.Macro("-0.5*X - 0.2*y + 0.05", 0.0)},
        parameters={"J": J}, timescale=eps, population=N)


def test_stiff_finite_population_agrees_with_mean_field():
    """eps = 1e-4, N = 1e4 ODE units: the structured BDF finishes, and the end state agrees
    with the mean field within the trait-sampling error. With J = 0.5 the map X -> E tanh(.)
    has Lipschitz constant <= J, so a sample-mean error of sd 0.3/sqrt(N) in the traits moves
    X by at most 0.3/sqrt(N)/(1 - J); the tolerance is 4 of those."""
    model = relaxation_model(10_000, 1e-4, J=0.5)
    finite = cp.simulate(model, t_end=30.0, seed=1)
    mean_field = cp.simulate(model, t_end=30.0, population="mean-field")
    assert finite.success and finite.method == "BDF"
    tolerance = 4 * 0.3 / np.sqrt(10_000) / (1 - 0.5)
    assert abs(finite["X"][-1] - mean_field["X"][-1]) < tolerance
    assert abs(finite["y"][-1] - mean_field["y"][-1]) < tolerance / 0.2


def test_structured_jacobian_matches_finite_differences():
    adjacency = sparse.random(30, 30, density=0.2, random_state=2, format="csr")
    networked = cp.Model(
        micro=cp.ODE(rhs={"x": "-x + tanh(2*L_seen + X_seen*v + a)", "v": "x - v**3"},
                     initial={"x": "a", "v": 0.2}),
        traits={"a": cp.Normal(0, 0.5)},
        aggregates={"X": "x", "V": cp.Variance("v"), "L": cp.Local("x")},
        context={"L_seen": "L + 0.1*y", "X_seen": "X*V"},
        macro={"y": cp.Macro("X - y + V", 0.1)},
        timescale=0.05, population=30, network=adjacency)
    choice = cp.load("social-choice", norm=True, sigma=0.4)
    for model, population in [(networked, 30), (relaxation_model(12, 0.01), 12),
                              (choice, cp.MeanField(6))]:
        system = System(model, population, seed=0)
        u = system.pack(system.initial_micro(), system.initial_macro())
        u = u + 0.05 * np.random.default_rng(1).standard_normal(u.size)
        J = system.jacobian(u)
        h = 1e-6
        fd = np.column_stack([(system.rhs(u + h * e) - system.rhs(u - h * e)) / (2 * h)
                              for e in np.eye(u.size)])
        scale = np.max(np.abs(fd))
        np.testing.assert_allclose(J.toarray(), fd, atol=1e-7 * scale)
        v = np.random.default_rng(2).standard_normal(u.size)
        np.testing.assert_allclose(J.matvec(v), J.toarray() @ v, atol=1e-12 * scale * u.size)
        newton = J.newton(0.37)
        np.testing.assert_allclose(newton.solve(v),
                                   np.linalg.solve(np.eye(u.size) - 0.37 * J.toarray(), v),
                                   rtol=1e-9, atol=1e-12)


def test_same_seed_same_numbers_different_seed_different():
    def step(state, traits, context, params, rng, dt):
        return {"x": state["x"] + 0.1 * (context["X_seen"] - state["x"])
                + 0.1 * rng.standard_normal(state["x"].size)}

    stepper = cp.Model(micro=cp.Step(step, initial={"x": "a"}), traits={"a": cp.Normal()},
                       aggregates={"X": "x"}, context={"X_seen": "X"}, population=500,
                       timescale=0.5)
    social = cp.load("social-choice", norm=True)
    for model, kwargs in [(social, {"population": 2000}),
                          (social.replace(time="discrete"), {"population": 2000}),
                          (stepper, {})]:
        a = cp.simulate(model, t_end=5, seed=11, micro_snapshots=True, **kwargs)
        b = cp.simulate(model, t_end=5, seed=11, micro_snapshots=True, **kwargs)
        c = cp.simulate(model, t_end=5, seed=12, **kwargs)
        for field in ("t", "macro", "aggregates", "context", "micro"):
            assert np.array_equal(getattr(a, field), getattr(b, field)), field
        assert not np.array_equal(a.aggregates, c.aggregates)


def test_schedule_changes_parameters_at_given_times():
    model = cp.load("social-choice", beta=2.0, J=0.0, sigma=0.0)
    run = cp.simulate(model, t_end=10.0, t_eval=np.linspace(0, 10, 101),
                      schedule={"h": [(5.0, 0.5)]})
    h = run["h"]
    assert np.all(h[run.t < 5] == 0.0) and np.all(h[run.t >= 5] == 0.5)
    # relaxes at rate 1/eps = 10 to tanh(beta h) after the switch
    assert abs(run["m"][-1] - np.tanh(1.0)) < 1e-6
    assert abs(run["m"][run.t == 4.9][0]) < 1e-6


def test_response_rule_jumps_at_the_fold():
    """m = tanh(beta (J m + h)) with beta J = 1.5: the lower branch ends at the fold
    m_f = -sqrt(1 - 1/(beta J)), h_f = atanh(m_f)/beta - J m_f."""
    beta, J = 1.0, 1.5
    model = cp.Model(micro=cp.Response(rhs={"x": "tanh(beta*(J*m_seen + h))"},
                                       initial={"x": -1.0}),
                     aggregates={"m": "x"}, context={"m_seen": "m"},
                     parameters={"beta": beta, "J": J, "h": -0.5})
    hs = np.linspace(-0.5, 0.5, 101)
    run = cp.simulate(model, t_end=100.0, t_eval=np.arange(101.0),
                      schedule={"h": list(zip(range(101), hs))})
    m_f = -np.sqrt(1 - 1 / (beta * J))
    h_f = np.arctanh(m_f) / beta - J * m_f
    assert len(run.jumps) == 1
    jump = run.jumps[0]
    h_at_jump = hs[int(jump["t"])]
    assert h_f < h_at_jump <= h_f + 0.01 + 1e-12
    upper = optimize.brentq(lambda m: m - np.tanh(beta * (J * m + h_at_jump)), 0.1, 1)
    assert abs(jump["after"]["m"] - upper) < 1e-9
    assert jump["before"]["m"] < m_f + 0.05


def test_response_rule_relaxation_oscillation_jumps_at_folds():
    """A slow macro variable y drives the field of a bistable response population: each
    jump happens where the tracked branch ends, at |y| = the fold field y_f."""
    model = cp.Model(micro=cp.Response(rhs={"x": "tanh(J*m_seen + y_seen)"},
                                       initial={"x": -1.0}),
                     aggregates={"m": "x"}, context={"m_seen": "m", "y_seen": "y"},
                     macro={"y": cp.Macro("-0.5*m - 0.2*y", 0.0)}, parameters={"J": 1.5})
    run = cp.simulate(model, t_end=6.0)
    m_f = np.sqrt(1 - 1 / 1.5)
    y_f = 1.5 * m_f - np.arctanh(m_f)
    assert len(run.jumps) >= 4
    for jump in run.jumps:
        before = jump["before"]["m"]
        assert abs(abs(before) - m_f) < 1e-3
        assert np.sign(jump["after"]["m"]) == -np.sign(before)
    y_at_jumps = np.array([j["macro"]["y"] for j in run.jumps])
    assert np.allclose(np.abs(y_at_jumps), y_f, atol=1e-6)


def test_failure_reports_time_and_variable_and_keeps_partial_result():
    blowup = cp.Model(micro=cp.ODE(rhs={"x": "x**2"}, initial={"x": 1.0}),
                      aggregates={"X": "x"}, timescale=1.0, population=3)
    run = cp.simulate(blowup, t_end=2.0, method="RK45")
    assert run.status == -1 and not run.success
    assert "x" in run.message and "t = " in run.message
    assert run.t.size > 10 and run.t[-1] <= 1.0  # x = 1/(1 - t) blows up at t = 1
    early = run.t < 0.95
    np.testing.assert_allclose(run["X"][early], 1 / (1 - run.t[early]), rtol=1e-4)
    with pytest.raises(cp.SimulationError) as info:
        cp.simulate(blowup, t_end=2.0, throw=True)
    assert 0.9 < info.value.trajectory.t[-1] <= 1.0


def test_stop_at_equilibrium():
    model = cp.load("social-choice", J=0.5, sigma=0.2)
    run = cp.simulate(model, t_end=1000.0, stop_at_equilibrium=1e-10)
    assert run.status == 1 and run.t[-1] < 100
    with pytest.raises(ValueError, match="deterministic"):
        cp.simulate(model, population=100, stop_at_equilibrium=1e-6)


def test_save_load_round_trip(tmp_path):
    model = cp.load("social-choice", norm=True)
    run = cp.simulate(model, t_end=5.0, population=300, seed=5, micro_snapshots=True,
                      schedule={"h": [(2.0, 0.3)]})
    path = tmp_path / "run.npz"
    run.save(path)
    back = cp.Trajectory.load(path)
    for name, value in vars(run).items():
        other = getattr(back, name)
        if isinstance(value, np.ndarray):
            assert np.array_equal(value, other) and value.dtype == other.dtype, name
        elif isinstance(value, dict) and name == "traits":
            assert value.keys() == other.keys()
            assert all(np.array_equal(value[k], other[k]) for k in value)
        else:
            assert value == other, name


def test_dataframe_view():
    pd = pytest.importorskip("pandas")
    run = cp.simulate(cp.load("social-choice"), t_end=2.0, n_points=5)
    frame = run.to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(run.names) and frame.shape == (5, len(run.names))


def test_xarray_view_keeps_micro_snapshots():
    xr = pytest.importorskip("xarray")
    run = cp.simulate(cp.load("social-choice"), t_end=2.0, n_points=5, population=50, seed=1,
                      micro_snapshots=True)
    data = run.to_xarray()
    assert isinstance(data, xr.Dataset)
    np.testing.assert_array_equal(data["m"].values, run["m"])
    assert data["micro"].shape == (5, 50, 1) and data.attrs["population"] == "50"


def test_discrete_step_rule_matches_its_closed_form():
    """x <- x + r (X - x) + noise keeps the mean: X_t = E[x_0] exactly in expectation, and
    the finite-N mean moves only by the noise, sd 0.1 sqrt(t / N)."""
    def step(state, traits, context, params, rng, dt):
        x = state["x"]
        return {"x": x + params["r"] * (context["X_seen"] - x)
                + 0.1 * rng.standard_normal(x.size)}

    model = cp.Model(micro=cp.Step(step, initial={"x": "a"}), traits={"a": cp.Normal(1.0, 1.0)},
                     aggregates={"X": "x", "V": cp.Variance("x")}, context={"X_seen": "X"},
                     parameters={"r": 0.5}, time="discrete", timescale=1e-9, population=4000)
    run = cp.simulate(model, t_end=20, seed=2)
    assert abs(run["X"][-1] - run["X"][0]) < 4 * 0.1 * np.sqrt(20 / 4000)
    # the spread contracts by (1 - r)^2 per period to the floor V = 0.01 / (1 - 0.25); the
    # variance of N normal draws has sd V sqrt(2 / N) = 3e-4, and 0.002 is 6 of those
    assert abs(run["V"][-1] - 0.01 / (1 - 0.25)) < 0.002


def test_statistic_aggregate_runs_explicitly_and_only_for_finite_populations():
    """A median is no mean: X = median(x) with dx/dt = -(x - X) keeps the median fixed."""
    def median(state, traits, weights):
        return float(np.median(state["x"]))

    model = cp.Model(micro=cp.ODE(rhs={"x": "-(x - X_seen)"}, initial={"x": "a"}),
                     traits={"a": cp.Uniform(0, 1)},
                     aggregates={"X": cp.Statistic(median), "mean": "x"},
                     context={"X_seen": "X"}, population=101)
    run = cp.simulate(model, t_end=5.0, seed=3)
    assert run.method == "RK45"
    np.testing.assert_allclose(run["X"], run["X"][0], atol=1e-9)
    X = run["X"][0]  # every x_i relaxes to X like exp(-t), and so does their mean
    np.testing.assert_allclose(run["mean"] - X, (run["mean"][0] - X) * np.exp(-run.t),
                               rtol=1e-4, atol=1e-9)
    with pytest.raises(ValueError, match="Statistic"):
        cp.simulate(model, t_end=1.0, method="BDF")
    with pytest.raises(cp.DeclarationError, match="finite") as info:
        cp.simulate(model, t_end=1.0, population="mean-field")
    assert info.value.symbol == "X"


def test_stop_at_equilibrium_waits_for_the_last_scheduled_change():
    """A run at rest before a scheduled change must not stop there: the change moves it."""
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0, h=-1.0)
    for variant in (model, model.replace(time="discrete")):
        run = cp.simulate(variant, t_end=200, population="mean-field",
                          schedule={"h": [(20, 1.0)]}, stop_at_equilibrium=1e-9)
        assert run.status == 1 and run.t[-1] > 20
        assert run["m"][-1] == pytest.approx(0.9950, abs=1e-3)  # m = tanh(2m + 1)
