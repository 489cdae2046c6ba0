r"""A small coupled system written out as one compiled function.

For a handful of states (a homogeneous population, a mean-field limit on few nodes, a few
units) the general machinery of :class:`~coupling.model._system.System` - whole-array
evaluation level by level, the structured Jacobian - costs more in Python overhead than the
arithmetic it organises. Here the three edges are substituted into each other symbolically,

.. math::  F(u, p) = \big(f(x_i, \theta_i, D(y, A(x), p), p)/\varepsilon,\;
           F_y(y, A(x), D(y, A(x), p), p)\big),

with the aggregates :math:`A(x) = \sum_i w_i g(x_i, \theta_i)` as explicit sums, and F, its
Jacobian :math:`F_u`, its parameter derivatives :math:`F_p` and the aggregates are compiled
into one function of (u, p, θ, w) with common subexpressions shared. Trait values and weights
enter as numbers, so they may move with the parameters (heterogeneity continuation).

The residual is the same as :meth:`System.residual` (du/dt, or G(u) - u for maps; choice
rules through their expected choice probabilities; response rules through their relaxation
ε ẋ = r - x); the tests check the two agree.
"""

import weakref

import numpy as np
import sympy as sp

from ._expressions import lambdify
from ._rules import Choice, Share, Variance

#: Systems with at most this many states are written out (the Jacobian has n² entries).
FLAT_LIMIT = 6

_CODE = weakref.WeakKeyDictionary()  # CompiledModel -> {(size, k, expected): _FlatCode}


def flat_system(system):
    """The :class:`FlatSystem` of a small, fully symbolic system, or None."""
    model, code = system.model, system.code
    n = system.size * system.k + len(system.macro_names)
    symbolic = code.micro.symbolic and code.macro.symbolic and all(
        c is not None and c.symbolic for c in (*code.aggregates.values(),
                                                *code.context.values())
        if c is not None)
    if (n > FLAT_LIMIT or not symbolic or system.local_aggregates or model.network is not None
            or model.micro.kind == "step"
            or (isinstance(model.micro, Choice) and not system.expected)):
        return None
    key = (system.size, system.k, system.expected)
    cache = _CODE.setdefault(code, {})
    if key not in cache:
        cache[key] = _FlatCode(system)
    return FlatSystem(cache[key], system)


class _FlatCode:
    """The compiled function, which depends on the model's structure and size only."""

    def __init__(self, system):
        model = system.model
        M, k = system.size, system.k
        sym = _symbols(model)
        self.n = M * k + len(system.macro_names)
        u = sp.symbols(f"__u0:{self.n}", real=True)
        params = [sym(p) for p in model.parameters]
        traits = {t: sp.symbols(f"__{t}_0:{M}", real=True) for t in model.traits}
        weights = sp.symbols(f"__w0:{M}", real=True)
        units = [{**{sym(s): u[i * k + j] for j, s in enumerate(_states(system))},
                  **{sym(t): traits[t][i] for t in model.traits}} for i in range(M)]
        y = dict(zip(map(sym, system.macro_names), u[M * k:]))
        X = _aggregates(system, sym, units, weights, u)
        env = {**y, **{sym(n): X[n] for n in system.global_aggregates}}
        for name in system.context_names:
            env[sym(name)] = system.code.context[name].exprs[0].expr.subs(env)
        F = _micro(system, sym, units, u, env) + _macro(system, env, list(y.values()))
        read = [X[n] for n in system.global_aggregates]
        J = sp.Matrix(F).jacobian(u)
        Fp = sp.Matrix(F).jacobian(params) if params else sp.zeros(self.n, 0)
        self.params = tuple(model.parameters)
        self.traits = tuple(model.traits)
        self.M, self.k = M, k
        outputs = [*F, *J, *Fp, *read]
        names = [s.name for s in (*u, *params, *(t for n in self.traits for t in traits[n]),
                                  *weights)]
        self._function = lambdify(names, outputs)
        self._scalar = _scalar_function(names, outputs)
        ends = np.cumsum([self.n, self.n * self.n, self.n * len(params)])
        self._slices = [slice(0, ends[0]), slice(ends[0], ends[1]), slice(ends[1], ends[2]),
                        slice(ends[2], None)]
        self._reduced = self._compile_reduced(system, sym, units, u, X, y, names[self.n:])

    def _compile_reduced(self, system, sym, units, u, X, y, fixed):
        """The self-consistency residual R(s) = (A(x) - X, F_y) on s = (read aggregates,
        y), with the micro residual for the context c(s) and its per-unit blocks."""
        code = system.code
        read_names = set(code.macro.names).union(*(c.names for c in code.context.values()))
        read = [n for n in system.global_aggregates if n in read_names]
        self.read = [system.global_aggregates.index(n) for n in read]
        env = {sym(n): sym(n) for n in read}
        env.update({v: v for v in y})
        for name in system.context_names:
            env[sym(name)] = system.code.context[name].exprs[0].expr.subs(env)
        nm = self.n - len(y)
        micro = _micro(system, sym, units, u, env)
        k = system.k
        blocks = [sp.diff(micro[i * k + a], u[i * k + b]) for i in range(len(units))
                  for a in range(k) for b in range(k)]
        consistency = [X[n] - sym(n) for n in read] + _macro(system, env, list(y))
        self._reduced_sizes = np.cumsum([nm, nm * k])
        inputs = [s.name for s in (*u[:nm], *map(sym, read), *y)] + list(fixed)
        return lambdify(inputs, micro + blocks + consistency)

    def reduced(self, Z, points, fixed):
        """(micro residual (nm, G), blocks (M, k, k, G), R (a + m, G)) for micro states Z
        (nm, G) and coupling points (a + m, G)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            values = self._reduced(*Z, *points, *fixed)
        values = np.array(np.broadcast_arrays(*values, Z[0]))[:-1]
        f, blocks, R = np.split(values, self._reduced_sizes)
        return f, blocks.reshape(self.M, self.k, self.k, -1), R

    def __call__(self, arguments):
        try:  # on Python floats: several times cheaper than numpy on scalars
            values = np.array(self._scalar(*arguments), dtype=float)
        except (OverflowError, ValueError, ZeroDivisionError):  # inf or nan, as numpy has it
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                values = np.array(self._function(*arguments), dtype=float)
        F, J, Fp, X = (values[part] for part in self._slices)
        return F, J.reshape(self.n, self.n), Fp.reshape(self.n, -1), X


class FlatSystem:
    """F, F_u, F_p and the aggregates at (u, p) in one call, for the parameter values
    and the trait values of ``system`` (call :meth:`update` after changing them)."""

    def __init__(self, code, system):
        self.code, self.system = code, system
        self.update()

    def update(self):
        s = self.system
        traits = [np.broadcast_to(s.traits[t], (self.code.M,)) for t in self.code.traits]
        self._fixed = np.concatenate([[s.params[p] for p in self.code.params], *traits,
                                      s.weights]).tolist()

    def set_parameter(self, name, value):
        """A new value of a parameter that no trait distribution reads."""
        self._fixed[self.code.params.index(name)] = float(value)

    def __call__(self, u):
        """(F, J, F_p with one column per parameter, global aggregates) at u."""
        return self.code(list(u) + self._fixed)

    def reduced(self, points, guess, *, tol=1e-13, max_iter=50):
        r"""The self-consistency residual R(s) at many coupling points s at once (rows of
        ``points``), each with its micro equilibrium for the frozen context c(s) by Newton
        from ``guess`` (M, k), batched over units and points. Rows where Newton does not
        converge are NaN."""
        points = np.asarray(points, dtype=float).T
        G, nm = points.shape[1], self.code.M * self.code.k
        Z = np.repeat(np.ravel(guess)[:, None], G, axis=1)
        for _ in range(max_iter):
            f, blocks, R = self.code.reduced(Z, points, self._fixed)
            done = np.all(np.abs(f) <= tol, axis=0)
            if done.all():
                break
            step = _block_solve(blocks, f.reshape(self.code.M, self.code.k, G))
            Z = Z - np.where(done, 0.0, step.reshape(nm, G))
        R = R.T.copy()
        R[~done] = np.nan
        return R

    def parameter_column(self, name):
        return self.code.params.index(name)


def _scalar_function(names, outputs):
    """The outputs as one function of Python floats (the math module); raises where numpy
    would return inf or nan."""
    symbols = [sp.Symbol(n, real=True) for n in names]
    return sp.lambdify(symbols, tuple(outputs), cse=True, docstring_limit=0,
                       modules=[{"Heaviside": _heaviside}, "math"])


def _heaviside(x, half=0.5):
    return 1.0 if x > 0 else 0.0 if x < 0 else half


def _block_solve(blocks, f):
    """Solve blocks[i, :, :, g] z[i, :, g] = f[i, :, g] for every unit i and point g."""
    if blocks.shape[1] == 1:
        return f / blocks[:, 0]
    A = np.moveaxis(blocks, 3, 1)                     # (M, G, k, k)
    return np.moveaxis(np.linalg.solve(A, np.moveaxis(f, 2, 1)[..., None])[..., 0], 1, 2)


def _symbols(model):
    cache = {}

    def sym(name):
        if name not in cache:
            cache[name] = sp.Symbol(name, real=True)
        return cache[name]
    return sym


def _states(system):
    return (system.rule.states if not system.expected
            else [f"__p{j}" for j in range(system.k)])


def _aggregates(system, sym, units, weights, u):
    """The global aggregates as explicit weighted sums over the units."""
    rule, k = system.rule, system.k
    out = {}
    for name in system.global_aggregates:
        agg = system.model.aggregates[name]
        if system.expected:  # expected values over each unit's choice probabilities
            probs = [[u[i * k + j] for j in range(k)] for i in range(len(units))]
            if isinstance(agg, Share):
                column = rule.options.index(float(agg.option))
                out[name] = sum(w * p[column] for w, p in zip(weights, probs))
                continue
            g = system.code.aggregates[name].exprs[0].expr
            at = [[g.subs({**unit, sym(rule.state): o}) for o in rule.options]
                  for unit in units]
            mean = sum(w * sum(pj * e for pj, e in zip(p, row))
                       for w, p, row in zip(weights, probs, at))
            if isinstance(agg, Variance):
                mean = sum(w * sum(pj * e**2 for pj, e in zip(p, row))
                           for w, p, row in zip(weights, probs, at)) - mean**2
            out[name] = mean
            continue
        g = system.code.aggregates[name].exprs[0].expr
        values = [g.subs(unit) for unit in units]
        mean = sum(w * v for w, v in zip(weights, values))
        if isinstance(agg, Variance):
            mean = sum(w * (v - mean) ** 2 for w, v in zip(weights, values))
        out[name] = mean
    return out


def _micro(system, sym, units, u, env):
    """Each unit's residual: f/ε (ODE), (P - p)/ε (choice), (r - x)/ε (response), g - x
    (map), q (P - p) (choice in discrete time, q the revision probability)."""
    model, k = system.model, system.k
    eps = sym(model.timescale) if isinstance(model.timescale, str) \
        else sp.Float(model.timescale)
    discrete = model.time == "discrete"
    relaxes = system.expected or model.micro.kind == "response"
    scale = (1 - sp.exp(-1 / eps) if system.expected else 1) if discrete else 1 / eps
    out = []
    for i, unit in enumerate(units):
        for j, expr in enumerate(system.code.micro.exprs):
            x = u[i * k + j]
            value = expr.expr.subs(env).subs(unit)
            if discrete and not system.expected:
                out.append(value - x)
            else:
                out.append(scale * (value - x if relaxes else value))
    return out


def _macro(system, env, state):
    """The macro residual F_y (flows) or G_y - y (maps), in the symbols of ``env``; ``state``
    are the symbols that stand for y in it (the flat state's entries in F, the macro names
    themselves in the reduced residual)."""
    exprs = system.code.macro.exprs if system.macro_names else []
    discrete = system.model.time == "discrete"
    return [e.expr.subs(env) - (y if discrete else 0) for e, y in zip(exprs, state)]
