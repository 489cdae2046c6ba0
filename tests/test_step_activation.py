r"""Step activations: units revising at rate 1/ε, or the whole population at once.

With ``activation="random"`` (the default) a unit takes the step's proposal with probability
q = 1 - exp(-h/ε) over a step of length h; with ``activation="all"`` the proposal is the
whole next state, applied as it is (e.g. relocations, where two units change together).
"""

import numpy as np
import pytest

import coupling as cp


def _model(function, activation="random", *, time="discrete", timescale=1.0, population=400,
           initial="where(u < 0.5, 1, 0)"):
    return cp.Model(micro=cp.Step(function, initial={"x": initial}, activation=activation),
                    traits={"u": cp.Uniform(0, 1)}, aggregates={"m": "x"}, time=time,
                    timescale=timescale, population=population)


def _set_to_one(state, traits, context, params, rng, dt):
    return {"x": np.ones_like(state["x"])}


def _shuffle(state, traits, context, params, rng, dt):
    """Relocation in miniature: a random permutation of the states (all units move)."""
    return {"x": rng.permutation(state["x"])}


def test_all_applies_the_whole_proposal_even_when_units_revise_slowly():
    """ε = 1e6 would let a unit revise with probability 1e-6 per period; with "all" every
    unit takes the proposal in the first period, in discrete and in continuous time (where
    the function also receives the step length)."""
    run = cp.simulate(_model(_set_to_one, "all", timescale=1e6), t_end=3, seed=1,
                      micro_snapshots=True)
    np.testing.assert_array_equal(run["m"][1:], 1.0)

    def advance(state, traits, context, params, rng, dt):
        return {"x": state["x"] + dt}

    run = cp.simulate(_model(advance, "all", time="continuous", timescale=1e6, initial=0.0),
                      t_end=2.0, seed=1, dt=0.25, t_eval=[0.0, 1.0, 2.0])
    np.testing.assert_allclose(run["m"], [0.0, 1.0, 2.0], rtol=0, atol=1e-12)


def test_all_keeps_what_the_function_conserves():
    """A permutation conserves the count of ones exactly with "all"; applied to the revising
    units only (the default, q = 1 - 1/e per period) it does not."""
    conserved = cp.simulate(_model(_shuffle, "all"), t_end=5, seed=3)["m"]
    np.testing.assert_array_equal(conserved, conserved[0])
    revised = cp.simulate(_model(_shuffle), t_end=5, seed=3)["m"]
    assert np.any(revised != revised[0])


def test_the_default_revises_each_unit_with_probability_one_minus_exp():
    """From x = 0, one period of "set to one" leaves the share q = 1 - e^{-1/ε} of units at
    1 (ε = 2, q = 0.3935): N = 10^4 Bernoulli(q), within 4 sd = 4 sqrt(q (1 - q) / N)."""
    N, eps = 10_000, 2.0
    q = -np.expm1(-1 / eps)
    model = _model(_set_to_one, timescale=eps, population=N, initial=0.0)
    share = cp.simulate(model, t_end=1, seed=4)["m"][1]
    assert abs(share - q) < 4 * np.sqrt(q * (1 - q) / N)
    explicit = _model(_set_to_one, "random", timescale=eps, population=N, initial=0.0)
    assert cp.simulate(explicit, t_end=1, seed=4)["m"][1] == share


@pytest.mark.parametrize("activation", ["random", "all"])
def test_same_seed_same_numbers(activation):
    model = _model(_shuffle, activation)
    first = cp.simulate(model, t_end=4, seed=11, micro_snapshots=True)
    again = cp.simulate(model, t_end=4, seed=11, micro_snapshots=True)
    other = cp.simulate(model, t_end=4, seed=12, micro_snapshots=True)
    np.testing.assert_array_equal(first.micro, again.micro)
    assert not np.array_equal(first.micro[-1], other.micro[-1])


@pytest.mark.parametrize("activation", ["random", "all"])
def test_wrong_keys_and_shapes_are_refused(activation):
    """Both activations check the returned dict: the states it must hold, one value per
    unit (a number counts for every unit)."""
    def missing(state, traits, context, params, rng, dt):
        return {"y": state["x"]}

    def short(state, traits, context, params, rng, dt):
        return {"x": state["x"][:-1]}

    with pytest.raises(cp.DeclarationError, match=r"states \['x'\].*keys \['y'\]") as info:
        cp.simulate(_model(missing, activation), t_end=1, seed=0)
    assert info.value.level == "micro"
    with pytest.raises(cp.DeclarationError, match=r"shape \(399,\)") as info:
        cp.simulate(_model(short, activation), t_end=1, seed=0)
    assert (info.value.symbol, info.value.level) == ("x", "micro")

    def constant(state, traits, context, params, rng, dt):
        return {"x": 0.5}

    run = cp.simulate(_model(constant, activation, timescale=1e-9), t_end=1, seed=0)
    assert run["m"][1] == 0.5


@pytest.mark.parametrize("activation, needle", [
    ("al", "did you mean 'all'"), ("Random", "did you mean 'random'"), (None, "got None")])
def test_unknown_activations_are_refused(activation, needle):
    with pytest.raises(cp.DeclarationError, match="activation must be one of") as info:
        cp.Step(_set_to_one, {"x": 0.0}, activation=activation)
    assert (info.value.symbol, info.value.level) == ("activation", "micro")
    assert needle in str(info.value)


def test_a_whole_population_step_is_not_written_to_a_model_file(tmp_path):
    """Like every Step, it is Python code: a model file refuses it."""
    with pytest.raises(cp.DeclarationError, match="Step rule is Python code") as info:
        cp.write_model(_model(_shuffle, "all"), tmp_path / "m.json")
    assert info.value.level == "micro"
