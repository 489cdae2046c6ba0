r"""Events of deterministic continuous-time runs: zero crossings of expressions of the state.

An event is an expression g over macro variables, aggregates, context variables, parameters
and the time ``t``, parsed with the model's whitelist parser (nothing is evaluated as code).
After each integrator step :math:`[t_0, t_1]` its sign is compared at both ends; a change
in the requested direction is located by Brent's method on the solver's dense output,
:math:`g(\tilde u(t)) = 0`, to :math:`10^{-12}` relative in t (Brent 1973, *Algorithms for
Minimization without Derivatives*, ch. 4). A crossing is an upward one when g goes from
negative to zero or positive, downward the other way. Two crossings within one step cancel
and are not seen; the step is bounded by ``max_step``. Crossings are sought within each
segment of a schedule: a sign change caused by a scheduled parameter jump is not an event.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .. import _checks
from .._errors import DeclarationError, UnknownNameError
from ..model._compiled import Compiled
from ..model._expressions import Expression
from ._common import observables

#: Brent's method stops at this relative width in t (plus a few ulps absolutely).
TIME_RTOL = 1e-12


@dataclass(frozen=True)
class Event:
    """A zero crossing to record during a deterministic continuous-time run.

    Parameters
    ----------
    expression : str
        g, over macro variables, aggregates, context variables, parameters and ``t``; the
        event is where g crosses zero, e.g. ``"X - 0.5"``.
    direction : {0, 1, -1}
        Record crossings in both directions (0), only upward ones where g goes from negative
        to positive (1), or only downward ones (-1).
    terminal : bool
        Stop the run at the first crossing (status 2).

    Examples
    --------
    ``cp.simulate(model, 30, events={"up": cp.Event("X", direction=1, terminal=True)})``
    stops when the mean activity X first turns positive; ``run.events["up"]["t"]`` is the
    time.
    """

    expression: str
    direction: int = 0
    terminal: bool = False

    def __post_init__(self):
        if not isinstance(self.expression, str):
            raise TypeError(f"an Event's expression is a string, got "
                            f"{type(self.expression).__name__}")
        if self.direction not in (-1, 0, 1) or isinstance(self.direction, bool):
            raise ValueError(f"an Event's direction is 0, 1 or -1, got {self.direction!r}")
        if not isinstance(self.terminal, (bool, np.bool_)):
            raise TypeError(f"an Event's terminal flag is True or False, got "
                            f"{self.terminal!r}")


def parse_events(events, model):
    """``{name: Event}`` from a mapping of names to expression strings or Events, checked
    against the model's names (DeclarationError naming the event and the unknown symbol)."""
    if not hasattr(events, "items"):
        raise TypeError("events is a mapping {name: expression or cp.Event}")
    known = {*model.macro, *model.aggregates, *model.context, *model.parameters, "t"}
    parsed = {}
    for name, event in events.items():
        if not (isinstance(name, str) and name.isidentifier()):
            raise DeclarationError("event names are identifiers (letters, digits, "
                                   "underscores)", symbol=str(name), level="events")
        if isinstance(event, str):
            event = Event(event)
        elif not isinstance(event, Event):
            raise DeclarationError(f"an event is an expression string or a cp.Event, got "
                                   f"{type(event).__name__}", symbol=name, level="events")
        expression = Expression(event.expression, symbol=name, level="events")
        unknown = sorted(set(expression.names) - known)
        if unknown:
            raise UnknownNameError(
                f"event expression {event.expression!r} uses the unknown name "
                f"'{unknown[0]}'; events read macro variables, aggregates, context "
                f"variables, parameters and t{_checks.suggest(unknown[0], known)}",
                symbol=name, level="events")
        parsed[name] = (event, Compiled([expression]))
    return parsed


class EventTracker:
    """The events of one run: their values between steps, crossings and records."""

    def __init__(self, parsed, system):
        self.system = system
        self.names = tuple(parsed)
        self.events = [event for event, _ in parsed.values()]
        self.code = [code for _, code in parsed.values()]
        self.direction = np.array([e.direction for e in self.events])
        self.records = {name: [] for name in self.names}
        self.stopped_by = None  # the name of the terminal event that ended the run
        self.columns = system.macro_names + system.aggregate_names + system.context_names

    def values(self, t, u):
        """g of every event at time t and flat state u (parameters already set for t)."""
        s = self.system
        Z, y = s.unpack(u)
        aggregates, context = observables(s, y, Z)
        env = {**s.params, "t": t, **dict(zip(s.macro_names, y)),
               **dict(zip(s.aggregate_names, aggregates)),
               **dict(zip(s.context_names, context))}
        g = np.array([float(code(env)[0]) for code in self.code])
        return g, np.concatenate([y, aggregates, context])

    def crossings(self, g0, g1):
        """Indices of the events whose sign change from g0 to g1 is in their direction."""
        up = (g0 < 0) & (g1 >= 0)
        down = (g0 > 0) & (g1 <= 0)
        wanted = (up & (self.direction >= 0)) | (down & (self.direction <= 0))
        return np.flatnonzero(wanted)

    def locate(self, hits, t0, t1, g1, g_at):
        """[(t, index), ...] sorted in time: each crossing in (t0, t1] found by Brent's
        method on ``g_at(t)``, the event values on the dense output (parameters set for t).
        Where the interpolant at t0 already has the sign of g1 (g0 was zero to round-off),
        the crossing is at t0."""
        found = []
        g0 = g_at(t0)
        for i in hits:
            if g1[i] == 0 or g0[i] == 0 or (g0[i] > 0) == (g1[i] > 0):
                found.append((t1 if g1[i] == 0 else t0, i))
                continue
            root = brentq(lambda t: g_at(t)[i], t0, t1,
                          xtol=4 * np.finfo(float).eps * max(abs(t0), abs(t1)),
                          rtol=TIME_RTOL)
            found.append((root, i))
        return sorted(found)

    def record(self, index, t, observed):
        self.records[self.names[index]].append((t, observed))

    def results(self):
        """{name: {"t": times, observable: values, ...}}."""
        out = {}
        for name, rows in self.records.items():
            times = np.array([t for t, _ in rows], dtype=float)
            values = (np.array([v for _, v in rows], dtype=float) if rows
                      else np.empty((0, len(self.columns))))
            out[name] = {"t": times, **{c: values[:, j].copy()
                                        for j, c in enumerate(self.columns)}}
        return out
