r"""The evolution of cooperation: ALLC, ALLD and TFT under payoff-biased imitation.

Each unit holds one strategy of the iterated prisoner's dilemma, with stage payoffs
T > R > P > S (temptation, reward, punishment, sucker) and a further round with probability
w: ALLC (always cooperate), ALLD (always defect) or TFT (tit for tat: cooperate first, then
copy the partner's last move). The expected payoffs of the repeated game, row against
column (Axelrod 1984, ch. 3 and Appendix B), are

.. math::
    \begin{array}{c|ccc}
        & \text{ALLC} & \text{ALLD} & \text{TFT} \\ \hline
    \text{ALLC} & R/(1-w) & S/(1-w) & R/(1-w) \\
    \text{ALLD} & T/(1-w) & P/(1-w) & T + wP/(1-w) \\
    \text{TFT}  & R/(1-w) & S + wP/(1-w) & R/(1-w)
    \end{array}

Down (context): a unit meets a random partner, so with strategy shares x its expected payoff
is :math:`\pi_k = \sum_j A_{kj} x_j`, and the mean payoff is :math:`\bar\pi = \sum_k x_k \pi_k`.
Every payoff lies in [S/(1-w), T/(1-w)], so :math:`\Delta = (T - S)/(1 - w)` bounds every
payoff difference.

Micro (a 3-option :class:`~coupling.Choice`): a unit revises at rate 1/ε. Under the
pairwise proportional imitation protocol (Schlag 1998) it samples a random unit and copies
that unit's strategy j with probability :math:`[\pi_j - \pi_i]_+/\Delta`. The expected share
of revisers that leave with strategy k is then

.. math::  P_k = x_k \left(1 + \frac{\pi_k - \bar\pi}{\Delta}\right),

and a revising unit here draws its new strategy from P. This has the same expected flow as
the pairwise protocol (only its fluctuations differ), and a strategy that is extinct stays
extinct. Up: the shares :math:`x_k` (:class:`~coupling.Share`; the last strategy's share
is one minus the others).

Mean field: ε dx/dt = P − x is the replicator equation (Taylor & Jonker 1978)

.. math::  \varepsilon\,\dot x_k = x_k\,\frac{\pi_k - \bar\pi}{\Delta}.

Signatures (Axelrod 1984, Proposition 2; Axelrod & Hamilton 1981):

* TFT cannot be invaded by ALLD iff :math:`w \ge w_c = (T - R)/(T - P)` (1/2 for Axelrod's
  payoffs). The all-TFT state has eigenvalue :math:`(\pi_{ALLD} - \pi_{TFT})/(\varepsilon
  \Delta) = (T(1 - w) + wP - R)/(\varepsilon (T - S))` towards ALLD, negative iff w > w_c.
  At w_c the interior rest point of the TFT–ALLD edge reaches x_TFT = 1 in a
  transcritical branch point.
* For w > w_c, on the TFT–ALLD edge (x_TFT = x, x_ALLD = 1 − x),
  :math:`\pi_{TFT} - \pi_{ALLD} = (x - x^*)\,g'`, where
  :math:`g' = [(P - S)(1 - w) + w(T - P) - (T - R)]/(1 - w)`. It vanishes at

  .. math::  x^* = \frac{(P - S)(1 - w)}{(P - S)(1 - w) + w(T - P) - (T - R)},

  which separates the basin of all-ALLD (x < x*) from that of all-TFT (x > x*). It is
  unstable along the edge, with eigenvalue :math:`x^*(1 - x^*) g'/(\varepsilon\Delta)`, and
  stable towards ALLC, where :math:`\pi_{ALLC} < \bar\pi`: a saddle of the simplex. All of
  ALLD is stable, with eigenvalue :math:`-(P - S)/(\varepsilon (T - S))` towards TFT.
  Along the ALLC–TFT edge every point is a rest point (the two earn the same without
  ALLD): a neutral family. ALLD invades its points with ALLC share above
  :math:`c_1 = [R - T(1 - w) - wP]/[w(T - P)]` (1/3 at the defaults): neutral drift
  towards ALLC reopens the door to defection.

Parameters
----------
T, R, P, S : float
    Stage payoffs, defaults Axelrod's 5, 3, 1, 0.
w : float
    Probability of a further round (default 0.75: w_c = 1/2, x* = 1/5).

Build option ``strategies``: a subset of ("ALLC", "ALLD", "TFT") (default all three), e.g.
``cp.load("cooperation", strategies=("ALLD", "TFT"))`` for the TFT–ALLD edge, an invariant
face of the simplex. Option values are 0, 1, 2 for ALLC, ALLD, TFT whatever the subset.

Finite population and mean-field limit: N units follow the stochastic revision; the shares
converge to the replicator equation as N → ∞ (Kurtz 1970), with O(1/√N) fluctuations.
The mean field has no trait (one node); equilibria and continuation run on it, on the
whole simplex or on a face. The ALLC–TFT edge is a line of rest points (ALLC and TFT earn
the same without ALLD): its members are reported as neutral, and stable against ALLD while
the ALLC share c is below 1 − (T − R)/(w (T − P)) (where an ALLD invader's
c T/(1 − w) + (1 − c)(T + wP/(1 − w)) reaches the residents' R/(1 − w); 1/3 for Axelrod's
payoffs at w = 3/4).

References
----------
R. Axelrod (1984), *The Evolution of Cooperation*, Basic Books, New York (ch. 3 and
Appendix B, Proposition 2: TFT is collectively stable iff w >= max((T-R)/(T-P), (T-R)/(R-S))).
R. Axelrod and W. D. Hamilton (1981), "The evolution of cooperation", Science 211,
1390-1396.
K. H. Schlag (1998), "Why imitate, and if so, how?", Journal of Economic Theory 78, 130-156
(proportional imitation: the mean dynamics are the replicator dynamics).
P. D. Taylor and L. B. Jonker (1978), "Evolutionarily stable strategies and game dynamics",
Mathematical Biosciences 40, 145-156.
"""

import coupling as cp

NAME = "cooperation"
SUMMARY = ("ALLC / ALLD / TFT in the iterated prisoner's dilemma under payoff-biased "
           "imitation (Axelrod; replicator mean field)")

STRATEGIES = ("ALLC", "ALLD", "TFT")

#: Expected payoff of the repeated game, row against column strategy, times (1 - w).
PAYOFFS = {
    ("ALLC", "ALLC"): "R", ("ALLC", "ALLD"): "S", ("ALLC", "TFT"): "R",
    ("ALLD", "ALLC"): "T", ("ALLD", "ALLD"): "P", ("ALLD", "TFT"): "T*(1 - w) + w*P",
    ("TFT", "ALLC"): "R", ("TFT", "ALLD"): "S*(1 - w) + w*P", ("TFT", "TFT"): "R",
}


def build(strategies=STRATEGIES):
    """The model on ``strategies`` (at least two of ALLC, ALLD, TFT)."""
    strategies = _checked(strategies)
    *free, last = strategies
    context = {f"x_{k}": f"share_{k}" for k in free}
    context[f"x_{last}"] = "1 - " + " - ".join(f"share_{k}" for k in free)
    for k in strategies:
        terms = " + ".join(f"x_{j}*({PAYOFFS[k, j]})" for j in strategies)
        context[f"pi_{k}"] = f"({terms})/(1 - w)"
    context["pi_mean"] = " + ".join(f"x_{k}*pi_{k}" for k in strategies)
    context["Delta"] = "(T - S)/(1 - w)"
    imitation = [f"x_{k}*(1 + (pi_{k} - pi_mean)/Delta)" for k in free]
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"T": 5.0, "R": 3.0, "P": 1.0, "S": 0.0, "w": 0.75},
        micro=cp.Choice("strategy", options=tuple(STRATEGIES.index(k) for k in strategies),
                        probabilities=(*imitation, "1 - " + " - ".join(imitation)),
                        initial=(1 / len(strategies),) * len(strategies)),
        aggregates={f"share_{k}": cp.Share(STRATEGIES.index(k)) for k in free},
        context=context,
        timescale=1.0,
    )


def _checked(strategies):
    """The strategies as a tuple in the order of STRATEGIES; names may be comma-separated."""
    if isinstance(strategies, str):
        strategies = [s.strip() for s in strategies.split(",")]
    strategies = tuple(strategies)
    if (len(strategies) < 2 or len(set(strategies)) != len(strategies)
            or not set(strategies) <= set(STRATEGIES)):
        raise cp.ArgumentError(f"strategies must be at least two distinct names of "
                               f"{STRATEGIES}, got {strategies!r}")
    return tuple(s for s in STRATEGIES if s in strategies)
