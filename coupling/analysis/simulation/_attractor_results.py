"""The results of ``cp.attractors``: each attractor, and all of them with their basins."""

from dataclasses import dataclass, field

import numpy as np

from ..._json import jsonable
from ..._text import counted, number_widths, optional, row
from ...results import Result


@dataclass
class Attractor:
    """One attractor (or metastable state) at one parameter value.

    Attributes
    ----------
    id : int
        Its track: the same id at consecutive parameter values is the same attractor.
    kind : str
        "fixed point", "cycle", "metastable" or "irregular".
    state : dict
        Observable -> value: the fixed point, the time mean over one period of a cycle, or
        the mean over the end-of-run points in a metastable state's core.
    fraction, ci : float, (float, float)
        Basin fraction (share of fresh samples ending here) and its Wilson interval. For a
        metastable state between which runs switch, the share of runs in it at t_end.
    count : int
        Fresh samples ending here (0: found only from a seed of the previous value).
    value : float or None
        The parameter value (None without a parameter range).
    period : float or None
        Period of a cycle.
    extent : dict or None
        Observable -> (min, max) over a period of a cycle.
    residence_time : float or None
        Mean residence time of a metastable state (None when nothing left it).
    transitions : int or None
        Exits from a metastable state counted along all trajectories.
    occupancy : float or None
        Share of the labelled time spent in a metastable state.
    trajectory : Trajectory
        A representative run ending here (not in ``to_dict``).
    """

    id: int
    kind: str
    state: dict
    fraction: float
    ci: tuple
    count: int
    value: float = None
    period: float = None
    extent: dict = None
    residence_time: float = None
    transitions: int = None
    occupancy: float = None
    trajectory: object = field(default=None, repr=False)
    features: np.ndarray = field(default=None, repr=False)

    def __getitem__(self, name):
        return self.state[name]

    def __repr__(self):
        state = ", ".join(f"{n}={v:.6g}" for n, v in self.state.items())
        extra = ""
        if self.period is not None:
            extra += f", period={self.period:.6g}"
        if self.kind == "metastable":
            extra += f", residence={self.residence_text()}"
        at = "" if self.value is None else f" at {self.value:g}"
        return (f"Attractor(#{self.id} {self.kind}{at}: {state}{extra}, fraction="
                f"{self.fraction:.3f} [{self.ci[0]:.3f}, {self.ci[1]:.3f}])")

    def residence_text(self):
        """The mean residence time of a metastable state ("none seen" when no run left it;
        "-" for other kinds)."""
        if self.kind != "metastable":
            return "-"
        return "none seen" if self.residence_time is None else f"{self.residence_time:.6g}"

    def to_dict(self):
        """Strict JSON types, without the representative trajectory."""
        return jsonable({"id": self.id, "kind": self.kind, "value": self.value,
                         "state": self.state, "fraction": self.fraction, "ci": self.ci,
                         "count": self.count, "period": self.period, "extent": self.extent,
                         "residence_time": self.residence_time,
                         "transitions": self.transitions, "occupancy": self.occupancy})


@dataclass
class Attractors(Result):
    """The attractors of a model (over a parameter range), with basin fractions.

    Attributes
    ----------
    found : list of list of Attractor
        The attractors at each parameter value (one entry without a range).
    param : str or None
        The parameter varied; ``values`` its values (None without a range).
    labels : ndarray (P, samples)
        The attractor id each fresh sample ends in at each value (-1: the run failed).
    initial : dict of ndarray (samples,)
        The sampled initial conditions: macro variables, unit-state levels, choice shares
        ``"share(s=1)"``.
    events : list of dict
        ``{"event": "birth" | "death", "id", "between": (v0, v1)}``: an attractor first
        found at v1 (absent at v0), or last found at v0.
    failed : ndarray (P,) of int
        Fresh runs that failed at each value (left out of the fractions).
    irregular : int
        Fresh runs that settled neither at a fixed point nor on a cycle.
    status, message : int, str
        0 done; 1 done, but runs failed or ended irregular (see ``message``); -1 every run
        failed.
    """

    _not_serialised = ("found",)

    model: str
    found: list
    labels: np.ndarray
    initial: dict
    observables: tuple
    samples: int
    confidence: float
    population: object
    seed: object
    t_end: float
    param: str = None
    values: np.ndarray = None
    events: list = field(default_factory=list)
    failed: np.ndarray = None
    irregular: int = 0
    status: int = 0
    message: str = ""

    # ------------------------------------------------------------------ access
    @property
    def attractors(self):
        """The attractors: of the single value, or of every value in turn."""
        return [a for found in self.found for a in found]

    @property
    def ids(self):
        """Track ids in order of first appearance."""
        return list(dict.fromkeys(a.id for a in self.attractors))

    def __len__(self):
        return len(self.ids)

    def __iter__(self):
        return iter(self.attractors)

    def __getitem__(self, i):
        return self.attractors[i]

    def at(self, value):
        """The attractors at the parameter value nearest ``value``."""
        if self.values is None:
            return list(self.found[0])
        return list(self.found[int(np.argmin(np.abs(self.values - value)))])

    def track(self, id):
        """The attractor ``id`` at every value where it exists."""
        return [a for a in self.attractors if a.id == id]

    @property
    def births(self):
        return [e for e in self.events if e["event"] == "birth"]

    @property
    def deaths(self):
        return [e for e in self.events if e["event"] == "death"]

    def fractions(self):
        """``(ids, F, lo, hi)``: basin fractions and CI bounds, arrays (P, A); NaN where an
        attractor does not exist."""
        ids = self.ids
        shape = (len(self.found), len(ids))
        F, lo, hi = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
        for p, found in enumerate(self.found):
            for a in found:
                j = ids.index(a.id)
                F[p, j], (lo[p, j], hi[p, j]) = a.fraction, a.ci
        return ids, F, lo, hi

    # ------------------------------------------------------------------ conversions
    def to_dict(self):
        """Strict JSON types: the fields, with ``"attractors"`` the flat list of every
        attractor at every value (without their trajectories)."""
        return {**super().to_dict(), "attractors": [a.to_dict() for a in self.attractors]}

    def to_dataframe(self):
        """One row per attractor (and parameter value)."""
        import pandas as pd

        rows = []
        for a in self.attractors:
            record = {} if self.param is None else {self.param: a.value}
            record.update(id=a.id, kind=a.kind, fraction=a.fraction, ci_low=a.ci[0],
                          ci_high=a.ci[1], count=a.count, period=a.period,
                          residence_time=a.residence_time)
            record.update(a.state)
            rows.append(record)
        return pd.DataFrame(rows)

    def plot(self, *, ax=None):
        """Basin fractions: a bar chart with CI error bars for one value, else each
        attractor's fraction against the parameter with its CI band; births and deaths are
        marked by dotted lines. Returns the Axes."""
        from ...plotting._simulation import plot_attractors

        return plot_attractors(self, ax=ax)

    # ------------------------------------------------------------------ text
    def summary(self):
        """What was sampled, one row per attractor (per parameter value), then the births
        and deaths over a range."""
        p = self.param
        lines = [f"sampled     {counted(self.samples, 'initial condition', 'initial conditions')}"
                 f"{' per value' if p else ''}, each run to t = {self.t_end:g}"]
        if p is not None:
            lines.append(f"tracked     {p} from {self.values[0]:g} to {self.values[-1]:g} at "
                         f"{self.values.size} values")
        failed = int(np.sum(self.failed))
        if failed:
            lines.append(f"failed      {counted(failed, 'run', 'runs')}, left out of the "
                         f"fractions")
        heading = counted(len(self), "attractor", "attractors")
        if not self.attractors:
            return "\n".join([*lines, heading])
        lines.append(f"{heading}:")
        observable = self.observables[0]
        headings = ("#", *([p] if p else []), "kind", observable, "fraction",
                    f"{self.confidence:.0%} CI", "period", "residence time")
        widths = (3, *number_widths([p] if p else []), 13, *number_widths([observable]), 10,
                  16, *number_widths(headings[-2:]))
        lines.append(row(headings, widths))
        for a in self.attractors:
            lines.append(row((a.id, *([f"{a.value:.6g}"] if p else []), a.kind,
                              f"{a.state[observable]:.6g}", f"{a.fraction:.3f}",
                              "[{:.3f}, {:.3f}]".format(*a.ci), optional(a.period),
                              a.residence_text()), widths))
        if p is None:
            return "\n".join(lines)
        births = len(self.births)
        heading = (f"{counted(births, 'birth', 'births')}, "
                   f"{counted(len(self.events) - births, 'death', 'deaths')}")
        if not self.events:
            return "\n".join([*lines, heading])
        widths = (8, 3, *number_widths([f"{p} from", f"{p} to"]))
        lines += [f"{heading}:", row(("event", "#", f"{p} from", f"{p} to"), widths)]
        for e in self.events:
            lines.append(row((e["event"], e["id"], *(f"{v:.6g}" for v in e["between"])),
                             widths))
        return "\n".join(lines)

    def __repr__(self):
        where = ("" if self.param is None else
                 f" at {self.values.size} values of {self.param} in "
                 f"[{self.values.min():g}, {self.values.max():g}]")
        return (f"Attractors(model={self.model!r}, population={self.population}, "
                f"{self.samples} samples{where}, {counted(len(self), 'attractor', 'attractors')}"
                f", {counted(len(self.events), 'event', 'events')}, status={self.status})")
