"""``main``: parse the command line, run the command, report the library's errors."""

import os
import sys

from .._errors import ArgumentError, DeclarationError, ParameterDomainError, SimulationError
from ._parser import build_parser
from ._types import UsageError

INPUT_ERRORS = (ArgumentError, DeclarationError, ParameterDomainError, SimulationError,
                OSError)
"""What a command reports on one line and exits 1 for: a bad argument, model, name or
parameter value (UnknownNameError is a DeclarationError), a failed simulation, a file that cannot be
read or written. Anything else is a bug and shows its traceback."""


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
        args = build_parser().parse_args(argv)
        return args.run(args)
    except UsageError as error:
        return _fail(error, code=2)
    except BrokenPipeError:  # the reader went away (``coupling ... | head``): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except INPUT_ERRORS as error:
        return _fail(error, code=1)


def _fail(error, code):
    """Report ``error`` on one line of stderr and return the exit ``code``."""
    print(f"coupling: error: {' '.join(str(error).split())}", file=sys.stderr)
    return code
