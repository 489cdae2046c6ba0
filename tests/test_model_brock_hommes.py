r"""Brock & Hommes (1997), the cobweb model with rational versus naive predictors: the
period-doubling point β* = (2/C) artanh(B/b), the 2-cycle amplitude beyond it, the route to
chaos, and a finite population of logit choosers against the mean field.

Defaults b = 1.35, B = 1, C = 1 (b/B = 1.35): β* = 2 artanh(1/1.35) = 1.904237...
"""

import numpy as np
import pytest

import coupling as cp

B_OVER_b = 1 / 1.35
BETA_STAR = 2 * np.arctanh(B_OVER_b)  # C = 1
MODEL = cp.load("brock-hommes", beta=1.0)  # compiled once; variants share the code


def two_cycle_amplitude(beta, b=1.35, C=1.0):
    """p̄ of the symmetric 2-cycle ±p̄: m = -B/b on it, so β(2b p̄² - C)/2 = -artanh(B/b)."""
    return np.sqrt((C - 2 / beta * np.arctanh(B_OVER_b)) / (2 * b))


def test_steady_state_flips_at_the_closed_form_beta_star():
    """Continuation of the mean-field map in β: the steady state (p = 0,
    m* = -tanh(βC/2)) loses stability through a multiplier -1 exactly where m* = -B/b.
    The flip is located by bisection on det(G' + I) along the branch, polished to the
    arithmetic's precision: tolerance 1e-9 relative."""
    diagram = cp.continuation(MODEL, "beta", (1.0, 3.0))
    flips = [p for p in diagram.special_points if p.kind == "flip"]
    assert len(flips) == 1 and flips[0].status == "converged"
    assert flips[0].param == pytest.approx(BETA_STAR, rel=1e-9)
    assert flips[0].state["m"] == pytest.approx(-B_OVER_b, abs=1e-9)
    assert flips[0].state["lag"] == pytest.approx(0.0, abs=1e-12)
    branch = diagram.branches[0]
    below = branch.param < BETA_STAR - 1e-6
    np.testing.assert_allclose(branch.aggregates[below, 0],
                               -np.tanh(branch.param[below] / 2), atol=1e-10)
    assert np.all(branch.stable[below]) and not np.any(branch.stable[branch.param
                                                                     > BETA_STAR + 1e-6])


@pytest.mark.parametrize("beta", [2.0, 3.0])
def test_two_cycle_amplitude_matches_the_closed_form(beta):
    """Past β* the mean-field map settles on the 2-cycle ±p̄ with m = -B/b. After 600
    periods the transient has decayed by exp(600 λ) with λ ≤ -0.3 per period here (the
    orbit diagram's exponent), far below the 1e-9 tolerance."""
    run = cp.simulate(MODEL.with_parameters(beta=beta), t_end=600)
    p = run["p"][-4:]
    np.testing.assert_allclose(np.abs(p), two_cycle_amplitude(beta), rtol=1e-9)
    assert p[-1] == pytest.approx(-p[-2], rel=1e-9)
    np.testing.assert_allclose(run["m"][-4:], -B_OVER_b, atol=1e-9)


def test_route_to_chaos_in_the_orbit_diagram():
    """The orbit diagram in β: period 1 below β*, period 2 just above, period 4 after the
    2-cycle's own period doubling (near β = 5.7), and a chaotic attractor (aperiodic, with
    a positive largest Lyapunov exponent) at β = 10. Each value starts from p_{-1} = 0.1."""
    betas = [1.5, 2.5, 6.5, 10.0]
    diagram = cp.orbit_diagram(MODEL, "beta", betas, "p", transient=300, keep=200,
                               follow=False)
    assert diagram.periods.tolist() == [1, 2, 4, 0]
    assert np.all(diagram.lyapunov[:3] < 0) and diagram.lyapunov[3] > 0.1
    np.testing.assert_allclose(np.abs(diagram.points[1]), two_cycle_amplitude(2.5),
                               rtol=1e-8)


def test_finite_population_matches_the_mean_field_steady_state():
    """N = 400 producers choosing by logit every period at β = 1 (stable steady state).
    Once the price has settled at p* = 0 the choices of different periods are independent
    draws with P(rational) = n₁* = (1 - tanh(βC/2))/2, so the realised m = 2 n₁ - 1
    averaged over T = 200 periods has the standard error 2 sqrt(n₁*(1 - n₁*)/(N T));
    tolerance 4 of them. The price itself converges (every realised multiplier
    -b n₂/(B + b n₁) stays below 1 in modulus with these fluctuations): |p| < 1e-6."""
    beta, N, T = 1.0, 400, 200
    run = cp.simulate(MODEL.with_parameters(beta=beta), t_end=100 + T - 1, population=N,
                      seed=3)
    settled = slice(100, None)
    n1 = (1 - np.tanh(beta / 2)) / 2
    stderr = 2 * np.sqrt(n1 * (1 - n1) / (N * T))
    assert np.mean(run["m"][settled]) == pytest.approx(2 * n1 - 1, abs=4 * stderr)
    assert np.max(np.abs(run["p"][settled])) < 1e-6
    # the fluctuations are those of a binomial share: sd 2 sqrt(n1 (1 - n1) / N), within
    # 30 % (the sample sd of T = 200 draws has a relative error of about 1/sqrt(2T) = 5 %)
    assert np.std(run["m"][settled]) == pytest.approx(2 * np.sqrt(n1 * (1 - n1) / N),
                                                      rel=0.3)


def test_beta_is_required():
    with pytest.raises(cp.DeclarationError, match="intensity of choice") as info:
        cp.load("brock-hommes")
    assert info.value.symbol == "beta"
