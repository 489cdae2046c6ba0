"""Benchmark: stiff deterministic runs of N coupled units, coupling against scipy's BDF.

The model is the catalogue's ``slow-feedback`` (models/slow_feedback.py), a relaxation
oscillation of a bistable population with slow negative feedback:

    eps dx_i/dt = -x_i + tanh(J X + a_i + y),   X = mean(x),   a_i ~ Normal(0, 0.3),
    dy/dt = -k X - b y + c,

with J = 2, k = 0.5, b = 0.2, c = 0.05, eps = 1e-3, x_i(0) = 0, y(0) = 0, t in [0, 30]
(period about 4.65, 13 jumps), rtol = 1e-6, atol = 1e-8.

What is measured:

* ``cp.simulate(model, 30, population=N, seed=1, rtol=1e-6, atol=1e-8)`` for
  N = 10, 100, 1e3, 1e4, 1e5: the structured NDF/BDF with O(N) Newton solves. Best of R
  repeats (R = 3 up to N = 1e4, 1 beyond), after a warm-up run that compiles the model.
* What a user would write with scipy: ``solve_ivp(f, (0, 30), u0, method="BDF",
  rtol=1e-6, atol=1e-8)`` with a hand-written vectorised numpy right-hand side and scipy's
  default finite-difference dense Jacobian, for N = 10, 100, 1000 (best of 3 up to N = 100,
  one run at N = 1000: about 30 s). It uses the trait values a_i of the coupling run
  (``trajectory.traits["a"]``), so both integrate the same system; the table reports the
  difference of their final y and X.
* The slope of log(time) against log(N) for N >= 1e3 (1 = linear) and the time per unit.

Usage::

    python benchmarks/bench_stiff.py                  # full run, about 60 s
    python benchmarks/bench_stiff.py --json out.json  # also write JSON
    python benchmarks/bench_stiff.py --quick          # N <= 1e4, scipy up to N = 100
    python benchmarks/bench_stiff.py --sizes 1e3 1e4 --scipy-sizes 1e3
"""

import _harness  # first: pins the BLAS/OpenMP threads before numpy

# isort: split
import argparse  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

import coupling as cp  # noqa: E402

T_END, RTOL, ATOL = 30.0, 1e-6, 1e-8


def run_coupling(model, N, seed):
    return cp.simulate(model, T_END, population=N, seed=seed, rtol=RTOL, atol=ATOL)


def scipy_bdf(model, a):
    """solve_ivp's BDF on a hand-written right-hand side, finite-difference Jacobian."""
    p = model.parameters
    J, k, b, c, eps = p["J"], p["k"], p["b"], p["c"], p["eps"]
    N = a.size

    def f(t, u):
        x, y = u[:N], u[N]
        X = x.mean()
        out = np.empty(N + 1)
        out[:N] = (-x + np.tanh(J * X + a + y)) / eps
        out[N] = -k * X - b * y + c
        return out

    u0 = np.zeros(N + 1)
    u0[:N] = p.get("x0", 0.0)
    u0[N] = model.macro["y"].initial
    return solve_ivp(f, (0.0, T_END), u0, method="BDF", rtol=RTOL, atol=ATOL)


def loglog_slope(sizes, times):
    """Least-squares slope of log(time) against log(N)."""
    if len(sizes) < 2:
        return math.nan
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[10, 100, 1e3, 1e4, 1e5],
                        help="population sizes N for coupling (default: 10 100 1e3 1e4 1e5)")
    parser.add_argument("--scipy-sizes", type=float, nargs="*", default=[10, 100, 1e3],
                        help="sizes for scipy's BDF (default: 10 100 1e3; none to skip)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true",
                        help="coupling up to N = 1e4, scipy up to N = 100, one repeat")
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE as JSON")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes)
    scipy_sizes = sorted(int(n) for n in args.scipy_sizes)
    if args.quick:
        sizes = [n for n in sizes if n <= 10_000] or [1000]
        scipy_sizes = [n for n in scipy_sizes if n <= 100]

    def repeats(N, scipy=False):
        if args.quick:
            return 1
        return (3 if N <= 100 else 1) if scipy else (3 if N <= 10_000 else 1)

    model = cp.load("slow-feedback")
    p = model.parameters
    print(f"slow-feedback: eps dx_i/dt = -x_i + tanh(J X + a_i + y), dy/dt = -k X - b y + c; "
          f"J = {p['J']:g}, k = {p['k']:g}, b = {p['b']:g}, c = {p['c']:g}, "
          f"eps = {p['eps']:g}, a_i ~ Normal(0, {p['sigma']:g}); t in [0, {T_END:g}], "
          f"rtol = {RTOL:g}, atol = {ATOL:g}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"coupling {getattr(cp, '__version__', '?')} (git {_harness.coupling_revision()}), "
          f"{os.cpu_count()} CPUs, BLAS/OpenMP threads pinned to 1")
    print("timing: best of R repeats (wall clock), after a warm-up run\n")
    t_start = time.perf_counter()
    run_coupling(model, 100, args.seed)  # warm-up: compile the expressions and Jacobians

    rows = {}
    for N in sizes:
        R = repeats(N)
        t, run = _harness.best_time(lambda n=N: run_coupling(model, n, args.seed), R)
        rows[N] = {"N": N, "repeats": R, "coupling_s": t, "per_unit_us": t / N * 1e6,
                   "status": run.status, "y": float(run["y"][-1]), "X": float(run["X"][-1]),
                   **run.stats}
        print(f"  coupling N = {N:>7,d}: {t:8.3f} s (best of {R}), {run.stats['steps']} "
              f"steps, {run.stats['nfev']} rhs, {run.stats['njev']} Jacobians, "
              f"{run.stats['nlu']} factorisations", flush=True)
        if N in scipy_sizes:
            a = run.traits["a"]
            R = repeats(N, scipy=True)
            t, sol = _harness.best_time(lambda: scipy_bdf(model, a), R)
            y, X = float(sol.y[N, -1]), float(sol.y[:N, -1].mean())
            rows[N].update(scipy_s=t, scipy_repeats=R, scipy_steps=int(sol.t.size - 1),
                           scipy_nfev=int(sol.nfev), scipy_success=bool(sol.success),
                           ratio=t / rows[N]["coupling_s"], dy=abs(y - rows[N]["y"]),
                           dX=abs(X - rows[N]["X"]))
            print(f"  scipy BDF N = {N:>7,d}: {t:8.3f} s (best of {R}), {sol.t.size - 1} "
                  f"steps, {sol.nfev} rhs (with the finite-difference Jacobians)", flush=True)

    mean_field, t_mf = None, math.nan
    if not args.quick:
        t_mf, mean_field = _harness.best_time(
            lambda: cp.simulate(model, T_END, population="mean-field", rtol=RTOL, atol=ATOL), 3)

    print("\ncp.simulate against solve_ivp(method='BDF') with a finite-difference Jacobian")
    header = (f"{'N':>7} | {'coupling':>9} | {'scipy':>9} | {'ratio':>7} | {'steps':>5} | "
              f"{'|d final y|':>11} | {'|d final X|':>11} | {'per unit':>9}")
    print(header)
    print("-" * len(header))
    for r in rows.values():
        scipy_t = f"{r['scipy_s']:8.2f}s" if "scipy_s" in r else f"{'-':>9}"
        ratio = f"{r['ratio']:6.0f}x" if "ratio" in r else f"{'-':>7}"
        dy = f"{r['dy']:11.1e}" if "dy" in r else f"{'-':>11}"
        dX = f"{r['dX']:11.1e}" if "dX" in r else f"{'-':>11}"
        print(f"{r['N']:>7,d} | {r['coupling_s']:8.3f}s | {scipy_t} | {ratio} | "
              f"{r['steps']:>5} | {dy} | {dX} | {r['per_unit_us']:7.1f}us")
    large = [r for r in rows.values() if r["N"] >= 1000]
    ns, ts = [r["N"] for r in large], [r["coupling_s"] for r in large]
    slope, last = loglog_slope(ns, ts), loglog_slope(ns[-2:], ts[-2:])
    print(f"\nlog-log slope of the coupling time against N (1 = linear): {slope:.2f} for "
          f"N >= 1e3, {last:.2f} between the two largest sizes")
    if mean_field is not None:
        s = mean_field.stats
        print(f"mean-field limit ({mean_field.weights.size} quadrature nodes + 1 macro "
              f"variable): {t_mf:.3f} s, {s['steps']} steps, {s['nfev']} rhs, "
              f"{s['njev']} Jacobians, {s['nlu']} factorisations")
    print(f"\ntotal wall time of the benchmark: {time.perf_counter() - t_start:.0f} s")

    if args.json:
        payload = {
            "benchmark": "stiff relaxation oscillation of N coupled units (slow-feedback)",
            "parameters": dict(p), "t_end": T_END, "rtol": RTOL, "atol": ATOL,
            "seed": args.seed, "coupling_revision": _harness.coupling_revision(),
            "rows": list(rows.values()), "loglog_slope_N_ge_1e3": slope,
            "loglog_slope_two_largest": last,
            "mean_field": None if mean_field is None else {
                "time_s": t_mf, "nodes": int(mean_field.weights.size), **mean_field.stats},
        }
        _harness.write_json(args.json, payload)
    return rows


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
