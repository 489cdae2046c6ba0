r"""Kuramoto oscillators with Lorentzian frequencies (``kuramoto``): the Ott–Antonsen branch.

Signatures (Kuramoto 1975; Strogatz 2000, Physica D 143, eq. 5.12; Ott & Antonsen 2008,
Chaos 18, eqs. 12-14): synchronisation sets in at K_c = 2Δ, and above it the order
parameter is r = sqrt(1 - 2Δ/K). The reduction ż = -Δz + (K/2)(z - z̄z²) has the incoherent
state z = 0 with the double eigenvalue K/2 - Δ, and for K > 2Δ a circle of equilibria
|z| = r with eigenvalues 0 (along the circle) and -(K - 2Δ).
"""

import numpy as np
import pytest

import coupling as cp

DELTA = 0.75


def kuramoto(**values):
    return cp.load("kuramoto", Delta=DELTA, **values)


def oa_radius(K):
    return np.sqrt(1 - 2 * DELTA / K)


def test_equilibria_of_the_reduction():
    """Synchronised circle: r* = sqrt(1 - 2Δ/K) to 1e-10 (Newton tolerance 1e-12), one
    neutral direction, the rotation (-z_im, z_re)/r (to 1e-8), the radial eigenvalue
    -(K - 2Δ) to 1e-8; incoherent state: the double eigenvalue K/2 - Δ > 0 (1e-10)."""
    K = 3.0
    found = cp.equilibria(kuramoto(K=K), quadrature="off", starts=8)  # no traits
    synced = [e for e in found if np.hypot(e["X_cos"], e["X_sin"]) > 1e-6]
    incoherent = [e for e in found if np.hypot(e["X_cos"], e["X_sin"]) <= 1e-6]
    assert len(synced) == 1 and len(incoherent) == 1
    (sync,), (zero,) = synced, incoherent
    x, y = sync["X_cos"], sync["X_sin"]
    r = np.hypot(x, y)
    assert r == pytest.approx(oa_radius(K), abs=1e-10)
    assert sync.stable and sync.neutral == 1
    assert abs(sync.tangent[0] @ np.array([-y, x]) / r) == pytest.approx(1, abs=1e-8)
    eig = np.sort(sync.eigenvalues.real)
    np.testing.assert_allclose(eig, [-(K - 2 * DELTA), 0.0], atol=1e-8)
    np.testing.assert_allclose(zero.eigenvalues.real, [K / 2 - DELTA] * 2, atol=1e-10)
    assert not zero.stable and zero.n_unstable == 2


def test_continuation_finds_kc_on_the_fixed_phase_reduction():
    """On the invariant line ψ = 0 (``fixed_phase=True``): branch points at K_c = 2Δ (1e-8)
    on both branches; the synchronised branch is r = sqrt(1 - 2Δ/K) to 1e-8 and stable, the
    incoherent one stable below K_c and unstable above."""
    diagram = cp.continuation(cp.load("kuramoto", fixed_phase=True, Delta=DELTA), "K",
                              (1.0, 2.5))
    points = [p for p in diagram.points("branch") if p.status == "converged"]
    assert len(points) == 2
    for p in points:
        assert p.param == pytest.approx(2 * DELTA, abs=1e-8)
    synced = max(diagram.branches, key=lambda b: np.max(diagram.observable(b, "X_cos")))
    K, r = synced.param, np.abs(diagram.observable(synced, "X_cos"))
    above = K > 2 * DELTA + 1e-3
    np.testing.assert_allclose(r[above], oa_radius(K[above]), atol=1e-8)
    assert synced.stable[above].all()
    zero = next(b for b in diagram.branches if b is not synced)
    assert zero.stable[zero.param < 2 * DELTA - 1e-3].all()
    assert not zero.stable[zero.param > 2 * DELTA + 1e-3].any()


@pytest.mark.parametrize("N", [500, 2000])
def test_finite_population_approaches_the_oa_radius(N):
    """Time-averaged r over 8 < t < 20 (after the growth from r(0) = O(1/√N) at rate
    K/2 - Δ) within 3/√N of sqrt(1 - 2Δ/K) at K = 4.

    The tolerance: the sampled frequencies have an effective width Δ(1 + O(√(2/N)))
    (the asymptotic sd of a Cauchy scale estimate is Δ√(2/N)), so r moves by
    dr/dΔ · Δ√(2/N) = Δ√2/(K r √N) ≈ 0.3/√N (one sd at these values), plus the positive
    bias of the drifting oscillators' incoherent sum, at most 1/√N; 4 sd plus that bias is
    below 2.3/√N, rounded up to 3/√N. The integration (rtol 1e-4) moves the average by
    < 1e-4."""
    K = 4.0
    run = cp.simulate(kuramoto(K=K), 20, population=N, seed=3, method="RK45", rtol=1e-4,
                      atol=1e-7, n_points=121)
    r = np.hypot(run.aggregates[:, 0], run.aggregates[:, 1])
    assert r[0] < 5 / np.sqrt(N)  # started incoherent
    assert abs(r[run.t > 8].mean() - oa_radius(K)) < 3 / np.sqrt(N)


def bimodal_incoherent_eigenvalues(K, omega0):
    """λ = K/4 - Δ ± sqrt(K²/16 - ω0²): the incoherent state of the bimodal reduction."""
    root = np.sqrt(complex(K**2 / 16 - omega0**2))
    return np.array([K / 4 - DELTA + root, K / 4 - DELTA - root])


def ordered(values):
    """Eigenvalues sorted by real, then imaginary part, each rounded to 1e-9."""
    return values[np.lexsort((np.round(values.imag, 9), np.round(values.real, 9)))]


@pytest.mark.parametrize("omega0", [0.5, 1.5])
def test_bimodal_incoherent_spectrum(omega0):
    """Bimodal frequencies (Lorentzians at ±ω0): the incoherent state of the full
    two-population reduction (z₁, z₂) has λ = K/4 - Δ ± sqrt(K²/16 - ω0²), each twice (the
    modes with Z ≠ 0 and their conjugates), to 1e-10."""
    K = 2.0
    found = cp.equilibria(kuramoto(K=K, omega0=omega0), quadrature="off", starts=1)
    (zero,) = [e for e in found if np.hypot(e["X_cos"], e["X_sin"]) < 1e-8]
    expected = bimodal_incoherent_eigenvalues(K, omega0)
    np.testing.assert_allclose(ordered(zero.eigenvalues), ordered(np.repeat(expected, 2)),
                               atol=1e-10)


def incoherent_branch(omega0, interval):
    """Continuation in K on the symmetric manifold z₂ = z̄₁ (``fixed_phase=True``) of the
    incoherent state, from the low end of ``interval``."""
    model = cp.load("kuramoto", fixed_phase=True, omega0=omega0, Delta=DELTA, K=interval[0])
    start = cp.equilibria(model, starts=1)
    assert len(start) == 1 and start[0].stable
    return cp.continuation(model, "K", interval, start=start)


def test_bimodal_pitchfork_below_omega0_equal_delta():
    """ω0 < Δ: the incoherent state loses stability in a pitchfork (branch point) at
    K = 2(Δ² + ω0²)/Δ (= 2/(π g(0)), Kuramoto's threshold for this g) to 1e-8, with no
    Hopf point before it (the pair is real there: K²/16 > ω0²)."""
    omega0 = 0.5 * DELTA
    diagram = incoherent_branch(omega0, (1.7, 2.1))
    (point,) = diagram.points("branch")
    assert point.status == "converged"
    assert point.param == pytest.approx(2 * (DELTA**2 + omega0**2) / DELTA, abs=1e-8)
    assert not diagram.points("hopf")


def test_bimodal_hopf_above_omega0_equal_delta():
    """ω0 > Δ: the incoherent state loses stability at K = 4Δ in a Hopf point (to 1e-8)
    with frequency sqrt(ω0² - K²/16) = sqrt(ω0² - Δ²) (1e-8); the branch point at
    K = 2(Δ² + ω0²)/Δ lies beyond, outside the interval."""
    omega0 = 2 * DELTA
    diagram = incoherent_branch(omega0, (2.8, 3.2))
    (hopf,) = diagram.points("hopf")
    assert hopf.status == "converged"
    assert hopf.param == pytest.approx(4 * DELTA, abs=1e-8)
    assert hopf.data["omega"] == pytest.approx(np.sqrt(omega0**2 - DELTA**2), abs=1e-8)
    assert not diagram.points("branch")
