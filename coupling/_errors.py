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
