r"""The cobweb theorem (Ezekiel 1938): with naive suppliers the price map
p_t = (A - s p_{t-1})/B is stable iff s/B < 1, and the steady state flips at s/B = 1; a
finite population of suppliers with sampled slopes is the same map with their sample mean.
"""

import numpy as np
import pytest

import coupling as cp

MODEL = cp.load("cobweb")  # s = 0.8, spread = 0.1, B = 1, A = 10


def test_flip_at_supply_over_demand_slope_one():
    """Continuation in the mean supply slope s: one flip, at s/B = 1. The flip is
    located by bisection on det(G' + I) and polished: tolerance 1e-12."""
    diagram = cp.continuation(MODEL, "s", (0.5, 1.5))
    (flip,) = diagram.special_points
    assert flip.kind == "flip" and flip.status == "converged"
    assert flip.param / MODEL.parameters["B"] == pytest.approx(1.0, abs=1e-12)
    assert flip.state["Q"] == pytest.approx(10 * 1.0 / 2.0, rel=1e-12)  # s p*, p* = A/(B+s)
    branch = diagram.branches[0]
    away = np.abs(branch.param - flip.param) > 1e-9  # the flip itself is a branch vertex
    np.testing.assert_array_equal(branch.stable[away], branch.param[away] < flip.param)


def test_flip_located_when_the_bisection_lands_on_it():
    """B = 2 on (1, 3): the bisection's first midpoint is the flip s = 2 itself."""
    model = MODEL.with_parameters(B=2.0, spread=0.3)
    (flip,) = cp.continuation(model, "s", (1.0, 3.0)).special_points
    assert flip.kind == "flip" and flip.param == pytest.approx(2.0, abs=1e-12)


@pytest.mark.parametrize("s", [0.8, 1.2])
def test_multiplier_and_cobweb_time_series(s):
    """The steady state p* = A/(B + s) has the one multiplier -s/B (the others are 0: a
    supplier's plan does not depend on its own last plan). The mean-field deviation from
    p* is multiplied by exactly -s/B every period: damped for s/B < 1, explosive above
    (tolerance 1e-9, round-off of 30 linear steps)."""
    model = MODEL.with_parameters(s=s)
    (eq,) = cp.equilibria(model)
    assert eq.eigenvalues[0] == pytest.approx(-s, abs=1e-10)
    assert eq.stable == (s < 1)
    run = cp.simulate(model, t_end=30)
    deviation = run["p"] - 10 / (1 + s)
    np.testing.assert_allclose(deviation[1:] / deviation[:-1], -s, rtol=1e-9)


def test_finite_population_is_the_map_of_its_sample_mean_slope():
    """N = 200 suppliers with sampled slopes: Q_t = s̄_N p_{t-1}, so the price settles at
    A/(B + s̄_N) (to the 1e-9 left of 0.9^200 of the start), which differs from the mean
    field's A/(B + s) by A/(B + s)² (s̄_N - s), with s̄_N - s of standard error
    spread/√N: tolerance 4 of them."""
    N = 200
    run = cp.simulate(MODEL, t_end=200, population=N, seed=5)
    slopes = run.traits["slope"]
    assert run["p"][-1] == pytest.approx(10 / (1 + slopes.mean()), rel=1e-9)
    mean_field = 10 / (1 + 0.8)
    tolerance = 4 * 10 / (1 + 0.8) ** 2 * 0.1 / np.sqrt(N)
    assert run["p"][-1] == pytest.approx(mean_field, abs=tolerance)
    assert run["Q"][-1] == pytest.approx(slopes.mean() * run["p"][-2], rel=1e-12)
