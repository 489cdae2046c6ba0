"""The ``coupling`` command line: list the catalogue, simulate a model, run the demo.

Examples
--------
::

    coupling models
    coupling simulate social-choice --set beta=2 --set h=0.1 --t-end 40 --json
    coupling simulate social-choice --set norm=true --population 1000 --seed 1 --plot run.png
    coupling demo --out coupling-demo
"""

import argparse
import json
import math
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import numpy as np

import coupling as cp

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
                     description="Coupled micro-macro dynamics: simulate catalogue models.")
    commands = parser.add_subparsers(title="commands", dest="command", required=True)

    models = commands.add_parser("models", help="list the catalogue of models")
    models.set_defaults(run=_models)

    simulate = commands.add_parser("simulate", help="simulate a catalogue model or a model file")
    simulate.add_argument("model", help="catalogue name (see 'coupling models') or a JSON "
                                        "model file")
    simulate.add_argument("--set", dest="values", metavar="NAME=VALUE", action="append",
                          type=_assignment, default=[],
                          help="a parameter or model option (repeatable): a number, "
                               "or true/false")
    simulate.add_argument("--population", type=_population,
                          help="unit count N or 'mean-field' (default: the model's)")
    simulate.add_argument("--t-end", type=_positive, metavar="T",
                          help="final time (default: the simulator's)")
    simulate.add_argument("--seed", type=_seed, help="random seed (an integer >= 0)")
    simulate.add_argument("--plot", metavar="FILE", help="save a plot of the run to FILE")
    simulate.add_argument("--json", action="store_true",
                          help="print the run as a JSON document only")
    simulate.set_defaults(run=_simulate)

    demo = commands.add_parser("demo", help=f"run {DEFAULT_MODEL} end to end: figure + summary")
    demo.add_argument("--out", type=Path, default=Path("coupling-demo"), metavar="DIR",
                      help="output directory (default: ./coupling-demo)")
    demo.set_defaults(run=_demo)
    return parser


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


def _positive(text):
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (value > 0 and math.isfinite(value)):
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
    parameters = ", ".join(f"{name}={value:g}" for name, value in tr.parameters.items())
    lines = [f"model       {tr.model}",
             f"parameters  {parameters}",
             f"population  {tr.population}",
             f"method      {tr.method}",
             f"status      {tr.message}",
             f"final values at t = {tr.t[-1]:g}:"]
    lines += [f"  {name:<{width}}  {value:.6g}" for name, value in final.items()]
    lines.append(f"jumps       {len(tr.jumps)}")
    return "\n".join(lines)


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
    parameters = ", ".join(f"{name}={value:g}" for name, value in model.parameters.items())
    return f"coupling demo: {DEFAULT_MODEL} ({parameters}, eps={model.eps():g})"


def _trajectories_section(out):
    """``trajectories.png``: (a) convergence to the mean field, (b) a policy regime change.

    Returns
    -------
    paths : list of Path
        The files written.
    lines : list of str
        Summary lines.
    """
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    lines = _convergence_panel(left) + [""] + _regime_change_panel(right)
    path = out / "trajectories.png"
    _save_figure(figure, path)
    return [path], lines


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
    """``n`` blues from light to dark (small to large populations)."""
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


def _row(cells, widths):
    """A table row of summary.txt: the first cell left-aligned, the others right-aligned."""
    first, *rest = cells
    return f"  {first!s:<{widths[0]}}" + "".join(f"{cell:>{width}}"
                                                for cell, width in zip(rest, widths[1:]))


DEMO_SECTIONS = (_trajectories_section,)
"""Demo sections: each takes the output directory, writes its files and returns
``(paths written, summary lines)``."""
