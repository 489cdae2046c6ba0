r"""``cp.fold_curve``: two-parameter continuation of folds, with cusps and Bogdanov–Takens points.

A fold of the coupled equilibria is a solution w = (u, p₁, p₂) of the minimally augmented
system (Govaerts 2000, ch. 4; MatCont: Dhooge, Govaerts & Kuznetsov 2003)

.. math::  F(u, p_1, p_2) = 0, \qquad g(u, p_1, p_2) = 0,

with g from the bordered system [[J, b], [cᵀ, 0]] (v, g) = (0, 1) and its adjoint
[[Jᵀ, c], [bᵀ, 0]] (w, h) = (0, 1), so g_u = -wᵀ J_u v and g_p = -wᵀ J_p v. It is a
:class:`FoldProblem` on the continuation engine; each Newton step is J bordered by two rows
and columns, solved in O(N) by the structured solver. After each step the borders are
renewed to the current null vectors, b to the left one w and c to the right one v (so the
bordered matrix stays regular where wᵀv = 0, at a Bogdanov–Takens point). Along the curve

* a **cusp** is where the normal-form coefficient a = ½ wᵀ B(v, v) of the fold changes sign;
* a **Bogdanov–Takens** point is where wᵀ v changes sign (zero becomes a double eigenvalue),

both located by Brent's method along the curve (Kuznetsov 2004, §8.2 and §8.4). B(v, v) is
the derivative of J(u + t v) v at t = 0, by central differences of the (analytic) Jacobian.
"""

import numpy as np

from ... import _checks
from ._continuation import state_weights
from ._curves import CurveProblem, FoldCurve, check_box, region_map, starts
from ._engine import ContinuationOptions, Linearisation, Located, Walker
from ._equilibria import equilibria
from ._problem import EquilibriumProblem


def fold_curve(model, p1, p2, range1, range2, *, population=None, seed=None, bounds=None,
               shade=True, options=None, **settings):
    """Continue the folds of ``model`` in two parameters over a box.

    The folds found by a one-parameter continuation in ``p1`` (at the model's value of
    ``p2``) start the curves, which are followed in both directions to the box.

    Parameters
    ----------
    model : Model
    p1, p2 : str
        Parameter names.
    range1, range2 : (float, float)
        The box.
    population, seed, bounds
        As for :func:`~coupling.continuation`.
    shade : bool
        Also cut the box into the regions the curves bound and count the equilibria of each
        (one equilibrium search per region), for :meth:`FoldCurve.plot`.
    options, **settings
        The walker's :class:`ContinuationOptions`, or single fields of them.

    Returns
    -------
    FoldCurve

    Examples
    --------
    >>> import coupling as cp
    >>> curve = cp.fold_curve(cp.load("social-choice", sigma=0.0), "h", "J", (-1, 1), (0.5, 2))
    >>> [(p.kind, abs(p.param) < 1e-12, round(p.data["p2"], 12)) for p in curve.special_points]
    [('cusp', True, 1.0)]
    """

    box, seed = check_box(model, p1, p2, range1, range2, seed)
    options = ContinuationOptions.build(options, **settings)
    population = model.population if population is None else _checks.population(population)
    problem = EquilibriumProblem(model, population, seed)
    folds = FoldProblem(problem, (p1, p2))
    walker = Walker(folds, options, box)
    curves, states, special, messages = [], [], [], []
    for point in starts(problem, p1, box, options, bounds):
        if point.kind != "fold" or point.status != "converged":
            continue
        w = np.concatenate([point.u, [point.param, model.parameters[p2]]])
        if not folds.begin(w) or (walk := folds.trace(walker, w)) is None:
            continue
        index = len(curves)
        for a, b in zip(walk.points[:-1], walk.points[1:]):
            special += [folds.special(found, a, b, index) for found in folds.detect(a, b, walker)]
        curves.append(np.array([pt["w"][-2:] for pt in walk.points]))
        states.append(folds.states(walk))
        messages.append(walk.message)
    regions = None
    if shade:
        def count(x, y):
            return len(equilibria(model.with_parameters(**{p1: x, p2: y}), bounds=bounds,
                                  population=population, seed=seed))

        regions = region_map(curves, box, count)
    failed = [m for m in messages if m and "failed" in m]
    return FoldCurve(parameters=(p1, p2), curves=curves, states=states,
                     special_points=special, bounds=box, model=model.name,
                     population=population, seed=seed, options=options, messages=messages,
                     regions=regions, status=-1 if failed else 0,
                     message="; ".join(failed) or f"{len(curves)} fold curves")


class FoldProblem(CurveProblem):
    """{F = 0, g = 0} in w = (u, p₁, p₂) (see the module docstring)."""

    def __init__(self, problem, names):
        super().__init__(problem, names)
        self.weights = np.concatenate([state_weights(problem), [1.0, 1.0]])
        self.left = self.right = None  # the borders b ~ w and c ~ v
        self._cache = None

    def begin(self, w):
        """Border J with its null vectors at the fold w (one step of inverse iteration from
        a seeded probe, then the bordered systems' own null vectors); False if J is
        regular there."""
        J = self.problem.jacobian(self.at(w))
        probe = np.random.default_rng(0).standard_normal(self.n)
        try:
            v = J.shifted(1e-7).solve(probe)
            left = J.T.shifted(1e-7).solve(probe)
        except np.linalg.LinAlgError:
            return False
        self.right, self.left = v / np.linalg.norm(v), left / np.linalg.norm(left)
        self.accept(w, None)
        return True

    def accept(self, w, point):
        v, left, _, _ = self.null_vectors(w)
        self.right, self.left = v / np.linalg.norm(v), left / np.linalg.norm(left)

    def null_vectors(self, w):
        """v, w (right and left null vectors of the bordered J), g and J at w."""
        J = self.problem.jacobian(self.at(w))
        rhs = np.append(np.zeros(self.n), 1.0)
        vg = J.bordered(self.left, self.right, 0.0).solve(rhs)
        wh = J.T.bordered(self.right, self.left, 0.0).solve(rhs)
        return vg[:self.n], wh[:self.n], vg[self.n], J

    def linearise(self, w):
        key = (w.tobytes(), self.left.tobytes(), self.right.tobytes())
        if self._cache is None or self._cache[0] != key:
            self._cache = key, self._linearise(w)
        return self._cache[1]

    def _linearise(self, w):
        problem, n = self.problem, self.n
        v, left, g, J = self.null_vectors(w)
        u = self.at(w)
        h = 1e-5 * (1 + np.max(np.abs(u))) / max(np.max(np.abs(v)), 1e-300)
        gu = -(problem.jacobian(u + h * v).T.matvec(left)
               - problem.jacobian(u - h * v).T.matvec(left)) / (2 * h)
        gp = [-left @ problem.differentiate(name, lambda: problem.jacobian(u).matvec(v))
              for name in self.free]
        Fp = np.column_stack([problem.parameter_derivative(u, name) for name in self.free])
        residual = np.append(problem.residual(u), g)

        def border(row):
            return J.bordered(Fp, np.vstack([gu, row[:n]]), np.vstack([gp, row[n:]]))

        return Linearisation(residual, border)

    def record(self, w, tau):
        v, left, _, _ = self.null_vectors(w)
        return {"cusp": self._cusp_test(w, v, left), "bt": float(left @ v)}

    def _cusp_test(self, w, v, left):
        """wᵀ B(v, v), the fold's quadratic normal-form coefficient (up to a factor), with
        B(v, v) = d/dt J(u + t v) v at t = 0 by central differences of the Jacobian."""
        u = self.at(w)
        h = 1e-4 * (1 + np.max(np.abs(u))) / np.max(np.abs(v))
        J = self.problem.jacobian
        return float(left @ (J(u + h * v).matvec(v) - J(u - h * v).matvec(v)) / (2 * h))

    def detect(self, a, b, walker):
        found = []
        for kind in ("cusp", "bt"):
            if a[kind] * b[kind] < 0:
                def test(w, kind=kind):
                    v, left, _, _ = self.null_vectors(w)
                    return self.record(w, None)[kind] if kind == "bt" else \
                        self._cusp_test(w, v, left)

                w, status = walker.root(a, b, test)
                found.append(Located(kind, w, status))
        return found
