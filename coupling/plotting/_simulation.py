"""Figures of the simulation analyses: hysteresis sweeps and their delay law, basin fractions,
path dependence and early-warning indicators.

Each function draws a result as it was computed (nothing is re-run) and returns the Axes it
drew on (the array of Axes for the four-panel early-warning figure).
"""

import itertools

import numpy as np

from ._bifurcation import plot_diagram
from ._common import _axes, _panels

LEG_COLORS = {"up": "tab:blue", "down": "tab:orange"}
INDICATORS = ("variance", "autocorrelation", "skewness")


# ---------------------------------------------------------------------- hysteresis
def plot_hysteresis(loop, observable=None, *, ax=None):
    """The loop of a :class:`~coupling.HysteresisLoop` against the swept parameter.

    Up-leg blue, down-leg orange (every replicate, fainter with more of them), an arrowhead
    along the sweep on each stretch between the jumps and one on each jump; the replicate
    confidence intervals of the jump locations shaded; over the continuation branches of
    the deterministic counterpart when the loop carries one (stable solid, unstable dashed,
    folds LP).
    """
    ax = _axes(ax)
    name = loop._name(observable)
    if loop.diagram is not None and name in (loop.diagram.aggregate_names
                                             + loop.diagram.macro_names):
        plot_diagram(loop.diagram, name, ax=ax)
    alpha = 1.0 if loop.replicates == 1 else max(0.25, 1.0 / np.sqrt(loop.replicates))
    for r in range(loop.replicates):
        for direction in ("up", "down"):
            p, y = loop.leg(direction, name, r)
            ax.plot(p, y, color=LEG_COLORS[direction], lw=1.4, alpha=alpha, zorder=2,
                    label=f"{direction} sweep" if r == 0 else None)
    first = [j for j in loop.jumps if j["replicate"] == 0 and name in j["before"]]
    for direction in ("up", "down"):
        cuts = [j["param"] for j in first if j["direction"] == direction]
        _direction_arrows(ax, *loop.leg(direction, name, 0), cuts, LEG_COLORS[direction])
    for j in first:
        lo, hi = j["before"][name], j["after"][name]
        ax.annotate("", xy=(j["param"], lo + 0.6 * (hi - lo)),
                    xytext=(j["param"], lo + 0.4 * (hi - lo)),
                    arrowprops={"arrowstyle": "-|>", "color": LEG_COLORS[j["direction"]],
                                "lw": 0, "mutation_scale": 16}, zorder=4)
    if loop.replicates > 1:
        for s in loop.jump_summary:
            if np.all(np.isfinite(s["ci"])):
                ax.axvspan(*s["ci"], color=LEG_COLORS[s["direction"]], alpha=0.15, lw=0)
    speed = (f"rate {loop.rate:.3g}" if loop.ramp == "continuous"
             else f"staircase, {loop.steps} levels x {loop.settle:g}")
    verdict = (f"width {loop.width:.4g}, area {loop.area:.4g}" if loop.hysteresis
               else "no hysteresis")
    who = (f"N = {loop.population}" if loop.population != "mean-field" else "mean-field") \
        + (f", {loop.replicates} replicates" if loop.replicates > 1 else "")
    ax.set_xlabel(loop.param)
    ax.set_ylabel(name)
    ax.set_title(f"{loop.model}: sweep of {loop.param} ({speed}; {who})\n{verdict}",
                 fontsize=10)
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def _direction_arrows(ax, p, y, cuts, color):
    """An arrowhead in the middle (in the parameter) of each stretch of a leg between its
    ends and jumps, pointing along the sweep: from the mean of the leg over the 2 % of its
    samples before the middle to the mean over the 2 % after (noise does not turn it)."""
    if p.size < 4:
        return
    edges = np.sort(np.concatenate([[p[0], p[-1]], cuts]))
    half = max(1, p.size // 50)
    for a, b in itertools.pairwise(edges):
        i = int(np.argmin(np.abs(p - (a + b) / 2)))
        i = min(max(i, half), p.size - 1 - half)
        tail = np.array([p[i - half], y[i - half:i + 1].mean()])
        head = np.array([p[i + half], y[i:i + half + 1].mean()])
        # a head outlined in black (it sits on lines of its own colour), with no visible tail
        ax.annotate("", xy=head, xytext=head - 1e-3 * (head - tail),
                    arrowprops={"arrowstyle": "-|>", "fc": color, "ec": "black", "lw": 0.6,
                                "mutation_scale": 16}, zorder=4)


def plot_delay_scaling(scaling, *, ax=None):
    r"""The delay after each fold against the ramp rate, log-log, for a sequence of
    :class:`~coupling.DelayScaling` (a loop's ``scaling``): the measured delays, the first
    finite fit δ = C r^α and the slope 2/3 of theory (Haberman 1979) through the slowest
    delay."""
    ax = _axes(ax)
    marks = {"up": {"marker": "o", "mfc": "none", "color": LEG_COLORS["up"]},
             "down": {"marker": "x", "color": LEG_COLORS["down"]}}
    for s in scaling:
        ax.loglog(s.rates, s.delays, ls="none", ms=8, **marks.get(s.direction, {}),
                  label=f"{s.direction}-jump: α = {s.exponent:.3f} ± {s.stderr:.3f}")
    fitted = [s for s in scaling if np.isfinite(s.exponent)]
    if fitted:
        s = fitted[0]
        r = np.geomspace(s.rates.min() / 1.5, s.rates.max() * 1.5, 50)
        ax.loglog(r, s.prefactor * r ** s.exponent, color="0.3", lw=1,
                  label=f"fit: δ = {s.prefactor:.3g} r^{s.exponent:.3f}")
        anchor = s.delays[0] / s.rates[0] ** (2 / 3)
        ax.loglog(r, anchor * r ** (2 / 3), "k--", lw=1,
                  label="theory: δ ∝ r^(2/3) (Haberman 1979)")
    rates = sorted({float(r) for s in scaling for r in s.rates})
    if rates:
        _plain_log_ticks(ax, rates)
    ax.set(xlabel="ramp rate r", ylabel="delay δ of the jump after the fold",
           title="delay of the jumps after the folds against the ramp rate")
    ax.legend(loc="upper left", framealpha=0.95, edgecolor="none")
    return ax


def _plain_log_ticks(ax, rates):
    """Log axes labelled with plain numbers: the rates on x, 1-2-5 steps on y."""
    from matplotlib import ticker

    ax.set_xticks(rates, labels=[f"{r:g}" for r in rates])
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.yaxis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


# ---------------------------------------------------------------------- attractors
def plot_attractors(result, *, ax=None):
    """Basin fractions of an :class:`~coupling.Attractors`: a bar chart with Wilson error
    bars at one parameter value, else each attractor's fraction against the parameter with
    its interval band, births and deaths marked by dotted lines."""
    ax = _axes(ax)
    first = result.observables[0]
    level = f"basin fraction ({result.confidence:.0%} CI)"
    if result.param is None:
        found = result.found[0]
        x = np.arange(len(found))
        f = np.array([a.fraction for a in found])
        err = np.array([[a.fraction - a.ci[0], a.ci[1] - a.fraction] for a in found]).T
        ax.bar(x, f, yerr=err.reshape(2, -1), capsize=4,
               color=[f"C{a.id % 10}" for a in found])
        ax.set_xticks(x, [f"#{a.id} {a.kind}\n{first} = {a.state[first]:.3g}"
                          for a in found])
        ax.set(ylabel=level, ylim=(0, 1.05),
               title=f"{result.model}: basin fractions ({result.samples} samples)")
        return ax
    ids, F, lo, hi = result.fractions()
    for j, i in enumerate(ids):
        track = result.track(i)
        color = f"C{i % 10}"
        ax.plot(result.values, F[:, j], "o-", ms=3, color=color,
                label=f"#{i} {track[0].kind} ({first} = {track[0].state[first]:.3g} at "
                      f"{result.param} = {track[0].value:g})")
        ax.fill_between(result.values, lo[:, j], hi[:, j], color=color, alpha=0.2, lw=0)
    for e in result.events:
        where = float(np.mean(e["between"]))
        color = f"C{e['id'] % 10}"
        ax.axvline(where, color=color, ls=":", lw=1)
        ax.annotate(f"{e['event']} #{e['id']}", (where, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(2, -10 - 10 * (e["event"] == "death")),
                    textcoords="offset points", fontsize=8, color=color)
    ax.set(xlabel=result.param, ylabel=level, ylim=(-0.02, 1.1),
           title=f"{result.model}: basin fractions against {result.param} "
                 f"({result.samples} samples per value)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def plot_path_dependence(result, observable=None, *, ax=None):
    """The time series of ``observable`` (default: the first compared) along every history
    of a :class:`~coupling.PathDependence`, coloured by the attractor it ends in."""
    ax = _axes(ax)
    name = observable or result.observables[0]
    for i, history in enumerate(result.histories):
        run = result.trajectories[history]
        ax.plot(run.t, run[name], color=f"C{result.outcomes[history] % 10}",
                ls=("-", "--", ":", "-.")[i % 4],
                label=f"{history} (attractor {result.outcomes[history]})")
    discrete = result.trajectories[result.histories[0]].time == "discrete"
    ax.set(xlabel="period" if discrete else "time", ylabel=name,
           title=f"{result.model}: {name} after {len(result.histories)} histories")
    ax.legend(loc="best", frameon=False)
    return ax


# ---------------------------------------------------------------------- early warnings
def plot_early_warning(result, *, axes=None):
    """Four panels sharing the time axis for an :class:`~coupling.EarlyWarning`: the
    observable with its trend, the first window shaded and the analysed end dashed; then
    variance, lag-1 autocorrelation and skewness, each labelled with Kendall's τ and its
    p-value. Returns the four Axes."""
    axes = _four_panels(axes)
    _plot_record(result, axes[0])
    for name, panel in zip(INDICATORS, axes[1:]):
        panel.plot(result.times, result.indicators[name], color="tab:red", lw=1.2)
        panel.axvline(result.end, color="0.3", lw=1.0, ls="--")
        panel.set_ylabel(name)
        panel.annotate(_tau_label(result.tau[name], result.p_value[name]), (0.01, 0.95),
                       xycoords="axes fraction", va="top", fontsize=9)
    axes[-1].set_xlabel("time")
    return axes


def plot_early_warning_standardised(result, *, ax=None):
    """The three indicators of an :class:`~coupling.EarlyWarning` on one Axes as z-scores
    (zero mean, unit variance), labelled with τ and p."""
    ax = _axes(ax)
    for name in INDICATORS:
        ax.plot(result.times, _standardised(result.indicators[name]), lw=1.2,
                label=f"{name} ({_tau_label(result.tau[name], result.p_value[name])})")
    ax.axvline(result.end, color="0.3", lw=1.0, ls="--")
    ax.set(xlabel="time", ylabel="indicator (standardised)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def plot_replicate_early_warning(result, *, axes=None):
    """Four panels for a :class:`~coupling.ReplicateEarlyWarning`: every replicate's
    record with its trend, then variance, autocorrelation and skewness of every replicate
    (thin) with their mean over the replicates (thick), labelled with the mean τ and the
    combined p. Returns the four Axes."""
    axes = _four_panels(axes)
    alpha = max(0.2, 1 / np.sqrt(len(result)))
    for i in range(len(result)):
        axes[0].plot(result.t, result.x[i], color="0.7", lw=0.6, alpha=alpha)
        axes[0].plot(result.t, result.trend[i], color="black", lw=1.0, alpha=alpha)
    axes[0].set_ylabel(result.observable)
    axes[0].set_title(f"Early warning of {result.observable}, {len(result)} replicates "
                      f"(method: {result.method})")
    for name, panel in zip(INDICATORS, axes[1:]):
        panel.plot(result.times, result.indicators[name].T, color="tab:red", lw=0.6,
                   alpha=alpha)
        panel.plot(result.times, result.mean_indicators[name], color="black", lw=1.6)
        panel.set_ylabel(name)
        panel.annotate(_tau_label(result.mean_tau[name], result.combined_p[name], "mean τ"),
                       (0.01, 0.95), xycoords="axes fraction", va="top", fontsize=9)
    axes[-1].set_xlabel("time")
    return axes


def plot_replicate_early_warning_standardised(result, *, ax=None):
    """The replicate means of the three indicators of a
    :class:`~coupling.ReplicateEarlyWarning` on one Axes as z-scores."""
    ax = _axes(ax)
    for name in INDICATORS:
        label = _tau_label(result.mean_tau[name], result.combined_p[name], "mean τ")
        ax.plot(result.times, _standardised(result.mean_indicators[name]), lw=1.2,
                label=f"{name} ({label})")
    ax.set(xlabel="time", ylabel="replicate mean (standardised)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax


def _four_panels(axes):
    """``axes`` (four of them), or four stacked panels sharing the time axis."""
    fresh = axes is None
    axes = _panels(axes, (4, 1), (7, 8))
    if len(axes) != 4:
        raise ValueError(f"axes: the early-warning figure has 4 panels, got {len(axes)} Axes")
    if fresh:
        for panel in axes[1:]:
            panel.sharex(axes[0])
    return axes


def _plot_record(result, ax):
    """The observable, its trend over the analysed part, the first window and the end."""
    n = result.trend.size
    ax.plot(result.t, result.x, color="0.6", lw=0.8, label=result.observable)
    ax.plot(result.t[:n], result.x[:n], color="tab:blue", lw=0.9, label="analysed")
    ax.plot(result.t[:n], result.trend, color="black", lw=1.4, ls="--",
            label=f"trend ({result.detrend})")
    ax.axvspan(result.t[0], result.t[result.window - 1], color="tab:orange", alpha=0.15,
               label=f"window ({result.window} points)")
    ax.axvline(result.end, color="0.3", lw=1.0, ls="--")
    ax.annotate("end", (result.end, 1.0), xycoords=("data", "axes fraction"),
                xytext=(3, -12), textcoords="offset points", fontsize=8, color="0.3")
    ax.set_ylabel(result.observable)
    ax.set_title(f"Early warning of {result.observable} (method: {result.method})")
    ax.legend(loc="best", frameon=False, fontsize=8)


def _standardised(v):
    with np.errstate(invalid="ignore", divide="ignore"):
        return (v - np.nanmean(v)) / np.nanstd(v)


def _tau_label(tau, p, name="τ"):
    return f"{name} = {tau:+.2f}, p = {p:.3g}"
