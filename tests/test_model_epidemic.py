r"""The ``epidemic`` model: SIR final size and peak (Kermack & McKendrick 1927), the micro
(Markov) and macro (S-I-R) forms agreeing, saturated incidence (Capasso & Serio 1978), and
risk-averse contact lowering the peak.

Deterministic runs use DOP853 at rtol 1e-10, so their results are good to ~1e-9; the
closed forms of Kermack & McKendrick are the limit of a vanishing initial infected share,
and the runs start from 1e-9, which moves the final size by about
1e-9/(1 - R0 S_∞) < 1e-8. Tolerance 1e-7 for both. The peak is located as the event
dI/dt = 0, i.e. R0 κ S/(1 + k I) = 1, on the solver's dense output.
"""

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import expit, lambertw

import coupling as cp

TIGHT = {"method": "DOP853", "rtol": 1e-10, "atol": 1e-13}
PEAK = {"peak": cp.Event("R0*kappa*S/(1 + k*I) - 1", direction=-1)}


def outbreak(model, t_end=60, **options):
    """The final size R(t_end) and the located peak prevalence of a mean-field run."""
    run = cp.simulate(model, t_end=t_end, events=PEAK, **{**TIGHT, **options})
    return run, run["R"][-1] + run["I"][-1], run.events["peak"]["I"][0]


@pytest.mark.parametrize("R0", [1.8, 2.5, 4.0])
def test_kermack_mckendrick_final_size_and_peak(R0):
    """r_∞ = 1 + W(-R0 e^{-R0})/R0 and I_max = 1 - (1 + ln R0)/R0 (tolerance 1e-7)."""
    model = cp.load("epidemic", behaviour=False, infected=1e-9, R0=R0)
    _, final, peak = outbreak(model)
    assert final == pytest.approx(1 + lambertw(-R0 * np.exp(-R0)).real / R0, abs=1e-7)
    assert peak == pytest.approx(1 - (1 + np.log(R0)) / R0, abs=1e-7)


def test_micro_and_macro_forms_agree():
    """Constant contact: the master equation of the Markov individuals and the macro S-I-R
    are the same equations (integrator tolerance, 1e-8 here). With behaviour, the macro
    form's contact choice follows the prevalence with the lag τ of its revisions,
    κ(t) ≈ κ(I(t - τ)), which moves the prevalence by O(τ): tolerance τ max I (the
    difference measured at τ = 0.01 is 0.39 τ max I, linear in τ down to τ = 1e-3)."""
    t = np.linspace(0, 40, 41)
    micro = cp.simulate(cp.load("epidemic", behaviour=False), t_end=40, t_eval=t, **TIGHT)
    macro = cp.simulate(cp.load("epidemic", form="macro", behaviour=False), t_end=40,
                        t_eval=t, **TIGHT)
    for name in ("S", "I", "R"):
        np.testing.assert_allclose(macro[name], micro[name], atol=1e-8)
    tau = 0.01
    micro = cp.simulate(cp.load("epidemic"), t_end=40, t_eval=t, **TIGHT)
    macro = cp.simulate(cp.load("epidemic", form="macro", tau=tau), t_end=40, t_eval=t,
                        method="BDF", rtol=1e-8, atol=1e-11)  # stiff: contact rate 1/τ
    for name in ("S", "I", "R"):
        np.testing.assert_allclose(macro[name], micro[name], atol=tau * micro["I"].max())


def test_finite_population_final_size():
    r"""N = 4000 Markov individuals from 1 % infected (a major outbreak for sure: extinction
    has probability ~ (1/R0)^40): the final size within 4 standard errors
    sqrt(r(1-r)/N) of the mean-field value, widened by the feedback factor
    1/(1 - R0 S_∞) of the final-size relation (1.37 at R0 = 2.5)."""
    n = 4000
    model = cp.load("epidemic", behaviour=False, infected=0.01)
    _, mean_field, _ = outbreak(model, t_end=30)
    run = cp.simulate(model, population=n, seed=7, t_end=30, dt=0.05, t_eval=[0, 30])
    final = run["R"][-1] + run["I"][-1]
    gain = 1 / (1 - 2.5 * (1 - mean_field))
    assert abs(final - mean_field) < 4 * gain * np.sqrt(mean_field * (1 - mean_field) / n)


def test_saturated_incidence_first_integral():
    r"""Incidence βSI/(1 + kI): along the orbit I = C S^m - S/(1 - m) - ρ/m (ρ = 1/R0,
    m = kρ), so the final size solves it at I = 0 and the peak is where it meets
    S = ρ(1 + kI). R0 = 3, k = 2 (m = 2/3); tolerance 1e-7."""
    R0, k, i0 = 3.0, 2.0, 1e-6
    rho = 1 / R0
    m = k * rho
    s0 = 1 - i0
    C = (i0 + s0 / (1 - m) + rho / m) / s0**m

    def orbit(s):
        return C * s**m - s / (1 - m) - rho / m

    s_end = brentq(orbit, 1e-9, rho)  # the root below the threshold S = ρ
    s_peak = brentq(lambda s: orbit(s) - (s / rho - 1) / k, rho, s0)
    model = cp.load("epidemic", behaviour=False, infected=i0, R0=R0, k=k)
    _, final, peak = outbreak(model, t_end=80)
    assert final == pytest.approx(1 - s_end, abs=1e-7)
    assert peak == pytest.approx((s_peak / rho - 1) / k, abs=1e-7)


def test_behaviour_lowers_the_peak():
    r"""Risk-averse contact κ(I) = c + (1 - c) Λ(u0 - a I): at the peak R0 κ(I) S = 1 with
    S < 1, so the peak stays below I_c where κ(I_c) = 1/R0 (closed form), and below the
    constant-contact peak 1 - (1 + ln R0)/R0. The located peak is the maximum of the run
    (a grid of 0.02 time units never exceeds it by more than 1e-9)."""
    R0, a, u0, c = 2.5, 100.0, 4.0, 0.3
    run, _, peak = outbreak(cp.load("epidemic"), t_end=80, t_eval=np.linspace(0, 80, 4001))
    _, _, no_behaviour = outbreak(cp.load("epidemic", behaviour=False), t_end=80)
    i_c = (u0 - np.log((1 / R0 - c) / (1 - 1 / R0))) / a  # Λ(u0 - a I_c) = (1/R0 - c)/(1 - c)
    assert expit(u0 - a * i_c) * (1 - c) + c == pytest.approx(1 / R0)
    assert run["I"].max() <= peak + 1e-9
    assert peak < i_c < no_behaviour
