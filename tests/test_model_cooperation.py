r"""The cooperation catalogue model: Axelrod's TFT–ALLD threshold in w, the bistability of
the TFT–ALLD edge, and a finite imitating population against the replicator mean field.

Closed forms (see the model's docstring): the repeated-game payoffs A (Axelrod 1984, ch. 3);
TFT resists ALLD iff w >= w_c = (T − R)/(T − P) (Axelrod 1984, Proposition 2, against ALLD;
Axelrod & Hamilton 1981); on the TFT–ALLD edge the basin boundary
x* = (P − S)(1 − w)/((P − S)(1 − w) + w(T − P) − (T − R)) in the TFT share. The analyses
run on the edge model ``strategies=("ALLD", "TFT")``, an invariant face of the simplex.
"""

import numpy as np
import pytest
from scipy import integrate

import coupling as cp

AXELROD = {"T": 5.0, "R": 3.0, "P": 1.0, "S": 0.0}
OTHER = {"T": 5.0, "R": 4.0, "P": 1.0, "S": 0.0}  # w_c = 1/4
BOX = {"share_ALLD": (0.0, 1.0)}


def payoff_matrix(T, R, P, S, w):
    """Rows and columns ALLC, ALLD, TFT: the expected payoffs of the repeated game."""
    return np.array([[R / (1 - w), S / (1 - w), R / (1 - w)],
                     [T / (1 - w), P / (1 - w), T + w * P / (1 - w)],
                     [R / (1 - w), S + w * P / (1 - w), R / (1 - w)]])


def critical_w(T, R, P, S):
    return (T - R) / (T - P)


def basin_boundary(T, R, P, S, w):
    """x*, the TFT share where π_TFT = π_ALLD on the TFT–ALLD edge."""
    return (P - S) * (1 - w) / ((P - S) * (1 - w) + w * (T - P) - (T - R))


def edge_eigenvalue(payoffs, w, x):
    """x(1 − x) g'/Δ (ε = 1): the replicator's eigenvalue along the TFT–ALLD edge at a rest
    point with TFT share x, g' = d(π_TFT − π_ALLD)/dx = [(P − S)(1 − w) + w(T − P) − (T − R)]
    /(1 − w) (vectorised over w)."""
    T, R, P, S = (payoffs[k] for k in "TRPS")
    slope = ((P - S) * (1 - w) + w * (T - P) - (T - R)) / (1 - w)
    return x * (1 - x) * slope * (1 - w) / (T - S)


def edge(**params):
    return cp.load("cooperation", strategies=("ALLD", "TFT"), **params)


def test_payoffs_are_the_repeated_game_closed_forms():
    """The context the units see at t = 0, for shares x = (0.2, 0.5, 0.3): π = A x with
    Axelrod's closed forms (TFT vs TFT R/(1−w), ALLD vs TFT T + wP/(1−w), TFT vs ALLD
    S + wP/(1−w), ALLD vs ALLD P/(1−w), ...), π̄ = x·π and Δ = (T − S)/(1 − w), to rounding."""
    w = 0.8
    x = np.array([0.2, 0.5, 0.3])
    run = cp.simulate(cp.load("cooperation", w=w), t_end=1.0, n_points=2,
                      initial={"strategy": x}, method="RK45", atol=1e-13)
    pi = payoff_matrix(**AXELROD, w=w) @ x
    seen = np.array([run[f"pi_{k}"][0] for k in ("ALLC", "ALLD", "TFT")])
    np.testing.assert_allclose(seen, pi, rtol=1e-13)
    assert run["pi_mean"][0] == pytest.approx(x @ pi, rel=1e-13)
    assert run["Delta"][0] == pytest.approx(5.0 / (1 - w), rel=1e-13)
    np.testing.assert_allclose([run["x_ALLC"][0], run["x_ALLD"][0], run["x_TFT"][0]], x,
                               atol=1e-15)


@pytest.mark.parametrize("payoffs", [AXELROD, OTHER], ids=["axelrod", "R=4"])
def test_tft_resists_alld_iff_w_is_above_the_critical_value(payoffs):
    """Continuation in w of the edge: the all-TFT branch (share_ALLD = 0) is stable above and
    unstable below one branch point, located at w_c = (T − R)/(T − P) to 1e-9 (it is a
    transcritical crossing, located to the walker's tolerance). The interior rest point's
    branch ends there on share_ALLD = 0 (it leaves the simplex; its own branch-point guess
    brackets w_c), and below w_c no interior rest point exists. Along it x* is the closed
    form to the corrector's residual tolerance 1e-11 divided by the edge eigenvalue λ(x*)
    (the residual's derivative; it vanishes at the branch point, where the error is
    largest: 1e-8 at 1e-9 from w_c)."""
    w_c = critical_w(**payoffs)
    diagram = cp.continuation(edge(**payoffs), "w", (w_c - 0.2, w_c + 0.3), bounds=BOX)
    points = [p for p in diagram.special_points if p.kind == "branch"]
    # on the all-TFT branch, converged; seen from the interior branch (which ends on the
    # bound there) a guess or, where its corrector converges, the same point to 1e-9
    converged = [p for p in points if p.status == "converged"]
    assert 1 <= len(converged) <= 2
    assert all(abs(p.param - w_c) < 1e-9 and abs(p.state["share_ALLD"]) < 1e-8
               for p in converged)
    assert all(p.interval[0] - 1e-8 < w_c < p.interval[1] + 1e-8 for p in points)
    (tft,) = [b for b in diagram.branches if np.all(np.abs(b.aggregates[:, 0]) < 1e-12)]
    assert np.all(tft.stable[tft.param > w_c + 1e-6])
    assert not np.any(tft.stable[tft.param < w_c - 1e-6])
    (interior,) = [b for b in diagram.branches
                   if np.any(b.aggregates[:, 0] > 1e-6)
                   and np.any(b.aggregates[:, 0] < 1 - 1e-6)]
    assert interior.param.min() == pytest.approx(w_c, abs=1e-8)
    w = interior.param
    x = basin_boundary(**payoffs, w=w)
    error = np.abs(1 - interior.aggregates[:, 0] - x)
    assert np.all(error * np.abs(edge_eigenvalue(payoffs, w, x)) < 1e-11)
    assert not np.any(interior.stable[w > w_c + 1e-6])


@pytest.mark.parametrize("w", [0.6, 0.75, 0.9])
def test_the_tft_alld_edge_is_bistable_with_the_closed_form_boundary(w):
    r"""cp.equilibria on the edge: all-ALLD stable, all-TFT stable, and between them x*
    (to 1e-12; a smooth scalar root) with one unstable eigenvalue. Eigenvalues against the
    replicator's linearisation (ε = 1, to 1e-10): (π_ALLD − π_TFT)/Δ at all-TFT,
    (π_TFT − π_ALLD)/Δ at all-ALLD, x*(1 − x*) g'/Δ at x*, with g' = d(π_TFT − π_ALLD)/dx.
    The remaining eigenvalue, −1, moves the two option probabilities off the simplex."""
    T, R, P, S = AXELROD.values()
    A = payoff_matrix(T, R, P, S, w)
    delta = (T - S) / (1 - w)
    x_star = basin_boundary(T, R, P, S, w)
    slope = (A[2, 2] - A[1, 2]) - (A[2, 1] - A[1, 1])  # g' along x_TFT
    expected = {0.0: (A[1, 2] - A[2, 2]) / delta,
                1 - x_star: x_star * (1 - x_star) * slope / delta,
                1.0: (A[2, 1] - A[1, 1]) / delta}
    found = cp.equilibria(edge(w=w))
    assert [e.n_unstable for e in found] == [0, 1, 0]
    for e, (share_alld, eigenvalue) in zip(found, expected.items()):
        assert abs(e["share_ALLD"] - share_alld) < 1e-12
        lead, fast = sorted(np.asarray(e.eigenvalues).real, reverse=True)
        assert lead == pytest.approx(eigenvalue, abs=1e-10) and fast == pytest.approx(-1.0)


def test_simulations_on_either_side_of_the_boundary_reach_different_outcomes():
    """At w = 0.75 (x* = 0.2): mean-field runs from x_TFT = x* ∓ 0.02 end at all-ALLD and at
    all-TFT (within 1e-3 after t = 400: the slowest rate is 0.05, from 0.02 off x* the
    escape at rate 0.04 takes ~60). In the full simplex, with a little ALLC added (3 %),
    the same two outcomes: x* is a saddle whose stable direction points to ALLC."""
    x_star = basin_boundary(**AXELROD, w=0.75)
    ends = []
    for x in (x_star - 0.02, x_star + 0.02):
        run = cp.simulate(edge(), t_end=400, initial={"strategy": [1 - x, x]},
                          method="RK45", atol=1e-13)
        ends.append(run["x_TFT"][-1])
        full = cp.simulate(cp.load("cooperation"), t_end=400, method="RK45", atol=1e-13,
                           initial={"strategy": [0.03, 0.97 * (1 - x), 0.97 * x]})
        ends.append(full["x_TFT"][-1] + full["x_ALLC"][-1])
    low_edge, low_full, high_edge, high_full = ends
    assert low_edge < 1e-3 and low_full < 1e-3
    assert high_edge > 1 - 1e-3 and high_full > 1 - 1e-3


def linear_noise(x0, t, N, w=0.75):
    r"""Mean and variance of the TFT share of N units on the edge (linear-noise
    approximation, van Kampen): drift f(x) = x(1 − x)(π_TFT − π_ALLD)/Δ (ε = 1); a reviser
    leaves ALLD for TFT with probability (1 − x) P_TFT and TFT for ALLD with x (1 − P_TFT), N
    revisions per unit time each moving x by 1/N, so the diffusion is
    D = [(1 − x) P_TFT + x (1 − P_TFT)]/N, and dV/dt = 2 f'(x) V + D; V(0) = x0(1 − x0)/N
    (the initial choices are drawn independently)."""
    T, R, P, S = AXELROD.values()
    A = payoff_matrix(T, R, P, S, w)
    delta = (T - S) / (1 - w)
    x_star = basin_boundary(T, R, P, S, w)
    slope = (A[2, 2] - A[1, 2]) - (A[2, 1] - A[1, 1])

    def field(_, v):
        x, var = v
        f = x * (1 - x) * slope * (x - x_star) / delta
        df = slope * (-3 * x * x + 2 * x * (1 + x_star) - x_star) / delta
        p = x + f
        return [f, 2 * df * var + ((1 - x) * p + x * (1 - p)) / N]

    sol = integrate.solve_ivp(field, (0, t[-1]), [x0, x0 * (1 - x0) / N], t_eval=t,
                              rtol=1e-10, atol=1e-13)
    return sol.y


def test_finite_imitating_population_follows_the_replicator_mean_field():
    r"""N = 2000 units on the edge from x_TFT = 0.5 (the default), dt = 0.05, against the
    engine's mean field at t = 5, 10, 20, 40: within 4 standard deviations of the linear-noise approximation
    (:func:`linear_noise`, sd 0.011 at t = 0 to ~0.003 as the share nears 1). Each step a unit
    revises with probability q = 1 − e^{−dt/ε} under the step's starting shares, so the
    expected shares follow the Euler map of the mean field with ε' = dt/q = 1.025 ε: the
    reference is the mean field at that ε'."""
    N, dt = 2000, 0.05
    times = np.array([0.0, 5.0, 10.0, 20.0, 40.0])
    eps_prime = dt / -np.expm1(-dt)
    agents = cp.simulate(edge(), t_eval=times, population=N, seed=3, dt=dt)
    mean_field = cp.simulate(edge().replace(timescale=eps_prime), t_eval=times, rtol=1e-10,
                             atol=1e-12)
    mean, var = linear_noise(0.5, times / eps_prime, N)
    np.testing.assert_allclose(mean_field["x_TFT"], mean, atol=1e-8)  # the two mean fields
    error = np.abs(agents["x_TFT"] - mean_field["x_TFT"])
    assert np.all(error < 4 * np.sqrt(var)), (error, np.sqrt(var))
    assert mean_field["x_TFT"][-1] > 0.99 and 4 * np.sqrt(var[0]) < 0.05


def test_strategies_option_selects_a_face_of_the_simplex():
    """Any two or three strategies, in any order or comma-separated; option values stay
    0, 1, 2 for ALLC, ALLD, TFT; anything else is refused naming the valid ones."""
    face = cp.load("cooperation", strategies="TFT, ALLD")
    assert face.micro.options == (1.0, 2.0) and list(face.aggregates) == ["share_ALLD"]
    for bad in [("TFT",), ("TFT", "GRIM"), ("TFT", "TFT")]:
        with pytest.raises(cp.ArgumentError, match="ALLC"):
            cp.load("cooperation", strategies=bad)


def test_the_full_simplex_runs_at_the_default_tolerances():
    """From the uniform start ALLD dies out (ALLC and TFT earn more against each other than
    ALLD does against them): the run must reach the ALLC–TFT edge without a tight atol."""
    run = cp.simulate(cp.load("cooperation"), t_end=200)
    assert run["share_ALLD"][-1] < 1e-6


def test_equilibria_of_the_full_simplex():
    """At w = 0.75 on the whole simplex: the TFT–ALLD saddle at x_TFT = x* = 1/5 (its
    unstable eigenvalue the edge's x*(1 − x*)g'/Δ = 0.04), all-ALLD stable, and the ALLC–TFT
    edge a line of rest points (one zero eigenvalue each: neutral). On it an ALLD invader
    earns c T/(1 − w) + (1 − c)(T + wP/(1 − w)) = 8 + 12c against the residents' R/(1 − w)
    = 12, so the line is stable for an ALLC share c < 1/3 and unstable above."""
    w = 0.75
    x_star = basin_boundary(**AXELROD, w=w)
    found = cp.equilibria(cp.load("cooperation", w=w))
    saddle = [e for e in found if abs(e["share_ALLD"] - (1 - x_star)) < 1e-9]
    alld = [e for e in found if abs(e["share_ALLD"] - 1) < 1e-9]
    line = [e for e in found if abs(e["share_ALLD"]) < 1e-9]
    assert len(saddle) == len(alld) == 1 and len(line) >= 2
    assert saddle[0].n_unstable == 1 and not saddle[0].neutral
    assert max(np.asarray(saddle[0].eigenvalues).real) == pytest.approx(
        edge_eigenvalue(AXELROD, w, x_star), abs=1e-10)
    assert alld[0].stable
    for e in line:
        assert e.neutral
        assert (e.n_unstable == 0) == (e["share_ALLC"] < 1 / 3)
    assert {e.n_unstable == 0 for e in line} == {True, False}  # both parts were found
