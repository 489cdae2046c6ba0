r"""Continuous-time Markov units (``cp.Markov``): master equation, equilibria and their
continuation, exact jumps of a finite population, declaration errors.

The SIS population: a unit is susceptible (0) or infected (1); S -> I at rate β I (the
prevalence I seen through the context), I -> S at rate γ. Its master equation
dI/dt = β I (1 - I) - γ I is logistic, with the closed form
I(t) = I*/(1 + (I*/I_0 - 1) e^{-(β-γ) t}), I* = 1 - γ/β, and the equilibria I = 0
(eigenvalue β - γ) and I* (eigenvalue γ - β): they exchange stability at the transcritical
point β = γ.
"""

import numpy as np
import pytest

import coupling as cp

BETA, GAMMA = 2.0, 1.0


def sis(**changes):
    rule = cp.Markov("s", options=(0, 1), rates={(0, 1): "beta*prevalence", (1, 0): "gamma"},
                     initial=(0.9, 0.1))
    declaration = {"micro": rule, "aggregates": {"I": cp.Share(1)},
                   "context": {"prevalence": "I"}, "parameters": {"beta": BETA, "gamma": GAMMA}}
    declaration.update(changes)
    return cp.Model(**declaration)


def test_master_equation_is_the_logistic_closed_form():
    """Mean field against the logistic solution, to the integrator tolerance (rtol 1e-9)."""
    t = np.linspace(0, 8, 9)
    run = cp.simulate(sis(), t_end=8, t_eval=t, rtol=1e-10, atol=1e-12)
    star, i0 = 1 - GAMMA / BETA, 0.1
    exact = star / (1 + (star / i0 - 1) * np.exp(-(BETA - GAMMA) * t))
    np.testing.assert_allclose(run.aggregates[:, 0], exact, rtol=1e-8)
    assert run.micro_names == ("p_s_1",)


@pytest.mark.parametrize("beta", [0.8, 2.0, 3.0])
def test_equilibria_and_their_eigenvalues(beta):
    """I = 0 with eigenvalue β - γ, and I* = 1 - γ/β with γ - β when β > γ (1e-9)."""
    found = cp.equilibria(sis(parameters={"beta": beta, "gamma": GAMMA}),
                          bounds={"I": (0, 1)})
    expected = [0.0] + ([1 - GAMMA / beta] if beta > GAMMA else [])
    values = sorted(e["I"] for e in found)
    np.testing.assert_allclose(values, expected, atol=1e-9)
    for e in found:
        slope = (beta - GAMMA) if abs(e["I"]) < 1e-9 else (GAMMA - beta)
        assert e.eigenvalues[0].real == pytest.approx(slope, abs=1e-8)
        assert e.stable == (slope < 0)


def test_continuation_finds_the_exchange_of_stability():
    """A branch point at β = γ (located to 1e-8; the endemic branch, which leaves the box
    I >= 0 there, reports it as a guess within 1e-4), the trivial branch stable below it
    and unstable above, the endemic branch I* = 1 - γ/β stable."""
    diagram = cp.continuation(sis(), "beta", (0.5, 3.0), bounds={"I": (0, 1)})
    points = diagram.points("branch")
    converged = [p for p in points if p.status == "converged"]
    assert converged and all(abs(p.param - GAMMA) < 1e-8 for p in converged)
    assert all(abs(p.param - GAMMA) < 1e-4 for p in points)
    for branch in diagram.branches:
        I = branch.aggregates[:, 0]
        trivial = np.abs(I) < 1e-9
        if trivial.all():
            np.testing.assert_array_equal(branch.stable, branch.param < GAMMA)
        else:
            away = branch.param > GAMMA + 1e-3
            np.testing.assert_allclose(I[away], 1 - GAMMA / branch.param[away], atol=1e-8)
            assert branch.stable[away].all()


def test_finite_population_fluctuates_about_the_mean_field():
    r"""N = 2000 units, time average of I over t in [10, 30]. Linear noise approximation
    (van Kampen): Var I = γ I*/(N (β - γ)), correlation time 1/(β - γ); an average over T
    has variance ≈ Var I · 2/((β - γ) T). Tolerance 4 such standard errors (0.02 here);
    the O(h) error of the frozen context at dt = 0.05 (h β ≤ 0.1) is below it."""
    n, T = 2000, 20.0
    run = cp.simulate(sis(), population=n, seed=3, t_end=30, dt=0.05,
                      t_eval=np.linspace(0, 30, 121))
    star = 1 - GAMMA / BETA
    late = run.t >= 10
    se = np.sqrt(GAMMA * star / (n * (BETA - GAMMA)) * 2 / ((BETA - GAMMA) * T))
    assert abs(run.aggregates[late, 0].mean() - star) < 4 * se
    assert run.stats["max_rate_step"] <= 0.05 * (BETA + GAMMA)


def decay(**changes):
    """Units in state 0 leave at rate a + b, to 1 at rate a and to 2 at rate b (absorbing)."""
    rule = cp.Markov("x", options=(0, 1, 2), rates={(0, 1): "a", (0, 2): "b"}, initial=0)
    declaration = {"micro": rule, "parameters": {"a": 0.3, "b": 0.7},
                   "aggregates": {"left": cp.Share(0), "one": cp.Share(1), "two": cp.Share(2)}}
    declaration.update(changes)
    return cp.Model(**declaration)


def test_frozen_rate_decay_is_exact_at_any_step():
    r"""One-way decay with constant rates: the surviving share is e^{-(a+b) t} and the share
    in 1 is a/(a+b) (1 - e^{-(a+b) t}), exactly, even with a step as long as the run
    (dt = t). Tolerance: 4 binomial standard errors sqrt(p(1-p)/N), N = 20000."""
    n, t = 20000, 1.5
    for dt in (t, 0.1):
        run = cp.simulate(decay(), population=n, seed=5, t_end=t, t_eval=[0, t], dt=dt)
        survive = np.exp(-1.0 * t)
        expected = [survive, 0.3 * (1 - survive), 0.7 * (1 - survive)]
        for got, p in zip(run.aggregates[-1], expected):
            assert abs(got - p) < 4 * np.sqrt(p * (1 - p) / n)


def test_mean_field_decay_and_state_means():
    """The master equation of the decay, and a Mean of the state value: E[x] = 1·p_1 + 2·p_2
    (integrator tolerance)."""
    model = decay(aggregates={"left": cp.Share(0), "mean_x": cp.Mean("x")})
    run = cp.simulate(model, t_end=2, t_eval=[0, 1, 2], rtol=1e-10, atol=1e-12)
    survive = np.exp(-run.t)
    np.testing.assert_allclose(run.aggregates[:, 0], survive, rtol=1e-8)
    np.testing.assert_allclose(run.aggregates[:, 1], (0.3 + 2 * 0.7) * (1 - survive),
                               rtol=1e-8, atol=1e-12)


def test_same_seed_same_numbers():
    first = cp.simulate(sis(), population=300, seed=11, t_end=3, dt=0.1)
    again = cp.simulate(sis(), population=300, seed=11, t_end=3, dt=0.1)
    other = cp.simulate(sis(), population=300, seed=12, t_end=3, dt=0.1)
    np.testing.assert_array_equal(first.aggregates, again.aggregates)
    np.testing.assert_array_equal(first.micro, again.micro)
    assert not np.array_equal(first.aggregates, other.aggregates)


@pytest.mark.parametrize("declare, symbol, words", [
    (lambda: cp.Markov("s", (0, 1), {(0, 0): "g"}), "s", "to itself"),
    (lambda: cp.Markov("s", (0, 1), {(0, 2): "g"}), "s", "not one of the states"),
    (lambda: cp.Markov("s", (0, 1), {}), "s", "non-empty"),
    (lambda: cp.Markov("s", (0, 1), {(0, 1): -1.0}), "q(s: 0 -> 1)", ">= 0"),
    (lambda: cp.Markov("s", (0, 1), {(0, 1): lambda g: g}), "q(s: 0 -> 1)", "callable"),
    (lambda: cp.Markov("s", (1, 1), {(0, 1): "g"}), "s", "distinct"),
    (lambda: sis(micro=cp.Markov("s", (0, 1), {(0, 1): "beta*s"})), "q(s: 0 -> 1)",
     "own state"),
    (lambda: sis(micro=cp.Markov("s", (0, 1), {(0, 1): "beta*I"})), "q(s: 0 -> 1)",
     "context"),
    (lambda: sis(micro=cp.Markov("s", (0, 1), {(0, 1): "beta*prevalence"}, initial=3)),
     "s", "not one of the options"),
    (lambda: sis(time="discrete"), "s", "continuous"),
    (lambda: sis(parameters={"beta": 1.0, "gamma": 1.0, "p_s_1": 0.0}), "p_s_1",
     "mean-field share"),
])
def test_declaration_errors(declare, symbol, words):
    with pytest.raises(cp.DeclarationError, match=words) as error:
        declare()
    assert error.value.symbol == symbol and error.value.level == "micro"


def test_variance_is_refused_in_the_mean_field():
    model = sis(aggregates={"I": cp.Share(1), "v": cp.Variance("s")})
    with pytest.raises(cp.DeclarationError, match="not a mean") as error:
        cp.simulate(model, t_end=1)
    assert error.value.symbol == "v" and error.value.level == "aggregates"
    run = cp.simulate(model, population=50, seed=1, t_end=1)  # a finite population has it
    share = run.aggregates[:, 0]
    np.testing.assert_allclose(run.aggregates[:, 1], share * (1 - share), atol=1e-12)


def test_model_file_round_trip(tmp_path):
    """A Markov model written to a JSON model file and read back runs the same numbers."""
    path = tmp_path / "sis.json"
    cp.write_model(sis(), path)
    again = cp.read_model(path)
    assert again.micro == sis().micro
    first = cp.simulate(sis(), t_end=2, rtol=1e-9)
    np.testing.assert_array_equal(cp.simulate(again, t_end=2, rtol=1e-9).aggregates,
                                  first.aggregates)


def test_rates_are_keyed_by_state_values():
    """Option values that are not indices: the rule survives a dataclass copy, and the
    master equation uses the right transitions (decay from 5 to -1 at rate 2)."""
    import dataclasses

    rule = cp.Markov("z", options=(5, -1), rates={(5, -1): 2.0}, initial=5)
    assert dict(dataclasses.replace(rule).rates) == {(5.0, -1.0): 2.0}
    model = cp.Model(micro=rule, aggregates={"alive": cp.Share(5), "mean_z": cp.Mean("z")})
    run = cp.simulate(model, t_end=1, t_eval=[0, 1], rtol=1e-10, atol=1e-12)
    alive = np.exp(-2.0)
    np.testing.assert_allclose(run.aggregates[-1], [alive, 5 * alive - (1 - alive)], rtol=1e-7)
