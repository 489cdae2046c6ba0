"""The results of ``cp.early_warning``: one record, or replicate records analysed together."""

from dataclasses import dataclass, field

import numpy as np

from ..._text import counted
from ...results import Result
from ._warning_statistics import INDICATORS, quiet
from ._warning_truth import truth_row


@dataclass
class EarlyWarning(Result):
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
        the fold, see :func:`~coupling.early_warning`.
    status, message : int, str
        0 and what was analysed.
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
    status: int = 0
    message: str = ""

    def summary(self):
        """What was analysed, and Kendall's τ of each indicator with its p-value."""
        jump = "" if self.jump is None else f" before the jump at t = {self.jump:g}"
        detrend = (f"gaussian (bandwidth {self.bandwidth:g})" if self.detrend == "gaussian"
                   else str(self.detrend))
        nulls = self.null_tau[INDICATORS[0]].size
        lines = [f"observable  {self.observable}{jump}",
                 f"analysed    t = {self.t[0]:g} to {self.end:g} ({self.trend.size} points), "
                 f"window {self.window} points",
                 f"detrended   {detrend}",
                 f"null        {_null_text(self.method, nulls)}",
                 f"  {'indicator':<16}{'Kendall tau':>12}{'p-value':>10}"]
        lines += [f"  {name:<16}{self.tau[name]:>+12.3f}{self.p_value[name]:>10.3g}"
                  for name in INDICATORS]
        return "\n".join(lines + _truth_lines(self.truth))

    def plot(self, *, ax=None, axes=None):
        """The observable and its indicators: four panels sharing the time axis (on
        ``axes`` when given) -- the observable with its trend, the first window shaded and
        the cut-off ``end`` dashed, then variance, autocorrelation and skewness, each
        labelled with τ and p; returns the four Axes. With ``ax`` instead: the three
        indicators standardised on that one Axes, which is returned."""
        from ...plotting import _simulation

        if ax is not None:
            return _simulation.plot_early_warning_standardised(self, ax=ax)
        return _simulation.plot_early_warning(self, axes=axes)

    def to_dataframe(self):
        """One row per window end: time and the three indicators."""
        import pandas as pd

        return pd.DataFrame({"t": self.times, **self.indicators})

    def __repr__(self):
        return (f"EarlyWarning(observable={self.observable!r}, t=[{self.t[0]:g}, {self.end:g}]"
                f" ({self.trend.size} points), window={self.window}, method={self.method!r}, "
                + ", ".join(f"tau_{name}={self.tau[name]:+.3f}" for name in INDICATORS)
                + f", status={self.status})")


@dataclass
class ReplicateEarlyWarning(Result):
    """Early-warning indicators of R replicate records, computed together.

    Every array has one row per analysed replicate; indicators are aligned on a common grid
    of window-end times (NaN where a replicate has no window ending there).

    Attributes
    ----------
    observable : str
    replicates : ndarray (R,) of int
        Which replicates of the input were analysed (those without a jump to stop before are
        left out: a HysteresisLoop's without a jump of the chosen direction and order, and
        with ``end="jump"`` those in which no jump is found).
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
    mean_indicators : dict of ndarray (M,)
        Their means over the replicates (NaN where no replicate has a window).
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
    left_out : list of (int, str)
        The replicates of the input not analysed, and why.
    status, message : int, str
        0, or 1 when replicates were left out; what was analysed.
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
    mean_indicators: dict
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
    left_out: list = field(default_factory=list)
    status: int = 0
    message: str = ""

    def __len__(self):
        return self.replicates.size

    def summary(self):
        """What was analysed, and per indicator the mean τ over the replicates, its spread
        and the combined p-value."""
        with quiet():
            spread = {k: (np.nanstd(v), np.nanmin(v)) for k, v in self.tau.items()}
        jumps = (f", before {self.direction}-jump {self.order}" if self.direction is not None
                 else ", before each jump" if np.any(np.isfinite(self.jump)) else "")
        nulls = self.null_tau[INDICATORS[0]].shape[1]
        lines = [f"observable  {self.observable}, {counted(len(self), 'replicate', 'replicates')}"
                 f"{jumps}",
                 f"analysed    t = {np.min(self.start):g} to {np.max(self.end):g}, windows of "
                 f"{int(np.min(self.window))}-{int(np.max(self.window))} points",
                 f"detrended   {self.detrend}",
                 f"null        {_null_text(self.method, nulls)} per replicate"]
        lines += [f"left out    replicate {i}: {why}" for i, why in self.left_out]
        lines.append(f"  {'indicator':<16}{'mean tau':>10}{'sd':>8}{'min':>8}"
                     f"{'combined p':>12}")
        lines += [f"  {name:<16}{self.mean_tau[name]:>+10.3f}{spread[name][0]:>8.3f}"
                  f"{spread[name][1]:>+8.3f}{self.combined_p[name]:>12.3g}"
                  for name in INDICATORS]
        return "\n".join(lines + _truth_lines(self.truth))

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
            truth=None if self.truth is None else truth_row(self.truth, i, cols),
            message=f"Replicate {int(self.replicates[i])} of a replicate analysis.")

    def plot(self, *, ax=None, axes=None):
        """The replicates and their indicators: four panels sharing the time axis (on
        ``axes`` when given) -- every replicate's record with its trend, then variance,
        autocorrelation and skewness of every replicate (thin) with their mean (thick),
        labelled with the mean τ and the combined p; returns the four Axes. With ``ax``
        instead: the replicate means standardised on that one Axes, which is returned."""
        from ...plotting import _simulation

        if ax is not None:
            return _simulation.plot_replicate_early_warning_standardised(self, ax=ax)
        return _simulation.plot_replicate_early_warning(self, axes=axes)

    def to_dataframe(self):
        """One row per replicate: its analysed span, jump, τ and p of each indicator."""
        import pandas as pd

        data = {"replicate": self.replicates, "start": self.start, "end": self.end,
                "jump": self.jump, "window": self.window}
        for name in INDICATORS:
            data[f"tau_{name}"] = self.tau[name]
            data[f"p_{name}"] = self.p_value[name]
        return pd.DataFrame(data)

    def __repr__(self):
        return (f"ReplicateEarlyWarning(observable={self.observable!r}, {len(self)} "
                f"replicates, method={self.method!r}, "
                + ", ".join(f"mean_tau_{name}={self.mean_tau[name]:+.3f}"
                            for name in INDICATORS)
                + f", status={self.status})")


def _null_text(method, count):
    if method == "null":
        return f"{counted(count, 'null run', 'null runs')}"
    if count == 0:
        return "none (no significance test)"
    kind = "phase-randomised" if method == "phase" else "AR(1)"
    return f"{count} {kind} surrogates"


def _truth_lines(truth):
    """The scores against the distance to the fold (replicate means for replicates)."""
    if truth is None:
        return []
    mean = truth.get("mean", truth)
    with quiet():
        fold = float(np.nanmean(truth["fold"]))
    rho = ", ".join(f"{k} {float(v):+.2f}" for k, v in mean["spearman_distance"].items())
    return [f"truth       {truth['parameter']} fold at {fold:.4g}; Spearman with the "
            f"distance to it: {rho}",
            f"            AR(1) |deviation| {float(mean['ar1_deviation']):.3f} (sampling sd "
            f"{float(mean['ar1_stderr']):.3f}, bias {float(mean['ar1_bias']):+.3f})"]
