r"""An expectations-augmented Phillips curve whose expectations are formed by the units.

Inflation (the macro variable ``inflation``) follows the monetary rule :math:`\pi_{t+1} =
\rho\,\pi_t + (1 - \rho)\,\bar\pi + \sigma_\pi \xi_{t+1}`; the persistence ρ is the policy
lever. Each of N forecasters (wage setters) forms its forecast of next period's inflation with
the rule it knows, plus an idiosyncratic error, and, with weight 1 - w, adaptively:

.. math::  f_{i,t+1} = w\,[\rho\,\pi_t + (1 - \rho)\,\bar\pi]
                       + (1 - w)\,[f_{i,t} + \lambda (\pi_t - f_{i,t})] + \eta_{i,t},
           \qquad \eta_{i,t} \sim N(0, \sigma_\eta^2).

Unemployment (the context variable ``u``) follows the expectations-augmented Phillips curve of
the mean forecast :math:`E_t = \bar f_t` (the aggregate ``expected``), with an aggregate
labour-market shock :math:`v_t \sim N(0, \sigma_v^2)`:

.. math::  u_t = u^* - (\pi_t - E_t)/\kappa + v_t.

With model-consistent forecasters (w = 1), :math:`\pi_t - E_t = \sigma_\pi\xi_t - \bar\eta_{t-1}`
and the regression of u on π (with a constant) has the slope

.. math::  \frac{\operatorname{Cov}(u_t, \pi_t)}{\operatorname{Var}\pi_t}
           = -\frac{1 - \rho^2}{\kappa},

while the regression on π and its lag has the coefficients :math:`-1/\kappa` and
:math:`\rho/\kappa` (Cov(π_t, π_{t-1}) = ρ Var π). A more persistent policy flattens the
estimated trade-off; exploiting the trade-off estimated under one rule by switching to
another fails because the forecasters re-optimise (the Lucas critique).

References
----------
M. Friedman (1968), "The role of monetary policy", American Economic Review 58, 1-17.
E. S. Phelps (1967), "Phillips curves, expectations of inflation and optimal unemployment
over time", Economica 34, 254-281.
T. J. Sargent (1971), "A note on the 'accelerationist' controversy", Journal of Money,
Credit and Banking 3, 721-725 (the estimated coefficient on lagged inflation depends on the
inflation process).
R. E. Lucas, Jr. (1976), "Econometric policy evaluation: a critique", Carnegie-Rochester
Conference Series on Public Policy 1, 19-46.
"""

import coupling as cp

NAME = "phillips-curve"
#: The relation estimated in policy-regime tests (``coupling regime``).
REDUCED_FORM = "u ~ inflation"
SUMMARY = ("Expectations-augmented Phillips curve with forecasting units under a monetary "
           "rule of persistence rho")


def build():
    """The model with ρ = 0.2 (the policy lever) and N = 500 model-consistent forecasters."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"rho": 0.2, "pibar": 2.0, "sigma_pi": 1.0, "kappa": 0.5, "u_star": 5.0,
                    "w": 1.0, "lam": 0.3, "sigma_eta": 0.5, "sigma_v": 0.2},
        policy=("rho", "pibar"),
        micro=cp.Map(
            rhs={"forecast": "w*(rho*inflation_seen + (1 - rho)*pibar) "
                             "+ (1 - w)*(forecast + lam*(inflation_seen - forecast))"},
            initial={"forecast": "pibar"}, noise={"forecast": "sigma_eta"}),
        aggregates={"expected": "forecast"},
        shocks={"v": "sigma_v"},
        context={"inflation_seen": "inflation",
                 "u": "u_star - (inflation - expected)/kappa + v"},
        macro={"inflation": cp.Macro("rho*inflation + (1 - rho)*pibar", 2.0,
                                     noise="sigma_pi")},
        time="discrete",
        population=500,
    )
