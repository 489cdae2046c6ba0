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
    the fitted slopes and an O(ε) reference line."""
    ax = _axes(ax)
    cmp = comparison
    for errors, order, label, marker in (
            (cmp.error_macro, cmp.order_macro, "macro", "o"),
            (cmp.error_aggregates, cmp.order_aggregates, "aggregates", "s")):
        ok = np.isfinite(errors) & (errors > 0)
        if not np.any(ok):
            continue
        ax.loglog(cmp.eps[ok], errors[ok], marker + "-", label=f"{label} (slope {order:.2f})")
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


def plot_regime_break(result, *, axes=None, window=80):
    """Three panels of a :class:`~coupling.RegimeBreak`: the dependent variable over the run
    with the regimes shaded; the first ``window`` rows after the switch, realised against
    the reduced-form forecast and the structural prediction; recursive estimates of each
    slope with ±2 standard-error bands. Returns the three Axes."""
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(3, 1, figsize=(9, 9.5), layout="constrained")
    top, middle, bottom = axes
    r, run = result, result.trajectory
    dependent = r.reduced_form.split("~")[0].strip()
    after = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k}: {v}"
                      for k, v in r.after.items())
    before = ", ".join(f"{k} = {v:g}" if isinstance(v, float) else f"{k}: {v}"
                       for k, v in r.before.items())
    top.plot(run.t, run[dependent], color="0.3", lw=0.7)
    top.axvspan(run.t[0], r.switch_at, color="tab:blue", alpha=0.08, label=f"regime A: {before}")
    top.axvspan(r.switch_at, run.t[-1], color="tab:orange", alpha=0.1, label=f"regime B: {after}")
    top.axvline(r.switch_at, color="black", ls="--", lw=1)
    top.set(ylabel=dependent, title=f"{r.model}: {dependent} across the policy switch")
    top.legend(loc="upper left", frameon=False, fontsize=8)

    post = np.flatnonzero(r.post)[:window]
    t = r.t[post]
    k = post - np.flatnonzero(r.post)[0]
    middle.plot(t, r.y[post], color="0.3", lw=1.0, marker=".", ms=3, label="realised")
    middle.plot(t, r.forecast_reduced[k], color="tab:red", lw=1.4,
                label=f"reduced form of regime A (RMSE {r.rmse_reduced:.3g})")
    middle.plot(t, r.forecast_structural[k], color="tab:blue", lw=1.4,
                label=f"structural model, regime B (RMSE {r.rmse_structural:.3g})")
    middle.set(ylabel=dependent, title="after the switch: forecasts from the realised "
                                       "regressors")
    middle.legend(loc="upper left", frameon=False, fontsize=8, ncol=1)

    slopes = [(i, f"C{(j + 4) % 10}") for j, i in enumerate(
        i for i, n in enumerate(r.names) if n != "const")]
    runs = ((r.recursive, r.t, "recursive", 1.2), (r.recursive_after, r.t[r.post],
                                                   "recursive from the switch", 0.8))
    for (index, coef, se), times, what, lw in runs:
        settled = index >= index[0] + 10  # the first few estimates rest on a handful of rows
        index, coef, se = index[settled], coef[settled], se[settled]
        for i, color in slopes:
            bottom.plot(times[index], coef[:, i], color=color, lw=lw,
                        ls="-" if lw > 1 else "-.", label=f"{r.names[i]}: {what}")
            bottom.fill_between(times[index], coef[:, i] - 2 * se[:, i],
                                coef[:, i] + 2 * se[:, i], color=color, alpha=0.12, lw=0)
    for i, color in slopes:
        bottom.axhline(r.fit_before.coef[i], color=color, ls=":", lw=1)
        bottom.axhline(r.structural.coef[i], color=color, ls="--", lw=1,
                       label=f"{r.names[i]}: structural under B")
    bottom.axvline(r.switch_at, color="black", ls="--", lw=1)
    bottom.set(xlabel="period" if run.time == "discrete" else "time", ylabel="coefficient",
               title="recursive estimates from the 10th row on (±2 se; dotted: regime A fit)")
    bottom.legend(loc="best", frameon=False, fontsize=8)
    return axes
