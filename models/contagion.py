r"""Complex contagion: threshold adoption on a clustered or a random network (Centola–Macy).

Unit i has adopted (:math:`x_i = 1`) or not (:math:`x_i = 0`). In discrete time, a unit adopts
once the *number* of its adopted neighbours reaches the integer ``threshold`` θ, and stays
adopted:

.. math::  x_{i,t+1} = x_{i,t} + (1 - x_{i,t})\, H\big(d_i L_{i,t} - \theta\big), \qquad
           L_{i,t} = \frac{1}{d_i} \sum_j W_{ij}\, x_{j,t},

with H(0) = 1. Up: the network-local aggregate ``near`` = :math:`L_i` (``cp.Local``, the
adopted share of i's neighbours through the model's ``network``) and the global adoption
share ``adoption`` = :math:`\frac1N \sum_i x_i`; down: the context ``seen`` = :math:`L_i`, what
each unit sees. θ = 1 is a simple contagion (one contact suffices), θ ≥ 2 a complex one
(affirmation from several sources). The run starts from a seed of adjacent adopters: a unit
and its neighbours (on the ring lattice a contiguous block of k + 1 units).

**Counts, not fractions.** The threshold is a count, as in Centola & Macy. The Local aggregate
is a neighbourhood *mean*, so the rule multiplies it by the unit's degree :math:`d_i`, a
:class:`~coupling.Fixed` trait ``degree`` holding the network's degrees: the count
:math:`d_i L_i` is exact for any degree sequence (units with unequal degrees keep the same
count threshold, so a fraction threshold θ/d_i that differs between them). On a k-regular
graph, and after degree-preserving rewiring (:func:`coupling.rewire`), this is the fraction
threshold τ = θ/k for every unit. The count is compared with θ less 1e-9, an allowance for
the rounding of 1/d_i (a count is a whole number).

**The clustered lattice.** On ``cp.ring_lattice(N, k)`` (k/2 neighbours on each side) a
contiguous block of s ≥ k/2 adopters spreads deterministically iff θ ≤ k/2: a unit at
distance δ beyond the block's edge has max(0, k/2 - δ + 1) adopted neighbours, so it adopts
iff δ ≤ k/2 - θ + 1. The block then grows by g = k/2 - θ + 1 units on each side per period
and saturates the ring after :math:`\lceil (N - s)/(2g) \rceil` periods; for θ > k/2 no unit
ever adopts. A random network with the same degrees (``rewiring=1``) has long ties that
reach units with a single adopted neighbour: they carry a simple contagion across the
network in O(log N) periods but stall a complex one at its seed (Centola & Macy 2007, the
weakness of long ties). In between, rewiring a fraction p of the lattice's ties: for k = 4,
θ = 2 the unit beyond a front needs both its ties into the block, kept with probability
r = (1 - p)², so each front advances a geometric number of units with mean r/(1 - r) and
the final count is about s + 2r/(1 - r): the lattice's advantage is lost once p is of order
1/N, while rewiring only shortens the saturation time of a simple contagion (the rewiring
experiment of Centola & Macy 2007, saturation time against the fraction of rewired ties).

**Mean-field limits** (``approximation=``):

* ``"homogeneous"``: the model's mean-field population, where the neighbourhood mean becomes
  the population mean (the homogeneous approximation): every unit sees the adoption share a,
  and adopts iff :math:`d\,a \ge \theta`. The limit is a step function of a: from a seed
  share :math:`a_0 < \theta/k` nothing spreads, from :math:`a_0 \ge \theta/k` everything
  adopts in one period, whatever the network. It misses both signatures (it cannot tell a
  lattice from a random graph and does not even spread a simple contagion from a small seed).
* ``"binomial"``: the tree (degree-based) approximation of a k-regular random graph with a
  random seed share :math:`a_0` (Gleeson & Cahalane 2007, for a degree distribution
  concentrated at k):

  .. math::  q_{t+1} = a_0 + (1 - a_0)\, P[\mathrm{Bin}(k - 1, q_t) \ge \theta], \qquad
             a_{t+1} = a_0 + (1 - a_0)\, P[\mathrm{Bin}(k, q_t) \ge \theta],

  where q is the probability that a neighbour has adopted, computed on the tree without the
  unit itself (so k - 1 of its ties count), and a the adoption share. It is exact on
  locally tree-like graphs as N → ∞, for every period of the synchronous dynamics here, and
  is violated by the clustered lattice, whose neighbours share neighbours. (The cruder
  closure :math:`a_{t+1} = a_0 + (1 - a_0) P[\mathrm{Bin}(k, a_t) \ge \theta]`, which counts
  all k ties, overestimates: 0.096 against 0.07 on random 4-regular graphs at
  :math:`a_0 = 0.05`, θ = 2.) For k = 4, θ = 2 the low fixed point meets the middle one in a
  fold at the critical seed share :math:`a_0 = 1/9` (where q = 1/4): smaller seeds stall,
  larger ones reach everyone. The model is a
  mean-field population of one node with two states, q and x, whose maps are the binomial
  tails written out as polynomials in the aggregate ``near`` = q; ``adoption`` = x. Since
  the tails are written for the given k and θ, this variant has the parameter
  ``seed_share`` only.

A finite threshold population is a step function of its aggregates: it is analysed by
simulation, while the smooth binomial limit can also be iterated to its fixed points
(``cp.equilibria``).

Parameters
----------
threshold : int, default 2
    θ, the number of adopted neighbours a unit needs (a parameter of the network and
    homogeneous variants, a build option of the binomial one).
seed_share : float, default 0.05
    :math:`a_0`, the seed share of the mean-field variants.

Build options: ``n`` (400 units), ``k`` (degree 4 of the ring lattice), ``rewiring`` (the
fraction of its ties moved by degree-preserving swaps, 0), ``network`` (any symmetric
adjacency instead of the rewired lattice), ``seeds`` (``"neighbourhood"``: unit 0 and its
neighbours; a share in (0, 1) of units drawn at random; or an array of unit indices),
``network_seed`` (seeds the rewiring and the random seeds, 0) and ``approximation`` (None, the
finite network; ``"homogeneous"``; ``"binomial"``).

References
----------
D. Centola and M. Macy (2007), "Complex contagions and the weakness of long ties", American
Journal of Sociology 113(3), 702-734 (threshold contagion on a ring lattice under
degree-preserving rewiring: long ties speed simple contagions and block complex ones).
J. P. Gleeson and D. J. Cahalane (2007), "Seed size strongly affects cascades on random
networks", Physical Review E 75, 056103 (the tree approximation with a seed share).
D. J. Watts (2002), "A simple model of global cascades on random networks", PNAS 99(9),
5766-5771 (the threshold cascade on random graphs).
"""

import math

import numpy as np

import coupling as cp
from coupling import _checks, networks
from coupling._errors import ArgumentError

NAME = "contagion"
SUMMARY = ("Threshold adoption on a network: complex contagions spread on clustered lattices "
           "and stall on random ties (Centola-Macy)")

#: Allowance for the rounding of a count computed as degree x neighbourhood mean.
COUNT_ROUNDING = 1e-9
ADOPTION = f"x + (1 - x)*(seen*degree >= threshold - {COUNT_ROUNDING})"


def build(threshold=2, n=400, k=4, rewiring=0.0, network=None, seeds="neighbourhood",
          network_seed=0, approximation=None):
    """The contagion model; see the module docstring for the options."""
    threshold = _checks.count(threshold, argument="threshold", minimum=1)
    if approximation == "binomial":
        return _binomial(threshold, _checks.count(k, argument="k", minimum=2))
    if approximation not in (None, "homogeneous"):
        raise ArgumentError(f"approximation must be None, 'homogeneous' or 'binomial', got "
                            f"{approximation!r}", argument="approximation")
    if network is None:
        network = cp.rewire(cp.ring_lattice(n, k), rewiring, seed=network_seed)
    degree = networks.degrees(network)
    if approximation == "homogeneous":
        values, counts = np.unique(degree, return_counts=True)
        return _model(threshold, cp.Discrete(values, counts / counts.sum()), "x",
                      initial="seed_share", population="mean-field", network=None)
    initial = seed_adopters(network, seeds, seed=network_seed)
    return _model(threshold, cp.Fixed(degree), cp.Local("x"), initial=initial,
                  population=network.shape[0], network=network)


def _model(threshold, degree, near, *, initial, population, network):
    """The threshold map; ``near`` is the Local mean on a network or the population mean."""
    parameters = {"threshold": float(threshold)}
    if isinstance(initial, str):
        parameters["seed_share"] = 0.05
    return cp.Model(
        name=NAME, description=SUMMARY, parameters=parameters,
        traits={"degree": degree},
        micro=cp.Map(rhs={"x": ADOPTION}, initial={"x": initial}),
        aggregates={"near": near, "adoption": "x"},
        context={"seen": "near"},
        time="discrete", population=population, network=network)


def _binomial(threshold, k):
    """The tree approximation of a k-regular random graph (Gleeson & Cahalane 2007)."""
    def tail(degree):  # P[Bin(degree, seen) >= threshold], a polynomial in seen
        return " + ".join(f"{math.comb(degree, m)}*seen**{m}*(1 - seen)**{degree - m}"
                          for m in range(threshold, degree + 1)) or "0"

    return cp.Model(
        name=NAME, description=SUMMARY + f" [binomial tree approximation, k = {k}]",
        parameters={"seed_share": 0.05},
        micro=cp.Map(rhs={"q": f"seed_share + (1 - seed_share)*({tail(k - 1)})",
                          "x": f"seed_share + (1 - seed_share)*({tail(k)})"},
                     initial={"q": "seed_share", "x": "seed_share"}),
        aggregates={"near": "q", "adoption": "x"},
        context={"seen": "near"},
        time="discrete", population="mean-field")


def seed_adopters(network, seeds="neighbourhood", *, seed=0):
    """The initial state x (1 = adopted): ``"neighbourhood"`` (unit 0 and its neighbours),
    a share in (0, 1) of the units drawn at random (seeded by ``seed``), or unit indices."""
    n = network.shape[0]
    if isinstance(seeds, str):
        if seeds != "neighbourhood":
            raise ArgumentError(f"seeds must be 'neighbourhood', a share in (0, 1) or unit "
                                f"indices, got {seeds!r}", argument="seeds")
        units = np.r_[0, network[[0]].indices]
    elif np.ndim(seeds) == 0:
        share = _checks.fraction(seeds, argument="seeds")
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
        units = rng.choice(n, size=round(share * n), replace=False)
    else:
        units = np.asarray(seeds, dtype=int)
        if units.ndim != 1 or units.size == 0 or units.min() < 0 or units.max() >= n:
            raise ArgumentError(f"seed units must be indices in [0, {n})", argument="seeds")
    x = np.zeros(n)
    x[units] = 1.0
    return x
