r"""Quadratic integrate-and-fire neurons and their exact firing-rate equations (Montbrió–Pazó–Roxin).

Neuron i has a membrane potential :math:`v_i` and an excitability
:math:`\eta_i \sim \mathrm{Lorentzian}(\eta, \Delta)` (a trait), and all neurons are coupled
through the population firing rate r:

.. math::  \tau \dot v_i = v_i^2 + \eta_i + J \tau r(t) + I,

with a spike and a reset :math:`v \to -\infty` when :math:`v_i \to +\infty`. The engine
has no reset events, so the population is declared in the exactly equivalent theta-neuron
form :math:`v_i = \tan(\theta_i/2)` (the QIF neuron with infinite peak and reset
potentials; Ermentrout & Kopell 1986), where a spike is the passage of
:math:`\theta_i` through π:

.. math::  \tau \dot\theta_i = (1 - \cos\theta_i) + (1 + \cos\theta_i)(\eta_i + S),
           \qquad S = J \tau r + I.

Up: the order parameter :math:`z = \langle e^{i\theta}\rangle` as two real aggregates,
``X_cos`` = mean cos θ and ``X_sin`` = mean sin θ. Down: the firing rate r and the mean
voltage v from the conformal map (Montbrió et al. 2015; Luke, Barreto & So 2013)

.. math::  W = \pi\tau r + i v = \frac{1 - \bar z}{1 + \bar z}, \qquad
           \pi\tau r = \frac{1 - |z|^2}{|1 + z|^2} \ge 0, \qquad
           v = \frac{2 X_{\sin}}{|1 + z|^2},

as the context ``rate`` and ``voltage``, and the synaptic input ``S`` = Jτ r + I. (Derived
here: if v is Lorentzian with centre v and half-width πτr, the Cauchy variable with complex
parameter ζ = v + iπτr, then :math:`\langle (1 + iv)/(1 - iv)\rangle = (1 + i\zeta)/(1 - i\zeta)`
since the map is bounded and holomorphic in the upper half plane, and
:math:`e^{i\theta} = (1 + i\tan(\theta/2))/(1 - i\tan(\theta/2))`.)

Mean field: the firing-rate equations
-------------------------------------
For Lorentzian excitabilities the Lorentzian densities of v are invariant and attracting
(the Ott–Antonsen manifold in the theta picture), and on them the centre v and the
half-width πτr obey exactly

.. math::  \tau \dot r = \frac{\Delta}{\pi\tau} + 2 r v, \qquad
           \tau \dot v = v^2 + \eta + J\tau r + I - (\pi\tau r)^2

(Montbrió, Pazó & Roxin 2015, eq. 12; the equation and figure numbers cited here were
not checked against the published text). The model declares them as its
:class:`~coupling.Reduction`: states ``r_mf``, ``v_mf``, giving the aggregates through the
inverse map :math:`\bar z = (1 - W)/(1 + W)`,
:math:`X_{\cos} = (1 - a^2 - v^2)/((1 + a)^2 + v^2)`,
:math:`X_{\sin} = 2v/((1 + a)^2 + v^2)` with a = πτr; the context then gives back
``rate`` = r_mf exactly. The fixed points have :math:`v^* = -\Delta/(2\pi\tau r^*)` and
:math:`R = \pi\tau r^*` solving :math:`\Delta^2/(4R^2) + \eta + I + JR/\pi - R^2 = 0`; the
Jacobian's determinant is :math:`-2R\,\partial_R(\ldots)/\tau^2` and its trace 4v*/τ < 0,
so a fixed point is stable exactly where that left side decreases in R. Its folds are the
curve (derived here; MPR 2015, Fig. 1, plot it with τ = 1)

.. math::  \eta + I = -R^2 - \frac{3\Delta^2}{4R^2}, \qquad
           J = 2\pi R + \frac{\pi\Delta^2}{2R^3}, \qquad R > 0,

two branches meeting in a cusp at :math:`R_c^4 = 3\Delta^2/4`:
:math:`\eta_c + I = -\sqrt3\,\Delta`, :math:`J_c = (8\pi/3) R_c = (8\pi/3)(3/4)^{1/4}\sqrt\Delta`.
Between the branches (J > J_c) a low-rate node and a high-rate focus coexist.

Parameters
----------
eta : float
    Centre η of the Lorentzian of excitabilities (default -5).
Delta : float
    Half-width Δ of that Lorentzian (default 1).
J : float
    Synaptic weight of the all-to-all coupling (default 15: MPR 2015's bistable example).
tau : float
    Membrane time constant τ (default 1).
I : float
    External current (default 0; a policy lever, as is eta).

Units start with phases uniform on (−π, π) (a trait ``phase0``): z ≈ 0, i.e. πτr = 1, v = 0;
the reduction starts there too (r = 1/(πτ), v = 0).

Finite population and mean field
--------------------------------
N neurons with sampled excitabilities relax to a state whose time-averaged rate differs from
the mean-field fixed point by O(1/√N): the sample's Lorentzian centre and width fluctuate by
about Δ√(2/N) (the asymptotic sd of the Cauchy location and scale estimates), and the
incoherent part of z fluctuates by O(1/√N). The finite population's rate is read through the
same conformal map from its z, exact only on the Lorentzian manifold. Heavy-tailed
excitabilities make a few neurons fire very fast (the largest η_i is of order NΔ/π), so
finite runs need a fine step.

References
----------
E. Montbrió, D. Pazó and A. Roxin (2015), "Macroscopic description for networks of spiking
neurons", Phys. Rev. X 5, 021028 (the firing-rate equations, eq. 12; the bistable region,
Fig. 1; numbers not checked).
G. B. Ermentrout and N. Kopell (1986), "Parabolic bursting in an excitable system coupled
with a slow oscillation", SIAM J. Appl. Math. 46, 233-253 (the theta neuron).
T. B. Luke, E. Barreto and P. So (2013), "Complete classification of the macroscopic
behavior of a heterogeneous network of theta neurons", Neural Computation 25, 3207-3234.
"""

import math

import coupling as cp

NAME = "qif-population"
SUMMARY = ("Quadratic integrate-and-fire (theta) neurons with Lorentzian excitabilities and "
           "their exact Montbrio-Pazo-Roxin firing-rate equations; bistable above a cusp")

SOURCE = ("Montbrio, Pazo & Roxin 2015, Phys. Rev. X 5, 021028, eq. 12 "
          "(equation number not checked)")

#: |1 + z|² in the aggregates, the denominator of the conformal map.
DENOMINATOR = "((1 + X_cos)**2 + X_sin**2)"


def firing_rate_equations():
    """The MPR equations in (r_mf, v_mf), giving z through z̄ = (1 - W)/(1 + W)."""
    a, norm = "(pi*tau*r_mf)", "((1 + pi*tau*r_mf)**2 + v_mf**2)"
    return cp.Reduction(
        states={"r_mf": cp.Macro("(Delta/(pi*tau) + 2*r_mf*v_mf)/tau", 1 / math.pi),
                "v_mf": cp.Macro("(v_mf**2 + eta + S - (pi*tau*r_mf)**2)/tau", 0.0)},
        aggregates={"X_cos": f"(1 - {a}**2 - v_mf**2)/{norm}", "X_sin": f"2*v_mf/{norm}"},
        source=SOURCE)


def build():
    """The model with the defaults above (η = -5, Δ = 1, J = 15, τ = 1, I = 0: bistable)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"eta": -5.0, "Delta": 1.0, "J": 15.0, "tau": 1.0, "I": 0.0},
        policy=("I", "eta"),
        traits={"excitability": cp.Lorentzian("eta", "Delta"),
                "phase0": cp.Uniform(-math.pi, math.pi)},
        micro=cp.ODE(rhs={"theta": "((1 - cos(theta)) + (1 + cos(theta))*(excitability + S))"
                                   "/tau"},
                     initial={"theta": "phase0"}),
        aggregates={"X_cos": "cos(theta)", "X_sin": "sin(theta)"},
        context={"rate": f"(1 - X_cos**2 - X_sin**2)/(pi*tau*{DENOMINATOR})",
                 "voltage": f"2*X_sin/{DENOMINATOR}",
                 "S": "J*tau*rate + I"},
        reduction=firing_rate_equations(),
    )
