"""The ``coupling`` command line: list the catalogue, simulate a model, find its equilibria,
continue them in a parameter, continue their folds in two, find its attractors and their basin
fractions (over a parameter range: with their births and deaths), sweep a parameter up and
back down to measure its hysteresis loop, compare the full model with its slow reduction at
several timescales, test a reduced-form relation across a policy switch, run the demo.

Examples
--------
::

    coupling models
    coupling simulate social-choice --set beta=2 --set h=0.1 --t-end 40 --json
    coupling simulate social-choice --set norm=true --population 1000 --seed 1 --plot run.png
    coupling equilibria social-choice --set J=2 --set sigma=0 --json
    coupling continue social-choice --param h --range -1 1 --plot diagram.png
    coupling folds social-choice --params h sigma --range1 -0.6 0.6 --range2 0 1.2 --plot folds.png
    coupling attractors social-choice --set J=2 --set sigma=0 --samples 50 --seed 1
    coupling attractors social-choice --set J=2 --param h --range -1 1 --values 9 --plot basins.png
    coupling hysteresis social-choice --set J=2 --set sigma=0 --param h --range -1 1 --rate 0.01
    coupling hysteresis social-choice --set J=2 --param h --range -1 1 --rates 0.001 0.003 0.01
    coupling hysteresis social-choice --set J=2 --population 500 --param h --range -1 1 \\
        --settle 2 --steps 50 --replicates 5 --seed 1 --plot loop.png
    coupling timescales slow-feedback --eps 0.1 0.01 0.001 --t-end 30 --plot timescales.png
    coupling regime phillips-curve --lever rho --before 0.2 --after 0.9 --switch-at 300 \\
        --seed 1 --plot regime.png
    coupling demo --out coupling-demo
"""

import argparse
import contextlib
import functools
import json
import math
import os
import sys
import warnings
from collections.abc import Mapping
from functools import partial
from pathlib import Path

import numpy as np

import coupling as cp
from coupling._catalog import reduced_form

DEFAULT_MODEL = "social-choice"


class UsageError(Exception):
    """A malformed command line (raised by the parser instead of exiting)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def main(argv=None):
    """Run the ``coupling`` command line.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 on success, 1 if the command failed, 2 for a malformed command line.
    """
    try:
        args = _parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        return _fail(error, code=2)
    except BrokenPipeError:  # the reader went away (``coupling ... | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, KeyError, TypeError, OSError) as error:
        return _fail(error, code=1)


def _fail(error, code):
    """Report ``error`` on one line of stderr and return the exit ``code``."""
    message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
    print(f"coupling: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------- parser
def _parser():
    parser = _Parser(prog="coupling",
                     description="Coupled micro-macro dynamics: simulate catalogue models, "
                                 "find and continue their equilibria, find their attractors, "
                                 "measure their hysteresis loops.")
    commands = parser.add_subparsers(title="commands", dest="command", required=True)

    models = commands.add_parser("models", help="list the catalogue of models")
    models.set_defaults(run=_models)

    simulate = commands.add_parser("simulate", help="simulate a catalogue model or a model file")
    _add_model_arguments(simulate)
    simulate.add_argument("--t-end", type=_positive, metavar="T",
                          help="final time (default: the simulator's)")
    simulate.add_argument("--plot", metavar="FILE", help="save a plot of the run to FILE")
    simulate.add_argument("--json", action="store_true",
                          help="print the run as a JSON document only")
    simulate.set_defaults(run=_simulate)

    equilibria = commands.add_parser("equilibria",
                                     help="all equilibria of a model, with their stability")
    _add_model_arguments(equilibria)
    _add_bound_argument(equilibria)
    equilibria.add_argument("--json", action="store_true",
                            help="print the equilibria as a JSON document only")
    equilibria.set_defaults(run=_equilibria)

    continuation = commands.add_parser("continue",
                                       help="continue the equilibria in a parameter: "
                                            "bifurcation diagram")
    _add_model_arguments(continuation)
    continuation.add_argument("--param", required=True, metavar="P",
                              help="the parameter to vary")
    continuation.add_argument("--range", required=True, nargs=2, type=_number,
                              metavar=("LO", "HI"), help="the parameter range, LO < HI")
    _add_bound_argument(continuation)
    continuation.add_argument("--observable", metavar="NAME",
                              help="aggregate or macro variable to report and plot "
                                   "(default: the first aggregate)")
    continuation.add_argument("--plot", metavar="FILE",
                              help="save the bifurcation diagram to FILE")
    continuation.add_argument("--json", action="store_true",
                              help="print the diagram as a JSON document only")
    continuation.set_defaults(run=_continue)

    folds = commands.add_parser("folds", help="continue the folds in two parameters: "
                                              "fold curves and cusps")
    _add_model_arguments(folds)
    folds.add_argument("--params", required=True, nargs=2, metavar=("P1", "P2"),
                       help="the two parameters to vary")
    folds.add_argument("--range1", required=True, nargs=2, type=_number, metavar=("LO", "HI"),
                       help="the range of P1, LO < HI")
    folds.add_argument("--range2", required=True, nargs=2, type=_number, metavar=("LO", "HI"),
                       help="the range of P2, LO < HI; it must hold the model's value of P2, "
                            "where the curves start")
    _add_bound_argument(folds)
    folds.add_argument("--grid", type=_grid, default=FOLD_GRID, metavar="G",
                       help=f"with --plot: count the equilibria on a G x G lattice of the "
                            f"box to shade the plane (default {FOLD_GRID})")
    folds.add_argument("--plot", metavar="FILE",
                       help="save the fold curves to FILE, the plane shaded by the number "
                            "of equilibria")
    folds.add_argument("--json", action="store_true",
                       help="print the fold curves as a JSON document only")
    folds.set_defaults(run=_folds)

    attractors = commands.add_parser("attractors",
                                     help="attractors from sampled initial conditions, with "
                                          "basin fractions (over a parameter range: births "
                                          "and deaths)")
    _add_model_arguments(attractors)
    attractors.add_argument("--param", metavar="P",
                            help="track the attractors over a range of this parameter "
                                 "(with --range)")
    attractors.add_argument("--range", nargs=2, type=_number, metavar=("LO", "HI"),
                            help="the parameter range, LO < HI (with --param)")
    attractors.add_argument("--values", dest="count", type=_grid, metavar="K",
                            help=f"with --range: K evenly spaced values from LO to HI "
                                 f"(default {ATTRACTOR_VALUES})")
    attractors.add_argument("--samples", type=_count, metavar="S",
                            help="initial conditions sampled (per value; default: the "
                                 "analysis's)")
    attractors.add_argument("--t-end", type=_positive, metavar="T",
                            help="length of each run (default: the analysis's)")
    attractors.add_argument("--plot", metavar="FILE",
                            help="save the basin fractions to FILE")
    attractors.add_argument("--json", action="store_true",
                            help="print the attractors as a JSON document only")
    attractors.set_defaults(run=_attractors)

    sweep = commands.add_parser("hysteresis",
                                help="sweep a parameter up and back down by simulation: "
                                     "jumps, hysteresis loop, delay against the rate")
    _add_model_arguments(sweep)
    sweep.add_argument("--param", required=True, metavar="P", help="the parameter to sweep")
    sweep.add_argument("--range", required=True, nargs=2, type=_number, metavar=("LO", "HI"),
                       help="the parameter range, LO < HI; the sweep starts at LO")
    speed = sweep.add_mutually_exclusive_group()
    speed.add_argument("--rate", type=_positive, metavar="R",
                       help="a continuous ramp at R parameter units per unit time (default: "
                            "the rate whose delay after a fold is about 1%% of the range)")
    speed.add_argument("--rates", nargs="+", type=_positive, metavar="R",
                       help="one continuous sweep at each of 3 or more rates, and the fit "
                            "delay ~ C rate^alpha after each fold (theory 2/3)")
    speed.add_argument("--settle", type=_positive, metavar="T",
                       help="a staircase instead: levels held T time units each")
    sweep.add_argument("--steps", type=_grid, metavar="K",
                       help="with --settle: K levels per leg (default 100)")
    sweep.add_argument("--replicates", type=_count, metavar="K",
                       help="independent runs of a finite population (default 5 for a "
                            "stochastic one, else 1)")
    sweep.add_argument("--plot", metavar="FILE",
                       help="save the loop (with --rates: and the delay against the rate) "
                            "to FILE")
    sweep.add_argument("--json", action="store_true",
                       help="print the loop as a JSON document only")
    sweep.set_defaults(run=_hysteresis)

    timescales = commands.add_parser("timescales",
                                     help="the full model at several eps against its slow "
                                          "reduction: errors, order, periods, separation")
    _add_model_arguments(timescales)
    timescales.add_argument("--eps", required=True, nargs="+", type=_positive, metavar="EPS",
                            help="values of the timescale eps (one or more)")
    timescales.add_argument("--t-end", type=_positive, default=50.0, metavar="T",
                            help="length of each run (default 50)")
    timescales.add_argument("--plot", metavar="FILE",
                            help="save the fast-slow phase plane and the error against eps "
                                 "to FILE")
    timescales.add_argument("--json", action="store_true",
                            help="print the comparison as a JSON document only")
    timescales.set_defaults(run=_timescales)

    regime = commands.add_parser("regime",
                                 help="switch a policy lever and test whether a reduced-form "
                                      "relation breaks (the Lucas critique)")
    _add_model_arguments(regime)
    regime.add_argument("--lever", required=True, metavar="NAME",
                        help="the policy lever to switch")
    regime.add_argument("--before", required=True, type=_lever_value, metavar="V1",
                        help="its value (or rule, an expression) before the switch")
    regime.add_argument("--after", required=True, type=_lever_value, metavar="V2",
                        help="its value (or rule) after the switch")
    regime.add_argument("--switch-at", type=_positive, default=200.0, metavar="T",
                        help="when the switch happens (default 200)")
    regime.add_argument("--periods", type=_positive, metavar="N",
                        help="length of the run (default twice --switch-at)")
    regime.add_argument("--reduced-form", metavar="'Y ~ X1 + X2[-1]'",
                        help="the relation to estimate (default: the catalogue model's)")
    regime.add_argument("--replicates", type=_count, default=10, metavar="R",
                        help="runs of the model under the new regime behind the structural "
                             "prediction (default 10)")
    regime.add_argument("--plot", metavar="FILE",
                        help="save the switch, the forecasts and the recursive estimates "
                             "to FILE")
    regime.add_argument("--json", action="store_true",
                        help="print the test as a JSON document only")
    regime.set_defaults(run=_regime)

    demo = commands.add_parser("demo", help=f"run {DEFAULT_MODEL} end to end: figure + summary")
    demo.add_argument("--out", type=Path, default=Path("coupling-demo"), metavar="DIR",
                      help="output directory (default: ./coupling-demo)")
    demo.set_defaults(run=_demo)
    return parser


def _add_model_arguments(command):
    """The model to run and how: MODEL, ``--set``, ``--population``, ``--seed``."""
    command.add_argument("model", help="catalogue name (see 'coupling models') or a JSON "
                                       "model file")
    command.add_argument("--set", dest="values", metavar="NAME=VALUE", action="append",
                         type=_assignment, default=[],
                         help="a parameter or model option (repeatable): a number, "
                              "or true/false")
    command.add_argument("--population", type=_population,
                         help="unit count N or 'mean-field' (default: the model's)")
    command.add_argument("--seed", type=_seed, help="random seed (an integer >= 0)")


def _add_bound_argument(command):
    """``--bound NAME=LO,HI``: the region searched for equilibria."""
    command.add_argument("--bound", dest="bounds", metavar="NAME=LO,HI", action="append",
                         type=_bound, default=[],
                         help="the range of an aggregate or macro variable searched for "
                              "equilibria (repeatable; default: the model's range)")


def _assignment(text):
    """``"name=value"`` as ``(name, value)``, the value parsed by :func:`_value`."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, _value(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: expected a number or true/false, "
                                         f"got {raw!r}") from None


def _value(text):
    """``true``/``false`` as bool, whole numbers as int, anything else as float."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return float(text)


def _lever_value(text):
    """A lever's value: a number, or else a rule (an expression, checked when used)."""
    try:
        return _number(text)
    except argparse.ArgumentTypeError:
        return text


def _bound(text):
    """``"name=lo,hi"`` as ``(name, (lo, hi))`` with finite ``lo < hi``."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    try:
        lo, hi = map(float, raw.split(","))
    except ValueError:
        lo = hi = math.nan
    if not equals or not name.isidentifier() or not (math.isfinite(lo) and math.isfinite(hi)):
        raise argparse.ArgumentTypeError(f"expected NAME=LO,HI with finite numbers, "
                                         f"got {text!r}")
    if not lo < hi:
        raise argparse.ArgumentTypeError(f"{name}: expected LO < HI, got {raw!r}")
    return name, (lo, hi)


def _population(text):
    if text == "mean-field":
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a unit count N >= 1 or 'mean-field', "
                                     f"got {text!r}")


def _seed(text):
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")


def _number(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _grid(text):
    if text.isdigit() and int(text) >= 2:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 2, got {text!r}")


def _count(text):
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")


def _positive(text):
    value = _number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


# --------------------------------------------------------------------------- commands
def _models(args):
    catalogue = cp.catalog()
    width = max(map(len, catalogue), default=0)
    for name, summary in catalogue.items():
        print(f"{name:<{width}}  {summary}")
    return 0


def _load(name, values):
    """A catalogue model by name, or a JSON model file by path, with ``values`` set."""
    if name.endswith(".json"):
        return cp.read_model(name).with_parameters(**values)
    return cp.load(name, **values)


def _simulate(args):
    model = _load(args.model, dict(args.values))
    trajectory = cp.simulate(model, args.t_end, population=args.population, seed=args.seed)
    if args.plot:
        _pyplot()  # selects Agg before the trajectory's plot imports pyplot
        _save_figure(trajectory.plot().figure, args.plot)
    if args.json:
        print(json.dumps(_plain(_record(trajectory)), allow_nan=False))
    else:
        print(_summary(trajectory))
    return 0 if trajectory.success else 1


def _record(trajectory):
    """The run as a JSON-ready mapping (before :func:`_plain`)."""
    tr = trajectory
    return {"model": tr.model, "population": tr.population, "parameters": tr.parameters,
            "seed": tr.seed, "status": tr.status, "message": tr.message, "method": tr.method,
            "t": tr.t, "series": {name: tr[name] for name in tr.names},
            "final": tr.final(), "jumps": tr.jumps}


def _plain(value):
    """``value`` in plain JSON types: arrays as lists, non-finite numbers as None."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _summary(trajectory):
    """A few lines for a person: what ran, how it ended, the final values."""
    tr = trajectory
    final = tr.final()
    width = max(map(len, final), default=0)
    lines = [*_header(tr.model, tr.parameters, tr.population),
             f"method      {tr.method}",
             f"status      {tr.message}",
             f"final values at t = {tr.t[-1]:g}:"]
    lines += [f"  {name:<{width}}  {value:.6g}" for name, value in final.items()]
    lines.append(f"jumps       {len(tr.jumps)}")
    return "\n".join(lines)


LEADING_EIGENVALUES = 6
"""Eigenvalues reported per equilibrium (largest real part first)."""


def _equilibria(args):
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    found = cp.equilibria(model, bounds=dict(args.bounds), population=population,
                          seed=args.seed)
    record = {"model": model.name, "parameters": model.parameters,
              "population": _population_name(population),
              "equilibria": [_equilibrium_record(e) for e in found]}
    if args.json:
        print(json.dumps(_plain(record), allow_nan=False))
    else:
        print(_equilibria_table(record))
    return 0


def _equilibrium_record(equilibrium):
    """One equilibrium as a JSON-ready mapping (before :func:`_plain`)."""
    e = equilibrium
    leading = e.eigenvalues[:LEADING_EIGENVALUES]
    return {"state": {**e.macro, **e.aggregates}, "stable": e.stable,
            "n_unstable": e.n_unstable, "eigenvalues": np.column_stack((leading.real,
                                                                         leading.imag)),
            "residual": e.residual}


def _equilibria_table(record):
    """The equilibria for a person: one row each, with the state and its stability."""
    lines = _header(record["model"], record["parameters"], record["population"])
    found = record["equilibria"]
    if not found:
        return "\n".join([*lines, "no equilibria found in the region searched"])
    names = list(found[0]["state"])
    headings = ("#", *names, "stable", "unstable", "leading Re(eig)")
    widths = (3, *_number_widths(names), 8, 10, 17)
    lines += [f"{_counted(len(found), 'equilibrium', 'equilibria')}:", _row(headings, widths)]
    for i, e in enumerate(found):
        lines.append(_row((i, *(f"{e['state'][n]:.6g}" for n in names),
                           "yes" if e["stable"] else "no", e["n_unstable"],
                           f"{e['eigenvalues'][0][0]:.6g}"), widths))
    return "\n".join(lines)


def _interval(values, option):
    """The ``(LO, HI)`` of ``option``, checked: LO < HI."""
    lo, hi = values
    if not lo < hi:
        raise UsageError(f"argument {option}: expected LO < HI, got {lo:g} {hi:g}")
    return lo, hi


def _continue(args):
    lo, hi = _interval(args.range, "--range")
    model = _load(args.model, dict(args.values))
    if args.observable is not None and args.observable not in _observables(model):
        raise KeyError(f"--observable: no aggregate or macro variable {args.observable!r}; "
                       f"the model has {list(_observables(model))}")
    population = model.population if args.population is None else args.population
    diagram = cp.continuation(model, args.param, (lo, hi), population=population,
                              seed=args.seed, bounds=dict(args.bounds))
    if args.plot:
        _pyplot()  # selects Agg before the diagram's plot imports pyplot
        _save_figure(diagram.plot(args.observable).figure, args.plot)
    if args.json:
        record = {"model": diagram.model, "parameter": diagram.parameter,
                  "parameters": model.parameters, "population": _population_name(population),
                  **_diagram_record(diagram)}
        print(json.dumps(_plain(record), allow_nan=False))
    else:
        print(_diagram_summary(diagram, (lo, hi), model.parameters,
                               _population_name(population),
                               args.observable or _observables(model)[0]))
    return 0


def _observables(model):
    """The names a bifurcation diagram records: aggregates (not network-local), macro."""
    return (*(name for name, aggregate in model.aggregates.items()
              if not isinstance(aggregate, cp.Local)), *model.macro)


def _diagram_record(diagram):
    """Special points and branches as JSON-ready mappings (before :func:`_plain`)."""
    names = diagram.macro_names + diagram.aggregate_names
    points = [{"kind": p.kind, "param": p.param, "state": p.state, "interval": p.interval,
               "status": p.status, "branch": p.branch, "data": p.data}
              for p in diagram.special_points]
    branches = [{"param": b.param, "stable": b.stable, "n_unstable": b.n_unstable,
                 **{name: diagram.observable(b, name) for name in names},
                 "message": b.message} for b in diagram.branches]
    return {"special_points": points, "branches": branches}


def _diagram_summary(diagram, interval, parameters, population, observable):
    """The branches and special points for a person."""
    lines = _header(diagram.model, parameters, population)
    lines.append(f"continued   {diagram.parameter} from {interval[0]:g} to {interval[1]:g}")
    return "\n".join(lines + _branches_table(diagram, observable)
                     + _special_points_table(diagram))


def _branches_table(diagram, observable):
    """One row per branch: points, ranges of the parameter and ``observable``, its end."""
    p = diagram.parameter
    headings = ("#", "points", f"{p} min", f"{p} max", f"{observable} min",
                f"{observable} max")
    widths = (3, 8, *_number_widths(headings[2:]))
    heading = _counted(len(diagram.branches), "branch", "branches")
    if not diagram.branches:
        return [heading]
    lines = [f"{heading}:", _row(headings, widths) + "   ended"]
    for i, branch in enumerate(diagram.branches):
        values = diagram.observable(branch, observable)
        ranges = (branch.param.min(), branch.param.max(), values.min(), values.max())
        lines.append(_row((i, len(branch), *(f"{v:.6g}" for v in ranges)), widths)
                     + f"   {branch.message or 'at the ends of the range'}")
    return lines


def _special_points_table(diagram):
    """One row per special point: kind, branch, parameter (12 digits), state, status."""
    points = diagram.special_points
    names = diagram.macro_names + diagram.aggregate_names
    widths = (8, 8, 20, *_number_widths(names), 11)
    heading = _counted(len(points), "special point", "special points")
    if not points:
        return [heading]
    lines = [f"{heading}:", _row(("kind", "branch", diagram.parameter, *names, "status"),
                                 widths)]
    for point in points:
        data = "".join(f"  {key}={value:.6g}" for key, value in point.data.items())
        lines.append(_row((point.kind, point.branch, f"{point.param:.12g}",
                           *(f"{point.state[n]:.6g}" for n in names), point.status), widths)
                     + data)
    return lines


FOLD_GRID = 15
"""Default lattice (G x G) on which ``folds --plot`` counts equilibria."""


def _folds(args):
    p1, p2 = args.params
    if p1 == p2:
        raise UsageError(f"argument --params: expected two different parameters, "
                         f"got {p1} {p2}")
    box = _interval(args.range1, "--range1"), _interval(args.range2, "--range2")
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    curve = cp.fold_curve(model, p1, p2, *box, population=population, seed=args.seed,
                          bounds=dict(args.bounds))
    if args.plot:
        _pyplot()  # selects Agg before the curve's plot imports pyplot
        _save_figure(curve.plot(grid=args.grid).figure, args.plot)
    record = {"model": model.name, "parameters": [p1, p2], "values": model.parameters,
              "population": _population_name(population), **_fold_curve_record(curve)}
    if args.json:
        print(json.dumps(_plain(record), allow_nan=False))
    else:
        print(_fold_curve_summary(record, box))
    return 0


def _fold_curve_record(curve):
    """Curves and special points as JSON-ready mappings (before :func:`_plain`)."""
    p1, p2 = curve.parameters
    curves = [{p1: points[:, 0], p2: points[:, 1], **states}
              for points, states in zip(curve.curves, curve.states)]
    points = [{"kind": p.kind, "param": p.param, "p2": p.data["p2"], "state": p.state,
               "status": p.status, "curve": p.branch} for p in curve.special_points]
    return {"curves": curves, "special_points": points}


def _fold_curve_summary(record, box):
    """The fold curves and their special points for a person."""
    p1, p2 = record["parameters"]
    (a0, a1), (b0, b1) = box
    lines = [*_header(record["model"], record["values"], record["population"]),
             f"folds in    {p1} from {a0:g} to {a1:g}, {p2} from {b0:g} to {b1:g}"]
    curves = record["curves"]
    heading = _counted(len(curves), "fold curve", "fold curves")
    if not curves:
        lines.append(f"{heading}: no folds in {p1} at the model's "
                     f"{p2} = {record['values'][p2]:g}, where the curves start")
    else:
        headings = ("#", "points", f"{p1} min", f"{p1} max", f"{p2} min", f"{p2} max")
        widths = (3, 8, *_number_widths(headings[2:]))
        lines += [f"{heading}:", _row(headings, widths)]
        for i, c in enumerate(curves):
            ranges = (min(c[p1]), max(c[p1]), min(c[p2]), max(c[p2]))
            lines.append(_row((i, len(c[p1]), *(f"{v:.6g}" for v in ranges)), widths))
    points = record["special_points"]
    heading = _counted(len(points), "special point", "special points")
    if not points:
        return "\n".join([*lines, heading])
    names = list(points[0]["state"])
    widths = (8, 8, 20, 20, *_number_widths(names), 11)
    lines += [f"{heading}:", _row(("kind", "curve", p1, p2, *names, "status"), widths)]
    for p in points:
        lines.append(_row((p["kind"], p["curve"], f"{p['param']:.12g}", f"{p['p2']:.12g}",
                           *(f"{p['state'][n]:.6g}" for n in names), p["status"]), widths))
    return "\n".join(lines)


ATTRACTOR_VALUES = 11
"""Default number of parameter values ``attractors --range`` runs at."""


def _attractors(args):
    if (args.param is None) != (args.range is None):
        missing = "--range" if args.range is None else "--param"
        raise UsageError(f"argument {missing}: expected --param and --range together")
    if args.count is not None and args.param is None:
        raise UsageError("argument --values: expected with --param and --range")
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    options = {"samples": args.samples, "t_end": args.t_end}
    if args.param is not None:
        lo, hi = _interval(args.range, "--range")
        options.update(param=args.param,
                       values=np.linspace(lo, hi, args.count or ATTRACTOR_VALUES))
    with _warnings_to_stderr():
        found = cp.attractors(model, population=population, seed=args.seed,
                              **{key: value for key, value in options.items()
                                 if value is not None})
    if args.plot:
        _pyplot()  # selects Agg before the result's plot imports pyplot
        _save_figure(found.plot().figure, args.plot)
    record = {**found.to_dict(), "model": model.name, "parameters": model.parameters,
              "population": _population_name(population)}
    if args.json:
        print(json.dumps(_plain(record), allow_nan=False))
    else:
        print(_attractors_summary(record))
    return 0


@contextlib.contextmanager
def _warnings_to_stderr():
    """Report the warnings raised inside as ``coupling: warning: ...`` lines on stderr, each
    message once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"coupling: warning: {' '.join(message.split())}", file=sys.stderr)


def _attractors_summary(record):
    """The attractors for a person: what was sampled, one row per attractor (per parameter
    value), then the births and deaths over a range."""
    lines = _header(record["model"], record["parameters"], record["population"])
    p, values = record["param"], record["values"]
    samples = _counted(record["samples"], "initial condition", "initial conditions")
    lines.append(f"sampled     {samples}{' per value' if p else ''}, each run to "
                 f"t = {record['t_end']:g}")
    if p is not None:
        lines.append(f"tracked     {p} from {values[0]:g} to {values[-1]:g} at "
                     f"{len(values)} values")
    failed = sum(record["failed"])
    if failed:
        lines.append(f"failed      {_counted(failed, 'run', 'runs')}, left out of the "
                     f"fractions")
    found = record["attractors"]
    ids = list(dict.fromkeys(a["id"] for a in found))
    heading = _counted(len(ids), "attractor", "attractors")
    if not found:
        return "\n".join([*lines, heading])
    lines.append(f"{heading}:")
    observable = record["observables"][0]
    level = f"{record['confidence']:.0%} CI"
    headings = ("#", *([p] if p else []), "kind", observable, "fraction", level, "period",
                "residence time")
    widths = (3, *_number_widths([p] if p else []), 13, *_number_widths([observable]), 10, 16,
              *_number_widths(headings[-2:]))
    lines.append(_row(headings, widths))
    for a in found:
        lines.append(_row((a["id"], *([f"{a['value']:.6g}"] if p else []), a["kind"],
                           f"{a['state'][observable]:.6g}", f"{a['fraction']:.3f}",
                           "[{:.3f}, {:.3f}]".format(*a["ci"]), _optional(a["period"]),
                           _residence(a)), widths))
    if p is None:
        return "\n".join(lines)
    events = record["events"]
    births = sum(e["event"] == "birth" for e in events)
    heading = (f"{_counted(births, 'birth', 'births')}, "
               f"{_counted(len(events) - births, 'death', 'deaths')}")
    if not events:
        return "\n".join([*lines, heading])
    widths = (8, 3, *_number_widths([f"{p} from", f"{p} to"]))
    lines += [f"{heading}:", _row(("event", "#", f"{p} from", f"{p} to"), widths)]
    for e in events:
        lines.append(_row((e["event"], e["id"], *(f"{v:.6g}" for v in e["between"])), widths))
    return "\n".join(lines)


def _hysteresis(args):
    lo, hi = _interval(args.range, "--range")
    if args.steps is not None and args.settle is None:
        raise UsageError("argument --steps: expected with --settle")
    if args.rates is not None and len(set(args.rates)) < 3:
        raise UsageError(f"argument --rates: expected at least 3 different rates, got "
                         f"{' '.join(f'{r:g}' for r in args.rates)}")
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    options = {"rate": args.rate, "rates": args.rates, "settle": args.settle,
               "steps": args.steps, "replicates": args.replicates}
    with _warnings_to_stderr():
        loop = cp.hysteresis(model, args.param, (lo, hi), population=population,
                             seed=args.seed, **{key: value for key, value in options.items()
                                                if value is not None})
    if args.plot:
        _save_figure(_hysteresis_figure(loop), args.plot)
    record = _plain({**loop.to_dict(sweep=True), "model": model.name,
                     "parameters": model.parameters,
                     "population": _population_name(population)})
    if args.json:
        print(json.dumps(record, allow_nan=False))
    else:
        print(_hysteresis_summary(record))
    return 0


def _timescales(args):
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    comparison = cp.compare_timescales(model, args.eps, t_end=args.t_end,
                                       population=population, seed=args.seed)
    if args.plot:
        plt = _pyplot()
        figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
        comparison.plot_phase_plane(ax=left)
        comparison.plot_errors(ax=right)
        _save_figure(figure, args.plot)
    record = _plain({**comparison.to_dict(), "parameters": model.parameters,
                     "population": _population_name(population), "t_end": args.t_end})
    if args.json:
        print(json.dumps(record, allow_nan=False))
    else:
        print("\n".join(_header(model.name, model.parameters, _population_name(population))
                        + [comparison.summary()]))
    return 0


def _regime(args):
    model = _load(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    form = args.reduced_form or reduced_form(args.model)
    if form is None:
        raise UsageError("argument --reduced-form: expected for a model without a default "
                         "relation, e.g. --reduced-form 'u ~ inflation'")
    result = cp.regime_break(model, {args.lever: args.before}, {args.lever: args.after},
                             switch_at=args.switch_at, periods=args.periods,
                             reduced_form=form, population=population, seed=args.seed,
                             replicates=args.replicates)
    if args.plot:
        axes = result.plot()
        _save_figure(axes[0].figure, args.plot)
    record = _plain({**result.to_dict(), "parameters": model.parameters,
                     "population": _population_name(population), "seed": args.seed})
    if args.json:
        print(json.dumps(record, allow_nan=False))
    else:
        print("\n".join(_header(model.name, model.parameters, _population_name(population))
                        + [result.summary()]))
    return 0


def _hysteresis_figure(loop):
    """The loop over the continuation (with ``rates``: and the delay against the rate)."""
    plt = _pyplot()  # selects Agg before the loop's plot imports pyplot
    if not loop.scaling:
        return loop.plot().figure
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    loop.plot(ax=left)
    _draw_delays(right, loop.scaling)
    return figure


def _draw_delays(ax, scaling):
    """The delay after each fold against the ramp rate, log-log, with the fitted power law
    and the slope 2/3 of theory."""
    marks = {"up": {"marker": "o", "mfc": "none", "color": "tab:blue"},
             "down": {"marker": "x", "color": "tab:orange"}}
    fitted = [s for s in scaling if np.isfinite(s.exponent)]
    for s in scaling:
        ax.loglog(s.rates, s.delays, ls="none", ms=8, **marks.get(s.direction, {}),
                  label=f"{s.direction}-jump: α = {s.exponent:.3f} ± {s.stderr:.3f}")
    if fitted:
        s = fitted[0]
        r = np.geomspace(s.rates.min() / 1.5, s.rates.max() * 1.5, 50)
        ax.loglog(r, s.prefactor * r ** s.exponent, color="0.3", lw=1,
                  label=f"fit: δ = {s.prefactor:.3g} r^{s.exponent:.3f}")
        anchor = s.delays[0] / s.rates[0] ** (2 / 3)
        ax.loglog(r, anchor * r ** (2 / 3), "k--", lw=1,
                  label="theory: δ ∝ r^(2/3) (Haberman 1979)")
    _plain_log_ticks(ax, sorted({r for s in scaling for r in s.rates}))
    ax.set(xlabel="ramp rate r", ylabel="delay δ of the jump after the fold",
           title="delay of the jumps after the folds against the ramp rate")
    ax.legend(loc="upper left", framealpha=0.95, edgecolor="none")


def _plain_log_ticks(ax, rates):
    """Log axes labelled with plain numbers: the rates on x, 1-2-5 steps on y."""
    from matplotlib import ticker

    plain = ticker.FuncFormatter(lambda value, _: f"{value:g}")
    ax.set_xticks(rates, labels=[f"{r:g}" for r in rates])
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _hysteresis_summary(record):
    """The loop for a person (``record`` in plain types, None for undefined numbers): the
    sweep, the verdict, the jumps, the rate check and, with several rates, the delay law."""
    lines = _header(record["model"], record["parameters"], record["population"])
    p, (lo, hi) = record["param"], record["interval"]
    by_rate = record["by_rate"]
    lines += [f"swept       {p} from {lo:g} to {hi:g} and back",
              f"ramp        {_ramp_text(record)}, held {record['hold']:.3g} at each end"]
    if record["replicates"] > 1:
        lines.append(f"replicates  {record['replicates']} (seed {record['seed']})")
    lines += _loop_lines(record)
    if record["folds"]:
        lines.append(f"folds       {p} = " + ", ".join(f"{f:.6g}" for f in record["folds"])
                     + " (continuation of the mean field)")
    lag = record["lag"]
    if lag is not None and record["delay_estimate"] is not None:
        lines.append("rate check  " + ("rate-dominated" if record["rate_dominated"]
                                       else "quasi-static")
                     + f" (lag {lag:.3g}, relaxation rate {record['relaxation_rate']:.3g}, "
                       f"delay estimate {record['delay_estimate']:.3g})")
    lines += _jumps_table(record)
    if by_rate:
        lines += _by_rate_table([record, *by_rate], p)
    if record["scaling"]:
        lines += _scaling_table(record["scaling"], p)
    return "\n".join(lines)


def _ramp_text(record):
    """How the parameter moved: a ramp at one rate or several, or a staircase."""
    if record["ramp"] == "staircase":
        return (f"staircase of {record['steps']} levels x {record['settle']:g} per leg "
                f"(effective rate {record['rate']:.3g})")
    rates = sorted([record["rate"], *(loop["rate"] for loop in record["by_rate"])])
    if len(rates) > 1:
        return (f"continuous at {len(rates)} rates from {rates[0]:.3g} to {rates[-1]:.3g} "
                f"(below: the slowest)")
    return f"continuous at rate {record['rate']:.3g}"


def _loop_lines(record):
    """yes/no, the width and the area (with their intervals over several replicates)."""
    def value(name):
        text = f"{record[name]:.6g}"
        ci = record[f"{name}_ci"]
        if record["replicates"] > 1 and None not in ci:
            text += (f", {record['confidence']:.0%} CI [{ci[0]:.6g}, {ci[1]:.6g}] over the "
                     f"replicates")
        return text

    if not record["hysteresis"]:
        return ["hysteresis  no (width 0)", f"area        {value('area')}"]
    return ["hysteresis  yes", f"width       {value('width')}", f"area        {value('area')}"]


def _jumps_table(record):
    """One row per jump (one replicate), or per direction and order summarised over the
    replicates: where, how often, from and to."""
    p, y = record["param"], record["observable"]
    replicates = record["replicates"]
    if replicates == 1:
        jumps = record["jumps"]
        heading = f"{_counted(len(jumps), 'jump', 'jumps')} in {y}"
        if not jumps:
            return [heading]
        headings = ("direction", p, "from", "to", "size")
        widths = (11, *_number_widths(headings[1:]))
        lines = [f"{heading}:", _row(headings, widths)]
        for j in jumps:
            lines.append(_row((j["direction"], *(f"{j[k]:.6g}" for k in
                                                 ("param", "from", "to", "size"))), widths)
                         + ("   completed during the hold" if j["during_hold"] else ""))
        return lines
    found = record["jump_summary"]
    heading = (f"{_counted(len(found), 'jump', 'jumps')} in {y} per replicate, over "
               f"{replicates} replicates")
    if not found:
        return [heading]
    level = f"{record['confidence']:.0%} CI"
    headings = ("direction", f"mean {p}", level, "jumped", "mean from", "mean to", "mean size")
    widths = (11, *_number_widths(headings[1:2]), 24, 10, *_number_widths(headings[4:]))
    lines = [f"{heading}:", _row(headings, widths)]
    for s in found:
        ci = "-" if None in s["ci"] else "[{:.4g}, {:.4g}]".format(*s["ci"])
        lines.append(_row((s["direction"], f"{s['mean']:.6g}", ci,
                           f"{s['n_jumped']}/{replicates}",
                           *(f"{s[k]:.6g}" for k in ("from", "to", "size"))), widths)
                     + ("   completed during the hold" if s["during_hold"] else ""))
    return lines


def _by_rate_table(loops, p):
    """One row per rate: the loop width and area, the first up- and down-jump."""
    headings = ("rate", "width", "area", f"up-jump {p}", f"down-jump {p}")
    widths = (12, *_number_widths(headings[1:]))
    lines = [f"loops at {len(loops)} rates:", _row(headings, widths)]
    for loop in sorted(loops, key=lambda loop: loop["rate"]):
        first = {}
        for s in loop["jump_summary"]:
            if s["order"] == 0:
                first[s["direction"]] = f"{s['mean']:.6g}"
        lines.append(_row((f"{loop['rate']:.6g}", f"{loop['width']:.6g}",
                           f"{loop['area']:.6g}", first.get("up", "-"),
                           first.get("down", "-")), widths))
    return lines


def _scaling_table(scaling, p):
    """The fit delay = C rate^alpha after each fold (theory alpha = 2/3)."""
    headings = ("direction", f"fold {p}", "exponent", "stderr", "prefactor")
    widths = (11, *_number_widths(headings[1:]))
    lines = ["delay after the fold ~ C rate^alpha (theory: alpha = 2/3):",
             _row(headings, widths)]
    for s in scaling:
        lines.append(_row((s["direction"], *(_optional(s[k]) for k in
                                             ("fold", "exponent", "stderr", "prefactor"))),
                          widths)
                     + ("" if s["fold_source"] == "continuation"
                        else "   fold fitted as the slow limit"))
    return lines


def _optional(value):
    """A number with ``:.6g``, or "-" for none."""
    return "-" if value is None else f"{value:.6g}"


def _residence(attractor):
    """The mean residence time of a metastable state ("none seen" when no run left it)."""
    if attractor["kind"] != "metastable":
        return "-"
    time = attractor["residence_time"]
    return "none seen" if time is None else f"{time:.6g}"


def _counted(n, singular, plural):
    return f"{n} {singular if n == 1 else plural}"


def _number_widths(headings):
    """Column widths for numbers printed with ``:.6g`` under ``headings``."""
    return [max(len(heading), 12) + 2 for heading in headings]


def _header(model, parameters, population):
    """The first lines of a summary: model name, parameter values, population."""
    return [f"model       {model}",
            f"parameters  {_parameter_values(parameters)}",
            f"population  {population}"]


def _parameter_values(parameters):
    return ", ".join(f"{name}={value:g}" for name, value in parameters.items())


def _population_name(population):
    """``"mean-field"`` or the unit count N."""
    return population if isinstance(population, int) else str(population)


def _row(cells, widths):
    """A table row: the first cell left-aligned, the others right-aligned."""
    first, *rest = cells
    return f"  {first!s:<{widths[0]}}" + "".join(f"{cell:>{width}}"
                                                for cell, width in zip(rest, widths[1:]))


def _pyplot():
    """matplotlib.pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save_figure(figure, path):
    """Write ``figure`` to ``path`` (format from the suffix) and close it."""
    try:
        figure.savefig(path, dpi=150)
    finally:
        _pyplot().close(figure)


# --------------------------------------------------------------------------- demo
DEMO_POPULATIONS = (100, 1000, 10000)
DEMO_SEED = 0
DEMO_T_END = 40.0
PUSH_START, PUSH_END, REGIME_T_END = 20.0, 40.0, 60.0


def _demo(args):
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    paths, sections = [], []
    for section in DEMO_SECTIONS:
        written, lines = section(out)
        paths += written
        sections.append("\n".join(lines))
    summary = out / "summary.txt"
    summary.write_text(_demo_header() + "\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"demo written to {out.resolve()}:")
    for path in [*paths, summary]:
        print(f"  {path.name}")
    return 0


def _demo_header():
    model = cp.load(DEFAULT_MODEL)
    return (f"coupling demo: {DEFAULT_MODEL} ({_parameter_values(model.parameters)}, "
            f"eps={model.eps():g})")


def _two_panels(out, name, left_panel, right_panel):
    """Write ``name``: two panels side by side; return ``([path], summary lines)``."""
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    lines = left_panel(left) + [""] + right_panel(right)
    path = out / name
    _save_figure(figure, path)
    return [path], lines


def _trajectories_section(out):
    """``trajectories.png``: (a) convergence to the mean field, (b) a policy regime change."""
    return _two_panels(out, "trajectories.png", _convergence_panel, _regime_change_panel)


def _convergence_panel(ax):
    """Panel (a): seeded finite populations against the mean-field limit."""
    model = cp.load(DEFAULT_MODEL)
    limit = cp.simulate(model, DEMO_T_END, population="mean-field")
    m_star = limit.final()["m"]
    widths = (8, 10, 16, 14)
    lines = [f"(a) Finite populations converge to the mean-field limit (seed {DEMO_SEED})",
             f"mean-field fixed point m* = {m_star:.4f} (m at t = {DEMO_T_END:g})",
             f"deviation from m* in units of the standard error 1/sqrt(N): at t = "
             f"{DEMO_T_END:g}, and rms over t >= {DEMO_T_END / 2:g}",
             _row(("N", "final m", "(m-m*) sqrt(N)", "rms sqrt(N)"), widths)]
    for n, color in zip(DEMO_POPULATIONS, _blues(len(DEMO_POPULATIONS))):
        run = cp.simulate(model, DEMO_T_END, population=n, seed=DEMO_SEED)
        ax.plot(run.t, run["m"], color=color, lw=0.9, label=f"N = {n:,}")
        final = run.final()["m"]
        late = run["m"][run.t >= DEMO_T_END / 2] - m_star
        lines.append(_row((n, f"{final:.4f}", f"{(final - m_star) * math.sqrt(n):.2f}",
                           f"{math.sqrt(np.mean(late ** 2) * n):.2f}"), widths))
    ax.plot(limit.t, limit["m"], color="black", lw=2, ls="--", label="mean field")
    ax.set(xlabel="time", ylabel="mean choice m",
           title="(a) finite populations approach the mean-field limit")
    ax.legend(loc="lower right", frameon=False)
    return lines


def _blues(n):
    """``n`` blues from light to dark (small to large populations or spreads)."""
    from matplotlib import colormaps

    return colormaps["Blues"](np.linspace(0.4, 0.9, n))


REGIME_RUNS = (  # (push on h, population, line style)
    (-0.1, "mean-field", dict(color="tab:green")),
    (-0.3, "mean-field", dict(color="tab:red", lw=2)),
    (-0.3, 1000, dict(color="tab:red", lw=0.8, alpha=0.6, zorder=1)),
)
"""A push on h short of the fold of the upper equilibrium, and one beyond it (in the mean
field and in a population)."""


def _regime_change_panel(ax):
    """Panel (b): temporary policy pushes on h; a strong one tips m for good (hysteresis)."""
    model = cp.load(DEFAULT_MODEL)
    widths = (26, 10, 18, 14)
    lines = [f"(b) Policy regime change: h = 0, a push for {PUSH_START:g} <= t < {PUSH_END:g}, "
             "then h = 0 again",
             _row(("", "m before", "m at end of push", f"m at t = {REGIME_T_END:g}"), widths)]
    for push, population, style in REGIME_RUNS:
        schedule = {"h": [(PUSH_START, push), (PUSH_END, 0.0)]}
        run = cp.simulate(model, REGIME_T_END, population=population, seed=DEMO_SEED,
                          schedule=schedule, n_points=601)
        label = f"push h = {push:g}, " + ("mean field" if population == "mean-field"
                                          else f"N = {population:,}")
        ax.plot(run.t, run["m"], label=label, **style)
        m = run["m"]
        before, during, after = m[run.t < PUSH_START][-1], m[run.t < PUSH_END][-1], m[-1]
        outcome = ("recovers" if np.sign(after) == np.sign(before)
                   else "tips, and stays after the push (hysteresis)")
        lines.append(_row((label, f"{before:.3f}", f"{during:.3f}", f"{after:.3f}"), widths)
                     + f"   {outcome}")
    run.plot([], ax=ax)  # marks the schedule changes, labelled with the last run's values
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.set(ylabel="mean choice m", title="(b) a temporary policy push: recovery or tipping")
    ax.legend(loc="center right", framealpha=0.95, edgecolor="none")
    return lines


FIELD_RANGE = (-1.0, 1.0)
DEMO_SIGMAS = (0.1, 0.3, 0.6, 1.0)
"""Taste heterogeneities of panel (d), from below to above the cusp where the folds meet."""


def _bifurcation_section(out):
    """``bifurcation.png``: (c) equilibria of m against the field h, (d) heterogeneity
    removes the hysteresis."""
    return _two_panels(out, "bifurcation.png", _diagram_panel, _heterogeneity_panel)


def _diagram_panel(ax):
    """Panel (c): the bifurcation diagram of the default model, its bistable range shaded."""
    model = cp.load(DEFAULT_MODEL)
    sigma = model.parameters["sigma"]
    diagram = cp.continuation(model, "h", FIELD_RANGE)
    diagram.plot("m", ax=ax)
    folds = sorted(point.param for point in diagram.folds())
    lines = [f"(c) Equilibria of m against the field h (sigma = {sigma:g}, "
             f"{FIELD_RANGE[0]:g} <= h <= {FIELD_RANGE[1]:g})", f"  {_folds_text(folds)}"]
    if len(folds) > 1:
        ax.axvspan(folds[0], folds[-1], color="tab:orange", alpha=0.15,
                   label="bistable: hysteresis")
    pushes = {push: style["color"] for push, _, style in REGIME_RUNS}
    for push, color in pushes.items():
        ax.axvline(push, color=color, lw=1.0, ls=":", label=f"push h = {push:g} of (b)")
        where = ("inside the bistable range: m recovers" if len(folds) > 1 and
                 folds[0] < push < folds[-1] else "outside the bistable range: m tips")
        lines.append(f"  the push h = {push:g} of (b) lies {where}")
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.set(xlabel="field h", ylabel="mean choice m",
           title=f"(c) equilibria against the field h (σ = {sigma:g})")
    ax.legend(loc="upper left", framealpha=0.95, edgecolor="none")
    return lines


@functools.lru_cache(maxsize=1)
def _sigma_diagrams():
    """Continuations in h of the default model for each of DEMO_SIGMAS (shared by (d), (f))."""
    model = cp.load(DEFAULT_MODEL)
    return {sigma: cp.continuation(model.with_parameters(sigma=sigma), "h", FIELD_RANGE)
            for sigma in DEMO_SIGMAS}


def _heterogeneity_panel(ax):
    """Panel (d): diagrams for several taste heterogeneities sigma on one axes."""
    lines = ["(d) Heterogeneity removes the hysteresis: folds of m against h by taste "
             "spread sigma",
             "  sigma   folds and hysteresis width"]
    for (sigma, diagram), color in zip(_sigma_diagrams().items(), _blues(len(DEMO_SIGMAS))):
        folds = sorted(point.param for point in diagram.folds())
        width = f"width {folds[-1] - folds[0]:.3f}" if len(folds) > 1 else "no hysteresis"
        _draw_branches(ax, diagram, "m", f"σ = {sigma:g}: {width}", color=color)
        for point in diagram.folds():
            ax.plot(point.param, point.state["m"], "o", color=color, ms=5)
        lines.append(f"  {sigma:<8g}{_folds_text(folds)}")
    ax.plot([], [], "-", color="0.3", label="stable")
    ax.plot([], [], "--", color="0.3", label="unstable (dots: folds)")
    ax.axhline(0.0, color="0.7", lw=0.6)
    ax.set(xlabel="field h", ylabel="mean choice m",
           title="(d) taste heterogeneity σ shrinks the hysteresis loop")
    ax.legend(loc="upper left", framealpha=0.95, edgecolor="none")
    return lines


def _folds_text(folds):
    """The fold positions ``folds`` (sorted) and the hysteresis width between them."""
    if not folds:
        return "no folds: no hysteresis"
    text = "folds at h = " + ", ".join(f"{h:+.6f}" for h in folds)
    if len(folds) > 1:
        text += f"; hysteresis width {folds[-1] - folds[0]:.6f}"
    return text


def _draw_branches(ax, diagram, name, label, **style):
    """The branches of ``diagram`` in one style, under one legend ``label``: stable parts
    solid, unstable ones dashed."""
    for branch in diagram.branches:
        values = diagram.observable(branch, name)
        for stable, line in ((True, "-"), (False, "--")):
            runs = (branch.stable == stable).astype(int)
            near = np.convolve(runs, [1, 1, 1], mode="same") > 0  # runs meet at a change
            ax.plot(branch.param, np.where(near, values, np.nan), line,
                    lw=1.8 if stable else 1.0, label=label, **style)
            label = None


FOLD_FIELD_RANGE, FOLD_SIGMA_RANGE = (-0.6, 0.6), (0.0, 1.2)
DEMO_FOLD_GRID = 21
"""The (h, sigma) box of the fold-curve figure and the lattice its shading counts on."""


def _fold_curve_section(out):
    """``fold_curve.png``: (e) the folds in the plane (h, sigma), ending at the cusp,
    (f) the hysteresis width against sigma."""
    curve = cp.fold_curve(cp.load(DEFAULT_MODEL), "h", "sigma", FOLD_FIELD_RANGE,
                          FOLD_SIGMA_RANGE, seed=DEMO_SEED)
    cusps = [point for point in curve.special_points if point.kind == "cusp"]
    if len(curve.curves) != 1 or len(cusps) != 1:
        raise ValueError(f"demo: expected one fold curve through one cusp in (h, sigma), "
                         f"got {len(curve.curves)} curves and {len(cusps)} cusps")
    return _two_panels(out, "fold_curve.png", partial(_fold_map_panel, curve, cusps[0]),
                       partial(_width_panel, curve, cusps[0]))


def _fold_map_panel(curve, cusp, ax):
    """Panel (e): the fold curve in (h, sigma), the plane shaded by the number of
    equilibria, the cusp marked."""
    sigma_c = cusp.data["p2"]
    curve.plot(ax=ax, grid=DEMO_FOLD_GRID)
    ax.axhline(sigma_c, color="black", lw=0.8, ls="--", label=f"cusp CP: σ_c = {sigma_c:.3f}")
    ax.text(np.mean(FOLD_FIELD_RANGE), (sigma_c + FOLD_SIGMA_RANGE[1]) / 2,
            "σ > σ_c: one equilibrium for every h,\nno hysteresis", ha="center", va="center")
    ax.text(np.mean(FOLD_FIELD_RANGE), 0.25 * sigma_c, "3 equilibria:\nbistable",
            ha="center", va="center", color="white")
    ax.set(xlabel="field h", ylabel="taste spread σ",
           title="(e) the folds of m in (h, σ) meet at a cusp")
    ax.legend(loc="center left", framealpha=0.95, edgecolor="none")
    (points,) = curve.curves
    return [f"(e) Folds in the plane of the field h and the taste spread sigma "
            f"({FOLD_FIELD_RANGE[0]:g} <= h <= {FOLD_FIELD_RANGE[1]:g}, "
            f"{FOLD_SIGMA_RANGE[0]:g} <= sigma <= {FOLD_SIGMA_RANGE[1]:g})",
            f"  one fold curve of {len(points)} points, the plane shaded by the number of "
            f"equilibria on a {DEMO_FOLD_GRID} x {DEMO_FOLD_GRID} grid",
            f"  cusp at sigma_c = {sigma_c:.6f}, h = {round(cusp.param, 6) + 0.0:+.6f} "
            f"({cusp.status})",  # + 0.0: no "-0.000000" for a cusp at h = -1e-16
            "  for sigma above sigma_c the population has a single equilibrium for every h: "
            "no hysteresis" if points[:, 1].max() <= sigma_c else
            f"  the fold curve rises above the cusp, to sigma = {points[:, 1].max():.6f}"]


def _width_panel(curve, cusp, ax):
    """Panel (f): the hysteresis width against sigma, from the fold curve and from the
    one-parameter continuations of panel (d)."""
    sigma_c, (lo, hi) = cusp.data["p2"], FOLD_SIGMA_RANGE
    sigmas = np.linspace(lo, sigma_c, 200)
    ax.plot(sigmas, _fold_curve_widths(curve, cusp, sigmas), color="tab:red", lw=1.8,
            label="from the fold curve (e)")
    ax.plot([sigma_c, hi], [0.0, 0.0], color="tab:red", lw=1.8)
    ax.axvspan(sigma_c, hi, color="0.9", label="σ > σ_c: no hysteresis")
    ax.axvline(sigma_c, color="black", lw=0.8, ls="--")
    ax.plot(sigma_c, 0.0, "k*", ms=10, zorder=4, clip_on=False)
    ax.annotate("CP", (sigma_c, 0.0), xytext=(-22, 6), textcoords="offset points")
    lines = ["(f) Hysteresis width against sigma: from the fold curve, and from the "
             "continuations in h of (d)",
             "  sigma   from the fold curve   from (d)"]
    for (sigma, diagram), color in zip(_sigma_diagrams().items(), _blues(len(DEMO_SIGMAS))):
        folds = sorted(point.param for point in diagram.folds())
        width = folds[-1] - folds[0] if len(folds) > 1 else 0.0
        ax.plot(sigma, width, "o", color=color, ms=7, mec="black", zorder=3,
                label="continuations in h of (d)" if sigma == DEMO_SIGMAS[0] else None)
        (from_curve,) = _fold_curve_widths(curve, cusp, [sigma])
        lines.append(f"  {sigma:<8g}{from_curve:<22.4f}"
                     + (f"{width:.4f}" if len(folds) > 1 else "no folds"))
    ax.set(xlim=(lo, hi), ylim=(-0.01, None), xlabel="taste spread σ",
           ylabel="hysteresis width in h (between the folds)",
           title="(f) the hysteresis loop closes at the cusp σ_c")
    ax.legend(loc="upper right", framealpha=0.95, edgecolor="none")
    return lines


def _fold_curve_widths(curve, cusp, sigmas):
    """The distance in h between the two folds at each of ``sigmas`` (0 above the cusp), by
    monotone cubic interpolation of h against sigma along the two arms of the fold curve,
    which meet at the cusp, its highest point."""
    from scipy.interpolate import PchipInterpolator

    (points,) = curve.curves
    sigma_c, top = cusp.data["p2"], int(np.argmax(points[:, 1]))
    folds = []
    for arm in (points[:top + 1], points[top:]):
        arm = np.vstack([arm[arm[:, 1] < sigma_c], [[cusp.param, sigma_c]]])
        arm = arm[np.argsort(arm[:, 1])]
        folds.append(PchipInterpolator(arm[:, 1], arm[:, 0])(np.minimum(sigmas, sigma_c)))
    return np.abs(folds[1] - folds[0])


DEMO_RATES = (0.001, 0.003, 0.01, 0.03)
DEMO_LOOP_RATE = 0.03
DEMO_SWEEP_POINTS = 500
"""Ramp rates of h for the hysteresis figure: the loop of panel (g) is swept at
DEMO_LOOP_RATE, panel (h) fits the delay after the folds over all of DEMO_RATES; samples per
leg of each sweep (the jumps are located on a finer resampling anyway)."""


def _hysteresis_section(out):
    """``hysteresis.png``: (g) the loop swept by simulation over the equilibria, (h) the delay
    of its jumps after the folds against the ramp rate."""
    model = cp.load(DEFAULT_MODEL)
    diagram = _sigma_diagrams().get(model.parameters["sigma"], "auto")  # the same as (c)
    with _warnings_to_stderr():
        scan = cp.hysteresis(model, "h", FIELD_RANGE, rates=DEMO_RATES,
                             population="mean-field", diagram=diagram,
                             n_points=DEMO_SWEEP_POINTS)
    if len(scan.scaling) != 2:
        raise ValueError(f"demo: expected the delay after both folds, got "
                         f"{len(scan.scaling)} fits")
    (loop,) = [loop for loop in scan.by_rate if math.isclose(loop.rate, DEMO_LOOP_RATE)]
    return _two_panels(out, "hysteresis.png", partial(_loop_panel, loop),
                       partial(_delay_panel, scan))


def _loop_panel(loop, ax):
    """Panel (g): the simulated loop at one rate over the continuation, the jumps past the
    folds."""
    loop.plot(ax=ax)
    ax.set(xlabel="field h", ylabel="mean choice m",
           title=f"(g) h swept up and back at rate {loop.rate:g}: a loop of width "
                 f"{loop.width:.3f}")
    ax.legend(loc="upper left", framealpha=0.95, edgecolor="none")
    jumps = {j["direction"]: j for j in loop.jumps}
    folds = sorted(loop.folds())
    lines = [f"(g) Hysteresis loop by simulation: h swept from {FIELD_RANGE[0]:g} to "
             f"{FIELD_RANGE[1]:g} and back at rate {loop.rate:g} (mean field)"]
    for direction in ("up", "down"):
        if direction in jumps:
            j = jumps[direction]
            lines.append(f"  {direction}-jump at h = {j['param']:+.4f}: m from "
                         f"{j['from']:+.3f} to {j['to']:+.3f}")
    lines.append(f"  loop width {loop.width:.4f}, area {loop.area:.4f}"
                 if loop.hysteresis else "  no hysteresis loop")
    if loop.hysteresis and len(folds) > 1:
        lines.append(f"  wider than the bistable range of (c), {folds[-1] - folds[0]:.4f}: the "
                     f"jumps lag the folds, see (h)")
    return lines


def _delay_panel(scan, ax):
    """Panel (h): the delay of the jumps after the folds against the ramp rate, with the
    fitted power law and the slope 2/3 of theory."""
    _draw_delays(ax, scan.scaling)
    ax.set_title("(h) the jumps lag the folds by δ ∝ r^(2/3)")
    lines = ["(h) Delay of the jumps after the folds against the ramp rate r: "
             "delta = C r^alpha",
             _row(("rate", "loop width", "delay up", "delay down"), (8, 12, 12, 12))]
    for i, loop in enumerate(scan.by_rate):
        delays = [f"{s.delays[i]:.4f}" for s in scan.scaling]
        lines.append(_row((f"{loop.rate:g}", f"{loop.width:.4f}", *delays), (8, 12, 12, 12)))
    lines.append("  fitted exponent alpha = " + ", ".join(
        f"{s.exponent:.3f} +- {s.stderr:.3f} ({s.direction})" for s in scan.scaling)
        + "; theory 2/3 (Haberman 1979)")
    return lines


FAST_SLOW_MODEL = "slow-feedback"
FAST_SLOW_SETTINGS = {"x0": 0.9}  # the units start on the upper attracting branch
FAST_SLOW_EPS = (0.03, 0.01, 0.003, 0.001)
FAST_SLOW_T_END = 15.0


def _timescales_section(out):
    """``timescales.png``: (i) the fast-slow phase plane of a relaxation oscillation, (j) the
    full model's distance to its slow reduction against eps."""
    model = cp.load(FAST_SLOW_MODEL, **FAST_SLOW_SETTINGS)
    comparison = cp.compare_timescales(model, FAST_SLOW_EPS, t_end=FAST_SLOW_T_END)
    return _two_panels(out, "timescales.png", partial(_phase_plane_panel, comparison),
                       partial(_timescale_error_panel, comparison))


def _phase_plane_panel(comparison, ax):
    """Panel (i): critical manifold, reduced and full runs in the (y, X) plane."""
    comparison.plot_phase_plane(ax=ax)
    ax.set_title("(i) relaxation oscillation on the critical manifold")
    folds = comparison.manifold.folds() if comparison.manifold is not None else []
    lines = [f"(i) Fast/slow: {FAST_SLOW_MODEL} (units relax on eps, the macro y on 1), "
             "against its slow reduction (eps -> 0)",
             "  folds of the critical manifold at y = "
             + ", ".join(f"{p.param:+.4f} (X = {p.state['X']:+.4f})" for p in folds),
             f"  reduced run: {comparison.folds.size} jumps at the folds, period "
             f"{comparison.period_reduced:.4f}"]
    return lines


def _timescale_error_panel(comparison, ax):
    """Panel (j): sup-norm error against eps before the first fold, periods per eps."""
    comparison.plot_errors(ax=ax)
    ax.set_title("(j) full against reduced: O(eps) before the first fold")
    widths = (10, 12, 12, 10, 14)
    lines = ["(j) Full model against the reduction (sup-norm over t past the initial layer "
             "and before the first fold)",
             _row(("eps", "error y", "error X", "period", "period shift"), widths)]
    for i, eps in enumerate(comparison.eps):
        lines.append(_row((f"{eps:g}", f"{comparison.error_macro[i]:.3e}",
                           f"{comparison.error_aggregates[i]:.3e}",
                           f"{comparison.period[i]:.4f}",
                           f"{comparison.period[i] - comparison.period_reduced:+.4f}"), widths))
    lines.append(f"  fitted order: y {comparison.order_macro:.2f}, X "
                 f"{comparison.order_aggregates:.2f} (theory 1); period shift ~ eps^"
                 f"{comparison.order_period:.2f} (theory 2/3: the jumps lag the folds)")
    return lines


REGIME_MODEL = "phillips-curve"
REGIME_SWITCH = ("rho", 0.2, 0.9)  # the monetary rule becomes persistent
REGIME_SWITCH_AT = 300


def _regime_section(out):
    """``regime.png``: (k) a Phillips curve estimated under one monetary rule, tested across
    a switch to another: the forecasts, the recursive estimates, the verdict."""
    model = cp.load(REGIME_MODEL)
    lever, before, after = REGIME_SWITCH
    result = cp.regime_break(model, {lever: before}, {lever: after},
                             switch_at=REGIME_SWITCH_AT, reduced_form=reduced_form(REGIME_MODEL),
                             seed=DEMO_SEED)
    plt = _pyplot()
    figure, axes = plt.subplots(3, 1, figsize=(10, 10), layout="constrained")
    result.plot(axes=axes)
    axes[0].set_title(f"(k) {REGIME_MODEL}: the monetary rule's persistence {lever} goes "
                      f"from {before:g} to {after:g} at t = {REGIME_SWITCH_AT}")
    path = out / "regime.png"
    _save_figure(figure, path)
    kappa = model.parameters["kappa"]
    lines = [f"(k) Lucas critique: the Phillips curve {result.reduced_form} estimated under "
             f"{lever} = {before:g}, tested after a switch to {lever} = {after:g} "
             f"(N = {model.population} forecasters, seed {DEMO_SEED})",
             f"  slope under A {result.fit_before.coef[1]:+.3f} (theory "
             f"{-(1 - before ** 2) / kappa:+.3f}), under B {result.fit_after.coef[1]:+.3f} "
             f"(theory {-(1 - after ** 2) / kappa:+.3f}), structural prediction "
             f"{result.structural.coef[1]:+.3f}",
             f"  forecast RMSE after the switch: reduced form {result.rmse_reduced:.3f}, "
             f"structural {result.rmse_structural:.3f} (noise level {result.noise:.3f})"]
    lines += [f"  {test.description}" for test in result.tests.values()]
    lines.append("  " + result.verdict)
    return [path], lines


DEMO_SECTIONS = (_trajectories_section, _bifurcation_section, _fold_curve_section,
                 _hysteresis_section, _timescales_section, _regime_section)
"""Demo sections: each takes the output directory, writes its files and returns
``(paths written, summary lines)``."""
