"""Benchmark: early-warning indicators of 20 replicate runs, coupling vs ewstools.

The data are 20 replicate runs of a finite stochastic population swept through a fold: the
Brock-Durlauf social choice (``models/social_choice.py``: beta = 1, J = 1.5, sigma = 0.3,
eps = 0.1; the mean-field upper fold of the lower branch is at h = 0.160), N = 1000 units in
continuous time (step dt = 0.02), swept by ``cp.hysteresis(model, "h", (-0.4, 0.4),
rate=0.02, population=1000, replicates=20, seed=2024, dt=0.02)``. Each replicate leaves the
lower branch close to the fold (noise-induced, so each at its own time). The record analysed
for replicate i is its up-leg from the start of the leg (h = -0.4) to 5 % of its points before
its own up-jump (the rule of ``cp.early_warning(loop)``): about 730 points, sampled every
0.04 time units. Building the loop (simulation and continuation) is not timed.

Both tools analyse exactly these records with the same settings:

* detrending: Gaussian kernel smoothing with standard deviation sigma = 0.1 x the record's
  duration (coupling's default). ewstools' ``detrend(method="Gaussian", bandwidth=b)`` takes
  b in data points (b > 1; or a fraction of the length) and uses the standard deviation
  (0.25/0.675) b, so it gets b = 2.7 sigma / dt. Only the edges differ: ewstools smooths
  with ``scipy.ndimage.gaussian_filter(mode="reflect")``, coupling renormalises the kernel at
  the ends (Nadaraya-Watson);
* rolling window: coupling's ``window=0.5`` gives w = round(0.5 n) points; ewstools gets that
  w as its ``rolling_window`` in points (a fraction would give int(0.5 n), one point less for
  odd n). Both label a window by its last time (pandas ``rolling``);
* indicators: variance (ewstools: pandas ``rolling().var()``, ddof = 1; coupling: ddof = 0,
  the same τ), lag-1 autocorrelation (ewstools: ``pd.Series.autocorr`` in every window, the
  Pearson correlation of the pairs (r_j, r_j+1), each with its own mean and sd; coupling:
  the common-mean estimator sum (r_j - m)(r_j+1 - m) / sum (r_j - m)^2) and skewness (pandas'
  bias-corrected G1, a constant multiple of coupling's g1 for a fixed window: the same τ);
* trend: Kendall's tau of each indicator against time (ewstools ``compute_ktau``:
  pandas ``corrwith(method="kendall")``; coupling: its vectorised merge count).

What is measured:

* Kendall's tau of variance, autocorrelation and skewness in each replicate from both tools:
  their mean over replicates and the largest |difference|; a second ewstools pass on
  coupling's residuals (ewstools' detrending skipped) isolates the estimators from the
  detrending;
* wall time (best of R repeats, ``time.perf_counter``; BLAS threads pinned to 1) of the
  whole analysis of the 20 records: ewstools (a TimeSeries per record: detrend, three rolling
  indicators, compute_ktau) against ``cp.early_warning(loop, surrogates=0, diagram=None)``,
  the same work; also coupling with its scoring against the continuation (``diagram`` of the
  loop), with 200 phase surrogates per replicate (4000 surrogate series), and the 20 records
  analysed one by one (a Python loop of single-record calls) to show what vectorising over
  replicates buys;
* what only coupling can report, as it knows the truth: the rank correlation of each
  indicator with the distance to the fold and the lag-1 autocorrelation against the linear
  (Ornstein-Uhlenbeck) prediction exp(lambda(h) dt) from the continuation's eigenvalues.

Usage::

    pip install ewstools                                  # optional: the comparison
    python benchmarks/bench_early_warning.py              # full run, ~30 s + ewstools import
    python benchmarks/bench_early_warning.py --quick      # 5 replicates of N = 500, 1 repeat
    python benchmarks/bench_early_warning.py --json out.json

Without ewstools installed the script runs coupling alone and says so.
"""

# isort: off
import _harness  # first: pins the BLAS/OpenMP threads before numpy
# isort: on

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np

import coupling as cp

INTERVAL = (-0.4, 0.4)
RATE, DT, SEED = 0.02, 0.02, 2024
INDICATORS = ("variance", "autocorrelation", "skewness")
EWS_NAMES = {"variance": "variance", "autocorrelation": "ac1", "skewness": "skew"}
QUARTILE = 0.25 / 0.675  # ewstools: kernel sd = QUARTILE x bandwidth (points)


def build_loop(population, replicates):
    """The sweep (simulation and continuation; not timed)."""
    model = cp.load("social-choice")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cp.hysteresis(model, "h", INTERVAL, rate=RATE, population=population,
                             replicates=replicates, seed=SEED, dt=DT)


def records(result):
    """(t, x) of each analysed record, and the kernel sd in points, from coupling's result."""
    out = []
    for i in range(len(result)):
        keep = np.isfinite(result.trend[i])
        t, x = result.t[keep], result.x[i, keep]
        out.append((t, x, result.bandwidth[i] / (t[1] - t[0]), int(result.window[i])))
    return out


# --------------------------------------------------------------------------- ewstools
def package_version(name):
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def ewstools_module():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import ewstools
    except ImportError:
        return None
    return ewstools


def run_ewstools(ewstools, recs, residuals=None):
    """Kendall tau (R, 3) of every record with ewstools; with ``residuals`` the records are
    replaced by them and ewstools' detrending is skipped."""
    import pandas as pd

    taus = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, (t, x, sigma, w) in enumerate(recs):
            values = x if residuals is None else residuals[i]
            ts = ewstools.TimeSeries(pd.Series(values, index=pd.Index(t, name="time")))
            if residuals is None:
                ts.detrend(method="Gaussian", bandwidth=sigma / QUARTILE)
            ts.compute_var(rolling_window=w)
            ts.compute_auto(rolling_window=w, lag=1)
            ts.compute_skew(rolling_window=w)
            ts.compute_ktau()
            taus.append([ts.ktau[EWS_NAMES[k]] for k in INDICATORS])
    return np.array(taus)


# --------------------------------------------------------------------------- coupling
def coupling_taus(result):
    return np.column_stack([result.tau[k] for k in INDICATORS])


def one_by_one(loop, result):
    """The 20 records analysed by a Python loop of single-record calls."""
    up = loop.phase == "up"
    return [cp.early_warning((loop.t[up], loop.values["m"][i, up]), start=result.start[i],
                             end=result.end[i], surrogates=0) for i in range(len(result))]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=20)
    parser.add_argument("--population", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per measurement (default 20 for coupling, 3 for "
                             "ewstools)")
    parser.add_argument("--surrogates", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="5 replicates of N = 500, one ewstools repeat (a smoke test)")
    parser.add_argument("--no-ewstools", action="store_true", help="skip ewstools")
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.replicates, args.population = 5, 500
    r_cp = args.repeats or (5 if args.quick else 20)
    r_ews = args.repeats or (1 if args.quick else 3)

    print(f"Early-warning indicators of {args.replicates} replicate sweeps: social choice, "
          f"N = {args.population}, h from {INTERVAL[0]} to {INTERVAL[1]} at rate {RATE}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, coupling "
          f"{getattr(cp, '__version__', '?')} (git {_harness.coupling_revision()}), "
          f"{os.cpu_count()} CPUs, BLAS/OpenMP threads pinned to 1")
    start = time.perf_counter()
    loop = build_loop(args.population, args.replicates)
    print(f"loop built in {time.perf_counter() - start:.1f} s (not timed): folds at "
          f"h = {', '.join(f'{f:+.4f}' for f in loop.folds())}")

    # ------------------------------------------------------------------ coupling
    def plain():
        return cp.early_warning(loop, surrogates=0, diagram=None)

    plain()  # warm-up
    t_plain, result = _harness.best_time(plain, r_cp)
    if len(result) < args.replicates:
        print(f"  ({args.replicates - len(result)} replicates did not jump: left out)")
    t_truth, scored = _harness.best_time(lambda: cp.early_warning(loop, surrogates=0), r_cp)
    t_surr, tested = _harness.best_time(
        lambda: cp.early_warning(loop, surrogates=args.surrogates, seed=1, diagram=None),
        max(1, r_cp // 4))
    t_loop, singles = _harness.best_time(lambda: one_by_one(loop, result), max(1, r_cp // 4))
    ours = coupling_taus(result)
    same = max(abs(s.tau[k] - ours[i, j]) for i, s in enumerate(singles)
               for j, k in enumerate(INDICATORS))
    n_points = [int(np.isfinite(row).sum()) for row in result.trend]
    print(f"records: {len(result)} replicates, {min(n_points)}-{max(n_points)} points, "
          f"windows of {result.window.min()}-{result.window.max()} points, Gaussian sd "
          f"{result.bandwidth.min():.3g}-{result.bandwidth.max():.3g} time units")

    # ------------------------------------------------------------------ ewstools
    ewstools = None if args.no_ewstools else ewstools_module()
    ews = {}
    if ewstools is None and not args.no_ewstools:
        print("\newstools is not installed (pip install ewstools): the comparison is skipped")
    if ewstools is not None:
        recs = records(result)
        run_ewstools(ewstools, recs[:1])  # warm-up (pandas, numba-free paths)
        t_ews, ews_tau = _harness.best_time(lambda: run_ewstools(ewstools, recs), r_ews)
        resid = [result.residuals[i, np.isfinite(result.residuals[i])]
                 for i in range(len(result))]
        same_resid = run_ewstools(ewstools, recs, residuals=resid)
        ews = {"version": package_version("ewstools"), "time_s": t_ews,
               "repeats": r_ews, "tau": ews_tau.tolist(),
               "tau_on_coupling_residuals": same_resid.tolist()}

    # ------------------------------------------------------------------ report
    print("\nKendall tau per replicate (mean over replicates; largest |difference| to "
          "coupling)")
    header = f"{'indicator':<16} | {'coupling':>9} | {'ewstools':>9} | {'max |diff|':>10} | " \
             f"{'ewstools on coupling residuals':>30}"
    print(header)
    print("-" * len(header))
    for j, k in enumerate(INDICATORS):
        line = f"{k:<16} | {np.mean(ours[:, j]):+9.3f} | "
        if ews:
            e, r = np.array(ews["tau"])[:, j], np.array(ews["tau_on_coupling_residuals"])[:, j]
            line += (f"{np.mean(e):+9.3f} | {np.max(np.abs(e - ours[:, j])):10.3f} | "
                     f"{np.mean(r):+9.3f} (max |diff| {np.max(np.abs(r - ours[:, j])):.1e})")
        else:
            line += f"{'-':>9} | {'-':>10} |"
        print(line)

    print(f"\nWall time for {len(result)} records (best of the repeats)")
    rows = [("coupling, surrogates=0, no truth (= ewstools' work)", t_plain, r_cp, True),
            ("coupling, + truth scoring against the continuation", t_truth, r_cp, True),
            (f"coupling, + {args.surrogates} phase surrogates per replicate", t_surr,
             max(1, r_cp // 4), False),
            ("coupling, records one by one (Python loop)", t_loop, max(1, r_cp // 4), True)]
    if ews:
        rows.append((f"ewstools {ews['version']}", ews["time_s"], r_ews, False))
    for label, seconds, repeats, compare in rows:
        ratio = f"{ews['time_s'] / seconds:7.0f}x" if ews and compare else ""
        print(f"  {label:<58} {seconds * 1e3:9.1f} ms  (best of {repeats:>2}) {ratio}")
    if ews:
        print("  (last column: ewstools' time / this time)")
        speedup = ews["time_s"] / t_plain
        print(f"\ntarget: coupling >= 10x faster than ewstools on the same work: "
              f"{'met' if speedup >= 10 else 'NOT met'} ({speedup:.0f}x)")
    print(f"vectorised == one by one: largest |tau difference| {same:.1e}")

    truth = scored.truth["mean"]
    print(f"\nScored against the truth (fold at h = {scored.truth['fold'][0]:.4f}; mean over "
          "replicates): Spearman rho with the distance to the fold")
    for k in INDICATORS:
        print(f"  {k:<16} {truth['spearman_distance'][k]:+.3f}   (with the recovery rate: "
              f"{truth['spearman_recovery'][k]:+.3f})")
    print(f"  lag-1 autocorrelation vs the OU prediction exp(lambda dt): mean |deviation| "
          f"{truth['ar1_deviation']:.3f}, bias {truth['ar1_bias']:+.3f} (one window's sampling "
          f"sd {truth['ar1_stderr']:.3f}, finite-window bias {truth['ar1_expected_bias']:+.3f})")
    print(f"  surrogate test (mean tau over replicates vs {args.surrogates} mean surrogate "
          f"tau): " + ", ".join(f"{k} p = {tested.combined_p[k]:.3g}" for k in INDICATORS))

    if args.json:
        payload = {
            "benchmark": "early-warning indicators of replicate sweeps, coupling vs ewstools",
            "model": "social-choice", "interval": INTERVAL, "rate": RATE, "dt": DT,
            "population": args.population, "replicates": len(result), "seed": SEED,
            "coupling_revision": _harness.coupling_revision(),
            "points": n_points, "window": result.window.tolist(),
            "coupling": {"time_s": t_plain, "with_truth_s": t_truth,
                         "with_surrogates_s": t_surr, "surrogates": args.surrogates,
                         "one_by_one_s": t_loop, "repeats": r_cp, "tau": ours.tolist(),
                         "combined_p": tested.combined_p,
                         "truth": scored.truth["mean"]},
            "ewstools": ews or None,
        }
        _harness.write_json(args.json, payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
