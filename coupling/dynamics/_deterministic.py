"""Continuous-time deterministic runs: ODE units (finite or mean-field) and mean-field choice.

The flat system u = (x_1..x_M, y) is integrated by a scipy :class:`~scipy.integrate.OdeSolver`
stepped by hand, so that output is taken from its dense output, a failure keeps everything
computed before it, and schedules restart the solver at each parameter change (a jump in a
parameter is a discontinuity of the right-hand side) and at each knot of a ramp (a kink).
A ramp (piecewise-linear path) is exact: its parameters are set at the solver's time t inside
the right-hand side and the Jacobian, and at each output time before recording.
"""

import numpy as np
from scipy.integrate import DOP853, RK23, RK45

from ._common import describe_fastest, describe_nonfinite
from ._stiff import StructuredBDF

EXPLICIT = {"RK45": RK45, "RK23": RK23, "DOP853": DOP853}
METHODS = ("auto", "BDF", *EXPLICIT)


def choose_method(system, method):
    if method == "auto":
        return "BDF" if system.code.differentiable else "RK45"
    if method == "BDF" and not system.code.differentiable:
        raise ValueError("method='BDF' needs derivatives of every aggregate, and a Statistic "
                         f"aggregate is opaque: use an explicit method ({', '.join(EXPLICIT)})")
    return method


def run(system, schedule, recorder, times, *, method, rtol, atol, max_step, stop_tol):
    """Integrate; returns (status, message, final micro state, stats)."""
    u = system.pack(system.initial_micro(), system.initial_macro())
    stats = {"nfev": 0, "njev": 0, "nlu": 0, "steps": 0}
    next_out = 0

    ramped, now = schedule.ramped, [None]

    def at(t):
        if ramped and t != now[0]:
            system.set_parameters(schedule.at(t))
            now[0] = t

    def fun(t, v):
        stats["nfev"] += 1
        at(t)
        return system.rhs(v)

    def jac(t, v):
        at(t)
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
        while solver.status == "running":
            t_old = solver.t
            message = solver.step()
            stats["steps"] += 1
            if solver.status == "failed":
                at(t_old)
                return -1, (f"integration failed at t = {t_old:.10g}: {message} Fastest "
                            f"variable: {describe_fastest(system, u)}"), \
                    system.unpack(u)[0], _merge(stats, solver)
            Z, y = system.unpack(solver.y)
            culprit = describe_nonfinite(system, Z, y)
            if culprit is not None:
                return -1, (f"non-finite value in {culprit} at t = {solver.t:.10g} (last "
                            f"finite state at t = {t_old:.10g})"), system.unpack(u)[0], \
                    _merge(stats, solver)
            if next_out < times.size and times[next_out] <= min(solver.t, last):
                dense = solver.dense_output()
                while next_out < times.size and times[next_out] <= min(solver.t, last):
                    Zi, yi = system.unpack(dense(times[next_out]))
                    at(times[next_out])
                    recorder.record(times[next_out], Zi, yi)
                    next_out += 1
            u = solver.y
            stopping = stop_tol is not None and t0 >= schedule.settled  # the last segment
            if stopping:
                at(solver.t)
            if stopping and np.max(np.abs(system.rhs(u))) < stop_tol:
                if not recorder.times or recorder.times[-1] < solver.t:
                    recorder.record(solver.t, Z, y)
                return 1, (f"stopped at an equilibrium at t = {solver.t:.6g} "
                           f"(max |du/dt| < {stop_tol:g})"), Z, _merge(stats, solver)
        _merge(stats, solver)
    return 0, None, system.unpack(u)[0], stats


def _merge(stats, solver):
    stats["njev"] += getattr(solver, "njev", 0)
    stats["nlu"] += getattr(solver, "nlu", 0)
    solver.njev = solver.nlu = 0
    return stats
