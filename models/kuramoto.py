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

Bimodal frequencies (``omega0``)
--------------------------------
With the build option ``omega0`` = ω0 the frequencies are the equal mixture of two
Lorentzians of half-width Δ centred at ∓ω0 (``cp.Mixture``). Each component's local order
parameter, continued into the upper half plane to ω = ∓ω0 + iΔ, gives one complex state,
z₁ (at −ω0) and z₂ (at +ω0), with Z = (z₁ + z₂)/2 the population's order parameter and
H = K Z:

.. math::  \dot z_{1,2} = -(\Delta \pm i\omega_0)\, z_{1,2} + \tfrac12 (H - \bar H z_{1,2}^2),
           \qquad H = \tfrac K2 (z_1 + z_2),

the exact four-dimensional flow of Martens et al. (2009), derived here with the
Ott–Antonsen ansatz from the residues of g at its two poles in the upper half plane (the
paper's equation numbers were not checked against its published text). The frequency density is even, g(−ω) = g(ω), so the
model is symmetric under (θ, ω) → (−θ, −ω), which maps z₁ to z̄₂: the manifold z₂ = z̄₁
(Z real, ψ = 0) is invariant, and on it the flow is two real states z₁ = x + iy,

.. math::  \dot x = -\Delta x + \omega_0 y + \tfrac{H}{2} (1 - x^2 + y^2), \qquad
           \dot y = -\Delta y - \omega_0 x - H x y, \qquad H = K x,

declared with ``fixed_phase=True`` (``x_oa``, ``y_oa``; X_cos = x, X_sin = 0): the
rotations z_j e^{iφ} that make the equilibria of the four-dimensional flow circles are
removed, so the equilibria are isolated and a continuation in K is regular. The standing
waves (Z real and oscillating) lie on it. Its incoherent state x = y = 0 has

.. math::  \lambda = \tfrac K4 - \Delta \pm \sqrt{K^2/16 - \omega_0^2}

(trace K/2 − 2Δ, determinant Δ² + ω0² − KΔ/2; in the four-dimensional flow each twice:
its linearisation at z₁ = z₂ = 0 is complex-linear, a 2 × 2 complex matrix with these
eigenvalues, and the real 4 × 4 Jacobian adds their conjugates). It loses stability

* for ω0 < Δ at :math:`K = 2(\Delta^2 + \omega_0^2)/\Delta` (= 2/(π g(0)), Kuramoto's
  threshold), where a real eigenvalue crosses zero: a pitchfork to partial synchrony, the
  branch point of a continuation;
* for ω0 > Δ at :math:`K = 4\Delta`, where the complex pair crosses with frequency
  :math:`\sqrt{\omega_0^2 - \Delta^2}`: a Hopf bifurcation to the standing wave.

(At ω0 = Δ both meet at K = 4Δ.) With ω0 = 0 the unimodal case is recovered (K_c = 2Δ).

Parameters
----------
K : float
    Coupling strength (default 3, above K_c = 2: r = 1/√3).
Delta : float
    Half-width Δ of the Lorentzian of natural frequencies (default 1; bimodal: of each
    component).

Build options: ``fixed_phase`` (default False; see above) and ``omega0`` (default None:
unimodal; a number ω0 >= 0: the two Lorentzians sit at ∓ω0; a build option, not a
parameter, because a Lorentzian's centre is a number or a parameter name, not −ω0).

Units start with phases spread uniformly on (−π, π) (a trait ``phase0``; r(0) = O(1/√N));
the reduction starts from z = 0.01 (bimodal: z₁ = z₂ = 0.01), a small seed of coherence (z = 0 is itself an
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
026204 (the bimodal Lorentzian case, its four-dimensional reduction and the boundaries
K = 4Δ (Hopf) and K = 2(Δ² + ω0²)/Δ (pitchfork) of the incoherent state; equation numbers
not checked here).
"""

import math

import coupling as cp

NAME = "kuramoto"
SUMMARY = ("Kuramoto phase oscillators with Lorentzian (or bimodal Lorentzian) frequencies "
           "and their exact Ott-Antonsen mean field; synchronisation sets in at K_c = 2 Delta")

SOURCE = "Ott & Antonsen 2008, Chaos 18, 037113, eq. 12"
BIMODAL_SOURCE = "Martens et al. 2009, Phys. Rev. E 79, 026204 (equation numbers not checked)"


def oa_rates(x, y, center=None):
    """Real and imaginary parts of ż = (-Δ + ic) z + (H - H̄ z²)/2 for z = x + iy: the
    Ott–Antonsen equation of a Lorentzian component centred at c (None: c = 0), with the
    context H = H_cos + i H_sin."""
    turn_re, turn_im = ("", "") if center is None else (f" - ({center})*{y}",
                                                        f" + ({center})*{x}")
    return (f"-Delta*{x}{turn_re} + (H_cos - H_cos*({x}**2 - {y}**2) - 2*H_sin*{x}*{y})/2",
            f"-Delta*{y}{turn_im} + (H_sin - 2*H_cos*{x}*{y} + H_sin*({x}**2 - {y}**2))/2")


def unimodal(fixed_phase):
    """Ott–Antonsen for Lorentzian(0, Δ): z = X_cos + i X_sin, or r on the line ψ = 0."""
    if fixed_phase:
        return cp.Reduction(
            states={"r_oa": cp.Macro("-Delta*r_oa + H_cos*(1 - r_oa**2)/2", 0.01)},
            aggregates={"X_cos": "r_oa", "X_sin": "0"},
            source=SOURCE + " on the invariant line psi = 0")
    re, im = oa_rates("z_re", "z_im")
    return cp.Reduction(states={"z_re": cp.Macro(re, 0.01), "z_im": cp.Macro(im, 0.0)},
                        aggregates={"X_cos": "z_re", "X_sin": "z_im"}, source=SOURCE)


def bimodal(omega0, fixed_phase):
    """Ott–Antonsen for the mixture of Lorentzian(∓ω0, Δ): z₁ (at -ω0) and z₂ (at +ω0), or
    z₁ = x + iy alone on the symmetric manifold z₂ = z̄₁ (Z = x real)."""
    w = repr(float(omega0))
    if fixed_phase:
        return cp.Reduction(
            states={"x_oa": cp.Macro(f"-Delta*x_oa + {w}*y_oa"
                                     " + H_cos*(1 - x_oa**2 + y_oa**2)/2", 0.01),
                    "y_oa": cp.Macro(f"-Delta*y_oa - {w}*x_oa - H_cos*x_oa*y_oa", 0.0)},
            aggregates={"X_cos": "x_oa", "X_sin": "0"},
            source=BIMODAL_SOURCE + "; the symmetric manifold z2 = conj(z1)")
    re1, im1 = oa_rates("z1_re", "z1_im", f"-{w}")
    re2, im2 = oa_rates("z2_re", "z2_im", w)
    return cp.Reduction(
        states={"z1_re": cp.Macro(re1, 0.01), "z1_im": cp.Macro(im1, 0.0),
                "z2_re": cp.Macro(re2, 0.01), "z2_im": cp.Macro(im2, 0.0)},
        aggregates={"X_cos": "(z1_re + z2_re)/2", "X_sin": "(z1_im + z2_im)/2"},
        source=BIMODAL_SOURCE)


def frequencies(omega0):
    """Lorentzian(0, Δ), or the equal mixture of Lorentzian(∓ω0, Δ)."""
    if omega0 is None:
        return cp.Lorentzian(0.0, "Delta")
    return cp.Mixture([cp.Lorentzian(-float(omega0), "Delta"),
                       cp.Lorentzian(float(omega0), "Delta")], [0.5, 0.5])


def build(fixed_phase=False, omega0=None):
    """The model with the defaults above (K = 3, Δ = 1: r = 1/√3 on the OA branch).

    ``fixed_phase=True`` declares the reduction on the invariant line ψ = 0 (z = r real,
    X_sin = 0; bimodal: on the symmetric manifold z₂ = z̄₁, where Z is real), which removes
    the rotational symmetry: the equilibria are then isolated and can be continued in K.
    ``omega0`` (a number >= 0): bimodal frequencies, Lorentzians of half-width Δ at ±ω0.
    """
    if omega0 is not None and not (isinstance(omega0, (int, float)) and omega0 >= 0):
        raise cp.ArgumentError(f"omega0 must be a number >= 0 or None, got {omega0!r}")
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"K": 3.0, "Delta": 1.0},
        policy=("K",),
        traits={"omega": frequencies(omega0),
                "phase0": cp.Uniform(-math.pi, math.pi)},
        micro=cp.ODE(rhs={"theta": "omega + H_sin*cos(theta) - H_cos*sin(theta)"},
                     initial={"theta": "phase0"}),
        aggregates={"X_cos": "cos(theta)", "X_sin": "sin(theta)"},
        context={"H_cos": "K*X_cos", "H_sin": "K*X_sin"},
        reduction=unimodal(fixed_phase) if omega0 is None else bimodal(omega0, fixed_phase),
    )
