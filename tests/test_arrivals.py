"""A population that grows by arrivals (cp.Arrivals): counts, weights over the present units,
the arriving units' states, reproducibility, the mean-field recursion, and the errors."""

import numpy as np
import pytest
from scipy import sparse

import coupling as cp


def _urn_like(revise=False, population=40, initial=4, per_period=2, timescale=1.0):
    """Choice with P(s=1) = 0.2 + 0.6 x, affine in the share x: the expected finite share
    follows the mean-field recursion exactly (see coupling.model._arrivals)."""
    return cp.Model(
        micro=cp.Choice("s", options=(0, 1), probabilities=("1 - P", "P"), initial=(0.3, 0.7)),
        aggregates={"x": cp.Share(1)}, context={"P": "0.2 + 0.6*x"},
        arrivals=cp.Arrivals(initial=initial, per_period=per_period, count="n",
                             revise=revise),
        time="discrete", population=population, timescale=timescale)


def _map_model(population=10):
    return cp.Model(
        micro=cp.Map(rhs={"x": "0.5*x + c + a"}, initial={"x": "a"}),
        traits={"a": cp.Normal(0, 1)},
        aggregates={"X": "x", "V": cp.Variance("x")},
        context={"c": "0.1*X + 0.01*n"},
        arrivals=cp.Arrivals(initial=2, per_period=3, count="n"),
        time="discrete", population=population)


def test_counts_grow_by_per_period_up_to_the_capacity_and_are_recorded():
    run = cp.simulate(_urn_like(population=15, initial=4, per_period=2), 10, seed=1)
    np.testing.assert_array_equal(run["n"], np.minimum(4 + 2 * np.arange(11), 15))
    mean_field = cp.simulate(_urn_like(), 10, population="mean-field")
    np.testing.assert_array_equal(mean_field["n"], 4 + 2 * np.arange(11))  # no capacity


def test_aggregates_weigh_the_present_units_only_and_arrivals_take_the_rule_state():
    """From the micro snapshots: X_t and V_t are the mean and variance of the first n_t
    units; units still to come hold their initial value a_i; a unit arriving in period t
    holds g(a_i, a_i, c_t) = 1.5 a_i + c_t; present units moved by the map."""
    run = cp.simulate(_map_model(), 5, seed=2, micro_snapshots=True)
    x, a, n, c = run.micro[:, :, 0], run.traits["a"], run["n"].astype(int), run["c"]
    for t in range(6):
        present = x[t, :n[t]]
        assert run["X"][t] == pytest.approx(present.mean(), abs=1e-14)
        assert run["V"][t] == pytest.approx(present.var(), abs=1e-13)
        np.testing.assert_array_equal(x[t, n[t]:], a[n[t]:])
        if t:
            old, new = n[t - 1], n[t]
            np.testing.assert_allclose(x[t, old:new], 1.5 * a[old:new] + c[t - 1], atol=1e-14)
            np.testing.assert_allclose(x[t, :old], 0.5 * x[t - 1, :old] + c[t - 1]
                                       + a[:old], atol=1e-14)
    assert c[0] == pytest.approx(0.1 * x[0, :2].mean() + 0.02, abs=1e-14)
    np.testing.assert_array_equal(run.weights, np.full(10, 0.1))


def test_units_that_choose_once_keep_their_choice_and_an_empty_population_reads_zero():
    model = _urn_like(revise=False, initial=0, population=12, per_period=1)
    run = cp.simulate(model, 12, seed=5, micro_snapshots=True)
    s = run.micro[:, :, 0]
    for i in range(12):  # unit i arrives in period i -> present from t = i + 1
        assert np.all(s[i + 1:, i] == s[i + 1, i])
    assert (run["x"][0], run["n"][0], run["P"][0]) == (0.0, 0.0, pytest.approx(0.2))
    np.testing.assert_allclose(run["x"][1:], np.cumsum(s[-1]) / np.arange(1, 13), atol=1e-15)


def test_same_seed_same_numbers():
    model = _urn_like(revise=True, timescale=2.0)
    first, again = cp.simulate(model, 30, seed=7), cp.simulate(model, 30, seed=7)
    np.testing.assert_array_equal(first.aggregates, again.aggregates)
    other = cp.simulate(model, 30, seed=8)
    assert not np.array_equal(first["x"], other["x"])


@pytest.mark.parametrize("revise", [False, True])
def test_mean_field_recursion_is_the_mean_of_finite_runs(revise):
    """The mean-field run follows p_{t+1} = (n_t [p_t + q (P_t - p_t)] + k P_t)/(n_t + k)
    (q = 0 without revision) to rounding, and since P is affine in the share, E[x_t] of the
    finite runs equals it exactly: the average of R = 120 runs is within 4 standard errors
    (the replicates' sample sd at each t over sqrt(R)) at every t."""
    model = _urn_like(revise=revise, timescale=2.0)
    T, k = 15, 2
    mean_field = cp.simulate(model, T, population="mean-field")
    q = -np.expm1(-1 / 2.0) if revise else 0.0
    x, n = 0.7, 4
    for t in range(T):
        assert mean_field["x"][t] == pytest.approx(x, abs=1e-13)
        P = 0.2 + 0.6 * x
        x, n = (n * (x + q * (P - x)) + k * P) / (n + k), n + k
    runs = np.array([cp.simulate(model, T, seed=s)["x"] for s in range(120)])
    se = runs.std(axis=0, ddof=1) / np.sqrt(len(runs))
    assert np.all(np.abs(runs.mean(axis=0) - mean_field["x"]) <= 4 * se + 1e-12)


def _declare(**changes):
    spec = {"micro": cp.Choice("s", options=(0, 1), probabilities=(0.5, 0.5)),
            "aggregates": {"x": cp.Share(1)}, "time": "discrete", "population": 10,
            "arrivals": cp.Arrivals(initial=1, count="n")}
    spec.update(changes)
    return cp.Model(**spec)


@pytest.mark.parametrize("changes, match", [
    ({"time": "continuous"}, "time='discrete'"),
    ({"population": 3, "arrivals": cp.Arrivals(initial=5)}, "capacity"),
    ({"population": "mean-field", "micro": cp.Map(rhs={"x": "x"}, initial={"x": 0}),
      "aggregates": {"X": "x"}}, "cohorts differ"),
    ({"micro": cp.Response(rhs={"x": "1"}), "aggregates": {"X": "x"}}, "response rule"),
    ({"network": sparse.eye(10, format="csr")}, "network"),
    ({"aggregates": {"x": cp.Share(1), "n": cp.Share(0)}}, "count of present units"),
    ({"arrivals": 3}, "cp.Arrivals"),
])
def test_malformed_arrivals_are_refused_naming_them(changes, match):
    with pytest.raises(cp.DeclarationError, match=match) as info:
        _declare(**changes)
    assert info.value.level == "arrivals"


@pytest.mark.parametrize("arguments, symbol", [
    ({"initial": 2.5}, "initial"), ({"initial": -1}, "initial"),
    ({"per_period": 0}, "per_period"), ({"per_period": 1.5}, "per_period"),
    ({"per_period": True}, "per_period"), ({"revise": "no"}, "revise"),
    ({"count": "not a name"}, "not a name"),
])
def test_counts_must_be_whole_numbers(arguments, symbol):
    with pytest.raises(cp.DeclarationError, match="arrivals") as info:
        cp.Arrivals(**arguments)
    assert (info.value.symbol, info.value.level) == (symbol, "arrivals")


def test_capacity_is_checked_for_the_population_of_a_run_too():
    model = _declare(arrivals=cp.Arrivals(initial=8))
    with pytest.raises(cp.DeclarationError, match="capacity"):
        cp.simulate(model, 5, population=4)


def test_the_count_is_an_aggregate_the_micro_rule_cannot_read_directly():
    with pytest.raises(cp.DeclarationError, match="directly") as info:
        _declare(micro=cp.Choice("s", options=(0, 1), probabilities=("1 - 1/(1 + n)",
                                                                       "1/(1 + n)")))
    assert info.value.level == "micro"


def test_a_replaced_count_name_is_renamed_and_fixed_point_analyses_are_refused():
    model = _declare().replace(arrivals=cp.Arrivals(initial=1, count="size"))
    assert set(model.aggregates) == {"x", "size"}
    assert set(_declare(arrivals=cp.Arrivals(initial=1)).aggregates) == {"x", "present"}
    with pytest.raises(cp.DeclarationError, match="not autonomous"):
        cp.equilibria(model.replace(population="mean-field"))
    with pytest.raises(cp.ArgumentError, match="stop_at_equilibrium"):
        cp.simulate(model, 5, stop_at_equilibrium=1e-6)


@pytest.mark.parametrize("kind", ["polya", "arthur"])
def test_a_model_with_arrivals_round_trips_through_a_model_file(tmp_path, kind):
    """The arrivals are part of the declaration: written, read back, the same run bit for
    bit (the count is declared by the arrivals, not stored as an aggregate)."""
    model = cp.load("lock-in", kind=kind)
    path = tmp_path / "urn.json"
    cp.write_model(model, path)
    again = cp.read_model(path)
    assert again.arrivals == model.arrivals
    a = cp.simulate(model, t_end=40, seed=3)
    b = cp.simulate(again, t_end=40, seed=3)
    for name in model.aggregates:
        np.testing.assert_array_equal(a[name], b[name])
