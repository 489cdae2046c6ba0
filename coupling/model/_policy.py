r"""Policy regimes: policy levers set to values or to rules, switched at given times.

A *regime* assigns the model's policy levers: a value, or a *rule*, an expression of macro
state, aggregates and context (a Taylor-type rule ``"phi*pi"``). A run switches between
regimes at given times by scheduled indicators S_j (1 while regime j is in force): each lever
becomes sum_j S_j R_j, so the micro state, the traits and the random streams carry across
every switch. Where a rule lever is read by the units, it reaches them through a context
variable ``<lever>_rule`` (units see the macro world only through the context).
"""

import dataclasses
import inspect

import numpy as np
import sympy as sp

from .._checks import suggest
from .._errors import DeclarationError, UnknownNameError
from ._expressions import to_sympy


def regime_path(model, regimes):
    """The model and the schedule that run policy ``regimes`` in turn.

    ``regimes`` is a list of (start time, regime); a regime maps levers to values or rules,
    and a lever it does not name keeps its value from the regime before (the model's own
    value before the first). Value levers are scheduled directly. If some regime gives a
    lever by a rule, indicator parameters ``regime_j`` (1 while regime j is in force, else 0)
    blend the regimes, and the lever is replaced by sum_j regime_j * (its value or rule in
    regime j) wherever it is read. Returns ``(model, schedule)`` for :func:`simulate`.
    """
    steps = sorted(((float(t), regime_values(model, r, f"the regime at t = {t}"))
                    for t, r in regimes), key=lambda step: step[0])
    if not steps or steps[0][0] < 0:
        raise ValueError("regimes need at least one (time >= 0, regime) pair")
    if steps[0][0] > 0:
        steps.insert(0, (0.0, {}))
    levers = sorted(set().union(*(r for _, r in steps)))
    current, table = {n: model.parameters[n] for n in levers}, []
    for _, regime in steps:
        current = {**current, **regime}
        table.append(current)
    rules = [n for n in levers if any(isinstance(row[n], str) for row in table)]
    model = model.with_parameters(**{n: float(table[0][n]) for n in levers if n not in rules})
    schedule = {n: [(t, float(row[n])) for (t, _), row in zip(steps[1:], table[1:])]
                for n in levers if n not in rules}
    if not rules:
        return model, {n: pairs for n, pairs in schedule.items() if pairs}
    names = [_fresh(f"regime_{j}", model.levels) for j in range(len(steps))]
    model = model.replace(parameters={**model.parameters,
                                      **{n: float(j == 0) for j, n in enumerate(names)}})
    for j, name in enumerate(names):
        schedule[name] = [(t, float(i == j)) for i, (t, _) in enumerate(steps) if i > 0]
    blend = {n: sp.Add(*[sp.Symbol(name, real=True) * _expr(row[n], n)
                         for name, row in zip(names, table)]) for n in rules}
    return _substitute(model, blend), {n: pairs for n, pairs in schedule.items() if pairs}


def regime_values(model, regime, which):
    """A regime checked: lever -> float value or rule string (its syntax checked)."""
    if not hasattr(regime, "items"):
        raise TypeError(f"a regime is a mapping of policy levers to values or rules, got "
                        f"{type(regime).__name__} for {which}")
    out = {}
    for name, value in regime.items():
        if name not in model.policy:
            raise UnknownNameError(f"is not a policy lever of the model; its levers are "
                                   f"{list(model.policy)}{suggest(name, model.policy)} "
                                   f"(declare it in policy=...)", symbol=name, level="policy")
        if isinstance(value, str):
            to_sympy(value, symbol=name, level="policy")  # a clear error for bad syntax
            out[name] = value
        elif isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
            out[name] = float(value)
        else:
            raise DeclarationError(f"a lever takes a finite number or a rule (an expression "
                                   f"string), got {value!r}", symbol=name, level="policy")
    return out


def _fresh(name, taken):
    while name in taken:
        name += "_"
    return name


def _expr(value, lever):
    return to_sympy(value, symbol=lever, level="policy") if isinstance(value, str) \
        else sp.Float(value)


def _substitute(model, blend):
    """Replace each lever by its blended rule: directly at the context and macro levels,
    through a context variable at the micro level."""
    symbols = {sp.Symbol(n, real=True): e for n, e in blend.items()}
    routed = {}
    micro_rule = model.micro
    rule_exprs = micro_rule.expressions()
    if any(levers_read(v, blend) for v in rule_exprs.values()):
        for lever in blend:
            routed[lever] = _fresh(f"{lever}_rule", model.levels)
        to_context = {sp.Symbol(n, real=True): sp.Symbol(routed[n], real=True) for n in blend}
        micro_rule = _replace_rule(micro_rule, {k: _sub(v, to_context, k, "micro")
                                                for k, v in rule_exprs.items()})
    for name, agg in model.aggregates.items():
        if levers_read(agg.expr, blend):
            raise DeclarationError("reads a lever given by a rule; aggregation cannot read "
                                   "macro state: give this lever a value", symbol=name,
                                   level="aggregates")
    context = {k: _sub(v, symbols, k, "context") for k, v in model.context.items()}
    context.update({routed[n]: blend[n] for n in routed})
    macro = {k: dataclasses.replace(m, rhs=_sub(m.rhs, symbols, k, "macro"))
             for k, m in model.macro.items()}
    return model.replace(micro=micro_rule, context=context, macro=macro)


def levers_read(value, levers):
    """The names in ``levers`` that an expression (or a callable's arguments) reads."""
    if value is None:
        return set()
    if callable(value) and not isinstance(value, sp.Basic):
        return set(inspect.signature(value).parameters) & set(levers)
    return {s.name for s in to_sympy(value, symbol="", level="").free_symbols} & set(levers)


def _sub(value, mapping, symbol, level):
    if callable(value) and not isinstance(value, sp.Basic):
        if levers_read(value, {s.name for s in mapping}):
            raise DeclarationError("a callable reads a lever given by a rule; declare it as "
                                   "an expression", symbol=symbol, level=level)
        return value
    return to_sympy(value, symbol=symbol, level=level).subs(mapping)


def _replace_rule(rule, exprs):
    """The micro rule with its expressions (keyed as by ``rule.expressions()``) replaced."""
    if rule.kind == "choice":
        return dataclasses.replace(rule, probabilities=tuple(exprs.values()))
    if rule.kind == "markov":
        return dataclasses.replace(rule, rates=dict(zip(rule.rates, exprs.values())))
    return dataclasses.replace(rule, rhs=exprs)
