"""Exceptions raised by the library."""


class DeclarationError(ValueError):
    """A model declaration is malformed.

    Attributes
    ----------
    symbol : str or None
        The offending name (a parameter, trait, state, aggregate, context or macro variable).
    level : str or None
        Where it was found: ``"parameters"``, ``"traits"``, ``"micro"``, ``"aggregates"``,
        ``"context"``, ``"macro"``, ``"network"``, ``"population"`` or ``"timescale"``.
    """

    def __init__(self, message, *, symbol=None, level=None):
        where = []
        if level is not None:
            where.append(f"level '{level}'")
        if symbol is not None:
            where.append(f"symbol '{symbol}'")
        prefix = f"[{', '.join(where)}] " if where else ""
        super().__init__(prefix + message)
        self.symbol = symbol
        self.level = level


class SimulationError(RuntimeError):
    """A simulation failed and ``throw=True`` was requested.

    The partial result is kept in the ``trajectory`` attribute.
    """

    def __init__(self, message, trajectory=None):
        super().__init__(message)
        self.trajectory = trajectory


class ArgumentError(ValueError):
    """An argument of an analysis or a run is invalid (a range with lo >= hi, a negative
    count, a malformed seed); the message names the argument.

    Attributes
    ----------
    argument : str or None
    """

    def __init__(self, message, *, argument=None):
        super().__init__(message)
        self.argument = argument


class UnknownNameError(DeclarationError, KeyError):
    """A name (a parameter, an observable) that the model does not have.

    It is a :class:`DeclarationError` and, for code that looks names up, a ``KeyError``.
    """

    __str__ = ValueError.__str__  # the message as written, not KeyError's quoted repr


class ParameterDomainError(ValueError):
    """A parameter value outside its domain (a negative spread, a timescale ε <= 0).

    Raised when a parameter is set, by an analysis or by the user; continuation treats it as
    the edge of the branch. Not a :class:`DeclarationError`: the model is well declared, the
    value is not in its domain.

    Attributes
    ----------
    parameter : str or None
        The model parameter whose value is out of the domain (None for a literal value).
    value : float
    symbol, level : str
        The declaration symbol and level whose domain it left (a trait, the timescale).
    """

    def __init__(self, message, *, parameter=None, value=None, symbol=None, level=None):
        super().__init__(message)
        self.parameter, self.value, self.symbol, self.level = parameter, value, symbol, level


class IgnoredArgumentWarning(UserWarning):
    """An argument was given that has no effect on the computation chosen (for example a
    step ``dt`` on a run integrated with adaptive steps)."""
