r"""An SIR epidemic with risk-averse contact behaviour: individuals cut their contacts when
the prevalence they perceive is high, and the epidemic peak falls.

Micro form (default, ``form="micro"``): each individual is a continuous-time Markov unit
(:class:`coupling.Markov`) in state ``health`` = 0 (susceptible), 1 (infected) or 2
(recovered). A susceptible is infected at rate :math:`\beta\,\kappa\, I/(1 + k I)` and an
infected recovers at rate γ, with :math:`\beta = R_0 \gamma`. Up: the shares S, I, R. Down:
the perceived prevalence I and the contact level κ it induces. Each individual chooses
between normal contact (1) and reduced contact c by a logit on perceived risk, with the
utility advantage :math:`u_0 - a I` of normal contact; the contact level of the population
is the expected choice

.. math::  \kappa(I) = c + (1 - c)\,\Lambda(u_0 - a I), \qquad \Lambda(u) = 1/(1 + e^{-u}),

(the instantaneous limit of the contact revisions, which are fast next to the epidemic).
``behaviour=False`` keeps contact at κ = 1. The mean field is the master equation of the
shares,

.. math::  \dot S = -\frac{\beta \kappa(I) S I}{1 + k I}, \qquad
           \dot I = \frac{\beta \kappa(I) S I}{1 + k I} - \gamma I, \qquad \dot R = \gamma I.

Macro form (``form="macro"``): the same equations with S, I, R as macro variables, and the
contact choice as the micro level: a :class:`coupling.Choice` of ``contact`` = 0 (reduced to
c) or 1 (normal) with probabilities :math:`(1 - \Lambda, \Lambda)(u_0 - a I)`, revised at rate
1/τ; κ is the mean of c + (1 - c) contact. For τ → 0 it is the micro form's mean field; without behaviour the two are the
same equations.

Signatures reproduced
---------------------
* Constant contact, k = 0 (Kermack & McKendrick 1927): the final size
  :math:`r_\infty = 1 + W(-R_0 e^{-R_0})/R_0` (W the principal branch of Lambert's W; 0.8926
  at R0 = 2.5) and the peak prevalence :math:`I_{max} = 1 - (1 + \ln R_0)/R_0` (0.2335), for
  an outbreak from a vanishing infected share.
* Saturated incidence βSI/(1 + kI) (Capasso & Serio 1978): along an orbit,
  with ρ = 1/R0 and m = k ρ ≠ 1, dI/dS = -1 + ρ(1 + k I)/S integrates to the first integral

  .. math::  I = C S^m - \frac{S}{1 - m} - \frac{\rho}{m},

  C fixed by (S_0, I_0). The final size solves it at I = 0, and the peak is where it meets
  :math:`S = \rho(1 + k I)`.
* Behaviour: at the peak :math:`R_0\, \kappa(I)\, S/(1 + k I) = 1`, so a contact level that
  falls with prevalence reaches the peak at a lower I.

Parameters
----------
R0 : float
    Basic reproduction number β/γ at full contact (default 2.5).
gamma : float
    Recovery rate γ (default 1: time in mean infectious periods).
k : float
    Saturation of the incidence (default 0: mass action).
a : float
    Risk aversion: the utility loss of normal contact per unit of perceived prevalence
    (default 100).
u0 : float
    Utility advantage of normal contact at zero prevalence (default 4; Λ(4) = 0.982).
c : float
    Contact level of the reduced option (default 0.3).
tau : float
    Macro form only: the time constant of the contact revisions (default 0.01).

Build options: ``form`` ("micro" or "macro"), ``behaviour`` (default True), and
``infected`` (the initial infected share, default 1e-3; everyone else susceptible, with
normal contact).

Finite population and mean-field limit: N Markov individuals jump at these rates with the
prevalence frozen over each step dt (an O(dt) error) and fluctuate about the master
equation by O(1/√N); the final size of a major outbreak has fluctuations amplified by the
feedback factor 1/(1 - R0 S_∞) of the final-size relation. An outbreak from few infected
dies out early with probability about 1/R0 per initial infected (branching-process
limit), which the mean field does not see: start finite runs with enough infected.

References
----------
W. O. Kermack and A. G. McKendrick (1927), "A contribution to the mathematical theory of
epidemics", Proceedings of the Royal Society A 115, 700-721 (final-size relation).
V. Capasso and G. Serio (1978), "A generalization of the Kermack-McKendrick deterministic
epidemic model", Mathematical Biosciences 42, 43-61 (saturated incidence g(I) S, here
g(I) = βI/(1 + kI)).
S. Funk, M. Salathé and V. A. A. Jansen (2010), "Modelling the influence of human behaviour
on the spread of infectious diseases: a review", Journal of the Royal Society Interface 7,
1247-1256 (behavioural response to perceived prevalence).
"""

import coupling as cp

NAME = "epidemic"
SUMMARY = ("SIR epidemic with logit contact choice on perceived prevalence (Markov units or "
           "macro S-I-R), saturated incidence: final size, peak, behaviour lowers the peak")

PARAMETERS = {"R0": 2.5, "gamma": 1.0, "k": 0.0, "a": 100.0, "u0": 4.0, "c": 0.3}
CONTACT = "c + (1 - c)*logistic(u0 - a*I_seen)"
INCIDENCE = "R0*gamma*{kappa}*I_seen/(1 + k*I_seen)"  # per susceptible


def build(form="micro", behaviour=True, infected=1e-3):
    """The epidemic as Markov individuals (``form="micro"``) or as macro S, I, R with the
    contact choice as the micro level (``form="macro"``)."""
    if form not in ("micro", "macro"):
        raise cp.ArgumentError(f"form must be 'micro' or 'macro', got {form!r}")
    if not 0 < infected < 1:
        raise cp.ArgumentError(f"infected must be a share in (0, 1), got {infected!r}")
    if form == "macro":
        return _macro(behaviour, infected)
    return cp.Model(
        name=NAME, description=SUMMARY, parameters=PARAMETERS,
        micro=cp.Markov("health", options=(0, 1, 2),
                        rates={(0, 1): INCIDENCE.format(kappa="kappa"), (1, 2): "gamma"},
                        initial=(1 - infected, infected, 0.0)),
        aggregates={"S": cp.Share(0), "I": cp.Share(1), "R": cp.Share(2)},
        context={"I_seen": "I", "kappa": CONTACT if behaviour else "1"},
    )


def _macro(behaviour, infected):
    """Macro S, I, R; the contact choice (0: reduced to c, 1: normal) revised at rate 1/tau."""
    probabilities = (cp.logit(["0", "u0 - a*I_seen"]) if behaviour else (0.0, 1.0))
    force = "R0*gamma*kappa*S*I/(1 + k*I)"
    return cp.Model(
        name=NAME, description=SUMMARY, parameters={**PARAMETERS, "tau": 0.01},
        micro=cp.Choice("contact", options=(0, 1), probabilities=probabilities, initial=1),
        aggregates={"kappa": cp.Mean("c + (1 - c)*contact")},
        context={"I_seen": "I"},
        macro={"S": cp.Macro(f"-{force}", 1 - infected),
               "I": cp.Macro(f"{force} - gamma*I", infected),
               "R": cp.Macro("gamma*I", 0.0)},
        timescale="tau",
    )
