r"""Schelling's segregation models: relocation on a grid, and the bounded neighbourhood.

**Spatial model** (default). The units are the cells of a rows x cols torus, each tied to
its 8 Moore neighbours (:func:`coupling.torus_grid`). A cell's state is its occupant's group,

.. math::  x_i = +1 \ (\text{group A}), \qquad x_i = -1 \ (\text{group B}), \qquad
           x_i = 0 \ (\text{vacant}).

Up: the network-local aggregates :math:`a_i = \frac18\sum_{j \sim i} [x_j = 1]` and
:math:`b_i = \frac18\sum_{j \sim i} [x_j = -1]`, the shares of a cell's neighbours in each
group; down: the context ``seen_a``, ``seen_b``, what each cell sees. An occupant's
like-neighbour share is :math:`s_i = a_i / (a_i + b_i)` in A and :math:`b_i / (a_i + b_i)`
in B (an occupant without occupied neighbours counts as content, :math:`s_i = 1`). In every
period each occupant with :math:`s_i < \tau` (``tolerance``) tries to move to a vacant cell:

* ``move="random"``: the movers, in random order, take distinct vacant cells drawn at random
  (more movers than vacancies: the first ones in the order move);
* ``move="nearest"``: each mover takes the nearest vacant cell (torus distance) where its
  like-neighbour share would be at least τ, as seen at the start of the period; two movers
  wanting the same cell are served in random order and the other tries its next choice; a
  mover with no such cell stays.

All movers move at once (a whole-population :class:`coupling.Step`, ``activation="all"``):
the cells they leave are free from the next period on. The random start fills each cell
independently: A with probability σ(1 − v), B with (1 − σ)(1 − v), vacant with v (trait
``u ~ Uniform(0, 1)``, the cell's draw, read by the initial state only).

The aggregate ``like`` is the segregation index: the mean like-neighbour share over the
occupants with an occupied neighbour (≈ σ² + (1 − σ)² at the random start, 1/2 for
σ = 1/2; 1 for complete separation). The grid is a finite population only: its rule is a
black box with no mean-field limit (the bounded-neighbourhood model below has one).

Schelling's finding, reproduced in ``tests/test_model_schelling.py``: mild demands give
strong segregation. With τ = 1/3 the index rises from 1/2 to 0.75 ± 0.014 (30 x 30, 10 %
vacant, random moves; 0.71 ± 0.013 moving to the nearest satisfying vacancy; spread over 5
seeds), and the final index against τ is a staircase (like shares are fractions k/n,
n ≤ 8) whose steepest step is at τ just above 1/4, where a cell with 2 like neighbours of 8
becomes discontent.

**Bounded neighbourhood** (``bounded=True``; Schelling 1971, section "The bounded
neighborhood"). One neighbourhood, and a population of A members (share σ of all) and B
members. Each member has a tolerance: the largest ratio of the other group to its own it
accepts in the neighbourhood, distributed linearly ("tolerance schedules"): a member's
tolerated ratio is :math:`R_A \theta` in A and :math:`R_B \theta` in B with
:math:`\theta \sim \mathrm{Uniform}(0, 1)`, so the median A member accepts :math:`R_A/2`.
A member (state x = 1 inside, 0 outside; everyone starts inside) revises at rate 1/ε and
then is inside exactly when the ratio it sees is within its tolerance:

.. math::  P(x_i = 1) = H(\theta_i - \rho_{g_i} / R_{g_i}), \qquad
           \rho_A = w_B / w_A, \quad \rho_B = w_A / w_B,

with :math:`w_A, w_B` the shares of the whole population that are A and B members inside
(aggregates ``inside_a``, ``inside_b``; context ``ratio_a``, ``ratio_b``), group
g ~ Discrete({0: A, 1: B}, weights σ, 1 − σ). The mean field integrates the threshold over
the uniform tolerance exactly (its CDF) and follows :math:`\varepsilon \dot p = P - p`:

.. math::  \varepsilon \dot w_A = \sigma\,(1 - \min(1, \rho_A / R_A)) - w_A, \qquad
           \varepsilon \dot w_B = (1 - \sigma)(1 - \min(1, \rho_B / R_B)) - w_B.

Its interior equilibria are the intersections of the two schedules in the (w_A, w_B) plane,
:math:`w_B = R_A w_A (1 - w_A/\sigma)` and :math:`w_A = R_B w_B (1 - w_B/(1 - \sigma))`
(Schelling's parabolas, in shares of the population). For Schelling's numbers there is one,
31.0 A and 42.8 B of 100 + 50, a saddle: each group's willingness depends on the ratio
only, so the Jacobian plus the identity has rank one, with eigenvalues −1/ε and
(−1 + σ w_B/(R_A w_A²) + (1 − σ) w_A/(R_B w_B²))/ε = 1.398/ε. The all-A and all-B
neighbourhoods are the other equilibria; they attract, and the saddle is the tipping
point between them. At these corners the absent group sees an infinite ratio:
:func:`coupling.equilibria` finds them, but their spectrum is not computed (NaN).

A finite threshold population is a step function of its aggregates: it is simulated, while
equilibria and continuation run on the smooth mean-field limit. From everyone inside, both
end with every A member in and every B member out.

Parameters
----------
tolerance : float, default 1/3
    Spatial model: τ, the smallest like-neighbour share an occupant accepts.
vacancy : float, default 0.1
    Spatial model: the share v of vacant cells at the start (kept by every move).
share : float, default 1/2
    Spatial model: σ, the share of group A among the occupants.
tolerance_a, tolerance_b : float, default 2 and 5
    Bounded model: :math:`R_A`, :math:`R_B`, the ratios the most tolerant member of A and of
    B accepts (Schelling's example: 100 A members with R_A = 2, so the median accepts equal
    numbers, and 50 B members with R_B = 5).

Build options: ``rows``, ``cols`` (default 30 x 30), ``move`` ("random" or "nearest"),
``bounded``, and for the bounded model ``sizes`` (default (100, 50), Schelling's group
sizes): the finite population has sum(sizes) members and σ = sizes[0]/sum(sizes) (a build
option, since the weights of a ``cp.Discrete`` trait are numbers, not parameters).

References
----------
T. C. Schelling (1971), "Dynamic models of segregation", Journal of Mathematical Sociology
1(2), 143-186 (the spatial model with the like-neighbour demand of "a third"; the bounded-
neighbourhood model with linear tolerance schedules). T. C. Schelling (1978), *Micromotives
and Macrobehavior*, Norton, ch. 4 (the same schedules: 100 whites with maximum ratio 2,
50 blacks with maximum ratio 5).
"""

import numpy as np

import coupling as cp
from coupling import _checks

NAME = "schelling"
SUMMARY = "Schelling segregation: relocation of two groups on a torus grid; bounded neighbourhood"
MOVES = ("random", "nearest")


def build(rows=30, cols=30, move="random", bounded=False, sizes=(100, 50)):
    """The spatial model on a rows x cols torus (``move`` as in the module docstring), or
    with ``bounded=True`` the bounded-neighbourhood model of two groups of ``sizes``."""
    if bounded:
        return _bounded(sizes)
    move = _checks.known(move, MOVES, argument="move", what="a move rule", level="micro")
    network = cp.torus_grid(rows, cols)
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"tolerance": 1 / 3, "vacancy": 0.1, "share": 0.5},
        traits={"u": cp.Uniform(0, 1)},
        micro=cp.Step(_relocation(move, rows, cols),
                      initial={"x": "where(u < share*(1 - vacancy), 1, "
                                    "where(u < 1 - vacancy, -1, 0))"},
                      activation="all"),
        aggregates={"near_a": cp.Local("x*(x + 1)/2"), "near_b": cp.Local("x*(x - 1)/2"),
                    "like": cp.Statistic(_like_statistic(network))},
        context={"seen_a": "near_a", "seen_b": "near_b"},
        network=network,
        time="discrete",
        population=rows * cols,
    )


# --------------------------------------------------------------------------- spatial model
def like_share(x, seen_a, seen_b):
    """Each cell's like-neighbour share among its occupied neighbours, for an occupant of
    group sign(x) (1 where no neighbour is occupied); NaN for vacant cells."""
    occupied = seen_a + seen_b
    own = np.where(x > 0, seen_a, seen_b)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(occupied > 0, own / occupied, 1.0)
    return np.where(x != 0, share, np.nan)


def _neighbour_shares(network, x):
    degree = np.asarray(network.sum(axis=1)).ravel()
    return network @ (x > 0) / degree, network @ (x < 0) / degree


def _like_statistic(network):
    def like(state, traits, weights):
        x = state["x"]
        a, b = _neighbour_shares(network, x)
        counted = (x != 0) & (a + b > 0)
        return float(np.mean(like_share(x, a, b)[counted]))
    return like


def _relocation(move, rows, cols):
    """The whole-population step: every discontent occupant moves to a vacant cell."""
    def relocate(state, traits, context, params, rng, dt):
        x = state["x"]
        like = like_share(x, context["seen_a"], context["seen_b"])
        movers = np.flatnonzero(like < params["tolerance"])  # NaN (vacant) is never below
        vacant = np.flatnonzero(x == 0)
        if move == "random":
            origins, targets = _random_moves(movers, vacant, rng)
        else:
            origins, targets = _nearest_moves(x, movers, vacant, context, params, rng,
                                              rows, cols)
        new = x.copy()
        new[targets] = x[origins]
        new[origins] = 0.0
        return {"x": new}
    return relocate


def _random_moves(movers, vacant, rng):
    """Movers in random order, each to a distinct vacant cell drawn at random."""
    k = min(movers.size, vacant.size)
    return rng.permutation(movers)[:k], rng.permutation(vacant)[:k]


def _nearest_moves(x, movers, vacant, context, params, rng, rows, cols):
    """Each mover to its nearest satisfying vacant cell; claims on the same cell are served
    by a random priority, the others try again among the cells left (one round per
    conflict, every round settles at least one mover)."""
    seen = context["seen_a"][vacant], context["seen_b"][vacant]
    content = {g: like_share(np.full(vacant.size, g), *seen) >= params["tolerance"]
               for g in (1.0, -1.0)}  # for an occupant of group g at each vacancy
    satisfying = np.where(x[movers][:, None] > 0, content[1.0], content[-1.0])
    rows_in, cols_in = satisfying.any(axis=1), satisfying.any(axis=0)
    movers, vacant = movers[rows_in], vacant[cols_in]
    satisfying = satisfying[np.ix_(rows_in, cols_in)]
    options = np.where(satisfying, _torus_distance(movers, vacant, rows, cols), np.inf)
    options += rng.random(options.shape) * 1e-6  # random tie-breaking between equals
    priority = rng.permutation(movers.size)
    origins, targets = [], []
    while movers.size:
        choice = np.argmin(options, axis=1)
        able = np.flatnonzero(np.isfinite(options[np.arange(movers.size), choice]))
        if able.size == 0:
            break
        order = able[np.argsort(priority[able])]
        _, first = np.unique(choice[order], return_index=True)
        served = order[first]
        origins.append(movers[served])
        targets.append(vacant[choice[served]])
        options[served, :] = np.inf
        options[:, choice[served]] = np.inf
    if not origins:
        return movers[:0], vacant[:0]
    return np.concatenate(origins), np.concatenate(targets)


def _torus_distance(i, j, rows, cols):
    """Euclidean distance on the torus between cells i (rows) and j (columns)."""
    ri, ci = np.divmod(i, cols)
    rj, cj = np.divmod(j, cols)
    dr = np.abs(ri[:, None] - rj[None, :])
    dc = np.abs(ci[:, None] - cj[None, :])
    return np.hypot(np.minimum(dr, rows - dr), np.minimum(dc, cols - dc))


# --------------------------------------------------------------------------- bounded model
def _bounded(sizes):
    """One neighbourhood; members of A (g = 0) and B (g = 1) are in while the ratio of the
    other group to their own is within their tolerance R_g θ, θ ~ Uniform(0, 1)."""
    size_a, size_b = (_checks.positive(n, argument="sizes") for n in sizes)
    share = size_a / (size_a + size_b)
    content = ("(1 - g)*heaviside(theta - ratio_a/tolerance_a)"
               " + g*heaviside(theta - ratio_b/tolerance_b)")
    return cp.Model(
        name=NAME,
        description="Schelling's bounded neighbourhood: two groups with linear tolerance "
                    "schedules enter or leave one neighbourhood",
        parameters={"tolerance_a": 2.0, "tolerance_b": 5.0},
        traits={"g": cp.Discrete([0, 1], [share, 1 - share]), "theta": cp.Uniform(0, 1)},
        micro=cp.Choice("x", options=(0, 1), probabilities=(f"1 - ({content})", content),
                        initial=1.0),
        aggregates={"inside_a": "x*(1 - g)", "inside_b": "x*g"},
        context={"ratio_a": "inside_b/inside_a", "ratio_b": "inside_a/inside_b"},
        timescale=1.0,
        population=round(size_a + size_b),
    )
