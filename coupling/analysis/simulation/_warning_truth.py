r"""Scoring early-warning indicators against the truth: the distance to the fold and the
recovery rate of the stable branch the system is on, from a continuation of the
deterministic counterpart.

Near a stable state the fluctuations are, to linear order, an Ornstein–Uhlenbeck process
with drift rate λ, whose samples at spacing Δt form an AR(1) with coefficient
:math:`e^{\lambda \Delta t}` (for maps, the multiplier μ to the power Δt); the measured lag-1
autocorrelation is compared with that prediction (Kuehn 2011, Physica D 240, 1020-1035).
"""

import numpy as np
from scipy.stats import rankdata

from ._warning_statistics import INDICATORS, left_align

#: A point is on a stable branch when its trend is this fraction of the observable's range
#: (over the diagram's stable branches) from it, or nearer.
BRANCH_GAP = 0.25
SCORES = ("spearman_distance", "spearman_recovery")
AR1_SCORES = ("ar1_deviation", "ar1_bias", "ar1_stderr", "ar1_expected_bias")


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


def score(rec, width, n, w, dt, level, indicators):
    """The truth dict of the rows (see early_warning), arrays left-aligned like the
    indicators (R, M)."""
    discrete = bool(rec.discrete)
    segments = _segments(rec.diagram, rec.observable, discrete)
    p = left_align(np.where(np.isfinite(rec.p), rec.p, 0.0), rec.a, n)
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


def truth_row(truth, i, cols):
    """One replicate's truth dict, as for a single record."""
    out = {k: v for k, v in truth.items() if k != "mean"}
    out.update({k: truth[k][i, cols] for k in ("distance", "recovery_rate", "ar1_prediction")})
    out.update({k: {name: float(v[i]) for name, v in truth[k].items()} for k in SCORES})
    out.update({k: float(truth[k][i]) for k in AR1_SCORES})
    out.update(fold=float(truth["fold"][i]), sampling=float(truth["sampling"][i]),
               scored_windows=int(truth["scored_windows"][i]))
    return out

