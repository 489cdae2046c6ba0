"""Equilibria, stability and continuation of network models (cp.Local on a ring).

x_i' = -x_i + tanh(J L_i + h), L_i the mean of the two ring neighbours. The uniform
equilibrium x* = tanh(J x* + h) is the mean-field one; its Jacobian -I + J s W (s = sech²,
W the circulant neighbour mean) has eigenvalues λ_m = -1 + J s cos(2πm/N) exactly. On an
odd ring with J < 0 the rightmost is m = (N ± 1)/2, λ = -1 + |J| s cos(π/N): the finite-ring
correction of the infinite-ring -1 + |J| s. Round-off tolerances (1e-9).
"""

import numpy as np
import pytest
from scipy import optimize

import coupling as cp
from coupling.analysis.bifurcation._problem import EquilibriumProblem


def ring(n, J, h):
    return cp.Model(name="ring", parameters={"J": J, "h": h},
                    micro=cp.ODE({"x": "-x + tanh(J*seen + h)"}, initial={"x": 0.0}),
                    aggregates={"L": cp.Local("x"), "m": cp.Mean("x")},
                    context={"seen": "L"}, network=cp.ring_lattice(n, 2), population=n)


def spectrum(n, J, h, x):
    s = 1 - np.tanh(J * x + h) ** 2
    return -1 + J * s * np.cos(2 * np.pi * np.arange(n) / n)


@pytest.mark.parametrize("n, J, h", [(31, -1.5, 0.2), (31, 1.5, 0.1), (701, -1.5, 0.2)])
def test_uniform_equilibria_and_their_circulant_spectrum(n, J, h):
    found = cp.equilibria(ring(n, J, h))
    grid = np.linspace(-1.0, 1.0, 2001)
    g = np.tanh(J * grid + h) - grid
    roots = [optimize.brentq(lambda x: np.tanh(J * x + h) - x, grid[i], grid[i + 1])
             for i in np.flatnonzero(np.sign(g[:-1]) != np.sign(g[1:]))]
    assert len(found) == len(roots)
    for e, x in zip(found, sorted(roots)):
        assert np.allclose(e.micro[:, 0], x, atol=1e-10)
        lam = spectrum(n, J, h, x)
        assert abs(e.eigenvalues[0].real - lam.max()) < 1e-9
        assert e.n_unstable == np.sum(lam > 1e-9)


def test_odd_ring_finite_size_correction():
    n, J, h = 31, -1.003, 0.0  # |J| s cos(π/N) < 1 < |J| s: stable only on the finite ring
    (e,) = cp.equilibria(ring(n, J, h))
    s = 1.0  # x* = 0
    assert abs(e.eigenvalues[0].real - (-1 + abs(J) * s * np.cos(np.pi / n))) < 1e-9
    assert e.n_unstable == 0 and e.stable


def test_continuation_through_the_fold_of_the_uniform_branch():
    J = 1.5
    diagram = cp.continuation(ring(11, J, 0.0), "h", (-0.5, 0.5))
    folds = sorted(p.param for p in diagram.folds())
    x = np.sqrt(1 - 1 / J)  # J s = 1 at the fold: s = 1 - x² = 1/J
    h = np.arctanh(x) - J * x
    assert np.allclose(folds, sorted([-h, h]), atol=1e-7)


def test_unsupported():
    model = ring(11, 1.0, 0.0)
    with pytest.raises(cp.DeclarationError, match="network"):
        EquilibriumProblem(model).reduced_residual(np.zeros(1))


def random_network_model(n, K=1.0):
    W = cp.rewire(cp.ring_lattice(n, 4), 1.0, seed=3)  # a random 4-regular graph
    return cp.Model(name="random", parameters={"J": 0.5, "K": K, "h": 0.1},
                    micro=cp.ODE({"x": "-x + tanh(J*seen + K*crowd + h)"},
                                 initial={"x": 0.0}),
                    aggregates={"L": cp.Local("x"), "m": cp.Mean("x")},
                    context={"seen": "L", "crowd": "m"}, network=W, population=n)


def test_a_random_graph_is_solved_iteratively_with_the_exact_spectrum():
    """A random 4-regular graph fills its LU (no ordering keeps it sparse), so its Jacobian
    is solved by GMRES and its spectrum found by Arnoldi on J. The rightmost eigenvalues and
    the unstable count against dense eig of the assembled 800 x 800 matrix: the isolated
    leading value to 1e-10, the next (edge of the bulk) to the Arnoldi tolerance 1e-3."""
    model = random_network_model(800)
    problem = EquilibriumProblem(model)
    found = cp.equilibria(model)
    assert [e.n_unstable for e in found] == [0, 1, 0]
    for e in found:
        u = e.micro.ravel()  # no macro variables
        J = problem.jacobian(u)
        assert J.iterative
        dense = np.sort(np.linalg.eigvals(J.toarray()).real)[::-1]
        assert abs(e.eigenvalues[0].real - dense[0]) < 1e-10
        assert abs(e.eigenvalues[1].real - dense[1]) < 1e-3 * abs(dense[1])
        assert e.n_unstable == np.sum(dense > 1e-9)
        x = e.micro[0, 0]  # uniform: x = tanh((J + K) x + h)
        assert np.allclose(e.micro, x, atol=1e-10) and abs(np.tanh(1.5 * x + 0.1) - x) < 1e-12


def test_continuation_on_a_random_graph_by_gmres():
    """Folds of the uniform branch: (J + K) s = 1, h = ±(artanh x - (J + K) x), x² = 1 - 1/(J
    + K); the GMRES residual 1e-10 bounds the error of the located folds (1e-8)."""
    diagram = cp.continuation(random_network_model(800), "h", (-0.5, 0.5))
    x = np.sqrt(1 - 1 / 1.5)
    h = np.arctanh(x) - 1.5 * x
    assert np.allclose(sorted(p.param for p in diagram.folds()), sorted([-h, h]), atol=1e-8)
    assert not diagram.points("branch")


def test_fold_curve_of_a_ring():
    """The folds of the uniform branch in (h, J): J s = 1 with s = 1 - x², so x² = 1 - 1/J
    and h = ±(artanh x - J x); every point of both curves to 1e-8 (the corrector's
    tolerance, well above round-off)."""
    model = cp.Model(name="ring", parameters={"J": 1.5, "h": 0.0},
                     micro=cp.ODE({"x": "-x + tanh(J*seen + h)"}, initial={"x": 0.0}),
                     aggregates={"L": cp.Local("x")}, context={"seen": "L"},
                     network=cp.ring_lattice(11, 2), population=11)
    curve = cp.fold_curve(model, "h", "J", (-0.5, 0.5), (1.3, 1.7), shade=False)
    assert curve.status == 0 and len(curve.curves) == 2
    for points in curve.curves:
        h, J = points[:, 0], points[:, 1]
        x = np.sqrt(1 - 1 / J)
        assert np.max(np.abs(np.abs(h) - (J * x - np.arctanh(x)))) < 1e-8
        assert J.min() < 1.31 and J.max() > 1.69


def test_a_network_has_no_mean_field_population():
    with pytest.raises(cp.DeclarationError, match="network needs a finite population"):
        cp.equilibria(ring(11, 1.0, 0.0), population="mean-field")
