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

A network whose sparse LU would fill in (an expander such as a random graph has treewidth of
order N, so any elimination order fills Θ(N²) entries: Lipton, Rose & Tarjan 1979,
"Generalized nested dissection", SIAM J. Numer. Anal. 16) is solved instead by GMRES (Saad &
Schultz 1986, SIAM J. Sci. Stat. Comput. 7), preconditioned by the same Woodbury solve with
the network left out: O(N) per iteration (:class:`KrylovSolver`).
"""

import functools
import math

import numpy as np
import scipy.sparse.linalg as spla
from scipy import sparse
from scipy.linalg import lapack
from scipy.sparse.csgraph import reverse_cuthill_mckee

#: Below this size, systems are factored densely: the structure pays off only beyond it.
DENSE_SOLVE = 200
#: Networks up to this many unit states, or whose reverse Cuthill-McKee envelope stays below
#: FILL_PER_STATE entries per state (rings, narrow bands), are factored by sparse LU; others
#: are solved by preconditioned GMRES.
DIRECT_STATES = 600
FILL_PER_STATE = 100
#: GMRES: relative residual, Krylov space between restarts, most restarts.
KRYLOV_RTOL = 1e-10
KRYLOV_RESTART = 60
KRYLOV_RESTARTS = 20


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
    translations : (Translations, ndarray (E, k, k)), optional
        The translation group of the network (:func:`coupling.networks.translations`) and
        the coupling's k x k block of every tie, in the network's CSR order.
    iterative : bool, default False
        Solve with the network part by preconditioned GMRES instead of sparse LU
        (:func:`lu_fills`).
    """

    def __init__(self, A, U, Vt, *, coupling=None, macro=None, translations=None,
                 iterative=False):
        self.A, self.U, self.Vt = A, U, Vt
        self.coupling = coupling
        self.translations = translations
        self.iterative = iterative and coupling is not None
        self.M, self.k = A.shape[0], A.shape[1]
        n = U.shape[0]
        m = n - self.M * self.k
        self.macro = np.zeros((m, m)) if macro is None else np.asarray(macro, dtype=float)
        self.shape = (n, n)
        self._diagonal = None  # diag(P) for the diagonal Newton factors, found on first use

    def _diagonal_part(self):
        """diag(P) when P is diagonal (one state per unit, no network, diagonal macro block),
        else False; keeps U's transpose contiguous for the diagonal Newton factors."""
        m = self.n_macro
        if self.k != 1 or self.coupling is not None or (
                m > 1 and np.any(self.macro - np.diag(np.diag(self.macro)))):
            return False
        self._Ut = np.ascontiguousarray(self.U.T)
        return np.concatenate([self.A.reshape(self.M), np.diag(self.macro)])

    @property
    def n_macro(self):
        return self.macro.shape[0]

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
                                  else self.coupling.T.tocsr(), macro=self.macro.T,
                                  iterative=self.iterative)

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
        return self._factor(self.matvec, self.A, self.macro, self.U, self.Vt)

    def _factor(self, matvec, blocks, tail, U, Vt, *, sparse_part=None, u_scale=1.0):
        """LowRankSolver of Q + s U Vᵀ, Q = blockdiag(blocks, tail) + sparse_part (default:
        the network part); with ``iterative``, GMRES on ``matvec`` preconditioned by the
        solver without the network part."""
        sparse_part = self.coupling if sparse_part is None else sparse_part
        if not self.iterative:
            return LowRankSolver(blocks, tail, U, Vt, sparse_part=sparse_part, u_scale=u_scale)
        return KrylovSolver(matvec, U.shape[0],
                            LowRankSolver(blocks, tail, U, Vt, u_scale=u_scale))

    def newton(self, c):
        """Factor I - c J; return an object whose ``solve(b)`` applies its inverse.

        With one state per unit, no network and a diagonal macro block, I - c P is a
        diagonal: the factor is then one vector of reciprocals and an r x r capacitance
        matrix, in a handful of array operations (the time integrator refactors whenever
        its step changes)."""
        if self._diagonal is None:
            self._diagonal = self._diagonal_part()
        if self._diagonal is not False:
            return LowRankSolver.diagonal(1.0 - c * self._diagonal, self._Ut, self.Vt,
                                          u_scale=-c)
        blocks = -c * self.A
        if self.k == 1:
            blocks += 1.0
        else:
            blocks += np.eye(self.k)
        tail = np.eye(self.n_macro) - c * self.macro
        if self.coupling is None:
            return LowRankSolver(blocks, tail, self.U, self.Vt, u_scale=-c)
        return self._factor(lambda v: v - c * self.matvec(v), blocks, tail, self.U, self.Vt,
                            sparse_part=-c * self.coupling, u_scale=-c)

    def shifted(self, sigma):
        """Factor J - sigma I."""
        eye_k = np.eye(self.k)[None]
        return self._factor(lambda v: self.matvec(v) - sigma * v, self.A - sigma * eye_k,
                            self.macro - sigma * np.eye(self.n_macro), self.U, self.Vt)

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

        def matvec(v):
            return np.concatenate([self.matvec(v[:n]) + columns @ v[n:],
                                   rows @ v[:n] + corner @ v[n:]])

        return self._factor(matvec, self.A, tail, U, Vt)


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

    def newton(self, c):
        """Factor I - c J."""
        return DenseSolver(np.eye(self.shape[0]) - c * self.array)

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


class SmallLU:
    """LU factors of a small dense matrix by LAPACK getrf, solved by getrs.

    The LAPACK routines are called directly: on the tiny tail and capacitance matrices of
    the structured solves (a few rows), the checks of the scipy.linalg wrappers would cost
    more than the arithmetic. Raises LinAlgError if the matrix is not finite or is exactly
    singular.
    """

    __slots__ = ("_getrs", "lu", "piv")

    def __init__(self, matrix):
        matrix = np.asarray(matrix)
        complex_ = matrix.dtype.kind == "c"
        if not np.isfinite(np.add.reduce(matrix, axis=None)):  # (a sum of finite entries
            raise np.linalg.LinAlgError("non-finite structured matrix")  # overflows rarely)
        getrf = lapack.zgetrf if complex_ else lapack.dgetrf
        self._getrs = lapack.zgetrs if complex_ else lapack.dgetrs
        self.lu, self.piv, info = getrf(matrix)
        if info > 0 or not np.isfinite(np.add.reduce(self.lu, axis=None)):
            raise np.linalg.LinAlgError("singular structured matrix")

    def solve(self, b):
        """A^{-1} b for a vector or a matrix b."""
        if np.iscomplexobj(b) and self.lu.dtype.kind != "c":
            return self.solve(b.real) + 1j * self.solve(b.imag)
        return self._getrs(self.lu, self.piv, b)[0]

    def slogdet(self):
        """sign and log|det| from the diagonal of U and the row interchanges."""
        d = np.diag(self.lu)
        swaps = np.count_nonzero(self.piv != np.arange(self.piv.size))
        return np.prod(np.sign(d)) * (-1) ** swaps, np.sum(np.log(np.abs(d)))


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
            self._lu = SmallLU(matrix)

    def solve(self, b):
        if self._lu is None:
            return np.linalg.solve(self._matrix, b)
        return self._lu.solve(b)

    def slogdet(self):
        if self._lu is None:
            return np.linalg.slogdet(self._matrix)
        return self._lu.slogdet()


class LowRankSolver:
    """Solves (Q + s U Vt) x = b, Q = blockdiag(blocks, tail) (+ sparse_part on the blocks),
    s = ``u_scale`` (a scalar factor of U, folded into the r x r algebra).

    One state per unit (k = 1) makes the blocks a diagonal, inverted by one division, and
    with a diagonal tail Q^{-1} is one vector of reciprocals. A solve is x = Q^{-1} b, then
    x - W (Vt x) with W = s Q^{-1} U (I + s Vt Q^{-1} U)^{-1} formed once (and held as its
    transpose, whose rows are contiguous). Raises ``numpy.linalg.LinAlgError`` if Q or the
    capacitance matrix I + s Vt Q^{-1} U is singular.
    """

    def __init__(self, blocks, tail, U, Vt, *, sparse_part=None, u_scale=1.0):
        self.M, self.k = blocks.shape[0], blocks.shape[1]
        self.nm = self.M * self.k
        self._diag = self._block_inv = self._sparse = self._whole = None
        if sparse_part is not None:
            Q = block_diagonal(blocks) + sparse_part
            try:
                self._sparse = spla.splu(sparse.csc_matrix(Q))
            except RuntimeError:  # Q singular (a conservation law along the network)
                self._whole, self._rank = _bordered_lu(Q, tail, u_scale * U, Vt), U.shape[1]
                return
        elif self.k == 1:  # one state per unit: a division, not M inversions of 1 x 1
            self._diag = _reciprocal(blocks.reshape(self.M))
        else:
            self._block_inv = np.linalg.inv(blocks)
        self._tail = self._tail_diag = None
        if tail.shape[0] <= 1 or not np.any(tail - np.diag(np.diag(tail))):
            self._tail_diag = _reciprocal(np.diag(tail))
        else:
            self._tail = SmallLU(tail)
        self._qinv = (np.concatenate([self._diag, self._tail_diag])
                      if self._diag is not None and self._tail_diag is not None else None)
        self._couple(U.T, Vt, u_scale)

    @classmethod
    def diagonal(cls, q, Ut, Vt, *, u_scale=1.0):
        """The solver for a diagonal Q = diag(q) (one state per unit, diagonal tail), from
        the r x n transpose of U."""
        self = cls.__new__(cls)
        self.M, self.k = q.size, 1
        self.nm = q.size
        self._diag = self._block_inv = self._sparse = self._tail = self._whole = None
        self._tail_diag = np.empty(0)
        self._qinv = _reciprocal(q)
        self._couple(Ut, Vt, u_scale)
        return self

    def _couple(self, Ut, Vt, u_scale):
        """Factor the capacitance matrix and form W^T."""
        self.Vt = Vt
        r = Ut.shape[0]
        self._small = self._Wt = None
        if r:
            QinvU_t = (Ut * self._qinv if self._qinv is not None
                       else np.ascontiguousarray(self._solve_q(Ut.T).T))
            eye = _identity(r)
            capacitance = Vt @ QinvU_t.T
            capacitance *= u_scale
            capacitance += eye
            self._small = SmallLU(capacitance)
            inverse = self._small.solve(eye)
            inverse *= u_scale
            self._Wt = inverse.T @ QinvU_t

    def _solve_q(self, b):
        """Q^{-1} b, for a vector or a matrix b."""
        if self._qinv is not None:
            return b * (self._qinv if b.ndim == 1 else self._qinv[:, None])
        nm = self.nm
        out = np.empty(b.shape)
        micro = b[:nm]
        if self._sparse is not None:
            out[:nm] = self._sparse.solve(micro)
        elif self._diag is not None:
            np.multiply(micro, self._diag if b.ndim == 1 else self._diag[:, None],
                        out=out[:nm])
        elif b.ndim == 1:
            out[:nm] = np.einsum("mij,mj->mi", self._block_inv,
                                 micro.reshape(self.M, self.k)).ravel()
        else:
            out[:nm] = np.einsum("mij,mjr->mir", self._block_inv,
                                 micro.reshape(self.M, self.k, -1)).reshape(nm, -1)
        if self._tail is not None:
            out[nm:] = self._tail.solve(b[nm:])
        else:
            np.multiply(b[nm:], self._tail_diag if b.ndim == 1 else self._tail_diag[:, None],
                        out=out[nm:])
        return out

    def solve(self, b):
        """(Q + U Vt)^{-1} b."""
        if self._whole is not None:
            b = np.asarray(b, dtype=float)
            padded = np.zeros((self._whole.shape[0],) + b.shape[1:])
            padded[:b.shape[0]] = b
            return self._whole.solve(padded)[:b.shape[0]]
        x = self._solve_q(np.asarray(b, dtype=float))
        if self._Wt is not None:
            x -= self._Wt.T @ (self.Vt @ x)
        return x

    def slogdet(self):
        """sign and log|det| by the matrix determinant lemma,
        det(Q + U Vᵀ) = det(Q) det(I + Vᵀ Q⁻¹ U)."""
        if self._whole is not None:  # det [[Q, U], [Vᵀ, -I]] = (-1)^r det(Q + U Vᵀ)
            return _splu_slogdet(self._whole, (-1.0) ** self._rank)
        if self._qinv is not None:  # det(Q) = 1/prod(Q^{-1})
            sign, logdet = np.prod(np.sign(self._qinv)), -np.sum(np.log(np.abs(self._qinv)))
        else:
            if self._sparse is not None:
                sign, logdet = _splu_slogdet(self._sparse)
            elif self._diag is not None:
                sign = np.prod(np.sign(self._diag))
                logdet = -np.sum(np.log(np.abs(self._diag)))
            else:
                signs, logs = np.linalg.slogdet(self._block_inv)
                sign, logdet = np.prod(signs), -np.sum(logs)
            if self._tail_diag is not None:
                sign *= np.prod(np.sign(self._tail_diag))
                logdet -= np.sum(np.log(np.abs(self._tail_diag)))
        for factor in (self._tail, self._small):
            if factor is not None:
                part_sign, part_log = factor.slogdet()
                sign, logdet = sign * part_sign, logdet + part_log
        return sign, logdet


class KrylovSolver:
    """Solves A x = b by restarted GMRES (scipy) to a relative residual KRYLOV_RTOL, with a
    preconditioner whose ``solve`` approximates A⁻¹ (the Woodbury solve without the network
    part). Raises ``numpy.linalg.LinAlgError`` when GMRES does not reach it (with the
    residual reached); ``slogdet`` raises it too: an iterative solve has no determinant."""

    def __init__(self, matvec, n, preconditioner):
        self._operator = spla.LinearOperator((n, n), matvec=matvec, dtype=float)
        self._preconditioner = spla.LinearOperator((n, n), matvec=preconditioner.solve,
                                                   dtype=float)

    def solve(self, b):
        b = np.asarray(b, dtype=float)
        if b.ndim == 2:
            return np.column_stack([self.solve(column) for column in b.T])
        scale = float(np.linalg.norm(b))
        if scale == 0.0:
            return np.zeros_like(b)
        x0 = self._preconditioner.matvec(b)
        x, info = spla.gmres(self._operator, b, x0=x0, M=self._preconditioner,
                             rtol=KRYLOV_RTOL, atol=0.0, restart=KRYLOV_RESTART,
                             maxiter=KRYLOV_RESTARTS)
        residual = float(np.linalg.norm(self._operator.matvec(x) - b)) / scale
        if info != 0 or not residual <= 10 * KRYLOV_RTOL:
            raise np.linalg.LinAlgError(
                f"GMRES reached a relative residual of {residual:.1e} after "
                f"{KRYLOV_RESTARTS} restarts of {KRYLOV_RESTART} (asked {KRYLOV_RTOL:.0e})")
        return x

    def slogdet(self):
        raise np.linalg.LinAlgError("an iterative (GMRES) solve has no determinant")


def lu_fills(neighbours, k):
    """Whether a sparse LU of a network Jacobian with k states per unit would fill in: more
    than DIRECT_STATES unit states and a reverse Cuthill-McKee envelope (Cuthill & McKee
    1969; George & Liu 1981, "Computer Solution of Large Sparse Positive Definite Systems",
    §4) beyond FILL_PER_STATE entries per unit, the profile a banded elimination would fill."""
    M = neighbours.shape[0]
    if M * k <= DIRECT_STATES:
        return False
    pattern = sparse.csr_matrix(neighbours)
    pattern = ((pattern + pattern.T) != 0).astype(np.int8).tocsr()
    order = reverse_cuthill_mckee(pattern, symmetric_mode=True)
    position = np.empty_like(order)
    position[order] = np.arange(M)
    entries = pattern.tocoo()
    first = np.arange(M)
    np.minimum.at(first, position[entries.row], position[entries.col])
    return int(np.sum(np.arange(M) - first)) > FILL_PER_STATE * M


def _splu_slogdet(lu, sign=1.0):
    """sign and log|det| of a SuperLU factor: P_r A P_c = L U, L unit lower triangular."""
    d = lu.U.diagonal()
    sign *= np.prod(np.sign(d)) * _permutation_sign(lu.perm_r) * _permutation_sign(lu.perm_c)
    return sign, np.sum(np.log(np.abs(d)))


def _bordered_lu(Q, tail, U, Vt):
    r"""Sparse LU of :math:`K = [[Q \oplus T, U], [V^T, -I_r]]`, whose leading block of the
    solution of K (x, z) = (b, 0) is :math:`(Q \oplus T + U V^T)^{-1} b`: used when Q itself
    is singular (e.g. a quantity conserved along the network part), while J is not. K has
    2 n r entries beyond Q's; the ordering puts its r dense rows and columns last."""
    r = U.shape[1]
    P = sparse.block_diag([Q, sparse.csr_matrix(tail)]) if tail.shape[0] else Q
    K = sparse.bmat([[P, sparse.csr_matrix(U)],
                     [sparse.csr_matrix(Vt), -sparse.eye(r)]], format="csc")
    try:
        return spla.splu(K)
    except RuntimeError as error:
        raise np.linalg.LinAlgError(f"singular structured matrix ({error})") from None


def block_diagonal(blocks):
    """blockdiag(B_1, ..., B_M) of a stack of p x q blocks (M, p, q), as a CSR matrix
    (M p, M q), built from its index arrays in a few whole-array operations."""
    M, p, q = blocks.shape
    columns = (np.arange(M)[:, None, None] * q + np.arange(q)[None, None, :])
    indices = np.broadcast_to(columns, (M, p, q)).ravel()
    indptr = np.arange(M * p + 1) * q
    return sparse.csr_matrix((blocks.ravel(), indices, indptr), shape=(M * p, M * q))


def network_part(left, neighbours, right):
    r"""The sparse unit-to-unit coupling :math:`S = \mathrm{blockdiag}(L_i)\,(W \otimes
    I_l)\,\mathrm{blockdiag}(R_j)` of units that read l network-local aggregates, as a
    block-sparse (BSR) matrix with one k x k block :math:`w_{ij} L_i R_j` per edge of W, in
    W's CSR order (sorted column indices).

    Parameters
    ----------
    left : ndarray (M, k, l)
        d(unit i's rates)/d(its local aggregates).
    neighbours : sparse matrix (M, M)
        The row-normalised adjacency W.
    right : ndarray (M, l, k)
        d(unit j's contribution to the local aggregates)/d(its state).
    """
    W = sparse.csr_matrix(neighbours)
    W.sort_indices()
    rows = np.repeat(np.arange(W.shape[0]), np.diff(W.indptr))
    blocks = W.data[:, None, None] * np.einsum("eal,elb->eab", left[rows], right[W.indices])
    k = left.shape[1]
    return sparse.bsr_matrix((blocks, W.indices, W.indptr),
                             shape=(W.shape[0] * k, W.shape[1] * k))


@functools.cache
def _identity(r):
    """A read-only r x r identity (made once per size)."""
    eye = np.eye(r)
    eye.flags.writeable = False
    return eye


def _reciprocal(diagonal):
    """1/d for a finite diagonal without zeros (else LinAlgError)."""
    total = float(np.add.reduce(diagonal))
    if not (math.isfinite(total) and diagonal.all()):
        raise np.linalg.LinAlgError("singular or non-finite diagonal block")
    return 1.0 / diagonal
