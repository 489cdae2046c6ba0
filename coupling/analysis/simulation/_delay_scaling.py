r"""The delay law of ``cp.hysteresis(..., rates=[...])``: δ = C r^α after each fold.

With a fold p_fold from the continuation of the deterministic counterpart, the delays
δ = |p_jump − p_fold| are fitted as log δ = log C + α log r by least squares (α with its
standard error); without one, p_jump = p_fold + C r^α is fitted by nonlinear least squares
(p_fold the r → 0 limit). Theory for a saddle-node: α = 2/3 (Haberman 1979, SIAM J. Appl.
Math. 37, 69–106; Kuehn 2011, Physica D 240, 1020–1035).
"""

import numpy as np
from scipy import optimize

from ._hysteresis_results import DelayScaling


def fit_scaling(loops, diagram):
    """δ = C r^α after each fold, from the first jump of each direction of every loop (one
    loop per rate); a direction needs 3 rates with a jump (4 without a continued fold)."""
    folds = sorted(p.param for p in diagram.folds()) if diagram is not None else []
    out = []
    for direction in ("up", "down"):
        rates, params = [], []
        for loop in loops:
            s = [x for x in loop.jump_summary if x["direction"] == direction
                 and x["order"] == 0 and not x["during_hold"]]
            if s:
                rates.append(loop.rate)
                params.append(s[0]["mean"])
        if len(rates) < 3:
            continue
        rates, params = np.array(rates), np.array(params)
        sign = 1.0 if direction == "up" else -1.0
        fold = _fold_before(folds, params[0], sign)
        if fold is not None:
            out.append(_loglog(direction, fold, rates, params, sign))
        elif len(rates) >= 4:
            out.append(_nonlinear(direction, rates, params, sign))
    return out


def _fold_before(folds, param, sign):
    """The fold passed last before a jump at ``param`` in the sweep direction."""
    behind = [f for f in folds if sign * (param - f) > 0]
    if not behind:
        return None
    return max(behind) if sign > 0 else min(behind)


def _loglog(direction, fold, rates, params, sign):
    """Least squares on log δ = log C + α log r, with the standard error of α."""
    delays = sign * (params - fold)
    keep = delays > 0
    x, y = np.log(rates[keep]), np.log(delays[keep])
    if x.size < 3:
        return DelayScaling(direction, fold, "continuation", np.nan, np.nan, np.nan, rates,
                            delays, params, status=-1,
                            message=f"only {x.size} of the {rates.size} jumps lie past the "
                                    f"fold at {fold:.6g}; a fit needs 3")
    A = np.column_stack([x, np.ones_like(x)])
    coef, *_ = np.linalg.lstsq(A, y, rcond=None)
    resid = y - A @ coef
    s2 = resid @ resid / (x.size - 2)
    se = float(np.sqrt(s2 / np.sum((x - x.mean()) ** 2)))
    return DelayScaling(direction, fold, "continuation", float(coef[0]), se,
                        float(np.exp(coef[1])), rates, delays, params)


def _nonlinear(direction, rates, params, sign):
    """p_jump = p_fold + C r^α by nonlinear least squares (no continued fold)."""
    def model(r, p0, logc, alpha):
        return p0 + sign * np.exp(logc) * r ** alpha

    guess = (params[0] - sign * abs(params[1] - params[0]), np.log(abs(params[-1] - params[0])
                                                                  + 1e-12), 2 / 3)
    try:
        coef, cov = optimize.curve_fit(model, rates, params, p0=guess, maxfev=20000)
        se = float(np.sqrt(cov[2, 2])) if np.all(np.isfinite(cov)) else np.nan
    except (RuntimeError, ValueError) as error:
        return DelayScaling(direction, np.nan, "fit", np.nan, np.nan, np.nan, rates,
                            np.full(rates.size, np.nan), params, status=-1,
                            message=f"the fit of the fold and the delay law failed: {error}")
    return DelayScaling(direction, float(coef[0]), "fit", float(coef[2]), se,
                        float(np.exp(coef[1])), rates, sign * (params - coef[0]), params)

