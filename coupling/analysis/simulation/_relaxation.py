r"""Relaxation rates for the rate check of ``cp.hysteresis``, and the deterministic
counterpart it is measured on.

λ is the slowest relaxation rate: −Re of the leading eigenvalue (−log |μ| per period for the
multipliers μ of maps) of the stable equilibria of the mean-field counterpart at both ends
of the interval, and, when the continuation finds no fold, all along its stable branches;
failing those, it is fitted to the relaxation during the first hold of a run.
"""

import numpy as np


def counterpart(spec):
    """The mean-field population of the deterministic counterpart."""
    from ...model._rules import MeanField

    return spec.population if spec.mean_field else MeanField()


def continue_counterpart(spec):
    """The continuation of the mean-field counterpart, or None when the model has none."""
    from ..bifurcation._continuation import continuation

    try:
        return continuation(spec.model, spec.param, (spec.lo, spec.hi),
                            population=counterpart(spec), bounds=spec.bounds)
    except Exception:  # noqa: BLE001 - the overlay is optional: no counterpart, no overlay
        return None


def jacobian_relaxation(spec):
    """Slowest relaxation rate of the stable equilibria at lo and hi, or None.

    A given (or computed) continuation that reaches both ends holds these equilibria and
    their leading eigenvalues on its branches; only without one are they searched again."""
    from ..bifurcation._equilibria import equilibria

    rates = _diagram_ends(spec)
    if rates is not None:
        along = _branch_relaxation(spec)
        rates = [r for r in rates + [along] if r is not None and not np.isnan(r)]
        return min(rates) if rates else None
    rates = []
    try:
        for end in (spec.lo, spec.hi):
            found = equilibria(spec.model.with_parameters(**{spec.param: end}),
                               population=counterpart(spec), bounds=spec.bounds)
            for eq in found:
                if eq.stable:
                    rates.append(_decay_of(spec, eq))
    except Exception:  # noqa: BLE001 - fall back on the simulation estimate
        return None
    along = _branch_relaxation(spec)
    rates = [r for r in rates + [along] if r is not None and not np.isnan(r)]
    return min(rates) if rates else None


def _diagram_ends(spec):
    """The decay rates of the stable branch points at lo and hi of ``spec.diagram``, or None
    when there is no diagram, the rule is a response (its slow eigenvalues come first), or
    the branches do not reach both ends."""
    d = spec.diagram
    if d is None or spec.response or not d.branches:
        return None
    rates, ends = [], set()
    for b in d.branches:
        for end in (spec.lo, spec.hi):
            for i in np.flatnonzero(b.param == end):
                ends.add(end)
                if b.stable[i]:
                    lead = np.asarray(b.eigenvalues)[i, 0]
                    rates.append(float(-np.log(abs(lead)) if spec.discrete else -lead.real))
    return rates if ends == {spec.lo, spec.hi} else None


def _branch_relaxation(spec):
    """Without folds, the slowest relaxation along the stable continued branches (a smooth
    branch lags most where it relaxes slowest); with folds it vanishes there, and the ends
    are used instead."""
    d = spec.diagram
    if d is None or d.folds() or spec.response or not d.branches:
        return None
    rates = []
    for b in d.branches:
        lead = np.asarray(b.eigenvalues)[b.stable, 0]
        if lead.size:
            rates.append(np.min(-np.log(np.abs(lead)) if spec.discrete else -lead.real))
    return float(min(rates)) if rates else None


def _decay_of(spec, eq):
    """−Re of the leading eigenvalue (−log |multiplier| per period for maps)."""
    eig = np.asarray(eq.eigenvalues)
    if spec.response:  # the slow eigenvalues come first; no macro state: instantaneous
        eig = eig[:len(spec.model.macro)]
        if eig.size == 0:
            return np.inf
    if spec.discrete:
        return float(-np.log(np.max(np.abs(eig))))
    return float(-np.max(eig.real))


def decay_rate(t, y):
    """λ fitted to |y − y(end)| ~ e^{−λ t} during a hold (least squares on the log), or nan.

    Only samples well above the noise floor (5 sd of the last 30 % of the hold) are used.
    """
    tail = y[int(0.7 * y.size):]
    floor = max(5 * np.std(tail), 1e-9 * max(1.0, np.max(np.abs(y))))
    d = np.abs(y - y[-1])
    use = np.flatnonzero(d > floor)
    use = use[use < int(0.8 * y.size)]
    if use.size < 3:
        return np.nan
    slope = np.polyfit(t[use], np.log(d[use]), 1)[0]
    return float(-slope) if slope < 0 else np.nan


