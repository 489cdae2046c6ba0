"""Cross-level inference: individuals, group means and the lines fitted at each level."""

import numpy as np

from ._common import _axes


def plot_cross_level(result, *, ax=None, units=True):
    """A :class:`~coupling.CrossLevel`: the units (faint, ``units=True``), the group means
    (area proportional to group size), each group's line with the within slope over its
    mean ± one standard deviation of its covariate, and the pooled and ecological lines over
    the range of the data (of the within lines with ``units=False``). Colours follow the
    rank of the groups' mean covariate. Returns the Axes."""
    import matplotlib.pyplot as plt

    ax = _axes(ax)
    r = result
    order = np.argsort(np.argsort(r.mean_x))
    colours = plt.get_cmap("viridis")(order / max(r.n_groups - 1, 1))
    if units:
        ax.scatter(r.x, r.y, s=4, c=colours[r.group_index], alpha=0.25, lw=0,
                   rasterized=True, label="units")
    spread = np.sqrt(np.bincount(r.group_index, (r.x - r.mean_x[r.group_index]) ** 2)
                     / r.sizes)
    _within_lines(ax, r, colours, spread)
    ax.scatter(r.mean_x, r.mean_y, s=10 + 90 * r.sizes / r.sizes.max(), c=colours,
               edgecolors="black", linewidths=0.6, zorder=3, label="group means")
    span = (np.array([r.x.min(), r.x.max()]) if units else
            np.array([np.min(r.mean_x - spread), np.max(r.mean_x + spread)]))
    for name, style in (("pooled", {"color": "tab:red", "ls": "--"}),
                        ("ecological", {"color": "black", "ls": "-"})):
        s = r.slopes[name]
        ax.plot(span, s["intercept"] + s["estimate"] * span, lw=2, zorder=4, **style,
                label=f"{name} slope {s['estimate']:+.3f} (se {s['se']:.3f})")
    correlations = r.correlations
    ax.set(xlabel=f"covariate {r.covariate}", ylabel=f"outcome {r.outcome}",
           title=f"{r.source}: individual r = {correlations['individual']['estimate']:+.3f}, "
                 f"ecological r = {correlations['ecological']['estimate']:+.3f}")
    if units:  # the bulk of the units, not their extremes
        lo, hi = np.quantile(r.y, [0.01, 0.99])
        ax.set_ylim(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def _within_lines(ax, r, colours, spread):
    """One segment per group through its means with the within slope, over its mean
    ± ``spread`` (its standard deviation of the covariate)."""
    slope = r.slopes["within"]["estimate"]
    if not np.isfinite(slope):
        return
    lo, hi = r.mean_x - spread, r.mean_x + spread
    for g in range(r.n_groups):
        xs = np.array([lo[g], hi[g]])
        ax.plot(xs, r.mean_y[g] + slope * (xs - r.mean_x[g]), color=colours[g], lw=1.4,
                alpha=0.9, label=f"within slope {slope:+.3f} "
                                 f"(se {r.slopes['within']['se']:.3f})" if g == 0 else None)
