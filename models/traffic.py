r"""Optimal-velocity traffic: N cars on a ring road and the onset of stop-and-go waves (Bando et al.).

Car i has headway :math:`h_i = x_{i+1} - x_i` (the distance to the car ahead; car N - 1 follows
car 0 around a ring of length L) and speed :math:`v_i`. It accelerates towards the optimal
velocity of its headway with sensitivity a:

.. math::  \dot v_i = a\,\big(V(h_i) - v_i\big), \qquad V(h) = \tanh(h - 2) + \tanh 2,

.. math::  \dot h_i = v_{i+1} - v_i + \kappa\,(b - \bar h), \qquad
           \bar h = \frac1N \sum_j h_j .

The micro state is (headway, speed), bounded, rather than the unbounded position. The speed of
the car ahead is a network-local aggregate: ``ahead`` = ``cp.Local("v")`` on the *directed*
ring whose row i has one entry, at i + 1 (mod N), so :math:`L_i = v_{i+1}` exactly. The sum
of the headways is the ring length, :math:`\sum_i h_i = L = N b`, conserved by the
car-following equations; the term :math:`\kappa (b - \bar h)` is zero on every trajectory
that starts on the ring of length L, and makes that constraint attracting (rate κ) instead of
neutral, so that the uniform flow is an isolated equilibrium with an invertible Jacobian. It
changes only the uniform mode m = 0 (eigenvalues -κ and -a), none of the travelling modes.

Up: the speed of the car ahead (Local), the mean headway, and the outputs ``speed`` (mean
speed), ``flow`` (q = ρ ⟨v⟩ with density ρ = 1/b) and ``speed_variance``. Down: the context
``v_ahead`` (what each car sees) and ``mean_headway``.

**Linear stability of the uniform flow.** :math:`h_i = b`, :math:`v_i = V(b)`. The Jacobian is
circulant: the mode :math:`\exp(2\pi i\, m j / N)` (θ = 2πm/N) has eigenvalues λ with
:math:`\lambda(\lambda + a) = a V'(b)\,(e^{i\theta} - 1)`. A root crosses the imaginary axis,
λ = iω, where :math:`\omega = V'(b)\sin\theta` and :math:`a = V'(b)(1 + \cos\theta) =
2V'(b)\cos^2(\theta/2)`; the mode m is unstable iff :math:`a < 2 V'(b) \cos^2(\pi m/N)`. The
first to destabilise is m = 1 (with its conjugate m = N - 1): on a ring of N cars uniform flow
is unstable iff

.. math::  a < a_c(N) = 2 V'(b) \cos^2(\pi/N),

a Hopf point at frequency :math:`\omega = V'(b) \sin(2\pi/N)`; as N → ∞ this is Bando et al.'s
condition a < 2V'(b) (their eq. 12, with their f(Δx) = V). Below a_c a small perturbation grows
into stop-and-go waves that travel backwards: cars in a jam nearly stop, cars between jams
drive near the free speed.

**Flow–density.** Uniform flow carries q = ρ V(1/ρ). Inside the unstable band the jammed
flow lies on the chord between the jam and the free flow (Bando et al. 1995, Fig. 8): below
the uniform curve where V is concave (b > 2, the low-density side), above it where V is
convex (b < 2).

**No mean-field limit.** The car ahead is one car: replacing it by the mean car (the
homogeneous approximation, ``cp.Mean`` for ``cp.Local``) keeps the uniform state but only its
mode m = 0, which is always stable. The model is therefore a finite population with a
network; equilibria and continuation run on it directly (sparse Jacobian).

Parameters
----------
a : float, default 1.0
    Sensitivity (inverse reaction time).
b : float, default 2.0
    Mean headway L/N (inverse density); V'(2) = 1, so a_c = 2 cos²(π/N).
kappa : float, default 1.0
    Rate at which the ring-length constraint attracts (no effect on trajectories of the
    ring of length N b).

Build options: ``n`` (cars, default 100), ``perturbation`` (default 0.1: car 0 is moved
this far forward at time 0, so h_0 = b - δ and h_{N-1} = b + δ, the sum unchanged).

References
----------
M. Bando, K. Hasebe, A. Nakayama, A. Shibata and Y. Sugiyama (1995), "Dynamical model of
traffic congestion and numerical simulation", Physical Review E 51(2), 1035-1042 (the model,
eqs. 2 and 6 with V of eq. 17; the stability condition eq. 12; the flow-density diagram,
Fig. 8).
"""

import numpy as np
from scipy import sparse

import coupling as cp
from coupling import _checks

NAME = "traffic"
SUMMARY = ("Optimal-velocity traffic on a ring road (Bando et al.): uniform flow loses "
           "stability at a Hopf point a = 2V'(b)cos²(π/N), stop-and-go waves below")

OPTIMAL_VELOCITY = "tanh(h - 2) + tanh(2)"


def car_ahead(n):
    """The directed ring: row i has a single 1, at column i + 1 (mod n)."""
    i = np.arange(n)
    return sparse.csr_matrix((np.ones(n), (i, (i + 1) % n)), shape=(n, n))


def optimal_velocity(h):
    """V(h) = tanh(h - 2) + tanh 2."""
    return np.tanh(np.asarray(h) - 2) + np.tanh(2)


def critical_sensitivity(b, n):
    """a_c = 2 V'(b) cos²(π/N): uniform flow on a ring of N cars is unstable below it."""
    return 2 / np.cosh(b - 2) ** 2 * np.cos(np.pi / n) ** 2


def build(n=100, perturbation=0.1):
    """N cars on a ring road; car 0 displaced forward by ``perturbation``."""
    n = _checks.count(n, argument="n", minimum=3)
    bump = np.zeros(n)
    bump[0], bump[-1] = -perturbation, perturbation
    return cp.Model(
        name=NAME, description=SUMMARY,
        parameters={"a": 1.0, "b": 2.0, "kappa": 1.0},
        traits={"bump": cp.Fixed(bump)},
        micro=cp.ODE({"h": "v_ahead - v + kappa*(b - mean_headway)",
                      "v": f"a*({OPTIMAL_VELOCITY} - v)"},
                     initial={"h": "b + bump", "v": "tanh(b - 2) + tanh(2)"}),
        aggregates={"ahead": cp.Local("v"), "headway": cp.Mean("h"), "speed": cp.Mean("v"),
                    "flow": cp.Mean("v/b"), "speed_variance": cp.Variance("v")},
        context={"v_ahead": "ahead", "mean_headway": "headway"},
        population=n, network=car_ahead(n))
