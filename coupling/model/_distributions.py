"""Trait distributions: sampling for finite populations, quadrature for the mean-field limit.

Every distribution is written as a transform of a *standard* variate (a standard normal or a
uniform on [0, 1]) by its parameters. A finite population draws the standard variates once per
seed; changing a distribution parameter then moves each unit's trait smoothly (common random
numbers), and the mean-field nodes move with the parameters in the same way.

Distribution parameters are numbers or names of model parameters.

The continuous distributions (Normal, LogNormal, Uniform, Beta, Lorentzian) also have a cumulative
distribution function F, written symbolically (:meth:`Distribution.cdf_expression`) so that the
mean-field limit can integrate a step in the trait exactly, E[H(x - θ)] = F(x), and
differentiate it (its derivative is the density f); :meth:`Distribution.cdf` and
:meth:`Distribution.pdf` evaluate them numerically. Discrete and Fixed traits need none: their
quadrature nodes are their values, so every expectation over them is an exact finite sum.
A :class:`Mixture` has a CDF when all its components have one.

Heavy tails: a :class:`Lorentzian` (Cauchy) trait has no mean and no variance, so the
expectation of an expression growing like |θ| or faster does not exist, and no quadrature can
give it: :meth:`Distribution.moment_problem` names such expressions (rational in the trait)
for the declaration checks. Bounded expressions of the trait integrate exactly as documented
in :meth:`Lorentzian.nodes`.
"""

import functools
import numbers

import numpy as np
import sympy as sp
from scipy import special, stats

from .._errors import DeclarationError, ParameterDomainError
from ._expressions import BetaCDF, NormCDF, UnitStep, lambdify


def _value(arg, params):
    return float(params[arg]) if isinstance(arg, str) else arg


def _symbol(arg):
    """A distribution argument in sympy: its parameter's symbol, or the number."""
    return sp.Symbol(arg, real=True) if isinstance(arg, str) else sp.Float(arg)


class Distribution:
    """Base class. A subclass defines:

    1. ``args``: the names of its parameters, in order (attributes of the instance);
    2. ``check(values)``: raise ``ValueError`` when resolved parameter values are invalid;
    3. ``standard(rng, n)``: n standard variates;
    4. ``transform(u, values)``: traits from standard variates;
    5. ``nodes(n, values)``: mean-field quadrature nodes and weights (summing to 1);

    and a continuous distribution also

    6. ``cdf_expression(x, values)`` (a static method): its CDF at the sympy expression x,
       the values being sympy numbers or parameter symbols; ``ValueError`` where it has none.
    """

    args = ()
    #: sup of the orders p with E|θ|^p finite (every moment exists unless a subclass says)
    moment_order = np.inf

    def moment_problem(self, expr, trait, *, variance=False):
        """Why the mean (or, with ``variance``, the variance) of the sympy expression ``expr``
        over the trait named ``trait`` does not exist, or None.

        Detected: an expression rational in the trait growing like |θ|^d (d = degree of the
        numerator minus that of the denominator) with d >= :attr:`moment_order` (2d for a
        variance). Not detected: other unbounded functions of the trait (exp(θ), sqrt(|θ|)
        has a mean for a Lorentzian), nor states that inherit the growth of the trait
        through the micro rule.
        """
        if self.moment_order == np.inf:
            return None
        expr = sp.sympify(expr)
        symbols = [s for s in expr.free_symbols if s.name == trait]
        if not symbols or not expr.is_rational_function(symbols[0]):
            return None
        numerator, denominator = sp.fraction(sp.together(expr))
        growth = sp.degree(numerator, symbols[0]) - sp.degree(denominator, symbols[0])
        order = 2 * growth if variance else growth
        if growth <= 0 or order < self.moment_order:
            return None
        what = "variance" if variance else "mean"
        return (f"the {what} of {expr} over the trait '{trait}' ~ {self!r} does not exist: "
                f"it grows like |{trait}|^{order} and {self!r} has moments of order < "
                f"{self.moment_order:g} only; aggregate a bounded function of '{trait}' "
                f"instead")

    @property
    def has_cdf(self):
        """Whether the distribution is continuous, with a CDF (a step in it integrates to F)."""
        return hasattr(self, "cdf_expression")

    def cdf_of(self, x):
        """F(x), a sympy expression of x and of the parameters the distribution names."""
        return self.cdf_expression(x, **{a: _symbol(getattr(self, a)) for a in self.args})

    def cdf(self, x, params=None):
        """The cumulative distribution function F(x) = P(trait <= x), on arrays."""
        return self._evaluate(x, params, 0)

    def pdf(self, x, params=None):
        """The density f(x) = F'(x), the derivative of :meth:`cdf`, on arrays."""
        return self._evaluate(x, params, 1)

    def _evaluate(self, x, params, derivative):
        values = self.resolve(dict(params or {}))
        function = _cdf_function(type(self), tuple(values.values()), derivative)
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf: F(0) = 0
            value = function(np.asarray(x, dtype=float))[0]
        return np.broadcast_to(value, np.shape(x)).copy()

    def parameters(self):
        """Model-parameter names the distribution depends on."""
        return {getattr(self, a) for a in self.args if isinstance(getattr(self, a), str)}

    def resolve(self, params, *, trait="?"):
        values = {a: _value(getattr(self, a), params) for a in self.args}
        try:
            self.check(**values)
        except ValueError as exc:
            # check() names the offending argument first ("sigma must be >= 0, ...")
            arg = str(exc).split()[0] if str(exc) else None
            parameter = getattr(self, arg) if arg in self.args else None
            parameter = parameter if isinstance(parameter, str) else None
            raise ParameterDomainError(
                f"[level 'traits', symbol '{trait}'] invalid {self!r}: {exc}"
                + (f" (parameter '{parameter}')" if parameter else ""),
                parameter=parameter, value=params.get(parameter) if parameter else None,
                symbol=trait, level="traits") from None
        return values

    def sample(self, rng, n, params):
        return self.transform(self.standard(rng, n), **self.resolve(params))

    def __repr__(self):
        inner = ", ".join(repr(getattr(self, a)) for a in self.args)
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other):
        return type(self) is type(other) and all(
            np.array_equal(getattr(self, a), getattr(other, a)) for a in self.args)

    def __hash__(self):
        return hash(type(self))

    def to_dict(self):
        return {"distribution": type(self).__name__,
                **{a: _plain(getattr(self, a)) for a in self.args}}


@functools.lru_cache(maxsize=256)
def _cdf_function(cls, values, derivative):
    """F (or its derivative) of a distribution with numeric arguments, compiled once."""
    x = sp.Symbol("x", real=True)
    expr = cls.cdf_expression(x, **{a: sp.Float(v) for a, v in zip(cls.args, values)})
    return lambdify(["x"], [sp.diff(expr, x) if derivative else expr])


def _pick(u, weights):
    """Index k with P(k) = weights[k] for each standard uniform u (inverse CDF)."""
    index = np.searchsorted(np.cumsum(weights), u, side="right")
    return np.minimum(index, len(weights) - 1)


def _plain(x):
    return x.tolist() if isinstance(x, np.ndarray) else x


def _number_or_name(x, what):
    if isinstance(x, str) or (isinstance(x, numbers.Real) and not isinstance(x, bool)):
        return x if isinstance(x, str) else float(x)
    raise DeclarationError(f"{what} must be a number or a parameter name, got {x!r}",
                           level="traits")


class Normal(Distribution):
    """Normal(mu, sigma); sigma = 0 gives identical units.

    Mean-field nodes: probabilists' Gauss-Hermite, a = mu + sigma z.
    """

    args = ("mu", "sigma")

    def __init__(self, mu=0.0, sigma=1.0):
        self.mu = _number_or_name(mu, "Normal mu")
        self.sigma = _number_or_name(sigma, "Normal sigma")

    def check(self, mu, sigma):
        if not sigma >= 0:
            raise ValueError(f"sigma must be >= 0, got {sigma}")

    def standard(self, rng, n):
        return rng.standard_normal(n)

    def transform(self, z, mu, sigma):
        return mu + sigma * z

    def nodes(self, n, mu, sigma):
        # n nodes even for sigma = 0, so that the state layout never depends on a parameter
        z, w = special.roots_hermitenorm(n)
        return mu + sigma * z, w / w.sum()

    @staticmethod
    def cdf_expression(x, mu, sigma):
        r""":math:`F(x) = \Phi((x - \mu)/\sigma)`; a step at μ for σ = 0."""
        if sigma == 0:
            return UnitStep(x - mu, sp.S.Half)
        return NormCDF((x - mu) / sigma)


class LogNormal(Normal):
    """LogNormal(mu, sigma): log(a) ~ Normal(mu, sigma). Nodes: Gauss-Hermite in log space."""

    def transform(self, z, mu, sigma):
        return np.exp(mu + sigma * z)

    def nodes(self, n, mu, sigma):
        log_nodes, w = Normal.nodes(Normal(), n, mu, sigma)
        return np.exp(log_nodes), w

    @staticmethod
    def cdf_expression(x, mu, sigma):
        r""":math:`F(x) = \Phi((\log x - \mu)/\sigma)` for x > 0 and 0 for x <= 0.

        The logarithm reads max(x, tiny) (tiny the smallest normal float), so that F and its
        density, 0 at x <= 0, are finite everywhere."""
        positive = sp.Max(x, sp.Float(np.finfo(float).tiny))
        return UnitStep(x, sp.S.Zero) * Normal.cdf_expression(sp.log(positive), mu, sigma)


class Uniform(Distribution):
    """Uniform(low, high). Nodes: Gauss-Legendre on [low, high]."""

    args = ("low", "high")

    def __init__(self, low=0.0, high=1.0):
        self.low = _number_or_name(low, "Uniform low")
        self.high = _number_or_name(high, "Uniform high")

    def check(self, low, high):
        if not high >= low:
            raise ValueError(f"need low <= high, got low={low}, high={high}")

    def standard(self, rng, n):
        return rng.random(n)

    def transform(self, u, low, high):
        return low + (high - low) * u

    def nodes(self, n, low, high):
        x, w = special.roots_legendre(n)
        return self.transform((x + 1) / 2, low, high), w / w.sum()

    @staticmethod
    def cdf_expression(x, low, high):
        """F(x) = (x - low)/(high - low), clipped to [0, 1]; a step at low if high = low."""
        if high == low:
            return UnitStep(x - low, sp.S.Half)
        return sp.Min(1, sp.Max(0, (x - low) / (high - low)))


class Beta(Distribution):
    """Beta(a, b) on [0, 1]. Sampled by inverse CDF; nodes: Gauss-Jacobi."""

    args = ("a", "b")

    def __init__(self, a, b):
        self.a = _number_or_name(a, "Beta a")
        self.b = _number_or_name(b, "Beta b")

    def check(self, a, b):
        if not (a > 0 and b > 0):
            raise ValueError(f"a and b must be > 0, got a={a}, b={b}")

    def standard(self, rng, n):
        return rng.random(n)

    def transform(self, u, a, b):
        return stats.beta.ppf(u, a, b)

    def nodes(self, n, a, b):
        x, w = special.roots_jacobi(n, b - 1, a - 1)
        return (x + 1) / 2, w / w.sum()

    @staticmethod
    def cdf_expression(x, a, b):
        """The regularised incomplete beta function I_x(a, b) (scipy.special.betainc), for
        numeric a and b (its derivatives in a and b have no closed form)."""
        if not (a.is_number and b.is_number):
            raise ValueError(f"a Beta CDF needs numeric a and b, got a={a}, b={b}: its "
                             "derivatives in a and b have no closed form")
        return BetaCDF(x, a, b)


class Lorentzian(Distribution):
    r"""Lorentzian (Cauchy) distribution: density
    :math:`f(θ) = Δ / (π((θ - c)^2 + Δ^2))`, CDF :math:`F(θ) = 1/2 + \arctan((θ - c)/Δ)/π`;
    median ``center`` c, half width at half maximum ``half_width`` Δ >= 0 (the interquartile
    range is 2Δ; Δ = 0 gives identical units). No mean or variance exists (moments of order
    p < 1 only).

    Sampled by inverse CDF from a standard uniform u, θ = c + Δ tan(π(u - 1/2)), so a change
    of c or Δ moves every unit smoothly.
    """

    args = ("center", "half_width")
    moment_order = 1.0

    def __init__(self, center=0.0, half_width=1.0):
        self.center = _number_or_name(center, "Lorentzian center")
        self.half_width = _number_or_name(half_width, "Lorentzian half_width")

    def check(self, center, half_width):
        if not half_width >= 0:
            raise ValueError(f"half_width must be >= 0, got {half_width}")

    def standard(self, rng, n):
        return rng.random(n)

    def transform(self, u, center, half_width):
        return center + half_width * np.tan(np.pi * (u - 0.5))

    def nodes(self, n, center, half_width):
        r"""Gauss-Legendre in the uniform variable: E[g(θ)] = ∫_0^1 g(θ(u)) du with
        θ(u) = c + Δ tan(π(u - 1/2)), nodes θ(u_i) at the n Legendre nodes u_i of (0, 1),
        weights the Legendre weights.

        The error falls exponentially in n when h(u) = g(θ(u)) is analytic on [0, 1], i.e.
        g is bounded and analytic on the real line extended by the point at infinity (e.g.
        1/(1 + θ^2), or a rational function with equal limits at ±∞); only algebraically
        when h has a kink, a jump or an essential singularity (cos(tθ) oscillates infinitely
        often as u -> 0, 1; a step or a square-root edge inside the range). Unbounded g
        (θ itself) has no expectation: the nodes give a meaningless finite number.
        """
        x, w = special.roots_legendre(n)
        return self.transform((x + 1) / 2, center, half_width), w / w.sum()

    @staticmethod
    def cdf_expression(x, center, half_width):
        """F(x) = 1/2 + arctan((x - c)/Δ)/π; a step at c for Δ = 0."""
        if half_width == 0:
            return UnitStep(x - center, sp.S.Half)
        return sp.S.Half + sp.atan((x - center) / half_width) / sp.pi


class Discrete(Distribution):
    """A discrete distribution on ``values`` with probabilities ``weights``.

    With ``weights=None`` every value is equally likely: an empirical distribution of
    observed traits. The mean-field limit is exact (the nodes are the values).
    """

    args = ("values", "weights")

    def __init__(self, values, weights=None):
        self.values = np.asarray(values, dtype=float)
        if self.values.ndim != 1 or self.values.size == 0:
            raise DeclarationError("Discrete values must be a non-empty 1-d array",
                                   level="traits")
        n = self.values.size
        self.weights = (np.full(n, 1.0 / n) if weights is None
                        else np.asarray(weights, dtype=float))
        if self.weights.shape != (n,):
            raise DeclarationError(
                f"Discrete needs one weight per value ({n}), got shape {self.weights.shape}",
                level="traits")

    def check(self, values, weights):
        if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, atol=1e-12):
            raise ValueError(f"weights must be >= 0 and sum to 1, got {weights.tolist()}")

    def standard(self, rng, n):
        return rng.random(n)

    def transform(self, u, values, weights):
        return values[_pick(u, weights)]

    def nodes(self, n, values, weights):
        keep = weights > 0
        return values[keep], weights[keep]


class Fixed(Distribution):
    """Given trait values, one per unit (a finite population must have exactly that size).

    The mean-field limit weighs each given value equally.
    """

    args = ("values",)

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)
        if self.values.ndim != 1 or self.values.size == 0:
            raise DeclarationError(
                f"Fixed values must be a non-empty 1-d array, got shape {self.values.shape}",
                level="traits")

    def check(self, values):
        pass

    def standard(self, rng, n):
        return np.arange(n)

    def transform(self, index, values):
        return values[index]

    def nodes(self, n, values):
        return values, np.full(values.size, 1.0 / values.size)


class Mixture(Distribution):
    r"""A finite mixture: with probability ``weights[k]`` the trait follows ``components[k]``.

    ``weights`` are numbers >= 0 summing to 1 (not parameters: the node layout depends on
    them); the components may name parameters. Examples: two Lorentzians at ±ω0 (the
    bimodal Kuramoto frequency distribution), two Normals.

    Finite population: each unit draws a standard uniform that picks its component and
    every component's standard variates, so a unit keeps its component and moves smoothly
    when a component parameter changes (same seed, same numbers). Mean field: the union of
    the components' n nodes each, with weights w_k times the node weights; the error is
    each component's quadrature error weighted by w_k. CDF and density
    :math:`F = \sum_k w_k F_k`, :math:`f = \sum_k w_k f_k`, when every component has a CDF.
    """

    args = ("components", "weights")

    def __init__(self, components, weights):
        if not (isinstance(components, (list, tuple)) and components):
            raise DeclarationError("Mixture needs a non-empty list of distributions, got "
                                   f"{components!r}", level="traits")
        for c in components:
            if not isinstance(c, Distribution) or isinstance(c, Fixed):
                raise DeclarationError(
                    f"a Mixture component must be a distribution (cp.Normal, cp.Lorentzian, "
                    f"...; not cp.Fixed, which gives per-unit values), got {c!r}",
                    level="traits")
        weights = np.asarray(weights, dtype=float) if _numbers(weights) else None
        if weights is None or weights.shape != (len(components),):
            raise DeclarationError(f"Mixture needs one number per component "
                                   f"({len(components)}) as weights, got {weights!r}",
                                   level="traits")
        if np.any(weights < 0) or not np.isclose(weights.sum(), 1.0, rtol=0, atol=1e-12):
            raise DeclarationError(f"Mixture weights must be >= 0 and sum to 1, got "
                                   f"{weights.tolist()} (sum {weights.sum():.15g})",
                                   level="traits")
        self.components, self.weights = tuple(components), weights

    @property
    def moment_order(self):
        return min(c.moment_order for c in self.components)

    @property
    def has_cdf(self):
        return all(c.has_cdf for c in self.components)

    def parameters(self):
        return set().union(*(c.parameters() for c in self.components))

    def resolve(self, params, *, trait="?"):
        """Every component's values as one flat dict of numbers, keyed "k:argument"."""
        return {f"{k}:{a}": v for k, c in enumerate(self.components)
                for a, v in c.resolve(params, trait=trait).items()}

    @staticmethod
    def _part(values, k):
        prefix = f"{k}:"
        return {a[len(prefix):]: v for a, v in values.items() if a.startswith(prefix)}

    def standard(self, rng, n):
        return rng.random(n), tuple(c.standard(rng, n) for c in self.components)

    def transform(self, standard, **values):
        u, parts = standard
        samples = np.stack([c.transform(z, **self._part(values, k))
                            for k, (c, z) in enumerate(zip(self.components, parts))])
        return samples[_pick(u, self.weights), np.arange(u.size)]

    def nodes(self, n, **values):
        nodes, weights = [], []
        for k, (c, w) in enumerate(zip(self.components, self.weights)):
            if w > 0:
                x, v = c.nodes(n, **self._part(values, k))
                nodes.append(x)
                weights.append(w * v)
        return np.concatenate(nodes), np.concatenate(weights)

    def cdf_of(self, x):
        return sp.Add(*(sp.Float(w) * c.cdf_of(x)
                        for c, w in zip(self.components, self.weights) if w > 0))

    def cdf(self, x, params=None):
        return sum(w * c.cdf(x, params) for c, w in zip(self.components, self.weights))

    def pdf(self, x, params=None):
        return sum(w * c.pdf(x, params) for c, w in zip(self.components, self.weights))

    def __eq__(self, other):
        return (type(other) is Mixture and self.components == other.components
                and np.array_equal(self.weights, other.weights))

    __hash__ = Distribution.__hash__

    def __repr__(self):
        return f"Mixture({list(self.components)!r}, {self.weights.tolist()!r})"

    def to_dict(self):
        return {"distribution": "Mixture", "components": [c.to_dict() for c in self.components],
                "weights": self.weights.tolist()}


def _numbers(x):
    """Whether x is a non-empty sequence of real numbers (not names, not booleans)."""
    return (isinstance(x, (list, tuple, np.ndarray)) and len(x) > 0 and all(
        isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)) for v in x))


DISTRIBUTIONS = {cls.__name__: cls for cls in (Normal, LogNormal, Uniform, Beta, Lorentzian,
                                               Discrete, Fixed, Mixture)}


def from_dict(spec):
    """Rebuild a distribution from :meth:`Distribution.to_dict` output."""
    spec = dict(spec)
    kind = spec.pop("distribution", None)
    if kind not in DISTRIBUTIONS:
        raise DeclarationError(f"unknown distribution {kind!r}; expected one of "
                               f"{sorted(DISTRIBUTIONS)}", level="traits")
    if kind == "Mixture":
        spec["components"] = [from_dict(c) for c in spec.get("components", ())]
    return DISTRIBUTIONS[kind](**spec)
