"""Result objects: named arrays plus metadata, plotting, conversion and lossless save/load.

Every analysis returns a :class:`Result`: a dataclass with ``success``, ``status`` and
``message``, ``plot(ax=None)``, ``to_dict()`` in strict JSON types and a short ``summary()``.
"""

import json
from dataclasses import dataclass, field, fields

import numpy as np

from ._json import dumps, jsonable

STATUS_MESSAGES = {
    0: "The run reached the final time.",
    1: "The run stopped at an equilibrium.",
    2: "The run stopped at a terminal event.",
    -1: "The run failed.",
}


class Result:
    """The contract every analysis result follows.

    A subclass is a dataclass that

    1. has fields ``status`` (int: 0 done, > 0 done with a remark, < 0 failed) and
       ``message`` (what happened; on failure where and why), so that ``success`` holds;
    2. implements ``summary()``: a few lines of text for a person (the command line prints
       it);
    3. implements ``plot(*, ax=None, ...)`` returning the Axes (``axes=`` instead of ``ax=``
       where the figure has several panels);
    4. lists in ``_not_serialised`` the fields that ``to_dict`` leaves out (the model, large
       internal states), and implements ``to_dataframe()`` where it is tabular.

    ``to_dict()`` is then valid strict JSON (``json.dumps(..., allow_nan=False)``): arrays as
    lists, NaN and infinities as null.
    """

    _not_serialised = ()

    @property
    def success(self):
        """True unless the analysis failed (``status < 0``)."""
        return self.status >= 0

    def to_dict(self):
        """The result in plain JSON types."""
        return jsonable({f.name: getattr(self, f.name) for f in fields(self)
                         if f.name not in self._not_serialised})

    def summary(self):  # pragma: no cover - the contract
        raise NotImplementedError(f"{type(self).__name__} must implement summary()")

    def __str__(self):
        return self.summary()


@dataclass
class Trajectory(Result):
    """A simulated path of the coupled system, time-major.

    Attributes
    ----------
    t : ndarray (T,)
        Output times (macro time units; periods for discrete-time models).
    macro, aggregates, context, scheduled : ndarray (T, ·)
        Macro state, aggregates, context variables and scheduled parameters, one column per
        name in ``macro_names``, ``aggregate_names``, ``context_names``, ``scheduled_names``.
        Network-local aggregates and context variables are reported as population means.
    micro : ndarray (S, M, k) or None
        Micro snapshots at times ``micro_t``; columns ``micro_names``. For a mean-field choice
        rule they are each node's choice probabilities.
    weights : ndarray (M,)
        Unit weights (1/N, or mean-field quadrature weights).
    traits : dict of ndarray (M,)
        Trait values of the units (or nodes).
    jumps : list of dict
        Discontinuities the simulator went through: response fixed points that vanished at a
        fold, with the time and the aggregates before and after.
    events : dict
        The zero crossings of the ``events`` of :func:`simulate`: for each event name a dict
        with "t" (the crossing times) and one array per macro variable, aggregate and
        context variable at those times (``pandas.DataFrame(run.events[name])`` is a
        table of them).
    status : int
        0 reached the final time, 1 stopped at an equilibrium, 2 stopped at a terminal
        event, -1 failed (see ``message``).
    message : str
        What happened, with the time and variable on failure.
    model, parameters, population, seed, method, time : metadata
        Model name, parameter values at t = 0, "mean-field" or N, the seed entropy, the
        integration method, and "continuous" or "discrete".
    """

    t: np.ndarray
    macro: np.ndarray
    aggregates: np.ndarray
    context: np.ndarray
    macro_names: tuple
    aggregate_names: tuple
    context_names: tuple
    scheduled: np.ndarray = None
    scheduled_names: tuple = ()
    micro: np.ndarray = None
    micro_t: np.ndarray = None
    micro_names: tuple = ()
    weights: np.ndarray = None
    traits: dict = field(default_factory=dict)
    jumps: list = field(default_factory=list)
    events: dict = field(default_factory=dict)
    status: int = 0
    message: str = STATUS_MESSAGES[0]
    model: str = ""
    parameters: dict = field(default_factory=dict)
    population: object = "mean-field"
    seed: object = None
    method: str = ""
    time: str = "continuous"
    stats: dict = field(default_factory=dict)

    @property
    def names(self):
        """All observable names, in column order."""
        return (self.macro_names + self.aggregate_names + self.context_names
                + self.scheduled_names)

    def __getitem__(self, name):
        """The time series of one observable (macro, aggregate, context or scheduled)."""
        for names, values in ((self.macro_names, self.macro),
                              (self.aggregate_names, self.aggregates),
                              (self.context_names, self.context),
                              (self.scheduled_names, self.scheduled)):
            if name in names:
                return values[:, names.index(name)]
        raise KeyError(f"no observable {name!r}; this trajectory has {list(self.names)}")

    def final(self):
        """The last recorded value of every observable."""
        return {n: float(self[n][-1]) for n in self.names}

    def __repr__(self):
        return (f"Trajectory(model={self.model!r}, population={self.population}, "
                f"t=[{self.t[0]:g}, {self.t[-1]:g}] ({self.t.size} points), "
                f"status={self.status}, message={self.message!r})")

    # ---------------------------------------------------------------- views
    def summary(self):
        """The method, how the run ended, the final value of every observable and the
        number of jumps."""
        final = self.final()
        width = max(map(len, final), default=0)
        lines = [f"method      {self.method}",
                 f"status      {self.message}",
                 f"final values at t = {self.t[-1]:g}:"]
        lines += [f"  {name:<{width}}  {value:.6g}" for name, value in final.items()]
        lines.append(f"jumps       {len(self.jumps)}")
        return "\n".join(lines)

    def to_dict(self):
        """The run in strict JSON types: metadata, the times ``t``, one series per observable
        (``series``), the final values, the jumps and the events (micro snapshots and
        traits are left to :meth:`save`, which is lossless)."""
        return jsonable({"model": self.model, "population": self.population,
                         "parameters": self.parameters, "seed": self.seed,
                         "status": self.status, "message": self.message,
                         "method": self.method, "time": self.time, "t": self.t,
                         "series": {name: self[name] for name in self.names},
                         "final": self.final(), "jumps": self.jumps, "events": self.events})

    def plot(self, variables=None, *, ax=None, label=None, **kwargs):
        """Time series of ``variables`` (default: macro variables and aggregates).

        Scheduled parameter changes are marked with dashed lines, jumps with dotted ones;
        ``label`` is appended to the legend entries. Returns the matplotlib Axes.
        """
        from .plotting import plot_trajectory

        return plot_trajectory(self, variables, ax=ax, label=label, **kwargs)

    def to_dataframe(self):
        """A pandas DataFrame indexed by time with one column per observable (the events are
        in ``events``; ``pandas.DataFrame(run.events[name])`` tabulates one)."""
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_dataframe needs pandas: pip install 'coupling[frames]'") \
                from None
        data = {n: self[n] for n in self.names}
        return pd.DataFrame(data, index=pd.Index(self.t, name="t"))

    def to_xarray(self):
        """An xarray Dataset with the observables over ``t`` (and micro snapshots if any)."""
        try:
            import xarray as xr
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_xarray needs xarray: pip install 'coupling[frames]'") \
                from None
        data = {n: ("t", self[n]) for n in self.names}
        coords = {"t": self.t}
        if self.micro is not None:
            coords.update(micro_t=self.micro_t, unit=np.arange(self.micro.shape[1]),
                          state=list(self.micro_names))
            data["micro"] = (("micro_t", "unit", "state"), self.micro)
            data["weight"] = ("unit", self.weights)
        attrs = {"model": self.model, "status": self.status, "message": self.message,
                 "population": str(self.population), "method": self.method,
                 "parameters": json.dumps(self.parameters)}
        return xr.Dataset(data, coords=coords, attrs=attrs)

    # ---------------------------------------------------------------- persistence
    def save(self, path):
        """Write to an ``.npz`` file: the arrays as they are, the metadata (names,
        parameters, message, jumps, ...) as strict JSON; no pickle."""
        arrays, meta = {}, {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                arrays[f.name] = value
            elif f.name == "traits":
                for name, v in value.items():
                    arrays[f"trait:{name}"] = v
                meta["traits"] = list(value)
            elif f.name == "jumps":
                meta["jumps"] = jsonable(value)
            elif f.name == "events":
                for name, columns in value.items():
                    for column, v in columns.items():
                        arrays[f"event:{name}:{column}"] = v
                meta["events"] = {name: list(columns) for name, columns in value.items()}
            else:
                meta[f.name] = jsonable(value)
        arrays["__meta__"] = np.array(dumps(meta))
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save` (never unpickles, never executes code)."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            kwargs = {f.name: data[f.name] for f in fields(cls) if f.name in data.files}
            kwargs["traits"] = {n: data[f"trait:{n}"] for n in meta.pop("traits")}
            kwargs["events"] = {name: {c: data[f"event:{name}:{c}"] for c in columns}
                                for name, columns in meta.pop("events", {}).items()}
        for name in ("macro_names", "aggregate_names", "context_names", "scheduled_names",
                     "micro_names"):
            meta[name] = tuple(meta[name])
        for key in [k for k in kwargs if kwargs[k] is None]:
            kwargs.pop(key)
        return cls(**kwargs, **meta)
