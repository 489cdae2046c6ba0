r"""Fast/slow comparison: the full coupled model against its slow (ε → 0) reduction.

Split the Jacobian of the coupled system u = (x, y) into micro and macro blocks. Its *fast*
eigenvalues are those of J_xx (of order 1/ε: the relaxation of the units for a frozen macro
state), its *slow* ones those of the Schur complement

.. math::  S = J_{yy} - J_{yx} J_{xx}^{-1} J_{xy},

the Jacobian of the reduced dynamics ẏ = F(y, X*(y)) on the critical manifold. The reduction
is accurate where the two groups are well apart: the effective timescale ratio

.. math::  \hat\varepsilon = \max_j |\mu_j(S)| \,/\, \min_i |\mathrm{Re}\,\lambda_i(J_{xx})|

is small (Fenichel 1979, J. Differential Equations 31, 53-98). It degenerates at a fold of
the critical manifold, where a fast eigenvalue passes through 0 and the units jump.

Away from folds the full solution stays within O(ε) of the reduced one after an initial
layer of width O(ε |log ε|) (Tikhonov's theorem; O'Malley 1991, *Singular Perturbation
Methods for ODEs*, Springer). Past a fold the jump is delayed by O(ε^{2/3}) (Mishchenko &
Rozov 1980, *Differential Equations with Small Parameters and Relaxation Oscillations*,
Plenum), so the phase of a relaxation oscillation drifts by that much per passage.
"""

from dataclasses import dataclass, field

import numpy as np

from .. import _checks
from .._errors import DeclarationError
from .._json import jsonable
from .._linalg import StructuredJacobian
from ..dynamics._simulate import simulate
from ..model._reduce import reduce
from ..results import Result, Trajectory
from .bifurcation._problem import DENSE_LIMIT, EquilibriumProblem, _schur
from .bifurcation._secular import leading_eigenvalues

#: Errors are measured up to this fraction of the time to the reduced run's first fold.
FOLD_APPROACH = 0.9
#: Periods are measured after this fraction of the run, once transients have settled.
SETTLING = 0.25
#: Errors within this multiple of the integration accuracy (rtol·max|z| + atol) measure the
#: solver, not ε, and are left out of the fitted order.
ACCURACY = 100.0


@dataclass
class TimescaleDiagnostics(Result):
    """Fast and slow eigenvalues at one state of a model.

    Attributes
    ----------
    fast : ndarray
        Leading eigenvalues of the micro block J_xx (macro time units, largest real part
        first): the relaxation rates of the units for a frozen macro state.
    slow : ndarray
        Eigenvalues of the Schur complement S (the reduced slow dynamics).
    ratio : float
        Effective timescale ratio max|slow| / min|Re fast|; compare with the declared ε.
    attracting : bool
        Whether the critical manifold attracts there (every fast eigenvalue has Re < 0).
    eps : float
        The model's declared timescale ε.
    status, message : int, str
        0, and whether the critical manifold attracts there (the computation itself cannot
        fail short of an exception).
    """

    fast: np.ndarray
    slow: np.ndarray
    ratio: float
    attracting: bool
    eps: float
    status: int = 0
    message: str = ""

    def separated(self, gap=10.0):
        """True when the fast relaxation is at least ``gap`` times faster than the slow
        dynamics on an attracting manifold."""
        return self.attracting and self.ratio * gap <= 1.0

    def summary(self):
        """The declared ε, the leading fast and the slow eigenvalues, and their ratio."""
        def shown(values):
            return ", ".join(f"{v.real:.4g}{v.imag:+.4g}i" if v.imag else f"{v.real:.4g}"
                             for v in values) or "-"

        ratio = f"{self.ratio:.3g}" if np.isfinite(self.ratio) else "- (the manifold repels)"
        return "\n".join([f"declared eps  {self.eps:g}",
                          f"fast          {shown(self.fast)}",
                          f"slow          {shown(self.slow[np.isfinite(self.slow)])}",
                          f"ratio         {ratio}",
                          f"separated     {'yes' if self.separated() else 'no'}",
                          self.message])

    def plot(self, *, ax=None):
        """The fast and slow eigenvalues in the complex plane; returns the Axes."""
        from ..plotting._timescales import plot_spectrum

        return plot_spectrum(self, ax=ax)


def timescale_diagnostics(model, state=None, *, population=None, seed=None, time=None,
                          count=6):
    r"""The effective timescale ratio from the Jacobian spectrum at a state.

    Parameters
    ----------
    model : Model
    state : Trajectory, Equilibrium or ndarray, optional
        A run (its micro snapshot nearest to ``time``, default the last one), an equilibrium,
        or the flat state u = (x, y). Default: the model's initial state. The Jacobian is
        taken at the model's parameter values.
    population, seed
        As for :func:`~coupling.simulate` (a Trajectory brings its own).
    time : float, optional
        Which snapshot of a Trajectory.
    count : int
        How many fast eigenvalues to report.

    Returns
    -------
    TimescaleDiagnostics

    Examples
    --------
    >>> import coupling as cp
    >>> d = cp.timescale_diagnostics(cp.load("slow-feedback", sigma=0.0, c=0.3, x0=0.9))
    >>> f"{d.fast[0].real:.0f}", f"{d.slow[0].real:.3f}", f"{d.ratio:.1e}", d.attracting
    ('-793', '-0.265', '3.3e-04', True)
    """

    if isinstance(state, Trajectory):
        population = state.population if population is None else population
        seed = state.seed if seed is None else seed
    population = model.population if population is None else _checks.population(population)
    problem = EquilibriumProblem(model, population=population, seed=seed)
    u = _flat_state(problem.system, state, time)
    return _diagnose(problem, u, count)


def _diagnose(problem, u, count=6):
    system = problem.system
    J = system.jacobian(u)
    nm = J.M * J.k
    if system.response:  # the fast block of ε ẋ = r - x is (Φ'(X) - I)/ε plus -1/ε
        phi = problem._fast_matrix(J)
        fast = np.concatenate([np.linalg.eigvals(phi), [-1.0]]) / system.eps
    elif J.shape[0] <= DENSE_LIMIT:
        fast = np.linalg.eigvals(J.toarray()[:nm, :nm])
    else:
        fast, _ = leading_eigenvalues(StructuredJacobian(J.A, J.U[:nm], J.Vt[:, :nm]), count)
    fast = fast[np.argsort(-fast.real)]
    if fast.size and np.all(fast.real < 0):
        slow = np.linalg.eigvals(_schur(J))
        rate = -fast[0].real
        ratio = float(np.max(np.abs(slow)) / rate) if slow.size else 0.0
    else:
        slow, ratio = np.full(J.n_macro, np.nan), np.inf
    attracting = bool(np.isfinite(ratio))
    message = (f"The critical manifold attracts here: the fast rates are {1 / ratio:.3g} "
               f"times the slow ones." if attracting and ratio > 0 else
               "The critical manifold attracts here; there are no slow dynamics."
               if attracting else
               "The critical manifold repels here: a fast eigenvalue has a real part >= 0.")
    return TimescaleDiagnostics(fast=fast[:max(count, 1)], slow=slow[np.argsort(-slow.real)],
                                ratio=ratio, attracting=attracting, eps=system.eps,
                                message=message)


def _flat_state(system, state, time):
    if state is None:
        return system.pack(system.initial_micro(), system.initial_macro())
    if isinstance(state, Trajectory):
        if state.micro is None:
            raise ValueError("the trajectory has no micro state")
        i = -1 if time is None else int(np.argmin(np.abs(state.micro_t - time)))
        row = int(np.argmin(np.abs(state.t - state.micro_t[i])))
        return system.pack(_as_probabilities(system, state.micro[i]), state.macro[row])
    if hasattr(state, "micro") and hasattr(state, "macro"):  # an Equilibrium
        y = np.array([state.macro[n] for n in system.macro_names], dtype=float)
        return system.pack(_as_probabilities(system, state.micro), y)
    u = np.asarray(state, dtype=float)
    if u.shape != (system.size * system.k + len(system.macro_names),):
        raise ValueError(f"a flat state of this population has "
                         f"{system.size * system.k + len(system.macro_names)} entries, "
                         f"got shape {u.shape}")
    return u


def _as_probabilities(system, Z):
    """Realised choices of a finite population as one-hot choice probabilities."""
    Z = np.asarray(Z, dtype=float)
    if system.expected and Z.shape[1] != system.k:
        options = np.asarray(system.rule.options, dtype=float)
        return (Z[:, :1] == options[None, :]).astype(float)
    return Z


@dataclass
class TimescaleComparison(Result):
    """The full model at several ε against its slow reduction.

    Attributes
    ----------
    eps : ndarray (E,)
    t : ndarray (T,)
        Common output times.
    reduced : Trajectory
        The reduced model's run (jumps at folds in ``reduced.jumps``).
    full : list of Trajectory
        One run of the full model per ε.
    error_macro, error_aggregates : ndarray (E,)
        Sup-norm errors max_t max_j |z_j^ε(t) - z_j^0(t)| over the macro variables
        (aggregates), away from folds: at the output times of one window for every ε, from
        the end of the longest initial layer, t ≥ ``layer`` max(ε) (but at most halfway
        through the window), to 90 % of the way to the reduced run's first fold (the whole
        run if it passes none). Past a fold a relaxation oscillation drifts in phase,
        which ``period`` and ``phase`` measure instead.
    order_macro, order_aggregates : float
        Least-squares slope of log error against log ε (1 for O(ε)).
    period : ndarray (E,), period_reduced : float, order_period : float
        Oscillation periods (NaN when the run does not oscillate), from upward crossings of
        the first macro variable through its mid-range over the last three quarters of the
        run; and the slope of log(period - period_reduced) against log ε (2/3 for
        relaxation oscillations through folds).
    phase : ndarray (E,)
        Lag of each full run's last upward crossing behind the reduced run's, in cycles,
        in (-1/2, 1/2].
    ratio_t, ratio : ndarray (E, S)
        Times past the initial layer and the effective timescale ratio there, along each
        full run (see :class:`TimescaleDiagnostics`; inf where the critical manifold repels).
    separated : ndarray of bool (E,)
        Whether ε is small enough: the median ratio along the run is at most 1/``gap``.
        Times near folds, where the ratio exceeds that even so, are listed in ``flags``.
    folds : ndarray
        Times at which the reduced run jumped at a fold of the critical manifold.
    flags : list of str
        Where separation fails, in words.
    manifold : BifurcationDiagram or None
        The critical manifold against the (single) macro variable: equilibria of the fast
        subsystem with the macro state frozen, stable = attracting.
    accuracy : dict
        For ``"macro"`` and ``"aggregates"``: the smallest error that measures ε rather
        than the solver, ``ACCURACY`` (rtol max|z| + atol).
    unfitted : dict
        For ``"macro"`` and ``"aggregates"`` whose order was not fitted (it is NaN), why:
        the model has none, or fewer than two errors lie above ``accuracy``.
    status, message : int, str
        0: every error was measured and both orders fitted; 1: some were not (the reasons
        are in ``flags`` and ``unfitted``); -1: the reduced run or every full run failed.
    """

    _not_serialised = ("t", "reduced", "full", "manifold")

    eps: np.ndarray
    t: np.ndarray
    reduced: Trajectory
    full: list
    error_macro: np.ndarray
    error_aggregates: np.ndarray
    order_macro: float
    order_aggregates: float
    period: np.ndarray
    period_reduced: float
    order_period: float
    phase: np.ndarray
    ratio_t: np.ndarray
    ratio: np.ndarray
    separated: np.ndarray
    folds: np.ndarray
    flags: list = field(default_factory=list)
    manifold: object = field(default=None, repr=False)
    gap: float = 10.0
    layer: float = 20.0
    model: str = ""
    accuracy: dict = field(default_factory=dict)
    unfitted: dict = field(default_factory=dict)
    status: int = 0
    message: str = ""

    @property
    def median_ratio(self):
        """The median effective timescale ratio along each full run (E,; NaN for a run
        without a sampled ratio)."""
        return _per_run(np.median, self.ratio)

    def summary(self):
        """A table of the errors, periods and separation per ε, the fitted orders (or why
        there are none), and the flags. Columns with nothing measured are left out."""
        columns = [("eps", 10, self.eps, "{:.3g}")]
        if self.reduced.macro_names:
            columns.append(("err macro", 11, self.error_macro, "{:.3e}"))
        if self.reduced.aggregate_names:
            columns.append(("err aggr", 11, self.error_aggregates, "{:.3e}"))
        if np.any(np.isfinite(self.period)):
            columns += [("period", 9, self.period, "{:.4f}"), ("phase", 7, self.phase, "{:.3f}")]
        columns.append(("med. ratio", 10, self.median_ratio, "{:.3g}"))
        lines = [f"{self.model}: full model against its slow reduction "
                 f"(sup-norm errors past the initial layer, before any fold)",
                 " ".join(f"{name:>{width}}" for name, width, _, _ in columns) + " separated"]
        for i, separated in enumerate(self.separated):
            lines.append(" ".join(f"{_number(values[i], form):>{width}}"
                                  for _, width, values, form in columns) + f" {bool(separated)}")
        fitted = [f"{kind} {order:.2f}" for kind, order in
                  (("macro", self.order_macro), ("aggregates", self.order_aggregates))
                  if np.isfinite(order)]
        if fitted:
            lines.append("fitted order of convergence: " + ", ".join(fitted))
        lines += [f"no order of convergence for the {LABELS[kind]}: {why}"
                  for kind, why in self.unfitted.items()]
        if np.isfinite(self.period_reduced):
            lines.append(f"reduced period {self.period_reduced:.4f}; period shift ~ eps^"
                         f"{self.order_period:.2f}")
        lines += [f"! {flag}" for flag in self.flags]
        return "\n".join(lines)

    def to_dict(self):
        """The numbers in strict JSON types (without the trajectories and the manifold),
        with the median and largest timescale ratio along each run."""
        return {**super().to_dict(), "median_ratio": jsonable(self.median_ratio),
                "max_ratio": jsonable(_per_run(np.max, self.ratio))}

    def to_dataframe(self):
        """One row per ε: the errors, period, phase, median ratio and separation."""
        import pandas as pd

        return pd.DataFrame({"error_macro": self.error_macro,
                             "error_aggregates": self.error_aggregates,
                             "period": self.period, "phase": self.phase,
                             "median_ratio": self.median_ratio, "separated": self.separated},
                            index=pd.Index(self.eps, name="eps"))

    def plot(self, *, axes=None):
        """Two panels: the fast-slow phase plane and the errors against ε; returns them."""
        from ..plotting._timescales import plot_timescales

        return plot_timescales(self, axes=axes)

    def plot_phase_plane(self, *, ax=None, aggregate=None):
        """The fast-slow phase plane: critical manifold (attracting solid, repelling dashed)
        with its folds, the reduced run (its jumps dotted) and each full run."""
        from ..plotting import plot_phase_plane

        return plot_phase_plane(self, ax=ax, aggregate=aggregate)

    def plot_errors(self, *, ax=None):
        """Errors against ε on log-log axes, with the fitted slopes."""
        from ..plotting import plot_timescale_errors

        return plot_timescale_errors(self, ax=ax)


def _per_run(reduce, ratio):
    """``reduce`` over the sampled (not NaN) ratios of each run, NaN for none."""
    return np.array([reduce(row[~np.isnan(row)]) if np.any(~np.isnan(row)) else np.nan
                     for row in ratio])


def _number(value, form):
    """``value`` in ``form``, or "-" when it was not measured (NaN)."""
    return form.format(value) if np.isfinite(value) else "-"


def compare_timescales(model, eps, *, t_end=50.0, population=None, seed=None, n_points=501,
                       rtol=1e-8, atol=1e-10, gap=10.0, layer=20.0, diagnostics=60):
    r"""Run the full model at each ε and its slow reduction once, and compare.

    Parameters
    ----------
    model : Model
        A continuous-time model with a reducible micro rule (see :func:`~coupling.reduce`).
    eps : sequence of float
        Values of the timescale ε (the parameter named by the model's ``timescale``).
    t_end, population, seed, n_points, rtol, atol
        As for :func:`~coupling.simulate`; the same population and seed for every run, so
        every run has the same units.
    gap : float
        Separation is flagged as failing where the fast relaxation is less than ``gap``
        times faster than the slow dynamics.
    layer : float
        Errors are measured for t ≥ layer·max(ε), past the initial layer in which the units
        relax onto the critical manifold (it decays like exp(-t/ε)), and the spectrum for
        t ≥ layer·ε.
    diagnostics : int
        Number of times along each full run at which the spectrum is evaluated.

    Returns
    -------
    TimescaleComparison

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("slow-feedback", c=0.3, x0=0.9)  # a stable equilibrium, no fold
    >>> cmp = cp.compare_timescales(model, [0.1, 0.01, 0.001], t_end=10)
    >>> f"{cmp.order_macro:.1f}"   # O(ε)
    '1.0'
    """
    if model.time == "discrete":
        raise DeclarationError("a discrete-time model has no fast timescale to compare",
                               level="micro")

    population = model.population if population is None else _checks.population(population)
    eps = np.atleast_1d(np.asarray(eps, dtype=float))
    if eps.ndim != 1 or not eps.size or not np.all(eps > 0):
        raise ValueError(f"eps must be one or more positive numbers, got {eps.tolist()}")
    slow_model = reduce(model)
    times = np.linspace(0.0, float(t_end), int(n_points))
    options = dict(population=population, seed=seed, t_eval=times, rtol=rtol, atol=atol)
    reduced = simulate(slow_model, **options)
    full = [simulate(_at_eps(model, e), micro_snapshots=True, **options) for e in eps]
    folds = np.array([jump["t"] for jump in reduced.jumps])
    end = FOLD_APPROACH * folds[0] if folds.size else np.inf
    start = min(layer * np.max(eps), 0.5 * min(end, times[-1]))
    errors = np.array([[_sup_error(run, reduced, kind, start, end) for kind in KINDS]
                       for run in full])
    accuracy = {kind: ACCURACY * (rtol * _scale(reduced, kind) + atol) for kind in KINDS}
    fits = [_fit_order(eps, errors[:, j], accuracy[kind], reduced, kind)
            for j, kind in enumerate(KINDS)]
    periods = np.array([_period(run) for run in full])
    period_reduced = _period(reduced)
    phase = np.array([_phase(run, reduced, period_reduced) for run in full])
    ratio_t, ratio = _ratios(model, full, eps, layer, population, seed, diagnostics)
    with np.errstate(invalid="ignore"):
        separated = np.nanmedian(np.where(np.isnan(ratio), np.inf, ratio), axis=1) * gap <= 1.0
    comparison = TimescaleComparison(
        eps=eps, t=times, reduced=reduced, full=full, error_macro=errors[:, 0],
        error_aggregates=errors[:, 1], order_macro=fits[0][0], order_aggregates=fits[1][0],
        period=periods, period_reduced=period_reduced,
        order_period=_order(eps, periods - period_reduced), phase=phase, ratio_t=ratio_t,
        ratio=ratio, separated=separated, folds=folds, gap=gap, layer=layer,
        model=model.name, manifold=_critical_manifold(slow_model, reduced), accuracy=accuracy,
        unfitted={kind: why for kind, (_, why) in zip(KINDS, fits) if why})
    comparison.flags = _flags(comparison, full)
    comparison.status, comparison.message = _status(comparison)
    return comparison


def _at_eps(model, value):
    if isinstance(model.timescale, str):
        return model.with_parameters(**{model.timescale: float(value)})
    return model.replace(timescale=float(value))


KINDS = ("macro", "aggregates")
"""The two groups of observables whose errors are measured."""
LABELS = {"macro": "macro variables", "aggregates": "aggregates"}


def _names(run, kind):
    return run.macro_names if kind == "macro" else run.aggregate_names


def _sup_error(run, reduced, kind, start, end):
    if run.status < 0 or reduced.status < 0 or run.t.size != reduced.t.size:
        return np.nan
    keep = (run.t >= start) & (run.t <= end)
    difference = getattr(run, kind)[keep] - getattr(reduced, kind)[keep]
    return float(np.max(np.abs(difference))) if difference.size else np.nan


def _scale(run, kind):
    """The largest magnitude of the ``kind`` observables along a run (1 for none)."""
    values = getattr(run, kind)
    return float(np.max(np.abs(values))) if values.size else 1.0


def _fit_order(eps, errors, floor, reduced, kind):
    """The slope of log error against log ε over the errors measured above ``floor``, and
    why there is none ("" when there is)."""
    if not _names(reduced, kind):
        return np.nan, "the model has none"
    measured = np.isfinite(errors)
    usable = measured & (errors > floor)
    if np.sum(usable) < 2:
        return np.nan, (f"fewer than two errors to fit: {np.sum(measured)} of {errors.size} "
                        f"measured, {np.sum(measured & ~usable)} of them within the "
                        f"integration accuracy ({floor:.2g})")
    return _order(eps[usable], errors[usable]), ""


def _order(eps, errors):
    ok = np.isfinite(errors) & (errors > 0)
    if np.sum(ok) < 2:
        return np.nan
    return float(np.polyfit(np.log(eps[ok]), np.log(errors[ok]), 1)[0])


def _crossings(run):
    """Upward crossing times of the first macro variable through its mid-range over the
    last three quarters of the run (linear interpolation between outputs)."""
    if not run.macro.shape[1] or run.t.size < 3:
        return np.array([])
    t, v = run.t, run.macro[:, 0]
    late = t >= t[0] + SETTLING * (t[-1] - t[0])
    lo, hi = np.min(v[late]), np.max(v[late])
    if hi - lo <= 1e-6 * max(1.0, abs(hi)):
        return np.array([])
    level = 0.5 * (lo + hi)
    i = np.nonzero((v[:-1] < level) & (v[1:] >= level))[0]
    return t[i] + (level - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def _period(run):
    crossings = _crossings(run)
    crossings = crossings[crossings >= run.t[0] + SETTLING * (run.t[-1] - run.t[0])]
    return float(np.mean(np.diff(crossings))) if crossings.size >= 2 else np.nan


def _phase(run, reduced, period):
    mine, theirs = _crossings(run), _crossings(reduced)
    if not (mine.size and theirs.size and np.isfinite(period)):
        return np.nan
    lag = (mine[-1] - theirs[np.argmin(np.abs(theirs - mine[-1]))]) / period
    return float(-((-lag + 0.5) % 1.0 - 0.5))


def _ratios(model, full, eps, layer, population, seed, count):
    """The effective timescale ratio at ``count`` output times of each full run past its
    initial layer (NaN where a run has no snapshot)."""
    times = full[0].micro_t
    ratio = np.full((eps.size, max(int(count), 1)), np.nan)
    sampled = np.full(ratio.shape, np.nan)
    for i, (run, e) in enumerate(zip(full, eps)):
        late = np.flatnonzero(times >= layer * e)
        if run.micro is None or run.micro.shape[0] != times.size or not late.size:
            continue
        pick = late[np.linspace(0, late.size - 1, ratio.shape[1]).round().astype(int)]
        problem = EquilibriumProblem(_at_eps(model, e), population=population, seed=seed)
        for j, s in enumerate(pick):
            u = _flat_state(problem.system, run, times[s])
            sampled[i, j], ratio[i, j] = times[s], _diagnose(problem, u, count=1).ratio
    return sampled, ratio


def _flags(cmp, full):
    flags = [f"the reduced run failed: {cmp.reduced.message}"] if cmp.reduced.status < 0 \
        else []
    for i, (e, run, ratio, times, ok) in enumerate(zip(cmp.eps, full, cmp.ratio, cmp.ratio_t,
                                                       cmp.separated)):
        if run.status < 0:
            flags.append(f"eps = {e:g}: the full run failed: {run.message}")
            continue
        for kind, errors in zip(KINDS, (cmp.error_macro, cmp.error_aggregates)):
            floor = cmp.accuracy[kind]
            if not _names(cmp.reduced, kind) or cmp.reduced.status < 0:
                continue
            if not np.isfinite(errors[i]):
                flags.append(f"eps = {e:g}: no output time between the end of the initial "
                             f"layer and the first fold: {kind} error not measured")
            elif errors[i] <= floor:
                flags.append(f"eps = {e:g}: the {kind} error {errors[i]:.2g} is within the "
                             f"integration accuracy ({floor:.2g}), left out of the fitted "
                             "order")
        if not ok:
            flags.append(f"eps = {e:g} is too large: over most of the run the fast rates are "
                         f"less than {cmp.gap:g} times the slow ones (median ratio "
                         f"{np.median(ratio):.3g})")
        else:
            near = times[~(ratio * cmp.gap <= 1.0)]
            if near.size:
                shown = ", ".join(f"{t:.4g}" for t in near[:6])
                flags.append(f"eps = {e:g}: separation fails near folds, where a fast rate "
                             f"nears zero or the manifold repels, at {near.size} of "
                             f"{times.size} sampled times (t = {shown}"
                             f"{', ...' if near.size > 6 else ''})")
    if cmp.folds.size:
        flags.append(f"errors are measured up to t = {FOLD_APPROACH * cmp.folds[0]:.4g}, "
                     "before the first fold")
        shown = ", ".join(f"{t:.4g}" for t in cmp.folds[:6])
        flags.append(f"the reduced run passes {cmp.folds.size} fold(s) of the critical "
                     f"manifold (t = {shown}{', ...' if cmp.folds.size > 6 else ''}): there "
                     "the reduction fails locally and jump times carry O(eps^(2/3)) delays")
    return flags


def _status(cmp):
    """The status and message of a comparison (see :class:`TimescaleComparison`)."""
    if cmp.reduced.status < 0:
        return -1, f"The reduced run failed: {cmp.reduced.message}"
    if all(run.status < 0 for run in cmp.full):
        return -1, "Every full run failed; see the flags."
    if any(run.status < 0 for run in cmp.full):
        return 1, "Some full runs failed; see the flags."
    if cmp.unfitted:
        return 1, "; ".join(f"No order of convergence for the {LABELS[kind]}: {why}."
                            for kind, why in cmp.unfitted.items())
    return 0, "The full model was compared with its reduction at every eps."


def _critical_manifold(slow_model, reduced):
    """Equilibria of the fast subsystem against the frozen macro variable (one macro
    variable only), over the range the reduced run visits."""
    if len(slow_model.macro) != 1 or not reduced.aggregate_names:
        return None
    from .bifurcation._continuation import continuation

    name = next(iter(slow_model.macro))
    lo, hi = np.min(reduced.macro[:, 0]), np.max(reduced.macro[:, 0])
    pad = 0.25 * max(hi - lo, 0.1 * max(1.0, abs(hi)))
    layer = slow_model.replace(macro={}, parameters={**slow_model.parameters,
                                                     name: float(reduced.macro[0, 0])})
    try:
        return continuation(layer, name, (lo - pad, hi + pad),
                            population=reduced.population, seed=reduced.seed)
    except (DeclarationError, ValueError, np.linalg.LinAlgError):
        return None
