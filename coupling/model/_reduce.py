r"""``cp.reduce``: the slow (quasi-steady-state) model of a fast/slow coupled model.

As ε → 0 the micro level of ε ẋ_i = f(x_i, θ_i, c) sits on its *critical manifold*
f(x_i, θ_i, c) = 0, and the macro state drifts along it (Tikhonov 1952; Fenichel 1979,
J. Differential Equations 31, 53-98):

.. math::  0 = f(x_i, \theta_i, D(y, X)), \quad X = A(x), \qquad \dot y = F(y, X, c).

The reduced model is declared as a model too, with a :class:`Response` rule x_i = r(θ_i, c),
where r solves f = 0 for the unit's own state. The aggregate fixed point X = A(r(θ, D(y, X)))
can still be multi-valued (an S-shaped manifold through the coupling): simulations track the
branch they are on and jump at its folds, and equilibria and continuation take stability in
the ε → 0 limit (see :mod:`coupling.dynamics._response`).

A choice rule relaxes to its expected choice: x_i = Σ_k v_k P_k(θ_i, c), the option values
weighted by their probabilities. Aggregates must then be linear in the choice (a mean of an
expression linear in it, or the share of one option of a binary choice), since the expectation
of anything else is not a function of the expected choice.
"""

import sympy as sp

from .._errors import DeclarationError
from ._expressions import to_sympy
from ._rules import Mean, Response


def reduce(model):
    r"""The slow model: the micro population replaced by its equilibrium for the context.

    Parameters
    ----------
    model : Model
        A continuous-time model with a symbolic ODE, choice or response rule.

    Returns
    -------
    Model
        The same declaration with a :class:`Response` micro rule on the critical manifold
        (a response model is returned unchanged). Simulate it, find its equilibria or follow
        them as for any model; its runs record the jumps at folds in ``Trajectory.jumps``.

    Raises
    ------
    DeclarationError
        If f = 0 has no unique explicit solution for the unit's state (a critical manifold
        that folds within a single unit), the rule is not symbolic, or the model is in
        discrete time.

    Examples
    --------
    >>> import coupling as cp
    >>> slow = cp.reduce(cp.load("slow-feedback"))
    >>> slow.micro.rhs["x"]
    tanh(J*X_seen + a + y_seen)
    """
    rule = model.micro
    if model.time == "discrete":
        raise DeclarationError("a discrete-time model has no separate fast timescale to "
                               "reduce", level="micro")
    if rule.kind == "response":
        return model
    if rule.kind == "ode":
        response, aggregates = _solve_critical_manifold(rule), model.aggregates
    elif rule.kind == "choice":
        response, aggregates = _expected_choice(rule), _linear_aggregates(model)
    else:
        raise DeclarationError(f"cannot reduce a {rule.kind} rule: only ODE, choice and "
                               "response rules have a critical manifold", level="micro")
    return model.replace(micro=response, aggregates=aggregates,
                         name=f"{model.name} (reduced)",
                         description=f"Slow (quasi-steady-state) limit of: "
                                     f"{model.description or model.name}")


def _solve_critical_manifold(rule):
    states = [sp.Symbol(name, real=True) for name in rule.states]
    try:
        f = [to_sympy(value, symbol=name, level="micro") for name, value in rule.rhs.items()]
    except DeclarationError:
        raise DeclarationError("cannot reduce a callable micro rule: the critical manifold "
                               "f = 0 is solved symbolically; declare f as an expression",
                               level="micro") from None
    # every root counts, also one that looks complex: it may be real for other values
    solutions = [s for s in sp.solve(f, states, dict=True)
                 if all(s.get(x) is not None and not s[x].has(*states) for x in states)]
    names = ", ".join(rule.states)
    if not solutions:
        raise DeclarationError(f"f = 0 has no explicit real solution for the unit's state "
                               f"({names}); the reduction needs x = r(θ, c)", symbol=names,
                               level="micro")
    if len(solutions) > 1:
        raise DeclarationError(
            f"f = 0 has {len(solutions)} solutions for the unit's state ({names}). "
            "Each unit's critical manifold folds on its own, which the reduction does not "
            "follow; write the rule in relaxation form f = r(θ, c) - x, with the "
            "multiplicity carried by the aggregates", symbol=names, level="micro")
    if solutions[0][states[0]].has(sp.I):
        raise DeclarationError(f"f = 0 has no real solution for the unit's state ({names})",
                               symbol=names, level="micro")
    return Response(rhs={x.name: solutions[0][x] for x in states}, initial=rule.initial)


def _expected_choice(rule):
    options = [sp.Float(v) for v in rule.options]
    expected = sp.Add(*[v * to_sympy(p, symbol=rule.state, level="micro")
                        for v, p in zip(options, rule.probabilities)])
    initial = rule.initial
    if initial is None:
        initial = sum(rule.options) / len(rule.options)
    elif isinstance(initial, (tuple, list)) and len(initial) == len(rule.options):
        initial = sum(v * p for v, p in zip(rule.options, initial))
    return Response(rhs={rule.state: expected}, initial={rule.state: initial})


def _linear_aggregates(model):
    """The aggregates of a choice model as means linear in the (expected) choice."""
    rule = model.micro
    s = sp.Symbol(rule.state, real=True)
    out = {}
    for name, agg in model.aggregates.items():
        if agg.kind == "share" and len(rule.options) == 2:
            other = next(v for v in rule.options if v != agg.option)
            out[name] = Mean((s - other) / (agg.option - other))
            continue
        if agg.kind in ("mean", "local"):
            expr = to_sympy(agg.expr, symbol=name, level="aggregates") \
                if not callable(agg.expr) or isinstance(agg.expr, sp.Basic) else None
            if expr is not None and sp.diff(expr, s, 2) == 0:
                out[name] = agg
                continue
        raise DeclarationError(
            "the expectation of this aggregate is not a function of the expected choice: "
            "the reduced model needs means linear in the choice (or a binary choice's share)",
            symbol=name, level="aggregates")
    return out
