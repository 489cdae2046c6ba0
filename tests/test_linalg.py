"""The structured linear algebra against dense numpy, on random instances."""

from unittest import mock

import numpy as np
import scipy.sparse as sparse
from hypothesis import given, settings
from hypothesis import strategies as st

from coupling._linalg import StructuredJacobian


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
