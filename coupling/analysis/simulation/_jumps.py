r"""Jumps and loops of a sweep: the kernels of ``cp.hysteresis``.

On each leg, with u the parameter distance travelled and w the window, the windowed change
D(u) = y(u + w/2) − y(u − w/2) of the primary observable is compared with the level θ R
(R the observable's range over both legs): each run of samples with |D| > θ R is one jump,
located where y crosses the middle of its ``from`` and ``to`` values. An up-jump and a
down-jump of opposite signs whose ranges overlap make a loop when they lie farther apart
than the resolution of the sweep.
"""

import numpy as np
from scipy import stats


def find_jumps(data, spec, plan):
    """Every jump of one run (``data``: its samples and jump scales), in time order."""
    found = []
    if data.level <= 0:
        return found
    stepped = plan.staircase or spec.response  # no interpolation between levels
    for direction in ("up", "down"):
        idx = np.flatnonzero(data.phase == direction)
        if idx.size < 2:
            continue
        sign = 1.0 if direction == "up" else -1.0
        start = spec.lo if direction == "up" else spec.hi
        u = sign * (data.p[idx] - start)
        y = data.y[idx]
        # the first sample after the hold that follows the leg: a jump may go on until then
        later = np.flatnonzero((data.t > data.t[idx[-1]]) & (data.phase != "hold"))
        k = later[0] if later.size else data.t.size - 1
        tail = np.flatnonzero((data.t > data.t[idx[-1]]) & (data.t <= data.t[k]))
        go_on = abs(data.y[k] - y[-1]) > data.level
        runs = _leg_runs(u, data.Y[idx], data.w, data.level)
        for n, (a, b, before, after) in enumerate(runs):
            held = go_on and n == len(runs) - 1 and u[b] + data.w / 2 >= u[-1]
            if held:  # cut by the end of the leg: it completes during the hold
                after = data.Y[k]
            crossing = _crossing(u, y, before[0], after[0], a, data.w, stepped,
                                 data.y[tail] if held else None)
            if crossing is None:
                continue
            found.append(_jump(spec, direction, *_where(data, idx, tail, u, start, sign,
                                                        *crossing),
                               before, after, held))
            go_on = go_on and not held
        if go_on:  # nothing under way at the end of the leg, yet the hold moved it
            before = np.array([np.interp(u[-1] - data.w, u, data.Y[idx, c])
                               for c in range(data.Y.shape[1])])
            if abs(data.y[k] - before[0]) > data.level:
                crossing = _crossing(u, y, before[0], data.y[k], idx.size - 1, 0.0, True,
                                     data.y[tail]) or (idx.size + tail.size - 2, 1.0)
                found.append(_jump(spec, direction, *_where(data, idx, tail, u, start, sign,
                                                            *crossing),
                                   before, data.Y[k], True))
    found.sort(key=lambda j: j["t"])
    return found


def _leg_runs(u, Y, w, level):
    """Candidate jumps on one leg (u increasing): runs of samples where the windowed change
    D(u) = y(u + w/2) − y(u − w/2) exceeds the level, as (first, last, before, after) with
    the observables half a window outside the run."""
    y = Y[:, 0]
    D = np.interp(u + w / 2, u, y) - np.interp(u - w / 2, u, y)
    big = np.abs(D) > level
    edges = np.flatnonzero(np.diff(np.concatenate([[0], big.astype(int), [0]])))
    runs = []
    for a, b in zip(edges[::2], edges[1::2] - 1):
        s = np.sign(D[a + np.argmax(np.abs(D[a:b + 1]))])
        if runs and runs[-1][2] == s and u[a] - u[runs[-1][1]] < w:
            runs[-1] = (runs[-1][0], b, s)  # one jump split by noise
        else:
            runs.append((a, b, s))
    out = []
    for a, b, _ in runs:
        before = np.array([np.interp(u[a] - w / 2, u, Y[:, c]) for c in range(Y.shape[1])])
        after = np.array([np.interp(u[b] + w / 2, u, Y[:, c]) for c in range(Y.shape[1])])
        out.append((a, b, before, after))
    return out


def _crossing(u, y, before, after, a, w, stepped, tail=None):
    """(i, frac): the first crossing of the middle (before + after)/2, from half a window
    before sample a on, between samples i and i + 1 of the leg (continued by ``tail``, the
    hold's samples, when given); frac = 1 for a staircase (the first level past it)."""
    values = y if tail is None else np.concatenate([y, tail])
    i0 = int(np.searchsorted(u, u[a] - w / 2))
    f = np.sign(after - before) * (values[i0:] - (before + after) / 2)
    cross = np.flatnonzero((f[:-1] < 0) & (f[1:] >= 0))
    if cross.size:
        j = int(cross[0])
        inside = i0 + j + 1 < y.size
        frac = float(-f[j] / (f[j + 1] - f[j])) if inside and not stepped else 1.0
        return i0 + j, frac
    if f.size and f[0] >= 0 and i0 > 0:
        return i0 - 1, 1.0
    return None


def _where(data, idx, tail, u, start, sign, i, frac):
    """(param, t) of a crossing between samples i and i + 1 of a leg and its hold."""
    if i + 1 < idx.size:
        param = start + sign * (u[i] + frac * (u[i + 1] - u[i]))
        t = data.t[idx[i]] + frac * (data.t[idx[i + 1]] - data.t[idx[i]])
        return param, t
    j = min(i + 1 - idx.size, tail.size - 1)  # crossed during the hold: at the end value
    return data.p[idx[-1]], data.t[tail[j]]


def _jump(spec, direction, param, t, before, after, during_hold):
    names = spec.observables
    return {"direction": direction, "param": float(param), "from": float(before[0]),
            "to": float(after[0]), "size": float(after[0] - before[0]),
            "observable": names[0], "t": float(t),
            "before": {n: float(v) for n, v in zip(names, before)},
            "after": {n: float(v) for n, v in zip(names, after)},
            "replicate": 0, "during_hold": bool(during_hold)}


def pair_loops(jumps, resolution):
    """Pair up- and down-jumps of opposite sign whose observable ranges overlap (greedy by
    overlap); a pair with p_up − p_down > ``resolution`` is a loop."""
    ups = [j for j in jumps if j["direction"] == "up"]
    downs = [j for j in jumps if j["direction"] == "down"]
    loops, used = [], set()
    for up in sorted(ups, key=lambda j: j["param"]):
        best, overlap = None, 0.0
        for i, down in enumerate(downs):
            if i in used or np.sign(down["size"]) == np.sign(up["size"]):
                continue
            a = max(min(up["from"], up["to"]), min(down["from"], down["to"]))
            b = min(max(up["from"], up["to"]), max(down["from"], down["to"]))
            if b - a > overlap:
                best, overlap = i, b - a
        if best is None:
            continue
        width = up["param"] - downs[best]["param"]
        if width > resolution:
            used.add(best)
            loops.append({"up": up["param"], "down": downs[best]["param"], "width": width})
    return loops


def loop_area(data):
    """∮ y dp = ∫ (y_down − y_up) dp over the swept interval (trapezoid, common grid)."""
    up, down = data.phase == "up", data.phase == "down"
    pu, yu = data.p[up], data.y[up]
    pd_, yd = data.p[down][::-1], data.y[down][::-1]
    grid = np.union1d(pu, pd_)
    return float(np.trapezoid(np.interp(grid, pd_, yd) - np.interp(grid, pu, yu), grid))


def summarise(found, replicates, confidence):
    """Per direction and order (the k-th jump of that direction in a replicate): the mean
    location with its Student-t interval, how many replicates jumped, mean from, to, size."""
    groups = {}
    for jumps in found:
        count = {"up": 0, "down": 0}
        for j in jumps:
            groups.setdefault((j["direction"], count[j["direction"]]), []).append(j)
            count[j["direction"]] += 1
    out = []
    for (direction, k), group in sorted(groups.items(), key=lambda g: (g[0][0] != "up",
                                                                        g[0][1])):
        p = np.array([j["param"] for j in group])
        mean, sd, ci = mean_ci(p, confidence)
        out.append({"direction": direction, "order": k, "mean": mean, "sd": sd, "ci": ci,
                    "n_jumped": len(group), "fraction": len(group) / replicates,
                    "from": float(np.mean([j["from"] for j in group])),
                    "to": float(np.mean([j["to"] for j in group])),
                    "size": float(np.mean([j["size"] for j in group])),
                    "during_hold": any(j["during_hold"] for j in group)})
    return out


def mean_ci(x, confidence):
    """Mean, sample sd and the Student-t interval of the mean at ``confidence``."""
    x = np.asarray(x, dtype=float)
    mean = float(np.mean(x)) if x.size else np.nan
    if x.size < 2:
        return mean, np.nan, (np.nan, np.nan)
    sd = float(np.std(x, ddof=1))
    half = float(stats.t.ppf((1 + confidence) / 2, x.size - 1) * sd / np.sqrt(x.size))
    return mean, sd, (mean - half, mean + half)

