"""The written-out small system against the general System, on every kind of rule."""

import numpy as np
import pytest

import coupling as cp
from coupling.model._flat import flat_system
from coupling.model._system import System

CHOICE = cp.Model(
    name="choice", parameters={"beta": 1.3, "J": 2.0, "h": -0.3, "sigma": 0.4},
    traits={"a": cp.Normal(0.0, "sigma")},
    micro=cp.Choice("s", options=(-1, 0, 1),
                    probabilities=cp.logit(["-field - a", "0", "field + a"], intensity="beta")),
    aggregates={"m": "s", "spread": cp.Variance("s"), "up": cp.Share(1)},
    context={"field": "J*m + h + 0.1*spread - 0.2*up"}, timescale=0.5, population="mean-field")

UNITS = cp.Model(
    name="units", parameters={"J": 1.5, "k": 0.5, "c": 0.1, "lo": -0.2, "sigma": 0.3, "eps": 0.2},
    traits={"a": cp.Uniform("lo", "sigma")},
    micro=cp.ODE(rhs={"x": "-x + tanh(J*X_seen + a + y_seen) + 0.1*v", "v": "-v + x**2"},
                 initial={"x": 0.0, "v": 0.0}),
    aggregates={"X": "x", "V": cp.Variance("x")},
    context={"X_seen": "X + V", "y_seen": "y"},
    macro={"y": cp.Macro("-k*X - y + c", 0.0)}, timescale="eps", population=2)

MAP = cp.Model(
    name="map", parameters={"r": 2.5, "J": 0.5},
    micro=cp.Map(rhs={"x": "r*x*(1 - x) + J*(m_seen - x)"}, initial={"x": 0.2}),
    aggregates={"m": "x"}, context={"m_seen": "m"}, time="discrete", population=3)

CASES = {
    "mean-field choice": (CHOICE, cp.MeanField(nodes=2)),
    "finite choice, expected": (CHOICE, 2),
    "discrete-time choice": (CHOICE.replace(time="discrete"), cp.MeanField(nodes=2)),
    "ODE units with macro": (UNITS, 2),
    "map": (MAP, 3),
}


@pytest.mark.parametrize("case", CASES)
def test_flat_system_matches_the_general_one(case):
    model, population = CASES[case]
    system = System(model, population, seed=3, expected=True)
    flat = flat_system(system)
    assert flat is not None
    u = np.random.default_rng(0).uniform(0.05, 0.45, flat.code.n)
    F, J, Fp, X = flat(u)
    # the same arithmetic in a different order: agreement to round-off
    np.testing.assert_allclose(F, system.residual(u), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(J, system.jacobian(u).toarray(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(X, system.aggregates(system.unpack(u)[0])[0], atol=1e-14)
    for name in model.parameters:  # F_p against central differences (error O(h^2) ~ 1e-9)
        if any(name in d.parameters() for d in model.traits.values()):
            continue  # trait values are inputs of the flat function, not symbols
        h = 1e-5
        shifted = [System(model, population, seed=3, expected=True,
                          params={**model.parameters, name: model.parameters[name] + s * h})
                   for s in (1, -1)]
        fd = (shifted[0].residual(u) - shifted[1].residual(u)) / (2 * h)
        np.testing.assert_allclose(Fp[:, flat.parameter_column(name)], fd, atol=1e-7)


def test_large_or_opaque_systems_are_not_written_out():
    assert flat_system(System(UNITS, 50, seed=1)) is None
    opaque = UNITS.replace(macro={"y": cp.Macro(lambda X, y, k, c: -k * X - y + c, 0.0)})
    assert flat_system(System(opaque, 2, seed=1)) is None


def test_overflow_falls_back_to_numpy_semantics():
    """exp overflows on Python floats; the written-out system then evaluates with numpy,
    whose inf makes the logit probability exactly 0 or 1, as in the general System."""
    model = CHOICE.with_parameters(beta=900.0)
    system = System(model, cp.MeanField(nodes=2), seed=3, expected=True)
    u = np.random.default_rng(0).uniform(0.05, 0.45, 6)
    F = flat_system(system)(u)[0]
    np.testing.assert_allclose(F, system.residual(u), rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(F))


BARE = cp.Model(name="bare", micro=cp.ODE(rhs={"x": "-x + tanh(2*X_seen)"}, initial={"x": 0.1}),
                aggregates={"X": "x"}, context={"X_seen": "X"}, population=2)

MAP_MACRO = cp.Model(
    name="map-macro", parameters={"r": 0.5},
    micro=cp.Map(rhs={"x": "r*x + y_seen + 0.1*m_seen"}, initial={"x": 0.1}),
    aggregates={"m": "x"}, context={"y_seen": "y", "m_seen": "m"},
    macro={"y": cp.Macro("0.5*y + 1 - 0.2*m", 0.0)}, time="discrete", population=2)

CASES.update({"no parameters": (BARE, 2), "map with a macro variable": (MAP_MACRO, 2)})


@pytest.mark.parametrize("case", ["ODE units with macro", "map with a macro variable",
                                  "no parameters"])
def test_reduced_residual_matches_the_general_one(case):
    """The written-out self-consistency residual R(s) on a batch of coupling points against
    the System's, point by point (the same Newton solves: agreement to round-off)."""
    from coupling.analysis.bifurcation._problem import EquilibriumProblem

    model, population = CASES[case]
    problem = EquilibriumProblem(model, population, seed=3)
    assert problem.flat is not None
    points = np.random.default_rng(1).uniform(-0.5, 0.5, (7, len(problem.coupling_names)))
    written_out = problem.reduced_residuals(points)
    general = np.array([problem.reduced_residual(p)[0] for p in points])
    np.testing.assert_allclose(written_out, general, rtol=1e-10, atol=1e-12)
