r"""Cross-level inference: the same relation of an outcome y to a covariate x, estimated on
individuals and on group means, and where the levels disagree (the ecological fallacy).

Units i = 1..N belong to groups g = 1..G of sizes n_g, with group means
:math:`\bar x_g, \bar y_g` and grand means :math:`\bar x, \bar y`. Three slopes of y on x:

* **pooled**: OLS of :math:`y_i` on :math:`(1, x_i)`,
  :math:`b_P = S_{xy}^T / S_{xx}^T` over the total sums of squares and products;
* **within** (fixed effects): OLS of :math:`y_i - \bar y_g` on :math:`x_i - \bar x_g`, the
  same slope as y on x with one dummy per group, :math:`b_W = S_{xy}^W / S_{xx}^W`;
* **ecological** (between): weighted least squares of :math:`\bar y_g` on
  :math:`(1, \bar x_g)` with weights :math:`w_g = n_g` (``ecological="size"``, the default)
  or :math:`w_g = 1` (``"equal"``: every group counts once, as a table of group rates does).

With size weights the sums split exactly, :math:`S^T = S^W + S^B`, so the pooled slope is
the variance-weighted mix

.. math:: b_P = (1 - R)\, b_W + R\, b_B, \qquad R = S_{xx}^B / S_{xx}^T,

R the share of the covariate's variation that lies between groups. Two correlations
(Robinson 1950): the **individual** one, of :math:`(x_i, y_i)`, and the **ecological** one,
of :math:`(\bar x_g, \bar y_g)` with the same weights as the ecological slope.

Standard errors
---------------
Units of one group share its context, so their errors are correlated: the pooled and the
within slope carry **cluster-robust** standard errors by group (Liang & Zeger 1986; CR1,
with the small-sample factor G/(G - 1) (N - 1)/(N - k); the group means absorbed by the
within fit are not counted in k, since they are nested in the clusters). The ecological
slope is a regression on G independent group means: **heteroskedasticity-robust** (HC3,
MacKinnon & White 1985, which keeps its size with few groups; Long & Ervin 2000), since the
means of groups of different sizes have different variances. A correlation carries the
standard error of its slope scaled by :math:`s_x / s_y` (the standard deviations taken as
known), so a correlation and its slope have one z statistic; the z statistics are referred
to the standard normal.

These standard errors describe groups sampled from a population of groups. Conditional on a
fixed set of group compositions, the group effects are not random, and the cluster-robust
error of the pooled slope is conservative.

Sign reversals
--------------
Each pair of slopes (within–pooled: Simpson's paradox; within–ecological and
pooled–ecological: the ecological fallacy) and the pair of correlations (Robinson's) is a
*reversal* when the two estimates have opposite signs. It is *significant* at level α when
both differ from zero with two-sided p < α, so the signs themselves are established (an
intersection–union test, of level α/2 for the opposite-sign alternative).

References
----------
W. S. Robinson (1950), "Ecological correlations and the behavior of individuals", American
Sociological Review 15(3), 351-357.
E. H. Simpson (1951), "The interpretation of interaction in contingency tables", Journal of
the Royal Statistical Society B 13(2), 238-241.
K.-Y. Liang and S. L. Zeger (1986), "Longitudinal data analysis using generalized linear
models", Biometrika 73(1), 13-22.
J. G. MacKinnon and H. White (1985), "Some heteroskedasticity-consistent covariance matrix
estimators with improved finite sample properties", Journal of Econometrics 29(3), 305-325.
J. S. Long and L. H. Ervin (2000), "Using heteroscedasticity consistent standard errors in
the linear regression model", The American Statistician 54(3), 217-224.
"""

from dataclasses import dataclass, field

import numpy as np

from .. import _checks
from .._errors import ArgumentError
from .._json import jsonable
from ..results import Result

#: The three slopes, in the order of the tables.
SLOPES = ("pooled", "within", "ecological")
#: The pairs whose signs are compared: (kind, first, second, whose paradox).
PAIRS = (("slope", "within", "pooled", "Simpson"),
         ("slope", "within", "ecological", "ecological fallacy"),
         ("slope", "pooled", "ecological", "ecological fallacy"),
         ("correlation", "individual", "ecological", "Robinson"))
#: How each slope's standard error is computed.
STANDARD_ERRORS = {"pooled": "cluster-robust by group (CR1)",
                   "within": "cluster-robust by group (CR1)",
                   "ecological": "heteroskedasticity-robust (HC3)"}
ECOLOGICAL_WEIGHTS = ("size", "equal")


@dataclass
class CrossLevel(Result):
    """The relation of an outcome to a covariate on individuals and on group means.

    Attributes
    ----------
    outcome, covariate, groups : str
        The names of y, x and the group label (``"y"``, ``"x"``, ``"group"`` for arrays).
    source : str
        The model of the run, or ``"arrays"``.
    time : float or None
        The time of the run's snapshot (None for arrays).
    n, n_groups : int
        Units and groups.
    labels, sizes, mean_x, mean_y : ndarray (G,)
        Each group's label, size and means of the covariate and the outcome.
    slopes : dict
        ``"pooled"``, ``"within"``, ``"ecological"`` -> dict with ``estimate``, ``se``,
        ``z``, ``pvalue``, ``intercept`` (None for the within fit) and ``standard_error``
        (how the se is computed).
    correlations : dict
        ``"individual"``, ``"ecological"`` -> dict with ``estimate``, ``se``, ``z``,
        ``pvalue``.
    between_share : float
        R, the share of the covariate's sum of squares between groups; with size weights
        ``pooled = (1 - R) within + R ecological`` exactly.
    reversals : list of dict
        The pairs of opposite sign: ``kind`` ("slope" or "correlation"), ``pair``, whose
        paradox it is (``name``), both estimates, standard errors and z statistics, and
        ``significant`` (both signs significant at ``alpha``).
    ecological : str
        The weights of the group means: "size" or "equal".
    alpha : float
    x, y, group_index : ndarray (N,)
        The data (group_index into ``labels``); not serialised.
    status, message : int, str
        0, or 1 when a slope could not be estimated (no within-group variation of the
        covariate; two groups leave the ecological slope without a standard error).
    """

    outcome: str
    covariate: str
    groups: str
    source: str
    time: object
    n: int
    n_groups: int
    labels: np.ndarray
    sizes: np.ndarray
    mean_x: np.ndarray
    mean_y: np.ndarray
    slopes: dict
    correlations: dict
    between_share: float
    reversals: list
    ecological: str = "size"
    alpha: float = 0.05
    x: np.ndarray = field(repr=False, default=None)
    y: np.ndarray = field(repr=False, default=None)
    group_index: np.ndarray = field(repr=False, default=None)
    status: int = 0
    message: str = ""

    _not_serialised = ("x", "y", "group_index")

    def slope(self, name):
        """The estimate of one slope: ``"pooled"``, ``"within"`` or ``"ecological"``."""
        _checks.known(name, SLOPES, argument="slope", what="a slope of the analysis",
                      level="observables")
        return self.slopes[name]["estimate"]

    @property
    def reversed(self):
        """Whether any pair of slopes or correlations has opposite signs."""
        return bool(self.reversals)

    @property
    def significant_reversal(self):
        """Whether a reversal is significant at ``alpha``."""
        return any(r["significant"] for r in self.reversals)

    def summary(self):
        """The slopes and correlations at both levels, the decomposition of the pooled
        slope, the reversals and the finding."""
        where = "" if self.time is None else f", snapshot at t = {self.time:g}"
        weights = "weighted by group size" if self.ecological == "size" else "unweighted"
        head = (f"{self.source}: {self.outcome} on {self.covariate}, {self.n} units in "
                f"{self.n_groups} groups (by {self.groups}){where}")
        columns = f"  {'slope':<12}{'estimate':>11}{'std. err.':>11}{'z':>9}"
        lines = [head, f"{columns}   fit; standard error"]
        fits = {"pooled": "OLS on individuals", "within": "fixed effects (demeaned)",
                "ecological": f"group means, {weights}"}
        for name in SLOPES:
            s = self.slopes[name]
            lines.append(f"  {name:<12}{s['estimate']:>+11.4f}{s['se']:>11.4f}"
                         f"{s['z']:>+9.2f}   {fits[name]}; {s['standard_error']}")
        lines.append(columns.replace("slope      ", "correlation"))
        for name, c in self.correlations.items():
            lines.append(f"  {name:<12}{c['estimate']:>+11.4f}{c['se']:>11.4f}"
                         f"{c['z']:>+9.2f}")
        lines.append(f"  between-group share of the variation of {self.covariate}: R = "
                     f"{self.between_share:.4f}"
                     + ("; pooled = (1 - R) within + R ecological" if self.ecological ==
                        "size" else ""))
        for r in self.reversals:
            a, b = r["pair"]
            verdict = "significant" if r["significant"] else "not significant"
            lines.append(f"  reversal ({r['name']}): {r['kind']} {a} {r['estimates'][0]:+.4f}"
                         f" (se {r['se'][0]:.4f}) against {b} {r['estimates'][1]:+.4f} "
                         f"(se {r['se'][1]:.4f}), {verdict} at {self.alpha:g}")
        lines.append(self.message)
        return "\n".join(lines)

    def to_dict(self):
        """The numbers in strict JSON types (without the unit-level data)."""
        out = super().to_dict()
        out.update(reversed=self.reversed, significant_reversal=self.significant_reversal)
        return jsonable(out)

    def to_dataframe(self):
        """One row per slope: estimate, standard error, z, p-value, the confidence interval
        at ``alpha``, the level it is estimated at and how its standard error is computed."""
        import pandas as pd
        from scipy import stats

        half = stats.norm.ppf(1 - self.alpha / 2)
        rows = {name: {"estimate": s["estimate"], "se": s["se"], "z": s["z"],
                       "pvalue": s["pvalue"], "ci_low": s["estimate"] - half * s["se"],
                       "ci_high": s["estimate"] + half * s["se"],
                       "level": "groups" if name == "ecological" else "individuals",
                       "standard_error": s["standard_error"]}
                for name, s in self.slopes.items()}
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("slope")

    def plot(self, *, ax=None, units=True):
        """The units (``units=False`` leaves them out), the group means sized by group,
        each group's within line, and the pooled and ecological lines. Returns the Axes."""
        from ..plotting._cross_level import plot_cross_level

        return plot_cross_level(self, ax=ax, units=units)


def cross_level(data, covariate=None, groups=None, *, outcome=None, time=None,
                ecological="size", alpha=0.05):
    r"""Estimate y on x on individuals (pooled, within groups) and on group means, and
    find where the levels disagree in sign.

    Parameters
    ----------
    data : array_like or Trajectory
        The outcome y, one value per unit; or a run of a finite population, whose micro
        states and traits are the individual variables.
    covariate, groups : array_like or str
        With arrays: the covariate x (one number per unit) and the group labels (any
        values, one per unit). With a run: the names of a micro state or trait (the
        covariate) and of a trait or micro state whose values label the groups.
    outcome : str
        With a run: the name of a micro state or trait (the outcome). Not with arrays.
    time : float, optional
        With a run: the time of the micro snapshot (default: the last; other times need
        ``cp.simulate(..., micro_snapshots=True)``).
    ecological : {"size", "equal"}
        Weights of the group means in the ecological slope and correlation: the group sizes
        (default; then pooled = (1 - R) within + R ecological exactly) or one per group.
    alpha : float
        Level of the reversal tests.

    Returns
    -------
    CrossLevel

    Raises
    ------
    ArgumentError
        Lengths that differ, fewer than two groups or three units, a covariate that does not
        vary, values that are not finite numbers, a mean-field run (no units), ``outcome``
        with arrays or names missing with a run, a ``time`` without a snapshot.
    UnknownNameError
        A name the run does not record (with the closest one).

    Examples
    --------
    >>> import numpy as np, coupling as cp
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(20), 50)
    >>> mu = np.linspace(-1, 1, 20)[g]
    >>> x = mu + rng.normal(size=g.size)
    >>> y = 0.5 * x - 1.5 * mu + rng.normal(size=g.size)
    >>> result = cp.cross_level(y, x, g)
    >>> print(f"within {result.slope('within'):+.2f}, ecological "
    ...       f"{result.slope('ecological'):+.2f}, reversal {result.significant_reversal}")
    within +0.56, ecological -1.15, reversal True
    """
    if ecological not in ECOLOGICAL_WEIGHTS:
        raise ArgumentError(f"ecological must be one of {list(ECOLOGICAL_WEIGHTS)}, got "
                            f"{ecological!r}{_checks.suggest(ecological, ECOLOGICAL_WEIGHTS)}",
                            argument="ecological")
    alpha = _checks.fraction(alpha, argument="alpha")
    from ..results import Trajectory

    if isinstance(data, Trajectory):
        y, x, g, names, source, time = _from_run(data, outcome, covariate, groups, time)
    else:
        if outcome is not None or time is not None:
            given = "outcome" if outcome is not None else "time"
            raise ArgumentError(f"{given} names a variable of a run; with arrays give "
                                "cross_level(y, x, groups)", argument=given)
        y, x, g = data, covariate, groups
        names, source = ("y", "x", "group"), "arrays"
    y, x, labels, index = _checked(y, x, g, names)
    return _estimate(y, x, labels, index, names, source, time, ecological, alpha)


# ----------------------------------------------------------------------------- inputs
def _from_run(run, outcome, covariate, groups, time):
    """(y, x, g, names, source, time) of a finite-population run's micro snapshot."""
    for argument, name in (("outcome", outcome), ("covariate", covariate),
                           ("groups", groups)):
        if not isinstance(name, str):
            raise ArgumentError(f"{argument} must name a micro state or trait of the run, "
                                f"got {name!r}", argument=argument)
    if not isinstance(run.population, (int, np.integer)) or run.micro is None:
        raise ArgumentError(f"cross_level needs the units of a finite population; this run "
                            f"is {run.population}: simulate with population=N",
                            argument="data")
    k = _snapshot(run, time)
    variables = {**{n: run.micro[k, :, j] for j, n in enumerate(run.micro_names)},
                 **run.traits}
    values = [variables[_checks.known(name, variables, argument=argument,
                                      what="a micro state or trait of the run",
                                      level="micro")]
              for argument, name in (("outcome", outcome), ("covariate", covariate),
                                     ("groups", groups))]
    return (*values, (outcome, covariate, groups), run.model or "run",
            float(run.micro_t[k]))


def _snapshot(run, time):
    """The index of the micro snapshot at ``time`` (default the last)."""
    if time is None:
        return run.micro_t.size - 1
    hits = np.flatnonzero(np.isclose(run.micro_t, float(time), rtol=1e-9, atol=1e-12))
    if not hits.size:
        shown = ", ".join(f"{t:g}" for t in run.micro_t[:8]) + \
            (", ..." if run.micro_t.size > 8 else "")
        raise ArgumentError(f"time: the run has no micro snapshot at t = {time!r}; it has "
                            f"them at t = {shown} (simulate with micro_snapshots=True to "
                            "keep every output time)", argument="time")
    return int(hits[0])


def _checked(y, x, g, names):
    """y and x as finite float arrays, the sorted group labels and each unit's index."""
    outcome, covariate, groups = names
    y, x = (_numbers(v, name) for v, name in ((y, outcome), (x, covariate)))
    g = np.asarray(g)
    if g.ndim != 1:
        raise ArgumentError(f"{groups} must be one label per unit, got shape {g.shape}",
                            argument="groups")
    if not y.size == x.size == g.size:
        raise ArgumentError(f"one value per unit: {outcome} has {y.size}, {covariate} "
                            f"{x.size}, {groups} {g.size}", argument="data")
    if y.size < 3:
        raise ArgumentError(f"need at least 3 units, got {y.size}", argument="data")
    labels, index = np.unique(g, return_inverse=True)
    if labels.size < 2:
        raise ArgumentError(f"{groups} has {labels.size} group: the ecological level needs "
                            "at least 2", argument="groups")
    if np.ptp(x) == 0:
        raise ArgumentError(f"the covariate {covariate} is constant ({x[0]:g}): no slope "
                            "can be estimated", argument="covariate")
    return y, x, labels, index.ravel()


def _numbers(values, name):
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name} must be numbers, one per unit", argument=name) from None
    if array.ndim != 1:
        raise ArgumentError(f"{name} must be one number per unit, got shape {array.shape}",
                            argument=name)
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.isfinite(array))[0])
        raise ArgumentError(f"{name} must be finite; unit {bad} has {array[bad]}",
                            argument=name)
    return array


# ----------------------------------------------------------------------------- estimates
def _estimate(y, x, labels, index, names, source, time, ecological, alpha):
    sizes = np.bincount(index)
    mean_x, mean_y = np.bincount(index, x) / sizes, np.bincount(index, y) / sizes
    weights = sizes.astype(float) if ecological == "size" else np.ones(labels.size)
    remarks = []
    slopes = {"pooled": _pooled(y, x, index), "within": _within(y, x, index, mean_x, mean_y),
              "ecological": _ecological(mean_y, mean_x, weights)}
    if not np.isfinite(slopes["within"]["estimate"]):
        remarks.append(f"{names[1]} does not vary within any group: no within slope")
    if labels.size == 2:
        remarks.append("two groups fit the ecological line exactly: it has no standard "
                       "error")
    correlations = {
        "individual": _correlation(slopes["pooled"], x, y, np.ones(x.size)),
        "ecological": _correlation(slopes["ecological"], mean_x, mean_y, weights)}
    total = np.sum((x - x.mean()) ** 2)
    between = np.sum(sizes * (mean_x - x.mean()) ** 2)
    reversals = _reversals(slopes, correlations, alpha)
    result = CrossLevel(
        outcome=names[0], covariate=names[1], groups=names[2], source=source, time=time,
        n=int(y.size), n_groups=int(labels.size), labels=labels, sizes=sizes, mean_x=mean_x,
        mean_y=mean_y, slopes=slopes, correlations=correlations,
        between_share=float(between / total), reversals=reversals, ecological=ecological,
        alpha=alpha, x=x, y=y, group_index=index, status=1 if remarks else 0)
    result.message = " ".join(remarks + [_finding(result)])
    return result


def _fit(model, standard_error, *, intercept=True, **covariance):
    """The slope row of a statsmodels fit with the given covariance."""
    fit = model.fit(**covariance)
    k = 1 if intercept else 0
    estimate, se = float(fit.params[k]), float(fit.bse[k])
    return _row(estimate, se, intercept=float(fit.params[0]) if intercept else None,
                standard_error=standard_error)


def _row(estimate, se, **extra):
    from scipy import stats

    z = estimate / se if se > 0 else np.nan
    return {"estimate": estimate, "se": se, "z": z,
            "pvalue": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan,
            **extra}


def _pooled(y, x, index):
    from statsmodels.regression.linear_model import OLS

    model = OLS(y, np.column_stack([np.ones_like(x), x]))
    return _fit(model, STANDARD_ERRORS["pooled"], cov_type="cluster",
                cov_kwds={"groups": index})


def _within(y, x, index, mean_x, mean_y):
    """y - ȳ_g on x - x̄_g without a constant, clustered by group."""
    from statsmodels.regression.linear_model import OLS

    dx, dy = x - mean_x[index], y - mean_y[index]
    if np.allclose(dx, 0.0, atol=1e-12 * max(1.0, np.abs(x).max())):
        return _row(np.nan, np.nan, intercept=None, standard_error=STANDARD_ERRORS["within"])
    return _fit(OLS(dy, dx[:, None]), STANDARD_ERRORS["within"], intercept=False,
                cov_type="cluster", cov_kwds={"groups": index})


def _ecological(mean_y, mean_x, weights):
    from statsmodels.regression.linear_model import WLS

    if np.ptp(mean_x) == 0:
        return _row(np.nan, np.nan, intercept=np.nan,
                    standard_error=STANDARD_ERRORS["ecological"])
    model = WLS(mean_y, np.column_stack([np.ones_like(mean_x), mean_x]), weights=weights)
    if mean_x.size == 2:
        fit = model.fit()
        return _row(float(fit.params[1]), np.nan, intercept=float(fit.params[0]),
                    standard_error=STANDARD_ERRORS["ecological"])
    return _fit(model, STANDARD_ERRORS["ecological"], cov_type="HC3")


def _correlation(slope, x, y, weights):
    """The weighted correlation; its se is the slope's scaled by s_x / s_y."""
    w = weights / weights.sum()
    dx, dy = x - w @ x, y - w @ y
    sx, sy = np.sqrt(w @ dx ** 2), np.sqrt(w @ dy ** 2)
    if sx == 0 or sy == 0:
        return _row(np.nan, np.nan)
    return _row(float(w @ (dx * dy) / (sx * sy)), slope["se"] * sx / sy)


def _reversals(slopes, correlations, alpha):
    """The pairs of opposite sign, each with whether both signs are significant."""
    found = []
    for kind, a, b, name in PAIRS:
        table = slopes if kind == "slope" else correlations
        first, second = table[a], table[b]
        if not first["estimate"] * second["estimate"] < 0:
            continue
        significant = all(np.isfinite(s["pvalue"]) and s["pvalue"] < alpha
                          for s in (first, second))
        found.append({"kind": kind, "pair": (a, b), "name": name,
                      "estimates": (first["estimate"], second["estimate"]),
                      "se": (first["se"], second["se"]), "z": (first["z"], second["z"]),
                      "significant": bool(significant)})
    return found


def _finding(result):
    """The finding in one sentence."""
    if not result.reversals:
        return "No sign reversal between the levels."
    strong = [r for r in result.reversals if r["significant"]]
    shown = strong or result.reversals
    pairs = ", ".join(f"{r['pair'][0]} against {r['pair'][1]} {r['kind']}" for r in shown)
    if strong:
        return f"Significant sign reversal at level {result.alpha:g}: {pairs}."
    return f"Sign reversal, not significant at level {result.alpha:g}: {pairs}."
