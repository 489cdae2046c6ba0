"""Vectorised evaluation of declared expressions and of their derivatives.

A :class:`Compiled` bundles the expressions of one level (the micro rule, an aggregate, the
context map, the macro dynamics). Symbolic expressions are compiled once with
:func:`sympy.lambdify` into a numpy function that evaluates all units in one call, and each
requested Jacobian is differentiated symbolically and compiled the same way. Callables are
evaluated as given and differentiated by central differences, one input at a time across all
units at once (each unit's block only depends on its own inputs).
"""

import numpy as np
import sympy as sp

from .._errors import DeclarationError
from ._expressions import Expression, lambdify
from ._rules import Share, Statistic


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
            with np.errstate(over="ignore"):  # exp overflow -> inf is meaningful (logit -> 0)
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


class CompiledModel:
    """The compiled expressions of a model, independent of parameter values and population."""

    def __init__(self, model):
        rule = model.micro
        self.rule = rule
        self.micro = Compiled(Expression(v, symbol=s, level="micro")
                              for s, v in rule.expressions().items())
        self.initial = {}
        if rule.kind != "choice":
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
        self.choice_tail = (Compiled(self.micro.exprs[1:]) if rule.kind == "choice"
                            else None)  # P of options 1..K-1: sampling needs no more
        # callables are differentiated numerically; only a whole-population Statistic is opaque
        self.differentiable = not any(isinstance(a, Statistic)
                                      for a in model.aggregates.values())


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
