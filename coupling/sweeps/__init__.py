"""Many runs of one analysis: parameter grids, replicate ensembles and regime maps, on this
machine's cores or a dask cluster, every finished task kept in a store."""

from ._executors import cpu_count, run, run_ordered
from ._regime_map import RegimeMap, regime_map
from ._result import Sweep
from ._sweep import sweep

__all__ = ["RegimeMap", "Sweep", "cpu_count", "regime_map", "run", "run_ordered", "sweep"]
