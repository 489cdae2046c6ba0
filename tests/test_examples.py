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
