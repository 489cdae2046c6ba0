r"""``cp.equilibria``: all equilibria of the full coupled system in a region, with stability.

Units interact only through the aggregates X and the macro state y, so an equilibrium is a
root of the low-dimensional self-consistency residual
:math:`R(s) = (A(x^*(c(s))) - X,\; F(y, X, c(s)))` on s = (X, y). Roots are found

* in one dimension by a sign scan on a fine grid and Brent's method on every bracket, which
  finds every root of odd multiplicity that is at least one grid cell from its neighbours;
* in more dimensions by Newton's method from a space-filling set of starts, with deflation
  of the roots already found (Farrell, Birkisson & Funke 2015, SIAM J. Sci. Comput. 37) and
  clustering of what remains.

Each root is lifted to the full micro-macro state, polished by Newton's method on the full
system (structured solves), and classified by the eigenvalues of the full coupled Jacobian at
the model's ε.
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, stats

from ._problem import EquilibriumProblem


@dataclass
class Equilibrium:
    """One equilibrium of the coupled system.

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
        first.
    stable : bool
        Whether every eigenvalue has a negative real part (every multiplier |μ| < 1).
    n_unstable : int
        Number of unstable eigenvalues (multipliers), counted in the whole spectrum: for
        large populations by the argument principle on the secular equation.
    residual : float
        max |F| at the returned state.
    """

    macro: dict
    aggregates: dict
    context: dict
    micro: np.ndarray = field(repr=False)
    eigenvalues: np.ndarray = field(repr=False)
    stable: bool = False
    n_unstable: int = 0
    residual: float = 0.0

    def __getitem__(self, name):
        for values in (self.macro, self.aggregates, self.context):
            if name in values:
                return values[name]
        raise KeyError(name)


class Equilibria(list):
    """The equilibria found, sorted by the first coupling variable."""

    def to_dataframe(self):
        import pandas as pd

        rows = [{**e.macro, **e.aggregates, **e.context, "stable": e.stable,
                 "n_unstable": e.n_unstable, "leading_eigenvalue": e.eigenvalues[0],
                 "residual": e.residual} for e in self]
        return pd.DataFrame(rows)

    @property
    def stable(self):
        return Equilibria(e for e in self if e.stable)


def equilibria(model, *, bounds=None, population=None, seed=None, grid=201, starts=16,
               tol=1e-12):
    r"""All equilibria of the coupled system in a region, with their stability.

    Parameters
    ----------
    model : Model
        A model with an ODE or Map rule, or a choice rule (mean-field, or a finite population
        followed through its expected choices), in continuous or discrete time.
    bounds : mapping, optional
        ``{name: (lo, hi)}`` for the aggregates and macro variables: the region searched.
        Default: the range of each aggregate's integrand over the options (choice rules);
        otherwise the range a mean-field simulation from the initial state visits, with
        zero, widened threefold.
    population : int, "mean-field" or MeanField, optional
    seed : int, optional
        Seeds the trait draws of a finite population.
    grid : int
        Grid points of the sign scan (one coupling variable).
    starts : int
        Newton starts (several coupling variables).
    tol : float
        Residual tolerance max |F| of the polished equilibria.

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
    from ...model._model import _check_population

    population = model.population if population is None else _check_population(population)
    problem = EquilibriumProblem(model, population, seed)
    box = _bounds(problem, bounds)
    if not box:  # nothing couples back: the micro equilibrium of the fixed context
        points = [np.zeros(0)]
    elif len(box) == 1:
        points = _scan(problem, box[0], grid)
    else:
        points = _multistart(problem, box, starts)
    found = []
    for point in points:
        u, residual, converged = problem.newton(problem.lift(point), tol=tol)
        if not converged:
            continue
        s = problem.coupling_point(u)
        scale = 1e-7 * (1 + np.abs(s))
        if any(np.all(np.abs(s - problem.coupling_point(e_u)) <= scale) for e_u, _ in found):
            continue
        found.append((u, residual))
    result = Equilibria(_describe(problem, u, r) for u, r in found)
    if problem.coupling_names:
        key = problem.coupling_names[0]
        result.sort(key=lambda e: e[key])
    return result


def _bounds(problem, bounds):
    bounds = dict(bounds or {})
    unknown = set(bounds) - set(problem.coupling_names)
    if unknown:
        raise ValueError(f"bounds name {sorted(unknown)}, which are not aggregates or macro "
                         f"variables; expected some of {list(problem.coupling_names)}")
    missing = [n for n in problem.coupling_names if n not in bounds]
    if missing:
        guess = _default_bounds(problem)
        bounds.update({n: guess[n] for n in missing})
    box = []
    for name in problem.coupling_names:
        lo, hi = map(float, bounds[name])
        if not lo < hi:
            raise ValueError(f"bounds of {name!r} must satisfy lo < hi, got ({lo}, {hi})")
        box.append((lo, hi))
    return box


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
    """Deflated Newton on the reduced residual from quasi-random starts."""
    lo, hi = np.array(box).T
    sample = stats.qmc.Halton(d=len(box), seed=0).random(starts)
    roots = []
    for start in lo + sample * (hi - lo):
        root = _deflated_newton(problem, start, roots)
        if root is not None and np.all(root >= lo - 1e-9) and np.all(root <= hi + 1e-9):
            roots.append(root)
    return roots


def _deflated_newton(problem, s, roots, *, power=2, shift=1.0, max_iter=30):
    r"""Newton on M(s) R(s) with M = Π_j (|s - s_j|^{-p} + shift): the known roots repel.

    The deflated step is the Newton step of R scaled by 1 / (1 - ∇log M · δ)
    (Farrell et al. 2015, eq. 3.4)."""
    s = np.array(s, dtype=float)
    for _ in range(max_iter):
        R, _ = problem.reduced_residual(s)
        if not np.all(np.isfinite(R)):
            return None
        if np.max(np.abs(R)) < 1e-12:
            return s
        J = _fd_jacobian(problem, s, R)
        try:
            delta = -np.linalg.solve(J, R)
        except np.linalg.LinAlgError:
            return None
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


def _fd_jacobian(problem, s, R):
    J = np.empty((s.size, s.size))
    for j in range(s.size):
        h = 1e-7 * (1 + abs(s[j]))
        e = np.zeros_like(s)
        e[j] = h
        J[:, j] = (problem.reduced_residual(s + e)[0] - R) / h
    return J


def _describe(problem, u, residual):
    s = problem.system
    Z, y = s.unpack(u)
    X, local, ctx = s.evaluate(y, Z)
    eig, unstable = problem.spectrum(u)
    return Equilibrium(
        macro=dict(zip(s.macro_names, y.tolist())),
        aggregates=dict(zip(s.global_aggregates, X.tolist())),
        context={n: float(np.mean(v)) for n, v in ctx.items()},
        micro=Z, eigenvalues=eig, stable=unstable == 0,
        n_unstable=unstable, residual=float(residual))
