"""Benchmark: a discrete-time stochastic logit-choice population, coupling vs hand-written numpy.

The model is the Brock-Durlauf binary social choice (``models/social_choice.py``) in discrete
time: every period each of N units chooses s_i in {-1, +1} with

    P(s_i = +1) = 1 / (1 + exp(-2 beta (J m + h + a_i))),   m = mean(s),  a_i ~ Normal(0, sigma),

all units revising once per period from the previous period's m (synchronous updates).

Three implementations of exactly this process are timed in the same process:

* ``coupling``     - the model declared with ``cp.Model(time="discrete", timescale=1e-9)`` and
                     run with ``cp.simulate(model, t_end=T, population=N, seed=...)``; with
                     eps = 1e-9 the revision probability 1 - exp(-1/eps) is exactly 1.0;
* ``handwritten``  - the lean numpy loop a competent numpy user would write;
* ``agents``       - one Python object per agent with a ``decide()`` method (Mesa style), at the
                     smallest N only, to put the numbers in perspective.

Each timing is the best (minimum) wall time of a few repeats (``time.perf_counter``),
including trait draws and the initial state for every implementation. Throughput is reported
as agent-updates per second, N * T / time; ``speed ratio`` = time(handwritten) /
time(coupling), so > 1 means coupling is faster.

Usage::

    python benchmarks/bench_stochastic.py                 # full run (~1 minute on 2 cores)
    python benchmarks/bench_stochastic.py --json out.json # also write the results as JSON
    python benchmarks/bench_stochastic.py --quick         # N = 1e4, 1e5 only, fewer repeats
    python benchmarks/bench_stochastic.py --profile       # + cProfile of coupling at largest N
"""

import _harness  # first: pins the BLAS/OpenMP threads before numpy

import os  # noqa: E402

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

import coupling as cp  # noqa: E402

PARAMS = {"beta": 1.0, "J": 1.5, "h": 0.05, "sigma": 0.3}
EPS = 1e-9  # revision probability 1 - exp(-1/EPS) == 1.0 exactly: everyone revises each period


# --------------------------------------------------------------------------- implementations
def build_model(params=PARAMS, share=True):
    """Brock-Durlauf social choice as in models/social_choice.py, but in discrete time.

    ``share=False`` drops the ``adopters`` aggregate (the hand-written loop only computes m).
    """
    aggregates = {"m": "s", "adopters": cp.Share(1)} if share else {"m": "s"}
    return cp.Model(
        name="social-choice-discrete",
        description="Binary logit choice, synchronous discrete-time revisions",
        parameters=dict(params),
        policy=("h",),
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.Choice("s", options=(-1, 1),
                        probabilities=cp.logit(["-(field + a)", "field + a"],
                                               intensity="beta"),
                        initial=(0.5, 0.5)),  # start from m ~ 0
        aggregates=aggregates,
        context={"field": "J*m + h"},
        time="discrete",
        timescale=EPS,
    )


def run_coupling(model, N, T, seed):
    """Mean choice m at periods 0..T."""
    trajectory = cp.simulate(model, t_end=T, population=N, seed=seed)
    if trajectory.status != 0:
        raise RuntimeError(f"coupling run failed: {trajectory.message}")
    return trajectory.aggregates[:, trajectory.aggregate_names.index("m")]


def run_handwritten(N, T, seed, beta, J, h, sigma):
    """The same process as a plain numpy loop; mean choice m at periods 0..T."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0.0, sigma, N)                      # traits, drawn once
    s = np.where(rng.random(N) < 0.5, 1.0, -1.0)       # initial choices, m ~ 0
    ms = np.empty(T + 1)
    for t in range(T):
        m = s.mean()
        ms[t] = m
        p = 1.0 / (1.0 + np.exp(-2.0 * beta * (J * m + h + a)))
        s = np.where(rng.random(N) < p, 1.0, -1.0)
    ms[T] = s.mean()
    return ms


class Agent:
    """One agent as a Python object (the style of Mesa-like agent-based frameworks)."""

    __slots__ = ("a", "s")

    def __init__(self, a, s):
        self.a = a
        self.s = s

    def decide(self, m, beta, J, h, rand):
        p = 1.0 / (1.0 + math.exp(-2.0 * beta * (J * m + h + self.a)))
        self.s = 1.0 if rand() < p else -1.0


def run_agents(N, T, seed, beta, J, h, sigma):
    """Object-per-agent loop; mean choice m at periods 0..T."""
    rng = random.Random(seed)
    agents = [Agent(rng.gauss(0.0, sigma), 1.0 if rng.random() < 0.5 else -1.0)
              for _ in range(N)]
    rand = rng.random
    ms = []
    for t in range(T + 1):
        m = sum(agent.s for agent in agents) / N
        ms.append(m)
        if t == T:
            break
        for agent in agents:  # decisions use last period's m only: synchronous update
            agent.decide(m, beta, J, h, rand)
    return np.array(ms)


# --------------------------------------------------------------------------- helpers
def mean_field_equilibrium(beta, J, h, sigma, m0=0.0, nodes=80):
    """Stable fixed point of m = E_a[tanh(beta (J m + h + a))] reached from m0 (Gauss-Hermite)."""
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    m = m0
    for _ in range(10_000):
        new = float(w @ np.tanh(beta * (J * m + h + sigma * x)))
        if abs(new - m) < 1e-14:
            break
        m = new
    return m




def fmt_rate(x):
    return f"{x / 1e6:8.2f} M/s"


def profile_coupling(model, N, T, seed, top):
    """cProfile of one coupling run; prints the functions with the largest own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_coupling(model, N, T, seed)
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    print(f"\ncProfile of cp.simulate, N = {N:.0e}, T = {T} (sorted by own time):")
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("\n".join(lines[start:]))
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"coupling", top)
    print(f"cProfile of cp.simulate, N = {N:.0e}: coupling functions by cumulative time:")
    lines = stream.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("\n".join(lines[start:]))


# --------------------------------------------------------------------------- main
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6],
                        help="population sizes N (default: 1e4 1e5 1e6)")
    parser.add_argument("--periods", type=int, default=100, help="periods T (default 100)")
    parser.add_argument("--repeats", type=int, default=None,
                        help="repeats per implementation and N (default: 7 / 5 / 3 for "
                             "N <= 1e4 / <= 1e5 / larger)")
    parser.add_argument("--agents-repeats", type=int, default=2,
                        help="repeats of the object-per-agent baseline (default 2)")
    parser.add_argument("--no-agents", action="store_true",
                        help="skip the object-per-agent baseline")
    parser.add_argument("--no-share", action="store_true",
                        help="drop the 'adopters' Share aggregate from the coupling model, "
                             "so it computes only m, like the hand-written loop")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--quick", action="store_true",
                        help="N = 1e4 and 1e5 only, 3 repeats (a smoke test)")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one coupling run at the largest N")
    parser.add_argument("--profile-top", type=int, default=25)
    parser.add_argument("--json", metavar="FILE", help="write the results to FILE as JSON")
    args = parser.parse_args(argv)

    sizes = [int(n) for n in args.sizes]
    if args.quick:
        sizes = [n for n in sizes if n <= 100_000] or [10_000]
    T = args.periods
    p = PARAMS
    m_star = mean_field_equilibrium(p["beta"], p["J"], p["h"], p["sigma"])

    def repeats_for(N):
        if args.repeats is not None:
            return args.repeats
        if args.quick:
            return 3
        return 7 if N <= 10_000 else 5 if N <= 100_000 else 3

    print(f"Discrete-time stochastic binary logit choice (Brock-Durlauf), T = {T} periods, "
          f"all units revise each period")
    print(f"parameters {p}; start m ~ 0; mean-field equilibrium m* = {m_star:.4f}")
    print("coupling aggregates: " + ("m only (--no-share)" if args.no_share
                                     else "m and adopters = Share(1), as in social-choice"))
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"coupling {getattr(cp, '__version__', '?')}, {os.cpu_count()} CPUs, "
          f"BLAS/OpenMP threads pinned to 1")
    print("timing: best of R repeats (wall clock, incl. trait draws and initial state)\n")

    model = build_model(share=not args.no_share)
    run_coupling(model, 1000, 3, args.seed)  # compile the model's expressions once (warm-up)
    run_handwritten(1000, 3, args.seed, **{k: p[k] for k in ("beta", "J", "h", "sigma")})

    results = []
    for N in sizes:
        R = repeats_for(N)
        seed = args.seed + N
        coupling_fn = lambda: run_coupling(model, N, T, seed)  # noqa: E731
        hand_fn = lambda: run_handwritten(N, T, seed + 1, **p)  # noqa: E731
        # interleave the implementations so slow drifts of the machine hit both alike
        t_cp, t_hw = math.inf, math.inf
        for _ in range(R):
            t, m_cp = _harness.best_time(coupling_fn, 1)
            t_cp = min(t_cp, t)
            t, m_hw = _harness.best_time(hand_fn, 1)
            t_hw = min(t_hw, t)
        row = {
            "N": N, "periods": T, "repeats": R,
            "coupling_s": t_cp, "handwritten_s": t_hw,
            "coupling_updates_per_s": N * T / t_cp,
            "handwritten_updates_per_s": N * T / t_hw,
            "speed_ratio": t_hw / t_cp,
            "final_m_coupling": float(m_cp[-1]), "final_m_handwritten": float(m_hw[-1]),
            "final_diff_sqrtN": abs(float(m_cp[-1] - m_hw[-1])) * math.sqrt(N),
            # time-averaged m over the second half: a sharper consistency check
            "mean_m_coupling": float(m_cp[T // 2:].mean()),
            "mean_m_handwritten": float(m_hw[T // 2:].mean()),
        }
        if N == min(sizes) and not args.no_agents:
            t_ag, m_ag = _harness.best_time(lambda: run_agents(N, T, seed + 2, **p), args.agents_repeats)
            row.update(agents_s=t_ag, agents_updates_per_s=N * T / t_ag,
                       final_m_agents=float(m_ag[-1]))
        results.append(row)
        print(f"  N = {N:>9,d}: coupling {t_cp:7.3f} s, handwritten {t_hw:7.3f} s"
              + (f", agents {row['agents_s']:7.3f} s" if "agents_s" in row else "")
              + f"  (best of {R})", flush=True)

    # ------------------------------------------------------------------ tables
    print("\nThroughput (agent-updates per second = N * T / best time)")
    header = (f"{'N':>10} | {'coupling':>12} | {'handwritten':>12} | {'agent objects':>13} | "
              f"{'speed ratio':>11}")
    print(header)
    print("-" * len(header))
    for r in results:
        agents = fmt_rate(r["agents_updates_per_s"]) if "agents_s" in r else "-"
        print(f"{r['N']:>10,d} | {fmt_rate(r['coupling_updates_per_s']):>12} | "
              f"{fmt_rate(r['handwritten_updates_per_s']):>12} | {agents:>13} | "
              f"{r['speed_ratio']:>10.2f}x")
    print("speed ratio = time(handwritten) / time(coupling); > 1 means coupling is faster")

    print(f"\nConsistency of the final mean choice m_T (mean-field m* = {m_star:.4f})")
    header = (f"{'N':>10} | {'m_T coupling':>12} | {'m_T handwr.':>12} | "
              f"{'|diff|*sqrt(N)':>14} | {'<m> coupling':>12} | {'<m> handwr.':>12}")
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['N']:>10,d} | {r['final_m_coupling']:>12.5f} | "
              f"{r['final_m_handwritten']:>12.5f} | {r['final_diff_sqrtN']:>14.2f} | "
              f"{r['mean_m_coupling']:>12.5f} | {r['mean_m_handwritten']:>12.5f}")
    agent_rows = [r for r in results if "final_m_agents" in r]
    for r in agent_rows:
        print(f"(agent objects, N = {r['N']:,d}: m_T = {r['final_m_agents']:.5f})")
    print("<m> = mean of m over periods T/2..T. Independent seeds: |diff|*sqrt(N) is O(1) "
          "when the two agree in distribution.")
    suspicious = [r["N"] for r in results if r["final_diff_sqrtN"] > 6]
    if suspicious:
        print(f"WARNING: final m differs by more than 6/sqrt(N) at N = {suspicious}")

    if args.profile:
        profile_coupling(model, max(sizes), T, args.seed, args.profile_top)

    if args.json:
        payload = {
            "benchmark": "stochastic binary logit choice, discrete time",
            "parameters": PARAMS, "timescale": EPS,
            "coupling_aggregates": ["m"] if args.no_share else ["m", "adopters"],
            "periods": T, "seed": args.seed,
            "mean_field_m_star": m_star,
            "results": results,
        }
        _harness.write_json(args.json, payload)
    return results


if __name__ == "__main__":
    sys.exit(0 if main() is not None else 1)
