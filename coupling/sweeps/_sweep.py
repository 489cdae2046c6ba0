"""``cp.sweep``: one analysis over a grid of parameter values and replicates, on any
executor, every finished task kept in a store as it arrives."""

import hashlib
import inspect
import json
import time
from dataclasses import fields, is_dataclass

import numpy as np

from .. import __version__
from .._errors import ArgumentError, DeclarationError
from .._progress import progress as _progress
from . import _executors
from ._grid import Grid, seed_of
from ._result import Sweep
from ._store import Store, digest
from ._tasks import TASKS, Job, check_task


def sweep(task, model, *, grid, replicates=1, seed=None, executor=None, store=None,
          progress=None, chunk=None, **options):
    """Run ``task`` on ``model`` in every cell of ``grid``, ``replicates`` times each.

    Task (cell c, replicate r) draws its random numbers from
    ``SeedSequence(seed, spawn_key=(c, r))`` alone, so the result is bit-identical whether
    it ran serially, in a process pool or on a cluster, in any order, in one go or resumed.

    Parameters
    ----------
    task : str or callable
        ``"simulate"``, ``"equilibria"``, ``"hysteresis"``, ``"attractors"``,
        ``"regime_break"`` (what each records: :mod:`coupling.sweeps._tasks`), or
        ``f(model, params, rng)`` returning a number, an array or a mapping of them.
    model : Model
    grid : mapping or sequence of mappings
        ``{parameter: values}`` (the cartesian product; C order, the last parameter
        fastest) or a list of points ``[{parameter: value, ...}, ...]``.
    replicates : int
        Runs per cell, each on its own stream.
    seed : int, SeedSequence or None
        The root of every stream (None: fresh entropy, or the entropy a resumed store was
        started with).
    executor : None, "serial", "processes", int, concurrent.futures.Executor or dask Client
        Where the tasks run (default: a process pool over all cores; see
        :func:`coupling.sweeps._executors.run`).
    store : path, optional
        An SQLite file; each finished task is written to it in one transaction, and a rerun
        with the same store skips the tasks it holds.
    progress : bool or None
        A progress bar with the time remaining (None: only on a terminal).
    chunk : int, optional
        Tasks per executor call (default: adaptive, about 0.5 s of work each).
    **options
        Keyword arguments of the task (e.g. ``param=``, ``interval=`` for hysteresis,
        ``t_end=`` for simulate).

    Returns
    -------
    Sweep

    Raises
    ------
    ArgumentError
        For an unknown task or task options, a bad grid, replicates or seed, or a store
        holding another sweep.
    UnknownNameError
        For a grid parameter the model does not declare.

    Examples
    --------
    >>> import coupling as cp
    >>> model = cp.load("social-choice", sigma=0.0)
    >>> s = cp.sweep("equilibria", model, grid={"J": [0.5, 2.0]}, executor="serial")
    >>> s["stable"][:, 0].tolist()
    [1.0, 2.0]
    """
    start = time.perf_counter()
    function = check_task(task)
    name = task if isinstance(task, str) else getattr(task, "__qualname__", repr(task))
    if isinstance(task, str):
        _check_options(task, function, options)
    cells = Grid(grid, model)
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) \
            or replicates < 1:
        raise ArgumentError(f"replicates must be a positive integer, got {replicates!r}",
                            argument="replicates")
    replicates = int(replicates)
    entropy = _entropy(seed, store)
    declaration = declaration_text(model)
    settings = {"task": name if isinstance(task, str) else _canonical(task),
                "options": _canonical(options), "grid": cells.to_dict(),
                "replicates": replicates, "seed": entropy}
    fingerprint = {"model": digest(declaration), "version": __version__,
                   "settings": digest(json.dumps(settings, sort_keys=True))}
    provenance = {"version": __version__, "model": model.name, "declaration": declaration,
                  "parameters": dict(model.parameters), "task": name,
                  "options": _canonical(options), "seed": entropy,
                  "executor": _executors.describe(executor)}
    kept = Store(store, fingerprint, provenance) if store is not None else None
    try:
        records = kept.finished() if kept is not None else {}
        todo = [(c, r, cells.point(c), seed_of(entropy, c, r))
                for c in range(cells.size) for r in range(replicates) if (c, r) not in records]
        job = Job(model, task, options)
        arrivals = _executors.run(job, todo, executor, chunk=chunk)
        for i, record in _progress(arrivals, total=len(todo), enabled=progress,
                                   description=f"sweep {name}"):
            cell, replicate = todo[i][:2]
            if kept is not None:
                kept.add(cell, replicate, record)
            records[(cell, replicate)] = record
    finally:
        if kept is not None:
            kept.close()
    provenance["seconds"] = time.perf_counter() - start
    provenance["resumed"] = cells.size * replicates - len(todo)
    return Sweep.assemble(name, cells, replicates, records, provenance)


def _check_options(task, function, options):
    """Bind the options to the task's signature now, not in every cell."""
    try:
        inspect.signature(function).bind(None, None, **options)
    except TypeError as error:
        keywords = [p.name for p in inspect.signature(function).parameters.values()
                    if p.kind is p.KEYWORD_ONLY]
        raise ArgumentError(f"task {task!r}: {error} (its own options are {keywords}; the "
                            "rest go to the analysis)", argument="options") from None


def _entropy(seed, store):
    if seed is None:
        held = Store.seed_entropy(store) if store is not None else None
        return held if held is not None else int(np.random.SeedSequence().entropy)
    if isinstance(seed, np.random.SeedSequence):
        if seed.spawn_key:
            raise ArgumentError("seed: give a root SeedSequence (no spawn key) or an int",
                                argument="seed")
        return int(seed.entropy)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"seed must be a non-negative int, a SeedSequence or None, got "
                            f"{seed!r}", argument="seed")
    return int(seed)


def declaration_text(model):
    """The model's declaration as text: its model file (JSON), or, for what a model file
    cannot hold (networks, Python callables), a canonical rendering with arrays and code
    replaced by their hashes."""
    from ..model._files import to_dict

    try:
        data = to_dict(model)
    except DeclarationError:
        data = _canonical(model)
    return json.dumps(data, sort_keys=True, default=str)


def _canonical(value):
    """Plain data determined by ``value``: dataclasses by their fields, arrays and sparse
    matrices by their SHA-256, functions by their qualified name and a hash of their
    source (not their module: a script's ``__main__`` is the same code imported)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {"type": type(value).__name__,
                **{f.name: _canonical(getattr(value, f.name)) for f in fields(value)}}
    if hasattr(value, "items"):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return {"array": _hash(np.ascontiguousarray(value)), "shape": list(value.shape)}
    if hasattr(value, "tocsr"):
        m = value.tocsr()
        return {"sparse": _hash(m.data, m.indices, m.indptr), "shape": list(m.shape)}
    if callable(value):
        try:
            source = inspect.getsource(value)
        except (OSError, TypeError):
            source = repr(getattr(value, "__code__", value))
        return {"function": getattr(value, "__qualname__", type(value).__name__),
                "source": hashlib.sha256(source.encode()).hexdigest()}
    return str(value)


def _hash(*arrays):
    h = hashlib.sha256()
    for a in arrays:
        h.update(str(a.dtype).encode() + np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


__all__ = ["TASKS", "sweep"]
