"""Two-parameter curves of special points (folds, Hopf points): their result types, their
box, their starts and the regions they cut the box into."""

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from ..._checks import interval as check_interval
from ..._checks import parameter as check_parameter
from ..._json import jsonable
from ...results import Result
from ._continuation import BranchTracer, EquilibriumBranch, state_weights
from ._diagram import SpecialPoint
from ._engine import AugmentedProblem, near_curve
from ._equilibria import equilibria

#: Cells per side of the raster on which the curves cut the box into regions.
REGION_RESOLUTION = 240


@dataclass
class ParameterCurves(Result):
    """Curves of special points in a parameter plane (p₁, p₂).

    Attributes
    ----------
    parameters : (str, str)
    curves : list of ndarray (n, 2)
        Points (p₁, p₂) of each curve.
    states : list of dict of ndarray
        Aggregates and macro variables along each curve (and, on Hopf curves, the
        frequency ``omega``).
    special_points : list of SpecialPoint
        Codimension-two points; ``param`` is p₁ and ``data["p2"]`` is p₂.
    bounds : ((lo, hi), (lo, hi))
        The box.
    model : str
    population, seed
        The population the curves were traced for.
    options : ContinuationOptions
    messages : list of str
        How each curve ended ("" at the box).
    status, message
        -1 if a curve ended on a failure (its message says where), else 0.
    """

    parameters: tuple
    curves: list
    states: list
    special_points: list
    bounds: tuple
    model: str = ""
    population: object = None
    seed: object = None
    options: object = None
    messages: list = field(default_factory=list)
    status: int = 0
    message: str = ""

    kind = ""

    def to_dict(self):
        return jsonable({"kind": self.kind, "model": self.model,
                         "parameters": self.parameters, "bounds": self.bounds,
                         "population": str(self.population), "seed": self.seed,
                         "status": self.status, "message": self.message,
                         "curves": [{"points": c, "states": s, "message": m}
                                    for c, s, m in zip(self.curves, self.states,
                                                       self.messages)],
                         "special_points": self.special_points})

    def summary(self):
        """The curves and their special points as text (the command line prints it)."""
        from ._summaries import curve_summary

        return curve_summary(self)


@dataclass
class FoldCurve(ParameterCurves):
    """Fold curves in the (p₁, p₂) plane, with cusps ("cusp") and Bogdanov–Takens points
    ("bt"), and the regions they bound.

    Attributes
    ----------
    regions : RegionMap or None
        The box cut into regions by the curves, each with its number of equilibria
        (computed once, when the curves are traced).
    """

    regions: object = None

    kind = "fold"

    def plot(self, *, ax=None, shade=True):
        """The fold curves, with the regions between them shaded by their number of
        equilibria."""
        from ...plotting import plot_fold_curve

        return plot_fold_curve(self, ax=ax, shade=shade)


@dataclass
class HopfCurve(ParameterCurves):
    """Hopf curves in the (p₁, p₂) plane, with the Bogdanov–Takens points ("bt") where the
    frequency ω reaches 0 (``states`` holds ``omega`` along each curve)."""

    kind = "hopf"

    def plot(self, *, ax=None):
        """The Hopf curves and their Bogdanov–Takens ends."""
        from ...plotting import plot_fold_curve

        return plot_fold_curve(self, ax=ax, shade=False)


@dataclass
class RegionMap:
    """The box of a two-parameter plane cut into regions by curves, each region with its
    number of equilibria.

    Attributes
    ----------
    x, y : ndarray
        Cell centres along p₁ and p₂.
    counts : ndarray (len(y), len(x)) of int
        The number of equilibria of the region each cell belongs to (cells on a curve take
        the count of the nearest region).
    samples : list of ((p₁, p₂), count)
        Where each region was counted (its most interior cell).
    """

    x: np.ndarray
    y: np.ndarray
    counts: np.ndarray
    samples: list

    def to_dict(self):
        return {"x": self.x, "y": self.y, "counts": self.counts, "samples": self.samples}


def region_map(curves, box, count, resolution=REGION_RESOLUTION, min_cells=4):
    """Cut ``box`` into the regions the polylines ``curves`` bound and ``count(p1, p2)``
    once in each: at its most interior cell (the maximum of the distance to its edge).

    The curves are drawn into a ``resolution`` x ``resolution`` raster as barriers (sampled
    at half a cell); the free cells form 4-connected regions (which no 8-connected barrier
    lets through). Regions of fewer than ``min_cells`` cells, and the barrier cells, take the
    count of the nearest counted cell.
    """
    (a0, a1), (b0, b1) = box
    x = a0 + (np.arange(resolution) + 0.5) * (a1 - a0) / resolution
    y = b0 + (np.arange(resolution) + 0.5) * (b1 - b0) / resolution
    barrier = np.zeros((resolution, resolution), dtype=bool)
    for points in curves:
        cells = (points - [a0, b0]) / [(a1 - a0), (b1 - b0)] * resolution
        for start, end in zip(cells[:-1], cells[1:]):
            steps = int(np.ceil(2 * np.max(np.abs(end - start)))) + 1
            line = start + np.linspace(0, 1, steps)[:, None] * (end - start)
            i = np.clip(line.astype(int), 0, resolution - 1)
            barrier[i[:, 1], i[:, 0]] = True
    labels, n = ndimage.label(~barrier)
    counts = np.full(barrier.shape, -1)
    samples = []
    depth = ndimage.distance_transform_edt(labels > 0)
    for region in range(1, n + 1):
        inside = labels == region
        if inside.sum() < min_cells:
            continue
        j, i = np.unravel_index(np.argmax(np.where(inside, depth, -1)), inside.shape)
        value = count(x[i], y[j])
        counts[inside] = value
        samples.append(((float(x[i]), float(y[j])), value))
    if samples:
        _, nearest = ndimage.distance_transform_edt(counts < 0, return_indices=True)
        counts = counts[nearest[0], nearest[1]]
    return RegionMap(x=x, y=y, counts=counts, samples=samples)


def check_box(model, p1, p2, range1, range2, seed):
    """Validated parameter box of a two-parameter continuation, and a fixed seed."""
    check_parameter(model, p1, argument="p1")
    check_parameter(model, p2, argument="p2")
    if p1 == p2:
        raise ValueError(f"the two parameters must differ, got {p1!r} twice")
    box = (check_interval(range1, argument="range1"), check_interval(range2, argument="range2"))
    value = model.parameters[p2]
    if not box[1][0] <= value <= box[1][1]:
        raise ValueError(f"the curves start at the model's {p2} = {value:g}, outside its "
                         f"range {box[1]}: set {p2} inside the range")
    if seed is None:  # one population for the start and the curves
        seed = np.random.SeedSequence().entropy
    return box, seed


def starts(problem, p1, box, options, bounds):
    """The special points of the one-parameter branches in p₁ at the model's p₂: they start
    the curves (traced on the same problem, hence the same population)."""
    branch = EquilibriumBranch(problem, p1, bounds)
    tracer = BranchTracer(branch, options, box[0])
    model, s = problem.model, problem.system
    for end in box[0]:
        for eq in equilibria(model.with_parameters(**{p1: end}), bounds=bounds,
                             population=problem.population, seed=problem.seed):
            u = s.pack(np.asarray(eq.micro, float), np.array(list(eq.macro.values()), float))
            if not tracer.covered(u, end):
                tracer.trace(np.append(u, end))
    problem.set_parameter(p1, model.parameters[p1])
    return tracer.special


class CurveProblem(AugmentedProblem):
    """An augmented system for two free parameters: w = (u, further unknowns, p₁, p₂),
    on an :class:`EquilibriumProblem` whose state u comes first."""

    orient = (1, 0)  # a curve starts in the direction of p₂ (or p₁ where that is singular)

    def __init__(self, problem, names):
        self.problem, self.free = problem, tuple(names)
        self.n = state_weights(problem).size
        self._traced = []

    def at(self, w):
        """Set the parameters to w's; the state part u of w."""
        self.problem.set_parameters(dict(zip(self.free, w[w.size - 2:])))
        return w[:self.n]

    def observables(self, w):
        """Aggregates then macro state at w."""
        u = self.at(w)
        return np.concatenate([self.problem.aggregates(u), self.problem.macro(u)])

    def _key(self, w):
        return np.concatenate([w[w.size - 2:], self.problem.coupling_point(self.at(w))])

    def covered(self, w):
        """Whether w lies on a traced curve: within 1e-3 of one of its chords (the chords of
        a curve traced with steps <= ds_max deviate from it by less)."""
        x = self._key(w)
        return any(near_curve(points, x, 1e-3) for points in self._traced)

    def trace(self, walker, w):
        """The walk of the curve through w, or None if w is on a traced curve already."""
        if self.covered(w):
            return None
        walk = walker.trace(w)
        self._traced.append(np.array([self._key(pt["w"]) for pt in walk.points]))
        return walk

    def states(self, walk, extra=None):
        """Aggregates and macro variables (and the columns of ``extra(w)``) along a walk."""
        s = self.problem.system
        names = s.global_aggregates + s.macro_names
        rows = [dict(zip(names, self.observables(pt["w"])), **(extra(pt["w"]) if extra else {}))
                for pt in walk.points]
        return {name: np.array([row[name] for row in rows]) for name in rows[0]}

    def special(self, located, a, b, index):
        """The :class:`SpecialPoint` of a point located between a and b on curve ``index``."""
        s, w = self.problem.system, located.w
        state = dict(zip(s.global_aggregates + s.macro_names, self.observables(w).tolist()))
        span = (a["w"][-2], b["w"][-2], w[-2])
        return SpecialPoint(kind=located.kind, param=float(w[-2]), state=state,
                            interval=(min(span), max(span)), status=located.status,
                            branch=index, data={"p2": float(w[-1]), **located.data},
                            u=w[:self.n].copy())
