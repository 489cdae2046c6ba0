"""Safe parsing of expression strings into sympy, and compilation to numpy.

Strings are parsed with :mod:`ast` and translated node by node into sympy objects. Only
arithmetic, comparisons, numbers, declared names and a whitelist of functions are accepted;
nothing is ever passed to ``eval``, ``exec`` or ``sympify`` (which evaluates code).
"""

import ast
import functools
import inspect
import keyword

import numpy as np
import sympy as sp

from .._errors import DeclarationError

#: Functions an expression string may call, by the name used in the string.
FUNCTIONS = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "abs": sp.Abs,
    "sign": sp.sign,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arctan": sp.atan,
    "atan": sp.atan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "erf": sp.erf,
    "min": sp.Min,
    "max": sp.Max,
    "heaviside": lambda x: sp.Heaviside(x, sp.Rational(1, 2)),
    "logistic": lambda x: 1 / (1 + sp.exp(-x)),
    "where": lambda cond, a, b: sp.Piecewise((a, cond), (b, True)),
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
_COMPARE = {
    ast.Lt: sp.StrictLessThan,
    ast.LtE: sp.LessThan,
    ast.Gt: sp.StrictGreaterThan,
    ast.GtE: sp.GreaterThan,
}


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

    Raises
    ------
    DeclarationError
        If the text is not an expression of the whitelisted language.
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise DeclarationError(f"cannot parse expression {text!r}: {exc.msg}",
                               symbol=symbol, level=level) from None
    return _Translator(text, symbol, level).visit(tree.body)


class _Translator:
    def __init__(self, text, symbol, level):
        self.text, self.symbol, self.level = text, symbol, level

    def fail(self, what):
        raise DeclarationError(
            f"expression {self.text!r} uses {what}, which is not allowed; expressions may "
            "use numbers, declared names, + - * / **, comparisons and the functions "
            f"{', '.join(sorted(FUNCTIONS))}", symbol=self.symbol, level=self.level)

    def visit(self, node):
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(f"the constant {node.value!r}")
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
            return _BINARY[type(node.op)](self.visit(node.left), self.visit(node.right))
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
        self.fail(f"the syntax '{ast.unparse(node)}'")


def to_sympy(value, *, symbol, level):
    """A declared expression (string, number or sympy object) as a sympy expression."""
    if isinstance(value, str):
        return parse(value, symbol=symbol, level=level)
    if isinstance(value, (bool, np.bool_)):
        raise DeclarationError(f"expected an expression, got the boolean {value!r}",
                               symbol=symbol, level=level)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return sp.Float(float(value))
    if isinstance(value, sp.Basic):
        return value.subs({s: sp.Symbol(s.name, real=True) for s in value.free_symbols})
    raise DeclarationError(
        f"expected an expression string, a number, a sympy expression or a callable, "
        f"got {type(value).__name__}", symbol=symbol, level=level)


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
    return sp.lambdify(symbols, tuple(exprs), modules=[{"Heaviside": _heaviside}, "numpy"],
                       cse=True, docstring_limit=0)


def _heaviside(x, half=0.5):
    return np.heaviside(x, half)
