r"""A population that grows by arrivals: ``cp.Model(..., arrivals=cp.Arrivals(...))``.

In a discrete-time model with capacity N (the finite population), :math:`n_0` units are
present at t = 0 and ``per_period`` = k more arrive at the end of every period, in index
order, until all N are present:

.. math::  n_t = \min(n_0 + k\,t,\; N).

Period t (t → t + 1) runs as in any discrete-time model, on the present units only:

1. the aggregates average over the :math:`n_t` present units (weights :math:`1/n_t` on them,
   0 on the others; an empty population has aggregates 0), the context is
   :math:`c_t = D(y_t, X_t, n_t)`;
2. the present units revise at rate 1/ε as usual (``revise=True``), or keep the state they
   took on arrival (``revise=False``);
3. the arriving units :math:`n_t \le i < n_{t+1}` take their state from the micro rule in
   the context :math:`c_t`: a :class:`~coupling.Choice` draws its option from
   :math:`P(\theta_i, c_t)`, a :class:`~coupling.Map` applies its update
   :math:`g(x_i^0, \theta_i, c_t)` to the unit's initial value.

The number present is an aggregate, named by ``count`` (default ``"present"``; e.g.
``count="n"``), which the context map and the macro dynamics read (an installed base is
then ``share*n``) and every trajectory records.

Mean-field limit (choice rules)
-------------------------------
N → ∞ removes the capacity: :math:`n_t = n_0 + k t` for ever. The state of a quadrature
node is the mean choice probability :math:`p_t` of the units present at that trait value
(arrivals spread over the nodes by their weights). The present units move to
:math:`p_t + q\,(P(c_t) - p_t)` with :math:`q = 1 - e^{-1/\varepsilon}` (q = 0 without
revision) and the k arrivals bring :math:`P(c_t)`, so the cohort mean is

.. math::  p_{t+1} = \frac{n_t\,[p_t + q\,(P(c_t) - p_t)] + k\,P(c_t)}{n_t + k},

and for units that choose once, on arrival (q = 0),

.. math::  x_{t+1} = x_t + \frac{k}{n_t + k}\,\big(P(c_t) - x_t\big).

This is the mean dynamics of a stochastic-approximation (Robbins–Monro) scheme with step
sizes :math:`k/(n_t + k) \sim 1/t` (Robbins & Monro 1951, Ann. Math. Stat. 22, 400–407;
for urns Hill, Lane & Sudderth 1980, Ann. Probab. 8, 214–226): the finite run's share is
:math:`x_{t+1} = x_t + \frac{k}{n_t + k}(\bar s_t - x_t)` with :math:`\bar s_t` the mean
choice of the arrivals, :math:`E[\bar s_t \mid c_t] = P(c_t)`. Where P is affine in the
shares, the expected finite share follows the recursion exactly; otherwise the recursion is
the ODE limit the finite shares track with vanishing steps. A Map's cohorts differ in state
at the same trait value, so a mean-field population with arrivals needs a choice rule.

Why ``revise=False`` rather than ε = ∞: ε is a timescale, checked to be a finite positive
number by every analysis; "never revise" is a property of the arrival process (units that
commit on arrival, as in a technology adoption), and with ``revise=False`` the model's ε is
simply unused.

A growing population is not autonomous (the step k/(n_t + k) shrinks): it has no fixed
points in the usual sense, so equilibria and continuation refuse it; simulate it.
"""

import numbers
from dataclasses import dataclass

import numpy as np

from .._errors import DeclarationError
from ._expressions import check_name
from ._rules import Mean


@dataclass(frozen=True)
class Arrivals:
    """Units that arrive: ``initial`` present at t = 0, ``per_period`` more every period.

    Parameters
    ----------
    initial : int
        :math:`n_0 \\ge 0`, the units present at t = 0 (the first in index order; their
        state is the micro rule's initial value). At most the capacity N.
    per_period : int
        k >= 1, the units arriving at the end of every period, until the capacity N (the
        finite population) is reached; for ever in the mean-field limit.
    count : str
        The name of the number present :math:`n_t` (default ``"present"``), declared as an
        aggregate: read by the context map and the macro dynamics, recorded by every run.
    revise : bool
        Whether present units revise at rate 1/ε (a choice) or update every period (a
        map); False: a unit keeps the state it took on arrival.

    Raises
    ------
    DeclarationError
        At level ``"arrivals"``, naming the offending argument.

    Examples
    --------
    >>> import coupling as cp
    >>> urn = cp.Model(
    ...     micro=cp.Choice("s", options=(0, 1), probabilities=("1 - pA", "pA")),
    ...     aggregates={"x": cp.Share(1)}, context={"pA": "(1 + x*n)/(2 + n)"},
    ...     arrivals=cp.Arrivals(initial=0, per_period=1, count="n", revise=False),
    ...     time="discrete", population=100)
    >>> run = cp.simulate(urn, 100, seed=1)
    >>> [int(v) for v in run["n"][[0, 1, 100]]]
    [0, 1, 100]
    """

    initial: int = 0
    per_period: int = 1
    count: str = "present"
    revise: bool = True

    def __post_init__(self):
        _whole(self.initial, "initial", 0)
        _whole(self.per_period, "per_period", 1)
        object.__setattr__(self, "initial", int(self.initial))
        object.__setattr__(self, "per_period", int(self.per_period))
        check_name(self.count, "arrivals")
        if not isinstance(self.revise, (bool, np.bool_)):
            raise DeclarationError(f"revise must be True or False, got {self.revise!r}",
                                   symbol="revise", level="arrivals")

    def present(self, t, capacity=None):
        """:math:`n_t = \\min(n_0 + k t, N)` (no capacity: N = ∞)."""
        n = self.initial + self.per_period * int(t)
        return n if capacity is None else min(n, capacity)

    def to_dict(self):
        return {"initial": self.initial, "per_period": self.per_period, "count": self.count,
                "revise": bool(self.revise)}


def _whole(value, argument, minimum):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise DeclarationError(f"Arrivals({argument}=...) must be a whole number of units "
                               f">= {minimum}, got {value!r}", symbol=argument,
                               level="arrivals")


@dataclass(frozen=True)
class Count(Mean):
    """The aggregate that :class:`Arrivals` declares for ``count=``: the number of units
    present, :math:`n_t` (the population's sum of the integrand 1, set by the System
    from the arrivals). Not declared by hand."""

    expr: object = 1
    kind = "count"
