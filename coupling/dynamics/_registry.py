"""The integrators of ``cp.simulate``: what each one runs, the options it reads, and the choice.

A run is characterised by its :class:`RunKind` (time, micro rule, whether the population
revises at random, whether the model draws noise, whether every part is differentiable).
Each :class:`Integrator` declares the run kinds it handles and the options of
:func:`~coupling.simulate` it reads; :func:`choose` picks the integrator of a run and
:func:`check_options` turns every option that was given but is not read into an error (an
option that asks for something this run cannot do) or an
:class:`~coupling._checks.IgnoredArgumentWarning` (a setting without effect). Adding an
integrator is adding one entry to :data:`INTEGRATORS`.
"""

import functools
from dataclasses import dataclass

from .. import _checks
from ..model._rules import MeanField
from . import _deterministic, _discrete, _response, _sde, _stochastic

#: Options of ``cp.simulate`` that an integrator may read, and their defaults (None: derived
#: from the run, see ``simulate``).
OPTIONS = {"method": "auto", "rtol": 1e-6, "atol": 1e-8, "max_step": float("inf"),
           "dt": None, "stop_at_equilibrium": None, "events": None}

#: Options that ask for a result: giving one to an integrator that does not read it is an
#: error (what it needs), not a warning.
REQUESTS = {
    "events": "events are located on the dense output of a deterministic continuous-time run",
    "stop_at_equilibrium": "stop_at_equilibrium needs a deterministic run without noise (a "
                           "finite stochastic population keeps fluctuating: use "
                           "population='mean-field')",
}


@dataclass(frozen=True)
class RunKind:
    """What a run integrates.

    Attributes
    ----------
    time : {"continuous", "discrete"}
    rule : str
        The micro rule's kind: ``"ode"``, ``"choice"``, ``"markov"``, ``"response"``,
        ``"step"``, ``"map"``.
    stochastic : bool
        A finite population whose units revise or jump at random (choice, Markov and step
        rules).
    noise : bool
        The model draws shocks or additive noise.
    differentiable : bool
        Every part of the model has derivatives (no opaque ``Statistic`` aggregate).
    """

    time: str
    rule: str
    stochastic: bool
    noise: bool
    differentiable: bool

    @classmethod
    def of(cls, model, population):
        """The run kind of ``model`` on ``population`` (an int or a MeanField)."""
        return cls(time=model.time, rule=model.micro.kind,
                   stochastic=model.is_stochastic and not isinstance(population, MeanField),
                   noise=model.has_noise, differentiable=model.compiled.differentiable)

    def __str__(self):
        population = "finite stochastic population" if self.stochastic else "population"
        noise = ", with noise" if self.noise else ""
        return f"a {self.time}-time {self.rule} rule on a {population}{noise}"


@dataclass(frozen=True)
class Integrator:
    """An integrator of ``cp.simulate`` and what it declares.

    Contract for implementers: ``run`` is a function
    ``run(system, schedule, recorder, times, Z, y, **options)`` returning
    ``(status, message, Z_end, stats)``, where

    1. ``system`` is the :class:`~coupling.model._system.System` (the model on its
       population) with the parameters of ``schedule.at(0)`` set. Its dynamics stream
       ``system.rng`` is the only source of randomness allowed (same seed, same numbers);
       noise, if the run kind has it, is drawn through
       :class:`~coupling.dynamics._noise.Noise` of the system.
    2. ``schedule`` is the :class:`~coupling.dynamics._common.Schedule`: set
       ``system.set_parameters(schedule.at(t))`` at every change (``schedule.segments``)
       and follow ramps (``schedule.ramped``) at the resolution the integrator documents.
    3. ``recorder`` is the :class:`~coupling.dynamics._common.Recorder`: call
       ``recorder.record(t, Z, y)`` once for every output time t of ``times`` the run
       reaches, in order, with the parameters in force at t set (a time at a parameter
       change under the new value).
    4. ``times`` are the increasing output times, the last one the end of the run.
    5. ``Z`` (M, k) and ``y`` (m,) are the starting micro and macro state, checked and
       finite; do not modify them in place.
    6. ``options`` are exactly the declared ``options``, as keyword arguments, resolved:
       ``method`` is the integrator's own ``name``; ``rtol``, ``atol``, ``max_step`` and
       ``dt`` (the step) are floats; ``stop_at_equilibrium`` is a tolerance or None;
       ``events`` an :class:`~coupling.dynamics._events.EventTracker` or None.

    It returns ``status`` 0 when the run reached ``times[-1]``, 1 when it stopped at an
    equilibrium (only with ``stop_at_equilibrium``), 2 at a terminal event, -1 on failure;
    ``message`` (None for status 0) says what happened, where and when; ``Z_end`` is the
    micro state at the end (the last good one after a failure); ``stats`` is a dict of
    counts (steps, evaluations). A numerical failure is returned, never raised, so that
    what was recorded is kept. Everything else of ``cp.simulate`` (argument checks, the
    initial state, output times, the result) works for a new integrator unchanged.

    Attributes
    ----------
    name : str
        Unique; the ``method=`` value for integrators that read ``method``.
    run : callable
        As above.
    subject : str
        What it runs, in words, for messages: ``"a stochastic population"``.
    time : {"continuous", "discrete"}
    rules : frozenset of str
        The micro rule kinds it handles.
    stochastic, noise : tuple of bool
        The values of :attr:`RunKind.stochastic` and :attr:`RunKind.noise` it handles.
    options : frozenset of str
        The options of ``cp.simulate`` it reads (keys of :data:`OPTIONS`).
    needs_derivatives : bool
        It needs a differentiable model (:attr:`RunKind.differentiable`).
    label : str, optional
        ``Trajectory.method``, formatted with the options (default: ``name``), e.g.
        ``"stochastic revision (dt = {dt:g})"``.
    """

    name: str
    run: object
    subject: str
    time: str
    rules: frozenset
    stochastic: tuple = (False,)
    noise: tuple = (False,)
    options: frozenset = frozenset()
    needs_derivatives: bool = False
    label: str = None

    def __post_init__(self):
        unknown = set(self.options) - set(OPTIONS)
        if unknown:
            raise ValueError(f"integrator {self.name!r} declares unknown options "
                             f"{sorted(unknown)}; the options are {list(OPTIONS)}")

    def handles(self, kind):
        """Whether it runs the :class:`RunKind` ``kind`` (derivatives aside)."""
        return (kind.time == self.time and kind.rule in self.rules
                and kind.stochastic in self.stochastic and kind.noise in self.noise)

    def describe(self, options):
        """``Trajectory.method`` for these resolved options."""
        return (self.label or self.name).format(**options)


def _deterministic_integrator(name, needs_derivatives=False):
    return Integrator(
        name=name, run=_deterministic.run, subject="a deterministic continuous-time run",
        time="continuous", rules=frozenset({"ode", "choice", "markov"}),
        needs_derivatives=needs_derivatives,
        options=frozenset({"method", "rtol", "atol", "max_step", "stop_at_equilibrium",
                           "events"}))


_map = functools.partial(Integrator, run=_discrete.run, time="discrete",
                         rules=frozenset({"map", "choice", "step", "response"}))

#: The registered integrators, by name; for ``method="auto"`` the first that handles a run
#: (and whose derivatives are available) is chosen.
INTEGRATORS = {integrator.name: integrator for integrator in (
    _deterministic_integrator("BDF", needs_derivatives=True),
    *(_deterministic_integrator(name) for name in _deterministic.EXPLICIT),
    Integrator(name="fixed-point tracking", label="fixed-point tracking + RK45",
               run=_response.run, subject="a response rule", time="continuous",
               rules=frozenset({"response"}),
               options=frozenset({"rtol", "atol", "max_step", "stop_at_equilibrium"})),
    Integrator(name="stochastic revision", label="stochastic revision (dt = {dt:g})",
               run=_stochastic.run, subject="a stochastic population", time="continuous",
               rules=frozenset({"choice", "markov", "step"}), stochastic=(True,),
               noise=(False, True),
               options=frozenset({"dt"})),
    Integrator(name="Euler-Maruyama", label="linearly implicit Euler-Maruyama (dt = {dt:g})",
               run=_sde.run, subject="a noisy model", time="continuous",
               rules=frozenset({"ode", "choice", "markov"}), noise=(True,),
               options=frozenset({"dt"})),
    _map(name="map", subject="a discrete-time model",
         options=frozenset({"stop_at_equilibrium"})),
    _map(name="noisy map", label="map", subject="a discrete-time model that draws noise",
         noise=(True,)),
    _map(name="stochastic revision per period", label="stochastic revision",
         subject="a stochastic population in discrete time", stochastic=(True,),
         noise=(False, True)),
)}

def methods():
    """The values of ``method=``: "auto" and the integrators that read ``method``."""
    return ("auto", *(n for n, i in INTEGRATORS.items() if "method" in i.options))


def choose(kind, method="auto"):
    """The integrator of a run: the one ``method`` names if it handles the run, else the
    first registered one that does.

    Parameters
    ----------
    kind : RunKind
    method : str
        One of :func:`methods`. A method that does not handle this run is left to
        :func:`check_options` (it warns that ``method`` is ignored).

    Returns
    -------
    Integrator

    Raises
    ------
    ValueError
        No integrator handles the run, or ``method`` needs derivatives the model lacks.
    """
    candidates = [i for i in INTEGRATORS.values() if i.handles(kind)]
    if not candidates:
        raise ValueError(f"cp.simulate has no integrator for {kind} (the integrators are "
                         f"{list(INTEGRATORS)})")
    named = INTEGRATORS.get(method)
    if named in candidates:
        if named.needs_derivatives and not kind.differentiable:
            others = [i.name for i in candidates if not i.needs_derivatives]
            raise ValueError(f"method={method!r} needs derivatives of every aggregate, and a "
                             f"Statistic aggregate is opaque: use one of {others}")
        return named
    return next(i for i in candidates if kind.differentiable or not i.needs_derivatives)


def check_options(integrator, given):
    """Refuse or warn about the options given that ``integrator`` does not read.

    Parameters
    ----------
    integrator : Integrator
    given : mapping
        The options the caller set explicitly, name -> value.

    Raises
    ------
    ValueError
        An option of :data:`REQUESTS` (events, stop_at_equilibrium) that this run cannot
        honour, saying what it needs and what this run is.

    Warns
    -----
    IgnoredArgumentWarning
        For every other option without effect, naming it and the integrators that read it;
        attributed to the caller of the entry point that calls this function.
    """
    for name, value in given.items():
        if name in integrator.options:
            continue
        if name in REQUESTS:
            raise ValueError(f"{REQUESTS[name]}; this is {integrator.subject}")
        readers = [n for n, i in INTEGRATORS.items() if name in i.options]
        _checks.ignored(name, value, f"{integrator.subject} is run by {integrator.name!r}, "
                        f"which does not read it ({name} is read by {readers} only)",
                        stacklevel=4)
