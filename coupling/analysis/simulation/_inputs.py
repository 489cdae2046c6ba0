"""Argument checks shared by the simulation analyses (beyond those of ``coupling._checks``)."""

import numpy as np

from ... import _checks


def progress_option(value):
    """``progress=``: True, False, or None (progress only when stderr is a terminal)."""
    if not (value is None or isinstance(value, bool)):
        raise TypeError(f"progress must be True, False or None, got {value!r}")
    return value


def observables(model, names):
    """The observables compared or recorded (default: macro variables, then aggregates);
    named ones as :func:`coupling._checks.observables` checks them."""
    if names is None:
        return tuple(model.macro) + tuple(model.aggregates)
    return _checks.observables(model, names)


def seed_root(seed):
    """The root SeedSequence of ``seed`` (a non-negative int, None or a SeedSequence)."""
    seed = _checks.seed(seed)
    return seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)


def child_seed(root, *key):
    """The stream of ``root`` at ``key``: ``SeedSequence(entropy, spawn_key=root's key +
    key)``, the same whatever was spawned before (unlike ``root.spawn``)."""
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + key)
