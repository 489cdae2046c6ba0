r"""``cp.early_warning``: rolling-window early-warning indicators of a critical transition.

Close to a fold the leading eigenvalue of the stable state approaches zero and the system
recovers ever more slowly from the noise that perturbs it ("critical slowing down"). For a
series sampled at a fixed spacing the residual fluctuations behave like an AR(1) process
:math:`r_{i+1} = a\, r_i + \sigma \varepsilon_i` with :math:`a \to 1`, so their lag-1
autocorrelation a and variance :math:`\sigma^2/(1 - a^2)` rise before the transition, and the
skewness changes as the potential becomes asymmetric (Scheffer et al. 2009).

The procedure follows Dakos et al. (2008, 2012):

1. keep the record before the transition, from ``start`` up to ``end``;
2. detrend it (Gaussian kernel smoothing or a linear fit), leaving residuals r;
3. compute variance, lag-1 autocorrelation and skewness of r in a window sliding along it;
4. measure the trend of each indicator by Kendall's τ against time;
5. compare τ with its distribution under a null without a trend: surrogates of the residuals
   (phase-randomised, Theiler et al. 1992, or AR(1) with the residuals' autocorrelation and
   variance, Dakos et al. 2008) or null runs of the model (e.g. with the parameter held fixed).

Replicates (a :class:`~coupling.HysteresisLoop` with several runs, a list of runs, or a
(t, X) pair with X of shape (replicates, T)) are analysed together: every step above works on
2-D arrays (replicates × points, replicates × windows), each replicate with its own record
length, window and bandwidth, and Kendall's τ of all rows is counted at once (a merge count of
the discordant pairs, vectorised over rows). The per-replicate τ are combined into their mean
and one significance test of that mean.

**Scoring against the truth.** With a continuation of the deterministic counterpart
(``diagram``) and the swept parameter recorded along the run, the indicators are compared
with what they are meant to detect: at the end of every window, the distance
:math:`|p(t) - p_{fold}|` to the fold that ends the stable branch the system is on (in the
sweep direction), and that branch's recovery rate :math:`-\mathrm{Re}\,\lambda(p)`. Near a
stable state the fluctuations are, to linear order, an Ornstein–Uhlenbeck process with drift
rate λ, whose samples at spacing Δt form an AR(1) with coefficient :math:`e^{\lambda \Delta t}`
(for maps, the multiplier μ to the power Δt): the measured lag-1 autocorrelation is compared
with that prediction.

References
----------
M. Scheffer, J. Bascompte, W. A. Brock et al. (2009), "Early-warning signals for critical
transitions", Nature 461, 53-59.
V. Dakos, M. Scheffer, E. H. van Nes et al. (2008), "Slowing down as an early warning signal
for abrupt climate change", PNAS 105(38), 14308-14312.
V. Dakos, S. R. Carpenter, W. A. Brock et al. (2012), "Methods for detecting early warnings of
critical transitions in time series illustrated using simulated ecological data", PLoS ONE
7(7), e41010.
J. Theiler, S. Eubank, A. Longtin, B. Galdrikian and J. D. Farmer (1992), "Testing for
nonlinearity in time series: the method of surrogate data", Physica D 58, 77-94.
W. R. Knight (1966), "A computer method for calculating Kendall's tau with ungrouped data",
JASA 61(314), 436-439 (τ by counting the exchanges of a merge sort).
C. Kuehn (2011), "A mathematical framework for critical transitions: bifurcations, fast-slow
systems and stochastic dynamics", Physica D 240, 1020-1035 (the linearised OU picture).
"""

import numbers
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter
from scipy.stats import kendalltau, rankdata

from ...results import _jsonable

INDICATORS = ("variance", "autocorrelation", "skewness")
METHODS = ("phase", "ar1")
DETRENDS = ("gaussian", "linear", None)
DIRECTIONS = ("up", "down")
#: Half-width of the level-change detector locating the jump, as a fraction of the record.
JUMP_SPAN = 0.05
#: Default Gaussian bandwidth, as a fraction of the analysed record's duration.
BANDWIDTH = 0.1
#: Fewest points in a window (skewness needs three) and fewest window positions (for τ).
MIN_WINDOW = 3
MIN_POSITIONS = 3
#: Values processed at once (16 MB of float64): bounds the memory of long records and of
#: many surrogates.
BATCH = 2 ** 21
#: Longest row whose τ is counted by the vectorised merge; longer rows use scipy row by row
#: (faster there: its per-call overhead is amortised).
KENDALL_MERGE = 2048
#: A point is on a stable branch when its trend is this fraction of the observable's range
#: (over the diagram's stable branches) from it, or nearer.
BRANCH_GAP = 0.25


@dataclass
class EarlyWarning:
    """Early-warning indicators of one observable before a transition.

    Attributes
    ----------
    observable : str
    t, x : ndarray (T,)
        The record from ``start`` on (including what follows ``end``, for plotting).
    end : float
        Last analysed time: the analysis uses the first n points, ``t[:n]``, with t ≤ end.
    jump : float or None
        Time of the detected jump when ``end`` was located automatically.
    trend, residuals : ndarray (n,)
        The detrended decomposition x = trend + residuals over the analysed points.
    times : ndarray (n - window + 1,)
        Time at the end of each window position.
    indicators : dict of ndarray
        "variance", "autocorrelation" (lag 1) and "skewness" of the residuals in each window.
    tau : dict of float
        Kendall's τ of each indicator against time.
    p_value : dict of float
        One-sided: (1 + #{τ_null ≥ τ}) / (1 + S) over S surrogates or null runs (NaN when
        S = 0).
    null_tau : dict of ndarray (S,)
        τ of each indicator in every surrogate or null run.
    window : int
        Window length in points.
    detrend : str or None
    bandwidth : float or None
        Standard deviation of the Gaussian kernel (time units).
    method : str
        "phase", "ar1" or "null" (null runs).
    truth : dict or None
        With a continuation (``diagram``): the indicators scored against the true distance to
        the fold, see :func:`early_warning`.
    """

    observable: str
    t: np.ndarray
    x: np.ndarray
    end: float
    jump: object
    trend: np.ndarray
    residuals: np.ndarray
    times: np.ndarray
    indicators: dict
    tau: dict
    p_value: dict
    null_tau: dict
    window: int
    detrend: object
    bandwidth: object
    method: str
    truth: object = None

    def __repr__(self):
        spacing = self.t[1] - self.t[0]
        detrend = (f"detrend={self.detrend!r}, bandwidth={self.bandwidth:g}"
                   if self.detrend == "gaussian" else f"detrend={self.detrend!r}")
        rows = "".join(f"\n  {name:<16} tau = {self.tau[name]:+.3f}   "
                       f"p = {self.p_value[name]:.3g}" for name in INDICATORS)
        return (f"EarlyWarning(observable={self.observable!r}, t=[{self.t[0]:g}, {self.end:g}]"
                f" ({self.trend.size} points), window={self.window} points "
                f"({self.window * spacing:g} time), {detrend}, method={self.method!r} "
                f"({self.null_tau[INDICATORS[0]].size} null samples)){rows}"
                + _describe_truth(self.truth))

    def to_dict(self):
        """All fields as plain Python types (lists, floats, None), ready for JSON."""
        return _jsonable({name: getattr(self, name) for name in self.__dataclass_fields__})

    def plot(self, ax=None):
        """Draw the observable and its indicators.

        With ``ax=None`` a new figure with four stacked panels sharing the time axis: the
        observable with its trend, the first window shaded and the cut-off ``end`` dashed;
        then variance, autocorrelation and skewness, each labelled with τ and p. Returns the
        array of the four Axes. With a given Axes the three indicators are drawn onto it,
        standardised (zero mean, unit variance), and that Axes is returned.
        """
        if ax is not None:
            return _plot_standardised(self, ax)
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(4, 1, sharex=True, figsize=(7, 8), layout="constrained")
        _plot_record(self, axes[0])
        for name, panel in zip(INDICATORS, axes[1:]):
            panel.plot(self.times, self.indicators[name], color="tab:red", lw=1.2)
            panel.axvline(self.end, color="0.3", lw=1.0, ls="--")
            panel.set_ylabel(name)
            panel.annotate(_label(self, name), (0.01, 0.95), xycoords="axes fraction",
                           va="top", fontsize=9)
        axes[-1].set_xlabel("time")
        return axes


@dataclass
class ReplicateEarlyWarning:
    """Early-warning indicators of R replicate records, computed together.

    Every array has one row per analysed replicate; indicators are aligned on a common grid
    of window-end times (NaN where a replicate has no window ending there).

    Attributes
    ----------
    observable : str
    replicates : ndarray (R,) of int
        Which replicates of the input were analysed (those of a HysteresisLoop without a jump
        of the chosen direction and order are left out).
    t : ndarray (T,)
        The common time grid.
    x : ndarray (R, T)
        The records (NaN past a shorter record's end).
    start, end : ndarray (R,)
        First and last analysed time of each replicate.
    jump : ndarray (R,)
        Time of each replicate's jump (from the loop, or detected with ``end="jump"``; NaN
        otherwise).
    trend, residuals : ndarray (R, T)
        Over each replicate's analysed points (NaN elsewhere).
    times : ndarray (M,)
        Window-end times.
    indicators : dict of ndarray (R, M)
    tau : dict of ndarray (R,)
        Kendall's τ of each indicator against time, per replicate.
    mean_tau : dict of float
        Mean of τ over the replicates.
    p_value : dict of ndarray (R,)
        Per replicate, as for one record.
    combined_p : dict of float
        One-sided significance of the mean τ: (1 + #{s: τ̄_s ≥ τ̄}) / (1 + S), where
        τ̄_s is the mean over replicates of the s-th null sample of each (surrogates are
        independent across replicates, so τ̄_s samples the null distribution of the mean;
        with null runs every replicate is compared with the same runs, which is
        conservative). NaN without null samples.
    null_tau : dict of ndarray (R, S)
    window : ndarray (R,) of int
    detrend : str or None
    bandwidth : ndarray (R,) or None
    method : str
    direction, order : str or None, int or None
        For a HysteresisLoop: the jumps analysed.
    truth : dict or None
        As for one record, with per-replicate arrays and their means under "mean".
    """

    observable: str
    replicates: np.ndarray
    t: np.ndarray
    x: np.ndarray
    start: np.ndarray
    end: np.ndarray
    jump: np.ndarray
    trend: np.ndarray
    residuals: np.ndarray
    times: np.ndarray
    indicators: dict
    tau: dict
    mean_tau: dict
    p_value: dict
    combined_p: dict
    null_tau: dict
    window: np.ndarray
    detrend: object
    bandwidth: object
    method: str
    direction: object = None
    order: object = None
    truth: object = None

    def __len__(self):
        return self.replicates.size

    def __repr__(self):
        with _quiet():
            spread = {k: (np.nanstd(v), np.nanmin(v)) for k, v in self.tau.items()}
        rows = "".join(f"\n  {name:<16} mean tau = {self.mean_tau[name]:+.3f} "
                       f"(sd {spread[name][0]:.3f}, min {spread[name][1]:+.3f})   "
                       f"combined p = {self.combined_p[name]:.3g}" for name in INDICATORS)
        jumps = (f", {self.direction}-jump {self.order}" if self.direction is not None else "")
        return (f"ReplicateEarlyWarning(observable={self.observable!r}, {len(self)} "
                f"replicates{jumps}, t=[{np.min(self.start):g}, {np.max(self.end):g}], "
                f"window={int(np.min(self.window))}-{int(np.max(self.window))} points, "
                f"detrend={self.detrend!r}, method={self.method!r} "
                f"({self.null_tau[INDICATORS[0]].shape[1]} null samples each)){rows}"
                + _describe_truth(self.truth))

    def to_dict(self):
        """All fields as plain Python types (lists, floats, None), ready for JSON."""
        return _jsonable({name: getattr(self, name) for name in self.__dataclass_fields__})

    def replicate(self, i):
        """The :class:`EarlyWarning` of the i-th analysed replicate (row i)."""
        a = int(np.searchsorted(self.t, self.start[i]))
        b = int(np.searchsorted(self.t, self.end[i], side="right"))
        size = int(np.count_nonzero(np.isfinite(self.x[i])))
        first = self.t[a + int(self.window[i]) - 1]
        cols = np.flatnonzero((self.times >= first) & (self.times <= self.end[i]))
        return EarlyWarning(
            observable=self.observable, t=self.t[a:size], x=self.x[i, a:size],
            end=float(self.end[i]), jump=None if np.isnan(self.jump[i]) else float(self.jump[i]),
            trend=self.trend[i, a:b], residuals=self.residuals[i, a:b],
            times=self.times[cols],
            indicators={k: v[i, cols] for k, v in self.indicators.items()},
            tau={k: float(v[i]) for k, v in self.tau.items()},
            p_value={k: float(v[i]) for k, v in self.p_value.items()},
            null_tau={k: v[i] for k, v in self.null_tau.items()}, window=int(self.window[i]),
            detrend=self.detrend,
            bandwidth=None if self.bandwidth is None else float(self.bandwidth[i]),
            method=self.method,
            truth=None if self.truth is None else _truth_row(self.truth, i, cols))

    def plot(self, ax=None):
        """Draw the replicates and their indicators.

        With ``ax=None`` four stacked panels sharing the time axis: every replicate's
        analysed record with its trend, then variance, autocorrelation and skewness of every
        replicate (thin) with their mean over replicates (thick), labelled with the mean τ
        and the combined p. Returns the array of Axes. With a given Axes the replicate means
        of the three indicators are drawn onto it, standardised.
        """
        with np.errstate(invalid="ignore"), _quiet():
            means = {k: np.nanmean(v, axis=0) for k, v in self.indicators.items()}
        if ax is not None:
            for name in INDICATORS:
                v = means[name]
                ax.plot(self.times, (v - np.nanmean(v)) / np.nanstd(v), lw=1.2,
                        label=f"{name} (mean τ = {self.mean_tau[name]:+.2f}, "
                              f"p = {self.combined_p[name]:.3g})")
            ax.set_xlabel("time")
            ax.set_ylabel("replicate mean (standardised)")
            ax.legend(loc="best", frameon=False, fontsize=8)
            return ax
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(4, 1, sharex=True, figsize=(7, 8), layout="constrained")
        alpha = max(0.2, 1 / np.sqrt(len(self)))
        for i in range(len(self)):
            axes[0].plot(self.t, self.x[i], color="0.7", lw=0.6, alpha=alpha)
            axes[0].plot(self.t, self.trend[i], color="black", lw=1.0, alpha=alpha)
        axes[0].set_ylabel(self.observable)
        axes[0].set_title(f"Early warning of {self.observable}, {len(self)} replicates "
                          f"(method: {self.method})")
        for name, panel in zip(INDICATORS, axes[1:]):
            panel.plot(self.times, self.indicators[name].T, color="tab:red", lw=0.6,
                       alpha=alpha)
            panel.plot(self.times, means[name], color="black", lw=1.6)
            panel.set_ylabel(name)
            panel.annotate(f"mean τ = {self.mean_tau[name]:+.2f}, "
                           f"p = {self.combined_p[name]:.3g}", (0.01, 0.95),
                           xycoords="axes fraction", va="top", fontsize=9)
        axes[-1].set_xlabel("time")
        return axes


def early_warning(data, observable=None, *, window=0.5, detrend="gaussian", bandwidth=None,
                  start=None, end="jump", surrogates=200, method="phase", null=None,
                  seed=None, direction="up", order=0, diagram="auto"):
    r"""Rolling variance, lag-1 autocorrelation and skewness before a transition, their
    Kendall trends and the significance of those trends.

    Parameters
    ----------
    data : Trajectory, object with ``.t`` and ``[observable]``, (t, x) pair, HysteresisLoop,
           list of runs, or (t, X) pair with X of shape (replicates, T)
        An equally spaced record of the observable, or replicate records on one time grid
        (a shorter run must share the longer runs' first times). A HysteresisLoop is analysed
        before the ``order``-th jump of ``direction`` of each of its replicates; its
        replicates without such a jump are left out.
    observable : str, optional
        Which series (default: the first aggregate; a loop's primary observable).
    window : float in (0, 1)
        Rolling window as a fraction of the analysed record (Dakos et al. 2012: one half).
    detrend : {"gaussian", "linear", None}
        Trend removed before the indicators: Gaussian kernel smoothing (Nadaraya–Watson,
        :math:`\hat x(t) = \sum_j K(t - t_j) x_j / \sum_j K(t - t_j)` with a Gaussian K of
        standard deviation ``bandwidth``), a least-squares line, or the mean only.
    bandwidth : float, optional
        Kernel standard deviation in time units (default: a tenth of the analysed duration,
        of each replicate's own record).
    start : float, optional
        First time analysed (default: the first recorded; for a loop the start of the leg,
        or for ``order`` > 0 one jump window after the previous jump), e.g. to skip an
        initial transient.
    end : float, "jump" or None
        Last time analysed. "jump" (default) stops before the largest jump: with
        k = ⌈0.05 T⌉ for T points from ``start``, the jump is at the point i maximising the
        level change :math:`|\bar x_{[i, i+k)} - \bar x_{[i-k, i)}|`, and the analysis ends
        just before that detector's left window, at :math:`t_{i-k-1}`, so a jump lasting
        fewer than 2k points is excluded. A record without a transition has no jump to find:
        give ``end`` explicitly, or None for the whole record. For a loop, "jump" uses the
        loop's jump time t_j: the analysis ends k = ⌈0.05 n⌉ points before it (n points
        from ``start`` to t_j), and at least the time the ramp takes to cross the loop's
        jump window (``loop.window / loop.rate``) before it; None ends at the end of the leg.
    surrogates : int
        Number S of surrogate series (0: no significance test).
    method : {"phase", "ar1"}
        Surrogates of the residuals: "phase" keeps the amplitudes of their Fourier transform
        and draws the phases uniformly (stationary, same power spectrum; Theiler et al.
        1992); "ar1" simulates :math:`r_{i+1} = \hat a r_i + \hat\sigma \varepsilon_i` with
        the residuals' lag-1 autocorrelation â and variance :math:`\hat\sigma^2/(1-\hat a^2)`
        (Dakos et al. 2008).
    null : sequence, optional
        Null runs instead of surrogates (e.g. runs with the parameter held fixed), each like
        ``data``; they are analysed over the same times with the same settings (with
        replicates: over each replicate's times).
    seed : int, SeedSequence or Generator, optional
        Seeds the surrogates. With replicates, replicate i uses the i-th of
        ``SeedSequence(seed).spawn(R)`` (``Generator.spawn`` for a Generator), R the number of
        replicates in the input: analysing replicate i alone with that seed gives the same
        numbers.
    direction : {"up", "down"}
        For a HysteresisLoop: the leg whose jumps are analysed.
    order : int
        For a HysteresisLoop: which jump of that direction (0: the first).
    diagram : "auto", BifurcationDiagram or None
        A continuation of the deterministic counterpart in the swept parameter, which the
        data must record (a Trajectory with the parameter scheduled, or a loop). "auto" uses
        a loop's ``diagram``; None skips the scoring.

    Returns
    -------
    EarlyWarning
        For one record.
    ReplicateEarlyWarning
        For a loop, a list of runs or a 2-D X: per-replicate arrays, the mean τ and its
        combined significance.

    Notes
    -----
    Indicators of a window ending at point i use residuals :math:`r_{i-w+1}, \dots, r_i`:
    variance :math:`m_2`, skewness :math:`m_3 / m_2^{3/2}` (central moments with divisor w,
    as ``scipy.stats.skew``), and lag-1 autocorrelation
    :math:`\sum_j (r_j - \bar r)(r_{j+1} - \bar r) / \sum_j (r_j - \bar r)^2`. They are
    computed from cumulative sums, O(n) per series. The p-value of indicator k is one-sided,
    :math:`(1 + \#\{s: \tau_s \ge \tau\}) / (1 + S)`: a rising trend is the warning. The
    expected sign of the skewness trend depends on the direction of the transition.

    Kendall's τ (τ_b; time has no ties) of rows of up to 2048 windows is computed for all
    rows at once: ranks, then a bottom-up merge sort that counts, level by level, the pairs
    out of order (Knight 1966), each level one stable ``argsort`` of all pairs of sorted
    blocks (a linear merge), O(m log m) per row in a few numpy calls per level. Longer rows
    use ``scipy.stats.kendalltau``.

    **truth** (with ``diagram``): the stable branch the system is on at each analysed point
    is the stable part of the diagram whose observable, interpolated at the parameter value,
    is nearest to the trend (for ``detrend`` other than "gaussian", a Gaussian smooth with
    the default bandwidth) and within a quarter of the observable's range of it. Its leading
    eigenvalue λ is interpolated in λ² (in (1 - μ)² for the multipliers of maps), which is
    linear in the parameter near a fold, and p_fold is the fold ending that branch in the
    sweep direction. Points off every stable branch (e.g. after a delayed passage through
    the fold) are not scored. The trend must follow the branch: a bandwidth much wider than
    the branch's curvature near the fold leaves part of it in the residuals and biases the
    autocorrelation up, which ``ar1_bias`` shows. The dict holds, at the window ends,
    ``distance`` :math:`|p - p_{fold}|`, ``recovery_rate`` :math:`-\mathrm{Re}\,\lambda`
    (:math:`-\log|\mu|` per period), ``ar1_prediction`` — the mean over the window of
    :math:`a = e^{\lambda \Delta t}` (:math:`\mu^{\Delta t}`) weighted by the OU variance
    :math:`\propto 1/|\lambda|` (:math:`1/(1 - a^2)`), capped at the window's duration,
    which is what :math:`\sum r_j r_{j+1} / \sum r_j^2` estimates for a slowly varying
    AR(1) — and the scores: ``spearman_distance`` and ``spearman_recovery``, the rank
    correlation of each indicator with the distance and with the recovery rate (negative:
    the indicator rises as the fold nears and recovery slows); ``ar1_deviation``, the mean
    absolute difference between the measured lag-1 autocorrelation and the prediction,
    ``ar1_bias`` its signed mean, and for comparison ``ar1_stderr``, the mean sampling
    standard deviation :math:`\sqrt{(1 - a^2)/w}` of one window's estimate, and
    ``ar1_expected_bias``, the mean finite-window bias :math:`-(1 + 4a)/w`; ``fold``, the
    fold parameter ahead at the end of the record, ``parameter``, ``sampling`` (Δt).
    """
    if not 0 < window < 1:
        raise ValueError(f"window is a fraction of the record in (0, 1), got {window!r}")
    if detrend not in DETRENDS:
        raise ValueError(f"unknown detrend {detrend!r}; choose one of {DETRENDS}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if int(surrogates) != surrogates or surrogates < 0:
        raise ValueError(f"surrogates must be a whole number >= 0, got {surrogates!r}")
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    if not isinstance(order, numbers.Integral) or order < 0:
        raise ValueError(f"order must be an integer >= 0, got {order!r}")
    if isinstance(end, str) and end != "jump":
        raise ValueError(f"end must be a time, 'jump' or None, got {end!r}")
    rec = _records(data, observable, start, end, direction, int(order), diagram)
    n = rec.b - rec.a
    w = np.array([_window_points(window, k, rec.label(i)) for i, k in enumerate(n)])
    duration = rec.t[rec.b - 1] - rec.t[rec.a]
    dt = duration / (n - 1)
    if detrend != "gaussian":
        bw = None
    elif bandwidth is None:
        bw = BANDWIDTH * duration
    else:
        if not (isinstance(bandwidth, numbers.Real) and bandwidth > 0
                and np.isfinite(bandwidth)):
            raise ValueError(f"bandwidth must be > 0, got {bandwidth!r}")
        bw = np.full(n.size, float(bandwidth))
    Y = _left_align(rec.x, rec.a, n)
    trend, residuals, indicators, tau = _analyse(Y, n, w, None if bw is None else bw / dt,
                                                 detrend)
    if rec.single:
        rngs = [seed]
    else:
        children = _spawn(seed, rec.total)
        rngs = [children[i] for i in rec.ids]
    if null is not None:
        if not len(null):
            raise ValueError("null must hold at least one run")
        method = "null"
        samples = _null_tau(null, rec, window, detrend, bw)
    else:
        samples = _surrogate_tau(residuals, n, w, int(surrogates), method, rngs)
    truth = None
    if rec.diagram is not None:
        level = trend
        if detrend != "gaussian":
            level = _trend_rows(Y, n, "gaussian", BANDWIDTH * duration / dt)
        truth = _truth(rec, Y.shape[1], n, w, dt, level, indicators)
    if rec.single:
        return _single_result(rec, n[0], w[0], trend[0], residuals[0], indicators, tau,
                              samples, detrend, None if bw is None else float(bw[0]), method,
                              truth)
    return _replicate_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend,
                             bw, method, truth)


# ---------------------------------------------------------------- input
@dataclass
class _Records:
    """Records on one time grid and the part of each that is analysed, [a, b)."""

    t: np.ndarray  # (T,)
    x: np.ndarray  # (R, T), NaN past a shorter record
    p: object  # (R, T) swept parameter, or None
    a: np.ndarray  # (R,) first analysed index
    b: np.ndarray  # (R,) one past the last analysed index
    jump: np.ndarray  # (R,) jump times, NaN when unknown
    ids: np.ndarray  # (R,) replicate numbers in the input
    total: int  # replicates in the input
    observable: str
    single: bool
    diagram: object = None
    discrete: object = None
    direction: object = None
    order: object = None

    def label(self, i):
        return "" if self.single else f"replicate {self.ids[i]}: "


def _records(data, observable, start, end, direction, order, diagram):
    from ._hysteresis import HysteresisLoop

    diagram = _check_diagram(diagram)
    if isinstance(data, HysteresisLoop):
        return _loop_records(data, observable, start, end, direction, order, diagram)
    many = (isinstance(data, (list, tuple)) and len(data) > 0
            and all(_is_run(d) for d in data))
    if not many and not hasattr(data, "t") and isinstance(data, (list, tuple)) \
            and len(data) == 2 and np.ndim(data[1]) == 2:
        t, X = data
        X = np.asarray(X, dtype=float)
        data, many = [(t, row) for row in X], True
    if many:
        runs = [_series(d, observable) for d in data]
        observable = runs[0][2]
        t, x = _common_grid([r[0] for r in runs], [r[1] for r in runs])
    else:
        t, x0, observable = _series(data, observable)
        x, data = x0[None], [data]
    diagram = _usable(diagram, observable, explicit=True)
    p = None
    if diagram is not None:
        p = np.full(x.shape, np.nan)
        for i, d in enumerate(data):
            path = _param_path(d, diagram.parameter)
            p[i, :path.size] = path
    size = np.count_nonzero(np.isfinite(x), axis=1)
    a = np.zeros(x.shape[0], dtype=int) if start is None else \
        np.full(x.shape[0], int(np.searchsorted(t, start)))
    jump = np.full(x.shape[0], np.nan)
    if end == "jump":
        b = np.empty_like(a)
        for i in range(x.shape[0]):
            k, i_jump = _before_jump(x[i, a[i]:size[i]])
            b[i], jump[i] = a[i] + k, t[a[i] + i_jump]
    elif end is None:
        b = size.copy()
    else:
        b = np.minimum(size, int(np.searchsorted(t, end, side="right")))
    b = np.maximum(b, a)
    return _Records(t=t, x=x, p=p, a=a, b=b, jump=jump, ids=np.arange(x.shape[0]),
                    total=x.shape[0], observable=observable, single=not many,
                    diagram=diagram, discrete=_discrete(data[0], diagram))


def _is_run(data):
    """A Trajectory-like object or a (t, x) pair (one run of a list of runs)."""
    if hasattr(data, "t"):
        return True
    try:
        return isinstance(data, (list, tuple)) and len(data) == 2 and np.ndim(data) == 2
    except ValueError:  # a ragged pair of sequences
        return False


def _loop_records(loop, observable, start, end, direction, order, diagram):
    """The record of each replicate of a HysteresisLoop before its chosen jump."""
    observable = loop.observable if observable is None else observable
    if observable not in loop.values:
        raise ValueError(f"no observable {observable!r} in the loop; choose one of "
                         f"{list(loop.values)}")
    diagram = loop.diagram if isinstance(diagram, str) else diagram
    diagram = _usable(diagram, observable, explicit=diagram is not loop.diagram)
    if diagram is not None and diagram.parameter != loop.param:
        raise ValueError(f"diagram: it continues {diagram.parameter!r}, the loop sweeps "
                         f"{loop.param!r}")
    t = np.asarray(loop.t, dtype=float)
    leg = np.flatnonzero(loop.phase == direction)
    if leg.size < 2:
        raise ValueError(f"the loop has no {direction}-leg to analyse")
    leg_start, leg_end = t[leg[0]], t[leg[-1]]
    margin = loop.window / loop.rate if loop.rate > 0 else 0.0
    rows, a, b, jumps = [], [], [], []
    for r in range(loop.replicates):
        mine = sorted((j for j in loop.jumps if j["replicate"] == r), key=lambda j: j["t"])
        chosen = [j for j in mine if j["direction"] == direction]
        if len(chosen) <= order:
            continue
        t_jump = chosen[order]["t"]
        first = leg_start if start is None else start
        if start is None:
            before = [j["t"] for j in mine if leg_start <= j["t"] < t_jump]
            if before:
                first = max(first, before[-1] + margin)
        first = int(np.searchsorted(t, first))
        if end == "jump":  # as the detector: k = ⌈0.05 n⌉ points before the jump, n to it
            at = int(np.searchsorted(t, t_jump))
            k = int(np.ceil(JUMP_SPAN * max(at - first, 0)))
            last = min(at - k, int(np.searchsorted(t, t_jump - margin, side="right")),
                       leg[-1] + 1)
        else:
            last = int(np.searchsorted(t, leg_end if end is None else end, side="right"))
        rows.append(r)
        a.append(first)
        b.append(max(last, first))
        jumps.append(t_jump)
    if not rows:
        raise ValueError(f"no replicate of the loop has {direction}-jump number {order}")
    a, b = np.array(a), np.array(b)
    lo, hi = int(a.min()), int(b.max())
    _check_spacing(t[lo:hi], "the analysed part of the loop (keep start and end within "
                   "the leg)")
    x = np.asarray(loop.values[observable], dtype=float)[rows]
    p = None
    if diagram is not None:
        p = np.broadcast_to(np.asarray(loop.param_values, dtype=float), x.shape)
    return _Records(t=t, x=x, p=p, a=a, b=b, jump=np.array(jumps), ids=np.array(rows),
                    total=loop.replicates, observable=observable, single=False,
                    diagram=diagram, discrete=_discrete(None, diagram), direction=direction,
                    order=order)


def _series(data, observable):
    """(t, x, name) from a Trajectory-like object or a (t, x) pair, checked."""
    if hasattr(data, "t"):
        if observable is None:
            names = tuple(getattr(data, "aggregate_names", ()))
            if not names:
                raise ValueError("name the observable: the data declare no aggregates")
            observable = names[0]
        try:
            x = data[observable]
        except KeyError:
            known = list(getattr(data, "names", ()))
            raise ValueError(f"no observable {observable!r} in the data"
                             + (f"; choose one of {known}" if known else "")) from None
        t = data.t
    else:
        try:
            t, x = data
        except (TypeError, ValueError):
            raise TypeError("data must be a Trajectory, an object with .t and [observable], "
                            "a (t, x) pair of arrays, a HysteresisLoop or a list of runs; "
                            f"got {type(data).__name__}") from None
        observable = "x" if observable is None else observable
    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
    if t.ndim != 1 or t.shape != x.shape:
        raise ValueError(f"t and {observable} must be 1-D of one length, got shapes "
                         f"{t.shape} and {x.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x))):
        raise ValueError(f"t and {observable} must be finite")
    _check_spacing(t, "the times")
    return t, x, observable


def _check_spacing(t, what):
    step = np.diff(t)
    if step.size and not (np.all(step > 0) and np.ptp(step) <= 1e-6 * step.mean()):
        raise ValueError(f"{what} must be increasing and equally spaced")


def _common_grid(times, values):
    """Replicate records on one grid, (t, X (R, T)) with NaN past a shorter record."""
    index = int(np.argmax([t.size for t in times]))
    longest = times[index]
    X = np.full((len(times), longest.size), np.nan)
    for i, (t, x) in enumerate(zip(times, values)):
        scale = (longest[-1] - longest[0]) if longest.size > 1 else 1.0
        if not np.allclose(t, longest[:t.size], rtol=0, atol=1e-9 * scale):
            raise ValueError(f"replicate {i} is sampled at other times than replicate "
                             f"{index}: replicates share one time grid "
                             "(analyse them separately otherwise)")
        X[i, :x.size] = x
    return longest, X


def _check_diagram(diagram):
    from ..bifurcation._diagram import BifurcationDiagram

    if isinstance(diagram, str):
        if diagram != "auto":
            raise ValueError(f"diagram must be 'auto', None or a BifurcationDiagram, got "
                             f"{diagram!r}")
        return diagram
    if diagram is not None and not isinstance(diagram, BifurcationDiagram):
        raise TypeError(f"diagram must be 'auto', None or a BifurcationDiagram, got "
                        f"{type(diagram).__name__}")
    return diagram


def _usable(diagram, observable, explicit):
    """The diagram if it can score ``observable``; "auto" without a loop means none."""
    if diagram is None or isinstance(diagram, str):
        return None
    names = tuple(diagram.aggregate_names) + tuple(diagram.macro_names)
    if observable not in names:
        if explicit:
            raise ValueError(f"diagram: it has no observable {observable!r}; it has "
                             f"{list(names)}")
        return None
    if not diagram.folds():
        if explicit:
            raise ValueError("diagram: it has no fold to score the indicators against")
        return None
    return diagram


def _param_path(data, name):
    """The recorded path of the swept parameter."""
    if not hasattr(data, "t"):
        raise ValueError("diagram: scoring against the fold needs the swept parameter "
                         f"{name!r} along the run: give a Trajectory (or a loop), not a "
                         "(t, x) pair")
    try:
        return np.asarray(data[name], dtype=float)
    except KeyError:
        raise ValueError(f"diagram: the data do not record the swept parameter {name!r} "
                         "(schedule it, e.g. with a cp.Ramp)") from None


def _discrete(data, diagram):
    """Whether the diagram's eigenvalues are multipliers of a map: from the data's ``time``,
    else from the diagram (a stable point with a positive leading value is a map's)."""
    kind = getattr(data, "time", None)
    if kind in ("discrete", "continuous"):
        return kind == "discrete"
    if diagram is None:
        return None
    for b in diagram.branches:
        lead = np.real(np.asarray(b.eigenvalues)[np.asarray(b.stable, bool), 0])
        if np.any(lead > 1e-12):
            return True
    return False


def _window_points(window, n, label=""):
    """Window length in points; too few points or positions raise."""
    w = int(round(window * n))
    if w < MIN_WINDOW or n - w + 1 < MIN_POSITIONS:
        raise ValueError(f"{label}too few points: {n} analysed points and a window of {w}; "
                         f"a window needs {MIN_WINDOW} points and the trend "
                         f"{MIN_POSITIONS} window positions")
    return w


def _before_jump(x):
    """(points before the largest jump, index of the jump); see ``end`` in early_warning."""
    k = int(np.ceil(JUMP_SPAN * x.size))
    if x.size < 2 * k + 1 or k < 1:
        raise ValueError(f"too few points ({x.size}) to locate a jump; give end explicitly")
    c = np.concatenate([[0.0], np.cumsum(x - x.mean())])
    i = np.arange(k, x.size - k + 1)
    change = (c[i + k] - 2 * c[i] + c[i - k]) / k
    jump = int(i[np.argmax(np.abs(change))])
    return jump - k, jump


def _spawn(seed, count):
    """Independent per-replicate seeds from one seed."""
    if isinstance(seed, np.random.Generator):
        return seed.spawn(count)
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return root.spawn(count)


def _left_align(X, a, n):
    """Rows X[i, a_i : a_i + n_i], left-aligned in (R, max n) and zero-padded."""
    width = int(n.max())
    valid = np.arange(width) < n[:, None]
    idx = np.where(valid, a[:, None] + np.arange(width), 0)
    return np.where(valid, np.take_along_axis(X, idx, axis=1), 0.0)


# ---------------------------------------------------------------- statistics
def _analyse(Y, n, w, sigma, detrend):
    """Trend, residuals, indicators and τ (3, R) of left-aligned rows Y (R, N) with n valid
    points, windows of w points and kernel standard deviations sigma (points)."""
    trend = _trend_rows(Y, n, detrend, sigma)
    residuals = Y - trend
    indicators = _rolling(residuals, w, n)
    m = n - w + 1
    stacked = np.concatenate([indicators[k] for k in INDICATORS])
    tau = _kendall_rows(stacked, np.tile(m, len(INDICATORS)))
    return trend, residuals, indicators, tau.reshape(len(INDICATORS), -1)


def _row_sums(Z, n):
    """Sum of the first n_i values of each row, accumulated in order (so padding after them
    changes nothing)."""
    return np.cumsum(Z, axis=-1)[np.arange(Z.shape[0]), n - 1]


def _trend(t, x, detrend, bandwidth):
    """Gaussian kernel (Nadaraya–Watson) smooth, least-squares line, or the mean of one
    equally spaced record."""
    n = np.array([x.size])
    sigma = None if bandwidth is None else \
        np.array([bandwidth * (x.size - 1) / (t[-1] - t[0])])
    return _trend_rows(np.asarray(x, dtype=float)[None], n, detrend, sigma)[0]


def _trend_rows(Y, n, detrend, sigma):
    """The trend of each left-aligned row (zero past its n_i points); sigma (R,) in points."""
    valid = np.arange(Y.shape[1]) < n[:, None]
    if detrend == "gaussian":
        trend = np.zeros_like(Y)
        for s in np.unique(sigma):
            rows = np.flatnonzero(sigma == s)
            smooth = gaussian_filter1d(Y[rows], s, axis=-1, mode="constant")
            weight = gaussian_filter1d(valid[rows].astype(float), s, axis=-1, mode="constant")
            with np.errstate(invalid="ignore", divide="ignore"):
                trend[rows] = smooth / weight
        return np.where(valid, trend, 0.0)
    mean = _row_sums(Y, n) / n
    if detrend == "linear":
        k = np.where(valid, np.arange(Y.shape[1]) - (n[:, None] - 1) / 2, 0.0)
        slope = _row_sums(k * Y, n) / (n * (n * n - 1.0) / 12)
        return np.where(valid, mean[:, None] + slope[:, None] * k, 0.0)
    return np.where(valid, mean[:, None], 0.0)


def _rolling(r, w, n=None):
    r"""Variance, lag-1 autocorrelation and skewness in windows of w points, from window
    sums of r, r², r³ and r_j r_{j+1}.

    r : (..., N); w : int or one per row; n : points of each row (default N; values past
    them are ignored). Results (..., M), M the most window positions of a row, NaN past a
    row's n - w + 1 positions."""
    r = np.asarray(r, dtype=float)
    shape = r.shape
    rows = r.reshape(-1, shape[-1])
    R, N = rows.shape
    n = np.full(R, N) if n is None else np.broadcast_to(np.asarray(n, dtype=int), (R,))
    w_rows = np.broadcast_to(np.asarray(w, dtype=int), (R,))
    ww = w_rows[:, None].astype(float)
    valid = np.arange(N) < n[:, None]
    rows = np.where(valid, rows - (_row_sums(rows, n) / n)[:, None], 0.0)
    m = n - w_rows + 1
    M = int(m.max())
    j = np.arange(M)

    def window_sums(z, length):
        c = np.concatenate([np.zeros((R, 1)), np.cumsum(z, axis=-1)], axis=-1)
        hi = np.minimum(j + length[:, None], c.shape[1] - 1)
        return np.take_along_axis(c, hi, axis=1) - c[:, :M]

    squares = rows * rows
    s1, s2, s3 = (window_sums(z, w_rows) for z in (rows, squares, squares * rows))
    mean = s1 / ww
    m2 = s2 / ww - mean ** 2
    m3 = s3 / ww - 3 * mean * s2 / ww + 2 * mean ** 3
    lagged = window_sums(rows[:, :-1] * rows[:, 1:], w_rows - 1)
    last = np.take_along_axis(rows, np.minimum(j + w_rows[:, None] - 1, N - 1), axis=1)
    head = s1 - last  # r_j, j < last
    tail = s1 - rows[:, :M]  # r_{j+1}, j < last
    cross = lagged - mean * (head + tail) + (ww - 1) * mean ** 2
    inside = j < m[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"variance": m2, "autocorrelation": cross / (ww * m2),
               "skewness": m3 / m2 ** 1.5}
    return {k: np.where(inside, v, np.nan).reshape(shape[:-1] + (M,))
            for k, v in out.items()}


def _kendall_rows(values, m):
    r"""Kendall's τ_b of the first m_i values of each row against their order (time: no
    ties), (R,); NaN for rows with a non-finite value or fewer than two values.

    τ_b = S / sqrt(n0 (n0 - T)) with n0 = m(m-1)/2 pairs, T tied pairs of values and
    S = n0 - T - 2D, D the discordant pairs (inversions of the ranks), counted by a merge
    vectorised over rows (Knight 1966) or, for long rows, recovered from scipy's τ."""
    values = np.asarray(values, dtype=float)
    R, M = values.shape
    m = np.asarray(m, dtype=int)
    valid = np.arange(M) < m[:, None]
    good = np.all(np.isfinite(values) | ~valid, axis=1) & (m >= 2)
    S, T = np.zeros(R), np.zeros(R)
    rows = np.flatnonzero(good)
    if M <= KENDALL_MERGE:
        width = 1 << max(1, int(np.ceil(np.log2(max(M, 2)))))
        step = max(1, BATCH // width)
        for i in range(0, rows.size, step):
            chunk = rows[i:i + step]
            S[chunk], T[chunk] = _kendall_merge(values[chunk], m[chunk], width)
    else:
        for i in rows:
            x = values[i, :m[i]]
            ties = _tied_pairs(np.sort(x))
            n0 = m[i] * (m[i] - 1) / 2
            tau = kendalltau(np.arange(m[i]), x).statistic
            S[i], T[i] = np.rint(tau * np.sqrt(n0 * (n0 - ties))), ties
    n0 = m * (m - 1) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = S / np.sqrt(n0 * (n0 - T))
    return np.where(good, tau, np.nan)


def _tied_pairs(xs):
    """Pairs of equal values in a sorted array."""
    _, counts = np.unique(xs, return_counts=True)
    return float(np.sum(counts * (counts - 1) // 2))


def _kendall_merge(x, m, width):
    """(S, T) of each row's first m_i values (finite); width: a power of two >= x.shape[1]."""
    R, M = x.shape
    pos = np.arange(M)
    valid = pos < m[:, None]
    x = np.where(valid, x, np.inf)  # padding sorts last
    order = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, order, axis=1)
    same = (xs[:, 1:] == xs[:, :-1]) & (pos[1:] < m[:, None])
    first = np.broadcast_to(pos, (R, M))
    ties = np.zeros(R)
    tied = np.flatnonzero(same.any(axis=1))
    if tied.size:  # ties share the smallest rank of their group
        first = np.array(first)
        start = np.concatenate([np.ones((tied.size, 1), bool), ~same[tied]], axis=1)
        group = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
        first[tied] = group
        ties[tied] = np.sum(np.where(valid[tied], pos - group, 0), axis=1)
    ranks = np.empty(R * M, dtype=np.int64)
    ranks[(order + (np.arange(R) * M)[:, None]).ravel()] = first.ravel()
    ranks = np.where(valid, ranks.reshape(R, M), pos)  # padding: above every rank, in order
    a = np.empty((R, width), dtype=np.int32)
    a[:, :M] = ranks
    a[:, M:] = np.arange(M, width)
    pairs = a.reshape(R, width // 2, 2)
    D = np.count_nonzero(pairs[..., 0] > pairs[..., 1], axis=1).astype(np.int64)
    a = np.sort(pairs, axis=-1).reshape(R, width)
    s = 2
    while s < width:  # merge sorted blocks of s pairwise, counting the pairs out of order
        blocks = a.reshape(-1, 2 * s)
        # two sorted runs: the stable sort (timsort) merges them in one linear pass, left
        # first among equals; right element k at merged position q has q - k left
        # elements <= it before it, so s - (q - k) above it
        order = np.argsort(blocks, axis=-1, kind="stable")
        preceding = np.sum(np.where(order >= s, np.arange(2 * s), 0), axis=-1) \
            - s * (s - 1) // 2
        D += (s * s - preceding).reshape(R, -1).sum(axis=1)
        a = np.take_along_axis(blocks, order, axis=-1).reshape(R, width)
        s *= 2
    n0 = m * (m - 1) / 2.0
    return n0 - ties - 2 * D, ties


def _p_value(tau, null):
    """One-sided (1 + #{τ_s ≥ τ}) / (1 + S); NaN without null samples or without τ."""
    if null.size == 0 or np.isnan(tau):
        return float("nan")
    return float((1 + np.count_nonzero(null >= tau)) / (1 + null.size))


# ---------------------------------------------------------------- null models
def _surrogates(r, count, method, rng):
    """count surrogate series of the residuals r, shape (count, n)."""
    n = r.size
    if method == "phase":
        spectrum = np.fft.rfft(r)
        phases = rng.uniform(0.0, 2 * np.pi, (count, spectrum.size))
        phases[:, 0] = 0.0  # the mean stays real
        if n % 2 == 0:
            phases[:, -1] = 0.0  # so does the Nyquist term
        return np.fft.irfft(spectrum * np.exp(1j * phases), n, axis=-1)
    a = float(_rolling(r, n)["autocorrelation"][0])
    variance = r.var()
    noise = rng.standard_normal((count, n)) * np.sqrt(variance * (1 - a * a))
    noise[:, 0] *= 1 / np.sqrt(1 - a * a)  # start from the stationary distribution
    return r.mean() + lfilter([1.0], [1.0, -a], noise, axis=-1)


def _surrogate_tau(residuals, n, w, count, method, seeds):
    """τ (3, R, count) of each indicator in count surrogates of each row's residuals. Each
    row draws from its own generator in batches of at most BATCH values; the batches of
    all rows are analysed together, BATCH values at a time."""
    R = n.size
    out = np.full((len(INDICATORS), R, count), np.nan)
    pending = []

    def flush():
        if not pending:
            return
        rows = np.concatenate([np.repeat(r, f.shape[0]) for r, _, f in pending])
        lengths = n[rows]
        width = int(lengths.max())
        fake = np.zeros((rows.size, width))
        k = 0
        for r, _, f in pending:
            fake[k:k + f.shape[0], :f.shape[1]] = f
            k += f.shape[0]
        ind = _rolling(fake, w[rows], lengths)
        stacked = np.concatenate([ind[name] for name in INDICATORS])
        tau = _kendall_rows(stacked, np.tile(lengths - w[rows] + 1, len(INDICATORS)))
        tau = tau.reshape(len(INDICATORS), rows.size)
        k = 0
        for r, s0, f in pending:
            out[:, r, s0:s0 + f.shape[0]] = tau[:, k:k + f.shape[0]]
            k += f.shape[0]
        pending.clear()

    held = 0
    for r in range(R):
        rng = np.random.default_rng(seeds[r])
        x = residuals[r, :n[r]]
        size = max(1, BATCH // x.size)
        for s0 in range(0, count, size):
            fake = _surrogates(x, min(size, count - s0), method, rng)
            pending.append((r, s0, fake))
            held += fake.size
            if held >= BATCH:
                flush()
                held = 0
    flush()
    return out


def _null_tau(null, rec, window, detrend, bw):
    """τ (3, R, S) of each indicator in every null run over each row's analysed times, with
    the same settings."""
    runs = [_series(run, rec.observable)[:2] for run in null]
    R, S = rec.a.size, len(runs)
    segments, w, sigma = [], [], []
    for i in range(R):
        t0, t1 = rec.t[rec.a[i]], rec.t[rec.b[i] - 1]
        for t, x in runs:
            keep = (t >= t0) & (t <= t1)
            segments.append(x[keep])
            w.append(_window_points(window, int(keep.sum()), "null run: "))
            if bw is not None:
                tt = t[keep]
                sigma.append(bw[i] * (tt.size - 1) / (tt[-1] - tt[0]))
    out = np.empty((len(INDICATORS), R * S))
    lengths = np.array([s.size for s in segments])
    step = max(1, BATCH // int(lengths.max()))
    for k in range(0, R * S, step):
        part = slice(k, min(k + step, R * S))
        n = lengths[part]
        Y = np.zeros((n.size, int(n.max())))
        for row, seg in enumerate(segments[part]):
            Y[row, :seg.size] = seg
        out[:, part] = _analyse(Y, n, np.array(w[part]),
                                np.array(sigma[part]) if sigma else None, detrend)[3]
    return out.reshape(len(INDICATORS), R, S)


# ---------------------------------------------------------------- truth
def _segments(diagram, observable, discrete):
    """Stable parts of the branches, split where the parameter turns: (P ascending,
    observable, q, fold at the low end, fold at the high end); q = Re λ² (flows) or
    (1 - Re μ)² (maps), linear in P near a fold."""
    folds = diagram.folds()
    out = []
    for index, branch in enumerate(diagram.branches):
        P = np.asarray(branch.param, dtype=float)
        Y = np.asarray(diagram.observable(branch, observable), dtype=float)
        lead = np.real(np.asarray(branch.eigenvalues)[:, 0])
        stable = np.asarray(branch.stable, bool)
        for piece in _monotone_runs(P, stable):
            order = np.argsort(P[piece], kind="stable")
            p, o, e = P[piece][order], Y[piece][order], lead[piece][order]
            q = (1 - e) ** 2 if discrete else np.minimum(e, 0.0) ** 2
            ends = []
            for end, step in ((p[0], p[1] - p[0]), (p[-1], p[-1] - p[-2])):
                near = [f.param for f in folds if f.branch == index
                        and abs(f.param - end) <= step + 1e-12 * (1 + abs(end))]
                ends.append(min(near, key=lambda f: abs(f - end)) if near else np.nan)
            out.append((p, o, q, ends[0], ends[1]))
    return out


def _monotone_runs(P, stable):
    """Vertex indices of the maximal runs of stable vertices along which P moves strictly
    one way (a turning vertex, e.g. a fold, ends one run and may start the next)."""
    step = np.sign(np.diff(P))
    good = stable[:-1] & stable[1:] & (step != 0)
    runs, current = [], None
    for k in range(step.size):
        if good[k] and current is not None and step[k] == current[1]:
            current[0].append(k + 1)
            continue
        if current is not None:
            runs.append(np.array(current[0]))
        current = ([k, k + 1], step[k]) if good[k] else None
    if current is not None:
        runs.append(np.array(current[0]))
    return runs


def _on_branch(segments, p, level, sign, discrete):
    """Leading eigenvalue (Re λ, or Re μ for maps) and the fold ahead at each point, from
    the stable segment nearest in the observable, if nearer than BRANCH_GAP times the range
    of the observable over the stable segments; NaN otherwise."""
    lead = np.full(p.shape, np.nan)
    fold = np.full(p.shape, np.nan)
    values = np.concatenate([s[1] for s in segments]) if segments else np.zeros(1)
    best = np.full(p.shape, BRANCH_GAP * np.ptp(values))
    finite = np.isfinite(p) & np.isfinite(level)
    for P, Y, q, lo, hi in segments:
        inside = finite & (p >= P[0]) & (p <= P[-1])
        if not inside.any():
            continue
        gap = np.where(inside, np.abs(np.interp(p, P, Y) - level), np.inf)
        better = gap < best
        best = np.where(better, gap, best)
        root = np.sqrt(np.interp(p, P, q))
        lead = np.where(better, 1 - root if discrete else -root, lead)
        ahead = np.where(sign > 0, hi, np.where(sign < 0, lo,
                         np.where(np.abs(p - lo) < np.abs(p - hi), lo, hi)))
        fold = np.where(better, ahead, fold)
    return lead, fold


def _truth(rec, width, n, w, dt, level, indicators):
    """The truth dict of the rows (see early_warning), arrays left-aligned like the
    indicators (R, M)."""
    discrete = bool(rec.discrete)
    segments = _segments(rec.diagram, rec.observable, discrete)
    p = _left_align(np.where(np.isfinite(rec.p), rec.p, 0.0), rec.a, n)
    valid = np.arange(width) < n[:, None]
    p = np.where(valid, p, np.nan)
    sign = np.sign(p[np.arange(n.size), n - 1] - p[:, 0])[:, None]
    lead, fold = _on_branch(segments, p, np.where(valid, level, np.nan), sign, discrete)
    ww = w[:, None].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        if discrete:
            a = np.sign(lead) ** np.round(dt)[:, None] * np.abs(lead) ** dt[:, None]
            rate = -np.log(np.abs(lead))
            variance = 1 / np.maximum(1 - a * a, 1 / ww)
        else:
            a = np.exp(lead * dt[:, None])
            rate = -lead
            variance = 1 / np.maximum(rate, 1 / (ww * dt[:, None]))
    M = indicators[INDICATORS[0]].shape[1]
    j = np.arange(M)
    inside = j < (n - w + 1)[:, None]
    last = np.minimum(j + w[:, None] - 1, width - 1)
    at_end = {k: np.where(inside, np.take_along_axis(v, last, axis=1), np.nan)
              for k, v in (("p", p), ("fold", fold), ("rate", rate))}
    distance = np.abs(at_end["p"] - at_end["fold"])
    known = np.isfinite(a) & valid

    def window_sums(z):
        c = np.concatenate([np.zeros((n.size, 1)), np.cumsum(np.where(known, z, 0.0),
                                                             axis=1)], axis=1)
        return np.take_along_axis(c, last + 1, axis=1) - c[:, :M]

    complete = window_sums(np.ones_like(a)) == ww
    with np.errstate(invalid="ignore", divide="ignore"):
        prediction = np.where(complete & inside,
                              window_sums(a * variance) / window_sums(variance), np.nan)
        ac = indicators["autocorrelation"]
        deviation = ac - prediction
        scored = np.isfinite(deviation)
        count = scored.sum(axis=1)
        mean = _masked_mean
        out = {
            "parameter": rec.diagram.parameter,
            "fold": np.array([_last_finite(f) for f in at_end["fold"]]),
            "sampling": dt,
            "distance": distance, "recovery_rate": at_end["rate"],
            "ar1_prediction": prediction,
            "spearman_distance": {k: _spearman_rows(v, distance)
                                  for k, v in indicators.items()},
            "spearman_recovery": {k: _spearman_rows(v, at_end["rate"])
                                  for k, v in indicators.items()},
            "ar1_deviation": mean(np.abs(deviation), scored, count),
            "ar1_bias": mean(deviation, scored, count),
            "ar1_stderr": mean(np.sqrt((1 - prediction ** 2) / ww), scored, count),
            "ar1_expected_bias": mean(-(1 + 4 * prediction) / ww, scored, count),
            "scored_windows": count,
        }
    return out


def _masked_mean(z, mask, count):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.sum(np.where(mask, z, 0.0), axis=1) / count, np.nan)


def _last_finite(row):
    finite = row[np.isfinite(row)]
    return float(finite[-1]) if finite.size else np.nan


def _spearman_rows(x, y):
    """Spearman's ρ of each row pair over the entries finite in both; NaN with fewer than
    three such entries or a constant row."""
    mask = np.isfinite(x) & np.isfinite(y)
    count = mask.sum(axis=1)
    rx = rankdata(np.where(mask, x, np.inf), axis=1)
    ry = rankdata(np.where(mask, y, np.inf), axis=1)
    centre = ((count + 1) / 2)[:, None]
    dx = np.where(mask, rx - centre, 0.0)
    dy = np.where(mask, ry - centre, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.sum(dx * dy, axis=1) / np.sqrt(np.sum(dx * dx, axis=1)
                                                * np.sum(dy * dy, axis=1))
    return np.where(count >= 3, rho, np.nan)


# ---------------------------------------------------------------- results
SCORES = ("spearman_distance", "spearman_recovery")
AR1_SCORES = ("ar1_deviation", "ar1_bias", "ar1_stderr", "ar1_expected_bias")


def _single_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend, bw,
                   method, truth):
    a, m = int(rec.a[0]), n - w + 1
    if truth is not None:
        truth = _truth_row(truth, 0, np.arange(m))
    return EarlyWarning(
        observable=rec.observable, t=rec.t[a:], x=rec.x[0, a:], end=float(rec.t[a + n - 1]),
        jump=None if np.isnan(rec.jump[0]) else float(rec.jump[0]), trend=trend[:n],
        residuals=residuals[:n], times=rec.t[a + w - 1:a + n],
        indicators={k: v[0, :m] for k, v in indicators.items()},
        tau={k: float(v) for k, v in zip(INDICATORS, tau[:, 0])},
        p_value={k: _p_value(tau[i, 0], samples[i, 0]) for i, k in enumerate(INDICATORS)},
        null_tau={k: samples[i, 0] for i, k in enumerate(INDICATORS)}, window=int(w),
        detrend=detrend, bandwidth=bw, method=method, truth=truth)


def _replicate_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend, bw,
                      method, truth):
    R, T = rec.x.shape
    first = rec.a + w - 1
    e0, e1 = int(first.min()), int((rec.b - 1).max())
    M = e1 - e0 + 1
    m = n - w + 1
    rows = np.repeat(np.arange(R), m)
    j = np.concatenate([np.arange(k) for k in m])
    cols = (first - e0)[rows] + j

    def common(v):  # left-aligned windows -> the common window-end grid
        out = np.full((R, M), np.nan)
        out[rows, cols] = v[rows, j]
        return out

    def on_grid(v):  # left-aligned points -> the common time grid
        out = np.full((R, T), np.nan)
        k = np.concatenate([np.arange(s) for s in n])
        r = np.repeat(np.arange(R), n)
        out[r, rec.a[r] + k] = v[r, k]
        return out

    with _quiet():
        mean_tau = {k: float(np.nanmean(tau[i])) for i, k in enumerate(INDICATORS)}
        combined = {}
        for i, k in enumerate(INDICATORS):
            null_mean = np.nanmean(samples[i], axis=0) if samples.shape[2] else samples[i, 0]
            combined[k] = _p_value(mean_tau[k], null_mean)
    if truth is not None:
        arrays = {k: common(truth[k]) for k in ("distance", "recovery_rate", "ar1_prediction")}
        with _quiet():
            means = {**{k: {name: float(np.nanmean(v)) for name, v in truth[k].items()}
                        for k in SCORES},
                     **{k: float(np.nanmean(truth[k])) for k in AR1_SCORES}}
        truth = {**truth, **arrays, "mean": means}
    return ReplicateEarlyWarning(
        observable=rec.observable, replicates=rec.ids, t=rec.t, x=rec.x,
        start=rec.t[rec.a], end=rec.t[rec.b - 1], jump=rec.jump, trend=on_grid(trend),
        residuals=on_grid(residuals), times=rec.t[e0:e1 + 1],
        indicators={k: common(v) for k, v in indicators.items()},
        tau={k: tau[i] for i, k in enumerate(INDICATORS)}, mean_tau=mean_tau,
        p_value={k: np.array([_p_value(tau[i, r], samples[i, r]) for r in range(R)])
                 for i, k in enumerate(INDICATORS)},
        combined_p=combined, null_tau={k: samples[i] for i, k in enumerate(INDICATORS)},
        window=w, detrend=detrend, bandwidth=bw, method=method, direction=rec.direction,
        order=rec.order, truth=truth)


def _truth_row(truth, i, cols):
    """One replicate's truth dict, as for a single record."""
    out = {k: v for k, v in truth.items() if k != "mean"}
    out.update({k: truth[k][i, cols] for k in ("distance", "recovery_rate", "ar1_prediction")})
    out.update({k: {name: float(v[i]) for name, v in truth[k].items()} for k in SCORES})
    out.update({k: float(truth[k][i]) for k in AR1_SCORES})
    out.update(fold=float(truth["fold"][i]), sampling=float(truth["sampling"][i]),
               scored_windows=int(truth["scored_windows"][i]))
    return out


def _describe_truth(truth):
    if truth is None:
        return ""
    mean = truth.get("mean", truth)
    rho = ", ".join(f"{k} {float(np.nanmean(v)):+.2f}"
                    for k, v in mean["spearman_distance"].items())
    return (f"\n  truth ({truth['parameter']} fold at "
            f"{float(np.nanmean(truth['fold'])):.4g}): Spearman with the distance: {rho}; "
            f"AR(1) |deviation| {float(mean['ar1_deviation']):.3f} "
            f"(sampling sd {float(mean['ar1_stderr']):.3f})")


class _quiet:
    """Silence numpy's warnings about means of all-NaN slices."""

    def __enter__(self):
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


# ---------------------------------------------------------------- plotting
def _label(result, name):
    return f"τ = {result.tau[name]:+.2f}, p = {result.p_value[name]:.3g}"


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


def _plot_standardised(result, ax):
    """The three indicators on one Axes as z-scores, labelled with τ and p."""
    for name in INDICATORS:
        v = result.indicators[name]
        ax.plot(result.times, (v - v.mean()) / v.std(), lw=1.2,
                label=f"{name} ({_label(result, name)})")
    ax.axvline(result.end, color="0.3", lw=1.0, ls="--")
    ax.set_xlabel("time")
    ax.set_ylabel("indicator (standardised)")
    ax.legend(loc="best", frameon=False, fontsize=8)
    return ax
