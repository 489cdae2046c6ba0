"""Malformed declarations are rejected with a DeclarationError naming the culprit and level.

Every case builds one small, otherwise valid model (``_model``) with one part broken, and
checks the exception's ``symbol`` and ``level`` and that its message says what to do.
"""

import numpy as np
import pytest
import scipy.sparse as sparse
import sympy as sp

import coupling as cp

PARAMETERS = {"J": 2.0, "sigma": 0.3, "k": 0.1, "eps": 0.01}


def _ode(rhs=None, initial=None):
    return cp.ODE(rhs={"x": "-x + tanh(J*m_seen + a)"} if rhs is None else rhs,
                  initial={"x": 0.1} if initial is None else initial)


def _declaration(**changes):
    """A valid model's declaration: micro x, trait a, aggregate m, context m_seen, macro y."""
    declaration = dict(
        micro=_ode(),
        traits={"a": cp.Normal(0.0, "sigma")},
        aggregates={"m": "x"},
        context={"m_seen": "m + k*y"},
        macro={"y": cp.Macro("m - y", 0.0)},
        parameters=dict(PARAMETERS),
        timescale="eps",
    )
    declaration.update(changes)
    return declaration


def _model(**changes):
    return cp.Model(**_declaration(**changes))


def _parameters(**changes):
    return {**PARAMETERS, **changes}


def _choice(**changes):
    declaration = dict(
        micro=cp.Choice("s", options=(-1, 1),
                        probabilities=cp.logit(["-J*m_seen", "J*m_seen"])),
        aggregates={"m": "s"},
        context={"m_seen": "m"},
        parameters={"J": 1.0},
    )
    declaration.update(changes)
    return cp.Model(**declaration)


def _step_function(state, traits, context, params, rng, dt):
    return {"x": state["x"]}


def test_the_base_declarations_are_valid():
    model = _model()
    assert model.levels == {"J": "parameters", "sigma": "parameters", "k": "parameters",
                            "eps": "parameters", "a": "traits", "x": "micro",
                            "m": "aggregates", "m_seen": "context", "y": "macro"}
    assert _choice().levels["s"] == "micro"


# Each case: (build, symbol, level, substrings of the message).
MALFORMED = [
    # ----------------------------------------------------------------- names
    pytest.param(lambda: _model(micro=_ode({"x": "-x + tanh(JJ*m_seen + a)"})),
                 "x", "micro", ["unknown name 'JJ'", "did you mean 'J'?"],
                 id="unknown-name-in-micro-rule"),
    pytest.param(lambda: _model(macro={"y": cp.Macro("mm - y", 0.0)}),
                 "y", "macro", ["unknown name 'mm'", "did you mean 'm'?"],
                 id="unknown-name-in-macro-dynamics"),
    pytest.param(lambda: _model(context={"m_seen": "m + k*yy"}),
                 "m_seen", "context", ["unknown name 'yy'", "did you mean 'y'?"],
                 id="unknown-name-in-context"),
    pytest.param(lambda: _model(macro={"m": cp.Macro("0", 0.0)}),
                 "m", "macro", ["already an aggregate", "unique across levels"],
                 id="duplicate-name-aggregate-and-macro"),
    pytest.param(lambda: _model(traits={"J": cp.Normal(0.0, 1.0)}),
                 "J", "traits", ["already a parameter", "unique across levels"],
                 id="duplicate-name-parameter-and-trait"),
    pytest.param(lambda: _model(context={"m_seen": "m", "y": "m"}),
                 "y", "macro", ["already a context variable"],
                 id="duplicate-name-context-and-macro"),
    pytest.param(lambda: _model(parameters=_parameters(exp=1.0)),
                 "exp", "parameters", ["reserved"], id="reserved-function-name"),
    pytest.param(lambda: _model(macro={"t": cp.Macro("m - t", 0.0)}),
                 "t", "macro", ["reserved"], id="reserved-time-name"),
    pytest.param(lambda: _model(parameters={**PARAMETERS, "a b": 1.0}),
                 "a b", "parameters", ["Python identifiers"], id="non-identifier-name"),
    pytest.param(lambda: _model(parameters={**PARAMETERS, "lambda": 1.0}),
                 "lambda", "parameters", ["Python identifiers"], id="keyword-name"),
    pytest.param(lambda: _model(parameters=_parameters(_hidden=1.0)),
                 "_hidden", "parameters", ["underscore"], id="underscore-name"),
    # ----------------------------------------------------------------- levels and edges
    pytest.param(lambda: _model(micro=_ode({"x": "-x + tanh(J*m + a)"})),
                 "x", "micro", ["aggregate 'm' directly", "through the context map",
                                "context={'m_seen': 'm'}"],
                 id="micro-rule-reads-aggregate"),
    pytest.param(lambda: _model(micro=_ode({"x": "-x + y"})),
                 "x", "micro", ["macro variable 'y' directly", "through the context map",
                                "context={'y_seen': 'y'}"],
                 id="micro-rule-reads-macro-variable"),
    pytest.param(lambda: _model(macro={"y": cp.Macro("a - y", 0.0)}),
                 "y", "macro", ["trait 'a' directly", "through aggregates",
                                "aggregates={'mean_a': 'a'}"],
                 id="macro-reads-trait"),
    pytest.param(lambda: _model(macro={"y": cp.Macro("x - y", 0.0)}),
                 "y", "macro", ["micro state 'x' directly", "through aggregates",
                                "aggregates={'mean_x': 'x'}"],
                 id="macro-reads-micro-state"),
    pytest.param(lambda: _model(context={"m_seen": "x"}),
                 "m_seen", "context", ["micro state 'x' directly", "through aggregates"],
                 id="context-reads-micro-state"),
    pytest.param(lambda: _model(context={"m_seen": "m + a"}),
                 "m_seen", "context", ["trait 'a' directly", "through aggregates"],
                 id="context-reads-trait"),
    pytest.param(lambda: _model(aggregates={"m": "x", "q": "x*m_seen"}),
                 "q", "aggregates", ["context variable 'm_seen'", "micro state, traits and "
                                                                 "parameters only"],
                 id="aggregate-reads-context"),
    pytest.param(lambda: _model(aggregates={"m": "x", "q": "x*y"}),
                 "q", "aggregates", ["macro variable 'y'"], id="aggregate-reads-macro"),
    pytest.param(lambda: _model(micro=_ode(initial={"x": "m_seen"})),
                 "x", "micro", ["context variable 'm_seen'"],
                 id="initial-value-reads-context"),
    pytest.param(lambda: _model(micro=_ode(initial={"x": 0.1, "z": 0.0})),
                 "z", "micro", ["not a state of the micro rule"],
                 id="initial-value-of-unknown-state"),
    pytest.param(lambda: _model(context={"m_seen": "m + c2", "c2": "m_seen"}),
                 "m_seen", "context", ["cycle", "m_seen -> c2 -> m_seen"],
                 id="context-cycle"),
    pytest.param(lambda: _model(population=4, network=sparse.eye(4, format="csr"),
                                aggregates={"m": "x", "near": cp.Local("x")},
                                macro={"y": cp.Macro("near - y", 0.0)}),
                 "y", "macro", ["'near'", "network-local"], id="macro-reads-local-aggregate"),
    # ----------------------------------------------------------------- parameters
    pytest.param(lambda: _model(parameters=_parameters(J=[1.0, 2.0])),
                 "J", "parameters", ["real number", "Fixed trait"], id="parameter-is-a-list"),
    pytest.param(lambda: _model(parameters=_parameters(J="2.0")),
                 "J", "parameters", ["real number", "'2.0'"], id="parameter-is-a-string"),
    pytest.param(lambda: _model(parameters=_parameters(J=True)),
                 "J", "parameters", ["real number"], id="parameter-is-a-bool"),
    pytest.param(lambda: _model(parameters=_parameters(J=float("inf"))),
                 "J", "parameters", ["finite"], id="parameter-is-infinite"),
    pytest.param(lambda: _model(policy=("JJ",)),
                 "JJ", "parameters", ["policy lever", "did you mean 'J'?"],
                 id="policy-lever-not-a-parameter"),
    pytest.param(lambda: _model().with_parameters(JJ=1.0),
                 "JJ", "parameters", ["unknown parameter", "did you mean 'J'?"],
                 id="with-parameters-unknown-name"),
    # ----------------------------------------------------------------- traits
    pytest.param(lambda: _model(parameters=_parameters(sigma=-0.3)),
                 "a", "traits", ["Normal", "sigma must be >= 0", "-0.3"],
                 id="normal-negative-sigma-via-parameter"),
    pytest.param(lambda: _model().with_parameters(sigma=-0.3),
                 "a", "traits", ["sigma must be >= 0"],
                 id="normal-negative-sigma-via-with-parameters"),
    pytest.param(lambda: _model(traits={"a": cp.Uniform(1.0, 0.0)}),
                 "a", "traits", ["Uniform", "low <= high"], id="uniform-low-above-high"),
    pytest.param(lambda: _model(traits={"a": cp.Beta(0.0, 1.0)}),
                 "a", "traits", ["Beta", "must be > 0"], id="beta-a-zero"),
    pytest.param(lambda: _model(traits={"a": cp.Beta("k", 2.0)},
                                parameters=_parameters(k=-1.0)),
                 "a", "traits", ["Beta", "must be > 0"], id="beta-a-negative-via-parameter"),
    pytest.param(lambda: _model(traits={"a": cp.Discrete([0.0, 1.0], [0.3, 0.3])}),
                 "a", "traits", ["Discrete", "sum to 1"], id="discrete-weights-not-summing-to-1"),
    pytest.param(lambda: _model(traits={"a": cp.Normal(0.0, "sigmaa")}),
                 "a", "traits", ["'sigmaa'", "not a declared parameter",
                                 "did you mean 'sigma'?"],
                 id="distribution-names-unknown-parameter"),
    pytest.param(lambda: _model(traits={"a": 0.3}),
                 "a", "traits", ["needs a distribution"], id="trait-is-not-a-distribution"),
    pytest.param(lambda: _model(population=5, traits={"a": cp.Fixed([1.0, 2.0, 3.0])}),
                 "a", "traits", ["length 3", "N = 5"], id="fixed-trait-wrong-length"),
    # ----------------------------------------------------------------- timescale, time
    pytest.param(lambda: _model(timescale=0),
                 "timescale", "timescale", ["must be > 0", "got 0"], id="timescale-zero"),
    pytest.param(lambda: _model(timescale=-1.0),
                 "timescale", "timescale", ["must be > 0"], id="timescale-negative"),
    pytest.param(lambda: _model(parameters=_parameters(eps=-0.01)),
                 "eps", "timescale", ["must be > 0", "-0.01"],
                 id="timescale-negative-via-parameter"),
    pytest.param(lambda: _model(timescale="epsilon"),
                 "epsilon", "timescale", ["no declared parameter", "did you mean 'eps'?"],
                 id="timescale-names-unknown-parameter"),
    pytest.param(lambda: _model(time="weekly"),
                 "time", "timescale", ["'continuous' or 'discrete'"], id="unknown-time"),
    pytest.param(lambda: _model(micro=cp.Map(rhs={"x": "tanh(J*m_seen + a)"},
                                             initial={"x": 0.1})),
                 "x", "micro", ["cp.Map is a discrete-time rule", "time='discrete'"],
                 id="map-in-continuous-time"),
    pytest.param(lambda: _model(time="discrete"),
                 "x", "micro", ["discrete-time", "cp.Map"], id="ode-in-discrete-time"),
    # ----------------------------------------------------------------- population, network
    pytest.param(lambda: _model(population=0),
                 "N", "population", ["N >= 1", "N = 0"], id="population-zero"),
    pytest.param(lambda: _model(population=-3),
                 "N", "population", ["N >= 1", "N = -3"], id="population-negative"),
    pytest.param(lambda: _model(population=2.5),
                 "N", "population", ["unit count", "2.5"], id="population-non-integer"),
    pytest.param(lambda: _model(population="lots"),
                 "N", "population", ["'mean-field'", "'lots'"], id="population-unknown-string"),
    pytest.param(lambda: cp.Model(micro=cp.Step(_step_function, initial={"x": 0.0}),
                                  aggregates={"m": "x"}),
                 "N", "population", ["Step", "no mean-field limit", "population=N"],
                 id="step-rule-with-mean-field-population"),
    pytest.param(lambda: _model(population=5, network=sparse.eye(4, format="csr")),
                 "network", "network", ["4 x 4", "N = 5"], id="network-wrong-size"),
    pytest.param(lambda: _model(population=4, network=np.eye(4)),
                 "network", "network", ["scipy.sparse"], id="network-not-sparse"),
    pytest.param(lambda: _model(network=sparse.eye(4, format="csr")),
                 "network", "network", ["finite population"], id="network-with-mean-field"),
    # ----------------------------------------------------------------- initial values
    pytest.param(lambda: _model(micro=_ode(initial={})),
                 "x", "micro", ["no initial value", "initial={...}"],
                 id="ode-state-without-initial-value"),
    pytest.param(lambda: _model(macro={"y": "m - y"}),
                 "y", "macro", ["cp.Macro(rhs, initial)", "initial value is missing"],
                 id="macro-without-initial-value"),
    pytest.param(lambda: _model(macro={"y": ("m - y", "zero")}),
                 "y", "macro", ["must be a number", "'zero'"],
                 id="macro-initial-value-not-a-number"),
    pytest.param(lambda: _model(macro={"y": cp.Macro("m - y", float("nan"))}),
                 "y", "macro", ["finite"], id="macro-initial-value-not-finite"),
    pytest.param(lambda: _model(population=5, micro=_ode(initial={"x": np.zeros(4)})),
                 "x", "micro", ["one value per unit", "(5,)", "(4,)"],
                 id="initial-array-wrong-length"),
    pytest.param(lambda: _model(micro=_ode(initial={"x": np.zeros(4)})),
                 "x", "micro", ["finite population=N"], id="initial-array-with-mean-field"),
    # ----------------------------------------------------------------- choice rules
    pytest.param(lambda: cp.Choice("s", options=(-1, 1), probabilities=("1",)),
                 "s", "micro", ["2 options but 1 probability"],
                 id="choice-probability-count-mismatch"),
    pytest.param(lambda: cp.Choice("s", options=(1, 1), probabilities=("0.5", "0.5")),
                 "s", "micro", ["two distinct options"], id="choice-repeated-option"),
    pytest.param(lambda: _choice(micro=cp.Choice("s", (-1, 1), ("0.5", "0.5"),
                                                 initial=(0.5, 0.6))),
                 "s", "micro", ["summing to 1"], id="choice-initial-probabilities"),
    pytest.param(lambda: _choice(micro=cp.Choice("s", (-1, 1), ("0.5 - s/4", "0.5 + s/4"))),
                 "P(s=-1)", "micro", ["micro state 's'", "not on the unit's current state"],
                 id="choice-probability-reads-own-state"),
    pytest.param(lambda: _choice(aggregates={"m": "s", "z": cp.Share(0)}),
                 "z", "aggregates", ["option 0", "(-1.0, 1.0)"],
                 id="share-of-unknown-option"),
    pytest.param(lambda: _model(aggregates={"m": "x", "z": cp.Share(1)}),
                 "z", "aggregates", ["choice or Markov rule"], id="share-without-choice-rule"),
    pytest.param(lambda: _model(aggregates={"m": "x", "near": cp.Local("x")}),
                 "near", "aggregates", ["Local", "network="], id="local-without-network"),
    # ----------------------------------------------------------------- callables
    pytest.param(lambda: _model(aggregates={"m": lambda **values: 1.0}),
                 "m", "aggregates", ["named positional arguments"],
                 id="callable-with-keyword-arguments"),
    pytest.param(lambda: _model(aggregates={"m": lambda z: z}),
                 "m", "aggregates", ["unknown name 'z'"], id="callable-reads-unknown-name"),
]


@pytest.mark.parametrize(("build", "symbol", "level", "needles"), MALFORMED)
def test_malformed_declaration_names_symbol_and_level(build, symbol, level, needles):
    with pytest.raises(cp.DeclarationError) as info:
        build()
    exc = info.value
    assert exc.symbol == symbol
    assert exc.level == level
    message = str(exc)
    assert message.startswith(f"[level '{level}', symbol '{symbol}']")
    for needle in needles:
        assert needle in message


def test_declaration_error_is_a_value_error():
    with pytest.raises(ValueError):
        _model(population=0)


# --------------------------------------------------------------------- expression safety
def test_code_injection_is_rejected_without_side_effects(tmp_path):
    marker = tmp_path / "pwned_test_marker"
    payload = f"__import__('os').system('touch {marker}')"
    places = {
        "micro": lambda: _model(micro=_ode({"x": payload})),
        "initial": lambda: _model(micro=_ode(initial={"x": payload})),
        "aggregates": lambda: _model(aggregates={"m": payload}),
        "context": lambda: _model(context={"m_seen": payload}),
        "macro": lambda: _model(macro={"y": cp.Macro(payload, 0.0)}),
        "logit": lambda: cp.logit([payload, "0"]),
    }
    for where, build in places.items():
        with pytest.raises(cp.DeclarationError, match="not allowed") as info:
            build()
        assert info.value.level in ("micro", "aggregates", "context", "macro"), where
    assert not marker.exists()


def test_the_documented_marker_is_not_created():
    import os

    existed = os.path.exists("/tmp/pwned_test_marker")
    with pytest.raises(cp.DeclarationError):
        _model(micro=_ode({"x": "__import__('os').system('touch /tmp/pwned_test_marker')"}))
    assert os.path.exists("/tmp/pwned_test_marker") == existed


UNSAFE = [
    pytest.param("x.__class__", ["'x.__class__'", "not allowed"], id="attribute-access"),
    pytest.param("().__class__.__bases__[0].__subclasses__()", ["not allowed"],
                 id="attribute-chain"),
    pytest.param("x[0]", ["'x[0]'", "not allowed"], id="subscript"),
    pytest.param("(lambda: 1)()", ["lambda", "not allowed"], id="lambda"),
    pytest.param("exp(x=1)", ["keyword arguments"], id="keyword-arguments"),
    pytest.param("x^2", ["'^'", "'**'"], id="caret-for-power"),
    pytest.param("'x'", ["constant 'x'"], id="string-constant"),
    pytest.param("True", ["constant True"], id="bool-constant"),
    pytest.param("__builtins__", ["'__builtins__'"], id="dunder-name"),
    pytest.param("eval('1')", ["call of 'eval'"], id="call-of-eval"),
    pytest.param("exp", ["without calling it"], id="uncalled-function"),
    pytest.param("exp(x, x)", ["2 arguments"], id="wrong-argument-count"),
    pytest.param("x & 1", ["BitAnd"], id="bitwise-operator"),
    pytest.param("0 < x < 1", ["not allowed"], id="chained-comparison"),
    pytest.param("[x for x in ()]", ["not allowed"], id="comprehension"),
    pytest.param("x +", ["cannot parse"], id="syntax-error"),
]


@pytest.mark.parametrize(("text", "needles"), UNSAFE)
def test_expression_language_rejects(text, needles):
    with pytest.raises(cp.DeclarationError) as info:
        _model(micro=_ode({"x": text}))
    assert (info.value.symbol, info.value.level) == ("x", "micro")
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize("value", [True, np.bool_(False), [1.0, 2.0], None, {"x": 1}],
                         ids=["bool", "numpy-bool", "list", "none", "dict"])
def test_non_expression_values_are_rejected(value):
    with pytest.raises(cp.DeclarationError) as info:
        _model(micro=_ode({"x": value}))
    assert (info.value.symbol, info.value.level) == ("x", "micro")


# --------------------------------------------------------------------- errors on first use
def test_callable_aggregate_of_wrong_shape_is_caught_on_first_evaluation():
    model = _model(aggregates={"m": lambda x: np.array([1.0, 2.0, 3.0])})
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=1.0, population=10, seed=1)
    assert (info.value.symbol, info.value.level) == ("m", "aggregates")
    assert "shape (3,)" in str(info.value) and "vectorised" in str(info.value)


def test_callable_micro_rule_of_wrong_shape_is_caught_on_first_evaluation():
    model = _model(micro=_ode({"x": lambda x, m_seen: np.zeros(7)}))
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=1.0)
    assert (info.value.symbol, info.value.level) == ("x", "micro")
    assert "shape (7,)" in str(info.value)


def test_callable_context_of_wrong_shape_is_caught_on_first_evaluation():
    model = _model(context={"m_seen": lambda m, y: np.array([m, y])})
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=1.0)
    assert (info.value.symbol, info.value.level) == ("m_seen", "context")
    assert "shape (2,)" in str(info.value)


def _step_model(function, states=("x",)):
    return cp.Model(micro=cp.Step(function, initial={s: 0.0 for s in states}),
                    aggregates={"m": "x"}, population=10)


def test_step_function_returning_missing_states():
    model = _step_model(lambda state, traits, context, params, rng, dt: {"x": state["x"]},
                        states=("x", "z"))
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=1.0, seed=1)
    assert info.value.level == "micro"
    message = str(info.value)
    assert "['x', 'z']" in message  # the states it must return, including the missing 'z'
    assert "keys ['x']" in message  # and the ones it did


def test_step_function_returning_a_non_dict():
    model = _step_model(lambda state, traits, context, params, rng, dt: state["x"])
    with pytest.raises(cp.DeclarationError, match="got ndarray") as info:
        cp.simulate(model, t_end=1.0, seed=1)
    assert info.value.level == "micro"


def test_step_function_returning_the_wrong_shape():
    model = _step_model(lambda state, traits, context, params, rng, dt: {"x": np.zeros(3)})
    with pytest.raises(cp.DeclarationError, match=r"shape \(3,\)") as info:
        cp.simulate(model, t_end=1.0, seed=1)
    assert (info.value.symbol, info.value.level) == ("x", "micro")


@pytest.mark.parametrize("probabilities, shown", [
    (("0.3", "0.3"), "P(s=-1) = 0.3, P(s=1) = 0.3 (sum 0.6)"),
    (("1.5", "-0.5"), "P(s=-1) = 1.5, P(s=1) = -0.5 (sum 1)"),
])
def test_constant_choice_probabilities_are_checked_at_declaration(probabilities, shown):
    with pytest.raises(cp.DeclarationError) as info:
        _choice(micro=cp.Choice("s", options=(-1, 1), probabilities=probabilities))
    assert (info.value.symbol, info.value.level) == ("s", "micro")
    assert shown in str(info.value) and "sum to 1" in str(info.value)


@pytest.mark.parametrize("population", ["mean-field", 50])
def test_choice_probabilities_are_checked_when_evaluated(population):
    """P = (0.5, 0.5 + J/10) reads a parameter, so it is checked when evaluated: with J = 1
    the first evaluation of a run stops it, naming the values (sum 1.1)."""
    model = _choice(micro=cp.Choice("s", options=(-1, 1), probabilities=("0.5", "0.5 + J/10")))
    with pytest.raises(cp.DeclarationError) as info:
        cp.simulate(model, t_end=1.0, population=population, seed=1)
    assert (info.value.symbol, info.value.level) == ("s", "micro")
    assert "P(s=-1) = 0.5, P(s=1) = 0.6 (sum 1.1)" in str(info.value)


def test_choice_probabilities_are_checked_by_analyses():
    model = _choice(micro=cp.Choice("s", options=(-1, 1),
                                    probabilities=("0.5 - m_seen", "0.5 + 2*m_seen"),
                                    initial=(0.4, 0.6)))
    with pytest.raises(cp.DeclarationError, match="sum to 1") as info:
        cp.equilibria(model)
    assert (info.value.symbol, info.value.level) == ("s", "micro")


# --------------------------------------------------------------------- accepted forms
def _run(model):
    run = cp.simulate(model, t_end=5.0, method="RK45", rtol=1e-10, atol=1e-12)
    assert run.status == 0
    return np.concatenate([run["m"], run["y"]])


def test_sympy_expressions_and_callables_match_strings():
    x, m_seen, a, J, m, y, k = sp.symbols("x m_seen a J m y k")
    reference = _run(_model())
    variants = {
        "sympy": _model(micro=_ode({"x": -x + sp.tanh(J * m_seen + a)}),
                        aggregates={"m": x}, context={"m_seen": m + k * y},
                        macro={"y": cp.Macro(m - y, 0.0)}),
        "callable": _model(micro=_ode({"x": lambda x, m_seen, a, J: -x + np.tanh(J * m_seen + a)}),
                           aggregates={"m": lambda x: x},
                           context={"m_seen": lambda m, k, y: m + k * y},
                           macro={"y": cp.Macro(lambda m, y: m - y, 0.0)}),
        "pair": _model(macro={"y": ("m - y", 0.0)}),
    }
    assert not np.allclose(reference, reference[0])  # the run actually moves
    for name, model in variants.items():
        np.testing.assert_allclose(_run(model), reference, rtol=0, atol=1e-10, err_msg=name)


def test_callable_names_are_checked_like_strings():
    with pytest.raises(cp.DeclarationError) as info:
        _model(micro=_ode({"x": lambda x, m: -x + m}))
    assert (info.value.symbol, info.value.level) == ("x", "micro")
    assert "context" in str(info.value)


def test_sympy_expressions_are_checked_like_strings():
    with pytest.raises(cp.DeclarationError) as info:
        _model(macro={"y": cp.Macro(sp.Symbol("x") - sp.Symbol("y"), 0.0)})
    assert (info.value.symbol, info.value.level) == ("y", "macro")
    assert "aggregates" in str(info.value)


# --------------------------------------------------------------------- the catalogue
def test_load_rejects_unknown_parameter():
    with pytest.raises(cp.DeclarationError) as info:
        cp.load("social-choice", nonsense=1)
    assert info.value.symbol == "nonsense"
    assert "'nonsense'" in str(info.value)


def test_load_rejects_unknown_model():
    with pytest.raises(cp.DeclarationError) as info:
        cp.load("no-such-model")
    assert info.value.symbol == "no-such-model"
    assert "'no-such-model'" in str(info.value) and "social-choice" in str(info.value)
