"""``cp.simulate``: run a model over time on a finite population or its mean-field limit."""

import numbers

import numpy as np

from .._errors import SimulationError
from ..model._model import _check_population
from ..model._policy import regime_path
from ..model._rules import MeanField
from ..model._system import System
from . import _deterministic, _discrete, _response, _sde, _stochastic
from ._common import Recorder, Schedule, output_times
from ._events import EventTracker, parse_events
from ._noise import Noise


def simulate(model, t_end=None, *, population=None, seed=None, schedule=None, t_eval=None,
             n_points=201, method="auto", rtol=1e-6, atol=1e-8, max_step=np.inf, dt=None,
             stop_at_equilibrium=None, events=None, regimes=None, micro_snapshots=False,
             throw=False):
    r"""Simulate the coupled system.

    Parameters
    ----------
    model : Model
    t_end : float, optional
        Final time (macro time units; periods for discrete-time models). Default: the last
        of ``t_eval``, else 50 time units or 100 periods.
    population : int, "mean-field" or MeanField, optional
        N units with sampled traits, or the mean-field limit (default: the model's).
    seed : int or numpy.random.SeedSequence, optional
        Seeds trait draws, initial choices and revisions. Same seed, same numbers.
    schedule : mapping, optional
        Parameter paths. Piecewise constant: ``{name: [(time, value), ...]}``, e.g. a policy
        regime change ``{"h": [(20, 0.5)]}``. Piecewise linear (continuous):
        ``{name: cp.Ramp([(time, value), ...])}``, e.g. a slow sweep
        ``{"h": cp.Ramp([(0, -1), (200, 1)])}``; deterministic runs set the parameter at the
        solver's time (exact), finite stochastic populations at the midpoint of each step dt,
        discrete-time models once per period, response rules at every output time.
    regimes : sequence of (time, mapping), optional
        Policy regimes in force from the given times: each maps policy levers to values or
        to rules (expressions of macro state, aggregates and context, e.g.
        ``[(0, {"i": 0.02}), (100, {"i": "0.02 + 1.5*(inflation - 0.02)"})]``). A lever a
        regime does not name keeps its value from the regime before.
    t_eval : array_like, optional
        Output times (default ``n_points`` equally spaced; every period in discrete time).
    method : {"auto", "BDF", "RK45", "RK23", "DOP853"}
        Integrator of deterministic continuous-time runs. "auto" is "BDF" when every part
        of the model is differentiable, else RK45. "BDF" is the library's variable-order
        NDF/BDF (implicit, for stiff problems with small ε) whose Newton solves use the
        structure of the coupled Jacobian: O(N) per step (see
        :mod:`coupling.dynamics._stiff`).
    rtol, atol, max_step : float
        Integrator tolerances and largest step.
    dt : float, optional
        Step of continuous-time stochastic runs and of runs with noise (default ε/10, and at
        most the output spacing). Each unit revises in a step with probability
        1 - exp(-dt/ε); noisy runs take linearly implicit Euler–Maruyama steps.
    stop_at_equilibrium : float, optional
        Stop once max |du/dt| (continuous) or the largest change over a period (discrete)
        falls below this value after the schedule's last change; the status is then 1. Not
        for stochastic runs.
    events : mapping, optional
        Zero crossings to record in a deterministic continuous-time run:
        ``{name: expression}`` or ``{name: cp.Event(expression, direction=..,
        terminal=..)}``, where the expression is a string over macro variables, aggregates,
        context variables, parameters and ``t``, e.g. ``{"high": "X - 0.5"}``. Crossings
        are located on the integrator's dense output to 1e-12 relative in t and recorded in
        ``Trajectory.events``; a terminal event stops the run at its first crossing (status
        2, the state at that time is the last row).
    micro_snapshots : bool
        Keep the micro state at every output time (otherwise only the final one).
    throw : bool
        Raise :class:`SimulationError` (carrying the partial trajectory) on failure instead
        of returning it with ``status = -1``.

    Returns
    -------
    Trajectory

    Notes
    -----
    Finite stochastic populations (choice and step rules) revise at rate 1/ε with the context
    frozen over each step; deterministic runs integrate the flat coupled system
    u = (x_1, ..., x_N, y) with ε dx_i/dt = f and dy/dt = F. Response rules track the
    self-consistent aggregate fixed point and jump, recorded in ``jumps``, where it vanishes.
    """
    from ..model._model import Model

    if not isinstance(model, Model):
        raise TypeError(f"simulate needs a cp.Model, got {type(model).__name__}")
    discrete = model.time == "discrete"
    if t_end is None:
        t_end = (100 if discrete else 50.0) if t_eval is None else float(np.max(t_eval))
    if not isinstance(t_end, numbers.Real) or not t_end > 0 or not np.isfinite(t_end):
        raise ValueError(f"t_end must be a positive number, got {t_end!r}")
    if discrete and t_end != int(t_end):
        raise ValueError(f"t_end of a discrete-time model is a whole number of periods, "
                         f"got {t_end}")
    if regimes is not None:
        model, switches = regime_path(model, regimes)
        clash = sorted(set(switches) & set(schedule or {}))
        if clash:
            raise ValueError(f"{clash} are set both by the regimes and by the schedule")
        schedule = {**(schedule or {}), **switches}
    population = model.population if population is None else _check_population(population)
    if population != model.population:
        model = model.replace(population=population)
    if method not in _deterministic.METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {_deterministic.METHODS}")
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not value > 0:
            raise ValueError(f"{name} must be > 0, got {value}")
    times = output_times(t_end, t_eval, n_points, discrete)
    plan = Schedule(model, schedule, times[-1])
    system = System(model, population, seed=seed, params=plan.at(0.0))
    stochastic = model.is_stochastic and not isinstance(population, MeanField)
    noise = Noise(system) if model.has_noise else None
    parsed_events = None
    if events is not None:
        if discrete or stochastic or noise or model.micro.kind == "response":
            what = ("a discrete-time model" if discrete else "a stochastic population"
                    if stochastic else "a noisy model" if noise else "a response rule")
            raise ValueError(f"events are located on the dense output of a deterministic "
                             f"continuous-time run; this is {what}")
        parsed_events = parse_events(events, model)
    if stochastic and stop_at_equilibrium is not None:
        raise ValueError("stop_at_equilibrium needs a deterministic run: a finite stochastic "
                         "population keeps fluctuating (use population='mean-field')")
    if noise and stop_at_equilibrium is not None:
        raise ValueError("stop_at_equilibrium needs a deterministic run: this model draws "
                         "shocks")
    step = dt if dt is not None else system.eps / 10
    if not step > 0:
        raise ValueError(f"dt must be > 0, got {dt}")
    recorder = Recorder(system, plan, snapshots=micro_snapshots)
    tracker = None

    if discrete:
        method_used = "map" if not stochastic else "stochastic revision"
        result = _discrete.run(system, plan, recorder, times, stop_tol=stop_at_equilibrium,
                               noise=noise)
    elif model.micro.kind == "response":
        if noise:
            raise ValueError("continuous-time response rules with macro noise are not "
                             "supported: give the units an ODE rule with a small timescale")
        method_used = "fixed-point tracking + RK45"
        # the tracker holds parameters constant between restarts: a ramp becomes a staircase
        # switching at every output time (exact there)
        result = _response.run(system, plan.staircase(times), recorder, times, rtol=rtol,
                               atol=atol, max_step=max_step)
    elif stochastic:
        method_used = f"stochastic revision (dt = {step:g})"
        result = _stochastic.run(system, plan, recorder, times, dt=step, noise=noise)
    elif noise:
        method_used = f"linearly implicit Euler-Maruyama (dt = {step:g})"
        result = _sde.run(system, plan, recorder, times, noise, dt=step)
    else:
        method_used = _deterministic.choose_method(system, method)
        if parsed_events is not None:
            tracker = EventTracker(parsed_events, system)
        result = _deterministic.run(system, plan, recorder, times, method=method_used,
                                    rtol=rtol, atol=atol, max_step=max_step,
                                    stop_tol=stop_at_equilibrium, events=tracker)
    status, message, final_Z, stats = result
    trajectory = recorder.trajectory(status=status, message=message, method=method_used,
                                     final_Z=None if micro_snapshots else final_Z,
                                     stats=stats,
                                     events=None if tracker is None else tracker.results())
    if status < 0 and throw:
        raise SimulationError(message, trajectory)
    return trajectory

