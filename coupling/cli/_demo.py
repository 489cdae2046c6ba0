"""``coupling demo``: the default model end to end, in six figures and a summary.

Each section computes its results, has the plotting package draw them
(:mod:`coupling.plotting._demo`) and returns the lines it adds to ``summary.txt``.
"""

import functools
import math

import numpy as np

import coupling as cp

from .._catalog import reduced_form
from .._progress import progress
from .._text import row
from ._runner import parameter_values, save_figure, use_agg, warnings_to_stderr

DEFAULT_MODEL = "social-choice"
DEMO_SEED = 0
DEMO_POPULATIONS = (100, 1000, 10000)
DEMO_T_END = 40.0
PUSH_START, PUSH_END, REGIME_T_END = 20.0, 40.0, 60.0
REGIME_RUNS = (  # (push on h, population, line style)
    (-0.1, "mean-field", dict(color="tab:green")),
    (-0.3, "mean-field", dict(color="tab:red", lw=2)),
    (-0.3, 1000, dict(color="tab:red", lw=0.8, alpha=0.6, zorder=1)),
)
"""A push on h short of the fold of the upper equilibrium, and one beyond it (in the mean
field and in a population)."""
FIELD_RANGE = (-1.0, 1.0)
DEMO_SIGMAS = (0.1, 0.3, 0.6, 1.0)
"""Taste heterogeneities of panel (d), from below to above the cusp where the folds meet."""
FOLD_FIELD_RANGE, FOLD_SIGMA_RANGE = (-0.6, 0.6), (0.0, 1.2)
"""The (h, sigma) box of the fold-curve figure."""
DEMO_RATES = (0.001, 0.003, 0.01, 0.03)
DEMO_LOOP_RATE = 0.03
DEMO_SWEEP_POINTS = 500
"""Ramp rates of h for the hysteresis figure: the loop of panel (g) is swept at
DEMO_LOOP_RATE, panel (h) fits the delay after the folds over all of DEMO_RATES; samples per
leg of each sweep (the jumps are located on a finer resampling anyway)."""
FAST_SLOW_MODEL = "slow-feedback"
FAST_SLOW_SETTINGS = {"x0": 0.9}  # the units start on the upper attracting branch
FAST_SLOW_EPS = (0.03, 0.01, 0.003, 0.001)
FAST_SLOW_T_END = 15.0
REGIME_MODEL = "phillips-curve"
REGIME_SWITCH = ("rho", 0.2, 0.9)  # the monetary rule becomes persistent
REGIME_SWITCH_AT = 300


def demo(args):
    """Write the demo's figures and ``summary.txt`` to ``args.out``; list what was
    written."""
    from ..plotting import _demo as figures

    use_agg()
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    paths, sections = [], []
    for name, section in progress(SECTIONS, description="demo", enabled=args.progress):
        figure, lines = section(figures)
        path = out / name
        save_figure(figure, path)
        paths.append(path)
        sections.append("\n".join(lines))
    summary = out / "summary.txt"
    summary.write_text(_header() + "\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    print(f"demo written to {out.resolve()}:")
    for path in [*paths, summary]:
        print(f"  {path.name}")
    return 0


def _header():
    model = cp.load(DEFAULT_MODEL)
    return (f"coupling demo: {DEFAULT_MODEL} ({parameter_values(model.parameters)}, "
            f"eps={model.eps():g})")


def _folds_text(folds):
    """The fold positions ``folds`` (sorted) and the hysteresis width between them."""
    if not folds:
        return "no folds: no hysteresis"
    text = "folds at h = " + ", ".join(f"{h:+.6f}" for h in folds)
    if len(folds) > 1:
        text += f"; hysteresis width {folds[-1] - folds[0]:.6f}"
    return text


def _fold_positions(diagram):
    return sorted(point.param for point in diagram.folds())


# --------------------------------------------------------------------------- (a), (b)
def _trajectories(figures):
    """(a) convergence to the mean field, (b) a policy regime change."""
    model = cp.load(DEFAULT_MODEL)
    limit = cp.simulate(model, DEMO_T_END, population="mean-field")
    runs = [cp.simulate(model, DEMO_T_END, population=n, seed=DEMO_SEED)
            for n in DEMO_POPULATIONS]
    pushes = []
    for push, population, style in REGIME_RUNS:
        schedule = {"h": [(PUSH_START, push), (PUSH_END, 0.0)]}
        run = cp.simulate(model, REGIME_T_END, population=population, seed=DEMO_SEED,
                          schedule=schedule, n_points=601)
        label = f"push h = {push:g}, " + ("mean field" if population == "mean-field"
                                          else f"N = {population:,}")
        pushes.append((label, run, style))
    lines = _convergence_lines(limit, runs) + [""] + _push_lines(pushes)
    return figures.trajectories_figure(limit, runs, pushes), lines


def _convergence_lines(limit, runs):
    m_star = limit.final()["m"]
    widths = (8, 10, 16, 14)
    lines = [f"(a) Finite populations converge to the mean-field limit (seed {DEMO_SEED})",
             f"mean-field fixed point m* = {m_star:.4f} (m at t = {DEMO_T_END:g})",
             f"deviation from m* in units of the standard error 1/sqrt(N): at t = "
             f"{DEMO_T_END:g}, and rms over t >= {DEMO_T_END / 2:g}",
             row(("N", "final m", "(m-m*) sqrt(N)", "rms sqrt(N)"), widths)]
    for run in runs:
        n, final = run.population, run.final()["m"]
        late = run["m"][run.t >= DEMO_T_END / 2] - m_star
        lines.append(row((n, f"{final:.4f}", f"{(final - m_star) * math.sqrt(n):.2f}",
                          f"{math.sqrt(np.mean(late ** 2) * n):.2f}"), widths))
    return lines


def _push_lines(pushes):
    widths = (26, 10, 18, 14)
    lines = [f"(b) Policy regime change: h = 0, a push for {PUSH_START:g} <= t < {PUSH_END:g}, "
             "then h = 0 again",
             row(("", "m before", "m at end of push", f"m at t = {REGIME_T_END:g}"), widths)]
    for label, run, _ in pushes:
        m = run["m"]
        before, during, after = m[run.t < PUSH_START][-1], m[run.t < PUSH_END][-1], m[-1]
        outcome = ("recovers" if np.sign(after) == np.sign(before)
                   else "tips, and stays after the push (hysteresis)")
        lines.append(row((label, f"{before:.3f}", f"{during:.3f}", f"{after:.3f}"), widths)
                     + f"   {outcome}")
    return lines


# --------------------------------------------------------------------------- (c), (d)
@functools.lru_cache(maxsize=1)
def _sigma_diagrams():
    """Continuations in h of the default model for each of DEMO_SIGMAS (shared by (d),
    (f), (g))."""
    model = cp.load(DEFAULT_MODEL)
    return {sigma: cp.continuation(model.with_parameters(sigma=sigma), "h", FIELD_RANGE)
            for sigma in DEMO_SIGMAS}


def _bifurcation(figures):
    """(c) equilibria of m against the field h, (d) heterogeneity removes the hysteresis."""
    model = cp.load(DEFAULT_MODEL)
    sigma = model.parameters["sigma"]
    diagram = cp.continuation(model, "h", FIELD_RANGE)
    folds = _fold_positions(diagram)
    lines = [f"(c) Equilibria of m against the field h (sigma = {sigma:g}, "
             f"{FIELD_RANGE[0]:g} <= h <= {FIELD_RANGE[1]:g})", f"  {_folds_text(folds)}"]
    pushes = {push: style["color"] for push, _, style in REGIME_RUNS}
    for push in pushes:
        where = ("inside the bistable range: m recovers" if len(folds) > 1 and
                 folds[0] < push < folds[-1] else "outside the bistable range: m tips")
        lines.append(f"  the push h = {push:g} of (b) lies {where}")
    lines += ["", "(d) Heterogeneity removes the hysteresis: folds of m against h by taste "
                  "spread sigma",
              "  sigma   folds and hysteresis width"]
    lines += [f"  {s:<8g}{_folds_text(_fold_positions(d))}"
              for s, d in _sigma_diagrams().items()]
    return figures.bifurcation_figure(diagram, sigma, pushes, _sigma_diagrams()), lines


# --------------------------------------------------------------------------- (e), (f)
def _fold_curve(figures):
    """(e) the folds in the plane (h, sigma), ending at the cusp, (f) the hysteresis width
    against sigma."""
    curve = cp.fold_curve(cp.load(DEFAULT_MODEL), "h", "sigma", FOLD_FIELD_RANGE,
                          FOLD_SIGMA_RANGE, seed=DEMO_SEED)
    cusps = [point for point in curve.special_points if point.kind == "cusp"]
    if len(curve.curves) != 1 or len(cusps) != 1:
        raise RuntimeError(f"demo: expected one fold curve through one cusp in (h, sigma), "
                           f"got {len(curve.curves)} curves and {len(cusps)} cusps")
    (cusp,), (points,) = cusps, curve.curves
    sigma_c = cusp.data["p2"]
    lines = [f"(e) Folds in the plane of the field h and the taste spread sigma "
             f"({FOLD_FIELD_RANGE[0]:g} <= h <= {FOLD_FIELD_RANGE[1]:g}, "
             f"{FOLD_SIGMA_RANGE[0]:g} <= sigma <= {FOLD_SIGMA_RANGE[1]:g})",
             f"  one fold curve of {len(points)} points, the plane shaded by the number of "
             f"equilibria of each region it bounds",
             f"  cusp at sigma_c = {sigma_c:.6f}, h = {round(cusp.param, 6) + 0.0:+.6f} "
             f"({cusp.status})",  # + 0.0: no "-0.000000" for a cusp at h = -1e-16
             "  for sigma above sigma_c the population has a single equilibrium for every h: "
             "no hysteresis" if points[:, 1].max() <= sigma_c else
             f"  the fold curve rises above the cusp, to sigma = {points[:, 1].max():.6f}",
             "",
             "(f) Hysteresis width against sigma: from the fold curve, and from the "
             "continuations in h of (d)",
             "  sigma   from the fold curve   from (d)"]
    diagram_widths = {}
    for sigma, diagram in _sigma_diagrams().items():
        folds = _fold_positions(diagram)
        diagram_widths[sigma] = folds[-1] - folds[0] if len(folds) > 1 else 0.0
        (from_curve,) = _fold_curve_widths(curve, cusp, [sigma])
        lines.append(f"  {sigma:<8g}{from_curve:<22.4f}"
                     + (f"{diagram_widths[sigma]:.4f}" if len(folds) > 1 else "no folds"))
    sigmas = np.linspace(FOLD_SIGMA_RANGE[0], sigma_c, 200)
    widths = (sigmas, _fold_curve_widths(curve, cusp, sigmas))
    return figures.fold_curve_figure(curve, cusp, widths, diagram_widths), lines


def _fold_curve_widths(curve, cusp, sigmas):
    """The distance in h between the two folds at each of ``sigmas`` (0 above the cusp), by
    monotone cubic interpolation of h against sigma along the two arms of the fold curve,
    which meet at the cusp, its highest point."""
    from scipy.interpolate import PchipInterpolator

    (points,) = curve.curves
    sigma_c, top = cusp.data["p2"], int(np.argmax(points[:, 1]))
    folds = []
    for arm in (points[:top + 1], points[top:]):
        arm = np.vstack([arm[arm[:, 1] < sigma_c], [[cusp.param, sigma_c]]])
        arm = arm[np.argsort(arm[:, 1])]
        folds.append(PchipInterpolator(arm[:, 1], arm[:, 0])(np.minimum(sigmas, sigma_c)))
    return np.abs(folds[1] - folds[0])


# --------------------------------------------------------------------------- (g), (h)
def _hysteresis(figures):
    """(g) the loop swept by simulation over the equilibria, (h) the delay of its jumps
    after the folds against the ramp rate."""
    model = cp.load(DEFAULT_MODEL)
    diagram = _sigma_diagrams().get(model.parameters["sigma"], "auto")  # the same as (c)
    with warnings_to_stderr():
        scan = cp.hysteresis(model, "h", FIELD_RANGE, rates=DEMO_RATES,
                             population="mean-field", diagram=diagram,
                             n_points=DEMO_SWEEP_POINTS)
    if len(scan.scaling) != 2:
        raise RuntimeError(f"demo: expected the delay after both folds, got "
                           f"{len(scan.scaling)} fits")
    (loop,) = [loop for loop in scan.by_rate if math.isclose(loop.rate, DEMO_LOOP_RATE)]
    lines = _loop_lines(loop) + [""] + _delay_lines(scan)
    return figures.hysteresis_figure(loop, scan), lines


def _loop_lines(loop):
    jumps = {j["direction"]: j for j in loop.jumps}
    folds = sorted(loop.folds())
    lines = [f"(g) Hysteresis loop by simulation: h swept from {FIELD_RANGE[0]:g} to "
             f"{FIELD_RANGE[1]:g} and back at rate {loop.rate:g} (mean field)"]
    for direction in ("up", "down"):
        if direction in jumps:
            j = jumps[direction]
            lines.append(f"  {direction}-jump at h = {j['param']:+.4f}: m from "
                         f"{j['from']:+.3f} to {j['to']:+.3f}")
    lines.append(f"  loop width {loop.width:.4f}, area {loop.area:.4f}"
                 if loop.hysteresis else "  no hysteresis loop")
    if loop.hysteresis and len(folds) > 1:
        lines.append(f"  wider than the bistable range of (c), {folds[-1] - folds[0]:.4f}: the "
                     f"jumps lag the folds, see (h)")
    return lines


def _delay_lines(scan):
    widths = (8, 12, 12, 12)
    lines = ["(h) Delay of the jumps after the folds against the ramp rate r: "
             "delta = C r^alpha",
             row(("rate", "loop width", "delay up", "delay down"), widths)]
    for i, loop in enumerate(scan.by_rate):
        delays = [f"{s.delays[i]:.4f}" for s in scan.scaling]
        lines.append(row((f"{loop.rate:g}", f"{loop.width:.4f}", *delays), widths))
    lines.append("  fitted exponent alpha = " + ", ".join(
        f"{s.exponent:.3f} +- {s.stderr:.3f} ({s.direction})" for s in scan.scaling)
        + "; theory 2/3 (Haberman 1979)")
    return lines


# --------------------------------------------------------------------------- (i), (j)
def _timescales(figures):
    """(i) the fast-slow phase plane of a relaxation oscillation, (j) the full model's
    distance to its slow reduction against eps."""
    model = cp.load(FAST_SLOW_MODEL, **FAST_SLOW_SETTINGS)
    comparison = cp.compare_timescales(model, FAST_SLOW_EPS, t_end=FAST_SLOW_T_END)
    folds = comparison.manifold.folds() if comparison.manifold is not None else []
    lines = [f"(i) Fast/slow: {FAST_SLOW_MODEL} (units relax on eps, the macro y on 1), "
             "against its slow reduction (eps -> 0)",
             "  folds of the critical manifold at y = "
             + ", ".join(f"{p.param:+.4f} (X = {p.state['X']:+.4f})" for p in folds),
             f"  reduced run: {comparison.folds.size} jumps at the folds, period "
             f"{comparison.period_reduced:.4f}",
             "",
             "(j) Full model against the reduction (sup-norm over t past the initial layer "
             "and before the first fold)"]
    widths = (10, 12, 12, 10, 14)
    lines.append(row(("eps", "error y", "error X", "period", "period shift"), widths))
    for i, eps in enumerate(comparison.eps):
        lines.append(row((f"{eps:g}", f"{comparison.error_macro[i]:.3e}",
                          f"{comparison.error_aggregates[i]:.3e}",
                          f"{comparison.period[i]:.4f}",
                          f"{comparison.period[i] - comparison.period_reduced:+.4f}"), widths))
    lines.append(f"  fitted order: y {comparison.order_macro:.2f}, X "
                 f"{comparison.order_aggregates:.2f} (theory 1); period shift ~ eps^"
                 f"{comparison.order_period:.2f} (theory 2/3: the jumps lag the folds)")
    return figures.timescales_figure(comparison), lines


# --------------------------------------------------------------------------- (k)
def _regime(figures):
    """(k) a Phillips curve estimated under one monetary rule, tested across a switch to
    another: the forecasts, the recursive estimates, the verdict."""
    model = cp.load(REGIME_MODEL)
    lever, before, after = REGIME_SWITCH
    result = cp.regime_break(model, {lever: before}, {lever: after},
                             switch_at=REGIME_SWITCH_AT, reduced_form=reduced_form(REGIME_MODEL),
                             seed=DEMO_SEED)
    kappa = model.parameters["kappa"]
    lines = [f"(k) Lucas critique: the Phillips curve {result.reduced_form} estimated under "
             f"{lever} = {before:g}, tested after a switch to {lever} = {after:g} "
             f"(N = {model.population} forecasters, seed {DEMO_SEED})",
             f"  slope under A {result.fit_before.coef[1]:+.3f} (theory "
             f"{-(1 - before ** 2) / kappa:+.3f}), under B {result.fit_after.coef[1]:+.3f} "
             f"(theory {-(1 - after ** 2) / kappa:+.3f}), structural prediction "
             f"{result.structural.coef[1]:+.3f}",
             f"  forecast RMSE after the switch: reduced form {result.rmse_reduced:.3f}, "
             f"structural {result.rmse_structural:.3f} (noise level {result.noise:.3f})"]
    lines += [f"  {test.description}" for test in result.tests.values()]
    lines.append("  " + result.verdict)
    title = (f"(k) {REGIME_MODEL}: the monetary rule's persistence {lever} goes from "
             f"{before:g} to {after:g} at t = {REGIME_SWITCH_AT}")
    return figures.regime_figure(result, title), lines


SECTIONS = (("trajectories.png", _trajectories), ("bifurcation.png", _bifurcation),
            ("fold_curve.png", _fold_curve), ("hysteresis.png", _hysteresis),
            ("timescales.png", _timescales), ("regime.png", _regime))
"""The demo's sections: the figure each writes, and the section (given the demo's figure
functions, it returns the Figure and its lines of the summary)."""
