r"""Policy regimes and the Lucas-critique test: does a reduced-form macro relation survive a
change of policy?

A *regime* assigns the model's policy levers: a value, or a *rule*, an expression of macro
state, aggregates and context (a Taylor-type rule ``"phi*pi"``). A run switches between
regimes at given times by scheduled indicators S_j (1 while regime j is in force): each lever
becomes sum_j S_j R_j, so the micro state, the traits and the random streams carry across
every switch. Where a rule lever is read by the units, it reaches them through a context variable
``<lever>_rule`` (units see the macro world only through the context).

:func:`regime_break` fits the reduced form y_t = x_t'β + u_t on regime A, forecasts regime B
with it, and sets against that forecast the *structural* prediction: the same reduced form
implied by the model itself under regime B (fitted on fresh runs of the model in regime B,
never on the realised post-switch data), in which the units have re-solved their behaviour.
Lucas (1976), "Econometric policy evaluation: a critique", Carnegie-Rochester Conference
Series on Public Policy 1, 19-46.
"""

import re
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from ...dynamics._simulate import simulate
from ...model._policy import levers_read, regime_path, regime_values
from ..._json import jsonable
from ...results import Result
from ...sweeps._executors import run_ordered
from ._breaks import (
    chow_test,
    cusum_test,
    fit_linear,
    recursive_coefficients,
    sup_f_test,
    variance_break_test,
)

_TERM = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:\[\s*-\s*(\d+)\s*\])?\s*$")


# ----------------------------------------------------------------------------- reduced form
def parse_reduced_form(text):
    """``"u ~ pi + pi[-1]"`` -> ("u", [("pi", 0), ("pi", 1)]): the dependent observable and
    the regressors with their lags (``name[-k]``: k periods, or sampling steps, back)."""
    if not isinstance(text, str) or text.count("~") != 1:
        raise ValueError(f"a reduced form reads 'y ~ x1 + x2[-1] + ...', got {text!r}")
    left, right = text.split("~")
    terms = [_term(part, text) for part in right.split("+")]
    (dependent, lag) = _term(left, text)
    if lag:
        raise ValueError(f"the dependent variable of {text!r} cannot be lagged")
    if not terms:
        raise ValueError(f"{text!r} has no regressors")
    return dependent, terms


def _term(part, text):
    match = _TERM.match(part)
    if not match:
        raise ValueError(f"cannot read the term {part.strip()!r} of {text!r}: write a name, "
                         "or name[-k] for a lag")
    return match.group(1), int(match.group(2) or 0)


def _design(trajectory, dependent, terms, constant):
    """Rows (t, y, X) from a run, starting once every lag is available."""
    names = set(trajectory.names)
    for name in [dependent] + [n for n, _ in terms]:
        if name not in names:
            raise ValueError(f"the reduced form names {name!r}, which the run does not "
                             f"record; observables are {list(trajectory.names)}")
    start = max([k for _, k in terms], default=0)
    n = trajectory.t.size
    y = trajectory[dependent][start:]
    columns = [trajectory[name][start - k:n - k] for name, k in terms]
    if constant:
        columns.insert(0, np.ones(n - start))
    return trajectory.t[start:], y, np.column_stack(columns)


def _column_names(terms, constant):
    names = [f"{n}[-{k}]" if k else n for n, k in terms]
    return tuple(["const"] + names if constant else names)


# ----------------------------------------------------------------------------- the test
@dataclass
class RegimeBreak(Result):
    """A reduced-form relation estimated under one policy regime, tested across a switch.

    Attributes
    ----------
    before, after : dict
        The two regimes (lever -> value or rule); ``switch_at`` the switch time.
    reduced_form, names : str, tuple
        The relation ``"y ~ x1 + ..."`` and its coefficient names.
    t, y, X : ndarray
        The realised rows used (past the burn-in), the dependent variable and the regressors.
    fit_before, fit_after : LinearFit
        The reduced form fitted on the realised regime-A rows and re-estimated on regime B.
    structural : LinearFit
        The reduced form implied by the model under regime B: fitted on ``replicates`` fresh
        runs of the model in regime B, pooled (no realised post-switch data).
    forecast_reduced, forecast_structural : ndarray
        Predictions of y over the post-switch rows from the realised regressors: with the
        regime-A coefficients, and with the structural regime-B ones.
    rmse_reduced, rmse_structural, ratio : float
        Root-mean-square forecast errors against the realised y, and their ratio.
    noise : float
        The noise level: residual standard deviation of the structural regime-B relation.
    tests : dict of BreakTest
        ``chow`` (at the switch), ``cusum`` (recursive residuals), ``sup_f`` (unknown date),
        ``variance`` (error variance before against after).
    recursive, recursive_after : tuple
        Expanding-window estimates (row index, coef, se) over the realised rows, and over the
        post-switch rows alone (restarted at the switch; indices into those rows).
    verdict : str
        The finding in words, naming the coefficients that moved and the mechanism.
    trajectory : Trajectory
        The realised run.
    status, message : int, str
        0 and the finding in one sentence (a failed run raises :class:`SimulationError`
        instead).
    """

    model: str
    before: dict
    after: dict
    switch_at: float
    reduced_form: str
    names: tuple
    t: np.ndarray
    y: np.ndarray
    X: np.ndarray
    fit_before: object
    fit_after: object
    structural: object
    forecast_reduced: np.ndarray
    forecast_structural: np.ndarray
    rmse_reduced: float
    rmse_structural: float
    ratio: float
    noise: float
    tests: dict
    recursive: tuple = field(repr=False, default=None)
    recursive_after: tuple = field(repr=False, default=None)
    verdict: str = ""
    trajectory: object = field(repr=False, default=None)
    replicates: int = 0
    alpha: float = 0.05
    status: int = 0
    message: str = ""

    @property
    def post(self):
        """Mask of the post-switch rows."""
        return self.t >= self.switch_at

    @property
    def broke(self):
        """Whether the relation broke: Chow at the switch or sup-F rejects at ``alpha``."""
        return self.tests["chow"].rejects(self.alpha) or self.tests["sup_f"].rejects(self.alpha)

    def summary(self):
        """Coefficients by regime, forecast errors, the break tests and the verdict."""
        width = max(len(n) for n in self.names) + 2
        lines = [f"{self.model}: {self.reduced_form}, regime {_show(self.before)} -> "
                 f"{_show(self.after)} at t = {self.switch_at:g}",
                 f"{'':<{width}}{'before':>18}{'after':>18}{'structural':>18}"]
        for i, name in enumerate(self.names):
            cells = [f"{fit.coef[i]:>9.4f} ({fit.se[i]:.4f})" for fit in
                     (self.fit_before, self.fit_after, self.structural)]
            lines.append(f"{name:<{width}}" + "".join(f"{c:>18}" for c in cells))
        lines.append(f"{'R^2':<{width}}" + "".join(
            f"{fit.r2:>18.3f}" for fit in (self.fit_before, self.fit_after, self.structural)))
        lines.append(f"forecast RMSE after the switch: reduced form {self.rmse_reduced:.4g}, "
                     f"structural {self.rmse_structural:.4g} (ratio {self.ratio:.3g}; noise "
                     f"level {self.noise:.4g})")
        lines += [f"  {test.description}" for test in self.tests.values()]
        lines.append(self.verdict)
        return "\n".join(lines)

    def to_dict(self):
        """The numbers in strict JSON types (without the run and the regression rows)."""
        def fit(f):
            return {"coef": dict(zip(self.names, f.coef)), "se": dict(zip(self.names, f.se)),
                    "r2": f.r2, "sigma": float(np.sqrt(f.sigma2)), "nobs": int(f.nobs)}

        tests = {name: {key: test.to_dict()[key] for key in
                        ("statistic", "pvalue", "df", "break_index", "description")}
                 for name, test in self.tests.items()}
        return jsonable({
            "status": self.status, "message": self.message, "model": self.model,
            "before": self.before, "after": self.after, "switch_at": self.switch_at,
            "reduced_form": self.reduced_form, "fit_before": fit(self.fit_before),
            "fit_after": fit(self.fit_after), "structural": fit(self.structural),
            "rmse_reduced": self.rmse_reduced, "rmse_structural": self.rmse_structural,
            "ratio": self.ratio, "noise": self.noise, "broke": bool(self.broke),
            "tests": tests, "verdict": self.verdict, "replicates": self.replicates})

    def to_dataframe(self):
        """One row per coefficient: its estimate and standard error before the switch,
        after it and in the structural model under regime B."""
        import pandas as pd

        fits = {"before": self.fit_before, "after": self.fit_after,
                "structural": self.structural}
        columns = {}
        for label, fit in fits.items():
            columns[label], columns[f"se_{label}"] = fit.coef, fit.se
        return pd.DataFrame(columns, index=pd.Index(self.names, name="coefficient"))

    def plot(self, *, axes=None):
        """Three panels: the dependent variable with the switch marked; after the switch,
        the reduced-form forecast against the structural prediction against the realised
        path; recursive coefficient estimates with ±2 se bands."""
        from ...plotting import plot_regime_break

        return plot_regime_break(self, axes=axes)


def _show(regime):
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in regime.items())


def regime_break(model, before, after, *, switch_at, reduced_form, periods=None,
                 population=None, seed=None, burn_in=None, replicates=10, constant=True,
                 sample=1.0, alpha=0.05, executor="serial"):
    r"""Simulate under regime A, fit a reduced form, switch to regime B and test it.

    Parameters
    ----------
    model : Model
        A model whose policy levers the regimes set; it should carry shocks (macro noise,
        aggregate or idiosyncratic shocks) so that the regression has residuals.
    before, after : mapping
        Regimes A and B: lever -> value, or lever -> rule (an expression of macro state,
        aggregates, context and parameters, e.g. ``{"i": "1.5*pi"}``).
    switch_at : float
        When B replaces A (a period of a discrete-time model).
    reduced_form : str or callable
        ``"y ~ x1 + x2[-1]"``: a linear regression of an observable on observables and their
        lags (``[-k]``: k periods, or sampling steps, back), with a constant unless
        ``constant=False``. Or a callable ``f(trajectory) -> (t, y, X)`` that builds the
        regression rows itself (any transformation of the run; coefficients x0, x1, ...).
    periods : float, optional
        Length of the run (default 2 ``switch_at``).
    population, seed
        As for :func:`~coupling.simulate`. The seed spawns the realised run and the
        ``replicates`` structural runs: same seed, same numbers.
    burn_in : float, optional
        Rows before this time are dropped (default: a quarter of ``switch_at``).
    replicates : int
        Fresh runs of the model in regime B behind the structural prediction.
    sample : float
        Spacing of the rows for a continuous-time model.
    alpha : float
        Level of the tests in the verdict.
    executor : "serial", "processes", int, concurrent.futures.Executor or dask Client
        Where the structural runs go (see :func:`coupling.sweeps.run`); the result is the
        same on every executor.

    Returns
    -------
    RegimeBreak

    Raises
    ------
    SimulationError
        If a run fails; it carries the partial trajectory and says where and when.

    Examples
    --------
    Lucas islands: more erratic monetary policy flattens the output-inflation slope
    b σ_z²/(σ_z² + σ_m²) from 0.8 to 0.31.

    >>> import coupling as cp
    >>> result = cp.regime_break(cp.load("lucas-islands"), {"sigma_m": 0.5},
    ...                          {"sigma_m": 1.5}, switch_at=200,
    ...                          reduced_form="output ~ inflation", seed=1, replicates=3)
    >>> result.broke, f"{result.fit_before.coef[1]:.2f}", f"{result.structural.coef[1]:.2f}"
    (True, '0.80', '0.31')
    """
    design, names, label = _reduced_form(reduced_form, constant)
    discrete = model.time == "discrete"
    switch_at = float(switch_at)
    periods = 2 * switch_at if periods is None else float(periods)
    burn_in = 0.25 * switch_at if burn_in is None else float(burn_in)
    if not 0 <= burn_in < switch_at < periods:
        raise ValueError(f"need 0 <= burn_in < switch_at < periods, got {burn_in:g}, "
                         f"{switch_at:g}, {periods:g}")
    if int(replicates) < 1:
        raise ValueError(f"replicates must be >= 1, got {replicates}")
    seeds = np.random.SeedSequence(seed).spawn(int(replicates) + 1)
    switched, schedule = regime_path(model, [(0.0, before), (switch_at, after)])
    run = _run(switched, periods, population, seeds[0], schedule=schedule, discrete=discrete,
               sample=sample)
    t, y, X = _rows(run, design, burn_in)
    names = names or tuple(f"x{i}" for i in range(X.shape[1]))
    pre, post = t < switch_at, t >= switch_at
    if min(pre.sum(), post.sum()) <= X.shape[1]:
        raise ValueError(f"too few rows on one side of the switch ({pre.sum()} before, "
                         f"{post.sum()} after) for {X.shape[1]} coefficients")
    fit_before = fit_linear(y[pre], X[pre], names=names)
    fit_after = fit_linear(y[post], X[post], names=names)

    regime_b, fixed = regime_path(model, [(0.0, after)])
    length = burn_in + max(post.sum(), pre.sum()) * (1 if discrete else sample)
    runs = run_ordered(partial(_run, regime_b, length, population, schedule=fixed,
                               discrete=discrete, sample=sample), seeds[1:], executor)
    pooled = [_rows(r, design, burn_in)[1:] for r in runs]
    structural = fit_linear(np.concatenate([p[0] for p in pooled]),
                            np.concatenate([p[1] for p in pooled]), names=names)

    forecast_reduced = fit_before.predict(X[post])
    forecast_structural = structural.predict(X[post])
    rmse_reduced = float(np.sqrt(np.mean((y[post] - forecast_reduced) ** 2)))
    rmse_structural = float(np.sqrt(np.mean((y[post] - forecast_structural) ** 2)))
    split = int(np.argmax(post))
    tests = {"chow": chow_test(y, X, split, times=t), "cusum": cusum_test(y, X),
             "sup_f": sup_f_test(y, X, times=t),
             "variance": variance_break_test(fit_before.resid, fit_after.resid,
                                             ddof=X.shape[1])}
    result = RegimeBreak(
        model=model.name, before=regime_values(model, before, "before"),
        after=regime_values(model, after, "after"), switch_at=switch_at, reduced_form=label,
        names=names, t=t, y=y, X=X, fit_before=fit_before, fit_after=fit_after,
        structural=structural, forecast_reduced=forecast_reduced,
        forecast_structural=forecast_structural, rmse_reduced=rmse_reduced,
        rmse_structural=rmse_structural, ratio=rmse_reduced / rmse_structural,
        noise=float(np.sqrt(structural.sigma2)), tests=tests,
        recursive=recursive_coefficients(y, X),
        recursive_after=recursive_coefficients(y[post], X[post]), trajectory=run,
        replicates=int(replicates), alpha=alpha)
    result.verdict = _verdict(result, model)
    result.message = ("The reduced form broke at the regime switch." if result.broke else
                      f"No break detected at level {alpha:g}.")
    return result


def _run(model, length, population, seed, *, schedule, discrete, sample):
    """One run; a failure raises SimulationError carrying the partial trajectory."""
    t_eval = None if discrete else np.arange(0.0, length + 0.5 * sample, sample)
    return simulate(model, int(round(length)) if discrete else length, population=population,
                    seed=seed, schedule=schedule, t_eval=t_eval, throw=True)


def _reduced_form(reduced_form, constant):
    """(design: run -> (t, y, X), coefficient names or None, label) of a formula or of a
    callable."""
    if callable(reduced_form):
        def design(run):
            out = reduced_form(run)
            if not (isinstance(out, tuple) and len(out) == 3):
                raise ValueError("a reduced-form callable returns (t, y, X) from a Trajectory")
            t, y, X = (np.asarray(v, dtype=float) for v in out)
            return t, y, X.reshape(t.size, -1)

        return design, None, getattr(reduced_form, "__name__", "custom reduced form")
    dependent, terms = parse_reduced_form(reduced_form)
    return (lambda run: _design(run, dependent, terms, constant),
            _column_names(terms, constant), reduced_form)


def _rows(run, design, burn_in):
    t, y, X = design(run)
    keep = t >= burn_in
    return t[keep], y[keep], X[keep]


def _verdict(result, model):
    """The finding in words: did the relation break, which coefficients moved, and where the
    levers enter the model (the mechanism)."""
    a, b, s = result.fit_before, result.fit_after, result.structural
    moved = []
    for i, name in enumerate(result.names):
        z = (b.coef[i] - a.coef[i]) / np.hypot(a.se[i], b.se[i])
        if abs(z) > 2.0:
            word = "rose" if b.coef[i] > a.coef[i] else "fell"
            moved.append(f"the coefficient on {name} {word} from {a.coef[i]:.3g} to "
                         f"{b.coef[i]:.3g} (the structural model predicted {s.coef[i]:.3g})")
    chow, sup_f = result.tests["chow"], result.tests["sup_f"]
    if result.broke:
        head = (f"The reduced form broke at the regime switch (Chow {_p(chow)}, sup-F "
                f"{_p(sup_f)}): it is not structural.")
    else:
        head = (f"No break detected at level {result.alpha:g} (Chow {_p(chow)}, sup-F "
                f"{_p(sup_f)}): the reduced form survived this switch.")
    parts = [head]
    if moved:
        parts.append("; ".join(moved).capitalize() + ".")
    if result.tests["variance"].rejects(result.alpha):
        parts.append(f"The error variance changed too (standard deviation "
                     f"{np.sqrt(a.sigma2):.3g} -> {np.sqrt(b.sigma2):.3g}).")
    parts.append(f"Forecasting regime B with regime A's coefficients gives an error "
                 f"{result.ratio:.3g} times the structural model's (noise level "
                 f"{result.noise:.3g}).")
    mechanism = _mechanism(model, set(result.before) | set(result.after))
    if mechanism:
        parts.append(mechanism)
    return " ".join(parts)


def _p(test):
    """A p-value as printed: below the resolution of the computation, a bound."""
    return f"p = {test.pvalue:.2g}" if test.pvalue > 0 else "p < 1e-4"


def _mechanism(model, levers):
    """Where the levers enter: the units' rule (they re-optimise), the context map, the
    macro dynamics."""
    def read(values):
        return sorted(set().union(*(levers_read(value, levers) for value in values)))

    where = []
    micro = read(model.micro.expressions().values())
    if micro:
        where.append(f"the units' rule reads {', '.join(micro)}, so the units re-optimise "
                     "when the policy changes")
    context = read(model.context.values())
    if context:
        where.append(f"the context the units see reads {', '.join(context)}")
    macro = read(m.rhs for m in model.macro.values())
    if macro:
        where.append(f"the macro dynamics read {', '.join(macro)}")
    return ("Mechanism: " + "; ".join(where) + ".") if where else ""
