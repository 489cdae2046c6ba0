r"""Vectorised evaluation of declared expressions and of their derivatives.

A :class:`Compiled` bundles the expressions of one level (the micro rule, an aggregate, the
context map, the macro dynamics). Symbolic expressions are compiled once with
:func:`sympy.lambdify` into a numpy function that evaluates all units in one call, and each
requested Jacobian is differentiated symbolically and compiled the same way. Callables are
evaluated as given and differentiated by central differences, one input at a time across all
units at once (each unit's block only depends on its own inputs).

Steps in the mean-field limit
-----------------------------
A threshold or step rule (``heaviside``, a comparison, ``where``; all
:class:`~coupling.model._expressions.UnitStep`) has derivative zero almost everywhere. A finite
population evaluates it as it is. Its mean-field limit is smooth, and exact, when the step is
in a continuous trait θ with CDF :math:`F_\theta`:

.. math::  E_\theta[H(a - b\,\theta)] = F_\theta(a/b) \ (b > 0), \qquad
           1 - F_\theta(a/b) \ (b < 0),

for a, b free of θ (the step's argument is affine in θ). A micro rule that is affine in its
own states and in such steps, with coefficients free of θ, has node states that are linear
in the steps, so its expectation over θ is the same rule with every step replaced by its
expectation (Granovetter 1978, AJS 83, 1420-1443: the participating share follows
r_{t+1} = F(r_t)). :attr:`CompiledModel.mean_field` is that model: the micro expressions
with the steps in θ integrated out, and θ *collapsed* — its quadrature dimension is one node
of weight 1 — while the other traits keep their nodes. The System of a mean-field population
uses it, so simulation, equilibria and continuation (and their stability) all see the smooth
limit, with exact derivatives :math:`\partial_a F = f/b` (the density).

Where the expectation is not exact the mean-field limit is refused, naming the symbol: a step
that reads no trait (in the micro rule, an aggregate, the context or the macro dynamics: its
limit is still a step), a step in several continuous traits or not affine in its trait, a step
inside another, a threshold trait read outside its steps or by the aggregates or initial
values, or a rule (or aggregate) that is not affine in the states and steps. A step that
reads only Discrete or Fixed traits is left as it is: their nodes are their values, so the
mean-field sum is exact, and its derivative is zero almost everywhere.
"""

import functools
from types import MappingProxyType

import numpy as np
import sympy as sp

from .._errors import DeclarationError
from ._expressions import Expression, UnitStep, affine_where, lambdify
from ._rules import Share, Statistic, Variance

#: Largest admissible rounding error of choice probabilities (logit sums to 1 within 1e-15 K).
PROBABILITY_TOLERANCE = 1e-9


class Compiled:
    """Expressions ``exprs`` (a list of :class:`Expression`) evaluated on a name -> value env."""

    def __init__(self, exprs):
        self.exprs = list(exprs)
        self.names = tuple(sorted({n for e in self.exprs for n in e.names}))
        self.symbolic = all(e.symbolic for e in self.exprs)
        if self.symbolic:
            self._function = lambdify(self.names, [e.expr for e in self.exprs])
        self._jacobians = {}
        self._checked = False

    def __len__(self):
        return len(self.exprs)

    def __call__(self, env):
        """Values of every expression (each a scalar or an array broadcastable to the units)."""
        if self.symbolic:
            # exp overflow -> inf is meaningful (logit -> 0), and so is log 0 = -inf (a CDF)
            with np.errstate(over="ignore", divide="ignore"):
                values = self._function(*[env[n] for n in self.names])
        else:
            values = [_call(e, env) for e in self.exprs]
        if not self._checked:
            self._check(values, env)
        return values

    def _check(self, values, env):
        size = max((np.size(env[n]) for n in self.names), default=1)
        for e, v in zip(self.exprs, values):
            shape = np.shape(v)
            if not (shape == () or shape == (size,) or (size == 1 and shape == (1,))):
                raise DeclarationError(
                    f"evaluating it gave shape {shape}; expected a scalar or one value per "
                    f"unit (shape ({size},)). A callable must be vectorised over units",
                    symbol=e.symbol, level=e.level)
        self._checked = True

    def jacobian(self, env, wrt):
        """``rows[i][j]`` = d expr_i / d wrt_j, each a scalar or an array over the units."""
        wrt = tuple(wrt)
        if self.symbolic:
            if wrt not in self._jacobians:
                symbols = [sp.Symbol(n, real=True) for n in wrt]
                entries = [sp.diff(e.expr, s) for e in self.exprs for s in symbols]
                names = tuple(sorted(set(self.names) | set(wrt)))
                self._jacobians[wrt] = (names, lambdify(names, entries))
            names, function = self._jacobians[wrt]
            with np.errstate(over="ignore", invalid="ignore"):  # checked by the callers
                flat = function(*[env[n] for n in names])
            return [list(flat[i * len(wrt):(i + 1) * len(wrt)]) for i in range(len(self.exprs))]
        return _central_differences(self, env, wrt)


def _call(expression, env):
    return expression.function(*[env[n] for n in expression.names])


def _central_differences(compiled, env, wrt):
    rows = [[0.0] * len(wrt) for _ in compiled.exprs]
    for j, name in enumerate(wrt):
        if name not in compiled.names:
            continue
        x = np.asarray(env[name], dtype=float)
        h = 1e-6 * (1.0 + np.abs(x))
        plus = dict(env, **{name: x + h})
        minus = dict(env, **{name: x - h})
        fp, fm = compiled(plus), compiled(minus)
        for i in range(len(compiled.exprs)):
            rows[i][j] = (np.asarray(fp[i]) - np.asarray(fm[i])) / (2 * h)
    return rows


def check_probabilities(rule, values):
    """Raise unless the choice probabilities ``values`` (one scalar or array per option of the
    choice ``rule``) are >= 0 and sum to 1 at every unit, within
    :data:`PROBABILITY_TOLERANCE`; the error names the first offending unit's values."""
    stacked = np.stack([np.atleast_1d(v).astype(float)
                        for v in np.broadcast_arrays(*values)])  # (K, units)
    bad = ~((stacked >= -PROBABILITY_TOLERANCE).all(axis=0)
            & (np.abs(stacked.sum(axis=0) - 1) <= PROBABILITY_TOLERANCE))
    if bad.any():
        unit = int(np.flatnonzero(bad)[0])
        at = stacked[:, unit]
        shown = ", ".join(f"P({rule.state}={o:g}) = {p:.6g}" for o, p in zip(rule.options, at))
        where = f"at unit {unit} " if stacked.shape[1] > 1 else ""
        raise DeclarationError(
            f"the choice probabilities must be >= 0 and sum to 1; {where}they are {shown} "
            f"(sum {at.sum():.6g}). Build them with cp.logit(utilities), or "
            "make the last one 1 minus the others", symbol=rule.state, level="micro")


class Probabilities(Compiled):
    """The K choice probabilities of a choice rule, checked on every evaluation
    (:func:`check_probabilities`) except :meth:`unchecked` ones."""

    def __init__(self, exprs, rule):
        super().__init__(exprs)
        self.rule = rule

    def __call__(self, env):
        values = super().__call__(env)
        check_probabilities(self.rule, values)
        return values

    def unchecked(self, env):
        """The K values without the check, for the smooth mean-field dynamics of the shares
        and its equilibria: solver iterates and Runge–Kutta stages leave the simplex by
        rounding, and probabilities built from the shares (an imitation rule x_k (1 + ...))
        follow them out. The check is made where choices are sampled and at the initial
        state."""
        return super().__call__(env)

    def tail(self, env):
        """P of options 1..K-1 (sampling needs no more), after checking all K."""
        return self(env)[1:]


class CompiledModel:
    """The compiled expressions of a model, independent of parameter values and population.

    ``micro`` overrides the micro rule's expressions (symbol -> sympy expression), and
    ``collapsed`` names the traits those no longer read (see :attr:`mean_field`).
    """

    def __init__(self, model, micro=None, collapsed=frozenset()):
        rule = model.micro
        self.model, self.rule, self.collapsed = model, rule, frozenset(collapsed)
        expressions = rule.expressions() if micro is None else micro
        exprs = [Expression(v, symbol=s, level="micro") for s, v in expressions.items()]
        self.micro = Probabilities(exprs, rule) if rule.kind == "choice" else Compiled(exprs)
        self.initial = {}
        if rule.kind not in ("choice", "markov"):
            for state, value in rule.initial.items():
                self.initial[state] = (np.asarray(value, dtype=float)
                                       if isinstance(value, (np.ndarray, list, tuple))
                                       else Compiled([Expression(value, symbol=state,
                                                                 level="micro")]))
        self.aggregates = {}
        for name, agg in model.aggregates.items():
            if isinstance(agg, (Share, Statistic)):
                self.aggregates[name] = None
            else:
                self.aggregates[name] = Compiled([Expression(agg.expr, symbol=name,
                                                             level="aggregates")])
        self.context = {name: Compiled([Expression(v, symbol=name, level="context")])
                        for name, v in model.context.items()}
        self.context_order = topological({n: c.names for n, c in self.context.items()})
        # expressions that are one variable: read, and differentiated, without evaluation
        self.bare = {name: bare(c) for name, c in [*self.context.items(),
                                                    *self.aggregates.items()] if c is not None}
        self.macro = Compiled(Expression(m.rhs, symbol=n, level="macro")
                              for n, m in model.macro.items())
        self.choice_tail = self.micro.tail if rule.kind == "choice" else None
        # callables are differentiated numerically; only a whole-population Statistic is opaque
        self.differentiable = not any(isinstance(a, Statistic)
                                      for a in model.aggregates.values())

    @functools.cached_property
    def mean_field(self):
        """The compiled model of the mean-field limit: every step in a continuous trait
        replaced by its exact expectation, those traits collapsed (see the module docstring).

        The model itself when nothing is collapsed.

        Raises
        ------
        DeclarationError
            Where the limit of a step is not smooth or its expectation not exact.
        """
        micro, collapsed = _MeanFieldSteps(self).run()
        if not collapsed:
            return self
        return CompiledModel(self.model, micro=MappingProxyType(micro), collapsed=collapsed)


class _MeanFieldSteps:
    """The checks and the substitution behind :attr:`CompiledModel.mean_field`."""

    def __init__(self, code):
        self.code, self.model = code, code.model
        self.traits = {n: sp.Symbol(n, real=True) for n in self.model.traits}
        self.states = [sp.Symbol(n, real=True) for n in self.model.states]

    def refuse(self, message, symbol, level):
        raise DeclarationError(
            f"{message}. The mean-field limit of a step is smooth only as the CDF of a "
            "continuous trait it is compared with; give the threshold a distributed trait "
            "(e.g. heaviside(seen - theta) with theta ~ cp.Normal(mu, sigma)), use a smooth "
            "rule such as logistic((a - b)/w), or simulate a finite population",
            symbol=symbol, level=level)

    def run(self):
        for level, compiled in self._outer_levels():
            for e in compiled.exprs:
                if e.symbolic and e.expr.has(UnitStep):
                    self.refuse("this step is not differentiable and reads no trait to "
                                "integrate it over", e.symbol, level)
        micro, steps = {}, {}
        for e in self.code.micro.exprs:
            if e.symbolic:
                micro[e.symbol], steps[e.symbol] = self._expect(e)
            else:
                micro[e.symbol] = e.function
        collapsed = frozenset(t for found in steps.values() for t in found.values())
        if collapsed:  # every state may now depend on a collapsed trait
            for e in self.code.micro.exprs:
                if e.symbolic:
                    self._check_affine(e, steps[e.symbol], collapsed)
            self._check_reads(collapsed)
        return micro, collapsed

    def _reading(self):
        """(level, symbol, sympy expression or None, names read) of every part of the model
        besides the symbolic micro rule that could read a collapsed trait."""
        code = self.code
        parts = [("micro", e.symbol, None, e.names) for e in code.micro.exprs
                 if not e.symbolic]
        parts += [("aggregates", n, c.exprs[0].expr, c.names)
                  for n, c in code.aggregates.items() if c is not None]
        parts += [("micro", n, None, c.names) for n, c in code.initial.items()
                  if isinstance(c, Compiled)]
        return parts

    def _outer_levels(self):
        code = self.code
        yield from (("aggregates", c) for c in code.aggregates.values() if c is not None)
        yield from (("context", c) for c in code.context.values())
        yield "macro", code.macro

    def _expect(self, e):
        """The expression with its steps in continuous traits replaced by expectations, and
        those steps -> the trait each is in."""
        replacements, steps = {}, {}
        affine = affine_where(e.expr)
        for step in affine.atoms(UnitStep):
            theta = self._trait_of(step, e.symbol)
            if theta is not None:
                replacements[step] = self._expectation(step, theta, e.symbol)
                steps[step] = theta
        expr = affine.xreplace(replacements)
        for theta in set(steps.values()):
            if expr.has(self.traits[theta]):
                self.refuse(f"it reads the trait '{theta}' outside its steps, so its "
                            f"expectation over '{theta}' is not exact", e.symbol, "micro")
        return expr, steps

    def _trait_of(self, step, symbol):
        """The continuous trait a step is in (None: only Discrete/Fixed traits)."""
        arg = step.args[0]
        if arg.has(UnitStep):
            self.refuse(f"the step {step} holds another step in its argument", symbol,
                        "micro")
        read = sorted(n for n, s in self.traits.items() if arg.has(s))
        if not read:
            self.refuse(f"the step {step} reads no trait: it is not differentiable", symbol,
                        "micro")
        continuous = [n for n in read if self.model.traits[n].has_cdf]
        if not continuous:
            return None
        if len(continuous) > 1:
            self.refuse(f"the step {step} reads several continuous traits {continuous}; "
                        "its expectation is not a CDF", symbol, "micro")
        own = [s.name for s in self.states if arg.has(s)]
        if own:
            self.refuse(f"the step {step} compares the trait '{continuous[0]}' with the "
                        f"unit's own state {own}, whose nodes carry an expectation over "
                        f"'{continuous[0]}'", symbol, "micro")
        return continuous[0]

    def _expectation(self, step, theta, symbol):
        r"""E[H(a - bθ)] = F(a/b) for b > 0, 1 - F(a/b) for b < 0."""
        arg, t = step.args[0], self.traits[theta]
        b = -sp.diff(arg, t)
        if b.has(t) or b == 0:
            self.refuse(f"the step {step} is not affine in the trait '{theta}'", symbol,
                        "micro")
        try:
            F = self.model.traits[theta].cdf_of(arg.subs(t, 0) / b)
        except ValueError as exc:
            raise DeclarationError(f"cannot integrate the step {step} over '{theta}': {exc}",
                                   symbol=theta, level="traits") from None
        if b.is_extended_positive:
            return F
        if b.is_extended_negative:
            return 1 - F
        return UnitStep(b, sp.S.Half) * F + UnitStep(-b, sp.S.Half) * (1 - F)

    def _check_affine(self, e, steps, collapsed):
        """The rule is affine in its own states and the integrated steps jointly, and no
        other step reads a state: then the node state, an expectation over the collapsed
        traits, follows the same rule."""
        affine = affine_where(e.expr)
        for step in affine.atoms(UnitStep):
            if step not in steps and any(step.args[0].has(x) for x in self.states):
                self.refuse(f"the step {step} reads the unit's state, whose nodes carry an "
                            f"expectation over the threshold trait(s) {sorted(collapsed)}",
                            e.symbol, "micro")
        dummies = {s: sp.Dummy(f"H{i}") for i, s in enumerate(steps)}
        f = affine.xreplace(dummies)
        variables = [*dummies.values(), *self.states]
        for i, u in enumerate(variables):
            for v in variables[i:]:
                if sp.simplify(sp.diff(f, u, v)) != 0:
                    self.refuse("it is not affine in the units' states and the steps in "
                                f"the threshold trait(s) {sorted(collapsed)}, so the "
                                "expectation over those traits is not the rule at the "
                                "expected state", e.symbol, "micro")

    def _check_reads(self, collapsed):
        """Nothing else reads a collapsed trait, and aggregates of the states are affine in
        them (the mean of an expectation is the expectation of the mean)."""
        choice = self.model.micro.kind == "choice"
        for level, name, expr, names in self._reading():
            read = sorted(set(names) & collapsed)
            if read:
                self.refuse(f"it reads the threshold trait(s) {read}, which the mean-field "
                            "limit integrates out of the micro rule", name, level)
            if level != "aggregates" or choice:
                continue
            if expr is None or isinstance(self.model.aggregates[name], Variance) or any(
                    sp.simplify(sp.diff(expr, u, v)) != 0
                    for u in self.states for v in self.states):
                self.refuse("the aggregate is not an expression affine in the micro state "
                            "(or it is a variance), so its value at a node's expected state "
                            "is not the mean over the threshold traits", name, level)


def topological(reads):
    """Order context variables so that each comes after those it reads (raises on cycles).

    ``reads`` maps each context variable to the names its expression reads.
    """
    order, state = [], {}

    def visit(name, path):
        if state.get(name) == "done":
            return
        if state.get(name) == "active":
            cycle = " -> ".join(path[path.index(name):] + [name])
            raise DeclarationError(f"context variables depend on each other in a cycle: "
                                   f"{cycle}", symbol=name, level="context")
        state[name] = "active"
        for dep in reads[name]:
            if dep in reads:
                visit(dep, path + [name])
        state[name] = "done"
        order.append(name)

    for name in reads:
        visit(name, [])
    return tuple(order)


def bare(compiled):
    """The variable a single expression consists of, or None."""
    expr = compiled.exprs[0].expr if len(compiled) == 1 else None
    return expr.name if isinstance(expr, sp.Symbol) else None
