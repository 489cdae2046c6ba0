r"""The cobweb model with rational versus naive expectations (Brock & Hommes 1997).

A market for a non-storable good clears in every period t. Demand is linear,
:math:`D(p) = A - B p`; a producer who expects the price :math:`p^e` supplies
:math:`S(p^e) = b\,p^e`, the profit-maximising quantity under the quadratic cost
:math:`c(q) = q^2/(2b)`. Each producer uses one of two predictors: the **rational** one,
:math:`p^e_t = p_t` (perfect foresight, at an information cost C per period), or the
**naive** one, :math:`p^e_t = p_{t-1}` (free). With fractions :math:`n_{1,t}` (rational) and
:math:`n_{2,t} = 1 - n_{1,t}` (naive) market clearing
:math:`A - B p_t = b\,(n_{1,t} p_t + n_{2,t} p_{t-1})` gives the price

.. math::  p_t = \frac{A - b\, n_{2,t}\, p_{t-1}}{B + b\, n_{1,t}},

with the steady state :math:`p^* = A/(B + b)`; in deviations :math:`x_t = p_t - p^*` it is
:math:`x_t = -b\, n_{2,t}\, x_{t-1} / (B + b\, n_{1,t})` (A shifts only the level). The
realised profit of predictor j is :math:`\pi(p_t, p^e) = p_t S(p^e) - c(S(p^e))`, so the net
profit advantage of the rational predictor is

.. math::  \Delta U_t = \pi(p_t, p_t) - C - \pi(p_t, p_{t-1})
                      = \tfrac{b}{2} (p_t - p_{t-1})^2 - C .

Producers choose the predictor for the next period by a logit on these realised profits with
intensity of choice β, so that with :math:`m = n_1 - n_2`

.. math::  m_{t+1} = \tanh\Big(\frac{\beta}{2}\Big[\frac{b}{2}(p_t - p_{t-1})^2 - C\Big]\Big).

**Declaration.** The micro level is the predictor choice ``s`` (+1 rational, -1 naive), a
logit in ΔU with every producer revising every period: the timescale ε = 0.01 makes the
revision probability :math:`1 - e^{-1/\varepsilon}` equal to 1 in floating point. The
aggregates are ``m`` = n₁ − n₂ and ``rational`` = n₁; the macro variable ``lag`` holds last
period's price :math:`p_{t-1}`; the context holds the market-clearing price ``p`` = p_t and the
advantage ``gain`` = ΔU_t that the choices of the next period read. In period t the choices
are those made on ΔU_{t-1}, as in the paper.

Steady state and its loss of stability: at :math:`x = 0` the fractions are
:math:`m^* = -\tanh(\beta C/2)` and, since m does not move to first order in x, the multiplier
of the steady state is :math:`-b n_2^*/(B + b n_1^*)`. With :math:`n_{1,2} = (1 \pm m)/2` it
equals -1 where :math:`b(1 - m^*)/2 = B + b(1 + m^*)/2`, i.e. :math:`m^* = -B/b`, which
m* ∈ (-1, 0) reaches only for b/B > 1 (a period-doubling, or flip, bifurcation), at

.. math::  \beta^* = \frac{2}{C}\,\operatorname{artanh}\frac{B}{b}

(Brock & Hommes 1997, section 3: for b/B > 1 the steady state is stable for β < β* and
loses stability through a period-doubling bifurcation at β*). On the symmetric 2-cycle ±p̄
beyond it :math:`x_t = -x_{t-1}` needs the same unit ratio, so m = −B/b there too, while
:math:`(p_t - p_{t-1})^2 = 4\bar p^2`; the fraction equation then reads
:math:`\beta(2 b \bar p^2 - C)/2 = -\operatorname{artanh}(B/b)`, i.e.

.. math::  \bar p^2 = \frac{C - (2/\beta)\operatorname{artanh}(B/b)}{2 b} .

For larger β the dynamics go through further bifurcations to strange attractors (the
"rational route to randomness"); with the defaults the orbit diagram shows the 2-cycle
doubling near β ≈ 5.7, a cascade near β ≈ 7.6 and chaos from β ≈ 8.

Parameters
----------
beta : float
    Intensity of choice β (required: it is the bifurcation parameter).
b : float
    Supply slope b (default 1.35: with B = 1 the ratio b/B = 1.35 > 1, an unstable
    cobweb for naive producers).
B : float
    Demand slope B (default 1).
C : float
    Per-period cost of the rational predictor (default 1).
A : float
    Demand intercept (default 0: prices are deviations from the steady state).

Build options: ``price`` (default 0.1), the initial last-period price :math:`p_{-1}`, and
``population`` ("mean-field" by default, or a number N of producers).

Finite population and mean field: a finite population of N producers draws its choices each
period from the logit probabilities, so the realised fraction of rational producers
n₁ is binomial with mean the mean-field fraction and standard deviation
:math:`\sqrt{n_1(1-n_1)/N}`; the price map sees this noise, and as N → ∞ the run converges
to the deterministic two-dimensional map above (the mean-field population, on which
equilibria and continuation run).

References
----------
W. A. Brock and C. H. Hommes (1997), "A rational route to randomness", Econometrica 65(5),
1059-1095, section 3: the cobweb model with rational versus naive expectations (the price
equation and the fraction equation of the two-dimensional system, the steady state's
period-doubling bifurcation at β*, and the numerical route to strange attractors as β grows).
"""

import coupling as cp

NAME = "brock-hommes"
SUMMARY = ("Cobweb market with costly rational vs free naive predictors chosen by logit "
           "(Brock-Hommes 1997)")


def build(*, beta=None, b=1.35, B=1.0, C=1.0, A=0.0, price=0.1, population="mean-field"):
    """The model at intensity of choice ``beta`` (required); ``price`` is the initial
    p_{-1}."""
    if beta is None:
        raise cp.DeclarationError("the intensity of choice is required, e.g. "
                                  "cp.load('brock-hommes', beta=2.0); the steady state "
                                  "flips at beta* = (2/C) artanh(B/b)",
                                  symbol="beta", level="parameters")
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"beta": beta, "b": b, "B": B, "C": C, "A": A},
        micro=cp.Choice("s", options=(1, -1),
                        probabilities=cp.logit(["gain", "0"], intensity="beta"),
                        initial=(0.5, 0.5)),
        aggregates={"m": "s", "rational": cp.Share(1)},
        context={"p": "(A - b*(1 - rational)*lag)/(B + b*rational)",
                 "gain": "b/2*(p - lag)**2 - C"},
        macro={"lag": cp.Macro("p", price)},
        time="discrete",
        timescale=0.01,
        population=population,
    )
