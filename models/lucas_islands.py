r"""Lucas islands: suppliers who cannot tell a general price rise from a local one.

Island i sees its local log price :math:`p_{i,t} = p_t + z_{i,t}`, the aggregate price level
plus a relative (island) shock :math:`z_{i,t} \sim N(0, \sigma_z^2)`, and must split the
surprise into the two. The price level follows money, :math:`p_t = p_{t-1} + \mu + u_t`, with
monetary surprises :math:`u_t \sim N(0, \sigma_m^2)` set by policy. Knowing the policy, the
best estimate of the relative price from the local surprise
:math:`s_{i,t} = u_t + z_{i,t}` is :math:`(1 - \theta) s_{i,t}` with the signal-extraction
weight :math:`\theta = \sigma_m^2 / (\sigma_m^2 + \sigma_z^2)`, and the island supplies

.. math::  y_{i,t} = b_i\,(1 - \theta)\,(u_t + z_{i,t}),

b_i its supply elasticity (a trait). Output is :math:`Y_t = \bar y_t + a_t` with an
aggregate supply shock :math:`a_t \sim N(0, \sigma_a^2)`, and inflation is
:math:`\pi_t = p_t - p_{t-1} = \mu + u_t`. The reduced-form output–inflation relation is

.. math::  Y_t = -\beta\mu + \beta\,\pi_t + e_t, \qquad
           \beta = \bar b\,\frac{\sigma_z^2}{\sigma_z^2 + \sigma_m^2},

with :math:`e_t = a_t + (1 - \theta)\,\overline{b z}_t`, of variance
:math:`\sigma_a^2 + (1 - \theta)^2 (\bar b^2 + \sigma_b^2) \sigma_z^2 / N`. The slope depends
on the variance of policy: a more erratic monetary policy (larger σ_m) flattens the
output–inflation trade-off, and a higher mean money growth μ buys no output at all. A
relation estimated under one policy breaks under another (the Lucas critique).

References
----------
R. E. Lucas, Jr. (1972), "Expectations and the neutrality of money", Journal of Economic
Theory 4, 103-124.
R. E. Lucas, Jr. (1973), "Some international evidence on output-inflation tradeoffs",
American Economic Review 63, 326-334 (the slope falls with the variance of demand).
D. Romer (2019), *Advanced Macroeconomics*, 5th ed., McGraw-Hill, section 6.9 (the
signal-extraction supply curve).
"""

import coupling as cp

NAME = "lucas-islands"
#: The relation estimated in policy-regime tests (``coupling regime``).
REDUCED_FORM = "output ~ inflation"
SUMMARY = ("Lucas islands: signal extraction by suppliers; the output-inflation slope falls "
           "with the variance of monetary policy")


def build():
    """The model with σ_m = 0.5 (the policy lever, with μ) and N = 500 islands."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"b": 1.0, "b_sd": 0.2, "mu": 0.02, "sigma_m": 0.5, "sigma_z": 1.0,
                    "sigma_a": 0.05},
        policy=("sigma_m", "mu"),
        traits={"elasticity": cp.Normal("b", "b_sd")},
        micro=cp.Response(
            rhs={"y": "elasticity*(1 - sigma_m**2/(sigma_m**2 + sigma_z**2))*(surprise + z)"},
            shocks={"z": "sigma_z"}),
        aggregates={"Y": "y"},
        shocks={"a": "sigma_a"},
        context={"surprise": "p - p_lag - mu", "inflation": "p - p_lag",
                 "output": "Y + a"},
        macro={"p": cp.Macro("p + mu", 0.0, noise="sigma_m"),
               "p_lag": cp.Macro("p", 0.0)},
        time="discrete",
        population=500,
    )
