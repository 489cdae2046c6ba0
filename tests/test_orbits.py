"""``cp.orbit_diagram``: periods and Lyapunov exponents of the logistic map, argument errors,
strict JSON and reproducible stochastic populations."""

import json

import numpy as np
import pytest

import coupling as cp

LOGISTIC = cp.Model(name="logistic", parameters={"r": 3.2},
                    micro=cp.Map(rhs={"x": "r*x*(1 - x)"}, initial={"x": 0.3}),
                    aggregates={"X": "x"}, time="discrete")


@pytest.fixture(scope="module")
def logistic_sweep():
    return cp.orbit_diagram(LOGISTIC, "r", [2.8, 3.2, 3.5, 4.0], "X", transient=200,
                            keep=1000)


def test_logistic_map_period_doubling_route(logistic_sweep):
    """x' = r x (1 - x): the fixed point 1 - 1/r is stable for 1 < r < 3, the 2-cycle for
    3 < r < 1 + √6 ≈ 3.449, the 4-cycle beyond it up to r ≈ 3.544; r = 4 is chaotic. The
    kept orbits after 200 periods are converged to far below the period test's 1e-6."""
    assert logistic_sweep.periods.tolist() == [1, 2, 4, 0]
    assert logistic_sweep.success and logistic_sweep.follow
    fixed = logistic_sweep.points[0]
    np.testing.assert_allclose(fixed, 1 - 1 / 2.8, atol=1e-9)
    # the 2-cycle x± = (r + 1 ± sqrt((r - 3)(r + 1))) / (2r)
    r = 3.2
    cycle = (r + 1 + np.array([-1, 1]) * np.sqrt((r - 3) * (r + 1))) / (2 * r)
    np.testing.assert_allclose(np.sort(np.unique(logistic_sweep.points[1].round(9))), cycle,
                               atol=1e-9)
    assert np.all((logistic_sweep.points[3] > 0) & (logistic_sweep.points[3] < 1))


def test_logistic_lyapunov_exponents_match_closed_forms(logistic_sweep):
    """λ = ln|f'(x*)| = ln|2 - r| on the fixed point; ln|f'(x+) f'(x-)| / 2 =
    ln|4 + 2r - r²| / 2 on the 2-cycle (exact up to the convergence of the orbit, 1e-9);
    ln 2 at r = 4. There x = sin²(πθ) with θ doubling, so the sum of ln|f'| telescopes into
    ln|sin πθ| at the two ends of the window: the error is at most 2 |ln sin πθ| / 900,
    below 0.05 unless an end of the window comes within 1e-10 of x = 0 or 1."""
    lam = logistic_sweep.lyapunov
    assert lam[0] == pytest.approx(np.log(abs(2 - 2.8)), abs=1e-9)
    assert lam[1] == pytest.approx(np.log(abs(4 + 2 * 3.2 - 3.2**2)) / 2, abs=1e-9)
    assert lam[2] < 0
    assert lam[3] == pytest.approx(np.log(2), abs=0.05)


def test_each_value_from_the_initial_state_is_a_plain_simulation():
    """follow=False: the kept window at a value is exactly cp.simulate's from the model's
    initial state."""
    diagram = cp.orbit_diagram(LOGISTIC, "r", [3.9, 3.7], "X", transient=30, keep=20,
                               follow=False)
    run = cp.simulate(LOGISTIC.with_parameters(r=3.7), t_end=49)
    np.testing.assert_array_equal(diagram.points[1], run["X"][30:])
    assert diagram.periods.tolist() == [0, 0] and np.all(diagram.lyapunov > 0)


def test_continuous_time_model_and_unknown_names_are_refused():
    with pytest.raises(cp.DeclarationError, match="time='discrete'") as info:
        cp.orbit_diagram(cp.load("social-choice"), "beta", [1.0, 2.0], "m")
    assert info.value.symbol == "time"
    with pytest.raises(cp.UnknownNameError, match="not a macro variable") as info:
        cp.orbit_diagram(LOGISTIC, "r", [3.0], "Y")
    assert info.value.symbol == "Y"
    with pytest.raises(cp.UnknownNameError):
        cp.orbit_diagram(LOGISTIC, "rr", [3.0], "X")
    with pytest.raises(cp.ArgumentError, match="keep"):
        cp.orbit_diagram(LOGISTIC, "r", [3.0], "X", keep=1)
    with pytest.raises(cp.ArgumentError, match="values"):
        cp.orbit_diagram(LOGISTIC, "r", [3.0, np.nan], "X")


def test_strict_json_round_trip_and_table(logistic_sweep):
    data = json.loads(json.dumps(logistic_sweep.to_dict(), allow_nan=False))
    np.testing.assert_array_equal(data["values"], logistic_sweep.values)
    np.testing.assert_array_equal(data["points"], logistic_sweep.points)
    assert data["periods"] == logistic_sweep.periods.tolist()
    np.testing.assert_array_equal(data["lyapunov"], logistic_sweep.lyapunov)
    table = logistic_sweep.to_dataframe()
    assert len(table) == 4 * 1000 and set(table["period"]) == {0, 1, 2, 4}
    assert "period 4" in logistic_sweep.summary()


def test_stochastic_population_is_reproducible_from_its_seed():
    """A finite logit population in discrete time: same seed, same points; another seed,
    other points; no Lyapunov exponent for a stochastic run."""
    model = cp.load("social-choice", J=-1.0, sigma=0.0).replace(time="discrete",
                                                                timescale=0.01)
    run = {"transient": 5, "keep": 10, "population": 200}
    a = cp.orbit_diagram(model, "beta", [0.5, 2.0], "m", seed=7, **run)
    b = cp.orbit_diagram(model, "beta", [0.5, 2.0], "m", seed=7, **run)
    c = cp.orbit_diagram(model, "beta", [0.5, 2.0], "m", seed=8, **run)
    np.testing.assert_array_equal(a.points, b.points)
    assert not np.array_equal(a.points, c.points)
    assert np.all(np.isnan(a.lyapunov)) and a.population == 200


def test_plot_draws_every_kept_point(logistic_sweep):
    import matplotlib

    matplotlib.use("Agg")
    ax = logistic_sweep.plot(s=1)
    offsets = ax.collections[0].get_offsets()
    assert offsets.shape == (4 * 1000, 2)
    assert ax.get_xlabel() == "r" and ax.get_ylabel() == "X"


def test_first_period_doubling_is_the_continuation_flip(logistic_sweep):
    """The orbit diagram's 1 -> 2 doubling (between r = 2.8 and 3.2) is the flip of the
    continued fixed point 1 - 1/r at r = 3 (to the polishing precision, 1e-12)."""
    diagram = cp.continuation(LOGISTIC, "r", (1.5, 3.4))
    flips = [p for p in diagram.special_points if p.kind == "flip"]
    assert len(flips) == 1 and flips[0].param == pytest.approx(3.0, abs=1e-12)
    assert logistic_sweep.period_at(2.8) == 1 and logistic_sweep.period_at(3.2) == 2


def test_diverging_runs_are_reported_and_kept_apart():
    """r = 4.5 sends x out of [0, 1] and then to -inf: that value's row is NaN with period
    -1 (status 1); in a sweep everything from the failure on is lost (status -1 here)."""
    separate = cp.orbit_diagram(LOGISTIC, "r", [3.2, 4.5], "X", transient=50, keep=20,
                                follow=False)
    assert separate.status == 1 and "r = 4.5" in separate.message
    assert separate.periods.tolist() == [2, -1] and np.all(np.isnan(separate.points[1]))
    sweep = cp.orbit_diagram(LOGISTIC, "r", [4.5, 3.2], "X", transient=50, keep=20)
    assert sweep.status == -1 and not sweep.success
    assert np.all(np.isnan(sweep.points)) and "failed" in sweep.summary()


def test_a_slowly_converging_orbit_has_the_period_of_its_limit():
    """Just below the flip at r = 3 the fixed point 1 - 1/r attracts with multiplier
    2 - r = -0.97: after 100 periods the orbit still oscillates around it with an amplitude
    ~1e-3 decaying by 3 % a period, so its lag-2 differences (a factor 1 - 0.97^2 = 0.06
    smaller than the lag-1 ones) fall below a tolerance the lag-1 differences do not. The
    lag-1 differences decay geometrically: period 1, not 2. A converged 2-cycle keeps its
    lag-1 differences: period 2."""
    from coupling.analysis.simulation._orbits import orbit_period

    t = np.arange(200)
    decaying = 0.6 + 1e-3 * (-0.97) ** t
    assert np.max(np.abs(decaying[2:] - decaying[:-2])) < 1e-4 < np.max(
        np.abs(decaying[1:] - decaying[:-1]))  # the tolerance test alone says period 2
    assert orbit_period(decaying, 8, tol=1e-4) == 1
    assert orbit_period(0.5 + 0.1 * (-1.0) ** t, 8) == 2
    diagram = cp.orbit_diagram(LOGISTIC, "r", [2.97], "X", transient=100, keep=200)
    assert diagram.periods.tolist() == [1]
