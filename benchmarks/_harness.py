"""What the benchmark scripts share: one BLAS/OpenMP thread, best-of timing, the revision.

Import this module before numpy: it pins the thread pools so that numbers are
single-threaded and comparable between implementations and machines.
"""

import gc
import json
import math
import os
import platform
import subprocess
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"


def best_time(fn, repeats):
    """Minimum wall time over ``repeats`` calls, and the last result."""
    best, result = math.inf, None
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def coupling_revision():
    """Short git commit of the coupling checkout ('+dirty' with local changes), or '?'.

    The library changes quickly; the commit tells which code the numbers belong to."""
    import coupling

    root = os.path.dirname(os.path.dirname(os.path.abspath(coupling.__file__)))
    try:
        def git(*command):
            return subprocess.run(["git", "-C", root, *command], check=False,
                                  capture_output=True, text=True, timeout=10).stdout.strip()
        revision = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--", "coupling")
    except (OSError, subprocess.SubprocessError):
        return "?"
    return revision + ("+dirty" if dirty else "") if revision else "?"


def write_json(path, payload):
    """Write benchmark results with the environment they were measured in."""
    import numpy

    payload = {**payload, "python": platform.python_version(), "numpy": numpy.__version__,
               "platform": platform.platform(), "cpu_count": os.cpu_count(), "threads": 1}
    with open(path, "w") as f:
        json.dump(payload, f, indent=2)
    print(f"\nwrote {path}")
