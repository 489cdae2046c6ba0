"""The example scripts run and show what the README says they show."""

import runpy
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_quickstart_policy_pulse_has_a_lasting_effect():
    """After the pulse the population stays on the upper branch; the N = 5000 run agrees
    with the mean field within 4 standard errors of a mean of 5000 choices near m = 0.98
    (sd sqrt(1 - m^2) / sqrt(N) = 0.0028, widened by the feedback factor <= 1.5)."""
    names = runpy.run_path(str(EXAMPLES / "quickstart.py"))
    mean_field, agents = names["mean_field"], names["agents"]
    m_mf, m_n = mean_field["m"][-1], agents["m"][-1]
    assert mean_field["h"][-1] == 0.0 and m_mf > 0.95
    assert abs(m_n - m_mf) < 4 * 1.5 * np.sqrt((1 - m_mf**2) / 5000)


def test_fast_slow_example_shows_first_order_convergence_and_the_period_law():
    """Before the first fold the full runs approach the reduced one at O(ε); the period
    exceeds the reduced one by O(ε^(2/3)) (delayed jumps at the folds)."""
    names = runpy.run_path(str(EXAMPLES / "fast_slow.py"))
    comparison, diagnostics = names["comparison"], names["diagnostics"]
    assert abs(comparison.order_macro - 1) < 0.1
    assert abs(comparison.order_period - 2 / 3) < 0.06
    assert comparison.folds.size == 7 and all(comparison.separated)
    assert diagnostics.attracting and diagnostics.ratio < diagnostics.eps


def test_policy_regime_example_shows_the_phillips_curve_break():
    """Slope -(1 - rho^2)/kappa: -1.92 under rho = 0.2, -0.38 under rho = 0.9; the reduced
    form of regime A forecasts regime B worse than the structural model."""
    result = runpy.run_path(str(EXAMPLES / "policy_regimes.py"))["result"]
    assert result.broke and result.ratio > 1.5
    assert abs(result.fit_before.coef[1] + 1.92) < 0.1
    assert abs(result.structural.coef[1] + 0.38) < 0.06
