r"""``cp.equilibria``: all equilibria of the full coupled system in a region, with stability.

Units interact only through the aggregates X and the macro state y, so an equilibrium is a
root of the low-dimensional self-consistency residual
:math:`R(s) = (A(x^*(c(s))) - X,\; F(y, X, c(s)))` on s = (X, y), where :math:`x^*(c)` is a
rest state of every unit for the frozen context c. Roots are found

* in one dimension by a sign scan on a fine grid and Brent's method on every bracket, which
  finds every root of odd multiplicity that is at least one grid cell from its neighbours;
* in more dimensions by Newton's method from a space-filling set of starts, with deflation
  of the roots already found (Farrell, Birkisson & Funke 2015, SIAM J. Sci. Comput. 37) and
  least-squares steps, which land on a family of equilibria rather than diverge along it.

What "all" means
----------------
The equilibria returned are every equilibrium in the region that these searches reach:

* A unit whose rule (one state, ODE or map) has several rest states for one context makes
  the rest state :math:`x^*(c)` multi-valued. Each unit's rest states in the micro interval
  are enumerated by a sign scan of its rule, and every combination of them is tried: all
  :math:`\prod_i n_i` (e.g. 3^N for N bistable units) equilibria are found when nothing
  couples back, and on a one-dimensional scan when something does. Beyond
  ``MAX_COMBINATIONS`` combinations (a mean field of many bistable nodes) only those where
  every unit takes the rest state of the same rank are tried, with a
  :class:`MultistabilityWarning`.
* An ODE rule that does not read the unit's own state leaves that state undetermined by the
  context; its equilibria are searched in the full state space (small systems only).
* A mean field's equilibria are checked against a quadrature rule with twice the nodes
  (see :func:`equilibria`, ``quadrature``): a count that changes with the node count is never
  reported silently (:class:`QuadratureWarning`).
* Equilibria that come in a continuous family (a symmetry: every rotation of a partially
  synchronised state of phase oscillators is one) are reported once per family, with the
  number of neutral directions.

Each root is lifted to the full micro-macro state, polished by Newton's method on the full
system (structured solves), and classified by the eigenvalues of the full coupled Jacobian at
the model's ε.
"""

import itertools
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from ... import _checks
from ..._json import jsonable
from ..._text import counted, number_widths, optional, row
from ...model._distributions import Discrete, Fixed
from ...model._rules import MeanField
from ...results import Result
from ._problem import DENSE_LIMIT, EquilibriumProblem, homogeneous_twin

#: Unit rest-state combinations tried at one context before falling back to equal ranks.
MAX_COMBINATIONS = 4096
#: Grid points of the per-unit sign scan for rest states.
UNIT_GRID = 401
#: Eigenvalues within this distance (relative to the largest modulus, at least 1) of the
#: stability boundary are critical (the convention of the unstable count).
BOUNDARY = 1e-9
#: Singular values of J below this fraction of the largest are null directions.
NULL_TOL = 1e-8
#: Relative step along a null direction at which the family test looks for equilibria.
FAMILY_STEP = 1e-3
#: Equilibria of one family have equal spectra to this relative accuracy.
SPECTRUM_TOL = 1e-6
#: Largest node count the automatic refinement of a mean-field quadrature goes to.
MAX_NODES = 1024


class QuadratureWarning(UserWarning):
    """The equilibria of a mean field change with its number of quadrature nodes."""


class MultistabilityWarning(UserWarning):
    """Units with several rest states each have too many combinations to try them all."""


@dataclass
class Equilibrium:
    """One equilibrium of the coupled system (or one family of equilibria).

    Attributes
    ----------
    macro, aggregates, context : dict
        Values by name.
    micro : ndarray (M, k)
        The micro state (choice probabilities per node for a mean-field choice rule).
    eigenvalues : ndarray
        Leading eigenvalues of the full coupled Jacobian, largest real part first (for maps
        the multipliers, largest modulus first). For a response rule, those of the ε → 0
        limit: the slow eigenvalues (of the reduced system for the macro variables), then
        the leading fast ones (of Φ'(X) - I, in the fast time t/ε), each largest real part
        first. NaN when the spectrum could not be computed (see ``Equilibria.message``).
    stable : bool
        No eigenvalue with a positive real part (no multiplier |μ| > 1), and every
        eigenvalue on the boundary (Re λ = 0, |μ| = 1) a neutral direction along a family
        of equilibria: stable transversally to the family, neutral along it. An
        equilibrium with a critical eigenvalue that is not neutral is not called stable
        (its linearisation does not decide).
    n_unstable : int
        Number of unstable eigenvalues (multipliers), counted in the whole spectrum: for
        large populations by the argument principle on the secular equation; -1 if unknown.
    residual : float
        max |F| at the returned state.
    neutral : int
        Number of neutral directions: null vectors v of the Jacobian along which the
        equilibria continue (the residual stays at zero from u + h v, corrected
        transversally). 0 for an isolated equilibrium.
    critical : int
        Number of eigenvalues on the stability boundary (the neutral ones included).
    members : int
        How many of the equilibria found belong to this family (1 if isolated).
    tangent : ndarray (neutral, n)
        The neutral directions (orthonormal), in the flat state u = (x, y).
    """

    macro: dict
    aggregates: dict
    context: dict
    micro: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    stable: bool = False
    n_unstable: int = 0
    residual: float = 0.0
    neutral: int = 0
    critical: int = 0
    members: int = 1
    tangent: np.ndarray = field(default=None, repr=False)

    def __getitem__(self, name):
        for values in (self.macro, self.aggregates, self.context):
            if name in values:
                return values[name]
        raise KeyError(name)

    @property
    def stability(self):
        """The stability in words, with the neutral directions spelled out."""
        if self.n_unstable < 0:
            return "unknown (spectrum not computed)"
        if self.n_unstable:
            return f"unstable ({self.n_unstable} unstable eigenvalue(s))"
        if self.critical > self.neutral:
            return (f"undecided ({self.critical - self.neutral} critical eigenvalue(s) not "
                    f"along a family of equilibria)")
        if self.neutral:
            return (f"stable transversally, neutral along a {self.neutral}-dimensional family "
                    f"of equilibria")
        return "stable"

    def __repr__(self):
        return (f"Equilibrium(macro={self.macro}, aggregates={self.aggregates}, "
                f"stability={self.stability!r}, n_unstable={self.n_unstable}, "
                f"neutral={self.neutral}, residual={self.residual:.3g})")

    def to_dict(self):
        """The equilibrium in plain JSON types."""
        return jsonable({"macro": self.macro, "aggregates": self.aggregates,
                         "context": self.context, "stable": self.stable,
                         "stability": self.stability, "n_unstable": self.n_unstable,
                         "neutral": self.neutral, "critical": self.critical,
                         "members": self.members, "residual": self.residual,
                         "eigenvalues": np.asarray(self.eigenvalues, complex),
                         "micro": self.micro})


class Equilibria(Result, list):
    """The equilibria found, sorted by the first coupling variable.

    A list of :class:`Equilibrium` (so it is iterated, indexed and counted as one) that
    follows the result contract of :class:`coupling.results.Result`.

    Attributes
    ----------
    status : int
        0: the search finished; 1: finished with a remark (a quadrature refined or not
        converged, combinations left out, a spectrum not computed; see ``message``).
    message : str
    model : str
    parameters : dict
    population : str or int
        "mean-field" or N.
    nodes : int or None
        Quadrature nodes per trait of a mean field (after any refinement).
    """

    def __init__(self, items=(), *, status=0, message="The search finished.", model="",
                 parameters=None, population="mean-field", nodes=None):
        super().__init__(items)
        self.status, self.message = status, message
        self.model, self.parameters = model, dict(parameters or {})
        self.population, self.nodes = population, nodes

    def _like(self, items):
        return Equilibria(items, status=self.status, message=self.message, model=self.model,
                          parameters=self.parameters, population=self.population,
                          nodes=self.nodes)

    @property
    def stable(self):
        """The stable equilibria (transversally stable families included)."""
        return self._like(e for e in self if e.stable)

    def to_dict(self):
        """The result in plain JSON types."""
        return jsonable({"status": self.status, "message": self.message,
                         "model": self.model, "parameters": self.parameters,
                         "population": self.population, "nodes": self.nodes,
                         "equilibria": [e.to_dict() for e in self]})

    def to_dataframe(self):
        """One row per equilibrium: its coupling values, stability and leading eigenvalue."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe needs pandas: pip install 'coupling[frames]'") \
                from None
        rows = [{**e.macro, **e.aggregates, **e.context, "stable": e.stable,
                 "n_unstable": e.n_unstable, "neutral": e.neutral,
                 "leading_eigenvalue": e.eigenvalues[0] if len(e.eigenvalues) else np.nan,
                 "residual": e.residual} for e in self]
        return pd.DataFrame(rows)

    def summary(self):
        """The equilibria for a person: a line on the population searched, any remark, then
        one row each with the state, the unstable count, the largest real part of an
        eigenvalue and the stability in words (neutral directions spelled out)."""
        population = (f"mean-field, {self.nodes} nodes" if self.nodes
                      else f"N = {self.population}" if isinstance(self.population, int)
                      else str(self.population))
        lines = [f"{self.model or 'model'} ({population})"]
        if self.status:
            lines.append(f"note: {self.message}")
        if not self:
            return "\n".join([*lines, "no equilibria found in the region searched"])
        names = [*self[0].macro, *self[0].aggregates]
        headings = ("#", *names, "unstable", "leading Re(eig)", "  stability")
        widths = (3, *number_widths(names), 10, 17, 2)
        lines += [f"{counted(len(self), 'equilibrium', 'equilibria')}:",
                  row(headings[:-1], widths[:-1]) + headings[-1]]
        for i, e in enumerate(self):
            leading = e.eigenvalues[0].real if len(e.eigenvalues) else None
            cells = (i, *(f"{e[n]:.6g}" for n in names), e.n_unstable, optional(leading))
            lines.append(row(cells, widths[:-1]) + f"  {e.stability}")
        return "\n".join(lines)

    def plot(self, *, ax=None):
        """The equilibria in the plane of the first two coupling variables (the first one
        against the leading eigenvalue's real part if there is one variable): filled markers
        stable, open unstable, squares for families. Returns the Axes."""
        from ...plotting._bifurcation import plot_equilibria

        return plot_equilibria(self, ax=ax)


def equilibria(model, *, bounds=None, population=None, seed=None, grid=201, starts=16,
               tol=1e-12, quadrature="refine"):
    r"""All equilibria of the coupled system in a region, with their stability.

    Parameters
    ----------
    model : Model
        A model with an ODE or Map rule, or a choice rule (mean-field, or a finite population
        followed through its expected choices), in continuous or discrete time.
    bounds : mapping, optional
        ``{name: (lo, hi)}`` for the aggregates and macro variables (the region searched) and
        for the micro states (the interval in which each unit's rest states are enumerated).
        Default: the range of each aggregate's integrand over the options (choice rules);
        otherwise the range a mean-field simulation from the initial state visits, with
        zero, widened threefold; for a micro state, the range of its initial values with
        zero, widened threefold to at least [mid - 1.5, mid + 1.5].
    population : int, "mean-field" or MeanField, optional
    seed : int, optional
        Seeds the trait draws of a finite population.
    grid : int
        Grid points of the sign scan (one coupling variable).
    starts : int
        Newton starts (several coupling variables).
    tol : float
        Residual tolerance max |F| of the polished equilibria.
    quadrature : {"refine", "check", "off"}
        For a mean field with traits: the equilibria at M nodes are compared with those at
        2M nodes (same number, same unstable counts). ``"refine"`` doubles M until two
        successive rules agree (up to ``MAX_NODES``) and returns the coarser of the two;
        ``"check"`` keeps M. Either way a disagreement is reported by a
        :class:`QuadratureWarning` that names the counts and node numbers, and in
        ``message``. Smooth integrands converge exponentially in M, but a sharp rule (a logit
        of large intensity) needs nodes finer than its transition width: too few create
        spurious equilibria.

    Returns
    -------
    Equilibria
        A list of :class:`Equilibrium`, sorted by the first coupling variable.

    Examples
    --------
    >>> import coupling as cp
    >>> found = cp.equilibria(cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0))
    >>> [round(e["m"], 6) for e in found], [e.stable for e in found]
    ([-0.957504, 0.0, 0.957504], [True, False, True])
    """

    if quadrature not in ("refine", "check", "off"):
        raise ValueError(f"quadrature must be 'refine', 'check' or 'off', got {quadrature!r}")
    population = model.population if population is None else _checks.population(population)
    options = {"bounds": bounds, "seed": seed, "grid": grid, "starts": starts, "tol": tol}
    found = _search(model, population, **options)
    if quadrature == "off" or not _has_quadrature(model, population):
        return found
    return _checked_quadrature(model, population, found, quadrature, options)


# ---------------------------------------------------------------------- quadrature check
def _has_quadrature(model, population):
    """Whether a mean field's nodes approximate an expectation: some trait's nodes come from
    a quadrature rule (a Discrete or Fixed trait's nodes are its values, exactly; a trait
    read only inside steps is integrated exactly through its CDF, on one node)."""
    if not isinstance(population, MeanField) or model.reduction is not None:
        return False  # a declared reduction has no nodes
    collapsed = model.compiled.mean_field.collapsed
    return any(not isinstance(d, (Discrete, Fixed)) and name not in collapsed
               for name, d in model.traits.items())


def _signature(found):
    """What must not change with the node count: how many equilibria, and their stability."""
    return [(e.n_unstable, e.neutral) for e in found]


def _checked_quadrature(model, population, found, mode, options):
    r"""Compare the equilibria at M nodes with those at 2M; refine while they differ.

    An equilibrium count is trusted only when it is the same on two successive rules. Gauss
    rules converge exponentially for integrands analytic near the interval, at a rate set by
    the distance to the nearest singularity (Trefethen 2008, "Is Gauss quadrature better than
    Clenshaw–Curtis?", SIAM Review 50): a logit of intensity β has poles at distance ~π/(2β)
    from the real axis, so it needs nodes finer than 1/β before the count settles."""
    history = [(population.nodes, found)]
    while True:
        nodes = 2 * history[-1][0]
        finer = _search(model, MeanField(nodes=nodes), **options)
        history.append((nodes, finer))
        agree = _signature(history[-2][1]) == _signature(finer)
        if agree or mode == "check" or nodes >= MAX_NODES:
            break
    first, (m1, last) = history[0][1], history[-1]
    if agree and len(history) == 2:
        return first
    counts = ", ".join(f"{len(f)} at {m} nodes (unstable counts {[e.n_unstable for e in f]})"
                       for m, f in history)
    if mode == "check":
        text = (f"the equilibria change with the quadrature: {counts}; pass "
                f"quadrature='refine' or a MeanField with more nodes")
        result = first
    elif agree:
        text = (f"the quadrature was refined: {counts}; reported at {history[-2][0]} nodes, "
                f"confirmed at {m1}")
        result = history[-2][1]
    else:
        text = (f"the quadrature did not converge up to {m1} nodes: {counts}; reported at "
                f"{m1} nodes")
        result = last
    warnings.warn(text, QuadratureWarning, stacklevel=3)
    result.status, result.message = 1, _joined(result.message, text, result.status)
    return result


def _joined(message, text, status):
    """``text`` as a sentence, after the remarks already in ``message`` if any."""
    sentence = f"{text[0].upper()}{text[1:]}."
    return f"{message} {sentence}" if status else sentence


# ---------------------------------------------------------------------- one search
def _search(model, population, *, bounds, seed, grid, starts, tol):
    problem = EquilibriumProblem(model, population, seed)
    notes = []
    if problem.network:
        candidates = _network_candidates(problem, bounds=bounds, seed=seed, grid=grid,
                                         starts=starts, tol=tol)
    elif _undetermined_rest_state(problem):
        candidates = _full_search(problem, *_bounds(problem, bounds), grid, starts)
    else:
        candidates = _candidates(problem, *_bounds(problem, bounds), grid, starts, notes)
    found = []
    for u in candidates:
        u, residual, converged = _polish(problem, u, tol)
        if converged and not any(_same(u, v) for v, _ in found):
            found.append((u, residual))
    described = _merge_families([_describe(problem, u, r, notes) for u, r in found])
    names = (*problem.coupling_names, *problem.system.global_aggregates,
             *problem.system.macro_names)
    if names:
        described.sort(key=lambda e: e[names[0]])
    s = problem.system
    text = " ".join(dict.fromkeys(notes))
    return Equilibria(described, status=1 if notes else 0,
                      message=text or "The search finished.", model=model.name,
                      parameters=s.params, nodes=population.nodes if s.mean_field else None,
                      population="mean-field" if s.mean_field else population)


def _network_candidates(problem, **options):
    """Starts for a network model: the model's initial state and the equilibria of its
    homogeneous twin (the Local aggregates read as population means,
    :func:`homogeneous_twin`), same population and trait draws, polished afterwards on the
    network. The search reaches the equilibria continued from the homogeneous ones (e.g. the
    uniform states of a regular graph); patterned equilibria that have no homogeneous
    counterpart are not searched for."""
    twin = _search(homogeneous_twin(problem.model), problem.population, **options)
    s = problem.system
    return [s.pack(s.initial_micro(), s.initial_macro())] + [
        s.pack(np.asarray(e.micro, float), np.array(list(e.macro.values()), float))
        for e in twin]


def _polish(problem, u, tol, max_iter=40):
    """Newton on the full system (structured solves); where that fails on a small system,
    Gauss–Newton with least-squares steps on the dense Jacobian, which converges also where
    J is singular along a family of equilibria (Deuflhard 2004)."""
    polished = problem.newton(u, tol=tol)
    if polished[2] or u.size > DENSE_LIMIT:
        return polished
    for _ in range(max_iter):
        F = problem.residual(u)
        norm = float(np.max(np.abs(F)))
        if not np.isfinite(norm) or norm <= tol:
            break
        J = problem.jacobian(u).toarray()
        if not np.all(np.isfinite(J)):
            break
        u = u - np.linalg.lstsq(J, F, rcond=1e-12)[0]
    norm = float(np.max(np.abs(problem.residual(u))))
    return u, norm, bool(norm <= tol)


def _same(u, v):
    return bool(np.all(np.abs(u - v) <= 1e-7 * (1 + np.abs(u))))


def _bounds(problem, bounds):
    """The coupling box (one interval per coupling variable) and the micro intervals (one per
    micro state, for the enumeration of rest states), checked."""
    s = problem.system
    states = tuple(s.rule.states) if not s.relaxed else ()
    bounds = dict(bounds or {})
    unknown = set(bounds) - set(problem.coupling_names) - set(states)
    if unknown:
        raise ValueError(f"bounds name {sorted(unknown)}, which are not aggregates, macro "
                         f"variables or micro states; expected some of "
                         f"{list(problem.coupling_names) + list(states)}")
    missing = [n for n in problem.coupling_names if n not in bounds]
    if missing:
        guess = _default_bounds(problem)
        bounds.update({n: guess[n] for n in missing})
    Z = s.initial_micro()
    for j, name in enumerate(states):
        if name not in bounds:
            lo, hi = min(float(Z[:, j].min()), 0.0), max(float(Z[:, j].max()), 0.0)
            half = 1.5 * max(hi - lo, 1.0)
            bounds[name] = ((lo + hi) / 2 - half, (lo + hi) / 2 + half)
    checked = {}
    for name in (*problem.coupling_names, *states):
        lo, hi = map(float, bounds[name])
        if not lo < hi:
            raise ValueError(f"bounds of {name!r} must satisfy lo < hi, got ({lo}, {hi})")
        checked[name] = (lo, hi)
    return [checked[n] for n in problem.coupling_names], [checked[n] for n in states]


def _default_bounds(problem):
    s = problem.system
    out = {}
    if s.choice:
        for name in s.global_aggregates:
            if name in s.choice_values():
                E = s.choice_values()[name]
                out[name] = (float(E.min()), float(E.max()))
            else:
                out[name] = (0.0, 1.0)
    from ...dynamics._simulate import simulate

    missing = [n for n in problem.coupling_names if n not in out]
    if missing:  # the range a (cheap, deterministic) mean-field run visits, widened
        run = simulate(problem.model.with_parameters(**problem.system.params),
                       population="mean-field")
        for name in missing:  # with zero: a run that settles in one of two mirror states
            lo = min(float(np.min(run[name])), 0.0)
            hi = max(float(np.max(run[name])), 0.0)
            mid, half = (lo + hi) / 2, max(hi - lo, 1.0) * 1.5
            out[name] = (mid - half, mid + half)
    return out


# ---------------------------------------------------------------------- candidates
def _candidates(problem, box, micro_box, grid, starts, notes):
    """Full states to polish: the lifts of the roots of the reduced residual, and, where
    units have several rest states, the lifts of every combination of them."""
    if len(box) > 1:
        candidates = _multistart(problem, box, starts)
    else:
        points = _scan(problem, box[0], grid) if box else [np.zeros(0)]
        candidates = [problem.lift(np.asarray(p, float)) for p in points]
    if not _enumerable(problem):
        return candidates
    if not box:
        ctx = _context(problem, np.zeros(0))
        combos = _combinations(_unit_roots(problem, ctx, micro_box[0]), notes)
        candidates += [_pack(problem, Z, np.zeros(0)) for Z in combos]
    elif len(box) == 1:
        candidates += _combination_scan(problem, box[0], micro_box[0], grid, notes)
    return candidates


def _scan(problem, interval, grid):
    """Every sign change of the scalar residual on a grid, refined by Brent's method."""
    xs = np.linspace(*interval, grid)
    values = problem.reduced_residuals(xs[:, None])[:, 0]
    roots = list(xs[values == 0])
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        roots.append(optimize.brentq(lambda x: problem.reduced_residuals([[x]])[0, 0],
                                     xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15))
    return [[r] for r in sorted(roots)]


def _multistart(problem, box, starts):
    """Deflated Newton on the reduced residual from quasi-random starts; each root lifted to
    the full state with the micro rest state Newton reached it with."""
    lo, hi = np.array(box).T

    def reduced(s):
        R = problem.reduced_residual(s)[0]
        return R, _fd_jacobian(lambda v: problem.reduced_residual(v)[0], s, R)

    lifted = []
    _deflated_roots(reduced, lo, hi, starts,
                    found=lambda root: lifted.append(problem.lift(root, problem.guess)))
    return lifted


def _deflated_roots(residual, lo, hi, starts, found=None):
    """The roots in the box [lo, hi] that deflated Newton reaches from ``starts``
    quasi-random (Halton) starts; ``residual(s)`` returns (R, its Jacobian); ``found`` is
    called on each new root as it is found."""
    sample = stats.qmc.Halton(d=lo.size, seed=0).random(starts)
    roots = []
    for start in lo + sample * (hi - lo):
        root = _deflated_newton(residual, start, roots)
        if root is not None and np.all(root >= lo - 1e-9) and np.all(root <= hi + 1e-9):
            roots.append(root)
            if found is not None:
                found(root)
    return roots


def _deflated_newton(residual, s, roots, *, power=2, shift=1.0, max_iter=30):
    r"""Newton on M(s) R(s) with M = Π_j (|s - s_j|^{-p} + shift): the known roots repel.

    The deflated step is the Newton step of R scaled by 1 / (1 - ∇log M · δ)
    (Farrell et al. 2015, eq. 3.4). The Newton step is the least-squares (minimum-norm)
    solution of J δ = -R, which stays finite where J is singular along a family of roots
    (Gauss–Newton for underdetermined systems; Deuflhard 2004, *Newton Methods for
    Nonlinear Problems*, Springer)."""
    s = np.array(s, dtype=float)
    for _ in range(max_iter):
        R, J = residual(s)
        if not (np.all(np.isfinite(R)) and np.all(np.isfinite(J))):
            return None
        if np.max(np.abs(R)) < 1e-12:
            return s
        delta = -np.linalg.lstsq(J, R, rcond=1e-10)[0]
        grad_log_m = np.zeros_like(s)
        for root in roots:
            d = s - root
            dist = np.linalg.norm(d)
            if dist == 0:
                return None
            term = dist ** -power
            grad_log_m += -power * term / (term + shift) * d / dist**2
        denominator = 1 - grad_log_m @ delta
        s = s + (delta / denominator if abs(denominator) > 1e-12 else delta)
    return None


def _fd_jacobian(function, s, R):
    J = np.empty((R.size, s.size))
    for j in range(s.size):
        h = 1e-7 * (1 + abs(s[j]))
        e = np.zeros_like(s)
        e[j] = h
        J[:, j] = (function(s + e) - R) / h
    return J


# ---------------------------------------------------------------------- several rest states
def _enumerable(problem):
    """Whether rest states are enumerated: for one-state ODE and map rules that are not
    affine in the unit's own state. Choice and response rules have exactly one rest state
    (their rule's value), and so has a rule f = a x + b with a ≠ 0 (for maps g = a x + b
    with a ≠ 1: the coefficient is checked symbolically, whatever the parameters)."""
    s = problem.system
    if s.relaxed or s.k != 1:
        return False
    if not s.code.micro.symbolic:
        return True  # a callable rule: nothing is known about its rest states
    expr = s.code.micro.exprs[0].expr
    x = next((v for v in expr.free_symbols if str(v) == s.rule.states[0]), None)
    if x is None:
        return False
    slope = expr.diff(x)
    return x in slope.free_symbols or slope == (1 if problem.discrete else 0)


def _context(problem, point):
    """The context at a coupling point s = (read aggregates, macro state)."""
    s = problem.system
    a = len(problem.read)
    X = np.zeros(len(s.global_aggregates))
    X[problem.read] = point[:a]
    return s.context(np.asarray(point[a:], float), X, {})


def _unit_roots(problem, ctx, interval):
    """Each unit's rest states in ``interval`` for the frozen context: the sign changes of
    f(x, θ_i, c) (flows) or g(x, θ_i, c) - x (maps) on UNIT_GRID points, refined by
    bisection on all brackets at once. Returns a list of M sorted arrays."""
    s = problem.system
    xs = np.linspace(*interval, UNIT_GRID)

    def rule(x):  # x (G, M) -> the unit residual at every unit, (G, M)
        env = s.micro_env(None)
        env.update(ctx)
        env[s.rule.states[0]] = x
        with np.errstate(all="ignore"):
            value = np.broadcast_to(s.code.micro(env)[0], x.shape)
        return value - x if problem.discrete else value

    grid = np.broadcast_to(xs[:, None], (xs.size, s.size))
    values = rule(grid)
    exact = values == 0
    i, unit = np.nonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    lo, hi = xs[i], xs[i + 1]
    f_lo, rows = values[i, unit], np.arange(unit.size)
    for _ in range(60 if unit.size else 0):  # bisection, every bracket at once: each row
        mid = (lo + hi) / 2                  # holds one bracket's midpoint at every unit
        f_mid = rule(np.repeat(mid[:, None], s.size, axis=1))[rows, unit]
        left = np.sign(f_mid) == np.sign(f_lo)
        lo, hi = np.where(left, mid, lo), np.where(left, hi, mid)
        f_lo = np.where(left, f_mid, f_lo)
    roots = np.concatenate([(lo + hi) / 2, grid[exact]])
    units = np.concatenate([unit, np.nonzero(exact)[1]])
    return [np.sort(roots[units == m]) for m in range(s.size)]


def _combinations(roots, notes):
    """Every combination of the units' rest states (micro states (M, 1)); beyond
    MAX_COMBINATIONS those where every unit takes the rest state of the same rank."""
    counts = [r.size for r in roots]
    if not all(counts):
        return []
    total = int(np.prod(counts, dtype=float))
    if total <= MAX_COMBINATIONS:
        picks = itertools.product(*[range(c) for c in counts])
    else:
        text = (f"the units have up to {max(counts)} rest states each ({total:.3g} "
                f"combinations, more than {MAX_COMBINATIONS}): only the combinations where "
                f"every unit takes the rest state of the same rank were tried")
        warnings.warn(text, MultistabilityWarning, stacklevel=5)
        notes.append(text[0].upper() + text[1:] + ".")
        picks = ([min(j, c - 1) for c in counts] for j in range(max(counts)))
    return [np.array([r[j] for r, j in zip(roots, pick)])[:, None] for pick in picks]


def _combination_scan(problem, interval, micro_interval, grid, notes):
    """Sign changes of R along a one-dimensional coupling grid, one scan per combination of
    the units' rest states (labelled by rank at every grid point). A combination that loses
    a rest state in a fold changes its labels there; brackets across such a change are
    candidates only, confirmed or rejected by the Newton polish on the full system."""
    xs = np.linspace(*interval, grid)
    per_point = [_unit_roots(problem, _context(problem, [x]), micro_interval) for x in xs]
    counts = np.array([[r.size for r in roots] for roots in per_point])  # (G, M)
    if np.all(counts <= 1):
        return []
    top = counts.max(axis=0)
    picks = _combinations([np.arange(c) for c in top], notes)
    out = []
    for pick in (p[:, 0].astype(int) for p in picks):
        R = np.full(xs.size, np.nan)
        states = [None] * xs.size
        for g, roots in enumerate(per_point):
            if np.all(pick < counts[g]):
                Z = np.array([r[j] for r, j in zip(roots, pick)])[:, None]
                R[g] = problem.reduced_residual(np.array([xs[g]]), Z)[0][0]  # Z is at rest
                states[g] = Z
        out += [_pack(problem, states[g], [xs[g]][len(problem.read):])
                for g in np.flatnonzero(R == 0)]
        for g in np.flatnonzero(np.sign(R[:-1]) * np.sign(R[1:]) < 0):
            t = R[g] / (R[g] - R[g + 1])
            point = np.array([xs[g] + t * (xs[g + 1] - xs[g])])
            Z = states[g] + t * (states[g + 1] - states[g])
            out.append(_pack(problem, Z, point[len(problem.read):]))
    return out


def _pack(problem, Z, y):
    return problem.system.pack(np.asarray(Z, float), np.asarray(y, float))


# ---------------------------------------------------------------------- undetermined rest states
def _undetermined_rest_state(problem):
    """Whether the micro rule is an ODE whose right-hand side reads none of the unit's own
    states: its rest state is then not fixed by the context, and the reduced residual, which
    solves f(x, θ, c) = 0 for x, does not exist."""
    s = problem.system
    if s.relaxed or problem.discrete or not s.code.micro.symbolic:
        return False
    own = set(s.rule.states)
    return not any(own & {str(v) for v in e.expr.free_symbols} for e in s.code.micro.exprs)


def _full_search(problem, box, micro_box, grid, starts):
    """Equilibria searched in the full state u = (x_1..x_M, y), for small systems: a sign
    scan (one state) or deflated Newton with the exact Jacobian (several)."""
    s = problem.system
    n = s.size * s.k + len(s.macro_names)
    if n > DENSE_LIMIT:
        raise ValueError(f"the micro rule does not read the unit's own state "
                         f"{list(s.rule.states)}, so the context does not fix its rest state; "
                         f"equilibria are then searched in the full state, for at most "
                         f"{DENSE_LIMIT} states (this system has {n})")
    macro_box = box[len(problem.read):]
    lo, hi = np.array([*(b for _ in range(s.size) for b in micro_box), *macro_box]).T
    if n == 1:
        return [np.array(r) for r in _scalar_roots(lambda x: problem.residual(np.array([x]))[0],
                                                   (lo[0], hi[0]), grid)]

    def full(u):
        return problem.residual(u), problem.jacobian(u).toarray()

    return _deflated_roots(full, lo, hi, max(starts, 8 * n))


def _scalar_roots(function, interval, grid):
    xs = np.linspace(*interval, grid)
    values = np.array([function(x) for x in xs])
    roots = list(xs[values == 0])
    for i in np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0):
        roots.append(optimize.brentq(function, xs[i], xs[i + 1], xtol=1e-15, rtol=1e-15))
    return [[r] for r in sorted(roots)]


# ---------------------------------------------------------------------- stability and families
def _describe(problem, u, residual, notes):
    s = problem.system
    Z, y = s.unpack(u)
    X, _, ctx = s.evaluate(y, Z)
    try:
        eig, unstable = problem.spectrum(u)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as error:
        where = dict(zip(problem.coupling_names, problem.coupling_point(u).round(6).tolist()))
        notes.append(f"The spectrum at {where} could not be computed ({error}).")
        eig, unstable = np.full(1, np.nan, complex), -1
    critical = _critical(eig, problem.discrete)
    tangent = _neutral_directions(problem, u) if critical else np.zeros((0, u.size))
    neutral = min(len(tangent), critical)
    return Equilibrium(
        macro=dict(zip(s.macro_names, y.tolist())),
        aggregates=dict(zip(s.global_aggregates, X.tolist())),
        context={n: float(np.mean(v)) for n, v in ctx.items()},
        micro=Z, eigenvalues=eig, stable=unstable == 0 and critical == neutral,
        n_unstable=unstable, residual=float(residual), neutral=neutral, critical=critical,
        tangent=tangent)


def _critical(eig, discrete):
    """Eigenvalues on the stability boundary (Re λ = 0; for multipliers |μ| = 1)."""
    eig = eig[np.isfinite(eig)]
    if not eig.size:
        return 0
    scale = max(1.0, float(np.max(np.abs(eig))))
    distance = np.abs(np.abs(eig) - 1) if discrete else np.abs(eig.real)
    return int(np.sum(distance <= BOUNDARY * scale))


def _neutral_directions(problem, u):
    r"""The null directions of J at u along which the equilibria continue.

    A null vector v of J is tangent to a family of equilibria when the equilibria go on from
    u along it: the bordered Newton iteration on {F(w) = 0, Vᵀ(w - u) = h e_j} (V the null
    space) converges from u + h v_j for h = ±FAMILY_STEP (1 + |u|). At an isolated degenerate
    equilibrium (a fold) it does not: F(u + h v) = O(h²) cannot be corrected to zero within
    the hyperplane. Dense (systems of at most DENSE_LIMIT states)."""
    if u.size > DENSE_LIMIT:
        return np.zeros((0, u.size))
    J = problem.jacobian(u).toarray()
    if not np.all(np.isfinite(J)):
        return np.zeros((0, u.size))
    _, sv, vh = np.linalg.svd(J)
    V = vh[sv <= NULL_TOL * max(sv[0], 1e-300)]
    h = FAMILY_STEP * (1 + np.linalg.norm(u))
    keep = [j for j in range(len(V))
            if all(_on_family(problem, u, V, j, side * h) for side in (1, -1))]
    return V[keep]


def _on_family(problem, u, V, j, h, max_iter=30):
    """Whether {F(w) = 0, Vᵀ(w - u) = h e_j} has a solution near u + h v_j (bordered Newton,
    least squares)."""
    target = h * np.eye(len(V))[j]
    w = u + h * V[j]
    tol = 1e-10 * (1 + np.max(np.abs(problem.residual(u))))
    for _ in range(max_iter):
        F = problem.residual(w)
        if not np.all(np.isfinite(F)):
            return False
        G = np.concatenate([F, V @ (w - u) - target])
        if np.max(np.abs(F)) <= tol and np.max(np.abs(G[F.size:])) <= 1e-12 * (1 + h):
            return True
        A = np.vstack([problem.jacobian(w).toarray(), V])
        w = w - np.linalg.lstsq(A, G, rcond=None)[0]
    return False


def _merge_families(found):
    """One entry per family of equilibria: equilibria with neutral directions whose spectra
    agree (points of one group orbit have conjugate Jacobians, hence equal eigenvalues) are
    reported once, the first found, with the number of members."""
    out = []
    for e in found:
        twin = next((f for f in out if e.neutral and f.neutral == e.neutral
                     and f.n_unstable == e.n_unstable and _same_spectrum(e, f)), None)
        if twin is None:
            out.append(e)
        else:
            twin.members += 1
    return out


def _same_spectrum(e, f):
    a, b = e.eigenvalues, f.eigenvalues
    if a.shape != b.shape or not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return False
    scale = max(1.0, float(np.max(np.abs(a))))
    a, b = np.sort_complex(a), np.sort_complex(b)
    return bool(np.all(np.abs(a - b) <= SPECTRUM_TOL * scale))
