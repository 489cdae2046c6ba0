"""Policy regimes, the regime-break test and the break tests."""

import numpy as np

from ._common import _axes, _panels

#: The 5 % boundary of the CUSUM test: the band ±a(1 + 2t) with a = 0.948.
CUSUM_5 = 0.948


def plot_regime_break(result, *, axes=None, window=80):
    """Three panels of a :class:`~coupling.RegimeBreak`: the dependent variable over the run
    with the regimes shaded; the first ``window`` rows after the switch, realised against
    the reduced-form forecast and the structural prediction; recursive estimates of each
    slope with ±2 standard-error bands. Returns the three Axes."""
    top, middle, bottom = axes = _panels(axes, (3, 1), (9, 9.5))
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


def plot_break_test(test, *, ax=None):
    """A :class:`~coupling.analysis.regimes.BreakTest` against its null: the CUSUM path in
    the 5 % band ±0.948(1 + 2t); the sup-F Wald statistic over the candidate splits with its
    5 % critical value; the F density of a Chow or variance test with the statistic marked.
    Returns the Axes."""
    ax = _axes(ax)
    if test.name == "cusum":
        t, path = test.extra["fraction"], test.extra["cusum"]
        ax.plot(t, path, color="tab:blue", label="scaled CUSUM W(t)")
        for sign in (1, -1):
            ax.plot(t, sign * CUSUM_5 * (1 + 2 * t), "--", color="tab:red",
                    label="5 % band" if sign > 0 else None)
        ax.set(xlabel="fraction of the recursive residuals t", ylabel="W(t)")
    elif test.name == "sup_f":
        ax.plot(test.extra["splits"], test.extra["wald"], color="tab:blue",
                label="Wald statistic k F(s)")
        ax.axhline(test.extra["critical_5"], ls="--", color="tab:red",
                   label="5 % critical value")
        ax.axvline(test.break_index, ls=":", color="0.3", label="estimated break")
        ax.set(xlabel="split s (first row of the second regime)", ylabel="k F(s)")
    else:
        from scipy import stats

        null = stats.f(*test.df)
        x = np.linspace(0.0, max(null.ppf(0.999), 1.2 * test.statistic), 400)
        ax.plot(x, null.pdf(x), color="0.3", label=f"F{tuple(test.df)} under no break")
        ax.axvline(test.statistic, color="tab:red", label=f"statistic {test.statistic:.3g}")
        ax.set(xlabel="statistic", ylabel="density")
    ax.set_title(test.description, fontsize=9)
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax
