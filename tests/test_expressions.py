"""The functions of the expression language on arrays: values against numpy / scipy.special,
and the compiled Jacobians the library builds against central differences; bounds on the
parser; undefined expressions."""


import numpy as np
import pytest
from scipy import optimize, special, stats

import coupling as cp
from coupling.model._compiled import Compiled
from coupling.model._expressions import Expression

X = np.array([-40.0, -8.0, -1.3, -0.2, 0.0, 0.4, 1.7, 9.0, 800.0])
Y = np.array([3.0, -2.0, 0.5, -0.2, 1.0, 0.1, -5.0, 9.5, 799.0])

# (expression of x and y, the reference on arrays)
FUNCTIONS = [
    ("erf(x)", lambda x, y: special.erf(x)),
    ("erfc(x)", lambda x, y: special.erfc(x)),
    ("normcdf(x)", lambda x, y: stats.norm.cdf(x)),
    ("normpdf(x)", lambda x, y: stats.norm.pdf(x)),
    ("logaddexp(x, y)", np.logaddexp),
    ("softplus(x)", lambda x, y: np.logaddexp(x, 0.0)),
    ("logistic(x)", lambda x, y: special.expit(x)),
    ("tanh(x) + arctan(y)", lambda x, y: np.tanh(x) + np.arctan(y)),
    ("sign(x)", lambda x, y: np.sign(x)),
    ("heaviside(x)", lambda x, y: np.heaviside(x, 0.5)),
    ("where(x > y, x, y)", np.maximum),
    ("x >= 0", lambda x, y: (x >= 0).astype(float)),
    ("x < y", lambda x, y: (x < y).astype(float)),
]


def _compiled(text):
    return Compiled([Expression(text, symbol="f", level="micro")])


@pytest.mark.parametrize("text, reference", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_evaluate_on_arrays(text, reference):
    value = np.broadcast_to(_compiled(text)({"x": X, "y": Y})[0], X.shape)
    expected = reference(X, Y)
    # 1e-15 relative plus 1e-300: the same special functions (scipy.special.ndtr for the
    # normal CDF, numpy.logaddexp), up to the rounding of the scaling inside them; the lower
    # tail of normcdf (Phi(-40) = 3.7e-350 underflows to 0, Phi(-8) = 6.2e-16) is relative.
    np.testing.assert_allclose(value, expected, rtol=2e-15, atol=1e-300)


SMOOTH = [f for f in FUNCTIONS if f[0].split("(")[0] not in ("sign", "heaviside", "where")
          and "<" not in f[0] and ">" not in f[0]]


@pytest.mark.parametrize("text", [f[0] for f in SMOOTH])
def test_compiled_jacobians_match_central_differences(text):
    """d f / d x and d f / d y, as the library compiles them, against central differences
    with step h = 1e-5 (1 + |x|): truncation h^2 |f'''| / 6 <= 1e-10 and rounding
    1e-16 |f| / h <= 1e-11 for these arguments (|f''' | <= 2 near 0, |f| <= 1 where
    h is small; f is linear beyond |x| = 10, where the difference is exact up to rounding)."""
    x, y = X[1:-1], Y[1:-1]  # no point where a function's argument underflows its derivative
    code = _compiled(text)
    jacobian = code.jacobian({"x": x, "y": y}, ("x", "y"))[0]
    for j, name in enumerate(("x", "y")):
        h = 1e-5 * (1 + np.abs(x if name == "x" else y))
        plus = {"x": x, "y": y, name: (x if name == "x" else y) + h}
        minus = {"x": x, "y": y, name: (x if name == "x" else y) - h}
        numeric = (np.asarray(code(plus)[0]) - np.asarray(code(minus)[0])) / (2 * h)
        analytic = np.broadcast_to(jacobian[j], x.shape)
        np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


def test_logaddexp_derivatives_are_logistic_without_overflow():
    """d/da log(e^a + e^b) = 1 / (1 + e^(b - a)): at a = 800, b = 0 it is 1 exactly and the
    other partial 0 (e^-800 underflows), with no inf or nan."""
    rows = _compiled("logaddexp(x, y)").jacobian({"x": np.array([800.0, 0.0]),
                                                   "y": np.array([0.0, 0.0])}, ("x", "y"))[0]
    np.testing.assert_array_equal(np.broadcast_to(rows[0], (2,)), [1.0, 0.5])
    np.testing.assert_array_equal(np.broadcast_to(rows[1], (2,)), [0.0, 0.5])


def test_logit_probabilities_and_derivatives_do_not_overflow():
    """A logit of utility differences far beyond the range of exp (beta (U_j - U_k) = ±1000)
    gives probabilities 0 and 1 and finite derivatives (sigma(x) sigma(-x) = 0 there), for
    two options (the logistic form) and three (exp(beta U_k - LSE)); at a tie the
    derivative of P_1 = sigma(beta (U_1 - U_0)) in U_1 is beta/4."""
    x = np.array([-1000.0, 0.0, 1000.0])
    for utilities in (["0", "u"], ["0", "u", "-u"]):
        probabilities = cp.logit(utilities, intensity=2)
        codes = [Compiled([Expression(p, symbol="P", level="micro")]) for p in probabilities]
        values = np.array([np.broadcast_to(c({"u": x / 2})[0], x.shape) for c in codes])
        slopes = np.array([np.broadcast_to(c.jacobian({"u": x / 2}, ("u",))[0][0], x.shape)
                           for c in codes])
        assert np.all(np.isfinite(values)) and np.all(np.isfinite(slopes))
        np.testing.assert_allclose(values.sum(axis=0), 1.0, rtol=1e-15)
        assert values[1, 2] == 1.0 and values[1, 0] == 0.0
    two = Compiled([Expression(cp.logit(["0", "u"], intensity=2)[1], symbol="P",
                               level="micro")])
    assert two.jacobian({"u": np.array([0.0])}, ("u",))[0][0] == 0.5


def test_steps_have_zero_derivative_and_evaluate_their_tie():
    """A step's derivative is 0 (almost everywhere); at a tie heaviside is 1/2, '>' is 0 and
    '>=' is 1 (sign(0) = 0)."""
    code = _compiled("heaviside(x) + 10*(x > 0) + 100*(x >= 0) + 1000*sign(x)")
    assert code({"x": np.array([0.0])})[0][0] == 0.5 + 0 + 100 + 0
    assert np.all(np.asarray(code.jacobian({"x": np.array([-1.0, 0.0, 2.0])}, ("x",))[0][0])
                  == 0)


def test_where_takes_only_the_selected_value():
    """A guard: where(x > 0, sqrt(x), 0) and its derivative 1/(2 sqrt(x)) are 0, not nan,
    where x < 0 (the unselected branch is not mixed in)."""
    code = _compiled("where(x > 0, sqrt(x), 0)")
    x = np.array([-4.0, 0.0, 4.0])
    with np.errstate(invalid="ignore", divide="ignore"):  # numpy evaluates both branches
        value = code({"x": x})[0]
        slope = code.jacobian({"x": x}, ("x",))[0][0]
    np.testing.assert_array_equal(value, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(slope, [0.0, 0.0, 0.25])


def test_special_functions_in_a_written_out_system():
    """A one-state map (written out and compiled for scalars, as small systems are): the
    fixed point of x = 0.3 softplus(x) + 0.2 normcdf(4 x - 1) + 0.1 erfc(x) matches
    brentq on the same function to 1e-12 (both solve to machine precision)."""
    model = cp.Model(
        micro=cp.Map(rhs={"x": "0.3*softplus(seen) + 0.2*normcdf(4*seen - 1) + 0.1*erfc(seen)"},
                     initial={"x": 0.0}),
        aggregates={"m": "x"}, context={"seen": "m"}, time="discrete")

    def g(x):
        return 0.3 * np.logaddexp(x, 0) + 0.2 * stats.norm.cdf(4 * x - 1) + 0.1 * special.erfc(x)

    root = optimize.brentq(lambda x: g(x) - x, 0.0, 2.0, xtol=1e-15)
    found = cp.equilibria(model)
    assert len(found) == 1
    assert abs(found[0].aggregates["m"] - root) < 1e-12


@pytest.mark.parametrize("text, needle", [
    ("9**9**9**9", "exponent 387420489"),
    ("x**9**9", "exponent 387420489"),
    ("10**400", "beyond the range"),
    ("2**(-5000)", "exponent -5000"),
    ("1e301*x", "constant 1e+301"),
])
def test_huge_powers_and_constants_are_refused_quickly(text, needle):
    """Bounded before sympy evaluates them (an exact 9**387420489 would never finish): the
    error names the bound that refused each."""
    with pytest.raises(cp.DeclarationError) as info:
        cp.Model(micro=cp.ODE(rhs={"x": text}, initial={"x": 0.0}), aggregates={"m": "x"})
    assert (info.value.symbol, info.value.level) == ("x", "micro")
    assert needle in str(info.value)


@pytest.mark.parametrize("text", ["1/(x - x)", "log(0)*x", "0**(-1)", "(x - x)/(x - x)"])
def test_undefined_expressions_are_refused(text):
    with pytest.raises(cp.DeclarationError) as info:
        cp.Model(micro=cp.ODE(rhs={"x": "-x"}, initial={"x": 0.0}),
                 aggregates={"m": "x"}, context={"c": text.replace("x", "m")})
    assert (info.value.symbol, info.value.level) == ("c", "context")
    assert "undefined" in str(info.value)


def test_where_needs_a_comparison():
    with pytest.raises(cp.DeclarationError) as info:
        cp.Model(micro=cp.ODE(rhs={"x": "where(x, 1, 0)"}, initial={"x": 0.0}),
                 aggregates={"m": "x"})
    assert (info.value.symbol, info.value.level) == ("x", "micro")
    assert "condition of where must be a comparison" in str(info.value)
