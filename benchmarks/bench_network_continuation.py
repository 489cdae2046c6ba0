"""Benchmark: equilibria and continuation of network models, scaling in N.

Two networks of N units: a nearest-neighbour ring (``cp.ring_lattice(N, 2)``) and a random
4-regular graph (``cp.rewire(cp.ring_lattice(N, 4), 1.0)``). Each unit reads the mean L_i
of its neighbours (a ``cp.Local`` aggregate) and the population mean m,

    dx_i/dt = -x_i + tanh(J L_i + K m + h),   J = 0.5, K = 1.0.

The uniform equilibria solve x = tanh((J + K) x + h) (the homogeneous twin); the Jacobian
at one of them, -I + s (J W + K 1 1ᵀ / N) with s = 1 - x², has the eigenvalues
-1 + (J + K) s (uniform mode) and -1 + J s cos(2πm/N), m = 1 .. N - 1. The uniform mode
alone crosses zero, at the folds (J + K) s = 1, h = ±(artanh x - (J + K) x) with
x = sqrt(1 - 1/(J + K)) (h = ±0.2075 here); the other N - 1 eigenvalues stay in
[-1 - J s, -1 + J s], a cluster with the pairs m, N - m exactly degenerate. The Jacobian
is sparse (2 neighbours per unit) plus rank one. On the ring the spectrum comes from its
Fourier modes (the network is translation invariant); the random graph, whose sparse LU
fills in (an expander), is solved by GMRES and its spectrum found by Arnoldi on J. The same
uniform branch and folds hold on both (the graph is regular).

What is measured, for N = 1e3, 1e4, 1e5 (best of R repeats, R = 3 / 1 / 1, after one
warm-up call at N = 1e3 that compiles the expressions):

* ``cp.equilibria(model)``: the three uniform equilibria, each with its leading eigenvalues
  and the exact unstable count;
* ``cp.continuation(model, "h", (-0.5, 0.5))``: the S-shaped uniform branch through both
  folds, with the leading eigenvalues at every point; the folds are checked against the
  closed form.

Then the log-log slope of time against N (1 = linear). A size that fails (e.g. Arnoldi not
converging) is reported with its error and left out of the fit.

Usage::

    python benchmarks/bench_network_continuation.py                  # N = 1e3, 1e4, 1e5
    python benchmarks/bench_network_continuation.py --sizes 1000     # chosen sizes
    python benchmarks/bench_network_continuation.py --json out.json  # also write JSON
    python benchmarks/bench_network_continuation.py --networks ring   # one network
"""

import argparse
import math

import _harness  # first: pins the BLAS/OpenMP threads before numpy
import numpy as np

import coupling as cp

J, K = 0.5, 1.0
SIZES = (1_000, 10_000, 100_000)
REPEATS = {1_000: 3, 10_000: 1, 100_000: 1}


NETWORKS = ("ring", "random")


def network(kind, n):
    """The ring of nearest neighbours, or a random 4-regular graph (seeded)."""
    if kind == "ring":
        return cp.ring_lattice(n, 2)
    return cp.rewire(cp.ring_lattice(n, 4), 1.0, seed=1)


def build_model(n, kind="ring"):
    """N tanh units on a network, coupled to their neighbours and to the mean."""
    return cp.Model(
        name=f"tanh-{kind}", description="dx_i/dt = -x_i + tanh(J L_i + K m + h)",
        parameters={"J": J, "K": K, "h": 0.0},
        micro=cp.ODE({"x": "-x + tanh(J*seen + K*crowd + h)"}, initial={"x": 0.0}),
        aggregates={"L": cp.Local("x"), "m": cp.Mean("x")},
        context={"seen": "L", "crowd": "m"},
        network=network(kind, n), population=n)


def fold_parameter():
    """|h| at the folds of the uniform branch: (J + K) s = 1, s = 1 - x²."""
    x = math.sqrt(1 - 1 / (J + K))
    return (J + K) * x - math.atanh(x)


def loglog_slope(sizes, times):
    """Least-squares slope of log(time) against log(N)."""
    if len(sizes) < 2:
        return math.nan
    return float(np.polyfit(np.log(sizes), np.log(times), 1)[0])


def measure(n, what, kind):
    """(best time, summary) of one analysis at size n, or (nan, error text)."""
    model = build_model(n, kind)
    if what == "equilibria":
        def call():
            return cp.equilibria(model)
    else:
        def call():
            return cp.continuation(model, "h", (-0.5, 0.5))
    try:
        seconds, result = _harness.best_time(call, REPEATS.get(n, 1))
    except (ArithmeticError, np.linalg.LinAlgError) as error:
        return math.nan, f"failed: {error}"
    if what == "equilibria":
        return seconds, ", ".join(f"m={e['m']:+.4f} unstable={e.n_unstable}" for e in result)
    folds = sorted(p.param for p in result.folds())
    error = max((abs(abs(f) - fold_parameter()) for f in folds), default=math.nan)
    return seconds, f"{len(folds)} folds, |h - h_fold| <= {error:.1e}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--json", help="write the numbers to this file")
    parser.add_argument("--networks", nargs="+", choices=NETWORKS, default=list(NETWORKS))
    args = parser.parse_args()
    print(f"coupling {_harness.coupling_revision()}; J = {J}, K = {K}; "
          f"folds at h = ±{fold_parameter():.6f}")
    cp.equilibria(build_model(1_000))  # warm-up: compiles the expressions
    rows = {f"{kind} {what}": [] for kind in args.networks
            for what in ("equilibria", "continuation")}
    print(f"\n{'analysis':<22}{'N':>9}{'time s':>10}{'us/unit':>10}  result")
    for key, found in rows.items():
        kind, what = key.split()
        for n in args.sizes:
            seconds, summary = measure(n, what, kind)
            found.append({"N": n, "seconds": seconds, "result": summary})
            print(f"{key:<22}{n:>9}{seconds:>10.3f}{1e6 * seconds / n:>10.1f}  {summary}",
                  flush=True)
    print()
    for key, found in rows.items():
        ok = [r for r in found if math.isfinite(r["seconds"])]
        slope = loglog_slope([r["N"] for r in ok], [r["seconds"] for r in ok])
        print(f"{key}: log-log slope of time against N = {slope:.2f} over "
              f"{[r['N'] for r in ok]}")
    if args.json:
        _harness.write_json(args.json, {"benchmark": "network_continuation", "J": J, "K": K,
                                        "revision": _harness.coupling_revision(), **rows})


if __name__ == "__main__":
    main()
