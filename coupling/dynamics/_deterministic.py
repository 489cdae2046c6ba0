"""Continuous-time deterministic runs: ODE units (finite or mean-field) and mean-field choice.

The flat system u = (x_1..x_M, y) is integrated by an :class:`~scipy.integrate.OdeSolver`
stepped by hand: by default the structured NDF/BDF of :mod:`coupling.dynamics._stiff`
(O(n) Newton solves), or one of scipy's explicit Runge–Kutta methods. Output is taken from
the solver's dense output, events are located on it between steps
(:mod:`coupling.dynamics._events`), a failure keeps everything computed before it, and
schedules restart the solver at each parameter change (a jump in a parameter is a
discontinuity of the right-hand side) and at each knot of a ramp (a kink). A ramp
(piecewise-linear path) is exact: its parameters are set at the solver's time t inside the
right-hand side and the Jacobian, and at each output and event time before recording.
"""

import numpy as np
from scipy.integrate import DOP853, RK23, RK45

from ._common import describe_fastest, describe_nonfinite
from ._stiff import StructuredBDF

#: scipy's explicit Runge-Kutta methods, by name; "BDF" is the structured NDF/BDF.
EXPLICIT = {"RK45": RK45, "RK23": RK23, "DOP853": DOP853}


def run(system, schedule, recorder, times, Z, y, *, method, rtol, atol, max_step,
        stop_at_equilibrium, events):
    """Integrate from (Z, y) with ``method`` ("BDF" or a key of :data:`EXPLICIT`); returns
    (status, message, final micro state, stats), as the integrator contract of
    :class:`~coupling.dynamics._registry.Integrator` says.

    ``events`` is an :class:`~coupling.dynamics._events.EventTracker` or None."""
    u = system.pack(Z, y)
    stats = {"nfev": 0, "njev": 0, "nlu": 0, "steps": 0}
    next_out = 0
    ramped, now = schedule.ramped, [None]
    rhs = system.rhs

    def at(t):
        if ramped and t != now[0]:
            system.set_parameters(schedule.at(t))
            now[0] = t

    if ramped:
        def fun(t, v):
            at(t)
            return rhs(v)

        def jac(t, v):
            at(t)
            return system.jacobian(v)
    else:
        def fun(t, v):
            return rhs(v)

        def jac(t, v):
            return system.jacobian(v)

    t_final = times[-1]
    for t0, t1 in schedule.segments(t_final):
        system.set_parameters(schedule.at(t0))
        now[0] = t0
        while next_out < times.size and times[next_out] <= t0:
            at(times[next_out])
            recorder.record(times[next_out], *system.unpack(u))
            next_out += 1
        # a time at a parameter change is recorded under the new value, by the next segment
        last = t_final if t1 == t_final else np.nextafter(t1, -np.inf)
        if method == "BDF":
            solver = StructuredBDF(fun, t0, u, t1, jac=jac, rtol=rtol, atol=atol,
                                   max_step=max_step)
        else:
            solver = EXPLICIT[method](fun, t0, u, t1, rtol=rtol, atol=atol, max_step=max_step)
        g_old = events.values(t0, u)[0] if events is not None else None
        while solver.status == "running":
            t_old = solver.t
            message = solver.step()
            stats["steps"] += 1
            if solver.status == "failed":
                at(t_old)
                return -1, (f"integration failed at t = {t_old:.10g}: {message} Fastest "
                            f"variable: {describe_fastest(system, u)}"), \
                    system.unpack(u)[0], _merge(stats, solver)
            # the structured BDF accepts finite steps only (its Newton norms would be NaN)
            if method != "BDF":
                culprit = describe_nonfinite(system, *system.unpack(solver.y))
                if culprit is not None:
                    return -1, (f"non-finite value in {culprit} at t = {solver.t:.10g} "
                                f"(last finite state at t = {t_old:.10g})"), \
                        system.unpack(u)[0], _merge(stats, solver)
            t_stop = None
            if events is not None:
                t_stop, g_old = _events_in_step(events, solver, at, t_old, g_old)
            t_end = min(solver.t, last) if t_stop is None else t_stop
            if next_out < times.size and times[next_out] <= t_end:
                dense = solver.dense_output()
                while next_out < times.size and times[next_out] <= t_end:
                    Zi, yi = system.unpack(dense(times[next_out]))
                    at(times[next_out])
                    recorder.record(times[next_out], Zi, yi)
                    next_out += 1
            if t_stop is not None:
                u = solver.dense_output()(t_stop)
                at(t_stop)
                Z, y = system.unpack(u)
                if not recorder.times or recorder.times[-1] < t_stop:
                    recorder.record(t_stop, Z, y)
                name = events.stopped_by
                return 2, (f"stopped at the terminal event '{name}' at t = {t_stop:.10g}"), \
                    Z, _merge(stats, solver)
            u = solver.y
            # only in the last segment
            stopping = stop_at_equilibrium is not None and t0 >= schedule.settled
            if stopping:
                at(solver.t)
            if stopping and np.max(np.abs(rhs(u))) < stop_at_equilibrium:
                Z, y = system.unpack(u)
                if not recorder.times or recorder.times[-1] < solver.t:
                    recorder.record(solver.t, Z, y)
                return 1, (f"stopped at an equilibrium at t = {solver.t:.6g} "
                           f"(max |du/dt| < {stop_at_equilibrium:g})"), Z, _merge(stats, solver)
        _merge(stats, solver)
    return 0, None, system.unpack(u)[0], stats


def _events_in_step(events, solver, at, t_old, g_old):
    """Record the event crossings of the last step; returns (time of a terminal crossing or
    None, the event values at the step's end)."""
    at(solver.t)
    g_new = events.values(solver.t, solver.y)[0]
    hits = events.crossings(g_old, g_new)
    if not hits.size:
        return None, g_new
    dense = solver.dense_output()

    def g_at(t):
        at(t)
        return events.values(t, dense(t))[0]

    for t, i in events.locate(hits, t_old, solver.t, g_new, g_at):
        at(t)
        events.record(i, t, events.values(t, dense(t))[1])
        if events.events[i].terminal:
            events.stopped_by = events.names[i]
            return t, g_new
    return None, g_new


def _merge(stats, solver):
    stats["nfev"] += solver.nfev
    stats["njev"] += getattr(solver, "njev", 0)
    stats["nlu"] += getattr(solver, "nlu", 0)
    solver.nfev = solver.njev = solver.nlu = 0
    return stats
