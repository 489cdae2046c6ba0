"""Network constructors: degrees, symmetry, empty diagonal, edge counts; ``rewire`` keeps
every degree, moves the stated fraction of edges and repeats itself for a seed; bad
arguments are refused naming the argument."""

import numpy as np
import pytest
from scipy import sparse

import coupling as cp
from coupling import networks


def check_simple_graph(W, n):
    """Square n x n, 0/1, symmetric, empty diagonal."""
    assert sparse.issparse(W) and W.shape == (n, n)
    assert set(np.unique(W.data)) == {1.0}
    assert (W != W.T).nnz == 0
    assert not W.diagonal().any()


def lattice_edges(n, k):
    return {tuple(sorted((i, (i + d) % n))) for i in range(n) for d in range(1, k // 2 + 1)}


def edges(W):
    upper = sparse.triu(W, k=1).tocoo()
    return set(zip(upper.row.tolist(), upper.col.tolist()))


@pytest.mark.parametrize("n, k", [(10, 2), (10, 4), (13, 6), (7, 6)])
def test_ring_lattice_ties_each_unit_to_its_k_nearest(n, k):
    W = cp.ring_lattice(n, k)
    check_simple_graph(W, n)
    assert np.all(networks.degrees(W) == k)
    assert W.nnz == n * k
    assert edges(W) == lattice_edges(n, k)


@pytest.mark.parametrize("k", [4, 6, 8])
def test_ring_lattice_clustering_is_the_closed_form(k):
    """C = 3(k - 2)/(4(k - 1)) (Barrat & Weigt 2000, Eur. Phys. J. B 13, 547), exactly: every
    unit of a ring lattice with n > 3k/2 has the same neighbourhood."""
    assert networks.clustering(cp.ring_lattice(40, k)) == pytest.approx(
        3 * (k - 2) / (4 * (k - 1)), abs=1e-15)


@pytest.mark.parametrize("neighbourhood, degree", [("moore", 8), ("von-neumann", 4)])
def test_torus_grid_neighbours(neighbourhood, degree):
    rows, cols = 4, 5
    W = cp.torus_grid(rows, cols, neighbourhood=neighbourhood)
    check_simple_graph(W, rows * cols)
    assert np.all(networks.degrees(W) == degree)
    assert W.nnz == rows * cols * degree
    # unit r * cols + c is tied to (r, c + 1) and (r + 1, c), wrapping around
    for r, c in [(0, 0), (3, 4), (2, 1)]:
        i = r * cols + c
        assert W[i, r * cols + (c + 1) % cols] == 1
        assert W[i, (r + 1) % rows * cols + c] == 1
        assert W[i, (r + 1) % rows * cols + (c + 1) % cols] == (neighbourhood == "moore")


@pytest.mark.parametrize("n, k", [(200, 4), (51, 3.0), (30, 29)])
def test_random_graph_has_exactly_the_mean_degree(n, k):
    W = cp.random_graph(n, k, seed=3)
    check_simple_graph(W, n)
    assert W.nnz == 2 * round(n * k / 2)
    assert networks.degrees(W).mean() == pytest.approx(round(n * k / 2) * 2 / n, abs=1e-15)


def test_random_graph_is_reproducible_and_random():
    a, b = cp.random_graph(100, 4, seed=5), cp.random_graph(100, 4, seed=5)
    assert (a != b).nnz == 0
    assert (a != cp.random_graph(100, 4, seed=6)).nnz > 0
    # Erdős–Rényi degrees are spread (binomial, variance about k), not regular
    assert networks.degrees(cp.random_graph(400, 4, seed=1)).var() > 2


@pytest.mark.parametrize("fraction", [0.0, 0.05, 0.5, 1.0])
def test_rewire_keeps_degrees_and_moves_the_fraction(fraction):
    """Each of round(f M / 2) pairs of edges is swapped once: exactly 2 round(f M / 2) edges
    leave their place (a moved edge lands on a lattice pair again with probability of order
    k/N, so the count of lattice edges kept is checked within 2% of M)."""
    n, k = 300, 4
    lattice = cp.ring_lattice(n, k)
    W = cp.rewire(lattice, fraction, seed=2)
    check_simple_graph(W, n)
    assert np.all(networks.degrees(W) == k)
    m = n * k // 2
    kept = len(edges(W) & lattice_edges(n, k))
    moved = 2 * round(fraction * m / 2)
    assert m - moved <= kept <= m - moved + 0.02 * m


def test_rewire_is_reproducible_and_fully_rewired_is_random():
    """Same seed, same graph; fraction 1 brings the clustering from the lattice's 1/2 to the
    random regular graph's, (k - 1)^2/(k N) = 0.0075 for k = 4, N = 300 (allowed: 0.03)."""
    lattice = cp.ring_lattice(300, 4)
    a, b = cp.rewire(lattice, 1.0, seed=9), cp.rewire(lattice, 1.0, seed=9)
    assert (a != b).nnz == 0
    assert (a != cp.rewire(lattice, 1.0, seed=10)).nnz > 0
    assert networks.clustering(lattice) == 0.5
    assert networks.clustering(a) < 0.03
    assert (cp.rewire(lattice, 0.0, seed=1) != lattice).nnz == 0


def test_clustering_and_degrees_of_small_graphs():
    triangle_and_tail = sparse.csr_matrix(np.array(
        [[0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 0, 1], [0, 0, 1, 0]], dtype=float))
    assert networks.degrees(triangle_and_tail).tolist() == [2, 2, 3, 1]
    # units 0, 1: C = 1; unit 2: one tie among its 3 pairs; unit 3: degree 1 counts 0
    assert networks.clustering(triangle_and_tail) == pytest.approx((1 + 1 + 1 / 3) / 4)


@pytest.mark.parametrize("call, argument", [
    (lambda: cp.ring_lattice(10, 3), "k"),
    (lambda: cp.ring_lattice(10, 10), "k"),
    (lambda: cp.ring_lattice(2, 2), "n"),
    (lambda: cp.ring_lattice(10.5, 2), "n"),
    (lambda: cp.torus_grid(2, 5), "rows"),
    (lambda: cp.torus_grid(4, 4, neighbourhood="hex"), "neighbourhood"),
    (lambda: cp.random_graph(10, 0), "mean_degree"),
    (lambda: cp.random_graph(5, 5), "mean_degree"),
    (lambda: cp.random_graph(1, 1), "n"),
    (lambda: cp.random_graph(10, 2, seed=-1), "seed"),
    (lambda: cp.rewire(cp.ring_lattice(10, 2), 1.5), "fraction"),
    (lambda: cp.rewire(cp.ring_lattice(10, 2), "half"), "fraction"),
    (lambda: cp.rewire(sparse.csr_matrix(np.triu(np.ones((4, 4)), 1)), 0.5), "network"),
    (lambda: cp.rewire(sparse.eye(4, format="csr"), 0.5), "network"),
    (lambda: cp.rewire(sparse.csr_matrix((3, 4)), 0.5), "network"),
    (lambda: networks.clustering([[0, 1], [1, 0]]), "network"),
], ids=["odd-k", "k-too-large", "n-too-small", "n-not-integer", "rows-too-small",
        "unknown-neighbourhood", "zero-degree", "too-many-edges", "one-unit", "bad-seed",
        "fraction-above-1", "fraction-not-number", "directed", "self-loops", "not-square",
        "not-a-matrix"])
def test_bad_arguments_are_refused_by_name(call, argument):
    with pytest.raises(ValueError) as error:
        call()
    named = getattr(error.value, "argument", None)
    assert named == argument or (named is None and f"{argument}:" in str(error.value))
