"""The analysis commands: their options, and how each runs its analysis.

Every command takes a model (a catalogue name or a JSON model file) with ``--set``,
``--population`` and ``--seed``, and ``--json``; the runner (:mod:`._runner`) does the rest.
Names given on the command line (``--param``, ``--bound``, ``--observable``) are checked
against the model before any work starts.
"""

import contextlib

import numpy as np

import coupling as cp

from .. import _checks
from .._catalog import reduced_form
from . import _types as types
from ._runner import Command
from ._types import UsageError, interval

ATTRACTOR_VALUES = 11
"""Default number of parameter values ``attractors --range`` runs at."""


# --------------------------------------------------------------------------- simulate
def _simulate_arguments(command):
    command.add_argument("--t-end", type=types.positive, metavar="T",
                         help="final time (default: the simulator's)")


def _simulate(model, population, args):
    return cp.simulate(model, args.t_end, population=population, seed=args.seed)


# --------------------------------------------------------------------------- equilibria
def _bound_arguments(command):
    """``--bound NAME=LO,HI``: the region searched for equilibria."""
    command.add_argument("--bound", dest="bounds", metavar="NAME=LO,HI", action="append",
                         type=types.bound, default=[],
                         help="the range of an aggregate or macro variable searched for "
                              "equilibria (repeatable; default: the model's range)")


def _bounds(model, args):
    """The ``--bound`` regions, their names checked against the model."""
    for name, _ in args.bounds:
        _checks.known(name, (*model.aggregates, *model.macro), argument="--bound",
                      what="an aggregate or macro variable of the model", level="observables")
    return dict(args.bounds)


def _equilibria(model, population, args):
    return cp.equilibria(model, bounds=_bounds(model, args), population=population,
                         seed=args.seed)


# --------------------------------------------------------------------------- continue
def _continue_arguments(command):
    command.add_argument("--param", required=True, metavar="P", help="the parameter to vary")
    command.add_argument("--range", required=True, nargs=2, type=types.number,
                         metavar=("LO", "HI"), help="the parameter range, LO < HI")
    _bound_arguments(command)
    command.add_argument("--observable", metavar="NAME",
                         help="aggregate or macro variable to report and plot "
                              "(default: the first aggregate)")


def _continue(model, population, args):
    _checks.parameter(model, args.param, argument="--param")
    if args.observable is not None:
        _checks.known(args.observable, _observables(model), argument="--observable",
                      what="an aggregate or macro variable of the model", level="observables")
    return cp.continuation(model, args.param, interval(args.range, "--range"),
                           population=population, seed=args.seed,
                           bounds=_bounds(model, args))


def _observables(model):
    """The names a bifurcation diagram records: aggregates (not network-local), macro."""
    return (*(name for name, aggregate in model.aggregates.items()
              if not isinstance(aggregate, cp.Local)), *model.macro)


# --------------------------------------------------------------------------- folds
def _folds_arguments(command):
    command.add_argument("--grid", type=types.grid, metavar="G",
                         help="no longer used: the regions between the fold curves are "
                              "each counted once")
    command.add_argument("--params", required=True, nargs=2, metavar=("P1", "P2"),
                         help="the two parameters to vary")
    command.add_argument("--range1", required=True, nargs=2, type=types.number,
                         metavar=("LO", "HI"), help="the range of P1, LO < HI")
    command.add_argument("--range2", required=True, nargs=2, type=types.number,
                         metavar=("LO", "HI"),
                         help="the range of P2, LO < HI; it must hold the model's value of "
                              "P2, where the curves start")
    _bound_arguments(command)


def _folds_check(args):
    p1, p2 = args.params
    if p1 == p2:
        raise UsageError(f"argument --params: expected two different parameters, "
                         f"got {p1} {p2}")
    interval(args.range1, "--range1")
    interval(args.range2, "--range2")


def _folds(model, population, args):
    p1, p2 = args.params
    if args.grid is not None:
        _checks.ignored("--grid", args.grid, "the regions between the fold curves are each "
                        "counted once")
    for name in args.params:
        _checks.parameter(model, name, argument="--params")
    (lo, hi) = args.range2
    if not lo <= model.parameters[p2] <= hi:
        raise UsageError(f"argument --range2: the curves start at the model's "
                         f"{p2} = {model.parameters[p2]:g}, outside {lo:g} {hi:g}: set "
                         f"{p2} inside the range (--set {p2}=...)")
    return cp.fold_curve(model, p1, p2, tuple(args.range1), tuple(args.range2),
                         population=population, seed=args.seed, bounds=_bounds(model, args),
                         shade=bool(args.plot))


# --------------------------------------------------------------------------- attractors
def _attractors_arguments(command):
    command.add_argument("--param", metavar="P",
                         help="track the attractors over a range of this parameter "
                              "(with --range)")
    command.add_argument("--range", nargs=2, type=types.number, metavar=("LO", "HI"),
                         help="the parameter range, LO < HI (with --param)")
    command.add_argument("--values", dest="count", type=types.grid, metavar="K",
                         help=f"with --range: K evenly spaced values from LO to HI "
                              f"(default {ATTRACTOR_VALUES})")
    command.add_argument("--samples", type=types.count, metavar="S",
                         help="initial conditions sampled (per value; default: the "
                              "analysis's)")
    command.add_argument("--t-end", type=types.positive, metavar="T",
                         help="length of each run (default: the analysis's)")


def _attractors_check(args):
    if (args.param is None) != (args.range is None):
        missing = "--range" if args.range is None else "--param"
        raise UsageError(f"argument {missing}: expected --param and --range together")
    if args.count is not None and args.param is None:
        raise UsageError("argument --values: expected with --param and --range")
    if args.range is not None:
        interval(args.range, "--range")


def _attractors(model, population, args):
    options = {"samples": args.samples, "t_end": args.t_end}
    if args.param is not None:
        _checks.parameter(model, args.param, argument="--param")
        options.update(param=args.param,
                       values=np.linspace(*args.range, args.count or ATTRACTOR_VALUES))
    return cp.attractors(model, population=population, seed=args.seed,
                         **{key: value for key, value in options.items() if value is not None})


# --------------------------------------------------------------------------- hysteresis
def _hysteresis_arguments(command):
    command.add_argument("--param", required=True, metavar="P", help="the parameter to sweep")
    command.add_argument("--range", required=True, nargs=2, type=types.number,
                         metavar=("LO", "HI"),
                         help="the parameter range, LO < HI; the sweep starts at LO")
    speed = command.add_mutually_exclusive_group()
    speed.add_argument("--rate", type=types.positive, metavar="R",
                       help="a continuous ramp at R parameter units per unit time (default: "
                            "the rate whose delay after a fold is about 1%% of the range)")
    speed.add_argument("--rates", nargs="+", type=types.positive, metavar="R",
                       help="one continuous sweep at each of 3 or more rates, and the fit "
                            "delay ~ C rate^alpha after each fold (theory 2/3)")
    speed.add_argument("--settle", type=types.positive, metavar="T",
                       help="a staircase instead: levels held T time units each")
    command.add_argument("--steps", type=types.grid, metavar="K",
                         help="with --settle: K levels per leg (default 100)")
    command.add_argument("--replicates", type=types.count, metavar="K",
                         help="independent runs of a finite population (default 5 for a "
                              "stochastic one, else 1)")


def _hysteresis_check(args):
    interval(args.range, "--range")
    if args.steps is not None and args.settle is None:
        raise UsageError("argument --steps: expected with --settle")
    if args.rates is not None and len(set(args.rates)) < 3:
        raise UsageError(f"argument --rates: expected at least 3 different rates, got "
                         f"{' '.join(f'{r:g}' for r in args.rates)}")


def _hysteresis(model, population, args):
    _checks.parameter(model, args.param, argument="--param")
    if (args.replicates or 1) > 1 and not isinstance(population, int):
        raise UsageError("argument --replicates: the mean-field limit is deterministic, "
                         "every replicate would be the same; use --population N")
    options = {"rate": args.rate, "rates": args.rates, "settle": args.settle,
               "steps": args.steps, "replicates": args.replicates}
    return cp.hysteresis(model, args.param, tuple(args.range), population=population,
                         seed=args.seed, **{key: value for key, value in options.items()
                                            if value is not None})


def _hysteresis_figure(loop, args):
    from ..plotting._figures import plot_hysteresis_rates

    return plot_hysteresis_rates(loop) if loop.scaling else loop.plot()


# --------------------------------------------------------------------------- timescales
def _timescales_arguments(command):
    command.add_argument("--eps", required=True, nargs="+", type=types.positive,
                         metavar="EPS", help="values of the timescale eps (one or more)")
    command.add_argument("--t-end", type=types.positive, default=50.0, metavar="T",
                         help="length of each run (default 50)")


def _timescales(model, population, args):
    return cp.compare_timescales(model, args.eps, t_end=args.t_end, population=population,
                                 seed=args.seed)


# --------------------------------------------------------------------------- regime
def _regime_arguments(command):
    command.add_argument("--lever", required=True, metavar="NAME",
                         help="the policy lever to switch")
    command.add_argument("--before", required=True, type=types.lever_value, metavar="V1",
                         help="its value (or rule, an expression) before the switch")
    command.add_argument("--after", required=True, type=types.lever_value, metavar="V2",
                         help="its value (or rule) after the switch")
    command.add_argument("--switch-at", type=types.positive, default=200.0, metavar="T",
                         help="when the switch happens (default 200)")
    command.add_argument("--periods", type=types.positive, metavar="N",
                         help="length of the run (default twice --switch-at)")
    command.add_argument("--reduced-form", metavar="'Y ~ X1 + X2[-1]'",
                         help="the relation to estimate (default: the catalogue model's)")
    command.add_argument("--replicates", type=types.count, default=10, metavar="R",
                         help="runs of the model under the new regime behind the structural "
                              "prediction (default 10)")


def _regime(model, population, args):
    form = args.reduced_form or reduced_form(args.model)
    if form is None:
        raise UsageError("argument --reduced-form: expected for a model without a default "
                         "relation, e.g. --reduced-form 'u ~ inflation'")
    return cp.regime_break(model, {args.lever: args.before}, {args.lever: args.after},
                           switch_at=args.switch_at, periods=args.periods, reduced_form=form,
                           population=population, seed=args.seed,
                           replicates=args.replicates)


# --------------------------------------------------------------------------- cross-level
def _cross_level_arguments(command):
    for option, what in (("--outcome", "the outcome y"), ("--covariate", "the covariate x")):
        command.add_argument(option, required=True, metavar="NAME",
                             help=f"{what}: a micro state or trait of the model")
    command.add_argument("--groups", required=True, metavar="NAME",
                         help="a trait (or micro state) whose values label the groups")
    command.add_argument("--time", type=types.positive, metavar="T",
                         help="run to T and analyse the population then (default: the "
                              "simulator's final time)")
    command.add_argument("--ecological", choices=("size", "equal"), default="size",
                         help="weights of the group means: their sizes (default) or one "
                              "per group")


def _cross_level(model, population, args):
    if not isinstance(population, int):
        raise UsageError(f"argument --population: cross-level compares units, and the "
                         f"{population} limit has none; give a unit count N")
    run = cp.simulate(model, args.time, population=population, seed=args.seed)
    return cp.cross_level(run, args.covariate, args.groups, outcome=args.outcome,
                          ecological=args.ecological)


# --------------------------------------------------------------------------- sweep, map
SWEEP_TASKS = ("equilibria", "hysteresis", "attractors", "simulate")
MAP_CELLS = 31
"""Cells per parameter ``map`` uses for ``P=LO:HI``."""


def _executor_arguments(command):
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=types.count, metavar="W",
                       help="local worker processes (default: one per core; 1: serial)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on a dask.distributed cluster, e.g. tcp://host:8786 "
                            "(needs coupling[parallel])")
    command.add_argument("--store", metavar="PATH",
                         help="an SQLite file that keeps every finished task; rerunning "
                              "with it skips them")
    command.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                         default=None, help="no progress bar (default: one on a terminal)")


@contextlib.contextmanager
def _executor(args):
    """The executor ``--workers`` / ``--scheduler`` ask for (a dask Client is closed after)."""
    if args.scheduler is None:
        yield args.workers
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise UsageError("argument --scheduler: dask.distributed is not installed: pip "
                         "install 'coupling[parallel]'") from None
    try:
        client = Client(args.scheduler, timeout=10)
    except OSError as error:
        raise UsageError(f"argument --scheduler: cannot reach {args.scheduler}: {error}") \
            from None
    with client:
        yield client


def _sweep_arguments(command):
    command.add_argument("--grid", required=True, nargs="+", action="extend",
                         type=types.axis, metavar="P=LO:HI:N",
                         help="parameters and their values (the cartesian product): "
                              "P=LO:HI:N or P=V1,V2,...")
    command.add_argument("--task", choices=SWEEP_TASKS, default="equilibria",
                         help="the analysis in each cell (default equilibria)")
    command.add_argument("--replicates", type=types.count, default=1, metavar="K",
                         help="runs per cell, each on its own random stream (default 1)")
    command.add_argument("--param", metavar="P", help="with --task hysteresis: the parameter "
                                                      "swept up and down in each cell")
    command.add_argument("--range", nargs=2, type=types.number, metavar=("LO", "HI"),
                         help="with --task hysteresis: its range")
    command.add_argument("--t-end", type=types.positive, metavar="T",
                         help="with --task simulate or attractors: length of each run")
    command.add_argument("--samples", type=types.count, metavar="S",
                         help="with --task attractors: initial conditions per cell")
    command.add_argument("--output", metavar="NAME",
                         help="the output --plot draws (default: the first)")
    _bound_arguments(command)
    _executor_arguments(command)


def _sweep_check(args):
    names = [name for name, _ in args.grid]
    if len(set(names)) < len(names):
        raise UsageError(f"argument --grid: a parameter given twice in {' '.join(names)}")
    hysteresis = args.task == "hysteresis"
    if hysteresis != (args.param is not None and args.range is not None):
        raise UsageError("argument --param: expected --param and --range with --task "
                         "hysteresis, and only there")
    if args.range is not None:
        interval(args.range, "--range")
    if args.samples is not None and args.task != "attractors":
        raise UsageError("argument --samples: expected with --task attractors")
    if args.t_end is not None and args.task not in ("simulate", "attractors"):
        raise UsageError("argument --t-end: expected with --task simulate or attractors")


def _sweep(model, population, args):
    options = {"population": population}
    if args.task == "hysteresis":
        _checks.parameter(model, args.param, argument="--param")
        options.update(param=args.param, interval=tuple(args.range))
    elif args.task == "simulate":
        options["t_end"] = args.t_end
    elif args.task == "attractors":
        options.update(t_end=args.t_end, samples=args.samples)
    if args.task in ("equilibria", "hysteresis") and args.bounds:
        options["bounds"] = _bounds(model, args)
    with _executor(args) as executor:
        return cp.sweep(args.task, model, grid=dict(args.grid), replicates=args.replicates,
                        seed=args.seed, executor=executor, store=args.store,
                        progress=args.progress,
                        **{k: v for k, v in options.items() if v is not None})


def _map_arguments(command):
    command.add_argument("--params", required=True, nargs=2, metavar=("P1=LO:HI[:N]", "P2"),
                         type=lambda text: types.axis(text, MAP_CELLS),
                         help=f"the two parameters and their ranges, P=LO:HI:N (default N "
                              f"{MAP_CELLS}) or P=V1,V2,...")
    command.add_argument("--by", choices=("equilibria", "attractors"), default="equilibria",
                         help="classify cells by their stable equilibria (default) or by "
                              "simulated attractors")
    command.add_argument("--no-curves", dest="curves", action="store_false",
                         help="do not trace the fold and Hopf curves")
    _bound_arguments(command)
    _executor_arguments(command)


def _map(model, population, args):
    (p1, v1), (p2, v2) = args.params
    if p1 == p2:
        raise UsageError(f"argument --params: expected two different parameters, got {p1} "
                         f"{p2}")
    options = {"bounds": _bounds(model, args)} if args.bounds else {}
    with _executor(args) as executor:
        return cp.regime_map(model, (p1, v1), (p2, v2), by=args.by, curves=args.curves,
                             population=population, seed=args.seed, executor=executor,
                             store=args.store, progress=args.progress, **options)


COMMANDS = (
    Command("simulate", "simulate a catalogue model or a model file", _simulate_arguments,
            _simulate, plot="save a plot of the run to FILE"),
    Command("equilibria", "all equilibria of a model, with their stability",
            _bound_arguments, _equilibria),
    Command("continue", "continue the equilibria in a parameter: bifurcation diagram",
            _continue_arguments, _continue, plot="save the bifurcation diagram to FILE",
            summary=lambda diagram, args: diagram.summary(args.observable),
            figure=lambda diagram, args: diagram.plot(args.observable)),
    Command("folds", "continue the folds in two parameters: fold curves and cusps",
            _folds_arguments, _folds, check=_folds_check,
            plot="save the fold curves to FILE, the plane shaded by the number of "
                 "equilibria",
            record=lambda curve, args, model: {**curve.to_dict(),
                                               "values": model.parameters}),
    Command("attractors", "attractors from sampled initial conditions, with basin fractions "
                          "(over a parameter range: births and deaths)",
            _attractors_arguments, _attractors, check=_attractors_check,
            plot="save the basin fractions to FILE"),
    Command("hysteresis", "sweep a parameter up and back down by simulation: jumps, "
                          "hysteresis loop, delay against the rate",
            _hysteresis_arguments, _hysteresis, check=_hysteresis_check,
            plot="save the loop (with --rates: and the delay against the rate) to FILE",
            record=lambda loop, args, model: loop.to_dict(sweep=True),
            figure=_hysteresis_figure),
    Command("timescales", "the full model at several eps against its slow reduction: "
                          "errors, order, periods, separation",
            _timescales_arguments, _timescales,
            plot="save the fast-slow phase plane and the error against eps to FILE",
            record=lambda comparison, args, model: {**comparison.to_dict(),
                                                    "t_end": args.t_end}),
    Command("regime", "switch a policy lever and test whether a reduced-form relation "
                      "breaks (the Lucas critique)",
            _regime_arguments, _regime,
            plot="save the switch, the forecasts and the recursive estimates to FILE",
            record=lambda result, args, model: {**result.to_dict(), "seed": args.seed}),
    Command("cross-level", "the slope of an outcome on a covariate among individuals and "
                           "across group means: sign reversals (the ecological fallacy)",
            _cross_level_arguments, _cross_level,
            plot="save the units, the group means and the lines of each level to FILE",
            record=lambda result, args, model: {**result.to_dict(), "seed": args.seed}),
    Command("sweep", "one analysis over a parameter grid and replicates, in parallel, "
                     "resumable from a store",
            _sweep_arguments, _sweep, check=_sweep_check,
            plot="save the output (--output) over the grid to FILE",
            figure=lambda result, args: result.plot(args.output)),
    Command("map", "a two-parameter regime map: stable states, hysteresis, oscillation, "
                   "with the fold and Hopf curves",
            _map_arguments, _map, plot="save the regime map to FILE"),
)
"""The analysis commands, in the order ``coupling --help`` lists them."""
