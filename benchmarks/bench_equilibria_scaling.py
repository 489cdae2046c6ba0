"""Benchmark: equilibria, stability and continuation of N coupled ODE units, scaling in N.

The model is a finite population of N units with heterogeneous biases,

    eps dx_i/dt = -x_i + tanh(J X + a_i + h),   X = mean(x),   a_i ~ Normal(0, 0.3),

with eps = 0.1 and h = 0, for J = 0.5 (one equilibrium, stable) and J = 2 (bistable: two
stable equilibria and a saddle between them). The full system has N states and a dense
N x N Jacobian (a diagonal plus a rank-one coupling), so a generic method costs O(N^3),
while the structure allows O(N).

What is measured:

* ``cp.equilibria(model, population=N, seed=1, bounds={"X": (-1, 1)})`` for
  N = 1e3, 1e4, 1e5: all equilibria with the leading eigenvalues of the full coupled
  Jacobian (dense for small systems, beyond that roots of the secular equation and an exact
  unstable count, in O(N)). Best of R repeats (R = 5 / 3 / 1 for N = 1e3 / 1e4 / 1e5), after one warm-up
  call that compiles the expressions. The time per unit, time / N, should be about flat;
  the script fits the log-log slope of time against N (1 = linear) over all sizes and
  between the two largest.
* The dense approach a user would write, at N = 1e3 only: ``scipy.optimize.fsolve``
  (MINPACK hybrd, forward-difference Jacobian) on the full N-dimensional system from five
  constant starts x_i = c, c in {-1, -0.5, 0, 0.5, 1}, duplicates removed, then
  ``numpy.linalg.eigvals`` of the dense forward-difference Jacobian at each root. It uses the
  same trait draws as coupling (the script checks that both find the same equilibria) and
  reports time(dense) / time(coupling).
* ``cp.continuation(model, "h", (-1, 1), population=N, seed=1, bounds={"X": (-1, 1)})`` for
  J = 2 and N = 1e3, 1e4, 1e5 (R = 3 / 1 / 1): the whole S-shaped branch through both folds,
  with the leading eigenvalues at every point; its log-log slope as above.

Usage::

    python benchmarks/bench_equilibria_scaling.py                 # full run, ~40 s
    python benchmarks/bench_equilibria_scaling.py --json out.json # also write JSON
    python benchmarks/bench_equilibria_scaling.py --quick         # N = 1e3, 1e4 only
    python benchmarks/bench_equilibria_scaling.py --no-continuation
"""

import _harness  # first: pins the BLAS/OpenMP threads before numpy

import os  # noqa: E402

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy import optimize  # noqa: E402

import coupling as cp  # noqa: E402

SIGMA, EPS, H = 0.3, 0.1, 0.0
COUPLINGS = (0.5, 2.0)
BOUNDS = {"X": (-1.0, 1.0)}
DENSE_STARTS = (-1.0, -0.5, 0.0, 0.5, 1.0)


def build_model(J):
    """N ODE units coupled through their mean X; bias a_i ~ Normal(0, sigma)."""
    return cp.Model(
        name="tanh-units",
        description="eps dx_i/dt = -x_i + tanh(J X + a_i + h), X = mean(x)",
        parameters={"J": J, "h": H, "sigma": SIGMA},
        policy=("h",),
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.ODE(rhs={"x": "-x + tanh(field + a)"}, initial={"x": 0.0}),
        aggregates={"X": "x"},
        context={"field": "J*X + h"},
        timescale=EPS,
    )




def loglog_slope(sizes, times):
    """Least-squares slope of log(time) against log(N)."""
    if len(sizes) < 2:
        return math.nan
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])




# --------------------------------------------------------------------------- coupling
def run_equilibria(model, N, seed):
    return cp.equilibria(model, population=N, seed=seed, bounds=BOUNDS)


def run_continuation(model, N, seed):
    return cp.continuation(model, "h", (-1.0, 1.0), population=N, seed=seed, bounds=BOUNDS)


def describe(found):
    return [{"X": float(e["X"]), "stable": bool(e.stable),
             "leading_eigenvalue": float(e.eigenvalues[0].real),
             "n_unstable": int(e.n_unstable)} for e in found]


# --------------------------------------------------------------------------- dense baseline
def coupling_traits(N, seed):
    """The trait draws of a coupling population (replicates its seeding: the first of three
    streams spawned from SeedSequence(seed), standard normals scaled by sigma)."""
    trait_ss = np.random.SeedSequence(seed).spawn(3)[0]
    return SIGMA * np.random.default_rng(trait_ss).standard_normal(N)


def dense_equilibria(J, a, h=H, eps=EPS):
    """What a user would write: fsolve on the full system from a few starts, then the
    eigenvalues of the dense finite-difference Jacobian at each distinct root."""
    N = a.size
    start = time.perf_counter()

    def F(x):
        return (-x + np.tanh(J * x.mean() + a + h)) / eps

    roots = []
    for c in DENSE_STARTS:
        x, _, ier, _ = optimize.fsolve(F, np.full(N, c), full_output=True, xtol=1e-12)
        if ier != 1 or np.max(np.abs(F(x))) > 1e-8:
            continue
        if any(np.max(np.abs(x - r)) < 1e-6 for r in roots):
            continue
        roots.append(x)
    t_solve = time.perf_counter() - start
    found = []
    for x in sorted(roots, key=np.mean):
        f0 = F(x)
        step = 1e-7 * (1 + np.abs(x))
        jac = np.empty((N, N))
        for j in range(N):  # forward differences, one column per evaluation
            xj = x.copy()
            xj[j] += step[j]
            jac[:, j] = (F(xj) - f0) / step[j]
        eig = np.linalg.eigvals(jac)
        found.append({"X": float(x.mean()), "stable": bool(eig.real.max() < 0),
                      "leading_eigenvalue": float(eig.real.max())})
    return found, t_solve, time.perf_counter() - start - t_solve


# --------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e3, 1e4, 1e5],
                        help="population sizes N (default: 1e3 1e4 1e5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="N <= 1e4, fewer repeats")
    parser.add_argument("--no-dense", action="store_true", help="skip the dense baseline")
    parser.add_argument("--no-continuation", action="store_true",
                        help="skip cp.continuation")
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE as JSON")
    args = parser.parse_args(argv)
    sizes = sorted(int(n) for n in args.sizes)
    if args.quick:
        sizes = [n for n in sizes if n <= 10_000] or [1000]

    def repeats(N, kind):
        if args.quick or N > 10_000:
            return 1
        if kind == "equilibria":
            return 5 if N <= 1000 else 3
        return 3 if N <= 1000 else 1

    print(f"N ODE units: eps dx_i/dt = -x_i + tanh(J X + a_i + h), X = mean(x), "
          f"a_i ~ Normal(0, {SIGMA}), eps = {EPS}, h = {H}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"coupling {getattr(cp, '__version__', '?')} (git {_harness.coupling_revision()}), "
          f"{os.cpu_count()} CPUs, "
          f"BLAS/OpenMP threads pinned to 1")
    print("timing: best of R repeats (wall clock), after a warm-up call\n")
    t_start = time.perf_counter()

    models = {J: build_model(J) for J in COUPLINGS}
    for model in models.values():  # warm-up: compile the expressions and Jacobians
        run_equilibria(model, 200, args.seed)

    # ------------------------------------------------------------------ equilibria
    eq_rows = []
    for J, model in models.items():
        for N in sizes:
            R = repeats(N, "equilibria")
            t, found = _harness.best_time(lambda m=model, n=N: run_equilibria(m, n, args.seed), R)
            eq_rows.append({"J": J, "N": N, "repeats": R, "time_s": t,
                            "time_per_unit_us": t / N * 1e6, "equilibria": describe(found)})
            print(f"  equilibria J = {J}, N = {N:>7,d}: {t:7.3f} s (best of {R}), "
                  f"{len(found)} equilibria", flush=True)

    # ------------------------------------------------------------------ dense baseline
    dense_rows = []
    N0 = min(sizes)
    if not args.no_dense:
        a = coupling_traits(N0, args.seed)
        for J in COUPLINGS:
            t, (found, t_solve, t_eig) = _harness.best_time(lambda j=J: dense_equilibria(j, a),
                                                   3 if N0 <= 1000 else 1)
            ours = next(r for r in eq_rows if r["J"] == J and r["N"] == N0)
            same = (len(found) == len(ours["equilibria"]) and all(
                abs(d["X"] - c["X"]) < 1e-8 and d["stable"] == c["stable"]
                for d, c in zip(found, ours["equilibria"], strict=True)))
            dense_rows.append({"J": J, "N": N0, "time_s": t, "fsolve_s": t_solve,
                               "eigvals_s": t_eig, "coupling_s": ours["time_s"],
                               "ratio": t / ours["time_s"], "equilibria": found,
                               "same_equilibria": same})
            print(f"  dense fsolve + eigvals J = {J}, N = {N0:,d}: {t:7.3f} s, "
                  f"{len(found)} equilibria", flush=True)

    # ------------------------------------------------------------------ continuation
    cont_rows = []
    if not args.no_continuation:
        model = models[2.0]
        run_continuation(model, 200, args.seed)  # warm-up
        for N in sizes:
            R = repeats(N, "continuation")
            t, diagram = _harness.best_time(lambda n=N: run_continuation(model, n, args.seed), R)
            folds = diagram.folds()
            cont_rows.append({
                "J": 2.0, "N": N, "repeats": R, "time_s": t,
                "time_per_unit_us": t / N * 1e6,
                "points": int(sum(len(b.param) for b in diagram.branches)),
                "branches": len(diagram.branches),
                "folds": [float(p.param) for p in folds],
                "fold_status": [p.status for p in folds]})
            print(f"  continuation J = 2, N = {N:>7,d}: {t:7.3f} s (best of {R}), "
                  f"{cont_rows[-1]['points']} points, {len(folds)} folds", flush=True)

    # ------------------------------------------------------------------ tables
    print("\ncp.equilibria: time and time per unit")
    header = (f"{'J':>4} | {'N':>8} | {'time':>9} | {'per unit':>9} | "
              f"{'equilibria: X (stable?)':<45}")
    print(header)
    print("-" * len(header))
    for r in eq_rows:
        eqs = ", ".join(f"{e['X']:+.4f} ({'s' if e['stable'] else 'u'})"
                        for e in r["equilibria"])
        print(f"{r['J']:>4} | {r['N']:>8,d} | {r['time_s']:8.3f}s | "
              f"{r['time_per_unit_us']:7.1f}us | {eqs:<45}")
    slopes = {}
    for J in COUPLINGS:
        rows = [r for r in eq_rows if r["J"] == J]
        ns, ts = [r["N"] for r in rows], [r["time_s"] for r in rows]
        slopes[f"equilibria J={J}"] = (loglog_slope(ns, ts), loglog_slope(ns[-2:], ts[-2:]))
    if cont_rows:
        print("\ncp.continuation in h over (-1, 1), J = 2")
        header = (f"{'N':>8} | {'time':>9} | {'per unit':>9} | {'points':>6} | "
                  f"{'folds h':<28}")
        print(header)
        print("-" * len(header))
        for r in cont_rows:
            folds = ", ".join(f"{h:+.6f}" for h in r["folds"])
            print(f"{r['N']:>8,d} | {r['time_s']:8.3f}s | {r['time_per_unit_us']:7.1f}us | "
                  f"{r['points']:>6} | {folds:<28}")
        ns, ts = [r["N"] for r in cont_rows], [r["time_s"] for r in cont_rows]
        slopes["continuation J=2"] = (loglog_slope(ns, ts), loglog_slope(ns[-2:], ts[-2:]))

    print("\nlog-log slope of time against N (1 = linear)")
    print(f"{'what':<22} | {'all sizes':>9} | {'two largest':>11}")
    print("-" * 48)
    for what, (overall, last) in slopes.items():
        print(f"{what:<22} | {overall:9.2f} | {last:11.2f}")

    if dense_rows:
        print(f"\nDense fsolve + eigvals vs cp.equilibria at N = {N0:,d}")
        header = (f"{'J':>4} | {'dense':>9} | {'(fsolve':>8} | {'eigvals)':>8} | "
                  f"{'coupling':>9} | {'ratio':>7} | {'same equilibria':>15}")
        print(header)
        print("-" * len(header))
        for r in dense_rows:
            print(f"{r['J']:>4} | {r['time_s']:8.3f}s | {r['fsolve_s']:7.3f}s | "
                  f"{r['eigvals_s']:7.3f}s | {r['coupling_s']:8.3f}s | "
                  f"{r['ratio']:6.1f}x | {'yes' if r['same_equilibria'] else 'NO':>15}")
        print("ratio = time(dense) / time(coupling); > 1 means coupling is faster; fsolve and "
              "eigvals are the two parts of the fastest dense run")
    print(f"\ntotal wall time of the benchmark: {time.perf_counter() - t_start:.0f} s")

    if args.json:
        payload = {
            "benchmark": "equilibria and continuation of N coupled ODE units",
            "sigma": SIGMA, "eps": EPS, "h": H, "bounds": BOUNDS, "seed": args.seed,
            "dense_starts": DENSE_STARTS,
            "coupling_revision": _harness.coupling_revision(),
            "equilibria": eq_rows, "dense": dense_rows, "continuation": cont_rows,
            "loglog_slopes": {k: {"all": a, "two_largest": b} for k, (a, b) in slopes.items()},
        }
        _harness.write_json(args.json, payload)
    return eq_rows


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
