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
"""

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter
from scipy.stats import kendalltau

from ..results import _jsonable

INDICATORS = ("variance", "autocorrelation", "skewness")
METHODS = ("phase", "ar1")
DETRENDS = ("gaussian", "linear", None)
#: Half-width of the level-change detector locating the jump, as a fraction of the record.
JUMP_SPAN = 0.05
#: Default Gaussian bandwidth, as a fraction of the analysed record's duration.
BANDWIDTH = 0.1
#: Fewest points in a window (skewness needs three) and fewest window positions (for τ).
MIN_WINDOW = 3
MIN_POSITIONS = 3
#: Surrogate values generated at once (16 MB of float64): bounds the memory of long records.
BATCH = 2 ** 21


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

    def __repr__(self):
        spacing = self.t[1] - self.t[0]
        detrend = (f"detrend={self.detrend!r}, bandwidth={self.bandwidth:g}"
                   if self.detrend == "gaussian" else f"detrend={self.detrend!r}")
        rows = "".join(f"\n  {name:<16} tau = {self.tau[name]:+.3f}   "
                       f"p = {self.p_value[name]:.3g}" for name in INDICATORS)
        return (f"EarlyWarning(observable={self.observable!r}, t=[{self.t[0]:g}, {self.end:g}]"
                f" ({self.trend.size} points), window={self.window} points "
                f"({self.window * spacing:g} time), {detrend}, method={self.method!r} "
                f"({self.null_tau[INDICATORS[0]].size} null samples)){rows}")

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


def early_warning(data, observable=None, *, window=0.5, detrend="gaussian", bandwidth=None,
                  start=None, end="jump", surrogates=200, method="phase", null=None,
                  seed=None):
    r"""Rolling variance, lag-1 autocorrelation and skewness before a transition, their
    Kendall trends and the significance of those trends.

    Parameters
    ----------
    data : Trajectory, object with ``.t`` and ``[observable]``, or (t, x) pair of arrays
        An equally spaced record of the observable.
    observable : str, optional
        Which series (default: the first aggregate).
    window : float in (0, 1)
        Rolling window as a fraction of the analysed record (Dakos et al. 2012: one half).
    detrend : {"gaussian", "linear", None}
        Trend removed before the indicators: Gaussian kernel smoothing (Nadaraya–Watson,
        :math:`\hat x(t) = \sum_j K(t - t_j) x_j / \sum_j K(t - t_j)` with a Gaussian K of
        standard deviation ``bandwidth``), a least-squares line, or the mean only.
    bandwidth : float, optional
        Kernel standard deviation in time units (default: a tenth of the analysed duration).
    start : float, optional
        First time analysed (default: the first recorded), e.g. to skip an initial transient.
    end : float, "jump" or None
        Last time analysed. "jump" (default) stops before the largest jump: with
        k = ⌈0.05 T⌉ for T points from ``start``, the jump is at the point i maximising the
        level change :math:`|\bar x_{[i, i+k)} - \bar x_{[i-k, i)}|`, and the analysis ends
        just before that detector's left window, at :math:`t_{i-k-1}`, so a jump lasting
        fewer than 2k points is excluded. A record without a transition has no jump to find:
        give ``end`` explicitly, or None for the whole record.
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
        ``data``; they are analysed over the same times with the same settings.
    seed : int, SeedSequence or Generator, optional
        Seeds the surrogates.

    Returns
    -------
    EarlyWarning

    Notes
    -----
    Indicators of a window ending at point i use residuals :math:`r_{i-w+1}, \dots, r_i`:
    variance :math:`m_2`, skewness :math:`m_3 / m_2^{3/2}` (central moments with divisor w,
    as ``scipy.stats.skew``), and lag-1 autocorrelation
    :math:`\sum_j (r_j - \bar r)(r_{j+1} - \bar r) / \sum_j (r_j - \bar r)^2`. They are
    computed from cumulative sums, O(n) per series. The p-value of indicator k is one-sided,
    :math:`(1 + \#\{s: \tau_s \ge \tau\}) / (1 + S)`: a rising trend is the warning. The
    expected sign of the skewness trend depends on the direction of the transition.
    """
    if not 0 < window < 1:
        raise ValueError(f"window is a fraction of the record in (0, 1), got {window!r}")
    if detrend not in DETRENDS:
        raise ValueError(f"unknown detrend {detrend!r}; choose one of {DETRENDS}")
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {METHODS}")
    if int(surrogates) != surrogates or surrogates < 0:
        raise ValueError(f"surrogates must be a whole number >= 0, got {surrogates!r}")
    t, x, observable = _series(data, observable)
    if start is not None:
        t, x = t[t >= start], x[t >= start]
    jump = None
    if isinstance(end, str):
        if end != "jump":
            raise ValueError(f"end must be a time, 'jump' or None, got {end!r}")
        n, i_jump = _before_jump(x)
        jump = float(t[i_jump])
    else:
        n = t.size if end is None else int(np.searchsorted(t, end, side="right"))
    w = _window_points(window, n)
    if detrend != "gaussian":
        bandwidth = None
    elif bandwidth is None:
        bandwidth = BANDWIDTH * (t[n - 1] - t[0])
    if bandwidth is not None and not bandwidth > 0:
        raise ValueError(f"bandwidth must be > 0, got {bandwidth!r}")
    trend = _trend(t[:n], x[:n], detrend, bandwidth)
    residuals = x[:n] - trend
    times = t[w - 1:n]
    indicators = _rolling(residuals, w)
    tau = {k: float(v) for k, v in zip(INDICATORS, _kendall(times, _stack(indicators)))}
    if null is not None:
        if not len(null):
            raise ValueError("null must hold at least one run")
        method = "null"
        samples = np.stack([_null_run(run, observable, t[0], t[n - 1], window, detrend,
                                      bandwidth) for run in null], axis=1)
    else:
        samples = _surrogate_tau(residuals, times, w, int(surrogates), method,
                                 np.random.default_rng(seed))
    p_value = {k: _p_value(tau[k], s) for k, s in zip(INDICATORS, samples)}
    return EarlyWarning(observable=observable, t=t, x=x, end=float(t[n - 1]), jump=jump,
                        trend=trend, residuals=residuals, times=times, indicators=indicators,
                        tau=tau, p_value=p_value, null_tau=dict(zip(INDICATORS, samples)),
                        window=w, detrend=detrend, bandwidth=bandwidth, method=method)


# ---------------------------------------------------------------- input
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
                            f"or a (t, x) pair of arrays; got {type(data).__name__}") from None
        observable = "x" if observable is None else observable
    t, x = np.asarray(t, dtype=float), np.asarray(x, dtype=float)
    if t.ndim != 1 or t.shape != x.shape:
        raise ValueError(f"t and {observable} must be 1-D of one length, got shapes "
                         f"{t.shape} and {x.shape}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(x))):
        raise ValueError(f"t and {observable} must be finite")
    step = np.diff(t)
    if step.size and not (np.all(step > 0) and np.ptp(step) <= 1e-6 * step.mean()):
        raise ValueError("the times must be increasing and equally spaced")
    return t, x, observable


def _window_points(window, n):
    """Window length in points; too few points or positions raise."""
    w = int(round(window * n))
    if w < MIN_WINDOW or n - w + 1 < MIN_POSITIONS:
        raise ValueError(f"too few points: {n} analysed points and a window of {w}; a "
                         f"window needs {MIN_WINDOW} points and the trend "
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


# ---------------------------------------------------------------- statistics
def _trend(t, x, detrend, bandwidth):
    """Gaussian kernel (Nadaraya–Watson) smooth, least-squares line, or the mean."""
    if detrend == "gaussian":
        sigma = bandwidth / (t[1] - t[0])
        smooth = gaussian_filter1d(x, sigma, mode="constant")
        return smooth / gaussian_filter1d(np.ones_like(x), sigma, mode="constant")
    if detrend == "linear":
        return np.polyval(np.polyfit(t - t[0], x, 1), t - t[0])
    return np.full_like(x, x.mean())


def _window_sums(z, w):
    """Sums of z over every window of w consecutive points along the last axis."""
    c = np.cumsum(z, axis=-1)
    c = np.concatenate([np.zeros(c.shape[:-1] + (1,)), c], axis=-1)
    return c[..., w:] - c[..., :-w]


def _rolling(r, w):
    r"""Variance, lag-1 autocorrelation and skewness in windows of w points, from window
    sums of r, r², r³ and r_j r_{j+1} (r: (..., n); results (..., n - w + 1))."""
    r = r - r.mean(axis=-1, keepdims=True)
    s1, s2, s3 = (_window_sums(r ** p, w) for p in (1, 2, 3))
    mean = s1 / w
    m2 = s2 / w - mean ** 2
    m3 = s3 / w - 3 * mean * s2 / w + 2 * mean ** 3
    lagged = _window_sums(r[..., :-1] * r[..., 1:], w - 1)
    head = s1 - r[..., w - 1:]  # r_j, j < last
    tail = s1 - r[..., :r.shape[-1] - w + 1]  # r_{j+1}, j < last
    cross = lagged - mean * (head + tail) + (w - 1) * mean ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"variance": m2, "autocorrelation": cross / (w * m2),
                "skewness": m3 / m2 ** 1.5}


def _stack(indicators):
    return np.stack([indicators[name] for name in INDICATORS])


def _kendall(times, values):
    """Kendall's τ_b of each series in values (..., m) against times (m,)."""
    flat = values.reshape(-1, times.size)
    tau = [kendalltau(times, row).statistic for row in flat]
    return np.asarray(tau, dtype=float).reshape(values.shape[:-1])


def _p_value(tau, null):
    """One-sided (1 + #{τ_s ≥ τ}) / (1 + S); NaN without null samples."""
    if null.size == 0:
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


def _surrogate_tau(r, times, w, count, method, rng):
    """τ of each indicator in count surrogates of r, (3, count), made in batches of at most
    BATCH values."""
    size = max(1, BATCH // r.size)
    taus = []
    for i in range(0, count, size):
        fake = _surrogates(r, min(size, count - i), method, rng)
        taus.append(_kendall(times, _stack(_rolling(fake, w))))
    return np.concatenate(taus, axis=1) if taus else np.empty((len(INDICATORS), 0))


def _null_run(run, observable, t0, t1, window, detrend, bandwidth):
    """τ of each indicator in one null run over [t0, t1], with the same settings."""
    t, x, _ = _series(run, observable)
    keep = (t >= t0) & (t <= t1)
    t, x = t[keep], x[keep]
    w = _window_points(window, t.size)
    r = x - _trend(t, x, detrend, bandwidth)
    return _kendall(t[w - 1:], _stack(_rolling(r, w)))


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
