"""Benchmark: one-parameter continuation through two folds, coupling vs AUTO-07p.

The problem is the Curie-Weiss mean-field equation (the homogeneous Brock-Durlauf social
choice, ``models/social_choice.py`` with sigma = 0)

    dm/dt = -m + tanh(beta (J m + h)),   beta = 1, J = 2,

continued in the field h from -1 to 1. Because beta J > 1 the branch of equilibria is an S
and passes two folds (saddle-nodes), known in closed form:

    m_f = -/+ sqrt(1 - 1/(beta J)),   h_f = atanh(m_f)/beta - J m_f = +/- 0.53283997535355...

(m_f < 0 at h_f > 0 and m_f > 0 at h_f < 0).

Tools and variants, all timed in the same process:

* ``AUTO``      - AUTO-07p as embedded in XPPAUT 8, driven from Python by the PyPI package
                  ``xpplab`` (a prebuilt engine, no compiler). The ODE file is the equation
                  above; ``model.auto.equilibria("h", ...)`` polishes the start at h = -1 by
                  Newton, runs AUTO in the direction of increasing h with PARMIN = -1,
                  PARMAX = 1, DS = 0.01, DSMIN = 1e-5, DSMAX = 0.05 (the step sizes of
                  cp.continuation's defaults) and reads the points back into Python. Two
                  tolerance settings: AUTO's defaults (EPSL = EPSU = EPSS = 1e-4) and tight
                  ones (EPSL = EPSU = EPSS = 1e-10).
* ``coupling``  - ``cp.continuation(model, "h", (-1, 1), seed=1)``: finds the equilibria at
                  both ends with ``cp.equilibria``, traces the branch in both directions,
                  computes the leading eigenvalues at every point and locates the folds by
                  Newton on the minimally augmented system. Three declarations of the same
                  equation:
                  - ``social-choice`` - the catalogue model, ``cp.load("social-choice",
                    J=2, beta=1, sigma=0)``: a mean-field logit choice whose trait
                    a ~ Normal(0, sigma) keeps its 32 Gauss-Hermite nodes at sigma = 0, so the
                    state has 32 x 2 choice probabilities (eps = 0.1);
                  - ``homogeneous choice`` - the same choice declared with ``cp.Model`` without
                    the trait: one node, two probabilities (eps = 1);
                  - ``one ODE unit`` - ``cp.ODE`` with rhs -x + tanh(beta (J m + h)), m = x,
                    ``population=1``: one state (eps = 1).
                  The mean choice m = p(+1) - p(-1) obeys eps dm/dt = -m + tanh(beta(J m + h))
                  in the two choice declarations, so all three have the same folds.
* ``python``    - a lean hand-written pseudo-arclength loop for this scalar equation (a
                  reference for what plain Python achieves, not a general tool): F, F_m, F_h
                  and the second derivatives in one sympy-lambdified call on floats, 2 x 2
                  ``np.linalg.solve`` for corrector and tangent, the same step rule and step
                  bounds, folds by Newton on {F = 0, F_m = 0}; no stability beyond the sign
                  of F_m (the 1 x 1 spectrum) and no search for other branches.

What is measured:

* the fold parameters against the closed form (absolute error, each fold);
* the wall time of the whole call (best of R repeats, ``time.perf_counter``), after one
  warm-up call that compiles coupling's expressions and loads AUTO's engine; for AUTO also
  the part spent reading the computed points back into Python (``model.auto.diagram``);
* the number of points computed on the branch (coupling: the branch vertices including the
  located special points; AUTO: every point it stored, including the start and end points).

Usage::

    python benchmarks/bench_continuation_auto.py                 # full run, ~15 s
    python benchmarks/bench_continuation_auto.py --json out.json # also write JSON
    python benchmarks/bench_continuation_auto.py --profile       # + where coupling's time goes
    python benchmarks/bench_continuation_auto.py --quick         # 2 repeats

AUTO needs ``pip install xpplab``; without it only coupling is measured.
"""

import _harness  # first: pins the BLAS/OpenMP threads before numpy

import os  # noqa: E402

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

import coupling as cp  # noqa: E402

BETA, J = 1.0, 2.0
INTERVAL = (-1.0, 1.0)

AUTO_STEPS = {"ds": 0.01, "dsmin": 1e-5, "dsmax": 0.05, "nmax": 2000, "npr": 100000,
              "parmin": INTERVAL[0], "parmax": INTERVAL[1]}
AUTO_TOLERANCES = {
    "default tol.": {"epsl": 1e-4, "epsu": 1e-4, "epss": 1e-4},
    "tight tol.": {"epsl": 1e-10, "epsu": 1e-10, "epss": 1e-10},
}

ODE_FILE = """# Curie-Weiss mean-field equation (bench_continuation_auto.py)
m' = -m + tanh(beta*(J*m + h))
par beta=1, J=2, h=-1
init m=-1
done
"""


def exact_folds(beta=BETA, J=J):
    """The two folds (h_f, m_f) in closed form, sorted by h_f."""
    folds = []
    for sign in (-1.0, 1.0):
        m = sign * math.sqrt(1.0 - 1.0 / (beta * J))
        folds.append((math.atanh(m) / beta - J * m, m))
    return sorted(folds)


def fold_errors(found):
    """|h - h_f| for the fold at h_f < 0 and at h_f > 0 (nan if a fold was not found)."""
    errors = []
    for h_f, _ in exact_folds():
        near = [h for h in found if h * h_f > 0]
        errors.append(min(abs(h - h_f) for h in near) if near else math.nan)
    return errors






# --------------------------------------------------------------------------- coupling
def coupling_models():
    """(name, model, keyword arguments of cp.continuation) for the three declarations."""
    catalogue = cp.load("social-choice", J=J, beta=BETA, sigma=0.0)
    homogeneous = cp.Model(
        name="curie-weiss-choice",
        description="Homogeneous binary logit choice (social-choice without the trait)",
        parameters={"beta": BETA, "J": J, "h": INTERVAL[0]},
        policy=("h",),
        micro=cp.Choice("s", options=(-1, 1),
                        probabilities=cp.logit(["-field", "field"], intensity="beta"),
                        initial=(0.5, 0.5)),
        aggregates={"m": "s"},
        context={"field": "J*m + h"},
        timescale=1.0,
        population="mean-field",
    )
    one_unit = cp.Model(
        name="curie-weiss-ode",
        micro=cp.ODE(rhs={"x": "-x + tanh(beta*(J*m_seen + h))"}, initial={"x": -1.0}),
        aggregates={"m": "x"},
        context={"m_seen": "m"},
        parameters={"beta": BETA, "J": J, "h": INTERVAL[0]},
        population=1,
    )
    return [
        ("social-choice", catalogue, {}),
        ("homogeneous choice", homogeneous, {}),
        ("one ODE unit", one_unit, {"bounds": {"m": (-1.0, 1.0)}}),
    ]


def state_size(model, kwargs):
    """Dimension of the coupled state u (a private helper, only used to report it)."""
    try:
        from coupling.analysis.bifurcation._problem import EquilibriumProblem

        system = EquilibriumProblem(model, kwargs.get("population"), 1).system
        return system.size * system.k + len(system.macro_names)
    except Exception:  # noqa: BLE001 - the layout is an implementation detail
        return "?"


def run_coupling(model, kwargs):
    return cp.continuation(model, "h", INTERVAL, seed=1, **kwargs)


def start_equilibrium(model, kwargs):
    """The stable equilibrium at h = lo, where AUTO starts (found once, not timed)."""
    low = model.with_parameters(h=INTERVAL[0])
    found = cp.equilibria(low, seed=1, bounds=kwargs.get("bounds"))
    return low, min(found, key=lambda e: e["m"])


def run_coupling_from(low, start):
    return cp.continuation(low, "h", INTERVAL, start=start, seed=1)


def measure_coupling(name, model, kwargs, repeats):
    run_coupling(model, kwargs)  # warm-up: compiles the expressions and their Jacobians
    t, diagram = _harness.best_time(lambda: run_coupling(model, kwargs), repeats)
    folds = diagram.folds()
    # the start search of cp.continuation on its own: cp.equilibria at both ends
    t_ends = sum(_harness.best_time(
        lambda end=end: cp.equilibria(model.with_parameters(h=end), seed=1,
                                      bounds=kwargs.get("bounds")), repeats)[0]
        for end in INTERVAL)
    low, start = start_equilibrium(model, kwargs)
    run_coupling_from(low, start)
    t_start, from_start = _harness.best_time(lambda: run_coupling_from(low, start), repeats)
    return {
        "tool": "coupling", "variant": name, "states": state_size(model, kwargs),
        "repeats": repeats, "time_s": t, "equilibria_at_ends_s": t_ends,
        "from_start_s": t_start,
        "from_start_fold_errors": fold_errors([p.param for p in from_start.folds()]),
        "points": int(sum(len(b.param) for b in diagram.branches)),
        "branches": len(diagram.branches),
        "folds": [float(p.param) for p in folds],
        "fold_status": [p.status for p in folds],
        "fold_errors": fold_errors([p.param for p in folds]),
    }


# --------------------------------------------------------------------------- AUTO
def auto_model():
    """The xpplab model of the ODE file, or None if xpplab is not installed."""
    try:
        import xpplab
    except ImportError:
        return None
    return xpplab.Model.from_text(ODE_FILE, "curie_weiss.ode")


def run_auto(model, tolerances):
    """One AUTO branch from the steady state at h = -1 (a fresh diagram every time)."""
    model.auto.reset()
    model.set(h=INTERVAL[0], m=-1.0)  # equilibria() polishes the start by Newton
    return model.auto.equilibria("h", **AUTO_STEPS, **tolerances)


def measure_auto(model, name, tolerances, repeats):
    run_auto(model, tolerances)  # warm-up
    t, diagram = _harness.best_time(lambda: run_auto(model, tolerances), repeats)
    t_read, _ = _harness.best_time(lambda: model.auto.diagram, repeats)
    folds = [p.value for p in diagram.special("LP")]
    return {
        "tool": "AUTO", "variant": name, "states": 1, "repeats": repeats, "time_s": t,
        "read_points_s": t_read, "points": len(diagram),
        "end": [diagram[0].value, diagram[-1].value],
        "folds": folds, "fold_errors": fold_errors(folds),
        "settings": {**AUTO_STEPS, **tolerances},
    }


# --------------------------------------------------------------------------- lean loop
def lean_derivatives():
    """F, F_m, F_h, F_mm, F_mh of F = -m + tanh(beta (J m + h)) as one function of floats."""
    import sympy as sp

    m, h = sp.symbols("m h")
    F = -m + sp.tanh(BETA * (J * m + h))
    return sp.lambdify((m, h), [F, sp.diff(F, m), sp.diff(F, h), sp.diff(F, m, 2),
                                sp.diff(F, m, h)], "math")


def run_lean_loop(derivatives, ds=0.01, ds_max=0.05):
    """Pseudo-arclength continuation of the scalar equation from the equilibrium at h = lo.

    Returns (fold parameters, number of branch points)."""
    lo, hi = INTERVAL
    m, h = -1.0, lo
    for _ in range(50):  # the start: Newton at h = lo
        F, Fm, Fh, _, _ = derivatives(m, h)
        m -= F / Fm
        if abs(F) < 1e-14:
            break
    tau = np.array([-Fh / Fm, 1.0])
    tau /= np.linalg.norm(tau)
    w, points, folds = np.array([m, h]), 1, []
    while True:
        predicted = w + ds * tau
        if not lo <= predicted[1] <= hi:
            break
        v = predicted.copy()
        for iteration in range(1, 11):  # corrector: {F = 0, <tau, v - predicted> = 0}
            F, Fm, Fh, _, _ = derivatives(v[0], v[1])
            delta = np.linalg.solve([[Fm, Fh], [tau[0], tau[1]]],
                                    [-F, -(tau @ (v - predicted))])
            v += delta
            if np.max(np.abs(delta)) < 1e-12:
                break
        else:
            ds /= 2
            continue
        F, Fm, Fh, _, _ = derivatives(v[0], v[1])
        new_tau = np.linalg.solve([[Fm, Fh], [tau[0], tau[1]]], [0.0, 1.0])
        new_tau /= np.linalg.norm(new_tau)
        if new_tau[1] * tau[1] < 0:  # the h-component of the tangent flips: a fold
            q = (w + v) / 2
            for _ in range(20):  # Newton on {F = 0, F_m = 0}
                F, Fm, Fh, Fmm, Fmh = derivatives(q[0], q[1])
                step = np.linalg.solve([[Fm, Fh], [Fmm, Fmh]], [-F, -Fm])
                q += step
                if np.max(np.abs(step)) < 1e-14:
                    break
            folds.append(float(q[1]))
        w, tau, points = v, new_tau, points + 1
        ds = min(ds_max, ds * 1.5) if iteration <= 3 else ds
    return folds, points


def measure_lean_loop(repeats):
    derivatives = lean_derivatives()  # compiled once, like coupling's warm-up
    run_lean_loop(derivatives)
    t, (folds, points) = _harness.best_time(lambda: run_lean_loop(derivatives), repeats)
    return {"tool": "python", "variant": "lean loop", "states": 1, "repeats": repeats,
            "time_s": t, "points": points, "folds": folds, "fold_errors": fold_errors(folds)}


# --------------------------------------------------------------------------- profile
BREAKDOWN = [  # (label, file suffix, function name); the entries nest, so shares overlap
    ("cp.continuation, whole call", "_continuation.py", "continuation"),
    ("  cp.equilibria at both ends", "_equilibria.py", "equilibria"),
    ("  trace the branch (Walker.trace)", "_engine.py", "trace"),
    ("    corrector (Walker.correct)", "_engine.py", "correct"),
    ("    tangents (Walker.tangent)", "_engine.py", "tangent"),
    ("    stability at each point (record)", "_continuation.py", "record"),
    ("    special points (detect)", "_continuation.py", "detect"),
    ("    assembly (BranchTracer._store)", "_continuation.py", "_store"),
    ("linearisation (EquilibriumBranch.linearise)", "_continuation.py", "linearise"),
    ("F_p (parameter_derivative)", "_problem.py", "parameter_derivative"),
    ("System.set_parameters", "_system.py", "set_parameters"),
    ("  quadrature nodes (Distribution.nodes)", "_distributions.py", "nodes"),
    ("System.rhs (residual F)", "_system.py", "rhs"),
    ("System.jacobian (structured J)", "_system.py", "jacobian"),
    ("StructuredJacobian.bordered + factor", "_linalg.py", "bordered"),
    ("EquilibriumProblem.spectrum", "_problem.py", "spectrum"),
    ("  StructuredJacobian.toarray", "_linalg.py", "toarray"),
    ("scipy.linalg.block_diag", "_special_matrices.py", "block_diag"),
]


def profile_coupling(name, model, kwargs, top):
    """cProfile of one cp.continuation call: a breakdown by stage, then the top functions."""
    run_coupling(model, kwargs)
    profiler = cProfile.Profile()
    profiler.enable()
    run_coupling(model, kwargs)
    profiler.disable()
    stats = pstats.Stats(profiler)
    table = {}
    for (filename, _, function), (_, calls, _, cumulative, _) in stats.stats.items():
        for label, suffix, wanted in BREAKDOWN:
            if function == wanted and filename.endswith(suffix):
                old = table.get(label, (0, 0.0))
                table[label] = (old[0] + calls, max(old[1], cumulative))
    total = table.get(BREAKDOWN[0][0], (0, stats.total_tt))[1]
    print(f"\ncProfile of cp.continuation ({name}); times include the profiler's overhead")
    print(f"{'stage (cumulative, nested)':<42} | {'calls':>6} | {'time':>8} | {'share':>6}")
    print("-" * 72)
    for label, _, _ in BREAKDOWN:
        if label in table:
            calls, cumulative = table[label]
            print(f"{label:<42} | {calls:>6} | {cumulative * 1e3:6.0f}ms | "
                  f"{cumulative / total:6.1%}")
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print(f"\nfunctions by own time (top {top}):")
    print("\n".join(lines[start:]))
    return {label: {"calls": c, "cumulative_s": t} for label, (c, t) in table.items()}


# --------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per measurement (default: 20 for AUTO, 5 for coupling)")
    parser.add_argument("--quick", action="store_true", help="2 repeats (a smoke test)")
    parser.add_argument("--no-auto", action="store_true", help="skip AUTO")
    parser.add_argument("--no-lean", action="store_true",
                        help="skip the hand-written Python reference loop")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile cp.continuation and print where the time goes")
    parser.add_argument("--profile-variant", default="social-choice",
                        choices=["social-choice", "homogeneous choice", "one ODE unit"])
    parser.add_argument("--profile-top", type=int, default=20)
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE as JSON")
    args = parser.parse_args(argv)
    r_auto = args.repeats or (2 if args.quick else 20)
    r_cp = args.repeats or (2 if args.quick else 5)

    (h_lo, m_lo), (h_hi, m_hi) = exact_folds()
    print(f"Continuation of dm/dt = -m + tanh(beta (J m + h)), beta = {BETA}, J = {J}, "
          f"h from {INTERVAL[0]} to {INTERVAL[1]}")
    print(f"closed-form folds: h_f = {h_lo:.16f} (m_f = {m_lo:+.10f}), "
          f"h_f = {h_hi:+.16f} (m_f = {m_hi:+.10f})")
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"coupling {getattr(cp, '__version__', '?')} (git {_harness.coupling_revision()}), "
          f"{os.cpu_count()} CPUs, "
          f"BLAS/OpenMP threads pinned to 1")

    results = []
    model = None if args.no_auto else auto_model()
    if model is None and not args.no_auto:
        print("\nxpplab is not installed (pip install xpplab): AUTO is skipped")
    if model is not None:
        import xpplab

        print(f"AUTO: XPPAUT's AUTO-07p via xpplab {xpplab.__version__}; best of {r_auto}")
        for name, tolerances in AUTO_TOLERANCES.items():
            results.append(measure_auto(model, name, tolerances, r_auto))
    print(f"coupling: cp.continuation, best of {r_cp}; lean Python loop: best of {r_auto}\n")
    models = coupling_models()
    for name, cmodel, kwargs in models:
        results.append(measure_coupling(name, cmodel, kwargs, r_cp))
        print(f"  {name}: {results[-1]['time_s'] * 1e3:.1f} ms", flush=True)

    if not args.no_lean:
        results.append(measure_lean_loop(r_auto))
        print(f"  lean Python loop: {results[-1]['time_s'] * 1e3:.1f} ms", flush=True)

    auto_rows = [r for r in results if r["tool"] == "AUTO"]
    reference = auto_rows[-1]["time_s"] if auto_rows else None
    print("\nFolds and timings (fold error = |h - h_f| against the closed form)")
    header = (f"{'tool':<8} | {'variant':<18} | {'states':>6} | {'time':>9} | {'points':>6} | "
              f"{'err h_f<0':>9} | {'err h_f>0':>9} | {'vs AUTO':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        ratio = f"{r['time_s'] / reference:7.1f}x" if reference else "-"
        e_lo, e_hi = r["fold_errors"]
        print(f"{r['tool']:<8} | {r['variant']:<18} | {r['states']:>6} | "
              f"{r['time_s'] * 1e3:7.2f}ms | {r['points']:>6} | {e_lo:9.1e} | {e_hi:9.1e} | "
              f"{ratio:>8}")
    if reference:
        print("vs AUTO = time / time(AUTO, tight tol.); > 1 means slower than AUTO")
    for r in auto_rows:
        print(f"AUTO {r['variant']}: {r['read_points_s'] * 1e3:.2f} ms of the call read the "
              f"{r['points']} points back into Python; the branch ends at h = "
              f"{r['end'][1]:.4f}")
    for r in results:
        if r["tool"] == "coupling":
            print(f"coupling {r['variant']}: cp.equilibria at both ends alone takes "
                  f"{r['equilibria_at_ends_s'] * 1e3:.1f} ms; folds {r['fold_status']}; "
                  f"one branch from the start at h = {INTERVAL[0]} (start=, as AUTO): "
                  f"{r['from_start_s'] * 1e3:.1f} ms"
                  + (f" = {r['from_start_s'] / reference:.1f}x AUTO" if reference else "")
                  + f", fold errors {r['from_start_fold_errors'][0]:.1e}, "
                    f"{r['from_start_fold_errors'][1]:.1e}")

    cp_rows = [r for r in results if r["tool"] == "coupling"]
    accurate = all(max(r["fold_errors"]) <= 1e-10 for r in cp_rows)
    print(f"\ntarget: coupling folds <= 1e-10: {'met' if accurate else 'NOT met'}")
    if reference:
        fastest = min(min(r["time_s"], r["from_start_s"]) for r in cp_rows)
        print(f"target: coupling time <= AUTO time: "
              f"{'met' if fastest <= reference else 'NOT met'} (fastest coupling variant "
              f"{fastest * 1e3:.1f} ms vs AUTO {reference * 1e3:.2f} ms)")

    profile = None
    if args.profile:
        name, cmodel, kwargs = next(m for m in models if m[0] == args.profile_variant)
        profile = profile_coupling(name, cmodel, kwargs, args.profile_top)

    if args.json:
        payload = {
            "benchmark": "continuation through two folds, coupling vs AUTO",
            "beta": BETA, "J": J, "interval": INTERVAL,
            "exact_folds": [{"h": h, "m": m} for h, m in exact_folds()],
            "coupling_revision": _harness.coupling_revision(),
            "results": results, "profile": profile,
        }
        _harness.write_json(args.json, payload)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
