r"""The equilibrium problem of a model: F(u, p) = 0 for the flat coupled state u = (x, y).

Shared by :func:`~coupling.equilibria` and :func:`~coupling.continuation`. It wraps a
:class:`~coupling.model._system.System` and provides

* the residual F (the right-hand side of the coupled ODE) and its structured Jacobian;
* the *reduced* residual in the low-dimensional coupling space s = (X, y):
  :math:`R(s) = (A(x^*(c(s))) - X,\; F(y, X, c(s)))`, where :math:`x^*(c)` is the micro
  equilibrium for a frozen context (choice probabilities P(c); for ODE units Newton on
  f(x_i, θ_i, c) = 0 unit by unit);
* the spectrum of the full coupled Jacobian at the model's ε.
"""

import numpy as np
import scipy.sparse.linalg as spla

from .._errors import DeclarationError
from ..model._system import System

DENSE_LIMIT = 120  # up to this many states the spectrum is computed densely


class EquilibriumProblem:
    def __init__(self, model, population=None, seed=None, params=None):
        population = model.population if population is None else population
        self.discrete = model.time == "discrete"
        kind = model.micro.kind
        if kind in ("step", "response"):
            raise DeclarationError(
                f"equilibria need an ODE or a choice rule (a finite choice population is "
                f"followed by its expected choice probabilities); got a {kind} rule",
                level="micro")
        if model.network is not None:
            raise DeclarationError("equilibria of network models are not supported yet",
                                   symbol="network", level="network")
        if not model.compiled.differentiable:
            raise DeclarationError("equilibria need derivatives of every aggregate; a "
                                   "Statistic aggregate is opaque", level="aggregates")
        self.model = model
        self.system = System(model, population, seed=seed, params=params, expected=True)
        s = self.system
        code = model.compiled
        read = set(code.macro.names).union(*(c.names for c in code.context.values()))
        # aggregates nobody reads are outputs; the coupling runs through the others
        self.read = [i for i, n in enumerate(s.global_aggregates) if n in read]
        self.coupling_names = tuple(s.global_aggregates[i] for i in self.read) + s.macro_names
        self.guess = s.initial_micro()

    # ------------------------------------------------------------------ full system
    def residual(self, u):
        return self.system.residual(u)

    def jacobian(self, u):
        return self.system.jacobian(u)

    def set_parameter(self, name, value):
        params = dict(self.system.params)
        params[name] = float(value)
        self.system.set_parameters(params)

    def newton(self, u, *, tol=1e-12, max_iter=40):
        """Newton on F(u) = 0 with structured solves; returns (u, residual norm, converged)."""
        u = np.array(u, dtype=float)
        for _ in range(max_iter):
            F = self.residual(u)
            norm = np.max(np.abs(F))
            if not np.isfinite(norm):
                return u, norm, False
            if norm <= tol:
                return u, norm, True
            try:
                u = u - self.jacobian(u).solver().solve(F)
            except np.linalg.LinAlgError:
                return u, norm, False
        F = self.residual(u)
        return u, np.max(np.abs(F)), bool(np.max(np.abs(F)) <= tol)

    # ------------------------------------------------------------------ reduced system
    def micro_equilibrium(self, ctx, guess=None):
        """Micro state at rest for a frozen context (per-unit Newton for ODE rules)."""
        s = self.system
        if s.choice:
            return s.rule_values(None, ctx)
        Z = np.array(self.guess if guess is None else guess, dtype=float)
        identity = np.eye(s.k) if self.discrete else 0.0  # maps: the fixed point of g
        for _ in range(50):  # Newton, unit by unit (batched k x k solves)
            f = s.rule_values(Z, ctx) - (Z if self.discrete else 0.0)
            if np.max(np.abs(f)) < 1e-13:
                break
            A, _ = s._rule_jacobians(Z, ctx)
            try:
                Z = Z - _batched_solve(A * s.eps - identity, f)
            except np.linalg.LinAlgError:
                break
        self.guess = Z  # warm start for the next nearby context
        return Z

    def reduced_residual(self, point, guess=None):
        """R(s) on s = (global aggregates, macro state); returns (R, micro state)."""
        s = self.system
        a = len(self.read)
        X = np.zeros(len(s.global_aggregates))
        X[self.read] = point[:a]
        y = np.asarray(point[a:], float)
        ctx = s.context(y, X, {})
        Z = self.micro_equilibrium(ctx, guess)
        X_new = s.aggregates(Z)[0]
        macro = s.macro_rhs(y, X, ctx) - (y if self.discrete else 0.0)
        return np.concatenate([X_new[self.read] - X[self.read], macro]), Z

    def lift(self, point, guess=None):
        """The full state u at a point of the coupling space."""
        _, Z = self.reduced_residual(point, guess)
        return self.system.pack(Z, np.asarray(point[len(self.read):], float))

    def coupling_point(self, u):
        """(X, y) of a full state u."""
        s = self.system
        Z, y = s.unpack(u)
        return np.concatenate([s.aggregates(Z)[0][self.read], y])

    # ------------------------------------------------------------------ spectrum
    def spectrum(self, u, count=6):
        """Leading eigenvalues (flows, largest real part first) or multipliers (maps,
        largest modulus first), and whether the spectrum is complete.

        Up to DENSE_LIMIT states: all of them, dense. Beyond: shift-invert Arnoldi with
        structured O(N) solves near the stability boundary: eigenvalues near 0 and near the
        rightmost block eigenvalue (flows); multipliers near +1 and -1 (maps).
        """
        J = self.jacobian(u)
        n = J.shape[0]
        if n <= DENSE_LIMIT:
            eig = np.linalg.eigvals(J.toarray())
            complete = True
        else:
            if self.discrete:
                shifts = {1e-6, -2.0}
            else:
                blocks = J.A.ravel() if J.k == 1 else np.linalg.eigvals(J.A).ravel()
                shifts = {1e-6}
                if blocks.real.max() > -1e-6:
                    shifts.add(float(blocks.real.max()) + 1e-6)
            found = []
            for sigma in sorted(shifts):
                op = spla.LinearOperator((n, n), matvec=shifted_solver(J, sigma).solve,
                                         dtype=float)
                try:
                    vals = spla.eigs(op, k=min(count, n - 2), which="LM",
                                     return_eigenvectors=False, tol=1e-10)
                except spla.ArpackNoConvergence as partial:  # keep what did converge
                    vals = partial.eigenvalues
                found.append(sigma + 1 / vals)
            eig = np.unique(np.round(np.concatenate(found), 12))
            complete = False
        if self.discrete:
            multipliers = eig + 1
            return multipliers[np.argsort(-np.abs(multipliers))], complete
        return eig[np.argsort(-eig.real)], complete

    def count_unstable(self, values):
        """Eigenvalues with a positive real part (multipliers outside the unit circle),
        beyond round-off: a special point's critical value is on the boundary to that
        accuracy."""
        if not values.size:
            return 0
        scale = max(1.0, float(np.max(np.abs(values))))
        excess = np.abs(values) - 1 if self.discrete else values.real
        return int(np.sum(excess > 1e-9 * scale))


def _batched_solve(A, b):
    """Solve A_i x_i = b_i for a stack of k x k blocks (a division when k = 1)."""
    if A.shape[1] == 1:
        return b / A[:, 0, :]
    return np.linalg.solve(A, b[..., None])[..., 0]


def shifted_solver(J, sigma):
    from ..dynamics._linalg import LowRankSolver

    eye_k = np.eye(J.k)[None]
    return LowRankSolver(J.A - sigma * eye_k, J.macro - sigma * np.eye(J.n_macro), J.U, J.Vt,
                         sparse_part=J.coupling)
