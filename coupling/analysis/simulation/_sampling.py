r"""Initial conditions for ``cp.attractors``: random streams keyed by what they are for,
random starts at both levels, restarts from the end of a run.

The macro variables are drawn uniformly in a box, the micro level as a random configuration
(a random common level of each unit state, with optional per-unit jitter; random choice
shares, uniform on the probability simplex). Every start is an ``initial=`` mapping of
:func:`~coupling.simulate`.
"""

import numpy as np

from ... import _checks
from ._inputs import child_seed, seed_root


class _RunSeed(np.random.SeedSequence):
    """A run's SeedSequence whose first spawned stream, the one a ``System`` draws its
    traits from (it spawns traits, initial choices, dynamics, in that order), is a shared
    one: every sample runs the same finite population."""

    def __init__(self, entropy=None, *, spawn_key=(), pool_size=4, n_children_spawned=0,
                 traits=None):
        super().__init__(entropy, spawn_key=spawn_key, pool_size=pool_size,
                         n_children_spawned=n_children_spawned)
        self._traits = traits

    def spawn(self, n_children):
        children = super().spawn(n_children)
        return children if self._traits is None else [self._traits, *children[1:]]


class Streams:
    """Every random stream of an analysis, from one SeedSequence.

    The traits are the stream ``cp.simulate(..., seed=seed)`` draws them from (child 0);
    the sampler and the runs use children of a separate branch (spawn key 3)."""

    def __init__(self, seed):
        self.root = seed_root(seed)
        self.entropy, self.key = self.root.entropy, tuple(self.root.spawn_key)

    def _child(self, *key):
        return child_seed(self.root, *key)

    def bounds(self):
        """The run that finds default sampling bounds (same population as the samples)."""
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 4), traits=self._child(0))

    def sampler(self):
        return np.random.default_rng(self._child(3, 0))

    def run(self, i):
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 1, i), traits=self._child(0))

    def jitter(self, p):
        return np.random.default_rng(self._child(3, 3, p))

    def seeded(self, p, k):
        return _RunSeed(self.entropy, spawn_key=self.key + (3, 2, p, k),
                        traits=self._child(0))


class Sampler:
    """Random initial states at both levels, and restarts near end states, as the
    ``initial=`` mappings of :func:`~coupling.simulate`."""

    def __init__(self, model, population, bounds, spread, *, seed, t_end):
        from ...model._rules import MeanField

        self.model, self.population, self.spread = model, population, spread
        self.finite = not isinstance(population, MeanField)
        self.choice = model.micro.kind in ("choice", "markov")
        self.states = () if self.choice else tuple(model.micro.states)
        self.box = _bounds(model, population, bounds, self.states, seed, t_end)

    def draw(self, rng, n):
        """``n`` initial states ``{name: value}`` and the table of draws: macro variables
        uniform in the box; unit states at a uniform common level (jittered per unit by
        ``spread``); choice shares uniform on the simplex, a finite population's units then
        drawing their options from them."""
        table = {name: rng.uniform(*self.box[name], n) for name in self.model.macro}
        states = [{name: float(v[i]) for name, v in table.items()} for i in range(n)]
        if self.choice:
            rule = self.model.micro
            shares = rng.dirichlet(np.ones(len(rule.options)), n)
            table.update({f"share({rule.state}={o:g})": shares[:, j]
                          for j, o in enumerate(rule.options)})
            for state, row in zip(states, shares):
                state[rule.state] = self._choices(rng, row) if self.finite else row
        else:
            levels = {s: rng.uniform(*self.box[s], n) for s in self.states}
            table.update(levels)
            for i, state in enumerate(states):
                state.update({s: self._units(rng, s, levels[s][i]) for s in self.states})
        return states, table

    def _choices(self, rng, shares):
        """Each unit's option drawn from the choice shares."""
        options = np.asarray(self.model.micro.options, dtype=float)
        index = (rng.random(self.population)[:, None] >= np.cumsum(shares)).sum(axis=1)
        return options[np.minimum(index, options.size - 1)]

    def _units(self, rng, state, level):
        if not (self.finite and self.spread):
            return float(level)
        lo, hi = self.box[state]
        jitter = self.spread * (hi - lo) * (rng.random(self.population) - 0.5)
        return np.clip(level + jitter, lo, hi)

    def seed_from(self, trajectory, rng, size=1e-3):
        """An initial state near a trajectory's end state: moved by up to ``size`` of the
        box width (a node's choice probabilities by up to ``size``, renormalised), so that
        an equilibrium that lost its stability, or an invariant set such as a symmetric
        state, is left. A finite choice population restarts at its units' choices."""
        state = end_state(self.model, trajectory, self.finite)
        rule = self.model.micro
        for name, value in state.items():
            if name in self.box:
                lo, hi = self.box[name]
                moved = value + size * (hi - lo) * rng.uniform(-1, 1, np.shape(value))
                state[name] = float(moved) if np.ndim(value) == 0 else moved
            elif self.choice and name == rule.state and not self.finite:
                p = np.clip(value + size * rng.uniform(-1, 1, value.shape), 0, None)
                state[name] = p / p.sum(axis=1, keepdims=True)
        return state


def end_state(model, trajectory, finite):
    """The state at the end of ``trajectory`` as an ``initial=`` mapping: every macro
    variable, and every unit's (node's) micro state -- option values of a finite choice
    population, choice probabilities (M, K) of a mean-field one."""
    Z = trajectory.micro[-1]
    state = {n: float(trajectory[n][-1]) for n in model.macro}
    rule = model.micro
    if rule.kind == "choice":
        state[rule.state] = Z[:, 0].copy() if finite else Z.copy()
    else:
        state.update({s: Z[:, j].copy() for j, s in enumerate(rule.states)})
    return state


def _bounds(model, population, bounds, states, seed, t_end):
    """The sampling box of the macro variables and unit states."""
    needed = tuple(model.macro) + tuple(states)
    bounds = dict(bounds or {})
    unknown = set(bounds) - set(needed)
    if unknown:
        raise ValueError(f"bounds name {sorted(unknown)}, which are not macro variables or "
                         f"unit states; expected some of {list(needed)}"
                         + (" (choice shares are sampled on the simplex)"
                            if model.micro.kind == "choice" else ""))
    box = {name: _checks.interval(pair, argument=f"bounds of {name!r}")
           for name, pair in bounds.items()}
    missing = [n for n in needed if n not in box]
    if missing:
        box.update(_default_bounds(model, population, missing, seed, t_end))
    return box


def _default_bounds(model, population, names, seed, t_end):
    """The range a run from the declared initial state visits, with zero, widened
    threefold (as the equilibrium search does)."""
    from ...dynamics._simulate import simulate

    run = simulate(model, t_end=min(t_end, 50) if model.time == "continuous" else
                   int(min(t_end, 100)), population=population, seed=seed,
                   micro_snapshots=True, n_points=51)
    out = {}
    for name in names:
        if name in model.macro:
            values = run[name]
        else:
            values = run.micro[:, :, model.micro.states.index(name)]
        lo, hi = min(float(np.min(values)), 0.0), max(float(np.max(values)), 0.0)
        mid, half = (lo + hi) / 2, max(hi - lo, 1.0) * 1.5
        out[name] = (mid - half, mid + half)
    return out
