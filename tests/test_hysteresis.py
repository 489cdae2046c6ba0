"""Hysteresis sweeps against closed forms: Curie-Weiss folds, the Haberman delay law, the
quasi-static loop area, finite-N replicates, and the fold-free case.

The model throughout is social-choice with beta = 1, J = 2, sigma = 0 (Curie-Weiss): the
mean-field dynamics eps dm/dt = tanh(beta (J m + h)) - m, eps = 0.1, fold at
m_f = -sqrt(1 - 1/(beta J)), h_f = J|m_f| - atanh|m_f|/beta = 0.53284 (up-jump) and at -h_f
(down-jump). Near the fold, x = m - m_f and mu = h - h_f obey eps dx/dt = a mu + b x^2 with
a = 1/J and b = beta J |m_f|; for mu = r t the jump lags the fold by
delta = Omega (eps^2 r^2 / (a b))^(1/3) = 0.5654 r^(2/3), Omega = 2.33811 the first zero of
-Ai (Haberman 1979, SIAM J. Appl. Math. 37). One node is the exact mean field when sigma = 0.
"""

import importlib.util
import json

import numpy as np
import pytest
from scipy import integrate, optimize

import coupling as cp
from coupling.analysis.simulation._hysteresis import HysteresisLoop, RateWarning, hysteresis
from coupling.dynamics._common import Ramp

BETA, J, EPS = 1.0, 2.0, 0.1
M_F = np.sqrt(1 - 1 / (BETA * J))
H_F = J * M_F - np.arctanh(M_F) / BETA
A, B = 1 / J, BETA * J * M_F
HABERMAN = 2.338107410459767 * (EPS ** 2 / (A * B)) ** (1 / 3)  # delta / r^(2/3)
ONE_NODE = cp.MeanField(nodes=1)


def curie_weiss(**params):
    return cp.load("social-choice", beta=BETA, J=J, sigma=0.0, **params)


def branch(h, upper):
    """The stable Curie-Weiss equilibrium at h on the upper or lower branch."""
    lo, hi = (M_F, 1.0) if upper else (-1.0, -M_F)
    return optimize.brentq(lambda m: m - np.tanh(BETA * (J * m + h)), lo, hi, xtol=1e-14)


@pytest.fixture(scope="module")
def scan():
    """Four rates from 1e-4 to 1e-2, two decades inside the asymptotic regime: the inner
    layer of the fold has width X = eps/(b T) ~ r^(1/3) in m (0.06 at r = 1e-2, against a jump
    of 1.7), and the relative correction to delta/r^(2/3) is O(r^(1/3)) (measured with a
    1e-12 LSODA reference: -7 % at 1e-2, -2 % at 1e-4), which biases the local log-log slope
    by about -(1/3) of it: at most -0.025."""
    return hysteresis(curie_weiss(), "h", (-1, 1), rates=np.logspace(-4, -2, 4),
                      population=ONE_NODE)


# ---------------------------------------------------------------------- ramps
def test_a_deterministic_ramp_is_exact():
    """eps dx/dt = h - x with h = r (t - 1) from t = 1: x = h - r eps (1 - e^{-(t-1)/eps})."""
    model = cp.Model(micro=cp.ODE(rhs={"x": "h - x"}, initial={"x": 0.0}),
                     aggregates={"X": "x"}, parameters={"h": 0.0}, timescale=EPS)
    r = 0.3
    t = np.linspace(0, 11, 111)
    run = cp.simulate(model, t_end=11, t_eval=t, schedule={"h": Ramp([(1, 0), (11, r * 10)])},
                      rtol=1e-10, atol=1e-12)
    s = np.clip(t - 1, 0, None)
    assert np.array_equal(run["h"], r * s)
    expected = r * s - r * EPS * -np.expm1(-s / EPS)
    assert np.max(np.abs(run["X"] - expected)) < 1e-8  # rtol 1e-10 on x ~ 3


@pytest.mark.parametrize("kind", ["stochastic", "discrete", "response"])
def test_ramps_are_followed_by_every_integrator(kind):
    """Each integrator records the ramp's exact value at its output times."""
    ramp = Ramp([(0, -0.5), (10, 0.5)])
    if kind == "response":
        model = cp.Model(micro=cp.Response(rhs={"x": "tanh(J*m_seen + h)"},
                                           initial={"x": -1.0}),
                         aggregates={"m": "x"}, context={"m_seen": "m"},
                         parameters={"J": 0.5, "h": 0.0})
        run = cp.simulate(model, t_end=10, n_points=21, schedule={"h": ramp})
        # J = 0.5: one branch, m = tanh(0.5 m + h) at every output time
        assert np.allclose(run["m"], np.tanh(0.5 * run["m"] + run["h"]), atol=1e-9)
    elif kind == "discrete":
        model = curie_weiss().replace(time="discrete")
        run = cp.simulate(model, t_end=10, schedule={"h": ramp})
    else:
        run = cp.simulate(curie_weiss(), t_end=10, n_points=21, population=200, seed=1,
                          schedule={"h": ramp})
    assert np.allclose(run["h"], ramp(run.t), rtol=0, atol=1e-15)


def test_ramp_validation():
    with pytest.raises(ValueError, match="at least one"):
        Ramp([])
    with pytest.raises(ValueError, match="distinct"):
        Ramp([(0, 1), (0, 2)])
    with pytest.raises(ValueError, match="finite"):
        Ramp([(0, 1), (1, np.nan)])
    with pytest.raises(cp.DeclarationError, match="symbol 'k'"):
        cp.simulate(curie_weiss(), t_end=1, schedule={"k": Ramp([(0, 1)])})


# ---------------------------------------------------------------------- the delay law
def test_delay_after_the_fold_scales_like_rate_to_the_two_thirds(scan):
    """Fitted exponent within 0.03 of 2/3 (the O(r^(1/3)) correction bounds the bias by
    0.025; the issue asks for 0.1), and the measured prefactor at the slowest rate within 4 %
    of Haberman's constant (the correction there is -2 %)."""
    assert [s.direction for s in scan.scaling] == ["up", "down"]
    for s in scan.scaling:
        assert s.fold_source == "continuation"
        assert abs(s.exponent - 2 / 3) < 0.03, s
        assert s.stderr < 0.01
        assert abs(s.delays[0] / s.rates[0] ** (2 / 3) / HABERMAN - 1) < 0.04


def test_slow_jumps_converge_to_the_continuation_folds(scan):
    """The jump locations approach +-h_f like r^(2/3): the gap divided by r^(2/3) stays
    between 0.45 and Haberman's asymptote 0.5654 (approached from below, see the fixture)."""
    folds = scan.folds()
    assert abs(folds[0] + H_F) < 1e-10 and abs(folds[1] - H_F) < 1e-10
    gaps = []
    for loop in scan.by_rate:
        (up,) = [j for j in loop.jumps if j["direction"] == "up"]
        (down,) = [j for j in loop.jumps if j["direction"] == "down"]
        assert abs(up["param"] + down["param"]) < 1e-6  # the h -> -h, m -> -m symmetry
        gap = up["param"] - H_F
        assert 0.45 * loop.rate ** (2 / 3) < gap < HABERMAN * loop.rate ** (2 / 3)
        gaps.append(gap)
    assert np.all(np.diff(gaps) > 0)  # rates increase along by_rate
    assert gaps[0] < 1.3e-3  # r = 1e-4


def test_jumps_loop_width_and_area(scan):
    """At r = 1e-4 the loop is the quasi-static one: width 2 h_f + 2 delta, and area
    int_{-h_f}^{h_f} (m_upper - m_lower) dh (adaptive quadrature on the two branches) plus
    the strips the delays add, 2 delta x the jump (~1.7): 0.004, so a tolerance of 0.01."""
    loop = scan
    assert loop.hysteresis and not loop.rate_dominated and loop.warnings == []
    delay = scan.scaling[0].delays[0]
    assert loop.width == pytest.approx(2 * H_F + 2 * delay, abs=1e-9)
    quasi_static = integrate.quad(lambda h: branch(h, True) - branch(h, False), -H_F, H_F,
                                  epsabs=1e-10)[0]
    assert abs(loop.area - quasi_static) < 0.01
    up, down = loop.jumps
    assert (up["direction"], down["direction"]) == ("up", "down")
    assert up["from"] < -M_F and up["to"] > 0.95 and up["size"] == up["to"] - up["from"]
    assert down["size"] == pytest.approx(-up["size"], abs=1e-6)
    assert loop.loops == [{"up": up["param"], "down": down["param"], "width": loop.width}]


def test_rate_check_against_the_jacobian():
    """The slowest relaxation at the ends is 1/eps (1 - beta J (1 - m^2)) at m(h = +-1); a
    ramp fast enough that the estimated delays exceed half the loop warns. At r = 0.5 the
    jump, smeared over a few relaxation times, is still found (the window widens to the
    parameter travelled in three of them, 3 r/lambda) and lies far past the fold."""
    loop = hysteresis(curie_weiss(), "h", (-1, 1), rate=1e-2, population=ONE_NODE,
                      diagram=None)
    m_end = branch(1.0, True)
    lam = (1 - BETA * J * (1 - m_end ** 2)) / EPS
    assert loop.relaxation_source == "jacobian"
    assert loop.relaxation_rate == pytest.approx(lam, rel=1e-9)
    assert loop.lag == pytest.approx(1e-2 / lam, rel=1e-9)
    assert not loop.rate_dominated
    with pytest.warns(RateWarning, match="rate-dominated"):
        fast = hysteresis(curie_weiss(), "h", (-1, 1), rate=0.5, population=ONE_NODE,
                          diagram=None)
    assert fast.rate_dominated and fast.hysteresis and len(fast.warnings) == 1
    assert fast.window == pytest.approx(3 * 0.5 / lam)
    assert all(abs(j["param"]) > H_F + 0.2 and not j["during_hold"] for j in fast.jumps)
    with pytest.warns(RateWarning) as record:  # the up-jump outruns h = 0.6
        hysteresis(curie_weiss(), "h", (-1, 0.6), rate=0.5, population=ONE_NODE,
                   diagram=None)
    assert any("completed only during the hold" in str(w.message) for w in record)


def test_staircase_jumps_at_the_first_level_past_each_fold():
    """Levels -1 + 0.04 k held 10 time units each: at 0.56 (mu = 0.027) the bottleneck
    takes pi eps / sqrt(a b mu) = 2.3 < 10 time units, at 0.52 the lower branch exists."""
    loop = hysteresis(curie_weiss(), "h", (-1, 1), settle=10.0, steps=50,
                      population=ONE_NODE, diagram=None)
    assert loop.ramp == "staircase" and loop.rate == pytest.approx(2 / 500)
    assert [(j["direction"], round(j["param"], 12)) for j in loop.jumps] == [("up", 0.56),
                                                                            ("down", -0.56)]
    assert loop.width == pytest.approx(1.12, abs=1e-12)


# ---------------------------------------------------------------------- finite populations
def test_finite_population_jumps_match_the_delayed_mean_field_fold():
    r"""N = 2000 units, 6 replicates, r = 0.05, dt = 0.01, 99 % confidence intervals.

    Prediction: the mean-field jump at the same rate (the fold plus the finite-rate delay
    delta_MF), with the delay scaled by (eps'/eps)^(2/3): a unit revises in a step with
    probability q = 1 - e^{-dt/eps} under the context of the step's start, so the shares
    follow the Euler map of an ODE with eps' = dt/q = 1.051 eps.

    Choice of N: near the fold m diffuses with D = 2 (1 - m_f^2)/(N eps) (N/eps revisions per
    unit time, each flipping with probability (1 - m^2)/2 a unit and moving m by 2/N). In the
    inner variables of the fold the noise is sigma^2 = D b / (a r) = 28.3 / (N r). The
    inner equation d xi = (s + xi^2) ds + sigma dW (4000 Euler paths) blows up earlier on
    average by 0.30 sigma^2 with sd 0.64 sigma, in units of r T = (eps^2 r^2/(a b))^(1/3) =
    0.033 in h. The noise shift relative to the 95 % CI half-width of R replicates is
    0.47 sigma sqrt(R) / t_{R-1}; asking for <= 1/4 at 95 % gives sigma <= 0.56 for R = 6,
    i.e. N >= 28.3 / (r 0.56^2) = 1800: N = 2000 (sigma = 0.53, shift -0.003 against a 95 %
    half-width ~0.011). The test uses 99 % intervals, where the shift is 1/6 of the
    half-width, so a wrong seed is rare (coverage >= 98 % per direction). With 24 replicates
    the measured mean jump is 0.6015 (N = 2000) and 0.6034 (N = 10000) against
    0.6041 - 0.30 sigma^2 r T = 0.6013 and 0.6035.
    """
    r, dt, N = 0.05, 0.01, 2000
    loop = hysteresis(curie_weiss(), "h", (-0.8, 0.8), rate=r, population=N, replicates=6,
                      seed=20240611, dt=dt, diagram=None, confidence=0.99)
    mean_field = hysteresis(curie_weiss(), "h", (-0.8, 0.8), rate=r, population=ONE_NODE,
                            diagram=None)
    assert loop.replicates == 6 and loop.values["m"].shape == (6, loop.t.size)
    scale = (dt / -np.expm1(-dt / EPS) / EPS) ** (2 / 3)
    for s in loop.jump_summary:
        sign = 1 if s["direction"] == "up" else -1
        (mf,) = [j["param"] for j in mean_field.jumps if j["direction"] == s["direction"]]
        predicted = sign * H_F + (mf - sign * H_F) * scale
        lo, hi = s["ci"]
        assert s["fraction"] == 1.0 and s["n_jumped"] == 6
        assert lo < predicted < hi, (s, predicted)
        assert not lo < sign * H_F < hi  # the delay is resolved
        assert hi - lo < 0.04
    assert loop.hysteresis and np.all(loop.widths > 2 * H_F)


def test_replicates_are_reproducible_from_one_seed(capsys):
    kwargs = {"rate": 0.1, "population": 300, "replicates": 2, "diagram": None,
              "n_points": 200}
    """Same seed, same numbers: also from a SeedSequence that has spawned streams before
    (replicate i is keyed by i, not by the order of spawning), and with a progress bar."""
    a = hysteresis(curie_weiss(), "h", (-0.8, 0.8), seed=5, **kwargs)
    b = hysteresis(curie_weiss(), "h", (-0.8, 0.8), seed=5, progress=True, **kwargs)
    c = hysteresis(curie_weiss(), "h", (-0.8, 0.8), seed=6, **kwargs)
    used = np.random.SeedSequence(5)
    used.spawn(3)
    d = hysteresis(curie_weiss(), "h", (-0.8, 0.8), seed=used, **kwargs)
    if importlib.util.find_spec("tqdm") is None:  # progress of b: a line per replicate
        lines = capsys.readouterr().err.splitlines()
        assert lines[0].startswith("sweep of h at rate 0.1: 50% (1/2), about ")
        assert lines[1] == "sweep of h at rate 0.1: 100% (2/2)"
    assert a.jumps == b.jumps and np.array_equal(a.values["m"], b.values["m"])
    assert np.array_equal(a.values["m"], d.values["m"])
    assert not np.array_equal(a.values["m"][0], a.values["m"][1])  # independent replicates
    assert not np.array_equal(a.values["m"], c.values["m"])
    assert a.seed == 5


# ---------------------------------------------------------------------- no hysteresis
def test_no_hysteresis_without_folds():
    """sigma = 1.5: no folds (sigma = 1 still has them at h = +-0.1106 for J = 2), so no
    jumps, width 0, and the area is only the lag loop: the state trails the branch by at most
    r/lambda_min in h (lambda_min the slowest relaxation along the branch), so
    |area| <= 2 (r / lambda_min) (the observable's range)."""
    model = cp.load("social-choice", beta=BETA, J=J, sigma=1.5)
    r = 1e-2
    loop = hysteresis(model, "h", (-1, 1), rate=r)
    assert loop.diagram is not None and loop.diagram.folds() == []
    lam = min((-b.eigenvalues[b.stable, 0].real).min() for b in loop.diagram.branches)
    assert loop.relaxation_rate == pytest.approx(lam)
    assert not loop.hysteresis and loop.width == 0.0 and loop.jumps == []
    spread = np.ptp(loop.values["m"][0][loop.phase != "hold"])
    assert 0 < loop.area <= 2 * r / lam * spread
    assert loop.status == 0 and loop.message == "No hysteresis: m does not jump."
    assert "hysteresis  no (width 0)" in loop.summary().splitlines()


# ---------------------------------------------------------------------- outputs
def test_to_dict_is_strict_json_and_the_dataframe_is_long(scan):
    d = scan.to_dict(sweep=True)
    text = json.dumps(d, allow_nan=False)
    assert json.loads(text)["hysteresis"] is True
    for jump in d["jumps"]:
        assert {"direction", "param", "from", "to", "size"} <= set(jump)
    assert len(d["by_rate"]) == 3 and len(d["scaling"]) == 2
    assert d["folds"] == pytest.approx([-H_F, H_F])
    frame = scan.to_dataframe()
    assert list(frame.columns[:4]) == ["replicate", "t", "phase", "h"]
    assert len(frame) == scan.t.size and set(frame["phase"]) == {"hold", "up", "down"}


def test_plot_overlays_the_continuation(scan):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = scan.plot()
    labels = {line.get_label() for line in ax.get_lines()}
    assert {"stable", "unstable", "up sweep", "down sweep"} <= labels
    arrows = [c for c in ax.get_children() if type(c).__name__ == "Annotation"]
    assert len(arrows) >= 6  # two stretches per leg, one per jump, plus the LP labels
    with pytest.raises(KeyError, match="no observable"):
        scan.plot("nope")
    # the delay law: both directions' delays, the fit and the slope 2/3 through the slowest
    ax = scan.plot_delays()
    assert len(ax.get_lines()) == 4
    marks = ax.get_lines()[0]
    np.testing.assert_array_equal(marks.get_xdata(), scan.scaling[0].rates)
    np.testing.assert_array_equal(marks.get_ydata(), scan.scaling[0].delays)
    frame = scan.scaling[0].to_dataframe()
    assert list(frame.columns) == ["rate", "jump", "delay"] and len(frame) == 4
    plt.close("all")


@pytest.mark.parametrize("kwargs, error, match", [
    ({"param": "k"}, KeyError, "'k' is not a parameter"),
    ({"interval": (1, -1)}, ValueError, "lo < hi"),
    ({"interval": (0, 0)}, ValueError, "lo < hi"),
    ({"rate": 0}, ValueError, "rate must be a positive number"),
    ({"rate": -1e-3}, ValueError, "rate must be a positive number"),
    ({"settle": 0.0}, ValueError, "settle must be a positive number"),
    ({"rate": 1e-3, "settle": 1.0}, ValueError, "not rate and settle"),
    ({"rates": [1e-3, 1e-2]}, ValueError, "rates must be at least 3"),
    ({"rates": [1e-3, -1e-2, 1e-1]}, ValueError, "rates must be at least 3"),
    ({"steps": 1, "settle": 1.0}, ValueError, "steps must be an integer >= 2"),
    ({"observables": ["m", "nope"]}, ValueError, "observables: 'nope'"),
    ({"replicates": 3}, ValueError, "replicates: the mean-field limit"),
    ({"replicates": 0, "population": 100}, ValueError, "replicates must be an integer"),
    ({"window": 1.5}, ValueError, r"window must be a number in \(0, 1\)"),
    ({"progress": "yes"}, TypeError, "progress must be True, False or None"),
    ({"hold": -1.0}, ValueError, "hold must be a positive number"),
    ({"diagram": "yes"}, TypeError, "diagram must be"),
])
def test_bad_arguments_are_refused_naming_the_argument(kwargs, error, match):
    args = {"param": "h", "interval": (-1, 1), "rate": 1e-3}
    args.update(kwargs)
    if "settle" in kwargs and "rate" not in kwargs:
        args.pop("rate")
    if "rates" in kwargs:
        args.pop("rate")
    with pytest.raises(error, match=match):
        hysteresis(curie_weiss(), args.pop("param"), args.pop("interval"), **args)


def test_summary_states_the_loop_its_jumps_and_the_delay_law(scan):
    """The summary (what the command line prints) agrees with the fields: the verdict, the
    width, one row per jump and per rate, and the fitted exponents."""
    assert isinstance(scan, HysteresisLoop) and scan.success and scan.status == 0
    lines = str(scan).splitlines()
    assert lines[0] == "swept       h from -1 to 1 and back"
    assert "hysteresis  yes" in lines and f"width       {scan.width:.6g}" in lines
    header = lines.index("2 jumps in m:")
    up, down = (line.split() for line in lines[header + 2:header + 4])
    assert (up[0], float(up[1])) == ("up", pytest.approx(scan.jumps[0]["param"], abs=1e-5))
    assert (down[0], float(down[1])) == ("down", pytest.approx(scan.jumps[1]["param"],
                                                               abs=1e-5))
    assert "loops at 4 rates:" in lines
    exponents = [float(line.split()[2]) for line in lines if line.startswith(("  up ",
                                                                            "  down "))
                 and len(line.split()) == 5 and "e-" not in line.split()[1]][-2:]
    assert exponents == pytest.approx([s.exponent for s in scan.scaling], abs=1e-5)
    assert scan.message.startswith(f"Hysteresis: a loop of width {scan.width:.6g} between "
                                   f"the up-jump at h = ")
    assert "2 jumps" in repr(scan) and "hysteresis=True" in repr(scan)
    assert scan.scaling[0].success and "theory 2/3" in scan.scaling[0].summary()


# ---------------------------------------------------------------------- response rules
def reduced_curie_weiss(J):
    """The ε → 0 limit m = tanh(J m + h) (beta = 1, sigma = 0) as a Response rule."""
    return cp.reduce(cp.load("social-choice", beta=1.0, J=J, sigma=0.0))


def test_a_response_rule_loop_narrower_than_the_window_is_hysteresis():
    """J = 1.05: folds at h_f = J m_f - atanh(m_f), m_f = sqrt(1 - 1/J), = 0.0073, so the
    loop (width 2 h_f plus a level each side) is narrower than the jump window 0.02 of the
    interval. A response rule follows its branch exactly and moves h in levels of
    2/999: it jumps at the first level past each fold, and the loop between them is the
    hysteresis (a result reporting two jumps must not say "no hysteresis")."""
    m_f = np.sqrt(1 - 1 / 1.05)
    h_f = 1.05 * m_f - np.arctanh(m_f)
    levels = -1 + 2 * np.arange(1000) / 999
    past = levels[np.searchsorted(levels, h_f)]  # the first level above h_f
    loop = hysteresis(reduced_curie_weiss(1.05), "h", (-1, 1), rate=1e-2, diagram=None)
    assert loop.window == pytest.approx(0.02) and 2 * past < loop.window
    assert loop.resolution == pytest.approx(1.5 * 2 / 999)
    assert [(j["direction"], j["param"]) for j in loop.jumps] == [
        ("up", pytest.approx(past, abs=1e-12)), ("down", pytest.approx(-past, abs=1e-12))]
    assert loop.hysteresis and loop.width == pytest.approx(2 * past, abs=1e-12)
    assert loop.message.startswith("Hysteresis: a loop of width ")
    assert "hysteresis  yes" in loop.summary().splitlines()


def test_a_steep_reversible_response_is_jumps_without_hysteresis():
    """J = 1: no fold, but m = tanh(m + h) ~ (3 h)^(1/3) is steep enough at h = 0 for the
    jump criterion on both legs. Each leg crosses the middle at the first level past 0, so
    the jumps are one level (2/999) apart: below the resolution of 1.5 levels, no loop, and
    the result says why instead of contradicting its jumps."""
    loop = hysteresis(reduced_curie_weiss(1.0), "h", (-1, 1), rate=1e-2, diagram=None)
    (up, down) = loop.jumps
    assert up["param"] - down["param"] == pytest.approx(2 / 999, abs=1e-12)
    assert not loop.hysteresis and loop.width == 0.0 and loop.loops == []
    assert loop.verdict.startswith("No hysteresis: the up-jump at h = ")
    assert "within the resolution 0.003 of the sweep" in loop.verdict
    lines = loop.summary().splitlines()
    assert lines[lines.index("hysteresis  no (width 0)") + 1].strip() == loop.verdict


def test_the_default_rate_of_an_instantaneous_response_is_one_level_per_time_unit():
    """Without macro state a response rule relaxes at once (λ = inf): any rate gives the same
    path, and the default is one level of n_points per unit time."""
    loop = hysteresis(reduced_curie_weiss(2.0), "h", (-1, 1), n_points=101, diagram=None)
    assert loop.relaxation_rate == np.inf and loop.rate == pytest.approx(2 / 100)
    assert loop.hysteresis and loop.lag == 0.0


def test_a_given_diagram_supplies_the_relaxation_rate(monkeypatch):
    """The rate check reads the stable equilibria at the ends of the window from a diagram
    that reaches them, instead of searching for them again: the same rate, with no
    equilibrium search. At h = ±1 the Curie–Weiss upper branch relaxes at
    (1 - beta J (1 - m^2)) / eps."""
    from coupling.analysis.bifurcation import _equilibria

    diagram = cp.continuation(curie_weiss(), "h", (-1, 1), population=ONE_NODE)
    calls, original = [], _equilibria.equilibria
    monkeypatch.setattr(_equilibria, "equilibria",
                        lambda *a, **k: calls.append(1) or original(*a, **k))
    loop = hysteresis(curie_weiss(), "h", (-1, 1), rate=1e-2, population=ONE_NODE,
                      diagram=diagram)
    m_end = branch(1.0, True)
    assert loop.relaxation_rate == pytest.approx((1 - BETA * J * (1 - m_end**2)) / EPS,
                                                 rel=1e-9)
    assert calls == []
