"""``cp.sweep``: grids, seeds, executors (serial, process pool, any Executor, dask), the
store (resume, fingerprint, a real SIGKILL), failures, provenance and the labelled result;
the executors of the analyses' own loops; and that declarations pickle."""

import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import coupling as cp
from coupling.sweeps import _executors

CHOICE = {"sigma": 0.3, "J": 1.5}


def noisy(model, params, rng):
    """A user task: three normal draws scaled by h, and J."""
    return {"draws": params["h"] * rng.normal(size=3), "J": model.parameters["J"]}


def fails_at_zero(model, params, rng):
    if params["h"] == 0:
        raise FloatingPointError("no root at h = 0")
    return float(params["h"] * rng.random())


def choice():
    return cp.load("social-choice", **CHOICE)


# ---------------------------------------------------------------------- grid and seeds
def test_the_grid_is_a_cartesian_product_in_c_order_with_coordinates():
    s = cp.sweep(noisy, choice(), grid={"h": [0.1, 0.2, 0.3], "J": [1.0, 2.0]},
                 replicates=2, seed=1, executor="serial")
    assert s.dims == ("h", "J", "replicate") and s.shape == (3, 2, 2)
    assert s["draws"].shape == (3, 2, 2, 3)
    np.testing.assert_array_equal(s["J"][1, :, 0], [1.0, 2.0])  # the cell's model carries J
    np.testing.assert_array_equal(s.coords["h"], [0.1, 0.2, 0.3])
    assert s.success and s.failures == [] and s.status == 0


def test_task_streams_are_keyed_by_cell_and_replicate():
    """Task (c, r) draws from SeedSequence(seed, spawn_key=(c, r)), whatever else runs."""
    s = cp.sweep(noisy, choice(), grid={"h": [1.0, 2.0]}, replicates=3, seed=7,
                 executor="serial")
    for c, h in enumerate([1.0, 2.0]):
        for r in range(3):
            rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(c, r)))
            np.testing.assert_array_equal(s["draws"][c, r], h * rng.normal(size=3))


def test_a_list_of_points_is_one_dimension():
    points = [{"h": 0.1, "J": 1.0}, {"h": 0.5, "J": 2.0}]
    s = cp.sweep(noisy, choice(), grid=points, seed=1, executor="serial")
    assert s.dims == ("point", "replicate")
    np.testing.assert_array_equal(s.coords["J"], [1.0, 2.0])
    frame = s.to_dataframe()
    assert list(frame["J"]) == [1.0, 2.0] and list(frame["point"]) == [0, 1]


@pytest.mark.parametrize("grid, match", [
    ({"hh": [0.1]}, "hh"),
    ({}, "at least one parameter"),
    ({"h": [0.1, np.nan]}, "finite"),
    ([{"h": 0.1}, {"J": 1.0}], "point 1 sets"),
])
def test_bad_grids_are_refused_naming_what_is_wrong(grid, match):
    with pytest.raises((cp.ArgumentError, cp.UnknownNameError), match=match):
        cp.sweep(noisy, choice(), grid=grid, executor="serial")


def test_bad_tasks_options_and_replicates_are_refused_before_work_starts():
    with pytest.raises(cp.ArgumentError, match="unknown task 'equilibrium'"):
        cp.sweep("equilibrium", choice(), grid={"h": [0.0]})
    with pytest.raises(cp.ArgumentError, match="task 'hysteresis'.*interval"):
        cp.sweep("hysteresis", choice(), grid={"J": [1.0]}, param="h")
    with pytest.raises(cp.ArgumentError, match="replicates"):
        cp.sweep(noisy, choice(), grid={"h": [0.0]}, replicates=0)
    with pytest.raises(cp.ArgumentError, match="seed"):
        cp.sweep(noisy, choice(), grid={"h": [0.0]}, seed=-1)


# ---------------------------------------------------------------------- executors
def test_results_are_bit_identical_on_every_executor_and_chunking():
    """Serial, a pool of 2 processes (adaptive chunks and one task per chunk) and a thread
    pool: the same bytes, whatever the order the tasks completed in."""
    model, grid = choice(), {"h": np.linspace(-0.2, 0.2, 5), "J": [1.0, 1.5]}
    options = {"t_end": 5.0, "population": 200, "seed": 11, "replicates": 2}
    serial = cp.sweep("simulate", model, grid=grid, executor="serial", **options)
    pool = cp.sweep("simulate", model, grid=grid, executor=2, **options)
    single = cp.sweep("simulate", model, grid=grid, executor=2, chunk=1, **options)
    with ThreadPoolExecutor(2) as threads:
        threaded = cp.sweep("simulate", model, grid=grid, executor=threads, **options)
    for other in (pool, single, threaded):
        assert other.names == serial.names == ("m", "adopters")
        for name in serial.names:
            assert other[name].tobytes() == serial[name].tobytes()
    assert pool.provenance["executor"] == "processes (2)"
    assert threaded.provenance["executor"] == "ThreadPoolExecutor"


def test_chunks_grow_to_the_target_time_and_share_the_rest():
    assert _executors._adaptive_size(1e-3, 10_000, 2) == 500  # 0.5 s of 1 ms tasks
    assert _executors._adaptive_size(1e-3, 600, 2) == 150  # a quarter of what is left
    assert _executors._adaptive_size(2.0, 100, 2) == 1


def test_run_streams_results_and_refuses_unknown_executors():
    assert _executors.run_ordered(abs, [-1, 2, -3], "serial") == [1, 2, 3]
    assert _executors.run_ordered(abs, range(-5, 5), 2) == [abs(i) for i in range(-5, 5)]
    with pytest.raises(TypeError, match="executor must be"):
        list(_executors.run(abs, [1, 2], executor=object()))
    with pytest.raises(ValueError, match="at least one worker"):
        list(_executors.run(abs, [1, 2], executor=0))


def test_the_model_travels_once_per_worker_not_per_task():
    """A pool installs the job in each worker as it starts: chunks carry only items."""
    runner = _executors._Runner(noisy, 2, 10)
    with runner:
        assert runner.kind == "pool" and runner.blob_arg is None
        assert runner.submit([]).result()[0] == []


# ---------------------------------------------------------------------- failures
def test_a_failing_cell_is_recorded_and_the_sweep_goes_on():
    s = cp.sweep(fails_at_zero, choice(), grid={"h": [-1.0, 0.0, 1.0]}, seed=2,
                 executor="serial")
    assert s.status == 1 and s.success and "1 of 3 tasks failed" in s.message
    assert s.task_status[:, 0].tolist() == [0, -2, 0]
    assert np.isnan(s["value"][1, 0]) and np.isfinite(s["value"][[0, 2], 0]).all()
    (failure,) = s.failures
    assert failure["parameters"] == {"h": 0.0} and "FloatingPointError" in failure["message"]
    assert "failed at h = 0, replicate 0: FloatingPointError: no root" in s.summary()


# ---------------------------------------------------------------------- store
def test_a_store_resumes_skipping_finished_tasks_with_identical_arrays(tmp_path):
    path, grid = tmp_path / "sweep.db", {"h": [0.5, 1.0, 1.5, 2.0]}
    first = cp.sweep(noisy, choice(), grid=grid, replicates=2, seed=3, store=path,
                     executor="serial")
    with sqlite3.connect(path) as db:  # forget three tasks, as if the sweep had stopped
        db.execute("DELETE FROM tasks WHERE cell >= 2 AND NOT (cell = 3 AND replicate = 1)")
        db.execute("DELETE FROM outputs WHERE cell >= 2 AND NOT (cell = 3 AND replicate = 1)")
    again = cp.sweep(noisy, choice(), grid=grid, replicates=2, store=path, executor="serial")
    assert again.provenance["resumed"] == 5 and again.provenance["seed"] == 3  # seed kept
    assert again["draws"].tobytes() == first["draws"].tobytes()


@pytest.mark.parametrize("change, part", [
    ({"seed": 4}, "different settings"),
    ({"model": cp.load("social-choice", **{**CHOICE, "J": 1.6})}, "a different model"),
    ({"replicates": 2}, "different settings"),
])
def test_a_store_refuses_another_sweep_and_says_what_differs(tmp_path, change, part):
    path = tmp_path / "sweep.db"
    settings = {"model": choice(), "seed": 3, "replicates": 1}
    cp.sweep(noisy, settings["model"], grid={"h": [1.0]}, store=path, executor="serial",
             seed=3)
    settings.update(change)
    with pytest.raises(cp.ArgumentError, match=f"holds a sweep with {part}"):
        cp.sweep(noisy, settings.pop("model"), grid={"h": [1.0]}, store=path,
                 executor="serial", **settings)


def test_a_store_refuses_results_of_another_version(tmp_path, monkeypatch):
    from coupling.sweeps import _sweep

    path = tmp_path / "sweep.db"
    cp.sweep(noisy, choice(), grid={"h": [1.0]}, store=path, executor="serial", seed=1)
    monkeypatch.setattr(_sweep, "__version__", "9.9")
    with pytest.raises(cp.ArgumentError, match="another version of coupling"):
        cp.sweep(noisy, choice(), grid={"h": [1.0]}, store=path, executor="serial", seed=1)


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database " * 100)
    with pytest.raises(cp.ArgumentError, match="not a sweep store"):
        cp.sweep(noisy, choice(), grid={"h": [1.0]}, store=path, executor="serial")


KILLED_SWEEP = """
import sys, time
sys.path.insert(0, {here!r})
import numpy as np
import coupling as cp

def slow(model, params, rng):
    time.sleep(0.01)
    return {{"x": params["h"] * rng.normal(size=4)}}

if __name__ == "__main__":
    cp.sweep(slow, cp.load("social-choice"), grid={{"h": np.linspace(0, 1, 400)}},
             replicates=2, seed=9, store=sys.argv[1], executor=2, progress=False)
"""


def test_a_sweep_killed_by_sigkill_loses_nothing_and_resumes_byte_identical(tmp_path):
    """A real process, a real SIGKILL while the pool is writing: every task in the store is
    whole, and the resumed sweep's arrays are byte-identical to an uninterrupted run."""
    script, store = tmp_path / "killed.py", tmp_path / "sweep.db"
    script.write_text(KILLED_SWEEP.format(here=str(tmp_path)))
    process = subprocess.Popen([sys.executable, str(script), str(store)],
                               start_new_session=True)
    deadline, finished = time.monotonic() + 120, 0
    while finished < 150 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        if store.exists():
            try:
                with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
                    finished = db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
            except sqlite3.OperationalError:
                pass
    assert process.poll() is None, "the sweep ended before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        kept = db.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        blobs = db.execute("SELECT COUNT(*) FROM outputs").fetchone()[0]
    assert 150 <= kept < 800 and blobs == kept  # one output per task, none half-written

    sys.path.insert(0, str(tmp_path))
    try:
        import killed
        grid = {"h": np.linspace(0, 1, 400)}
        resumed = cp.sweep(killed.slow, cp.load("social-choice"), grid=grid, replicates=2,
                           seed=9, store=store, executor=2)
        whole = cp.sweep(killed.slow, cp.load("social-choice"), grid=grid, replicates=2,
                         seed=9, executor=2)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("killed", None)
    assert resumed.provenance["resumed"] >= kept and resumed.success
    assert resumed["x"].tobytes() == whole["x"].tobytes()


# ---------------------------------------------------------------------- the result
def test_provenance_holds_the_declaration_parameters_seed_executor_and_time():
    model = choice()
    s = cp.sweep("equilibria", model, grid={"h": [0.0, 0.3]}, seed=5, executor="serial")
    p = s.provenance
    assert p["version"] == cp.__version__ and p["seed"] == 5 and p["executor"] == "serial"
    assert p["parameters"] == dict(model.parameters) and p["seconds"] > 0
    from coupling.model._files import to_dict
    assert json.loads(p["declaration"]) == json.loads(json.dumps(to_dict(model)))
    json.dumps(s.to_dict(), allow_nan=False)  # strict JSON


def test_a_network_model_has_a_canonical_declaration_with_hashes():
    from coupling.sweeps._sweep import declaration_text

    traffic = cp.load("traffic")
    text = declaration_text(traffic)
    assert '"sparse": "' in text and declaration_text(cp.load("traffic")) == text


def test_xarray_and_dataframe_forms():
    s = cp.sweep(noisy, choice(), grid={"h": [0.5, 1.0], "J": [1.0, 2.0, 3.0]}, replicates=2,
                 seed=1, executor="serial")
    ds = s.to_xarray()
    assert ds["draws"].dims == ("h", "J", "replicate", "draws_dim0")
    assert float(ds["J_out"].sel(h=1.0, J=3.0, replicate=1)) == 3.0  # output J, renamed
    assert ds.attrs["seed"] == 1
    frame = s.to_dataframe()
    assert len(frame) == 12 and {"h", "J", "replicate", "status", "draws[2]"} <= set(frame)
    np.testing.assert_allclose(s.mean("J")[:, 2], [3.0, 3.0])


def test_built_in_tasks_record_their_numbers():
    """Curie-Weiss (sigma = 0, beta = 1): two stable states for J = 2 at h = 0, one at
    J = 0.5; hysteresis over h in [-1, 1] at J = 2 jumps near the folds |h_f| = 0.533."""
    model = cp.load("social-choice", sigma=0.0)
    eq = cp.sweep("equilibria", model, grid={"J": [0.5, 2.0]}, executor="serial")
    assert eq["stable"][:, 0].tolist() == [1.0, 2.0] and eq["equilibria"][1, 0] == 3
    loops = cp.sweep("hysteresis", model, grid={"J": [2.0]}, executor="serial", param="h",
                     interval=(-1, 1), rate=1e-3, population=cp.MeanField(1))
    assert loops["hysteresis"][0, 0] == 1 and loops["jumps"][0, 0] == 2
    assert loops["up"][0, 0] == pytest.approx(0.538, abs=0.01)
    found = cp.sweep("attractors", model, grid={"J": [0.5, 2.0]}, executor="serial",
                     samples=10, population=cp.MeanField(1), t_end=30)
    assert found["attractors"][:, 0].tolist() == [1.0, 2.0]
    assert found["fractions"].shape == (2, 1, 4)


def test_sweep_plot_draws_one_and_two_parameter_grids():
    import matplotlib
    matplotlib.use("Agg")
    s = cp.sweep(noisy, choice(), grid={"h": [0.5, 1.0]}, replicates=3, seed=1,
                 executor="serial")
    assert s.plot("J").get_xlabel() == "h"
    s2 = cp.sweep(noisy, choice(), grid={"h": [0.5, 1.0], "J": [1.0, 2.0]}, seed=1,
                  executor="serial")
    assert s2.plot("J").get_ylabel() == "J"
    with pytest.raises(ValueError, match="array per task"):
        s2.plot("draws")


# ---------------------------------------------------------------------- pickling
@pytest.mark.parametrize("name", [n for n in cp.catalog() if n != "schelling"])
def test_every_catalogue_model_pickles_as_its_declaration(name):
    """A model is rebuilt through its constructor in the receiving process."""
    model = cp.load(name, **({"beta": 2.0} if name == "brock-hommes" else {}))
    copy = pickle.loads(pickle.dumps(model))
    assert type(copy) is type(model) and copy.parameters == model.parameters
    assert copy.name == model.name and len(pickle.dumps(model)) < 2_000_000


def test_a_model_with_a_python_step_rule_travels_with_cloudpickle():
    model = cp.load("schelling")
    copy = pickle.loads(_executors.dumps(model))
    assert copy.parameters == model.parameters


def test_a_pickled_model_simulates_the_same_numbers():
    model = choice()
    copy = pickle.loads(pickle.dumps(model))
    a = cp.simulate(model, 5.0, population=100, seed=3)
    b = cp.simulate(copy, 5.0, population=100, seed=3)
    assert a["m"].tobytes() == b["m"].tobytes()


# ---------------------------------------------------------------------- analyses' loops
def test_analyses_give_the_same_results_on_a_pool():
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    a = cp.attractors(model, samples=8, population=100, seed=1, t_end=20)
    b = cp.attractors(model, samples=8, population=100, seed=1, t_end=20, executor=2)
    assert np.array_equal(a.labels, b.labels) and [x["m"] for x in a] == [x["m"] for x in b]
    h1 = cp.hysteresis(model, "h", (-1, 1), rate=2e-2, population=100, replicates=2, seed=2)
    h2 = cp.hysteresis(model, "h", (-1, 1), rate=2e-2, population=100, replicates=2, seed=2,
                       executor=2)
    assert h1.jumps == h2.jumps and h1.width == h2.width
    lucas = cp.load("lucas-islands")
    options = {"switch_at": 100, "reduced_form": "output ~ inflation", "seed": 1,
               "replicates": 3}
    r1 = cp.regime_break(lucas, {"sigma_m": 0.5}, {"sigma_m": 1.5}, **options)
    r2 = cp.regime_break(lucas, {"sigma_m": 0.5}, {"sigma_m": 1.5}, executor=2, **options)
    assert np.array_equal(r1.structural.coef, r2.structural.coef)


# ---------------------------------------------------------------------- dask
def test_the_dask_path_on_a_local_cluster_of_processes():
    """A LocalCluster of 2 worker processes: the model is pickled to them, and the results
    equal the serial ones byte for byte, for a sweep and for an analysis's replicates."""
    distributed = pytest.importorskip("dask.distributed")
    model, grid = choice(), {"h": [-0.1, 0.0, 0.1], "J": [1.0, 1.5]}
    options = {"t_end": 5.0, "population": 200, "seed": 4, "replicates": 2}
    serial = cp.sweep("simulate", model, grid=grid, executor="serial", **options)
    bistable = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    loop = {"rate": 2e-2, "population": 100, "replicates": 2, "seed": 2}
    h1 = cp.hysteresis(bistable, "h", (-1, 1), **loop)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = cp.sweep("simulate", model, grid=grid, executor=client, **options)
        h2 = cp.hysteresis(bistable, "h", (-1, 1), executor=client, **loop)
    assert on_dask.provenance["executor"].startswith("dask tcp://")
    for name in serial.names:
        assert on_dask[name].tobytes() == serial[name].tobytes()
    assert h1.jumps == h2.jumps


# ---------------------------------------------------------------------- regime maps
def curie_weiss_fold(J):
    """h_f(J) = J m_f - atanh(m_f), m_f = sqrt(1 - 1/J): bistable iff J > 1, |h| < h_f."""
    m = np.sqrt(1 - 1 / J)
    return J * m - np.arctanh(m)


def test_regime_map_of_curie_weiss_matches_the_closed_form():
    """Every cell (none within 1e-3 of a boundary) is multistable exactly where
    J > 1 and |h| < h_f(J); the fold curves traced over the map lie on h = ±h_f(J) to 1e-8,
    meeting at the cusp (0, 1)."""
    model = cp.load("social-choice", sigma=0.0)
    h, J = np.linspace(-0.9, 0.9, 10), np.array([0.6, 1.3, 1.8, 2.4])
    m = cp.regime_map(model, ("h", h), ("J", J), executor=2)
    H, JJ = np.meshgrid(h, J, indexing="ij")
    bistable = (JJ > 1) & (np.abs(H) < curie_weiss_fold(np.maximum(JJ, 1)))
    np.testing.assert_array_equal(m.hysteresis, bistable)
    np.testing.assert_array_equal(m.stable, np.where(bistable, 2, 1))
    assert set(np.unique(m.regime)) == {"steady", "multistable"} and not m.oscillating.any()
    points = np.concatenate(m.curves["fold"])
    np.testing.assert_allclose(np.abs(points[:, 0]), curie_weiss_fold(points[:, 1]), atol=1e-8)
    (cusp,) = m.special_points
    assert abs(cusp.param) < 1e-8 and abs(cusp.data["p2"] - 1) < 1e-8
    assert "multistable" in m.summary() and len(m.to_dataframe()) == 40


def slow_feedback_hopf(J, k=0.5, b=0.2, eps=0.05):
    """c_H(J) = k X_H + b (atanh X_H - J X_H), X_H = sqrt(1 - (1 + b eps)/J)."""
    x = np.sqrt(1 - (1 + b * eps) / J)
    return k * x + b * (np.arctanh(x) - J * x)


def test_regime_map_of_slow_feedback_oscillates_between_its_hopf_curves():
    """Identical units: the one equilibrium is unstable (and the population oscillates)
    exactly for |c| < c_H(J); the traced Hopf curves lie on c = ±c_H(J) to 1e-7."""
    model = cp.load("slow-feedback", sigma=0.0, eps=0.05)
    c, J = np.linspace(-0.35, 0.35, 8), np.array([1.3, 2.0, 2.6])
    m = cp.regime_map(model, ("c", c), ("J", J), population=cp.MeanField(1), executor=2)
    C, JJ = np.meshgrid(c, J, indexing="ij")
    np.testing.assert_array_equal(m.oscillating, np.abs(C) < slow_feedback_hopf(JJ))
    assert set(np.unique(m.regime[~m.oscillating])) == {"steady"}
    points = np.concatenate(m.curves["hopf"])
    np.testing.assert_allclose(np.abs(points[:, 0]), slow_feedback_hopf(points[:, 1]),
                               atol=1e-7)


def test_regime_map_plot_and_argument_checks(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    m = cp.regime_map(cp.load("social-choice", sigma=0.0), ("h", -0.8, 0.8, 5),
                      ("J", 0.5, 2.0, 4), executor="serial")
    ax = m.plot()
    assert ax.get_xlabel() == "parameter h" and ax.get_legend() is not None
    assert "fold curve" in [t.get_text() for t in ax.get_legend().get_texts()]
    with pytest.raises(cp.ArgumentError, match="p1 must be"):
        cp.regime_map(cp.load("social-choice"), "h", ("J", 0, 1))
    with pytest.raises(cp.ArgumentError, match="both 'h'"):
        cp.regime_map(cp.load("social-choice"), ("h", 0, 1), ("h", 0, 1))
    with pytest.raises(cp.ArgumentError, match="by must be"):
        cp.regime_map(cp.load("social-choice"), ("h", 0, 1), ("J", 0, 1), by="cycles")
