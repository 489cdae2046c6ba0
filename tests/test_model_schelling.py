r"""Schelling (1971), "Dynamic models of segregation", J. Math. Sociol. 1(2), 143-186.

Spatial model (30 x 30 torus, Moore neighbourhood, 10 % vacancies, two equal groups):

1. Mild preferences, strong segregation: with Schelling's demand that a third of one's
   neighbours be alike (τ = 1/3), the mean like-neighbour share rises from 1/2 at the
   random start to well above 0.7 (measured 0.752 ± 0.014 over 5 seeds with random moves,
   0.714 ± 0.013 with moves to the nearest satisfying vacancy).
2. Tipping: the final segregation against τ rises steeply where a cell with 2 like
   neighbours out of 8 becomes discontent, between τ = 0.25 and 0.30.

Bounded neighbourhood (Schelling's linear tolerance schedules, 100 A with maximum ratio 2,
50 B with maximum ratio 5): the equilibria of the mean field are the intersections of the
schedules, computed here in closed form, and the all-A and all-B neighbourhoods.
"""

import numpy as np
import pytest
from coupling.models import schelling
from numpy.polynomial import Polynomial
from scipy import sparse

import coupling as cp

PERIODS = 30
SEEDS = (0, 1, 2)


@pytest.fixture(scope="module")
def grid():
    return cp.load("schelling", rows=30, cols=30)


def _occupied_pairs(network, x):
    occupied = sparse.diags((x != 0).astype(float))
    return int((occupied @ network @ occupied).sum() / 2)


@pytest.mark.parametrize("move, floor", [("random", 0.70), ("nearest", 0.65)])
def test_a_third_alike_gives_segregation_far_above_the_demand(grid, move, floor):
    r"""Start: for σ = 1/2 the index is a weighted mean of [x_i = x_j] over the M occupied
    neighbour pairs, pairwise independent Bernoulli(1/2): mean 1/2, sd about 1/(2 sqrt M)
    (M ≈ 2900); allowed 4 sd. End: every seed above ``floor``, 3.6 (random) and 4.9
    (nearest) standard deviations of the spread over seeds (0.014, 0.013) below the
    measured means 0.752 and 0.714 (more than twice the demand τ = 1/3). Moves keep every
    group's count exactly."""
    model = grid.with_parameters(tolerance=1 / 3) if move == "random" else \
        cp.load("schelling", move="nearest")
    for seed in SEEDS:
        run = cp.simulate(model, t_end=PERIODS, seed=seed, micro_snapshots=True)
        x0 = run.micro[0][:, 0]
        pairs = _occupied_pairs(model.network, x0)
        assert abs(run["like"][0] - 0.5) < 4 / (2 * np.sqrt(pairs))
        assert run["like"][-1] > floor
        for group in (-1, 0, 1):
            np.testing.assert_array_equal(
                [(snapshot[:, 0] == group).sum() for snapshot in run.micro],
                (x0 == group).sum())


def test_segregation_tips_between_a_quarter_and_three_tenths(grid):
    """Final index (mean of 3 seeds) on τ = 0.05, 0.10, ..., 0.50. Like shares are
    fractions k/n (n <= 8 occupied neighbours), so the curve is a staircase; its largest
    step is from τ = 0.25 (0.58) to 0.30 (0.75): 0.17, where every other step is at most
    0.07 (measured). The spread of a 3-seed mean is at most 0.021/sqrt(3) = 0.012, so a
    difference of steps has sd below 0.025: the margin 0.08 between the largest step and
    the next is over 3 sd. Below the tipping the index stays under 0.62, above it it
    exceeds 0.70."""
    taus = np.round(np.arange(0.05, 0.501, 0.05), 2)
    final = np.array([
        np.mean([cp.simulate(grid.with_parameters(tolerance=t), t_end=PERIODS, seed=s)
                 ["like"][-1] for s in SEEDS]) for t in taus])
    steps = np.diff(final)
    steepest = int(np.argmax(steps))
    assert (taus[steepest], taus[steepest + 1]) == (0.25, 0.30)
    assert steps[steepest] - np.sort(steps)[-2] > 0.05
    assert np.all(final[taus <= 0.25] < 0.62) and np.all(final[taus >= 0.30] > 0.70)


def test_like_share_and_move_options():
    """The like-neighbour share reads the own group's neighbours among the occupied ones
    (1 with none occupied); an unknown move is refused with the closest name."""
    share = schelling.like_share(np.array([1.0, -1.0, 0.0, 1.0]),
                                 np.array([0.25, 0.25, 0.5, 0.0]),
                                 np.array([0.5, 0.5, 0.5, 0.0]))
    np.testing.assert_allclose(share[[0, 1, 3]], [1 / 3, 2 / 3, 1.0], rtol=0, atol=1e-15)
    assert np.isnan(share[2])
    with pytest.raises(cp.DeclarationError, match="did you mean 'nearest'"):
        cp.load("schelling", move="near")


# --------------------------------------------------------------------------- bounded
SIGMA, R_A, R_B = 2 / 3, 2.0, 5.0


def schedule_intersection(r_b=R_B):
    r"""The interior intersection of the tolerance schedules w_B = R_A w_A (1 - w_A/σ) and
    w_A = R_B w_B (1 - w_B/(1 - σ)): substituting the second into the first gives a quartic
    in w_B (np.roots), of which one root lies inside (0, 1 - σ) besides w_B = 0."""
    w_a_of = Polynomial([0.0, r_b, -r_b / (1 - SIGMA)])
    quartic = R_A * w_a_of * (1 - w_a_of / SIGMA) - Polynomial([0.0, 1.0])
    roots = quartic.roots()
    inside = [r.real for r in roots
              if abs(r.imag) < 1e-12 and 1e-9 < r.real < 1 - SIGMA]
    assert len(inside) == 1
    w_b = inside[0]
    return w_a_of(w_b), w_b


@pytest.fixture(scope="module")
def bounded():
    model = cp.load("schelling", bounded=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        found = cp.equilibria(model, population="mean-field")
    return model, found


def test_bounded_neighbourhood_equilibria_are_the_schedule_intersections(bounded):
    r"""Three equilibria: all A (σ, 0), all B (0, 1 - σ) and the intersection of the
    schedules (1e-10: both solve the same smooth equations to rounding). In counts of
    Schelling's 100 + 50 members the mixed one holds 31.0 A and 42.8 B. It is a saddle:
    the willingness of each group is homogeneous of degree 0 in (w_A, w_B), so
    J + I has rank one and the eigenvalues are -1 and
    -1 + σ w_B/(R_A w_A²) + (1 - σ) w_A/(R_B w_B²) = 1.398 (1e-9)."""
    found = bounded[1]
    points = sorted((e.aggregates["inside_a"], e.aggregates["inside_b"]) for e in found)
    w_a, w_b = schedule_intersection()
    np.testing.assert_allclose(points, [(0.0, 1 - SIGMA), (w_a, w_b), (SIGMA, 0.0)],
                               rtol=0, atol=1e-10)
    mixed = min(found, key=lambda e: abs(e.aggregates["inside_a"] - w_a))
    growth = -1 + SIGMA * w_b / (R_A * w_a**2) + (1 - SIGMA) * w_a / (R_B * w_b**2)
    assert not mixed.stable and mixed.n_unstable == 1
    assert abs(mixed.eigenvalues[0].real - growth) < 1e-9
    np.testing.assert_allclose(mixed.eigenvalues[1:].real, -1.0, rtol=0, atol=1e-9)


def test_the_mixed_neighbourhood_tips_to_either_corner(bounded):
    """Started from the saddle displaced by ±1e-3 along its unstable direction, the mean
    field ends in the all-A and the all-B neighbourhood (the corners attract: 1e-6 after
    t = 40, e^-40 of the start in the stable directions)."""
    model, found = bounded
    w_a, w_b = schedule_intersection()
    mixed = min(found, key=lambda e: abs(e.aggregates["inside_a"] - w_a))
    J = np.array([[SIGMA * w_b / (R_A * w_a**2) - 1, -SIGMA / (R_A * w_a)],
                  [-(1 - SIGMA) / (R_B * w_b), (1 - SIGMA) * w_a / (R_B * w_b**2) - 1]])
    values, vectors = np.linalg.eig(J)
    unstable = vectors[:, np.argmax(values.real)].real
    unstable = unstable / np.array([SIGMA, 1 - SIGMA])  # shares -> node probabilities
    ends = []
    for sign in (1, -1):
        p = mixed.micro[:, 1] + sign * 1e-3 * unstable
        with np.errstate(divide="ignore", invalid="ignore"):
            run = cp.simulate(model, t_end=40, population="mean-field", method="RK45",
                              initial={"x": np.column_stack([1 - p, p])})
        ends.append((run["inside_a"][-1], run["inside_b"][-1]))
    np.testing.assert_allclose(sorted(ends), [(0.0, 1 - SIGMA), (SIGMA, 0.0)], rtol=0,
                               atol=1e-6)


def test_continuation_follows_the_intersection_in_the_b_tolerance(bounded):
    """The saddle continued in R_B from 4 to 6 stays on the closed-form intersection of the
    schedules at every point (1e-8: the corrector's tolerance)."""
    model, found = bounded
    w_a, _ = schedule_intersection()
    mixed = min(found, key=lambda e: abs(e.aggregates["inside_a"] - w_a))
    with np.errstate(divide="ignore", invalid="ignore"):
        diagram = cp.continuation(model, "tolerance_b", (4.0, 6.0),
                                  population="mean-field", start=mixed)
    branch = diagram.branches[0]
    assert branch.param.min() == 4.0 and branch.param.max() == 6.0
    for r_b, shares in zip(branch.param, branch.aggregates):
        np.testing.assert_allclose(shares, schedule_intersection(r_b), rtol=0, atol=1e-8)
    assert not any(branch.stable)


def test_a_finite_neighbourhood_empties_of_b_from_everyone_in(bounded):
    """N = 1500 members (1000 + 500 expected) all start inside: the mean field and every
    finite run end with all A members in and all B out; the sampled share of A is the
    mean field's σ within 4 sd of a binomial share, sqrt(σ (1 - σ)/N)."""
    model, N = bounded[0], 1500
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_field = cp.simulate(model, t_end=40, population="mean-field", method="RK45")
        np.testing.assert_allclose([mean_field["inside_a"][-1], mean_field["inside_b"][-1]],
                                   [SIGMA, 0.0], rtol=0, atol=1e-8)
        for seed in SEEDS:
            run = cp.simulate(model, t_end=40, population=N, seed=seed, dt=0.2)
            a_share = run["inside_a"][0]  # everyone in: the sample's share of A
            assert abs(a_share - SIGMA) < 4 * np.sqrt(SIGMA * (1 - SIGMA) / N)
            assert (run["inside_a"][-1], run["inside_b"][-1]) == (a_share, 0.0)
