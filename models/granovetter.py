r"""Granovetter's threshold model of collective behaviour (a riot, a strike, a cascade).

Each unit i has a threshold :math:`\theta_i`, the share of the population it must see
participating before it joins, and a state :math:`x_i \in \{0, 1\}` (participating or not).
In each period every unit looks at the share participating, r (the aggregate, up), seen
through the context (down), and

.. math::  x_{i,t+1} = \begin{cases} 1 & r_t \ge \theta_i \\ 0 & r_t < \theta_i \end{cases},
           \qquad r_t = \tfrac1N \textstyle\sum_i x_{i,t}.

A unit joins when the share *reaches* its threshold (``where(seen >= theta, 1, 0)``;
``heaviside(seen - theta)`` would give a half unit at equality, which matters for the finite
construction below, where shares and thresholds are the same multiples of 1/N). Everyone
starts out, :math:`r_0 = 0`, so the first to join are the units of threshold 0 or less.

With :math:`\theta_i \sim \mathrm{Normal}(\mu, \sigma)` the mean-field limit N → ∞ is exact
through the thresholds' CDF,

.. math::  r_{t+1} = \Phi\big((r_t - \mu)/\sigma\big),

whose fixed points are the roots of :math:`r = \Phi((r - \mu)/\sigma)`, stable where the
multiplier :math:`\varphi(z)/\sigma` (z = (r − μ)/σ) is below 1. For μ = 0.25 and small σ
there are three: a small riot (stable), a tipping point (unstable) and near-total
participation (stable). The small riot and the tipping point merge in a fold at the critical
spread σ* where r = Φ(z) and φ(z) = σ, i.e. z = −√(−2 log(σ√(2π))) and σ* solves
Φ(z) = μ + σz: σ* = 0.12222 for μ = 0.25, with a riot of r = 0.0620 there. Above σ* the
process started from r = 0 runs to (almost) everyone.

Parameters
----------
mu : float
    Mean threshold, as a share of the population (default 0.25, Granovetter's mean of 25 in a
    crowd of 100).
sigma : float
    Standard deviation of the thresholds (default 0.1, below the critical spread: a small
    riot).

Build option
------------
thresholds : sequence of float, optional
    Given thresholds, one per unit (``cp.Fixed``): the model's population is then that many
    units. Granovetter's construction is ``thresholds = [0, 1, 2, ..., 99] / 100``
    (everyone riots, one after the other); with the threshold 1/100 raised to 2/100 only the
    instigator riots. ``mu`` and ``sigma`` are then unused.

Finite population and mean field
--------------------------------
A finite population (``population=N``, thresholds sampled from the Normal) is a step
function of its aggregate: its share is the empirical CDF of the N thresholds,
:math:`r_{t+1} = F_N(r_t)`, analysed by simulation (equilibria and continuation refuse its
zero-derivative steps). At a point r, :math:`F_N(r)` has mean Φ((r − μ)/σ) and standard
deviation √(F(1 − F)/N), so the final share of N units approaches the mean-field fixed point
r* at the rate N^(-1/2), with the error amplified by the feedback factor 1/(1 − φ(z*)/σ) of
the stable fixed point (which diverges at the critical spread). The default population is the
mean-field limit, on which ``cp.equilibria`` and ``cp.continuation`` run (in any of μ, σ).

References
----------
M. Granovetter (1978), "Threshold models of collective behavior", American Journal of
Sociology 83(6), 1420-1443: the crowd of 100 with thresholds 0, 1, ..., 99 and its
one-unit perturbation; normally distributed thresholds of mean 25 (N = 100), whose
equilibrium number of rioters jumps from a handful to nearly all as the standard deviation
crosses its critical value of about 12.2 (the figure of the equilibrium number of rioters
against the standard deviation).
"""

import coupling as cp

NAME = "granovetter"
SUMMARY = ("Granovetter threshold model: units join when the participating share reaches "
           "their Normal(mu, sigma) threshold")


def build(thresholds=None):
    """The model; ``thresholds`` (one per unit) replaces the Normal by given values."""
    if thresholds is None:
        trait, population = cp.Normal("mu", "sigma"), "mean-field"
    else:
        trait = cp.Fixed(thresholds)
        population = int(trait.values.size)
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"mu": 0.25, "sigma": 0.1},
        traits={"theta": trait},
        micro=cp.Map(rhs={"x": "where(seen >= theta, 1, 0)"}, initial={"x": 0.0}),
        aggregates={"r": "x"},
        context={"seen": "r"},
        time="discrete",
        population=population,
    )
