r"""A model bound to a population: the numbers every integrator and analysis works on.

:class:`System` holds the units (N sampled units with weights 1/N, or mean-field quadrature
nodes with their weights), the current parameter values, and evaluates the three edges on
whole arrays:

* up: aggregates :math:`X = \sum_i w_i g(x_i, \theta_i)` (and network-local means);
* down: context :math:`c = D(y, X, p)`;
* micro rule and macro dynamics;

and the Jacobian of the flat coupled system :math:`u = (x_1, \dots, x_M, y)` in its
structured form (see :mod:`coupling._linalg`).

For a choice rule the state of a finite population is each unit's chosen option value; in the
mean-field limit it is each node's vector of choice probabilities p (K states per node), which
follows :math:`\varepsilon \dot p = P(c) - p` (Kurtz 1970). A Markov rule
(:mod:`coupling.model._markov`) holds option values in a finite population too; its mean-field
limit (and the expected state of a finite population) is the model's
:attr:`~coupling.Model.master_equation`, an ODE model of the shares p_1..p_{K-1} per node,
which the System then binds instead of the declared model. So does a mean-field
population of a model with a declared reduction (:mod:`coupling.model._reduction`): it binds
:attr:`~coupling.Model.reduced`, one unit without traits that follows the reduction's
equations, and a finite population binds the model as declared. A response rule x = r(θ, c) is
written in its relaxation form :math:`\varepsilon \dot x = r - x`, of which it is the ε → 0
limit: the flat residual and Jacobian below are those of that form (simulation of response
rules tracks the fixed point itself, see :mod:`coupling.dynamics._response`).

A mean-field population evaluates the model's mean-field code
(:attr:`~coupling.model._compiled.CompiledModel.mean_field`): steps in a continuous trait are
integrated exactly through its CDF, and that trait's quadrature dimension collapses to one
node of weight 1 (its one-point Gauss node), so the node states are expectations over it. A
finite population evaluates the steps as they are.

A population that grows by arrivals (:mod:`coupling.model._arrivals`) has
:attr:`System.present` units: in a finite population the first ``present`` in index order,
with weights 1/present (0 for the units still to come); in the mean-field limit the nodes
keep their quadrature weights and hold the mean state of the present cohorts. The count is
the value of the model's :class:`~coupling.model._arrivals.Count` aggregate.
"""

import numpy as np
import sympy as sp
from scipy import sparse

from .._errors import DeclarationError, ParameterDomainError
from .._linalg import lu_fills
from ..networks import translations
from ._arrivals import Count
from ._compiled import bare
from ._markov import Markov
from ._rules import Choice, Local, Mean, MeanField, Share, Statistic, Variance


class System:
    """A model, a population and parameter values.

    Parameters
    ----------
    model : Model
    population : int or MeanField
    seed : int, SeedSequence or None
        Seeds the trait draws, initial choices and the dynamics' random numbers
        (three independent streams spawned from one :class:`numpy.random.SeedSequence`).
    params : mapping, optional
        Parameter values (default: the model's).
    expected : bool
        For a finite population with a choice rule: follow each unit's choice probabilities
        (the expected-choice ODE of the sampled units, as in the mean-field limit) instead
        of its realised choice. Equilibria and continuation of finite choice populations
        work on this deterministic system; refused for a growing population, which has no
        fixed points (so are :meth:`step`, :meth:`residual` and :meth:`jacobian`).
    """

    def __init__(self, model, population, seed=None, params=None, expected=False):
        params = dict(model.parameters) if params is None else params
        if model.reduction is not None and isinstance(population, MeanField):
            model = model.reduced  # the declared exact mean field
        elif model.micro.kind == "markov" and (isinstance(population, MeanField) or expected):
            model = model.master_equation  # the shares follow the master equation
        self.model = model
        self.rule = model.micro
        self.population = population
        self.mean_field = isinstance(population, MeanField)
        self.code = model.compiled.mean_field if self.mean_field else model.compiled
        self.seed_sequence = (seed if isinstance(seed, np.random.SeedSequence)
                              else np.random.SeedSequence(seed))
        trait_ss, init_ss, dyn_ss = self.seed_sequence.spawn(3)
        self.rng = np.random.default_rng(dyn_ss)
        self._init_rng = np.random.default_rng(init_ss)
        self.macro_names = tuple(model.macro)
        self.aggregate_names = tuple(model.aggregates)
        self.context_names = model.compiled.context_order
        self.global_aggregates = tuple(n for n, a in model.aggregates.items()
                                       if not isinstance(a, Local))
        self.local_aggregates = tuple(n for n, a in model.aggregates.items()
                                      if isinstance(a, Local))
        self.choice = isinstance(self.rule, (Choice, Markov))  # units hold an option value
        self.expected = self.choice and (self.mean_field or expected)
        self.response = self.rule.kind == "response"
        # micro residual (r - x)/eps: choice probabilities and responses relax to their rule
        self.relaxed = self.choice or self.response
        self.arrivals = model.arrivals
        self.capacity = None if self.mean_field else population
        self.present = (self.arrivals.present(0, self.capacity) if self.arrivals
                        else None if self.mean_field else population)
        if expected:  # the deterministic system of equilibria and continuation
            self._refuse_arrivals()
        for name, agg in model.aggregates.items():
            if isinstance(agg, Statistic) and self.mean_field:
                raise DeclarationError("a Statistic is computed from the units of a finite "
                                       "population; for the mean-field limit declare it as a "
                                       "Mean or Variance of an expression", symbol=name,
                                       level="aggregates")
        if self.mean_field:
            self._standard = None
        else:
            rng = np.random.default_rng(trait_ss)
            self._standard = {n: d.standard(rng, population) for n, d in model.traits.items()}
        if model.network is not None and not self.mean_field:
            adjacency = sparse.csr_matrix(model.network, dtype=float)
            degree = np.asarray(adjacency.sum(axis=1)).ravel()
            isolated = degree == 0
            inv = np.where(isolated, 0.0, 1.0 / np.where(isolated, 1.0, degree))
            self.neighbours = (sparse.diags(inv) @ adjacency
                               + sparse.diags(isolated.astype(float))).tocsr()
            self.neighbours.sort_indices()
            self.translations = translations(self.neighbours)
            self.iterative = lu_fills(self.neighbours, self.k)
        else:
            self.neighbours = self.translations = None
            self.iterative = False
        self._node_cache = {}
        self._plan = None  # the fast right-hand side, built after the first evaluation
        self.set_parameters(params)
        if self.choice and self.expected:
            self._check_probabilities()

    def _check_probabilities(self):
        """Evaluate the choice probabilities once at the initial state: they are checked on
        every evaluation (:class:`~coupling.model._compiled.Probabilities`), and this one
        covers the runs and analyses that evaluate them in compiled form only."""
        Z, y = self.initial_micro(), self.initial_macro()
        self.rule_values(Z, self.evaluate(y, Z)[2])

    # ------------------------------------------------------------------ set-up
    def set_parameters(self, params):
        """Use new parameter values (trait values and mean-field nodes move with them)."""
        if params == getattr(self, "params", None):
            return
        self.params = dict(params)
        self.eps = self.model.eps(self.params)
        if not self.eps > 0:
            timescale = self.model.timescale
            raise ParameterDomainError(
                f"[level 'timescale'] the micro timescale ε must be > 0, got {self.eps}",
                parameter=timescale if isinstance(timescale, str) else None, value=self.eps,
                symbol="timescale", level="timescale")
        traits = self.model.traits
        if self.mean_field:
            grids, weights = [], []
            for name, dist in traits.items():
                nodes, w = self._nodes(name, dist)
                grids.append(nodes)
                weights.append(w)
            if grids:
                mesh = np.meshgrid(*grids, indexing="ij")
                wmesh = np.meshgrid(*weights, indexing="ij")
                self.traits = {n: g.ravel() for n, g in zip(traits, mesh)}
                self.weights = np.prod([w.ravel() for w in wmesh], axis=0)
            else:
                self.traits, self.weights = {}, np.ones(1)
        else:
            self.traits = {n: d.transform(self._standard[n], **d.resolve(self.params, trait=n))
                           for n, d in traits.items()}
            self.weights = self._present_weights()
        self.size = self.weights.size
        # shocks are 0 until a run draws them (see coupling.dynamics._noise)
        self._base_env = {**self.params, **self.traits,
                          **{n: np.zeros(self.size) for n in getattr(self.rule, "shocks", {})}}
        self._outer = {**self.params, **{n: 0.0 for n in self.model.shocks}}
        self._choice_values = None

    def _present_weights(self):
        """Finite population: 1/n on the n present units (the first n), 0 on the rest."""
        weights = np.zeros(self.population)
        weights[:self.present] = 1.0 / max(self.present, 1)
        return weights

    def set_present(self, t):
        """The units present in period t of a growing population (see
        :class:`~coupling.model._arrivals.Arrivals`); returns their number."""
        n = self.arrivals.present(t, self.capacity)
        if n != self.present:
            self.present = n
            if not self.mean_field:
                self.weights = self._present_weights()
        return n

    def _refuse_arrivals(self):
        if self.arrivals is not None:
            raise DeclarationError("a growing population is not autonomous (the weight of "
                                   "each arrival shrinks as 1/n): it has no fixed points or "
                                   "branches to find; analyse it with cp.simulate",
                                   symbol="arrivals", level="arrivals")

    def set_shocks(self, values):
        """This period's shocks: idiosyncratic ones (arrays over the units), read by the
        micro rule and the aggregates, and aggregate ones (numbers), read by the context map
        and the macro dynamics."""
        for name, value in values.items():
            (self._outer if name in self.model.shocks else self._base_env)[name] = value

    def _nodes(self, name, dist):
        """Quadrature nodes of a trait, recomputed only when its parameters change; one node
        of weight 1 for a trait the mean-field code integrates out."""
        values = dist.resolve(self.params, trait=name)
        key = (name, tuple(v if np.isscalar(v) else id(v) for v in values.values()))
        if key not in self._node_cache:
            if len(self._node_cache) > 64:
                self._node_cache.clear()
            n = 1 if name in self.code.collapsed else self.population.nodes
            self._node_cache[key] = dist.nodes(n, **values)
        return self._node_cache[key]

    @property
    def k(self):
        """Micro states per unit (per node in the mean-field limit of a choice rule)."""
        if self.expected:
            return len(self.rule.options)
        return len(self.rule.states)

    def initial_micro(self):
        """Initial micro state, shape (M, k)."""
        M = self.size
        if self.choice:
            options = np.asarray(self.rule.options)
            init = self.rule.initial
            if init is None or isinstance(init, (list, tuple)):
                probs = (np.full(options.size, 1 / options.size) if init is None
                         else np.asarray(init, dtype=float))
                if self.expected:
                    return np.tile(probs, (M, 1))
                index = np.searchsorted(np.cumsum(probs), self._init_rng.random(M),
                                        side="right")
                return options[np.minimum(index, options.size - 1)][:, None]
            values = np.broadcast_to(np.asarray(init, dtype=float), (M,))
            if self.expected:
                return (values[:, None] == options[None, :]).astype(float)
            return values.astype(float)[:, None]
        Z = np.zeros((M, self.k))
        env = self._base_env
        for j, state in enumerate(self.rule.states):
            init = self.code.initial.get(state)
            if init is not None:
                Z[:, j] = init if isinstance(init, np.ndarray) else init(env)[0]
        return Z

    def initial_macro(self):
        return np.array([float(m.initial) for m in self.model.macro.values()])

    # ------------------------------------------------------------------ the edges
    def micro_env(self, Z):
        env = dict(self._base_env)
        if Z is not None:
            for j, state in enumerate(self.rule.states):
                env[state] = Z[:, j]
        return env

    def choice_values(self):
        """Aggregate integrands at each option: E[name] has shape (M, K) (mean-field choice)."""
        if self._choice_values is None:
            self._choice_values = {}
            for name, code in self.code.aggregates.items():
                if code is None:
                    continue
                cols = []
                for option in self.rule.options:
                    env = dict(self._base_env, **{self.rule.state: option})
                    cols.append(np.broadcast_to(code(env)[0], (self.size,)))
                self._choice_values[name] = np.stack(cols, axis=1)
        return self._choice_values

    def aggregates(self, Z):
        """Global aggregates X (a,) and network-local aggregates {name: (M,)}."""
        X = np.empty(len(self.global_aggregates))
        local = {}
        w = self.weights
        n = self.present  # all units (N or the nodes), or those arrived so far
        mf_choice = self.expected  # probabilities per unit or node
        env = None if mf_choice else self.micro_env(Z)
        for name in self.aggregate_names:
            agg = self.model.aggregates[name]
            if isinstance(agg, Count):
                X[self.global_aggregates.index(name)] = n
                continue
            if n == 0:  # nobody has arrived yet
                X[self.global_aggregates.index(name)] = 0.0
                continue
            if isinstance(agg, Share) and not mf_choice:
                X[self.global_aggregates.index(name)] = (
                    np.count_nonzero(Z[:n, 0] == agg.option) / n)
                continue
            if isinstance(agg, Share):
                values = Z[:, self.rule.options.index(float(agg.option))]
            elif isinstance(agg, Statistic):
                X[self.global_aggregates.index(name)] = agg.function(
                    self.state_dict(Z), dict(self.traits), w)
                continue
            elif mf_choice:
                E = self.choice_values()[name]
                values = np.einsum("ik,ik->i", Z, E)
                if isinstance(agg, Variance):
                    X[self.global_aggregates.index(name)] = (
                        w @ np.einsum("ik,ik->i", Z, E**2) - (w @ values) ** 2)
                    continue
            else:
                values = np.broadcast_to(self.code.aggregates[name](env)[0], (self.size,))
            if isinstance(agg, Local):
                local[name] = (self.neighbours @ values if self.neighbours is not None
                               else np.full(self.size, w @ values))
            elif isinstance(agg, Variance):
                mean = w @ values
                X[self.global_aggregates.index(name)] = w @ (values - mean) ** 2
            else:
                X[self.global_aggregates.index(name)] = (
                    w @ values if self.mean_field else np.add.reduce(values[:n]) / n)
        return X, local

    def context(self, y, X, local):
        """Context variables {name: scalar or (M,) array}."""
        env = dict(self._outer)
        env.update(zip(self.macro_names, y))
        env.update(zip(self.global_aggregates, X))
        env.update(local)
        for name in self.context_names:
            env[name] = self.code.context[name](env)[0]
        return {n: env[n] for n in self.context_names}

    def macro_rhs(self, y, X, ctx):
        if not self.macro_names:
            return np.empty(0)
        env = dict(self._outer)
        env.update(zip(self.macro_names, y))
        env.update(zip(self.global_aggregates, X))
        env.update(ctx)
        return np.array([float(v) for v in self.code.macro(env)])

    def rule_values(self, Z, ctx, *, check=True):
        """The micro rule's expressions at every unit, shape (M, number of expressions);
        ``check=False`` skips the check of choice probabilities (see
        :meth:`~coupling.model._compiled.Probabilities.unchecked`)."""
        env = self.micro_env(Z)
        env.update(ctx)
        micro = self.code.micro
        values = micro(env) if check or not hasattr(micro, "unchecked") else micro.unchecked(env)
        return np.stack([np.broadcast_to(v, (self.size,)) for v in values], axis=1)

    def micro_rhs(self, Z, ctx):
        r"""dZ/dt: :math:`f/\varepsilon` for ODE rules, :math:`(P(c) - p)/\varepsilon` for
        mean-field choice, :math:`(r - x)/\varepsilon` for response rules."""
        values = self.rule_values(Z, ctx, check=False)
        if self.relaxed:
            values = values - Z
        return values / self.eps

    def state_dict(self, Z):
        return {s: Z[:, j] for j, s in enumerate(self.rule.states)}

    def evaluate(self, y, Z):
        """Aggregates, local aggregates and context at the state (y, Z)."""
        if self._plan:
            return self._plan.evaluate(Z, y)
        X, local = self.aggregates(Z)
        return X, local, self.context(y, X, local)

    # ------------------------------------------------------------------ flat system
    def pack(self, Z, y):
        return np.concatenate([Z.ravel(), y])

    def unpack(self, u):
        n = self.size * self.k
        return u[:n].reshape(self.size, self.k), u[n:]

    def rhs(self, u):
        """Right-hand side of the flat continuous-time system u = (Z, y)."""
        if self._plan:
            return self._plan(u)
        Z, y = self.unpack(u)
        X, _, ctx = self.evaluate(y, Z)
        out = self.pack(self.micro_rhs(Z, ctx), self.macro_rhs(y, X, ctx))
        if self._plan is None:  # every expression has been evaluated (and checked) once
            self._plan = _FastRHS.build(self) or False
        return out

    def revision_probability(self):
        """q = 1 - exp(-1/ε): the share of units revising in one period (discrete time)."""
        return -np.expm1(-1.0 / self.eps)

    def step(self, u):
        r"""One period of a deterministic discrete-time model: u_{t+1} = G(u_t).

        Map units move to g(x, θ, c); choice probabilities to p + q (P(c) - p); responses
        to r(θ, c). Refused for a growing population (not a map of its state alone).
        """
        self._refuse_arrivals()
        Z, y = self.unpack(u)
        X, _, ctx = self.evaluate(y, Z)
        values = self.rule_values(Z, ctx, check=False)
        if self.choice:
            values = Z + self.revision_probability() * (values - Z)
        return self.pack(values, self.macro_rhs(y, X, ctx))

    def residual(self, u):
        """F(u) whose zeros are the equilibria: du/dt, or G(u) - u for maps."""
        return self.step(u) - u if self.model.time == "discrete" else self.rhs(u)

    # ------------------------------------------------------------------ derivatives
    def _context_jacobian(self, y, X, local, ctx):
        """d c / d (X, y, L): arrays of shape (nc, a), (nc, m), (nc, nl); entries per unit."""
        env = dict(self._outer)
        env.update(zip(self.macro_names, y))
        env.update(zip(self.global_aggregates, X))
        env.update(local)
        env.update(ctx)
        inputs = self.global_aggregates + self.macro_names + self.local_aggregates
        total = {}
        for name in self.context_names:
            code = self.code.context[name]
            upstream = tuple(n for n in code.names if n in total)
            source = self.code.bare[name]
            row = ([1.0 if n == source else 0.0 for n in inputs + upstream] if source
                   else code.jacobian(env, inputs + upstream)[0])
            direct = [np.asarray(v, dtype=float) for v in row[:len(inputs)]]
            for dep, d in zip(upstream, row[len(inputs):]):
                direct = [a + np.asarray(d) * b for a, b in zip(direct, total[dep])]
            total[name] = direct
        a, m = len(self.global_aggregates), len(self.macro_names)
        rows = [total[n] for n in self.context_names]
        DX = [[r[j] for j in range(a)] for r in rows]
        Dy = [[r[a + j] for j in range(m)] for r in rows]
        DL = [[r[a + m + j] for j in range(len(self.local_aggregates))] for r in rows]
        return DX, Dy, DL

    def _rule_jacobians(self, Z, ctx):
        """Per-unit blocks A = d rhs/d z (M, k, k) and B = d rhs/d c (M, k, nc).

        For a response rule A = (∂r/∂x - I)/ε (∂r/∂x = 0: a response reads no own state)."""
        M, k, nc = self.size, self.k, len(self.context_names)
        env = self.micro_env(Z)
        env.update(ctx)
        A = np.zeros((M, k, k))
        B = np.zeros((M, k, nc))
        if self.choice:  # mean-field probabilities: eps dp/dt = P(c) - p
            rows = self.code.micro.jacobian(env, self.context_names)
            for i, row in enumerate(rows):
                for j, v in enumerate(row):
                    B[:, i, j] = v
            A[:] = -np.eye(k)
        else:
            rows = self.code.micro.jacobian(env, self.rule.states + self.context_names)
            for i, row in enumerate(rows):
                for j, v in enumerate(row[:k]):
                    A[:, i, j] = v
                for j, v in enumerate(row[k:]):
                    B[:, i, j] = v
            if self.response:
                A -= np.eye(k)
        A /= self.eps
        B /= self.eps
        return A, B

    def _aggregate_jacobians(self, Z, X):
        """G (a, M, k): d X / d z_i (weighted); H (nl, M, k): d g_local / d z_i."""
        M, k = self.size, self.k
        G = np.zeros((len(self.global_aggregates), M, k))
        H = np.zeros((len(self.local_aggregates), M, k))
        w = self.weights
        mf_choice = self.expected  # probabilities per unit or node
        env = None if mf_choice else self.micro_env(Z)
        for name in self.aggregate_names:
            agg = self.model.aggregates[name]
            is_local = isinstance(agg, Local)
            if isinstance(agg, Share):
                d = np.zeros((M, k))
                d[:, self.rule.options.index(float(agg.option))] = 1.0
                values = None
            elif mf_choice:
                d = self.choice_values()[name]
                values = np.einsum("ik,ik->i", Z, d)
                if isinstance(agg, Variance):
                    d = d**2 - 2 * (w @ values) * d
            else:
                code = self.code.aggregates[name]
                source = self.code.bare[name]
                if source in self.rule.states:  # the aggregate of one state: d = e_j
                    d = np.zeros((M, k))
                    d[:, self.rule.states.index(source)] = 1.0
                else:
                    d = np.stack([np.broadcast_to(v, (M,))
                                  for v in code.jacobian(env, self.rule.states)[0]], axis=1)
                if isinstance(agg, Variance):
                    values = np.broadcast_to(code(env)[0], (M,))
                    d = 2 * (values - w @ values)[:, None] * d
            if is_local:
                H[self.local_aggregates.index(name)] = d
            else:
                G[self.global_aggregates.index(name)] = w[:, None] * d
        return G, H

    def _macro_jacobian(self, y, X, ctx):
        m = len(self.macro_names)
        env = dict(self._outer)
        env.update(zip(self.macro_names, y))
        env.update(zip(self.global_aggregates, X))
        env.update(ctx)
        names = self.macro_names + self.global_aggregates + self.context_names
        rows = self.code.macro.jacobian(env, names) if m else []
        full = np.array([[float(v) for v in row] for row in rows]).reshape(m, len(names))
        a = len(self.global_aggregates)
        return full[:, :m], full[:, m:m + a], full[:, m + a:]

    def jacobian(self, u):
        """The structured Jacobian of :meth:`residual` at u (see :class:`StructuredJacobian`).

        For maps it is the Jacobian of G(u) - u: the eigenvalues plus one are the multipliers.
        """
        from .._linalg import StructuredJacobian, network_part

        self._refuse_arrivals()
        Z, y = self.unpack(u)
        M, k = self.size, self.k
        X, local, ctx = self.evaluate(y, Z)
        A, B = self._rule_jacobians(Z, ctx)
        discrete = self.model.time == "discrete"
        if discrete:  # from the rates of the continuous form to one period of the map, minus I
            scale = self.eps * (self.revision_probability() if self.choice else 1.0)
            A = (np.eye(k) if self.relaxed else 0.0) + scale * A - np.eye(k)
            B = scale * B
        DX, Dy, DL = self._context_jacobian(y, X, local, ctx)
        G, H = self._aggregate_jacobians(Z, X)
        Fy, FX, Fc = self._macro_jacobian(y, X, ctx)
        nc = len(self.context_names)
        a, m = len(self.global_aggregates), len(self.macro_names)
        # U: the micro rows are B (dc/dX, dc/dy) unit by unit, the macro rows F_X, F_y plus
        # F_c times the mean context derivative. Column-major, so that U.T has contiguous rows.
        r, n_micro = a + m, M * k
        U = np.zeros((n_micro + m, r), order="F")
        Dg_mean = np.zeros((nc, r))
        for i in range(nc):
            for j, d in enumerate([*DX[i], *Dy[i]]):
                d = np.asarray(d, dtype=float)
                if d.ndim == 0 and d == 0:
                    continue
                Dg_mean[i, j] = d.mean() if M else 0.0
                column = U[:n_micro, j].reshape(M, k)
                column += B[:, :, i] * (d[:, None] if d.ndim else d)
        U_macro = np.hstack([FX, Fy]) + Fc @ Dg_mean if nc else np.hstack([FX, Fy])
        # the macro block is -I, with F_y + I carried by the low-rank part: every block of P
        # is then invertible wherever the units' own blocks are, so J itself can be solved.
        # For maps the macro rows are G_y - I: the -I is that block already.
        if not discrete:
            U_macro[:, a:] += np.eye(m)
        U[n_micro:] = U_macro
        Vt = np.zeros((r, n_micro + m))
        Vt[:a, :n_micro] = G.reshape(a, n_micro)
        Vt[a:, n_micro:] = np.eye(m)
        coupling = translations = None
        if self.local_aggregates:
            nl = len(self.local_aggregates)
            DLa = np.zeros((M, nc, nl))
            for i in range(nc):
                for j in range(nl):
                    DLa[:, i, j] = DL[i][j]
            blocks = network_part(np.einsum("mkc,mcl->mkl", B, DLa), self.neighbours,
                                  H.transpose(1, 0, 2))
            if self.translations is not None:
                translations = (self.translations, blocks.data)
            coupling = blocks.tocsr()
        return StructuredJacobian(A, U, Vt, coupling=coupling, macro=-np.eye(m),
                                  translations=translations, iterative=self.iterative)


class _FastRHS:
    r"""The flat right-hand side of :meth:`System.rhs` without its per-call bookkeeping.

    For units with an ODE or response rule, symbolic expressions and global aggregates (the
    common stiff case), the compiled numpy functions are called directly with argument
    lists resolved once, aggregates and context variables that are a bare variable are
    read instead of evaluated, the name -> value scopes persist between calls (refreshed
    when the parameters change) and the result is written into one output array. The
    numbers are those of the general path: the same functions on the same arrays. Overflow
    warnings are silenced, as in :class:`Compiled`, where an expression can overflow
    meaningfully (exp, cosh, sinh, powers).
    """

    def __init__(self, system, aggregates, context, micro, macro):
        self.system = system
        self.aggregates, self.context, self.micro, self.macro = aggregates, context, micro, macro
        self.shape = (system.size, system.k)
        self.n = system.size * system.k
        self.states = tuple(enumerate(system.rule.states))
        self.macro_names = tuple(enumerate(system.macro_names))
        self.aggregate_names = system.global_aggregates
        self._base = self._params = None
        exprs = [e.expr for c in (micro, macro, *[c for _, _, c in context],
                                  *[c for *_, c in aggregates]) for e in c.exprs]
        self.overflow = any(e.has(sp.exp, sp.sinh, sp.cosh, sp.Pow) for e in exprs)

    @classmethod
    def build(cls, system):
        """The plan for ``system``, or None where the general path is needed."""
        code, model = system.code, system.model
        if system.choice or system.local_aggregates or model.has_noise or model.arrivals:
            return None
        parts = [code.micro, code.macro, *code.context.values(), *code.aggregates.values()]
        if any(c is None or not c.symbolic for c in parts):
            return None
        states = system.rule.states
        aggregates = []
        for i, name in enumerate(system.global_aggregates):
            agg = model.aggregates[name]
            if not isinstance(agg, (Mean, Variance)):
                return None
            source = bare(code.aggregates[name])
            column = states.index(source) if source in states else None
            aggregates.append((i, isinstance(agg, Variance), column, code.aggregates[name]))
        context = tuple((name, bare(code.context[name]), code.context[name])
                        for name in system.context_names)
        return cls(system, tuple(aggregates), context, code.micro, code.macro)

    def __call__(self, u):
        n = self.n
        if not self.overflow:
            return self._evaluate(u[:n].reshape(self.shape), u[n:], True)
        return self._run(u[:n].reshape(self.shape), u[n:], True)

    def _run(self, Z, y, rates):
        if not self.overflow:
            return self._evaluate(Z, y, rates)
        with np.errstate(over="ignore"):  # as in Compiled: exp overflow -> inf is meaningful
            return self._evaluate(Z, y, rates)

    def evaluate(self, Z, y):
        """Global aggregates, (no) local aggregates and context, as :meth:`System.evaluate`."""
        self._run(Z, y, rates=False)
        scope = self._scope
        return (np.array([scope[a] for a in self.aggregate_names]), {},
                {name: scope[name] for name, _, _ in self.context})

    def _evaluate(self, Z, y, rates):
        s, n = self.system, self.n
        if s._base_env is not self._base or s.params is not self._params:
            self._base, self._params = s._base_env, s.params
            self._env, self._scope = dict(s._base_env), dict(s.params)
        env, scope = self._env, self._scope
        M = self.shape[0]
        for j, state in self.states:
            env[state] = Z[:, j]
        for i, variance, column, code in self.aggregates:
            if column is not None:
                values = Z[:, column]
            else:
                values = _call(code, env)[0]
                if np.ndim(values) != 1:
                    values = np.broadcast_to(values, (M,))
            if variance:
                mean = s.weights @ values
                value = s.weights @ (values - mean) ** 2
            else:
                value = s.weights @ values if s.mean_field else np.add.reduce(values) / M
            scope[self.aggregate_names[i]] = value
        for i, name in self.macro_names:
            scope[name] = y[i]
        for name, source, code in self.context:
            value = scope[source] if source is not None else _call(code, scope)[0]
            scope[name] = env[name] = value
        if not rates:
            return None
        out = np.empty(n + y.size)
        micro = out[:n].reshape(self.shape)
        for j, value in enumerate(_call(self.micro, env)):
            if s.relaxed:
                np.subtract(value, Z[:, j], out=micro[:, j])
                micro[:, j] /= s.eps
            else:
                np.divide(value, s.eps, out=micro[:, j])
        for i, value in enumerate(_call(self.macro, scope), n):
            out[i] = value
        return out


def _call(compiled, env):
    """The compiled numpy function of symbolic expressions, without Compiled's checks (they
    ran on the first evaluation)."""
    return compiled._function(*[env[name] for name in compiled.names])
