"""The parser of the ``coupling`` command line: one sub-command per analysis, plus
``models`` and ``demo``."""

import argparse
from functools import partial
from pathlib import Path

import coupling as cp

from . import _types as types
from ._commands import COMMANDS
from ._demo import DEFAULT_MODEL, demo
from ._runner import run
from ._types import UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    """The ``coupling`` parser; each sub-command sets ``run(args) -> exit code``."""
    parser = _Parser(prog="coupling",
                     description="Coupled micro-macro dynamics: simulate catalogue models, "
                                 "find and continue their equilibria, find their attractors, "
                                 "measure their hysteresis loops.")
    commands = parser.add_subparsers(title="commands", dest="command", required=True)
    commands.add_parser("models", help="list the catalogue of models").set_defaults(
        run=models)
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help)
        _model_arguments(sub)
        command.arguments(sub)
        if command.plot:
            sub.add_argument("--plot", metavar="FILE", type=types.figure_path,
                             help=command.plot)
        else:
            sub.set_defaults(plot=None)
        sub.add_argument("--json", action="store_true",
                         help="print the result as a JSON document only")
        sub.set_defaults(run=partial(run, command))
    sub = commands.add_parser("demo", help=f"run {DEFAULT_MODEL} end to end: figures + "
                                           "summary")
    sub.add_argument("--out", type=Path, default=Path("coupling-demo"), metavar="DIR",
                     help="output directory (default: ./coupling-demo)")
    sub.add_argument("--no-progress", dest="progress", action="store_const", const=False,
                     default=None, help="do not report the sections' progress on stderr "
                                        "(default: report it when stderr is a terminal)")
    sub.set_defaults(run=demo)
    return parser


def _model_arguments(command):
    """The model to run and how: MODEL, ``--set``, ``--population``, ``--seed``."""
    command.add_argument("model", help="catalogue name (see 'coupling models') or a JSON "
                                       "model file")
    command.add_argument("--set", dest="values", metavar="NAME=VALUE", action="extend",
                         nargs="+", type=types.assignment, default=[],
                         help="parameters or model options: --set A=1 B=2, or --set "
                              "repeated; each value a number or true/false")
    command.add_argument("--population", type=types.population,
                         help="unit count N or 'mean-field' (default: the model's)")
    command.add_argument("--seed", type=types.seed, help="random seed (an integer >= 0)")


def models(args):
    """``coupling models``: one line per catalogue model, its name and what it is."""
    catalogue = cp.catalog()
    width = max(map(len, catalogue), default=0)
    for name, summary in catalogue.items():
        print(f"{name:<{width}}  {summary}")
    return 0
