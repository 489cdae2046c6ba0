r"""Increasing returns and lock-in: adopters arrive one at a time (Arthur 1989; Pólya urn).

Adopters arrive one per period (:class:`coupling.Arrivals`, ``per_period=1``, none present
at t = 0) and each chooses technology A (s = 1) or B (s = 0) once, for good
(``revise=False``). The aggregates are the share of A among the n adopters so far,
``share_A``, and their number n (the arrivals' count); the context map turns them into the
installed bases :math:`n_A = \mathrm{share}_A\, n`, :math:`n_B = n - n_A` and the
probability ``pA`` that the next adopter chooses A.

``kind="polya"``: the Pólya urn (Eggenberger & Pólya 1923)
----------------------------------------------------------
.. math::  P(A \mid n_A, n_B) = \frac{a + n_A}{a + b + n_A + n_B},

an urn with a A-balls and b B-balls to which every draw adds a ball of its colour (a, b > 0
need not be integers). :math:`n_A` after n adopters is beta-binomial(n, a, b), and the share
converges almost surely to a random limit :math:`X_\infty \sim \mathrm{Beta}(a, b)`, of
mean a/(a + b) and variance ab/((a + b)²(a + b + 1)) (Hill, Lane & Sudderth 1980, Annals of
Probability 8(2), 214–226: the urn function f(x) = x, every point a fixed point). At finite
n the share lives on the grid k/n: the Kolmogorov distance between its law and Beta(a, b) is
O(1/n) (1/(n + 1) for a = b = 1), which a Kolmogorov–Smirnov test on R replicates does not
see while it is well below the test's critical value ~1.36/√R.

Parameters: ``a`` = 1 (initial weight of A), ``b`` = 1 (initial weight of B).

``kind="arthur"``: Arthur's two-type model (Arthur 1989, Table 1, symmetric)
----------------------------------------------------------------------------
A fraction p of adopters are R-agents, 1 − p are S-agents. An R-agent's returns are
:math:`a_R + r n_A` for A and :math:`b_R + r n_B` for B, with :math:`a_R > b_R`; an S-agent's
are the mirror, :math:`b_R + r n_A` for A and :math:`a_R + r n_B` for B (Arthur's
:math:`a_S = b_R`, :math:`b_S = a_R`, s = r). Each picks the higher
return; a tie goes to the agent's own preference (A for R, B for S). With the lead
:math:`d = n_A - n_B` and Arthur's barrier :math:`\Delta = (a_R - b_R)/r` (his
:math:`\Delta_R = \Delta_S`), an R-agent picks A iff
:math:`d \ge -\Delta` and an S-agent picks A iff :math:`d > \Delta`. Since an adopter's type
is drawn afresh and used once, the choice is A with probability

.. math::  P(A \mid d) = p\,[d \ge -\Delta] + (1 - p)\,[d > \Delta].

Inside :math:`|d| \le \Delta` each adopter follows its type, so d performs a random walk,
+1 with probability p and −1 with q = 1 − p. Once :math:`d > \Delta` every adopter picks A
(and d only grows), once :math:`d < -\Delta` every adopter picks B: lock-in. d being an
integer, the absorbing barriers are :math:`\pm m` with :math:`m = \lfloor \Delta \rfloor + 1`
(= ⌈Δ⌉ for a non-integer Δ; an integer Δ is a tie, resolved in the agent's favour, so the walk
goes one step further). Gambler's ruin from 0, i.e. from distance m of the lower barrier in a
strip of width 2m (Feller 1968, XIV.2):

.. math::  P(\text{lock-in to A}) = \frac{1 - (q/p)^m}{1 - (q/p)^{2m}} = \frac{1}{1 + (q/p)^m}
           \qquad (p \ne 1/2;\ 1/2 \text{ for } p = 1/2).

The walk leaves the strip with probability 1, geometrically fast (its survival decays like
:math:`(2\sqrt{pq}\cos(\pi/2m))^n`), so every path locks in with probability one, the
increasing-returns case of Arthur (1989). The
ties are decided on the returns with a tolerance of 1e-9 (the installed bases are recovered as
share · n, exact to rounding); Δ is computed in floating point, so state integer barriers
with exactly representable returns (e.g. a_R − b_R = 0.5, r = 0.5).

Parameters: ``p`` = 0.5 (share of R-agents), ``a_R`` = 1 and ``b_R`` = 0.5 (R-agents'
stand-alone returns of A and B; the mirror for S-agents), ``r`` = 0.2 (increasing returns per
adopter; Δ = 2.5, barriers ±3).

Finite population and mean field
--------------------------------
The population is the capacity N of adopters (``population``, default 1000). The mean-field
limit of choose-on-arrival units is the share recursion (see :mod:`coupling.model._arrivals`)

.. math::  x_{t+1} = x_t + \frac{1}{n_t + 1}\big(P(c_t) - x_t\big), \qquad n_t = n_0 + t.

For the urn P is affine in the share, so this is also the exact mean of the finite share, and
it is neutral: the urn fraction :math:`u_t = (a + n_t x_t)/(a + b + n_t)` is constant along
it, :math:`u_{t+1} = u_t`, so every share is a fixed point of the limiting mean dynamics
(P(c) − x → 0 as n → ∞). The mean dynamics pick no outcome; the Beta spread of the limit is
made by the fluctuations of the first adopters, whose weight 1/(n + 1) then vanishes.
Arthur's P(A | d) is a step function of the aggregates (no trait smooths it), so its finite
population is analysed by simulation and the engine refuses its mean-field limit.

References
----------
W. B. Arthur (1989), "Competing technologies, increasing returns, and lock-in by historical
events", Economic Journal 99(394), 116–131 (Table 1: the returns of R- and S-agents; the
increasing-returns case: lock-in with probability one).
F. Eggenberger and G. Pólya (1923), "Über die Statistik verketteter Vorgänge", Zeitschrift
für Angewandte Mathematik und Mechanik 3, 279–289.
B. M. Hill, D. Lane and W. Sudderth (1980), "A strong law for some generalized urn
processes", Annals of Probability 8(2), 214–226.
W. Feller (1968), *An Introduction to Probability Theory and Its Applications* I, 3rd ed.,
ch. XIV.2 (the gambler's ruin).
"""

import coupling as cp

NAME = "lock-in"
SUMMARY = "Adopters arriving one by one under increasing returns: Polya urn or Arthur's lock-in"

#: Tolerance of the return comparisons of Arthur's agents (ties go to the own preference).
TIE = 1e-9

_KINDS = {
    "polya": ({"a": 1.0, "b": 1.0}, "(a + n_A)/(a + b + n)"),
    "arthur": ({"p": 0.5, "a_R": 1.0, "b_R": 0.5, "r": 0.2},
               f"p*(r*lead + a_R - b_R >= -{TIE}) + (1 - p)*(r*lead - (a_R - b_R) > {TIE})"),
}


def build(kind="polya", population=1000):
    """The model: ``kind`` "polya" (the urn) or "arthur" (R- and S-agents), with capacity
    ``population`` adopters."""
    if kind not in _KINDS:
        raise cp.DeclarationError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}",
                                  symbol="kind", level="catalog")
    parameters, probability = _KINDS[kind]
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters=dict(parameters),
        micro=cp.Choice("s", options=(0, 1), probabilities=("1 - pA", "pA")),
        aggregates={"share_A": cp.Share(1)},
        context={"n_A": "share_A*n", "n_B": "n - n_A", "lead": "n_A - n_B",
                 "pA": probability},
        arrivals=cp.Arrivals(initial=0, per_period=1, count="n", revise=False),
        time="discrete",
        population=population,
    )
