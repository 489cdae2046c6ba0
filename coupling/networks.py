r"""Networks for :class:`~coupling.Local` aggregates: sparse symmetric adjacency matrices.

A model with ``network=W`` gives each unit i the neighbourhood mean
:math:`L_i = \sum_j W_{ij} g_j / \sum_j W_{ij}` of a :class:`~coupling.Local` aggregate. The
constructors here return ``scipy.sparse.csr_matrix`` of 0/1 entries with an empty diagonal;
any other N x N sparse or dense matrix of non-negative weights works as well.

* :func:`ring_lattice` — N units on a ring, each tied to its k nearest (k/2 on each side):
  the clustered lattice of Watts & Strogatz (1998) and Centola & Macy (2007).
* :func:`torus_grid` — cells of a rows x cols torus with their Moore (8) or von Neumann (4)
  neighbours: Schelling's (1971) checkerboard without edges.
* :func:`random_graph` — the Erdős–Rényi graph G(N, M) with M = N k / 2 edges, so the mean
  degree is exactly k.
* :func:`rewire` — degree-preserving double-edge swaps (Maslov & Sneppen 2002): a fraction of
  the edges is randomised while every unit keeps its degree.
* :func:`clustering` and :func:`degrees` — the mean local clustering coefficient and the
  degree of every unit.
* :func:`translations` — the translation group (a ring or a torus) under which a network is
  invariant, if any: its Jacobians at uniform states then split into Fourier modes.
"""

import numbers
from typing import NamedTuple

import numpy as np
from scipy import sparse

from . import _checks
from ._errors import ArgumentError


def _symmetric(n, rows, cols):
    """The 0/1 adjacency of the undirected edges (rows[e], cols[e])."""
    data = np.ones(2 * len(rows))
    W = sparse.coo_matrix((data, (np.r_[rows, cols], np.r_[cols, rows])), shape=(n, n))
    W = W.tocsr()
    W.data[:] = 1.0  # repeated pairs count once
    W.setdiag(0)
    W.eliminate_zeros()
    return W


def ring_lattice(n, k):
    """N units on a ring, each tied to its k nearest neighbours (k even, 0 < k < n).

    >>> import coupling as cp
    >>> cp.ring_lattice(10, 4).sum(axis=1).ravel().tolist()[0][:3]
    [4.0, 4.0, 4.0]
    """
    n = _checks.count(n, argument="n", minimum=3)
    k = _checks.count(k, argument="k", minimum=2)
    if k % 2 or k >= n:
        raise ArgumentError(f"k must be even and below n = {n}, got {k}", argument="k")
    i = np.repeat(np.arange(n), k // 2)
    offset = np.tile(np.arange(1, k // 2 + 1), n)
    return _symmetric(n, i, (i + offset) % n)


def torus_grid(rows, cols, *, neighbourhood="moore"):
    """The cells of a rows x cols torus, unit ``r * cols + c`` at row r and column c, each
    tied to its 8 Moore or 4 von Neumann neighbours."""
    rows = _checks.count(rows, argument="rows", minimum=3)
    cols = _checks.count(cols, argument="cols", minimum=3)
    shifts = {"moore": [(0, 1), (1, -1), (1, 0), (1, 1)], "von-neumann": [(0, 1), (1, 0)]}
    _checks.known(neighbourhood, shifts, argument="neighbourhood", what="a neighbourhood",
                  level="network")
    r, c = np.divmod(np.arange(rows * cols), cols)
    pairs = [((r + dr) % rows * cols + (c + dc) % cols) for dr, dc in shifts[neighbourhood]]
    return _symmetric(rows * cols, np.tile(np.arange(rows * cols), len(pairs)),
                      np.concatenate(pairs))


def random_graph(n, mean_degree, *, seed=None):
    """The Erdős–Rényi graph G(N, M): M = round(N k / 2) distinct edges drawn uniformly, so
    the mean degree is k (exactly, when N k is even)."""
    n = _checks.count(n, argument="n", minimum=2)
    mean_degree = _checks.positive(mean_degree, argument="mean_degree")
    m = round(n * mean_degree / 2)
    if m > n * (n - 1) // 2:
        raise ArgumentError(f"mean degree {mean_degree} needs more edges than the "
                                    f"{n * (n - 1) // 2} pairs of {n} units",
                                    argument="mean_degree")
    rng = np.random.default_rng(_checks.seed(seed))
    chosen = set()
    while len(chosen) < m:
        a, b = rng.integers(n, size=(2, 2 * (m - len(chosen))))
        for i, j in zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist()):
            if i != j and len(chosen) < m:
                chosen.add((i, j))
    edges = np.array(sorted(chosen))
    return _symmetric(n, edges[:, 0], edges[:, 1])


def rewire(network, fraction, *, seed=None):
    """A copy of an undirected 0/1 network with ``fraction`` of its edges moved, every unit
    keeping its degree.

    round(fraction M / 2) disjoint pairs of the M edges are drawn without replacement, and
    each pair is swapped, (a, b), (c, d) -> (a, d), (c, b) with a random orientation (a
    double-edge swap, Maslov & Sneppen 2002, Science 296, 910). A swap that would make a
    self-loop or a repeated edge is redrawn with another partner among the edges still to be
    moved, so every chosen edge moves exactly once (up to 100 M redraws; an edge that cannot
    be moved in them stays). ``fraction=0`` returns the network; ``fraction=1`` moves every
    edge once: a random graph with the same degree sequence, whose clustering falls from the
    lattice's 3(k - 2)/(4(k - 1)) to the random graph's order k/N.

    Raises
    ------
    ArgumentError
        ``fraction`` not a number in [0, 1]; a network that is not square, not symmetric or
        has a self-loop; a bad ``seed``.
    """
    fraction = _fraction(fraction)
    W = _undirected(network)
    rng = np.random.default_rng(_checks.seed(seed))
    upper = sparse.triu(W, k=1).tocoo()
    edges = np.column_stack([upper.row, upper.col])
    present = set(map(tuple, edges.tolist()))
    m = len(edges)
    pending = rng.permutation(m)[:2 * round(fraction * m / 2)].tolist()
    redraws = 0
    while len(pending) >= 2 and redraws <= 100 * m:
        e = pending.pop()
        j = int(rng.integers(len(pending)))
        f = pending[j]
        (a, b), (c, d) = edges[e], edges[f]
        if rng.random() < 0.5:
            c, d = d, c
        new = tuple(sorted((a, d))), tuple(sorted((c, b)))
        if len({a, b, c, d}) < 4 or new[0] in present or new[1] in present:
            pending.append(e)
            redraws += 1
            continue
        present -= {tuple(edges[e]), tuple(edges[f])}
        present |= set(new)
        edges[e], edges[f] = new
        pending[j] = pending[-1]
        pending.pop()
    return _symmetric(W.shape[0], edges[:, 0], edges[:, 1])


def clustering(network):
    r"""The mean local clustering coefficient (Watts & Strogatz 1998, Nature 393, 440):
    :math:`C = \frac1N \sum_i \frac{t_i}{d_i (d_i - 1)/2}`, with :math:`t_i` the edges among
    the :math:`d_i` neighbours of unit i (units with fewer than two neighbours count 0).

    A ring lattice of degree k has :math:`C = 3(k - 2) / (4(k - 1))` (1/2 for k = 4); a
    random graph of mean degree k has C of order k/N.

    Raises
    ------
    ArgumentError
        A network that is not square, not symmetric or has a self-loop.
    """
    A = _undirected(network)
    A = (A != 0).astype(float)
    degree = np.asarray(A.sum(axis=1)).ravel()
    closed = np.asarray((A @ A).multiply(A).sum(axis=1)).ravel()  # 2 t_i
    pairs = degree * (degree - 1)
    return float(np.mean(np.where(pairs > 0, closed / np.where(pairs > 0, pairs, 1), 0.0)))


def degrees(network):
    """The number of neighbours of every unit (the row sums of the 0/1 pattern)."""
    A = _undirected(network)
    return np.asarray((A != 0).sum(axis=1)).ravel()


def _fraction(value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not 0 <= value <= 1:
        raise ArgumentError(f"fraction must be a number in [0, 1], got {value!r}",
                            argument="fraction")
    return float(value)


def _undirected(network):
    """The network as a CSR matrix, checked to be a square symmetric adjacency without
    self-loops."""
    if not (sparse.issparse(network) or isinstance(network, np.ndarray)):
        raise ArgumentError("network must be a scipy.sparse or numpy N x N adjacency matrix, "
                            f"got {type(network).__name__}", argument="network")
    W = sparse.csr_matrix(network, dtype=float)
    if W.ndim != 2 or W.shape[0] != W.shape[1]:
        raise ArgumentError(f"network must be square (N x N), got shape {W.shape}",
                            argument="network")
    if (W != W.T).nnz:
        raise ArgumentError("network must be symmetric (undirected ties)", argument="network")
    if W.diagonal().any():
        raise ArgumentError("network must have an empty diagonal (no self-ties)",
                            argument="network")
    return W


class Translations(NamedTuple):
    r"""A network invariant under the translations of a ring (``shape = (N,)``) or a torus
    (``shape = (R, C)``, unit ``r * C + c`` at row r, column c): the weight of the tie from
    unit i to unit i ⊕ s depends only on the offset s.

    ``offsets`` (d, len(shape)) are the d offsets of every unit's ties, ``weights`` (d,)
    their weights, and ``edge_offset`` (E,) the offset index of every stored entry of the
    network in canonical CSR order (sorted column indices).
    """

    shape: tuple
    offsets: np.ndarray
    weights: np.ndarray
    edge_offset: np.ndarray


def translations(network, *, rtol=1e-12):
    r"""The translation group under which a network is invariant, or None.

    Tried in turn: the ring of all N units (W circulant: :math:`W_{i,\,i+s \bmod N} = w_s`)
    and the tori R x C (C from 3 up, R = N/C ≥ 3) with units numbered row by row, as
    :func:`ring_lattice` and :func:`torus_grid` make them. A network passes when every row
    has the same offsets, with weights equal to row 0's within ``rtol``. Directed networks
    (a car following the car ahead) pass as well as undirected ones.

    >>> import coupling as cp
    >>> cp.networks.translations(cp.torus_grid(4, 5)).shape
    (4, 5)
    """
    W = sparse.csr_matrix(network, dtype=float)
    W.sum_duplicates()
    W.sort_indices()
    n = W.shape[0]
    counts = np.diff(W.indptr)
    if n < 3 or W.shape != (n, n) or W.nnz == 0 or np.any(counts != counts[0]):
        return None
    rows = np.repeat(np.arange(n), counts)
    shapes = [(n,)] + [(n // c, c) for c in range(3, n // 3 + 1) if n % c == 0]
    for shape in shapes:
        found = _invariant(W, rows, counts[0], shape, rtol)
        if found is not None:
            return found
    return None


def _invariant(W, rows, d, shape, rtol):
    """Translations(shape, ...) if W is invariant under the translations of ``shape``."""
    cols = shape[-1]
    (r_i, c_i), (r_j, c_j) = np.divmod(rows, cols), np.divmod(W.indices, cols)
    code = ((r_j - r_i) % (W.shape[0] // cols)) * cols + (c_j - c_i) % cols
    code = code.reshape(-1, d)
    order = np.argsort(code, axis=1, kind="stable")
    code = np.take_along_axis(code, order, axis=1)
    weights = np.take_along_axis(W.data.reshape(-1, d), order, axis=1)
    if np.any(code != code[0]) or not np.allclose(weights, weights[0], rtol=rtol, atol=0):
        return None
    edge_offset = np.empty(W.nnz, dtype=np.intp)
    np.put_along_axis(edge_offset.reshape(-1, d), order, np.arange(d)[None, :], axis=1)
    offsets = np.column_stack(np.divmod(code[0], cols)) if len(shape) == 2 \
        else code[0][:, None]
    return Translations(shape, offsets, weights[0].copy(), edge_offset)
