r"""The one continuation engine: a pseudo-arclength walker over augmented problems.

Every curve the library continues (branches of equilibria in one parameter, fold and Hopf
curves in two, and further augmented systems) is a solution set of an underdetermined system

.. math::  G(w) = 0, \qquad G: \mathbb{R}^{n+1} \to \mathbb{R}^n,

whose last q unknowns are the free parameters. The :class:`Walker` follows it with Keller's
pseudo-arclength method (Keller 1977, "Numerical solution of bifurcation and nonlinear
eigenvalue problems"): a tangent predictor :math:`w + \Delta s\,\tau` and a Newton corrector
on :math:`\{G(w) = 0,\ \langle \tau, w - w_{\text{pred}}\rangle_\Theta = 0\}`, where the
inner product weighs each unit by its population weight (so that steps mean the same for N
units and for the mean-field limit). Every linear system is :math:`G'(w)` bordered by one row;
the problem solves it with its own structure (Woodbury for coupled populations: Govaerts
2000, *Numerical Methods for Bifurcations of Dynamical Equilibria*, ch. 3).

The walker owns step control, the parameter box (it lands exactly on its edges), failure
reporting (the partial curve is kept with a message saying where and why it ended) and the
location tools for special points (roots and sign changes of test functions along the curve,
each trial point corrected onto it). What is special is the problem's business.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..._checks import suggest
from ..._errors import ParameterDomainError

#: What a corrector may meet on its way: a singular matrix, a parameter outside its domain.
CORRECTOR_FAILURES = (np.linalg.LinAlgError, ParameterDomainError, FloatingPointError)


def near_curve(points, x, tol):
    """Whether x lies within ``tol`` (max-norm) of the polyline through the rows of
    ``points``: of its nearest point on a chord, x projected onto each chord."""
    points = np.atleast_2d(points)
    if len(points) == 1:
        return bool(np.max(np.abs(points[0] - x)) < tol)
    a, d = points[:-1], np.diff(points, axis=0)
    t = np.clip(np.einsum("ij,ij->i", x - a, d)
                / np.maximum(np.einsum("ij,ij->i", d, d), 1e-300), 0, 1)
    return bool(np.min(np.max(np.abs(a + t[:, None] * d - x), axis=1)) < tol)


@dataclass(frozen=True)
class ContinuationOptions:
    """Options of the pseudo-arclength walker, shared by every tracer.

    Parameters
    ----------
    ds, ds_min, ds_max : float
        Initial, smallest and largest arclength steps (in the population-weighted norm).
    max_steps : int
        Accepted steps per direction of a curve.
    tol : float
        Residual tolerance (max norm) of the corrector and of located special points.
    max_newton : int
        Corrector iterations per step.
    fast, slow : int
        A step that converges in at most ``fast`` iterations grows by ``grow``; one that
        needs more than ``slow`` shrinks by ``shrink``.
    grow, shrink : float
    """

    ds: float = 0.01
    ds_min: float = 1e-7
    ds_max: float = 0.05
    max_steps: int = 2000
    tol: float = 1e-11
    max_newton: int = 10
    fast: int = 3
    slow: int = 5
    grow: float = 1.5
    shrink: float = 0.7

    def __post_init__(self):
        for name in ("ds", "ds_min", "ds_max", "tol", "grow", "shrink"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and np.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not self.ds_min <= self.ds <= self.ds_max:
            raise ValueError(f"the steps must satisfy ds_min <= ds <= ds_max, got ds_min = "
                             f"{self.ds_min:g}, ds = {self.ds:g}, ds_max = {self.ds_max:g}")
        for name in ("max_steps", "max_newton", "fast", "slow"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
        if not (self.grow >= 1 and self.shrink < 1):
            raise ValueError(f"grow must be >= 1 and shrink < 1, got {self.grow}, "
                             f"{self.shrink}")

    @classmethod
    def build(cls, options=None, **settings):
        """``options`` (a ContinuationOptions, or None for the defaults) with ``settings``
        overriding single fields; unknown names are refused with the closest valid one."""
        base = cls() if options is None else options
        if not isinstance(base, cls):
            raise TypeError(f"options must be a cp.ContinuationOptions, got {options!r}")
        names = {f.name for f in dataclasses.fields(cls)}
        for name in settings:
            if name not in names:
                raise TypeError(f"unknown continuation option {name!r}{suggest(name, names)}; "
                                f"the options are {sorted(names)}")
        changes = {k: v for k, v in settings.items() if v is not None}
        return dataclasses.replace(base, **changes) if changes else base


class Linearisation:
    """G(w) and its Jacobian G'(w) (n x (n + 1)) at one point, with bordered solves.

    Parameters
    ----------
    residual : ndarray (n,)
    border : callable
        ``border(row)`` factors the square matrix [[G'(w)], [row]] and returns an object with
        ``solve(rhs)`` and ``slogdet()``.
    """

    __slots__ = ("residual", "border")

    def __init__(self, residual, border):
        self.residual, self.border = residual, border


class AugmentedProblem:
    """A continuation problem G(w) = 0 for the :class:`Walker`.

    For implementers, a subclass provides:

    1. ``weights``: ndarray (n + 1,), the weights of the arclength inner product (population
       weights for unit states, 1 for macro states and parameters);
    2. ``free``: the names of the free parameters, the last ``len(free)`` unknowns of w;
    3. ``linearise(w)`` -> :class:`Linearisation` at w (it may cache the last point: the
       corrector's convergence check, the tangent and the record all ask at the same w);
    4. ``record(w, tau)`` -> dict: what an accepted point keeps (the walker adds "w" and
       "tau"), e.g. a spectrum or test-function values;
    5. ``detect(a, b, walker)`` -> list of :class:`Located`: the special points between two
       consecutive accepted points, found with the walker's location tools
       (:meth:`Walker.root`, :meth:`Walker.bisect`, :meth:`Walker.refine`).

    Optionally:

    6. ``accept(w, point)``: called after each accepted step (e.g. to renew borders);
    7. ``margin(w)`` -> float: >= 0 inside the region the user allows for the state (the
       ``bounds`` of an analysis); the walker ends the curve where it crosses 0, saying
       ``boundary`` ("left the bounds") and where. It solves for the crossing unless
       ``singular_boundary`` is set (the augmented system degenerates there, as a Hopf
       curve's at ω = 0); then it approaches it by ever smaller steps, to ``ds_min``;
    8. ``describe(w)`` -> str: the point in words, for messages ("h = 0.53").

    9. ``orient``: the order in which the free parameters may fix the direction of a curve
       at its start (default: as listed).

    Everything else - steps, the box, the partial curve on failure, locating - is the
    walker's.
    """

    free = ()
    orient = None
    boundary = "left the bounds"
    singular_boundary = False

    def record(self, w, tau):
        return {}

    def detect(self, a, b, walker):
        return []

    def accept(self, w, point):
        pass

    def margin(self, w):
        return np.inf

    def describe(self, w):
        q = len(self.free)
        return ", ".join(f"{n} = {v:.10g}" for n, v in zip(self.free, w[w.size - q:]))


@dataclass
class Located:
    """A special point found between two accepted points ``a`` and ``b`` of a curve."""

    kind: str
    w: np.ndarray
    status: str  # "converged" (its defining system or test root is resolved) or "guess"
    data: dict = dataclasses.field(default_factory=dict)
    change: int = 0  # the change of a stability count it explains


@dataclass
class Walk:
    """One curve: accepted points in order (dicts with "w", "tau" and the problem's record)
    and how each end came about ("" when it reached the box)."""

    points: list
    message: str = ""
    status: int = 0  # 0 reached the box or a natural end; -1 stopped on a failure


class Walker:
    """Pseudo-arclength continuation of an :class:`AugmentedProblem` inside a box.

    Parameters
    ----------
    problem : AugmentedProblem
    options : ContinuationOptions
    box : sequence of (lo, hi)
        The range of each free parameter; a curve ends where it reaches the edge, on it.
    """

    def __init__(self, problem, options, box):
        self.problem, self.options = problem, options
        self.box = np.array(box, dtype=float).reshape(len(problem.free), 2)
        self.theta = np.asarray(problem.weights, dtype=float)
        self.q = len(problem.free)

    # ------------------------------------------------------------------ geometry
    def dot(self, a, b):
        return float(self.theta @ (a * b))

    def norm(self, a):
        return float(np.sqrt(self.dot(a, a)))

    def tangent(self, w, previous=None):
        """The unit tangent at w, oriented along ``previous`` (default: the first free
        parameter increasing, or the next one where that is singular)."""
        n = w.size
        rhs = np.zeros(n)
        rhs[-1] = 1.0
        lin = self.problem.linearise(w)
        if previous is not None:
            t = lin.border(self.theta * previous).solve(rhs)
        else:
            order = self.problem.orient or range(self.q)
            for axis in (n - self.q + i for i in order):
                row = np.zeros(n)
                row[axis] = 1.0
                try:
                    t = lin.border(row).solve(rhs)
                    break
                except np.linalg.LinAlgError:
                    continue
            else:
                raise np.linalg.LinAlgError("no tangent: the Jacobian is singular in every "
                                            "parameter direction")
        if not np.all(np.isfinite(t)):
            raise np.linalg.LinAlgError("the tangent is not finite")
        t = t / self.norm(t)
        if previous is not None and self.dot(t, previous) < 0:
            t = -t
        return t

    # ------------------------------------------------------------------ corrector
    def correct(self, w_pred, tau, *, fixed=None, max_iter=None):
        """Newton on {G = 0, <tau, w - w_pred> = 0}, or {G = 0, w[i] = value} with
        ``fixed = (i, value)``. Returns (w, iterations), w None on failure."""
        max_iter = self.options.max_newton if max_iter is None else max_iter
        n = w_pred.size
        if fixed is None:
            row = self.theta * tau
        else:
            row = np.zeros(n)
            row[fixed[0]] = 1.0
        w = w_pred.copy()
        tol = self.options.tol
        for iteration in range(1, max_iter + 1):
            try:
                lin = self.problem.linearise(w)
                last = row @ (w - w_pred) if fixed is None else w[fixed[0]] - fixed[1]
                rhs = np.append(lin.residual, last)
                if not np.all(np.isfinite(rhs)):
                    return None, iteration
                delta = lin.border(row).solve(-rhs)
            except CORRECTOR_FAILURES:
                return None, iteration
            w = w + delta
            # converged: a negligible step, or a small one (Newton's next is of the order of
            # its square) landing where the residual is within the tolerance
            step = np.max(np.abs(delta))
            if step < 1e-12 * (1 + np.max(np.abs(w))):
                return w, iteration
            if step < 1e-6:
                try:
                    if np.max(np.abs(self.problem.linearise(w).residual)) < tol:
                        return w, iteration
                except CORRECTOR_FAILURES:
                    return None, iteration
        return None, max_iter

    # ------------------------------------------------------------------ curves
    def trace(self, w):
        """The whole curve through w: both directions, joined, tangents along the curve."""
        tau = self.tangent(w)
        forward = self.walk(w, tau)
        backward = self.walk(w, -tau)
        for point in backward.points:
            point["tau"] = -point["tau"]
        points = backward.points[::-1] + forward.points[1:]
        message = "; ".join(m for m in (backward.message, forward.message) if m)
        return Walk(points, message, min(forward.status, backward.status))

    def walk(self, w, tau):
        """Follow the curve from w along tau until it reaches the box, a bound of the
        state, a failure or the step limit."""
        points = [self._point(w, tau)]
        ds, opts = self.options.ds, self.options
        for _ in range(opts.max_steps):
            w_pred = w + ds * tau
            fixed = self._edge(w, w_pred)
            if fixed == "out":
                return Walk(points)
            w_new, iterations = self.correct(w_pred, tau, fixed=fixed)
            if w_new is not None and fixed is None and (edge := self._edge(w, w_new)):
                if edge == "out":
                    return Walk(points)
                fixed = edge  # the corrector left the box: land on its edge instead
                w_new, iterations = self.correct(w_pred, tau, fixed=fixed)
            if w_new is None:
                ds /= 2
                if ds < opts.ds_min:
                    if self._land_on_edge(points, tau):
                        return Walk(points)
                    return Walk(points, f"Newton failed at {self.problem.describe(w)} with "
                                        f"the smallest step {opts.ds_min:g}; the curve ends "
                                        f"there", -1)
                continue
            try:
                tau_new = self.tangent(w_new, tau)
            except CORRECTOR_FAILURES as error:
                return Walk(points, f"no tangent at {self.problem.describe(w_new)} "
                                    f"({error}); the curve ends there", -1)
            if self.problem.margin(w_new) < 0:
                if not self.problem.singular_boundary and \
                        self._land_on_bounds(points, tau, w_new):
                    return Walk(points, f"{self.problem.boundary} at "
                                        f"{self.problem.describe(points[-1]['w'])}")
                ds /= 2  # where the boundary cannot be solved for, approach it by steps
                if ds < opts.ds_min:
                    return Walk(points, f"{self.problem.boundary} at "
                                        f"{self.problem.describe(w)}")
                continue
            point = self._point(w_new, tau_new)
            points.append(point)
            self.problem.accept(w_new, point)
            if fixed is not None:
                return Walk(points)
            w, tau = w_new, tau_new
            ds = min(opts.ds_max, ds * opts.grow) if iterations <= opts.fast else \
                max(opts.ds_min, ds * opts.shrink) if iterations > opts.slow else ds
        return Walk(points, f"stopped after {opts.max_steps} steps at "
                            f"{self.problem.describe(w)}; raise max_steps to go on", 0)

    def _point(self, w, tau):
        return {"w": w, "tau": tau, **self.problem.record(w, tau)}

    def _edge(self, w, w_new):
        """None inside the box; (index, value) of the edge w_new crossed; "out" when w sits
        on that edge already and heads out."""
        p, p_new = w[w.size - self.q:], w_new[w.size - self.q:]
        for i, ((lo, hi), value, new) in enumerate(zip(self.box, p, p_new)):
            if lo <= new <= hi:
                continue
            edge = hi if new > hi else lo
            if value == edge:
                return "out"
            return (w.size - self.q + i, edge)
        return None

    def _land_on_edge(self, points, tau):
        """Where the steps shrink to nothing next to an edge of the box (typically the edge
        of a parameter's domain, such as a spread sigma = 0, which Newton's iterates
        overstep), land on the edge the curve heads for; False if none is that close."""
        w = points[-1]["w"]
        n = w.size - self.q
        for i, (lo, hi) in enumerate(self.box):
            heading = tau[n + i]
            edge = hi if heading > 0 else lo
            if heading == 0 or abs(edge - w[n + i]) > self.options.ds_max * abs(heading):
                continue
            w_new, _ = self.correct(w + (edge - w[n + i]) / heading * tau, tau,
                                    fixed=(n + i, edge))
            if w_new is not None:
                try:
                    points.append(self._point(w_new, self.tangent(w_new, tau)))
                except CORRECTOR_FAILURES:
                    return False
                return True
        return False

    def _land_on_bounds(self, points, tau, w_out):
        """Append the point where the curve crosses the boundary of the allowed state
        region, between the last point inside and w_out; False if it is not resolved."""
        found, status = self.root(points[-1], {"w": w_out, "tau": tau}, self.problem.margin)
        if status != "converged":
            return False
        try:
            points.append(self._point(found, self.tangent(found, tau)))
        except CORRECTOR_FAILURES:
            return False
        return True

    # ------------------------------------------------------------------ location tools
    def along(self, a, s, *, max_iter=None):
        """The curve point at arclength s from point a, corrected from the tangent's
        prediction (None if the corrector fails)."""
        w, _ = self.correct(a["w"] + s * a["tau"], a["tau"], max_iter=max_iter)
        return w

    def chord(self, a, b):
        return self.norm(b["w"] - a["w"])

    def root(self, a, b, test):
        """A root of ``test(w)`` on the curve between a and b (Brent's method in the
        arclength from a, each trial point corrected). Returns (w, status)."""
        length = self.chord(a, b)

        def at(s):
            w = self.along(a, s)
            if w is None:
                raise ArithmeticError
            return w

        try:
            values = test(at(0.0)), test(at(length))
            if values[0] * values[1] > 0:  # no sign change: an end may be the root itself,
                end = int(np.argmin(np.abs(values)))  # to the round-off a count ignores
                if abs(values[end]) < 1e-9 * (1 + max(map(abs, values))):
                    return self.polish(at(end * length), a["tau"]), "converged"
            s = optimize.brentq(lambda s: test(at(s)), 0.0, length,
                                xtol=1e-14 * (1 + length), rtol=4 * np.finfo(float).eps)
            return self.polish(at(s), a["tau"]), "converged"
        except (ValueError, ArithmeticError, *CORRECTOR_FAILURES):
            return (a["w"] + b["w"]) / 2, "guess"

    def bisect(self, a, b, sign):
        """Where ``sign(w)`` flips on the curve between a and b (for tests whose sign, not
        value, is reliable: determinants of singular-ish matrices). Returns (w, status)."""
        def at(s):  # near a singular point Newton converges only linearly: allow more steps
            w = self.along(a, s, max_iter=60)
            if w is None:
                return None, None
            try:
                return sign(w), w
            except np.linalg.LinAlgError:  # a determinant exactly 0: the sign changes here
                return 0.0, w

        lo, hi = 0.0, self.chord(a, b)
        s_lo, w = at(lo)
        s_hi, _ = at(hi)
        if s_lo is None or s_hi is None or s_lo == s_hi:
            return (a["w"] + b["w"]) / 2, "guess"
        for _ in range(80):
            for fraction in (0.5, 0.49, 0.51):  # the corrector may fail exactly at the point
                mid = lo + fraction * (hi - lo)
                s_mid, w_mid = at(mid)
                if s_mid is not None:
                    break
            else:
                break
            if s_mid == s_lo:
                lo, w = mid, w_mid
            else:
                hi = mid
            if hi - lo < 1e-14 * (1 + hi):
                break
        return w, "converged" if hi - lo < 1e-9 * (1 + hi) else "guess"

    def polish(self, w, tau):
        """Newton on {G = 0, <tau, w' - w> = 0} from w until its steps stop shrinking: a
        located point to the precision of the arithmetic (the corrector stops at ``tol``)."""
        row, previous = self.theta * tau, np.inf
        target = w.copy()
        for _ in range(8):
            try:
                lin = self.problem.linearise(w)
                delta = lin.border(row).solve(-np.append(lin.residual, row @ (w - target)))
            except CORRECTOR_FAILURES:
                break
            step = np.max(np.abs(delta))
            if not np.isfinite(step) or step >= previous:
                break
            w, previous = w + delta, step
            if step < 4 * np.finfo(float).eps * (1 + np.max(np.abs(w))):
                break
        return w

    def refine(self, a, b):
        """The accepted-point record halfway (in arclength) between a and b, or None."""
        w = self.along(a, self.chord(a, b) / 2)
        if w is None:
            return None
        try:
            return self._point(w, self.tangent(w, a["tau"]))
        except CORRECTOR_FAILURES:
            return None
