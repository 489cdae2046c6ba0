"""Bifurcation diagrams and two-parameter curves."""

import numpy as np

from ._common import _axes


_MARKERS = {"fold": ("o", "tab:red", "LP"), "hopf": ("s", "tab:purple", "H"),
            "branch": ("D", "tab:green", "BP"), "flip": ("v", "tab:orange", "PD"),
            "neimark-sacker": ("^", "tab:brown", "NS"), "singular-hopf": ("s", "tab:pink", "SH"),
            "missed": ("X", "tab:gray", "?")}


def plot_equilibria(found, *, ax=None):
    """The :class:`~coupling.Equilibria` in the plane of the first two coupling variables
    (the first one against the leading eigenvalue's real part if there is one variable):
    filled markers stable, open unstable, squares for families of neutral equilibria."""
    ax = _axes(ax)
    if not found:
        return ax
    names = [*found[0].aggregates, *found[0].macro]
    for e in found:
        x = e[names[0]]
        y = e[names[1]] if len(names) > 1 else e.eigenvalues[0].real
        ax.plot(x, y, "s" if e.neutral else "o", color="C0" if e.stable else "C3",
                fillstyle="full" if e.stable else "none", markersize=8)
    ax.set_xlabel(names[0])
    ax.set_ylabel(names[1] if len(names) > 1 else "Re(leading eigenvalue)")
    return ax


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
    ax.set_xlabel(f"parameter {diagram.parameter}")
    ax.set_ylabel(f"{name} at equilibrium")
    ax.set_title(f"{diagram.model}: equilibria of {name} against {diagram.parameter}")
    ax.legend(loc="best", frameon=False)
    return ax


def plot_fold_curve(curve, *, ax=None, shade=True):
    """Fold or Hopf curves in the (p1, p2) plane; cusps and Bogdanov–Takens points marked.

    With ``shade=True`` (fold curves traced with ``shade``) the regions the curves bound
    are shaded by their number of equilibria, as counted when the curves were traced: the
    plot computes nothing.
    """
    ax = _axes(ax)
    p1, p2 = curve.parameters
    (a0, a1), (b0, b1) = curve.bounds
    regions = getattr(curve, "regions", None)
    if shade and regions is not None:
        from matplotlib.colors import BoundaryNorm

        present = np.unique(regions.counts)  # one colour band per count that occurs
        index = np.searchsorted(present, regions.counts)
        cells = ax.imshow(index, origin="lower", extent=(a0, a1, b0, b1), aspect="auto",
                          cmap="Blues", alpha=0.6, interpolation="nearest",
                          norm=BoundaryNorm(np.arange(present.size + 1) - 0.5, 256))
        bar = ax.figure.colorbar(cells, ax=ax, ticks=np.arange(present.size))
        bar.set_ticklabels([str(c) for c in present])
        bar.set_label("number of equilibria")
    color = "tab:red" if curve.kind == "fold" else "tab:purple"
    for i, points in enumerate(curve.curves):
        ax.plot(points[:, 0], points[:, 1], color=color, lw=1.8,
                label=f"{curve.kind} curve" if i == 0 else None)
    for point in curve.special_points:
        ax.plot(point.param, point.data["p2"], "k*", ms=10, zorder=3)
        ax.annotate({"cusp": "CP", "bt": "BT"}[point.kind], (point.param, point.data["p2"]),
                    xytext=(6, -10), textcoords="offset points")
    ax.set(xlim=(a0, a1), ylim=(b0, b1), xlabel=f"parameter {p1}", ylabel=f"parameter {p2}",
           title=f"{curve.model}: {curve.kind} points in the plane ({p1}, {p2})")
    ax.legend(loc="upper left", frameon=False)
    return ax
