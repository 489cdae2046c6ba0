"""The result of a sweep: each output as an array over the grid's dimensions and the
replicate, with coordinates, the status of every task and the sweep's provenance."""

from dataclasses import dataclass

import numpy as np

from ..results import Result

#: Output arrays hold NaN where a task failed or did not record the output.
MISSING = np.nan


@dataclass
class Sweep(Result):
    """Outputs of one analysis over a grid of parameter values and replicates.

    Attributes
    ----------
    task : str
        The analysis (or the user function's name).
    dims : tuple of str
        The grid's dimensions (its parameters, or ``"point"`` for a list of points), then
        ``"replicate"``.
    coords : dict
        Values along each dimension; for a list of points also each parameter's value per
        point.
    outputs : dict
        Output name -> float array of shape ``shape + output shape`` (NaN where the task
        failed). ``sweep[name]`` is ``outputs[name]``.
    task_status : ndarray of int, shape ``shape``
        Each task's status (0 done, > 0 done with a remark, < 0 failed; -2: it raised).
    task_message : ndarray of str, shape ``shape``
    seconds : ndarray, shape ``shape``
        Each task's wall time.
    failures : list of dict
        The failed tasks: their cell index, parameters, replicate, status and message.
    provenance : dict
        Package version, model declaration (text), parameters, task options, seed entropy,
        executor, wall time and how many tasks a store already held.
    """

    task: str
    dims: tuple
    coords: dict
    outputs: dict
    task_status: np.ndarray
    task_message: np.ndarray
    seconds: np.ndarray
    failures: list
    provenance: dict
    status: int = 0
    message: str = ""
    _not_serialised = ("task_message",)

    @property
    def names(self):
        """The outputs' names."""
        return tuple(self.outputs)

    @classmethod
    def assemble(cls, task, grid, replicates, records, provenance):
        """Stack the per-task records ``{(cell, replicate): (status, message, outputs,
        seconds)}`` over the grid."""
        shape = grid.shape + (replicates,)
        status = np.zeros(shape, dtype=int)
        messages = np.full(shape, "", dtype=object)
        seconds = np.zeros(shape)
        templates = {}
        for key in sorted(records):
            for name, value in records[key][2].items():
                templates.setdefault(name, np.shape(value))
        outputs = {n: np.full(shape + s, MISSING) for n, s in templates.items()}
        failures = []
        for (cell, replicate), (code, message, values, took) in sorted(records.items()):
            index = np.unravel_index(cell, grid.shape) + (replicate,)
            for name, value in values.items():
                if np.shape(value) != templates[name]:
                    code = min(code, -1)
                    message = (f"output {name!r} has shape {np.shape(value)}, other cells "
                               f"{templates[name]}; {message}").rstrip("; ")
                    continue
                outputs[name][index] = value
            status[index], messages[index], seconds[index] = code, message, took
            if code < 0:
                failures.append({"index": [int(i) for i in index[:-1]],
                                 "parameters": grid.point(cell), "replicate": int(replicate),
                                 "status": int(code), "message": message})
        total = status.size
        overall, text = 0, f"{total} tasks done"
        if failures:
            overall = -1 if len(failures) == total else 1
            text = f"{len(failures)} of {total} tasks failed (see failures)"
        coords = {**grid.coords, "replicate": np.arange(replicates)}
        return cls(task=task, dims=(*grid.dims, "replicate"), coords=coords, outputs=outputs,
                   task_status=status, task_message=messages, seconds=seconds,
                   failures=failures, provenance=provenance, status=overall, message=text)

    def __getitem__(self, name):
        try:
            return self.outputs[name]
        except KeyError:
            raise KeyError(f"{name!r} is not an output of this sweep; its outputs are "
                           f"{list(self.outputs)}") from None

    @property
    def shape(self):
        """The grid's shape and the number of replicates."""
        return self.task_status.shape

    def mean(self, name):
        """The mean of output ``name`` over the replicates (NaN-ignoring; NaN where every
        replicate of a cell failed)."""
        values = self[name]
        ok = np.isfinite(values)
        counts = ok.sum(axis=len(self.dims) - 1)
        totals = np.where(ok, values, 0.0).sum(axis=len(self.dims) - 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)

    def to_xarray(self):
        """An xarray Dataset: one variable per output over ``dims`` (plus ``<name>_dim<k>``
        for the axes of array outputs), ``status`` and ``seconds``; the provenance in its
        attributes. An output named like a dimension is renamed ``<name>_out``."""
        try:
            import xarray as xr
        except ImportError:
            raise ImportError("to_xarray needs xarray: pip install 'coupling[frames]'") \
                from None
        variables = {}
        for name, values in self.outputs.items():
            extra = tuple(f"{name}_dim{k}" for k in range(values.ndim - len(self.dims)))
            key = f"{name}_out" if name in self.coords else name
            variables[key] = (self.dims + extra, values)
        variables["status"] = (self.dims, self.task_status)
        variables["seconds"] = (self.dims, self.seconds)
        coords = {d: self.coords[d] for d in self.dims}
        if self.dims[0] == "point":
            coords.update({n: ("point", v) for n, v in self.coords.items() if n != "point"})
        attrs = {k: v if isinstance(v, (str, int, float)) else repr(v)
                 for k, v in self.provenance.items()}
        return xr.Dataset(variables, coords=coords, attrs=attrs)

    def to_dataframe(self):
        """The tidy form: one row per task, with its parameters, replicate, status, message,
        seconds and scalar outputs (array outputs as columns ``name[i]``)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("to_dataframe needs pandas: pip install 'coupling[frames]'") \
                from None
        grid_dims = self.dims[:-1]
        rows = {}
        index = np.indices(self.shape).reshape(len(self.shape), -1)
        if grid_dims == ("point",):
            rows["point"] = index[0]
            for name, values in self.coords.items():
                if name not in ("point", "replicate"):
                    rows[name] = np.asarray(values)[index[0]]
        else:
            for axis, name in enumerate(grid_dims):
                rows[name] = np.asarray(self.coords[name])[index[axis]]
        rows["replicate"] = index[-1]
        rows["status"] = self.task_status.ravel()
        rows["message"] = self.task_message.ravel()
        rows["seconds"] = self.seconds.ravel()
        for name, values in self.outputs.items():
            flat = values.reshape(self.task_status.size, -1)
            if values.ndim == len(self.dims):
                rows[name] = flat[:, 0]
            else:
                rows.update({f"{name}[{k}]": flat[:, k] for k in range(flat.shape[1])})
        return pd.DataFrame(rows)

    def summary(self):
        grid = " x ".join(f"{d} ({len(self.coords[d])})" for d in self.dims)
        lines = [f"sweep of {self.task} on {self.provenance.get('model')}: {grid}",
                 f"  {self.message}; {self.provenance.get('seconds', 0):.3g} s on "
                 f"{self.provenance.get('executor')}"
                 + (f" ({self.provenance['resumed']} tasks from the store)"
                    if self.provenance.get("resumed") else "")]
        for name, values in self.outputs.items():
            finite = values[np.isfinite(values)]
            span = f"{finite.min():.4g} .. {finite.max():.4g}" if finite.size else "no values"
            lines.append(f"  {name}: {span}")
        for failure in self.failures[:10]:
            where = ", ".join(f"{k} = {v:g}" for k, v in failure["parameters"].items())
            lines.append(f"  failed at {where}, replicate {failure['replicate']}: "
                         f"{failure['message']}")
        if len(self.failures) > 10:
            lines.append(f"  ... and {len(self.failures) - 10} more failures")
        return "\n".join(lines)

    def plot(self, name=None, *, ax=None):
        """Output ``name`` (default: the first) averaged over the replicates: a line with
        each replicate's points over a one-parameter grid, a colour map over two."""
        from ..plotting._sweeps import plot_sweep

        return plot_sweep(self, name, ax=ax)
