r"""Kuramoto phase oscillators with Lorentzian frequencies and their Ott–Antonsen mean field.

Oscillator i has a phase :math:`\theta_i` and a natural frequency
:math:`\omega_i \sim \mathrm{Lorentzian}(0, \Delta)` (a trait), and is pulled towards the
population's mean phase:

.. math::  \dot\theta_i = \omega_i + K r \sin(\psi - \theta_i),
           \qquad r e^{i\psi} = \frac1N \sum_j e^{i\theta_j}.

Up: the order parameter z = r e^{iψ} as two real aggregates, ``X_cos`` = mean cos θ and
``X_sin`` = mean sin θ (so r = |z| and ψ = arg z). Down: the coupling through the context,
``H_cos`` = K X_cos and ``H_sin`` = K X_sin, the field H = K z each unit sees:
:math:`K r \sin(\psi - \theta_i) = H_{\sin} \cos\theta_i - H_{\cos} \sin\theta_i`.

Mean field: the Ott–Antonsen reduction
--------------------------------------
For Lorentzian frequencies centred at 0 the densities of the Poisson-kernel form are
invariant and attracting, and on them the order parameter obeys exactly

.. math::  \dot z = -\Delta z + \tfrac12 (H - \bar H z^2), \qquad H = K z,

i.e. :math:`\dot z = -\Delta z + \tfrac K2 (z - \bar z z^2)` (Ott & Antonsen 2008, eq. 12
with a Lorentzian g). The model declares it as its :class:`~coupling.Reduction`: two real
states ``z_re``, ``z_im`` whose values are the aggregates ``X_cos``, ``X_sin``; the
mean-field population (the default) runs it in every analysis, written with the context
H so that the down edge is the model's own. In polar form
:math:`\dot r = -\Delta r + \tfrac K2 r (1 - r^2)`, :math:`\dot\psi = 0`: the incoherent
state r = 0 loses stability at :math:`K_c = 2\Delta` (Kuramoto 1975) in a pitchfork, and the
partially synchronised state :math:`r = \sqrt{1 - 2\Delta/K}` exists for K > K_c
(Strogatz 2000, eq. 5.12; Ott & Antonsen 2008, eq. 14). The phase ψ is a continuous
symmetry: every rotation :math:`z e^{i\phi}` of an equilibrium is an equilibrium, so the
synchronised state is a circle of equilibria with one zero eigenvalue (the neutral
direction along the circle); its other eigenvalue is :math:`-(K - 2\Delta)` (radial).
``cp.equilibria`` reports it as "stable transversally, neutral along a 1-dimensional family
of equilibria", and a continuation along it stops (its Jacobian is singular). At K_c the
incoherent state has the double eigenvalue K/2 − Δ, so det J does not change sign and a
continuation reports the crossing as a guess only. The build option ``fixed_phase=True``
restricts the reduction to the invariant line ψ = 0,
:math:`\dot r = -\Delta r + \tfrac K2 r (1 - r^2)` (``r_oa``, with X_sin = 0): a
pitchfork with isolated equilibria, which ``cp.continuation`` follows through K_c.

Parameters
----------
K : float
    Coupling strength (default 3, above K_c = 2: r = 1/√3).
Delta : float
    Half-width Δ of the Lorentzian of natural frequencies (default 1).

Units start with phases spread uniformly on (−π, π) (a trait ``phase0``; r(0) = O(1/√N));
the reduction starts from z = 0.01, a small seed of coherence (z = 0 is itself an
equilibrium).

Finite population and mean field
--------------------------------
N oscillators with sampled frequencies fluctuate around the Ott–Antonsen value: the
time-averaged r of a finite population differs from :math:`\sqrt{1 - 2\Delta/K}` by
:math:`O(1/\sqrt N)`, from the sampled frequencies (quenched disorder) and the incoherent
oscillators' fluctuations (Strogatz 2000, §5). Heavy-tailed frequencies make a few
oscillators very fast (the largest is of order NΔ/π), so finite runs need a fine step.

References
----------
Y. Kuramoto (1975), "Self-entrainment of a population of coupled non-linear oscillators",
Lecture Notes in Physics 39, 420-422.
S. H. Strogatz (2000), "From Kuramoto to Crawford: exploring the onset of synchronization
in populations of coupled oscillators", Physica D 143, 1-20 (K_c = 2Δ and r = √(1 − K_c/K)
for Lorentzian g, eq. 5.12).
E. Ott and T. M. Antonsen (2008), "Low dimensional behavior of large systems of globally
coupled oscillators", Chaos 18, 037113 (the reduction, eqs. 12-14).
E. A. Martens, E. Barreto, S. H. Strogatz, E. Ott, P. So and T. M. Antonsen (2009), "Exact
results for the Kuramoto model with a bimodal frequency distribution", Phys. Rev. E 79,
026204 (the bimodal case, not included here).
"""

import math

import coupling as cp

NAME = "kuramoto"
SUMMARY = ("Kuramoto phase oscillators with Lorentzian frequencies and their exact "
           "Ott-Antonsen mean field; synchronisation sets in at K_c = 2 Delta")

OTT_ANTONSEN = cp.Reduction(
    states={"z_re": cp.Macro("-Delta*z_re + (H_cos - H_cos*(z_re**2 - z_im**2)"
                             " - 2*H_sin*z_re*z_im)/2", 0.01),
            "z_im": cp.Macro("-Delta*z_im + (H_sin - 2*H_cos*z_re*z_im"
                             " + H_sin*(z_re**2 - z_im**2))/2", 0.0)},
    aggregates={"X_cos": "z_re", "X_sin": "z_im"},
    source="Ott & Antonsen 2008, Chaos 18, 037113, eq. 12")

OTT_ANTONSEN_FIXED_PHASE = cp.Reduction(
    states={"r_oa": cp.Macro("-Delta*r_oa + H_cos*(1 - r_oa**2)/2", 0.01)},
    aggregates={"X_cos": "r_oa", "X_sin": "0"},
    source="Ott & Antonsen 2008, Chaos 18, 037113, eq. 12 on the invariant line psi = 0")


def build(fixed_phase=False):
    """The model with the defaults above (K = 3, Δ = 1: r = 1/√3 on the OA branch).

    ``fixed_phase=True`` declares the reduction on the invariant line ψ = 0 (z = r real,
    X_sin = 0), which removes the rotational symmetry: the synchronised state is then an
    isolated equilibrium and can be continued in K.
    """
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"K": 3.0, "Delta": 1.0},
        policy=("K",),
        traits={"omega": cp.Lorentzian(0.0, "Delta"),
                "phase0": cp.Uniform(-math.pi, math.pi)},
        micro=cp.ODE(rhs={"theta": "omega + H_sin*cos(theta) - H_cos*sin(theta)"},
                     initial={"theta": "phase0"}),
        aggregates={"X_cos": "cos(theta)", "X_sin": "sin(theta)"},
        context={"H_cos": "K*X_cos", "H_sin": "K*X_sin"},
        reduction=OTT_ANTONSEN_FIXED_PHASE if fixed_phase else OTT_ANTONSEN,
    )
