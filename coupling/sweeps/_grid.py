"""The grid of a sweep: a cartesian product of parameter values, or an explicit list of
points, and the replicates of each cell.

Cells are numbered in C order (the last parameter varies fastest); the task of cell c and
replicate r draws from ``SeedSequence(entropy, spawn_key=(c, r))``, a stream fixed by its
place in the grid whatever runs it and in whichever order.
"""

import numpy as np

from .. import _checks
from .._errors import ArgumentError


class Grid:
    """Parameter values of every cell.

    Parameters
    ----------
    grid : mapping or sequence of mappings
        ``{name: values}`` for the cartesian product (dimensions in the mapping's order), or
        a list of points ``[{name: value, ...}, ...]`` (one dimension, ``"point"``).
    model : Model
        The model whose parameters the grid sets.

    Raises
    ------
    UnknownNameError
        (level "parameters") for a name the model does not declare, with the closest one.
    ArgumentError
        For an empty grid, values that are not finite numbers, or points that do not all set
        the same parameters.
    """

    def __init__(self, grid, model):
        if hasattr(grid, "items"):
            if not grid:
                raise ArgumentError("grid: give at least one parameter and its values",
                                    argument="grid")
            self.names = tuple(grid)
            self.values = {n: _values(n, v) for n, v in grid.items()}
            self.dims = self.names
            self.shape = tuple(v.size for v in self.values.values())
            self.coords = dict(self.values)
        else:
            points = list(grid)
            if not points or not all(hasattr(p, "items") for p in points):
                raise ArgumentError("grid: a mapping of parameter -> values, or a non-empty "
                                    "list of points (mappings of parameter -> value)",
                                    argument="grid")
            self.names = tuple(points[0])
            for i, point in enumerate(points):
                if set(point) != set(self.names):
                    raise ArgumentError(f"grid point {i} sets {sorted(point)}; point 0 sets "
                                        f"{sorted(self.names)}", argument="grid")
            self.values = {n: _values(n, [p[n] for p in points]) for n in self.names}
            self.dims = ("point",)
            self.shape = (len(points),)
            self.coords = {"point": np.arange(len(points)), **self.values}
        _checks.parameters(model, self.names, argument="grid")
        self.size = int(np.prod(self.shape))

    def point(self, cell):
        """The parameter values of cell number ``cell``."""
        if self.dims == ("point",):
            return {n: float(v[cell]) for n, v in self.values.items()}
        index = np.unravel_index(cell, self.shape)
        return {n: float(self.values[n][i]) for n, i in zip(self.names, index)}

    def to_dict(self):
        """Plain data that determines the grid (for the store's fingerprint)."""
        return {"dims": list(self.dims), "names": list(self.names),
                "values": {n: v.tolist() for n, v in self.values.items()}}


def _values(name, values):
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if array.ndim != 1 or array.size == 0 or not np.all(np.isfinite(array)):
        raise ArgumentError(f"grid values of {name!r} must be a non-empty 1-d sequence of "
                            f"finite numbers, got {values!r}", argument="grid")
    return array


def seed_of(entropy, cell, replicate):
    """The stream of one task: ``SeedSequence(entropy, spawn_key=(cell, replicate))``."""
    return np.random.SeedSequence(entropy, spawn_key=(int(cell), int(replicate)))
