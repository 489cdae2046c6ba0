"""Equilibria, stability and continuation of response rules (the ε → 0 limit) against closed
forms: fast eigenvalues Φ'(X) - I, slow eigenvalues of the reduced system, folds and the
singular Hopf points where the equilibrium crosses a fold of the critical manifold."""

import numpy as np
import pytest
from scipy import optimize

import coupling as cp
from invariants import check_invariants
from coupling.analysis.bifurcation._problem import EquilibriumProblem

J_SF, K_SF, B_SF = 2.0, 0.5, 0.2  # slow-feedback's J, k, b


def curie_weiss(population="mean-field", sigma=None, timescale=1.0, ode=False):
    """m = E tanh(beta (J m + h + a)), as a response or as the ODE eps x' = -x + tanh(...)."""
    field = "tanh(beta*(J*m_seen + h" + (" + a)" if sigma is not None else ")") + ")"
    micro = (cp.ODE(rhs={"x": "-x + " + field}, initial={"x": 0.0}) if ode
             else cp.Response(rhs={"x": field}))
    traits = {"a": cp.Normal(0.0, "sigma")} if sigma is not None else {}
    params = {"beta": 1.0, "J": 2.0, "h": 0.0, **({"sigma": sigma} if traits else {})}
    return cp.Model(micro=micro, traits=traits, aggregates={"m": "x"},
                    context={"m_seen": "m"}, parameters=params, timescale=timescale,
                    population=population)


def slow_feedback_response(population="mean-field", sigma=0.0):
    """slow-feedback with the units at their response: x = tanh(J X + a + y)."""
    return cp.Model(micro=cp.Response(rhs={"x": "tanh(J*X_seen + a + y_seen)"}),
                    traits={"a": cp.Normal(0.0, "sigma")}, aggregates={"X": "x"},
                    context={"X_seen": "X", "y_seen": "y"},
                    macro={"y": cp.Macro("-k*X - b*y + c", 0.0)},
                    parameters={"J": J_SF, "k": K_SF, "b": B_SF, "c": 0.05, "sigma": sigma},
                    population=population)


SF_BOUNDS = {"X": (-1, 1), "y": (-15, 15)}


def singular_hopf_limit():
    """c_H0 = k X_H + b (atanh X_H - J X_H), X_H = sqrt(1 - 1/J): J_xx is singular there."""
    X_H = np.sqrt(1 - 1 / J_SF)
    return X_H, K_SF * X_H + B_SF * (np.arctanh(X_H) - J_SF * X_H)


def test_curie_weiss_response_equilibria_and_their_fast_eigenvalue():
    """m = 0 and ±m*, m* = tanh(2 m*); the fast eigenvalue is Φ'(m) - 1 = βJ(1 - m²) - 1 in the
    fast time, whatever the timescale declared."""
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-15)
    for timescale in (1.0, 0.01):
        found = cp.equilibria(curie_weiss(timescale=timescale), bounds={"m": (-1, 1)})
        assert [e["m"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-12)
        assert [e.n_unstable for e in found] == [0, 1, 0]
        assert [e.stable for e in found] == [True, False, True]
        for e in found:
            assert e.eigenvalues.size == 1
            assert e.eigenvalues[0] == pytest.approx(2 * (1 - e["m"] ** 2) - 1, abs=1e-12)


def test_curie_weiss_response_folds_match_the_closed_form():
    """Folds at h_f = ±(J m_f - atanh(m_f)/β), m_f = sqrt(1 - 1/(βJ)); the fold of the upper
    branch (m_f > 0) is at h_f < 0."""
    diagram = cp.continuation(curie_weiss(), "h", (-1, 1))
    m_f = np.sqrt(1 - 1 / 2.0)
    h_f = 2.0 * m_f - np.arctanh(m_f)
    folds = diagram.folds()
    assert [p.status for p in folds] == ["converged", "converged"]
    assert len(diagram.special_points) == 2
    # minimally augmented Newton converges quadratically; what is left is the corrector's
    # residual tolerance 1e-11
    assert abs(folds[0].param + h_f) < 1e-10 and abs(folds[1].param - h_f) < 1e-10
    assert folds[0].state["m"] == pytest.approx(m_f, abs=1e-6)  # m ~ sqrt(h - h_f) there
    assert folds[1].state["m"] == pytest.approx(-m_f, abs=1e-6)
    check_invariants(diagram, slow=len(diagram.macro_names))


def test_heterogeneous_finite_population_response_folds_equal_the_ode_folds():
    """N = 200 units with a ~ Normal(0, 0.3): a response and its relaxation ODE (same seed, so
    the same sampled traits) have the same equilibria, hence the same folds and stability."""
    kw = {"population": 200, "sigma": 0.3}
    response = cp.continuation(curie_weiss(**kw), "h", (-1, 1), seed=4, bounds={"m": (-1, 1)})
    ode = cp.continuation(curie_weiss(**kw, timescale=0.01, ode=True), "h", (-1, 1), seed=4,
                          bounds={"m": (-1, 1)})
    assert len(response.folds()) == len(ode.folds()) == 2
    for a, b in zip(response.folds(), ode.folds()):
        assert a.status == b.status == "converged"
        assert abs(a.param - b.param) < 1e-9
    assert [p.kind for p in response.special_points] == ["fold", "fold"]
    check_invariants(response, slow=len(response.macro_names))


def test_singular_hopf_of_the_response_slow_feedback():
    """J_xx is singular at X_H = ±sqrt(1 - 1/J) while the branch c(X) = kX + b(atanh X - JX)
    is monotone: the unstable count jumps from 0 to 2 there (Hopf points of the ODE model
    as ε → 0). Along the branch the spectrum is the closed form of the limit: slow
    -b - k s/(1 - J s) and fast J s - 1 (then -1 for the other nodes), s = 1 - X²."""
    diagram = cp.continuation(slow_feedback_response(), "c", (-1.5, 1.5), bounds=SF_BOUNDS)
    X_H, c_H0 = singular_hopf_limit()
    points = diagram.special_points
    assert [p.kind for p in points] == ["singular-hopf", "singular-hopf"]
    assert [p.status for p in points] == ["converged", "converged"]
    # a root of the fast determinant by Brent's method along the corrected branch
    assert abs(points[0].param + c_H0) < 1e-9 and abs(points[1].param - c_H0) < 1e-9
    assert points[0].state["X"] == pytest.approx(-X_H, abs=1e-8)
    assert points[1].state["X"] == pytest.approx(X_H, abs=1e-8)
    (branch,) = diagram.branches
    away = np.abs(np.abs(branch.param) - c_H0) > 1e-6  # the located points are on the edge
    middle = np.abs(branch.param) < c_H0
    assert np.all(branch.n_unstable[away & middle] == 2)
    assert np.all(branch.n_unstable[away & ~middle] == 0)
    X = branch.aggregates[:, 0]
    s = 1 - X**2
    slow = -B_SF - K_SF * s / (1 - J_SF * s)
    np.testing.assert_allclose(branch.eigenvalues[away, 0].real, slow[away], rtol=1e-8)
    np.testing.assert_allclose(branch.eigenvalues[away, 1].real, J_SF * s[away] - 1,
                               rtol=1e-8, atol=1e-12)
    assert np.all(branch.eigenvalues[:, 2:] == -1)
    check_invariants(diagram, slow=len(diagram.macro_names))


def test_ode_hopf_points_approach_the_singular_hopf_linearly_in_eps():
    """The Hopf points of slow-feedback, c_H(ε) = k X + b (atanh X - J X) at
    X = sqrt(1 - (1 + bε)/J), tend to c_H0 with slope dc_H/dε = -k b/(2 J X_H) at ε = 0."""
    X_H, c_H0 = singular_hopf_limit()
    slope = -K_SF * B_SF / (2 * J_SF * X_H)
    for eps in (0.04, 0.02, 0.01):
        diagram = cp.continuation(cp.load("slow-feedback", sigma=0.0, eps=eps), "c", (0, 1.5),
                                  bounds=SF_BOUNDS)
        (hopf,) = [p for p in diagram.special_points if p.kind == "hopf"]
        X = np.sqrt(1 - (1 + B_SF * eps) / J_SF)
        assert abs(hopf.param - (K_SF * X + B_SF * (np.arctanh(X) - J_SF * X))) < 1e-10
        # c_H(ε) - c_H0 = slope ε + O(ε²): the second-order coefficient is about 1.1e-3
        assert abs((hopf.param - c_H0) / eps - slope) < 2e-3 * eps


def test_hopf_of_a_response_model_is_that_of_its_reduced_slow_system():
    """x = tanh(J X + y1), y1' = c y1 - y2 + X - y1, y2' = y1. With X*(y1) = α y1 + γ y1³ + ...,
    α = 1/(1 - J), γ = -α⁴/3, the reduced system has trace c - 1 + α and determinant 1: a
    Hopf point at c = 1 - α with ω = 1 and (Kuznetsov's normalisation) l1 = X*'''(0)/8
    = -α⁴/4."""
    J = 0.5
    model = cp.Model(micro=cp.Response(rhs={"x": "tanh(J*X_seen + y_seen)"}),
                     aggregates={"X": "x"}, context={"X_seen": "X", "y_seen": "y1"},
                     macro={"y1": cp.Macro("c*y1 - y2 + X - y1", 0.0),
                            "y2": cp.Macro("y1", 0.0)},
                     parameters={"J": J, "c": -2.0}, population="mean-field")
    diagram = cp.continuation(model, "c", (-2, 0),
                              bounds={"X": (-1, 1), "y1": (-1, 1), "y2": (-1, 1)})
    alpha = 1 / (1 - J)
    (hopf,) = diagram.special_points
    assert hopf.kind == "hopf" and hopf.status == "converged"
    assert abs(hopf.param - (1 - alpha)) < 1e-10
    assert hopf.data["omega"] == pytest.approx(1.0, abs=1e-9)
    # third derivatives by central differences with step 1e-3: relative accuracy ~1e-5
    assert hopf.data["l1"] == pytest.approx(-alpha**4 / 4, rel=1e-4)
    check_invariants(diagram, slow=len(diagram.macro_names))


@pytest.mark.parametrize("population", [300, cp.MeanField(nodes=16)])
def test_structured_limit_spectrum_equals_the_dense_one(population):
    """With heterogeneous units (and a population beyond the dense limit) the O(N) spectrum
    equals the dense one: eigenvalues of ε J_xx and of J_yy - J_yx J_xx⁻¹ J_xy. At c = 0.1 the
    equilibrium is on the middle branch: one fast and the slow eigenvalue are unstable."""
    model = slow_feedback_response(population=population, sigma=0.3)
    problem = EquilibriumProblem(model, seed=1)
    found = cp.equilibria(model.with_parameters(c=0.1), seed=1, bounds=SF_BOUNDS)
    assert len(found) == 1
    problem.set_parameter("c", 0.1)
    u = problem.system.pack(found[0].micro, np.array([found[0]["y"]]))
    values, unstable = problem.spectrum(u, count=400)
    dense = problem.jacobian(u).toarray()
    n = dense.shape[0] - 1
    Jxx, Jxy, Jyx, Jyy = dense[:n, :n], dense[:n, n:], dense[n:, :n], dense[n:, n:]
    fast = np.sort(np.linalg.eigvals(problem.system.eps * Jxx).real)[::-1]
    slow = Jyy - Jyx @ np.linalg.solve(Jxx, Jxy)
    assert values.size == 1 + n
    assert values[0] == pytest.approx(slow[0, 0], rel=1e-10)
    np.testing.assert_allclose(values[1:].real, fast, atol=1e-10)
    assert fast[0] > 0 and fast[1] < 0 and slow[0, 0] > 0
    assert unstable == found[0].n_unstable == 2


def test_default_bounds_reach_the_mirror_equilibrium():
    """The default search region comes from a run that settles on one of two mirror states;
    it includes zero, so the other state is inside it too."""
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-15)
    found = cp.equilibria(curie_weiss())
    assert [e["m"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-12)
