"""Optimal-velocity traffic (Bando et al. 1995): the exact finite-ring stability criterion of
uniform flow, stop-and-go waves below it, and the flow-density diagram.

Tolerances. Uniform flow and its eigenvalues solve the circulant problem in closed form
(models/traffic.py): the computed ones agree to round-off (1e-9). The Hopf point is located by
continuation to the corrector tolerance; 1e-7 in a is well inside it and far below the gap
2 V'(b)(cos²(π/N) - cos²(2π/N)) ≈ 0.37 (N = 12) to the next mode. The simulation checks are
qualitative thresholds with wide margins: a jam has speeds near 0 and a speed variance of
order V(b)², against 1e-6 at the start.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

import coupling as cp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import traffic

N = 12


def closed_form(a, b, n):
    """Eigenvalues of uniform flow, modes m = 1 .. n - 1: λ(λ + a) = a V'(b)(e^{iθ} - 1)."""
    theta = 2 * np.pi * np.arange(1, n) / n
    slope = 1 / np.cosh(b - 2) ** 2
    root = np.sqrt(a * a + 4 * a * slope * (np.exp(1j * theta) - 1) + 0j)
    return np.concatenate([(-a + root) / 2, (-a - root) / 2])


@pytest.mark.parametrize("a, b", [(1.86, 2.0), (1.87, 2.0), (1.0, 2.6)])
def test_uniform_flow_stability_is_the_finite_ring_criterion(a, b):
    found = cp.equilibria(cp.load("traffic", n=N, a=a, b=b))
    (e,) = found
    assert np.allclose(e.micro[:, 0], b, atol=1e-10)
    assert np.allclose(e.micro[:, 1], traffic.optimal_velocity(b), atol=1e-10)
    lam = closed_form(a, b, N)
    assert e.n_unstable == np.sum(lam.real > 1e-12)
    assert e.stable == (a > traffic.critical_sensitivity(b, N))
    assert abs(e.eigenvalues[0].real - lam.real.max()) < 1e-9


@pytest.mark.parametrize("side", [-1, 1])
def test_finite_ring_correction_on_a_longer_road(side):
    """N = 100 cars (spectrum by Fourier modes): a_c = 2cos²(π/N) lies 1.97e-3 below the
    infinite-road 2V'(b) = 2. At a = a_c ∓ 5e-4 uniform flow has the pair m = 1, N - 1
    unstable or none, and the rightmost eigenvalue (real part ±4.9e-7, far above the 1e-9
    boundary convention) is the closed form to 1e-12. At a = a_c + 5e-4 < 2 the flow is
    stable on this ring though not on an infinite road."""
    n = 100
    a = traffic.critical_sensitivity(2.0, n) + side * 5e-4
    (e,) = cp.equilibria(cp.load("traffic", n=n, a=a))
    lam = closed_form(a, 2.0, n)
    assert e.n_unstable == (2 if side < 0 else 0) == np.sum(lam.real > 0)
    assert e.stable == (side > 0)
    assert abs(e.eigenvalues[0].real - lam.real.max()) < 1e-12
    assert abs(lam.real.max()) > 4e-7


def test_hopf_point_at_the_critical_sensitivity():
    diagram = cp.continuation(cp.load("traffic", n=N, a=1.5), "a", (1.6, 2.3))
    (hopf,) = [p for p in diagram.special_points if p.kind == "hopf"]
    assert abs(hopf.param - traffic.critical_sensitivity(2.0, N)) < 1e-7
    assert abs(hopf.data["omega"] - np.sin(2 * np.pi / N)) < 1e-7


def test_hopf_curves_in_sensitivity_and_headway_are_the_ring_modes():
    """cp.hopf_curve on the ring network: mode m loses stability on a = 2 V'(b) cos²(πm/N);
    in a >= 0.6 these are m = 1, 2, 3 (m = 4 peaks at a = 0.5). Every point to 1e-7, the
    corrector's tolerance."""
    curves = cp.hopf_curve(cp.load("traffic", n=N), "a", "b", (0.6, 3.0), (1.0, 3.0))
    assert curves.status == 0 and len(curves.curves) == 3
    peaks = []
    for points in curves.curves:
        a, b = points[:, 0], points[:, 1]
        ratio = a / (2 / np.cosh(b - 2) ** 2)
        assert np.ptp(ratio) < 1e-7
        peaks.append(ratio.mean())
    modes = np.cos(np.pi * np.arange(1, 4) / N) ** 2
    assert np.allclose(sorted(peaks), sorted(modes), atol=1e-7)


def test_stop_and_go_waves_below_the_critical_sensitivity():
    model = cp.load("traffic", n=20, a=1.0, perturbation=0.1)
    run = cp.simulate(model, 200.0, n_points=61, micro_snapshots=True)
    variance = np.asarray(run["speed_variance"])
    assert variance[0] < 1e-3 and variance[-1] > 0.1
    speeds = np.asarray(run.micro[-1])[:, 1]
    assert speeds.min() < 0.1 and speeds.max() > 1.5


def test_jammed_flow_is_below_the_uniform_flow():
    """At mean headways b = 2.2, 2.5 (the low-density side of the unstable band)."""
    for b in (2.2, 2.5):
        run = cp.simulate(cp.load("traffic", n=20, a=1.0, b=b), 200.0, n_points=21)
        uniform = traffic.optimal_velocity(b) / b
        assert run["flow"][-1] < uniform - 0.02
        assert abs(np.asarray(run["headway"])[-1] - b) < 1e-8
