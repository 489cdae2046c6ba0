r"""Relaxation oscillations of Van der Pol as a fast–slow coupled model: fast units whose
common drive is the Liénard cubic of their mean, a slow macro variable fed by the mean.

Unit i (offset :math:`a_i \sim \mathrm{Normal}(0, \sigma)`, default σ = 0) relaxes on the
fast timescale ε towards the drive it sees:

.. math::  \varepsilon\,\dot x_i = -x_i + a_i + d, \qquad
           d = 2X - X^3/3 + y \quad\text{(down)}, \qquad X = \tfrac1N \textstyle\sum_i x_i
           \quad\text{(up)}, \qquad \dot y = -X \quad\text{(slow macro)}.

Averaging the units, the aggregate obeys exactly (for any N, with ā the sample mean of the
offsets)

.. math::  \varepsilon\,\dot X = y + \bar a - (X^3/3 - X), \qquad \dot y = -X,

the Van der Pol oscillator in Liénard form in slow time (van der Pol 1926): with
:math:`\mu = \varepsilon^{-1/2}` and t = τ/μ it is :math:`\ddot X - \mu (1 - X^2)\dot X + X
= 0` in the classical time τ. The nonlinearity lives in the context, so each unit's rule
is linear in its own state and has one rest state: the critical manifold of the units is
:math:`x_i = a_i + d`, that of the aggregate the S-curve y = X³/3 − X − ā, and
``cp.reduce`` gives the ε → 0 model (relaxation between the folds X = ±1).

Period
------
In slow time the relaxation limit has period :math:`T_0 = 3 - 2\ln 2` (the two slow
branches from |X| = 2 to |X| = 1), and the full model
:math:`T(\varepsilon) = 3 - 2\ln 2 + 3\alpha\,\varepsilon^{2/3} + \tfrac13 \varepsilon\ln
\varepsilon + O(\varepsilon)`, α = 2.338107 the first zero of Ai(−z) (Dorodnitsyn 1947;
Mishchenko & Rozov 1980, ch. III; Grasman 1987, §3.3). In the classical time,
:math:`T_{\mathrm{classical}} = \mu T = (3 - 2\ln 2)\mu + 3\alpha\mu^{-1/3}
- \tfrac23 \mu^{-1}\ln\mu + O(\mu^{-1})`.

Parameters
----------
eps : float
    ε = 1/μ², the units' time constant in slow time (default 1e-3, μ ≈ 31.6; the model's
    timescale).
sigma : float
    σ, the spread of the units' offsets (default 0: identical units).

Units start at x = 2 and y at 0.

Finite population and mean field
--------------------------------
The mean field has E a = 0 and is the Van der Pol oscillator itself. A finite population
is a Van der Pol oscillator with the offset ā, a mean of N Normal offsets (sd σ/√N): its
aggregate has the same limit cycle in (X, y + ā), so the same period, and its y is shifted
by −ā; each unit sits at x_i = X + a_i − ā once its initial layer has decayed.

References
----------
B. van der Pol (1926), "On relaxation-oscillations", Philosophical Magazine 2(11),
978-992.
E. F. Mishchenko and N. Kh. Rozov (1980), *Differential Equations with Small Parameters and
Relaxation Oscillations*, Plenum (the asymptotic period, ch. III).
J. Grasman (1987), *Asymptotic Methods for Relaxation Oscillations and Applications*,
Springer (§3.3).
"""

import coupling as cp

NAME = "van-der-pol"
SUMMARY = ("Van der Pol relaxation oscillation: fast units driven by the Liénard cubic of "
           "their mean, slow y' = -X; period 3 - 2 ln 2 + 3α ε^(2/3) + ...")


def build():
    """The model with ε = 1e-3 and identical units (σ = 0)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"eps": 1e-3, "sigma": 0.0},
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.ODE(rhs={"x": "-x + a + drive"}, initial={"x": 2.0}),
        aggregates={"X": "x"},
        context={"drive": "2*X - X**3/3 + y"},
        macro={"y": cp.Macro("-X", 0.0)},
        timescale="eps",
    )
