r"""The statistics of ``cp.early_warning``, on whole arrays of replicate records.

Rows of a 2-D array are records (left-aligned, row i valid on its first n_i points): their
trends (Gaussian kernel smoothing, a line, the mean), rolling variance, lag-1
autocorrelation and skewness from cumulative window sums (O(n) per row), Kendall's τ of
every row against time by a merge count vectorised over rows (Knight 1966, JASA 61,
436-439), one-sided p-values, and surrogate residuals (phase-randomised, Theiler et al.
1992, Physica D 58, 77-94; or AR(1), Dakos et al. 2008, PNAS 105, 14308-14312).
"""

import contextlib
import warnings

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter
from scipy.stats import kendalltau

INDICATORS = ("variance", "autocorrelation", "skewness")
#: Fewest points in a window (skewness needs three) and fewest window positions (for τ).
MIN_WINDOW = 3
MIN_POSITIONS = 3
#: Values processed at once (16 MB of float64): bounds the memory of long records and of
#: many surrogates.
BATCH = 2 ** 21
#: Longest row whose τ is counted by the vectorised merge; longer rows use scipy row by row
#: (faster there: its per-call overhead is amortised).
KENDALL_MERGE = 2048


@contextlib.contextmanager
def quiet():
    """Silence numpy's warnings about means of all-NaN slices."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def window_points(window, n, label=""):
    """Window length in points; too few points or positions raise."""
    w = int(round(window * n))
    if w < MIN_WINDOW or n - w + 1 < MIN_POSITIONS:
        raise ValueError(f"{label}too few points: {n} analysed points and a window of {w}; "
                         f"a window needs {MIN_WINDOW} points and the trend "
                         f"{MIN_POSITIONS} window positions")
    return w


def left_align(X, a, n):
    """Rows X[i, a_i : a_i + n_i], left-aligned in (R, max n) and zero-padded."""
    width = int(n.max())
    valid = np.arange(width) < n[:, None]
    idx = np.where(valid, a[:, None] + np.arange(width), 0)
    return np.where(valid, np.take_along_axis(X, idx, axis=1), 0.0)


def analyse(Y, n, w, sigma, detrend):
    """Trend, residuals, indicators and τ (3, R) of left-aligned rows Y (R, N) with n valid
    points, windows of w points and kernel standard deviations sigma (points)."""
    trend = trend_rows(Y, n, detrend, sigma)
    residuals = Y - trend
    indicators = rolling(residuals, w, n)
    m = n - w + 1
    stacked = np.concatenate([indicators[k] for k in INDICATORS])
    tau = kendall_rows(stacked, np.tile(m, len(INDICATORS)))
    return trend, residuals, indicators, tau.reshape(len(INDICATORS), -1)


def _row_sums(Z, n):
    """Sum of the first n_i values of each row, accumulated in order (so padding after them
    changes nothing)."""
    return np.cumsum(Z, axis=-1)[np.arange(Z.shape[0]), n - 1]


def trend_of(t, x, detrend, bandwidth):
    """Gaussian kernel (Nadaraya–Watson) smooth, least-squares line, or the mean of one
    equally spaced record."""
    n = np.array([x.size])
    sigma = None if bandwidth is None else \
        np.array([bandwidth * (x.size - 1) / (t[-1] - t[0])])
    return trend_rows(np.asarray(x, dtype=float)[None], n, detrend, sigma)[0]


def trend_rows(Y, n, detrend, sigma):
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


def rolling(r, w, n=None):
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


def kendall_rows(values, m):
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


def p_value(tau, null):
    """One-sided (1 + #{τ_s ≥ τ}) / (1 + S); NaN without null samples or without τ."""
    if null.size == 0 or np.isnan(tau):
        return float("nan")
    return float((1 + np.count_nonzero(null >= tau)) / (1 + null.size))


def surrogates(r, count, method, rng):
    """count surrogate series of the residuals r, shape (count, n)."""
    n = r.size
    if method == "phase":
        spectrum = np.fft.rfft(r)
        phases = rng.uniform(0.0, 2 * np.pi, (count, spectrum.size))
        phases[:, 0] = 0.0  # the mean stays real
        if n % 2 == 0:
            phases[:, -1] = 0.0  # so does the Nyquist term
        return np.fft.irfft(spectrum * np.exp(1j * phases), n, axis=-1)
    a = float(rolling(r, n)["autocorrelation"][0])
    variance = r.var()
    noise = rng.standard_normal((count, n)) * np.sqrt(variance * (1 - a * a))
    noise[:, 0] *= 1 / np.sqrt(1 - a * a)  # start from the stationary distribution
    return r.mean() + lfilter([1.0], [1.0, -a], noise, axis=-1)


def surrogate_tau(residuals, n, w, count, method, seeds):
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
        ind = rolling(fake, w[rows], lengths)
        stacked = np.concatenate([ind[name] for name in INDICATORS])
        tau = kendall_rows(stacked, np.tile(lengths - w[rows] + 1, len(INDICATORS)))
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
            fake = surrogates(x, min(size, count - s0), method, rng)
            pending.append((r, s0, fake))
            held += fake.size
            if held >= BATCH:
                flush()
                held = 0
    flush()
    return out

