r"""A bank run in threshold form: depositors, their strategic complementarity and slow reserves.

Depositor i withdraws (:math:`x_i = 1`) when the liquidity it perceives falls below its own
threshold :math:`\theta_i \sim \mathrm{Normal}(0, \sigma)`, and keeps its deposit otherwise;
depositors revise at rate 1/ε (a choice with probability 0 or 1 given the context):

.. math::  P(x_i = 1) = H(\theta_i - \ell), \qquad w = \tfrac1N \textstyle\sum_i x_i,

where w is the share withdrawn (the aggregate, up). The perceived liquidity (the context,
down) is the bank's reserves R less the strain the withdrawals put on them,

.. math::  \ell = R - \kappa\, w,

with κ (``complementarity``) the strength of the strategic complementarity: every withdrawal
makes withdrawing more attractive for the others (Diamond & Dybvig's sequential service,
fire sales of the bank's assets). The reserves are the slow macro level, with their own
timescale τ: fed by the bank's fundamentals f (income; a policy lever, e.g. the return on
its assets or lender-of-last-resort support) and drained by the withdrawals at rate d,

.. math::  \tau\,\dot R = f - R - d\,w.

Mean field
----------
Through the thresholds' CDF the expected share is exact,
:math:`\varepsilon\,\dot w = \Phi(-\ell/\sigma) - w`, and an equilibrium has R = f − d w, so

.. math::  w = \Phi\!\left(\frac{k\,w - f}{\sigma}\right), \qquad k = \kappa + d,

the total feedback of a withdrawal on perceived liquidity. For
:math:`k > \sigma\sqrt{2\pi}` there are two stable equilibria over a range of fundamentals,
*no run* (w small) and *run* (w near 1), separated by an unstable one. They meet in folds
where also :math:`k\,\varphi(z)/\sigma = 1`, z = (k w − f)/σ:

.. math::  z_\pm = \pm\sqrt{2 \log\frac{k}{\sigma\sqrt{2\pi}}}, \qquad
           f_{\mathrm{run}} = k\,\Phi(z_-) - \sigma z_-, \qquad
           f_{\mathrm{recover}} = k\,\Phi(z_+) - \sigma z_+ .

Below :math:`f_{\mathrm{run}}` the no-run equilibrium is gone and the bank is run on; once
run, it recovers only when the fundamentals exceed :math:`f_{\mathrm{recover}} >
f_{\mathrm{run}}` (hysteresis; the two folds are symmetric about f = k/2). An equilibrium is
stable iff :math:`k\,\varphi(z)/\sigma < 1`: on the middle branch the depositors alone are
stable where :math:`\kappa\varphi/\sigma < 1` but the reserves make the whole unstable, so
the folds are folds of the coupled system, not of the depositors alone. Near a fold the
depositors sit on their own equilibrium and the reserves obey the saddle-node normal form
:math:`\tau \dot x = a\mu + b x^2` with a = 1 and :math:`b = |z_\pm| k^2/(2\sigma d^2)`
(x = R − R_fold, μ = f − f_fold).

Parameters
----------
fundamentals : float
    f, the level the reserves are fed towards; the policy lever (default 0.8, inside the
    bistable range (0.470, 1.030) of the defaults: both equilibria exist, and the bank
    starts in the no-run one).
complementarity : float
    κ, the loss of perceived liquidity per unit share withdrawn (default 1).
drain : float
    d, the reserves lost per unit share withdrawn, in equilibrium (default 0.5).
sigma : float
    σ, the spread of the depositors' thresholds (default 0.25).
tau : float
    τ, the timescale of the reserves (default 1, the unit of time).
eps : float
    ε, the depositors' revision time (default 0.05; the model's timescale).

The run starts with no withdrawals and reserves R = 1.

Finite population and mean field
--------------------------------
N depositors with sampled thresholds make the share a step function of liquidity, the
empirical survival function of the thresholds; it is analysed by simulation (with random
revision times), while ``cp.equilibria`` and ``cp.continuation`` run on the smooth mean-field
limit (the default population). At an equilibrium every depositor has settled on its
decision, so the finite share differs from the mean-field one only by the sampling of the
thresholds: sd √(w(1 − w)/N) at fixed liquidity, amplified by the feedback factor
1/(1 − kφ(z)/σ).

Choice of form
--------------
Threshold strategies are what depositors play in the global-games equilibrium: each
withdraws iff its private signal of the fundamentals is below a cutoff (Morris & Shin 1998),
so heterogeneous thresholds stand for dispersed information, and the Normal CDF gives the
exact mean field (a logit choice would add a second, unmotivated noise).

References
----------
D. W. Diamond and P. H. Dybvig (1983), "Bank runs, deposit insurance, and liquidity",
Journal of Political Economy 91(3), 401-419 (the run and no-run equilibria of a bank with
sequential service).
S. Morris and H. S. Shin (1998), "Unique equilibrium in a model of self-fulfilling currency
attacks", American Economic Review 88(3), 587-597 (threshold strategies on private signals
of the fundamentals).
"""

import coupling as cp

NAME = "bank-run"
SUMMARY = ("Bank run: depositors with Normal withdrawal thresholds, strategic complementarity "
           "and slow reserves; runs start and end at two folds in the fundamentals")


def build():
    """The model with the defaults above (bistable fundamentals 0.470 < f < 1.030)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"fundamentals": 0.8, "complementarity": 1.0, "drain": 0.5,
                    "sigma": 0.25, "tau": 1.0, "eps": 0.05},
        policy=("fundamentals",),
        traits={"theta": cp.Normal(0.0, "sigma")},
        micro=cp.Choice("x", options=(0, 1),
                        probabilities=("1 - where(theta > liquidity, 1, 0)",
                                       "where(theta > liquidity, 1, 0)"),
                        initial=0.0),
        aggregates={"w": cp.Share(1)},
        context={"liquidity": "R - complementarity*w"},
        macro={"R": cp.Macro("(fundamentals - R - drain*w)/tau", 1.0)},
        timescale="eps",
    )
