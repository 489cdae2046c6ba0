r"""``cp.path_dependence``: the same final parameters after different histories.

Identical individual rules can leave a population in different macro states: where it ends
depends on the parameter path it was led along (hysteresis) or on the micro configuration it
started from. Each history is simulated to ``t_end`` with the same seed (the same finite
population and the same random numbers); the end of each run is classified as in
:func:`~coupling.attractors` (fixed point, cycle, irregular; metastable state for finite
stochastic populations), and the ends are compared:

* ``outcomes``: which attractor each history ends in (ends within ``tol`` of the observables'
  scale are the same attractor);
* ``distances``: the Euclidean distance between the end states in the observables (the fixed
  point, a cycle's time mean over a period, or the mean over the end of the run in a
  metastable state's core).

The histories must end with the same parameter values, so that any difference is the
history's doing.
"""

import numbers
from dataclasses import dataclass, field

import numpy as np

from ... import _checks
from ..._checks import fraction
from ..._text import number_widths, row
from ...results import Result
from ._endings import (
    describe,
    deterministic_groups,
    metastable_groups,
    observable_matrix,
    run_scale,
)
from ._inputs import child_seed, seed_root
from ._inputs import observables as check_observables

HISTORY_KEYS = ("schedule", "initial", "seed")


@dataclass
class PathDependence(Result):
    """Where different histories with the same final parameters end.

    Attributes
    ----------
    histories : tuple of str
        The history names, in the order given.
    end_states : dict
        History -> {observable: value} at its end.
    outcomes : dict
        History -> the index of the attractor it ends in (equal index, same attractor).
    kinds : dict
        History -> "fixed point", "cycle", "irregular" or "metastable".
    distances : ndarray (H, H)
        Euclidean distances between the end states.
    final_parameters : dict
        The parameter values every history ends with.
    periods : dict
        History -> the period of the cycle it ends on (cycles only).
    trajectories : dict
        History -> its Trajectory (not in ``to_dict``).
    status, message : int, str
        0 when every history ran to ``t_end``; -1 when some failed: their end states are
        their last recorded states, their outcome is None, their kind "failed" and their
        distances NaN (null in JSON), and the others are compared among themselves.
    """

    _not_serialised = ("trajectories",)

    model: str
    histories: tuple
    observables: tuple
    end_states: dict
    outcomes: dict
    kinds: dict
    distances: np.ndarray
    final_parameters: dict
    periods: dict = field(default_factory=dict)
    trajectories: dict = field(default_factory=dict, repr=False)
    status: int = 0
    message: str = ""

    @property
    def differs(self):
        """Whether the histories that ran to the end end in different attractors."""
        return len(set(self.outcomes.values()) - {None}) > 1

    @property
    def max_distance(self):
        """The largest distance between the end states of two histories that ran to the
        end."""
        finite = self.distances[np.isfinite(self.distances)]
        return float(finite.max()) if finite.size else 0.0

    def distance(self, a, b):
        """Distance between the end states of histories ``a`` and ``b``."""
        for name in (a, b):
            if name not in self.histories:
                raise KeyError(f"no history {name!r}; the histories are "
                               f"{list(self.histories)}")
        return float(self.distances[self.histories.index(a), self.histories.index(b)])

    @property
    def groups(self):
        """The histories that ran to the end, grouped by the attractor they end in."""
        out = {}
        for name in self.histories:
            if self.outcomes[name] is None:
                continue
            out.setdefault(self.outcomes[name], []).append(name)
        return list(out.values())

    def summary(self):
        """The verdict, the final parameters, and one row per history: its attractor, kind
        and end state."""
        final = ", ".join(f"{k}={v:g}" for k, v in self.final_parameters.items())
        lines = [f"histories   {len(self.histories)}, all ending with "
                 f"{final or 'the same parameters'}",
                 f"outcome     {self._verdict()} (largest distance between end states "
                 f"{self.max_distance:.4g})"]
        headings = ("history", "attractor", "kind", *self.observables)
        widths = (max(9, *(len(str(h)) + 2 for h in self.histories)), 11, 13,
                  *number_widths(self.observables))
        lines.append(row(headings, widths))
        for h in self.histories:
            outcome = "-" if self.outcomes[h] is None else self.outcomes[h]
            lines.append(row((h, outcome, self.kinds[h],
                              *(f"{self.end_states[h][n]:.6g}" for n in self.observables)),
                             widths))
        return "\n".join(lines)

    def _verdict(self):
        if self.differs:
            return f"differs: the histories end in {len(self.groups)} attractors"
        return "the same: every history ends in one attractor"

    def to_dict(self):
        """Strict JSON types (without the trajectories), with ``differs`` and
        ``max_distance``."""
        return {**super().to_dict(), "differs": self.differs,
                "max_distance": self.max_distance}

    def to_dataframe(self):
        """One row per history: its attractor, kind and end state."""
        import pandas as pd

        rows = [{"history": name, "attractor": self.outcomes[name], "kind": self.kinds[name],
                 **self.end_states[name]} for name in self.histories]
        return pd.DataFrame(rows).set_index("history")

    def plot(self, observable=None, *, ax=None):
        """The time series of ``observable`` (default: the first) along every history."""
        from ...plotting._simulation import plot_path_dependence

        return plot_path_dependence(self, observable, ax=ax)


def path_dependence(model, histories, *, population=None, seed=None, t_end=100.0,
                    observables=None, tail=0.25, tol=1e-2, depth=0.5, **options):
    r"""Run the same final parameters after different histories and compare the ends.

    Parameters
    ----------
    model : Model
        Its parameter values hold until a history's schedule changes them.
    histories : mapping
        Name -> history, a mapping with any of

        * ``"schedule"``: a parameter path as :func:`~coupling.simulate` takes it,
          ``{name: [(time, value), ...]}``;
        * ``"initial"``: the starting state, as the ``initial`` of
          :func:`~coupling.simulate` takes it: ``{name: value}`` for macro variables (a
          number) and micro states (a number or one value per unit; a choice: option
          values for a finite population, choice probabilities for a mean-field one);
        * ``"seed"``: this history's own seed (default: the common ``seed``).

        An empty mapping (or None) is the model as declared. Every history must end with
        the same parameter values.
    population : int, "mean-field" or MeanField, optional
    seed : int or SeedSequence, optional
        One seed for every history: the same finite population and the same random
        numbers, so that only the history differs. (Stochastic copies driven by common
        random numbers can coalesce; give histories their own ``"seed"`` to compare
        independent noise.)
    t_end : float
        Length of each run; the last ``tail`` of it must come after the last parameter
        change.
    observables : sequence of str, optional
        What the ends are compared in (default: macro variables and aggregates).
    tail, tol, depth : float
        The end of a run examined, the tolerance of "the same attractor" relative to each
        observable's scale, and the density dip separating metastable states (as in
        :func:`~coupling.attractors`).
    **options
        Passed to :func:`~coupling.simulate`; 501 output points unless told.

    Returns
    -------
    PathDependence

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    >>> up = [(2 * k, -1 + 0.1 * k) for k in range(11)]       # h from -1 up to 0
    >>> down = [(2 * k, 1 - 0.1 * k) for k in range(11)]      # h from +1 down to 0
    >>> found = cp.path_dependence(model, {"up": {"schedule": {"h": up}},
    ...                                    "down": {"schedule": {"h": down}}},
    ...                            population=cp.MeanField(nodes=1), t_end=50)
    >>> found.differs, round(found.end_states["up"]["m"], 4)
    (True, -0.9575)
    """
    from ...dynamics._common import Schedule
    from ...model._model import Model
    from ...model._rules import MeanField

    if not isinstance(model, Model):
        raise TypeError(f"model must be a cp.Model, got {type(model).__name__}")
    _checks.positive(t_end, argument="t_end")
    fraction(tail, argument="tail")
    fraction(depth, argument="depth")
    _checks.positive(tol, argument="tol")
    for key in ("population", "seed", "schedule"):
        if key in options:
            raise ValueError(f"{key}= is an argument of this analysis or of a history, not "
                             f"a simulate option")
    population = model.population if population is None else _checks.population(population)
    names = check_observables(model, observables)
    specs = _check_histories(model, histories)
    plans = {h: Schedule(model, spec["schedule"], t_end) for h, spec in specs.items()}
    final = _final_parameters(plans, t_end)
    _check_tail(plans, t_end, tail)
    if options.get("stop_at_equilibrium") is not None and any(p.breakpoints
                                                               for p in plans.values()):
        raise ValueError("stop_at_equilibrium would end a run before its schedule does")

    runs = _run(model, specs, population, seed, t_end, {"n_points": 501, **options})
    order = tuple(specs)
    ran = [h for h in order if runs[h].success]
    trajectories = [runs[h] for h in ran]
    if not trajectories:
        labels, ends, kinds, periods = [], np.empty((0, len(names))), [], []
    elif model.is_stochastic and not isinstance(population, MeanField):
        labels, ends, kinds, periods = _metastable_ends(trajectories, names, tail, depth)
    else:
        labels, ends, kinds, periods = _deterministic_ends(trajectories, names, tail, tol)
    analysed = dict(zip(ran, zip(_renumber(labels), ends, kinds, periods)))
    failed = {h: (None, observable_matrix(runs[h], names)[-1], "failed", None)
              for h in order if h not in analysed}
    ends = {**analysed, **failed}
    states = np.array([ends[h][1] for h in order], dtype=float).reshape(len(order), -1)
    distances = np.sqrt(((states[:, None, :] - states[None, :, :]) ** 2).sum(axis=2))
    distances[[order.index(h) for h in failed], :] = np.nan
    distances[:, [order.index(h) for h in failed]] = np.nan
    result = PathDependence(
        model=model.name, histories=order, observables=names,
        end_states={h: dict(zip(names, map(float, ends[h][1]))) for h in order},
        outcomes={h: ends[h][0] for h in order}, kinds={h: ends[h][2] for h in order},
        distances=distances, final_parameters=final,
        periods={h: ends[h][3] for h in order if ends[h][3] is not None},
        trajectories=runs)
    result.message = f"The outcome {result._verdict()}."
    if failed:
        first = next(iter(failed))
        result.status = -1
        result.message = (f"The runs of histories {list(failed)} failed ({runs[first].message}); "
                          f"their last states are kept and they are left out of the "
                          f"comparison. Among the others, the outcome {result._verdict()}.")
    return result


def _run(model, specs, population, seed, t_end, settings):
    """Simulate every history; all with the common seed unless a history has its own."""
    from ...dynamics._simulate import simulate

    root = seed_root(seed)
    runs = {}
    for h, spec in specs.items():
        run_seed = child_seed(root) if spec["seed"] is None else spec["seed"]
        runs[h] = simulate(model, t_end, population=population, seed=run_seed,
                           initial=spec["initial"], schedule=spec["schedule"], **settings)
    return runs


def _deterministic_ends(trajectories, names, tail, tol):
    """Attractor labels, end states, kinds and periods of deterministic runs."""
    scale = run_scale(trajectories, names)
    groups = deterministic_groups(trajectories, names=names, tail=tail, tol=tol, scale=scale)
    own = [describe(tr, names, scale=scale, tail=tail, tol=tol) for tr in trajectories]
    return (groups.labels, np.array([e.state for e in own]), [e.kind for e in own],
            [e.period for e in own])


def _metastable_ends(trajectories, names, tail, depth):
    """Metastable state labels and end states (means over the end of each run in its final
    state's core) of stochastic runs."""
    groups = metastable_groups(trajectories, names=names, tail=tail, depth=depth)
    ends = []
    for tr in trajectories:
        series = observable_matrix(tr, names)
        end = series[tr.t >= tr.t[-1] - tail * (tr.t[-1] - tr.t[0])]
        inside = groups.classify(end) == groups.classify(series[-1:])[0]
        ends.append(end[inside].mean(axis=0) if inside.any() else series[-1])
    return groups.labels, np.array(ends), ["metastable"] * len(ends), [None] * len(ends)


def _check_histories(model, histories):
    """``{name: {"schedule": ..., "seed": ..., "initial": ...}}``, every name and key
    checked."""
    if not hasattr(histories, "items"):
        raise TypeError(f"histories must be a mapping of names to histories, got "
                        f"{type(histories).__name__}")
    if len(histories) < 1:
        raise ValueError("histories is empty: give at least one named history")
    out = {}
    for name, history in histories.items():
        history = {} if history is None else history
        if not hasattr(history, "items"):
            raise TypeError(f"history {name!r} must be a mapping with 'schedule' and/or "
                            f"'initial', got {type(history).__name__}")
        unknown = set(history) - set(HISTORY_KEYS)
        if unknown:
            raise ValueError(f"history {name!r} has unknown keys {sorted(unknown)}; a history "
                             f"has {list(HISTORY_KEYS)}")
        out[name] = {"schedule": history.get("schedule"), "seed": history.get("seed"),
                     "initial": _initial(model, name, history.get("initial"))}
    return out


def _initial(model, history, initial):
    """A history's ``initial`` mapping for :func:`~coupling.simulate`, its names checked
    before any history runs (None: the model's own initial state)."""
    if initial is None:
        return None
    if not hasattr(initial, "items"):
        raise TypeError(f"the initial state of history {history!r} must be a mapping of "
                        f"macro variables and micro states to values, got "
                        f"{type(initial).__name__}")
    allowed = tuple(model.macro) + tuple(model.micro.states)
    unknown = [n for n in initial if n not in allowed]
    if unknown:
        raise ValueError(f"the initial state of history {history!r} names {unknown}, which "
                         f"are not macro variables or micro states; expected some of "
                         f"{list(allowed)}")
    for n in model.macro:
        v = initial.get(n, 0.0)
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
            raise ValueError(f"the initial value of macro variable {n!r} in history "
                             f"{history!r} must be a number, got {v!r}")
    return dict(initial)


def _final_parameters(plans, t_end):
    """The parameter values at t_end, the same for every history (else an error)."""
    finals = {h: plan.at(float(t_end)) for h, plan in plans.items()}
    first = next(iter(finals))
    for h, params in finals.items():
        for p, v in params.items():
            w = finals[first][p]
            if not np.isclose(v, w, rtol=1e-12, atol=1e-12):
                raise ValueError(f"histories must end with the same parameter values: {p} is "
                                 f"{w:g} at t_end after {first!r} but {v:g} after {h!r}")
    return dict(finals[first])


def _check_tail(plans, t_end, tail):
    start = t_end * (1 - tail)
    for h, plan in plans.items():
        late = [t for t in plan.breakpoints if t > start]
        if late:
            raise ValueError(f"history {h!r} changes a parameter at t = {max(late):g}, inside "
                             f"the end of the run that is compared (t > {start:g}); increase "
                             f"t_end or decrease tail")


def _renumber(labels):
    """Attractor indices 0, 1, ... in order of first appearance."""
    seen = {}
    return [seen.setdefault(int(g), len(seen)) for g in labels]
