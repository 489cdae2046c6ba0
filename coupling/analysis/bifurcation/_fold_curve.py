r"""``cp.fold_curve``: two-parameter continuation of folds, with cusps and Bogdanov–Takens points.

A fold of the coupled equilibria is a solution W = (u, p₁, p₂) of the minimally augmented
system (Govaerts 2000, ch. 4; MatCont: Dhooge, Govaerts & Kuznetsov 2003)

.. math::  F(u, p_1, p_2) = 0, \qquad g(u, p_1, p_2) = 0,

with g from the bordered system [[J, b], [cᵀ, 0]] (v, g) = (0, 1) and its adjoint
[[Jᵀ, c], [bᵀ, 0]] (w, h) = (0, 1), so g_u = -wᵀ J_u v and g_p = -wᵀ J_p v. The curve is
followed by pseudo-arclength continuation in (u, p₁, p₂); each Newton step is J bordered
by two rows and columns, solved in O(N) by the structured solver. Along the curve

* a **cusp** is where the normal-form coefficient a = ½ wᵀ B(v, v) of the fold changes sign;
* a **Bogdanov–Takens** point is where wᵀ v changes sign (zero becomes a double eigenvalue),

both located by bisection along the curve (Kuznetsov 2004, §8.2 and §8.4).
"""

from dataclasses import dataclass

import numpy as np

from ..._errors import DeclarationError, ParameterDomainError
from ._continuation import continuation
from ._diagram import SpecialPoint
from ._problem import EquilibriumProblem


@dataclass
class FoldCurve:
    """Fold curves (``kind = "fold"``) or Hopf curves (``kind = "hopf"``) in the (p₁, p₂)
    plane.

    Attributes
    ----------
    parameters : (str, str)
    curves : list of ndarray (n, 2)
        Points (p₁, p₂) of each curve.
    states : list of dict of ndarray
        Aggregates and macro variables along each curve.
    special_points : list of SpecialPoint
        Cusps ("cusp") and Bogdanov–Takens points ("bt"); ``param`` is p₁ and
        ``data["p2"]`` is p₂.
    bounds : ((lo, hi), (lo, hi))
    """

    parameters: tuple
    curves: list
    states: list
    special_points: list
    bounds: tuple
    model: object = None
    kind: str = "fold"
    options: dict = None

    def equilibrium_counts(self, grid=15, **options):
        """Number of equilibria on a ``grid`` x ``grid`` lattice of the parameter box, for the
        population, seed and bounds the curves were traced with (``options`` override)."""
        from ._equilibria import equilibria

        options = {**(self.options or {}), **options}
        (a0, a1), (b0, b1) = self.bounds
        xs, ys = np.linspace(a0, a1, grid), np.linspace(b0, b1, grid)
        counts = np.array([[len(equilibria(self.model.with_parameters(
            **{self.parameters[0]: x, self.parameters[1]: y}), **options)) for x in xs]
            for y in ys])
        return xs, ys, counts

    def plot(self, *, ax=None, shade=True, grid=15, **options):
        """The fold curves, with the regions shaded by their number of equilibria."""
        from ... import plotting

        return plotting.plot_fold_curve(self, ax=ax, shade=shade, grid=grid, **options)


def fold_curve(model, p1, p2, range1, range2, *, population=None, seed=None, bounds=None,
               ds=0.01, ds_max=0.05, max_steps=3000, tol=1e-11):
    """Continue the folds of ``model`` in two parameters over a box.

    The folds found by a one-parameter continuation in ``p1`` (at the model's value of
    ``p2``) start the curves, which are followed in both directions until they leave the box.

    Parameters
    ----------
    model : Model
    p1, p2 : str
        Parameter names.
    range1, range2 : (float, float)
        The box.
    population, seed, bounds, ds, ds_max, max_steps, tol
        As for :func:`~coupling.continuation`.

    Returns
    -------
    FoldCurve

    Examples
    --------
    >>> import coupling as cp
    >>> curve = cp.fold_curve(cp.load("social-choice", sigma=0.0), "h", "J", (-1, 1), (0.5, 2))
    >>> [(p.kind, abs(p.param) < 1e-8, round(p.data["p2"], 8)) for p in curve.special_points]
    [('cusp', True, 1.0)]
    """
    box, seed = check_box(model, p1, p2, range1, range2, seed)
    start = continuation(model, p1, box[0], population=population, seed=seed, bounds=bounds,
                         tol=tol)
    problem = EquilibriumProblem(model, population, seed)
    tracer = _FoldTracer(problem, p1, p2, box, ds=ds, ds_max=ds_max, max_steps=max_steps,
                         tol=tol)
    for point in start.folds():
        W = np.concatenate([point.u, [point.param, model.parameters[p2]]])
        if point.status == "converged" and not tracer.covered(W):
            tracer.trace(W)
    return FoldCurve(parameters=(p1, p2), curves=tracer.curves, states=tracer.states,
                     special_points=tracer.special, bounds=box, model=model,
                     options={"population": population, "seed": seed, "bounds": bounds})


def check_box(model, p1, p2, range1, range2, seed):
    """Validated parameter box of a two-parameter continuation, and a fixed seed."""
    for name in (p1, p2):
        if name not in model.parameters:
            raise DeclarationError("two-parameter curves need declared parameters; the model "
                                   f"has {sorted(model.parameters)}", symbol=name,
                                   level="parameters")
    if p1 == p2:
        raise ValueError(f"the two parameters must differ, got {p1!r} twice")
    box = tuple(tuple(map(float, r)) for r in (range1, range2))
    for name, (lo, hi) in zip((p1, p2), box):
        if not lo < hi:
            raise ValueError(f"the range of {name!r} must satisfy lo < hi, got ({lo}, {hi})")
    value = model.parameters[p2]
    if not box[1][0] <= value <= box[1][1]:
        raise ValueError(f"the curves start at the model's {p2} = {value:g}, outside its "
                         f"range {box[1]}: set {p2} inside the range")
    if seed is None:  # one population for the start and the curves
        seed = np.random.SeedSequence().entropy
    return box, seed


class _FoldTracer:
    """Pseudo-arclength continuation of {F = 0, g = 0} in W = (u, p1, p2)."""

    def __init__(self, problem, p1, p2, box, *, ds, ds_max, max_steps, tol):
        self.problem, self.names, self.box = problem, (p1, p2), box
        self.ds0, self.ds_max, self.ds_min = ds, ds_max, 1e-7
        self.max_steps, self.tol = max_steps, tol
        s = problem.system
        self.theta = np.concatenate([np.repeat(s.weights, s.k), np.ones(len(s.macro_names))])
        self.n = self.theta.size
        self.curves, self.states, self.special, self._traced = [], [], [], []
        self.border = None
        self._last = None  # (key, augmented(W)): one evaluation serves the step's uses

    # ---------------------------------------------------------------- pieces
    def _set(self, W):
        params = dict(self.problem.system.params)
        params.update(zip(self.names, W[self.n:]))
        self.problem.system.set_parameters(params)

    def F(self, W):
        self._set(W)
        return self.problem.residual(W[:self.n])

    def J(self, W):
        self._set(W)
        return self.problem.jacobian(W[:self.n])

    def Fp(self, W, i):
        h = 1e-6 * (1 + abs(W[self.n + i]))
        e = np.zeros(W.size)
        e[self.n + i] = h
        return (self.F(W + e) - self.F(W - e)) / (2 * h)

    def null_vectors(self, W):
        """v, w (right and left null vectors of the bordered J) and g."""
        J = self.J(W)
        rhs = np.append(np.zeros(self.n), 1.0)
        vg = J.bordered(self.border, self.border, 0.0).solve(rhs)
        wh = J.T.bordered(self.border, self.border, 0.0).solve(rhs)
        return vg[:self.n], wh[:self.n], vg[self.n], J

    def augmented(self, W):
        """Residual (F, g) and the rows of its Jacobian below J: (g_u, g_p1, g_p2)."""
        key = (W.tobytes(), self.border.tobytes())
        if self._last is None or self._last[0] != key:
            self._last = (key, self._augmented(W))
        return self._last[1]

    def _augmented(self, W):
        v, w, g, J = self.null_vectors(W)
        u = W[:self.n]
        h = 1e-5 * (1 + np.max(np.abs(u))) / max(np.max(np.abs(v)), 1e-300)
        shift = np.concatenate([h * v, [0.0, 0.0]])
        gu = -(self.J(W + shift).T.matvec(w) - self.J(W - shift).T.matvec(w)) / (2 * h)
        gp = []
        for i in range(2):
            hp = 1e-6 * (1 + abs(W[self.n + i]))
            e = np.zeros(W.size)
            e[self.n + i] = hp
            gp.append(-w @ (self.J(W + e).matvec(v) - self.J(W - e).matvec(v)) / (2 * hp))
        self._set(W)
        return np.append(self.F(W), g), gu, np.array(gp), J, v, w

    def dot(self, a, b):
        return float(self.theta @ (a[:self.n] * b[:self.n]) + a[self.n:] @ b[self.n:])

    def solve(self, W, row, corner, rhs):
        """Solve the Newton system of the augmented map bordered by one more row."""
        R, gu, gp, J, _, _ = self.augmented(W)
        columns = np.column_stack([self.Fp(W, 0), self.Fp(W, 1)])
        rows = np.vstack([gu, row])
        K = np.vstack([gp, corner])
        return J.bordered(columns, rows, K).solve(rhs(R)), R

    def tangent(self, W, previous):
        row, corner = self.theta * previous[:self.n], previous[self.n:]
        t, _ = self.solve(W, row, corner, lambda R: np.append(np.zeros(self.n + 1), 1.0))
        t /= np.sqrt(self.dot(t, t))
        return t if self.dot(t, previous) >= 0 else -t

    def correct(self, W_pred, tau, max_iter=12):
        W = W_pred.copy()
        row, corner = self.theta * tau[:self.n], tau[self.n:]
        for iteration in range(1, max_iter + 1):
            try:
                delta, R = self.solve(W, row, corner, lambda R: -np.append(
                    R, self.dot(tau, W - W_pred)))
            except (np.linalg.LinAlgError, ParameterDomainError):
                return None, iteration
            W = W + delta
            if np.max(np.abs(delta)) < 1e-11 * (1 + np.max(np.abs(W))):
                return W, iteration
        return None, max_iter

    # ---------------------------------------------------------------- curves
    def covered(self, W):
        """Whether W lies on a traced curve: within 1e-3 of one of its chords (the chords of
        a curve traced with steps <= ds_max deviate from it by less)."""
        x = np.concatenate([W[self.n:], self.problem.coupling_point(W[:self.n])])
        for points in self._traced:
            a, b = points[:-1], points[1:]
            d = b - a
            t = np.clip(np.einsum("ij,ij->i", x - a, d)
                        / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0, 1)
            if np.min(np.linalg.norm(a + t[:, None] * d - x, axis=1)) < 1e-3:
                return True
        return False

    def inside(self, W):
        return all(lo <= x <= hi for x, (lo, hi) in zip(W[self.n:], self.box))

    def trace(self, W):
        # the null vector of J at the fold, by one step of inverse iteration, borders J
        probe = np.random.default_rng(0).standard_normal(self.n)
        v = self.J(W).shifted(1e-7).solve(probe)
        self.border = v / np.linalg.norm(v)
        _, _, _, _, v, _ = self.augmented(W)
        self.border = self.theta * v / np.linalg.norm(self.theta * v)
        for axis in (1, 0):  # the initial direction fixes d p2 (or, where singular, d p1)
            start = np.zeros(W.size)
            start[self.n + axis] = 1.0
            try:
                tau0 = self.tangent(W, start)
                break
            except np.linalg.LinAlgError:
                continue
        else:
            return
        halves = [self._walk(W, d * tau0) for d in (1.0, -1.0)]
        points = halves[1][::-1] + halves[0][1:]
        self._store(points)

    def _walk(self, W, tau):
        points = [self._record(W)]
        ds = self.ds0
        for _ in range(self.max_steps):
            W_new, iterations = self.correct(W + ds * tau, tau)
            if W_new is None:
                ds /= 2
                if ds < self.ds_min:
                    break
                continue
            points.append(self._record(W_new))
            if not self.inside(W_new):
                break
            _, _, _, _, v, _ = self.augmented(W_new)
            self.border = self.theta * v / np.linalg.norm(self.theta * v)
            tau = self.tangent(W_new, tau)
            W = W_new
            ds = min(self.ds_max, ds * 1.5) if iterations <= 3 else ds * 0.7 \
                if iterations > 6 else ds
        return points

    def _record(self, W):
        _, _, _, _, v, w = self.augmented(W)
        return {"W": W, "cusp": self._cusp_test(W, v, w), "bt": float(w @ v)}

    def _cusp_test(self, W, v, w):
        """wᵀ B(v, v), the fold's quadratic normal-form coefficient (up to a factor)."""
        u = W[:self.n]
        h = 1e-4 * (1 + np.max(np.abs(u))) / np.max(np.abs(v))
        self._set(W)
        F = self.problem.residual
        return float(w @ (F(u + h * v) - 2 * F(u) + F(u - h * v)) / h**2)

    def _store(self, points):
        s = self.problem.system
        self._traced.append(np.array([np.concatenate([
            pt["W"][self.n:], self.problem.coupling_point(pt["W"][:self.n])])
            for pt in points]))
        self.curves.append(np.array([pt["W"][self.n:] for pt in points]))
        columns = {}
        for pt in points:
            self._set(pt["W"])
            Z, y = s.unpack(pt["W"][:self.n])
            for name, value in zip(s.global_aggregates + s.macro_names,
                                   np.concatenate([s.aggregates(Z)[0], y])):
                columns.setdefault(name, []).append(value)
        self.states.append({n: np.array(v) for n, v in columns.items()})
        for a, b in zip(points[:-1], points[1:]):
            for kind in ("cusp", "bt"):
                if a[kind] * b[kind] < 0:
                    self._locate(kind, a, b)

    def _locate(self, kind, a, b):
        """Bisection along the curve on the sign of the test function."""
        lo, hi = 0.0, 1.0
        tau = b["W"] - a["W"]
        sign_lo = np.sign(a[kind])
        W = a["W"]
        for _ in range(60):
            mid = (lo + hi) / 2
            W_mid, _ = self.correct(a["W"] + mid * tau, tau / np.sqrt(self.dot(tau, tau)))
            if W_mid is None:
                break
            value = self._record(W_mid)[kind]
            if np.sign(value) == sign_lo:
                lo, W = mid, W_mid
            else:
                hi = mid
            if hi - lo < 1e-12:
                break
        s = self.problem.system
        self._set(W)
        Z, y = s.unpack(W[:self.n])
        state = dict(zip(s.macro_names, y.tolist()))
        state.update(zip(s.global_aggregates, s.aggregates(Z)[0].tolist()))
        span = (a["W"][self.n], b["W"][self.n], W[self.n])  # the bracket and the point
        self.special.append(SpecialPoint(
            kind=kind, param=float(W[self.n]), state=state, interval=(min(span), max(span)),
            status="converged" if hi - lo < 1e-9 else "guess", branch=len(self.curves) - 1,
            data={"p2": float(W[self.n + 1])}, u=W[:self.n].copy()))
