r"""``cp.continuation``: branches of coupled equilibria in one parameter, with their special
points.

A branch w = (u, p) of F(u, p) = 0 is an :class:`EquilibriumBranch` on the continuation
engine (:mod:`._engine`): G(w) = F(u, p), and G'(w) = [J | F_p] bordered by one row is
solved by the structured (Woodbury) solver in O(N).

Special points (Govaerts 2000, *Numerical Methods for Bifurcations of Dynamical Equilibria*;
Kuznetsov 2004, *Elements of Applied Bifurcation Theory*, 3rd ed.):

* **fold**: the parameter component of the tangent changes sign. Located by Newton on the
  minimally augmented system {F = 0, g = 0}, with g from the bordered system
  [[J, b], [cᵀ, 0]] (v, g) = (0, 1) and its derivatives g_u = -wᵀ J_u v, g_p = -wᵀ J_p v.
* **Hopf**: a complex pair crosses the imaginary axis. Located by a root of the pair's real
  part along the branch; the first Lyapunov coefficient l₁ (Kuznetsov eq. 3.20) tells
  supercritical (l₁ < 0) from subcritical. Pairs that cross together (symmetric
  populations) are one Hopf point of multiplicity > 1.
* **branch point**: the determinant of the bordered Jacobian changes sign without a fold.
* **singular Hopf** (response rules, the ε → 0 limit): the fast determinant det(Φ'(X) - I)
  changes sign without a fold, a slow eigenvalue passing through infinity (Baer & Erneux
  1986, SIAM J. Appl. Math. 46).
* for maps, **flip** (a multiplier through -1) and **Neimark-Sacker** (a complex pair through
  the unit circle).

**Invariant.** The unstable count at every point is exact (see
:meth:`EquilibriumProblem.spectrum`), and every change of it between consecutive points must be
explained by located special points: where it is not, the segment is halved and searched
again, and what no refinement resolves is reported as a ``"missed"`` point with its bracket.
"""

import numpy as np

from ... import _checks
from ..._checks import interval as check_interval
from ..._checks import parameter as check_parameter
from ._diagram import BifurcationDiagram, Branch, SpecialPoint
from ._engine import (
    CORRECTOR_FAILURES,
    AugmentedProblem,
    ContinuationOptions,
    Located,
    Walker,
    near_curve,
)
from ._equilibria import equilibria
from ._problem import EquilibriumProblem

N_EIGENVALUES = 6
REFINEMENTS = 8  # halvings of a segment whose stability change is not yet explained


def continuation(model, param, interval, *, start=None, population=None, seed=None,
                 bounds=None, options=None, **settings):
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
    population, seed
        As for :func:`~coupling.equilibria`.
    bounds : mapping, optional
        ``{name: (lo, hi)}`` for aggregates and macro variables: the region searched for
        starting equilibria, and the region a branch may not leave (it ends on its
        boundary, e.g. a prevalence that would turn negative).
    options : ContinuationOptions, optional
        Step sizes, tolerances and step limits of the walker.
    **settings
        Single fields of :class:`ContinuationOptions` (``ds``, ``ds_min``, ``ds_max``,
        ``max_steps``, ``tol``, ...), overriding ``options``.

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

    check_parameter(model, param)
    lo, hi = check_interval(interval)
    options = ContinuationOptions.build(options, **settings)
    population = model.population if population is None else _checks.population(population)
    if seed is None:  # one population for every equilibrium search and the continuation
        seed = np.random.SeedSequence().entropy
    problem = EquilibriumProblem(model, population, seed)
    branch = EquilibriumBranch(problem, param, bounds)
    tracer = BranchTracer(branch, options, (lo, hi))
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
                u = problem.newton(u, tol=options.tol)[0]
            if not tracer.covered(u, value):
                tracer.trace(np.append(u, value))
    s = problem.system
    tracer.special.sort(key=lambda point: (point.branch, point.param))
    failed = [b.message for b in tracer.branches if b.status < 0]
    return BifurcationDiagram(parameter=param, branches=tracer.branches,
                              special_points=tracer.special, macro_names=s.macro_names,
                              aggregate_names=s.global_aggregates, model=model.name,
                              interval=(lo, hi), options=options,
                              status=-1 if failed else 0,
                              message="; ".join(failed) if failed else
                              f"{len(tracer.branches)} branches continued")


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


def state_weights(problem):
    """Arclength weights of the flat state: population weights per unit, 1 per macro state."""
    s = problem.system
    return np.concatenate([np.repeat(s.weights, s.k), np.ones(len(s.macro_names))])


class EquilibriumBranch(AugmentedProblem):
    """G(u, p) = F(u, p) for one free parameter: branches of equilibria."""

    def __init__(self, problem, param, bounds=None):
        self.problem, self.param, self.free = problem, param, (param,)
        self.weights = np.append(state_weights(problem), 1.0)
        s = problem.system
        names = s.global_aggregates + s.macro_names
        unknown = sorted(set(bounds or {}) - set(names))
        if unknown:
            raise ValueError(f"bounds name {unknown}, which are not aggregates or macro "
                             f"variables of the model ({list(names)})")
        self.bounds = [(names.index(n), *map(float, b)) for n, b in (bounds or {}).items()]
        self.discrete, self.response = problem.discrete, problem.system.response
        self._cache = None

    # -------------------------------------------------------------- the system in (u, p)
    def at(self, w):
        """Set the parameter to w's; the state part u of w."""
        self.problem.set_parameter(self.param, w[-1])
        return w[:-1]

    def linearise(self, w):
        key = w.tobytes()
        if self._cache is None or self._cache[0] != key:
            u = self.at(w)
            J = self.problem.jacobian(u)
            Fp = self.problem.parameter_derivative(u, self.param)
            residual = self.problem.residual(u)
            self._cache = key, _BranchLinearisation(residual, J, Fp)
        return self._cache[1]

    def jacobian(self, w):
        return self.problem.jacobian(self.at(w))

    def observables(self, w):
        """Aggregates then macro state at w."""
        u = self.at(w)
        return np.concatenate([self.problem.aggregates(u), self.problem.macro(u)])

    def margin(self, w):
        if not self.bounds:
            return np.inf
        x = self.observables(w)
        return min(min(x[i] - lo, hi - x[i]) for i, lo, hi in self.bounds)

    def record(self, w, tau):
        u = self.at(w)
        eig, unstable = self.problem.spectrum(u, N_EIGENVALUES)
        # the leading values, and at least every unstable one with the next pair
        return {"eig": eig[:max(N_EIGENVALUES, unstable + 2)], "unstable": unstable}

    # -------------------------------------------------------------- special points
    def detect(self, a, b, walker, depth=0):
        """The special points between a and b that explain the change of the unstable count
        (refining the segment where they do not)."""
        change = b["unstable"] - a["unstable"]
        found = self._classify(a, b, walker, change)
        explained = sum(point.change for point in found)
        if abs(change) <= explained:
            return found
        if depth < REFINEMENTS and (mid := walker.refine(a, b)) is not None:
            return self.detect(a, mid, walker, depth + 1) + [mid] + \
                self.detect(mid, b, walker, depth + 1)
        multiple = self._locate_multiple_hopf(a, b, walker, change)
        if multiple is not None:
            return [multiple]
        return found + [Located("missed", (a["w"] + b["w"]) / 2, "guess",
                                {"change": int(change), "explained": int(explained)},
                                change=abs(change) - explained)]

    def _classify(self, a, b, walker, change):
        fold = a["tau"][-1] * b["tau"][-1] < 0
        if fold:
            return [self._locate_fold(a, b, walker)]
        if abs(change) == 2 and self.response:
            singular = self._locate_singular_hopf(a, b, walker)
            if singular is not None:
                return [singular]
        if abs(change) == 2:
            hopf = self._locate_hopf(a, b, walker, 2)
            return [] if hopf is None else [hopf]
        if abs(change) == 1 and self.discrete and _flip_crossing(a, b):
            return [self._locate_flip(a, b, walker)]
        if abs(change) == 1:
            return [self._locate_branch_point(a, b, walker)]
        return []

    def _locate_fold(self, a, b, walker):
        """Newton on the minimally augmented system {F = 0, g = 0}."""
        problem, tol = self.problem, walker.options.tol
        w = a["w"] + (b["w"] - a["w"]) * abs(a["tau"][-1]) / (abs(a["tau"][-1])
                                                              + abs(b["tau"][-1]))
        n = w.size - 1
        theta = self.weights[:-1]
        border = theta * (a["tau"][:-1] + b["tau"][:-1]) / 2
        border /= np.linalg.norm(border)
        rhs = np.append(np.zeros(n), 1.0)
        for _ in range(30):
            try:
                lin = self.linearise(w)
                J = lin.J
                v, g = _split(J.bordered(border, border, 0.0).solve(rhs))
                left = J.T.bordered(border, border, 0.0).solve(rhs)[:n]
                u = w[:-1]
                h = 1e-5 * np.max(np.abs(u)) / max(np.max(np.abs(v)), 1e-300) + 1e-7
                gu = -(self.jacobian(np.append(u + h * v, w[-1])).T.matvec(left)
                       - self.jacobian(np.append(u - h * v, w[-1])).T.matvec(left)) / (2 * h)
                self.at(w)
                gp = -left @ problem.differentiate(self.param,
                                                   lambda: problem.jacobian(u).matvec(v))
                lin = self.linearise(w)
                delta = lin.J.bordered(lin.Fp, gu, gp).solve(-np.append(lin.residual, g))
            except CORRECTOR_FAILURES:
                break
            w = w + delta
            if np.max(np.abs(delta)) < 1e-14 * (1 + np.max(np.abs(w))):
                break
        lin = self.linearise(w)
        converged = np.max(np.abs(lin.residual)) < 10 * tol and _between(walker, w, a, b)
        # a turning point where another branch crosses (a pitchfork seen from its side
        # branch) makes [[J, F_p], [τᵀ]] singular, so its determinant changes sign from a to
        # b; at a fold it does not (the left null vector's F_p is no test: it depends on
        # the scaling of the states, fast shares carry F_p / ε)
        crossing = self._branch_sign(a["w"], a["tau"]) * self._branch_sign(b["w"], b["tau"]) < 0
        return Located("branch" if crossing else "fold", w,
                       "converged" if converged else "guess", change=1)

    def _critical_excess(self, w, k, width):
        """Mean distance from the stability boundary (real part; modulus - 1 for maps) of
        the eigenvalues k .. k + width - 1, ordered from the most unstable."""
        values = self.problem.spectrum(self.at(w))[0]
        excess = np.sort(np.abs(values) - 1 if self.discrete else values.real)[::-1]
        return float(np.mean(excess[k:k + width]))

    def _locate_hopf(self, a, b, walker, width):
        """Hopf (flows) or Neimark-Sacker (maps) of ``width`` / 2 complex pairs crossing
        together: a root of their mean distance from the boundary along the branch. None if
        the crossing values are not complex there."""
        k = min(a["unstable"], b["unstable"])
        w, status = walker.root(a, b, lambda w: self._critical_excess(w, k, width))
        if not _complex_crossing(a, b, self.discrete):
            # real at both ends: a complex window narrower than the step (small ε), or real
            # values crossing - a Hopf point only if the pair is complex where it crosses
            values = self.problem.spectrum(self.at(w))[0]
            if status != "converged" or \
                    abs(_nearest_boundary(values, self.discrete).imag) <= 1e-8:
                return None
        data = {} if width == 2 else {"multiplicity": width // 2}
        if self.discrete:
            return Located("neimark-sacker", w, status, data, change=width)
        return Located("hopf", w, status, {**self._hopf_data(w), **data}, change=width)

    def _locate_multiple_hopf(self, a, b, walker, change):
        """Several complex pairs crossing at one parameter value, which no refinement of the
        segment separates (a symmetric population): one point of multiplicity |change| / 2."""
        if abs(change) < 4 or abs(change) % 2:
            return None
        located = self._locate_hopf(a, b, walker, abs(change))
        return located if located is not None and located.status == "converged" else None

    def _locate_singular_hopf(self, a, b, walker):
        """Response rules: a root of the fast determinant det(Φ'(X) - I) along the branch
        (None if it keeps its sign from a to b). The equilibrium crosses a fold of the
        critical manifold while the branch does not fold: as ε → 0 a slow eigenvalue passes
        through infinity and a fast one through 0, the singular limit of a Hopf point (Baer &
        Erneux 1986, SIAM J. Appl. Math. 46; Krupa & Szmolyan 2001, J. Differential
        Equations 174)."""
        def fast(w):
            return self.problem.fast_determinant(self.at(w))

        if fast(a["w"]) * fast(b["w"]) > 0:
            return None
        w, status = walker.root(a, b, fast)
        return Located("singular-hopf", w, status, change=2)

    def _locate_flip(self, a, b, walker):
        """Bisection along the branch on the sign of det(J_G + I) (a multiplier at -1)."""
        def sign(w):
            return self.jacobian(w).shifted(-2.0).slogdet()[0]  # J_G + I = (G - I)' + 2I

        w, status = walker.bisect(a, b, sign)
        return Located("flip", w, status, change=1)

    def _locate_branch_point(self, a, b, walker):
        """Bisection on the sign of det [[J, F_p], [τᵀ, τ_p]] along the branch."""
        w, status = walker.bisect(a, b,
                                  lambda w: self._branch_sign(w, walker.tangent(w, a["tau"])))
        return Located("branch", w, status, change=1)

    def _branch_sign(self, w, tau):
        """The sign of det [[J, F_p], [τᵀ, τ_p]] at w, the test function of branch points
        (0 where it is exactly singular).

        A Jacobian solved iteratively has no determinant; then det = det(J) (τ_p - τ_uᵀ J⁻¹
        F_p), with sign det J = (-1)^(n - unstable): complex eigenvalues come in pairs, so
        the negative real ones number n - unstable modulo 2."""
        row = self.weights * tau
        try:
            lin = self.linearise(w)
            if not getattr(lin.J, "iterative", False):
                return lin.border(row).slogdet()[0]
            unstable = self.problem.spectrum(self.at(w))[1]
            schur = row[-1] - row[:-1] @ lin.J.solver().solve(lin.Fp)
            return (-1.0) ** (lin.J.shape[0] - unstable) * np.sign(schur)
        except np.linalg.LinAlgError:
            return 0.0

    def _hopf_data(self, w):
        """Frequency and first Lyapunov coefficient (dense systems). For a response rule,
        those of the reduced slow system y' = F(y, X*(y), c) it stands for as ε → 0."""
        u = self.at(w)
        if self.response:
            F, u, A = self.problem.slow_system(u)
            theta = np.ones(u.size)
        else:
            J = self.problem.jacobian(u)
            if J.shape[0] > 1500:
                return {}
            F, A, theta = self.problem.residual, J.toarray(), self.weights[:-1]
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
        return {"omega": float(omega), "l1": float(_lyapunov(F, u, A, q, pvec, omega))}

    def describe(self, w):
        return f"{self.param} = {w[-1]:.10g}"


class _BranchLinearisation:
    """F, J and F_p at a point; the bordered matrix [[J, F_p], [row]]."""

    __slots__ = ("residual", "J", "Fp")

    def __init__(self, residual, J, Fp):
        self.residual, self.J, self.Fp = residual, J, Fp

    def border(self, row):
        return self.J.bordered(self.Fp, row[:-1], row[-1])


class BranchTracer:
    """Traces equilibrium branches on the walker and assembles them, special points
    included, into :class:`Branch` and :class:`SpecialPoint` records."""

    #: How many random projections of the state identify a point of a traced branch.
    KEY_SIZE = 8

    def __init__(self, branch, options, interval):
        self.branch, self.walker = branch, Walker(branch, options, [interval])
        self.branches, self.special = [], []
        self._traced, self._projection = [], None

    def covered(self, u, p):
        """Whether (u, p) lies on a traced branch: within 1e-3 (relative) of one of its
        chords, in the parameter and a few fixed random projections of the state (which
        tell equilibria apart where the aggregates do not, as for uncoupled units), so a
        start anywhere along a branch already traced, not only at its points, is known."""
        x = self._key(np.append(u, p))
        return any(near_curve(points, x, 1e-3 * (1 + np.max(np.abs(x))))
                   for points in self._traced)

    def _key(self, w):
        if self._projection is None:
            rng = np.random.default_rng(0)
            n = w.size - 1
            self._projection = rng.standard_normal((self.KEY_SIZE, n)) / np.sqrt(n)
        return np.append(self._projection @ w[:-1], w[-1])

    def trace(self, w):
        try:
            walk = self.walker.trace(w)
        except CORRECTOR_FAILURES as error:  # no tangent at the start itself
            self.special.append(self._special(Located("missed", w, "guess"), {"w": w},
                                              {"w": w}, len(self.branches)))
            self.branches.append(self._store([self.walker._point(w, np.zeros(w.size))],
                                             f"no tangent at the start ({error})", -1))
            self._traced.append(self._key(w)[None, :])
            return
        index = len(self.branches)
        points = [walk.points[0]]
        for a, b in zip(walk.points[:-1], walk.points[1:]):
            for item in self.branch.detect(a, b, self.walker):
                if isinstance(item, Located):
                    self.special.append(self._special(item, a, b, index))
                    if not any(_same(item.w, pt["w"]) for pt in (points[-1], b)):
                        points.append(self.walker._point(item.w, a["tau"]))
                else:  # a refinement point: it joins the branch
                    points.append(item)
            points.append(b)
        self._traced.append(np.array([self._key(pt["w"]) for pt in points]))
        self.branches.append(self._store(points, walk.message, walk.status))

    def _store(self, points, message, status):
        b = self.branch
        observables = np.array([b.observables(pt["w"]) for pt in points])
        a = len(b.problem.system.global_aggregates)
        width = max(pt["eig"].size for pt in points)
        eig = np.full((len(points), width), np.nan, dtype=complex)
        for i, pt in enumerate(points):
            eig[i, :pt["eig"].size] = pt["eig"]
        unstable = np.array([pt["unstable"] for pt in points])
        return Branch(param=np.array([pt["w"][-1] for pt in points]),
                      macro=observables[:, a:], aggregates=observables[:, :a],
                      stable=unstable == 0, n_unstable=unstable, eigenvalues=eig,
                      message=message, status=status)

    def _special(self, located, a, b, index):
        s, w = self.branch.problem.system, located.w
        x = self.branch.observables(w)
        state = dict(zip(s.global_aggregates + s.macro_names, x.tolist()))
        # the parameter range of the bracketing segment and of the point itself (a fold, or
        # a pitchfork seen from its side branch, is an extremum of the parameter there)
        span = (a["w"][-1], b["w"][-1], w[-1])
        return SpecialPoint(kind=located.kind, param=float(w[-1]), state=state,
                            interval=(min(span), max(span)), status=located.status,
                            branch=index, data=located.data, u=w[:-1].copy())


def _same(w, v):
    """Whether two points of a branch coincide to round-off (a special point that is a
    branch vertex already)."""
    return np.max(np.abs(w - v)) <= 1e-12 * (1 + np.max(np.abs(w)))


def _split(vg):
    return vg[:-1], vg[-1]


def _between(walker, w, a, b):
    """Whether w projects onto the branch segment from a to b."""
    d = b["w"] - a["w"]
    t = walker.dot(w - a["w"], d) / walker.dot(d, d)
    return -0.1 <= t <= 1.1


def _nearest_boundary(values, discrete):
    """The eigenvalue nearest the imaginary axis (the multiplier nearest the unit circle)."""
    return values[np.argmin(np.abs(np.abs(values) - 1) if discrete else np.abs(values.real))]


def _complex_crossing(a, b, discrete):
    """Whether the value nearest the stability boundary is one of a complex pair."""
    return any(abs(_nearest_boundary(p["eig"], discrete).imag) > 1e-8 for p in (a, b))


def _flip_crossing(a, b):
    """Whether the multiplier nearest the unit circle is real and negative."""
    return any(_nearest_boundary(p["eig"], True).real < 0 for p in (a, b))


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
