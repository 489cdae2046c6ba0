"""Argument checks shared by every entry point: one wording, one error type per kind of mistake.

Each check either returns the normalised value or raises before any work starts, naming the
argument, what was expected and, for names, the closest valid one. A name the model does not
have is always an :class:`~coupling.UnknownNameError` (a ``DeclarationError`` and a
``KeyError``); a malformed value is a ``ValueError`` (a ``TypeError`` for the wrong kind of
object). An argument that has no effect on the run an entry point makes is reported by
:func:`ignored` as an :class:`IgnoredArgumentWarning`.
"""

import difflib
import numbers
import warnings

import numpy as np

from ._errors import (ArgumentError, DeclarationError, IgnoredArgumentWarning,
                      UnknownNameError)


def suggest(name, candidates):
    """"; did you mean 'x'?" for the closest candidate, or ""."""
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def known(name, candidates, *, argument, what, level):
    """``name`` if it is one of ``candidates``, else :class:`UnknownNameError`.

    Parameters
    ----------
    name : object
        The name given.
    candidates : iterable of str
        The valid names, listed in the message.
    argument : str
        The argument that carried the name, e.g. ``"schedule"``.
    what : str
        What the name should have been, e.g. ``"a parameter of the model"``.
    level : str
        The ``level`` of the error (``"parameters"``, ``"macro"``, ``"catalog"``, ...).

    Returns
    -------
    str

    Raises
    ------
    UnknownNameError
        ``"schedule: 'hh' is not a parameter of the model; expected one of ['J', 'h'];
        did you mean 'h'?"``
    """
    candidates = list(candidates)
    if not isinstance(name, str) or name not in candidates:
        raise UnknownNameError(f"{argument}: {name!r} is not {what}; expected one of "
                               f"{sorted(candidates)}{suggest(name, candidates)}",
                               symbol=str(name), level=level)
    return name


def parameter(model, name, *, argument="param"):
    """``name`` if it is a parameter of ``model``, else :class:`UnknownNameError`."""
    return known(name, model.parameters, argument=argument, what="a parameter of the model",
                 level="parameters")


def parameters(model, names, *, argument):
    """The names (e.g. the keys of a schedule), each a parameter of ``model``, as a tuple.

    Raises
    ------
    UnknownNameError
        For the first name that is not a parameter, with the closest one.
    """
    return tuple(parameter(model, name, argument=argument) for name in names)


def observables(model, names, *, argument="observables"):
    """Names of observables: macro variables, aggregates or context variables of ``model``.

    Parameters
    ----------
    model : Model
    names : str, sequence of str or None
        One name, several, or None for all of them in declaration order (macro variables,
        then aggregates, then context variables).
    argument : str
        The argument named in errors.

    Returns
    -------
    tuple of str

    Raises
    ------
    UnknownNameError
        A name the model does not have (with the closest one).
    ValueError
        No name, or a name twice.
    """
    available = (*model.macro, *model.aggregates, *model.context)
    if names is None:
        return available
    names = (names,) if isinstance(names, str) else tuple(names)
    if not names:
        raise ArgumentError(f"{argument} must name at least one of {list(available)}",
                            argument=argument)
    repeated = sorted({n for n in names if names.count(n) > 1}, key=str)
    if repeated:
        raise ArgumentError(f"{argument} names {repeated} more than once", argument=argument)
    for name in names:
        known(name, available, argument=argument, level="observables",
              what="a macro variable, aggregate or context variable of the model")
    return names


def population(value, *, argument="population"):
    """A unit count N >= 1 as an int, or a :class:`~coupling.MeanField` (``"mean-field"``
    is ``MeanField()``).

    Raises
    ------
    DeclarationError
        Anything else (level ``"population"``).
    """
    from .model._rules import MeanField

    if isinstance(value, MeanField):
        return value
    if isinstance(value, str) and value == "mean-field":
        return MeanField()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise DeclarationError(f"{argument} must be a unit count N >= 1 or 'mean-field', "
                               f"got {value!r}", symbol="N", level="population")
    if value < 1:
        raise DeclarationError(f"a population needs N >= 1 units, got N = {value}",
                               symbol="N", level="population")
    return int(value)


def seed(value, *, argument="seed"):
    """A seed: None (fresh entropy), a non-negative integer or a
    :class:`numpy.random.SeedSequence`, returned unchanged.

    Raises
    ------
    ValueError
        ``"seed must be a non-negative integer or a numpy SeedSequence, got -1"``.
    """
    if value is None or isinstance(value, np.random.SeedSequence):
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < 0:
        raise ArgumentError(f"{argument} must be a non-negative integer or a numpy "
                            f"SeedSequence, got {value!r}", argument=argument)
    return value


def ignored(argument, value, reason, *, stacklevel=3):
    """Warn that ``argument=value`` has no effect, and why.

    Parameters
    ----------
    argument : str
    value : object
    reason : str
        Why it has no effect, e.g. ``"this run takes adaptive steps"``.
    stacklevel : int
        As for :func:`warnings.warn`; the default points at the caller of the function
        calling :func:`ignored` (the user's call of an entry point).
    """
    warnings.warn(f"{argument}={value!r} is ignored: {reason}", IgnoredArgumentWarning,
                  stacklevel=stacklevel)


def interval(value, *, argument="interval"):
    """A parameter range (lo, hi) with finite lo < hi, as floats."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{argument} must be a pair (lo, hi) of numbers, got {value!r}",
                            argument=argument) \
            from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ArgumentError(f"{argument} must satisfy lo < hi with finite ends, got {value!r}",
                            argument=argument)
    return lo, hi


def positive(value, *, argument):
    """A finite number > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not (np.isfinite(value) and value > 0):
        raise ArgumentError(f"{argument} must be a positive number, got {value!r}",
                            argument=argument)
    return float(value)


def fraction(value, *, argument):
    """A number strictly between 0 and 1."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not 0 < value < 1:
        raise ArgumentError(f"{argument} must be a number in (0, 1), got {value!r}",
                            argument=argument)
    return float(value)


def count(value, *, argument, minimum=1):
    """An integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ArgumentError(f"{argument} must be an integer >= {minimum}, got {value!r}",
                            argument=argument)
    return int(value)
