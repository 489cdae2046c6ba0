"""Fast/slow comparisons: phase plane, errors against ε, spectra."""

import numpy as np

from ._common import _axes, _panels


def plot_timescales(comparison, *, axes=None):
    """Two panels of a :class:`~coupling.TimescaleComparison`: the fast–slow phase plane (or,
    for a model without exactly one macro variable, the first aggregate over time) and the
    errors against ε. Returns the two Axes."""
    left, right = axes = _panels(axes, (1, 2), (13, 4.8))
    if len(comparison.reduced.macro_names) == 1 and comparison.reduced.aggregate_names:
        plot_phase_plane(comparison, ax=left)
    else:
        _plot_runs(comparison, left)
    plot_timescale_errors(comparison, ax=right)
    return axes


def _plot_runs(comparison, ax):
    """The first aggregate of each full run and of the reduced run over time."""
    reduced = comparison.reduced
    name = reduced.names[0]
    for run, eps, color in zip(comparison.full, comparison.eps,
                               _eps_colors(comparison.eps.size)):
        ax.plot(run.t, run[name], color=color, lw=1.0, label=f"full, ε = {eps:g}")
    ax.plot(reduced.t, reduced[name], color="black", lw=1.4, label="reduced (ε → 0)")
    ax.set(xlabel="time", ylabel=name, title=f"{comparison.model}: full against reduced")
    ax.legend(loc="best", frameon=False, fontsize=8)


def plot_phase_plane(comparison, *, ax=None, aggregate=None):
    """Fast–slow phase plane of a :class:`~coupling.TimescaleComparison`: the macro variable
    across, an aggregate up; the critical manifold (attracting solid, repelling dashed) with
    its folds (LP), the reduced run with its jumps (dotted), and each full run."""
    ax = _axes(ax)
    cmp, reduced = comparison, comparison.reduced
    name = aggregate or reduced.aggregate_names[0]
    slow = reduced.macro_names[0]
    if cmp.manifold is not None:
        for branch in cmp.manifold.branches:
            values = cmp.manifold.observable(branch, name)
            for attracting, style in ((True, "-"), (False, "--")):
                keep = branch.stable == attracting
                # extend each piece by one point so the curve is unbroken at the folds
                keep[1:] |= keep[:-1] & (branch.stable[1:] != attracting)
                ax.plot(branch.param, np.where(keep, values, np.nan), style, color="0.55",
                        lw=3.0 if attracting else 1.5, zorder=1,
                        label=("critical manifold, attracting" if attracting else
                               "critical manifold, repelling")
                        if branch is cmp.manifold.branches[0] else None)
        for i, point in enumerate(cmp.manifold.folds()):
            ax.plot(point.param, point.state[name], "o", color="tab:red", ms=6, zorder=4,
                    label="fold" if i == 0 else None)
    colors = _eps_colors(cmp.eps.size)
    for run, eps, color in zip(cmp.full, cmp.eps, colors):
        ax.plot(run[slow], run[name], color=color, lw=1.0, zorder=2, label=f"full, ε = {eps:g}")
    y, x = reduced[slow].copy(), reduced[name].copy()
    for jump in reduced.jumps:  # break the line at each jump; draw the jump dotted
        i = int(np.searchsorted(reduced.t, jump["t"]))
        if 0 < i < x.size:
            x[i - 1] = np.nan
        ymac = jump["macro"][slow]
        ax.plot([ymac, ymac], [jump["before"][name], jump["after"][name]], ":", color="black",
                lw=1.2, zorder=3)
    ax.plot(y, x, color="black", lw=1.4, zorder=3, label="reduced (ε → 0)")
    ax.set_xlabel(f"{slow} (slow, macro)")
    ax.set_ylabel(f"{name} (fast, aggregate)")
    ax.set_title(f"{cmp.model}: fast–slow phase plane")
    low, high = ax.get_ylim()  # headroom for the legend above the curves
    ax.set_ylim(low, high + 0.4 * (high - low))
    ax.legend(loc="upper center", ncol=2, frameon=False, fontsize=8)
    return ax


def plot_timescale_errors(comparison, *, ax=None):
    """Sup-norm error of the full runs against the reduced one, against ε (log-log), with
    the fitted slopes, an O(ε) reference line and the integration accuracy below which an
    error measures the solver (such errors are left out of the fits)."""
    ax = _axes(ax)
    cmp = comparison
    for kind, errors, order, marker in (
            ("macro", cmp.error_macro, cmp.order_macro, "o"),
            ("aggregates", cmp.error_aggregates, cmp.order_aggregates, "s")):
        ok = np.isfinite(errors) & (errors > 0)
        if not np.any(ok):
            continue
        slope = f"slope {order:.2f}" if np.isfinite(order) else "no slope fitted"
        line, = ax.loglog(cmp.eps[ok], errors[ok], marker + "-", label=f"{kind} ({slope})")
        ax.axhline(cmp.accuracy[kind], color=line.get_color(), ls="--", lw=0.8,
                   label=f"{kind}: integration accuracy")
    ok = np.isfinite(cmp.error_macro) & (cmp.error_macro > 0)
    if np.any(ok):
        e0, err0 = cmp.eps[ok][0], cmp.error_macro[ok][0]
        ax.loglog(cmp.eps[ok], err0 * cmp.eps[ok] / e0, ":", color="0.5", label="O(ε)")
    for e, separated in zip(cmp.eps, cmp.separated):
        if not separated:
            ax.axvspan(e / 1.3, e * 1.3, color="tab:red", alpha=0.12, lw=0)
    ax.set_xlabel("ε")
    ax.set_ylabel("max error past the initial layer")
    ax.set_title(f"{cmp.model}: full against reduced"
                 + (" (red: separation fails)" if not np.all(cmp.separated) else ""))
    ax.legend(loc="best", frameon=False)
    return ax


def _eps_colors(n):
    import matplotlib

    cmap = matplotlib.colormaps["viridis"]
    return [cmap(0.15 + 0.7 * i / max(n - 1, 1)) for i in range(n)]


def plot_spectrum(diagnostics, *, ax=None):
    """The fast and slow eigenvalues of a :class:`~coupling.TimescaleDiagnostics` in the
    complex plane (real part on a symmetric log scale: the fast ones are O(1/ε))."""
    ax = _axes(ax)
    for values, marker, label in ((diagnostics.fast, "o", "fast (J_xx)"),
                                  (diagnostics.slow, "s", "slow (Schur complement)")):
        values = values[np.isfinite(values)]
        ax.plot(values.real, values.imag, marker, ls="none", mfc="none", label=label)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xscale("symlog", linthresh=1e-3)
    ax.set(xlabel="Re λ", ylabel="Im λ",
           title=f"fast and slow eigenvalues (declared ε = {diagnostics.eps:g})")
    ax.legend(loc="best", frameon=False)
    return ax
