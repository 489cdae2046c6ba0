"""What every integrator shares: policy schedules, output recording, failure reports."""

import bisect
import copy

import numpy as np

from .. import _checks
from .._errors import DeclarationError
from ..results import STATUS_MESSAGES, Trajectory


class Ramp:
    r"""A piecewise-linear parameter path for a schedule: ``Ramp([(time, value), ...])``.

    The value moves linearly between consecutive knots, holds the first value before the
    first knot and the last value after the last one, so the path is continuous in time
    (``numpy.interp``). Use it as ``schedule={"h": cp.Ramp([(0, -1), (200, 1)])}``.

    Deterministic continuous-time runs evaluate the parameter inside the right-hand side (and
    the Jacobian) at the solver's time t, so the ramp is exact, not a staircase; the knots
    are the only kinks and the integrator restarts there. Finite stochastic populations
    update the parameter at the midpoint of every revision step (a staircase of step dt),
    discrete-time models once per period, and response rules switch at every output time.
    """

    def __init__(self, points):
        try:
            pairs = sorted((float(t), float(v)) for t, v in points)
        except (TypeError, ValueError):
            raise ValueError("a Ramp is a list of (time, value) pairs") from None
        if not pairs:
            raise ValueError("a Ramp needs at least one (time, value) pair")
        times = np.array([t for t, _ in pairs])
        values = np.array([v for _, v in pairs])
        if not (np.all(np.isfinite(times)) and np.all(np.isfinite(values))):
            raise ValueError("the times and values of a Ramp must be finite")
        if np.any(np.diff(times) == 0):
            raise ValueError("a Ramp's times must be distinct (it is continuous: use a "
                             "piecewise-constant schedule for a jump)")
        self.times, self.values = times, values

    def __call__(self, t):
        """The value at time t (scalar or array)."""
        return np.interp(t, self.times, self.values)

    def __repr__(self):
        knots = ", ".join(f"({t:g}, {v:g})" for t, v in zip(self.times, self.values))
        return f"Ramp([{knots}])"


class Schedule:
    """Parameter paths: piecewise constant ``{name: [(time, value), ...]}`` or piecewise
    linear ``{name: Ramp([(time, value), ...])}``.

    A piecewise-constant value holds from its time until the next change; before the first
    change the model's own value holds. A :class:`Ramp` defines its parameter at every time.
    ``breakpoints`` are the changes and the ramps' knots inside (0, t_end).
    """

    def __init__(self, model, schedule, t_end):
        self.base = dict(model.parameters)
        self.changes = {}
        self.ramps = {}
        schedule = dict(schedule or {})
        _checks.parameters(model, schedule, argument="schedule")
        for name, steps in schedule.items():
            if isinstance(steps, Ramp):
                self.ramps[name] = steps
                continue
            try:
                pairs = sorted((float(t), float(v)) for t, v in steps)
            except (TypeError, ValueError):
                raise DeclarationError("a schedule is a list of (time, value) pairs or a "
                                       "cp.Ramp", symbol=name, level="parameters") from None
            if any(not np.isfinite(v) for _, v in pairs):
                raise DeclarationError("scheduled values must be finite", symbol=name,
                                       level="parameters")
            self.changes[name] = pairs
        self.names = tuple(schedule)
        self._index(t_end)

    def _index(self, t_end):
        self._times = {n: [t for t, _ in pairs] for n, pairs in self.changes.items()}
        times = {t for pairs in self.changes.values() for t, _ in pairs}
        times.update(float(t) for ramp in self.ramps.values() for t in ramp.times)
        self.breakpoints = sorted(t for t in times if 0 < t < t_end)

    @property
    def ramped(self):
        """True when some parameter moves continuously (a :class:`Ramp`)."""
        return bool(self.ramps)

    def at(self, t):
        """Parameter values in force at time t."""
        params = dict(self.base)
        for name, pairs in self.changes.items():
            i = bisect.bisect_right(self._times[name], t)
            if i:
                params[name] = pairs[i - 1][1]
        for name, ramp in self.ramps.items():
            params[name] = float(ramp(t))
        return params

    @property
    def settled(self):
        """The time after which no parameter changes any more (0 without changes)."""
        return self.breakpoints[-1] if self.breakpoints else 0.0

    def segments(self, t_end):
        """[(t0, t1), ...] between consecutive breakpoints."""
        edges = [0.0, *self.breakpoints, float(t_end)]
        return list(zip(edges[:-1], edges[1:]))

    def staircase(self, times):
        """The same paths with every ramp replaced by steps at ``times`` (the ramp's value
        at each of them: exact there), for integrators that hold parameters constant. The
        last value starts a hair before the last time, so that it is recorded there too."""
        if not self.ramps:
            return self
        times = np.asarray(times, dtype=float)
        starts = times.copy()
        if times.size > 1:
            starts[-1] = times[-1] - 1e-9 * (times[-1] - times[-2])
        new = copy.copy(self)
        new.changes = {**self.changes,
                       **{n: [(float(s), float(r(t))) for s, t in zip(starts, times)]
                          for n, r in self.ramps.items()}}
        new.ramps = {}
        new._index(float(times[-1]))
        return new


class Recorder:
    """Collects the observables at output times and micro snapshots."""

    def __init__(self, system, schedule, *, snapshots=False):
        self.system, self.schedule = system, schedule
        self.snapshots = snapshots
        self.rows, self.times, self.micro, self.micro_t = [], [], [], []
        self.jumps = []

    def record(self, t, Z, y, evaluated=None):
        s = self.system
        aggregates, context = observables(s, y, Z, evaluated)
        scheduled = [s.params[n] for n in self.schedule.names]
        self.times.append(t)
        self.rows.append((np.array(y, dtype=float), aggregates, context, scheduled))
        if self.snapshots:
            self.micro.append(np.array(Z, dtype=float))
            self.micro_t.append(t)

    def trajectory(self, *, status=0, message=None, method, final_Z=None, stats=None,
                   events=None):
        s = self.system
        m = len(s.macro_names)
        T = len(self.times)

        def column(i, width):
            if not T:
                return np.empty((0, width))
            return np.array([row[i] for row in self.rows], dtype=float).reshape(T, width)

        micro, micro_t = None, None
        if self.micro:
            micro, micro_t = np.stack(self.micro), np.array(self.micro_t)
        elif final_Z is not None:
            micro, micro_t = np.array(final_Z, dtype=float)[None], np.array(self.times[-1:])
        if s.expected:
            micro_names = tuple(f"P({s.rule.state}={o:g})" for o in s.rule.options)
        else:
            micro_names = tuple(s.rule.states)
        model = s.model
        return Trajectory(
            t=np.array(self.times, dtype=float),
            macro=column(0, m), aggregates=column(1, len(s.aggregate_names)),
            context=column(2, len(s.context_names)),
            macro_names=tuple(s.macro_names), aggregate_names=tuple(s.aggregate_names),
            context_names=tuple(s.context_names),
            scheduled=column(3, len(self.schedule.names)),
            scheduled_names=tuple(self.schedule.names),
            micro=micro, micro_t=micro_t, micro_names=micro_names,
            weights=s.weights.copy(), traits={n: v.copy() for n, v in s.traits.items()},
            jumps=self.jumps, status=status,
            message=message or STATUS_MESSAGES[status], model=model.name,
            parameters=dict(self.schedule.base),
            population="mean-field" if s.mean_field else s.size,
            seed=s.seed_sequence.entropy, method=method, time=model.time,
            stats=dict(stats or {}), events=dict(events or {}))


def observables(system, y, Z, evaluated=None):
    """The aggregates and context variables as recorded: network-local aggregates and
    per-unit context variables as (weighted) population means."""
    s = system
    X, local, ctx = evaluated if evaluated is not None else s.evaluate(y, Z)
    aggregates = [X[s.global_aggregates.index(n)] if n in s.global_aggregates
                  else float(np.mean(local[n])) for n in s.aggregate_names]
    context = [float(np.average(np.broadcast_to(ctx[n], (s.size,)), weights=s.weights))
               if np.ndim(ctx[n]) else float(ctx[n]) for n in s.context_names]
    return aggregates, context


def describe_nonfinite(system, Z, y):
    """Name the first non-finite variable, e.g. "micro state 'x' of unit 17"."""
    if np.isfinite(np.add.reduce(Z, axis=None)) and np.all(np.isfinite(y)):
        return None  # one pass; the sum of finite values can only overflow to inf
    bad = np.argwhere(~np.isfinite(Z))
    if bad.size:
        return _name_micro(system, *bad[0])
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        return f"macro variable '{system.macro_names[bad[0]]}'"
    return None


def describe_fastest(system, u):
    """Name the variable changing fastest at the flat state u, with its rate."""
    rate = np.abs(system.rhs(u))
    i = int(np.argmax(rate))
    n = system.size * system.k
    name = (_name_micro(system, *divmod(i, system.k)) if i < n
            else f"macro variable '{system.macro_names[i - n]}'")
    return f"{name} (|d/dt| = {rate[i]:.3g})"


def _name_micro(system, unit, col):
    what = "node" if system.mean_field else "unit"
    names = (tuple(f"P({system.rule.state}={o:g})" for o in system.rule.options)
             if system.expected else system.rule.states)
    return f"micro state '{names[col]}' of {what} {unit}"


def output_times(t_end, t_eval, n_points, discrete):
    """Validated output times within [0, t_end]."""
    if t_eval is not None:
        times = np.asarray(t_eval, dtype=float)
        if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0) \
                or times[0] < 0 or times[-1] > t_end:
            raise ValueError("t_eval must be increasing times within [0, t_end]")
        if discrete and np.any(times != np.round(times)):
            raise ValueError("t_eval of a discrete-time model must be whole periods")
        return times
    if discrete:
        return np.arange(int(t_end) + 1, dtype=float)
    return np.linspace(0.0, t_end, n_points)


def fixed_steps(times, schedule, dt):
    """The grid of a fixed-step run: for each interval between consecutive output times and
    parameter changes, ``(t, t_next, n, h)`` with n steps of length h <= dt fitted into it."""
    stops = np.union1d(times, schedule.breakpoints)
    t = 0.0
    for t_next in stops[stops > 0]:
        n = max(1, int(np.ceil((t_next - t) / dt - 1e-9)))
        yield t, t_next, n, (t_next - t) / n
        t = t_next
