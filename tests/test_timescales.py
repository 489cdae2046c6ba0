"""Fast/slow: the slow reduction, the full-against-reduced comparison and the timescale
diagnostics, validated against closed forms and asymptotic results."""

import json

import matplotlib
import numpy as np
import pytest

import coupling as cp

matplotlib.use("Agg")

T_RELAXATION = 3 - 2 * np.log(2)  # Van der Pol period in the relaxation limit (slow time)
AIRY = 2.338107410459767          # first zero of Ai(-z): the fold passage constant


def linear_model(eps=1e-2):
    r"""ε ẋ_i = -x_i + a_i + y, ẏ = -X - y/2 + 1: the slow manifold x_i = a_i + y is exact
    at ε = 0, and the reduced solution is y = (2/3)(1 - exp(-3t/2)) (mean-field: E a = 0)."""
    return cp.Model(
        name="linear-fast-slow",
        micro=cp.ODE(rhs={"x": "-x + a + y_seen"}, initial={"x": 0.0}),
        traits={"a": cp.Normal(0.0, 0.5)},
        aggregates={"X": "x"}, context={"y_seen": "y"},
        macro={"y": cp.Macro("-X - y/2 + 1", 0.0)},
        parameters={"eps": eps}, timescale="eps")


def van_der_pol(eps=1e-3):
    r"""The catalogue model: identical units whose aggregate obeys ε Ẋ = X - X³/3 + y,
    ẏ = -X, the Van der Pol oscillator in Liénard form (slow time)."""
    return cp.load("van-der-pol", eps=eps)


# ----------------------------------------------------------------------------- reduce
def test_reduce_solves_the_critical_manifold_and_keeps_the_declaration():
    slow = cp.reduce(cp.load("slow-feedback"))
    assert slow.micro.kind == "response"
    assert str(slow.micro.rhs["x"]) == "tanh(J*X_seen + a + y_seen)"
    assert slow.parameters == cp.load("slow-feedback").parameters
    assert cp.reduce(slow) is slow  # a response model is already reduced


def test_reduced_linear_model_follows_the_closed_form():
    run = cp.simulate(cp.reduce(linear_model()), 5.0, rtol=1e-10, atol=1e-12)
    exact = 2 / 3 * (1 - np.exp(-1.5 * run.t))
    # tolerance: the integrator's rtol 1e-10 over a 5-unit run
    np.testing.assert_allclose(run["y"], exact, atol=1e-8)
    np.testing.assert_allclose(run["X"], exact, atol=1e-8)


def test_reduce_rejects_what_has_no_single_critical_manifold():
    cubic = cp.Model(micro=cp.ODE(rhs={"x": "x - x**3/3 + y_seen"}, initial={"x": 0.0}),
                     aggregates={"X": "x"},
                     context={"y_seen": "y"}, macro={"y": cp.Macro("-X", 0.0)},
                     timescale=0.01)
    with pytest.raises(cp.DeclarationError, match="3 solutions") as error:
        cp.reduce(cubic)
    assert error.value.symbol == "x" and error.value.level == "micro"
    callable_rule = cubic.replace(micro=cp.ODE(rhs={"x": lambda x, y_seen: -x + y_seen},
                                               initial={"x": 0.0}))
    with pytest.raises(cp.DeclarationError, match="callable"):
        cp.reduce(callable_rule)
    choice = cp.load("social-choice")
    with pytest.raises(cp.DeclarationError) as error:
        cp.reduce(choice.replace(aggregates={"m": "s", "v": cp.Variance("s")}))
    assert error.value.symbol == "v" and error.value.level == "aggregates"


def test_reduced_choice_is_the_expected_choice():
    model = cp.load("social-choice", norm=True, sigma=0.3)
    slow = cp.reduce(model)
    full = cp.simulate(model, 40.0, rtol=1e-9, atol=1e-11)
    reduced = cp.simulate(slow, 40.0, rtol=1e-9, atol=1e-11)
    # the binary share becomes a mean linear in the expected choice: (s + 1)/2
    np.testing.assert_allclose(reduced["adopters"], (reduced["m"] + 1) / 2, atol=1e-12)
    # ε = 0.1 against a slow norm with τ = 10: the runs agree to O(ε/τ) = O(1e-2)
    assert np.max(np.abs(full["n"] - reduced["n"])[full.t > 2]) < 2e-2


def test_reduced_equilibria_and_continuation_match_the_full_model():
    """Same equilibria, same folds; the same stability wherever the manifold is normally
    hyperbolic (here everywhere on the branches: fast rates stay near -1/ε)."""
    model = cp.load("social-choice", norm=True, J=1.0, beta=1.5, sigma=0.3)
    full = cp.continuation(model, "h", (-0.6, 0.6))
    slow = cp.continuation(cp.reduce(model), "h", (-0.6, 0.6))
    full_folds = sorted(p.param for p in full.folds())
    slow_folds = sorted(p.param for p in slow.folds())
    assert len(full_folds) == 2
    np.testing.assert_allclose(slow_folds, full_folds, atol=1e-9)  # both converged to tol
    eq_full = cp.equilibria(model.with_parameters(h=0.1))
    eq_slow = cp.equilibria(cp.reduce(model).with_parameters(h=0.1))
    assert len(eq_full) == len(eq_slow) == 3
    for a, b in zip(sorted(eq_full, key=lambda e: e["m"]), sorted(eq_slow, key=lambda e: e["m"])):
        assert abs(a["m"] - b["m"]) < 1e-9 and a.stable == b.stable
        if a.stable:  # the slow eigenvalue: the full model's is the reduced one + O(ε/τ)
            assert abs(a.eigenvalues[0] - b.eigenvalues[0]) < 0.05 * abs(b.eigenvalues[0])


# ----------------------------------------------------------------------------- diagnostics
def test_timescale_diagnostics_closed_form():
    """Identical units at the equilibrium X* of slow-feedback: fast rate (-1 + J s)/ε with
    s = 1 - X*², and the reduced slope S = -b - k s/(1 - J s) (from dX*/dy)."""
    model = cp.load("slow-feedback", sigma=0.0, c=0.3, x0=0.9)
    eq = [e for e in cp.equilibria(model) if e.stable]
    assert len(eq) == 1
    X, p = eq[0]["X"], model.parameters
    s = 1 - X ** 2
    d = cp.timescale_diagnostics(model, eq[0])
    assert d.fast[0].real == pytest.approx((-1 + p["J"] * s) / p["eps"], rel=1e-9)
    assert d.slow[0].real == pytest.approx(-p["b"] - p["k"] * s / (1 - p["J"] * s), rel=1e-9)
    assert d.ratio == pytest.approx(abs(d.slow[0]) / abs(d.fast[0].real), rel=1e-12)
    assert d.attracting and d.separated() and d.eps == 1e-3


def test_timescale_diagnostics_on_a_trajectory_and_a_repelling_state():
    model = cp.load("slow-feedback", sigma=0.0)
    start = cp.timescale_diagnostics(model)  # x = 0 at y = 0: the middle of the S repels
    assert not start.attracting and start.fast[0].real > 0 and start.ratio == np.inf
    run = cp.simulate(model, 1.0, population=50, seed=3)
    d = cp.timescale_diagnostics(model, run)
    assert d.attracting and d.ratio < 0.01
    with pytest.raises(ValueError, match="entries"):
        cp.timescale_diagnostics(model, np.zeros(3))


# ----------------------------------------------------------------------------- comparison
def test_linear_model_converges_at_first_order_with_the_right_correction():
    eps = np.array([1e-2, 1e-3])
    cmp = cp.compare_timescales(linear_model(), eps, t_end=5.0, n_points=501, rtol=1e-11,
                                atol=1e-13)
    # Tikhonov: O(ε) past the initial layer; the fitted slope within 0.05 of 1
    assert cmp.order_macro == pytest.approx(1.0, abs=0.05)
    assert cmp.order_aggregates == pytest.approx(1.0, abs=0.05)
    assert np.all(cmp.separated) and not cmp.folds.size and cmp.manifold is not None
    # first-order slow manifold x_i = a_i + y - ε ẏ: its residual is O(ε²)
    residual = []
    for run, e in zip(cmp.full, eps):
        late = run.t >= cmp.layer * eps.max()  # one window for both
        ydot = -run["X"] - run["y"] / 2 + 1
        residual.append(np.max(np.abs(run["X"] - run["y"] + e * ydot)[late]))
    slope = np.polyfit(np.log(eps), np.log(residual), 1)[0]
    assert slope == pytest.approx(2.0, abs=0.05), residual


def test_van_der_pol_period_against_the_relaxation_asymptotics():
    """Reduced period 3 - 2 ln 2 (exact on the critical manifold); the full period follows
    T(ε) = 3 - 2 ln 2 + 3 a ε^(2/3) + (ε ln ε)/3 + O(ε), a = 2.3381 (Dorodnitsyn 1947;
    Mishchenko & Rozov 1980), so the remainder shrinks like ε."""
    eps = np.array([1e-2, 1e-3])
    cmp = cp.compare_timescales(van_der_pol(), eps, t_end=8.0, n_points=1601, diagnostics=10)
    # the tracker locates folds to ~1e-9 in time; crossings are interpolated linearly
    # between outputs 0.005 apart on a smooth y: error O(1e-6)
    assert cmp.period_reduced == pytest.approx(T_RELAXATION, abs=1e-5)
    remainder = cmp.period - (T_RELAXATION + 3 * AIRY * eps ** (2 / 3)
                              + eps * np.log(eps) / 3)
    assert np.all(np.abs(remainder) < 2 * eps)   # measured 1.6ε and 1.5ε
    assert abs(remainder[1]) < abs(remainder[0]) / 5
    assert np.all(np.abs(cmp.phase) <= 0.5)
    assert cmp.folds.size >= 8  # two jumps per cycle
    assert any("fold" in flag for flag in cmp.flags)


def test_too_large_eps_is_flagged():
    cmp = cp.compare_timescales(linear_model(), [1.0, 1e-2], t_end=3.0, diagnostics=5)
    # ε = 1: the fast rate 1/ε = 1 is not ten times the slow rate 3/2
    assert list(cmp.separated) == [False, True]
    assert any(flag.startswith("eps = 1 is too large") for flag in cmp.flags)
    data = json.loads(json.dumps(cmp.to_dict()))
    assert data["eps"] == [1.0, 0.01] and data["separated"] == [False, True]
    assert "err macro" in cmp.summary()


def test_comparison_plots(tmp_path):
    cmp = cp.compare_timescales(cp.load("slow-feedback", x0=0.9), [1e-2, 1e-3], t_end=6.0,
                                diagnostics=5)
    ax = cmp.plot_phase_plane()
    labels = [line.get_label() for line in ax.get_lines()]
    assert "critical manifold, attracting" in labels and "fold" in labels
    assert "reduced (ε → 0)" in labels
    ax = cmp.plot_errors()
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    ax.figure.savefig(tmp_path / "errors.png")


def test_comparison_rejects_bad_input():
    with pytest.raises(ValueError, match="positive"):
        cp.compare_timescales(linear_model(), [0.1, -1])
    with pytest.raises(cp.DeclarationError, match="discrete"):
        cp.compare_timescales(cp.load("social-choice").replace(time="discrete"), [0.1])
