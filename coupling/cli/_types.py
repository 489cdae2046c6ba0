"""What a command line may hold: the values of the options, checked as they are read."""

import argparse
import math
from pathlib import Path


class UsageError(Exception):
    """A malformed command line (raised by the parser and the commands instead of exiting);
    the command line exits with code 2."""


def interval(values, option):
    """The ``(LO, HI)`` of ``option``, checked: LO < HI."""
    lo, hi = values
    if not lo < hi:
        raise UsageError(f"argument {option}: expected LO < HI, got {lo:g} {hi:g}")
    return lo, hi


def assignment(text):
    """``"name=value"`` as ``(name, value)``, the value parsed by :func:`value`."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, value(raw.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name}: expected a number or true/false, "
                                         f"got {raw!r}") from None


def value(text):
    """``true``/``false`` as bool, whole numbers as int, anything else as float."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return float(text)


def lever_value(text):
    """A lever's value: a number, or else a rule (an expression, checked when used)."""
    try:
        return number(text)
    except argparse.ArgumentTypeError:
        return text


def bound(text):
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


def axis(text, default_count=None):
    """``"name=lo:hi:n"`` (n evenly spaced values from lo to hi), ``"name=lo:hi"`` (with a
    default n) or ``"name=v1,v2,..."`` as ``(name, values)``."""
    name, equals, raw = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise argparse.ArgumentTypeError(f"expected NAME=LO:HI:N or NAME=V1,V2,..., got "
                                         f"{text!r}")
    if ":" not in raw:
        return name, [number(v) for v in raw.split(",")]
    parts = raw.split(":")
    if len(parts) == 2 and default_count is not None:
        parts.append(str(default_count))
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"{name}: expected LO:HI:N, got {raw!r}")
    lo, hi, n = number(parts[0]), number(parts[1]), grid(parts[2])
    if not lo < hi:
        raise argparse.ArgumentTypeError(f"{name}: expected LO < HI, got {raw!r}")
    return name, [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def population(text):
    """A unit count N >= 1, or ``mean-field``."""
    if text == "mean-field":
        return text
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a unit count N >= 1 or 'mean-field', "
                                     f"got {text!r}")


def seed(text):
    """A random seed: an integer >= 0."""
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")


def number(text):
    """A finite number."""
    try:
        parsed = float(text)
    except ValueError:
        parsed = math.nan
    if not math.isfinite(parsed):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return parsed


def grid(text):
    """An integer >= 2 (lattice sizes, counts of values)."""
    if text.isdigit() and int(text) >= 2:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 2, got {text!r}")


def count(text):
    """An integer >= 1."""
    if text.isdigit() and int(text) >= 1:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")


def positive(text):
    """A finite number > 0."""
    parsed = number(text)
    if not parsed > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return parsed


def figure_path(text):
    """A file name whose suffix matplotlib can write (png, pdf, svg, ...; none for png),
    checked before any work starts."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = Path(text).suffix.lstrip(".").lower()
    if suffix and suffix not in formats:
        raise argparse.ArgumentTypeError(f"cannot write a figure to {text!r}: expected a "
                                         f"file ending in one of {', '.join(sorted(formats))}")
    return text
