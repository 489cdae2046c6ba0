"""Safe parsing of expression strings into sympy, and compilation to numpy.

Strings are parsed with :mod:`ast` and translated node by node into sympy objects. Only
arithmetic, comparisons, numbers, declared names and a whitelist of functions are accepted;
nothing is ever passed to ``eval``, ``exec`` or ``sympify`` (which evaluates code). Numeric
literals and numeric exponents are bounded before sympy evaluates anything, so parsing always
finishes (``9**9**9**9`` is refused, not computed), and an expression that simplifies to an
undefined value (``1/(x - x)``) is refused.

Steps are one object, :class:`UnitStep`: ``heaviside(x)``, ``sign(x)``, the comparisons
(``a > b`` is the step of ``a - b``) and ``where(condition, a, b)`` (:class:`Where`), which is
b + (a - b) H but takes only the selected value. Its
derivative is zero almost everywhere, which is what a finite population of units sees; the
mean-field limit replaces each step by its exact expectation over a trait
(:mod:`coupling.model._compiled`).

Every function of the language evaluates on numpy arrays (special functions through
:mod:`scipy.special`) and has an exact symbolic derivative: ``erf``, ``erfc``,
``normcdf(x)`` = Φ(x) (accurate in the lower tail), ``normpdf(x)`` = φ(x),
``logaddexp(a, b)`` = log(e^a + e^b), ``softplus(x)`` = log(1 + e^x) and ``logistic(x)`` =
1/(1 + e^-x), all three and their derivatives without overflow.
"""

import ast
import functools
import inspect
import keyword

import numpy as np
import sympy as sp
from scipy import special
from sympy.core.relational import Relational

from .._errors import DeclarationError

#: The largest magnitude of a numeric exponent: beyond it a power of numbers is evaluated
#: exactly by sympy (``9**9**9`` has 370 million digits) and would never finish.
MAX_EXPONENT = 1000
#: The largest magnitude of a numeric literal or of a power of numbers (the float range).
MAX_MAGNITUDE = 1e300


class UnitStep(sp.Function):
    r"""The unit step :math:`H(x)` with :math:`H(0) = h`, of derivative 0 almost everywhere.

    ``UnitStep(x, h)`` is 1 for x > 0, 0 for x < 0 and h at x = 0; the comparisons of the
    expression language are steps of the difference of their sides (``a > b`` is
    :math:`H(a - b)` with h = 0, ``a >= b`` with h = 1). Its derivative is 0, the derivative
    almost everywhere: a finite population evaluates a step as it is, and the mean-field limit
    integrates it exactly against the trait it reads (see :mod:`coupling.model._compiled`).
    Unlike :class:`sympy.Heaviside` its derivative is never a Dirac delta.
    """

    nargs = 2

    @classmethod
    def eval(cls, x, h):
        if x.is_extended_positive:
            return sp.S.One
        if x.is_extended_negative:
            return sp.S.Zero
        if x.is_zero:
            return h
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    def _numpycode(self, printer):
        x, h = (printer._print(a) for a in self.args)
        return f"{printer._module_format('numpy.heaviside')}({x}, {h})"

    def _pythoncode(self, printer):
        x, h = (printer._print(a) for a in self.args)
        return f"(1.0 if ({x}) > 0 else 0.0 if ({x}) < 0 else float({h}))"

    def _sympystr(self, printer):
        # in the expression language, so that a model file written from it reads back
        x = printer._print(self.args[0])
        h = self.args[1]
        return (f"heaviside({x})" if h == sp.S.Half
                else f"where({x} {'>=' if h == 1 else '>'} 0, 1, 0)")


class LogAddExp(sp.Function):
    r""":math:`\log(e^a + e^b)`, evaluated as ``numpy.logaddexp`` (no overflow).

    Its derivatives are logistic functions, :math:`\partial_a = \sigma(a - b)`.
    """

    nargs = 2

    def fdiff(self, argindex=1):
        a, b = self.args if argindex == 1 else self.args[::-1]
        return Logistic(a - b)

    def _numpycode(self, printer):
        a, b = (printer._print(v) for v in self.args)
        return f"{printer._module_format('numpy.logaddexp')}({a}, {b})"

    def _pythoncode(self, printer):
        a, b = (printer._print(v) for v in self.args)
        log1p, exp = printer._module_format("math.log1p"), printer._module_format("math.exp")
        return f"(max({a}, {b}) + {log1p}({exp}(-abs(({a}) - ({b})))))"

    def _sympystr(self, printer):
        return "logaddexp({}, {})".format(*(printer._print(v) for v in self.args))


class Logistic(sp.Function):
    r"""The logistic function :math:`\sigma(x) = 1 / (1 + e^{-x})`, evaluated as
    ``scipy.special.expit``; its derivative :math:`\sigma(x)\,\sigma(-x)` is a product of
    two values in [0, 1], so neither overflows however large |x| is (the quotient form
    :math:`e^{-x}/(1 + e^{-x})^2` gives inf/inf = NaN)."""

    nargs = 1

    def fdiff(self, argindex=1):
        x = self.args[0]
        return Logistic(x) * Logistic(-x)

    def _numpycode(self, printer):
        return f"{printer._module_format('scipy.special.expit')}({printer._print(self.args[0])})"

    def _pythoncode(self, printer):
        x, exp = printer._print(self.args[0]), printer._module_format("math.exp")
        return f"(1/(1 + {exp}(-({x}))) if ({x}) >= 0 else {exp}({x})/(1 + {exp}({x})))"

    def _sympystr(self, printer):
        return f"logistic({printer._print(self.args[0])})"


class NormCDF(sp.Function):
    r"""The standard normal CDF :math:`\Phi(x) = \tfrac12 \operatorname{erfc}(-x/\sqrt2)`,
    evaluated as ``scipy.special.ndtr`` (accurate far into the lower tail, where
    :math:`1 + \operatorname{erf}` cancels); its derivative is the density
    :math:`\varphi(x) = e^{-x^2/2}/\sqrt{2\pi}` (Abramowitz & Stegun 1964, 26.2.2)."""

    nargs = 1

    def fdiff(self, argindex=1):
        return _normpdf(self.args[0])

    def _numpycode(self, printer):
        return f"{printer._module_format('scipy.special.ndtr')}({printer._print(self.args[0])})"

    def _pythoncode(self, printer):
        erfc, sqrt = printer._module_format("math.erfc"), printer._module_format("math.sqrt")
        return f"(0.5*{erfc}(-({printer._print(self.args[0])})/{sqrt}(2)))"

    def _sympystr(self, printer):
        return f"normcdf({printer._print(self.args[0])})"


class BetaCDF(sp.Function):
    r"""The Beta(a, b) CDF, the regularised incomplete beta function :math:`I_x(a, b)` with x
    clipped to [0, 1] (``scipy.special.betainc``), for numeric a and b. Its derivative in x
    is the density :math:`x^{a-1}(1 - x)^{b-1} / B(a, b)` on (0, 1) (Abramowitz & Stegun
    1964, 26.5.1)."""

    nargs = 3

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        x, a, b = self.args
        inside = UnitStep(x, sp.S.Zero) * UnitStep(1 - x, sp.S.Zero)
        clipped = sp.Min(1, sp.Max(0, x))
        norm = sp.Float(special.beta(float(a), float(b)))
        return inside * clipped ** (a - 1) * (1 - clipped) ** (b - 1) / norm

    def _numpycode(self, printer):
        x, a, b = (printer._print(v) for v in self.args)
        clip = printer._module_format("numpy.clip")
        return f"{printer._module_format('scipy.special.betainc')}({a}, {b}, {clip}({x}, 0, 1))"

    def _pythoncode(self, printer):
        x, a, b = (printer._print(v) for v in self.args)
        return (f"{printer._module_format('scipy.special.betainc')}({a}, {b}, "
                f"min(1.0, max(0.0, {x})))")

    def _sympystr(self, printer):
        raise ValueError("a Beta CDF is not part of the expression language")


def _normpdf(x):
    return sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi)


def _step(x, at_zero=sp.S.Half):
    return UnitStep(x, at_zero)


class Where(sp.Function):
    r"""``where(condition, a, b)``: a where the comparison holds, else b.

    The condition is the :class:`UnitStep` of a comparison (0 or 1). Only the selected value
    is taken, so a guard such as ``where(x > 0, sqrt(x), 0)`` is finite wherever it selects a
    finite value, and so is its derivative, ``where(condition, a', b')`` (the step's own
    derivative is zero almost everywhere). It equals :math:`b + (a - b)\,H`, the affine form
    in which the mean-field limit integrates the step (:func:`affine_where`).
    """

    nargs = 3

    @classmethod
    def eval(cls, condition, a, b):
        if condition == 1 or a == b:
            return a
        if condition == 0:
            return b
        return None

    def _eval_derivative(self, x):
        condition, a, b = self.args
        return Where(condition, sp.diff(a, x), sp.diff(b, x))

    def _numpycode(self, printer):
        condition, a, b = (printer._print(v) for v in self.args)
        return f"{printer._module_format('numpy.where')}(({condition}) > 0.5, {a}, {b})"

    def _pythoncode(self, printer):
        condition, a, b = (printer._print(v) for v in self.args)
        return f"(({a}) if ({condition}) > 0.5 else ({b}))"

    def _sympystr(self, printer):
        step, a, b = self.args
        x = printer._print(step.args[0])
        relation = ">=" if step.args[1] == 1 else ">"
        return f"where({x} {relation} 0, {printer._print(a)}, {printer._print(b)})"


def _where(condition, a, b):
    if condition in (sp.S.Zero, sp.S.One):  # a comparison of numbers
        return a if condition == 1 else b
    if not (isinstance(condition, UnitStep) and condition.args[1] in (0, 1)):
        raise ValueError(f"the condition of where must be a comparison such as 'a > b', "
                         f"got {condition}")
    return Where(condition, a, b)


def affine_where(expr):
    """``expr`` with every :class:`Where` written as b + (a - b) H, affine in its step."""
    return expr.replace(Where, lambda condition, a, b: b + (a - b) * condition)


#: Functions an expression string may call, by the name used in the string.
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sign": lambda x: 2 * _step(x) - 1,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arctan": sp.atan,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "erfc": sp.erfc,
    "normcdf": NormCDF,
    "normpdf": _normpdf,
    "logaddexp": LogAddExp,
    "softplus": lambda x: LogAddExp(x, sp.S.Zero),
    "min": sp.Min,
    "max": sp.Max,
    "heaviside": _step,
    "logistic": Logistic,
    "where": _where,
}
CONSTANTS = {"pi": sp.pi, "e": sp.E}
RESERVED = set(FUNCTIONS) | set(CONSTANTS) | {"t"}

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
#: Comparisons as steps of the difference of their sides, with their value at equality.
_COMPARE = {
    ast.Lt: lambda a, b: _step(b - a, sp.S.Zero),
    ast.LtE: lambda a, b: _step(b - a, sp.S.One),
    ast.Gt: lambda a, b: _step(a - b, sp.S.Zero),
    ast.GtE: lambda a, b: _step(a - b, sp.S.One),
}
#: Values an expression must never simplify to (sympy's division by zero, 0/0, ...).
_UNDEFINED = (sp.zoo, sp.nan, sp.oo, -sp.oo)


def check_name(name, level):
    """Raise unless ``name`` can be declared as a variable at ``level``."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise DeclarationError(
            "names must be Python identifiers (letters, digits, underscores)",
            symbol=str(name), level=level)
    if name.startswith("_"):
        raise DeclarationError("names may not start with an underscore",
                               symbol=name, level=level)
    if name in RESERVED:
        raise DeclarationError(
            f"'{name}' is reserved (a function or constant of the expression language); "
            "choose another name", symbol=name, level=level)


@functools.lru_cache(maxsize=4096)
def parse(text, *, symbol, level):
    """Translate the expression string ``text`` into a sympy expression.

    Numeric literals and powers of numbers are bounded (:data:`MAX_MAGNITUDE`,
    :data:`MAX_EXPONENT`) before sympy evaluates them, so that parsing always finishes.

    Raises
    ------
    DeclarationError
        If the text is not an expression of the whitelisted language, a constant or
        exponent is out of bounds, or the expression is undefined (a division by zero).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: an integer of too many digits
        raise DeclarationError(f"cannot parse expression {text!r}: "
                               f"{getattr(exc, 'msg', exc)}", symbol=symbol,
                               level=level) from None
    expr = _Translator(text, symbol, level).visit(tree.body)
    check_defined(expr, text, symbol=symbol, level=level)
    return expr


def check_defined(expr, text, *, symbol, level):
    """Raise unless ``expr`` (declared as ``text``) is finite and defined: sympy simplifies
    1/0 to ``zoo`` (complex infinity) and 0/0 to ``nan``."""
    if isinstance(expr, sp.Basic) and expr.has(*_UNDEFINED):
        raise DeclarationError(
            f"the expression {text!r} is undefined: it divides by zero or takes a value "
            "that is not a finite number (e.g. 1/(x - x) or log(0)); rewrite it",
            symbol=symbol, level=level)


class _Translator:
    def __init__(self, text, symbol, level):
        self.text, self.symbol, self.level = text, symbol, level

    def fail(self, what):
        raise DeclarationError(
            f"expression {self.text!r} uses {what}, which is not allowed; expressions may "
            "use numbers, declared names, + - * / **, comparisons and the functions "
            f"{', '.join(sorted(FUNCTIONS))}", symbol=self.symbol, level=self.level)

    def out_of_bounds(self, what):
        raise DeclarationError(
            f"expression {self.text!r}: {what}; numbers are limited to magnitude "
            f"{MAX_MAGNITUDE:g} and numeric exponents to {MAX_EXPONENT}",
            symbol=self.symbol, level=self.level)

    def visit(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(f"the constant {node.value!r}")
            if not abs(node.value) <= MAX_MAGNITUDE:
                self.out_of_bounds(f"the constant {node.value:.3g} is too large")
            return sp.Integer(node.value) if isinstance(node.value, int) else sp.Float(node.value)
        if isinstance(node, ast.Name):
            if node.id.startswith("_"):
                self.fail(f"the name '{node.id}'")
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            if node.id in FUNCTIONS:
                self.fail(f"the function '{node.id}' without calling it")
            return sp.Symbol(node.id, real=True)
        if isinstance(node, ast.BinOp):
            if type(node.op) is ast.BitXor:
                self.fail("'^' (write powers as '**')")
            if type(node.op) not in _BINARY:
                self.fail(f"the operator {type(node.op).__name__}")
            left, right = self.visit(node.left), self.visit(node.right)
            if type(node.op) is ast.Pow:
                self.check_power(left, right)
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.visit(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return _COMPARE[type(node.ops[0])](self.visit(node.left),
                                               self.visit(node.comparators[0]))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                self.fail(f"a call of '{name}'")
            if node.keywords:
                self.fail("keyword arguments")
            args = [self.visit(arg) for arg in node.args]
            try:
                return FUNCTIONS[node.func.id](*args)
            except TypeError:
                self.fail(f"'{node.func.id}' with {len(args)} arguments")
            except ValueError as exc:
                raise DeclarationError(f"expression {self.text!r}: {exc}", symbol=self.symbol,
                                       level=self.level) from None
        self.fail(f"the syntax '{ast.unparse(node)}'")

    def check_power(self, base, exponent):
        """Bound a power before sympy evaluates it: |exponent| <= MAX_EXPONENT when it is a
        number, and a power of numbers within MAX_MAGNITUDE (|e| log10 |b| <= 300)."""
        if not exponent.is_number:
            return
        size = abs(complex(sp.N(exponent, 15)))
        if size > MAX_EXPONENT:
            self.out_of_bounds(f"the exponent {sp.sstr(exponent)} of the power "
                               f"({sp.sstr(base)})**(...) is too large")
        if base.is_number:
            magnitude = abs(complex(sp.N(base, 15)))
            if magnitude > 0 and size * abs(np.log10(magnitude)) > np.log10(MAX_MAGNITUDE):
                self.out_of_bounds(f"the power ({sp.sstr(base)})**({sp.sstr(exponent)}) is "
                                   "beyond the range of floating-point numbers")


def to_sympy(value, *, symbol, level):
    """A declared expression (string, number or sympy object) as a sympy expression.

    Steps in sympy objects (:class:`sympy.Heaviside`, :func:`sympy.sign`) become
    :class:`UnitStep`; other piecewise definitions must be written with ``where``.
    """
    if isinstance(value, str):
        return parse(value, symbol=symbol, level=level)
    if isinstance(value, (bool, np.bool_)):
        raise DeclarationError(f"expected an expression, got the boolean {value!r}",
                               symbol=symbol, level=level)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not np.isfinite(value):
            raise DeclarationError(f"expected a finite number, got {value!r}",
                                   symbol=symbol, level=level)
        return sp.Float(float(value))
    if isinstance(value, sp.Basic):
        return _from_sympy(value, symbol, level)
    raise DeclarationError(
        f"expected an expression string, a number, a sympy expression or a callable, "
        f"got {type(value).__name__}", symbol=symbol, level=level)


def _from_sympy(value, symbol, level):
    if value.has(sp.Piecewise) or value.atoms(Relational):
        raise DeclarationError(
            f"the sympy expression {value} holds a piecewise definition or a condition: "
            "write it as an expression string with where(condition, a, b)",
            symbol=symbol, level=level)
    expr = value.subs({s: sp.Symbol(s.name, real=True) for s in value.free_symbols})
    expr = expr.replace(sp.Heaviside, lambda x, h=sp.S.Half: _step(x, h))
    expr = expr.replace(sp.sign, lambda x: 2 * _step(x) - 1)
    check_defined(expr, value, symbol=symbol, level=level)
    return expr


class Expression:
    """One declared expression: symbolic (sympy) or an opaque vectorised callable.

    ``names`` are the variable names it reads, in the order of ``__call__``'s arguments.
    """

    def __init__(self, value, *, symbol, level):
        self.symbol, self.level = symbol, level
        if callable(value) and not isinstance(value, sp.Basic):
            self.function = value
            self.expr = None
            try:
                params = inspect.signature(value).parameters.values()
            except (TypeError, ValueError):
                raise DeclarationError("cannot read the argument names of this callable",
                                       symbol=symbol, level=level) from None
            if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
                raise DeclarationError(
                    "a callable must take the variables it reads as named positional "
                    "arguments (no *args, **kwargs or keyword-only arguments)",
                    symbol=symbol, level=level)
            self.names = tuple(p.name for p in params)
        else:
            self.expr = to_sympy(value, symbol=symbol, level=level)
            self.names = tuple(sorted(s.name for s in self.expr.free_symbols))
            self.function = None

    @property
    def symbolic(self):
        return self.expr is not None

    def __repr__(self):
        return str(self.expr) if self.symbolic else getattr(self.function, "__name__", "callable")


def lambdify(names, exprs):
    """Compile sympy expressions of the symbols ``names`` into one numpy function.

    The returned function takes the values of ``names`` positionally and returns a tuple
    with one (broadcastable) value per expression.
    """
    symbols = [sp.Symbol(n, real=True) for n in names]
    return sp.lambdify(symbols, tuple(exprs),
                       modules=[{"Heaviside": _heaviside}, "scipy", "numpy"],
                       cse=True, docstring_limit=0)


def _heaviside(x, half=0.5):
    return np.heaviside(x, half)
