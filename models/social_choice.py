r"""Binary social choice with heterogeneous agents (Brock–Durlauf; Curie–Weiss).

Each agent i chooses :math:`s_i \in \{-1, +1\}`. Its utility of choosing s is
:math:`s\,(J m + h + a_i)` plus an extreme-value taste shock with intensity of choice β, so a
revising agent picks +1 with the logit probability

.. math::  P(s_i = +1) = \frac{1}{1 + e^{-2\beta (J m + h + a_i)}},
           \qquad E[s_i] = \tanh\big(\beta (J m + h + a_i)\big),

where m is the mean choice (the aggregate, up), J the social coupling, h an external field (a
policy lever, down) and :math:`a_i \sim \mathrm{Normal}(0, \sigma)` an idiosyncratic
preference. Agents revise at rate 1/ε. The mean-field equilibria solve

.. math::  m = E_a\big[\tanh(\beta (J m + h + a))\big],

which for σ = 0 is the Curie–Weiss equation :math:`m = \tanh(\beta (J m + h))`, bistable for
βJ > 1 and |h| below the fold.

With ``norm=True`` a slow macro social norm n follows the mean choice,
:math:`\dot n = (m - n)/\tau`, and adds :math:`\kappa n` to the field agents see.

References
----------
W. A. Brock and S. N. Durlauf (2001), "Discrete choice with social interactions", Review of
Economic Studies 68(2), 235-260 (eq. 13: m = tanh(βh + βJm) for homogeneous agents).
R. S. Ellis (1985), *Entropy, Large Deviations, and Statistical Mechanics*, ch. IV
(the Curie–Weiss model).
"""

import coupling as cp

NAME = "social-choice"
SUMMARY = "Binary logit choice with social coupling J, field h and Normal tastes (Brock-Durlauf)"


def build(norm=False):
    """The model; ``norm=True`` adds the slow macro norm n with timescale ``tau``."""
    parameters = {"beta": 1.0, "J": 1.5, "h": 0.0, "sigma": 0.3}
    context = {"field": "J*m + h"}
    macro = {}
    if norm:
        parameters.update(kappa=0.5, tau=10.0)
        context = {"field": "J*m + h + kappa*n"}
        macro = {"n": cp.Macro("(m - n)/tau", 0.0)}
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters=parameters,
        policy=("h",),
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.Choice("s", options=(-1, 1),
                        probabilities=cp.logit(["-(field + a)", "field + a"],
                                               intensity="beta"),
                        initial=(0.4, 0.6)),
        aggregates={"m": "s", "adopters": cp.Share(1)},
        context=context,
        macro=macro,
        timescale=0.1,
    )
