"""The model declaration: two levels and three edges, checked when it is built."""

import dataclasses
import difflib
import functools
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy import sparse

from .. import _checks
from .._errors import DeclarationError, ParameterDomainError
from . import _distributions
from ._arrivals import Arrivals, Count
from ._compiled import CompiledModel, check_probabilities, topological
from ._declared import Declared
from ._expressions import Expression, check_name
from ._markov import Markov, master_equation
from ._reduction import check_reduction, reduced_model
from ._rules import (
    ODE,
    Choice,
    Local,
    Map,
    MeanField,
    Response,
    Share,
    Statistic,
    Step,
    Variance,
    as_aggregate,
    as_macro,
)

_LEVEL_NAMES = {
    "parameters": "a parameter",
    "traits": "a trait",
    "micro": "a micro state",
    "aggregates": "an aggregate",
    "context": "a context variable",
    "macro": "a macro variable",
    "micro shocks": "an idiosyncratic shock",
    "shocks": "an aggregate shock",
}


@dataclass(frozen=True, eq=False)
class Model(Declared):
    r"""A coupled micro–macro model.

    Micro units i = 1..N with traits θ_i and state x_i follow ``micro`` (an :class:`ODE`,
    :class:`Map`, :class:`Choice`, :class:`Markov`, :class:`Response` or :class:`Step` rule)
    and see the macro
    world only through the context c = D(y, X, p). The population is summarised upward by the
    ``aggregates`` X = A(x, θ). Macro variables y follow dy/dt = F(y, X, c, p) (or
    y_{t+1} = G(...) in discrete time). The micro level moves on the timescale ε
    (``timescale``), in macro time units.

    Parameters
    ----------
    micro : rule
        The micro rule.
    aggregates : mapping
        Name -> :class:`Mean` (or a bare expression), :class:`Variance`, :class:`Share`,
        :class:`Local` or :class:`Statistic`.
    context : mapping, optional
        Name -> expression of macro variables, aggregates, parameters and earlier context
        variables.
    macro : mapping, optional
        Name -> :class:`Macro` (or an ``(rhs, initial)`` pair).
    parameters : mapping, optional
        Name -> value.
    policy : sequence of str, optional
        The parameters that are policy levers (the macro-context handle).
    traits : mapping, optional
        Name -> distribution (:class:`Normal`, :class:`Uniform`, :class:`LogNormal`,
        :class:`Beta`, :class:`Discrete`, :class:`Fixed`).
    timescale : float or str
        ε > 0, or the name of a parameter holding it.
    time : {"continuous", "discrete"}
    population : int, "mean-field" or MeanField
        The default population: N units with sampled traits, or the mean-field limit.
    network : scipy.sparse matrix, optional
        N x N adjacency (weights) for :class:`Local` aggregates.
    shocks : mapping, optional
        Discrete time only: aggregate shock name -> standard deviation (an expression of
        parameters). Each is drawn afresh every period, ~ N(0, sd²), and read by the context
        map and the macro dynamics (e.g. a productivity or demand shock).
    arrivals : Arrivals, optional
        Discrete time, choice and map rules: a population that grows by arrivals up to the
        capacity N (see :class:`Arrivals`). Its ``count`` (the number present) becomes an
        aggregate.
    name, description : str
    reduction : Reduction, optional
        An exact mean-field reduction (e.g. Ott–Antonsen): equations for the aggregates that
        the mean-field population runs instead of quadrature over the traits (see
        :class:`Reduction`); a finite population ignores it.

    Raises
    ------
    DeclarationError
        Naming the offending symbol and level, for any malformed part.

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.Model(
    ...     micro=cp.ODE(rhs={"x": "-x + tanh(J*m_seen + a)"}, initial={"x": 0.1}),
    ...     traits={"a": cp.Normal(0, 0.3)},
    ...     aggregates={"m": "x"},
    ...     context={"m_seen": "m"},
    ...     parameters={"J": 2.0},
    ...     timescale=0.01)
    >>> model.levels["m"]
    'aggregates'
    """

    micro: object
    aggregates: dict
    context: dict = field(default_factory=dict)
    macro: dict = field(default_factory=dict)
    parameters: dict = field(default_factory=dict)
    policy: tuple = ()
    traits: dict = field(default_factory=dict)
    timescale: object = 1.0
    time: str = "continuous"
    population: object = "mean-field"
    network: object = None
    shocks: dict = field(default_factory=dict)
    arrivals: object = None
    name: str = "model"
    description: str = ""
    reduction: object = None

    def __post_init__(self):
        setter = functools.partial(object.__setattr__, self)
        setter("parameters", MappingProxyType(_check_parameters(self.parameters)))
        setter("traits", MappingProxyType(dict(self.traits or {})))
        setter("aggregates", MappingProxyType(_with_count(
            {n: as_aggregate(n, v) for n, v in _items(self.aggregates, "aggregates")},
            self.arrivals)))
        setter("context", MappingProxyType(dict(_items(self.context, "context"))))
        setter("macro", MappingProxyType(
            {n: as_macro(n, v) for n, v in _items(self.macro, "macro")}))
        setter("policy", tuple(self.policy))
        setter("shocks", MappingProxyType(dict(_items(self.shocks, "shocks"))))
        setter("population", _checks.population(self.population))
        _Checker(self).run()

    # ----------------------------------------------------------------- names and levels
    @functools.cached_property
    def levels(self):
        """Every declared name -> the level it belongs to."""
        return {n: level for level, names in self._names().items() for n in names}

    def _names(self):
        return {
            "parameters": tuple(self.parameters),
            "traits": tuple(self.traits),
            "micro": tuple(self.micro.states),
            "aggregates": tuple(self.aggregates),
            "context": tuple(self.context),
            "macro": tuple(self.macro),
            "micro shocks": tuple(getattr(self.micro, "shocks", {})),
            "shocks": tuple(self.shocks),
        }

    @property
    def states(self):
        return tuple(self.micro.states)

    @property
    def is_stochastic(self):
        """Whether a finite population of this model is stochastic (random revisions)."""
        return self.micro.kind in ("choice", "markov", "step")

    @property
    def has_noise(self):
        """Whether the model draws shocks: macro noise, aggregate or idiosyncratic shocks."""
        return bool(self.shocks or getattr(self.micro, "noise", None)
                    or getattr(self.micro, "shocks", None)
                    or any(m.noise is not None for m in self.macro.values()))

    @functools.cached_property
    def master_equation(self):
        """A Markov model's mean-field model: the master equation of the state shares as an
        ODE model (see :func:`~coupling.model._markov.master_equation`); None for the other
        rules."""
        return master_equation(self) if self.micro.kind == "markov" else None

    @functools.cached_property
    def reduced(self):
        """The mean-field model its reduction declares: one unit without traits following
        the reduction's equations (see :func:`~coupling.model._reduction.reduced_model`);
        None without a reduction."""
        return reduced_model(self) if self.reduction is not None else None

    @functools.cached_property
    def compiled(self):
        """The compiled expressions of every level (built once, shared by copies)."""
        return CompiledModel(self)

    def eps(self, params=None):
        """The timescale ε, resolved against ``params`` (default: the model's)."""
        params = self.parameters if params is None else params
        return float(params[self.timescale]) if isinstance(self.timescale, str) \
            else float(self.timescale)

    # ----------------------------------------------------------------- variants
    def with_parameters(self, **values):
        """A copy with some parameter values changed (names are checked)."""
        for name in values:
            if name not in self.parameters:
                known = sorted(self.parameters)
                raise DeclarationError(f"unknown parameter; the model's parameters are "
                                       f"{known}{_suggest(name, self.parameters)}",
                                       symbol=name, level="parameters")
        return self.replace(parameters={**self.parameters, **values})

    def replace(self, **changes):
        """A copy with some declaration fields changed, checked again.

        Compiled expressions are reused when only parameter values, the population, the
        timescale or the network change; new values of the same parameters rerun only the
        checks that read values (finite numbers, trait domains).
        """
        if set(changes) == {"parameters"} and set(changes["parameters"]) == \
                set(self.parameters):
            new = self._revalued(changes["parameters"])
        else:
            new = dataclasses.replace(self, **changes)
        structural = {"micro", "aggregates", "context", "macro", "traits", "time", "shocks",
                      "arrivals", "reduction"}
        if not structural & set(changes) and set(new.parameters) == set(self.parameters):
            new.__dict__["compiled"] = self.compiled
            if self.__dict__.get("master_equation") is not None:  # its compiled code too
                kept = {n: getattr(new, n) for n in changes}
                new.__dict__["master_equation"] = self.master_equation.replace(**kept)
            if self.__dict__.get("reduced") is not None:
                kept = {n: getattr(new, n) for n in changes
                        if n not in ("population", "network")}
                new.__dict__["reduced"] = self.reduced.replace(**kept)
        return new

    def _revalued(self, parameters):
        new = object.__new__(type(self))
        for f in dataclasses.fields(self):
            object.__setattr__(new, f.name, getattr(self, f.name))
        object.__setattr__(new, "parameters", MappingProxyType(_check_parameters(parameters)))
        _Checker(new).check_traits()
        return new

    def __repr__(self):
        pop = self.population if isinstance(self.population, int) else "mean-field"
        return (f"Model({self.name!r}, micro={self.micro.kind}, states={list(self.states)}, "
                f"aggregates={list(self.aggregates)}, context={list(self.context)}, "
                f"macro={list(self.macro)}, time={self.time!r}, population={pop})")


def _items(mapping, level):
    if mapping is None:
        return []
    if not hasattr(mapping, "items"):
        raise DeclarationError(f"expected a mapping of names to declarations, got "
                               f"{type(mapping).__name__}", level=level)
    return list(mapping.items())


def _with_count(aggregates, arrivals):
    """The aggregates with the count of present units that ``arrivals`` declares (a count
    left from an earlier declaration, e.g. through :meth:`Model.replace`, is dropped)."""
    name = arrivals.count if isinstance(arrivals, Arrivals) else None
    kept = {n: a for n, a in aggregates.items() if not (isinstance(a, Count) and n != name)}
    if name is None:  # no arrivals, or a malformed declaration (refused by the checks)
        return kept
    if name in kept and not isinstance(kept[name], Count):
        raise DeclarationError(f"'{name}' is declared as an aggregate and as the count of "
                               "present units of the arrivals; rename one of them",
                               symbol=name, level="arrivals")
    kept[name] = Count()
    return kept


def _check_parameters(parameters):
    out = {}
    for name, value in _items(parameters, "parameters"):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise DeclarationError(f"a parameter must be a real number, got {value!r}"
                                   + (" (an array? declare per-unit values as a Fixed trait)"
                                      if np.ndim(value) else ""),
                                   symbol=str(name), level="parameters")
        if not np.isfinite(value):
            raise DeclarationError(f"a parameter must be finite, got {value!r}",
                                   symbol=str(name), level="parameters")
        out[name] = float(value)
    return out


def _suggest(name, candidates):
    close = difflib.get_close_matches(name, list(candidates), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


class _Checker:
    """All the declaration-time checks, in the order a reader would make them."""

    def __init__(self, model):
        self.m = model

    def run(self):
        self.check_rule()
        self.check_arrivals()
        self.check_names()
        self.check_parameters_use()
        self.check_traits()
        self.check_population()
        self.check_expressions()
        self.check_shocks()
        if self.m.reduction is not None:
            check_reduction(self.m)

    def check_rule(self):
        m = self.m
        if not isinstance(m.micro, (ODE, Map, Response, Choice, Markov, Step)):
            raise DeclarationError("micro must be a cp.ODE, cp.Map, cp.Choice, cp.Markov, "
                                   f"cp.Response or cp.Step rule, got {type(m.micro).__name__}",
                                   level="micro")
        if m.time not in ("continuous", "discrete"):
            raise DeclarationError(f"time must be 'continuous' or 'discrete', got {m.time!r}",
                                   symbol="time", level="timescale")
        states = ", ".join(m.micro.states) or None
        if m.time == "discrete" and type(m.micro) is ODE:
            raise DeclarationError("a discrete-time model updates its units once per period: "
                                   "declare the micro rule as cp.Map(rhs=..., initial=...)",
                                   symbol=states, level="micro")
        if m.time == "discrete" and isinstance(m.micro, Markov):
            raise DeclarationError("cp.Markov units jump at rates in continuous time: declare "
                                   "time='continuous', or give the one-period transition "
                                   "probabilities as a cp.Choice or a cp.Map",
                                   symbol=states, level="micro")
        if isinstance(m.micro, Markov):
            taken = sorted(set(m.micro.share_names) & (set(m.parameters) | set(m.traits)
                                                       | set(m.context) | set(m.aggregates)
                                                       | set(m.macro)))
            if taken:
                raise DeclarationError(f"'{taken[0]}' names a mean-field share of the Markov "
                                       "state (p_<state>_<j>, the share of option j); rename "
                                       "it", symbol=taken[0], level="micro")
        if m.time == "continuous" and isinstance(m.micro, Map):
            raise DeclarationError("cp.Map is a discrete-time rule: use cp.ODE, or declare "
                                   "time='discrete'", symbol=states, level="micro")
        if not m.micro.states:
            raise DeclarationError("the micro rule declares no state variable", level="micro")
        if not m.aggregates:
            raise DeclarationError("declare at least one aggregate: the macro world sees the "
                                   "units only through aggregates", level="aggregates")

    def check_arrivals(self):
        """A growing population: discrete time, a choice or map rule, no network, at most N
        units present at the start, and a mean-field limit only for a choice rule."""
        m = self.m
        arrivals = m.arrivals
        if arrivals is None:
            return
        if not isinstance(arrivals, Arrivals):
            raise DeclarationError(f"arrivals must be a cp.Arrivals declaration, got "
                                   f"{type(arrivals).__name__}", symbol="arrivals",
                                   level="arrivals")
        if m.time != "discrete":
            raise DeclarationError("arrivals come per period: declare time='discrete' (a "
                                   "continuous-time model has no periods to arrive in)",
                                   symbol="arrivals", level="arrivals")
        if m.micro.kind not in ("choice", "map"):
            raise DeclarationError(f"arriving units take their state from a cp.Choice or a "
                                   f"cp.Map rule, not from a {m.micro.kind} rule",
                                   symbol="arrivals", level="arrivals")
        if m.network is not None:
            raise DeclarationError("a network links all N units from the start; arrivals "
                                   "need a population without a network",
                                   symbol="arrivals", level="arrivals")
        if isinstance(m.population, MeanField):
            if m.micro.kind != "choice":
                raise DeclarationError(
                    "the mean-field limit with arrivals averages the choice probabilities of "
                    "the cohorts at each node; a Map's cohorts differ in state: give a finite "
                    "population=N", symbol="arrivals", level="arrivals")
        elif arrivals.initial > m.population:
            raise DeclarationError(f"Arrivals(initial={arrivals.initial}) exceeds the "
                                   f"capacity, the population N = {m.population}",
                                   symbol="arrivals", level="arrivals")

    def check_names(self):
        seen = {}
        for level, names in self.m._names().items():
            for name in names:
                check_name(name, level)
                if name in seen:
                    where = ("twice at this level" if seen[name] == level else
                             f"already {_LEVEL_NAMES[seen[name]]}")
                    raise DeclarationError(
                        f"'{name}' is declared {where}; every name must be unique across "
                        "levels, rename one of them", symbol=name, level=level)
                seen[name] = level

    def check_parameters_use(self):
        m = self.m
        for name in m.policy:
            if name not in m.parameters:
                raise DeclarationError("a policy lever must be a declared parameter"
                                       f"{_suggest(name, m.parameters)}",
                                       symbol=name, level="parameters")
        if isinstance(m.timescale, str):
            if m.timescale not in m.parameters:
                raise DeclarationError("the timescale names no declared parameter"
                                       f"{_suggest(m.timescale, m.parameters)}",
                                       symbol=m.timescale, level="timescale")
        elif isinstance(m.timescale, (bool, np.bool_)) or not isinstance(m.timescale, numbers.Real):
            raise DeclarationError(f"the timescale must be a number or a parameter name, got "
                                   f"{m.timescale!r}", symbol="timescale", level="timescale")
        eps = m.eps()
        if not (np.isfinite(eps) and eps > 0):
            raise DeclarationError(f"the micro timescale ε must be > 0, got {eps}",
                                   symbol=m.timescale if isinstance(m.timescale, str)
                                   else "timescale", level="timescale")

    def check_traits(self):
        m = self.m
        for name, dist in m.traits.items():
            if not isinstance(dist, _distributions.Distribution):
                raise DeclarationError(
                    f"a trait needs a distribution (cp.Normal, cp.Uniform, cp.LogNormal, "
                    f"cp.Beta, cp.Lorentzian, cp.Mixture, cp.Discrete, cp.Fixed), got "
                    f"{dist!r}", symbol=name,
                    level="traits")
            for p in dist.parameters():
                if p not in m.parameters:
                    raise DeclarationError(f"{dist!r} names '{p}', which is not a declared "
                                           f"parameter{_suggest(p, m.parameters)}",
                                           symbol=name, level="traits")
            try:  # a declared value outside the domain is a declaration error
                dist.resolve(m.parameters, trait=name)
            except ParameterDomainError as error:
                raise DeclarationError(str(error).split("] ", 1)[-1], symbol=name,
                                       level="traits") from None

    def check_population(self):
        m = self.m
        n = m.population
        if m.micro.kind == "step" and isinstance(n, MeanField):
            raise DeclarationError("a black-box Step rule has no mean-field limit: give a "
                                   "finite population=N", symbol="N",
                                   level="population")
        if m.network is not None:
            if not sparse.issparse(m.network):
                raise DeclarationError("the network must be a scipy.sparse adjacency matrix, "
                                       f"got {type(m.network).__name__}", symbol="network",
                                       level="network")
            if isinstance(n, MeanField):
                raise DeclarationError("a network needs a finite population=N of the same "
                                       "size", symbol="network", level="network")
            if m.network.shape != (n, n):
                raise DeclarationError(f"the network is {m.network.shape[0]} x "
                                       f"{m.network.shape[1]} but the population has N = {n} "
                                       f"units; it must be N x N", symbol="network",
                                       level="network")
        if isinstance(n, int):
            for name, dist in m.traits.items():
                if isinstance(dist, _distributions.Fixed) and dist.values.size != n:
                    raise DeclarationError(f"Fixed trait values have length "
                                           f"{dist.values.size} but N = {n}", symbol=name,
                                           level="traits")
        initial = {} if m.micro.kind in ("choice", "markov") else m.micro.initial
        for state, value in initial.items():
            if isinstance(value, (np.ndarray, list, tuple)):
                arr = np.asarray(value)
                if arr.ndim != 1 or (isinstance(n, int) and arr.size != n):
                    raise DeclarationError(
                        f"an initial array must have one value per unit (shape ({n},)), got "
                        f"shape {arr.shape}", symbol=state, level="micro")
                if isinstance(n, MeanField):
                    raise DeclarationError("per-unit initial arrays need a finite "
                                           "population=N", symbol=state, level="micro")
        for name, agg in m.aggregates.items():
            if isinstance(agg, Share):
                if m.micro.kind not in ("choice", "markov"):
                    raise DeclarationError("a Share aggregate needs a choice or Markov rule",
                                           symbol=name, level="aggregates")
                if float(agg.option) not in m.micro.options:
                    raise DeclarationError(f"option {agg.option!r} is not one of the rule's "
                                           f"options {m.micro.options}", symbol=name,
                                           level="aggregates")
            if isinstance(agg, Local):
                if m.network is None:
                    raise DeclarationError("a Local aggregate needs a network= adjacency "
                                           "matrix", symbol=name, level="aggregates")
                if m.micro.kind == "response":
                    raise DeclarationError("response rules solve for an aggregate fixed point "
                                           "and cannot read Local (per-unit) aggregates; use "
                                           "an ODE rule with a small timescale",
                                           symbol=name, level="aggregates")
            if isinstance(agg, Statistic) and not callable(agg.function):
                raise DeclarationError("a Statistic needs a callable", symbol=name,
                                       level="aggregates")
            if isinstance(agg, Statistic) and m.micro.kind == "response":
                raise DeclarationError("a response rule solves for the aggregates with their "
                                       "derivatives, and a Statistic is opaque: declare it as "
                                       "a Mean or Variance of an expression", symbol=name,
                                       level="aggregates")

    def check_expressions(self):
        m = self.m
        lv = m.levels
        own = set(m.states)
        traits, params = set(m.traits), set(m.parameters)
        ctx, aggs, macro = set(m.context), set(m.aggregates), set(m.macro)
        unit_shocks, shocks = set(getattr(m.micro, "shocks", {})), set(m.shocks)
        route = ("units see the macro world only through the context map: declare a context "
                 "variable, e.g. context={{'{n}_seen': '{n}'}}, and use that in the micro rule")

        def unit_hint(who):
            return (who + " the population only through aggregates: declare an aggregate, "
                    "e.g. aggregates={{'mean_{n}': '{n}'}}, and use that")

        def check(value, symbol, level, allowed, hints):
            e = Expression(value, symbol=symbol, level=level)
            for n in e.names:
                if n in allowed:
                    continue
                if n in lv and lv[n] in hints:
                    raise DeclarationError(f"uses {_LEVEL_NAMES[lv[n]]} '{n}' directly; "
                                           + hints[lv[n]].format(n=n),
                                           symbol=symbol, level=level)
                if n in lv:
                    raise DeclarationError(f"uses {_LEVEL_NAMES[lv[n]]} '{n}', which this "
                                           f"level cannot read", symbol=symbol, level=level)
                raise DeclarationError(f"uses the unknown name '{n}'{_suggest(n, lv)}",
                                       symbol=symbol, level=level)
            return e

        micro_hints = {"aggregates": route, "macro": route}
        reads_own = own
        if m.micro.kind in ("response", "choice"):
            reads_own = set()
            micro_hints["micro"] = (f"a {m.micro.kind} rule depends on traits, context and "
                                    "parameters only, not on the unit's current state")
        elif m.micro.kind == "markov":
            reads_own = set()
            micro_hints["micro"] = ("a Markov rate depends on traits, context and parameters "
                                    "only; the unit's own state is which rates apply (give "
                                    "one rate per transition in rates={{(from, to): ...}})")
        for sym, value in m.micro.expressions().items():
            check(value, sym, "micro", reads_own | traits | ctx | params | unit_shocks,
                  micro_hints)
        states_needing_init = (() if m.micro.kind in ("response", "choice", "markov")
                               else m.states)
        for state in states_needing_init:
            if state not in m.micro.initial:
                raise DeclarationError("has no initial value; give one in initial={...} (a "
                                       "number, an expression of traits, or an array)",
                                       symbol=state, level="micro")
        for state, value in ({} if m.micro.kind in ("choice", "markov")
                             else m.micro.initial).items():
            if state not in own:
                raise DeclarationError(f"an initial value is given for '{state}', which is "
                                       f"not a state of the micro rule {sorted(own)}",
                                       symbol=state, level="micro")
            if not isinstance(value, (np.ndarray, list, tuple)):
                check(value, state, "micro", traits | params,
                      {"micro": "an initial value may depend on traits and parameters only"})
        if isinstance(m.micro, (Choice, Markov)):
            _check_choice_initial(m.micro, m.population)
        if isinstance(m.micro, Choice):
            _check_constant_probabilities(m.micro)

        agg_hint = {"context": "aggregation sees micro state, traits and parameters only",
                    "macro": "aggregation sees micro state, traits and parameters only"}
        for name, agg in m.aggregates.items():
            if agg.expr is not None:
                e = check(agg.expr, name, "aggregates", own | traits | params | unit_shocks,
                          agg_hint)
                self.check_moments(name, agg, e)

        hint = unit_hint("the context map sees")
        reads = {name: check(value, name, "context", macro | aggs | params | ctx | shocks,
                             {"micro": hint, "traits": hint}).names
                 for name, value in m.context.items()}
        local = {n for n, a in m.aggregates.items() if isinstance(a, Local)}
        for name in topological(reads):  # raises on cycles
            if set(reads[name]) & local:
                local.add(name)
        # context variables that differ between units (they read a Local aggregate)
        object.__setattr__(m, "local_context", frozenset(local & set(m.context)))
        macro_hint = unit_hint("macro dynamics see")
        for name, mac in m.macro.items():
            e = check(mac.rhs, name, "macro", macro | aggs | ctx | params | shocks,
                      {"micro": macro_hint, "traits": macro_hint})
            for n in set(e.names) & local:
                raise DeclarationError(f"reads '{n}', which differs between units (network-"
                                       "local); macro dynamics see population aggregates only",
                                       symbol=name, level="macro")
            if not np.isfinite(mac.initial):
                raise DeclarationError(f"the initial value must be finite, got {mac.initial!r}",
                                       symbol=name, level="macro")


    def check_moments(self, name, agg, e):
        """An aggregate whose expectation over a heavy-tailed trait does not exist (a Mean of
        a Lorentzian trait itself, a Variance of anything growing with it) has no large-
        population limit, and mean-field nodes would give a meaningless finite number."""
        for trait in sorted(set(e.names) & set(self.m.traits)):
            problem = e.expr is not None and self.m.traits[trait].moment_problem(
                e.expr, trait, variance=isinstance(agg, Variance))
            if problem:
                raise DeclarationError(problem, symbol=name, level="aggregates")

    def check_shocks(self):
        """Noise intensities and shock deviations: expressions of what each may read;
        named shocks in discrete time; idiosyncratic ones for finite populations."""
        m = self.m
        rule = m.micro
        params, traits = set(m.parameters), set(m.traits)
        discrete = m.time == "discrete"
        for state, value in getattr(rule, "noise", {}).items():
            if state not in m.states:
                raise DeclarationError(f"noise is given for '{state}', which is not a state of "
                                       f"the micro rule {list(m.states)}", symbol=state,
                                       level="micro")
            if rule.kind == "response":
                raise DeclarationError("a response has no dynamics to add noise to: declare an "
                                       "idiosyncratic shock the response reads (shocks=...)",
                                       symbol=state, level="micro")
            self._reads(value, state, "micro", params | traits, "traits and parameters")
        unit_shocks = dict(getattr(rule, "shocks", {}))
        for name, value in {**unit_shocks, **m.shocks}.items():
            level = "micro" if name in unit_shocks else "shocks"
            if not discrete:
                raise DeclarationError(
                    "named shocks are drawn once per period, in discrete time; in continuous "
                    "time give the macro variable (or the micro rule) noise=..., or model a "
                    "shock as a macro variable with noise", symbol=name, level=level)
            self._reads(value, name, level, params, "parameters")
        for name, mac in m.macro.items():
            if mac.noise is not None:
                self._reads(mac.noise, name, "macro", params | set(m.macro),
                            "parameters and macro state")
        idiosyncratic = getattr(rule, "noise", None) or unit_shocks
        if idiosyncratic and isinstance(m.population, MeanField):
            raise DeclarationError(
                "idiosyncratic noise and shocks need a finite population=N: the mean-field "
                "limit has no units to draw them for", symbol="N", level="population")

    @staticmethod
    def _reads(value, symbol, level, allowed, what):
        e = Expression(value, symbol=symbol, level=level)
        if not e.symbolic:
            raise DeclarationError("a noise intensity or shock deviation must be an expression",
                                   symbol=symbol, level=level)
        extra = sorted(set(e.names) - allowed)
        if extra:
            raise DeclarationError(f"a noise intensity or shock deviation may read {what} "
                                   f"only; it reads {extra}", symbol=symbol, level=level)


def _check_constant_probabilities(rule):
    """Probabilities that are all numbers are checked at declaration (the others every time
    they are evaluated)."""
    exprs = [Expression(p, symbol=rule.state, level="micro") for p in rule.probabilities]
    if all(e.symbolic and e.expr.is_number for e in exprs):
        check_probabilities(rule, [float(e.expr) for e in exprs])


def _check_choice_initial(rule, population):
    init = rule.initial
    if init is None:
        return
    if isinstance(init, (list, tuple)) and not isinstance(init, np.ndarray):
        p = np.asarray(init, dtype=float)
        if p.shape != (len(rule.options),) or np.any(p < 0) or not np.isclose(p.sum(), 1):
            raise DeclarationError(
                f"initial probabilities must be {len(rule.options)} numbers >= 0 summing to 1, "
                f"got {list(init)}", symbol=rule.state, level="micro")
        return
    values = np.atleast_1d(np.asarray(init, dtype=float))
    bad = ~np.isin(values, rule.options)
    if bad.any():
        raise DeclarationError(f"initial value {values[bad][0]:g} is not one of the options "
                               f"{rule.options}", symbol=rule.state, level="micro")
    if values.size > 1 and isinstance(population, MeanField):
        raise DeclarationError("per-unit initial arrays need a finite population=N",
                               symbol=rule.state, level="micro")
    if values.size > 1 and values.size != population:
        raise DeclarationError(f"an initial array must have one value per unit (N = "
                               f"{population}), got {values.size}", symbol=rule.state,
                               level="micro")

