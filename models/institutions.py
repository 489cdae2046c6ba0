r"""Institutions that live on compliance: logit compliance under a sanction felt through a
slow institutional strength (high- and low-trust equilibria, hysteresis in enforcement).

Each individual i complies (``comply = 1``) or defects (``comply = 0``). Complying yields
its idiosyncratic civic taste :math:`a_i \sim \mathrm{Normal}(0, \sigma)`; defecting yields the
private gain g minus the sanction it expects, which is what the institution can enforce:
the strength S of the institution times the enforcement budget b (the policy lever). With
extreme-value utility shocks of intensity β, a revising individual complies with the logit
probability

.. math::  P(\text{comply}_i = 1) = \Lambda\big(\beta\,(a_i + b S - g)\big),
           \qquad \Lambda(u) = \frac{1}{1 + e^{-u}}.

Up: the compliance share c. Down: the sanction felt, b S. Individuals revise at rate 1/ε.
Slow macro: the institution is built up by compliance and decays without it,

.. math::  \tau\,\dot S = c - S,

so at rest S = c: an institution is as strong as it is obeyed. The mean-field equilibria
solve the self-consistency

.. math::  S = C(S; b) = E_a\big[\Lambda(\beta (a + b S - g))\big],

the logic of Brock & Durlauf (2001, eq. 13, m = tanh(βh + βJm)) with the social term
replaced by the institutional feedback through S. For βb large enough C is an S-shaped
function of S that crosses the diagonal three times: a low-trust equilibrium (little
compliance, a weak institution), a saddle, and a high-trust one. Both stable states are
self-enforcing. The quasi-steady reduction :math:`\tau \dot S = C(S; b) - S` has slow
eigenvalue :math:`(C'(S) - 1)/\tau` at each equilibrium, to O(ε/τ).

Hysteresis in the lever: the equilibria fold where :math:`C(S; b) = S` and
:math:`\partial_S C(S; b) = 1`. At the defaults the low-trust state disappears at
b = 3.2297 and the high-trust state at b = 1.7955: keeping trust needs a budget above
1.80, but restoring it from the low-trust state needs more than 3.23. For σ = 0 the
tangency is in closed form: :math:`\beta b S(1 - S) = 1` gives
:math:`S_\pm = (1 \pm \sqrt{1 - 4/(\beta b)})/2`, on the curve
:math:`g = b S - \operatorname{logit}(S)/\beta`.

Parameters
----------
beta : float
    Intensity of choice β (default 4).
gain : float
    Private gain g of defecting (default 1).
budget : float
    Enforcement budget b, the policy lever (default 2.5, inside the bistable range).
sigma : float
    Standard deviation of the civic taste a_i (default 0.3).
tau : float
    Time constant of the institution (default 10).
eps : float
    Micro timescale ε, the mean time between an individual's revisions (default 0.1).

The institution starts at S = 0.5 and each individual complies with probability 1/2.

Finite population and mean-field limit: N individuals with sampled tastes revise as a
stochastic population; the mean field integrates the taste by Gauss–Hermite quadrature and
replaces the revisions by ε dp/dt = P − p at each node. The compliance share of N
individuals fluctuates by O(1/√N) about the mean field, amplified near an equilibrium by
the loop gain 1/(1 − C'(S)).

References
----------
E. Ostrom (1990), *Governing the Commons: The Evolution of Institutions for Collective
Action*, Cambridge University Press (institutions endure when they are monitored and
sanctioned and are obeyed).
D. Acemoglu and J. A. Robinson (2012), *Why Nations Fail*, Crown, New York (virtuous and
vicious circles of institutions).
W. A. Brock and S. N. Durlauf (2001), "Discrete choice with social interactions", Review of
Economic Studies 68(2), 235-260 (logit choice with feedback through an aggregate, eq. 13).
"""

import coupling as cp

NAME = "institutions"
SUMMARY = ("Logit compliance under a sanction budget x slow institutional strength: "
           "high/low-trust equilibria and hysteresis in enforcement")


def build():
    """The model at the default parameters (bistable at budget 2.5)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"beta": 4.0, "gain": 1.0, "budget": 2.5, "sigma": 0.3, "tau": 10.0,
                    "eps": 0.1},
        policy=("budget",),
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.Choice("comply", options=(0, 1),
                        probabilities=cp.logit(["gain - sanction", "a"], intensity="beta"),
                        initial=(0.5, 0.5)),
        aggregates={"c": cp.Share(1)},
        context={"sanction": "budget*S"},
        macro={"S": cp.Macro("(c - S)/tau", 0.5)},
        timescale="eps",
    )
