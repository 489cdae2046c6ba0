r"""``cp.hopf_curve``: two-parameter continuation of Hopf points.

A Hopf point is a solution of the standard extended system (Kuznetsov 2004, §10.2.2;
Govaerts 2000, ch. 4) in w = (u, q_r, q_i, ω, p₁, p₂):

.. math::  F(u, p) = 0,\quad J q_r + ω q_i = 0,\quad J q_i - ω q_r = 0,\quad
           \langle c, q_r\rangle = 1,\quad \langle c, q_i\rangle = 0,

where q = q_r + i q_i is the critical eigenvector (J q = iω q) and c a fixed reference vector.
It is a :class:`HopfProblem` on the continuation engine; the derivatives of J q along u use
the symmetry of second derivatives, ∂_u(J(u) v) = (J(u + hv) - J(u - hv)) / 2h, two Jacobian
evaluations, and those along the parameters go through the problem's one parameter path.
The system has 3n + 3 unknowns and is solved densely, for populations up to a few hundred
states (mean-field models). The frequency ω is kept positive as the state's bound: where it
reaches zero the Hopf curve ends, on a Bogdanov–Takens point, reported with the curve's end.
"""

import numpy as np

from ... import _checks
from ..._linalg import DenseSolver
from ._continuation import state_weights
from ._curves import CurveProblem, HopfCurve, check_box, starts
from ._engine import ContinuationOptions, Linearisation, Located, Walker
from ._problem import EquilibriumProblem

DENSE_LIMIT = 300


def hopf_curve(model, p1, p2, range1, range2, *, population=None, seed=None, bounds=None,
               options=None, **settings):
    """Continue the Hopf points of ``model`` in two parameters over a box.

    The Hopf points of a one-parameter continuation in ``p1`` (at the model's value of
    ``p2``) start the curves.

    Parameters
    ----------
    model : Model
    p1, p2 : str
    range1, range2 : (float, float)
    population, seed, bounds
        As for :func:`~coupling.continuation`.
    options, **settings
        The walker's :class:`ContinuationOptions`, or single fields of them.

    Returns
    -------
    HopfCurve
        The Hopf curves, ``states`` also holding the frequency ``omega``, and
        Bogdanov–Takens points ("bt") where a curve ends at ω = 0.

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("slow-feedback", sigma=0.0, k=0.1, eps=1.0)
    >>> curve = cp.hopf_curve(model, "c", "eps", (-1, 1), (0.5, 3.0),
    ...                       bounds={"X": (-1, 1), "y": (-15, 15)})
    >>> [round(p.data["p2"], 10) for p in curve.special_points]  # eps = k / (b (J b - k))
    [1.6666666667, 1.6666666667]
    """

    box, seed = check_box(model, p1, p2, range1, range2, seed)
    options = ContinuationOptions.build(options, **settings)
    population = model.population if population is None else _checks.population(population)
    problem = EquilibriumProblem(model, population, seed)
    hopf = HopfProblem(problem, (p1, p2))
    if hopf.n > DENSE_LIMIT:
        raise ValueError(f"Hopf curves are computed densely, for up to {DENSE_LIMIT} states; "
                         f"this population has {hopf.n}")
    walker = Walker(hopf, options, box)
    curves, states, special, messages = [], [], [], []
    for point in starts(problem, p1, box, options, bounds):
        if point.kind != "hopf" or point.status != "converged":
            continue
        w = hopf.begin(np.concatenate([point.u, [point.param, model.parameters[p2]]]))
        if w is None or (walk := hopf.trace(walker, w)) is None:
            continue
        index = len(curves)
        for end in (walk.points[0], walk.points[-1]):
            if (bt := hopf.bogdanov_takens(end, w)) is not None:
                special.append(hopf.special(bt, end, end, index))
        curves.append(np.array([pt["w"][-2:] for pt in walk.points]))
        states.append(hopf.states(walk, lambda w: {"omega": w[3 * hopf.n]}))
        messages.append(walk.message)
    failed = [m for m in messages if m and "failed" in m]
    return HopfCurve(parameters=(p1, p2), curves=curves, states=states,
                     special_points=special, bounds=box, model=model.name,
                     population=population, seed=seed, options=options, messages=messages,
                     status=-1 if failed else 0,
                     message="; ".join(failed) or f"{len(curves)} Hopf curves")


class HopfProblem(CurveProblem):
    """The extended Hopf system in w = (u, q_r, q_i, ω, p₁, p₂) (module docstring)."""

    boundary = "the frequency reached 0"
    singular_boundary = True  # q_r and q_i become parallel as ω -> 0

    def __init__(self, problem, names):
        super().__init__(problem, names)
        theta = state_weights(problem)
        self.weights = np.concatenate([theta, theta, theta, [1.0, 1.0, 1.0]])
        self._cache = None

    def split(self, w):
        n = self.n
        return w[:n], w[n:2 * n], w[2 * n:3 * n], w[3 * n]

    def begin(self, w0):
        """The extended state at a Hopf point w0 = (u, p₁, p₂): the critical eigenvector,
        real and 1 at its largest entry, fixes the reference c."""
        u = self.at(w0)
        eig, vecs = np.linalg.eig(self.problem.jacobian(u).toarray())
        i = int(np.argmin(np.abs(eig.real) + 1e9 * (eig.imag <= 1e-10)))
        if eig[i].imag <= 1e-10:
            return None
        q = vecs[:, i] / vecs[np.argmax(np.abs(vecs[:, i])), i]
        self.c = q.real / (q.real @ q.real)
        q = q / (self.c @ q)
        return np.concatenate([u, q.real, q.imag, [eig[i].imag], w0[-2:]])

    def _residual(self, w):
        u, qr, qi, omega = self.split(w)
        J = self.problem.jacobian(self.at(w)).toarray()
        return np.concatenate([self.problem.residual(u), J @ qr + omega * qi,
                               J @ qi - omega * qr, [self.c @ qr - 1, self.c @ qi]]), J

    def linearise(self, w):
        key = w.tobytes()
        if self._cache is None or self._cache[0] != key:
            self._cache = key, self._linearise(w)
        return self._cache[1]

    def _linearise(self, w):
        n, problem = self.n, self.problem
        u, qr, qi, omega = self.split(w)
        residual, J = self._residual(w)
        D = np.zeros((3 * n + 2, 3 * n + 3))
        D[:n, :n] = J
        for v, rows in ((qr, slice(n, 2 * n)), (qi, slice(2 * n, 3 * n))):
            h = 1e-6 * (1 + np.max(np.abs(u))) / max(np.max(np.abs(v)), 1e-300)
            D[rows, :n] = (problem.jacobian(u + h * v).toarray()
                           - problem.jacobian(u - h * v).toarray()) / (2 * h)
        D[n:2 * n, n:2 * n] = J
        D[n:2 * n, 2 * n:3 * n] = omega * np.eye(n)
        D[n:2 * n, 3 * n] = qi
        D[2 * n:3 * n, n:2 * n] = -omega * np.eye(n)
        D[2 * n:3 * n, 2 * n:3 * n] = J
        D[2 * n:3 * n, 3 * n] = -qr
        D[3 * n, n:2 * n] = self.c
        D[3 * n + 1, 2 * n:3 * n] = self.c
        for i, name in enumerate(self.free):  # the parameters, through the one path

            def extended():
                A = problem.jacobian(u).toarray()
                return np.concatenate([problem.residual(u), A @ qr + omega * qi,
                                       A @ qi - omega * qr, [0.0, 0.0]])

            D[:, 3 * n + 1 + i] = problem.differentiate(name, extended)
        return Linearisation(residual, lambda row: DenseSolver(np.vstack([D, row])))

    def margin(self, w):
        return w[3 * self.n]

    def bogdanov_takens(self, end, w0):
        """The curve's end as a Bogdanov–Takens point, if its frequency went to 0 (ω ~ the
        square root of the distance to it: converged once ω is tiny)."""
        omega, omega0 = end["w"][3 * self.n], w0[3 * self.n]
        if omega >= 1e-2 * omega0:
            return None
        return Located("bt", end["w"], "converged" if omega < 1e-6 * omega0 else "guess",
                       {"omega": float(omega)})
