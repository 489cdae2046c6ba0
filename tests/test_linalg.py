"""The structured linear algebra against dense numpy, on random instances."""

from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from coupling._linalg import StructuredJacobian, lu_fills


@settings(max_examples=60, deadline=None, derandomize=True)  # the same draws every run
@given(M=st.integers(1, 12), k=st.integers(1, 3), a=st.integers(0, 3), m=st.integers(0, 2),
       c=st.floats(0.01, 2.0), network=st.booleans(), seed=st.integers(0, 2**31))
def test_newton_solve_matches_dense(M, k, a, m, c, network, seed):
    rng = np.random.default_rng(seed)
    n = M * k + m
    A = -np.eye(k) * 3 + 0.5 * rng.standard_normal((M, k, k))
    U = 0.3 * rng.standard_normal((n, a + m))
    Vt = 0.3 * rng.standard_normal((a + m, n))
    coupling = (sparse.random(M * k, M * k, density=0.2, random_state=seed % 1000) * 0.3
                if network else None)
    J = StructuredJacobian(A, U, Vt, coupling=coupling, macro=rng.standard_normal((m, m)))
    dense = J.toarray()
    v = rng.standard_normal(n)
    np.testing.assert_allclose(J.matvec(v), dense @ v, atol=1e-12)
    newton = np.eye(n) - c * dense
    if np.linalg.cond(newton) > 1e8:
        return  # (nearly) singular draw: nothing to compare
    np.testing.assert_allclose(newton @ J.newton(c).solve(v), v, atol=1e-8)
    np.testing.assert_allclose(J.T.toarray(), dense.T, atol=1e-14)
    q = 2
    C, R, K = rng.standard_normal((n, q)), rng.standard_normal((q, n)), rng.standard_normal((q, q))
    bordered = np.block([[dense, C], [R, K]])
    if np.linalg.cond(bordered) > 1e8:
        return
    w = rng.standard_normal(n + q)
    ref_sign, ref_logdet = np.linalg.slogdet(bordered)
    for dense_below in (0, 10**6):  # the structured path, then the dense one for small n
        with mock.patch("coupling._linalg.DENSE_SOLVE", dense_below):
            try:
                solver = J.bordered(C, R, K)
            except np.linalg.LinAlgError:  # a singular block: no structured factorisation
                continue
        np.testing.assert_allclose(bordered @ solver.solve(w), w, atol=1e-7)
        sign, logdet = solver.slogdet()
        assert sign == ref_sign and abs(logdet - ref_logdet) < 1e-8 * (1 + abs(ref_logdet))


def _network_jacobian(M, k, m, rng, *, iterative):
    A = -np.eye(k) * 3 + 0.5 * rng.standard_normal((M, k, k))
    n = M * k + m
    U, Vt = 0.3 * rng.standard_normal((n, 1 + m)), 0.3 * rng.standard_normal((1 + m, n))
    coupling = sparse.random(M * k, M * k, density=0.05, random_state=1) * 0.5
    return StructuredJacobian(A, U, Vt, coupling=coupling.tocsr(),
                              macro=-np.eye(m) + 0.1 * rng.standard_normal((m, m)),
                              iterative=iterative)


def test_iterative_solves_match_dense():
    """GMRES solves of J, I - cJ, J - σI, [[J, C], [R, K]] and Jᵀ to the relative residual
    KRYLOV_RTOL = 1e-10: the error is at most cond(A) times it, relative to the solution."""
    rng = np.random.default_rng(8)
    J = _network_jacobian(150, 2, 2, rng, iterative=True)
    dense, n = J.toarray(), J.shape[0]
    cases = [(J.solver(), dense), (J.newton(0.3), np.eye(n) - 0.3 * dense),
             (J.shifted(0.5), dense - 0.5 * np.eye(n)), (J.T.solver(), dense.T)]
    C, R, K = rng.standard_normal((n, 1)), rng.standard_normal((1, n)), np.ones((1, 1))
    cases.append((J.bordered(C, R, K), np.block([[dense, C], [R, K]])))
    for solver, matrix in cases:
        rhs = rng.standard_normal(matrix.shape[0])
        expected = np.linalg.solve(matrix, rhs)
        error = np.linalg.norm(solver.solve(rhs) - expected) / np.linalg.norm(expected)
        assert error <= 10 * 1e-10 * np.linalg.cond(matrix)
    with pytest.raises(np.linalg.LinAlgError, match="no determinant"):
        J.solver().slogdet()


def test_gmres_that_stalls_is_reported():
    rng = np.random.default_rng(2)
    J = _network_jacobian(100, 1, 0, rng, iterative=True)
    with mock.patch("coupling._linalg.KRYLOV_RESTARTS", 1), \
            mock.patch("coupling._linalg.KRYLOV_RESTART", 1):
        with pytest.raises(np.linalg.LinAlgError, match="GMRES reached a relative residual"):
            J.shifted(3.0).solve(rng.standard_normal(100))


def test_lu_fills_for_expanders_not_for_rings():
    import coupling as cp
    assert not lu_fills(cp.ring_lattice(5000, 4), 1)
    assert not lu_fills(cp.random_graph(300, 4, seed=1), 1)  # small: LU is cheap anyway
    assert lu_fills(cp.rewire(cp.ring_lattice(5000, 4), 1.0, seed=1), 1)
