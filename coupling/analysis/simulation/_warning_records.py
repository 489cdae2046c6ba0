r"""The input of ``cp.early_warning``: records on one time grid, checked, and the part of each
that is analysed (up to the jump).

The jump of a record of T points from ``start`` is at the point i maximising the level change
:math:`\Delta_i = \bar x_{[i, i+k)} - \bar x_{[i-k, i)}`, k = ⌈0.05 T⌉. It is a jump only
when :math:`|\Delta_i|` is at least a quarter of the record's range and at least four
standard errors :math:`\sqrt{(s^2_{[i-k, i)} + s^2_{[i, i+k)})/k}` of the two means: a
trend moves the level by about k/T of the range between the two windows, noise by about a
standard error.
"""

from dataclasses import dataclass, field

import numpy as np

from ._hysteresis_results import HysteresisLoop

DIRECTIONS = ("up", "down")
#: Half-width of the level-change detector locating the jump, as a fraction of the record.
JUMP_SPAN = 0.05
#: A level change is a jump when it is at least this fraction of the record's range ...
JUMP_RANGE = 0.25
#: ... and at least this many standard errors of the two window means.
JUMP_ERRORS = 4.0


@dataclass
class Records:
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
    left_out: list = field(default_factory=list)  # (replicate, why) not analysed

    def label(self, i):
        return "" if self.single else f"replicate {self.ids[i]}: "


def records(data, observable, start, end, direction, order, diagram):
    """The :class:`Records` of ``data`` (see :func:`~coupling.early_warning`)."""
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
        runs = [series(d, observable) for d in data]
        observable = runs[0][2]
        t, x = _common_grid([r[0] for r in runs], [r[1] for r in runs])
    else:
        t, x0, observable = series(data, observable)
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
    ids, left_out = np.arange(x.shape[0]), []
    if end == "jump":
        b = np.empty_like(a)
        for i in range(x.shape[0]):
            at, found, why = find_jump(x[i, a[i]:size[i]])
            k = int(np.ceil(JUMP_SPAN * (size[i] - a[i])))
            b[i], jump[i] = a[i] + at - k, t[a[i] + at]
            if not found:
                left_out.append((i, why))
        if len(left_out) == x.shape[0]:
            which = "the record" if not many else f"any of the {x.shape[0]} replicates"
            raise ValueError(f"end='jump': no jump found in {which} of {observable}: "
                             f"{left_out[0][1]}; give end= a time, or None to analyse the "
                             f"whole record")
        keep = np.setdiff1d(ids, [i for i, _ in left_out])
        x, a, b, jump, ids = x[keep], a[keep], b[keep], jump[keep], ids[keep]
        p = None if p is None else p[keep]
    elif end is None:
        b = size.copy()
    else:
        b = np.minimum(size, int(np.searchsorted(t, end, side="right")))
    b = np.maximum(b, a)
    return Records(t=t, x=x, p=p, a=a, b=b, jump=jump, ids=ids, total=len(data),
                   observable=observable, single=not many, diagram=diagram,
                   discrete=_discrete(data[0], diagram),
                   left_out=[(int(i), why) for i, why in left_out])


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
    rows, a, b, jumps, left_out = [], [], [], [], []
    for r in range(loop.replicates):
        mine = sorted((j for j in loop.jumps if j["replicate"] == r), key=lambda j: j["t"])
        chosen = [j for j in mine if j["direction"] == direction]
        if len(chosen) <= order:
            left_out.append((r, f"it has no {direction}-jump number {order} "
                                f"({len(chosen)} found)"))
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
    return Records(t=t, x=x, p=p, a=a, b=b, jump=np.array(jumps), ids=np.array(rows),
                   total=loop.replicates, observable=observable, single=False,
                   diagram=diagram, discrete=_discrete(None, diagram), direction=direction,
                   order=order, left_out=left_out)


def series(data, observable):
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


def find_jump(x):
    """(index of the largest level change, whether it is a jump, the reason if not); see
    the module notes."""
    k = int(np.ceil(JUMP_SPAN * x.size))
    if x.size < 2 * k + 1 or k < 1:
        raise ValueError(f"too few points ({x.size}) to locate a jump; give end explicitly")
    z = x - x.mean()
    c = np.concatenate([[0.0], np.cumsum(z)])
    c2 = np.concatenate([[0.0], np.cumsum(z * z)])
    i = np.arange(k, x.size - k + 1)
    left, right = (c[i] - c[i - k]) / k, (c[i + k] - c[i]) / k
    change = right - left
    best = int(np.argmax(np.abs(change)))
    spread = (c2[i[best]] - c2[i[best] - k] + c2[i[best] + k] - c2[i[best]]) / k \
        - left[best] ** 2 - right[best] ** 2
    error = np.sqrt(max(spread, 0.0) / k)
    size, span = abs(change[best]), float(np.ptp(x))
    if size >= JUMP_RANGE * span and size >= JUMP_ERRORS * error:
        return int(i[best]), True, ""
    return int(i[best]), False, (
        f"its largest level change between windows of {k} points, {size:.3g}, is "
        + (f"below a quarter of its range {span:.3g}" if size < JUMP_RANGE * span else
           f"within {JUMP_ERRORS:g} standard errors ({error:.3g}) of the two window means"))
