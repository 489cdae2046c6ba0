"""What a sweep runs in each cell: an analysis reduced to named numbers.

Every task is ``task(model, seed, **options) -> {name: number or array}``, the model
carrying the cell's parameter values and ``seed`` the cell's and replicate's
:class:`numpy.random.SeedSequence`. The built-in tasks and what they record:

* ``"simulate"`` (:func:`~coupling.simulate`): each of ``outputs`` (default: the macro
  variables and aggregates) at the end of the run, or over ``t_eval`` when it is given;
* ``"equilibria"`` (:func:`~coupling.equilibria`): ``equilibria``, ``stable`` and
  ``unstable`` (counts; unstable: an eigenvalue with real part above 1e-9 of its size),
  ``oscillatory`` (unstable equilibria with an unstable complex pair, the sign of a Hopf
  point passed), and ``<name>_low`` / ``<name>_high``, the least and greatest value of each
  aggregate and macro variable over the stable equilibria;
* ``"hysteresis"`` (:func:`~coupling.hysteresis`), one run per replicate: ``width``,
  ``area``, ``jumps``, ``up`` and ``down`` (the first up- and down-jump's parameter value)
  and ``hysteresis`` (1 for a loop);
* ``"attractors"`` (:func:`~coupling.attractors`): ``attractors``, ``cycles`` and
  ``fractions``, the basin fractions from the largest down (``slots`` of them, default 4);
* ``"regime_break"`` (:func:`~coupling.regime_break`): ``broke``, ``ratio``,
  ``rmse_reduced``, ``rmse_structural`` and each test's p-value, ``<test>_p``.

A user task is any callable ``f(model, params, rng)`` returning a number, an array or a
mapping of them (a bare value is recorded as ``value``); ``rng`` is a
:class:`numpy.random.Generator` on the task's stream.
"""

import time

import numpy as np

from .._errors import ArgumentError

#: A task's status when it raised.
RAISED = -2


def simulate_task(model, seed, *, outputs=None, t_end=None, t_eval=None, **options):
    from ..dynamics._simulate import simulate

    run = simulate(model, t_end, seed=seed, t_eval=t_eval, **options)
    names = outputs or run.macro_names + run.aggregate_names
    if t_eval is None:
        values = {n: run[n][-1] for n in names}
    else:
        values = {n: run[n] for n in names}
    return values, run.status, run.message


def equilibria_task(model, seed, **options):
    from ..analysis.bifurcation._equilibria import equilibria

    found = equilibria(model, seed=seed, **options)
    stable = [e for e in found if e.stable]
    values = {"equilibria": len(found), "stable": len(stable),
              "unstable": sum(_unstable(e.eigenvalues, complex_pair=False) for e in found),
              "oscillatory": sum(_unstable(e.eigenvalues, complex_pair=True) for e in found)}
    for name in [*model.aggregates, *model.macro]:
        levels = [({**e.aggregates, **e.macro})[name] for e in stable]
        values[f"{name}_low"] = min(levels, default=np.nan)
        values[f"{name}_high"] = max(levels, default=np.nan)
    return values, found.status, found.message


def _unstable(eigenvalues, complex_pair):
    """An eigenvalue (a complex one, with ``complex_pair``) with real part clearly > 0."""
    ev = np.asarray(eigenvalues)
    size = 1e-9 * np.maximum(1, np.abs(ev))
    growing = ev.real > size
    if complex_pair:
        growing &= np.abs(ev.imag) > size
    return bool(np.any(growing))


def hysteresis_task(model, seed, *, param, interval, **options):
    from ..analysis.simulation._hysteresis import hysteresis

    loop = hysteresis(model, param, interval, seed=seed, progress=False, replicates=1,
                      **options)  # the sweep's replicates are the ensemble
    ups = [j["param"] for j in loop.jumps if j["direction"] == "up"]
    downs = [j["param"] for j in loop.jumps if j["direction"] == "down"]
    values = {"width": loop.width, "area": loop.area, "jumps": len(loop.jumps),
              "up": ups[0] if ups else np.nan, "down": downs[0] if downs else np.nan,
              "hysteresis": float(loop.width > 0)}
    return values, loop.status, loop.message


def attractors_task(model, seed, *, slots=4, **options):
    from ..analysis.simulation._attractors import attractors

    found = attractors(model, seed=seed, progress=False, **options)
    fractions = np.full(int(slots), np.nan)
    ranked = sorted((a.fraction for a in found), reverse=True)[:int(slots)]
    fractions[:len(ranked)] = ranked
    values = {"attractors": len(found), "cycles": sum(a.kind == "cycle" for a in found),
              "fractions": fractions}
    return values, found.status, found.message


def regime_break_task(model, seed, *, before, after, **options):
    from ..analysis.regimes._regimes import regime_break

    result = regime_break(model, before, after, seed=seed, **options)
    values = {"broke": float(result.broke), "ratio": result.ratio,
              "rmse_reduced": result.rmse_reduced, "rmse_structural": result.rmse_structural,
              **{f"{name}_p": test.pvalue for name, test in result.tests.items()}}
    return values, result.status, result.message


TASKS = {"simulate": simulate_task, "equilibria": equilibria_task,
         "hysteresis": hysteresis_task, "attractors": attractors_task,
         "regime_break": regime_break_task}


def check_task(task):
    """The task function of a name or a user callable."""
    if callable(task):
        return task
    if task not in TASKS:
        raise ArgumentError(f"unknown task {task!r}; the tasks are {sorted(TASKS)} or a "
                            "callable f(model, params, rng)", argument="task")
    return TASKS[task]


class Job:
    """One sweep's work in a worker: the model, the task and its options.

    ``job((cell, replicate, params, seed))`` runs the task on the model at ``params`` and
    returns ``(status, message, outputs, seconds)``; an exception becomes status
    :data:`RAISED` and its message, so one failing cell never stops the sweep.
    """

    def __init__(self, model, task, options):
        self.model, self.task, self.options = model, task, options

    def __call__(self, item):
        cell, replicate, params, seed = item
        start = time.perf_counter()
        try:
            variant = self.model.with_parameters(**params)
            if self.task in TASKS:
                values, status, message = TASKS[self.task](variant, seed, **self.options)
            else:
                values, status, message = _user(self.task, variant, params, seed)
            outputs = {str(n): np.asarray(v, dtype=float) for n, v in values.items()}
        except Exception as error:  # recorded in the cell, reported in the summary
            status, message, outputs = RAISED, f"{type(error).__name__}: {error}", {}
        return int(status), str(message), outputs, time.perf_counter() - start


def _user(task, model, params, seed):
    value = task(model, dict(params), np.random.default_rng(seed))
    if not hasattr(value, "items"):
        value = {"value": value}
    return value, 0, ""
