r"""``cp.hopf_curve``: two-parameter continuation of Hopf points.

A Hopf point is a solution of the standard extended system (Kuznetsov 2004, §10.2.2;
Govaerts 2000, ch. 4) in W = (u, q_r, q_i, ω, p₁, p₂):

.. math::  F(u, p) = 0,\quad J q_r + ω q_i = 0,\quad J q_i - ω q_r = 0,\quad
           \langle c, q_r\rangle = 1,\quad \langle c, q_i\rangle = 0,

where q = q_r + i q_i is the critical eigenvector (J q = iω q) and c a fixed reference vector.
The curve is followed by pseudo-arclength continuation; the derivatives of J q along u use
the symmetry of second derivatives, ∂_u(J(u) v) = (J(u + hv) - J(u - hv)) / 2h, two Jacobian
evaluations. The system has 3n + 3 unknowns and is solved densely, for populations up to a
few hundred states (mean-field models). Where the frequency ω goes to zero the Hopf curve
ends in a Bogdanov–Takens point, reported with the curve's end.
"""

import numpy as np

from ._continuation import continuation
from ._diagram import SpecialPoint
from ._fold_curve import FoldCurve, check_box
from ._problem import EquilibriumProblem

DENSE_LIMIT = 300


def hopf_curve(model, p1, p2, range1, range2, *, population=None, seed=None, bounds=None,
               ds=0.01, ds_max=0.05, max_steps=2000):
    """Continue the Hopf points of ``model`` in two parameters over a box.

    The Hopf points of a one-parameter continuation in ``p1`` (at the model's value of
    ``p2``) start the curves.

    Returns
    -------
    FoldCurve
        With ``kind = "hopf"``: the Hopf curves in ``curves``, ``states`` also holding the
        frequency ``omega``, and Bogdanov–Takens points ("bt") where a curve ends at ω = 0.

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
    start = continuation(model, p1, box[0], population=population, seed=seed, bounds=bounds)
    problem = EquilibriumProblem(model, population, seed)
    n = problem.system.size * problem.system.k + len(problem.system.macro_names)
    if n > DENSE_LIMIT:
        raise ValueError(f"Hopf curves are computed densely, for up to {DENSE_LIMIT} states; "
                         f"this population has {n}")
    tracer = _HopfTracer(problem, (p1, p2), box, ds=ds, ds_max=ds_max, max_steps=max_steps)
    for point in start.special_points:
        if point.kind == "hopf" and point.status == "converged":
            tracer.trace(point.u, point.param, model.parameters[p2])
    return FoldCurve(parameters=(p1, p2), curves=tracer.curves, states=tracer.states,
                     special_points=tracer.special, bounds=box, model=model, kind="hopf",
                     options={"population": population, "seed": seed, "bounds": bounds})


class _HopfTracer:
    def __init__(self, problem, names, box, *, ds, ds_max, max_steps):
        self.problem, self.names, self.box = problem, names, box
        self.ds0, self.ds_max, self.ds_min, self.max_steps = ds, ds_max, 1e-7, max_steps
        s = problem.system
        self.n = s.size * s.k + len(s.macro_names)
        self.curves, self.states, self.special = [], [], []

    def _set(self, p):
        params = dict(self.problem.system.params)
        params.update(zip(self.names, p))
        self.problem.system.set_parameters(params)

    def _split(self, W):
        n = self.n
        return W[:n], W[n:2 * n], W[2 * n:3 * n], W[3 * n], W[3 * n + 1:]

    def J(self, u, p):
        self._set(p)
        return self.problem.jacobian(u).toarray()

    def residual(self, W):
        u, qr, qi, omega, p = self._split(W)
        J = self.J(u, p)
        self._set(p)
        return np.concatenate([self.problem.residual(u), J @ qr + omega * qi,
                               J @ qi - omega * qr, [self.c @ qr - 1, self.c @ qi]])

    def jacobian(self, W):
        n = self.n
        u, qr, qi, omega, p = self._split(W)
        J = self.J(u, p)
        h = 1e-6
        D = np.zeros((3 * n + 2, 3 * n + 3))
        D[:n, :n] = J
        for v, rows in ((qr, slice(n, 2 * n)), (qi, slice(2 * n, 3 * n))):
            scale = h * (1 + np.max(np.abs(u))) / max(np.max(np.abs(v)), 1e-300)
            D[rows, :n] = (self.J(u + scale * v, p) - self.J(u - scale * v, p)) / (2 * scale)
        D[n:2 * n, n:2 * n] = J
        D[n:2 * n, 2 * n:3 * n] = omega * np.eye(n)
        D[n:2 * n, 3 * n] = qi
        D[2 * n:3 * n, n:2 * n] = -omega * np.eye(n)
        D[2 * n:3 * n, 2 * n:3 * n] = J
        D[2 * n:3 * n, 3 * n] = -qr
        D[3 * n, n:2 * n] = self.c
        D[3 * n + 1, 2 * n:3 * n] = self.c
        for i in range(2):  # the parameters, by central differences of the whole residual
            e = np.zeros_like(W)
            e[3 * n + 1 + i] = 1e-6 * (1 + abs(p[i]))
            D[:, 3 * n + 1 + i] = (self.residual(W + e) - self.residual(W - e)) / (2 * e.sum())
        return D

    def correct(self, W_pred, tau):
        W = W_pred.copy()
        for iteration in range(1, 13):
            R = np.append(self.residual(W), tau @ (W - W_pred))
            try:
                delta = np.linalg.solve(np.vstack([self.jacobian(W), tau]), -R)
            except np.linalg.LinAlgError:
                return None, iteration
            W = W + delta
            if not np.all(np.isfinite(W)):
                return None, iteration
            if np.max(np.abs(delta)) < 1e-11 * (1 + np.max(np.abs(W))):
                return W, iteration
        return None, 12

    def tangent(self, W, previous):
        t = np.linalg.solve(np.vstack([self.jacobian(W), previous]),
                            np.append(np.zeros(3 * self.n + 2), 1.0))
        t /= np.linalg.norm(t)
        return t if t @ previous >= 0 else -t

    def trace(self, u, p1, p2):
        p = np.array([p1, p2])
        eig, vecs = np.linalg.eig(self.J(u, p))
        i = int(np.argmin(np.abs(eig.real) + 1e9 * (eig.imag <= 1e-10)))
        q = vecs[:, i]
        q = q / q[np.argmax(np.abs(q))]  # real and 1 at its largest entry
        self.c = q.real / (q.real @ q.real)
        q = q / (self.c @ q)
        W = np.concatenate([u, q.real, q.imag, [eig[i].imag], p])
        start = np.zeros(W.size)
        start[-1] = 1.0
        tau = self.tangent(W, start)
        halves = [self._walk(W, d * tau) for d in (1.0, -1.0)]
        points = halves[1][0][::-1] + halves[0][0][1:]
        self._store(points, [end for half in halves for end in half[1]])

    def _walk(self, W, tau):
        """Follow the curve until it leaves the box, or its frequency reaches zero."""
        points, ds = [W], self.ds0
        omega0 = W[3 * self.n]
        for _ in range(self.max_steps):
            W_new, iterations = self.correct(W + ds * tau, tau)
            if W_new is None or W_new[3 * self.n] <= 0:  # no Hopf point, or past omega = 0
                ds /= 2
                if ds < self.ds_min:
                    break
                continue
            points.append(W_new)
            if not all(lo <= x <= hi for x, (lo, hi) in zip(W_new[-2:], self.box)):
                break
            tau = self.tangent(W_new, tau)
            W = W_new
            ds = min(self.ds_max, ds * 1.5) if iterations <= 3 else ds * 0.7 \
                if iterations > 6 else ds
        end = points[-1]
        if end[3 * self.n] >= 1e-2 * omega0:
            return points, []
        # omega ~ sqrt(distance to the Bogdanov-Takens point): converged once it is tiny
        return points, [(end, "converged" if end[3 * self.n] < 1e-6 * omega0 else "guess")]

    def _store(self, points, ends):
        s = self.problem.system
        self.curves.append(np.array([W[-2:] for W in points]))
        columns = {"omega": []}
        for W in points:
            self._set(W[-2:])
            Z, y = s.unpack(W[:self.n])
            for name, value in zip(s.global_aggregates + s.macro_names,
                                   np.concatenate([s.aggregates(Z)[0], y])):
                columns.setdefault(name, []).append(value)
            columns["omega"].append(W[3 * self.n])
        self.states.append({n: np.array(v) for n, v in columns.items()})
        for W, status in ends:  # the curve reached omega = 0: a Bogdanov-Takens point
            self._set(W[-2:])
            Z, y = s.unpack(W[:self.n])
            state = dict(zip(s.macro_names, y.tolist()))
            state.update(zip(s.global_aggregates, s.aggregates(Z)[0].tolist()))
            self.special.append(SpecialPoint(
                kind="bt", param=float(W[-2]), state=state, interval=(W[-2], W[-2]),
                status=status, branch=len(self.curves) - 1,
                data={"p2": float(W[-1]), "omega": float(W[3 * self.n])},
                u=W[:self.n].copy()))
