"""``cp.regime_map``: a two-parameter plane classified cell by cell (how many stable states,
hysteresis or not, oscillating or steady), with the fold and Hopf curves from continuation
that bound the regions."""

from dataclasses import dataclass

import numpy as np

from .._errors import ArgumentError
from ..results import Result
from ._sweep import sweep

#: Cells per side when a parameter is given as (name, low, high).
DEFAULT_CELLS = 31

#: The classifications a regime map can use, and the task that provides each.
BY = ("equilibria", "attractors")


@dataclass
class RegimeMap(Result):
    """The (p1, p2) plane classified cell by cell.

    Attributes
    ----------
    model : str
    parameters : (str, str)
    values : (ndarray, ndarray)
        The cell centres along p1 and along p2.
    by : str
        "equilibria" (stable equilibria; a cell oscillates when it has equilibria and every
        one is unstable: a bounded flow then settles on a cycle, or on more complex motion,
        which ``by="attractors"`` tells apart) or
        "attractors" (attractors of simulations from sampled states; a cell oscillates when
        one of them is a cycle).
    stable : ndarray of int, shape (n1, n2)
        The number of stable equilibria, or of attractors.
    hysteresis : ndarray of bool
        Two or more stable states coexist: a slow sweep through the cell jumps at different
        values going up and going down.
    oscillating : ndarray of bool
    regime : ndarray of str
        "steady" (one stable state), "multistable" (several, none oscillating),
        "oscillating" (a cycle and no stable equilibrium), "oscillating and steady" (a
        cycle beside a stable equilibrium) or "none" (no stable state found, e.g. at a
        degenerate point where an eigenvalue is zero).
    curves : dict
        "fold" and "hopf" -> list of (n, 2) arrays in the (p1, p2) plane, from
        :func:`~coupling.fold_curve` and :func:`~coupling.hopf_curve` started on a row
        where the map shows the regime they bound.
    special_points : list of SpecialPoint
        Cusps and Bogdanov–Takens points on those curves.
    sweep : Sweep
        The underlying sweep (every output, status and the provenance).
    """

    model: str
    parameters: tuple
    values: tuple
    by: str
    stable: np.ndarray
    hysteresis: np.ndarray
    oscillating: np.ndarray
    regime: np.ndarray
    curves: dict
    special_points: list
    sweep: object
    status: int = 0
    message: str = ""
    _not_serialised = ("sweep",)

    def summary(self):
        p1, p2 = self.parameters
        (x, y) = self.values
        lines = [f"{self.model}: regimes by {self.by} on {x.size} x {y.size} cells, "
                 f"{p1} in [{x[0]:g}, {x[-1]:g}], {p2} in [{y[0]:g}, {y[-1]:g}]"]
        for label in np.unique(self.regime):
            share = np.mean(self.regime == label)
            lines.append(f"  {label}: {100 * share:.1f} % of the cells")
        for kind, curves in self.curves.items():
            lines.append(f"  {kind} curves: {len(curves)}")
        if self.message:
            lines.append(f"  {self.message}")
        return "\n".join(lines)

    def to_dataframe(self):
        """One row per cell: p1, p2, regime, stable, hysteresis, oscillating."""
        import pandas as pd

        x, y = np.meshgrid(*self.values, indexing="ij")
        p1, p2 = self.parameters
        return pd.DataFrame({p1: x.ravel(), p2: y.ravel(), "regime": self.regime.ravel(),
                             "stable": self.stable.ravel(),
                             "hysteresis": self.hysteresis.ravel(),
                             "oscillating": self.oscillating.ravel()})

    def plot(self, *, ax=None, curves=True):
        """The regimes, coloured, with the fold and Hopf curves over them."""
        from ..plotting._sweeps import plot_regime_map

        return plot_regime_map(self, ax=ax, curves=curves)


def regime_map(model, p1, p2, *, by="equilibria", curves=True, population=None, seed=None,
               executor=None, store=None, progress=None, chunk=None, **options):
    """Classify every cell of a two-parameter grid and trace the curves between regimes.

    Parameters
    ----------
    model : Model
    p1, p2 : (str, values) or (str, low, high) or (str, low, high, n)
        A parameter and its cell centres, or a range cut into ``n`` cells (default 31).
    by : "equilibria" or "attractors"
        What a cell's regime is read from (see :class:`RegimeMap`); "attractors" simulates
        (finite populations, noise) and costs much more.
    curves : bool
        Trace the fold curves from a row with several stable states and the Hopf curves
        from a row that oscillates, over the map's box, for the plot.
    population, seed, executor, store, progress, chunk
        As for :func:`~coupling.sweep` (``population`` goes to the analysis).
    **options
        Keyword arguments of the analysis (``bounds=``, ``samples=``, ``t_end=``, ...).

    Returns
    -------
    RegimeMap

    Examples
    --------
    >>> import coupling as cp
    >>> m = cp.regime_map(cp.load("social-choice", sigma=0.0), ("h", -0.8, 0.8, 5),
    ...                   ("J", 0.5, 2.0, 4), executor="serial", curves=False)
    >>> m.stable.T.tolist()[-1]  # J = 2: bistable for |h| < 0.533
    [1, 2, 2, 2, 1]
    """
    if by not in BY:
        raise ArgumentError(f"by must be one of {BY}, got {by!r}", argument="by")
    (n1, x), (n2, y) = _axis(p1, "p1"), _axis(p2, "p2")
    if n1 == n2:
        raise ArgumentError(f"p1 and p2 are both {n1!r}", argument="p2")
    if population is not None:
        options["population"] = population
    found = sweep(by, model, grid={n1: x, n2: y}, seed=seed, executor=executor, store=store,
                  progress=progress, chunk=chunk, **options)
    if by == "equilibria":
        stable = found["stable"][..., 0]
        count = found["equilibria"][..., 0]
        cycle = (stable == 0) & (count > 0) & (found["unstable"][..., 0] == count)
    else:
        stable = found["attractors"][..., 0]
        cycle = found["cycles"][..., 0] > 0
    failed = ~np.isfinite(stable)
    stable = np.where(failed, 0, stable).astype(int)
    regime = np.full(stable.shape, "none", dtype=object)
    regime[stable == 1] = "steady"
    regime[stable >= 2] = "multistable"
    regime[cycle & (stable <= 1)] = "oscillating"  # by equilibria, stable is 0 there
    regime[cycle & (stable >= 2)] = "oscillating and steady"
    traced, special, notes = {}, [], []
    if curves:
        box = ((float(x[0]), float(x[-1])), (float(y[0]), float(y[-1])))
        rows = {"fold": np.flatnonzero(np.any(stable >= 2, axis=0)),
                "hopf": np.flatnonzero(np.any(cycle, axis=0))}
        for kind, where in rows.items():
            inner = where[(where > 0) & (where < y.size - 1)]  # a curve starts in the box
            where = inner if inner.size else where
            if where.size:
                traced[kind], points, note = _curves(kind, model, (n1, n2), box,
                                                     y[where[where.size // 2]], population,
                                                     seed, options)
                special += points
                notes += [note] if note else []
    status = found.status if found.status < 0 else (1 if notes or failed.any() else 0)
    message = "; ".join(([found.message] if found.failures else []) + notes)
    return RegimeMap(model=model.name, parameters=(n1, n2), values=(x, y), by=by,
                     stable=stable, hysteresis=stable >= 2, oscillating=cycle, regime=regime,
                     curves=traced, special_points=special, sweep=found, status=status,
                     message=message)


def _axis(spec, argument):
    if isinstance(spec, str) or not hasattr(spec, "__len__") or len(spec) not in (2, 3, 4):
        raise ArgumentError(f"{argument} must be (name, values), (name, low, high) or (name, "
                            f"low, high, n), got {spec!r}", argument=argument)
    name, *rest = spec
    if len(rest) == 1:
        values = np.asarray(rest[0], dtype=float)
    else:
        low, high, *n = rest
        count = int(n[0]) if n else DEFAULT_CELLS
        if count < 2 or not low < high:
            raise ArgumentError(f"{argument}: need low < high and n >= 2, got {spec!r}",
                                argument=argument)
        values = np.linspace(float(low), float(high), count)
    if values.ndim != 1 or values.size < 2 or np.any(np.diff(values) <= 0):
        raise ArgumentError(f"{argument}: the values of {name!r} must rise, at least two of "
                            f"them", argument=argument)
    return str(name), values


def _curves(kind, model, names, box, row, population, seed, options):
    """The curves of one kind traced from the model at p2 = ``row``, or none and why."""
    from ..analysis.bifurcation._fold_curve import fold_curve
    from ..analysis.bifurcation._hopf_curve import hopf_curve

    trace = fold_curve if kind == "fold" else hopf_curve
    extra = {"shade": False} if kind == "fold" else {}
    start = model.with_parameters(**{names[1]: float(row)})
    try:
        result = trace(start, *names, *box, population=population, seed=seed,
                       bounds=options.get("bounds"), **extra)
    except Exception as error:  # the map stands without its curves
        return [], [], f"{kind} curves not traced: {type(error).__name__}: {error}"
    note = "" if result.success else f"{kind} curves: {result.message}"
    return list(result.curves), list(result.special_points), note
