r"""Declared exact mean-field reductions (``cp.Reduction``): the reduced run, the checks.

The toy: units ε x_i' = -x_i + c + a_i with a trait a ~ Normal(m, 1) and the context
c = b - k X, X the mean of x. Averaging is linear, so the mean obeys ε X' = -X + c + m
exactly, X(t) = X* + (X_0 - X*) e^{-(1+k)t/ε} with X* = (b + m)/(1 + k); the declared
reduction is that equation. The quadrature mean field integrates the same linear ODE at each
Gauss node, so the two runs agree to the integrator tolerance.
"""

import numpy as np
import pytest

import coupling as cp

B, M, EPS = 1.0, 0.5, 0.5


def toy(**changes):
    reduction = cp.Reduction(states={"X_mf": cp.Macro("-X_mf + c + m", 0.0)},
                             aggregates={"X": "X_mf"}, source="linear averaging")
    declaration = {"micro": cp.ODE(rhs={"x": "-x + c + a"}, initial={"x": 0.0}),
                   "traits": {"a": cp.Normal("m", 1.0)}, "aggregates": {"X": "x"},
                   "context": {"c": "b - k*X"}, "parameters": {"b": B, "k": 0.5, "m": M},
                   "timescale": EPS, "reduction": reduction}
    declaration.update(changes)
    return cp.Model(**declaration)


def test_reduced_run_equals_quadrature_and_closed_form():
    """Reduced and quadrature mean fields agree with the closed form to rtol 1e-7 (the
    integrator runs at rtol 1e-10); the reduced run has one unit holding X_mf."""
    model, t = toy(), np.linspace(0, 3, 7)
    reduced = cp.simulate(model, 3, t_eval=t, rtol=1e-10, atol=1e-12)
    quadrature = cp.simulate(model.replace(reduction=None), 3, t_eval=t, rtol=1e-10,
                             atol=1e-12)
    star = (B + M) / 1.5
    exact = star * (1 - np.exp(-1.5 * t / EPS))
    np.testing.assert_allclose(reduced.aggregates[:, 0], exact, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(quadrature.aggregates[:, 0], exact, rtol=1e-7, atol=1e-10)
    assert reduced.micro_names == ("X_mf",)


def test_finite_population_ignores_the_reduction():
    """A finite population runs the declared units: its state is x of N units."""
    run = cp.simulate(toy(), 1, population=50, seed=1)
    assert run.micro_names == ("x",)
    assert run.micro.shape[1] == 50


def test_equilibria_and_continuation_run_on_the_reduction():
    """X* = (b + m)/(1 + k) with eigenvalue -(1 + k)/ε (1e-10) at each k, and along a
    continuation in k (1e-8, the corrector tolerance)."""
    for k in (0.2, 1.0, 3.0):
        (found,) = cp.equilibria(toy().with_parameters(k=k))
        assert found["X"] == pytest.approx((B + M) / (1 + k), abs=1e-10)
        assert found.eigenvalues[0].real == pytest.approx(-(1 + k) / EPS, abs=1e-10)
    diagram = cp.continuation(toy(), "k", (0.2, 3.0))
    (branch,) = diagram.branches
    k, X = branch.param, diagram.observable(branch, "X")
    np.testing.assert_allclose(X, (B + M) / (1 + k), atol=1e-8)


def reduction(**changes):
    declaration = {"states": {"X_mf": cp.Macro("-X_mf + c + m", 0.0)},
                       "aggregates": {"X": "X_mf"}}
    declaration.update(changes)
    return cp.Reduction(**declaration)


@pytest.mark.parametrize("red, symbol, words", [
    ({"aggregates": {"Y": "X_mf"}}, "Y", "does not declare"),
    ({"aggregates": {"X": "X_mf + a"}}, "X", "['a']"),
    ({"states": {"X_mf": cp.Macro("-X_mf + x", 0.0)}}, "X_mf", "['x']"),
    ({"states": {"c": cp.Macro("-c", 0.0)}, "aggregates": {"X": "c"}}, "c", "already"),
])
def test_checks_name_the_symbol(red, symbol, words):
    with pytest.raises(cp.DeclarationError, match="reduction") as error:
        toy(reduction=reduction(**red))
    assert error.value.level == "reduction" and error.value.symbol == symbol
    assert words in str(error.value)


def test_missing_aggregate_is_named():
    """A second aggregate that the context reads and the reduction does not give."""
    with pytest.raises(cp.DeclarationError, match="does not give") as error:
        toy(aggregates={"X": "x", "V": cp.Variance("x")}, context={"c": "b - k*X + V"})
    assert error.value.symbol == "V" and error.value.level == "reduction"


def test_malformed_reductions():
    with pytest.raises(cp.DeclarationError, match="states"):
        cp.Reduction(states={}, aggregates={"X": "X_mf"})
    with pytest.raises(cp.DeclarationError, match="noise"):
        reduction(states={"X_mf": cp.Macro("-X_mf", 0.0, noise="0.1")})
    with pytest.raises(cp.DeclarationError, match="initial") as error:
        reduction(states={"X_mf": "-X_mf"})
    assert error.value.level == "reduction"
    with pytest.raises(cp.DeclarationError, match="cp.Reduction"):
        toy(reduction={"X": "X_mf"})


def test_a_model_with_a_reduction_round_trips_through_a_model_file(tmp_path):
    """The reduction is part of the declaration: written and read back, it gives the same
    mean-field run."""
    model = cp.load("kuramoto", fixed_phase=True)
    path = tmp_path / "kuramoto.json"
    cp.write_model(model, path)
    again = cp.read_model(path)
    assert again.reduction.source == model.reduction.source
    assert set(again.reduction.states) == set(model.reduction.states)
    a, b = cp.simulate(model, t_end=5.0), cp.simulate(again, t_end=5.0)
    for name in model.reduction.aggregates:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-12)
