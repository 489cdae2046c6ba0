"""Time series of a simulated run."""

import numpy as np

from ._common import _axes


def plot_trajectory(trajectory, variables=None, *, ax=None, label=None, **kwargs):
    """Time series of a :class:`~coupling.Trajectory`.

    Parameters
    ----------
    variables : sequence of str, optional
        Observables to draw (default: macro variables, then aggregates).
    ax : matplotlib Axes, optional
        Draw into these axes (several trajectories can share one).
    label : str, optional
        Appended to each variable's legend entry, e.g. ``"m (N = 1000)"``.
    **kwargs
        Passed to ``ax.plot``.
    """
    ax = _axes(ax)
    tr = trajectory
    names = list(variables) if variables is not None else list(tr.macro_names
                                                                + tr.aggregate_names)
    population = f"N = {tr.population}" if tr.population != "mean-field" else "mean-field"
    suffix = f" ({label})" if label else ""
    for name in names:
        ax.plot(tr.t, tr[name], label=name + suffix, **kwargs)
    _mark_schedule(tr, ax)
    for jump in tr.jumps:
        ax.axvline(jump["t"], color="0.4", lw=0.8, ls=":")
    ax.set_xlabel("period" if tr.time == "discrete" else "time")
    if not ax.get_title():
        ax.set_title(tr.model if label else f"{tr.model} ({population})")
    if names:
        ax.legend(loc="best", frameon=False)
    return ax


def _mark_schedule(tr, ax):
    """Shade parameter regimes and label the changes of scheduled parameters."""
    if not tr.scheduled_names or tr.t.size < 2:
        return
    values = tr.scheduled
    changes = np.flatnonzero(np.any(np.diff(values, axis=0) != 0, axis=1)) + 1
    if changes.size > 8:  # a ramp, not regimes: too many changes to label
        return
    for i in changes:
        ax.axvline(tr.t[i], color="0.3", lw=1.0, ls="--")
        label = ", ".join(f"{n}={values[i, j]:g}" for j, n in enumerate(tr.scheduled_names))
        ax.annotate(label, (tr.t[i], 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -12), textcoords="offset points", fontsize=8, color="0.3")
