r"""``cp.continuation``: pseudo-arclength continuation of coupled equilibria in one parameter.

Branches w = (u, p) of F(u, p) = 0 are followed with Keller's pseudo-arclength method: a
tangent predictor and a Newton corrector on F = 0 plus
:math:`\langle \tau, w - w_{\text{pred}} \rangle = 0`. Every linear system is the Jacobian
bordered by one row and column and is solved with the structured (Woodbury) solver in
O(N). The inner product weighs each unit by its population weight, so that step sizes mean
the same for N units and for the mean-field limit. Steps adapt to the Newton iteration count.

Special points (Govaerts 2000, *Numerical Methods for Bifurcations of Dynamical Equilibria*;
Kuznetsov 2004, *Elements of Applied Bifurcation Theory*, 3rd ed.):

* **fold**: the parameter component of the tangent changes sign. Located by Newton on the
  minimally augmented system {F = 0, g = 0}, with g from the bordered system
  [[J, b], [cᵀ, 0]] (v, g) = (0, 1) and its derivatives g_u = -wᵀ J_u v, g_p = -wᵀ J_p v.
* **Hopf**: a complex pair crosses the imaginary axis. Located by a root of the pair's real
  part along the branch, each trial point corrected onto the branch; the first Lyapunov
  coefficient l₁ (Kuznetsov eq. 3.20) tells supercritical (l₁ < 0) from subcritical.
* **branch point**: the determinant of the bordered Jacobian changes sign without a fold
  (by the matrix determinant lemma on the structured form). Located by a root along the
  branch.
* **singular Hopf** (response rules, the ε → 0 limit): the fast determinant det(Φ'(X) - I)
  changes sign without a fold, a slow eigenvalue passing through infinity (Baer & Erneux
  1986, SIAM J. Appl. Math. 46). Located by a root along the branch.
* for maps, **flip** (a multiplier through -1, the sign of det(J_G + I)) and
  **Neimark-Sacker** (a complex pair through the unit circle, like Hopf points).

The unstable count at every point is exact (see :meth:`EquilibriumProblem.spectrum`), so a
change in it between consecutive points always triggers a search, even when the complex
window of a Hopf point is narrower than one step.
"""

import numpy as np
from scipy import optimize

from ..._errors import ParameterDomainError
from ._diagram import BifurcationDiagram, Branch, SpecialPoint
from ._equilibria import equilibria
from ._problem import EquilibriumProblem

N_EIGENVALUES = 6


def continuation(model, param, interval, *, start=None, population=None, seed=None,
                 bounds=None, ds=0.01, ds_min=1e-7, ds_max=0.05, max_steps=2000, tol=1e-11):
    """Continue every equilibrium branch in ``param`` across ``interval``.

    Parameters
    ----------
    model : Model
    param : str
        Any parameter: micro, policy, macro or heterogeneity (a trait distribution's
        parameter, which moves the mean-field nodes or the sampled traits).
    interval : (float, float)
        The parameter range.
    start : Equilibrium or sequence of Equilibrium, optional
        Continue only the branches through these equilibria of ``model`` (found with
        :func:`~coupling.equilibria` for the same population and seed), at the model's value
        of ``param``. Default: every branch through an equilibrium at either end of the
        interval.
    population, seed, bounds
        As for :func:`~coupling.equilibria`, which finds the starting equilibria at both
        ends of the interval.
    ds, ds_min, ds_max : float
        Initial, smallest and largest arclength steps.
    max_steps : int
        Steps per branch direction.
    tol : float
        Residual tolerance of the corrector and of located special points.

    Returns
    -------
    BifurcationDiagram

    Examples
    --------
    >>> import coupling as cp
    >>> diagram = cp.continuation(cp.load("social-choice", J=2.0, sigma=0.0), "h", (-1, 1))
    >>> [f"{p.param:+.10f}" for p in diagram.folds()]
    ['-0.5328399754', '+0.5328399754']
    """
    from ...model._model import _check_population

    if param not in model.parameters:
        raise KeyError(f"{param!r} is not a parameter of the model; it has "
                       f"{sorted(model.parameters)}")
    lo, hi = map(float, interval)
    if not lo < hi:
        raise ValueError(f"the interval must satisfy lo < hi, got {interval}")
    population = model.population if population is None else _check_population(population)
    if seed is None:  # one population for every equilibrium search and the continuation
        seed = np.random.SeedSequence().entropy
    problem = EquilibriumProblem(model, population, seed)
    tracer = _Tracer(problem, param, lo, hi, ds=ds, ds_min=ds_min, ds_max=ds_max,
                     max_steps=max_steps, tol=tol)
    if start is None:
        searches = [(end, equilibria(model.with_parameters(**{param: end}), bounds=bounds,
                                     population=population, seed=seed)) for end in (lo, hi)]
    else:
        searches = [(_start_value(model, param, lo, hi), _as_list(start))]
    for value, starts in searches:
        for eq in starts:
            u = _start_state(problem, eq)
            if start is not None:  # polish at the start's parameter value
                problem.set_parameter(param, value)
                u = problem.newton(u, tol=tol)[0]
            if not tracer.covered(u, value):
                tracer.trace(u, value)
    s = problem.system
    tracer.special.sort(key=lambda point: (point.branch, point.param))
    return BifurcationDiagram(parameter=param, branches=tracer.branches,
                              special_points=tracer.special, macro_names=s.macro_names,
                              aggregate_names=s.global_aggregates, model=model.name)


def _start_value(model, param, lo, hi):
    value = float(model.parameters[param])
    if not lo <= value <= hi:
        raise ValueError(f"the start equilibria are at {param} = {value:g} (the model's value), "
                         f"outside the interval ({lo:g}, {hi:g})")
    return value


def _as_list(start):
    return list(start) if isinstance(start, (list, tuple)) else [start]


def _start_state(problem, eq):
    """The flat state u of an :class:`Equilibrium`, checked against the problem's shape."""
    s = problem.system
    micro = np.asarray(eq.micro, dtype=float)
    if micro.shape != (s.size, s.k) or list(eq.macro) != list(s.macro_names):
        raise ValueError(f"the start equilibrium has a micro state of shape {micro.shape}; "
                         f"this continuation's population has shape {(s.size, s.k)}: find it "
                         f"with cp.equilibria for the same model, population and seed")
    return s.pack(micro, np.array(list(eq.macro.values()), dtype=float))


class _Tracer:
    def __init__(self, problem, param, lo, hi, *, ds, ds_min, ds_max, max_steps, tol):
        self.problem, self.param, self.lo, self.hi = problem, param, lo, hi
        self.ds0, self.ds_min, self.ds_max = ds, ds_min, ds_max
        self.max_steps, self.tol = max_steps, tol
        s = problem.system
        self.theta = np.concatenate([np.repeat(s.weights, s.k), np.ones(len(s.macro_names))])
        self.branches, self.special, self._points = [], [], []

    # -------------------------------------------------------------- the system in (u, p)
    def F(self, u, p):
        self.problem.set_parameter(self.param, p)
        return self.problem.residual(u)

    def Fp(self, u, p):
        self.problem.set_parameter(self.param, p)
        return self.problem.parameter_derivative(u, self.param)

    def J(self, u, p):
        self.problem.set_parameter(self.param, p)
        return self.problem.jacobian(u)

    def linearise(self, u, p):
        """F, J and F_p at (u, p)."""
        self.problem.set_parameter(self.param, p)
        return (self.problem.residual(u), self.problem.jacobian(u),
                self.problem.parameter_derivative(u, self.param))

    def dot(self, a, b):
        return float(self.theta @ (a[:-1] * b[:-1]) + a[-1] * b[-1])

    def tangent(self, u, p, previous=None):
        _, J, Fp = self.linearise(u, p)
        if previous is None:
            row, corner = np.zeros(u.size), 1.0
        else:
            row, corner = self.theta * previous[:-1], previous[-1]
        rhs = np.zeros(u.size + 1)
        rhs[-1] = 1.0
        t = J.bordered(Fp, row, corner).solve(rhs)
        t /= np.sqrt(self.dot(t, t))
        if previous is not None and self.dot(t, previous) < 0:
            t = -t
        return t

    def correct(self, w_pred, tau, *, fixed_p=None, max_iter=10):
        """Newton on {F = 0, <tau, w - w_pred> = 0} (or p = fixed_p)."""
        n = w_pred.size - 1
        if fixed_p is None:  # <tau, w - w_pred> = row (u - u_pred) + corner (p - p_pred)
            row, corner = self.theta * tau[:-1], tau[-1]
        else:
            row, corner = np.zeros(n), 1.0
        w, rhs = w_pred.copy(), np.empty(n + 1)
        for iteration in range(1, max_iter + 1):
            try:
                F, J, Fp = self.linearise(w[:-1], w[-1])
                rhs[:n] = F
                rhs[n] = (row @ (w[:-1] - w_pred[:-1]) + corner * (w[-1] - w_pred[-1])
                          if fixed_p is None else w[-1] - fixed_p)
                if not np.isfinite(rhs.sum()):
                    return None, iteration
                delta = J.bordered(Fp, row, corner).solve(-rhs)
            except (np.linalg.LinAlgError, ParameterDomainError):  # DeclarationError: the
                return None, iteration                          # parameter left its domain
            w = w + delta
            # converged: a negligible step, or a small step (Newton's next one is of the order
            # of its square) landing where the residual is within the tolerance
            step = np.abs(delta).max()
            if step < 1e-12 * (1 + np.abs(w).max()) or \
                    (step < 1e-6 and np.abs(self.F(w[:-1], w[-1])).max() < self.tol):
                return w, iteration
        return None, max_iter

    # -------------------------------------------------------------- branches
    def covered(self, u, p):
        """Whether (u, p) already lies on a traced branch."""
        x = self.problem.coupling_point(u)
        return any(abs(q - p) < 1e-8 * (1 + abs(p)) and
                   np.all(np.abs(y - x) < 1e-6 * (1 + np.abs(x)))
                   for q, y in self._points)

    def trace(self, u, p):
        start = np.append(u, p)
        tau0 = self.tangent(u, p)
        halves = []
        for direction in (1.0, -1.0):
            halves.append(self._walk(start, direction * tau0))
        backward, forward = halves[1], halves[0]
        for point in backward[0]:  # orient every tangent along the assembled branch
            point["tau"] = -point["tau"]
        points = backward[0][::-1] + forward[0][1:]
        message = "; ".join(m for m in (backward[1], forward[1]) if m)
        self._store(points, message)

    def _walk(self, w, tau):
        """Follow the branch from w along tau until it leaves the interval."""
        points = [self._record(w, tau)]
        ds = self.ds0
        for _ in range(self.max_steps):
            w_pred = w + ds * tau
            fixed = None
            if not self.lo <= w_pred[-1] <= self.hi:
                fixed = self.hi if w_pred[-1] > self.hi else self.lo
                if w[-1] == fixed:  # at the end of the interval, heading out
                    return points, ""
                w_pred[-1] = fixed  # never evaluate outside the interval
            w_new, iterations = self.correct(w_pred, tau, fixed_p=fixed)
            if w_new is not None and not self.lo <= w_new[-1] <= self.hi:
                fixed = self.hi if w_new[-1] > self.hi else self.lo  # land on the end
                w_pred[-1] = fixed
                w_new, iterations = self.correct(w_pred, tau, fixed_p=fixed)
            if w_new is None:
                ds /= 2
                if ds < self.ds_min:
                    p = w[-1]
                    return points, (f"Newton failed at {self.param} = {p:.10g} with the "
                                    f"smallest step {self.ds_min:g}; the branch ends there")
                continue
            tau_new = self.tangent(w_new[:-1], w_new[-1], tau)
            points.append(self._record(w_new, tau_new))
            if fixed is not None:
                return points, ""
            w, tau = w_new, tau_new
            ds = min(self.ds_max, ds * 1.5) if iterations <= 3 else \
                max(self.ds_min, ds * 0.7) if iterations > 5 else ds
        return points, f"stopped after {self.max_steps} steps"

    def _record(self, w, tau):
        u, p = w[:-1], w[-1]
        self.problem.set_parameter(self.param, p)
        eig, unstable = self.problem.spectrum(u, N_EIGENVALUES)
        self._points.append((p, self.problem.coupling_point(u)))
        return {"w": w, "tau": tau, "eig": eig[:N_EIGENVALUES],
                "unstable": unstable}

    def _store(self, points, message):
        index = len(self.branches)
        located = []  # special points join the branch as vertices, between their brackets
        for a, b in zip(points[:-1], points[1:]):
            located.append([a])
            for found in self._detect(a, b, index):
                located[-1].append(self._record(found, a["tau"]))
        points = [pt for group in located for pt in group] + points[-1:]
        macro, aggregates = [], []
        for pt in points:
            u, p = pt["w"][:-1], pt["w"][-1]
            self.problem.set_parameter(self.param, p)
            macro.append(self.problem.macro(u))
            aggregates.append(self.problem.aggregates(u))
        eig = np.full((len(points), N_EIGENVALUES), np.nan, dtype=complex)
        for i, pt in enumerate(points):
            eig[i, :pt["eig"].size] = pt["eig"]
        unstable = np.array([pt["unstable"] for pt in points])
        self.branches.append(Branch(
            param=np.array([pt["w"][-1] for pt in points]),
            macro=np.array(macro).reshape(len(points), -1),
            aggregates=np.array(aggregates).reshape(len(points), -1),
            stable=unstable == 0, n_unstable=unstable, eigenvalues=eig, message=message))

    # -------------------------------------------------------------- special points
    def _detect(self, a, b, branch):
        """Locate the special points between consecutive branch points a and b."""
        fold = a["tau"][-1] * b["tau"][-1] < 0
        change = b["unstable"] - a["unstable"]
        found = []
        if fold:
            found.append(self._locate_fold(a, b))
        elif abs(change) == 2 and self.problem.system.response and \
                (singular := self._locate_singular_hopf(a, b)) is not None:
            found.append(singular)
        elif abs(change) == 2 and (hopf := self._locate_hopf(a, b)) is not None:
            found.append(hopf)
        elif abs(change) == 1 and self.problem.discrete and _flip_crossing(a, b):
            found.append(self._locate_flip(a, b))
        elif abs(change) == 1:
            found.append(self._locate_branch_point(a, b))
        for located in found:
            self._add(located, a, b, branch)
        return [located[1] for located in found]

    def _add(self, located, a, b, branch):
        kind, w, status, data = located
        s = self.problem.system
        u, p = w[:-1], w[-1]
        self.problem.set_parameter(self.param, p)
        state = dict(zip(s.macro_names, self.problem.macro(u).tolist()))
        state.update(zip(s.global_aggregates, self.problem.aggregates(u).tolist()))
        # the parameter range of the bracketing segment and of the point itself (a fold, or
        # a pitchfork seen from its side branch, is an extremum of the parameter there)
        span = (a["w"][-1], b["w"][-1], p)
        self.special.append(SpecialPoint(kind=kind, param=float(p), state=state,
                                         interval=(min(span), max(span)), status=status,
                                         branch=branch, data=data, u=u.copy()))

    def _locate_fold(self, a, b):
        """Newton on the minimally augmented system {F = 0, g = 0}."""
        w = a["w"] + (b["w"] - a["w"]) * abs(a["tau"][-1]) / (abs(a["tau"][-1])
                                                              + abs(b["tau"][-1]))
        n = w.size - 1
        border = self.theta * (a["tau"][:-1] + b["tau"][:-1]) / 2
        border /= np.linalg.norm(border)
        rhs = np.append(np.zeros(n), 1.0)
        wl = np.zeros(n)
        for _ in range(20):
            u, p = w[:-1], w[-1]
            J = self.J(u, p)
            try:
                vg = J.bordered(border, border, 0.0).solve(rhs)
                wh = J.T.bordered(border, border, 0.0).solve(rhs)
            except np.linalg.LinAlgError:
                break
            v, g, wl = vg[:n], vg[n], wh[:n]
            h = 1e-5 * np.max(np.abs(u)) / max(np.max(np.abs(v)), 1e-300) + 1e-7
            gu = -(self.J(u + h * v, p).T.matvec(wl) - self.J(u - h * v, p).T.matvec(wl)) \
                / (2 * h)
            hp = 1e-6 * (1 + abs(p))
            gp = -wl @ (self.J(u, p + hp).matvec(v) - self.J(u, p - hp).matvec(v)) / (2 * hp)
            F = self.F(u, p)
            try:
                delta = self.J(u, p).bordered(self.Fp(u, p), gu, gp).solve(-np.append(F, g))
            except np.linalg.LinAlgError:
                break
            w = w + delta
            if np.max(np.abs(delta)) < 1e-13 * (1 + np.max(np.abs(w))):
                break
        converged = np.max(np.abs(self.F(w[:-1], w[-1]))) < 10 * self.tol and \
            self._between(w, a, b)
        # at a fold the left null vector sees F_p; at a branch point (where another branch
        # crosses, e.g. a pitchfork seen from its side branch) it does not
        scale = max(np.linalg.norm(self.Fp(x["w"][:-1], x["w"][-1])) for x in (a, b))
        crossing = np.any(wl) and \
            abs(wl @ self.Fp(w[:-1], w[-1])) < 1e-3 * np.linalg.norm(wl) * scale
        return ("branch" if crossing else "fold"), w, \
            "converged" if converged else "guess", {}

    def _between(self, w, a, b):
        """Whether w projects onto the branch segment from a to b."""
        d = b["w"] - a["w"]
        t = self.dot(w - a["w"], d) / self.dot(d, d)
        return -0.1 <= t <= 1.1

    def _along(self, a, b, test):
        """Root of test(w) along the branch between a and b (each trial corrected)."""
        step = np.sqrt(self.dot(b["w"] - a["w"], b["w"] - a["w"]))

        def at(s):
            w, _ = self.correct(a["w"] + s * a["tau"], a["tau"])
            if w is None:
                raise ArithmeticError
            return w

        try:
            s = optimize.brentq(lambda s: test(at(s)), 0.0, step, xtol=1e-13 * (1 + step))
            return at(s), "converged"
        except (ValueError, ArithmeticError):
            return (a["w"] + b["w"]) / 2, "guess"

    def _locate_hopf(self, a, b):
        """Hopf (flows) or Neimark-Sacker (maps): the crossing pair's distance from the
        boundary (real part; modulus - 1) has a root along the branch. None if the pair is
        not complex there."""
        k = min(a["unstable"], b["unstable"])  # the crossing pair: values k and k + 1
        discrete = self.problem.discrete

        def critical(w):
            self.problem.set_parameter(self.param, w[-1])
            values = self.problem.spectrum(w[:-1])[0]
            excess = np.sort(np.abs(values) - 1 if discrete else values.real)[::-1]
            return (excess[k] + excess[k + 1]) / 2

        w, status = self._along(a, b, critical)
        if not _complex_crossing(a, b, discrete):
            # real at both ends: a complex window narrower than the step (small ε), or two
            # real values crossing - a Hopf point only if the pair is complex where it crosses
            self.problem.set_parameter(self.param, w[-1])
            values = self.problem.spectrum(w[:-1])[0]
            if status != "converged" or abs(_nearest_boundary(values, discrete).imag) <= 1e-8:
                return None
        if discrete:
            return "neimark-sacker", w, status, {}
        return "hopf", w, status, self._hopf_data(w)

    def _locate_singular_hopf(self, a, b):
        """Response rules: a root of the fast determinant det(Φ'(X) - I) along the branch
        (None if it keeps its sign from a to b). The equilibrium crosses a fold of the
        critical manifold while the branch does not fold: as ε → 0 a slow eigenvalue passes
        through infinity and a fast one through 0, the singular limit of a Hopf point (Baer &
        Erneux 1986, SIAM J. Appl. Math. 46; Krupa & Szmolyan 2001, J. Differential
        Equations 174)."""
        def fast(w):
            self.problem.set_parameter(self.param, w[-1])
            return self.problem.fast_determinant(w[:-1])

        if fast(a["w"]) * fast(b["w"]) > 0:
            return None
        return ("singular-hopf",) + self._along(a, b, fast) + ({},)

    def _locate_flip(self, a, b):
        """Bisection along the branch on the sign of det(J_G + I) (a multiplier at -1)."""
        def sign(w):
            J = self.J(w[:-1], w[-1])
            return J.shifted(-2.0).slogdet()[0]  # J_G + I = (G - I)' + 2I

        return ("flip",) + self._bisect(a, b, sign) + ({},)

    def _locate_branch_point(self, a, b):
        """Bisection on the sign of det [[J, F_p], [τᵀ, τ_p]] along the branch."""
        def sign(w):
            u, p = w[:-1], w[-1]
            tau = self.tangent(u, p, a["tau"])
            return _slogdet(self.J(u, p), self.Fp(u, p), self.theta * tau[:-1], tau[-1])[0]

        return ("branch",) + self._bisect(a, b, sign) + ({},)

    def _bisect(self, a, b, sign):
        """Where sign(w) flips between a and b along the branch: (w, status)."""
        def at(s):  # near a singular point Newton converges only linearly: allow more steps
            w, _ = self.correct(a["w"] + s * a["tau"], a["tau"], max_iter=60)
            return (None, None) if w is None else (sign(w), w)

        lo, hi = 0.0, np.sqrt(self.dot(b["w"] - a["w"], b["w"] - a["w"]))
        s_lo, w = at(lo)
        s_hi, _ = at(hi)
        if s_lo is None or s_hi is None or s_lo == s_hi:
            return (a["w"] + b["w"]) / 2, "guess"
        for _ in range(60):
            for fraction in (0.5, 0.49, 0.51):  # the corrector fails exactly at the point
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
            if hi - lo < 1e-12 * (1 + hi):
                break
        return w, "converged" if hi - lo < 1e-9 * (1 + hi) else "guess"

    def _hopf_data(self, w):
        """Frequency and first Lyapunov coefficient (dense systems). For a response rule,
        those of the reduced slow system y' = F(y, X*(y), c) it stands for as ε → 0."""
        u, p = w[:-1], w[-1]
        if self.problem.system.response:
            self.problem.set_parameter(self.param, p)
            F, u, A = self.problem.slow_system(u)
            theta = np.ones(u.size)
        else:
            J = self.J(u, p)
            if J.shape[0] > 1500:
                return {}
            F, A, theta = (lambda x: self.F(x, p)), J.toarray(), self.theta
        eig, vecs = np.linalg.eig(A)
        i = np.argmin(np.abs(eig.real) + 1e9 * (np.abs(eig.imag) < 1e-8))
        omega = abs(eig[i].imag)
        q = vecs[:, i] if eig[i].imag > 0 else vecs[:, i].conj()
        # normalised in the population-weighted norm: l1 then does not depend on N or on
        # the number of nodes (Kuznetsov's |q| = 1 is this norm for one unit)
        q = q / np.sqrt(np.sum(theta * np.abs(q) ** 2))
        eigT, vecsT = np.linalg.eig(A.T)
        j = np.argmin(np.abs(eigT - (-1j * omega)))
        pvec = vecsT[:, j]
        pvec = pvec / np.conj(np.vdot(pvec, q))  # <p, q> = conj(p) . q = 1
        return {"omega": float(omega),
                "l1": float(_lyapunov(F, u, A, q, pvec, omega))}


def _nearest_boundary(values, discrete):
    """The eigenvalue nearest the imaginary axis (the multiplier nearest the unit circle)."""
    return values[np.argmin(np.abs(np.abs(values) - 1) if discrete else np.abs(values.real))]


def _complex_crossing(a, b, discrete):
    """Whether the value nearest the stability boundary is one of a complex pair."""
    return any(abs(_nearest_boundary(p["eig"], discrete).imag) > 1e-8 for p in (a, b))


def _flip_crossing(a, b):
    """Whether the multiplier nearest the unit circle is real and negative."""
    return any(_nearest_boundary(p["eig"], True).real < 0 for p in (a, b))


def _slogdet(J, column, row, corner):
    """sign and log|det| of [[J, column], [row, corner]]."""
    return J.bordered(column, row, corner).slogdet()


def _lyapunov(F, u, A, q, p, omega, h=1e-4):
    r"""First Lyapunov coefficient (Kuznetsov 2004, eq. 3.20) with multilinear forms by
    central differences of F:

    l₁ = Re[⟨p, C(q,q,q̄)⟩ - 2⟨p, B(q, A⁻¹B(q,q̄))⟩ + ⟨p, B(q̄, (2iω - A)⁻¹B(q,q))⟩] / (2ω).
    """
    F0 = F(u)

    def B2(z):  # B(z, z) for real z
        return (F(u + h * z) - 2 * F0 + F(u - h * z)) / h**2

    def Breal(x, y):
        return (B2(x + y) - B2(x - y)) / 4

    def B(x, y):
        a, b, c, d = x.real, x.imag, y.real, y.imag
        return Breal(a, c) - Breal(b, d) + 1j * (Breal(a, d) + Breal(b, c))

    def C3(z):  # C(z, z, z) for real z
        g = 10 * h
        return (F(u + 2 * g * z) - 2 * F(u + g * z) + 2 * F(u - g * z) - F(u - 2 * g * z)) \
            / (2 * g**3)

    def Cxxy(x, y):
        return (C3(x + y) - C3(x - y) - 2 * C3(y)) / 6

    a, b = q.real, q.imag
    Cqqq = C3(a) + Cxxy(b, a) + 1j * (Cxxy(a, b) + C3(b))
    n = u.size
    term2 = B(q, np.linalg.solve(A, B(q, q.conj())))
    term3 = B(q.conj(), np.linalg.solve(2j * omega * np.eye(n) - A, B(q, q)))
    value = np.vdot(p, Cqqq) - 2 * np.vdot(p, term2) + np.vdot(p, term3)
    return value.real / (2 * omega)
