r"""The starting state of a run: the model's initial values, overridden by ``initial=``.

``initial`` is a mapping from names to values or a state such as an
:class:`~coupling.Equilibrium` (anything with a ``macro`` mapping and a ``micro`` array):

* a macro variable takes a number;
* a micro state of an ODE, map, step or response rule takes a number (every unit) or an
  array with one value per unit (per quadrature node for a mean-field population);
* the state of a choice rule takes, for a finite population, an option value (every unit)
  or one option value per unit; for a mean-field population, an option value (all of every
  node's probability on it) or choice probabilities: one per option (every node, shape (K,))
  or one row per node (shape (M, K)), each row non-negative and summing to one.

A name that is not given keeps the model's initial value (drawn from the same stream of
initial choices as without ``initial``). An equilibrium's micro state must belong to the same
population; for a finite choice population, whose equilibria hold each unit's choice
probabilities, every unit's option is drawn from its probabilities (stream of initial
choices). Every value is checked before a run starts, and so is the resulting state: a
non-finite value is reported with the variable, level and unit that hold it.
"""

from collections.abc import Mapping

import numpy as np

from .. import _checks
from ._common import describe_nonfinite

#: Largest deviation from one of a row of initial choice probabilities.
PROBABILITY_TOL = 1e-9


def initial_state(system, initial=None):
    """The starting micro state Z (M, k) and macro state y (m,) of a run.

    Parameters
    ----------
    system : System
        The model on its population.
    initial : mapping, Equilibrium or None
        Starting values by name (see the module notes); None for the model's own.

    Returns
    -------
    Z : ndarray (M, k)
    y : ndarray (m,)

    Raises
    ------
    UnknownNameError
        A name that is neither a macro variable nor a micro state (with the closest one).
    ValueError
        A value of the wrong shape, not finite, not an option, or probabilities that do not
        sum to one; a non-finite value in the model's own initial state.
    TypeError
        ``initial`` is neither a mapping nor a state.
    """
    if initial is None:
        values, micro = {}, None
    elif isinstance(initial, Mapping):
        values, micro = dict(initial), None
    elif hasattr(initial, "macro") and hasattr(initial, "micro"):
        values, micro = dict(initial.macro), _state_micro(system, initial.micro)
    else:
        raise TypeError(f"initial must be a mapping {{name: value}} or an Equilibrium, got "
                        f"{type(initial).__name__}")
    macro_names, micro_names = system.macro_names, tuple(system.rule.states)
    for name in values:
        _checks.known(name, (*macro_names, *micro_names), argument="initial",
                      what="a macro variable or micro state of the model", level="initial")
    y = system.initial_macro()
    for i, name in enumerate(macro_names):
        if name in values:
            y[i] = _macro_value(name, values[name])
    if micro is None and system.choice and system.rule.state in values:
        micro = _choice_state(system, values[system.rule.state])
    elif micro is None:
        micro = system.initial_micro()
        for j, name in enumerate(micro_names):
            if name in values:
                micro[:, j] = _unit_values(system, name, values[name])
    culprit = describe_nonfinite(system, micro, y)
    if culprit is not None:
        raise ValueError(f"the initial state has a non-finite value in {culprit}: give it a "
                         f"finite initial value in the model or in initial=")
    return micro, y


def _macro_value(name, value):
    number = _numbers(name, value)
    if number.ndim:
        raise ValueError(f"initial[{name!r}] is a macro variable and takes one number, got "
                         f"shape {number.shape}")
    _finite(name, number)
    return float(number)


def _unit_values(system, name, value):
    """One value per unit (node) of a micro state from a number or an array."""
    values = _numbers(name, value)
    if values.shape not in ((), (system.size,)):
        raise ValueError(f"initial[{name!r}] takes a number or one value per "
                         f"{_unit(system)}, shape ({system.size},); got shape {values.shape}")
    _finite(name, values)
    return values


def _choice_state(system, value):
    """The micro state of a choice rule from option values (finite N) or probabilities."""
    name, options = system.rule.state, np.asarray(system.rule.options)
    if not system.expected:
        chosen = _unit_values(system, name, value)
        foreign = np.atleast_1d(chosen)[~np.isin(np.atleast_1d(chosen), options)]
        if foreign.size:
            raise ValueError(f"initial[{name!r}] takes option values {options.tolist()}, got "
                             f"{foreign[0]:g}")
        return np.broadcast_to(chosen, (system.size,)).astype(float)[:, None]
    probabilities = _numbers(name, value)
    K, M = options.size, system.size
    if probabilities.ndim == 0:  # one option value: all of every node's probability on it
        if not np.isin(probabilities, options):
            raise ValueError(f"initial[{name!r}] takes option values {options.tolist()} or "
                             f"choice probabilities, got {float(probabilities):g}")
        probabilities = (options == probabilities).astype(float)
    if probabilities.shape not in ((K,), (M, K)):
        raise ValueError(f"initial[{name!r}] of a mean-field population takes choice "
                         f"probabilities, one per option {options.tolist()}: shape ({K},) "
                         f"or one row per node ({M}, {K}); got shape {probabilities.shape}")
    _finite(name, probabilities)
    rows = np.atleast_2d(probabilities)
    bad = np.flatnonzero(np.any(rows < 0, axis=1)
                         | (np.abs(rows.sum(axis=1) - 1) > PROBABILITY_TOL))
    if bad.size:
        where = f" of node {bad[0]}" if rows.shape[0] > 1 else ""
        raise ValueError(f"initial[{name!r}]: choice probabilities must be non-negative and "
                         f"sum to one; those{where} are {rows[bad[0]].tolist()}")
    return np.array(np.broadcast_to(rows, (M, K)), dtype=float)


def _state_micro(system, micro):
    """The micro state of a given state (an equilibrium) for this run's population."""
    micro = np.asarray(micro, dtype=float)
    if system.choice and not system.expected:
        expected = (system.size, len(system.rule.options))
        if micro.shape == expected:
            return _draw_choices(system, micro)
    else:
        expected = (system.size, system.k)
    if micro.shape != expected:
        raise ValueError(f"initial: the micro state given has shape {micro.shape}, but this "
                         f"run's population needs {expected} (one row per {_unit(system)}): "
                         f"use an equilibrium of the same population")
    return micro.copy()


def _draw_choices(system, probabilities):
    """Each unit's option drawn from its row of choice probabilities."""
    options = np.asarray(system.rule.options)
    u = system._init_rng.random(system.size)
    index = (u[:, None] >= np.cumsum(probabilities, axis=1)).sum(axis=1)
    return options[np.minimum(index, options.size - 1)][:, None].astype(float)


def _numbers(name, value):
    if isinstance(value, (bool, np.bool_, str)):
        raise ValueError(f"initial[{name!r}] must be a number or an array of numbers, got "
                         f"{value!r}")
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"initial[{name!r}] must be a number or an array of numbers, got "
                         f"{value!r}") from None


def _finite(name, values):
    bad = np.argwhere(~np.isfinite(np.atleast_1d(values)))
    if bad.size:
        index = tuple(int(i) for i in bad[0])
        at = f" at index {index[0] if len(index) == 1 else index}" if np.ndim(values) else ""
        raise ValueError(f"initial[{name!r}] must be finite, got "
                         f"{np.atleast_1d(values)[index]}{at}")


def _unit(system):
    return "node" if system.mean_field else "unit"
