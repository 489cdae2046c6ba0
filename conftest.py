"""Test-session settings, loaded before any test module imports numpy.

The tests solve many tiny dense systems (a few rows): a multithreaded BLAS only adds
synchronisation to them, and several test processes on a small machine would contend for
the same cores. One BLAS thread per process (unless the environment says otherwise).
"""

import os

for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(variable, "1")
