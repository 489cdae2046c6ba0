"""Argument checks shared by every analysis: one wording, one error type per kind of mistake.

Each check either returns the normalised value or raises before any work starts, naming the
argument, what was expected and, for names, the closest valid one.
"""

import difflib
import numbers

import numpy as np

from ._errors import UnknownNameError


def suggest(name, candidates):
    """"; did you mean 'x'?" for the closest candidate, or ""."""
    close = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def parameter(model, name, *, argument="param"):
    """``name`` if it is a parameter of ``model``, else :class:`UnknownNameError`."""
    if not isinstance(name, str) or name not in model.parameters:
        raise UnknownNameError(
            f"{argument}={name!r} is not a parameter of the model; it has "
            f"{sorted(model.parameters)}{suggest(name, model.parameters)}",
            symbol=str(name), level="parameters")
    return name


def interval(value, *, argument="interval"):
    """A parameter range (lo, hi) with finite lo < hi, as floats."""
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{argument} must be a pair (lo, hi) of numbers, got {value!r}") \
            from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{argument} must satisfy lo < hi with finite ends, got {value!r}")
    return lo, hi


def positive(value, *, argument):
    """A finite number > 0."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not (np.isfinite(value) and value > 0):
        raise ValueError(f"{argument} must be a positive number, got {value!r}")
    return float(value)


def count(value, *, argument, minimum=1):
    """An integer >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or value < minimum:
        raise ValueError(f"{argument} must be an integer >= {minimum}, got {value!r}")
    return int(value)
