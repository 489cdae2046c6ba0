r"""Declared exact mean-field reductions: low-dimensional equations for a model's aggregates.

Some populations have an exact mean-field limit that is not quadrature over the traits: a
closed system of a few equations for the aggregates themselves. The Ott–Antonsen ansatz
(Ott & Antonsen 2008, Chaos 18, 037113) is the classic: phase oscillators with Lorentzian
natural frequencies, whose order parameter z obeys one complex ODE. A model declares such a
system as its ``reduction=`` (a :class:`Reduction`); the mean-field population
(``population="mean-field"`` or a :class:`~coupling.MeanField`) then runs it instead of
quadrature, in every analysis (simulation, equilibria, continuation, hysteresis). A finite
population ignores it: the reduction is the N → ∞ limit only.

The reduced model
-----------------
The reduction's states :math:`z = (z_1, \dots, z_r)` follow

.. math::  \varepsilon\,\dot z = F(z, c, p),

on the micro clock, as the rule it reduces (ε the model's timescale; with ε = 1 they are
rates in the model's time units), and each aggregate the context and macro dynamics read is
an expression of them, :math:`X_a = h_a(z, p)`. Its mean field (:func:`reduced_model`) is an
ordinary :class:`~coupling.Model`: one unit without traits whose micro rule is
:math:`\varepsilon\dot z = F` (a :class:`~coupling.ODE`, or a :class:`~coupling.Map`
:math:`z_{t+1} = F` in discrete time) and whose aggregates are the means
:math:`\mathrm{Mean}(h_a)` over that one unit, i.e. :math:`h_a(z)` itself. The context, the
macro dynamics, the parameters and the timescale are the model's own, so the coupled
reduced system is exactly what the engine integrates and differentiates for any ODE model.
Its trajectories record the reduction's states as their micro state; aggregates the context
and macro dynamics do not read, and the reduction does not provide, are not computed.

Checks at declaration (level ``"reduction"``): the reduction provides every aggregate the
context and macro dynamics read (the missing ones are named) and only global aggregates of
the model (the others are named); its aggregate expressions read its states and the
parameters only; its right-hand sides read its states, the context and the parameters; its
state names are new names.
"""

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

from .._checks import suggest
from .._errors import DeclarationError
from ._declared import Declared
from ._expressions import Expression, check_name
from ._rules import ODE, Local, Map, Mean, as_macro


@dataclass(frozen=True)
class Reduction(Declared):
    r"""An exact mean-field reduction: ε ż = F(z, c, p) and aggregates X_a = h_a(z, p).

    Parameters
    ----------
    states : mapping
        State name -> :class:`~coupling.Macro` ``(rhs, initial)`` (or a pair): the
        right-hand side F on the micro clock (an expression of the reduction's states, the
        context and the parameters) and a number to start from. No noise.
    aggregates : mapping
        Aggregate name of the model -> expression h_a of the reduction's states and the
        parameters: the value that aggregate takes in the mean-field limit.
    source : str
        The published derivation (shown in the model's documentation).

    Raises
    ------
    DeclarationError
        (level ``"reduction"``) no states, a state without an initial value or with noise,
        no aggregates, or an expression that does not parse; the checks against the model
        are made by :class:`~coupling.Model`.

    Examples
    --------
    Units ε x_i' = -x_i + c relax to c, and so does their mean, exactly:

    >>> import coupling as cp
    >>> reduction = cp.Reduction(states={"X_mf": cp.Macro("-X_mf + c", 0.0)},
    ...                          aggregates={"X": "X_mf"}, source="linear relaxation")
    """

    states: dict
    aggregates: dict
    source: str = ""

    def __post_init__(self):
        if not hasattr(self.states, "items") or not self.states:
            raise DeclarationError("a reduction needs states={name: cp.Macro(rhs, initial)}",
                                   level="reduction")
        if not hasattr(self.aggregates, "items") or not self.aggregates:
            raise DeclarationError("a reduction needs aggregates={aggregate: expression of "
                                   "its states}", level="reduction")
        states = {}
        for name, value in self.states.items():
            check_name(name, "reduction")
            try:
                macro = as_macro(name, value)
            except DeclarationError as error:
                raise DeclarationError(str(error).split("] ", 1)[-1], symbol=name,
                                       level="reduction") from None
            if macro.noise is not None:
                raise DeclarationError("a reduction is the deterministic N → ∞ limit: its "
                                       "states take no noise", symbol=name, level="reduction")
            Expression(macro.rhs, symbol=name, level="reduction")
            states[name] = macro
        for name, value in self.aggregates.items():
            Expression(value, symbol=name, level="reduction")
        object.__setattr__(self, "states", MappingProxyType(states))
        object.__setattr__(self, "aggregates", MappingProxyType(dict(self.aggregates)))

    def names(self, value, symbol):
        """The names an expression of the reduction reads."""
        return set(Expression(value, symbol=symbol, level="reduction").names)


def check_reduction(model):
    """The checks of a model's reduction against the model (see the module docstring)."""
    red = model.reduction
    if not isinstance(red, Reduction):
        raise DeclarationError(f"reduction must be a cp.Reduction, got {type(red).__name__}",
                               symbol="reduction", level="reduction")
    levels = model.levels
    for name in red.states:
        if name in levels:
            raise DeclarationError(f"'{name}' is already declared at the level "
                                   f"'{levels[name]}'; a reduction state needs a new name",
                                   symbol=name,
                                   level="reduction")
    global_aggs = [n for n, a in model.aggregates.items() if not isinstance(a, Local)]
    extra = sorted(set(red.aggregates) - set(global_aggs))
    if extra:
        raise DeclarationError(f"the reduction gives {extra}, which the model does not "
                               f"declare as global aggregates {global_aggs}"
                               f"{suggest(extra[0], global_aggs)}", symbol=extra[0],
                               level="reduction")
    read = set()
    for name, value in model.context.items():
        read |= set(Expression(value, symbol=name, level="context").names)
    for name, macro in model.macro.items():
        read |= set(Expression(macro.rhs, symbol=name, level="macro").names)
    missing = sorted((read & set(model.aggregates)) - set(red.aggregates))
    if missing:
        raise DeclarationError(f"the context and macro dynamics read the aggregates "
                               f"{missing}, which the reduction does not give",
                               symbol=missing[0], level="reduction")
    own, params = set(red.states), set(model.parameters)
    for name, value in red.aggregates.items():
        _only(red.names(value, name), own | params, name, "its states and the parameters")
    for name, macro in red.states.items():
        _only(red.names(macro.rhs, name), own | params | set(model.context), name,
              "its states, the context and the parameters")


def _only(names, allowed, symbol, what):
    odd = sorted(names - allowed)
    if odd:
        raise DeclarationError(f"a reduction expression reads {what} only; it reads "
                               f"{odd}", symbol=symbol, level="reduction")


def reduced_model(model):
    """The mean-field model of a model with a reduction: one unit without traits whose
    rule is the reduction's equations and whose aggregates are its expressions (see the
    module docstring); context, macro dynamics, parameters and timescale as declared."""
    red = model.reduction
    rule = Map if model.time == "discrete" else ODE
    micro = rule(rhs={n: m.rhs for n, m in red.states.items()},
                 initial={n: m.initial for n, m in red.states.items()})
    aggregates = {name: Mean(value) for name, value in red.aggregates.items()}
    return dataclasses.replace(model, micro=micro, traits={}, aggregates=aggregates,
                               network=None, arrivals=None, reduction=None)
