"""Model files: JSON declarations that round-trip and never execute code when read."""

import json

import numpy as np
import pytest

import coupling as cp


def test_catalogue_model_round_trips_through_a_file(tmp_path):
    model = cp.load("social-choice", norm=True, beta=1.3, sigma=0.2)
    path = tmp_path / "social.json"
    cp.write_model(model, path)
    back = cp.read_model(path)
    assert back.parameters == model.parameters and back.policy == model.policy
    a = cp.simulate(model, t_end=10.0)
    b = cp.simulate(back, t_end=10.0)
    np.testing.assert_array_equal(a.aggregates, b.aggregates)
    np.testing.assert_array_equal(a.macro, b.macro)


def test_ode_model_with_every_aggregate_kind_round_trips(tmp_path):
    model = cp.Model(micro=cp.ODE(rhs={"x": "-x + tanh(k*X_seen + a)"}, initial={"x": "a"}),
                     traits={"a": cp.Uniform(-1, "top"), "b": cp.Discrete([0, 1], [0.3, 0.7])},
                     aggregates={"X": "x", "V": cp.Variance("x*b")},
                     context={"X_seen": "X + 0*V"}, parameters={"k": 0.5, "top": 1.0},
                     population=cp.MeanField(nodes=12), timescale=0.2)
    path = tmp_path / "ode.json"
    cp.write_model(model, path)
    back = cp.read_model(path)
    np.testing.assert_array_equal(cp.simulate(model, t_end=3.0).aggregates,
                                  cp.simulate(back, t_end=3.0).aggregates)


def test_reading_a_model_file_executes_nothing(tmp_path):
    marker = tmp_path / "marker"
    spec = json.loads(json.dumps({
        "micro": {"kind": "choice", "state": "s", "options": [-1, 1],
                  "probabilities": [f"__import__('os').system('touch {marker}')", "0.5"]},
        "aggregates": {"m": {"kind": "mean", "expr": "s"}}}))
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(cp.DeclarationError, match="not allowed"):
        cp.read_model(path)
    assert not marker.exists()


def test_models_with_code_cannot_be_written(tmp_path):
    model = cp.Model(micro=cp.ODE(rhs={"x": lambda x: -x}, initial={"x": 1.0}),
                     aggregates={"X": "x"})
    with pytest.raises(cp.DeclarationError, match="callable") as info:
        cp.write_model(model, tmp_path / "m.json")
    assert info.value.symbol == "x"


def test_not_a_model_file(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(cp.DeclarationError, match="not a model file"):
        cp.read_model(path)
    path.write_text("{")
    with pytest.raises(cp.DeclarationError, match="JSON"):
        cp.read_model(path)


def test_shocks_and_noise_survive_a_model_file(tmp_path):
    for name in ("phillips-curve", "lucas-islands"):
        model = cp.load(name)
        path = tmp_path / f"{name}.json"
        cp.write_model(model, path)
        again = cp.read_model(path)
        assert dict(again.shocks) == {k: str(v) for k, v in model.shocks.items()}
        first, second = cp.simulate(model, 50, seed=3), cp.simulate(again, 50, seed=3)
        np.testing.assert_array_equal(first.context, second.context)


def test_a_file_with_a_huge_power_is_refused_within_a_second(tmp_path):
    """Powers are bounded while parsing, before sympy evaluates them: 9**9**9**9 (whose
    exact value has more digits than any machine holds) is refused, not computed."""
    spec = {"micro": {"kind": "ode", "rhs": {"x": "-x + 9**9**9**9"}, "initial": {"x": 0.0}},
            "aggregates": {"m": {"kind": "mean", "expr": "x"}}}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(cp.DeclarationError, match="exponent 387420489") as info:
        cp.read_model(path)
    assert (info.value.symbol, info.value.level) == ("x", "micro")


def test_steps_and_special_functions_round_trip(tmp_path):
    """Comparisons, where, heaviside, sign, normcdf and logaddexp are written in the
    expression language and read back to the same model: the same mean-field run, bit for
    bit (the threshold integrated through the Normal CDF in both)."""
    model = cp.Model(
        micro=cp.Map(rhs={"x": "where(seen >= theta, 1, 0) + 0*(sign(seen) + (seen < 2))"
                                " + 0*heaviside(seen - theta)"},
                     initial={"x": 0.0}),
        traits={"theta": cp.Normal("mu", 0.1)},
        aggregates={"r": "x"},
        context={"seen": "0.9*r + 0.1*normcdf(r) + 0*logaddexp(r, 0)"},
        parameters={"mu": 0.25}, time="discrete")
    path = tmp_path / "threshold.json"
    cp.write_model(model, path)
    back = cp.read_model(path)
    first, second = cp.simulate(model, 20), cp.simulate(back, 20)
    np.testing.assert_array_equal(first.aggregates, second.aggregates)
    assert first["r"][-1] > 0.9  # the cascade: 0.1 Φ(0) = 0.05 seen at r = 0 starts it
