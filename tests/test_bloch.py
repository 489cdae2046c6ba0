"""Spectra of translation-invariant network Jacobians by Fourier modes, against dense eig.

The Bloch eigenvalues must be *every* eigenvalue of the structured Jacobian (k per mode
q ≠ 0, k + m for the uniform mode), so they are compared, as sorted multisets, with
``numpy.linalg.eigvals`` of the assembled matrix; round-off tolerance 1e-9 relative to the
spectral radius (dense eig of a few hundred states is accurate to ~1e-13 for these normal
and mildly non-normal matrices).
"""

import numpy as np
import pytest
from scipy import sparse

import coupling as cp
from coupling._linalg import StructuredJacobian, network_part
from coupling.analysis.bifurcation._bloch import bloch_eigenvalues
from coupling.networks import translations


def jacobian(W, k, m, rng, *, jitter=0.0):
    """A Jacobian of identical units (k states) coupled through the row-normalised network W
    (one local aggregate), one global mean and m macro variables."""
    W = sparse.csr_matrix(W, dtype=float)
    W = sparse.diags(1 / np.asarray(W.sum(axis=1)).ravel()) @ W
    W = W.tocsr()
    W.sort_indices()
    M = W.shape[0]
    A = np.repeat(rng.standard_normal((1, k, k)) - 2 * np.eye(k), M, axis=0)
    A[0] += jitter
    left = np.repeat(rng.standard_normal((1, k, 1)), M, axis=0)
    right = np.repeat(rng.standard_normal((1, 1, k)), M, axis=0)
    blocks = network_part(left, W, right)
    r = 1 + m
    U = np.vstack([np.tile(rng.standard_normal((k, r)), (M, 1)), rng.standard_normal((m, r))])
    Vt = np.hstack([np.tile(rng.standard_normal((r, k)) / M, (1, M)),
                    rng.standard_normal((r, m))])
    symmetry = translations(W)
    return StructuredJacobian(A, U, Vt, coupling=blocks.tocsr(), macro=-np.eye(m),
                              translations=None if symmetry is None
                              else (symmetry, blocks.data))


@pytest.mark.parametrize("network, k, m", [
    (cp.ring_lattice(40, 4), 1, 0),
    (cp.ring_lattice(37, 2), 2, 1),
    (cp.torus_grid(6, 7), 2, 2),
    (cp.torus_grid(5, 5, neighbourhood="von-neumann"), 3, 1),
    (sparse.csr_matrix((np.ones(30), (np.arange(30), (np.arange(30) + 1) % 30))), 2, 0),
])
def test_every_eigenvalue_of_the_assembled_matrix(network, k, m):
    J = jacobian(network, k, m, np.random.default_rng(4))
    lam = bloch_eigenvalues(J)
    dense = np.linalg.eigvals(J.toarray())
    assert lam.shape == dense.shape
    # match each dense eigenvalue to its nearest Bloch one (multiplicities included)
    order = np.lexsort((np.round(dense.imag, 7), np.round(dense.real, 7)))
    mine = np.lexsort((np.round(lam.imag, 7), np.round(lam.real, 7)))
    scale = np.max(np.abs(dense))
    assert np.max(np.abs(dense[order] - lam[mine])) < 1e-9 * scale


def test_units_that_differ_fall_back():
    J = jacobian(cp.ring_lattice(20, 2), 2, 1, np.random.default_rng(5), jitter=1e-6)
    assert bloch_eigenvalues(J) is None


def test_networks_without_translations():
    assert translations(cp.random_graph(60, 4, seed=2)) is None
    W = cp.ring_lattice(12, 2).tolil()
    W[0, 1] = W[1, 0] = 2.0  # one heavier tie
    assert translations(W) is None
    assert translations(cp.ring_lattice(12, 2)).shape == (12,)
    assert translations(cp.torus_grid(4, 6)).shape == (4, 6)


def test_large_ring_count_is_exact_and_linear():
    """The finite-ring spectrum -1 + J s cos(2πq/N) of tanh units, at N = 20 000 (far beyond
    any dense check): the rightmost travelling mode q = 1 and the exact count."""
    n, J, h = 20_000, -1.5, 0.0
    model = cp.Model(name="ring", parameters={"J": J, "h": h},
                     micro=cp.ODE({"x": "-x + tanh(J*seen + h)"}, initial={"x": 0.0}),
                     aggregates={"L": cp.Local("x")}, context={"seen": "L"},
                     network=cp.ring_lattice(n, 2), population=n)
    (e,) = cp.equilibria(model)
    lam = -1 + J * np.cos(2 * np.pi * np.arange(n) / n)  # s = 1 at x* = 0
    assert e.n_unstable == np.sum(lam > 1e-9)
    assert abs(e.eigenvalues[0].real - lam.max()) < 1e-12
