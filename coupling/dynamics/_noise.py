r"""The random inputs of a model: named shocks and additive noise.

* Named shocks (discrete time) are drawn afresh every period, ~ N(0, sd²): idiosyncratic ones
  once per unit (read by the micro rule and the aggregates, like a trait), aggregate ones once
  per period (read by the context map and the macro dynamics). Between draws, and in every
  deterministic analysis, they are 0.
* Additive noise moves the state after each update: x_{t+1} = g + s ξ in discrete time; in
  continuous time it is the diffusion of an SDE. Micro noise acts in the units' own time
  τ = t/ε, dx = f dτ + s dW_τ, i.e. dx = (f/ε) dt + (s/√ε) dW_t, so that its stationary
  spread does not depend on ε.

Every draw comes from the system's dynamics stream: same seed, same numbers.
"""

import numpy as np

from ..model._compiled import Compiled
from ..model._expressions import Expression


class Noise:
    """Draws the shocks of a :class:`~coupling.model._system.System` and evaluates the
    noise intensities."""

    def __init__(self, system):
        self.system = system
        model, rule = system.model, system.model.micro
        self.unit_shocks = _compiled(getattr(rule, "shocks", {}), "micro")
        self.shocks = _compiled(model.shocks, "shocks")
        micro_noise = dict(getattr(rule, "noise", {}))
        self.micro_states = [rule.states.index(n) for n in micro_noise]
        self.micro_noise = _compiled(micro_noise, "micro")
        macro_noise = {n: m.noise for n, m in model.macro.items() if m.noise is not None}
        self.macro_states = [list(model.macro).index(n) for n in macro_noise]
        self.macro_noise = _compiled(macro_noise, "macro")

    @property
    def active(self):
        """Whether the model draws anything."""
        return any(part is not None for part in (self.unit_shocks, self.shocks,
                                                 self.micro_noise, self.macro_noise))

    def draw_shocks(self):
        """This period's named shocks, set into the system."""
        s = self.system
        values = {}
        for part, size in ((self.unit_shocks, s.size), (self.shocks, None)):
            if part is not None:
                names, deviations = part
                for name, sd in zip(names, deviations(s.params)):
                    values[name] = float(sd) * s.rng.standard_normal(size)
        if values:
            s.set_shocks(values)

    def micro_kick(self, scale=1.0):
        """Additive micro noise: an (M, k) array s ξ ``scale`` (zeros where there is none)."""
        s = self.system
        kick = np.zeros((s.size, s.k))
        if self.micro_noise is not None:
            env = {**s.params, **s.traits}
            for j, intensity in zip(self.micro_states, self.micro_noise[1](env)):
                kick[:, j] = intensity * scale * s.rng.standard_normal(s.size)
        return kick

    def macro_kick(self, y, scale=1.0):
        """Additive macro noise: σ(y) ξ ``scale`` per macro variable."""
        s = self.system
        kick = np.zeros(len(s.macro_names))
        if self.macro_noise is not None:
            env = {**s.params, **dict(zip(s.macro_names, y))}
            for j, intensity in zip(self.macro_states, self.macro_noise[1](env)):
                kick[j] = float(intensity) * scale * s.rng.standard_normal()
        return kick


def _compiled(mapping, level):
    """(names, compiled expressions) of a mapping, or None when it is empty."""
    if not mapping:
        return None
    return tuple(mapping), Compiled([Expression(v, symbol=n, level=level)
                                     for n, v in mapping.items()])
