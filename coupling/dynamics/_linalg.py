r"""Linear algebra on the structure of a coupled Jacobian.

The flat state is u = (x_1, ..., x_M, y): M units with k states each, then m macro variables.
Units interact only through a aggregates and the macro state, so

.. math::  J = P + U V^T, \qquad P = \mathrm{blockdiag}(A_1, \dots, A_M, D) + S

with k x k blocks :math:`A_i`, a small m x m macro block D, a sparse part S only when units
read network-local aggregates, and rank r = a + m factors U (n x r), :math:`V^T` (r x n).
Linear systems with such matrices (Newton matrices I - cJ of implicit integrators, J itself,
and J bordered by a few rows and columns as in continuation) are solved with the Woodbury
identity

.. math::  (Q + U V^T)^{-1} = Q^{-1} - Q^{-1} U (I_r + V^T Q^{-1} U)^{-1} V^T Q^{-1},

with Q block diagonal, factored block by block in one batched call (or, with a network, by a
sparse LU). The cost is O(M k^3 + n r^2 + r^3) instead of O(n^3) (Woodbury 1950; Hager 1989,
"Updating the inverse of a matrix", SIAM Review 31). A bordered matrix
[[J, C], [R, K]] is again block diagonal plus low rank: its extra rows and columns join the
macro block and the low-rank factors.
"""

import warnings

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
import scipy.sparse.linalg as spla


#: Below this size, systems are factored densely: the structure pays off only beyond it.
DENSE_SOLVE = 200


class StructuredJacobian:
    """J = blockdiag(A, D) (+ S) + U Vt on the flat state (micro block by block, then macro).

    Parameters
    ----------
    A : ndarray (M, k, k)
        Per-unit blocks.
    U, Vt : ndarray (n, r), (r, n)
        The low-rank coupling through aggregates and macro variables.
    coupling : sparse matrix (M k, M k), optional
        Unit-to-unit coupling through a network.
    macro : ndarray (m, m), optional
        The macro diagonal block D (default 0).
    """

    def __init__(self, A, U, Vt, *, coupling=None, macro=None):
        self.A, self.U, self.Vt = A, U, Vt
        self.coupling = coupling
        self.M, self.k = A.shape[0], A.shape[1]
        n = U.shape[0]
        m = n - self.M * self.k
        self.macro = np.zeros((m, m)) if macro is None else np.asarray(macro, dtype=float)
        self.shape = (n, n)

    @property
    def n_macro(self):
        return self.macro.shape[0]

    def __rmul__(self, c):
        return _Scaled(self, c)

    def matvec(self, v):
        """J @ v."""
        nm = self.M * self.k
        out = np.empty(self.shape[0])
        out[:nm] = np.einsum("mij,mj->mi", self.A, v[:nm].reshape(self.M, self.k)).ravel()
        out[nm:] = self.macro @ v[nm:]
        if self.coupling is not None:
            out[:nm] += self.coupling @ v[:nm]
        return out + self.U @ (self.Vt @ v)

    @property
    def T(self):
        """The transpose, with the same structure."""
        return StructuredJacobian(self.A.transpose(0, 2, 1), self.Vt.T, self.U.T,
                                  coupling=None if self.coupling is None
                                  else self.coupling.T.tocsr(), macro=self.macro.T)

    def toarray(self):
        """The dense matrix (for checks on small systems)."""
        nm = self.M * self.k
        J = self.U @ self.Vt
        for j in range(self.k):  # the block diagonal, one band of offsets at a time
            for i in range(self.k):
                J[np.arange(i, nm, self.k), np.arange(j, nm, self.k)] += self.A[:, i, j]
        J[nm:, nm:] += self.macro
        if self.coupling is not None:
            J[:nm, :nm] += self.coupling.toarray()
        return J

    def solver(self):
        """Factor J itself; ``solve(b)`` applies J^{-1}."""
        if self.shape[0] <= DENSE_SOLVE and self.coupling is None:
            return DenseSolver(self.toarray())
        return LowRankSolver(self.A, self.macro, self.U, self.Vt, sparse_part=self.coupling)

    def newton(self, c):
        """Factor I - c J; return an object whose ``solve(b)`` applies its inverse."""
        eye_k = np.eye(self.k)[None]
        return LowRankSolver(eye_k - c * self.A, np.eye(self.n_macro) - c * self.macro,
                             -c * self.U, self.Vt,
                             sparse_part=None if self.coupling is None else -c * self.coupling)

    def shifted(self, sigma):
        """Factor J - sigma I."""
        eye_k = np.eye(self.k)[None]
        return LowRankSolver(self.A - sigma * eye_k, self.macro - sigma * np.eye(self.n_macro),
                             self.U, self.Vt, sparse_part=self.coupling)

    def bordered(self, columns, rows, corner):
        """Factor [[J, C], [R, K]] (C: n x q, R: q x n, K: q x q) for solves of size n + q."""
        columns = np.asarray(columns, dtype=float).reshape(self.shape[0], -1)
        q = columns.shape[1]
        rows = np.asarray(rows, dtype=float).reshape(q, self.shape[0])
        corner = np.asarray(corner, dtype=float).reshape(q, q)
        n, r = self.U.shape
        if n + q <= DENSE_SOLVE and self.coupling is None:
            return DenseSolver(np.block([[self.toarray(), columns], [rows, corner]]))
        U = np.zeros((n + q, r + 2 * q))
        U[:n, :r] = self.U
        U[:n, r:r + q] = columns
        U[n:, r + q:] = np.eye(q)
        Vt = np.zeros((r + 2 * q, n + q))
        Vt[:r, :n] = self.Vt
        Vt[r:r + q, n:] = np.eye(q)
        Vt[r + q:, :n] = rows
        Vt[r + q:, n:] = corner - np.eye(q)
        tail = np.eye(self.n_macro + q)
        tail[:self.n_macro, :self.n_macro] = self.macro
        return LowRankSolver(self.A, tail, U, Vt, sparse_part=self.coupling)


class DenseJacobian:
    """A small Jacobian held as a dense array, with the interface of
    :class:`StructuredJacobian` (for systems too small for the structure to pay off)."""

    def __init__(self, array):
        self.array = np.asarray(array, dtype=float)
        self.shape = self.array.shape

    def matvec(self, v):
        return self.array @ v

    @property
    def T(self):
        return DenseJacobian(self.array.T)

    def toarray(self):
        return self.array

    def solver(self):
        return DenseSolver(self.array)

    def shifted(self, sigma):
        """Factor J - sigma I."""
        return DenseSolver(self.array - sigma * np.eye(self.shape[0]))

    def bordered(self, columns, rows, corner):
        n = self.shape[0]
        columns = np.asarray(columns, dtype=float)
        q = 1 if columns.ndim == 1 else columns.shape[1]
        matrix = np.empty((n + q, n + q))
        matrix[:n, :n] = self.array
        matrix[:n, n:] = columns.reshape(n, q)
        matrix[n:, :n] = rows
        matrix[n:, n:] = corner
        return DenseSolver(matrix)


class _Scaled:
    def __init__(self, jac, c):
        self.jac, self.c = jac, c


class UnitMatrix:
    """Stands for the identity in ``I - c * J`` expressions, producing a Newton factor."""

    def __sub__(self, scaled):
        return scaled.jac.newton(scaled.c)


def _lu(matrix):
    """LU factors of a small dense matrix; raises LinAlgError if it is singular."""
    if not np.all(np.isfinite(matrix)):
        raise np.linalg.LinAlgError("non-finite structured matrix")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", la.LinAlgWarning)
        factor = la.lu_factor(matrix)
    if not np.all(np.isfinite(factor[0])) or np.any(np.diag(factor[0]) == 0):
        raise np.linalg.LinAlgError("singular structured matrix")
    return factor


def _permutation_sign(perm):
    """+1 or -1: the parity of a permutation, from its number of cycles."""
    seen = np.zeros(perm.size, dtype=bool)
    cycles = 0
    for start in range(perm.size):
        if not seen[start]:
            cycles += 1
            j = start
            while not seen[j]:
                seen[j] = True
                j = perm[j]
    return -1.0 if (perm.size - cycles) % 2 else 1.0


def _lu_sign_logdet(factor):
    d, pivots = np.diag(factor[0]), factor[1]
    swaps = np.sum(pivots != np.arange(pivots.size))
    return np.prod(np.sign(d)) * (-1) ** swaps, np.sum(np.log(np.abs(d)))


class DenseSolver:
    """LU of a small dense matrix, with the interface of :class:`LowRankSolver`.

    Matrices of up to TINY rows are not factored: ``numpy.linalg.solve`` on them costs less
    than the call overhead of a stored factorisation."""

    TINY = 12

    def __init__(self, matrix):
        if matrix.shape[0] <= self.TINY:
            if not np.isfinite(matrix.sum()):
                raise np.linalg.LinAlgError("non-finite matrix")
            self._matrix, self._lu = matrix, None
        else:
            self._lu = _lu(matrix)

    def solve(self, b):
        if self._lu is None:
            return np.linalg.solve(self._matrix, b)
        return la.lu_solve(self._lu, b, check_finite=False)

    def slogdet(self):
        if self._lu is None:
            return np.linalg.slogdet(self._matrix)
        return _lu_sign_logdet(self._lu)


class LowRankSolver:
    """Solves (Q + U Vt) x = b, Q = blockdiag(blocks, tail) (+ sparse_part on the blocks).

    Raises ``numpy.linalg.LinAlgError`` if Q or the small capacitance matrix is singular.
    """

    def __init__(self, blocks, tail, U, Vt, *, sparse_part=None):
        self.M, self.k = blocks.shape[0], blocks.shape[1]
        self.nm = self.M * self.k
        if sparse_part is None:
            if self.k == 1:  # one state per unit: a division, not M inversions of 1 x 1
                if np.any(blocks == 0):
                    raise np.linalg.LinAlgError("singular block")
                self._block_inv = 1.0 / blocks
            else:
                self._block_inv = np.linalg.inv(blocks)
            self._sparse = None
        else:
            Q = sparse.block_diag(list(blocks), format="csc") + sparse_part
            self._sparse = spla.splu(sparse.csc_matrix(Q))
        self._tail = _lu(tail) if tail.size else None
        self.U, self.Vt = U, Vt
        r = U.shape[1]
        self._QinvU = self._solve_q(U)
        self._small = _lu(np.eye(r) + Vt @ self._QinvU) if r else None

    def _solve_q(self, b):
        out = np.array(b, dtype=float, copy=True)
        micro = out[:self.nm]
        if self._sparse is not None:
            out[:self.nm] = self._sparse.solve(micro)
        elif b.ndim == 1:
            out[:self.nm] = np.einsum("mij,mj->mi", self._block_inv,
                                      micro.reshape(self.M, self.k)).ravel()
        else:
            out[:self.nm] = np.einsum("mij,mjr->mir", self._block_inv,
                                      micro.reshape(self.M, self.k, -1)).reshape(self.nm, -1)
        if self._tail is not None:
            out[self.nm:] = la.lu_solve(self._tail, out[self.nm:], check_finite=False)
        return out

    def solve(self, b):
        """(Q + U Vt)^{-1} b."""
        x = self._solve_q(b)
        if self._small is None:
            return x
        return x - self._QinvU @ la.lu_solve(self._small, self.Vt @ x, check_finite=False)

    def slogdet(self):
        """sign and log|det| by the matrix determinant lemma,
        det(Q + U Vᵀ) = det(Q) det(I + Vᵀ Q⁻¹ U)."""
        if self._sparse is not None:  # P_r Q P_c = L U with a unit lower triangular L
            d = self._sparse.U.diagonal()
            sign = (np.prod(np.sign(d)) * _permutation_sign(self._sparse.perm_r)
                    * _permutation_sign(self._sparse.perm_c))
            logdet = np.sum(np.log(np.abs(d)))
        else:
            signs, logs = np.linalg.slogdet(self._block_inv)  # det(Q_i) = 1/det(Q_i^{-1})
            sign, logdet = np.prod(signs), -np.sum(logs)
        for factor in (self._tail, self._small):
            if factor is not None:
                part_sign, part_log = _lu_sign_logdet(factor)
                sign, logdet = sign * part_sign, logdet + part_log
        return sign, logdet
