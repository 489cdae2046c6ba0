"""``BifurcationDiagram``: continued branches and their special points."""

from dataclasses import dataclass, field

import numpy as np

from ..._checks import suggest
from ..._errors import UnknownNameError
from ..._json import jsonable
from ...results import Result


@dataclass
class SpecialPoint:
    """A bifurcation located on a branch.

    Attributes
    ----------
    kind : str
        "fold", "hopf", "branch"; for response rules also "singular-hopf" (the equilibrium
        crosses a fold of the critical manifold: the ε → 0 limit of a Hopf point); for maps
        "flip" and "neimark-sacker"; on fold curves "cusp" and "bt". "missed": the unstable
        count changes between two branch points (by ``data["change"]``) and no refinement
        of the segment located what changes it; ``interval`` brackets it.
    param : float
        Parameter value.
    state : dict
        Macro variables and aggregates there.
    interval : tuple of float
        Parameter values of the two branch points that bracketed it.
    status : str
        "converged" (located by Newton on its augmented system, or by a converged root of
        its test function along the branch) or "guess" (bracketed only).
    branch : int
        Index of the branch it lies on.
    data : dict
        Extra information: the Hopf frequency ``omega`` and first Lyapunov coefficient
        ``l1`` (negative: supercritical), ``multiplicity`` of pairs crossing together.
    u : ndarray
        The full flat micro-macro state there (to start further analyses from).
    """

    kind: str
    param: float
    state: dict
    interval: tuple
    status: str
    branch: int
    data: dict = field(default_factory=dict)
    u: np.ndarray = field(default=None, repr=False)

    def to_dict(self):
        return {"kind": self.kind, "param": self.param, "state": self.state,
                "interval": list(self.interval), "status": self.status,
                "branch": self.branch, "data": self.data}


@dataclass
class Branch:
    """One continued branch, stored column by column.

    ``param`` (n,), ``macro`` (n, m), ``aggregates`` (n, a), ``stable`` (n,),
    ``n_unstable`` (n,), ``eigenvalues`` (n, e) leading eigenvalues (largest real part first;
    for maps the multipliers, largest modulus first),
    ``message`` how the continuation ended, ``status`` -1 if it ended on a failure.
    """

    param: np.ndarray
    macro: np.ndarray
    aggregates: np.ndarray
    stable: np.ndarray
    n_unstable: np.ndarray
    eigenvalues: np.ndarray
    message: str = ""
    status: int = 0

    def __len__(self):
        return self.param.size


@dataclass
class BifurcationDiagram(Result):
    """Branches of equilibria against one parameter, with their special points.

    Attributes
    ----------
    parameter : str
    branches : list of Branch
    special_points : list of SpecialPoint
    macro_names, aggregate_names : tuple of str
    model : str
    interval : (float, float)
        The parameter range continued.
    options : ContinuationOptions
        The walker's options.
    status, message
        0 when every branch reached the interval's ends or a natural end; -1 when one
        ended on a failure (its message says where).
    """

    parameter: str
    branches: list
    special_points: list
    macro_names: tuple
    aggregate_names: tuple
    model: str = ""
    interval: tuple = None
    options: object = None
    status: int = 0
    message: str = ""

    def observable(self, branch, name):
        """The column ``name`` of a branch."""
        if name in self.aggregate_names:
            return branch.aggregates[:, self.aggregate_names.index(name)]
        if name in self.macro_names:
            return branch.macro[:, self.macro_names.index(name)]
        names = self.aggregate_names + self.macro_names
        raise UnknownNameError(f"no observable {name!r}; the diagram has {list(names)}"
                               f"{suggest(name, names)}", symbol=str(name), level="observables")

    def folds(self):
        return [p for p in self.special_points if p.kind == "fold"]

    def points(self, kind):
        """The special points of one kind ("fold", "hopf", "branch", ...)."""
        return [p for p in self.special_points if p.kind == kind]

    def to_dict(self):
        names = self.aggregate_names + self.macro_names
        branches = [{"message": b.message, "status": b.status, self.parameter: b.param,
                     **{n: self.observable(b, n) for n in names}, "stable": b.stable,
                     "n_unstable": b.n_unstable, "eigenvalues": b.eigenvalues}
                    for b in self.branches]
        return jsonable({"model": self.model, "parameter": self.parameter,
                         "interval": self.interval, "status": self.status,
                         "message": self.message, "branches": branches,
                         "special_points": self.special_points})

    def summary(self, observable=None):
        """Branches and special points as text (the command line prints it)."""
        from ._summaries import diagram_summary

        return diagram_summary(self, observable)

    def to_dataframe(self):
        """One row per branch point: branch, parameter, observables, stability."""
        import pandas as pd

        frames = []
        for i, b in enumerate(self.branches):
            data = {"branch": i, self.parameter: b.param, "stable": b.stable,
                    "n_unstable": b.n_unstable}
            data.update({n: b.macro[:, j] for j, n in enumerate(self.macro_names)})
            data.update({n: b.aggregates[:, j] for j, n in enumerate(self.aggregate_names)})
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True)

    def plot(self, observable=None, *, ax=None):
        """Bifurcation diagram: stable solid, unstable dashed, special points labelled."""
        from ... import plotting

        return plotting.plot_diagram(self, observable, ax=ax)

    def __repr__(self):
        kinds = {}
        for p in self.special_points:
            kinds[p.kind] = kinds.get(p.kind, 0) + 1
        return (f"BifurcationDiagram({self.model!r}, parameter={self.parameter!r}, "
                f"branches={len(self.branches)}, special_points={kinds})")
