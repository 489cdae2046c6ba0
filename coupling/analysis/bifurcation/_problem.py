r"""The equilibrium problem of a model: F(u, p) = 0 for the flat coupled state u = (x, y).

Shared by :func:`~coupling.equilibria` and :func:`~coupling.continuation`. It wraps a
:class:`~coupling.model._system.System` and provides

* the residual F (the right-hand side of the coupled ODE) and its structured Jacobian;
* the *reduced* residual in the low-dimensional coupling space s = (X, y):
  :math:`R(s) = (A(x^*(c(s))) - X,\; F(y, X, c(s)))`, where :math:`x^*(c)` is the micro
  equilibrium for a frozen context (choice probabilities P(c); for ODE units Newton on
  f(x_i, θ_i, c) = 0 unit by unit);
* the spectrum of the full coupled Jacobian at the model's ε.

A model with a network (:class:`~coupling.Local` aggregates) has no reduced residual: each
unit's context depends on its neighbours, not on global quantities alone. Its equilibria
are searched on the full state u, from the equilibria of its *homogeneous twin*
(:func:`homogeneous_twin`: every neighbourhood mean replaced by the population mean, exact
for the uniform states of a regular graph with identical units) polished by Newton's
method with sparse LU of the block-diagonal-plus-network part and the global aggregates
through Woodbury (:class:`~coupling._linalg.LowRankSolver`); its spectrum comes from
:func:`~coupling.analysis.bifurcation._secular.network_leading_eigenvalues`, since the
secular equation needs a block-diagonal part.

A response rule x = r(θ, c) is the ε → 0 limit of ε ẋ = r - x: its equilibria are the zeros of
that relaxed system (whatever ε), and its stability is that of the limit, from the split
J = [[J_xx, J_xy], [J_yx, J_yy]] into micro and macro: fast eigenvalues of ε J_xx (in the fast
time t/ε) and slow eigenvalues of the Schur complement :math:`S = J_{yy} - J_{yx} J_{xx}^{-1}
J_{xy}`, the Jacobian of the reduced slow system y' = F(y, X*(y), c) (Fenichel 1979, "Geometric
singular perturbation theory for ordinary differential equations", J. Differential Equations
31).
"""

import numpy as np

from ..._errors import DeclarationError, ParameterDomainError
from ..._linalg import DENSE_SOLVE, DenseJacobian, StructuredJacobian
from ...model._expressions import UnitStep
from ...model._flat import flat_system
from ...model._rules import Local, Mean, MeanField
from ...model._system import System
from ._secular import leading_eigenvalues, network_leading_eigenvalues

DENSE_LIMIT = 120  # up to this many states the spectrum is computed densely


class EquilibriumProblem:
    def __init__(self, model, population=None, seed=None, params=None):
        population = model.population if population is None else population
        if model.network is not None and isinstance(population, MeanField):
            raise DeclarationError("a network needs a finite population=N of the same size; "
                                   "its homogeneous limit is the model with every Local "
                                   "aggregate declared as a Mean", symbol="network",
                                   level="network")
        self.discrete = model.time == "discrete"
        kind = model.micro.kind
        if kind == "step":
            raise DeclarationError(
                "equilibria need an ODE, a choice or a response rule (a finite choice "
                "population is followed by its expected choice probabilities); got a step "
                "rule", level="micro")
        if kind == "response" and self.discrete:
            raise DeclarationError("equilibria of discrete-time response models are not "
                                   "supported yet", level="micro")
        self.network = model.network is not None
        if self.network and self.discrete:
            raise DeclarationError("equilibria of discrete-time network models are not "
                                   "supported yet", symbol="network", level="network")
        if not model.compiled.differentiable:
            raise DeclarationError("equilibria need derivatives of every aggregate; a "
                                   "Statistic aggregate is opaque", level="aggregates")
        self.model, self.population, self.seed = model, population, seed
        self._system = System(model, population, seed=seed, params=params, expected=True)
        s = self._system
        if not s.mean_field and (steps := _steps(s.code)):
            level, symbol = steps[0]
            raise DeclarationError(
                "equilibria and their stability need a differentiable rule, and in a finite "
                "population this one steps (heaviside, a comparison or where) where its "
                "derivative is zero: "
                "give the threshold a continuous trait and use the mean field, which "
                "integrates the step exactly through the trait's CDF, or use a smooth rule "
                "(e.g. a logit)", symbol=symbol, level=level)
        self._params, self._stale = dict(s.params), False
        self.flat = flat_system(s)
        self._traits_read = set().union(*(d.parameters() for d in model.traits.values()))
        self._linearised = self._network_jacobian = None
        code = model.compiled
        read = set(code.macro.names).union(*(c.names for c in code.context.values()))
        # aggregates nobody reads are outputs; the coupling runs through the others
        self.read = [i for i, n in enumerate(s.global_aggregates) if n in read]
        self.coupling_names = tuple(s.global_aggregates[i] for i in self.read) + s.macro_names
        self.guess = s.initial_micro()

    @property
    def system(self):
        """The :class:`System`, at the current parameter values."""
        if self._stale:
            self._system.set_parameters(dict(self._params))
            self._stale = False
        return self._system

    def set_parameters(self, values):
        """Use new parameter values: the one path by which every analysis moves parameters.

        It refreshes whatever depends on them: the written-out small-system code, the
        System's trait nodes (when a trait distribution reads the parameter) and the cached
        linearisation. Raises :class:`~coupling.ParameterDomainError` for a value outside
        the parameter's domain; the parameters keep their previous values then.
        """
        changed = {n: float(v) for n, v in values.items() if self._params[n] != float(v)}
        if not changed:
            return
        params = {**self._params, **changed}
        eps = self.model.eps(params)
        if not eps > 0:
            raise ParameterDomainError(f"[level 'timescale'] the micro timescale ε must be > 0, "
                                       f"got {eps}", parameter=self.model.timescale, value=eps,
                                       symbol="timescale", level="timescale")
        if self.flat is None or self._traits_read.intersection(changed):
            try:
                self._system.set_parameters(params)
            except ParameterDomainError:
                self._system.set_parameters(dict(self._params))  # as it was
                raise
            self._stale = False
            if self.flat is not None:
                self.flat.update()
        else:
            for name, value in changed.items():
                self.flat.set_parameter(name, value)  # the System catches up when it is used
            self._stale = True
        self._params = params
        self._linearised = self._network_jacobian = None

    def set_parameter(self, name, value):
        if self._params[name] != float(value):  # continuation asks at every evaluation
            self.set_parameters({name: value})

    def parameter(self, name):
        """The current value of a parameter."""
        return self._params[name]

    def differentiate(self, name, evaluate, *, step=1e-6):
        """d evaluate() / d p for the parameter ``name`` by central differences, one-sided at
        the edge of the parameter's domain (e.g. a spread σ = 0). The parameter is back at
        its value afterwards."""
        p = self._params[name]
        h = step * (1 + abs(p))
        try:
            self.set_parameter(name, p + h)
            upper = evaluate()
            self.set_parameter(name, p - h)
            derivative = (upper - evaluate()) / (2 * h)
        except ParameterDomainError:  # at an edge: the side that stays inside
            side = 1.0
            try:
                self.set_parameter(name, p + h)
            except ParameterDomainError:
                side = -1.0
                self.set_parameter(name, p - h)
            shifted = evaluate()
            self.set_parameter(name, p)
            derivative = side * (shifted - evaluate()) / h
        self.set_parameter(name, p)
        return derivative

    # ------------------------------------------------------------------ full system
    def _flat_at(self, u):
        """F, J, F_p and the aggregates at u from the written-out system (memoised)."""
        key = u.tobytes()
        if self._linearised is None or self._linearised[0] != key:
            self._linearised = key, self.flat(u)
        return self._linearised[1]

    def residual(self, u):
        if self.flat is not None:
            return self._flat_at(u)[0]
        return self.system.residual(u)

    def jacobian(self, u):
        """The Jacobian at u: dense for written-out systems and for small networks (up to
        DENSE_SOLVE states, where sparse factors cost more than dense ones), else structured
        (memoised for networks: continuation asks several times at one point)."""
        if self.flat is not None:
            return DenseJacobian(self._flat_at(u)[1])
        if not self.network:
            return self.system.jacobian(u)
        key = u.tobytes()
        if self._network_jacobian is None or self._network_jacobian[0] != key:
            J = self.system.jacobian(u)
            if J.shape[0] <= DENSE_SOLVE:
                J = DenseJacobian(J.toarray())
            self._network_jacobian = key, J
        return self._network_jacobian[1]

    def parameter_derivative(self, u, name):
        """F_p: symbolic for written-out systems, else by :meth:`differentiate`."""
        if self.flat is not None and name not in self._traits_read:
            return self._flat_at(u)[2][:, self.flat.parameter_column(name)]
        return self.differentiate(name, lambda: self.residual(u))

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
        """Micro state at rest for a frozen context: the rule's values for choice and
        response rules, per-unit Newton for ODE rules."""
        s = self.system
        if s.relaxed:
            return s.rule_values(None, ctx, check=False)
        Z = np.array(self.guess if guess is None else guess, dtype=float)
        identity = np.eye(s.k) if self.discrete else 0.0  # maps: the fixed point of g
        best, stalled = np.inf, 0
        for _ in range(50):  # Newton, unit by unit (batched k x k solves)
            f = s.rule_values(Z, ctx, check=False) - (Z if self.discrete else 0.0)
            norm = np.max(np.abs(f))
            if norm < 1e-13:
                break
            # units with no rest state in this context never converge: stop once Newton
            # has made no progress for three steps
            stalled = 0 if norm < 0.9 * best else stalled + 1
            best = min(best, norm)
            if stalled >= 3:
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
        self._refuse_network("the reduced residual")
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

    def reduced_residuals(self, points):
        """R(s) at each row of ``points`` (NaN where the micro equilibrium is not found);
        batched over the points for written-out systems."""
        if self.flat is not None:
            return self.flat.reduced(points, self.guess)
        return np.array([self.reduced_residual(point)[0] for point in points])

    def lift(self, point, guess=None):
        """The full state u at a point of the coupling space."""
        _, Z = self.reduced_residual(point, guess)
        return self.system.pack(Z, np.asarray(point[len(self.read):], float))

    def aggregates(self, u):
        """The global aggregates X at a full state u."""
        if self.flat is not None:
            return self._flat_at(u)[3]
        return self.system.aggregates(self.system.unpack(u)[0])[0]

    def macro(self, u):
        """The macro state y of a full state u."""
        return u[u.size - len(self._system.macro_names):]

    def coupling_point(self, u):
        """(X, y) of a full state u: the read aggregates and the macro state."""
        return np.concatenate([self.aggregates(u)[self.read], self.macro(u)])

    # ------------------------------------------------------------------ spectrum
    def spectrum(self, u, count=6):
        """Leading eigenvalues (flows, largest real part first) or multipliers (maps,
        largest modulus first), and the exact number of unstable ones.

        Up to DENSE_LIMIT states: every eigenvalue, dense. Beyond: the roots of the secular
        equation of the structured Jacobian and its unstable count by the argument principle,
        in O(N) (see :mod:`coupling.analysis.bifurcation._secular`); with a network, by
        shift-invert Arnoldi on sparse LU factors.
        """
        if self._system.response:
            return self._response_spectrum(u, count)
        J = self.jacobian(u)
        if J.shape[0] <= DENSE_LIMIT or isinstance(J, DenseJacobian):
            eig = np.linalg.eigvals(J.toarray())
            unstable = _count_unstable(eig + 1 if self.discrete else eig, self.discrete)
        elif J.coupling is not None:
            eig, unstable = network_leading_eigenvalues(J, count)
        else:
            eig, unstable = leading_eigenvalues(J, count, discrete=self.discrete)
        if self.discrete:
            multipliers = eig + 1
            return multipliers[np.argsort(-np.abs(multipliers))], unstable
        return eig[np.argsort(-eig.real)], unstable

    def _refuse_network(self, what):
        if self.network:
            raise DeclarationError(f"{what} needs units coupled through global aggregates "
                                   f"only; this model has a network", symbol="network",
                                   level="network")

    # ------------------------------------------------------------------ response rules
    def _response_spectrum(self, u, count):
        r"""The spectrum of a response rule in the ε → 0 limit and its unstable count.

        First the m slow eigenvalues (of the Schur complement S, in macro time), then the
        leading fast ones (of ε J_xx, in the fast time t/ε), each largest real part first.
        A response reads no own state, so :math:`\varepsilon J_{xx} = -I + \varepsilon U_x G`
        is -I plus a rank-a term through the aggregates: its eigenvalues are those of
        Φ'(X) - I (a x a) and -1 for the other Mk - a directions. At least ``count`` fast
        values are returned, and every one of Φ'(X) - I.
        """
        J = self.system.jacobian(u)
        phi = self._fast_matrix(J)
        fast = np.concatenate([np.linalg.eigvals(phi),
                               -np.ones(max(J.M * J.k - phi.shape[0], 0))])
        shown = max(count, phi.shape[0])
        slow = np.linalg.eigvals(_schur(J))
        values = np.concatenate([slow[np.argsort(-slow.real)],
                                 fast[np.argsort(-fast.real)][:shown]])
        # the two groups are in different time units: each is judged on its own scale
        return values, _count_unstable(slow, False) + _count_unstable(fast, False)

    def _fast_matrix(self, J):
        """Φ'(X) - I = ε G U_x - I (a x a) from the structured Jacobian of a response rule:
        G = dX/dx (the first a rows of Vᵀ), U_x = the response to the aggregates."""
        a, nm = len(self.system.global_aggregates), J.M * J.k
        return self.system.eps * J.Vt[:a, :nm] @ J.U[:nm, :a] - np.eye(a)

    def fast_determinant(self, u):
        """det(Φ'(X) - I) at u (response rules): zero on a fold of the critical manifold."""
        return float(np.linalg.det(self._fast_matrix(self.system.jacobian(u))))

    def slow_system(self, u):
        """The reduced slow system of a response rule near u: (R, y, S) with
        R(y) = F(y, X*(y), c(y, X*(y))), X*(y) the fixed point X = Φ(X) by Newton from the
        aggregates of u, and S = R'(y) (the Schur complement) at u's macro state y."""
        from ...dynamics._response import FixedPointTracker

        s = self.system
        Z, y = s.unpack(u)
        tracker, X0 = FixedPointTracker(s), s.aggregates(Z)[0]

        def reduced(v):
            X, _, ctx, _ = tracker.newton(v, X0)
            return s.macro_rhs(v, X, ctx)

        return reduced, y, _schur(s.jacobian(u))


def _steps(code):
    """(level, symbol) of the compiled expressions that hold steps (a finite population
    evaluates them as written; a mean field integrates those in continuous traits)."""
    levels = [("micro", code.micro), ("macro", code.macro),
              *(("aggregates", c) for c in code.aggregates.values() if c is not None),
              *(("context", c) for c in code.context.values())]
    return [(level, e.symbol) for level, compiled in levels for e in compiled.exprs
            if e.symbolic and e.expr.has(UnitStep)]


def _count_unstable(values, discrete):
    """Eigenvalues with a positive real part (multipliers outside the unit circle) beyond
    round-off: a special point's critical value is on the boundary to that accuracy."""
    if not values.size:
        return 0
    scale = max(1.0, float(np.max(np.abs(values))))
    excess = np.abs(values) - 1 if discrete else values.real
    return int(np.sum(excess > 1e-9 * scale))


def _schur(J):
    """S = J_yy - J_yx J_xx⁻¹ J_xy (m x m), with J_xx = blockdiag(A) + U_x V_xᵀ solved in
    O(N) by its own structure."""
    nm = J.M * J.k
    Ux, Uy, Vx, Vy = J.U[:nm], J.U[nm:], J.Vt[:, :nm], J.Vt[:, nm:]
    if not Vy.shape[1]:
        return np.zeros((0, 0))
    solved = StructuredJacobian(J.A, Ux, Vx).solver().solve(Ux @ Vy)
    return J.macro + Uy @ (Vy - Vx @ solved)


def _batched_solve(A, b):
    """Solve A_i x_i = b_i for a stack of k x k blocks (a division when k = 1)."""
    if A.shape[1] == 1:
        return b / A[:, 0, :]
    return np.linalg.solve(A, b[..., None])[..., 0]


def homogeneous_twin(model):
    r"""The model with every :class:`~coupling.Local` aggregate replaced by the
    :class:`~coupling.Mean` of the same expression, and no network: the homogeneous
    approximation :math:`L_i \approx \frac1N \sum_j g_j`. On a regular graph (every row
    of the row-normalised adjacency sums to one) with identical units its uniform
    equilibria are equilibria of the network model, with the same values."""
    aggregates = {n: Mean(a.expr) if isinstance(a, Local) else a
                  for n, a in model.aggregates.items()}
    return model.replace(aggregates=aggregates, network=None)
