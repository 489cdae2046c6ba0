"""``cp.simulate(..., initial=...)``: starting states by name or from an equilibrium."""

import numpy as np
import pytest

import coupling as cp


def relaxation_model(N, eps=0.05):
    """eps dx_i/dt = -x_i + tanh(2 X + a_i + y), dy/dt = -0.5 X - 0.2 y + 0.05."""
    return cp.Model(
        micro=cp.ODE(rhs={"x": "-x + tanh(2*X_seen + a + y_seen)"}, initial={"x": 0.0}),
        traits={"a": cp.Normal(0.0, 0.3)},
        aggregates={"X": "x"},
        context={"X_seen": "X", "y_seen": "y"},
        macro={"y": cp.Macro("-0.5*X - 0.2*y + 0.05", 0.0)},
        timescale=eps, population=N)


SOCIAL = cp.load("social-choice", norm=True)


# ---------------------------------------------------------------- starting at an equilibrium
@pytest.mark.parametrize("population", ["mean-field", cp.MeanField(12)])
def test_a_run_started_at_a_stable_equilibrium_stays_there(population):
    """Both stable equilibria of the social norm model (m* = n* = ±0.948 at σ = 0.3, βJ =
    1.5): the run from one stays at it to 1e-9 (the equilibrium's residual is ~1e-13)."""
    model = SOCIAL.replace(population=population)
    stable = [e for e in cp.equilibria(model) if e.stable]
    assert len(stable) == 2
    for equilibrium in stable:
        run = cp.simulate(model, 30.0, initial=equilibrium, micro_snapshots=True)
        assert run.success
        np.testing.assert_allclose(run.micro[0], equilibrium.micro, rtol=0, atol=0)
        for name in ("m", "n"):
            assert np.max(np.abs(run[name] - equilibrium[name])) < 1e-9, name


def test_an_ode_population_started_at_its_equilibrium_stays_there():
    model = relaxation_model(25)
    (equilibrium,) = cp.equilibria(model, seed=3)
    run = cp.simulate(model, 20.0, seed=3, initial=equilibrium)
    assert np.max(np.abs(run["X"] - equilibrium["X"])) < 1e-9
    assert np.max(np.abs(run["y"] - equilibrium["y"])) < 1e-9


def test_a_finite_choice_population_draws_its_options_from_the_equilibrium():
    """Equilibria of a finite choice population hold each unit's choice probabilities; a
    stochastic run from one draws every unit's option from them: the initial mean choice is
    within 4 standard errors (1/sqrt(N) bounds the sd of a mean of ±1 draws) of m*, and the
    draws repeat with the seed."""
    N = 400
    model = SOCIAL.replace(population=N)
    equilibrium = max(cp.equilibria(model, seed=1), key=lambda e: e["m"])
    first = cp.simulate(model, 1.0, seed=1, initial=equilibrium, micro_snapshots=True)
    again = cp.simulate(model, 1.0, seed=1, initial=equilibrium, micro_snapshots=True)
    assert set(np.unique(first.micro[0])) <= {-1.0, 1.0}
    assert abs(first["m"][0] - equilibrium["m"]) < 4 / np.sqrt(N)
    assert first["n"][0] == equilibrium["n"]
    assert np.array_equal(first.micro, again.micro)


# ---------------------------------------------------------------- values reach the first row
def test_micro_and_macro_values_are_the_first_row_exactly():
    x0 = np.array([0.1, -0.4, 0.25, 0.9, -0.05])
    for method in ("BDF", "RK45"):
        run = cp.simulate(relaxation_model(5), 1.0, initial={"x": x0, "y": 0.3},
                          method=method, micro_snapshots=True)
        assert np.array_equal(run.micro[0][:, 0], x0)
        assert run["y"][0] == 0.3
        assert run["X"][0] == pytest.approx(x0.mean(), rel=1e-15)
    every = cp.simulate(relaxation_model(5), 1.0, initial={"x": -0.7}, micro_snapshots=True)
    assert np.all(every.micro[0] == -0.7) and every["X"][0] == pytest.approx(-0.7, rel=1e-15)


def test_names_not_given_keep_the_model_values():
    """Giving only the macro variable leaves the micro state as drawn without ``initial``
    (the same stream of initial choices), and the other way round."""
    model = SOCIAL.replace(population=300)
    plain = cp.simulate(model, 1.0, seed=5, micro_snapshots=True)
    macro_only = cp.simulate(model, 1.0, seed=5, initial={"n": 0.4}, micro_snapshots=True)
    assert np.array_equal(macro_only.micro[0], plain.micro[0])
    assert macro_only["n"][0] == 0.4 and plain["n"][0] == 0.0
    micro_only = cp.simulate(relaxation_model(4), 1.0, initial={"x": 0.5})
    assert micro_only["y"][0] == 0.0


def test_choice_states_of_finite_and_mean_field_populations():
    units = cp.simulate(SOCIAL.replace(population=4), 1.0, initial={"s": [1, -1, 1, 1]},
                        micro_snapshots=True)
    assert np.array_equal(units.micro[0][:, 0], [1, -1, 1, 1])
    assert units["m"][0] == 0.5 and units["adopters"][0] == 0.75
    assert cp.simulate(SOCIAL.replace(population=10), 1.0, initial={"s": -1})["m"][0] == -1
    # mean field: P(s=-1), P(s=1) for every node, or one row per node
    shared = cp.simulate(SOCIAL, 1.0, initial={"s": [0.9, 0.1]}, micro_snapshots=True)
    assert np.all(shared.micro[0] == [0.9, 0.1])
    assert shared["m"][0] == pytest.approx(-0.8, rel=1e-14)
    M = shared.micro.shape[1]
    p_up = np.linspace(0.0, 1.0, M)
    rows = np.column_stack([1 - p_up, p_up])
    per_node = cp.simulate(SOCIAL, 1.0, initial={"s": rows}, micro_snapshots=True)
    assert np.array_equal(per_node.micro[0], rows)
    assert per_node["m"][0] == pytest.approx(per_node.weights @ (2 * p_up - 1), rel=1e-14)


@pytest.mark.parametrize("case", ["stochastic", "discrete", "noisy", "response"])
def test_every_integrator_starts_from_the_given_state(case):
    if case == "stochastic":
        run = cp.simulate(SOCIAL.replace(population=50), 1.0, initial={"s": 1, "n": -0.2})
        assert run.method.startswith("stochastic revision")
        assert run["m"][0] == 1.0 and run["n"][0] == -0.2
    elif case == "discrete":
        model = SOCIAL.replace(time="discrete", population=50)
        run = cp.simulate(model, 5, initial={"s": -1, "n": 0.3})
        assert run["m"][0] == -1.0 and run["n"][0] == 0.3
    elif case == "noisy":
        model = relaxation_model(3).replace(
            macro={"y": cp.Macro("-0.5*X - 0.2*y + 0.05", 0.0, noise=0.1)})
        run = cp.simulate(model, 1.0, seed=0, initial={"x": [0.1, 0.2, 0.3], "y": 0.7})
        assert run.method.startswith("linearly implicit Euler-Maruyama")
        assert run["y"][0] == 0.7 and run["X"][0] == pytest.approx(0.2, rel=1e-15)
    else:
        model = cp.reduce(cp.load("slow-feedback"))
        run = cp.simulate(model, 1.0, initial={"y": 0.25})
        assert run.method == "fixed-point tracking + RK45" and run["y"][0] == 0.25


def test_the_micro_state_of_a_response_rule_chooses_the_branch():
    """m = tanh(1.5 m) has the attracting branches ±0.8586: the tracker starts on the one the
    initial micro state's aggregate leads to."""
    model = cp.Model(micro=cp.Response(rhs={"x": "tanh(1.5*m_seen)"}, initial={"x": 1.0}),
                     aggregates={"m": "x"}, context={"m_seen": "m"})
    upper = cp.simulate(model, 1.0)["m"][0]
    lower = cp.simulate(model, 1.0, initial={"x": -1.0})["m"][0]
    assert upper == pytest.approx(0.858560, abs=1e-6) and lower == pytest.approx(-upper)


# ---------------------------------------------------------------- errors before any work
@pytest.mark.parametrize("initial, error, words", [
    ({"yy": 0.1}, cp.UnknownNameError, ["'yy'", "did you mean 'y'?"]),
    ({"X": 0.1}, cp.UnknownNameError, ["macro variable or micro state"]),
    ({"x": np.zeros(3)}, ValueError, ["initial['x']", "one value per unit", "(5,)", "(3,)"]),
    ({"y": [0.1, 0.2]}, ValueError, ["initial['y']", "one number"]),
    ({"y": np.nan}, ValueError, ["initial['y'] must be finite", "nan"]),
    ({"x": [0, 0, np.inf, 0, 0]}, ValueError, ["initial['x'] must be finite", "index 2"]),
    ({"x": "a"}, ValueError, ["initial['x'] must be a number"]),
    ({"y": True}, ValueError, ["initial['y'] must be a number"]),
    ([("y", 0.1)], TypeError, ["mapping", "Equilibrium"]),
])
def test_bad_initial_values_are_refused_naming_the_variable(initial, error, words):
    with pytest.raises(error) as info:
        cp.simulate(relaxation_model(5), 1.0, initial=initial)
    for word in words:
        assert word in str(info.value)


def test_an_unknown_name_is_a_key_error_and_a_declaration_error():
    with pytest.raises(KeyError):
        cp.simulate(relaxation_model(5), 1.0, initial={"z": 0.0})
    with pytest.raises(cp.DeclarationError):
        cp.simulate(relaxation_model(5), 1.0, initial={"z": 0.0})


@pytest.mark.parametrize("population, value, words", [
    ("mean-field", [0.5, 0.6], ["sum to one", "[0.5, 0.6]"]),
    ("mean-field", [1.2, -0.2], ["non-negative"]),
    ("mean-field", 0.5, ["option values", "choice probabilities"]),
    ("mean-field", np.full((3, 2), 0.5), ["(32, 2)", "(3, 2)"]),
    (10, 0.5, ["option values [-1.0, 1.0]", "0.5"]),
    (10, [1, -1, 0, 1, 1, 1, 1, 1, 1, 1], ["option values", "got 0"]),
    (10, [1, -1], ["one value per unit", "(10,)"]),
])
def test_bad_choice_states_are_refused(population, value, words):
    with pytest.raises(ValueError) as info:
        cp.simulate(SOCIAL.replace(population=population), 1.0, initial={"s": value})
    for word in words + ["initial['s']"]:
        assert word in str(info.value)


def test_a_row_of_probabilities_names_its_node():
    rows = np.tile([0.5, 0.5], (32, 1))
    rows[7] = [0.5, 0.4]
    with pytest.raises(ValueError, match="node 7"):
        cp.simulate(SOCIAL, 1.0, initial={"s": rows})


def test_an_equilibrium_of_another_population_is_refused():
    equilibrium = cp.equilibria(SOCIAL)[0]
    with pytest.raises(ValueError, match="same population"):
        cp.simulate(SOCIAL.replace(population=cp.MeanField(8)), 1.0, initial=equilibrium)
    with pytest.raises(ValueError, match="same population"):
        cp.simulate(SOCIAL.replace(population=50), 1.0, initial=equilibrium)


@pytest.mark.filterwarnings("ignore:invalid value encountered in log:RuntimeWarning")
def test_a_non_finite_initial_state_of_the_model_names_the_variable():
    """log(a) of a Normal trait is NaN for the units with a < 0: the error names the
    variable and unit, not an internal solver argument."""
    model = relaxation_model(20).replace(
        micro=cp.ODE(rhs={"x": "-x + tanh(2*X_seen + a + y_seen)"}, initial={"x": "log(a)"}))
    with pytest.raises(ValueError) as info:
        cp.simulate(model, 1.0, seed=0)
    message = str(info.value)
    assert "initial state" in message and "micro state 'x' of unit" in message
    assert "y0" not in message
    # a finite override of the offending state is accepted
    assert cp.simulate(model, 1.0, seed=0, initial={"x": 0.0}).success


def test_one_option_value_starts_a_mean_field_choice_on_that_option():
    """As the Choice declaration's own initial=, an option value puts all of every node's
    probability on that option."""
    model = cp.load("social-choice", J=2.0, sigma=0.3)
    run = cp.simulate(model, t_end=1.0, initial={"s": 1})
    assert run["m"][0] == 1.0 and run["adopters"][0] == 1.0
