"""Where independent work runs: in this process, in a local process pool, or on any
:class:`concurrent.futures.Executor`, including a dask.distributed ``Client`` (through its
``get_executor()``) for a cluster.

The work is a *job* (one picklable callable, e.g. a model and an analysis) applied to many
*items* (grid cells, replicates, initial states). The job travels once per worker: a local
pool installs it in each worker when the worker starts, a dask client scatters it to every
worker, and any other executor carries its bytes with each chunk, unpickled once per worker
process and cached there. Items travel in chunks, so that an executor's cost per task (about
1 ms on dask) never dominates: the first chunks hold one item each and time it, later ones
hold enough items for about ``TARGET_SECONDS`` of work each (at most a share of what is
left, so that every worker stays busy to the end). At most two chunks per worker are in
flight, so a grid of 1e5 points is never 1e5 scheduler tasks at once.

Each worker process runs its BLAS and OpenMP pools on one thread (threadpoolctl): the
workers already fill the cores, and more threads per worker oversubscribe them (on two
cores, two workers with two BLAS threads each ran an equilibrium search 4x slower).

Results do not depend on where or in which order items run, as long as the job draws its
random numbers only from what its item carries (a seed per item).
"""

import concurrent.futures as cf
import hashlib
import multiprocessing
import os
import pickle
import time
from collections import deque

#: Wall time one chunk of items should take, once the time of one item is known.
TARGET_SECONDS = 0.5

#: Chunks in flight per worker.
IN_FLIGHT = 2

#: Jobs kept unpickled in a worker process (digest -> job).
_JOBS = {}
_JOBS_KEPT = 8


def cpu_count():
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def describe(executor):
    """A short text naming ``executor`` for provenance: "serial", "processes (4)", the
    executor's class, or "dask <scheduler address>"."""
    if executor in (None, "processes"):
        return f"processes ({cpu_count()})"
    if executor == "serial":
        return "serial"
    if isinstance(executor, int) and not isinstance(executor, bool):
        return "serial" if executor == 1 else f"processes ({executor})"
    if hasattr(executor, "scheduler_info"):
        return f"dask {getattr(executor.scheduler, 'address', '')}".strip()
    return type(executor).__name__


def run(job, items, executor=None, *, chunk=None):
    """Apply ``job`` to every item; yield ``(index, result)`` as results arrive.

    Parameters
    ----------
    job : callable
        ``job(item) -> result``; picklable unless the executor is serial.
    items : sequence
    executor : None, "serial", "processes", int, Executor or dask Client
        None or "processes": a local process pool with one worker per core; an int: a pool
        of that many workers (1: serial); "serial": this process, in order; a
        :class:`concurrent.futures.Executor`; a dask.distributed ``Client``.
    chunk : int, optional
        Items per chunk (default: adaptive, see the module docstring).

    Yields
    ------
    (int, object)
        The item's index and ``job(item)``, in completion order.

    Raises
    ------
    TypeError
        For an executor that is none of the above.
    ValueError
        If the job cannot be pickled for worker processes.
    """
    items = list(items)
    if chunk is not None and (not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    with _Runner(job, executor, len(items)) as runner:
        yield from _stream(runner, items, chunk)


def run_ordered(job, items, executor=None, *, chunk=None, progress=False, description=""):
    """``[job(item) for item in items]``, computed through :func:`run`, with a progress bar
    (see :func:`coupling._progress.progress`) when ``progress`` is not False."""
    from .._progress import progress as _progress

    items = list(items)
    results = [None] * len(items)
    arrivals = run(job, items, executor, chunk=chunk)
    for i, result in _progress(arrivals, total=len(items), enabled=progress,
                               description=description):
        results[i] = result
    return results


def _stream(runner, items, chunk):
    pending = deque(enumerate(items))
    in_flight = {}
    size, per_item = chunk or 1, None
    try:
        while pending or in_flight:
            while pending and len(in_flight) < IN_FLIGHT * runner.workers:
                if chunk is None and per_item is not None:
                    size = _adaptive_size(per_item, len(pending), runner.workers)
                take = [pending.popleft() for _ in range(min(size, len(pending)))]
                in_flight[runner.submit([item for _, item in take])] = [i for i, _ in take]
            done, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
            for future in done:
                indices = in_flight.pop(future)
                results, seconds = future.result()
                per_item = seconds / len(indices) if per_item is None \
                    else 0.5 * (per_item + seconds / len(indices))
                yield from zip(indices, results)
    finally:
        for future in in_flight:
            future.cancel()


def _adaptive_size(per_item, left, workers):
    """Items for about TARGET_SECONDS of work, but no more than an even share of what is
    left across the workers' chunks in flight."""
    by_time = int(TARGET_SECONDS / max(per_item, 1e-9))
    share = left // (IN_FLIGHT * workers)
    return max(1, min(by_time, share))


def _run_chunk(digest, blob, items):
    """In a worker: the job (unpickled once per process) applied to a chunk of items, and
    the wall time it took."""
    job = _JOBS.get(digest)
    if job is None:
        job = _install(digest, blob)
    start = time.perf_counter()
    results = [job(item) for item in items]
    return results, time.perf_counter() - start


def _install(digest, blob):
    if blob is None:  # pragma: no cover - a pool always installs its job at start-up
        raise RuntimeError("this worker was not given the job")
    if not _JOBS and multiprocessing.parent_process() is not None:  # a worker process
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    if len(_JOBS) >= _JOBS_KEPT:
        _JOBS.pop(next(iter(_JOBS)))
    _JOBS[digest] = job = pickle.loads(blob)
    return job


def _serial_chunk(job, items):
    start = time.perf_counter()
    results = [job(item) for item in items]
    return results, time.perf_counter() - start


def dumps(job):
    """The job's bytes for other processes: pickle, or cloudpickle (installed with dask)
    for what pickle cannot carry (local functions, lambdas)."""
    try:
        return pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        try:
            import cloudpickle
        except ImportError:
            raise ValueError(f"the work cannot be sent to worker processes ({error}); use "
                             "executor='serial', define the function at module level, or "
                             "install cloudpickle") from None
        return cloudpickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)


class _Runner:
    """Submits chunks of items to one executor, the job travelling once per worker."""

    def __init__(self, job, executor, n_items):
        self.job, self.owned, self.blob_arg = job, None, None
        if isinstance(executor, int) and not isinstance(executor, bool):
            if executor < 1:
                raise ValueError(f"executor: need at least one worker, got {executor}")
            executor = "serial" if executor == 1 else executor
        if executor == "serial" or (executor in (None, "processes") and
                                    (cpu_count() == 1 or n_items <= 1)):
            self.kind, self.workers = "serial", 1
            return
        blob = dumps(job)
        self.digest = hashlib.sha256(blob).hexdigest()
        if executor in (None, "processes") or isinstance(executor, int):
            self.workers = cpu_count() if not isinstance(executor, int) else executor
            self.workers = max(1, min(self.workers, n_items))
            self.owned = cf.ProcessPoolExecutor(self.workers, initializer=_install,
                                                initargs=(self.digest, blob))
            self.executor, self.kind = self.owned, "pool"
        elif hasattr(executor, "get_executor") and hasattr(executor, "scatter"):
            self.workers = max(1, sum(w.get("nthreads", 1) for w in
                                      executor.scheduler_info()["workers"].values()))
            self.blob_arg = executor.scatter(blob, broadcast=True, hash=False)
            self.executor, self.kind = executor.get_executor(pure=False), "dask"
        elif isinstance(executor, cf.Executor):
            self.workers = getattr(executor, "_max_workers", None) or cpu_count()
            self.blob_arg, self.executor, self.kind = blob, executor, "executor"
        else:
            raise TypeError("executor must be None, 'serial', 'processes', a number of "
                            "workers, a concurrent.futures.Executor or a dask.distributed "
                            f"Client, got {type(executor).__name__}")

    def submit(self, items):
        if self.kind == "serial":
            future = cf.Future()
            future.set_result(_serial_chunk(self.job, items))
            return future
        return self.executor.submit(_run_chunk, self.digest, self.blob_arg, items)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.owned is not None:
            self.owned.shutdown(wait=exc[0] is None, cancel_futures=True)
        return False
