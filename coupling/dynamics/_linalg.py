r"""Linear algebra on the structure of a coupled Jacobian.

The flat state is u = (x_1, ..., x_M, y): M units with k states each, then m macro variables.
Units interact only through a aggregates and the macro state, so

.. math::  J = P + U V^T, \qquad P = \mathrm{blockdiag}(A_1, \dots, A_M, 0_m) + S

with k x k blocks :math:`A_i`, a sparse part S only when units read network-local aggregates,
and rank r = a + m factors U (n x r), :math:`V^T` (r x n). A Newton matrix
:math:`I - cJ` is solved with the Woodbury identity

.. math::  (Q - c U V^T)^{-1} = Q^{-1} + c\,Q^{-1} U (I_r - c V^T Q^{-1} U)^{-1} V^T Q^{-1},

with :math:`Q = I - cP` factored block by block (one batched call) or, with a network, by a
sparse LU. The cost is O(M k^3 + n r^2 + r^3) instead of O(n^3) (Woodbury 1950; Hager 1989,
"Updating the inverse of a matrix", SIAM Review 31).
"""

import numpy as np
import scipy.linalg as la
import scipy.sparse as sparse
import scipy.sparse.linalg as spla


class StructuredJacobian:
    """J = blockdiag(A) (+ S) + U Vt on the flat state (micro block by block, then macro).

    Parameters
    ----------
    A : ndarray (M, k, k)
        Per-unit blocks.
    U, Vt : ndarray (n, r), (r, n)
        The low-rank coupling through aggregates and macro variables.
    coupling : sparse matrix (M k, M k), optional
        Unit-to-unit coupling through a network.
    n_macro : int
        Number of macro variables (the last rows/columns, whose diagonal block in P is 0).
    """

    def __init__(self, A, U, Vt, *, coupling=None, n_macro=0):
        self.A, self.U, self.Vt = A, U, Vt
        self.coupling = coupling
        self.n_macro = n_macro
        self.M, self.k = A.shape[0], A.shape[1]
        self.shape = (self.M * self.k + n_macro,) * 2

    def __rmul__(self, c):
        return _Scaled(self, c)

    def matvec(self, v):
        """J @ v."""
        nm = self.M * self.k
        out = np.empty_like(v, dtype=float)
        out[:nm] = np.einsum("mij,mj->mi", self.A, v[:nm].reshape(self.M, self.k)).ravel()
        out[nm:] = 0.0
        if self.coupling is not None:
            out[:nm] += self.coupling @ v[:nm]
        return out + self.U @ (self.Vt @ v)

    def toarray(self):
        """The dense matrix (for checks on small systems)."""
        nm = self.M * self.k
        J = self.U @ self.Vt
        J[:nm, :nm] += la.block_diag(*self.A) if self.M else 0.0
        if self.coupling is not None:
            J[:nm, :nm] += self.coupling.toarray()
        return J

    def newton(self, c):
        """Factor I - c J; return an object whose ``solve(b)`` applies its inverse."""
        return NewtonFactor(self, c)


class _Scaled:
    def __init__(self, jac, c):
        self.jac, self.c = jac, c


class UnitMatrix:
    """Stands for the identity in ``I - c * J`` expressions, producing a Newton factor."""

    def __sub__(self, scaled):
        return scaled.jac.newton(scaled.c)


class NewtonFactor:
    """Factorisation of I - c J by block LU (or sparse LU) plus Woodbury."""

    def __init__(self, jac, c):
        self.jac, self.c = jac, c
        M, k = jac.M, jac.k
        nm = M * k
        if jac.coupling is None:
            Q = np.eye(k)[None] - c * jac.A
            self._block_inv = np.linalg.inv(Q)
            self._sparse = None
        else:
            Q = sparse.eye(nm, format="csc") - c * (
                sparse.block_diag(list(jac.A), format="csc") + jac.coupling)
            self._sparse = spla.splu(Q.tocsc())
            self._block_inv = None
        r = jac.U.shape[1]
        self._QinvU = self._solve_q(jac.U)
        small = np.eye(r) - c * (jac.Vt @ self._QinvU)
        self._small = la.lu_factor(small) if r else None

    def _solve_q(self, b):
        jac = self.jac
        nm = jac.M * jac.k
        out = np.array(b, dtype=float, copy=True)
        micro = out[:nm]
        if self._sparse is not None:
            out[:nm] = self._sparse.solve(micro)
        elif b.ndim == 1:
            out[:nm] = np.einsum("mij,mj->mi", self._block_inv,
                                 micro.reshape(jac.M, jac.k)).ravel()
        else:
            out[:nm] = np.einsum("mij,mjr->mir", self._block_inv,
                                 micro.reshape(jac.M, jac.k, -1)).reshape(nm, -1)
        return out

    def solve(self, b):
        """(I - c J)^{-1} b."""
        x = self._solve_q(b)
        if self._small is None:
            return x
        return x + self.c * (self._QinvU @ la.lu_solve(self._small, self.jac.Vt @ x))
