"""cp.equilibria on small systems against closed forms: every equilibrium in the region,
mean-field quadrature checked against a refined rule, families of equilibria reported once,
and the result contract."""

import functools
import itertools
import json
import warnings

import numpy as np
import pytest
from scipy import integrate, optimize, special, stats
from scipy.sparse import linalg as spla

import coupling as cp
from coupling.analysis.bifurcation import _secular
from coupling.analysis.bifurcation._equilibria import (
    MultistabilityWarning,
    QuadratureWarning,
    _describe,
)
from coupling.analysis.bifurcation._problem import EquilibriumProblem
from coupling.model._flat import flat_system

# Polished equilibria satisfy max |F| <= 1e-12 (the default tol); for these well-conditioned
# closed forms (|F'| >= 0.5) the state is then within 1e-11 of the exact root.
ATOL = 1e-11


def no_runtime_warnings():
    """Turn numpy's floating-point warnings into errors (a divide by zero fails the test)."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error", RuntimeWarning)
    return context


# ------------------------------------------------------------------ item: simple systems
def test_discrete_time_model_with_a_macro_variable_is_written_out():
    """x' = r x + y, y' = y/2 + 1 (maps): y = 2, x = y / (1 - r) = 4; multipliers r and 1/2.
    The written-out reduced residual mixed the macro symbols (NameError: __u2)."""
    model = cp.Model(name="map-macro", parameters={"r": 0.5},
                     micro=cp.Map(rhs={"x": "r*x + y_seen"}, initial={"x": 0.1}),
                     aggregates={"X": "x"}, context={"y_seen": "y"},
                     macro={"y": cp.Macro("0.5*y + 1", 0.0)}, time="discrete", population=2)
    assert flat_system(EquilibriumProblem(model).system) is not None
    found = cp.equilibria(model)
    assert len(found) == 1
    assert found[0]["y"] == pytest.approx(2.0, abs=ATOL)
    assert found[0]["X"] == pytest.approx(4.0, abs=ATOL)
    np.testing.assert_allclose(np.sort(found[0].eigenvalues.real), [0.5, 0.5, 0.5], atol=1e-12)
    assert found[0].stable and found[0].n_unstable == 0


def test_model_without_parameters():
    """x' = -x + tanh(2 X): X = 0 and X = ±m*, m* = tanh(2 m*); eigenvalue -1 + 2 (1 - X²)."""
    model = cp.Model(name="bare", micro=cp.ODE(rhs={"x": "-x + tanh(2*X_seen)"},
                                                initial={"x": 0.1}),
                     aggregates={"X": "x"}, context={"X_seen": "X"}, population=1)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-15)
    found = cp.equilibria(model)
    assert [e["X"] for e in found] == pytest.approx([-root, 0.0, root], abs=ATOL)
    for e in found:
        assert e.eigenvalues[0].real == pytest.approx(-1 + 2 * (1 - e["X"] ** 2), abs=1e-9)
    assert [e.stable for e in found] == [True, False, True]


RELAX = cp.Model(name="relax", parameters={"c": 0.5},
                 micro=cp.ODE(rhs={"x": "c - X_seen"}, initial={"x": 0.1}),
                 aggregates={"X": "x"}, context={"X_seen": "X"})


def test_rule_that_does_not_read_its_own_state():
    """x' = c - X with one unit: X = c, eigenvalue -1. Before, the per-unit Newton divided
    by ∂f/∂x = 0 and found nothing."""
    context = no_runtime_warnings()
    try:
        found = cp.equilibria(RELAX, population=1)
    finally:
        context.__exit__(None, None, None)
    assert len(found) == 1
    assert found[0]["X"] == pytest.approx(0.5, abs=ATOL)
    assert found[0].eigenvalues[0].real == pytest.approx(-1.0, abs=1e-12)
    assert found[0].stable and found[0].neutral == 0


def test_identical_units_that_read_only_the_mean_form_a_line_of_equilibria():
    """Two units x_i' = c - (x_1 + x_2)/2: every point of the line x_1 + x_2 = 2c is an
    equilibrium; J = -1/2 [[1, 1], [1, 1]] has eigenvalues -1 and 0, the 0 along the line.
    Reported once, stable transversally, neutral along it."""
    found = cp.equilibria(RELAX, population=2, bounds={"x": (-2, 2)})
    assert len(found) == 1
    e = found[0]
    assert e["X"] == pytest.approx(0.5, abs=ATOL)
    np.testing.assert_allclose(np.sort(e.eigenvalues.real), [-1.0, 0.0], atol=1e-12)
    assert e.neutral == 1 and e.critical == 1 and e.stable
    # the neutral direction is the line's: (1, -1)/√2, up to sign
    np.testing.assert_allclose(np.abs(e.tangent[0]), [2 ** -0.5] * 2, atol=1e-12)
    assert "neutral along a 1-dimensional family" in e.stability


def cubic(values, population):
    """Uncoupled units x' = x - x³ + a_i, each with three rest states for |a| < 2/√27."""
    traits = {"a": cp.Fixed(values)}
    return cp.Model(name="cubic", traits=traits,
                    micro=cp.ODE(rhs={"x": "x - x**3 + a"}, initial={"x": 0.1}),
                    aggregates={"X": "x"}, population=population)


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0], [-0.2, 0.1, 0.3]])
def test_uncoupled_bistable_units_give_every_combination(values):
    """Three units with roots r_i1 < r_i2 < r_i3 of x - x³ + a_i: all 3³ = 27 combinations,
    each unstable once per unit on its middle root (f' = 1 - 3x² > 0 there)."""
    found = cp.equilibria(cubic(values, 3), bounds={"x": (-2, 2)})
    roots = [np.sort(np.roots([-1, 0, 1, a]).real) for a in values]
    expected = sorted(itertools.product(*roots))
    states = sorted((tuple(e.micro[:, 0]) for e in found), key=lambda x: np.round(x, 8).tolist())
    assert len(found) == 27
    np.testing.assert_allclose(states, expected, atol=ATOL)
    for e in found:
        middle = sum(int(np.argmin(np.abs(r - x))) == 1 for r, x in zip(roots, e.micro[:, 0]))
        assert e.n_unstable == middle
        assert e.stable == (middle == 0)


def test_coupled_bistable_units_give_every_combination():
    """Two units x_i' = x_i - x_i³ + J X, X = (x_1 + x_2)/2, J = 0.1: 9 equilibria in closed
    form. Symmetric: x = 0, ±√(1 + J). Antisymmetric: x = ±1 (s = x_1 + x_2 = 0). The rest:
    subtracting the equations gives x_1² + x_1 x_2 + x_2² = 1, adding them
    s² = (2 - J)/2 with x_1 x_2 = -J/2."""
    J = 0.1
    model = cp.Model(name="coupled-cubic", parameters={"J": J},
                     micro=cp.ODE(rhs={"x": "x - x**3 + J*X_seen"}, initial={"x": 0.1}),
                     aggregates={"X": "x"}, context={"X_seen": "X"}, population=2)
    found = cp.equilibria(model, bounds={"X": (-2, 2), "x": (-2, 2)})
    root = np.sqrt(1 + J)
    expected = [(0.0, 0.0), (root, root), (-root, -root), (1.0, -1.0), (-1.0, 1.0)]
    for s in (np.sqrt((2 - J) / 2), -np.sqrt((2 - J) / 2)):
        pair = np.roots([1, -s, -J / 2])
        expected += [tuple(pair), tuple(pair[::-1])]
    key = lambda x: np.round(x, 8).tolist()  # noqa: E731
    states = sorted((tuple(e.micro[:, 0]) for e in found), key=key)
    assert len(found) == 9
    np.testing.assert_allclose(states, sorted(expected, key=key), atol=ATOL)


def test_identical_bistable_units_in_a_mean_field():
    """Identical units (no traits) in the mean field are one node: its three rest states."""
    model = cp.Model(name="cubic", micro=cp.ODE(rhs={"x": "x - x**3"}, initial={"x": 0.1}),
                     aggregates={"X": "x"})
    found = cp.equilibria(model, bounds={"x": (-2, 2)})
    assert [e["X"] for e in found] == pytest.approx([-1.0, 0.0, 1.0], abs=ATOL)
    assert [e.n_unstable for e in found] == [0, 1, 0]  # f'(x) = 1 - 3x²: -2, 1, -2
    assert [e.stable for e in found] == [True, False, True]


def test_too_many_combinations_are_reduced_to_equal_ranks_with_a_warning(monkeypatch):
    from coupling.analysis.bifurcation import _equilibria

    monkeypatch.setattr(_equilibria, "MAX_COMBINATIONS", 8)
    with pytest.warns(MultistabilityWarning, match="27 combinations"):
        found = cp.equilibria(cubic([0.0, 0.0, 0.0], 3), bounds={"x": (-2, 2)})
    # the equal-rank combinations (all at -1, all at 0, all at 1) are among those found
    for level in (-1.0, 0.0, 1.0):
        assert any(np.allclose(e.micro[:, 0], level, atol=ATOL) for e in found)
    assert found.status == 1 and "same rank" in found.message


# ------------------------------------------------------------------ item: ARPACK
def saturated_jacobian(nodes=200):
    """The structured Jacobian at the saturated equilibrium m ≈ 1 of a sharp logit choice:
    every unit block is -1/ε and the coupling is below round-off (the derivative of the
    logit is ~1e-100 there)."""
    model = cp.load("social-choice", beta=100.0, J=0.5, sigma=0.05)
    problem = EquilibriumProblem(model, cp.MeanField(nodes=nodes))
    u = problem.newton(problem.lift([1.0]))[0]
    return problem.system.jacobian(u)


def test_arnoldi_starts_from_a_seeded_vector(monkeypatch):
    J = saturated_jacobian()
    sec = _secular._Secular(J)
    starts = []
    real_eigs = spla.eigs

    def spy(*args, **kwargs):
        starts.append(kwargs["v0"])
        return real_eigs(*args, **kwargs)

    monkeypatch.setattr(_secular.spla, "eigs", spy)
    first = _secular._fallback_seeds(J, sec, -10.01, 6, False)
    second = _secular._fallback_seeds(J, sec, -10.01, 6, False)
    assert len(starts) == 2 and np.linalg.norm(starts[0]) > 0
    np.testing.assert_array_equal(starts[0], starts[1])  # same seed, same start
    # every eigenvalue is -1/ε = -10; Arnoldi on the Cayley transform returns them
    np.testing.assert_allclose(first, -10.0, atol=1e-8)
    np.testing.assert_array_equal(first, second)


def test_arnoldi_failure_falls_back_on_a_dense_spectrum(monkeypatch):
    """ARPACK error -9 (starting vector is zero) and unlocated secular roots: the
    leading eigenvalues still come out, from a dense eig (n = 400 <= DENSE_FALLBACK)."""
    J = saturated_jacobian()

    def fail(*args, **kwargs):
        raise spla.ArpackError(-9)

    monkeypatch.setattr(_secular.spla, "eigs", fail)
    monkeypatch.setattr(_secular, "_seeds", lambda *args, **kwargs: np.empty(0, complex))
    monkeypatch.setattr(_secular, "_Secular", _NoStays)
    values, unstable = _secular.leading_eigenvalues(J, 6)
    dense = np.linalg.eigvals(J.toarray())
    assert unstable == 0
    np.testing.assert_allclose(values.real, np.sort(dense.real)[::-1][:6], atol=1e-12)


class _NoStays(_secular._Secular):
    """A secular function that knows no staying block eigenvalue: the roots must be found,
    and with no seeds they cannot be."""

    def _merge(self, poles, w, z):
        super()._merge(poles, w, z)
        self.stays = np.empty(0, complex)


def test_equilibria_of_a_200_node_mean_field():
    """The 200-node (400-state) mean field goes through the secular spectrum. At the two
    saturated states every eigenvalue is -1/ε = -10 (the coupling is below round-off); the
    middle one has the coupled mode 1/ε (-1 + 2βJ E[sech²]) > 0."""
    model = cp.load("social-choice", beta=100.0, J=0.5, sigma=0.05)
    found = cp.equilibria(model, population=cp.MeanField(nodes=200), quadrature="off")
    assert found.success and found.status == 0
    assert [e.n_unstable for e in found] == [0, 1, 0]
    problem = EquilibriumProblem(model, cp.MeanField(nodes=200))
    for e in found:
        u = problem.system.pack(e.micro, np.zeros(0))
        dense = np.linalg.eigvals(problem.jacobian(u).toarray())
        leading = dense[np.argsort(-dense.real)][: e.eigenvalues.size]
        # dense eigenvalues of this J (norm ~ 100) are accurate to ~1e-13
        np.testing.assert_allclose(e.eigenvalues.real, leading.real, atol=1e-9)


# ------------------------------------------------------------------ item: quadrature
SHARP = {"beta": 100.0, "J": 0.5, "sigma": 0.1}


@functools.cache
def converged_roots():
    """The roots of m = E[tanh(β (J m + a))], a ~ Normal(0, σ): brackets from a trapezoid
    rule on 20001 points of [-12σ, 12σ] (spacing 1.2e-4, against the transition width
    1/β = 0.01), refined by Brent's method on adaptive quadrature with the transition
    a = -J m as a breakpoint."""
    beta, J, sigma = SHARP["beta"], SHARP["J"], SHARP["sigma"]
    a = np.linspace(-12 * sigma, 12 * sigma, 20001)
    grid = np.linspace(-1, 1, 401)
    values = integrate.trapezoid(np.tanh(beta * (J * grid[:, None] + a))
                                 * stats.norm.pdf(a, scale=sigma), a, axis=1) - grid

    def residual(m):
        integrand = lambda x: np.tanh(beta * (J * m + x)) * stats.norm.pdf(x, scale=sigma)
        return integrate.quad(integrand, -12 * sigma, 12 * sigma, points=[-J * m],
                              epsabs=1e-12, epsrel=1e-12, limit=200)[0] - m

    brackets = np.flatnonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)
    roots = [optimize.brentq(residual, grid[i], grid[i + 1], xtol=1e-14) for i in brackets]
    return tuple(sorted(roots + list(grid[values == 0])))


def test_too_few_nodes_are_refined_and_reported():
    """A logit of intensity 100 (transition width ~0.01 against σ = 0.1) has 3 equilibria;
    32 Gauss–Hermite nodes give 5. The default search refines and says so."""
    truth = converged_roots()
    assert len(truth) == 3
    model = cp.load("social-choice", **SHARP)
    with pytest.warns(QuadratureWarning, match=r"5 at 32 nodes.*3 at 64 nodes"):
        found = cp.equilibria(model)
    assert len(found) == 3 and found.nodes == 64 and found.status == 1
    assert "32 nodes" in found.message and "64 nodes" in found.message
    # 64 nodes put the outer roots (|m| -> 1, tanh saturated) 5.3e-8 from the converged ones
    # (measured), the middle root exactly (m = 0 by symmetry): 1e-6 leaves a factor 20
    np.testing.assert_allclose([e["m"] for e in found], truth, atol=1e-6)
    assert [e.n_unstable for e in found] == [0, 1, 0]


def test_a_fixed_node_count_is_checked_and_warned_about():
    model = cp.load("social-choice", **SHARP)
    with pytest.warns(QuadratureWarning, match=r"5 at 32 nodes.*3 at 64 nodes"):
        found = cp.equilibria(model, population=cp.MeanField(nodes=32), quadrature="check")
    assert len(found) == 5 and found.nodes == 32 and found.status == 1


def test_the_sharp_rule_at_256_nodes():
    """At 256 nodes the outermost nodes (|a| ≈ 3.2) put β(U_1 - U_0) beyond the range of
    exp: the search still returns the 3 equilibria (the SVD of NaN residues raised
    LinAlgError), and their stability (the quotient form of the logit's derivative gave
    inf/inf there). Measured distance to the converged roots 1.3e-8."""
    model = cp.load("social-choice", **SHARP)
    found = cp.equilibria(model, population=cp.MeanField(nodes=256), quadrature="off")
    np.testing.assert_allclose([e["m"] for e in found], converged_roots(), atol=1e-6)
    assert [e.n_unstable for e in found] == [0, 1, 0] and found.status == 0


def test_a_resolved_quadrature_is_silent():
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.3)
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error", QuadratureWarning)
    try:
        found = cp.equilibria(model)
    finally:
        context.__exit__(None, None, None)
    assert found.status == 0 and found.nodes == 32 and len(found) == 3


# ------------------------------------------------------------------ item: families
def kuramoto(nodes=4):
    """Phase oscillators θ' = ω + K (S cos θ - C sin θ), (C, S) the mean of (cos θ, sin θ),
    ω ~ Uniform(-1/2, 1/2): every rotation of an equilibrium is one."""
    return cp.Model(name="kuramoto", parameters={"K": 2.0, "lo": -0.5, "hi": 0.5},
                    traits={"w": cp.Uniform("lo", "hi")},
                    micro=cp.ODE(rhs={"th": "w + K*(Sc*cos(th) - Cc*sin(th))"},
                                 initial={"th": 0.3}),
                    aggregates={"C": "cos(th)", "S": "sin(th)"},
                    context={"Cc": "C", "Sc": "S"}, population=cp.MeanField(nodes=nodes))


def test_a_rotation_family_of_phase_locked_states_is_reported_once():
    """Locked: sin θ_i = ω_i / (K r), so r = Σ w_i sqrt(1 - (ω_i / K r)²) on the Gauss–Legendre
    nodes. The family is a circle of radius r in (C, S), with one zero eigenvalue along it."""
    x, w = special.roots_legendre(4)
    omega, w = 0.5 * x, w / 2
    r = optimize.brentq(lambda r: r - np.sum(w * np.sqrt(1 - (omega / (2 * r)) ** 2)), 0.3, 1)
    found = cp.equilibria(kuramoto(), bounds={"C": (-1, 1), "S": (-1, 1)}, starts=4,
                          quadrature="off")
    locked = [e for e in found if e.stable]
    assert len(locked) == 1
    e = locked[0]
    assert abs(e["C"] + 1j * e["S"]) == pytest.approx(r, abs=1e-10)
    assert e.neutral == 1 and e.critical == 1 and e.members >= 2
    assert abs(e.eigenvalues[0]) < 1e-12 and np.all(e.eigenvalues[1:].real < -1)
    assert "stable transversally, neutral along a 1-dimensional family" in repr(e)


def test_a_fold_point_is_not_called_stable():
    """At the fold of m = tanh(β (J m + h)) the zero eigenvalue is not along a family of
    equilibria (they end there): critical but not neutral, so not stable."""
    beta, J = 1.0, 2.0
    m_f = -np.sqrt(1 - 1 / (beta * J))
    h_f = J * (-m_f) - np.arctanh(-m_f) / beta
    problem = EquilibriumProblem(cp.load("social-choice", beta=beta, J=J, h=h_f, sigma=0.0),
                                 cp.MeanField(nodes=1))
    u = problem.newton(problem.system.pack(np.array([[(1 - m_f) / 2, (1 + m_f) / 2]]),
                                           np.zeros(0)), tol=1e-14)[0]
    e = _describe(problem, u, 0.0, [])
    assert e.critical == 1 and e.neutral == 0 and not e.stable
    assert e.stability.startswith("undecided")


# ------------------------------------------------------------------ the result contract
def test_equilibria_follow_the_result_contract():
    found = cp.equilibria(cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0))
    record = json.loads(json.dumps(found.to_dict(), allow_nan=False))
    assert record["status"] == 0 and found.success
    assert [e["stable"] for e in record["equilibria"]] == [True, False, True]
    assert record["equilibria"][1]["eigenvalues"][0]["re"] == pytest.approx(10.0, rel=1e-9)
    text = found.summary()
    rows = text.splitlines()[-3:]
    assert "3 equilibria:" in text and [row.split()[-1] for row in rows] == \
        ["stable", "eigenvalue(s))", "stable"]
    frame = found.to_dataframe()
    assert list(frame["stable"]) == [True, False, True] and len(frame) == 3
    assert isinstance(found.stable, cp.Equilibria) and len(found.stable) == 2


def test_failed_spectra_are_kept_in_strict_json():
    e = cp.Equilibrium(macro={}, aggregates={"m": 1.0}, context={}, micro=np.ones((1, 1)),
                       eigenvalues=np.full(1, np.nan, complex), n_unstable=-1)
    found = cp.Equilibria([e], status=1, message="The spectrum could not be computed.")
    record = json.loads(json.dumps(found.to_dict(), allow_nan=False))
    assert record["equilibria"][0]["eigenvalues"] == [{"re": None, "im": 0.0}]
    assert "unknown" in found.summary()


def test_plot_marks_every_equilibrium():
    import matplotlib

    matplotlib.use("Agg")
    found = cp.equilibria(cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0))
    ax = found.plot()
    assert len(ax.lines) == 3
    assert [line.get_fillstyle() for line in ax.lines] == ["full", "none", "full"]
