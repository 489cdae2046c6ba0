"""``cp.simulate``: run a model over time on a finite population or its mean-field limit."""

import numbers

import numpy as np

from .. import _checks
from .._errors import ArgumentError, SimulationError
from ..model._policy import regime_path
from ..model._system import System
from ._common import Recorder, Schedule, output_times
from ._events import EventTracker, parse_events
from ._initial import initial_state
from ._registry import OPTIONS, RunKind, check_options, choose, methods


def simulate(model, t_end=None, *, population=None, seed=None, initial=None, schedule=None,
             t_eval=None, n_points=201, method=None, rtol=None, atol=None, max_step=None,
             dt=None, stop_at_equilibrium=None, events=None, regimes=None,
             micro_snapshots=False, throw=False):
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
    initial : mapping or Equilibrium, optional
        The starting state, overriding the model's initial values without changing the
        model: ``{name: value}`` with a number for a macro variable; for a micro state a
        number (every unit) or an array with one value per unit (per node for a mean-field
        population); for the state of a choice rule an option value or one per unit (finite
        N) or, for a mean-field population, choice probabilities of shape (K,) or (M, K).
        Names not given keep the model's values. An :class:`~coupling.Equilibrium` of the
        same population starts the run there (a finite choice population draws each unit's
        option from its equilibrium probabilities). For a response rule the micro state
        only chooses the branch the fixed-point tracker starts on. See
        :mod:`coupling.dynamics._initial`.
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
    method : {"auto", "BDF", "RK45", "RK23", "DOP853"}, optional
        Integrator of deterministic continuous-time runs. "auto" (the default) is "BDF"
        when every part of the model is differentiable, else RK45. "BDF" is the library's
        variable-order NDF/BDF (implicit, for stiff problems with small ε) whose Newton
        solves use the structure of the coupled Jacobian: O(N) per step (see
        :mod:`coupling.dynamics._stiff`).
    rtol, atol, max_step : float, optional
        Tolerances and largest step of the adaptive integrators (deterministic
        continuous-time runs and response rules); defaults 1e-6, 1e-8 and no limit.
    dt : float, optional
        Step of continuous-time stochastic runs and of runs with noise (default ε/10, and at
        most the output spacing). Each unit revises in a step with probability
        1 - exp(-dt/ε); noisy runs take linearly implicit Euler–Maruyama steps.
    stop_at_equilibrium : float, optional
        Stop once max |du/dt| (continuous; max |dy/dt| for a response rule) or the largest
        change over a period (discrete) falls below this value after the schedule's last
        change; the status is then 1. Only for deterministic runs without noise, and not
        for a growing population (arrivals).
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

    Raises
    ------
    UnknownNameError
        A name the model does not have, in ``schedule``, ``initial`` or ``events`` (with the
        closest one).
    DeclarationError, ValueError, TypeError
        Any other bad argument, before any work starts.
    SimulationError
        With ``throw=True``, when the run fails.

    Warns
    -----
    IgnoredArgumentWarning
        For an option given that the run does not use, e.g. ``dt`` on a deterministic run
        or ``method`` for a stochastic population.

    Notes
    -----
    Finite stochastic populations (choice and step rules) revise at rate 1/ε with the context
    frozen over each step; deterministic runs integrate the flat coupled system
    u = (x_1, ..., x_N, y) with ε dx_i/dt = f and dy/dt = F. Response rules track the
    self-consistent aggregate fixed point and jump, recorded in ``jumps``, where it vanishes.
    Which integrator runs what, and the options each reads, is declared in
    :mod:`coupling.dynamics._registry`.

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("social-choice", beta=2.0, J=1.0, h=0.0, sigma=0.0)
    >>> run = cp.simulate(model, t_end=20.0, initial={"s": [0.9, 0.1]})  # P(s=-1), P(s=1)
    >>> print(f"{run['m'][0]:.1f} {run['m'][-1]:.6f}")
    -0.8 -0.957504
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
    population = model.population if population is None else _checks.population(population)
    if population != model.population:
        model = model.replace(population=population)
    _checks.seed(seed)
    if model.arrivals is not None and stop_at_equilibrium is not None:
        raise ArgumentError("stop_at_equilibrium: a growing population (arrivals) keeps "
                            "changing its weights until the capacity is reached; give t_end",
                            argument="stop_at_equilibrium")
    given = _given_options(method=method, rtol=rtol, atol=atol, max_step=max_step, dt=dt,
                           stop_at_equilibrium=stop_at_equilibrium, events=events)
    times = output_times(t_end, t_eval, n_points, discrete)
    plan = Schedule(model, schedule, times[-1])
    parsed_events = None if events is None else parse_events(events, model)
    integrator = choose(RunKind.of(model, population), given.get("method", "auto"))
    check_options(integrator, given)

    system = System(model, population, seed=seed, params=plan.at(0.0))
    Z, y = initial_state(system, initial)
    tracker = None if parsed_events is None else EventTracker(parsed_events, system)
    resolved = {**OPTIONS, **given, "method": integrator.name, "events": tracker}
    if resolved["dt"] is None:
        resolved["dt"] = system.eps / 10
    options = {name: resolved[name] for name in integrator.options}
    recorder = Recorder(system, plan, snapshots=micro_snapshots)
    status, message, final_Z, stats = integrator.run(system, plan, recorder, times, Z, y,
                                                     **options)
    trajectory = recorder.trajectory(status=status, message=message,
                                     method=integrator.describe(resolved),
                                     final_Z=None if micro_snapshots else final_Z,
                                     stats=stats,
                                     events=None if tracker is None else tracker.results())
    if status < 0 and throw:
        raise SimulationError(message, trajectory)
    return trajectory


def _given_options(**values):
    """The integrator options given (not None, and a method other than "auto"), checked."""
    given = {name: value for name, value in values.items() if value is not None}
    if given.get("method") == "auto":
        del given["method"]
    if "method" in given and given["method"] not in methods():
        raise ValueError(f"unknown method {given['method']!r}; choose one of {methods()}")
    for name in ("rtol", "atol", "dt", "stop_at_equilibrium"):
        if name in given:
            _checks.positive(given[name], argument=name)
    if "max_step" in given and not (isinstance(given["max_step"], numbers.Real)
                                    and given["max_step"] > 0):
        raise ValueError(f"max_step must be a positive number or inf, got "
                         f"{given['max_step']!r}")
    return given
