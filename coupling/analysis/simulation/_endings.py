r"""How runs end, and which end in the same attractor: the classification behind
``cp.attractors`` and ``cp.path_dependence``.

* **fixed point** — the run stopped at an equilibrium, or every observable varies less than
  ``tol / 10`` of its scale over the examined end (``tail``) of the run;
* **cycle** — the upward crossings of the smoothest active observable through its mid-range
  recur with the same state and the same spacing (the smallest recurrence q of the crossing
  states gives period-q orbits too); the period is the mean return time;
* **irregular** — neither;
* **metastable** — finite stochastic populations: the modes of the kernel density of the
  pooled end-of-run observables along their first principal component (Silverman's
  bandwidth; modes separated by a dip below ``depth`` of the lower peak). Each trajectory is
  labelled by the core of the last state it visited (milestoning), and the mean residence
  time of a state is its labelled time over its exits (the exponential maximum-likelihood
  estimate with censored last visits).

Deterministic ends are the same attractor when their features (time mean and mean -/+
standard deviation over a period of each observable) agree within ``tol`` of each
observable's scale (cycles: their period and section crossing).
"""

from dataclasses import dataclass

import numpy as np
from scipy.integrate import trapezoid


@dataclass
class Ending:
    """How one deterministic run ends: kind, state and extremes (over a period)."""

    kind: str
    state: np.ndarray
    low: np.ndarray                    # features: state -/+ the sd over a period
    high: np.ndarray
    period: float = None
    minimum: np.ndarray = None         # extremes over a period (cycles)
    maximum: np.ndarray = None
    section: np.ndarray = None         # cycles: the state where the orbit crosses a section

    @property
    def features(self):
        return np.concatenate([self.low, self.state, self.high])

    def same(self, other, scale, tol):
        """Whether two endings are the same attractor, to ``tol`` of the scale: cycles by
        their period and section crossing (interpolated on the smoothest observable, so it
        does not depend on where the output samples fall on the fast parts of a relaxation
        oscillation, as period means do), other ends by their features."""
        if other.kind != self.kind:
            return False
        if self.section is None:
            return feature_distance(self.features, other.features, scale) <= tol
        return (feature_distance(self.section, other.section, scale) <= tol
                and abs(self.period - other.period) <= tol * self.period)


@dataclass
class Groups:
    """Runs grouped by the attractor they end in (-1: failed)."""

    labels: np.ndarray
    endings: list                      # per group: its Ending
    scale: np.ndarray
    stats: list = None                 # metastable: per group residence statistics
    visits: np.ndarray = None          # metastable: (runs, groups) time spent in each
    classify: object = None            # metastable: observables (T, d) -> core index or -1


def observable_matrix(trajectory, names):
    return np.column_stack([trajectory[n] for n in names])


def run_scale(runs, names):
    """Per-observable scale: the largest |value| any run visits (floored)."""
    peaks = [np.max(np.abs(observable_matrix(r, names)), axis=0) for r in runs
             if r.success and r.t.size]
    scale = np.max(peaks, axis=0) if peaks else np.ones(len(names))
    return np.maximum(scale, 1e-12)


def describe(trajectory, names, *, scale, tail, tol):
    """Classify the end of a deterministic run (see the module notes)."""
    series = observable_matrix(trajectory, names)
    t = trajectory.t
    if trajectory.status == 1 or t.size < 4:
        return Ending("fixed point", series[-1], series[-1], series[-1])
    keep = t >= t[-1] - tail * (t[-1] - t[0])
    W, tw = series[keep], t[keep]
    amplitude = np.ptp(W, axis=0)
    if np.all(amplitude <= 0.1 * tol * scale):
        return Ending("fixed point", series[-1], series[-1], series[-1])
    cycle = _cycle(W, tw, amplitude, scale, tol)
    if cycle is not None:
        return cycle
    mean, sd = W.mean(axis=0), W.std(axis=0)
    return Ending("irregular", mean, mean - sd, mean + sd)


def _cycle(W, tw, amplitude, scale, tol):
    """A periodic end: returns of the section crossings to the same state at equal
    intervals; the smallest recurrence q of the crossing states covers period-q orbits."""
    active = amplitude > 0.1 * tol * scale
    steps = np.max(np.abs(np.diff(W, axis=0)), axis=0)
    smooth = np.where(active, amplitude / np.maximum(steps, 1e-300), -np.inf)
    j = int(np.argmax(smooth))
    x = W[:, j] - (W[:, j].max() + W[:, j].min()) / 2
    up = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    if up.size < 3:
        return None
    frac = -x[up] / (x[up + 1] - x[up])
    crossings = tw[up] + frac * (tw[up + 1] - tw[up])
    states = W[up] + frac[:, None] * (W[up + 1] - W[up])
    n = crossings.size
    for q in range(1, n // 2 + 1):
        same = np.max(np.abs(states[q:] - states[:-q]) / scale) <= tol
        returns = crossings[q:] - crossings[:-q]
        if same and np.ptp(returns) <= tol * returns.mean():
            return _cycle_ending(W, tw, float(returns.mean()), states[-q:].mean(axis=0))
    return None


def _cycle_ending(W, tw, period, section):
    """Time mean and standard deviation (trapezoid) over the last period, whose features
    are mean -/+ sd: integrals, insensitive to where the output samples fall on fast
    segments. The extremes are the sampled ones."""
    start = tw[-1] - period
    inside = tw > start
    t = np.concatenate([[start], tw[inside]])
    first = np.array([np.interp(start, tw, W[:, j]) for j in range(W.shape[1])])
    values = np.vstack([first, W[inside]])
    mean = trapezoid(values, t, axis=0) / period
    sd = np.sqrt(trapezoid((values - mean) ** 2, t, axis=0) / period)
    return Ending("cycle", mean, mean - sd, mean + sd, period,
                  values.min(axis=0), values.max(axis=0), section)


def deterministic_groups(runs, *, names, tail, tol, scale=None):
    """Group deterministic runs by their ends: the same kind and features within ``tol``
    of the scale (leader clustering in run order)."""
    scale = run_scale(runs, names) if scale is None else scale
    labels, endings = np.full(len(runs), -1), []
    for r, run in enumerate(runs):
        if not run.success:
            continue
        ending = describe(run, names, scale=scale, tail=tail, tol=tol)
        for g, other in enumerate(endings):
            if other.same(ending, scale, tol):
                labels[r] = g
                break
        else:
            labels[r] = len(endings)
            endings.append(ending)
    return Groups(labels, endings, scale)


def feature_distance(a, b, scale):
    """max |a - b| / scale over the features (mean -/+ sd, mean of each observable)."""
    return float(np.max(np.abs(a - b) / np.tile(scale, a.size // scale.size)))


def metastable_groups(runs, *, names, tail, depth, core=0.5):
    """Metastable states of stochastic runs: density modes of the pooled end-of-run
    observables along their first principal component; each run labelled by milestoning."""
    ok = [r for r in runs if r.success and r.t.size]
    labels = np.full(len(runs), -1)
    if not ok:
        return Groups(labels, [], np.ones(len(names)), [])
    tails = [observable_matrix(r, names)[r.t >= r.t[-1] - tail * (r.t[-1] - r.t[0])]
             for r in ok]
    pooled = np.vstack(tails)
    centre, spread = pooled.mean(axis=0), pooled.std(axis=0)
    spread[spread == 0] = 1.0
    axis = _principal_axis((pooled - centre) / spread)
    project = lambda series: ((series - centre) / spread) @ axis  # noqa: E731
    modes, cuts = density_modes(project(pooled), depth=depth)
    cores = _cores(modes, cuts, core)
    scale = np.maximum(np.max(np.abs(pooled), axis=0), 1e-12)
    k = modes.size
    exits, sums, counts = np.zeros(k, int), np.zeros((2, k, len(names))), np.zeros((2, k))
    visits = np.zeros((len(runs), k))
    for r, run in enumerate(runs):
        if not (run.success and run.t.size):
            continue
        series = observable_matrix(run, names)
        s = project(series)
        milestone = _milestones(s, cores, modes)
        np.add.at(visits[r], milestone[:-1], np.diff(run.t))
        change = milestone[1:] != milestone[:-1]
        np.add.at(exits, milestone[:-1][change], 1)
        in_tail = run.t >= run.t[-1] - tail * (run.t[-1] - run.t[0])
        core_hit = _core_index(s, cores)
        for part, where in enumerate((in_tail & (core_hit >= 0), slice(None))):
            np.add.at(sums[part], milestone[where], series[where])  # in the cores, or anywhere
            np.add.at(counts[part], milestone[where], 1)
        labels[r] = milestone[-1]
    time = visits.sum(axis=0)
    endings, statistics = [], []
    for m in range(k):
        part = 0 if counts[0, m] else 1
        state = sums[part, m] / max(counts[part, m], 1)
        endings.append(Ending("metastable", state, state, state))
        statistics.append({"time": time[m], "exits": int(exits[m]),
                           "residence_time": time[m] / exits[m] if exits[m] else None,
                           "occupancy": time[m] / time.sum() if time.sum() else None})
    return Groups(labels, endings, scale, statistics, visits,
                  classify=lambda series: _core_index(project(series), cores))


def _principal_axis(Z):
    if Z.shape[1] == 1:
        return np.ones(1)
    _, _, vt = np.linalg.svd(Z - Z.mean(axis=0), full_matrices=False)
    axis = vt[0]
    return axis * np.sign(axis[np.argmax(np.abs(axis))])


def density_modes(s, *, depth, grid=512):
    r"""Modes of the Gaussian kernel density of the sample ``s`` and the antimodes between
    them. Bandwidth: Silverman's rule :math:`0.9 \min(\sigma, \mathrm{IQR}/1.34)\, n^{-1/5}`.
    Adjacent modes merge while the density between them exceeds ``depth`` times the lower
    peak. Returns ``(modes, cuts)``, sorted."""
    s = np.asarray(s, dtype=float)
    sd = s.std()
    iqr = np.subtract(*np.percentile(s, [75, 25]))
    h = 0.9 * min(sd, iqr / 1.34 if iqr > 0 else sd) * s.size ** -0.2
    if not h > 0:
        return np.array([float(np.mean(s))]), np.array([])
    x = np.linspace(s.min() - 3 * h, s.max() + 3 * h, grid)
    counts, edges = np.histogram(s, bins=4 * grid, range=(x[0], x[-1]))
    centres = (edges[:-1] + edges[1:]) / 2
    density = np.zeros(grid)
    for lo in range(0, grid, 128):  # binned KDE, in blocks to bound memory
        d = (x[lo:lo + 128, None] - centres[None, :]) / h
        density[lo:lo + 128] = np.exp(-0.5 * d * d) @ counts
    peaks = [i for i in range(grid) if (i == 0 or density[i] > density[i - 1])
             and (i == grid - 1 or density[i] >= density[i + 1])]
    merged = True
    while merged and len(peaks) > 1:
        merged = False
        for a in range(len(peaks) - 1):
            i, j = peaks[a], peaks[a + 1]
            valley = density[i:j + 1].min()
            if valley > depth * min(density[i], density[j]):
                peaks.pop(a if density[i] < density[j] else a + 1)
                merged = True
                break
    cuts = [x[i + int(np.argmin(density[i:j + 1]))] for i, j in zip(peaks[:-1], peaks[1:])]
    return x[peaks], np.array(cuts)


def _cores(modes, cuts, core):
    """Each state's core: the part of its interval within ``core`` of the way from its mode
    to the neighbouring antimodes."""
    lo = np.concatenate([[-np.inf], modes[1:] - core * (modes[1:] - cuts)])
    hi = np.concatenate([modes[:-1] + core * (cuts - modes[:-1]), [np.inf]])
    return lo, hi


def _core_index(s, cores):
    """The core each point lies in, -1 for none."""
    lo, hi = cores
    inside = (s[:, None] >= lo[None, :]) & (s[:, None] <= hi[None, :])
    return np.where(inside.any(axis=1), inside.argmax(axis=1), -1)


def _milestones(s, cores, modes):
    """Label of the last core visited at each time (before the first visit: nearest mode)."""
    hit = _core_index(s, cores)
    index = np.where(hit >= 0, np.arange(s.size), 0)
    np.maximum.accumulate(index, out=index)
    labels = hit[index]
    first = np.argmin(np.abs(s[0] - modes))
    return np.where(labels >= 0, labels, first)

