r"""``cp.orbit_diagram``: the long-run orbit of an observable of a discrete-time model across
the values of one parameter (the Feigenbaum diagram of a map), with the period of each orbit.

At each value :math:`\mu_k` the model is iterated, the first ``transient`` periods are
dropped and the next ``keep`` values :math:`x_0, \dots, x_{K-1}` of the observable are kept.
The period of the kept orbit is the smallest p ≤ ``max_period`` with

.. math::  \max_{0 \le t < K - p} |x_{t+p} - x_t| < \mathrm{tol},

or with lag-p differences :math:`d_p(t) = |x_{t+p} - x_t|` that still decay geometrically
(log d_p linear in t with R² ≥ 0.95, falling by at least a factor 2 over the window: an
orbit converging slowly to a
p-cycle near a bifurcation, where a decaying oscillation would otherwise pass the
tolerance test at a multiple of its period), and 0 ("aperiodic": chaotic, quasi-periodic,
noisy, or periodic with a longer period) when there is none. The runs are
:func:`coupling.simulate` runs: with ``follow=True`` one run
steps the parameter through the values (a piecewise-constant schedule, each value held for
``transient + keep`` periods), so every value starts from the last state of the one before
(a quasi-static sweep, which follows an attractor as long as it exists); with
``follow=False`` every value is a separate run from the model's initial state.

For a deterministic run (a mean-field population or a map rule, without noise or shocks,
with derivatives of every part) the largest Lyapunov exponent of the model's map
:math:`u_{t+1} = G(u_t)` on the full coupled state is estimated along the kept orbit from the
tangent dynamics :math:`v_{t+1} = G'(u_t)\, v_t` (Benettin et al. 1980, Meccanica 15):

.. math::  \lambda \approx \frac{1}{K - K_0} \sum_{t=K_0}^{K-1} \ln \frac{\|G'(u_t) v_t\|}{\|v_t\|},

with :math:`v` renormalised every period and the first :math:`K_0 = \lfloor K/10 \rfloor` steps
spent aligning v with the most expanding direction. G' is the structured Jacobian of the
System (:meth:`~coupling.model._system.System.jacobian` plus the identity). λ < 0 on a
stable cycle (ln|multiplier| / p for a p-cycle), λ > 0 on a chaotic attractor (ln 2 for the
logistic map at r = 4); it is NaN where it is not defined (stochastic populations, noise).
"""

from dataclasses import dataclass, field

import numpy as np

from ... import _checks
from ..._errors import ArgumentError, DeclarationError
from ..._progress import progress as show_progress
from ..._text import counted
from ...results import Result

APERIODIC = 0


@dataclass
class OrbitDiagram(Result):
    """The kept orbits of an observable at each value of a parameter.

    Attributes
    ----------
    parameter, observable : str
        The parameter varied and the observable kept.
    values : ndarray (V,)
        The parameter values, in the order run.
    points : ndarray (V, keep)
        The kept values of the observable at each parameter value (NaN where a run failed).
    periods : ndarray (V,) of int
        The period of each kept orbit; 0 for an aperiodic one (no period up to
        ``max_period`` within ``tol``), -1 where the run failed.
    lyapunov : ndarray (V,)
        The largest Lyapunov exponent of the map along each kept orbit (per period); NaN
        where the run is stochastic or noisy, or failed.
    transient, keep, max_period : int
        Periods dropped, periods kept, the longest period looked for.
    tol : float
        The absolute tolerance of the period test given; NaN for the default,
        1e-6 (1 + max |x|) of each orbit.
    follow : bool
        Whether each value started from the previous value's last state.
    model, population, seed : metadata
        The model name, "mean-field" or N, the seed given.
    status, message : int, str
        0 every run completed; 1 some runs failed (their rows are NaN, see ``message``);
        -1 every run failed.
    """

    parameter: str
    observable: str
    values: np.ndarray = field(repr=False)
    points: np.ndarray = field(repr=False)
    periods: np.ndarray = field(repr=False)
    lyapunov: np.ndarray = field(repr=False)
    transient: int = 0
    keep: int = 0
    max_period: int = 0
    tol: float = 0.0
    follow: bool = True
    model: str = ""
    population: object = "mean-field"
    seed: object = None
    status: int = 0
    message: str = "Every run completed."

    def period_at(self, value):
        """The period of the orbit at the parameter value nearest ``value``."""
        return int(self.periods[np.argmin(np.abs(self.values - value))])

    def summary(self):
        """What was run and the parameter ranges of each period found."""
        head = (f"orbit diagram of {self.observable} in {self.parameter} from "
                f"{self.values.min():.6g} to {self.values.max():.6g} "
                f"({counted(self.values.size, 'value', 'values')}, {self.keep} periods "
                f"kept after {self.transient}; {self.message})")
        lines = [head]
        for period, lo, hi in self.windows():
            what = {APERIODIC: "aperiodic", -1: "failed"}.get(period, f"period {period}")
            lines.append(f"  {what:<12} {self.parameter} in [{lo:.6g}, {hi:.6g}]")
        return "\n".join(lines)

    def windows(self):
        """(period, first value, last value) of each run of equal periods, in value order."""
        order = np.argsort(self.values, kind="stable")
        values, periods = self.values[order], self.periods[order]
        cuts = np.flatnonzero(np.diff(periods)) + 1
        return [(int(periods[i]), float(values[i]), float(values[j - 1]))
                for i, j in zip(np.r_[0, cuts], np.r_[cuts, periods.size])]

    def plot(self, *, ax=None, **style):
        """The kept points against the parameter: small dots with some transparency
        (``style`` goes to ``Axes.scatter``, e.g. ``s=``, ``alpha=``, ``color=``)."""
        from ...plotting._orbits import plot_orbit_diagram

        return plot_orbit_diagram(self, ax=ax, **style)

    def to_dataframe(self):
        """One row per kept point: parameter value, index in the kept window, observable
        value, period and Lyapunov exponent of its orbit."""
        import pandas as pd

        keep = self.points.shape[1]
        return pd.DataFrame({self.parameter: np.repeat(self.values, keep),
                             "index": np.tile(np.arange(keep), self.values.size),
                             self.observable: self.points.ravel(),
                             "period": np.repeat(self.periods, keep),
                             "lyapunov": np.repeat(self.lyapunov, keep)})

    def __repr__(self):
        return (f"OrbitDiagram({self.observable!r} in {self.parameter!r}, "
                f"{self.values.size} values x {self.keep} points, status={self.status})")


def orbit_diagram(model, parameter, values, observable, *, transient=500, keep=200,
                  population=None, seed=None, initial=None, follow=True, max_period=64,
                  tol=None, progress=None):
    r"""The orbit diagram of a discrete-time model: the long-run values of ``observable``
    at each value of ``parameter``, and their periods.

    Parameters
    ----------
    model : Model
        A discrete-time model (``time="discrete"``).
    parameter : str
        The parameter varied (any parameter of the model).
    values : array_like
        The parameter values, run in the order given (sorted increasing for a forward
        sweep, decreasing for a backward one).
    observable : str
        A macro variable, aggregate or context variable of the model.
    transient : int
        Periods dropped at each value before keeping (default 500).
    keep : int
        Periods kept at each value (default 200).
    population : int, "mean-field" or MeanField, optional
        As for :func:`coupling.simulate` (default: the model's).
    seed : int or SeedSequence, optional
        Seeds a finite population. Every value uses this seed: the same units (traits), and
        with ``follow=False`` the same random numbers at every value (common random
        numbers), so that differences between values come from the parameter. Default:
        fresh entropy, drawn once and recorded in ``seed``.
    initial : mapping, optional
        The starting state, as for :func:`coupling.simulate` (of the first value only when
        ``follow=True``).
    follow : bool
        True (default): one run through the values, each starting from the last state of
        the one before. False: each value starts from the initial state.
    max_period : int
        The longest period looked for (default 64; at most ``keep // 2``).
    tol : float, optional
        Absolute tolerance of the period test (default 1e-6 times (1 + the largest
        |value| kept)).
    progress : bool, optional
        Show progress over the values (``follow=False``; default: when stderr is a
        terminal).

    Returns
    -------
    OrbitDiagram

    Raises
    ------
    DeclarationError
        A continuous-time model (symbol ``time``).
    UnknownNameError
        A parameter or observable the model does not have.
    ArgumentError
        Bad values, counts or tolerance.

    Examples
    --------
    >>> import coupling as cp
    >>> logistic = cp.Model(parameters={"r": 3.2}, aggregates={"X": "x"},
    ...                     micro=cp.Map(rhs={"x": "r*x*(1 - x)"}, initial={"x": 0.3}),
    ...                     time="discrete")
    >>> diagram = cp.orbit_diagram(logistic, "r", [2.8, 3.2, 3.5, 4.0], "X")
    >>> diagram.periods.tolist()
    [1, 2, 4, 0]
    >>> print(f"{diagram.lyapunov[0]:.4f} = ln 0.8")
    -0.2231 = ln 0.8
    """
    from ...model._model import Model

    if not isinstance(model, Model):
        raise TypeError(f"orbit_diagram needs a cp.Model, got {type(model).__name__}")
    if model.time != "discrete":
        raise DeclarationError("an orbit diagram iterates a map: the model must be declared "
                               f"with time='discrete', not time={model.time!r}",
                               symbol="time", level="timescale")
    _checks.parameter(model, parameter, argument="parameter")
    (observable,) = _single(model, observable)
    values = _values(values)
    transient = _checks.count(transient, argument="transient", minimum=0)
    keep = _checks.count(keep, argument="keep", minimum=2)
    max_period = min(_checks.count(max_period, argument="max_period"), keep // 2)
    if tol is not None:
        tol = _checks.positive(tol, argument="tol")
    population = model.population if population is None else _checks.population(population)
    _checks.seed(seed)
    if seed is None:  # one population for every value, reproducible from the result
        seed = np.random.SeedSequence().entropy
    tangent = _deterministic(model, population)
    run = {"population": population, "seed": seed, "initial": initial,
           "micro_snapshots": tangent}
    if follow:
        kept, why = _sweep(model, parameter, values, transient, keep, run)
    else:
        kept, why = _separate(model, parameter, values, transient, keep, run, progress)
    points = np.full((values.size, keep), np.nan)
    for k, trajectory in enumerate(kept):
        if trajectory is not None:
            points[k] = trajectory[observable]
    periods = np.array([orbit_period(row, max_period, tol) for row in points], dtype=int)
    lyapunov = _exponents(model, population, seed, parameter, values, kept) if tangent \
        else np.full(values.size, np.nan)
    status, message = _outcome(kept, why, parameter, values)
    return OrbitDiagram(parameter=parameter, observable=observable, values=values,
                        points=points, periods=periods, lyapunov=lyapunov,
                        transient=transient, keep=keep, max_period=max_period,
                        tol=float(np.nan if tol is None else tol), follow=bool(follow),
                        model=model.name, population=population
                        if isinstance(population, int) else str(population),
                        seed=seed if seed is None or isinstance(seed, int) else
                        str(seed.entropy), status=status, message=message)


def orbit_period(x, max_period, tol=None):
    """The smallest p <= max_period with max |x[t+p] - x[t]| < tol over the window, or whose
    lag-p differences decay geometrically (:func:`_converging`); 0 when there is none, -1
    when the window is not finite. ``tol`` defaults to 1e-6 (1 + max|x|)."""
    x = np.asarray(x, dtype=float)
    if not np.all(np.isfinite(x)):
        return -1
    if tol is None:
        tol = 1e-6 * (1 + np.max(np.abs(x)))
    for p in range(1, max_period + 1):
        lag = np.abs(x[p:] - x[:-p])
        if np.max(lag) < tol or _converging(lag, tol):
            return p
    return APERIODIC


def _converging(lag, tol):
    """Whether lag differences decay geometrically: log d(t) is linear in t (R² >= 0.95)
    and falls by at least a factor 2 over the window, at least 16 values all above the
    round-off floor tol * 1e-6."""
    keep = lag > tol * 1e-6
    if keep.sum() < 16 or not keep.all():
        return False
    t, y = np.arange(lag.size), np.log(lag)
    slope, intercept = np.polyfit(t, y, 1)
    residual = y - (slope * t + intercept)
    return slope * (lag.size - 1) < -np.log(2) and 1 - residual.var() / y.var() >= 0.95


def _single(model, observable):
    if not isinstance(observable, str):
        raise ArgumentError(f"observable must be one name, got {observable!r}",
                            argument="observable")
    return _checks.observables(model, observable, argument="observable")


def _values(values):
    try:
        values = np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        raise ArgumentError(f"values must be numbers, got {values!r}",
                            argument="values") from None
    if values.size == 0 or not np.all(np.isfinite(values)):
        raise ArgumentError("values must be one or more finite numbers", argument="values")
    return values


def _sweep(model, parameter, values, transient, keep, run):
    """One run holding each value for transient + keep periods; the kept stretch of each
    value as a Trajectory (None from a failure on: what follows it was never run), and the
    failure's message."""
    from ...dynamics._simulate import simulate

    hold = transient + keep
    schedule = {parameter: [(k * hold, float(v)) for k, v in enumerate(values)]}
    kept_times = (np.arange(values.size)[:, None] * hold + transient
                  + np.arange(keep)[None, :]).ravel()
    trajectory = simulate(model, t_end=int(kept_times[-1]), schedule=schedule,
                          t_eval=kept_times, **run)
    complete = trajectory.t.size // keep if trajectory.success else \
        int(trajectory.t[-1]) // hold if trajectory.t.size else 0
    kept = [_window(trajectory, slice(k * keep, (k + 1) * keep)) if k < complete else None
            for k in range(values.size)]
    return kept, None if trajectory.success else trajectory.message


def _separate(model, parameter, values, transient, keep, run, progress):
    """One run per value from the initial state; its kept stretch (None if it failed) and
    the message of the first failure."""
    from ...dynamics._simulate import simulate

    kept, why = [], None
    for k in show_progress(range(values.size), description="orbit diagram",
                           enabled=progress):
        trajectory = simulate(model.with_parameters(**{parameter: float(values[k])}),
                              t_end=transient + keep - 1,
                              t_eval=np.arange(transient, transient + keep), **run)
        complete = trajectory.success and trajectory.t.size == keep
        kept.append(trajectory if complete else None)
        if not complete and why is None:
            why = trajectory.message
    return kept, why


def _window(trajectory, rows):
    """The rows of a trajectory (observables and micro snapshots) as a trajectory."""
    from dataclasses import replace

    micro = None if trajectory.micro is None or trajectory.micro_t.size != trajectory.t.size \
        else trajectory.micro[rows]
    return replace(trajectory, t=trajectory.t[rows], macro=trajectory.macro[rows],
                   aggregates=trajectory.aggregates[rows], context=trajectory.context[rows],
                   scheduled=trajectory.scheduled[rows], micro=micro,
                   micro_t=None if micro is None else trajectory.micro_t[rows])


def _deterministic(model, population):
    """Whether runs of ``model`` at ``population`` are deterministic and differentiable
    maps, so that their Lyapunov exponent is defined and computable."""
    from ...model._rules import MeanField

    kind = model.micro.kind
    return (kind == "map" or kind == "choice" and isinstance(population, MeanField)) \
        and not model.has_noise and model.network is None and model.compiled.differentiable


def _exponents(model, population, seed, parameter, values, kept):
    """The largest Lyapunov exponent along each kept orbit (NaN where there is none)."""
    from ...model._system import System

    system = System(model, population, seed=seed, params=model.parameters)
    exponents = np.full(values.size, np.nan)
    for k, trajectory in enumerate(kept):
        if trajectory is None or trajectory.micro is None:
            continue
        system.set_parameters({**model.parameters, parameter: float(values[k])})
        states = [system.pack(Z, y) for Z, y in zip(trajectory.micro, trajectory.macro)]
        exponents[k] = largest_lyapunov(system, states)
    return exponents


def largest_lyapunov(system, states):
    r"""The largest Lyapunov exponent of the System's map along consecutive states u_t:
    the mean of :math:`\ln \|G'(u_t) v_t\|` over the renormalised tangent vector v,
    after the first tenth of the steps spent aligning it (-inf on a superstable orbit)."""
    n = states[0].size
    v = np.linspace(1.0, 2.0, n)  # no symmetry that could hide the leading direction
    v /= np.linalg.norm(v)
    align = len(states) // 10
    logs = []
    for t, u in enumerate(states):
        w = system.jacobian(u).matvec(v) + v  # G' = (G - I)' + I
        norm = np.linalg.norm(w)
        if not norm > 0:
            return -np.inf
        if t >= align:
            logs.append(np.log(norm))
        v = w / norm
    return float(np.mean(logs))


def _outcome(kept, why, parameter, values):
    """Status and message from the values whose run failed (None in ``kept``)."""
    failed = [k for k, trajectory in enumerate(kept) if trajectory is None]
    if not failed:
        return 0, "Every run completed."
    message = (f"{counted(len(failed), 'value', 'values')} failed, the first at "
               f"{parameter} = {values[failed[0]]:.6g}: {why}")
    return -1 if len(failed) == len(kept) else 1, message
