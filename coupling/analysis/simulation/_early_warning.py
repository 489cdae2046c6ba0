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

import numpy as np

from ... import _checks
from ..._checks import fraction
from ._inputs import child_seed, seed_root
from ._warning_records import DIRECTIONS, records, series
from ._warning_results import EarlyWarning, ReplicateEarlyWarning
from ._warning_statistics import (
    BATCH,
    INDICATORS,
    analyse,
    left_align,
    p_value,
    quiet,
    surrogate_tau,
    trend_rows,
    window_points,
)
from ._warning_truth import AR1_SCORES, SCORES, score, truth_row

METHODS = ("phase", "ar1")
DETRENDS = ("gaussian", "linear", None)
#: Default Gaussian bandwidth, as a fraction of the analysed record's duration.
BANDWIDTH = 0.1


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
        give ``end`` explicitly, or None for the whole record. A level change is a jump
        only when it is at least a quarter of the record's range and four standard errors
        of the two window means; a record without one raises ValueError saying so, and
        replicates without one are left out (``left_out``). For a loop, "jump" uses the
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
        Seeds the surrogates. With replicates, replicate i of the input uses
        ``SeedSequence(seed, spawn_key=(i,))`` (the i-th of ``Generator.spawn`` for a
        Generator): analysing replicate i alone with that seed gives the same numbers.
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
    fraction(window, argument="window")
    if detrend not in DETRENDS:
        raise ValueError(f"unknown detrend {detrend!r}; choose one of {DETRENDS}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    surrogates = _checks.count(surrogates, argument="surrogates", minimum=0)
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
    order = _checks.count(order, argument="order", minimum=0)
    if isinstance(end, str) and end != "jump":
        raise ValueError(f"end must be a time, 'jump' or None, got {end!r}")
    if bandwidth is not None:
        _checks.positive(bandwidth, argument="bandwidth")
    rec = records(data, observable, start, end, direction, order, diagram)
    n = rec.b - rec.a
    w = np.array([window_points(window, k, rec.label(i)) for i, k in enumerate(n)])
    duration = rec.t[rec.b - 1] - rec.t[rec.a]
    dt = duration / (n - 1)
    if detrend != "gaussian":
        bw = None
    elif bandwidth is None:
        bw = BANDWIDTH * duration
    else:
        bw = np.full(n.size, float(bandwidth))
    Y = left_align(rec.x, rec.a, n)
    trend, residuals, indicators, tau = analyse(Y, n, w, None if bw is None else bw / dt,
                                                detrend)
    rngs = [seed] if rec.single else _replicate_seeds(seed, rec.total, rec.ids)
    if null is not None:
        if not len(null):
            raise ValueError("null must hold at least one run")
        method = "null"
        samples = _null_tau(null, rec, window, detrend, bw)
    else:
        samples = surrogate_tau(residuals, n, w, surrogates, method, rngs)
    truth = None
    if rec.diagram is not None:
        level = trend
        if detrend != "gaussian":
            level = trend_rows(Y, n, "gaussian", BANDWIDTH * duration / dt)
        truth = score(rec, Y.shape[1], n, w, dt, level, indicators)
    if rec.single:
        return _single_result(rec, n[0], w[0], trend[0], residuals[0], indicators, tau,
                              samples, detrend, None if bw is None else float(bw[0]), method,
                              truth)
    return _replicate_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend,
                             bw, method, truth)


def _replicate_seeds(seed, total, ids):
    """The surrogate seed of each analysed replicate, keyed by its index in the input."""
    if isinstance(seed, np.random.Generator):
        children = seed.spawn(total)
        return [children[i] for i in ids]
    root = seed_root(seed)
    return [child_seed(root, int(i)) for i in ids]


def _null_tau(null, rec, window, detrend, bw):
    """τ (3, R, S) of each indicator in every null run over each row's analysed times, with
    the same settings."""
    runs = [series(run, rec.observable)[:2] for run in null]
    R, S = rec.a.size, len(runs)
    segments, w, sigma = [], [], []
    for i in range(R):
        t0, t1 = rec.t[rec.a[i]], rec.t[rec.b[i] - 1]
        for t, x in runs:
            keep = (t >= t0) & (t <= t1)
            segments.append(x[keep])
            w.append(window_points(window, int(keep.sum()), "null run: "))
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
        out[:, part] = analyse(Y, n, np.array(w[part]),
                                np.array(sigma[part]) if sigma else None, detrend)[3]
    return out.reshape(len(INDICATORS), R, S)


# ---------------------------------------------------------------- results
def _single_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend, bw,
                   method, truth):
    """The EarlyWarning of one record (row 0 of the arrays)."""
    a, m = int(rec.a[0]), n - w + 1
    if truth is not None:
        truth = truth_row(truth, 0, np.arange(m))
    return EarlyWarning(
        observable=rec.observable, t=rec.t[a:], x=rec.x[0, a:], end=float(rec.t[a + n - 1]),
        jump=None if np.isnan(rec.jump[0]) else float(rec.jump[0]), trend=trend[:n],
        residuals=residuals[:n], times=rec.t[a + w - 1:a + n],
        indicators={k: v[0, :m] for k, v in indicators.items()},
        tau={k: float(v) for k, v in zip(INDICATORS, tau[:, 0])},
        p_value={k: p_value(tau[i, 0], samples[i, 0]) for i, k in enumerate(INDICATORS)},
        null_tau={k: samples[i, 0] for i, k in enumerate(INDICATORS)}, window=int(w),
        detrend=detrend, bandwidth=bw, method=method, truth=truth,
        message=f"Analysed {n} points of {rec.observable} from t = {rec.t[a]:g} to "
                f"{rec.t[a + n - 1]:g}" + ("." if np.isnan(rec.jump[0]) else
                                           f", before the jump at t = {rec.jump[0]:g}."))


def _replicate_result(rec, n, w, trend, residuals, indicators, tau, samples, detrend, bw,
                      method, truth):
    """The ReplicateEarlyWarning of the rows: per-replicate arrays on the common grids, the
    mean τ and its combined significance."""
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

    with quiet():
        mean_indicators = {k: np.nanmean(common(v), axis=0) for k, v in indicators.items()}
        mean_tau = {k: float(np.nanmean(tau[i])) for i, k in enumerate(INDICATORS)}
        combined = {}
        for i, k in enumerate(INDICATORS):
            null_mean = np.nanmean(samples[i], axis=0) if samples.shape[2] else samples[i, 0]
            combined[k] = p_value(mean_tau[k], null_mean)
    if truth is not None:
        arrays = {k: common(truth[k]) for k in ("distance", "recovery_rate", "ar1_prediction")}
        with quiet():
            means = {**{k: {name: float(np.nanmean(v)) for name, v in truth[k].items()}
                        for k in SCORES},
                     **{k: float(np.nanmean(truth[k])) for k in AR1_SCORES}}
        truth = {**truth, **arrays, "mean": means}
    message = f"Analysed {R} of {rec.total} replicates of {rec.observable}."
    if rec.left_out:
        message += " Left out: " + "; ".join(f"replicate {i}: {why}"
                                            for i, why in rec.left_out) + "."
    return ReplicateEarlyWarning(
        observable=rec.observable, replicates=rec.ids, t=rec.t, x=rec.x,
        start=rec.t[rec.a], end=rec.t[rec.b - 1], jump=rec.jump, trend=on_grid(trend),
        residuals=on_grid(residuals), times=rec.t[e0:e1 + 1],
        indicators={k: common(v) for k, v in indicators.items()},
        mean_indicators=mean_indicators,
        tau={k: tau[i] for i, k in enumerate(INDICATORS)}, mean_tau=mean_tau,
        p_value={k: np.array([p_value(tau[i, r], samples[i, r]) for r in range(R)])
                 for i, k in enumerate(INDICATORS)},
        combined_p=combined, null_tau={k: samples[i] for i, k in enumerate(INDICATORS)},
        window=w, detrend=detrend, bandwidth=bw, method=method, direction=rec.direction,
        order=rec.order, truth=truth, left_out=rec.left_out,
        status=1 if rec.left_out else 0, message=message)

