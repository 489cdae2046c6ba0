r"""Finite stochastic populations: choice, Markov and black-box step rules.

Each unit revises at Poisson rate 1/ε. Over a step of length h with the context frozen, a unit
revises with probability :math:`q = 1 - e^{-h/\varepsilon}` exactly; the error from the context
drifting within the step is O(h). As N → ∞ the shares follow :math:`\varepsilon \dot p = P(c) - p`
(Kurtz 1970, J. Appl. Probab. 7). Markov units (:mod:`coupling.model._markov`) jump instead
at their own state's rates: a unit in state k leaves with probability
:math:`1 - e^{-h \lambda_k/\varepsilon}`, :math:`\lambda_k = \sum_l q_{kl}`, to l with
probability :math:`q_{kl}/\lambda_k`, with the same O(h) error of the frozen context. All
units are updated as whole arrays from one seeded :class:`numpy.random.Generator`.

A ramp (piecewise-linear parameter path) is followed as a fine staircase: its parameters are
set at the midpoint of every step. Between revisions the aggregates are constant, so the macro
state is advanced over the step with the aggregates frozen and the context recomputed from the
moving macro state (classical RK4, or the map itself in discrete time).
"""

import numpy as np

from .._errors import DeclarationError
from ._common import describe_nonfinite, fixed_steps
from ._noise import Noise


class Reviser:
    """Draws the next micro state of a finite stochastic population.

    A unit revises with probability q = 1 - exp(-h/ε) over a step of length h and then draws
    its choice or takes the step's proposal; a step with ``activation="all"`` returns the
    whole next state, which is taken as it is.
    """

    def __init__(self, system):
        self.system = system
        rule = system.rule
        if rule.kind == "choice":
            # P of options 1..K-1 only: option 0 takes the remaining probability.
            self.tail = system.code.choice_tail
            options = np.asarray(rule.options)
            self.values = np.append(options[1:], options[0])
        if rule.kind == "markov":  # a unit's option index from its value
            self.order = np.argsort(rule.options)
            self.sorted = np.asarray(rule.options)[self.order]
        self.max_rate_step = 0.0  # the largest h * (exit rate) / eps met (Markov rules)

    def __call__(self, Z, ctx, h):
        s = self.system
        if s.rule.kind == "step" and s.rule.activation == "all":
            return self._step(Z, ctx, h)
        if s.rule.kind == "markov":
            return self._jump(Z, ctx, h)
        q = -np.expm1(-h / s.eps)
        u = s.rng.random(s.size)
        revise = None if q == 1.0 else u < q
        if revise is not None:
            u = u / q  # uniform on [0, 1) again, given that the unit revises
        if s.rule.kind == "choice":
            new = self._choose(Z, ctx, u)[:, None]
        else:
            new = self._step(Z, ctx, h)
        return new if revise is None else np.where(revise[:, None], new, Z)

    def _choose(self, Z, ctx, u):
        s = self.system
        env = s.micro_env(Z)
        env.update(ctx)
        tail = self.tail(env)
        if len(tail) == 1:
            cumulative = tail[0]
            choice = np.where(u < cumulative, self.values[0], self.values[1])
        else:
            cumulative = np.cumsum(np.stack([np.broadcast_to(p, (s.size,)) for p in tail]),
                                   axis=0)
            choice = self.values[(u[None, :] >= cumulative).sum(axis=0)]
        if not np.isfinite(np.add.reduce(cumulative, axis=None)):
            bad = np.argwhere(~np.isfinite(np.atleast_2d(cumulative)))[0]
            option = s.rule.options[1 + bad[0]]
            raise FloatingPointError(f"non-finite choice probability P({s.rule.state}="
                                     f"{option:g}) of unit {bad[1]}")
        return choice

    def _rates(self, Z, ctx):
        """The (M, K) rates q_kl / ε out of each unit's current state k, checked."""
        s, rule = self.system, self.system.rule
        env = s.micro_env(Z)
        env.update(ctx)
        values = s.code.micro(env)
        current = self.order[np.searchsorted(self.sorted, Z[:, 0])]
        rates = np.zeros((s.size, len(rule.options)))
        for (k, l), q in zip(rule.transitions, values):
            here = current == k
            rates[here, l] = np.broadcast_to(q, (s.size,))[here]
        bad = ~np.isfinite(rates) | (rates < 0)
        if bad.any():
            unit, l = np.argwhere(bad)[0]
            k = current[unit]
            raise FloatingPointError(f"rate {rule.label(k, l)} of unit {unit} is "
                                     f"{rates[unit, l]:g}; rates must be finite and >= 0")
        return rates / s.eps

    def _jump(self, Z, ctx, h):
        """One step of Markov units: leave with 1 - exp(-h λ), then to l with q_l / λ."""
        rates = self._rates(Z, ctx)
        total = rates.sum(axis=1)
        self.max_rate_step = max(self.max_rate_step, h * float(total.max(initial=0.0)))
        leave = -np.expm1(-h * total)
        u = self.system.rng.random(self.system.size)
        moving = u < leave
        if not moving.any():
            return Z
        u = u[moving] / leave[moving]  # uniform on [0, 1) again, given that the unit leaves
        cumulative = np.cumsum(rates[moving], axis=1) / total[moving, None]
        target = np.minimum((u[:, None] >= cumulative).sum(axis=1), rates.shape[1] - 1)
        new = Z.copy()
        new[moving, 0] = np.asarray(self.system.rule.options)[target]
        return new

    def _step(self, Z, ctx, h):
        s = self.system
        proposal = s.rule.function(s.state_dict(Z), dict(s.traits), dict(ctx), dict(s.params),
                                   s.rng, h)
        if not isinstance(proposal, dict) or set(proposal) != set(s.rule.states):
            keyed = isinstance(proposal, dict)
            odd = sorted(set(s.rule.states) ^ set(proposal)) if keyed else []
            raise DeclarationError(
                f"the step function must return a dict with the states {list(s.rule.states)}, "
                f"got {type(proposal).__name__}"
                + (f" with keys {sorted(proposal)}" if keyed else ""),
                symbol=", ".join(odd) or None, level="micro")
        out = np.empty_like(Z)
        for j, name in enumerate(s.rule.states):
            value = np.asarray(proposal[name], dtype=float)
            if value.shape not in ((s.size,), ()):
                raise DeclarationError(f"the step function returned shape {value.shape}; "
                                       f"expected one value per unit ({s.size},)",
                                       symbol=name, level="micro")
            out[:, j] = value
        return out


def advance_macro(system, y, X, local, h):
    """The macro state after time h with the aggregates frozen (RK4)."""
    if not system.macro_names:
        return y

    def F(v):
        return system.macro_rhs(v, X, system.context(v, X, local))

    k1 = F(y)
    k2 = F(y + h / 2 * k1)
    k3 = F(y + h / 2 * k2)
    k4 = F(y + h * k3)
    return y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)


def run(system, schedule, recorder, times, Z, y, *, dt):
    """Continuous-time stochastic run from (Z, y) on a grid fitted into the output intervals
    (with macro noise, σ √h ξ is added to each macro step: Euler–Maruyama)."""
    noise = Noise(system) if system.model.has_noise else None
    revise = Reviser(system)
    if times[0] == 0:
        recorder.record(0.0, Z, y)
    steps = 0
    for t, t_next, n, h in fixed_steps(times, schedule, dt):
        system.set_parameters(schedule.at(t))
        for i in range(n):
            if schedule.ramped:
                system.set_parameters(schedule.at(t + (i + 0.5) * h))
            X, local, ctx = system.evaluate(y, Z)
            y_new = advance_macro(system, y, X, local, h)
            if noise is not None:
                y_new = y_new + noise.macro_kick(y, np.sqrt(h))
            try:
                Z = revise(Z, ctx, h)
            except FloatingPointError as exc:
                return -1, f"{exc} at t = {t + i * h:.10g}", Z, {"steps": steps,
                                                                   **_markov_stats(revise)}
            y = y_new
            steps += 1
        culprit = describe_nonfinite(system, Z, y)
        if culprit is not None:
            return -1, f"non-finite value in {culprit} at t = {t_next:.6g}", Z, {"steps": steps,
                                                                        **_markov_stats(revise)}
        if t_next in times:
            system.set_parameters(schedule.at(t_next))
            recorder.record(t_next, Z, y)
    return 0, None, Z, {"steps": steps, **_markov_stats(revise)}


def _markov_stats(revise):
    """The largest h λ / ε of a Markov run (the step control to watch), else nothing."""
    if revise.system.rule.kind != "markov":
        return {}
    return {"max_rate_step": revise.max_rate_step}
