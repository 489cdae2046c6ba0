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
  are one loop; its width is p_up − p_down, counted when larger than the window. The area is
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
* **replicates** (finite stochastic populations): independent runs seeded by
  ``SeedSequence(seed).spawn(replicates)``; jump locations are reported with Student-t
  confidence intervals and the fraction of replicates that jumped.
"""

import itertools
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from ...results import _jsonable

AIRY_ZERO = 2.338107410459767  # Ω: Ai(-Ω) = 0, the blow-up time of ξ' = s + ξ²
HOLD_SAMPLES = 20
REFINE_SAMPLES = 1001


class RateWarning(UserWarning):
    """The sweep is too fast for its loop to be quasi-static (or a jump outran the leg)."""


@dataclass
class DelayScaling:
    r"""How the delay after a fold scales with the ramp rate: δ = C r^α.

    Attributes
    ----------
    direction : str
        "up" or "down": the sweep direction of the jumps.
    fold : float
        Parameter value of the fold the delays are measured from.
    fold_source : str
        "continuation" (a fold of the deterministic counterpart) or "fit" (fitted as the
        r → 0 limit of the jump locations).
    exponent, stderr : float
        α and its standard error (theory for a saddle-node: 2/3).
    prefactor : float
        C.
    rates, delays : ndarray
        The rates used and the measured delays |p_jump − p_fold| (mean over replicates).
    jump_params : ndarray
        The jump locations at those rates.
    """

    direction: str
    fold: float
    fold_source: str
    exponent: float
    stderr: float
    prefactor: float
    rates: np.ndarray = field(repr=False)
    delays: np.ndarray = field(repr=False)
    jump_params: np.ndarray = field(repr=False)

    def to_dict(self):
        return {"direction": self.direction, "fold": float(self.fold),
                "fold_source": self.fold_source, "exponent": float(self.exponent),
                "stderr": float(self.stderr), "prefactor": float(self.prefactor),
                "rates": self.rates.tolist(), "delays": self.delays.tolist(),
                "jump_params": self.jump_params.tolist()}

    def __repr__(self):
        return (f"DelayScaling({self.direction!r}, fold={self.fold:.6g} "
                f"({self.fold_source}), exponent={self.exponent:.4f} ± {self.stderr:.4f}, "
                f"prefactor={self.prefactor:.4g}, {self.rates.size} rates)")


@dataclass
class HysteresisLoop:
    r"""A simulated up-and-down sweep of one parameter, its jumps and its loop.

    Attributes
    ----------
    param : str
    interval : (float, float)
    observable : str
        The primary observable: jumps are detected on it.
    observables : tuple of str
        Everything recorded (aggregates, macro and context variables).
    ramp : str
        "continuous" (a ramp at ``rate``) or "staircase" (``steps`` levels of ``settle``).
    rate : float
        Parameter units per unit time (for a staircase the effective rate
        (hi − lo)/(steps · settle)).
    settle, steps, hold : float, int, float
        Level duration and count (staircase), and the hold at each end.
    population, replicates, seed
        "mean-field" or N; the number of runs; the root seed entropy (replicate i is seeded
        by ``SeedSequence(seed).spawn(replicates)[i]``).
    t, param_values : ndarray (n,)
        Sample times and parameter values of the sweep.
    phase : ndarray (n,) of str
        "hold", "up" or "down" for each sample.
    values : dict of ndarray (replicates, n)
        The observables at the samples.
    jumps : list of dict
        Every jump of every replicate: ``direction`` ("up"/"down"), ``param`` (where the
        observable crossed the middle of the jump), ``from``, ``to`` (primary observable
        before and after), ``size`` (to − from), ``observable``, ``t``, ``before`` and
        ``after`` (every observable), ``replicate``, ``during_hold``.
    jump_summary : list of dict
        Per direction and order (the k-th jump of that direction in a replicate): ``mean``,
        ``sd``, ``ci`` (Student-t at ``confidence``), ``n_jumped``, ``fraction`` of the
        replicates that jumped, mean ``from``, ``to``, ``size``.
    hysteresis : bool
        A loop of width above the window in at least half of the replicates.
    loops : list of dict
        The loops of the first replicate: ``up``, ``down`` (jump locations), ``width``.
    width, area : float
        Mean over replicates of the loop width (0 without a loop) and of the signed area
        ∮ y dp = ∫ (y_down − y_up) dp. ``widths``, ``areas`` per replicate; ``width_ci``,
        ``area_ci`` with several replicates.
    relaxation_rate : float
        λ, the slowest relaxation rate at the ends; ``relaxation_source`` "jacobian",
        "simulation" or "none".
    lag, delay_estimate : float
        ℓ = r/λ and δ̂ (see the module notes); ``rate_dominated`` the verdict.
    warnings : list of str
        What was warned about (also issued as :class:`RateWarning`).
    diagram : BifurcationDiagram or None
        Continuation of the deterministic counterpart over the interval (for the overlay).
    scaling : list of DelayScaling
        With ``rates=``: the fit of the delay after each fold against the rate.
    by_rate : list of HysteresisLoop
        With ``rates=``: one loop per rate, slowest first (this loop is the first).
    """

    param: str
    interval: tuple
    observable: str
    observables: tuple
    ramp: str
    rate: float
    settle: float
    steps: int
    hold: float
    population: object
    replicates: int
    seed: object
    t: np.ndarray = field(repr=False)
    param_values: np.ndarray = field(repr=False)
    phase: np.ndarray = field(repr=False)
    values: dict = field(repr=False)
    jumps: list = field(repr=False)
    jump_summary: list = field(repr=False)
    hysteresis: bool = False
    loops: list = field(default_factory=list, repr=False)
    width: float = 0.0
    area: float = 0.0
    widths: np.ndarray = field(default=None, repr=False)
    areas: np.ndarray = field(default=None, repr=False)
    width_ci: tuple = (np.nan, np.nan)
    area_ci: tuple = (np.nan, np.nan)
    confidence: float = 0.95
    window: float = 0.0
    relaxation_rate: float = np.nan
    relaxation_source: str = "none"
    lag: float = np.nan
    delay_estimate: float = np.nan
    rate_dominated: bool = False
    warnings: list = field(default_factory=list, repr=False)
    diagram: object = field(default=None, repr=False)
    scaling: list = field(default_factory=list, repr=False)
    by_rate: list = field(default_factory=list, repr=False)
    model: str = ""

    # ------------------------------------------------------------------ views
    def leg(self, direction, observable=None, replicate=0):
        """(param, values) of one leg, in sweep order."""
        if direction not in ("up", "down"):
            raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
        name = self._name(observable)
        mask = self.phase == direction
        return self.param_values[mask], self.values[name][replicate, mask]

    def folds(self):
        """Parameter values of the folds of the deterministic counterpart (if continued)."""
        if self.diagram is None:
            return []
        return [p.param for p in self.diagram.folds()]

    def to_dict(self, sweep=False):
        """Plain Python types (JSON-ready); ``sweep=True`` adds the sampled sweep."""
        out = {
            "model": self.model, "param": self.param, "interval": list(self.interval),
            "observable": self.observable, "observables": list(self.observables),
            "ramp": self.ramp, "rate": _float(self.rate), "settle": _float(self.settle),
            "steps": self.steps, "hold": _float(self.hold),
            "population": self.population if isinstance(self.population, int)
            else str(self.population),
            "replicates": self.replicates, "seed": _jsonable(self.seed),
            "hysteresis": bool(self.hysteresis), "width": _float(self.width),
            "area": _float(self.area), "widths": _jsonable(self.widths),
            "areas": _jsonable(self.areas), "width_ci": _jsonable(self.width_ci),
            "area_ci": _jsonable(self.area_ci), "confidence": self.confidence,
            "window": _float(self.window), "loops": _jsonable(self.loops),
            "jumps": _jsonable(self.jumps), "jump_summary": _jsonable(self.jump_summary),
            "relaxation_rate": _float(self.relaxation_rate),
            "relaxation_source": self.relaxation_source, "lag": _float(self.lag),
            "delay_estimate": _float(self.delay_estimate),
            "rate_dominated": bool(self.rate_dominated), "warnings": list(self.warnings),
            "folds": [_float(p) for p in self.folds()],
            "scaling": [s.to_dict() for s in self.scaling],
            "by_rate": [loop.to_dict() for loop in self.by_rate if loop is not self],
        }
        if sweep:
            out["sweep"] = {"t": self.t.tolist(), self.param: self.param_values.tolist(),
                            "phase": self.phase.tolist(),
                            **{n: v.tolist() for n, v in self.values.items()}}
        return out

    def to_dataframe(self):
        """The sweep, one row per replicate and sample: replicate, t, phase, param, values."""
        import pandas as pd

        n = self.t.size
        frames = []
        for r in range(self.replicates):
            data = {"replicate": np.full(n, r), "t": self.t, "phase": self.phase,
                    self.param: self.param_values}
            data.update({name: v[r] for name, v in self.values.items()})
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True)

    def plot(self, observable=None, ax=None):
        """The loop against the parameter: up-leg blue, down-leg orange, arrows for the sweep
        direction and the jumps; over the continuation branches of the deterministic
        counterpart when there is one (stable solid, unstable dashed, folds LP)."""
        return _plot(self, self._name(observable), ax)

    def _name(self, observable):
        name = self.observable if observable is None else observable
        if name not in self.values:
            raise KeyError(f"no observable {name!r}; the sweep recorded "
                           f"{list(self.observables)}")
        return name

    def __repr__(self):
        lo, hi = self.interval
        head = (f"HysteresisLoop({self.model!r}, {self.param} in [{lo:g}, {hi:g}], "
                f"{self.ramp} rate={self.rate:.3g}, population={self.population}"
                + (f", replicates={self.replicates}" if self.replicates > 1 else ""))
        if self.hysteresis:
            loop = f"hysteresis: width={self.width:.6g}, area={self.area:.6g}"
        else:
            loop = f"no hysteresis (width 0, area={self.area:.3g})"
        jumps = "; ".join(_describe(s, self.replicates) for s in self.jump_summary) or "none"
        rate = (f"relaxation rate {self.relaxation_rate:.3g} ({self.relaxation_source}), "
                f"lag {self.lag:.3g}, delay estimate {self.delay_estimate:.3g}"
                + (", RATE-DOMINATED" if self.rate_dominated else ""))
        lines = [head + ")", f"  {loop}", f"  jumps in {self.observable}: {jumps}",
                 f"  {rate}"]
        lines += [f"  {s!r}" for s in self.scaling]
        return "\n".join(lines)


def _describe(summary, replicates):
    text = (f"{summary['direction']} at {summary['mean']:.6g} "
            f"({summary['from']:.3g} → {summary['to']:.3g})")
    if replicates > 1:
        lo, hi = summary["ci"]
        text += f" CI [{lo:.4g}, {hi:.4g}], {summary['n_jumped']}/{replicates} jumped"
    return text


# ---------------------------------------------------------------------- the sweep
def hysteresis(model, param, interval, *, rate=None, settle=None, steps=100, rates=None,
               observables=None, population=None, seed=None, replicates=None, hold=None,
               n_points=1000, window=0.01, threshold=0.2, confidence=0.95, diagram="auto",
               dt=None, method="auto", rtol=1e-6, atol=1e-9):
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
        1 % of the interval, from the Jacobian's relaxation rate.
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
        Root seed; replicates use ``SeedSequence(seed).spawn(replicates)``.
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
    dt, method, rtol, atol
        Passed to :func:`~coupling.simulate`.

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
    spec = _Spec(model, param, interval, rate=rate, settle=settle, steps=steps, rates=rates,
                 observables=observables, population=population, seed=seed,
                 replicates=replicates, hold=hold, n_points=n_points, window=window,
                 threshold=threshold, confidence=confidence, diagram=diagram, dt=dt,
                 method=method, rtol=rtol, atol=atol)
    if spec.diagram == "auto":
        spec.diagram = _continue(spec)
    relaxation = _jacobian_relaxation(spec)
    if spec.rates is None:
        return _sweep(spec, spec.rate, relaxation)
    loops = [_sweep(spec, r, relaxation) for r in spec.rates]
    loops[0].by_rate = loops
    loops[0].scaling = _fit_scaling(loops, spec.diagram)
    return loops[0]


class _Spec:
    """Validated arguments."""

    def __init__(self, model, param, interval, *, rate, settle, steps, rates, observables,
                 population, seed, replicates, hold, n_points, window, threshold,
                 confidence, diagram, dt, method, rtol, atol):
        from ...model._model import Model, _check_population
        from ...model._rules import MeanField
        from ..bifurcation._diagram import BifurcationDiagram

        if not isinstance(model, Model):
            raise TypeError(f"model: hysteresis needs a cp.Model, got {type(model).__name__}")
        if param not in model.parameters:
            raise KeyError(f"param: {param!r} is not a parameter of the model; it has "
                           f"{sorted(model.parameters)}")
        try:
            lo, hi = map(float, interval)
        except (TypeError, ValueError):
            raise ValueError(f"interval must be (lo, hi), got {interval!r}") from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"interval must satisfy lo < hi (finite), got {interval!r}")
        given = [n for n, v in (("rate", rate), ("settle", settle), ("rates", rates))
                 if v is not None]
        if len(given) > 1:
            raise ValueError(f"give one of rate, settle and rates, not {' and '.join(given)}")
        self.rate = _positive("rate", rate) if rate is not None else None
        self.settle = _positive("settle", settle) if settle is not None else None
        if rates is not None:
            values = np.sort(np.asarray(rates, dtype=float).ravel())
            if values.size < 3 or np.any(~np.isfinite(values)) or np.any(values <= 0) \
                    or np.any(np.diff(values) == 0):
                raise ValueError(f"rates must be at least 3 distinct positive numbers, got "
                                 f"{rates!r}")
            values = values.tolist()
        else:
            values = None
        self.rates = values
        if not isinstance(steps, numbers.Integral) or steps < 2:
            raise ValueError(f"steps must be an integer >= 2, got {steps!r}")
        if not isinstance(n_points, numbers.Integral) or n_points < 10:
            raise ValueError(f"n_points must be an integer >= 10, got {n_points!r}")
        for name, value in (("window", window), ("threshold", threshold),
                            ("confidence", confidence)):
            if not (isinstance(value, numbers.Real) and 0 < value < 1):
                raise ValueError(f"{name} must be in (0, 1), got {value!r}")
        if hold is not None:
            hold = _positive("hold", hold)
        population = model.population if population is None else _check_population(population)
        mean_field = isinstance(population, MeanField)
        stochastic = model.is_stochastic and not mean_field
        if replicates is None:
            replicates = 5 if stochastic else 1
        if not isinstance(replicates, numbers.Integral) or replicates < 1:
            raise ValueError(f"replicates must be an integer >= 1, got {replicates!r}")
        if mean_field and replicates > 1:
            raise ValueError("replicates: the mean-field limit is deterministic, every "
                             "replicate would be the same; use a finite population")
        names = (tuple(model.aggregates) + tuple(model.macro)
                 + tuple(model.compiled.context_order))
        if observables is None:
            observables = tuple(model.aggregates) + tuple(model.macro)
        elif isinstance(observables, str):
            observables = (observables,)
        observables = tuple(observables)
        for name in observables:
            if name not in names:
                raise ValueError(f"observables: {name!r} is not an aggregate, macro or "
                                 f"context variable of the model; it has {list(names)}")
        if not observables:
            raise ValueError("observables: the model has nothing to observe; name a context "
                             "variable")
        if not (diagram in ("auto", None) or isinstance(diagram, BifurcationDiagram)):
            raise TypeError(f"diagram must be 'auto', None or a BifurcationDiagram, got "
                            f"{type(diagram).__name__}")
        if isinstance(diagram, BifurcationDiagram) and diagram.parameter != param:
            raise ValueError(f"diagram: it continues {diagram.parameter!r}, not {param!r}")
        if isinstance(seed, np.random.SeedSequence):
            root = seed
        else:
            root = np.random.SeedSequence(seed)
        self.model, self.param, self.lo, self.hi = model, param, lo, hi
        self.span = hi - lo
        self.steps, self.n_points, self.hold = int(steps), int(n_points), hold
        self.window, self.threshold, self.confidence = window, threshold, confidence
        self.population, self.mean_field, self.stochastic = population, mean_field, stochastic
        self.replicates, self.root = int(replicates), root
        self.seeds = root.spawn(self.replicates)
        self.observables = observables
        self.diagram = diagram
        self.discrete = model.time == "discrete"
        self.response = model.micro.kind == "response"
        self.options = {"dt": dt, "method": method, "rtol": rtol, "atol": atol}


def _positive(name, value):
    if not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------- the counterpart
def _counterpart(spec):
    from ...model._rules import MeanField

    return spec.population if spec.mean_field else MeanField()


def _continue(spec):
    """The continuation of the mean-field counterpart, or None when the model has none."""
    from ..bifurcation._continuation import continuation

    try:
        return continuation(spec.model, spec.param, (spec.lo, spec.hi),
                            population=_counterpart(spec))
    except Exception:  # noqa: BLE001 - the overlay is optional: no counterpart, no overlay
        return None


def _jacobian_relaxation(spec):
    """Slowest relaxation rate of the stable equilibria at lo and hi, or None."""
    from ..bifurcation._equilibria import equilibria

    rates = []
    try:
        for end in (spec.lo, spec.hi):
            found = equilibria(spec.model.with_parameters(**{spec.param: end}),
                               population=_counterpart(spec))
            for eq in found:
                if eq.stable:
                    rates.append(_decay_of(spec, eq))
    except Exception:  # noqa: BLE001 - fall back on the simulation estimate
        return None
    along = _branch_relaxation(spec)
    rates = [r for r in rates + [along] if r is not None and not np.isnan(r)]
    return min(rates) if rates else None


def _branch_relaxation(spec):
    """Without folds, the slowest relaxation along the stable continued branches (a smooth
    branch lags most where it relaxes slowest); with folds it vanishes there, and the ends
    are used instead."""
    d = spec.diagram
    if d is None or d.folds() or spec.response or not d.branches:
        return None
    rates = []
    for b in d.branches:
        lead = np.asarray(b.eigenvalues)[b.stable, 0]
        if lead.size:
            rates.append(np.min(-np.log(np.abs(lead)) if spec.discrete else -lead.real))
    return float(min(rates)) if rates else None


def _decay_of(spec, eq):
    """−Re of the leading eigenvalue (−log |multiplier| per period for maps)."""
    eig = np.asarray(eq.eigenvalues)
    if spec.response:  # the slow eigenvalues come first; no macro state: instantaneous
        eig = eig[:len(spec.model.macro)]
        if eig.size == 0:
            return np.inf
    if spec.discrete:
        return float(-np.log(np.max(np.abs(eig))))
    return float(-np.max(eig.real))


def _decay_rate(t, y):
    """λ fitted to |y − y(end)| ~ e^{−λ t} during a hold (least squares on the log), or nan.

    Only samples well above the noise floor (5 sd of the last 30 % of the hold) are used.
    """
    tail = y[int(0.7 * y.size):]
    floor = max(5 * np.std(tail), 1e-9 * max(1.0, np.max(np.abs(y))))
    d = np.abs(y - y[-1])
    use = np.flatnonzero(d > floor)
    use = use[use < int(0.8 * y.size)]
    if use.size < 3:
        return np.nan
    slope = np.polyfit(t[use], np.log(d[use]), 1)[0]
    return float(-slope) if slope < 0 else np.nan


# ---------------------------------------------------------------------- one sweep
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


def _sweep(spec, rate, relaxation):
    """One loop: simulate every replicate, find jumps, measure the loop, check the rate."""
    lam, source = (relaxation, "jacobian") if relaxation is not None else (np.nan, "none")
    if rate is None and spec.settle is None:
        if relaxation is None or not np.isfinite(relaxation):
            raise ValueError("rate: no relaxation rate from the Jacobian to choose a default "
                             "ramp rate; give rate= or settle=")
        # δ̂ = 1 % of the interval: Ω (2 r/λ)^(2/3) (span/2)^(1/3) = 0.01 span
        rate = lam / 2 * (0.01 * spec.span ** (2 / 3) * 2 ** (1 / 3) / AIRY_ZERO) ** 1.5
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
    runs, found = [], []
    for seed in spec.seeds:
        run = _simulate(spec, plan, seed, plan.t_eval)
        data = _Data(run, spec, plan, lag=plan.rate / lam)
        jumps = _jumps(data, spec, plan)
        if _refinable(spec, plan) and jumps:
            fine = _refined_times(data, jumps, plan)
            finer = _Data(_simulate(spec, plan, seed, fine), spec, plan,
                          scale=(data.level, data.w))
            jumps = _jumps(finer, spec, plan)
        runs.append(data)
        found.append(jumps)
    if np.isnan(lam):
        lam = _decay_rate(runs[0].t[runs[0].phase_hold0], runs[0].y[runs[0].phase_hold0])
        source = "simulation" if np.isfinite(lam) else "none"
    return _assemble(spec, plan, runs, found, lam, source)


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


# ---------------------------------------------------------------------- jumps
def _jumps(data, spec, plan):
    """Every jump of one run, in time order."""
    found = []
    if data.level <= 0:
        return found
    stepped = plan.staircase or spec.response  # no interpolation between levels
    for direction in ("up", "down"):
        idx = np.flatnonzero(data.phase == direction)
        if idx.size < 2:
            continue
        sign = 1.0 if direction == "up" else -1.0
        start = spec.lo if direction == "up" else spec.hi
        u = sign * (data.p[idx] - start)
        y = data.y[idx]
        # the first sample after the hold that follows the leg: a jump may go on until then
        later = np.flatnonzero((data.t > data.t[idx[-1]]) & (data.phase != "hold"))
        k = later[0] if later.size else data.t.size - 1
        tail = np.flatnonzero((data.t > data.t[idx[-1]]) & (data.t <= data.t[k]))
        go_on = abs(data.y[k] - y[-1]) > data.level
        runs = _leg_runs(u, data.Y[idx], data.w, data.level)
        for n, (a, b, before, after) in enumerate(runs):
            held = go_on and n == len(runs) - 1 and u[b] + data.w / 2 >= u[-1]
            if held:  # cut by the end of the leg: it completes during the hold
                after = data.Y[k]
            crossing = _crossing(u, y, before[0], after[0], a, data.w, stepped,
                                 data.y[tail] if held else None)
            if crossing is None:
                continue
            found.append(_jump(spec, direction, *_where(data, idx, tail, u, start, sign,
                                                        *crossing),
                               before, after, held))
            go_on = go_on and not held
        if go_on:  # nothing under way at the end of the leg, yet the hold moved it
            before = np.array([np.interp(u[-1] - data.w, u, data.Y[idx, c])
                               for c in range(data.Y.shape[1])])
            if abs(data.y[k] - before[0]) > data.level:
                crossing = _crossing(u, y, before[0], data.y[k], idx.size - 1, 0.0, True,
                                     data.y[tail]) or (idx.size + tail.size - 2, 1.0)
                found.append(_jump(spec, direction, *_where(data, idx, tail, u, start, sign,
                                                            *crossing),
                                   before, data.Y[k], True))
    found.sort(key=lambda j: j["t"])
    return found


def _leg_runs(u, Y, w, level):
    """Candidate jumps on one leg (u increasing): runs of samples where the windowed change
    D(u) = y(u + w/2) − y(u − w/2) exceeds the level, as (first, last, before, after) with
    the observables half a window outside the run."""
    y = Y[:, 0]
    D = np.interp(u + w / 2, u, y) - np.interp(u - w / 2, u, y)
    big = np.abs(D) > level
    edges = np.flatnonzero(np.diff(np.concatenate([[0], big.astype(int), [0]])))
    runs = []
    for a, b in zip(edges[::2], edges[1::2] - 1):
        s = np.sign(D[a + np.argmax(np.abs(D[a:b + 1]))])
        if runs and runs[-1][2] == s and u[a] - u[runs[-1][1]] < w:
            runs[-1] = (runs[-1][0], b, s)  # one jump split by noise
        else:
            runs.append((a, b, s))
    out = []
    for a, b, _ in runs:
        before = np.array([np.interp(u[a] - w / 2, u, Y[:, c]) for c in range(Y.shape[1])])
        after = np.array([np.interp(u[b] + w / 2, u, Y[:, c]) for c in range(Y.shape[1])])
        out.append((a, b, before, after))
    return out


def _crossing(u, y, before, after, a, w, stepped, tail=None):
    """(i, frac): the first crossing of the middle (before + after)/2, from half a window
    before sample a on, between samples i and i + 1 of the leg (continued by ``tail``, the
    hold's samples, when given); frac = 1 for a staircase (the first level past it)."""
    values = y if tail is None else np.concatenate([y, tail])
    i0 = int(np.searchsorted(u, u[a] - w / 2))
    f = np.sign(after - before) * (values[i0:] - (before + after) / 2)
    cross = np.flatnonzero((f[:-1] < 0) & (f[1:] >= 0))
    if cross.size:
        j = int(cross[0])
        inside = i0 + j + 1 < y.size
        frac = float(-f[j] / (f[j + 1] - f[j])) if inside and not stepped else 1.0
        return i0 + j, frac
    if f.size and f[0] >= 0 and i0 > 0:
        return i0 - 1, 1.0
    return None


def _where(data, idx, tail, u, start, sign, i, frac):
    """(param, t) of a crossing between samples i and i + 1 of a leg and its hold."""
    if i + 1 < idx.size:
        param = start + sign * (u[i] + frac * (u[i + 1] - u[i]))
        t = data.t[idx[i]] + frac * (data.t[idx[i + 1]] - data.t[idx[i]])
        return param, t
    j = min(i + 1 - idx.size, tail.size - 1)  # crossed during the hold: at the end value
    return data.p[idx[-1]], data.t[tail[j]]


def _jump(spec, direction, param, t, before, after, during_hold):
    names = spec.observables
    return {"direction": direction, "param": float(param), "from": float(before[0]),
            "to": float(after[0]), "size": float(after[0] - before[0]),
            "observable": names[0], "t": float(t),
            "before": {n: float(v) for n, v in zip(names, before)},
            "after": {n: float(v) for n, v in zip(names, after)},
            "replicate": 0, "during_hold": bool(during_hold)}


# ---------------------------------------------------------------------- loops
def _loops(jumps, w):
    """Pair up- and down-jumps of opposite sign whose observable ranges overlap (greedy by
    overlap); a pair with p_up − p_down > w is a loop."""
    ups = [j for j in jumps if j["direction"] == "up"]
    downs = [j for j in jumps if j["direction"] == "down"]
    loops, used = [], set()
    for up in sorted(ups, key=lambda j: j["param"]):
        best, overlap = None, 0.0
        for i, down in enumerate(downs):
            if i in used or np.sign(down["size"]) == np.sign(up["size"]):
                continue
            a = max(min(up["from"], up["to"]), min(down["from"], down["to"]))
            b = min(max(up["from"], up["to"]), max(down["from"], down["to"]))
            if b - a > overlap:
                best, overlap = i, b - a
        if best is None:
            continue
        width = up["param"] - downs[best]["param"]
        if width > w:
            used.add(best)
            loops.append({"up": up["param"], "down": downs[best]["param"], "width": width})
    return loops


def _area(data):
    """∮ y dp = ∫ (y_down − y_up) dp over the swept interval (trapezoid, common grid)."""
    up, down = data.phase == "up", data.phase == "down"
    pu, yu = data.p[up], data.y[up]
    pd_, yd = data.p[down][::-1], data.y[down][::-1]
    grid = np.union1d(pu, pd_)
    return float(np.trapezoid(np.interp(grid, pd_, yd) - np.interp(grid, pu, yu), grid))


def _summarise(found, replicates, confidence):
    groups = {}
    for jumps in found:
        count = {"up": 0, "down": 0}
        for j in jumps:
            groups.setdefault((j["direction"], count[j["direction"]]), []).append(j)
            count[j["direction"]] += 1
    out = []
    for (direction, k), group in sorted(groups.items(), key=lambda g: (g[0][0] != "up",
                                                                        g[0][1])):
        p = np.array([j["param"] for j in group])
        mean, sd, ci = _mean_ci(p, confidence)
        out.append({"direction": direction, "order": k, "mean": mean, "sd": sd, "ci": ci,
                    "n_jumped": len(group), "fraction": len(group) / replicates,
                    "from": float(np.mean([j["from"] for j in group])),
                    "to": float(np.mean([j["to"] for j in group])),
                    "size": float(np.mean([j["size"] for j in group])),
                    "during_hold": any(j["during_hold"] for j in group)})
    return out


def _mean_ci(x, confidence):
    x = np.asarray(x, dtype=float)
    mean = float(np.mean(x)) if x.size else np.nan
    if x.size < 2:
        return mean, np.nan, (np.nan, np.nan)
    sd = float(np.std(x, ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, x.size - 1) * sd / np.sqrt(x.size))
    return mean, sd, (mean - half, mean + half)


def _assemble(spec, plan, runs, found, lam, source):
    for r, jumps in enumerate(found):
        for j in jumps:
            j["replicate"] = r
    first = runs[0]
    loops = [_loops(j, run.w) for run, j in zip(runs, found)]
    widths = np.array([sum(lp["width"] for lp in ls) for ls in loops])
    areas = np.array([_area(run) for run in runs])
    has_loop = widths > 0
    hysteresis = bool(np.mean(has_loop) >= 0.5)
    width, _, width_ci = _mean_ci(widths, spec.confidence)
    area, _, area_ci = _mean_ci(areas, spec.confidence)
    lag = plan.rate / lam if lam > 0 else np.nan
    delay = AIRY_ZERO * (2 * lag) ** (2 / 3) * (spec.span / 2) ** (1 / 3) + plan.step
    if lam == np.inf:
        lag, delay = 0.0, plan.step
    notes = []
    if np.isfinite(delay):
        if hysteresis:
            rate_dominated = bool(2 * delay > width / 2)
            if rate_dominated:
                notes.append(f"the loop is rate-dominated: the estimated delays after the "
                             f"folds (2 x {delay:.3g}) exceed half its width {width:.3g}; "
                             f"slow the ramp (rate {plan.rate:.3g}, relaxation rate "
                             f"{lam:.3g})")
        else:
            rate_dominated = bool(lag > 0.01 * spec.span)
            if rate_dominated:
                notes.append(f"the sweep is not quasi-static: the state lags its equilibrium "
                             f"by r/λ = {lag:.3g} (more than 1 % of the interval), so the "
                             f"area {area:.3g} is a rate effect")
    else:
        rate_dominated = False
    for s in _summarise(found, spec.replicates, spec.confidence):
        if s["during_hold"]:
            notes.append(f"the {s['direction']}-jump completed only during the hold at the "
                         f"end of the leg: widen the interval or slow the ramp")
    for note in notes:
        warnings.warn(note, RateWarning, stacklevel=4)
    mask = first.phase
    return HysteresisLoop(
        param=spec.param, interval=(spec.lo, spec.hi), observable=spec.observables[0],
        observables=spec.observables, ramp="staircase" if plan.staircase else "continuous",
        rate=plan.rate, settle=spec.settle, steps=spec.steps if plan.staircase else None,
        hold=plan.hold, population=spec.population if isinstance(spec.population, int)
        else "mean-field", replicates=spec.replicates, seed=spec.root.entropy,
        t=first.t, param_values=first.p, phase=mask,
        values={n: np.stack([run.Y[:, i] for run in runs])
                for i, n in enumerate(spec.observables)},
        jumps=[j for jumps in found for j in jumps],
        jump_summary=_summarise(found, spec.replicates, spec.confidence),
        hysteresis=hysteresis, loops=loops[0], width=width if hysteresis else 0.0,
        area=area, widths=widths, areas=areas, width_ci=width_ci, area_ci=area_ci,
        confidence=spec.confidence, window=first.w, relaxation_rate=lam,
        relaxation_source=source, lag=lag, delay_estimate=delay,
        rate_dominated=rate_dominated, warnings=notes,
        diagram=spec.diagram if spec.diagram != "auto" else None, model=spec.model.name)


# ---------------------------------------------------------------------- rate dependence
def _fit_scaling(loops, diagram):
    """δ = C r^α after each fold, from the slowest loop's jumps (first of each direction)."""
    folds = sorted(p.param for p in diagram.folds()) if diagram is not None else []
    out = []
    for direction in ("up", "down"):
        rates, params = [], []
        for loop in loops:
            s = [x for x in loop.jump_summary if x["direction"] == direction
                 and x["order"] == 0 and not x["during_hold"]]
            if s:
                rates.append(loop.rate)
                params.append(s[0]["mean"])
        if len(rates) < 3:
            continue
        rates, params = np.array(rates), np.array(params)
        sign = 1.0 if direction == "up" else -1.0
        fold = _fold_before(folds, params[0], sign)
        if fold is not None:
            out.append(_loglog(direction, fold, rates, params, sign))
        elif len(rates) >= 4:
            out.append(_nonlinear(direction, rates, params, sign))
    return out


def _fold_before(folds, param, sign):
    """The fold passed last before a jump at ``param`` in the sweep direction."""
    behind = [f for f in folds if sign * (param - f) > 0]
    if not behind:
        return None
    return max(behind) if sign > 0 else min(behind)


def _loglog(direction, fold, rates, params, sign):
    delays = sign * (params - fold)
    keep = delays > 0
    x, y = np.log(rates[keep]), np.log(delays[keep])
    if x.size < 3:
        return DelayScaling(direction, fold, "continuation", np.nan, np.nan, np.nan, rates,
                            delays, params)
    A = np.column_stack([x, np.ones_like(x)])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    s2 = resid @ resid / (x.size - 2)
    se = float(np.sqrt(s2 / np.sum((x - x.mean()) ** 2)))
    return DelayScaling(direction, fold, "continuation", float(coef[0]), se,
                        float(np.exp(coef[1])), rates, delays, params)


def _nonlinear(direction, rates, params, sign):
    def model(r, p0, logc, alpha):
        return p0 + sign * np.exp(logc) * r ** alpha

    guess = (params[0] - sign * abs(params[1] - params[0]), np.log(abs(params[-1] - params[0])
                                                                  + 1e-12), 2 / 3)
    try:
        coef, cov = optimize.curve_fit(model, rates, params, p0=guess, maxfev=20000)
        se = float(np.sqrt(cov[2, 2])) if np.all(np.isfinite(cov)) else np.nan
    except (RuntimeError, ValueError):
        return DelayScaling(direction, np.nan, "fit", np.nan, np.nan, np.nan, rates,
                            np.full(rates.size, np.nan), params)
    return DelayScaling(direction, float(coef[0]), "fit", float(coef[2]), se,
                        float(np.exp(coef[1])), rates, sign * (params - coef[0]), params)


# ---------------------------------------------------------------------- plot
def _plot(loop, name, ax):
    from ... import plotting

    ax = plotting._axes(ax)
    if loop.diagram is not None and name in (loop.diagram.aggregate_names
                                             + loop.diagram.macro_names):
        plotting.plot_diagram(loop.diagram, name, ax=ax)
    colors = {"up": "tab:blue", "down": "tab:orange"}
    alpha = 1.0 if loop.replicates == 1 else max(0.25, 1.0 / np.sqrt(loop.replicates))
    for r in range(loop.replicates):
        for direction in ("up", "down"):
            p, y = loop.leg(direction, name, r)
            ax.plot(p, y, color=colors[direction], lw=1.4, alpha=alpha, zorder=2,
                    label=f"{direction} sweep" if r == 0 else None)
    first = [j for j in loop.jumps if j["replicate"] == 0 and name in j["before"]]
    for direction in ("up", "down"):
        cuts = [j["param"] for j in first if j["direction"] == direction]
        _direction_arrows(ax, *loop.leg(direction, name, 0), cuts, colors[direction])
    for j in first:
        lo, hi = j["before"][name], j["after"][name]
        ax.annotate("", xy=(j["param"], lo + 0.6 * (hi - lo)),
                    xytext=(j["param"], lo + 0.4 * (hi - lo)),
                    arrowprops={"arrowstyle": "-|>", "color": colors[j["direction"]],
                                "lw": 0, "mutation_scale": 16}, zorder=4)
    if loop.replicates > 1:
        for s in loop.jump_summary:
            if np.all(np.isfinite(s["ci"])):
                ax.axvspan(*s["ci"], color=colors[s["direction"]], alpha=0.15, lw=0)
    ax.set_xlabel(loop.param)
    ax.set_ylabel(name)
    speed = (f"rate {loop.rate:.3g}" if loop.ramp == "continuous"
             else f"staircase, {loop.steps} levels x {loop.settle:g}")
    verdict = (f"width {loop.width:.4g}, area {loop.area:.4g}" if loop.hysteresis
               else "no hysteresis")
    who = (f"N = {loop.population}" if loop.population != "mean-field" else "mean-field") \
        + (f", {loop.replicates} replicates" if loop.replicates > 1 else "")
    ax.set_title(f"{loop.model}: sweep of {loop.param} ({speed}; {who})\n{verdict}",
                 fontsize=10)
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def _direction_arrows(ax, p, y, cuts, color):
    """An arrowhead in the middle (in the parameter) of each stretch of a leg between its
    ends and jumps, pointing along the sweep: from the mean of the leg over the 2 % of its
    samples before the middle to the mean over the 2 % after (noise does not turn it)."""
    if p.size < 4:
        return
    edges = np.sort(np.concatenate([[p[0], p[-1]], cuts]))
    half = max(1, p.size // 50)
    for a, b in itertools.pairwise(edges):
        i = int(np.argmin(np.abs(p - (a + b) / 2)))
        i = min(max(i, half), p.size - 1 - half)
        tail = np.array([p[i - half], y[i - half:i + 1].mean()])
        head = np.array([p[i + half], y[i:i + half + 1].mean()])
        # a head outlined in black (it sits on lines of its own colour), with no visible tail
        ax.annotate("", xy=head, xytext=head - 1e-3 * (head - tail),
                    arrowprops={"arrowstyle": "-|>", "fc": color, "ec": "black", "lw": 0.6,
                                "mutation_scale": 16}, zorder=4)


# ---------------------------------------------------------------------- plain types
def _float(x):
    return None if x is None else float(x)
