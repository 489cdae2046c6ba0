"""The structured NDF/BDF integrator and simulation events, against known answers."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import coupling as cp
from coupling._errors import DeclarationError, SimulationError
from coupling.dynamics._events import Event
from coupling.dynamics._stiff import StructuredBDF, fixed_step
from coupling.model._system import System

# y' = A (y - g) + g' has the solution y = g(t) = (cos t, sin t) from y(0) = g(0); A has the
# eigenvalues -1 and -1000, so hλ = -1000 h makes the second component stiff.
A = np.array([[-1.0, 0.5], [0.0, -1000.0]])


def g(t):
    return np.array([np.cos(t), np.sin(t)])


def linear_rhs(t, y):
    return A @ (y - g(t)) + np.array([-np.sin(t), np.cos(t)])


def fixed_step_errors(order, steps, ndf):
    """Global errors at t = 1 after `steps` constant steps from the exact past values."""
    errors = []
    for n in steps:
        h = 1.0 / n
        t, y = fixed_step(linear_rhs, lambda t, y: A, 0.0, [g(-i * h) for i in range(order + 1)],
                          h, n, ndf=ndf)
        errors.append(np.max(np.abs(y - g(t))))
    return np.array(errors)


@pytest.mark.parametrize("ndf", [True, False])
@pytest.mark.parametrize("order", [1, 2, 3, 4, 5])
def test_fixed_step_convergence_order(order, ndf):
    """The slope of log(error) against log(h) is the order k. Errors stay between 1e-2 and
    1e-11, far above the Newton tolerance (1e-13) and below the asymptotic regime's end, so
    ±0.3 (measured: within ±0.15) separates order k from k ± 1."""
    steps = [10, 20, 40, 80] if order >= 4 else [20, 40, 80, 160]
    errors = fixed_step_errors(order, steps, ndf)
    slope = np.polyfit(np.log(1.0 / np.array(steps)), np.log(errors), 1)[0]
    assert abs(slope - order) < 0.3


def test_ndf_is_more_accurate_than_bdf_at_the_same_step():
    """κ < 0 shrinks the error constants of orders 1-4 (Shampine & Reichelt 1997, Table 1);
    order 5 has κ = 0, the BDF itself."""
    for order in (1, 2, 3, 4):
        ndf, bdf = (fixed_step_errors(order, [40], flag)[0] for flag in (True, False))
        assert ndf < bdf
    assert fixed_step_errors(5, [40], True)[0] == fixed_step_errors(5, [40], False)[0]


def van_der_pol(eps):
    """eps x' = x - x^3/3 - y, y' = x: two states, a relaxation oscillation."""
    return cp.Model(micro=cp.ODE(rhs={"x": "x - x**3/3 - y_seen"}, initial={"x": 2.0}),
                    aggregates={"X": "x"}, context={"y_seen": "y"},
                    macro={"y": cp.Macro("X", 0.0)}, timescale=eps, population=1)


def radau(model, N, t_end, t_eval, rtol):
    """scipy's Radau IIA (order 5, dense exact Jacobian) on the same System."""
    system = System(model.replace(population=N), N, seed=3)
    u0 = system.pack(system.initial_micro(), system.initial_macro())
    sol = solve_ivp(lambda t, u: system.rhs(u), (0, t_end), u0, method="Radau", rtol=rtol,
                    atol=rtol * 1e-2, jac=lambda t, u: system.jacobian(u).toarray(),
                    t_eval=t_eval)
    assert sol.success
    return sol.y[-1], sol.y[:N].mean(axis=0)


@pytest.mark.parametrize("model, N", [(cp.load("slow-feedback", eps=1e-2), 5),
                                      (cp.load("slow-feedback", eps=1e-3), 5),
                                      (cp.load("slow-feedback", eps=1e-2), 20),
                                      (cp.load("slow-feedback", eps=1e-3), 20),
                                      (van_der_pol(1e-2), 1)])
def test_matches_radau_at_tight_tolerance(model, N):
    """At rtol = 1e-10 the local errors are ~1e-10; the jumps of the relaxation oscillation
    amplify them (measured final errors 3e-10 to 4e-9 over t in [0, 6]); the reference,
    Radau at rtol = 1e-11, is ten times tighter. 1e-7 = 1000 rtol bounds the difference of
    the final states and of the slow variable at every output time (the fast aggregate X is
    compared at the end only: within a jump a time shift of 1e-10 moves it by 1e-10/ε)."""
    t_eval = np.linspace(0.0, 6.0, 61)
    run = cp.simulate(model, 6.0, population=N, seed=3, rtol=1e-10, atol=1e-12, t_eval=t_eval)
    assert run.success and run.method == "BDF"
    y_ref, X_ref = radau(model, N, 6.0, t_eval, 1e-11)
    assert np.max(np.abs(run["y"] - y_ref)) < 1e-7
    assert abs(run["X"][-1] - X_ref[-1]) < 1e-7


def test_global_error_tracks_the_tolerance():
    """Final errors against Radau at rtol = 1e-12 on one relaxation period, for rtol = 1e-4,
    1e-6, 1e-8 (atol = rtol/100): each below 10 rtol (local errors below rtol, amplified a
    little by the jumps; measured 0.35 to 2.2 rtol), and 100 times tighter tolerances buy at
    least 10 times smaller errors."""
    model = cp.load("slow-feedback", eps=1e-2)
    y_ref, X_ref = radau(model, 20, 6.0, [6.0], 1e-12)
    errors = []
    for rtol in (1e-4, 1e-6, 1e-8):
        run = cp.simulate(model, 6.0, population=20, seed=3, rtol=rtol, atol=rtol * 1e-2)
        errors.append(max(abs(run["y"][-1] - y_ref[-1]), abs(run["X"][-1] - X_ref[-1])))
        assert errors[-1] < 10 * rtol
    assert errors[1] < errors[0] / 10 and errors[2] < errors[1] / 10


def test_dense_output_matches_steps_and_radau():
    """The interpolant of each step reproduces both ends of the step to round-off (it
    interpolates the grid values), and at 201 output times a run at rtol = 1e-10 follows
    Radau at 1e-11 within 1e-7 in the slow variable (as above)."""
    system = System(cp.load("slow-feedback", eps=1e-2).replace(population=10), 10, seed=3)
    u0 = system.pack(system.initial_micro(), system.initial_macro())
    solver = StructuredBDF(lambda t, u: system.rhs(u), 0.0, u0, 3.0,
                           jac=lambda t, u: system.jacobian(u), rtol=1e-8, atol=1e-10)
    previous = u0
    while solver.status == "running":
        solver.step()
        dense = solver.dense_output()
        np.testing.assert_allclose(dense(solver.t), solver.y, rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(dense(solver.t_old), previous, rtol=1e-10, atol=1e-11)
        middle = dense(np.array([solver.t_old, 0.5 * (solver.t_old + solver.t)]))
        assert middle.shape == (u0.size, 2) and np.all(np.isfinite(middle))
        previous = solver.y
    t_eval = np.linspace(0.0, 6.0, 201)
    model = cp.load("slow-feedback", eps=1e-2)
    run = cp.simulate(model, 6.0, population=10, seed=3, rtol=1e-10, atol=1e-12,
                      t_eval=t_eval)
    y_ref, _ = radau(model, 10, 6.0, t_eval, 1e-11)
    assert np.max(np.abs(run["y"] - y_ref)) < 1e-7


def test_dense_jacobian_and_max_step():
    """A plain array Jacobian works (factored densely), and no step exceeds max_step."""
    solver = StructuredBDF(linear_rhs, 0.0, g(0.0), 2.0, jac=lambda t, y: A, rtol=1e-8,
                           atol=1e-10, max_step=0.05)
    times = [0.0]
    while solver.status == "running":
        solver.step()
        times.append(solver.t)
    assert solver.status == "finished" and solver.t == 2.0
    assert np.max(np.diff(times)) <= 0.05 * (1 + 1e-12)
    assert np.max(np.abs(solver.y - g(2.0))) < 1e-6


def test_jacobian_is_reused_and_newton_matrix_refactored_only_on_step_changes():
    """A relaxation oscillation of 50 units: thousands of steps, but the Jacobian is
    evaluated only when Newton converges slowly (a few per cent of the steps) and I - cJ is
    factored once per change of the step or order (about a third of the steps)."""
    run = cp.simulate(cp.load("slow-feedback"), 10.0, population=50, seed=1)
    stats = run.stats
    assert run.success and stats["steps"] > 500
    assert stats["njev"] < 0.1 * stats["steps"]
    assert stats["nlu"] < 0.5 * stats["steps"]
    assert stats["nfev"] < 2.5 * stats["steps"]


def blow_up():
    """dy/dt = y^2 from y(0) = 1: y = 1/(1 - t) blows up at t = 1."""
    return cp.Model(micro=cp.ODE(rhs={"x": "-x + y_seen"}, initial={"x": 1.0}),
                    aggregates={"X": "x"}, context={"y_seen": "y"},
                    macro={"y": cp.Macro("y**2", 1.0)}, timescale=0.01, population=5)


def test_failure_reports_time_and_keeps_partial_output():
    run = cp.simulate(blow_up(), 2.0)
    assert run.status == -1 and not run.success
    assert "integration failed at t = 0.99" in run.message and "step size" in run.message
    assert "macro variable 'y'" in run.message
    # the output up to the failure is kept: y = 1/(1 - t) = 100 at t = 0.99, to 5e-3: an
    # error δ grows like y^2 here (δ' = 2 y δ), and at rtol = 1e-6 scipy's BDF is 1.2e-3 off
    assert run.t[-1] == pytest.approx(0.99)
    assert run["y"][-1] == pytest.approx(100.0, rel=5e-3)
    assert run.micro is not None and np.all(np.isfinite(run.micro))
    with pytest.raises(SimulationError) as raised:
        cp.simulate(blow_up(), 2.0, throw=True)
    assert raised.value.trajectory.status == -1


# ------------------------------------------------------------------------------- events
def decay(**kwargs):
    """One unit relaxing to the macro variable, dy/dt = -y, y(0) = 1: y = exp(-t)."""
    return cp.Model(micro=cp.ODE(rhs={"x": "-x + y_seen"}, initial={"x": 1.0}),
                    aggregates={"X": "x"}, context={"y_seen": "y"},
                    macro={"y": cp.Macro("-y", 1.0)}, parameters={"level": 0.5},
                    timescale=1.0, population="mean-field", **kwargs)


def rotation():
    """y1' = y2, y2' = -y1 from (1, 0): y1 = cos t."""
    return cp.Model(micro=cp.ODE(rhs={"x": "-x"}, initial={"x": 0.0}),
                    aggregates={"X": "x"}, context={"c": "y1"},
                    macro={"y1": cp.Macro("y2", 1.0), "y2": cp.Macro("-y1", 0.0)},
                    timescale=1.0, population="mean-field")


def test_event_time_of_a_closed_form_solution():
    """y = exp(-t) crosses 1/2 at ln 2. At rtol = 1e-12 the dense output carries errors of
    ~1e-12, and Brent's method stops at 1e-12 relative: 1e-9 is a safe bound. The recorded
    observables are those at the event time."""
    for method in ("BDF", "RK45", "DOP853"):
        run = cp.simulate(decay(), 3.0, method=method, rtol=1e-12, atol=1e-14,
                          events={"half": "y - level", "late": Event("t - 2.5")})
        half = run.events["half"]
        assert half["t"].shape == (1,)
        assert abs(half["t"][0] - np.log(2)) < 1e-9
        assert abs(half["y"][0] - 0.5) < 1e-9
        assert set(half) == {"t", "y", "X", "y_seen"}
        assert abs(run.events["late"]["t"][0] - 2.5) < 1e-9
        assert run.status == 0 and run.t[-1] == 3.0


def test_event_direction_filters_crossings():
    """cos t falls through 0 at π/2, 5π/2 and rises at 3π/2, 7π/2 (t in [0, 12])."""
    events = {"any": "y1", "up": Event("y1", direction=1), "down": Event("y1", -1)}
    run = cp.simulate(rotation(), 12.0, rtol=1e-11, atol=1e-13, events=events)
    pi = np.pi
    np.testing.assert_allclose(run.events["down"]["t"], [pi / 2, 5 * pi / 2], atol=1e-8)
    np.testing.assert_allclose(run.events["up"]["t"], [3 * pi / 2, 7 * pi / 2], atol=1e-8)
    np.testing.assert_allclose(run.events["any"]["t"], pi / 2 + pi * np.arange(4), atol=1e-8)
    np.testing.assert_allclose(run.events["up"]["y2"], [1.0, 1.0], atol=1e-8)


def test_terminal_event_stops_the_run_at_the_event():
    run = cp.simulate(decay(), 3.0, rtol=1e-12, atol=1e-14,
                      events={"half": Event("y - level", terminal=True)})
    assert run.status == 2 and run.success
    assert "terminal event 'half'" in run.message
    assert abs(run.t[-1] - np.log(2)) < 1e-9 and abs(run["y"][-1] - 0.5) < 1e-9
    assert np.all(np.diff(run.t) > 0) and run.t[-2] < np.log(2)
    assert run.micro_t[-1] == run.t[-1]


def test_events_within_schedule_segments_and_ramps():
    """The level jumps from 0.5 to 0.2 at t = 1: y = exp(-t) crosses 0.5 before and 0.2
    after the change (at ln 5); the jump itself is no crossing. With a ramped level the
    crossing solves exp(-t) = level(t)."""
    run = cp.simulate(decay(), 3.0, rtol=1e-12, atol=1e-14, events={"e": "y - level"},
                      schedule={"level": [(1.0, 0.2)]})
    np.testing.assert_allclose(run.events["e"]["t"], [np.log(2), np.log(5)], atol=1e-9)
    ramp = cp.Ramp([(0.0, 0.0), (2.0, 0.8)])  # level = 0.4 t
    run = cp.simulate(decay(), 2.0, rtol=1e-12, atol=1e-14, events={"e": "y - level"},
                      schedule={"level": ramp})
    t = run.events["e"]["t"][0]
    assert abs(np.exp(-t) - 0.4 * t) < 1e-9


def test_events_survive_save_and_load(tmp_path):
    run = cp.simulate(rotation(), 12.0, events={"up": Event("y1", direction=1),
                                                "never": "y1 - 5"})
    path = tmp_path / "run.npz"
    run.save(path)
    back = cp.Trajectory.load(path)
    assert list(back.events) == ["up", "never"]
    for name, columns in run.events.items():
        assert list(back.events[name]) == list(columns)
        for column, values in columns.items():
            np.testing.assert_array_equal(back.events[name][column], values)
    assert back.events["never"]["t"].shape == (0,)


def test_bad_events_are_refused_with_the_event_named():
    model = decay()
    with pytest.raises(DeclarationError, match="'bad'.*unknown name 'z'"):
        cp.simulate(model, 1.0, events={"bad": "y - z"})
    with pytest.raises(DeclarationError, match="'bad'"):
        cp.simulate(model, 1.0, events={"bad": "y -"})
    with pytest.raises(DeclarationError, match="'bad'.*__import__"):
        cp.simulate(model, 1.0, events={"bad": "__import__('os')"})
    with pytest.raises(DeclarationError, match="'bad'"):
        cp.simulate(model, 1.0, events={"bad": 3.0})
    with pytest.raises(DeclarationError, match="identifier"):
        cp.simulate(model, 1.0, events={"no good": "y"})
    with pytest.raises(ValueError, match="direction"):
        Event("y", direction=2)
    with pytest.raises(TypeError, match="string"):
        Event(lambda y: y)
    with pytest.raises(TypeError, match="mapping"):
        cp.simulate(model, 1.0, events=["y"])


def test_events_need_a_deterministic_continuous_run():
    social = cp.load("social-choice")
    with pytest.raises(ValueError, match="stochastic"):
        cp.simulate(social, 1.0, population=100, events={"e": "m"})
    with pytest.raises(ValueError, match="discrete-time"):
        cp.simulate(social.replace(time="discrete"), 5, population="mean-field",
                    events={"e": "m"})
    response = cp.Model(micro=cp.Response(rhs={"x": "tanh(m_seen + h)"}, initial={"x": 0.0}),
                        aggregates={"m": "x"}, context={"m_seen": "m"},
                        parameters={"h": 0.1})
    with pytest.raises(ValueError, match="response"):
        cp.simulate(response, 1.0, events={"e": "m"})


def test_fast_right_hand_side_is_the_general_one():
    """System.rhs and System.evaluate take a shortcut after their first call (direct calls of
    the compiled functions, bare variables read, persistent scopes); the numbers are the
    general path's, bit for bit, also after a parameter change."""
    varied = cp.Model(micro=cp.ODE(rhs={"x": "-x + tanh(J*X_seen + a)", "v": "x - v**3"},
                                   initial={"x": 0.1, "v": "a"}),
                      traits={"a": cp.Normal(0, "sigma")}, parameters={"J": 2.0, "sigma": 0.3},
                      aggregates={"X": "x", "V": cp.Variance("v**2")},
                      context={"X_seen": "X + 0.1*V + y"}, macro={"y": cp.Macro("-y + V", 0.2)},
                      timescale=0.1, population=40)
    response = cp.Model(micro=cp.Response(rhs={"x": "tanh(m_seen + a)"}, initial={"x": 0.0}),
                        traits={"a": cp.Normal(0, 0.5)}, aggregates={"m": "x"},
                        context={"m_seen": "m"}, population=30)
    for model, N in [(cp.load("slow-feedback"), 25), (varied, 40), (response, 30)]:
        system = System(model.replace(population=N), N, seed=2)
        u = system.pack(system.initial_micro(), system.initial_macro())
        u = u + 0.1 * np.random.default_rng(0).standard_normal(u.size)
        system.rhs(u)
        assert system._plan
        for params in (None, {**model.parameters, **({"sigma": 0.5} if N == 40 else {})}):
            if params is not None:
                system.set_parameters(params)
            fast, fast_eval = system.rhs(u), system.evaluate(*system.unpack(u)[::-1])
            plan, system._plan = system._plan, False
            general, general_eval = system.rhs(u), system.evaluate(*system.unpack(u)[::-1])
            system._plan = plan
            assert np.array_equal(fast, general)
            assert np.array_equal(fast_eval[0], general_eval[0])
            assert fast_eval[2].keys() == general_eval[2].keys()
            assert all(np.array_equal(fast_eval[2][n], general_eval[2][n]) for n in fast_eval[2])
