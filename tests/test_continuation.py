"""Equilibria and continuation against closed forms and independent computations."""

import numpy as np
import pytest
import sympy as sp
from scipy import integrate, optimize, stats

import coupling as cp
from invariants import check_invariants


def curie_weiss_fold(beta, J):
    """Folds of m = tanh(beta (J m + h)): m_f = -sqrt(1 - 1/(beta J)) at h_f > 0."""
    m_f = -np.sqrt(1 - 1 / (beta * J))
    return m_f, J * (-m_f) - np.arctanh(-m_f) / beta


@pytest.mark.parametrize("beta, J", [(1.0, 2.0), (1.0, 1.5), (2.0, 1.0), (0.8, 3.0)])
def test_curie_weiss_folds_match_the_closed_form(beta, J):
    model = cp.load("social-choice", beta=beta, J=J, sigma=0.0)
    diagram = cp.continuation(model, "h", (-1.5, 1.5))
    m_f, h_f = curie_weiss_fold(beta, J)
    folds = diagram.folds()
    assert [p.status for p in folds] == ["converged", "converged"]
    # 1e-10: Newton on the minimally augmented system converges quadratically to the fold;
    # the only error left is the residual tolerance of the corrector (1e-11)
    assert abs(folds[0].param + h_f) < 1e-10 and abs(folds[1].param - h_f) < 1e-10
    assert abs(folds[1].state["m"] - m_f) < 1e-6  # m is a square-root function of h there
    check_invariants(diagram)


def test_heterogeneous_folds_match_the_fold_conditions():
    """With a ~ Normal(0, sigma), a fold solves m = E tanh(beta(Jm + h + a)) and
    1 = beta J E sech^2(beta(Jm + h + a)); solved here by adaptive quadrature."""
    beta, J, sigma = 1.0, 1.5, 0.3

    def E(f, m, h):
        g = lambda a: f(beta * (J * m + h + a)) * stats.norm.pdf(a, scale=sigma)  # noqa: E731
        return integrate.quad(g, -12 * sigma, 12 * sigma, epsabs=1e-14, epsrel=1e-14)[0]

    conditions = lambda v: [v[0] - E(np.tanh, *v),  # noqa: E731
                            1 - beta * J * E(lambda x: np.cosh(x) ** -2, *v)]
    m_f, h_f = optimize.fsolve(conditions, [-0.5, 0.15], xtol=1e-14)
    diagram = cp.continuation(cp.load("social-choice", beta=beta, J=J, sigma=sigma), "h",
                              (-1, 1), population=cp.MeanField(nodes=48))
    # 1e-9: Gauss-Hermite with 48 nodes integrates the analytic integrands to ~1e-13
    assert abs(diagram.folds()[1].param - h_f) < 1e-9
    assert abs(diagram.folds()[0].param + h_f) < 1e-9


def test_pitchfork_in_the_coupling_is_a_branch_point_at_beta_J_one():
    """h = 0, sigma = 0: m = 0 loses stability at beta J = 1 where m = ±sqrt(...) branch off
    (the cusp of the fold curves in (J, h))."""
    diagram = cp.continuation(cp.load("social-choice", beta=1.0, h=0.0, sigma=0.0), "J",
                              (0.0, 2.0))
    points = [p for p in diagram.special_points if p.status == "converged"]
    assert points and all(p.kind == "branch" for p in points)
    assert all(abs(p.param - 1.0) < 1e-8 for p in points)


def test_hysteresis_width_shrinks_with_heterogeneity_and_vanishes():
    widths = []
    for sigma in (0.0, 0.3, 0.6, 1.2):
        folds = cp.continuation(cp.load("social-choice", J=1.5, sigma=sigma), "h",
                                (-1, 1)).folds()
        widths.append(folds[1].param - folds[0].param if folds else 0.0)
    assert widths[0] > widths[1] > widths[2] > 0 and widths[3] == 0.0


def slow_feedback(eps=0.05, c=0.0):
    return cp.load("slow-feedback", sigma=0.0, eps=eps, c=c)


def test_hopf_points_match_the_closed_form_and_the_planar_lyapunov_coefficient():
    eps, J, k, b = 0.05, 2.0, 0.5, 0.2
    diagram = cp.continuation(slow_feedback(eps), "c", (-1.5, 1.5),
                              bounds={"X": (-1, 1), "y": (-15, 15)})
    hopf = [p for p in diagram.special_points if p.kind == "hopf"]
    s_H = (1 + b * eps) / J
    X_H = np.sqrt(1 - s_H)
    c_H = k * X_H + b * (np.arctanh(X_H) - J * X_H)
    assert [p.status for p in hopf] == ["converged", "converged"]
    assert abs(hopf[0].param + c_H) < 1e-10 and abs(hopf[1].param - c_H) < 1e-10
    omega = np.sqrt((1 - J * s_H) * b / eps + k * s_H / eps)  # sqrt(det) at zero trace
    assert abs(hopf[1].data["omega"] - omega) < 1e-8
    # Kuznetsov's l1 writes x = 2 Re(z q), Guckenheimer & Holmes x = Re(z v): l1 = 4 a / omega
    expected = 4 * planar_lyapunov(eps, J, k, b, X_H, c_H)
    # the multilinear forms come from central differences (third derivatives with step
    # 1e-3): relative accuracy ~1e-5
    assert hopf[1].data["l1"] == pytest.approx(expected, rel=1e-4)
    assert hopf[0].data["l1"] == pytest.approx(expected, rel=1e-4)  # symmetric point
    check_invariants(diagram)


def planar_lyapunov(eps, J, k, b, X, c):
    """a / omega with a of Guckenheimer & Holmes (1983) eq. (3.4.11) for the planar system,
    put in the form x' = -omega y + f, y' = omega x + g by the eigenvector basis."""
    x, y = sp.symbols("x y")
    Y = (c - k * X) / b
    F = sp.Matrix([(-(X + x) + sp.tanh(J * (X + x) + Y + y)) / eps,
                   -k * (X + x) - b * (Y + y) + c])
    A = np.array(F.jacobian([x, y]).subs({x: 0, y: 0}).evalf(), dtype=float)
    eig, vecs = np.linalg.eig(A)
    i = int(np.argmax(eig.imag))
    omega, v = eig[i].imag, vecs[:, i]
    T = np.column_stack([v.real, -v.imag])  # T^-1 A T = [[0, -omega], [omega, 0]]
    X1, X2 = sp.symbols("X1 X2")
    local = sp.Matrix(T) * sp.Matrix([X1, X2])
    G = sp.Matrix(np.linalg.inv(T)) * F.subs({x: local[0], y: local[1]})
    f, g = G[0], G[1]
    d = lambda e, *v: float(sp.diff(e, *v).subs({X1: 0, X2: 0}))  # noqa: E731
    a = (d(f, X1, X1, X1) + d(f, X1, X2, X2) + d(g, X1, X1, X2) + d(g, X2, X2, X2)) / 16 \
        + (d(f, X1, X2) * (d(f, X1, X1) + d(f, X2, X2))
           - d(g, X1, X2) * (d(g, X1, X1) + d(g, X2, X2))
           - d(f, X1, X1) * d(g, X1, X1) + d(f, X2, X2) * d(g, X2, X2)) / (16 * omega)
    return a / omega


def ode_population(N, J=2.0, sigma=0.3):
    return cp.Model(micro=cp.ODE(rhs={"x": "-x + tanh(J*X_seen + a + h)"}, initial={"x": 0.0}),
                    traits={"a": cp.Normal(0.0, "sigma")}, aggregates={"X": "x"},
                    context={"X_seen": "X"}, parameters={"J": J, "h": 0.0, "sigma": sigma},
                    timescale=0.01, population=N)


def test_finite_population_folds_equal_those_of_its_empirical_distribution():
    """A finite population of N units is the mean field of its own sampled traits."""
    N = 300
    finite = cp.continuation(ode_population(N), "h", (-1, 1), seed=5, bounds={"X": (-1, 1)})
    traits = cp.simulate(ode_population(N), t_end=0.1, seed=5).traits["a"]
    empirical = ode_population(N).replace(traits={"a": cp.Discrete(traits)},
                                          population="mean-field")
    reference = cp.continuation(empirical, "h", (-1, 1), bounds={"X": (-1, 1)})
    for a, b in zip(finite.folds(), reference.folds()):
        assert abs(a.param - b.param) < 1e-9


def test_finite_population_folds_converge_to_the_mean_field_folds():
    """A shift d of every trait shifts the folds by -d, and a change of the spread moves them
    by dh/dsigma; with N sampled traits the sample mean has sd sigma/sqrt(N) and the sample
    sd has sd sigma/sqrt(2N). The tolerance is 4 standard deviations of their effect."""
    sigma = 0.3
    limit = [p.param for p in cp.continuation(ode_population("mean-field"), "h", (-1, 1),
                                              bounds={"X": (-1, 1)}).folds()]
    wider = [p.param for p in cp.continuation(ode_population("mean-field", sigma=sigma + 0.01),
                                              "h", (-1, 1), bounds={"X": (-1, 1)}).folds()]
    slope = np.abs(np.subtract(wider, limit)) / 0.01
    for N in (500, 5000):
        folds = [p.param for p in cp.continuation(ode_population(N), "h", (-1, 1), seed=3,
                                                  bounds={"X": (-1, 1)}).folds()]
        sd = np.hypot(sigma / np.sqrt(N), slope * sigma / np.sqrt(2 * N))
        assert np.all(np.abs(np.subtract(folds, limit)) < 4 * sd), (N, folds, limit)


def test_analytic_and_finite_difference_jacobians_agree():
    """The same model declared with strings (symbolic derivatives) and with Python callables
    (central differences) has the same folds; the gap measures the compiled derivatives."""
    strings = ode_population("mean-field")
    callables = strings.replace(
        micro=cp.ODE(rhs={"x": lambda x, J, X_seen, a, h: -x + np.tanh(J * X_seen + a + h)},
                     initial={"x": 0.0}),
        context={"X_seen": lambda X: X})
    a = cp.continuation(strings, "h", (-1, 1), bounds={"X": (-1, 1)}).folds()
    b = cp.continuation(callables, "h", (-1, 1), bounds={"X": (-1, 1)}).folds()
    assert len(a) == len(b) == 2
    for p, q in zip(a, b):
        assert abs(p.param - q.param) < 1e-8


def test_equilibria_of_curie_weiss_and_their_stability():
    found = cp.equilibria(cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0))
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-15)
    assert [e["m"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-12)
    assert [e.n_unstable for e in found] == [0, 1, 0]
    # eps dm/dt = -m + tanh(2 m): the eigenvalue of the symmetric mode is (-1 + 2(1 - m^2))/eps
    assert found[1].eigenvalues[0].real == pytest.approx((-1 + 2) / 0.1, rel=1e-9)
    assert found[2].eigenvalues[0].real == pytest.approx((-1 + 2 * (1 - root**2)) / 0.1,
                                                         rel=1e-9)


def test_equilibria_with_a_macro_variable_by_deflated_newton():
    """The norm model: n = m at rest, so m = tanh(beta((J + kappa) m + h)) for sigma = 0."""
    model = cp.load("social-choice", norm=True, beta=1.0, J=1.5, kappa=0.5, sigma=0.0)
    found = cp.equilibria(model)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-15)
    assert [e["m"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-10)
    assert [e["n"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-10)
    assert [e.stable for e in found] == [True, False, True]


def test_large_population_stability_uses_the_structured_spectrum():
    """Beyond the dense limit the leading eigenvalues are roots of the secular equation,
    found in O(N)."""
    model = ode_population(2000, J=0.5)
    found = cp.equilibria(model, seed=2, bounds={"X": (-1, 1)})
    assert len(found) == 1 and found[0].stable and found[0].n_unstable == 0
    # with J = 0.5 < 1 the coupled mode is stable: all eigenvalues lie in [-1/eps, -(1-J)/eps]
    eig = found[0].eigenvalues
    assert np.all(eig.real < 0) and np.all(eig.real >= -100 - 1e-9)
    assert eig[0].real <= -(1 - 0.5) * 100 * 0.99


#: The two paths every two-parameter test runs on: the general structured system (32
#: mean-field nodes) and the written-out small system (one node), which must agree.
PATHS = [pytest.param(None, id="general"), pytest.param(cp.MeanField(nodes=1), id="written-out")]


@pytest.mark.parametrize("population", PATHS)
def test_fold_curve_of_curie_weiss_and_its_cusp(population):
    """Folds in (h, J): h = ±(J m_f - atanh(m_f)), m_f = sqrt(1 - 1/J), meeting in the cusp
    at J = 1, h = 0, m = 0 (exact by symmetry)."""
    curve = cp.fold_curve(cp.load("social-choice", sigma=0.0), "h", "J", (-1, 1), (0.5, 2),
                          population=population)
    assert len(curve.curves) == 1 and curve.success
    h, J = curve.curves[0].T
    m_f = np.sqrt(1 - 1 / J)
    assert np.max(np.abs(np.abs(h) - (J * m_f - np.arctanh(m_f)))) < 1e-10
    (cusp,) = curve.special_points
    assert cusp.kind == "cusp" and cusp.status == "converged"
    # h and J polished to a few ulps; m rests on a finite-difference normal-form test
    assert abs(cusp.param) < 1e-15 and abs(cusp.data["p2"] - 1.0) < 1e-15
    assert abs(cusp.state["m"]) < 1e-12


@pytest.mark.parametrize("population", PATHS)
def test_fold_curve_meets_the_hopf_condition_at_bogdanov_takens_points(population):
    """slow-feedback with weak feedback k = 0.1 keeps its folds: det = 0 at s = b/(Jb - k),
    whatever eps; the trace vanishes there too at eps = k / (b (Jb - k)) = 5/3."""
    J, k, b = 2.0, 0.1, 0.2
    model = cp.load("slow-feedback", sigma=0.0, k=k, eps=1.0)
    curve = cp.fold_curve(model, "c", "eps", (-1, 1), (0.5, 3.0),
                          bounds={"X": (-1, 1), "y": (-15, 15)}, population=population,
                          shade=False)
    bt = [p for p in curve.special_points if p.kind == "bt"]
    s = b / (J * b - k)
    X = np.sqrt(1 - s)
    c = k * X + b * (np.arctanh(X) - J * X)
    assert len(bt) == 2 and all(p.status == "converged" for p in bt)
    for p in bt:
        assert abs(p.data["p2"] - k / (b * (J * b - k))) < 1e-8
        assert abs(abs(p.param) - abs(c)) < 1e-8


@pytest.mark.parametrize("population", PATHS)
def test_fold_curve_starts_on_the_edge_of_a_parameter_domain(population):
    """A fold curve in (h, sigma) from sigma = 0, the edge of the spread's domain: the
    derivatives there are one-sided, and the curve starts at the homogeneous folds
    h = ±(J m_f - atanh m_f), m_f = sqrt(1 - 1/J), for J = 2."""
    curve = cp.fold_curve(cp.load("social-choice", J=2.0, sigma=0.0), "h", "sigma",
                          (-0.6, 0.6), (0.0, 1.2), population=population, shade=False)
    m_f = np.sqrt(0.5)
    ends = sorted(points[np.argmin(points[:, 1])][0] for points in curve.curves)
    assert curve.success and len(curve.curves) == 2
    assert np.allclose(ends, [-(2 * m_f - np.arctanh(m_f)), 2 * m_f - np.arctanh(m_f)],
                       atol=1e-10)
    assert all(np.min(points[:, 1]) == 0.0 for points in curve.curves)


def test_fold_curve_lands_on_the_edge_of_a_parameter_domain():
    """From sigma = 0.3 down to the box edge sigma = 0, which is also the edge of the
    spread's domain (Newton's iterates overstep it): both ends land on sigma = 0 exactly,
    at the homogeneous folds ±(J m_f - atanh m_f), J = 1.5."""
    curve = cp.fold_curve(cp.load("social-choice"), "h", "sigma", (-0.6, 0.6), (0.0, 1.2),
                          shade=False)
    (points,) = curve.curves
    m_f = np.sqrt(1 - 1 / 1.5)
    h_f = 1.5 * m_f - np.arctanh(m_f)
    assert curve.success and curve.messages == [""]
    assert points[0, 1] == 0.0 and points[-1, 1] == 0.0
    assert np.allclose(sorted([points[0, 0], points[-1, 0]]), [-h_f, h_f], atol=1e-10)


def test_parameter_outside_its_domain_is_its_own_error():
    """Moving a spread below 0 is a ParameterDomainError naming the parameter (not a
    declaration error), and the parameters keep their values."""
    from coupling.analysis.bifurcation._problem import EquilibriumProblem

    problem = EquilibriumProblem(cp.load("social-choice", sigma=0.0))
    with pytest.raises(cp.ParameterDomainError) as error:
        problem.set_parameter("sigma", -1e-6)
    assert error.value.parameter == "sigma"
    assert not isinstance(error.value, cp.DeclarationError)
    assert problem.parameter("sigma") == 0.0 and problem.system.params["sigma"] == 0.0


def test_finite_choice_population_continues_its_expected_choices():
    """A finite choice population is continued through each unit's expected choice; its
    folds are those of the mean field of its sampled traits, exactly."""
    model = cp.load("social-choice", J=1.5, sigma=0.3)
    N = 400
    finite = cp.continuation(model, "h", (-1, 1), population=N, seed=8)
    traits = cp.simulate(model, t_end=0.1, population=N, seed=8).traits["a"]
    empirical = model.replace(traits={"a": cp.Discrete(traits)})
    reference = cp.continuation(empirical, "h", (-1, 1))
    assert len(finite.folds()) == len(reference.folds()) == 2
    for a, b in zip(finite.folds(), reference.folds()):
        assert abs(a.param - b.param) < 1e-9


def test_map_period_doubling_matches_the_closed_form():
    """Anti-coordination in discrete time, m_{t+1} = tanh(beta (J m_t + h)) with J = -1:
    the fixed point's multiplier beta J (1 - m^2) reaches -1 (a flip) at beta (1 - m^2) = 1
    with m = tanh(beta (h - m)); for h = 0 at beta = 1."""
    model = cp.load("social-choice", J=-1.0, sigma=0.0).replace(time="discrete",
                                                               timescale=1e-9)
    for h in (0.0, 0.2):
        diagram = cp.continuation(model.with_parameters(h=h), "beta", (0.2, 3.0))
        (flip,) = diagram.special_points
        m = optimize.brentq(lambda m: m - np.tanh((h - m) / (1 - m**2)), -0.5, 0.5,
                            xtol=1e-15)
        beta = 1 / (1 - m**2)
        assert flip.kind == "flip" and flip.status == "converged"
        assert abs(flip.param - beta) < 1e-9 and abs(flip.state["m"] - m) < 1e-6
        assert diagram.branches[0].stable[0] and not diagram.branches[0].stable[-1]


def test_map_neimark_sacker_with_a_slow_macro_feedback():
    """m_{t+1} = tanh(beta (J m_t + y_t)), y_{t+1} = y_t - k m_t: at the origin the map's
    Jacobian [[beta J, beta], [-k, 1]] has determinant beta (J + k) and trace beta J + 1 < 2,
    so a complex pair of multipliers leaves the unit circle at beta = 1 / (J + k)."""
    J, k = 0.5, 1.5
    model = cp.Model(micro=cp.Choice("s", (-1, 1), cp.logit(["-f", "f"], intensity="beta")),
                     aggregates={"m": "s"}, context={"f": "J*m + y"},
                     macro={"y": cp.Macro("y - k*m", 0.0)},
                     parameters={"beta": 0.2, "J": J, "k": k}, time="discrete",
                     timescale=1e-9)
    diagram = cp.continuation(model, "beta", (0.2, 0.9), bounds={"m": (-1, 1), "y": (-2, 2)})
    (ns,) = diagram.special_points
    assert ns.kind == "neimark-sacker" and ns.status == "converged"
    assert abs(ns.param - 1 / (J + k)) < 1e-9


@pytest.mark.parametrize("population", PATHS)
def test_hopf_curve_matches_the_closed_form_and_ends_at_bogdanov_takens(population):
    """slow-feedback, sigma = 0, k = 0.1: Hopf points at s_H = (1 + b eps)/J for every eps,
    c_H(eps) = k X + b (atanh X - J X) with X = sqrt(1 - s_H), until the determinant
    vanishes at the Bogdanov-Takens point eps = k / (b (J b - k)) = 5/3."""
    J, k, b = 2.0, 0.1, 0.2
    model = cp.load("slow-feedback", sigma=0.0, k=k, eps=1.0)
    curve = cp.hopf_curve(model, "c", "eps", (-1, 1), (0.5, 3.0),
                          bounds={"X": (-1, 1), "y": (-15, 15)}, population=population)
    assert isinstance(curve, cp.HopfCurve) and curve.kind == "hopf" and len(curve.curves) == 2
    for points in curve.curves:
        c, eps = points.T
        X = np.sqrt(1 - (1 + b * eps) / J)
        assert np.max(np.abs(np.abs(c) - np.abs(k * X + b * (np.arctanh(X) - J * X)))) < 1e-9
    assert [p.kind for p in curve.special_points] == ["bt", "bt"]
    for point in curve.special_points:
        assert point.status == "converged"
        assert abs(point.data["p2"] - k / (b * (J * b - k))) < 1e-8


def test_finite_choice_population_folds_converge_to_the_mean_field_folds():
    """The choice model itself (expected choices of N sampled units): its folds sit within
    4 sampling standard deviations of the mean-field folds, as for ODE units above."""
    sigma = 0.3
    folds = lambda **kw: np.array([p.param for p in cp.continuation(  # noqa: E731
        cp.load("social-choice", J=2.0, sigma=kw.pop("sigma", sigma)), "h", (-1, 1),
        **kw).folds()])
    limit = folds()
    slope = np.abs(folds(sigma=sigma + 0.01) - limit) / 0.01
    N = 3000
    sd = np.hypot(sigma / np.sqrt(N), slope * sigma / np.sqrt(2 * N))
    assert np.all(np.abs(folds(population=N, seed=11) - limit) < 4 * sd)


def test_fold_curve_regions_are_counted_for_the_population_of_the_curves():
    """The regions the fold curves bound are counted once each, when the curves are traced,
    for the population the curves belong to (same N, same drawn tastes): inside the cusp
    three equilibria, outside one."""
    model = cp.load("social-choice")
    curve = cp.fold_curve(model, "h", "sigma", (-0.6, 0.6), (0.0, 1.2), population=20,
                          seed=1)
    assert (curve.population, curve.seed) == (20, 1)
    counts = sorted(count for _, count in curve.regions.samples)
    assert counts == [1, 3]
    for (h, sigma), count in curve.regions.samples:
        assert count == len(cp.equilibria(model.with_parameters(h=h, sigma=sigma),
                                          population=20, seed=1))
    with pytest.raises(ValueError, match="outside"):
        cp.fold_curve(model, "h", "sigma", (-0.6, 0.6), (0.5, 1.2))
    with pytest.raises(ValueError, match="differ"):
        cp.fold_curve(model, "h", "h", (-0.6, 0.6), (-0.6, 0.6))
    with pytest.raises(cp.UnknownNameError, match="did you mean 'sigma'"):
        cp.fold_curve(model, "h", "sigmaa", (-0.6, 0.6), (0.0, 1.2))


def test_hopf_inside_a_complex_window_narrower_than_a_step():
    """At eps = 1e-3 the eigenvalues are complex only over |c - c_H| ~ 1e-3, well inside one
    continuation step: both ends of the bracketing step see real eigenvalues, and the Hopf
    point must still be found. Check it against the spectrum on either side."""
    model = cp.load("slow-feedback", sigma=0.3, eps=1e-3)
    diagram = cp.continuation(model, "c", (-1.5, 1.5), population="mean-field")
    hopf = [p for p in diagram.special_points if p.kind == "hopf"]
    assert len(hopf) == 2 and all(p.status == "converged" for p in hopf)
    assert hopf[0].param == pytest.approx(-hopf[1].param, abs=1e-9)  # a ~ N(0, s) is symmetric
    for point in hopf:  # stable on the outer side, unstable inside, 1e-6 away in c
        for side, stable in ((np.sign(point.param), True), (-np.sign(point.param), False)):
            found = cp.equilibria(model.with_parameters(c=point.param + side * 1e-6),
                                  bounds={"X": (-1, 1), "y": (-3, 3)})
            assert [e.stable for e in found] == [stable]
    check_invariants(diagram)


def test_continuation_from_a_given_equilibrium_follows_only_its_branch():
    model = cp.load("social-choice", J=2.0, sigma=0.0, h=-1.0)
    low = min(cp.equilibria(model), key=lambda e: e["m"])
    diagram = cp.continuation(model, "h", (-1, 1), start=low)
    m_f, h_f = curie_weiss_fold(1.0, 2.0)
    assert len(diagram.branches) == 1 and diagram.branches[0].param[0] == -1.0
    assert [p.param for p in diagram.folds()] == pytest.approx([-h_f, h_f], abs=1e-10)
    with pytest.raises(ValueError, match="outside the interval"):
        cp.continuation(model, "h", (0, 1), start=low)
    finite = cp.equilibria(model, population=5, seed=1)
    with pytest.raises(ValueError, match="shape"):
        cp.continuation(model, "h", (-1, 1), start=finite[0])


def _oscillators(kappa, N):
    """N Hopf normal-form units z' = (mu + i) z - |z|^2 z coupled through their mean X:
    at the origin the in-phase mode has eigenvalues mu + kappa/2 ± i sqrt(1 - kappa^2/4),
    the N - 1 out-of-phase modes mu ± i."""
    return cp.Model(micro=cp.ODE({"x": "mu*x - y - x*(x**2 + y**2) + c",
                                  "y": "x + mu*y - y*(x**2 + y**2)"},
                                 initial={"x": 0.1, "y": 0.0}),
                    aggregates={"X": "x"}, context={"c": "kappa*X"},
                    parameters={"mu": -1.0, "kappa": kappa}, population=N)


@pytest.mark.parametrize("N", [pytest.param(2, id="written-out"), pytest.param(4, id="general")])
def test_every_change_of_the_unstable_count_is_located(N):
    """Steps far longer than the distance between two Hopf points: the segment holding both
    is refined until each is located, the in-phase one at mu = -kappa/2 and the N - 1
    out-of-phase pairs, which cross together, as one point of multiplicity N - 1 at 0."""
    kappa = 0.3
    diagram = cp.continuation(_oscillators(kappa, N), "mu", (-1, 0.6), ds=0.4, ds_max=0.4,
                              bounds={"X": (-1, 1)})
    check_invariants(diagram)
    hopf = diagram.points("hopf")
    assert [p.status for p in hopf] == ["converged", "converged"]
    assert abs(hopf[0].param + kappa / 2) < 1e-10 and abs(hopf[1].param) < 1e-10
    assert hopf[0].data.get("multiplicity", 1) == 1
    assert hopf[1].data.get("multiplicity", 1) == N - 1
    assert not diagram.points("missed")
    assert diagram.branches[0].n_unstable[-1] == 2 * N


def test_pairs_crossing_together_are_one_hopf_point_of_their_multiplicity():
    """Uncoupled identical oscillators: both pairs cross at mu = 0 at once, which no
    refinement separates."""
    diagram = cp.continuation(_oscillators(0.0, 2), "mu", (-1, 0.6), bounds={"X": (-1, 1)})
    check_invariants(diagram)
    (hopf,) = diagram.special_points
    assert hopf.kind == "hopf" and hopf.data["multiplicity"] == 2
    assert abs(hopf.param) < 1e-10 and hopf.status == "converged"


def test_a_branch_ends_where_it_leaves_the_bounds():
    """SIS-like units, eps x' = beta I (1 - x) - x with I the mean of x: the endemic branch
    I = 1 - 1/beta meets I = 0 at the transcritical point beta = 1 and would go on to
    negative prevalence. Bounded to I >= 0 it ends on I = 0, with no branch point below."""
    model = cp.Model(micro=cp.ODE({"x": "beta*seen*(1 - x) - x"}, initial={"x": 0.5}),
                     aggregates={"I": "x"}, context={"seen": "I"}, parameters={"beta": 2.0},
                     timescale=0.1)
    diagram = cp.continuation(model, "beta", (0.5, 3.0), bounds={"I": (0.0, 1.0)})
    endemic = max(diagram.branches, key=lambda b: np.max(diagram.observable(b, "I")))
    I = diagram.observable(endemic, "I")
    # the bound sits on the transcritical point, where Newton is singular: the end is
    # resolved to about the square root of the arithmetic's precision
    assert abs(np.min(I)) < 1e-8 and abs(endemic.param[np.argmin(I)] - 1.0) < 1e-6
    assert "left the bounds" in endemic.message
    assert np.allclose(I, 1 - 1 / endemic.param, atol=1e-8)
    assert all(p.state["I"] >= -1e-8 for p in diagram.special_points)


def test_a_start_without_a_tangent_is_reported_as_a_missed_point():
    """x' = -x^2 - p^2 at (0, 0): the Jacobian and the parameter derivative both vanish, so
    no branch leaves the start. The diagram says so (a "missed" point at p = 0 and a failed
    one-point branch) instead of raising."""
    model = cp.Model(micro=cp.ODE({"x": "-(x - c)**2 - p**2"}, initial={"x": 0.0}),
                     aggregates={"X": "x"}, context={"c": "0*X"}, parameters={"p": 0.0},
                     population=cp.MeanField(nodes=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        diagram = cp.continuation(model, "p", (0.0, 1.0))
    (point,) = diagram.special_points
    assert point.kind == "missed" and point.param == 0.0 and point.interval == (0.0, 0.0)
    assert diagram.branches[0].status == -1 and "no tangent" in diagram.message


def test_starts_on_one_branch_give_one_branch():
    """The three Curie–Weiss equilibria at h = 0 (beta J = 2) lie on one S-shaped branch:
    started from all three, continuation traces it once, with its two folds once each."""
    model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
    found = cp.equilibria(model, population=cp.MeanField(nodes=1))
    assert len(found) == 3
    diagram = cp.continuation(model, "h", (-1, 1), start=list(found),
                              population=cp.MeanField(nodes=1))
    assert len(diagram.branches) == 1
    assert [p.kind for p in diagram.special_points] == ["fold", "fold"]
