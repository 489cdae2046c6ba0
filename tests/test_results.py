"""The result contract: strict JSON through the one converter, summaries, plots with ax=,
and the progress helper."""

import io
import json
import re

import matplotlib
import numpy as np
import pytest

import coupling as cp
from coupling import _progress
from coupling._json import dumps, jsonable
from coupling.analysis.regimes._breaks import chow_test, cusum_test, sup_f_test

matplotlib.use("Agg")


def _strict(text):
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


# ----------------------------------------------------------------------------- JSON
def test_jsonable_turns_non_finite_numbers_into_null_and_complex_into_pairs():
    record = {"x": np.array([1.0, np.nan, np.inf]), "y": (np.float64(-np.inf), 2),
              "z": {"n": np.int64(3), 1: 1 + 2j}}
    assert jsonable(record) == {"x": [1.0, None, None], "y": [None, 2],
                                "z": {"n": 3, "1": {"re": 1.0, "im": 2.0}}}
    assert _strict(dumps(record))["x"] == [1.0, None, None]


def test_jsonable_uses_to_dict_of_nested_results():
    test = chow_test(np.r_[np.zeros(10), np.ones(10)] + np.linspace(0, 0.1, 20),
                     np.ones((20, 1)), 10)
    assert jsonable({"test": test})["test"]["df"] == [1, 18]


# ----------------------------------------------------------------------------- Trajectory
@pytest.fixture(scope="module")
def run():
    return cp.simulate(cp.load("social-choice", beta=2.0, J=1.0, h=0.0, sigma=0.0), 20.0)


def test_trajectory_follows_the_contract(run):
    """beta J = 2, sigma = h = 0: the mean field settles at m* = 0.957504, the root of
    m = tanh(2 m) (to the integrator's tolerance)."""
    assert isinstance(run, cp.results.Result) and run.success and run.status == 0
    record = _strict(dumps(run.to_dict()))
    assert record["final"]["m"] == pytest.approx(0.957504, abs=1e-6)
    assert record["series"]["m"][-1] == record["final"]["m"]
    assert len(record["t"]) == len(record["series"]["m"]) and record["t"][-1] == 20.0
    lines = run.summary().splitlines()
    assert lines[1] == "status      The run reached the final time."
    assert "  m         0.957504" in lines and lines[-1] == "jumps       0"
    assert str(run) == run.summary()
    assert run.plot(ax=None).get_lines()[0].get_label() == "m"


def test_trajectory_save_keeps_arrays_and_metadata(run, tmp_path):
    path = tmp_path / "run.npz"
    run.save(path)
    back = cp.Trajectory.load(path)
    np.testing.assert_array_equal(back.macro, run.macro)
    np.testing.assert_array_equal(back["m"], run["m"])
    assert (back.parameters, back.names, back.message) == (run.parameters, run.names,
                                                           run.message)


# ----------------------------------------------------------------------------- timescales
def test_timescale_diagnostics_follow_the_contract():
    """Identical units of slow-feedback at its stable equilibrium: fast rate about -793,
    slow eigenvalue -0.265, ratio 3.3e-4 (the doctest of timescale_diagnostics)."""
    d = cp.timescale_diagnostics(cp.load("slow-feedback", sigma=0.0, c=0.3, x0=0.9))
    assert d.success and d.message.startswith("The critical manifold attracts here")
    record = _strict(dumps(d.to_dict()))
    assert record["fast"][0] == pytest.approx(-793, abs=0.5)  # real: a plain number
    assert record["ratio"] == pytest.approx(3.3e-4, abs=5e-6)  # the doctest: 3.3e-04
    lines = d.summary().splitlines()
    assert lines[0] == "declared eps  0.001" and lines[4] == "separated     yes"
    ax = d.plot()
    assert [line.get_label() for line in ax.get_lines()][:2] == ["fast (J_xx)",
                                                                 "slow (Schur complement)"]


def test_timescale_comparison_table_and_panels():
    comparison = cp.compare_timescales(cp.load("slow-feedback", c=0.3, x0=0.9), [0.01, 0.001],
                                       t_end=5.0, diagnostics=5)
    assert comparison.status == 0 and comparison.unfitted == {}
    # the default rtol 1e-8 and atol 1e-10, times ACCURACY = 100
    scale = np.max(np.abs(comparison.reduced.macro))
    assert comparison.accuracy["macro"] == pytest.approx(100 * (1e-8 * scale + 1e-10))
    assert np.all(comparison.error_macro > comparison.accuracy["macro"])
    frame = comparison.to_dataframe()
    assert list(frame.index) == [0.01, 0.001] and bool(frame["separated"].all())
    np.testing.assert_array_equal(frame["error_macro"], comparison.error_macro)
    left, right = comparison.plot()
    assert left.figure is right.figure and right.get_xscale() == "log"


# ----------------------------------------------------------------------------- break tests
def _shifted(seed=3, n=120, shift=1.0):
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(n) + np.where(np.arange(n) >= n // 2, shift, 0.0)
    return y, np.ones((n, 1))


def test_break_tests_follow_the_contract():
    y, X = _shifted()
    for test in (chow_test(y, X, 60), cusum_test(y, X), sup_f_test(y, X)):
        assert test.success and test.summary() == test.message == test.description
        assert _strict(dumps(test.to_dict()))["name"] == test.name
        ax = test.plot()
        assert ax.get_title() == test.description and ax.get_lines()


def test_sup_f_keeps_its_five_percent_critical_value():
    """Andrews (2003): 8.85 for k = 1 at trim 0.15; the simulated null is within 2 %."""
    y, X = _shifted()
    assert sup_f_test(y, X).extra["critical_5"] == pytest.approx(8.85, rel=0.02)


# ----------------------------------------------------------------------------- progress
def test_progress_is_off_unless_asked_or_on_a_terminal():
    items = [1, 2, 3]
    assert _progress.progress(items, stream=io.StringIO()) is items  # not a terminal
    assert _progress.progress(items, enabled=False) is items
    with pytest.raises(TypeError, match="True, False or None"):
        _progress.progress(items, enabled="yes")


def test_progress_fallback_estimates_the_time_left(monkeypatch):
    """Ten steps of 2 s each: after the first, 9 x 2 s = 18 s are left; after the fifth,
    10 s."""
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
    clock = iter(np.arange(0.0, 100.0, 2.0))
    monkeypatch.setattr(_progress.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    list(_progress.progress(range(10), enabled=True, stream=out))
    lines = out.getvalue().splitlines()
    assert lines[0] == "10% (1/10), about 18 s left" and lines[-1] == "100% (10/10)"
    assert lines[4] == "50% (5/10), about 10 s left"
    assert _progress.duration(0.4) == "0 s" and _progress.duration(7199) == "1 h 59 min"


def test_progress_fallback_prints_a_line_per_step(monkeypatch):
    """Without tqdm: 25 steps in steps of 10 %: lines at 12, 20, ..., 100 % (the first step
    past each multiple of 10)."""
    monkeypatch.setitem(__import__("sys").modules, "tqdm.auto", None)
    out = io.StringIO()
    assert list(_progress.progress(range(25), description="runs", enabled=True,
                                   stream=out)) == list(range(25))
    lines = out.getvalue().splitlines()
    assert re.fullmatch(r"runs: 12% \(3/25\), about \d+ s left", lines[0])
    assert lines[-1] == "runs: 100% (25/25)"
    assert [int(line.split()[1].rstrip("%")) // 10 for line in lines] == list(range(1, 11))
