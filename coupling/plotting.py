"""Matplotlib figures. Every function takes ``ax=`` and returns the Axes it drew on."""

import numpy as np


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    return ax


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


_MARKERS = {"fold": ("o", "tab:red", "LP"), "hopf": ("s", "tab:purple", "H"),
            "branch": ("D", "tab:green", "BP"), "flip": ("v", "tab:orange", "PD"),
            "neimark-sacker": ("^", "tab:brown", "NS")}


def plot_diagram(diagram, observable=None, *, ax=None):
    """Bifurcation diagram of a :class:`~coupling.BifurcationDiagram`.

    Stable equilibria are solid lines, unstable ones dashed; folds (LP), Hopf points (H) and
    branch points (BP) are marked and labelled.
    """
    ax = _axes(ax)
    name = observable or (diagram.aggregate_names + diagram.macro_names)[0]
    for i, branch in enumerate(diagram.branches):
        values = diagram.observable(branch, name)
        for stable, style in ((True, "-"), (False, "--")):
            masked = np.where(branch.stable == stable, values, np.nan)
            # join each run to its neighbour so the curve has no gaps at stability changes
            edges = np.flatnonzero(np.diff(branch.stable.astype(int)) != 0)
            for e in edges:
                if branch.stable[e] == stable:
                    masked[e + 1] = values[e + 1]
                else:
                    masked[e] = values[e]
            ax.plot(branch.param, masked, style, color="black", lw=1.6 if stable else 1.0,
                    label=("stable" if stable else "unstable") if i == 0 else None)
    for point in diagram.special_points:
        marker, color, text = _MARKERS[point.kind]
        ax.plot(point.param, point.state[name], marker, color=color, ms=6, zorder=3)
        ax.annotate(text, (point.param, point.state[name]), xytext=(5, 5),
                    textcoords="offset points", fontsize=8, color=color)
    ax.set_xlabel(diagram.parameter)
    ax.set_ylabel(name)
    ax.set_title(f"{diagram.model}: equilibria of {name} against {diagram.parameter}")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_fold_curve(curve, *, ax=None, shade=True, grid=15, **options):
    """Fold curves in the (p1, p2) plane; cusps and Bogdanov–Takens points marked.

    With ``shade=True`` the plane is shaded by the number of equilibria, counted on a
    ``grid`` x ``grid`` lattice (``options`` go to :func:`~coupling.equilibria`).
    """
    ax = _axes(ax)
    p1, p2 = curve.parameters
    if shade:
        from matplotlib.colors import BoundaryNorm

        xs, ys, counts = curve.equilibrium_counts(grid, **options)
        present = np.unique(counts)  # one colour band per count that occurs
        index = np.searchsorted(present, counts)
        cells = ax.pcolormesh(xs, ys, index, shading="nearest", cmap="Blues", alpha=0.6,
                              norm=BoundaryNorm(np.arange(present.size + 1) - 0.5, 256))
        bar = ax.figure.colorbar(cells, ax=ax, ticks=np.arange(present.size))
        bar.set_ticklabels([str(c) for c in present])
        bar.set_label("number of equilibria (grid cells)")
    color = "tab:red" if curve.kind == "fold" else "tab:purple"
    for i, points in enumerate(curve.curves):
        ax.plot(points[:, 0], points[:, 1], color=color, lw=1.8,
                label=f"{curve.kind} curve" if i == 0 else None)
    for point in curve.special_points:
        ax.plot(point.param, point.data["p2"], "k*", ms=10, zorder=3)
        ax.annotate({"cusp": "CP", "bt": "BT"}[point.kind], (point.param, point.data["p2"]),
                    xytext=(6, -10), textcoords="offset points")
    (a0, a1), (b0, b1) = curve.bounds
    ax.set(xlim=(a0, a1), ylim=(b0, b1), xlabel=p1, ylabel=p2,
           title=f"{curve.kind} points in ({p1}, {p2})")
    ax.legend(loc="upper left", frameon=False)
    return ax
