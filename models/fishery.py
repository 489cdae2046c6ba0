r"""A common-property fishery: fishers with heterogeneous costs, a logistic stock with
predation, and a collapse fold in the tax on fishing with hysteresis on recovery.

Fisher i (cost :math:`c_i \sim \mathrm{Normal}(\bar c, \sigma)`, net of any non-market value
of fishing) fishes (``fish = 1``) or stays ashore (``fish = 0``). Fishing one unit of effort
earns the price p times the catch per unit effort q s (catchability q, stock s, Gordon's
linear catch), less the cost and the tax T (the policy lever). With extreme-value utility
shocks of intensity β a revising fisher fishes with the logit probability

.. math::  P(\text{fish}_i = 1) = \Lambda\big(\beta\,(p q s - c_i - T)\big),
           \qquad \Lambda(u) = \frac{1}{1 + e^{-u}},

and fishers revise at rate 1/ε. Up: the fishing effort :math:`E = E_{\max} f`, the share f
fishing times the fleet's capacity. Down: the profit per unit effort before cost,
:math:`\pi = p q s - T`, which carries the stock the fishers see and the tax. Slow macro:
the stock grows logistically (Gordon 1954; Clark 1990, eq. 1.2), is caught, and is eaten
by a predator with a saturating (Holling type III) functional response, the depensation
that gives the stock its collapse fold (May 1977; Scheffer et al. 2001, Box 1):

.. math::  \dot s = r s \Big(1 - \frac{s}{K}\Big) - P \frac{s^2}{H^2 + s^2} - q E s .

Mean field
----------
The fishers' choice probabilities integrate over the cost by Gauss–Hermite quadrature and
the revisions become :math:`\varepsilon \dot p = P - p` at each node (the default
population). At rest the effort is :math:`E(s) = E_{\max} \bar\Lambda(s; T)`,
:math:`\bar\Lambda(s; T) = E_c[\Lambda(\beta (p q s - c - T))]`, and the stock solves

.. math::  G(s; T) = r s (1 - s/K) - P s^2/(H^2 + s^2) - q E_{\max} s\,\bar\Lambda(s; T) = 0 .

Besides the extinct state s = 0 (unstable: r exceeds the largest fishing mortality
:math:`q E_{\max}`) there are at the defaults three: a high stock (stable), a saddle, and a
collapsed stock held down by the predator (stable). They meet in folds where also
:math:`\partial_s G = 0`: the high stock collapses when the tax falls below
:math:`T_c = 0.0788` and the collapsed stock recovers only when the tax rises above
:math:`T_r = 0.3013` (hysteresis: a collapse caused by a subsidy or a tax cut is not undone
by restoring the tax at which it happened). Near a fold the fishers sit on their own
equilibrium and the stock obeys the saddle-node normal form
:math:`\dot x = a \mu + b x^2`, :math:`a = \partial_T G`, :math:`b = \partial_s^2 G / 2`.
Effort falls with the stock (fishing stops paying as the stock thins), the open-access
feedback of Gordon (1954); it narrows the bistable range but does not remove it.

Parameters
----------
growth : float
    r, the stock's intrinsic growth rate (default 1; 1/r is the unit of time).
K : float
    Carrying capacity of the stock (default 1, the unit of stock).
predation : float
    P, the predator's maximal consumption (default 0.08).
saturation : float
    H, the stock at which predation is half saturated (default 0.05).
catchability : float
    q, catch per unit effort and unit stock (default 1).
capacity : float
    :math:`E_{\max}`, the fleet's effort when every fisher fishes (default 0.8).
price : float
    p, the price of the catch (default 1).
cost : float
    :math:`\bar c`, the mean cost of a unit of effort (default 0.1).
sigma : float
    σ, the spread of the costs (default 0.2).
beta : float
    β, the intensity of choice (default 5).
tax : float
    T, the tax per unit effort; the policy lever (default 0.2, inside the bistable range
    (0.0788, 0.3013)).
eps : float
    ε, the fishers' mean time between revisions (default 0.1; the model's timescale).

The stock starts at s = 0.8 (near the high equilibrium) and each fisher fishes with
probability 1/2.

Finite population and mean field
--------------------------------
N fishers with sampled costs revise as a stochastic population; at rest the share fishing
is a mean of N Bernoulli choices with the probabilities :math:`\Lambda(\beta(\pi - c_i))`,
sd :math:`\sqrt{\bar\Lambda (1 - \bar\Lambda)/N}` at a fixed stock (the sampling of the
costs adds at most the same again), fed back through the stock's slope
:math:`\partial_s G`. ``cp.equilibria`` and ``cp.continuation`` run on the mean-field
limit.

References
----------
H. S. Gordon (1954), "The economic theory of a common-property resource: the fishery",
Journal of Political Economy 62(2), 124-142 (effort enters while fishing pays).
C. W. Clark (1990), *Mathematical Bioeconomics*, 2nd ed., Wiley (eq. 1.2, the logistic
stock under harvest q E s).
R. M. May (1977), "Thresholds and breakpoints in ecosystems with a multiplicity of stable
states", Nature 269, 471-477 (the type III predation term and its two stable states).
M. Scheffer, S. Carpenter, J. A. Foley, C. Folke and B. Walker (2001), "Catastrophic
shifts in ecosystems", Nature 413, 591-596 (folds, collapse and hysteresis, Box 1).
"""

import coupling as cp

NAME = "fishery"
SUMMARY = ("Common-property fishery: logit fishers with Normal costs on a logistic stock with "
           "predation; collapse below a tax fold, recovery only above a higher one")


def build():
    """The model at the defaults (bistable at tax 0.2)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"growth": 1.0, "K": 1.0, "predation": 0.08, "saturation": 0.05,
                    "catchability": 1.0, "capacity": 0.8, "price": 1.0, "cost": 0.1,
                    "sigma": 0.2, "beta": 5.0, "tax": 0.2, "eps": 0.1},
        policy=("tax",),
        traits={"c": cp.Normal("cost", "sigma")},
        micro=cp.Choice("fish", options=(0, 1),
                        probabilities=cp.logit(["0", "profit - c"], intensity="beta"),
                        initial=(0.5, 0.5)),
        aggregates={"f": cp.Share(1)},
        context={"profit": "price*catchability*s - tax"},
        macro={"s": cp.Macro("growth*s*(1 - s/K) - predation*s**2/(saturation**2 + s**2)"
                             " - catchability*capacity*f*s", 0.8)},
        timescale="eps",
    )
