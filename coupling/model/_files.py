"""Model files: a declaration as plain JSON data, read without executing anything.

Expressions are stored as strings and parsed by the whitelist parser when the model is built,
so a model file can only ever describe arithmetic; it cannot run code. Models with Python
callables (Step rules, callable expressions, Statistic aggregates) or networks cannot be
written to a file.
"""

import json

import numpy as np
import sympy as sp

from .._errors import DeclarationError
from . import _distributions, _rules
from ._arrivals import Arrivals
from ._reduction import Reduction
from ._markov import Markov

_RULES = {"ode": _rules.ODE, "map": _rules.Map, "response": _rules.Response,
          "choice": _rules.Choice, "markov": Markov}
_AGGREGATES = {"mean": _rules.Mean, "variance": _rules.Variance, "local": _rules.Local}


def to_dict(model):
    """The declaration of ``model`` as JSON-ready data (see :func:`from_dict`)."""
    if model.network is not None:
        raise DeclarationError("a model with a network cannot be written to a model file",
                               symbol="network", level="network")
    rule = model.micro
    if rule.kind == "step":
        raise DeclarationError("a Step rule is Python code and cannot be written to a model "
                               "file", level="micro")
    if rule.kind == "choice":
        micro = {"kind": "choice", "state": rule.state, "options": list(rule.options),
                 "probabilities": [_text(p, rule.state, "micro") for p in rule.probabilities],
                 "initial": _plain(rule.initial)}
    elif rule.kind == "markov":  # JSON keys are strings: the rates as a list of transitions
        micro = {"kind": "markov", "state": rule.state, "options": list(rule.options),
                 "rates": [{"from": a, "to": b, "rate": _text(q, label, "micro")}
                           for ((a, b), q), label in zip(rule.rates.items(),
                                                         rule.expressions())],
                 "initial": _plain(rule.initial)}
    else:
        micro = {"kind": rule.kind,
                 "rhs": {n: _text(v, n, "micro") for n, v in rule.rhs.items()},
                 "initial": {n: _plain(v) if isinstance(v, (np.ndarray, list, tuple))
                             else _text(v, n, "micro") for n, v in rule.initial.items()}}
        for part in ("noise", "shocks"):
            if getattr(rule, part):
                micro[part] = {n: _text(v, n, "micro") for n, v in getattr(rule, part).items()}
    aggregates = {}
    for name, agg in model.aggregates.items():
        if agg.kind == "count":
            continue  # declared by the arrivals
        if agg.kind == "share":
            aggregates[name] = {"kind": "share", "option": float(agg.option)}
        elif agg.kind == "statistic":
            raise DeclarationError("a Statistic is Python code and cannot be written to a "
                                   "model file", symbol=name, level="aggregates")
        else:
            aggregates[name] = {"kind": agg.kind, "expr": _text(agg.expr, name, "aggregates")}
    population = model.population
    return {
        "name": model.name,
        "description": model.description,
        "parameters": dict(model.parameters),
        "policy": list(model.policy),
        "traits": {n: d.to_dict() for n, d in model.traits.items()},
        "micro": micro,
        "aggregates": aggregates,
        "context": {n: _text(v, n, "context") for n, v in model.context.items()},
        "macro": {n: {"rhs": _text(m.rhs, n, "macro"), "initial": float(m.initial),
                      **({} if m.noise is None else {"noise": _text(m.noise, n, "macro")})}
                  for n, m in model.macro.items()},
        "shocks": {n: _text(v, n, "shocks") for n, v in model.shocks.items()},
        "timescale": model.timescale,
        "time": model.time,
        "population": population if isinstance(population, int)
        else {"mean-field": population.nodes},
        **({} if model.arrivals is None else {"arrivals": model.arrivals.to_dict()}),
        **({} if model.reduction is None else {"reduction": _reduction(model.reduction)}),
    }


def _reduction(red):
    return {"states": {n: {"rhs": _text(m.rhs, n, "reduction"), "initial": float(m.initial)}
                       for n, m in red.states.items()},
            "aggregates": {n: _text(e, n, "reduction") for n, e in red.aggregates.items()},
            "source": red.source}


def from_dict(data):
    """Build a :class:`~coupling.Model` from :func:`to_dict` data (nothing is executed)."""
    from ._model import Model

    data = dict(data)
    micro = dict(data.pop("micro"))
    kind = micro.pop("kind", None)
    if kind not in _RULES:
        raise DeclarationError(f"unknown micro rule kind {kind!r}; expected one of "
                               f"{sorted(_RULES)}", level="micro")
    if kind in ("choice", "markov") and isinstance(micro.get("initial"), list):
        micro["initial"] = tuple(micro["initial"])
    if kind == "markov":
        try:
            micro["rates"] = {(t["from"], t["to"]): t["rate"] for t in micro.get("rates", ())}
        except (KeyError, TypeError):
            raise DeclarationError("Markov rates in a model file are a list of "
                                   '{"from": value, "to": value, "rate": expression}',
                                   symbol=micro.get("state"), level="micro") from None
    aggregates = {}
    for name, spec in data.pop("aggregates").items():
        spec = dict(spec)
        agg_kind = spec.pop("kind", "mean")
        if agg_kind == "share":
            aggregates[name] = _rules.Share(**spec)
        elif agg_kind in _AGGREGATES:
            aggregates[name] = _AGGREGATES[agg_kind](**spec)
        else:
            raise DeclarationError(f"unknown aggregate kind {agg_kind!r}", symbol=name,
                                   level="aggregates")
    population = data.pop("population", "mean-field")
    arrivals = data.pop("arrivals", None)
    reduction = data.pop("reduction", None)
    if isinstance(population, dict):
        population = _rules.MeanField(int(population["mean-field"]))
    return Model(
        micro=_RULES[kind](**micro),
        aggregates=aggregates,
        traits={n: _distributions.from_dict(d) for n, d in data.pop("traits", {}).items()},
        macro={n: _rules.Macro(m["rhs"], m["initial"], m.get("noise"))
               for n, m in data.pop("macro", {}).items()},
        policy=tuple(data.pop("policy", ())),
        population=population,
        arrivals=None if arrivals is None else Arrivals(**arrivals),
        reduction=None if reduction is None else Reduction(
            states={n: _rules.Macro(m["rhs"], m["initial"])
                    for n, m in reduction["states"].items()},
            aggregates=reduction["aggregates"], source=reduction.get("source", "")),
        **data)


def write_model(model, path):
    """Write the declaration of ``model`` to a JSON model file."""
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(to_dict(model), fh, indent=2)
        fh.write("\n")


def read_model(path):
    """Read a JSON model file written by :func:`write_model` (or by hand).

    The file is parsed as data and its expressions by the whitelist parser: reading a model
    file never executes code.
    """
    with open(path, encoding="utf-8") as fh:
        try:
            data = json.load(fh)
        except json.JSONDecodeError as exc:
            raise DeclarationError(f"{path} is not a JSON model file: {exc}") from None
    if not isinstance(data, dict) or "micro" not in data or "aggregates" not in data:
        raise DeclarationError(f"{path} is not a model file: it needs at least 'micro' and "
                               "'aggregates'")
    return from_dict(data)


def _text(value, symbol, level):
    if callable(value) and not isinstance(value, sp.Basic):
        raise DeclarationError("a Python callable cannot be written to a model file; declare "
                               "it as an expression string", symbol=symbol, level=level)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    if isinstance(value, sp.Basic):
        return sp.sstr(value)
    return value


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    return value
