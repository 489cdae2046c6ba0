r"""The cobweb: suppliers with naive price expectations and heterogeneous supply slopes
(Ezekiel 1938).

A non-storable good is produced with a one-period lag. Each supplier i expects last period's
price (naive expectations) and supplies :math:`q_{i,t} = s_i\, p_{t-1}`, with its own supply
slope :math:`s_i \sim \mathrm{Normal}(s, \sigma_s)`. The market clears on the linear demand
:math:`D(p) = A - B p` at the price

.. math::  p_t = \frac{A - Q_t}{B}, \qquad Q_t = \frac{1}{N}\sum_i q_{i,t} = \bar s\, p_{t-1},

so the price follows the linear map :math:`p_t = (A - \bar s\, p_{t-1})/B` with the steady
state :math:`p^* = A/(B + \bar s)` and the multiplier :math:`-\bar s / B`. This is the cobweb
theorem: the oscillation around the steady state is damped when the supply slope is smaller
than the demand slope, :math:`\bar s / B < 1` (convergent cobweb), of constant amplitude at
:math:`\bar s/B = 1` (continuous fluctuation) and explosive beyond (divergent cobweb). At
:math:`\bar s = B` the multiplier passes through -1: a flip (period-doubling) bifurcation of
the map, degenerate here because the map is linear (the 2-cycles of every amplitude exist only
at the flip itself).

**Declaration.** Discrete time; the micro level is a map rule for each supplier's planned
quantity ``q`` (``q ← slope · p``, the quantity of the next period), the trait ``slope`` is
the supply slope, the aggregate ``Q`` the mean quantity supplied, and the context ``p`` the
market-clearing price. Every supplier sees the price only through the context and the market
sees the suppliers only through Q.

Parameters
----------
s : float
    Mean supply slope (default 0.8).
spread : float
    Standard deviation of the supply slopes across suppliers (default 0.1).
B : float
    Demand slope (default 1): the ratio s/B decides stability.
A : float
    Demand intercept (default 10).

Build options: ``price`` (default 4), the price :math:`p_{-1}` the first quantities were
planned on, and ``population`` ("mean-field" by default, or a number N of suppliers).

Finite population and mean field: in the mean-field limit the slopes are Gauss–Hermite nodes
of Normal(s, spread) and Q = s p exactly (the supply is linear in the slope). A finite
population of N suppliers with sampled slopes is the same map with the sample mean
:math:`\bar s_N` in place of s, which differs from s by about spread/√N: its steady state
:math:`A/(B + \bar s_N)` and its stability ratio :math:`\bar s_N / B` are those of the mean
field shifted by that much.

References
----------
M. Ezekiel (1938), "The cobweb theorem", Quarterly Journal of Economics 52(2), 255-280: the
convergent, continuous and divergent cases of the cobweb, decided by the relative slopes of
supply and demand.
"""

import coupling as cp

NAME = "cobweb"
SUMMARY = "Cobweb market: naive suppliers with heterogeneous slopes, stable iff s/B < 1 (Ezekiel)"


def build(*, price=4.0, population="mean-field"):
    """The model; ``price`` is the price p_{-1} the first quantities are planned on."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"s": 0.8, "spread": 0.1, "B": 1.0, "A": 10.0},
        traits={"slope": cp.Normal("s", "spread")},
        micro=cp.Map(rhs={"q": "slope*p"}, initial={"q": f"slope*({float(price)!r})"}),
        aggregates={"Q": "q"},
        context={"p": "(A - Q)/B"},
        time="discrete",
        population=population,
    )
