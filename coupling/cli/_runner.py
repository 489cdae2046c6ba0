"""The one way every analysis command runs: load the model, run the analysis, draw it with
``--plot``, print it as JSON with ``--json`` or else as a summary for a person."""

import contextlib
import sys
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

import coupling as cp
from .._json import dumps


@dataclass(frozen=True)
class Command:
    """An analysis command.

    Attributes
    ----------
    name, help : str
        The command's name on the command line and its one-line help.
    arguments : callable
        ``arguments(parser)`` adds the command's own options (after the model's; the
        parser adds ``--plot`` and ``--json``).
    analyse : callable
        ``analyse(model, population, args)`` returns the result: a
        :class:`~coupling.results.Result` (``success``, ``summary()``, ``to_dict()``,
        ``plot()``).
    plot : str, optional
        The help of ``--plot FILE``; None for a command without a figure.
    check : callable, optional
        ``check(args)`` raises :class:`~coupling.cli._types.UsageError` for options that
        do not go together, before the model is loaded.
    record, summary, figure : callable, optional
        ``record(result, args, model)`` the JSON document (default ``result.to_dict()``;
        the model's name, parameters and population are added to it),
        ``summary(result, args)`` the text (default ``result.summary()``),
        ``figure(result, args)`` what ``--plot`` draws (default ``result.plot()``): an Axes
        or an array of them.
    """

    name: str
    help: str
    arguments: Callable
    analyse: Callable
    plot: str = None
    check: Callable = None
    record: Callable = None
    summary: Callable = None
    figure: Callable = None


def run(command, args):
    """Run ``command`` with the parsed ``args``; return the exit code (1 if the result
    failed)."""
    if command.check is not None:
        command.check(args)
    model = load_model(args.model, dict(args.values))
    population = model.population if args.population is None else args.population
    with warnings_to_stderr():
        result = command.analyse(model, population, args)
    if args.plot:
        use_agg()
        drawn = command.figure(result, args) if command.figure else result.plot()
        save_figure(np.ravel(drawn)[0].figure, args.plot)
    context = {"model": model.name, "parameters": model.parameters,
               "population": population_name(population)}
    if args.json:
        record = command.record(result, args, model) if command.record else \
            result.to_dict()
        print(dumps({**context, **record}))
    else:
        text = command.summary(result, args) if command.summary else result.summary()
        print("\n".join([*header(**context), text]))
    # Equilibria, BifurcationDiagram and FoldCurve have no status yet: they always succeed
    return 0 if getattr(result, "success", True) else 1


def load_model(name, values):
    """A catalogue model by name, or a JSON model file by path, with ``values`` set."""
    if name.endswith(".json"):
        return cp.read_model(name).with_parameters(**values)
    return cp.load(name, **values)


def header(model, parameters, population):
    """The first lines of every summary: model name, parameter values, population."""
    return [f"model       {model}",
            f"parameters  {parameter_values(parameters)}",
            f"population  {population}"]


def parameter_values(parameters):
    """``name=value, ...`` of a model's parameters."""
    return ", ".join(f"{name}={value:g}" for name, value in parameters.items())


def population_name(population):
    """``"mean-field"`` or the unit count N."""
    return population if isinstance(population, int) else str(population)


@contextlib.contextmanager
def warnings_to_stderr():
    """Report the warnings raised inside as ``coupling: warning: ...`` lines on stderr, each
    message once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for message in dict.fromkeys(str(w.message) for w in caught):
        print(f"coupling: warning: {' '.join(message.split())}", file=sys.stderr)


def use_agg():
    """Select matplotlib's non-interactive Agg backend (before pyplot is imported)."""
    import matplotlib

    matplotlib.use("Agg")


def save_figure(figure, path):
    """Write ``figure`` to ``path`` (format from the suffix) and close it."""
    import matplotlib.pyplot as plt

    try:
        figure.savefig(path, dpi=150)
    finally:
        plt.close(figure)
