"""The micro rules, aggregates and macro variables a model is declared with.

Each is an immutable description; :class:`coupling.Model` checks them all together, since
whether a name is allowed depends on what the rest of the model declares.
"""

import functools
import numbers
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import sympy as sp

from .._checks import suggest
from .._errors import DeclarationError
from ._declared import Declared
from ._expressions import LogAddExp, Logistic, to_sympy


def _frozen(mapping, what):
    if mapping is None:
        return MappingProxyType({})
    if not hasattr(mapping, "items"):
        raise DeclarationError(f"{what} must be a mapping of names to values, "
                               f"got {type(mapping).__name__}", level="micro")
    return MappingProxyType(dict(mapping))


# --------------------------------------------------------------------------- micro rules
@dataclass(frozen=True)
class ODE(Declared):
    r"""Continuous micro dynamics :math:`\varepsilon\, \dot x_i = f(x_i, \theta_i, c)`.

    Parameters
    ----------
    rhs : mapping
        State name -> right-hand side f (expression of own state, traits, context, parameters).
    initial : mapping
        State name -> initial value: a number, an expression of traits and parameters, or an
        array with one value per unit.
    noise : mapping, optional
        State name -> intensity s (expression of traits and parameters) of an idiosyncratic
        additive noise, independent across units: ε dx_i = f dt + s dW_i in continuous
        time, x_{i,t+1} = g + s ξ_{i,t} with ξ ~ N(0, 1) in discrete time.
    shocks : mapping, optional
        Discrete time only: shock name -> standard deviation (expression of parameters) of
        an idiosyncratic shock drawn afresh for every unit in every period, ~ N(0, sd²),
        which the rule and the aggregates read like a trait.
    """

    rhs: dict
    initial: dict = field(default_factory=dict)
    noise: dict = field(default_factory=dict)
    shocks: dict = field(default_factory=dict)
    kind = "ode"

    def __post_init__(self):
        name = type(self).__name__
        object.__setattr__(self, "rhs", _frozen(self.rhs, f"{name} rhs"))
        object.__setattr__(self, "initial", _frozen(self.initial, f"{name} initial"))
        object.__setattr__(self, "noise", _frozen(self.noise, f"{name} noise"))
        object.__setattr__(self, "shocks", _frozen(self.shocks, f"{name} shocks"))

    @property
    def states(self):
        return tuple(self.rhs)

    def expressions(self):
        return dict(self.rhs)


@dataclass(frozen=True)
class Map(ODE):
    r"""Discrete-time micro update :math:`x_{i,t+1} = g(x_{i,t}, \theta_i, c_t)`.

    ``rhs`` holds the update g for each state. Only for ``time="discrete"`` models.
    ``noise`` and ``shocks`` as for :class:`ODE`.
    """

    kind = "map"


@dataclass(frozen=True)
class Response(ODE):
    r"""Instantaneous micro response :math:`x_i = r(\theta_i, c)` (the ε → 0 limit).

    The micro level is the self-consistent fixed point X = A(r(θ, D(y, X))) at each instant.

    Parameters
    ----------
    rhs : mapping
        State name -> response r (expression of traits, context, parameters).
    initial : mapping, optional
        The micro state the fast dynamics start from (default 0); the run begins at the
        attracting fixed point these relax to.
    shocks : mapping, optional
        Discrete time only: idiosyncratic shocks the response reads (see :class:`ODE`).
    """

    kind = "response"


@dataclass(frozen=True)
class Choice(Declared):
    r"""Discrete choice: each unit revises at rate 1/ε and then picks option k with
    probability :math:`P_k(\theta_i, c)`.

    Parameters
    ----------
    state : str
        Name of the variable holding a unit's chosen option value.
    options : sequence of float
        The option values (at least two, distinct).
    probabilities : sequence
        One probability expression per option (of traits, context and parameters); they must
        be non-negative and sum to one, which is checked at declaration when they are numbers
        and on every evaluation otherwise. :func:`logit` builds them from utilities.
    initial : float, sequence of probabilities, or array
        An option value every unit starts at; or one initial probability per option; or an
        array of option values, one per unit. Default: every option equally likely.
    """

    state: str
    options: tuple
    probabilities: tuple
    initial: object = None
    kind = "choice"

    def __post_init__(self):
        try:
            options = tuple(float(o) for o in self.options)
        except (TypeError, ValueError):
            raise DeclarationError(f"options must be numbers, got {self.options!r}",
                                   symbol=str(self.state), level="micro") from None
        if len(options) < 2 or len(set(options)) != len(options):
            raise DeclarationError(f"a choice needs at least two distinct options, got "
                                   f"{options}", symbol=str(self.state), level="micro")
        probabilities = tuple(self.probabilities)
        if len(probabilities) != len(options):
            raise DeclarationError(
                f"{len(options)} options but {len(probabilities)} probability expressions; "
                "give one per option", symbol=str(self.state), level="micro")
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "probabilities", probabilities)

    @property
    def states(self):
        return (self.state,)

    def expressions(self):
        return {f"P({self.state}={o:g})": p for o, p in zip(self.options, self.probabilities)}


@dataclass(frozen=True)
class Step(Declared):
    r"""A black-box vectorised micro step, for finite populations only.

    ``function(state, traits, context, params, rng, dt)`` receives dicts of arrays (one entry
    per unit), the model's :class:`numpy.random.Generator` and the step length h (1 in
    discrete time), and returns a dict with the new value of every state: an array of one
    value per unit, or a number for all of them. ``activation`` says who takes it:

    * ``"random"`` (default): units revise at rate 1/ε, each independently with probability
      :math:`q = 1 - e^{-h/\varepsilon}` over a step of length h; the proposal is applied to
      the revising units only, the others keep their state.
    * ``"all"``: the proposal is the whole next state of the population and is applied as
      it is. The function decides who changes (e.g. which units move to which vacant cells,
      so that several units change together), drawing from the ``rng`` it is given; ε is
      not used.

    Parameters
    ----------
    function : callable
        The step, as above.
    initial : mapping
        State name -> initial value (a number or one value per unit).
    activation : {"random", "all"}
        Who takes the proposal.

    Raises
    ------
    DeclarationError
        ``function`` is not callable, or ``activation`` is not one of the above (level
        ``"micro"``, with the closest activation).
    """

    function: object
    initial: dict = field(default_factory=dict)
    activation: str = "random"
    kind = "step"
    ACTIVATIONS = ("random", "all")

    def __post_init__(self):
        if not callable(self.function):
            raise DeclarationError("a Step rule needs a callable", level="micro")
        if not isinstance(self.activation, str) or self.activation not in self.ACTIVATIONS:
            raise DeclarationError(
                f"activation must be one of {list(self.ACTIVATIONS)}, got "
                f"{self.activation!r}{suggest(self.activation, self.ACTIVATIONS)}",
                symbol="activation", level="micro")
        object.__setattr__(self, "initial", _frozen(self.initial, "Step initial"))

    @property
    def states(self):
        return tuple(self.initial)

    def expressions(self):
        return {}


def logit(utilities, *, intensity=1):
    r"""Multinomial-logit probabilities from utilities.

    :math:`P_k = e^{\beta U_k} / \sum_j e^{\beta U_j} = \exp(\beta U_k - \mathrm{LSE}_j\,
    \beta U_j)`, written with the log-sum-exp (nested ``logaddexp``), and for two options as
    the logistic function :math:`P_1 = \sigma(\beta (U_1 - U_0))`. Neither the
    probabilities nor their derivatives overflow, however large the utility differences.

    Parameters
    ----------
    utilities : sequence
        One utility expression per option.
    intensity : float or str
        The intensity of choice β (a number or a parameter name).
    """
    beta = to_sympy(intensity, symbol="intensity", level="micro")
    us = [to_sympy(u, symbol="utility", level="micro") for u in utilities]
    if len(us) == 2:
        return Logistic(beta * (us[0] - us[1])), Logistic(beta * (us[1] - us[0]))
    total = functools.reduce(LogAddExp, [beta * u for u in us])
    return tuple(sp.exp(beta * u - total) for u in us)


# --------------------------------------------------------------------------- aggregates
@dataclass(frozen=True)
class Mean:
    r"""Population mean :math:`X = \sum_i w_i\, g(x_i, \theta_i)` (weights 1/N or quadrature)."""

    expr: object
    kind = "mean"


@dataclass(frozen=True)
class Variance:
    r"""Population variance :math:`\sum_i w_i g_i^2 - (\sum_i w_i g_i)^2`."""

    expr: object
    kind = "variance"


@dataclass(frozen=True)
class Share:
    """Share of the population choosing ``option`` (choice rules)."""

    option: float
    kind = "share"

    @property
    def expr(self):
        return None


@dataclass(frozen=True)
class Local:
    r"""Neighbourhood mean through the model's network, one value per unit:
    :math:`L_i = \sum_j W_{ij} g(x_j, \theta_j) / \sum_j W_{ij}`.

    In the mean-field limit the neighbourhood mean becomes the population mean (exact for
    dense and complete graphs, the homogeneous mean-field approximation otherwise).
    """

    expr: object
    kind = "local"


@dataclass(frozen=True)
class Statistic:
    """Any population statistic: ``function(state, traits, weights) -> float``.

    Opaque to differentiation, so a model using it runs with explicit integrators only.
    """

    function: object
    kind = "statistic"

    @property
    def expr(self):
        return None


def as_aggregate(name, value):
    """Normalise an aggregate declaration: bare expressions mean :class:`Mean`."""
    if isinstance(value, (Mean, Variance, Share, Local, Statistic)):
        return value
    return Mean(value)


# --------------------------------------------------------------------------- macro
@dataclass(frozen=True)
class Macro(Declared):
    r"""A macro variable: :math:`\dot y = F(y, X, c)` (continuous) or
    :math:`y_{t+1} = G(y_t, X_t, c_t)` (discrete), starting from ``initial``.

    ``noise`` (an expression of parameters and macro state) adds an aggregate shock:
    :math:`dy = F\,dt + \sigma\,dW` (continuous; an SDE) or
    :math:`y_{t+1} = G + \sigma \xi_t`, :math:`\xi_t \sim N(0, 1)` (discrete)."""

    rhs: object
    initial: float
    noise: object = None

    def __post_init__(self):
        _check_macro_initial(self.initial)


def _check_macro_initial(initial, name=None):
    if isinstance(initial, (bool, np.bool_)) or not isinstance(initial, numbers.Real):
        raise DeclarationError(f"a macro initial value must be a number, got {initial!r}",
                               symbol=name, level="macro")


def as_macro(name, value):
    if isinstance(value, Macro):
        return value
    if isinstance(value, tuple) and len(value) == 2:
        _check_macro_initial(value[1], name)
        return Macro(*value)
    raise DeclarationError("declare a macro variable as cp.Macro(rhs, initial) or a "
                           "(rhs, initial) pair; the initial value is missing",
                           symbol=name, level="macro")


@dataclass(frozen=True)
class MeanField:
    """The mean-field population N → ∞ with ``nodes`` quadrature nodes per trait."""

    nodes: int = 32

    def __post_init__(self):
        if not isinstance(self.nodes, (int, np.integer)) or self.nodes < 1:
            raise DeclarationError(f"the node count must be an integer >= 1, got "
                                   f"{self.nodes!r}", level="population")

    def __str__(self):
        return "mean-field"
