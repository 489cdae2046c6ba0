"""Matplotlib figures, one module per use. Every function takes ``ax=`` (``axes=`` where the
figure has several panels) and returns what it drew on; none recomputes an analysis."""

from ._bifurcation import plot_diagram, plot_fold_curve
from ._common import _axes  # noqa: F401  (shared with the figures drawn elsewhere)
from ._regimes import plot_regime_break
from ._timescales import plot_phase_plane, plot_timescale_errors
from ._trajectory import plot_trajectory

__all__ = ["plot_diagram", "plot_fold_curve", "plot_phase_plane", "plot_regime_break",
           "plot_timescale_errors", "plot_trajectory"]
