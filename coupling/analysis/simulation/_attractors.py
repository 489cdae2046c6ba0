r"""``cp.attractors``: where the coupled system ends up, from how many starting points, and how
that changes along a parameter.

Initial conditions are sampled at both levels: every macro variable uniformly in a box, and
the micro level as a random configuration (a random common level of each unit state, with
optional per-unit jitter; random choice shares, uniform on the probability simplex). Each
sample is simulated and its end classified:

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

import copy
import dataclasses
import math
import numbers
import warnings
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from scipy import stats
from scipy.integrate import trapezoid

KINDS = ("fixed point", "cycle", "metastable", "irregular")


# --------------------------------------------------------------------------- statistics
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


# --------------------------------------------------------------------------- results
@dataclass
class Attractor:
    """One attractor (or metastable state) at one parameter value.

    Attributes
    ----------
    id : int
        Its track: the same id at consecutive parameter values is the same attractor.
    kind : str
        "fixed point", "cycle", "metastable" or "irregular".
    state : dict
        Observable -> value: the fixed point, the time mean over one period of a cycle, or
        the mean over the end-of-run points in a metastable state's core.
    fraction, ci : float, (float, float)
        Basin fraction (share of fresh samples ending here) and its Wilson interval. For a
        metastable state between which runs switch, the share of runs in it at t_end.
    count : int
        Fresh samples ending here (0: found only from a seed of the previous value).
    value : float or None
        The parameter value (None without a parameter range).
    period : float or None
        Period of a cycle.
    extent : dict or None
        Observable -> (min, max) over a period of a cycle.
    residence_time : float or None
        Mean residence time of a metastable state (None when nothing left it).
    transitions : int or None
        Exits from a metastable state counted along all trajectories.
    occupancy : float or None
        Share of the labelled time spent in a metastable state.
    trajectory : Trajectory
        A representative run ending here.
    """

    id: int
    kind: str
    state: dict
    fraction: float
    ci: tuple
    count: int
    value: float = None
    period: float = None
    extent: dict = None
    residence_time: float = None
    transitions: int = None
    occupancy: float = None
    trajectory: object = field(default=None, repr=False)
    features: np.ndarray = field(default=None, repr=False)

    def __getitem__(self, name):
        return self.state[name]

    def __repr__(self):
        state = ", ".join(f"{n}={v:.6g}" for n, v in self.state.items())
        extra = ""
        if self.period is not None:
            extra += f", period={self.period:.6g}"
        if self.kind == "metastable":
            tau = "none seen" if self.residence_time is None else f"{self.residence_time:.4g}"
            extra += f", residence={tau}"
        at = "" if self.value is None else f" at {self.value:g}"
        return (f"Attractor(#{self.id} {self.kind}{at}: {state}{extra}, fraction="
                f"{self.fraction:.3f} [{self.ci[0]:.3f}, {self.ci[1]:.3f}])")

    def to_dict(self):
        """Plain Python types (for JSON)."""
        return {
            "id": self.id, "kind": self.kind, "value": self.value,
            "state": {n: float(v) for n, v in self.state.items()},
            "fraction": float(self.fraction), "ci": [float(c) for c in self.ci],
            "count": int(self.count), "period": _float(self.period),
            "extent": None if self.extent is None else
            {n: [float(a), float(b)] for n, (a, b) in self.extent.items()},
            "residence_time": _float(self.residence_time),
            "transitions": None if self.transitions is None else int(self.transitions),
            "occupancy": _float(self.occupancy),
        }


def _float(value):
    return None if value is None else float(value)


@dataclass
class Attractors:
    """The attractors of a model (over a parameter range), with basin fractions.

    Attributes
    ----------
    found : list of list of Attractor
        The attractors at each parameter value (one entry without a range).
    param : str or None
        The parameter varied; ``values`` its values (None without a range).
    labels : ndarray (P, samples)
        The attractor id each fresh sample ends in at each value (-1: the run failed).
    initial : dict of ndarray (samples,)
        The sampled initial conditions: macro variables, unit-state levels, choice shares
        ``"share(s=1)"``.
    events : list of dict
        ``{"event": "birth" | "death", "id", "between": (v0, v1)}``: an attractor first
        found at v1 (absent at v0), or last found at v0.
    """

    model: str
    found: list
    labels: np.ndarray
    initial: dict
    observables: tuple
    samples: int
    confidence: float
    population: object
    seed: object
    t_end: float
    param: str = None
    values: np.ndarray = None
    events: list = field(default_factory=list)
    failed: np.ndarray = None

    # ------------------------------------------------------------------ access
    @property
    def attractors(self):
        """The attractors: of the single value, or of every value in turn."""
        return [a for found in self.found for a in found]

    @property
    def ids(self):
        """Track ids in order of first appearance."""
        return list(dict.fromkeys(a.id for a in self.attractors))

    def __len__(self):
        return len(self.ids)

    def __iter__(self):
        return iter(self.attractors)

    def __getitem__(self, i):
        return self.attractors[i]

    def at(self, value):
        """The attractors at the parameter value nearest ``value``."""
        if self.values is None:
            return list(self.found[0])
        return list(self.found[int(np.argmin(np.abs(self.values - value)))])

    def track(self, id):
        """The attractor ``id`` at every value where it exists."""
        return [a for a in self.attractors if a.id == id]

    @property
    def births(self):
        return [e for e in self.events if e["event"] == "birth"]

    @property
    def deaths(self):
        return [e for e in self.events if e["event"] == "death"]

    def fractions(self):
        """``(ids, F, lo, hi)``: basin fractions and CI bounds, arrays (P, A); NaN where an
        attractor does not exist."""
        ids = self.ids
        shape = (len(self.found), len(ids))
        F, lo, hi = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        for p, found in enumerate(self.found):
            for a in found:
                j = ids.index(a.id)
                F[p, j], (lo[p, j], hi[p, j]) = a.fraction, a.ci
        return ids, F, lo, hi

    # ------------------------------------------------------------------ views
    def __repr__(self):
        head = (f"Attractors(model={self.model!r}, population={self.population}, "
                f"{self.samples} samples")
        if self.param is None:
            lines = [f"  {a!r}" for a in self.found[0]]
            return head + f", {len(self.found[0])} found:\n" + "\n".join(lines) + ")"
        head += (f" at each of {self.values.size} values of {self.param} in "
                 f"[{self.values.min():g}, {self.values.max():g}], {len(self)} tracked:")
        lines = []
        for i in self.ids:
            track = self.track(i)
            state = ", ".join(f"{n}={v:.4g}" for n, v in track[0].state.items())
            lines.append(f"  #{i} {track[0].kind}: {self.param} in [{track[0].value:g}, "
                         f"{track[-1].value:g}] (first: {state})")
        for e in self.events:
            lines.append(f"  {e['event']} of #{e['id']} between {self.param} = "
                         f"{e['between'][0]:g} and {e['between'][1]:g}")
        return head + "\n" + "\n".join(lines) + ")"

    def to_dict(self):
        """Plain Python types (for JSON)."""
        from ...results import _jsonable

        return {
            "model": self.model, "param": self.param,
            "values": None if self.values is None else self.values.tolist(),
            "samples": self.samples, "confidence": self.confidence,
            "population": str(self.population), "seed": _jsonable(self.seed),
            "t_end": self.t_end, "observables": list(self.observables),
            "attractors": [a.to_dict() for a in self.attractors],
            "events": [{"event": e["event"], "id": e["id"],
                        "between": [float(v) for v in e["between"]]} for e in self.events],
            "failed": self.failed.tolist(),
        }

    def to_dataframe(self):
        """One row per attractor (and parameter value)."""
        import pandas as pd

        rows = []
        for a in self.attractors:
            row = {} if self.param is None else {self.param: a.value}
            row.update(id=a.id, kind=a.kind, fraction=a.fraction, ci_low=a.ci[0],
                       ci_high=a.ci[1], count=a.count, period=a.period,
                       residence_time=a.residence_time)
            row.update(a.state)
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, ax=None):
        """Basin fractions: a bar chart with CI error bars for one value, else each
        attractor's fraction against the parameter with its CI band; births and deaths are
        marked by dotted lines. Returns the Axes."""
        from ...plotting import _axes

        ax = _axes(ax)
        first = self.observables[0]
        if self.param is None:
            found = self.found[0]
            x = np.arange(len(found))
            f = np.array([a.fraction for a in found])
            err = np.array([[a.fraction - a.ci[0], a.ci[1] - a.fraction] for a in found]).T
            ax.bar(x, f, yerr=err.reshape(2, -1), capsize=4, color=[f"C{a.id % 10}"
                                                                    for a in found])
            ax.set_xticks(x, [f"#{a.id} {a.kind}\n{first} = {a.state[first]:.3g}"
                              for a in found])
            ax.set_ylabel(f"basin fraction ({self.confidence:.0%} CI)")
            ax.set_ylim(0, 1.05)
            ax.set_title(f"{self.model}: basin fractions ({self.samples} samples)")
            return ax
        ids, F, lo, hi = self.fractions()
        for j, i in enumerate(ids):
            track = self.track(i)
            color = f"C{i % 10}"
            ax.plot(self.values, F[:, j], "o-", ms=3, color=color,
                    label=f"#{i} {track[0].kind} ({first} = {track[0].state[first]:.3g} at "
                          f"{self.param} = {track[0].value:g})")
            ax.fill_between(self.values, lo[:, j], hi[:, j], color=color, alpha=0.2, lw=0)
        for e in self.events:
            ax.axvline(np.mean(e["between"]), color=f"C{e['id'] % 10}", ls=":", lw=1)
            ax.annotate(f"{e['event']} #{e['id']}", (np.mean(e["between"]), 1.0),
                        xycoords=("data", "axes fraction"), xytext=(2, -10 - 10 * (
                            e["event"] == "death")), textcoords="offset points", fontsize=8,
                        color=f"C{e['id'] % 10}")
        ax.set_xlabel(self.param)
        ax.set_ylabel(f"basin fraction ({self.confidence:.0%} CI)")
        ax.set_ylim(-0.02, 1.1)
        ax.set_title(f"{self.model}: basin fractions against {self.param} "
                     f"({self.samples} samples per value)")
        ax.legend(loc="best", frameon=False, fontsize=8)
        return ax


# --------------------------------------------------------------------------- the analysis
def attractors(model, *, samples=100, param=None, values=None, population=None, seed=None,
               t_end=100.0, bounds=None, spread=0.0, observables=None, tail=0.5, tol=1e-2,
               depth=0.5, match_distance=np.inf, confidence=0.95, **options):
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
    seed : int, optional
        One SeedSequence spawns the sampler's and every run's streams: same seed, same
        numbers.
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
    from ...model._model import Model, _check_population
    from ...model._rules import MeanField

    if not isinstance(model, Model):
        raise TypeError(f"model must be a cp.Model, got {type(model).__name__}")
    _check_count("samples", samples)
    _check_positive("t_end", t_end)
    _check_fraction("tail", tail)
    _check_fraction("confidence", confidence)
    _check_fraction("depth", depth)
    _check_positive("tol", tol)
    if not (isinstance(match_distance, numbers.Real) and match_distance > 0):
        raise ValueError(f"match_distance must be > 0, got {match_distance!r}")
    if not (isinstance(spread, numbers.Real) and 0 <= spread <= 1):
        raise ValueError(f"spread must be a number in [0, 1], got {spread!r}")
    population = model.population if population is None else _check_population(population)
    if spread and isinstance(population, MeanField):
        raise ValueError("spread > 0 jitters individual units and needs a finite "
                         "population=N (mean-field nodes start at one level per sample)")
    values = _check_range(model, param, values)
    names = check_observables(model, observables)
    if population != model.population:  # initial arrays are checked against it
        model = model.replace(population=population)
    stochastic = model.is_stochastic and not isinstance(population, MeanField)
    settings = _settings(model, t_end, stochastic, options)

    streams = Streams(seed)
    sampler = Sampler(model, population, bounds, spread, seed=streams.bounds(), t_end=t_end)
    specs, table = sampler.draw(streams.sampler(), samples)
    classify = (partial(metastable_groups, names=names, tail=tail, depth=depth) if stochastic
                else partial(deterministic_groups, names=names, tail=tail, tol=tol))
    found, labels, failures, events = [], [], [], []
    previous, next_id = [], 0
    for p, value in enumerate(values):
        variant = model if param is None else model.with_parameters(**{param: value})
        seeds = [sampler.seed_from(a.trajectory, streams.jitter(p)) for a in previous]
        runs = [simulate_from(variant, population, spec, streams.run(i), settings)
                for i, spec in enumerate(specs)]
        runs += [simulate_from(variant, population, spec, streams.seeded(p, k), settings)
                 for k, spec in enumerate(seeds)]
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
    _warn(found, failures)
    return Attractors(
        model=model.name, found=found, labels=np.array(labels, dtype=int), initial=table,
        observables=names, samples=samples, confidence=confidence,
        population="mean-field" if isinstance(population, MeanField) else population,
        seed=streams.entropy, t_end=float(t_end), param=param,
        values=None if param is None else np.asarray(values, dtype=float),
        events=events, failed=np.array([len(f) for f in failures], dtype=int))


def _warn(found, failures):
    failed = [m for f in failures for m in f]
    if failed:
        warnings.warn(f"{len(failed)} runs failed and are left out of the fractions; the "
                      f"first: {failed[0]}", stacklevel=3)
    irregular = sum(a.count for f in found for a in f if a.kind == "irregular")
    if irregular:
        warnings.warn(f"{irregular} runs settled neither at a fixed point nor on a cycle by "
                      "t_end (kind 'irregular'): increase t_end if they are still transient",
                      stacklevel=3)


# --------------------------------------------------------------------------- checks
def _check_count(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1, got {value!r}")


def _check_positive(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive number, got {value!r}")


def _check_fraction(name, value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}")


def _check_range(model, param, values):
    if param is None:
        if values is not None:
            raise ValueError("values are given but no param= names the parameter they are "
                             "values of")
        return [None]
    if param not in model.parameters:
        raise ValueError(f"param={param!r} is not a parameter of the model; its parameters "
                         f"are {sorted(model.parameters)}")
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


def check_observables(model, observables):
    """The observables that tell attractors apart (default: macro variables, aggregates)."""
    allowed = tuple(model.macro) + tuple(model.aggregates) + tuple(model.context)
    if observables is None:
        return tuple(model.macro) + tuple(model.aggregates)
    names = (observables,) if isinstance(observables, str) else tuple(observables)
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise ValueError(f"observables must name macro variables, aggregates or context "
                         f"variables {list(allowed)}; got {list(names)}")
    return names


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


# --------------------------------------------------------------------------- seeds
class _RunSeed(np.random.SeedSequence):
    """A run's SeedSequence whose first spawned stream (the trait draws, see
    ``System``) is a shared one: every sample runs the same finite population."""

    def __init__(self, entropy=None, *, spawn_key=(), pool_size=4, n_children_spawned=0,
                 traits=None):
        super().__init__(entropy, spawn_key=spawn_key, pool_size=pool_size,
                         n_children_spawned=n_children_spawned)
        self._traits = traits

    def spawn(self, n_children):
        children = super().spawn(n_children)
        return children if self._traits is None else [self._traits, *children[1:]]


class Streams:
    """Every random stream of an analysis, from one SeedSequence.

    The traits are the stream ``cp.simulate(..., seed=seed)`` draws them from (child 0);
    the sampler and the runs use children of a separate branch (spawn key 3)."""

    def __init__(self, seed):
        root = seed if isinstance(seed, np.random.SeedSequence) \
            else np.random.SeedSequence(seed)
        self.entropy, self.key = root.entropy, tuple(root.spawn_key)

    def _child(self, *key):
        return np.random.SeedSequence(self.entropy, spawn_key=self.key + key)

    def bounds(self):
        """The run that finds default sampling bounds (same population as the samples)."""
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 4), traits=self._child(0))

    def sampler(self):
        return np.random.default_rng(self._child(3, 0))

    def run(self, i):
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 1, i), traits=self._child(0))

    def jitter(self, p):
        return np.random.default_rng(self._child(3, 3, p))

    def seeded(self, p, k):
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 2, p, k),
                        traits=self._child(0))


# --------------------------------------------------------------------------- sampling
class Sampler:
    """Random initial conditions at both levels, and seeds from end states."""

    def __init__(self, model, population, bounds, spread, *, seed, t_end):
        from ...model._rules import MeanField

        self.model, self.population, self.spread = model, population, spread
        self.finite = not isinstance(population, MeanField)
        self.choice = model.micro.kind == "choice"
        self.states = () if self.choice else tuple(model.micro.states)
        self.box = _bounds(model, population, bounds, self.states, seed, t_end)

    def draw(self, rng, n):
        """``n`` initial specs ``{"micro": ..., "macro": ...}`` and the table of draws."""
        table = {}
        macro = {name: rng.uniform(*self.box[name], n) for name in self.model.macro}
        table.update(macro)
        if self.choice:
            options = self.model.micro.options
            shares = rng.dirichlet(np.ones(len(options)), n)
            table.update({f"share({self.model.micro.state}={o:g})": shares[:, j]
                          for j, o in enumerate(options)})
            micro = [tuple(row) for row in shares]
        else:
            levels = {s: rng.uniform(*self.box[s], n) for s in self.states}
            table.update(levels)
            micro = [self._units(rng, {s: levels[s][i] for s in self.states})
                     for i in range(n)]
        specs = [{"micro": micro[i], "macro": {k: float(v[i]) for k, v in macro.items()}}
                 for i in range(n)]
        return specs, table

    def _units(self, rng, levels):
        if not (self.finite and self.spread):
            return {s: float(v) for s, v in levels.items()}
        out = {}
        for s, level in levels.items():
            lo, hi = self.box[s]
            jitter = self.spread * (hi - lo) * (rng.random(self.population) - 0.5)
            out[s] = np.clip(level + jitter, lo, hi)
        return out

    def seed_from(self, trajectory, rng, size=1e-3):
        """A spec restarting near a trajectory's end state: moved by up to ``size`` of the
        box width (of a choice share: by up to ``size``), so that an equilibrium that lost
        its stability, or an invariant set such as a symmetric state, is left. A mean-field
        population restarts every node at the population mean (per-node arrays need a
        finite population); a finite choice population at its units' choices."""
        spec = end_spec(self.model, trajectory, self.finite)

        def shift(name, value):
            lo, hi = self.box[name]
            moved = value + size * (hi - lo) * rng.uniform(-1, 1, np.shape(value))
            return float(moved) if np.ndim(value) == 0 else moved

        spec["macro"] = {n: shift(n, v) for n, v in spec["macro"].items()}
        micro = spec["micro"]
        if isinstance(micro, dict):
            spec["micro"] = {n: shift(n, v) for n, v in micro.items()}
        elif isinstance(micro, tuple):  # mean-field choice probabilities
            p = np.clip(np.array(micro) + size * rng.uniform(-1, 1, len(micro)), 0, None)
            spec["micro"] = tuple(p / p.sum())
        return spec


def end_spec(model, trajectory, finite):
    """The initial spec of a run continuing from ``trajectory``'s end."""
    Z = trajectory.micro[-1]
    w = trajectory.weights
    macro = {n: float(trajectory[n][-1]) for n in model.macro}
    rule = model.micro
    if rule.kind == "choice":
        if finite:
            micro = Z[:, 0].copy()
        else:
            p = np.clip(w @ Z, 0, None)
            micro = tuple(p / p.sum())
    else:
        micro = {s: (Z[:, j].copy() if finite else float(w @ Z[:, j]))
                 for j, s in enumerate(rule.states)}
    return {"micro": micro, "macro": macro}


def _bounds(model, population, bounds, states, seed, t_end):
    """The sampling box of the macro variables and unit states."""
    needed = tuple(model.macro) + tuple(states)
    bounds = dict(bounds or {})
    unknown = set(bounds) - set(needed)
    if unknown:
        raise ValueError(f"bounds name {sorted(unknown)}, which are not macro variables or "
                         f"unit states; expected some of {list(needed)}"
                         + (" (choice shares are sampled on the simplex)"
                            if model.micro.kind == "choice" else ""))
    box = {}
    for name, pair in bounds.items():
        try:
            lo, hi = map(float, pair)
        except (TypeError, ValueError):
            raise ValueError(f"bounds of {name!r} must be a (lo, hi) pair, got {pair!r}") \
                from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"bounds of {name!r} must satisfy lo < hi, got ({lo}, {hi})")
        box[name] = (lo, hi)
    missing = [n for n in needed if n not in box]
    if missing:
        box.update(_default_bounds(model, population, missing, seed, t_end))
    return box


def _default_bounds(model, population, names, seed, t_end):
    """The range a run from the declared initial state visits, with zero, widened
    threefold (as the equilibrium search does)."""
    from ...dynamics._simulate import simulate

    run = simulate(model, t_end=min(t_end, 50) if model.time == "continuous" else
                   int(min(t_end, 100)), population=population, seed=seed,
                   micro_snapshots=True, n_points=51)
    out = {}
    for name in names:
        if name in model.macro:
            values = run[name]
        else:
            values = run.micro[:, :, model.micro.states.index(name)]
        lo, hi = min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)
        mid, half = (lo + hi) / 2, max(hi - lo, 1.0) * 1.5
        out[name] = (mid - half, mid + half)
    return out


def with_initial(model, spec):
    """A copy of ``model`` starting from ``spec = {"micro": ..., "macro": {name: value}}``.

    ``micro`` is what the rule's ``initial`` accepts (for a choice: an option value,
    probabilities or an array of option values; otherwise ``{state: number or array}``).
    The compiled expressions are shared when the new initial values are plain numbers or
    arrays (nothing new to compile).
    """
    from ...model._rules import Macro

    rule = model.micro
    changes = {}
    micro = spec.get("micro")
    if micro is not None:
        initial = micro if rule.kind == "choice" else {**rule.initial, **micro}
        changes["micro"] = dataclasses.replace(rule, initial=initial)
    macro = spec.get("macro") or {}
    if macro:
        changes["macro"] = {n: Macro(m.rhs, float(macro.get(n, m.initial)))
                            for n, m in model.macro.items()}
    new = model.replace(**changes)
    if not changes:
        return new
    code = model.compiled
    if rule.kind != "choice" and micro is not None:
        numeric = all(isinstance(v, (numbers.Real, np.ndarray)) for v in micro.values())
        if not (numeric and set(micro) == set(rule.states) and hasattr(code, "initial")):
            return new  # an expression: compile it
        code = copy.copy(code)
        code.initial = {s: np.atleast_1d(np.asarray(v, dtype=float)) for s, v in micro.items()}
    new.__dict__["compiled"] = code
    return new


def simulate_from(model, population, spec, seed, settings):
    """One run of ``model`` from the initial ``spec``."""
    from ...dynamics._simulate import simulate

    return simulate(with_initial(model, spec), population=population, seed=seed, **settings)


# --------------------------------------------------------------------------- classification
@dataclass
class Ending:
    """How one deterministic run ends: kind, state and extremes (over a period)."""

    kind: str
    state: np.ndarray
    low: np.ndarray                    # features: state -/+ the sd over a period
    high: np.ndarray
    period: float = None
    minimum: np.ndarray = None         # extremes over a period (cycles)
    maximum: np.ndarray = None
    section: np.ndarray = None         # cycles: the state where the orbit crosses a section

    @property
    def features(self):
        return np.concatenate([self.low, self.state, self.high])

    def same(self, other, scale, tol):
        """Whether two endings are the same attractor, to ``tol`` of the scale: cycles by
        their period and section crossing (interpolated on the smoothest observable, so it
        does not depend on where the output samples fall on the fast parts of a relaxation
        oscillation, as period means do), other ends by their features."""
        if other.kind != self.kind:
            return False
        if self.section is None:
            return feature_distance(self.features, other.features, scale) <= tol
        return (feature_distance(self.section, other.section, scale) <= tol
                and abs(self.period - other.period) <= tol * self.period)


@dataclass
class Groups:
    """Runs grouped by the attractor they end in (-1: failed)."""

    labels: np.ndarray
    endings: list                      # per group: its Ending
    scale: np.ndarray
    stats: list = None                 # metastable: per group residence statistics
    visits: np.ndarray = None          # metastable: (runs, groups) time spent in each
    classify: object = None            # metastable: observables (T, d) -> core index or -1


def observable_matrix(trajectory, names):
    return np.column_stack([trajectory[n] for n in names])


def run_scale(runs, names):
    """Per-observable scale: the largest |value| any run visits (floored)."""
    peaks = [np.max(np.abs(observable_matrix(r, names)), axis=0) for r in runs
             if r.success and r.t.size]
    scale = np.max(peaks, axis=0) if peaks else np.ones(len(names))
    return np.maximum(scale, 1e-12)


def describe(trajectory, names, *, scale, tail, tol):
    """Classify the end of a deterministic run (see the module notes)."""
    series = observable_matrix(trajectory, names)
    t = trajectory.t
    if trajectory.status == 1 or t.size < 4:
        return Ending("fixed point", series[-1], series[-1], series[-1])
    keep = t >= t[-1] - tail * (t[-1] - t[0])
    W, tw = series[keep], t[keep]
    amplitude = np.ptp(W, axis=0)
    if np.all(amplitude <= 0.1 * tol * scale):
        return Ending("fixed point", series[-1], series[-1], series[-1])
    cycle = _cycle(W, tw, amplitude, scale, tol)
    if cycle is not None:
        return cycle
    mean, sd = W.mean(axis=0), W.std(axis=0)
    return Ending("irregular", mean, mean - sd, mean + sd)


def _cycle(W, tw, amplitude, scale, tol):
    """A periodic end: returns of the section crossings to the same state at equal
    intervals; the smallest recurrence q of the crossing states covers period-q orbits."""
    active = amplitude > 0.1 * tol * scale
    steps = np.max(np.abs(np.diff(W, axis=0)), axis=0)
    smooth = np.where(active, amplitude / np.maximum(steps, 1e-300), -np.inf)
    j = int(np.argmax(smooth))
    x = W[:, j] - (W[:, j].max() + W[:, j].min()) / 2
    up = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    if up.size < 3:
        return None
    frac = -x[up] / (x[up + 1] - x[up])
    crossings = tw[up] + frac * (tw[up + 1] - tw[up])
    states = W[up] + frac[:, None] * (W[up + 1] - W[up])
    n = crossings.size
    for q in range(1, n // 2 + 1):
        same = np.max(np.abs(states[q:] - states[:-q]) / scale) <= tol
        returns = crossings[q:] - crossings[:-q]
        if same and np.ptp(returns) <= tol * returns.mean():
            return _cycle_ending(W, tw, float(returns.mean()), states[-q:].mean(axis=0))
    return None


def _cycle_ending(W, tw, period, section):
    """Time mean and standard deviation (trapezoid) over the last period, whose features
    are mean -/+ sd: integrals, insensitive to where the output samples fall on fast
    segments. The extremes are the sampled ones."""
    start = tw[-1] - period
    inside = tw > start
    t = np.concatenate([[start], tw[inside]])
    first = np.array([np.interp(start, tw, W[:, j]) for j in range(W.shape[1])])
    values = np.vstack([first, W[inside]])
    mean = trapezoid(values, t, axis=0) / period
    sd = np.sqrt(trapezoid((values - mean) ** 2, t, axis=0) / period)
    return Ending("cycle", mean, mean - sd, mean + sd, period,
                  values.min(axis=0), values.max(axis=0), section)


def deterministic_groups(runs, *, names, tail, tol, scale=None):
    """Group deterministic runs by their ends: the same kind and features within ``tol``
    of the scale (leader clustering in run order)."""
    scale = run_scale(runs, names) if scale is None else scale
    labels, endings = np.full(len(runs), -1), []
    for r, run in enumerate(runs):
        if not run.success:
            continue
        ending = describe(run, names, scale=scale, tail=tail, tol=tol)
        for g, other in enumerate(endings):
            if other.same(ending, scale, tol):
                labels[r] = g
                break
        else:
            labels[r] = len(endings)
            endings.append(ending)
    return Groups(labels, endings, scale)


def feature_distance(a, b, scale):
    """max |a - b| / scale over the features (mean -/+ sd, mean of each observable)."""
    return float(np.max(np.abs(a - b) / np.tile(scale, a.size // scale.size)))


# --------------------------------------------------------------------------- metastable
def metastable_groups(runs, *, names, tail, depth, core=0.5):
    """Metastable states of stochastic runs: density modes of the pooled end-of-run
    observables along their first principal component; each run labelled by milestoning."""
    ok = [r for r in runs if r.success and r.t.size]
    labels = np.full(len(runs), -1)
    if not ok:
        return Groups(labels, [], np.ones(len(names)), [])
    tails = [observable_matrix(r, names)[r.t >= r.t[-1] - tail * (r.t[-1] - r.t[0])]
             for r in ok]
    pooled = np.vstack(tails)
    centre, spread = pooled.mean(axis=0), pooled.std(axis=0)
    spread[spread == 0] = 1.0
    axis = _principal_axis((pooled - centre) / spread)
    project = lambda series: ((series - centre) / spread) @ axis  # noqa: E731
    modes, cuts = density_modes(project(pooled), depth=depth)
    cores = _cores(modes, cuts, core)
    scale = np.maximum(np.max(np.abs(pooled), axis=0), 1e-12)
    k = modes.size
    exits, sums, counts = np.zeros(k, int), np.zeros((2, k, len(names))), np.zeros((2, k))
    visits = np.zeros((len(runs), k))
    for r, run in enumerate(runs):
        if not (run.success and run.t.size):
            continue
        series = observable_matrix(run, names)
        s = project(series)
        milestone = _milestones(s, cores, modes)
        np.add.at(visits[r], milestone[:-1], np.diff(run.t))
        change = milestone[1:] != milestone[:-1]
        np.add.at(exits, milestone[:-1][change], 1)
        in_tail = run.t >= run.t[-1] - tail * (run.t[-1] - run.t[0])
        core_hit = _core_index(s, cores)
        for part, where in enumerate((in_tail & (core_hit >= 0), slice(None))):
            np.add.at(sums[part], milestone[where], series[where])  # in the cores, or anywhere
            np.add.at(counts[part], milestone[where], 1)
        labels[r] = milestone[-1]
    time = visits.sum(axis=0)
    endings, statistics = [], []
    for m in range(k):
        part = 0 if counts[0, m] else 1
        state = sums[part, m] / max(counts[part, m], 1)
        endings.append(Ending("metastable", state, state, state))
        statistics.append({"time": time[m], "exits": int(exits[m]),
                           "residence_time": time[m] / exits[m] if exits[m] else None,
                           "occupancy": time[m] / time.sum() if time.sum() else None})
    return Groups(labels, endings, scale, statistics, visits,
                  classify=lambda series: _core_index(project(series), cores))


def _principal_axis(Z):
    if Z.shape[1] == 1:
        return np.ones(1)
    _, _, vt = np.linalg.svd(Z - Z.mean(axis=0), full_matrices=False)
    axis = vt[0]
    return axis * np.sign(axis[np.argmax(np.abs(axis))])


def density_modes(s, *, depth, grid=512):
    r"""Modes of the Gaussian kernel density of the sample ``s`` and the antimodes between
    them. Bandwidth: Silverman's rule :math:`0.9 \min(\sigma, \mathrm{IQR}/1.34)\, n^{-1/5}`.
    Adjacent modes merge while the density between them exceeds ``depth`` times the lower
    peak. Returns ``(modes, cuts)``, sorted."""
    s = np.asarray(s, dtype=float)
    sd = s.std()
    iqr = np.subtract(*np.percentile(s, [75, 25]))
    h = 0.9 * min(sd, iqr / 1.34 if iqr > 0 else sd) * s.size ** -0.2
    if not h > 0:
        return np.array([float(np.mean(s))]), np.array([])
    x = np.linspace(s.min() - 3 * h, s.max() + 3 * h, grid)
    counts, edges = np.histogram(s, bins=4 * grid, range=(x[0], x[-1]))
    centres = (edges[:-1] + edges[1:]) / 2
    density = np.zeros(grid)
    for lo in range(0, grid, 128):  # binned KDE, in blocks to bound memory
        d = (x[lo:lo + 128, None] - centres[None, :]) / h
        density[lo:lo + 128] = np.exp(-0.5 * d * d) @ counts
    peaks = [i for i in range(grid) if (i == 0 or density[i] > density[i - 1])
             and (i == grid - 1 or density[i] >= density[i + 1])]
    merged = True
    while merged and len(peaks) > 1:
        merged = False
        for a in range(len(peaks) - 1):
            i, j = peaks[a], peaks[a + 1]
            valley = density[i:j + 1].min()
            if valley > depth * min(density[i], density[j]):
                peaks.pop(a if density[i] < density[j] else a + 1)
                merged = True
                break
    cuts = [x[i + int(np.argmin(density[i:j + 1]))] for i, j in zip(peaks[:-1], peaks[1:])]
    return x[peaks], np.array(cuts)


def _cores(modes, cuts, core):
    """Each state's core: the part of its interval within ``core`` of the way from its mode
    to the neighbouring antimodes."""
    lo = np.concatenate([[-np.inf], modes[1:] - core * (modes[1:] - cuts)])
    hi = np.concatenate([modes[:-1] + core * (cuts - modes[:-1]), [np.inf]])
    return lo, hi


def _core_index(s, cores):
    """The core each point lies in, -1 for none."""
    lo, hi = cores
    inside = (s[:, None] >= lo[None, :]) & (s[:, None] <= hi[None, :])
    return np.where(inside.any(axis=1), inside.argmax(axis=1), -1)


def _milestones(s, cores, modes):
    """Label of the last core visited at each time (before the first visit: nearest mode)."""
    hit = _core_index(s, cores)
    index = np.where(hit >= 0, np.arange(s.size), 0)
    np.maximum.accumulate(index, out=index)
    labels = hit[index]
    first = np.argmin(np.abs(s[0] - modes))
    return np.where(labels >= 0, labels, first)


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
