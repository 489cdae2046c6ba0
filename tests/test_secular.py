"""Stability by the secular equation against dense numpy eigenvalues (n <= 400)."""

import numpy as np
import pytest
from scipy import optimize, sparse

import coupling as cp
from coupling._linalg import StructuredJacobian
from coupling.analysis.bifurcation._problem import EquilibriumProblem
from coupling.analysis.bifurcation._secular import (
    block_eigenvalues,
    count_unstable,
    leading_eigenvalues,
    polish,
    secular,
)

# Values returned are Newton-converged zeros of g (steps below 1e-12 relative) or block
# eigenvalues; dense eigenvalues of these well-conditioned random matrices carry errors of
# about 1e-14 ||J||. 1e-9 relative leaves room for the condition of the eigenvalues.
RTOL = 1e-9


def random_jacobian(rng, M, k, r, m, *, identical=False, coupling=1.0):
    """Blocks -I + 0.5 noise (all the same if `identical`), an O(coupling) rank-r term."""
    n = M * k + m
    noise = 0.5 * rng.standard_normal((1 if identical else M, k, k))
    A = np.broadcast_to(-np.eye(k) + noise, (M, k, k)).copy()
    U = coupling * rng.standard_normal((n, r))
    Vt = rng.standard_normal((r, n)) / np.sqrt(n)
    return StructuredJacobian(A, U, Vt, macro=rng.standard_normal((m, m)) - np.eye(m))


def shifted(J, s):
    """J + s I: every eigenvalue moves by s exactly."""
    return StructuredJacobian(J.A + s * np.eye(J.k), J.U, J.Vt,
                              macro=J.macro + s * np.eye(J.n_macro))


def as_map(J, f):
    """f (J + I) - I: the multipliers μ = λ + 1 scale by f."""
    return StructuredJacobian(f * (J.A + np.eye(J.k)) - np.eye(J.k), f * J.U, J.Vt,
                              macro=f * (J.macro + np.eye(J.n_macro)) - np.eye(J.n_macro))


def key(lam, discrete):
    return np.abs(lam + 1) if discrete else lam.real


def dense_count(eig, discrete):
    """The convention of EquilibriumProblem.count_unstable (all eigenvalues known)."""
    if discrete:
        mu = np.abs(eig + 1)
        return int(np.sum(mu > 1 + 1e-9 * max(1.0, mu.max())))
    return int(np.sum(eig.real > 1e-9 * max(1.0, np.abs(eig).max())))


def assert_leading(J, eig, count, discrete):
    values, n_unstable = leading_eigenvalues(J, count, discrete=discrete)
    assert n_unstable == dense_count(eig, discrete)
    assert values.size == min(count, eig.size)
    scale = np.maximum(1.0, np.abs(values))
    # every value is an eigenvalue, and the keys are the dense leading keys, in order
    assert np.all(np.min(np.abs(eig[None, :] - values[:, None]), axis=1) <= RTOL * scale)
    dense_keys = np.sort(key(eig, discrete))[::-1][:values.size]
    np.testing.assert_allclose(key(values, discrete), dense_keys, rtol=0, atol=RTOL * scale.max())
    assert np.all(np.diff(key(values, discrete)) <= 0)


def draw(seed):
    """A random structured J with an eigenvalue 1e-6 or 0.05 on either side of the axis."""
    rng = np.random.default_rng(seed)
    M, k, r, m = int(rng.integers(1, 120)), int(rng.integers(1, 4)), int(rng.integers(0, 5)), \
        int(rng.integers(0, 3))
    J = random_jacobian(rng, M, k, r, m, identical=seed % 3 == 0,
                        coupling=float(rng.uniform(0.1, 3)))
    eig = np.linalg.eigvals(J.toarray())
    complex_ones = eig[np.abs(eig.imag) > 1e-3]
    pool = complex_ones if complex_ones.size and seed % 2 else eig
    target = pool[rng.integers(pool.size)]
    return J, target, float(rng.choice([-1e-6, 1e-6, -0.05, 0.05]))


@pytest.mark.parametrize("seed", range(60))
def test_flows_match_dense(seed):
    J, target, gap = draw(seed)
    J = shifted(J, gap - target.real)  # the target eigenvalue now has Re = gap
    eig = np.linalg.eigvals(J.toarray())
    assert count_unstable(J) == dense_count(eig, False)
    assert_leading(J, eig, 6, False)


@pytest.mark.parametrize("seed", range(60, 100))
def test_maps_match_dense(seed):
    J, target, gap = draw(seed)
    if abs(target + 1) < 1e-3:
        target = 0.0
    J = as_map(J, (1 + gap) / abs(target + 1))  # the target multiplier now has |μ| = 1 + gap
    eig = np.linalg.eigvals(J.toarray())
    assert count_unstable(J, discrete=True) == dense_count(eig, True)
    assert_leading(J, eig, 6, True)


def test_several_unstable_complex_pairs_and_repeated_blocks():
    rng = np.random.default_rng(7)
    # rotating units (block eigenvalues near -0.3 ± 2i), strongly coupled: unstable pairs
    A = np.array([[-0.3, -2.0], [2.0, -0.3]]) + 0.2 * rng.standard_normal((150, 2, 2))
    n, r = 301, 4
    J = StructuredJacobian(A, 2 * rng.standard_normal((n, r)),
                           rng.standard_normal((r, n)) / np.sqrt(n), macro=[[-0.5]])
    eig = np.linalg.eigvals(J.toarray())
    n_unstable = dense_count(eig, False)
    assert n_unstable >= 6 and np.sum(np.abs(eig[eig.real > 0].imag) > 1e-3) >= 6
    assert count_unstable(J) == n_unstable
    assert_leading(J, eig, n_unstable + 4, False)
    # identical units, k = 1 and k = 3: block eigenvalues of multiplicity >= M - r stay
    for k, M in ((1, 400), (3, 130)):
        J = random_jacobian(rng, M, k, 3, 1, identical=True, coupling=2.0)
        micro = block_eigenvalues(J)[:-1]
        J = shifted(J, -np.max(micro.real) - 1e-6)  # the rightmost unit eigenvalue at -1e-6
        repeated = micro[np.argmax(micro.real)] - np.max(micro.real) - 1e-6
        eig = np.linalg.eigvals(J.toarray())
        assert np.sum(np.abs(eig - repeated) < 1e-8) >= M - 3
        assert count_unstable(J) == dense_count(eig, False)
        assert_leading(J, eig, 20, False)


def test_no_coupling_no_macro():
    rng = np.random.default_rng(3)
    J = StructuredJacobian(rng.standard_normal((50, 2, 2)), np.zeros((100, 0)),
                           np.zeros((0, 100)))  # r = 0, m = 0: J = P
    eig = np.linalg.eigvals(J.toarray())
    np.testing.assert_allclose(np.sort_complex(block_eigenvalues(J)), np.sort_complex(eig),
                               atol=1e-12)
    for discrete in (False, True):
        assert count_unstable(J, discrete=discrete) == dense_count(eig, discrete)
        assert_leading(J, eig, 6, discrete)
    np.testing.assert_array_equal(secular(J, [1.0, 2j]), [1.0, 1.0])


def test_secular_is_the_determinant_ratio():
    rng = np.random.default_rng(11)
    for k, r, m in ((1, 2, 1), (2, 3, 0), (3, 1, 2)):
        J = random_jacobian(rng, 40, k, r, m)
        dense, blocks = J.toarray(), block_eigenvalues(J)
        lam = rng.standard_normal(5) + 1j * rng.standard_normal(5)
        g = secular(J, lam.reshape(5, 1))
        assert g.shape == (5, 1)
        for z, gz in zip(lam, g[:, 0]):
            sign, logdet = np.linalg.slogdet(dense - z * np.eye(dense.shape[0]))
            # det(J - λ) = det(P - λ) g(λ), det(P - λ) = Π (λ_j - λ); 1e-10: sums of ~130 logs
            assert abs(np.log(abs(gz)) + np.sum(np.log(np.abs(blocks - z))) - logdet) < 1e-10
            phase = np.angle(gz) + np.sum(np.angle(blocks - z)) - np.angle(sign)
            assert abs(np.angle(np.exp(1j * phase))) < 1e-10


def test_polish_recovers_eigenvalues():
    rng = np.random.default_rng(5)
    J = random_jacobian(rng, 100, 2, 3, 1, coupling=2.0)
    eig, blocks = np.linalg.eigvals(J.toarray()), block_eigenvalues(J)
    # the eigenvalues farthest from the block spectrum: zeros of g, well separated
    far = np.min(np.abs(eig[:, None] - blocks[None, :]), axis=1)
    targets = eig[np.argsort(-far)[:3]]
    start = targets + 1e-3 * (1 + 1j)
    np.testing.assert_allclose(polish(J, start), targets, rtol=RTOL)
    assert polish(J, blocks[:2]).tolist() == blocks[:2].tolist()  # block eigenvalues: as given


def test_network_coupling_is_refused():
    J = StructuredJacobian(-np.ones((4, 1, 1)), np.zeros((4, 1)), np.zeros((1, 4)),
                           coupling=sparse.eye(4, format="csr"))
    with pytest.raises(ValueError, match="network"):
        count_unstable(J)


def slow_feedback_jacobian(c):
    """The Jacobian of the slow-feedback model (300 units, σ = 0.3) at its upper equilibrium.

    Units obey ε x_i' = -x_i + tanh(J X + a_i + y), so at rest x_i = tanh(J X + a_i + y) with
    y = (c - k X)/b: X solves a scalar self-consistency; Newton on the full system polishes.
    """
    problem = EquilibriumProblem(cp.load("slow-feedback"), 300, seed=1)
    problem.set_parameter("c", c)
    p, s = problem.system.params, problem.system
    a = s.traits["a"]

    def rest(X):
        return np.tanh(p["J"] * X + a + (c - p["k"] * X) / p["b"])

    X = optimize.brentq(lambda X: np.mean(rest(X)) - X, 0.3, 0.95)  # the only root
    y = (c - p["k"] * X) / p["b"]
    u, _, converged = problem.newton(s.pack(rest(X)[:, None], np.array([y])))
    assert converged
    return problem.jacobian(u)


@pytest.mark.parametrize("c, unstable", [(0.20, 2), (0.25, 2), (0.256, 0)])
def test_slow_feedback_model(c, unstable):
    # c_H ≈ 0.253 for σ = 0.3 (found by a scan of dense eigenvalues): an unstable pair of real
    # eigenvalues at 0.20, an unstable complex pair at 0.25, stable (complex pair) at 0.256
    J = slow_feedback_jacobian(c)
    eig = np.linalg.eigvals(J.toarray())
    assert dense_count(eig, False) == unstable
    assert count_unstable(J) == unstable
    assert_leading(J, eig, 6, False)
    values, _ = leading_eigenvalues(J, 2)
    assert (abs(values[0].imag) > 1) == (c > 0.24)  # the Hopf pair


def test_hundred_thousand_units():
    # symmetric J = -diag(a) + (ρ/N) 1 1ᵀ: g(λ) = 1 - (ρ/N) Σ 1/(a_i + λ) increases on λ > 0,
    # so there is one unstable eigenvalue iff g(0) < 0, the root of that scalar function
    rng = np.random.default_rng(0)
    N, rho = 100_000, 1.5
    a = rng.uniform(0.5, 2.0, N)
    ones = np.full((N, 1), np.sqrt(rho / N))
    J = StructuredJacobian(-a[:, None, None], ones, ones.T)
    assert 1 - rho * np.mean(1 / a) < 0
    assert count_unstable(J) == 1
    values, n_unstable = leading_eigenvalues(J, 1)
    root = optimize.brentq(lambda z: 1 - rho * np.mean(1 / (a + z)), 0, rho)
    assert n_unstable == 1 and abs(values[0] - root) < 1e-10


def test_coupling_below_round_off_leaves_the_blocks_in_the_spectrum():
    """Identical blocks -10 coupled by a residue of size ~1e-100 (a saturated logit): the
    coupled eigenvalue is -10 to far below round-off. It used to be sought as a zero of g
    next to its pole, and the count beyond -10.01 came up one short (ArithmeticError)."""
    rng = np.random.default_rng(2)
    n = 400
    J = StructuredJacobian(np.full((n, 1, 1), -10.0), 1e-100 * rng.standard_normal((n, 2)),
                           rng.standard_normal((2, n)) / n)
    values, n_unstable = leading_eigenvalues(J, 6)
    assert n_unstable == 0
    np.testing.assert_array_equal(values, np.full(6, -10.0))


def test_maps_whose_units_reset_every_period():
    """Blocks -1 (multiplier 0: a unit's state is reset each period) plus a rank-2 coupling:
    M - 2 multipliers are 0 to round-off and two are the eigenvalues of the coupling. The
    verification circle used to be put inside that round-off cluster."""
    rng = np.random.default_rng(4)
    n = 400
    J = StructuredJacobian(np.full((n, 1, 1), -1.0), rng.standard_normal((n, 2)),
                           0.5 * rng.standard_normal((2, n)) / np.sqrt(n))
    eig = np.linalg.eigvals(J.toarray())
    values, n_unstable = leading_eigenvalues(J, 6, discrete=True)
    assert n_unstable == dense_count(eig, True)
    top = np.sort(np.abs(eig + 1))[::-1]
    # the two coupled multipliers to RTOL; the rest are zero multipliers, |μ| < 1e-13
    np.testing.assert_allclose(np.abs(values[:2] + 1), top[:2], rtol=RTOL)
    assert np.all(np.abs(values[2:] + 1) < 1e-13)


def test_non_finite_jacobians_are_refused_by_name():
    J = StructuredJacobian(-np.ones((200, 1, 1)), np.full((200, 1), np.nan), np.ones((1, 200)))
    with pytest.raises(ValueError, match="NaN or infinite entries in its U"):
        leading_eigenvalues(J)
