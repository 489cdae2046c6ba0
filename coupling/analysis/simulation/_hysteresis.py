r"""``cp.hysteresis``: quasi-static parameter sweeps by simulation, their jumps and loops.

A parameter p is ramped from lo up to hi and back down while the model is simulated, and the
observables are recorded along the way:

* **sweep**: hold at lo (the state settles), up-leg lo → hi, hold at hi, down-leg hi → lo, hold
  at lo. A leg is either a continuous ramp at rate r (parameter units per unit time, a
  :class:`~coupling.Ramp`, exact for deterministic runs) or a staircase of ``steps`` levels
  held ``settle`` time units each (effective rate r = (hi − lo)/(steps · settle)).
* **jumps** (criterion): on each leg, with u the parameter distance travelled and w the
  window, the change D(u) = y(u + w/2) − y(u − w/2) of the primary observable is compared
  with θ R, R its range over both legs and θ the threshold (default: a change of 20 % of the
  range within 1 % of the interval, i.e. a slope 20 times the mean slope of the sweep). The
  window is widened to two sample spacings when the samples are coarser, and to 3ℓ (the
  parameter travelled in three relaxation times, see below) for fast ramps, whose jumps are
  smeared over a few relaxation times; it is at most a quarter of the interval. Each run of
  samples with |D| > θ R is one jump: ``from``/``to`` are y half a window outside the run,
  and the jump's location ``param`` is where y crosses the middle (from + to)/2,
  interpolated linearly (for a staircase, or a response rule that follows the ramp in steps:
  the first level past the middle). Deterministic continuous ramps are run a second time
  with 1001 extra output times around each crossing (the path does not depend on the output
  times), which resolves the location to a few 1e-6 of the interval. A jump still under way
  at the end of a leg completes during the hold there: ``to`` is taken after the hold,
  ``during_hold`` is set, and a :class:`RateWarning` says so.
* **loop**: an up-jump and a down-jump with opposite signs whose observable ranges overlap
  are one loop; its width is p_up − p_down, counted when larger than the resolution of the
  sweep: the window, or 1.5 levels where the parameter moves in levels (a staircase, a
  response rule; a reversible steep change has its up- and down-jump exactly one level
  apart there, and a response rule has no lag to smear a jump over the window). The area is
  :math:`\oint y\,dp = \int_{lo}^{hi} (y_{down} - y_{up})\,dp` (positive for a loop traversed
  counterclockwise). No loop (width 0) means no hysteresis.
* **rate check**: λ, the slowest relaxation rate (−Re of the leading eigenvalue of the
  stable equilibria of the deterministic counterpart at the two ends, and, when the
  continuation finds no fold, all along its stable branches; else fitted to the relaxation
  during the first hold), gives the lag ℓ = r/λ (how far the state trails a smooth branch in
  p). At a saddle-node ε ẋ = aμ + bx², μ = r t, the jump lags the fold by
  :math:`\delta = \Omega\,(\varepsilon^2 r^2/(ab))^{1/3}` with Ω = 2.33811 the first zero of
  −Ai (Haberman 1979, SIAM J. Appl. Math. 37, 69–106; the Riccati equation ξ' = s + ξ² of the
  inner layer). Writing it with the relaxation rate λ₀ = 2√(abμ₀)/ε at a distance
  μ₀ = (hi − lo)/2 from the fold gives the estimate δ̂ = Ω (2ℓ)^{2/3} ((hi − lo)/2)^{1/3} (plus
  one level for a staircase). The loop is *rate-dominated* (a :class:`RateWarning`) when the
  delays 2δ̂ exceed half its width; without a loop, when ℓ > 1 % of the interval.
* **rate dependence** (``rates=[...]``): the delay δ = |p_jump − p_fold| after each fold,
  with p_fold from the continuation of the deterministic counterpart, is fitted as
  log δ = log C + α log r by least squares (α ± its standard error); without a continuation,
  p_jump = p_fold + C r^α is fitted by nonlinear least squares. Theory: α = 2/3
  (Haberman 1979; Kuehn 2011, Physica D 240, 1020–1035).
* **replicates** (finite stochastic populations): independent runs, replicate i seeded by
  ``SeedSequence(seed, spawn_key=(i,))``; jump locations are reported with Student-t
  confidence intervals and the fraction of replicates that jumped.
"""

import warnings
from dataclasses import dataclass

import numpy as np

from ...sweeps._executors import run_ordered
from ._delay_scaling import fit_scaling
from ._hysteresis_inputs import SweepSpec
from ._hysteresis_results import HysteresisLoop, RateWarning
from ._jumps import find_jumps, loop_area, mean_ci, pair_loops, summarise
from ._relaxation import continue_counterpart, decay_rate, jacobian_relaxation

AIRY_ZERO = 2.338107410459767  # Ω: Ai(-Ω) = 0, the blow-up time of ξ' = s + ξ²
HOLD_SAMPLES = 20
REFINE_SAMPLES = 1001


# ---------------------------------------------------------------------- the sweep
def hysteresis(model, param, interval, *, rate=None, settle=None, steps=100, rates=None,
               observables=None, population=None, seed=None, replicates=None, hold=None,
               n_points=1000, window=0.01, threshold=0.2, confidence=0.95, diagram="auto",
               bounds=None, progress=None, executor="serial", dt=None, method=None, rtol=None,
               atol=None):
    r"""Sweep ``param`` up across ``interval`` and back down by simulation; find the jumps
    and measure the hysteresis loop.

    Parameters
    ----------
    model : Model
    param : str
        The swept parameter (any declared parameter).
    interval : (float, float)
        (lo, hi), lo < hi. The sweep starts at lo, from the model's initial state, after a
        hold; start it outside a bistable range so that the state is unique.
    rate : float, optional
        Continuous ramp: parameter units per unit time (per period in discrete time).
        Default (no ``rate``, ``settle`` or ``rates``): the rate whose delay estimate δ̂ is
        1 % of the interval, from the Jacobian's relaxation rate (for a response rule
        without macro state, which follows at once: one level of ``n_points`` per unit
        time).
    settle : float, optional
        Staircase instead: each of the ``steps`` levels per leg is held ``settle`` time units
        and the state is recorded at its end.
    steps : int
        Levels per leg of a staircase.
    rates : sequence of float, optional
        Several continuous rates (at least 3, or 4 without a continuation): one sweep each,
        and the fit δ = C r^α of the delay after each fold (``scaling``). The returned loop
        is the slowest; all are in ``by_rate``.
    observables : sequence of str, optional
        Aggregates, macro or context variables to record; the first is the primary one that
        jumps are detected on. Default: every aggregate then macro variable, the primary the
        first aggregate.
    population : int, "mean-field" or MeanField, optional
        As for :func:`~coupling.simulate`.
    seed : int or SeedSequence, optional
        Root seed; replicate i runs with ``SeedSequence(seed, spawn_key=(i,))`` (appended to
        the spawn key of a SeedSequence), whatever else was spawned from it.
    replicates : int, optional
        Independent runs of a finite population (default 5 for a stochastic population,
        else 1). The mean-field limit is deterministic: 1.
    hold : float, optional
        Time held at each end (default 10/λ with λ the relaxation rate, else 5 % of a leg).
    n_points : int
        Samples per continuous leg.
    window, threshold : float
        Jump criterion: a change of more than ``threshold`` times the observable's range
        within ``window`` times the interval (the window is widened to two sample spacings
        when the samples are coarser).
    confidence : float
        Level of the replicate confidence intervals.
    diagram : "auto", BifurcationDiagram or None
        The continuation of the deterministic counterpart (the mean-field limit) over the
        interval, for the overlay and the fold delays. "auto" computes it when the model
        allows; None skips it.
    bounds : mapping, optional
        ``{name: (lo, hi)}``: the region of the equilibria that the automatic diagram and
        the rate check search, as in :func:`~coupling.equilibria` (e.g. to leave out an
        extinct state at 0).
    progress : bool, optional
        A progress bar over the replicates on stderr (with tqdm installed); default: when
        stderr is a terminal.
    executor : "serial", "processes", int, concurrent.futures.Executor or dask Client
        Where the replicates run (see :func:`coupling.sweeps.run`); the loop is the same
        on every executor.
    dt, method, rtol, atol
        Passed to :func:`~coupling.simulate` when given; deterministic runs default to
        rtol = 1e-6 and atol = 1e-9, finer than simulate's, to locate the jumps.

    Returns
    -------
    HysteresisLoop

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    >>> loop = cp.hysteresis(model, "h", (-1, 1), rate=1e-3,
    ...                      population=cp.MeanField(1))
    >>> [f"{j['direction']} {j['param']:+.3f}" for j in loop.jumps]
    ['up +0.538', 'down -0.538']
    """
    spec = SweepSpec(model, param, interval, rate=rate, settle=settle, steps=steps,
                     rates=rates, observables=observables, population=population, seed=seed,
                     replicates=replicates, hold=hold, n_points=n_points, window=window,
                     threshold=threshold, confidence=confidence, diagram=diagram,
                     bounds=bounds, progress=progress, dt=dt, method=method, rtol=rtol,
                     atol=atol)
    if spec.diagram == "auto":
        spec.diagram = continue_counterpart(spec)
    relaxation = jacobian_relaxation(spec)
    if spec.rates is None:
        return _sweep(spec, spec.rate, relaxation, executor)
    loops = [_sweep(spec, r, relaxation, executor) for r in spec.rates]
    loops[0].by_rate = loops
    loops[0].scaling = fit_scaling(loops, spec.diagram)
    return loops[0]


@dataclass
class _Plan:
    schedule: object
    t_eval: np.ndarray
    up: tuple
    down: tuple
    staircase: bool
    rate: float
    step: float
    hold: float

    def phase(self, t):
        return np.select([(t >= self.up[0]) & (t <= self.up[1]),
                          (t >= self.down[0]) & (t <= self.down[1])], ["up", "down"], "hold")


def _plan(spec, rate, hold):
    from ...dynamics._common import Ramp

    lo, hi, n = spec.lo, spec.hi, spec.n_points
    whole = np.ceil if spec.discrete else float
    if spec.settle is None:
        leg = whole(spec.span / rate)
        hold = whole(hold)
        knots = [(0.0, lo), (hold, lo), (hold + leg, hi), (2 * hold + leg, hi),
                 (2 * hold + 2 * leg, lo)]
        end = 3 * hold + 2 * leg
        pieces = [np.linspace(0, hold, HOLD_SAMPLES, endpoint=False),
                  np.linspace(hold, hold + leg, n),
                  np.linspace(hold + leg, 2 * hold + leg, HOLD_SAMPLES + 1)[1:-1],
                  np.linspace(2 * hold + leg, 2 * hold + 2 * leg, n),
                  np.linspace(2 * hold + 2 * leg, end, HOLD_SAMPLES + 1)[1:]]
        t_eval = np.concatenate(pieces)
        if spec.discrete:
            t_eval = np.unique(np.round(t_eval))
        # response rules switch the parameter at output times: a staircase of that step
        step = spec.span / (n - 1) if spec.response else 0.0
        return _Plan(Ramp(knots), t_eval, (hold, hold + leg),
                     (2 * hold + leg, 2 * hold + 2 * leg), False, spec.span / leg, step, hold)
    tau, steps = whole(spec.settle), spec.steps
    hold = whole(hold)
    levels = lo + spec.span * np.arange(steps + 1) / steps
    up_start = hold + tau * np.arange(steps + 1)
    down0 = hold + tau * (steps + 1) + hold
    down_start = down0 + tau * np.arange(steps + 1)
    end = down_start[-1] + tau + hold
    schedule = [(0.0, lo), *zip(up_start.tolist(), levels.tolist()),
                *zip(down_start.tolist(), levels[::-1].tolist()), (end - hold, lo)]
    before_end = 1.0 if spec.discrete else 1e-6 * tau  # the last instant of a level
    up_t = up_start + tau - before_end
    down_t = down_start + tau - before_end
    pieces = [np.linspace(0, hold, HOLD_SAMPLES, endpoint=False), up_t,
              np.linspace(up_t[-1], down0, HOLD_SAMPLES + 1)[1:-1], down_t,
              np.linspace(down_t[-1], end, HOLD_SAMPLES + 1)[1:]]
    t_eval = np.concatenate(pieces)
    if spec.discrete:
        t_eval = np.unique(np.round(t_eval))
    return _Plan(schedule, t_eval, (up_t[0], up_t[-1]), (down_t[0], down_t[-1]), True,
                 spec.span / (steps * tau), spec.span / steps, hold)


def _simulate(spec, plan, seed, t_eval):
    from ...dynamics._simulate import simulate

    run = simulate(spec.model, t_end=float(t_eval[-1]), t_eval=t_eval,
                   population=spec.population, seed=seed, schedule={spec.param: plan.schedule},
                   throw=True, **spec.options)
    return run


def _default_rate(spec, relaxation):
    """The rate whose delay estimate is 1 % of the interval; for an instantaneous
    relaxation (a response rule without macro state) the path does not depend on the rate:
    one output level per unit time."""
    if relaxation == np.inf:
        return spec.span / (spec.n_points - 1)
    if relaxation is None or not np.isfinite(relaxation):
        raise ValueError("rate: no relaxation rate from the Jacobian to choose a default "
                         "ramp rate; give rate= or settle=")
    # δ̂ = 1 % of the interval: Ω (2 r/λ)^(2/3) (span/2)^(1/3) = 0.01 span
    return relaxation / 2 * (0.01 * spec.span ** (2 / 3) * 2 ** (1 / 3) / AIRY_ZERO) ** 1.5


def _sweep(spec, rate, relaxation, executor):
    """One loop: simulate every replicate, find jumps, measure the loop, check the rate."""
    lam, source = (relaxation, "jacobian") if relaxation is not None else (np.nan, "none")
    if rate is None and spec.settle is None:
        rate = _default_rate(spec, relaxation)
    hold = spec.hold
    if hold is None:
        if np.isfinite(lam) and lam > 0:
            hold = 10.0 / lam
        elif spec.settle is not None:
            hold = 5 * spec.settle
        else:
            hold = 0.05 * spec.span / rate
        hold = max(hold, 1.0) if spec.discrete else hold
    plan = _plan(spec, rate, hold)
    done = run_ordered(_Replicate(spec, plan, lam), spec.seeds, executor,
                       progress=spec.progress,
                       description=f"sweep of {spec.param} at rate {plan.rate:.3g}")
    runs, found = [d for d, _ in done], [j for _, j in done]
    if np.isnan(lam):
        lam = decay_rate(runs[0].t[runs[0].phase_hold0], runs[0].y[runs[0].phase_hold0])
        source = "simulation" if np.isfinite(lam) else "none"
    return _assemble(spec, plan, runs, found, lam, source)


class _Replicate:
    """One replicate's run of a loop and its jumps (a picklable job for the executors)."""

    def __init__(self, spec, plan, lam):
        self.spec, self.plan, self.lam = spec, plan, lam

    def __call__(self, seed):
        spec, plan = self.spec, self.plan
        data = _Data(_simulate(spec, plan, seed, plan.t_eval), spec, plan,
                     lag=plan.rate / self.lam)
        jumps = find_jumps(data, spec, plan)
        if _refinable(spec, plan) and jumps:
            fine = _refined_times(data, jumps, plan)
            finer = _Data(_simulate(spec, plan, seed, fine), spec, plan,
                          scale=(data.level, data.w))
            jumps = find_jumps(finer, spec, plan)
        return data, jumps


class _Data:
    """One run's samples: t, p, the observables Y (n, q), the phase; the jump scales."""

    def __init__(self, run, spec, plan, scale=None, lag=np.nan):
        self.t = run.t
        self.p = run[spec.param]
        self.Y = np.column_stack([run[n] for n in spec.observables])
        self.y = self.Y[:, 0]
        self.phase = plan.phase(self.t)
        self.phase_hold0 = self.t < plan.up[0]
        if scale is None:
            legs = self.phase != "hold"
            spread = float(np.ptp(self.y[legs])) if legs.any() else 0.0
            spacing = max(_max_spacing(self.p[self.phase == d]) for d in ("up", "down"))
            self.level = spec.threshold * spread
            # a jump takes a few relaxation times: at a fast ramp it spans ~3 lags
            travel = 3 * lag if np.isfinite(lag) else 0.0
            self.w = min(max(spec.window * spec.span, 2 * spacing * (1 + 1e-9), travel),
                         spec.span / 4)
        else:
            self.level, self.w = scale


def _max_spacing(p):
    return float(np.max(np.abs(np.diff(p)))) if p.size > 1 else 0.0


def _refinable(spec, plan):
    """Deterministic continuous-time ramps: outputs do not change the path."""
    return (not spec.stochastic and not plan.staircase and not spec.discrete
            and not spec.response)


def _refined_times(data, jumps, plan):
    extra = [plan.t_eval]
    t = data.t
    for jump in jumps:
        if jump["during_hold"]:
            continue
        i = int(np.searchsorted(t, jump["t"]))
        a, b = t[max(i - 2, 0)], t[min(i + 1, t.size - 1)]
        extra.append(np.linspace(a, b, REFINE_SAMPLES))
    return np.unique(np.concatenate(extra))


# ---------------------------------------------------------------------- the loop
def _assemble(spec, plan, runs, found, lam, source):
    """The loop of one sweep from its replicate runs and their jumps: loops, widths and
    areas, the rate check (warnings), and the verdict in words."""
    for r, jumps in enumerate(found):
        for j in jumps:
            j["replicate"] = r
    first = runs[0]
    stepped = plan.staircase or spec.response
    resolutions = [1.5 * plan.step if stepped else run.w for run in runs]
    loops = [pair_loops(j, res) for j, res in zip(found, resolutions)]
    widths = np.array([sum(lp["width"] for lp in ls) for ls in loops])
    areas = np.array([loop_area(run) for run in runs])
    has_loop = widths > 0
    hysteresis = bool(np.mean(has_loop) >= 0.5)
    width, _, width_ci = mean_ci(widths, spec.confidence)
    area, _, area_ci = mean_ci(areas, spec.confidence)
    summary = summarise(found, spec.replicates, spec.confidence)
    lag = plan.rate / lam if lam > 0 else np.nan
    delay = AIRY_ZERO * (2 * lag) ** (2 / 3) * (spec.span / 2) ** (1 / 3) + plan.step
    if lam == np.inf:
        lag, delay = 0.0, plan.step
    rate_dominated, notes = _rate_check(spec, plan, hysteresis, width, area, lag, delay, lam)
    notes += [f"the {s['direction']}-jump completed only during the hold at the end of the "
              f"leg: widen the interval or slow the ramp" for s in summary if s["during_hold"]]
    for note in notes:
        warnings.warn(note, RateWarning, stacklevel=4)
    verdict = _verdict(spec, found[0], loops[0], resolutions[0], has_loop)
    return HysteresisLoop(
        param=spec.param, interval=(spec.lo, spec.hi), observable=spec.observables[0],
        observables=spec.observables, ramp="staircase" if plan.staircase else "continuous",
        rate=plan.rate, settle=spec.settle, steps=spec.steps if plan.staircase else None,
        hold=plan.hold, population=spec.population if isinstance(spec.population, int)
        else "mean-field", replicates=spec.replicates, seed=spec.root.entropy,
        t=first.t, param_values=first.p, phase=first.phase,
        values={n: np.stack([run.Y[:, i] for run in runs])
                for i, n in enumerate(spec.observables)},
        jumps=[j for jumps in found for j in jumps], jump_summary=summary,
        hysteresis=hysteresis, loops=loops[0], width=width if hysteresis else 0.0,
        area=area, widths=widths, areas=areas, width_ci=width_ci, area_ci=area_ci,
        confidence=spec.confidence, window=first.w, resolution=resolutions[0],
        relaxation_rate=lam, relaxation_source=source, lag=lag, delay_estimate=delay,
        rate_dominated=rate_dominated, warnings=notes,
        diagram=spec.diagram if spec.diagram != "auto" else None, model=spec.model.name,
        verdict=verdict, status=1 if notes else 0,
        message=" ".join([verdict, *(f"Warning: {note}." for note in notes)]))


def _rate_check(spec, plan, hysteresis, width, area, lag, delay, lam):
    """(rate-dominated, notes): a loop whose delays 2 δ̂ exceed half its width, or without
    a loop a lag r/λ above 1 % of the interval."""
    if not np.isfinite(delay):
        return False, []
    if hysteresis:
        if 2 * delay > width / 2:
            return True, [f"the loop is rate-dominated: the estimated delays after the folds "
                          f"(2 x {delay:.3g}) exceed half its width {width:.3g}; slow the "
                          f"ramp (rate {plan.rate:.3g}, relaxation rate {lam:.3g})"]
    elif lag > 0.01 * spec.span:
        return True, [f"the sweep is not quasi-static: the state lags its equilibrium by "
                      f"r/λ = {lag:.3g} (more than 1 % of the interval), so the area "
                      f"{area:.3g} is a rate effect"]
    return False, []


def _verdict(spec, jumps, loops, resolution, has_loop):
    """The verdict in words, from the first replicate's jumps and loops (and the share of
    replicates with a loop): which jumps make the loop, or why those found make none."""
    p, y = spec.param, spec.observables[0]
    share = (f" in {int(np.sum(has_loop))} of {has_loop.size} replicates"
             if has_loop.size > 1 else "")
    hysteresis = np.mean(has_loop) >= 0.5
    if loops:
        loop = loops[0]
        text = (f"a loop of width {loop['width']:.6g} between the up-jump at {p} = "
                f"{loop['up']:.6g} and the down-jump at {p} = {loop['down']:.6g}")
        if hysteresis:
            return f"Hysteresis{share}: {text}" + (" in replicate 0." if share else ".")
        return f"No hysteresis: a loop only{share} (replicate 0: {text})."
    if hysteresis:
        return f"Hysteresis{share} (none in replicate 0)."
    ups = [j["param"] for j in jumps if j["direction"] == "up"]
    downs = [j["param"] for j in jumps if j["direction"] == "down"]
    where = " (replicate 0)" if has_loop.size > 1 else ""
    if not jumps:
        return f"No hysteresis: {y} does not jump{where}."
    if not (ups and downs):
        leg, at = ("up", ups) if ups else ("down", downs)
        return (f"No hysteresis within [{spec.lo:g}, {spec.hi:g}]: {y} jumps on the {leg}-leg "
                f"only{where} (at {p} = {', '.join(f'{v:.6g}' for v in at)}); a loop needs a "
                f"jump back on the other leg.")
    closest = min(((u - d, u, d) for u in ups for d in downs), key=lambda c: abs(c[0]))
    if closest[0] <= resolution:
        return (f"No hysteresis: the up-jump at {p} = {closest[1]:.6g} and the down-jump at "
                f"{closest[2]:.6g} are {max(closest[0], 0.0):.3g} apart{where}, within the "
                f"resolution {resolution:.3g} of the sweep: a steep but reversible change.")
    return (f"No hysteresis: the up- and down-jumps{where} do not retrace each other (they "
            f"go the same way or cover different ranges of {y}).")
