r"""Eutrophication of a shallow lake: phosphorus recycled from the sediment, loaded by farms
with dispersed intensities (Scheffer 1998; Carpenter, Ludwig & Brock 1999).

Macro: the phosphorus x in the water grows with the total loading L from the catchment
(the aggregate, up), is lost (sedimentation, outflow, uptake) at rate b, and is recycled
from the sediment at a rate that switches on sigmoidally as the lake turns turbid,

.. math::  \frac{dx}{dt} = L - b\,x + \frac{x^2}{1 + x^2}

(the dimensionless lake of Carpenter, Ludwig & Brock 1999, with the recycling's maximum
and half-saturation scaled to 1). Micro: N farms; farm i loads in proportion to its intensity
:math:`q_i \sim \mathrm{LogNormal}(0, \sigma)` (its fertiliser use per unit of the
catchment's mean), scaled so that the mean loading is the policy target a,

.. math::  \ell_i = \frac{a\, q_i\, e^{-\sigma^2/2}}{1 + \gamma\, x_{\text{seen}}},
           \qquad L = \frac1N \sum_i \ell_i, \qquad E[q_i]\,e^{-\sigma^2/2} = 1,

and abates as it sees the lake turn turbid (the context, down, :math:`x_{\text{seen}} = x`)
with responsiveness γ (``care``; default 0, the published model). The farms adjust
instantly (a :class:`~coupling.Response` rule: a season against the lake's slow
phosphorus stock). With γ = 0 the mean-field loading is L = a exactly, whatever σ, and the
lake is the published one:

.. math::  \frac{dx}{dt} = a - b\,x + \frac{x^2}{1 + x^2}.

Folds where also :math:`b = 2x/(1 + x^2)^2`, so along the fold curve, parametrised by the
phosphorus x there,

.. math::  b = \frac{2x}{(1 + x^2)^2}, \qquad a = b x - \frac{x^2}{1 + x^2}
           = \frac{x^2 (1 - x^2)}{(1 + x^2)^2},

two branches (x < 1/√3, where the clear lake ends as the loading rises, and x > 1/√3,
where the turbid lake ends as it falls) that meet in a cusp at x = 1/√3,
(a, b) = (1/8, 3√3/8). For b < 3√3/8 the lake is bistable between the folds.

Irreversibility: the turbid lake ends at the lower fold, whose loading a = x²(1 − x²)/
(1 + x²)² is negative for x > 1, i.e. for b below :math:`b_{\text{irr}} = 1/2` (the fold at
x = 1). Below b_irr no reduction of the loading, not even to zero, restores the clear lake:
at a = 0 the turbid state :math:`x = (1 + \sqrt{1 - 4b^2})/(2b)` persists (Carpenter et al.
1999: irreversible for b < 1/2 in this scaling).

Parameters
----------
a : float
    Mean phosphorus loading per farm, the policy lever (default 0.095, inside the bistable
    range).
b : float
    Loss rate of phosphorus (default 0.6: bistable over 0.08972 < a < 0.10209, reversible).
sigma : float
    σ, the log-spread of the farms' intensities (default 0.5).
care : float
    γ ≥ 0, how strongly the farms abate as the lake turns turbid (default 0).

The lake starts clear, at x = 0.1.

Finite population and mean field
--------------------------------
The mean field integrates q by Gauss–Hermite quadrature in log q; for γ = 0 its loading is
exactly a at any node count. N farms with sampled intensities load
:math:`L_N = a\,\bar q_N e^{-\sigma^2/2}`, off a by sd :math:`a\sqrt{(e^{\sigma^2} - 1)/N}`,
and a lake equilibrium moves by that over
:math:`|\partial \dot x/\partial x| = |f'(x) - b|` (f(x) = x²/(1 + x²)): a small catchment
realises its nominal loading only up to the sampling of its farms, which matters near a
fold.

References
----------
M. Scheffer (1998), *Ecology of Shallow Lakes*, Chapman & Hall (alternative clear and
turbid states, ch. 7).
S. R. Carpenter, D. Ludwig and W. A. Brock (1999), "Management of eutrophication for lakes
subject to potentially irreversible change", Ecological Applications 9(3), 751-771 (the
dimensionless lake; reversible, hysteretic and irreversible lakes, irreversible for
b < 1/2).
"""

import coupling as cp

NAME = "shallow-lake"
SUMMARY = ("Shallow lake: phosphorus recycling and farms with LogNormal loading intensities; "
           "clear/turbid folds, a cusp, and irreversibility for b < 1/2")


def build():
    """The model at the defaults above (bistable and reversible at b = 0.6)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"a": 0.095, "b": 0.6, "sigma": 0.5, "care": 0.0},
        policy=("a",),
        traits={"q": cp.LogNormal(0.0, "sigma")},
        micro=cp.Response(rhs={"load": "a*q*exp(-sigma**2/2)/(1 + care*seen)"}),
        aggregates={"L": "load"},
        context={"seen": "x"},
        macro={"x": cp.Macro("L - b*x + x**2/(1 + x**2)", 0.1)},
    )
