r"""Variable-order BDF whose Newton solves use the structured Jacobian.

The step, order and error control are scipy's :class:`scipy.integrate.BDF` (the NDF/BDF scheme
of Shampine & Reichelt 1997, SIAM J. Sci. Comput. 18, the one of MATLAB's ode15s). Only its
linear algebra is replaced: scipy forms and LU-factors the dense n x n matrix I - cJ, which costs
O(n^3) and O(n^2) memory; here J is a :class:`StructuredJacobian` and I - cJ is solved by the
Woodbury identity in O(n). Dense output and step-size control are unchanged, so the method is
a drop-in ``method=`` for :func:`scipy.integrate.solve_ivp`.
"""

import scipy.sparse as sparse
from scipy.integrate import BDF

from ._linalg import UnitMatrix


class StructuredBDF(BDF):
    """:class:`scipy.integrate.BDF` with ``jac(t, y)`` returning a StructuredJacobian."""

    def __init__(self, fun, t0, y0, t_bound, *, jac, **options):
        self._structured_jac = jac
        super().__init__(fun, t0, y0, t_bound, jac=jac, **options)
        self.J = self.jac(t0, self.y)
        self.I = UnitMatrix()
        self.lu = self._factor
        self.solve_lu = self._solve

    def _validate_jac(self, jac, sparsity):
        # Hand the base class an empty sparse matrix so that it allocates nothing dense;
        # __init__ then swaps in the structured Jacobian and its solvers.
        def structured(t, y):
            self.njev += 1
            return self._structured_jac(t, y)

        return structured, sparse.csc_matrix((self.n, self.n))

    def _factor(self, newton_matrix):
        self.nlu += 1
        return newton_matrix

    @staticmethod
    def _solve(factor, b):
        return factor.solve(b)
