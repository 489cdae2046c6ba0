"""Matplotlib figures, one module per use. Every function takes ``ax=`` (``axes=`` where the
figure has several panels) and returns what it drew on; none recomputes an analysis."""

from ._bifurcation import plot_diagram, plot_equilibria, plot_fold_curve
from ._cross_level import plot_cross_level
from ._figures import plot_hysteresis_rates
from ._orbits import plot_orbit_diagram
from ._regimes import plot_break_test, plot_regime_break
from ._simulation import (plot_attractors, plot_delay_scaling, plot_early_warning,
                          plot_hysteresis, plot_path_dependence, plot_replicate_early_warning)
from ._sweeps import plot_regime_map, plot_sweep
from ._timescales import plot_phase_plane, plot_spectrum, plot_timescale_errors, plot_timescales
from ._trajectory import plot_trajectory

__all__ = ["plot_attractors", "plot_break_test", "plot_cross_level", "plot_delay_scaling",
           "plot_diagram", "plot_early_warning", "plot_equilibria", "plot_fold_curve",
           "plot_hysteresis", "plot_hysteresis_rates", "plot_orbit_diagram",
           "plot_path_dependence", "plot_phase_plane", "plot_regime_break",
           "plot_regime_map", "plot_sweep",
           "plot_replicate_early_warning", "plot_spectrum", "plot_timescale_errors",
           "plot_timescales", "plot_trajectory"]
