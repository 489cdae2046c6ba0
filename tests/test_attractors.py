"""Attractors, basin fractions, tracking over a parameter, metastability and path dependence,
against closed forms."""

import importlib.util
import json

import matplotlib
import numpy as np
import pytest
from scipy import optimize, stats

import coupling as cp
from coupling.analysis.simulation._attractors import attractors, wilson_interval
from coupling.analysis.simulation._path_dependence import path_dependence

matplotlib.use("Agg")

ONE_NODE = cp.MeanField(nodes=1)  # sigma = 0: every quadrature node is the same unit
Z95 = stats.norm.ppf(0.975)


def double_well():
    """Homogeneous units dx/dt = x - x^3 + h: for h = 0, x -> +1 from x > 0 and -1 from x < 0."""
    return cp.Model(name="double-well", parameters={"h": 0.0},
                    micro=cp.ODE(rhs={"x": "x - x**3 + h"}, initial={"x": 0.0}),
                    aggregates={"X": "x"})


def curie_weiss_fold(beta, J):
    """The fold of m = tanh(beta (J m + h)) at h_f > 0: m_f = -sqrt(1 - 1/(beta J))."""
    m_f = np.sqrt(1 - 1 / (beta * J))
    return J * m_f - np.arctanh(m_f) / beta


def curie_weiss_roots(h, beta=1.0, J=2.0):
    """Every root of m = tanh(beta (J m + h)), by sign changes on a fine grid."""
    f = lambda m: np.tanh(beta * (J * m + h)) - m  # noqa: E731
    grid = np.linspace(-1, 1, 4000)  # no grid point at the symmetric root m = 0
    values = f(grid)
    return [optimize.brentq(f, a, b, xtol=1e-14)
            for a, b, fa, fb in zip(grid[:-1], grid[1:], values[:-1], values[1:]) if fa * fb < 0]


M_STAR = curie_weiss_roots(0.0)[-1]  # 0.957504...: the ordered state at beta J = 2


# --------------------------------------------------------------------------- statistics
def test_wilson_interval_matches_published_values_and_scales_like_one_over_root_n():
    # 0/10 and 5/10 at 95 %: (0, z^2 / (n + z^2)) = (0, 0.2775) and (0.2366, 0.7634)
    # (Brown, Cai & DasGupta 2001); the Wilson bounds are closed-form, so 1e-4 is rounding
    assert wilson_interval(0, 10) == pytest.approx((0.0, Z95**2 / (10 + Z95**2)), abs=1e-12)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    # the half-width approaches the Wald z sqrt(p(1-p)/n) as n grows: 4x the samples, half
    half = [np.diff(wilson_interval(0.3 * n, n))[0] / 2 for n in (1000, 4000)]
    assert half[0] / half[1] == pytest.approx(2.0, rel=5e-3)  # up to O(z^2/n) terms
    assert half[1] == pytest.approx(Z95 * np.sqrt(0.21 / 4000), rel=1e-3)


# --------------------------------------------------------------------------- basins
@pytest.fixture(scope="module")
def well():
    return attractors(double_well(), samples=150, seed=11, bounds={"x": (-1.0, 2.0)},
                      method="RK45")


def test_double_well_basin_fraction_matches_the_exact_split(well):
    """x0 ~ Uniform(-a, b) with a = 1, b = 2: the +1 basin is x0 > 0, fraction b/(a+b) = 2/3."""
    found = sorted(well, key=lambda a: a["X"])
    assert [a.kind for a in found] == ["fixed point", "fixed point"]
    # stop_at_equilibrium = 1e-6 leaves |x - x*| <= 1e-6 / |f'(x*)| = 5e-7
    assert [a["X"] for a in found] == pytest.approx([-1.0, 1.0], abs=1e-5)
    plus = found[1]
    # every sample ends in the well of the sign it started with: the basin boundary is x = 0
    x0 = well.initial["x"]
    assert np.all((well.labels[0] == plus.id) == (x0 > 0))
    assert x0.min() >= -1.0 and x0.max() <= 2.0
    S, p = well.samples, 2 / 3
    assert plus.count == np.sum(x0 > 0) and plus.fraction == plus.count / S
    assert plus.ci[0] < p < plus.ci[1]
    assert abs(plus.fraction - p) < 3 * np.sqrt(p * (1 - p) / S)  # 3 binomial sd
    # the Wilson half-width is z sqrt(p(1-p)/S) up to O(z^2/S) corrections (~2% at S = 150)
    half = (plus.ci[1] - plus.ci[0]) / 2
    wald = Z95 * np.sqrt(plus.fraction * (1 - plus.fraction) / S)
    assert half / wald == pytest.approx(1.0, abs=0.03)
    assert found[0].fraction + plus.fraction == pytest.approx(1.0, abs=1e-12)
    # the representative run starts at one of the samples and ends at the fixed point
    run = plus.trajectory
    assert run["X"][0] in x0 and run["X"][-1] == pytest.approx(1.0, abs=1e-5)


def test_same_seed_same_numbers(capsys):
    """Same seed, same numbers: also with progress shown, and from a SeedSequence that has
    spawned streams before (every stream is keyed by what it is for, not by spawn order).
    Progress is off by default off a terminal; on, it counts the samples (here without
    tqdm: a line per 10 % done)."""
    kwargs = dict(samples=8, bounds={"x": (-1.0, 2.0)}, method="RK45")
    a = attractors(double_well(), seed=5, **kwargs)
    assert capsys.readouterr().err == ""
    b = attractors(double_well(), seed=5, progress=True, **kwargs)
    if importlib.util.find_spec("tqdm") is None:
        assert capsys.readouterr().err.splitlines()[-1] == "attractors: samples: 100% (8/8)"
    c = attractors(double_well(), seed=6, **kwargs)
    used = np.random.SeedSequence(5)
    used.spawn(4)
    d = attractors(double_well(), seed=used, **kwargs)
    assert np.array_equal(a.initial["x"], b.initial["x"])
    assert np.array_equal(a.initial["x"], d.initial["x"])
    assert np.array_equal(a.labels, b.labels) and np.array_equal(a.labels, d.labels)
    assert [x.fraction for x in a] == [x.fraction for x in b]
    assert not np.array_equal(a.initial["x"], c.initial["x"])
    assert a.status == 0 and a.message == "2 attractors found."


def test_samples_of_a_finite_population_share_its_traits():
    """Every sample runs the population cp.simulate(..., seed=seed) draws."""
    model = cp.load("social-choice", sigma=0.3)
    found = attractors(model, samples=3, population=20, seed=8, t_end=2.0)
    traits = cp.simulate(model, 1.0, population=20, seed=8).traits["a"]
    assert all(np.array_equal(a.trajectory.traits["a"], traits) for a in found)


def test_spread_starts_units_of_a_finite_population_apart():
    """Uncoupled double-well units each settle in the well of their own initial sign, so X
    ends at a multiple of 1/N: +-1 when every unit starts at the sample's level, other
    multiples when the units start spread over the box."""
    model = double_well().replace(population=4)
    kwargs = {"samples": 12, "seed": 4, "bounds": {"x": (-1.0, 1.0)}, "method": "RK45",
              "param": "h", "values": [0.0, 0.05]}  # seeds: the units' end states
    together = attractors(model, **kwargs)
    apart = attractors(model, spread=1.0, **kwargs)
    assert sorted(a["X"] for a in together.at(0.0)) == pytest.approx([-1, 1], abs=1e-5)
    ends = sorted(a["X"] for a in apart.at(0.0))
    assert len(ends) > 2 and np.allclose(np.array(ends) * 4, np.round(np.array(ends) * 4),
                                         atol=1e-5)
    assert len(apart) == len(apart.at(0.0)) and not apart.events  # tracked to h = 0.05


def test_metastable_states_of_a_finite_population_are_tracked():
    """Seeds of a finite choice population are its units' choices (arrays of options)."""
    model = cp.load("social-choice", beta=1.0, J=1.6, sigma=0.2)
    tracked = attractors(model, samples=4, param="h", values=[0.0, 0.05], population=30,
                         seed=1, t_end=10.0)
    assert len(tracked) == 2 and not tracked.events
    for found in tracked.found:
        assert sorted(np.sign(a["m"]) for a in found) == [-1, 1]


# --------------------------------------------------------------------------- cycles
def test_relaxation_oscillation_is_recognised_as_a_cycle_with_its_period():
    model = cp.load("slow-feedback", sigma=0.0, eps=0.01, c=0.0)
    found = attractors(model, samples=3, seed=2, t_end=30.0, population=ONE_NODE,
                       method="RK45")
    # the origin is an unstable equilibrium (trace 1/eps - b > 0): the cycle is all there is
    assert len(found) == 1
    cycle = found[0]
    assert cycle.kind == "cycle" and cycle.fraction == 1.0
    assert cycle.extent["X"][0] < -0.9 and cycle.extent["X"][1] > 0.9  # around the S
    # reference: upward zero crossings of X over a long, finely sampled run
    start = model.replace(macro={"y": cp.Macro(model.macro["y"].rhs, 0.3)})
    run = cp.simulate(start, 50.0, population=ONE_NODE, n_points=10001, method="RK45")
    t, X = run.t, run["X"]
    i = np.flatnonzero((X[:-1] < 0) & (X[1:] >= 0) & (t[:-1] > 15))
    crossings = t[i] - X[i] * (t[i + 1] - t[i]) / (X[i + 1] - X[i])
    reference = np.mean(np.diff(crossings))
    assert reference == pytest.approx(5.1946, abs=1e-4)
    # 1e-4 relative: both are limited by the integrator tolerance (rtol 1e-6) and the
    # interpolation of the section crossings
    assert cycle.period == pytest.approx(reference, rel=1e-4)


# --------------------------------------------------------------------------- tracking
@pytest.fixture(scope="module")
def tracked():
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    return attractors(model, samples=12, param="h", values=np.linspace(-1, 1, 21),
                      population=ONE_NODE, seed=3, method="RK45")


def test_tracking_finds_births_and_deaths_at_the_curie_weiss_folds(tracked):
    h_f = curie_weiss_fold(1.0, 2.0)  # 0.532840
    spacing = 0.1
    assert len(tracked) == 2
    (birth,), (death,) = tracked.births, tracked.deaths
    # the upper state appears at the first grid value past -h_f; the lower dies past +h_f
    assert birth["between"][0] < -h_f < birth["between"][1]
    assert death["between"][0] < h_f < death["between"][1]
    assert np.diff(birth["between"])[0] == pytest.approx(spacing)
    lower, upper = tracked.track(death["id"]), tracked.track(birth["id"])
    assert [a.value for a in lower] == pytest.approx(tracked.values[tracked.values < h_f])
    assert [a.value for a in upper] == pytest.approx(tracked.values[tracked.values > -h_f])
    for a in tracked:  # each state is a stable root of m = tanh(J m + h), to 1e-5
        roots = curie_weiss_roots(a.value)
        expected = roots[-1] if a.id == birth["id"] else roots[0]
        assert a["m"] == pytest.approx(expected, abs=1e-5)
    # two attractors exactly where |h| < h_f (no grid value lies within 0.03 of a fold)
    for value, found in zip(tracked.values, tracked.found):
        assert len(found) == (2 if abs(value) < h_f else 1)
        assert sum(a.fraction for a in found) == pytest.approx(1.0, abs=1e-12)


def test_seeds_leave_a_state_that_lost_its_stability():
    """Pitchfork at beta J = 1 (h = 0): m = 0 is invariant, attracting below and repelling
    above; seeds from m = 0 must not keep it as an attractor past J = 1."""
    model = cp.load("social-choice", beta=1.0, h=0.0, sigma=0.0)
    tracked = attractors(model, samples=12, param="J", values=[0.6, 0.8, 1.2, 1.4],
                         population=ONE_NODE, seed=3, method="RK45")
    for J, found in zip(tracked.values, tracked.found):
        expected = curie_weiss_roots(0.0, J=J)
        expected = expected if J < 1 else [expected[0], expected[-1]]  # stable roots only
        assert sorted(a["m"] for a in found) == pytest.approx(expected, abs=1e-5)
    assert len(tracked.births) == 1 and tracked.births[0]["between"] == (0.8, 1.2)


def test_basin_fraction_of_the_symmetric_point(tracked):
    """At h = 0 the boundary is m = 0: the fresh samples with more +1 than -1 choices."""
    i = int(np.argmin(np.abs(tracked.values)))
    shares = tracked.initial["share(s=1)"]
    up = [a for a in tracked.found[i] if a["m"] > 0][0]
    assert up.count == np.sum(shares > 0.5)


def test_results_convert_to_plain_types_and_plot(tracked, well):
    data = json.loads(json.dumps(tracked.to_dict(), allow_nan=False))
    assert data["param"] == "h" and len(data["values"]) == 21
    assert {a["kind"] for a in data["attractors"]} == {"fixed point"}
    assert all(len(a["ci"]) == 2 for a in data["attractors"])
    assert {e["event"] for e in data["events"]} == {"birth", "death"}
    frame = tracked.to_dataframe()
    assert {"h", "id", "kind", "fraction", "ci_low", "ci_high", "m"} <= set(frame.columns)
    assert len(frame) == sum(len(f) for f in tracked.found)
    lines = tracked.summary().splitlines()
    assert lines[:2] == ["sampled     12 initial conditions per value, each run to t = 100",
                         "tracked     h from -1 to 1 at 21 values"]
    assert f"{len(tracked.ids)} attractors:" in lines
    assert (len(tracked.births), len(tracked.deaths)) == (1, 1)
    events = lines.index("1 birth, 1 death:")
    assert len(lines) == events + 2 + len(tracked.events)
    rows = [line.split() for line in str(well).splitlines()[3:]]
    assert [(r[1], r[2], float(r[4])) for r in rows] == [
        ("fixed", "point", pytest.approx(a.fraction, abs=5e-4)) for a in well]
    ax = tracked.plot()
    assert len(ax.get_lines()) >= 2
    ax = well.plot()
    assert len(ax.patches) == 2
    import matplotlib.pyplot as plt

    plt.close("all")


# --------------------------------------------------------------------------- stochastic
def test_finite_population_has_two_symmetric_metastable_states():
    """N = 40, beta J = 1.3, h = 0: the population switches between m > 0 and m < 0."""
    model = cp.load("social-choice", beta=1.0, J=1.3, sigma=0.0)
    found = attractors(model, samples=3, population=40, seed=0, t_end=250.0)
    assert len(found) == 2 and {a.kind for a in found} == {"metastable"}
    low, high = sorted(found, key=lambda a: a["m"])
    assert high["m"] > 0.5
    # symmetric: over ~15 switches per state the state means scatter by ~0.01 (6 seeds)
    assert abs(low["m"] + high["m"]) < 0.05
    for a in (low, high):
        assert a.transitions >= 5 and 0 < a.residence_time < 250
    # equal mean residence times within 3 sd of the log-ratio of two exponential means
    spread = np.sqrt(1 / low.transitions + 1 / high.transitions)
    assert abs(np.log(low.residence_time / high.residence_time)) < 3 * spread
    assert low.occupancy + high.occupancy == pytest.approx(1.0, abs=1e-12)


# --------------------------------------------------------------------------- path dependence
def sweep(start, stop, steps=10, dwell=2.0):
    """h from start to stop in equal steps, one every ``dwell`` time units."""
    return [(dwell * k, start + (stop - start) * k / steps) for k in range(steps + 1)]


def test_hysteresis_histories_end_in_different_attractors():
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    histories = {"up": {"schedule": {"h": sweep(-1, 0)}},
                 "down": {"schedule": {"h": sweep(1, 0)}},
                 "up again": {"schedule": {"h": sweep(-1, 0)}}}
    result = path_dependence(model, histories, population=ONE_NODE, t_end=50.0,
                             method="RK45")
    assert result.differs
    assert result.end_states["up"]["m"] == pytest.approx(-M_STAR, abs=1e-6)
    assert result.end_states["down"]["m"] == pytest.approx(M_STAR, abs=1e-6)
    assert result.outcomes["up"] == result.outcomes["up again"] != result.outcomes["down"]
    assert result.distance("up", "up again") == 0.0
    # m differs by 2 m*, adopters = (1 + m)/2 by m*: Euclidean distance sqrt(5) m*
    assert result.distance("up", "down") == pytest.approx(np.sqrt(5) * M_STAR, abs=1e-5)
    assert result.final_parameters["h"] == 0.0
    data = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert data["differs"] and data["outcomes"] == {"up": 0, "down": 1, "up again": 0}
    lines = result.summary().splitlines()
    assert lines[0] == "histories   3, all ending with beta=1, J=2, h=0, sigma=0"
    assert lines[1].startswith("outcome     differs: the histories end in 2 attractors")
    assert result.message == "The outcome differs: the histories end in 2 attractors."
    assert lines[-2].split()[:3] == ["down", "1", "fixed"]
    ax = result.plot()
    assert len(ax.get_lines()) == 3
    import matplotlib.pyplot as plt

    plt.close("all")


def test_initial_micro_configurations_select_the_attractor():
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    result = path_dependence(model, {"for": {"initial": {"s": (0.0, 1.0)}},
                                     "against": {"initial": {"s": (0.8, 0.2)}}},
                             population=ONE_NODE, t_end=20.0, method="RK45")
    assert result.differs
    assert result.end_states["for"]["m"] == pytest.approx(M_STAR, abs=1e-6)
    assert result.end_states["against"]["m"] == pytest.approx(-M_STAR, abs=1e-6)


def test_a_finite_population_remembers_its_start_while_it_is_metastable():
    """N = 60, beta J = 1.6: switching takes far longer than t_end = 20, so a population
    starting all at -1 or all at +1 stays near -m* or +m* (m* = 0.9...)."""
    model = cp.load("social-choice", beta=1.0, J=1.6, sigma=0.0)
    m_star = curie_weiss_roots(0.0, J=1.6)[-1]
    result = path_dependence(model, {"against": {"initial": {"s": -1}},
                                     "for": {"initial": {"s": 1}},
                                     "against again": {"initial": {"s": -1}}},
                             population=60, seed=0, t_end=20.0)
    assert result.differs and set(result.kinds.values()) == {"metastable"}
    # the state means of N = 60 units scatter by ~ sqrt((1 - m*^2)/N) / sqrt(samples) < 0.03
    assert result.end_states["against"]["m"] == pytest.approx(-m_star, abs=0.1)
    assert result.end_states["for"]["m"] == pytest.approx(m_star, abs=0.1)
    # the same history with the same random numbers is the same run
    assert result.distance("against", "against again") == 0.0


def test_a_failed_history_keeps_its_last_state_and_the_others_are_compared():
    """x' = x^2 - 1: from x = -0.5 a run settles at the stable root -1; from x = 2 it blows
    up in finite time (t = ln 3 / 2 = 0.55) and fails. The failure is reported with the
    history named, and the other histories are still compared."""
    model = cp.Model(micro=cp.ODE({"x": "x**2 - 1"}, initial={"x": 0.0}),
                     aggregates={"X": "x"}, population=cp.MeanField(nodes=1))
    result = path_dependence(model, {"low": {"initial": {"x": -0.5}},
                                     "lower": {"initial": {"x": -0.9}},
                                     "high": {"initial": {"x": 2.0}}}, t_end=10.0)
    assert result.status == -1 and not result.success
    assert "['high']" in result.message and "failed" in result.message
    assert result.kinds["high"] == "failed" and result.outcomes["high"] is None
    assert result.outcomes["low"] == result.outcomes["lower"] == 0 and not result.differs
    assert result.end_states["low"]["X"] == pytest.approx(-1.0, abs=1e-6)
    assert result.end_states["high"]["X"] > 2.0  # the last recorded state before failing
    assert np.isnan(result.distance("low", "high"))
    assert result.max_distance == pytest.approx(0.0, abs=1e-6)
    assert json.loads(json.dumps(result.to_dict(), allow_nan=False))["outcomes"]["high"] is None
    assert "high" in result.summary() and not result.trajectories["high"].success


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, words", [
    (dict(samples=0), "samples"),
    (dict(param="hh", values=[0.0]), "hh"),
    (dict(values=[0.0, 1.0]), "param"),
    (dict(param="h"), "values"),
    (dict(bounds={"q": (0, 1)}), "q"),
    (dict(bounds={"x": (1, 0)}), "'x'"),
    (dict(observables=["nope"]), "observables"),
    (dict(tail=1.5), "tail"),
    (dict(confidence=95), "confidence"),
    (dict(spread=0.5), "spread"),
])
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        attractors(double_well(), **kwargs)


def test_bad_histories_are_named():
    model = cp.load("social-choice", J=2.0, sigma=0.0)
    with pytest.raises(ValueError, match="'h' is|h is 0.5"):
        path_dependence(model, {"a": {"schedule": {"h": [(0, 0.5)]}}, "b": {}}, t_end=10.0)
    with pytest.raises(ValueError, match="'a'.*unknown keys"):
        path_dependence(model, {"a": {"schedul": {}}}, t_end=10.0)
    with pytest.raises(ValueError, match="'a'.*'q'"):
        path_dependence(model, {"a": {"initial": {"q": 1}}}, t_end=10.0)
    with pytest.raises(ValueError, match="inside the end"):
        path_dependence(model, {"a": {"schedule": {"h": [(9, 0.1)]}},
                                "b": {"schedule": {"h": [(1, 0.1)]}}}, t_end=10.0)


class _Sampled:
    """A finished run of a given periodic signal, sampled at the times t."""

    status, success = 0, True

    def __init__(self, t, series):
        self.t, self.series = t, series

    def __getitem__(self, name):
        return self.series[name]


def test_one_relaxation_oscillation_is_one_attractor_however_it_is_sampled():
    """A relaxation oscillation jumps far faster than the output spacing: its period means
    depend on where the samples fall. Runs on the same cycle sampled at different phases
    must still be one attractor (same period and section crossing)."""
    from coupling.analysis.simulation._endings import deterministic_groups

    period = 4.39
    runs = []
    for offset in (0.0, 0.05, 0.09):
        t = np.arange(0.0, 60.0, 0.12) + offset
        phase = 2 * np.pi * t / period
        runs.append(_Sampled(t, {"X": np.tanh(50 * np.sin(phase)), "y": np.cos(phase)}))
    groups = deterministic_groups(runs, names=["X", "y"], tail=0.5, tol=1e-2)
    assert list(groups.labels) == [0, 0, 0] and groups.endings[0].kind == "cycle"
    assert groups.endings[0].period == pytest.approx(period, rel=1e-2)
