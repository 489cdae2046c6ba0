"""Benchmark: parallel efficiency and per-task overhead of ``cp.sweep`` on each executor.

**Efficiency.** A CPU-bound sweep: the ``simulate`` task on ``social-choice`` (σ = 0.3, a
finite population, continuous time) over a grid of h, the population sized so that one
task takes about ``--task-seconds`` (default 1 s). Wall time on 1 worker against all local
cores, in the local process pool (``executor=W``) and on a dask ``LocalCluster`` of W
worker processes with one thread each. Efficiency = T(1) / (W · T(W)) against the same
executor with one worker; "vs serial" = T(serial) / (W · T(W)) against the plain loop in
this process. The target is ≥ 80 % for tasks of 1 s or more. Each time includes
everything a user waits for: starting the pool, sending the model, compiling it once per
worker, the tasks and collecting the results; it is the best of two runs. A dask cluster
is started, and has run one small sweep of the model (its workers have imported
coupling), before the clock starts, as a running cluster has; the script prints the time
of that cold first sweep too.

**Overhead.** Tiny tasks (a user callable drawing one number, about 10 µs of work): the
time per task beyond the serial loop's, for each executor with adaptive chunks and with one
task per chunk (``chunk=1``), and for what a user would otherwise write: a plain
``ProcessPoolExecutor.map`` and dask's ``client.map`` with one future per task. Also the
cost of the store (one SQLite transaction per task).

Usage::

    python benchmarks/bench_sweep.py                    # about 3 min on 2 cores
    python benchmarks/bench_sweep.py --quick            # 0.3 s tasks, fewer of them
    python benchmarks/bench_sweep.py --json out.json    # also write the numbers
"""

import argparse
import concurrent.futures as cf
import os
import tempfile
import time

import _harness  # first: pins the BLAS/OpenMP threads before numpy
import numpy as np

import coupling as cp
from coupling.sweeps import cpu_count

MODEL = {"sigma": 0.3, "J": 1.5}
T_END = 20.0

#: Each wall time of the CPU-bound sweep is the best of this many runs (the machine is noisy).
REPEATS = 2


def tiny(model, params, rng):
    """A task with almost no work: one random number."""
    return rng.random()


def square(x):
    return x * x


def _population_for(seconds):
    """The population whose simulate task takes about ``seconds`` (timed at N = 2000)."""
    model = cp.load("social-choice", **MODEL)
    cp.simulate(model, T_END, population=200, seed=0)  # compile
    start = time.perf_counter()
    cp.simulate(model, T_END, population=2000, seed=0)
    per_unit = (time.perf_counter() - start) / 2000
    return max(100, int(seconds / per_unit))


def _warm(client, model):
    """A first small sweep of ``model`` on the cluster: its workers import coupling and
    unpickle a model, as on a cluster that has run a sweep before. Returns its time (the
    cold start: a fresh worker spends about 2 s importing numpy, scipy and sympy)."""
    start = time.perf_counter()
    cp.sweep(tiny, model, grid={"h": np.zeros(8)}, executor=client, progress=False)
    client.run(_import_simulation)
    return time.perf_counter() - start


def _import_simulation():
    import coupling.dynamics._simulate  # noqa: F401


def _timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def efficiency(tasks, seconds, workers):
    """Rows (executor, workers, wall time, efficiency) of the CPU-bound sweep."""
    population = _population_for(seconds)
    model = cp.load("social-choice", **MODEL)
    grid = {"h": np.linspace(-0.2, 0.2, tasks)}

    def sweep(executor):
        return cp.sweep("simulate", model, grid=grid, seed=1, executor=executor,
                        t_end=T_END, population=population, progress=False)

    def timed(executor):
        return _harness.best_time(lambda: sweep(executor), REPEATS)

    rows, reference = [], None
    serial_time, reference = timed("serial")
    rows.append(("serial (this process)", 1, serial_time, 1.0))
    t_pool, pooled = timed(workers)
    assert pooled["m"].tobytes() == reference["m"].tobytes()
    rows.append(("process pool", workers, t_pool, serial_time / (workers * t_pool)))
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("dask.distributed is not installed: the dask rows are skipped")
        return rows, population
    for n in (1, workers):
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            cold = _warm(client, model)
            t_dask, on_dask = timed(client)
        assert on_dask["m"].tobytes() == reference["m"].tobytes()
        rows.append(("dask LocalCluster", n, t_dask, None))
        print(f"dask LocalCluster of {n}: the first sweep on the fresh cluster took "
              f"{cold:.2f} s for 8 tiny tasks (imports in the workers)")
    one = rows[2][2]
    rows[3] = (*rows[3][:3], one / (workers * rows[3][2]))
    rows[2] = (*rows[2][:3], 1.0)
    return rows, population


def overhead(tasks, workers):
    """Rows (executor, µs per task beyond the serial loop) for tiny tasks."""
    model = cp.load("social-choice", **MODEL)
    grid = {"h": np.linspace(0, 1, tasks)}

    def sweep(executor, **options):
        return cp.sweep(tiny, model, grid=grid, seed=1, executor=executor, progress=False,
                        **options)

    base, reference = _timed(lambda: sweep("serial"))
    rows = [("serial sweep (the baseline)", base / tasks * 1e6, None)]

    def add(name, seconds, result=None):
        rows.append((name, max(seconds - base, 0.0) / tasks * 1e6,
                     None if result is None else result["value"].tobytes() ==
                     reference["value"].tobytes()))

    with tempfile.TemporaryDirectory() as folder:
        add("serial sweep + store", *_timed(lambda: sweep("serial",
                                                          store=os.path.join(folder, "s.db"))))
    add(f"process pool ({workers}), adaptive chunks", *_timed(lambda: sweep(workers)))
    add(f"process pool ({workers}), chunk=1", *_timed(lambda: sweep(workers, chunk=1)))
    with cf.ProcessPoolExecutor(workers) as pool:
        list(pool.map(square, range(workers)))  # started, as a user's pool would be
        seconds, _ = _timed(lambda: list(pool.map(square, range(tasks))))
    rows.append((f"plain ProcessPoolExecutor.map ({workers}), one call per task",
                 seconds / tasks * 1e6, None))
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return rows, base / tasks
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        _warm(client, model)
        add(f"dask LocalCluster ({workers}), adaptive chunks", *_timed(lambda: sweep(client)))
        add(f"dask LocalCluster ({workers}), chunk=1", *_timed(lambda: sweep(client,
                                                                             chunk=1)))
        seconds, _ = _timed(lambda: client.gather(client.map(square, range(tasks))))
        rows.append((f"plain dask client.map ({workers}), one future per task",
                     seconds / tasks * 1e6, None))
    return rows, base / tasks


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task-seconds", type=float, default=1.0,
                        help="wall time of one CPU-bound task (default 1)")
    parser.add_argument("--tasks", type=int, default=None,
                        help="CPU-bound tasks (default 8 per worker)")
    parser.add_argument("--tiny", type=int, default=2000, help="tiny tasks (default 2000)")
    parser.add_argument("--quick", action="store_true", help="0.3 s tasks, 4 per worker, "
                                                             "500 tiny tasks")
    parser.add_argument("--json", help="write the numbers to this file")
    args = parser.parse_args()
    workers = cpu_count()
    if args.quick:
        args.task_seconds, args.tasks, args.tiny = 0.3, 4 * workers, 500
    tasks = args.tasks or 8 * workers
    print(f"coupling {_harness.coupling_revision()}; {workers} cores; {tasks} tasks of about "
          f"{args.task_seconds:g} s")
    rows, population = efficiency(tasks, args.task_seconds, workers)
    print(f"\nCPU-bound sweep: simulate social-choice, N = {population}, t_end = {T_END:g}")
    print(f"{'executor':<24}{'workers':>8}{'wall time':>12}{'efficiency':>12}"
          f"{'vs serial':>11}")
    serial = rows[0][2]
    for name, n, seconds, eff in rows:
        print(f"{name:<24}{n:>8}{seconds:>11.2f}s{100 * eff:>11.0f}%"
              f"{100 * serial / (n * seconds):>10.0f}%")
    tiny_rows, per_task = overhead(args.tiny, workers)
    print(f"\nTiny tasks ({args.tiny}; the work itself {per_task * 1e6:.0f} µs each): time "
          "per task beyond the serial sweep")
    for name, micro, same in tiny_rows:
        check = "" if same is None else ("  (same numbers)" if same else "  (DIFFERENT)")
        print(f"  {name:<58}{micro:>9.1f} µs{check}")
    if args.json:
        _harness.write_json(args.json, {
            "benchmark": "sweep", "revision": _harness.coupling_revision(),
            "workers": workers, "tasks": tasks, "population": population,
            "efficiency": [{"executor": r[0], "workers": r[1], "seconds": r[2],
                            "efficiency": r[3]} for r in rows],
            "overhead_us": [{"executor": r[0], "us_per_task": r[1]} for r in tiny_rows]})


if __name__ == "__main__":
    main()
