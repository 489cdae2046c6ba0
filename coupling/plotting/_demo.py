"""The figures of ``coupling demo``, drawn from the results the demo computed: five
two-panel figures and the three panels of the regime test, titled (a) to (k) as in the
demo's summary. Each function returns the Figure."""

import numpy as np

from ._common import _panels
from ._simulation import plot_delay_scaling

TWO_PANELS = (12, 4.5)
"""Size of the two-panel figures (inches)."""
LEGEND = {"framealpha": 0.95, "edgecolor": "none"}


def blues(n):
    """``n`` blues from light to dark (small to large populations or spreads)."""
    from matplotlib import colormaps

    return colormaps["Blues"](np.linspace(0.4, 0.9, n))


def _two_panels():
    left, right = _panels(None, (1, 2), TWO_PANELS)
    return left.figure, left, right


def trajectories_figure(limit, runs, pushes):
    """(a) Finite populations (``runs``, one Trajectory per N) approach the mean-field
    ``limit``; (b) temporary policy pushes, ``pushes`` a list of (label, Trajectory, line
    style), the schedule of the last one marked."""
    figure, left, right = _two_panels()
    for run, color in zip(runs, blues(len(runs))):
        left.plot(run.t, run["m"], color=color, lw=0.9, label=f"N = {run.population:,}")
    left.plot(limit.t, limit["m"], color="black", lw=2, ls="--", label="mean field")
    left.set(xlabel="time", ylabel="mean choice m",
             title="(a) finite populations approach the mean-field limit")
    left.legend(loc="lower right", frameon=False)
    for label, run, style in pushes:
        right.plot(run.t, run["m"], label=label, **style)
    pushes[-1][1].plot([], ax=right)  # the schedule changes, labelled with the last run's
    right.axhline(0.0, color="0.7", lw=0.6)
    right.set(ylabel="mean choice m", title="(b) a temporary policy push: recovery or tipping")
    right.legend(loc="center right", **LEGEND)
    return figure


def bifurcation_figure(diagram, sigma, pushes, diagrams):
    """(c) The equilibria of m against h at taste spread ``sigma``, the bistable range
    between the folds shaded and the ``pushes`` ({h: colour}) of (b) marked; (d) the
    ``diagrams`` ({sigma: BifurcationDiagram}) of several spreads on one axes."""
    figure, left, right = _two_panels()
    diagram.plot("m", ax=left)
    folds = sorted(point.param for point in diagram.folds())
    if len(folds) > 1:
        left.axvspan(folds[0], folds[-1], color="tab:orange", alpha=0.15,
                     label="bistable: hysteresis")
    for push, color in pushes.items():
        left.axvline(push, color=color, lw=1.0, ls=":", label=f"push h = {push:g} of (b)")
    left.axhline(0.0, color="0.7", lw=0.6)
    left.set(xlabel="field h", ylabel="mean choice m",
             title=f"(c) equilibria against the field h (σ = {sigma:g})")
    left.legend(loc="upper left", **LEGEND)
    for (spread, each), color in zip(diagrams.items(), blues(len(diagrams))):
        folds = sorted(point.param for point in each.folds())
        width = f"width {folds[-1] - folds[0]:.3f}" if len(folds) > 1 else "no hysteresis"
        _draw_branches(right, each, "m", f"σ = {spread:g}: {width}", color=color)
        for point in each.folds():
            right.plot(point.param, point.state["m"], "o", color=color, ms=5)
    right.plot([], [], "-", color="0.3", label="stable")
    right.plot([], [], "--", color="0.3", label="unstable (dots: folds)")
    right.axhline(0.0, color="0.7", lw=0.6)
    right.set(xlabel="field h", ylabel="mean choice m",
              title="(d) taste heterogeneity σ shrinks the hysteresis loop")
    right.legend(loc="upper left", **LEGEND)
    return figure


def _draw_branches(ax, diagram, name, label, **style):
    """The branches of ``diagram`` in one style, under one legend ``label``: stable parts
    solid, unstable ones dashed."""
    for branch in diagram.branches:
        values = diagram.observable(branch, name)
        for stable, line in ((True, "-"), (False, "--")):
            runs = (branch.stable == stable).astype(int)
            near = np.convolve(runs, [1, 1, 1], mode="same") > 0  # runs meet at a change
            ax.plot(branch.param, np.where(near, values, np.nan), line,
                    lw=1.8 if stable else 1.0, label=label, **style)
            label = None


def fold_curve_figure(curve, cusp, widths, diagram_widths):
    """(e) The fold curve in (h, sigma), the plane shaded by the number of equilibria, the
    ``cusp`` marked; (f) the hysteresis width against sigma: ``widths`` = (sigmas, widths)
    read off the fold curve below the cusp, and ``diagram_widths`` ({sigma: width}) of the
    one-parameter continuations of (d)."""
    figure, left, right = _two_panels()
    (h_lo, h_hi), (lo, hi) = curve.bounds
    sigma_c = cusp.data["p2"]
    curve.plot(ax=left)
    left.axhline(sigma_c, color="black", lw=0.8, ls="--", label=f"cusp CP: σ_c = {sigma_c:.3f}")
    left.text((h_lo + h_hi) / 2, (sigma_c + hi) / 2,
              "σ > σ_c: one equilibrium for every h,\nno hysteresis", ha="center", va="center")
    left.text((h_lo + h_hi) / 2, 0.25 * sigma_c, "3 equilibria:\nbistable", ha="center",
              va="center", color="white")
    left.set(xlabel="field h", ylabel="taste spread σ",
             title="(e) the folds of m in (h, σ) meet at a cusp")
    left.legend(loc="center left", **LEGEND)
    right.plot(*widths, color="tab:red", lw=1.8, label="from the fold curve (e)")
    right.plot([sigma_c, hi], [0.0, 0.0], color="tab:red", lw=1.8)
    right.axvspan(sigma_c, hi, color="0.9", label="σ > σ_c: no hysteresis")
    right.axvline(sigma_c, color="black", lw=0.8, ls="--")
    right.plot(sigma_c, 0.0, "k*", ms=10, zorder=4, clip_on=False)
    right.annotate("CP", (sigma_c, 0.0), xytext=(-22, 6), textcoords="offset points")
    for i, ((sigma, width), color) in enumerate(zip(diagram_widths.items(),
                                                     blues(len(diagram_widths)))):
        right.plot(sigma, width, "o", color=color, ms=7, mec="black", zorder=3,
                   label="continuations in h of (d)" if i == 0 else None)
    right.set(xlim=(lo, hi), ylim=(-0.01, None), xlabel="taste spread σ",
              ylabel="hysteresis width in h (between the folds)",
              title="(f) the hysteresis loop closes at the cusp σ_c")
    right.legend(loc="upper right", **LEGEND)
    return figure


def hysteresis_figure(loop, scan):
    """(g) The loop swept by simulation at one rate over the continuation; (h) the delay of
    the jumps after the folds against the ramp rate, over the loops of ``scan``."""
    figure, left, right = _two_panels()
    loop.plot(ax=left)
    left.set(xlabel="field h", ylabel="mean choice m",
             title=f"(g) h swept up and back at rate {loop.rate:g}: a loop of width "
                   f"{loop.width:.3f}")
    left.legend(loc="upper left", **LEGEND)
    plot_delay_scaling(scan.scaling, ax=right)
    right.set_title("(h) the jumps lag the folds by δ ∝ r^(2/3)")
    return figure


def timescales_figure(comparison):
    """(i) The fast–slow phase plane of a relaxation oscillation; (j) the full model's
    distance to its slow reduction against eps."""
    figure, left, right = _two_panels()
    comparison.plot_phase_plane(ax=left)
    left.set_title("(i) relaxation oscillation on the critical manifold")
    comparison.plot_errors(ax=right)
    right.set_title("(j) full against reduced: O(eps) before the first fold")
    return figure


def regime_figure(result, title):
    """(k) The three panels of a regime-break test, the first titled ``title``."""
    axes = result.plot(axes=_panels(None, (3, 1), (10, 10)))
    axes[0].set_title(title)
    return axes[0].figure
