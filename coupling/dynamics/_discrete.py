r"""Discrete-time runs: one micro update and one macro update per period.

In period t the aggregates and context are taken at the current state,
:math:`X_t = A(x_t)`, :math:`c_t = D(y_t, X_t)`, and then everything moves at once:

* macro: :math:`y_{t+1} = G(y_t, X_t, c_t)`;
* map units: :math:`x_{i,t+1} = g(x_{i,t}, \theta_i, c_t)`;
* choice and step units revise with probability :math:`q = 1 - e^{-1/\varepsilon}` (rate 1/ε
  over one period); in the mean-field limit :math:`p_{t+1} = p_t + q\,(P(c_t) - p_t)`;
* response units sit at the fixed point of the period, tracked from the previous one.

Shocks are drawn at the start of each period, before the aggregates; additive noise is added
to the updates (see :mod:`coupling.dynamics._noise`).

A population that grows by arrivals (:class:`~coupling.Arrivals`) takes the aggregates over
the :math:`n_t` units present in period t; the present units move as above (or keep their
state, ``revise=False``), and then the units :math:`n_t \le i < n_{t+1}` arrive with the
state the rule gives them in :math:`c_t`: a fresh choice from :math:`P(c_t)`, or a map's
update of their initial value. In the mean-field limit each node holds the mean over its
cohorts, :math:`p_{t+1} = (n_t p'_{t+1} + (n_{t+1} - n_t) P(c_t)) / n_{t+1}` with
:math:`p'_{t+1}` the present units' update (see :mod:`coupling.model._arrivals`).
"""

from functools import partial

import numpy as np

from ._common import describe_nonfinite
from ._noise import Noise
from ._response import BranchLost, FixedPointTracker
from ._stochastic import Reviser


def run(system, schedule, recorder, times, Z, y, *, stop_at_equilibrium=None):
    """Iterate the map from (Z, y) up to the last output period (drawing the period's shocks
    first and adding noise to the updates, when the model has any); stop once the largest
    change over a period falls below ``stop_at_equilibrium`` after the last change of the
    schedule."""
    noise = Noise(system) if system.model.has_noise else None
    kind = system.rule.kind
    stochastic = kind in ("choice", "step") and not system.mean_field
    revise = Reviser(system) if stochastic else None
    tracker = FixedPointTracker(system, continuous=False) if kind == "response" else None
    arrivals = system.arrivals
    moves = arrivals is None or arrivals.revise  # whether present units revise or update
    wanted = set(times.astype(int).tolist())
    T = int(times[-1])
    system.set_parameters(schedule.at(0))
    if tracker is not None:
        X, Z, ctx = tracker.start(y, system.aggregates(Z)[0])
    for t in range(T + 1):
        system.set_parameters(schedule.at(t))
        if arrivals is not None:
            system.set_present(t)
        if noise is not None:
            noise.draw_shocks()
        if tracker is not None:
            try:
                X, Z, ctx = tracker.follow(y)
            except BranchLost:
                X, Z, ctx = tracker.jump(t, y, recorder)[:3]
            tracker.X = X
            evaluated = (X, {}, ctx)
        else:
            evaluated = system.evaluate(y, Z)
        culprit = describe_nonfinite(system, Z, y)
        if culprit is not None:
            return -1, f"non-finite value in {culprit} in period {t}", Z, {"periods": t}
        if t in wanted:
            recorder.record(float(t), Z, y, evaluated)
        if t == T:
            break
        X, _, ctx = evaluated
        y_new = system.macro_rhs(y, X, ctx) if system.macro_names else y
        if stochastic:
            try:
                Z_new = revise(Z, ctx, 1.0) if moves else Z
                if arrivals is not None:
                    Z_new = _arrive(system, Z, Z_new, partial(revise, Z, ctx, np.inf), t)
            except FloatingPointError as exc:
                return -1, f"{exc} in period {t}", Z, {"periods": t}
        elif kind == "map":
            Z_new = system.rule_values(Z, ctx)
        elif kind == "choice":
            q = -np.expm1(-1.0 / system.eps) if moves else 0.0
            P = system.rule_values(Z, ctx)
            Z_new = Z + q * (P - Z)
            if arrivals is not None:
                Z_new = _arrive(system, Z, Z_new, P, t)
        else:
            Z_new = Z
        if noise is not None:
            y_new = y_new + noise.macro_kick(y)
            if kind == "map":
                Z_new = Z_new + noise.micro_kick()
        if kind == "map" and arrivals is not None:
            Z_new = _arrive(system, Z, Z_new, Z_new, t)
        if stop_at_equilibrium is not None and t >= schedule.settled \
                and _change(Z, Z_new, y, y_new) < stop_at_equilibrium:
            recorder.record(float(t + 1), Z_new, y_new)
            return 1, (f"stopped at a fixed point in period {t + 1} (max change < "
                       f"{stop_at_equilibrium:g})"), Z_new, {"periods": t + 1}
        Z, y = Z_new, y_new
    return 0, None, Z, {"periods": T}


def _change(Z, Z_new, y, y_new):
    """The largest change of any variable over a period."""
    return max(np.max(np.abs(Z_new - Z), initial=0), np.max(np.abs(y_new - y), initial=0))


def _arrive(system, Z, Z_new, arriving, t):
    """The state after period t of a growing population: the present units' update
    ``Z_new`` (kept only if they revise), the arriving units' state from ``arriving`` (the
    rule's state for every unit, or a function drawing it, called only when some arrive),
    the units still to come unchanged. Mean-field nodes average their cohorts instead."""
    n = system.present
    n_next = system.arrivals.present(t + 1, system.capacity)
    if system.mean_field:
        return (n * Z_new + (n_next - n) * _value(arriving)) / n_next
    revise = system.arrivals.revise
    if n_next == n and revise:
        return Z_new
    out = Z.copy()
    if revise:
        out[:n] = Z_new[:n]
    if n_next > n:
        out[n:n_next] = _value(arriving)[n:n_next]
    return out


def _value(arriving):
    return arriving() if callable(arriving) else arriving
