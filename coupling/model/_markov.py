r"""Continuous-time Markov units: transitions that depend on the unit's own state.

A unit of a :class:`Markov` rule is in one of K states (option values
:math:`v_0, \dots, v_{K-1}`, as for a :class:`~coupling.Choice`). In state k it jumps to state
l at rate :math:`q_{kl}(\theta_i, c) / \varepsilon`, an expression of its traits, the context
and the parameters. The rates are per unit of micro time: with the default timescale ε = 1
they are rates in the model's time units, and ε scales them as it scales the revision rate
1/ε of a choice (rates in macro time are q/ε).

Finite population
-----------------
Over a step of length h with the context frozen, a unit in state k stays with probability
:math:`e^{-h \lambda_k / \varepsilon}`, :math:`\lambda_k = \sum_l q_{kl}`, and otherwise
goes to l with probability :math:`q_{kl} / \lambda_k`. This is the exact law of the first
jump for the frozen rates; a second jump within the same step is deferred to the next step,
an :math:`O((h\lambda/\varepsilon)^2)` error per step (none for a one-way decay). The context
moves with the population, so freezing it over a step is an O(h) error in the transition
probabilities, as for the revisions of a choice. The step is the fixed step ``dt`` of
``cp.simulate`` (default ε/10); the largest :math:`h \lambda / \varepsilon` met is recorded
as ``stats["max_rate_step"]`` of the trajectory, and should stay small (say < 0.1) for the
frozen-context error and the one-jump-per-step truncation to be small.

Mean field: the master equation
-------------------------------
As N → ∞ the state shares :math:`p_k` at each trait node follow the master equation
(Kurtz 1970, J. Appl. Probab. 7, 49-58)

.. math::  \varepsilon\,\dot p_l = \sum_{k \ne l} p_k\, q_{kl} - p_l \sum_{m \ne l} q_{lm}.

The shares sum to one, so the share of option 0 is eliminated, :math:`p_0 = 1 - \sum_{j \ge 1}
p_j`, and the mean-field state of a node is the K - 1 shares :math:`p_1, \dots, p_{K-1}`,
held as ODE states named ``p_<state>_<j>`` (j the option's index). This keeps the
equilibria isolated (the conserved total would otherwise be a neutral direction of every
Jacobian). The mean-field model is an ordinary :class:`~coupling.ODE` model
(:func:`master_equation`), so simulation, equilibria, continuation and stability use the
existing machinery with derivatives of the compiled rate expressions. Aggregates become
expectations over the shares: ``Share(v_j)`` is the mean of :math:`p_j`; ``Mean(g)`` (and
``Local(g)``) the mean of :math:`\sum_j p_j\, g(v_j, \theta)`. A ``Variance`` is not a mean
of the shares and is refused there. A finite population followed through its expected
state (equilibria of a finite population) uses the same equations unit by unit. The
``initial=`` of :func:`~coupling.simulate` names the state (``"s"``: option values) for a
finite population and the shares (``"p_s_1"``, ...) for the mean field, whose trajectories
record the shares as their micro state.

Continuous time only: a discrete-time model is refused at declaration (a unit's one-period
transition matrix is a different declaration, :class:`~coupling.Map` or a choice).
"""

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import sympy as sp

from .._checks import suggest
from .._errors import DeclarationError
from ._declared import Declared
from ._expressions import to_sympy
from ._rules import ODE, Local, Mean, Share


@dataclass(frozen=True)
class Markov(Declared):
    r"""Continuous-time Markov units: in state k a unit moves to state l at rate q_kl / ε.

    Parameters
    ----------
    state : str
        Name of the variable holding a unit's current state (an option value).
    options : sequence of float
        The state values (at least two, distinct), e.g. ``(0, 1, 2)`` for S, I, R.
    rates : mapping
        ``{(from_value, to_value): rate}``: the rate of each possible transition, an
        expression (string, number or sympy) of traits, context and parameters; transitions
        not listed have rate 0. Rates must be non-negative (checked when they are numbers,
        and when a finite population is simulated).
    initial : float, sequence of probabilities, or array
        A state value every unit starts in; one initial probability per state; or an array
        of state values, one per unit (finite populations). Default: every state equally
        likely.

    Raises
    ------
    DeclarationError
        (level ``"micro"``) for options that are not distinct numbers, a transition from or
        to a value that is not an option (with the closest option), a transition from a
        state to itself, a callable or negative constant rate, or no transition at all.

    Examples
    --------
    SIS units that see the prevalence through the context:

    >>> import coupling as cp
    >>> rule = cp.Markov("s", options=(0, 1),
    ...                  rates={(0, 1): "beta*prevalence", (1, 0): "gamma"}, initial=(0.9, 0.1))
    """

    state: str
    options: tuple
    rates: dict
    initial: object = None
    kind = "markov"

    def __post_init__(self):
        symbol = str(self.state)
        try:
            options = tuple(float(o) for o in self.options)
        except (TypeError, ValueError):
            raise DeclarationError(f"options must be numbers, got {self.options!r}",
                                   symbol=symbol, level="micro") from None
        if len(options) < 2 or len(set(options)) != len(options):
            raise DeclarationError(f"a Markov rule needs at least two distinct states, got "
                                   f"{options}", symbol=symbol, level="micro")
        object.__setattr__(self, "options", options)
        if not hasattr(self.rates, "items") or not self.rates:
            raise DeclarationError("rates must be a non-empty mapping {(from, to): rate}",
                                   symbol=symbol, level="micro")
        rates, pairs = {}, []
        for key, rate in self.rates.items():
            pair = self._pair(key)
            if pair in pairs:
                raise DeclarationError(f"the transition {key!r} is given twice", symbol=symbol,
                                       level="micro")
            if callable(rate) and not isinstance(rate, sp.Basic):
                raise DeclarationError("a Markov rate must be an expression (string, number "
                                       "or sympy), not a callable",
                                       symbol=self.label(*pair), level="micro")
            value = to_sympy(rate, symbol=self.label(*pair), level="micro")
            if value.is_number and float(value) < 0:
                raise DeclarationError(f"a rate must be >= 0, got {float(value):g}",
                                       symbol=self.label(*pair), level="micro")
            pairs.append(pair)
            rates[tuple(self.options[i] for i in pair)] = rate
        object.__setattr__(self, "rates", MappingProxyType(rates))  # keyed by state values

    def _pair(self, key):
        """(from index, to index) of a rates key, checked."""
        symbol = str(self.state)
        if not (isinstance(key, tuple) and len(key) == 2):
            raise DeclarationError(f"a rates key must be a pair (from, to) of state values, "
                                   f"got {key!r}", symbol=symbol, level="micro")
        indices = []
        for value in key:
            try:
                indices.append(self.options.index(float(value)))
            except (TypeError, ValueError):
                close = suggest(str(value), [f"{o:g}" for o in self.options])
                raise DeclarationError(f"the transition {key!r} names {value!r}, which is not "
                                       f"one of the states {self.options}{close}",
                                       symbol=symbol, level="micro") from None
        if indices[0] == indices[1]:
            raise DeclarationError(f"the transition {key!r} goes from a state to itself; a "
                                   "rate is defined between different states (staying is "
                                   "what a unit does between jumps)", symbol=symbol,
                                   level="micro")
        return tuple(indices)

    @property
    def states(self):
        return (self.state,)

    def label(self, k, l):
        """The name of the rate from option index k to l, e.g. ``q(s: 0 -> 1)``."""
        return f"q({self.state}: {self.options[k]:g} -> {self.options[l]:g})"

    @property
    def transitions(self):
        """The (from index, to index) pairs of the option values, in declaration order."""
        return tuple((self.options.index(a), self.options.index(b)) for a, b in self.rates)

    def expressions(self):
        return {self.label(k, l): rate for (k, l), rate in zip(self.transitions,
                                                               self.rates.values())}

    @property
    def share_names(self):
        """The mean-field states: ``p_<state>_<j>`` for the options j = 1..K-1."""
        return tuple(f"p_{self.state}_{j}" for j in range(1, len(self.options)))


# --------------------------------------------------------------------------- mean field
def master_equation(model):
    """The mean-field model of a Markov model: the master equation of the shares as an
    :class:`~coupling.ODE` rule on ``p_<state>_1 .. p_<state>_{K-1}`` (see the module
    docstring), the aggregates as expectations over the shares, everything else as it is.

    Raises
    ------
    DeclarationError
        A Variance or a Statistic aggregate, or an aggregate given as a callable (they are
        not means of the shares).
    """
    rule = model.micro
    shares = _share_symbols(rule)
    rates = {pair: to_sympy(rate, symbol=rule.label(*pair), level="micro")
             for pair, rate in zip(rule.transitions, rule.rates.values())}
    rhs = {}
    for j, name in enumerate(rule.share_names, start=1):
        inflow = sum((shares[k] * q for (k, l), q in rates.items() if l == j), sp.S.Zero)
        outflow = sum((q for (k, _), q in rates.items() if k == j), sp.S.Zero)
        rhs[name] = inflow - shares[j] * outflow
    micro = ODE(rhs=rhs, initial=_initial_shares(rule))
    aggregates = {name: _expected_aggregate(rule, shares, name, agg)
                  for name, agg in model.aggregates.items()}
    return dataclasses.replace(model, micro=micro, aggregates=aggregates)


def _share_symbols(rule):
    """p_0 = 1 - sum of the others, then the symbols of p_1 .. p_{K-1}."""
    others = [sp.Symbol(n, real=True) for n in rule.share_names]
    return [1 - sum(others, sp.S.Zero), *others]


def _initial_shares(rule):
    """Initial p_1 .. p_{K-1}: probabilities, or indicators of option values (per unit)."""
    options, init = np.asarray(rule.options), rule.initial
    K = options.size
    if init is None:
        probs = np.full(K, 1.0 / K)
    elif isinstance(init, (list, tuple)) and not isinstance(init, np.ndarray):
        probs = np.asarray(init, dtype=float)
    else:
        values = np.asarray(init, dtype=float)
        indicators = (values[..., None] == options).astype(float)
        if values.ndim == 0:
            probs = indicators
        else:  # one value per unit: one initial array per share
            return {n: indicators[:, j] for j, n in enumerate(rule.share_names, start=1)}
    return {n: float(probs[j]) for j, n in enumerate(rule.share_names, start=1)}


def _expected_aggregate(rule, shares, name, agg):
    """The aggregate of the mean-field model: an expectation over a node's shares."""
    if isinstance(agg, Share):
        return Mean(shares[rule.options.index(float(agg.option))])
    if not isinstance(agg, (Mean, Local)) or (callable(agg.expr)
                                               and not isinstance(agg.expr, (str, sp.Basic))):
        raise DeclarationError(
            f"the mean field of a Markov rule follows the state shares, and this "
            f"{type(agg).__name__} is not a mean over them: declare a Mean (or Share) of "
            "expressions, e.g. Mean(g) and Mean(g**2) for a variance", symbol=name,
            level="aggregates")
    g = to_sympy(agg.expr, symbol=name, level="aggregates")
    x = sp.Symbol(rule.state, real=True)
    expected = sum((p * g.subs(x, v) for p, v in zip(shares, rule.options)), sp.S.Zero)
    return type(agg)(expected)
