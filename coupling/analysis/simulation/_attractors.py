r"""``cp.attractors``: where the coupled system ends up, from how many starting points, and how
that changes along a parameter.

Initial conditions are sampled at both levels (see ``_sampling``): every macro variable
uniformly in a box, and the micro level as a random configuration. Each sample is simulated
and its end classified (see ``_endings``):

* **fixed point** — the run stopped at an equilibrium, or every observable varies less than
  ``tol / 10`` of its scale over the last part (``tail``) of the run;
* **cycle** — the end of the run is periodic: the upward crossings of the smoothest active
  observable through its mid-range recur with the same state and the same spacing (the
  smallest recurrence q of the crossing states gives period-q orbits too); the period is the
  mean return time;
* **irregular** — neither (not settled by ``t_end``, quasi-periodic or chaotic);
* **metastable** — finite stochastic populations. The end-of-run observables of all runs are
  pooled; the metastable states are the modes of their kernel density along the first
  principal component (Silverman's bandwidth; modes separated by a dip below ``depth`` of the
  lower peak). Each trajectory is labelled by the core of the last state it visited
  (milestoning: a switch counts only once the trajectory reaches another state's core), so
  fluctuations at the boundary are not switches. The mean residence time of a state is its
  total labelled time over the number of exits (the exponential maximum-likelihood estimate
  with censored last visits).

Ends are clustered by their features (time mean and mean -/+ standard deviation of each
observable over a period; all equal for a fixed point) within ``tol`` of each observable's
scale. The basin
fraction of an attractor is the share of fresh samples ending there, with a Wilson score
interval (Wilson 1927, J. Am. Stat. Assoc. 22, 209-212).

Over a parameter range each value is run from the same fresh samples (common random numbers)
plus one seed at every attractor found at the previous value (its end state moved by 1e-3 of
the sampling box, so that a state that lost its stability is left), and the attractors of
consecutive values are matched by the distance of their features, nearest pairs first:
unmatched ones are born or have died between the two values. Seeds find attractors, fresh
samples alone give the fractions (Datseris, Rossi & Wagemakers 2023, "Framework for global
stability analysis of dynamical systems", Chaos 33, 073151: the seeded continuation of
Attractors.jl).
"""

import math
import numbers
import warnings
from functools import partial

import numpy as np
from scipy import stats

from ... import _checks, _progress
from ..._checks import fraction
from ...sweeps._executors import run_ordered
from ._attractor_results import Attractor, Attractors
from ._endings import deterministic_groups, metastable_groups
from ._inputs import observables as check_observables
from ._inputs import progress_option
from ._sampling import Sampler, Streams


def wilson_interval(count, n, confidence=0.95):
    r"""Wilson score interval of a binomial proportion ``count / n``.

    .. math:: \frac{\hat p + z^2/2n \pm z \sqrt{\hat p (1 - \hat p)/n + z^2/4n^2}}{1 + z^2/n},

    z the two-sided normal quantile of ``confidence``. Unlike the Wald interval it stays in
    [0, 1] and is not degenerate at 0 or n successes (Wilson 1927; Brown, Cai & DasGupta
    2001, Stat. Sci. 16, 101-133). Returns ``(lo, hi)``; ``(nan, nan)`` for n = 0.
    """
    if n == 0:
        return (math.nan, math.nan)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = count / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


# --------------------------------------------------------------------------- the analysis
def attractors(model, *, samples=100, param=None, values=None, population=None, seed=None,
               t_end=100.0, bounds=None, spread=0.0, observables=None, tail=0.5, tol=1e-2,
               depth=0.5, match_distance=np.inf, confidence=0.95, progress=None,
               executor="serial", **options):
    r"""Attractors and their basin fractions from sampled initial conditions at both levels.

    Parameters
    ----------
    model : Model
    samples : int
        Fresh initial conditions (per parameter value).
    param, values : str, sequence of float, optional
        Track the attractors over these values of a parameter, seeding each value from the
        attractors of the previous one.
    population : int, "mean-field" or MeanField, optional
        Default: the model's. A finite stochastic population (choice, step rules) is analysed
        for metastable states. Its traits are those ``cp.simulate(model, population=N,
        seed=seed)`` draws, the same for every sample.
    seed : int or SeedSequence, optional
        The root of every stream, each keyed by what it is for: the sampler, sample i's run
        (spawn key (3, 1, i) under the root's), the seeds from the attractors of the
        previous value. Same seed, same numbers, whatever the order the runs are made in.
    t_end : float
        Length of each run. A cycle is recognised once the examined end of the run
        (``tail``) spans at least three periods.
    bounds : mapping, optional
        ``{name: (lo, hi)}`` for macro variables and unit states (not choices), the box the
        initial values are drawn from. Default: the range a run from the declared initial
        state visits, with zero, widened threefold.
    spread : float
        Per-unit jitter of a finite population's initial unit states, as a fraction of the
        box width (0: every unit of a sample starts at the sample's level).
    observables : sequence of str, optional
        What distinguishes attractors (default: macro variables and aggregates).
    tail : float
        Fraction of each run at its end that is examined.
    tol : float
        Relative tolerance (of each observable's scale, the largest |value| the runs visit)
        within which two ends are the same attractor.
    depth : float
        Metastable states: two density modes are separate when the density between them
        falls below ``depth`` times the lower peak.
    match_distance : float
        Largest feature distance (relative to the scale) at which attractors of consecutive
        parameter values are matched; default: no limit, nearest pairs first.
    confidence : float
        Level of the Wilson intervals.
    progress : bool, optional
        A progress bar over the parameter values (over the samples without a range) on
        stderr, with tqdm installed; default: when stderr is a terminal.
    executor : "serial", "processes", int, concurrent.futures.Executor or dask Client
        Where the simulations from the samples run (see :func:`coupling.sweeps.run`); the
        result is the same on every executor.
    **options
        Passed to :func:`~coupling.simulate` (method, rtol, atol, dt, n_points,
        stop_at_equilibrium, ...). Deterministic runs default to stopping at an equilibrium
        (``stop_at_equilibrium=1e-6``); every run records 501 points unless told.

    Returns
    -------
    Attractors

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    >>> found = cp.attractors(model, samples=20, population=cp.MeanField(nodes=1), seed=1)
    >>> sorted(round(a["m"], 4) for a in found)
    [-0.9575, 0.9575]
    """
    from ...model._model import Model
    from ...model._rules import MeanField

    if not isinstance(model, Model):
        raise TypeError(f"model must be a cp.Model, got {type(model).__name__}")
    _checks.count(samples, argument="samples")
    _checks.positive(t_end, argument="t_end")
    fraction(tail, argument="tail")
    fraction(confidence, argument="confidence")
    fraction(depth, argument="depth")
    _checks.positive(tol, argument="tol")
    if not (isinstance(match_distance, numbers.Real) and match_distance > 0):
        raise ValueError(f"match_distance must be > 0, got {match_distance!r}")
    if not (isinstance(spread, numbers.Real) and 0 <= spread <= 1):
        raise ValueError(f"spread must be a number in [0, 1], got {spread!r}")
    population = model.population if population is None else _checks.population(population)
    if spread and isinstance(population, MeanField):
        raise ValueError("spread > 0 jitters individual units and needs a finite "
                         "population=N (mean-field nodes start at one level per sample)")
    values = _parameter_values(model, param, values)
    names = check_observables(model, observables)
    stochastic = model.is_stochastic and not isinstance(population, MeanField)
    settings = _settings(model, t_end, stochastic, options)
    show = progress_option(progress)

    streams = Streams(seed)
    sampler = Sampler(model, population, bounds, spread, seed=streams.bounds(), t_end=t_end)
    starts, table = sampler.draw(streams.sampler(), samples)
    classify = (partial(metastable_groups, names=names, tail=tail, depth=depth) if stochastic
                else partial(deterministic_groups, names=names, tail=tail, tol=tol))
    found, labels, failures, events = [], [], [], []
    previous, next_id = [], 0
    over_values = len(values) > 1  # the bar counts the values, or else the samples
    steps = _progress.progress(values, total=len(values), description="attractors",
                               enabled=show if over_values else False)
    for p, value in enumerate(steps):
        variant = model if param is None else model.with_parameters(**{param: value})
        seeds = [sampler.seed_from(a.trajectory, streams.jitter(p)) for a in previous]
        items = [(streams.run(i), state) for i, state in enumerate(starts)]
        items += [(streams.seeded(p, k), state) for k, state in enumerate(seeds)]
        runs = run_ordered(_Run(variant, population, settings), items, executor,
                           progress=False if over_values else show,
                           description="attractors: samples")
        groups = classify(runs)
        by_group = _summarise(groups, runs, samples, confidence, names,
                              None if param is None else float(value))
        current = list(by_group.values())
        next_id = _assign_ids(previous, current, next_id, match_distance, events,
                              values[p - 1] if p else None, value)
        labels.append([by_group[g].id if g in by_group else -1
                       for g in groups.labels[:samples]])
        failures.append([r.message for r in runs[:samples] if not r.success])
        found.append(current)
        previous = current
    status, notes, irregular = _status(found, failures)
    for note in notes:
        warnings.warn(note, stacklevel=2)
    count = len({a.id for f in found for a in f})
    done = (f"{count} attractors found." if param is None else
            f"{count} attractors tracked over {len(found)} values of {param}.")
    return Attractors(
        model=model.name, found=found, labels=np.array(labels, dtype=int), initial=table,
        observables=names, samples=samples, confidence=confidence,
        population="mean-field" if isinstance(population, MeanField) else population,
        seed=streams.entropy, t_end=float(t_end), param=param,
        values=None if param is None else np.asarray(values, dtype=float),
        events=events, failed=np.array([len(f) for f in failures], dtype=int),
        irregular=irregular, status=status,
        message=" ".join(notes) if notes else done)


class _Run:
    """One simulation from a sampled state (a picklable job for the executors)."""

    def __init__(self, model, population, settings):
        self.model, self.population, self.settings = model, population, settings

    def __call__(self, item):
        from ...dynamics._simulate import simulate

        seed, state = item
        return simulate(self.model, population=self.population, seed=seed, initial=state,
                        **self.settings)


def _status(found, failures):
    """(status, notes, irregular runs): failed runs are left out of the fractions, runs that
    settled nowhere are reported; no attractor at all (every run failed) is a failure."""
    failed = [m for f in failures for m in f]
    irregular = sum(a.count for f in found for a in f if a.kind == "irregular")
    notes = []
    if failed:
        notes.append(f"{len(failed)} runs failed and are left out of the fractions; the "
                     f"first: {failed[0]}")
    if irregular:
        notes.append(f"{irregular} runs settled neither at a fixed point nor on a cycle by "
                     "t_end (kind 'irregular'): increase t_end if they are still transient")
    if not any(found):
        return -1, notes, irregular
    return (1 if notes else 0), notes, irregular


# --------------------------------------------------------------------------- checks
def _parameter_values(model, param, values):
    """The parameter values to run at ([None] without a range)."""
    if param is None:
        if values is not None:
            raise ValueError("values are given but no param= names the parameter they are "
                             "values of")
        return [None]
    _checks.parameter(model, param)
    if values is None:
        raise ValueError(f"param={param!r} needs values=[...] to range over")
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"values must be numbers, got {values!r}") from None
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ValueError(f"values must be a non-empty 1-d sequence of finite numbers, got "
                         f"{values!r}")
    return list(array)


def _settings(model, t_end, stochastic, options):
    """Options for every simulate call: denser output, and stopping at equilibria."""
    settings = {"n_points": 501, **options}
    for key in ("population", "seed", "schedule"):
        if key in settings:
            raise ValueError(f"{key}= is an argument of this analysis, not a simulate option")
    if not stochastic:
        settings.setdefault("stop_at_equilibrium", 1e-6)
    if model.time == "discrete" and t_end != int(t_end):
        raise ValueError(f"t_end of a discrete-time model is a whole number of periods, "
                         f"got {t_end}")
    settings["t_end"] = float(t_end) if model.time == "continuous" else int(t_end)
    return settings


# --------------------------------------------------------------------------- summaries
def _summarise(groups, runs, samples, confidence, names, value):
    """Attractor records ``{group: Attractor}``: fractions over the fresh samples (the
    first ``samples`` runs), a representative run each (the first ending there; for a
    metastable state nothing ends in, the run that spent longest in it)."""
    fresh = groups.labels[:samples]
    n = int(np.sum(fresh >= 0))
    out = {}
    for g, ending in enumerate(groups.endings):
        members = np.flatnonzero(groups.labels == g)
        if members.size:
            representative = int(members[0])
        elif groups.visits is not None and groups.visits[:, g].sum() > 0:
            representative = int(np.argmax(groups.visits[:, g]))
        else:
            continue
        count = int(np.sum(fresh == g))
        attractor = Attractor(
            id=-1, kind=ending.kind, state=dict(zip(names, map(float, ending.state))),
            fraction=count / n if n else math.nan, ci=wilson_interval(count, n, confidence),
            count=count, value=value, period=ending.period,
            extent=(None if ending.kind != "cycle" else
                    {m: (float(a), float(b)) for m, a, b in zip(names, ending.minimum,
                                                                  ending.maximum)}),
            trajectory=runs[representative],
            features=ending.features / np.tile(groups.scale, 3))
        if groups.stats:
            attractor.residence_time = groups.stats[g]["residence_time"]
            attractor.transitions = groups.stats[g]["exits"]
            attractor.occupancy = groups.stats[g]["occupancy"]
        out[g] = attractor
    return out


def _assign_ids(previous, current, next_id, limit, events, before, value):
    """Match ``current`` to ``previous`` attractors, nearest feature pairs first (within
    ``limit``); give the unmatched new ids and record births and deaths."""
    pairs = sorted((float(np.max(np.abs(a.features - b.features))), i, j)
                   for i, a in enumerate(previous) for j, b in enumerate(current))
    taken_prev, taken_cur = set(), set()
    for distance, i, j in pairs:
        if distance <= limit and i not in taken_prev and j not in taken_cur:
            current[j].id = previous[i].id
            taken_prev.add(i)
            taken_cur.add(j)
    for j, a in enumerate(current):
        if j not in taken_cur:
            a.id = next_id
            next_id += 1
            if before is not None:
                events.append({"event": "birth", "id": a.id,
                               "between": (float(before), float(value))})
    for i, a in enumerate(previous):
        if i not in taken_prev:
            events.append({"event": "death", "id": a.id,
                           "between": (float(before), float(value))})
    current.sort(key=lambda a: a.id)
    return next_id
