"""Sweeps over grids, and regime maps of the (p1, p2) plane."""

import numpy as np

from ._common import _axes


def plot_sweep(sweep, name=None, *, ax=None):
    """Output ``name`` of a :class:`~coupling.Sweep` averaged over the replicates: over a
    one-parameter grid a line with every replicate's value as a dot, over two a colour map
    (p1 across, p2 up), over a list of points the value per point."""
    ax = _axes(ax)
    name = sweep.names[0] if name is None else name
    values, mean = sweep[name], sweep.mean(name)
    if values.ndim > len(sweep.dims):
        raise ValueError(f"output {name!r} is an array per task; plot a scalar output, one of "
                         f"{[n for n in sweep.names if sweep[n].ndim == len(sweep.dims)]}")
    grid_dims = sweep.dims[:-1]
    model = sweep.provenance.get("model", "")
    if len(grid_dims) == 1:
        x = np.asarray(sweep.coords[grid_dims[0]], dtype=float)
        if values.shape[-1] > 1:
            ax.plot(np.repeat(x, values.shape[-1]), values.ravel(), ".", color="0.6", ms=3,
                    label="replicates")
        ax.plot(x, mean, "o-", color="tab:blue", ms=4, label="mean over replicates"
                if values.shape[-1] > 1 else None)
        ax.set(xlabel=grid_dims[0], ylabel=name, title=f"{model}: {name} ({sweep.task})")
        if values.shape[-1] > 1:
            ax.legend(loc="best", frameon=False)
    elif len(grid_dims) == 2:
        p1, p2 = grid_dims
        mesh = ax.pcolormesh(sweep.coords[p1], sweep.coords[p2], mean.T, shading="nearest",
                             cmap="viridis")
        ax.figure.colorbar(mesh, ax=ax, label=name)
        ax.set(xlabel=p1, ylabel=p2, title=f"{model}: {name} ({sweep.task})")
    else:
        raise ValueError(f"plot draws grids of one or two parameters; this one has "
                         f"{len(grid_dims)}: select a slice with to_xarray()")
    return ax


#: Colour of each regime of a regime map.
REGIME_COLORS = {"none": "0.85", "steady": "#c6dbef", "multistable": "#fdae6b",
                 "oscillating": "#a1d99b", "oscillating and steady": "#dadaeb"}


def plot_regime_map(regimes, *, ax=None, curves=True):
    """The cells of a :class:`~coupling.RegimeMap` coloured by regime, with the number of
    stable states written where it exceeds two, and the fold (red) and Hopf (purple)
    curves from continuation over them."""
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    ax = _axes(ax)
    labels = list(REGIME_COLORS)
    index = np.vectorize(labels.index)(regimes.regime)
    x, y = regimes.values
    ax.pcolormesh(x, y, index.T, shading="nearest", vmin=-0.5, vmax=len(labels) - 0.5,
                  cmap=ListedColormap(list(REGIME_COLORS.values())))
    step = max(1, max(index.shape) // 12)
    for i in range(0, index.shape[0], step):
        for j in range(0, index.shape[1], step):
            if regimes.stable[i, j] > 2:
                ax.text(x[i], y[j], str(regimes.stable[i, j]), ha="center", va="center",
                        fontsize=7, color="0.25")
    handles = [Patch(color=REGIME_COLORS[k], label=k) for k in labels
               if np.any(regimes.regime == k)]
    if curves:
        for kind, color in (("fold", "tab:red"), ("hopf", "tab:purple")):
            for n, points in enumerate(regimes.curves.get(kind, [])):
                ax.plot(points[:, 0], points[:, 1], color=color, lw=1.8,
                        label=f"{kind} curve" if n == 0 else None)
        for point in regimes.special_points:
            ax.plot(point.param, point.data["p2"], "k*", ms=9, zorder=3)
    lines, names = ax.get_legend_handles_labels()
    ax.legend(handles=handles + lines, loc="upper left", frameon=True, fontsize=8,
              framealpha=0.85)
    p1, p2 = regimes.parameters
    ax.set(xlim=(x[0] - (x[1] - x[0]) / 2, x[-1] + (x[-1] - x[-2]) / 2),
           ylim=(y[0] - (y[1] - y[0]) / 2, y[-1] + (y[-1] - y[-2]) / 2),
           xlabel=f"parameter {p1}", ylabel=f"parameter {p2}",
           title=f"{regimes.model}: regimes in the plane ({p1}, {p2})")
    return ax
