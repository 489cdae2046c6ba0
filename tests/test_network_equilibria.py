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
