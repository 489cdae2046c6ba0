r"""Complex contagion (Centola & Macy 2007, AJS 113(3), 702-734) through the public API.

The signatures, in numbers:

1. Same mean degree, different outcome: from a seed of adjacent adopters (a unit and its
   k = 4 neighbours) a complex contagion (θ = 2) saturates the ring lattice and stalls on the
   degree-preserving random rewiring of it; a simple one (θ = 1) saturates both, the random
   network many times faster.
2. Where clustering stops helping: on the ring lattice a contiguous seed spreads iff
   θ <= k/2, at g = k/2 - θ + 1 units per side and period (closed form, exact); under
   rewiring a fraction p of the ties, the k = 4, θ = 2 front survives a unit with probability
   r = (1 - p)^2 and each front reaches r/(1 - r) units on average, so the lattice's
   advantage is lost at p of order 1/N, while rewiring only speeds a simple contagion.
3. Mean-field limits: the homogeneous approximation (the model's mean-field population) is a
   step in the seed share; the binomial tree approximation (Gleeson & Cahalane 2007, PRE 75,
   056103) follows runs on random 4-regular graphs within a tolerance from N, has its
   critical seed share (a fold) at 1/9 for k = 4, θ = 2 (closed form), and is violated by
   the clustered lattice.
"""

import numpy as np
import pytest
from coupling.models import contagion
from scipy import stats

import coupling as cp

N, K = 400, 4
SEED = K + 1  # unit 0 and its neighbours


def run(model, network=None, seeds="neighbourhood", seed=0, t_end=400, stop=True):
    """A run on ``network`` (default: the model's), with ``stop`` until no unit changes in
    a period."""
    if network is not None:
        model = model.replace(network=network)
    initial = {"x": contagion.seed_adopters(model.network, seeds, seed=seed)}
    return cp.simulate(model, t_end=t_end, initial=initial,
                       stop_at_equilibrium=0.5 if stop else None)


def saturation(path):
    """The first period at which every unit has adopted (None if the run never saturates)."""
    full = np.flatnonzero(path["adoption"] >= 1)
    return int(path.t[full[0]]) if full.size else None


@pytest.fixture(scope="module")
def lattice():
    return cp.load("contagion", n=N, k=K)


@pytest.fixture(scope="module")
def random_regular():
    return cp.rewire(cp.ring_lattice(N, K), 1.0, seed=1)


def test_complex_contagion_spreads_on_the_lattice_and_stalls_on_random_ties(
        lattice, random_regular):
    """θ = 2: the lattice saturates in ⌈(N - s)/2⌉ periods (up to one period where the two
    fronts meet), while on the random network no unit outside the seed has two adopted
    neighbours (that needs a short cycle through the seed, rare at clustering ~ k/N): the
    adoption stays below 2 s/N. θ = 1: both saturate, the random network at least 5 times
    faster (ring: ⌈(N - s)/k⌉ periods; random: of order log N / log(k - 1))."""
    complex_lattice = run(lattice)
    complex_random = run(lattice, random_regular)
    assert complex_lattice["adoption"][-1] == 1.0
    assert np.ceil((N - SEED) / 2) - 1 <= saturation(complex_lattice) <= np.ceil((N - SEED) / 2)
    assert complex_random["adoption"][0] == SEED / N
    assert complex_random["adoption"][-1] < 2 * SEED / N

    simple = lattice.with_parameters(threshold=1)
    simple_lattice, simple_random = run(simple), run(simple, random_regular)
    assert simple_lattice["adoption"][-1] == simple_random["adoption"][-1] == 1.0
    assert np.ceil((N - SEED) / K) - 1 <= saturation(simple_lattice) <= np.ceil((N - SEED) / K)
    assert saturation(simple_random) < saturation(simple_lattice) / 5


@pytest.mark.parametrize("k", [4, 6])
def test_a_contiguous_seed_spreads_on_the_ring_iff_the_threshold_is_at_most_half_k(k):
    """Exact: a unit δ beyond the edge of a contiguous block of s >= k/2 adopters has
    k/2 - δ + 1 adopted neighbours, so for θ <= k/2 the block grows by g = k/2 - θ + 1 per
    side and period, a_t = (s + 2 g t)/N while the fronts are at least k/2 + g apart, and the
    ring saturates at ⌈(N - s)/(2g)⌉ (one period earlier when the meeting fronts add their
    counts); for θ = k/2 + 1 no unit ever adopts. Compared exactly (1e-9: the rounding of
    the mean of 0/1 values)."""
    n = 120
    model = cp.load("contagion", n=n, k=k)
    s = k + 1
    for threshold in range(1, k // 2 + 2):
        path = run(model.with_parameters(threshold=threshold))
        adoption = path["adoption"]
        if threshold > k // 2:
            assert adoption[-1] == adoption[0] == s / n
            continue
        g = k // 2 - threshold + 1
        apart = np.flatnonzero(n - s - 2 * g * path.t >= k // 2 + g)
        np.testing.assert_allclose(adoption[apart] * n, s + 2 * g * path.t[apart], rtol=0,
                                   atol=1e-9)  # counts, up to the rounding of the mean
        assert adoption[-1] == 1.0
        assert np.ceil((n - s) / (2 * g)) - 1 <= saturation(path) <= np.ceil((n - s) / (2 * g))


def test_rewiring_speeds_simple_contagion_and_breaks_complex_contagion(lattice):
    r"""Sweep of the rewired fraction p on the k = 4 lattice (the experiment of Centola & Macy
    2007, saturation time against the fraction of rewired ties).

    * θ = 1 saturates at every p, and its saturation time falls as p grows.
    * θ = 2: unit j + 1 beyond a front needs both of its ties to j and j - 1, each kept with
      probability 1 - p, so a front advances a geometric number of units, mean r/(1 - r) and
      sd sqrt(r)/(1 - r), r = (1 - p)^2. Measured on N = 10^4 units seeded with B = 25
      blocks of 5, 400 apart (2B independent fronts per graph, R = 2 graphs): the mean
      front against r/(1 - r) within 4 standard errors of the mean of 2BR fronts, plus the
      rescue of a stalled front: the random ties that replaced the lost ones (one for the
      unit that failed, one more for the unit after it) reach an adopter with probability
      ρ <= 2a, a the final share (below 10% here), which lengthens the mean front by a
      factor 1/(1 - ρ). At p = 2/N the mean front is about N/4: the lattice's advantage
      flips at p of order 1/N."""
    simple = lattice.with_parameters(threshold=1)
    times = [saturation(run(simple, cp.rewire(lattice.network, p, seed=3)))
             for p in (0.0, 0.01, 0.1, 1.0)]
    assert None not in times and times == sorted(times, reverse=True) and times[0] > times[-1]

    n, blocks, replicates = 10_000, 25, 2
    model = cp.load("contagion", n=n, k=K)
    seeds = (np.arange(blocks)[:, None] * (n // blocks) + np.arange(SEED)).ravel()
    for p in (0.05, 0.1):
        finals = np.array([run(model, cp.rewire(model.network, p, seed=seed),
                               seeds=seeds)["adoption"][-1] for seed in range(replicates)])
        front = (finals.mean() * n - seeds.size) / (2 * blocks)
        r = (1 - p) ** 2
        expected = r / (1 - r)
        rescue = 2 * finals.max()
        assert rescue < 0.2
        error = 4 * np.sqrt(r) / (1 - r) / np.sqrt(2 * blocks * replicates)
        assert abs(front - expected) < error + rescue / (1 - rescue) * expected


@pytest.fixture(scope="module")
def binomial():
    return cp.load("contagion", approximation="binomial", k=K, threshold=2)


def test_the_critical_seed_share_of_the_tree_approximation_is_one_ninth(binomial):
    """k = 4, θ = 2: P[Bin(3, q) >= 2] = 3q² - 2q³. The low fixed point of
    q = a0 + (1 - a0)(3q² - 2q³) meets the middle one where also (1 - a0) 6q(1 - q) = 1:
    then 6q = 1 + 2q, q = 1/4 and a0 = 1/9. Located by continuation to 1e-8 (the Newton
    tolerance of the fold); seeds above it cascade to everyone (Gleeson & Cahalane 2007)."""
    diagram = cp.continuation(binomial, "seed_share", (0.02, 0.2))
    folds = [point for point in diagram.special_points if point.kind == "fold"]
    assert len(folds) == 1
    assert abs(folds[0].param - 1 / 9) < 1e-8


def regular_runs(seed_share, n=4000, replicates=2, t_end=40):
    """Adoption paths on random 4-regular graphs with a random seed share, one per row."""
    model = cp.load("contagion", n=n, k=K)
    return np.array([run(model, cp.rewire(cp.ring_lattice(n, K), 1.0, seed=seed),
                         seeds=seed_share, seed=seed, t_end=t_end, stop=False)["adoption"]
                     for seed in range(replicates)])


@pytest.mark.parametrize("seed_share", [0.05, 0.1])
def test_the_tree_approximation_follows_random_regular_graphs(binomial, seed_share):
    r"""Below the critical share 1/9: runs on R = 2 random 4-regular graphs of N = 4000 units
    with a random seed share a0 against the binomial variant's path a_t. Tolerance per
    period: 4 standard errors of a mean of N R Bernoulli variables, sqrt(a_t (1 - a_t)/(N R)),
    widened by the feedback 1/(1 - λ) of the q-map, λ = (1 - a0) 3 P[Bin(2, q*) = 1] its
    multiplier at the final fixed point q* (the largest along the monotone path), plus 1/N
    for the rounding of the seed. The path ends at the low fixed point, the lowest stable
    equilibrium of ``cp.equilibria`` (1e-9: 100 periods of geometric convergence at rate
    λ < 0.75). The cruder closure with Bin(k, a_t) (all k ties counted) fails this check:
    0.096 against 0.068 at a0 = 0.05, outside the tolerance 0.017."""
    n, replicates = 4000, 2
    model = binomial.with_parameters(seed_share=seed_share)
    theory = cp.simulate(model, t_end=100)
    runs = regular_runs(seed_share, n, replicates)
    a = theory["adoption"][:runs.shape[1]]
    feedback = 1 / (1 - (1 - seed_share) * 3 * stats.binom.pmf(1, 2, theory["near"][-1]))
    tolerance = 4 * np.sqrt(a * (1 - a) / (n * replicates)) * feedback + 1 / n
    assert np.all(np.abs(runs.mean(axis=0) - a) <= tolerance)
    low = min(e["adoption"] for e in cp.equilibria(model) if e.stable)
    assert theory["adoption"][-1] == pytest.approx(low, abs=1e-9)
    assert theory["adoption"][-1] < 0.25


def test_above_the_critical_seed_share_everyone_adopts(binomial):
    """a0 = 0.14 > 1/9: the tree approximation's only fixed point is a = 1, and the runs on
    random 4-regular graphs saturate too."""
    theory = cp.simulate(binomial.with_parameters(seed_share=0.14), t_end=60)
    assert theory["adoption"][-1] == pytest.approx(1.0, abs=1e-12)
    assert np.all(regular_runs(0.14, n=1000)[:, -1] == 1.0)


def test_homogeneous_mean_field_is_a_step_and_the_lattice_violates_both_limits(binomial):
    """The model's mean-field population (the neighbourhood mean becomes the population
    mean) predicts a_t = a0 for a0 < θ/k and a_1 = 1 for a0 >= θ/k, exactly, on any network
    with degree k. The clustered lattice from the same random seed share a0 = 0.05 saturates,
    where the tree approximation stalls at 0.0688 and the homogeneous one at 0.05: its
    neighbours share neighbours, which both limits ignore."""
    homogeneous = cp.load("contagion", approximation="homogeneous", k=K, threshold=2)
    assert homogeneous.population == cp.MeanField()
    for a0 in (0.05, 0.45, 0.5, 0.6):
        path = cp.simulate(homogeneous.with_parameters(seed_share=a0), t_end=5)["adoption"]
        np.testing.assert_array_equal(path[1:], 1.0 if a0 >= 2 / K else a0)
    clustered = run(cp.load("contagion", n=1000, k=K), seeds=0.05, seed=0)
    tree = cp.simulate(binomial.with_parameters(seed_share=0.05), t_end=40)["adoption"][-1]
    assert clustered["adoption"][-1] == 1.0
    assert tree < 0.1


def test_bad_build_options_are_refused():
    for options, argument in [({"approximation": "pair"}, "approximation"),
                              ({"threshold": 0}, "threshold"), ({"seeds": "ring"}, "seeds"),
                              ({"seeds": [400]}, "seeds"), ({"seeds": 1.5}, "seeds")]:
        with pytest.raises(cp.ArgumentError) as error:
            cp.load("contagion", **options)
        assert error.value.argument == argument
