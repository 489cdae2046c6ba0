r"""Spruce budworm outbreaks: a slow budworm density eaten by birds with heterogeneous
functional responses (Ludwig, Jones & Holling 1978; the dimensionless form of Strogatz).

Macro: the dimensionless budworm density x grows logistically with rate r and carrying
capacity k and is eaten at the birds' mean predation P (the aggregate, up),

.. math::  \frac{dx}{d\tau} = r\,x\Big(1 - \frac{x}{k}\Big) - P .

Micro: bird i has a Holling type III functional response with its own half-saturation
density :math:`h_i` (in units of the population's median), and responds instantly to the
budworm density it sees (the context, down, :math:`x_{\text{seen}} = x`):

.. math::  p_i = \frac{x_{\text{seen}}^2}{h_i^2 + x_{\text{seen}}^2}, \qquad
           h_i \sim \mathrm{LogNormal}(0, \sigma), \qquad P = \frac1N \sum_i p_i .

At σ = 0 every bird has h = 1 and P = x²/(1 + x²), Strogatz's dimensionless model
:math:`\dot x = r x (1 - x/k) - x^2/(1 + x^2)`. Its positive equilibria solve
r(1 − x/k) = x/(1 + x²); they fold where the line is also tangent to x/(1 + x²), which
gives the bifurcation curves parametrically in x > 1 (Strogatz §3.7)

.. math::  r = \frac{2 x^3}{(1 + x^2)^2}, \qquad k = \frac{2 x^3}{x^2 - 1},

two branches (1 < x < √3 and x > √3) that meet in a cusp at x = √3,
(r, k) = (3√3/8, 3√3). Inside the wedge k > 3√3 between them three positive equilibria
coexist: the *refuge* (low x, kept down by the birds) and the *outbreak* (x near k), both
stable, and a saddle between. Raising r past the upper curve ends the refuge (an
outbreak); the outbreak collapses only when r falls below the lower curve (hysteresis).

Parameters
----------
r : float
    Dimensionless growth rate of the budworm (default 0.55, inside the bistable range
    0.38397 < r < 0.55953 of k = 10).
k : float
    Dimensionless carrying capacity (the forest's foliage; default 10).
sigma : float
    σ, the log-spread of the birds' half-saturation densities (default 0: identical birds,
    the published model).

The budworm starts at x = 0.5 (in the refuge basin at the defaults).

Finite population and mean field
--------------------------------
The birds respond instantly (a :class:`~coupling.Response` rule: their foraging is fast
against the budworm's generations), so the coupled system is the one macro ODE with
P(x) the population mean of the responses. For N birds with sampled h_i, P is that sample
mean: at fixed x it differs from the mean-field E_h[x²/(h² + x²)] (Gauss–Hermite in log h)
by sd(p)/√N, and an equilibrium by that over |∂ẋ/∂x|.

Heterogeneity: with g(x) = P(x)/x the fold curve is r = g − x g', k = x − g/g' and the
cusp is where g''(x) = 0; the spread of the half-saturations smooths the birds' sigmoid,
and the cusp moves to lower k and x (measured on 16 nodes: σ = 0.2: (k, r) = (5.1874,
0.6439), x = 1.695; σ = 0.4: (5.0813, 0.6348), x = 1.568; σ = 0.6: (4.7506, 0.6362),
x = 1.347; r first falls, then rises again).

The extinct state x = 0 is an equilibrium for every r and k (unstable): equilibrium
searches leave it out with a lower bound x > 0, e.g. ``bounds={"x": (1e-6, 45)}``.

References
----------
D. Ludwig, D. D. Jones and C. S. Holling (1978), "Qualitative analysis of insect outbreak
systems: the spruce budworm and forest", Journal of Animal Ecology 47, 315-332.
S. H. Strogatz (2015), *Nonlinear Dynamics and Chaos*, 2nd ed., §3.7 "Insect outbreak"
(the dimensionless model, the parametric bifurcation curves and their cusp, drawn in the
(k, r) plane).
"""

import coupling as cp

NAME = "budworm"
SUMMARY = ("Spruce budworm x eaten by birds with LogNormal half-saturations: refuge and "
           "outbreak, folds and a cusp in (r, k) (Ludwig-Jones-Holling)")


def build():
    """The model at the defaults above (bistable at r = 0.55, k = 10)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"r": 0.55, "k": 10.0, "sigma": 0.0},
        traits={"h": cp.LogNormal(0.0, "sigma")},
        micro=cp.Response(rhs={"eat": "seen**2/(h**2 + seen**2)"}),
        aggregates={"P": "eat"},
        context={"seen": "x"},
        macro={"x": cp.Macro("r*x*(1 - x/k) - P", 0.5)},
    )
