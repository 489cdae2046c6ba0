"""Early-warning indicators: closed forms for AR(1), critical slowing down, surrogate tests
and their size, a social-choice population ramped through its fold, replicates analysed at
once (lists of runs, hysteresis loops) against one-by-one analyses, the vectorised Kendall τ
against scipy, scoring against the true distance to the fold, bad input."""

import json
import warnings

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy import optimize
from scipy.signal import lfilter
from scipy.stats import kendalltau, skew

import coupling as cp
from coupling.analysis.simulation._early_warning import ReplicateEarlyWarning, early_warning
from coupling.analysis.simulation._warning_statistics import (
    INDICATORS,
    kendall_rows,
    rolling,
    surrogates,
    trend_of,
)


def ar1(a, n, rng):
    """x_{i+1} = a_i x_i + ε_i, ε ~ N(0, 1), started from the stationary law of a_0."""
    a = np.broadcast_to(np.asarray(a, dtype=float), (n,))
    e = rng.standard_normal(n)
    x = np.empty(n)
    x[0] = e[0] / np.sqrt(1 - a[0] ** 2)
    for i in range(1, n):
        x[i] = a[i] * x[i - 1] + e[i]
    return x


def stationary_ar1(a, n, rng):
    e = rng.standard_normal(n)
    e[0] /= np.sqrt(1 - a * a)
    return lfilter([1.0], [1.0, -a], e)


def test_rolling_indicators_match_scipy_on_each_window():
    """The cumulative-sum moments equal np.var, scipy.stats.skew and the lag-1
    autocorrelation computed window by window, to round-off."""
    rng = np.random.default_rng(0)
    r = np.cumsum(rng.normal(size=300)) * 0.1 + rng.normal(size=300) + 5.0
    windows = sliding_window_view(r, 41)
    centred = windows - windows.mean(axis=1, keepdims=True)
    ind = rolling(r, 41)
    np.testing.assert_allclose(ind["variance"], windows.var(axis=1), rtol=1e-10)
    np.testing.assert_allclose(ind["skewness"], skew(windows, axis=1), atol=1e-10)
    lag1 = (centred[:, :-1] * centred[:, 1:]).sum(axis=1) / (centred ** 2).sum(axis=1)
    np.testing.assert_allclose(ind["autocorrelation"], lag1, atol=1e-10)


def test_stationary_ar1_closed_forms():
    r"""x_{i+1} = a x_i + ε_i, a = 0.6, σ = 1: lag-1 autocorrelation a, variance
    v = σ²/(1 - a²), skewness 0. A window of w points estimates them with standard errors
    sqrt((1 - a²)/w) (Bartlett), v sqrt(2(1 + a²)/((1 - a²) w)) and sqrt(6(1 + a³)/((1 - a³) w))
    (Σ_k ρ_k³ for a Gaussian linear process), and leading biases -(1 + 4a)/w and
    -v (1 + a)/((1 - a) w) (the window mean is estimated). The mean over all window positions
    weights point j by c_j = (windows holding j)/(m w), so its standard error is the long-run
    standard deviation times sqrt(Σ c_j²). Means within 3 of those; the spread of the
    window values within 25% of the per-window errors (about 50 independent windows: a
    sample standard deviation good to ~10%)."""
    a, n = 0.6, 20_000
    x = stationary_ar1(a, n, np.random.default_rng(11))
    res = early_warning((np.arange(n), x), window=0.02, detrend=None, end=None, surrogates=0)
    w, m = res.window, res.times.size
    assert (w, m) == (400, n - 400 + 1)
    c = np.convolve(np.ones(m), np.ones(w)) / (m * w)
    sum_c2 = np.sum(c ** 2)
    v = 1 / (1 - a * a)
    long_run = {"autocorrelation": 1 - a * a, "variance": 2 * v * v * (1 + a * a) / (1 - a * a),
                "skewness": 6 * (1 + a ** 3) / (1 - a ** 3)}
    expected = {"autocorrelation": a - (1 + 4 * a) / w,
                "variance": v * (1 - (1 + a) / ((1 - a) * w)), "skewness": 0.0}
    for name, values in res.indicators.items():
        z = (values.mean() - expected[name]) / np.sqrt(long_run[name] * sum_c2)
        assert abs(z) < 3, (name, z)
        spread = values.std() / np.sqrt(long_run[name] / w)
        assert abs(spread - 1) < 0.25, (name, spread)
    assert np.isnan(res.p_value["variance"]) and res.null_tau["variance"].size == 0


def test_critical_slowing_down_is_significant():
    """a rising from 0.5 to 0.95 over 1000 steps: variance 1.33 -> 10.3 and lag-1
    autocorrelation rise in the window; τ > 0.7 for both and p < 0.05 against 199 phase and
    199 AR(1) surrogates (the smallest attainable p is 0.005)."""
    n = 1000
    x = ar1(np.linspace(0.5, 0.95, n), n, np.random.default_rng(5))
    for method in ("phase", "ar1"):
        res = early_warning((np.arange(n), x), end=None, method=method, surrogates=199,
                            seed=1)
        assert res.method == method and res.null_tau["variance"].size == 199
        for name in ("variance", "autocorrelation"):
            assert res.tau[name] > 0.7, (method, name, res.tau[name])
            assert res.p_value[name] < 0.05, (method, name, res.p_value[name])


def test_surrogate_test_has_its_size_on_stationary_ar1():
    """100 stationary AR(1) series (a = 0.7, 200 points), 19 surrogates each, so p <= 0.05
    means τ beats all 19 surrogates: under the null that happens with probability 1/20. The
    number of false positives is then Binomial(100, 0.05) (mean 5, P(X >= 11) = 0.011): at
    most 10 per indicator and method; the mean p-value is near 0.525 (uniform on
    {1/20, ..., 1}; sd of the mean 0.029): within 0.1."""
    n, replicates = 200, 100
    for method in ("phase", "ar1"):
        p = np.empty((replicates, 3))
        for k in range(replicates):
            rng = np.random.default_rng([7, k])
            res = early_warning((np.arange(n), stationary_ar1(0.7, n, rng)), end=None,
                                surrogates=19, method=method, seed=rng)
            p[k] = list(res.p_value.values())
        false_positives = np.count_nonzero(p <= 0.05, axis=0)
        assert np.all(false_positives <= 10), (method, false_positives)
        assert np.all(np.abs(p.mean(axis=0) - 0.525) < 0.1), (method, p.mean(axis=0))


def test_surrogates_keep_spectrum_or_ar1_statistics():
    """Phase surrogates keep every Fourier amplitude (to round-off); AR(1) surrogates of 200
    series have mean lag-1 autocorrelation and variance of the residuals' fit, within 4
    standard errors of the mean over 200 series of 500 points."""
    rng = np.random.default_rng(2)
    r = stationary_ar1(0.8, 500, rng)
    phase = surrogates(r, 10, "phase", rng)
    np.testing.assert_allclose(np.abs(np.fft.rfft(phase, axis=-1)),
                               np.broadcast_to(np.abs(np.fft.rfft(r)), (10, 251)),
                               rtol=1e-9, atol=1e-9)
    fake = surrogates(r, 200, "ar1", rng)
    a_hat = rolling(r, r.size)["autocorrelation"][0]
    fitted = rolling(fake, r.size)
    bias = (1 + 4 * a_hat) / r.size
    assert abs(fitted["autocorrelation"].mean() - (a_hat - bias)) \
        < 4 * np.sqrt((1 - a_hat ** 2) / r.size / 200)
    v, sd = r.var(), r.var() * np.sqrt(2 * (1 + a_hat ** 2) / (1 - a_hat ** 2) / r.size)
    assert abs(fitted["variance"].mean() - v * (1 - (1 + a_hat) / ((1 - a_hat) * r.size))) \
        < 4 * sd / np.sqrt(200)


def test_gaussian_detrending_is_nadaraya_watson():
    """The smoothed trend equals Σ K x / Σ K with a Gaussian K of the bandwidth; the kernel
    is truncated at 4 bandwidths (neglected weight 2Φ(-4) = 6e-5), so agreement to 1e-3."""
    t = np.linspace(0.0, 10.0, 80)
    x = np.sin(t) + 0.1 * t
    K = np.exp(-0.5 * ((t[:, None] - t[None, :]) / 1.3) ** 2)
    np.testing.assert_allclose(trend_of(t, x, "gaussian", 1.3), K @ x / K.sum(axis=1), atol=1e-3)
    np.testing.assert_allclose(trend_of(t, 3 * t - 1, "linear", None), 3 * t - 1, atol=1e-12)


@pytest.fixture(scope="module")
def social_ramp():
    """Social choice (β = 1, J = 1.5, σ = 0.3; mean-field folds at h = ±0.16) as a
    discrete-time population of N = 2000, on the lower branch, with h raised in 150 steps
    from -0.3 to 0.25 over 1500 periods: it jumps to the upper branch after the fold. Null
    runs hold h at -0.3."""
    model = cp.load("social-choice").replace(time="discrete")
    fold = max(p.param for p in cp.continuation(model, "h", (-1, 1)).folds())
    T, steps = 1500, 150
    ramp = [(i * T / steps, float(h)) for i, h in enumerate(np.linspace(-0.3, 0.25, steps))]
    run = cp.simulate(model, T, population=2000, seed=1, schedule={"h": ramp})
    null = [cp.simulate(model, T, population=2000, seed=100 + k, schedule={"h": ramp[:1]})
            for k in range(19)]
    return fold, run, null


def test_indicators_rise_before_the_fold_of_a_ramped_population(social_ramp):
    """Before the jump the variance and autocorrelation of m rise (τ > 0.5, p < 0.05 against
    phase surrogates and against 19 null runs with h fixed: p = 1/20 when τ beats all);
    the automatic end lies before the jump, with m still below its value at the fold."""
    fold, run, null = social_ramp
    assert fold == pytest.approx(0.16, abs=0.01)
    m, h = run["m"], run["h"]
    after_start = run.t >= 20  # skip the initial transient from m = 0.2 to the lower branch
    jump = run.t[after_start][np.argmax(m[after_start] > 0)]
    t_fold = run.t[np.argmax(h >= fold)]
    res = early_warning(run, start=20, seed=0)
    assert res.observable == "m" and res.t[0] == 20
    assert t_fold < res.jump < jump + 20  # the population jumps after h passes the fold
    assert 0.8 * jump < res.end < jump
    assert m[(run.t >= 20) & (run.t <= res.end)].max() < -0.5  # fold branch: m = -0.54
    for name in ("variance", "autocorrelation"):
        assert res.tau[name] > 0.5 and res.p_value[name] < 0.05, (name, res.tau[name])
    against_null = early_warning(run, start=20, null=null)
    assert against_null.method == "null" and against_null.null_tau["variance"].size == 19
    for name in ("variance", "autocorrelation"):
        assert against_null.p_value[name] == pytest.approx(1 / 20)


def test_result_serialises_prints_and_plots(social_ramp, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    _, run, _ = social_ramp
    res = early_warning(run, start=20, surrogates=20, seed=3, method="ar1")
    data = json.loads(json.dumps(res.to_dict()))
    assert data["tau"] == res.tau and data["end"] == res.end and data["method"] == "ar1"
    assert len(data["indicators"]["skewness"]) == res.times.size
    json.dumps(res.to_dict(), allow_nan=False)
    text = res.summary()
    assert res.success and str(res) == text
    assert "observable  m before the jump at t = " in text and "20 AR(1) surrogates" in text
    (row,) = [line.split() for line in text.splitlines() if "autocorrelation" in line]
    assert float(row[1]) == pytest.approx(res.tau["autocorrelation"], abs=5e-4)
    axes = res.plot()
    assert len(axes) == 4 and axes[1].get_ylabel() == "variance"
    axes[0].figure.savefig(tmp_path / "ew.png")
    _, ax = plt.subplots()
    assert res.plot(ax=ax) is ax and len(ax.get_lines()) == 4
    plt.close("all")


def test_same_seed_same_p_values():
    x = stationary_ar1(0.5, 300, np.random.default_rng(1))
    runs = [early_warning((np.arange(300), x), end=None, surrogates=30, seed=9)
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0].null_tau["skewness"], runs[1].null_tau["skewness"])


def test_vectorised_kendall_tau_matches_scipy():
    """τ_b of many rows at once (ragged lengths, ties, a NaN, rows of 2 points) equals
    scipy.stats.kendalltau row by row to round-off, by the vectorised merge count and by the
    scipy path for rows longer than 2048."""
    rng = np.random.default_rng(3)
    for width in (5, 300, 2100):
        x = np.round(np.cumsum(rng.normal(size=(12, width)), axis=1), 1)  # ties
        m = rng.integers(2, width + 1, 12)
        m[:2] = width, 2
        x[2, 0] = np.nan
        got = kendall_rows(x, m)
        ref = [kendalltau(np.arange(k), x[i, :k]).statistic for i, k in enumerate(m)]
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14)
        assert np.isnan(got[2]) and got[1] in (-1.0, 1.0)


def assert_same_as_alone(joint, i, alone):
    """Row i of a joint analysis of replicates equals the analysis of that replicate alone:
    the same windows, indicators to 1e-12, τ, surrogate or null τ and p-values."""
    row = joint.replicate(i)
    np.testing.assert_array_equal(row.times, alone.times)
    np.testing.assert_allclose(row.trend, alone.trend, rtol=0, atol=1e-12)
    for k in INDICATORS:
        np.testing.assert_allclose(row.indicators[k], alone.indicators[k], rtol=1e-12,
                                   atol=1e-12)
        assert row.tau[k] == pytest.approx(alone.tau[k], abs=1e-12)
        np.testing.assert_allclose(row.null_tau[k], alone.null_tau[k], rtol=0, atol=1e-12)
        np.testing.assert_array_equal(row.p_value[k], alone.p_value[k])
    assert (row.end, row.window, row.bandwidth) == (alone.end, alone.window, alone.bandwidth)


def test_replicate_runs_are_analysed_at_once_as_one_by_one(social_ramp):
    """A list of runs (the ramped run and three held ones) gives, row by row, what each run
    gives alone with the i-th spawned seed, for phase and AR(1) surrogates and for null runs;
    a (t, X) pair with X 2-D is the same list."""
    _, run, null = social_ramp
    runs = [run, *null[:3]]
    seeds = np.random.SeedSequence(4).spawn(len(runs))
    for method in ("phase", "ar1"):
        joint = early_warning(runs, start=20, end=None, surrogates=9, method=method, seed=4)
        assert isinstance(joint, ReplicateEarlyWarning) and len(joint) == 4
        assert joint.indicators["variance"].shape == (4, joint.times.size)
        for i, r in enumerate(runs):
            alone = early_warning(r, start=20, end=None, surrogates=9, method=method,
                                  seed=seeds[i])
            assert_same_as_alone(joint, i, alone)
        for k in INDICATORS:
            assert joint.mean_tau[k] == pytest.approx(np.mean(joint.tau[k]))
            mean_null = joint.null_tau[k].mean(axis=0)
            assert joint.combined_p[k] == (1 + np.sum(mean_null >= joint.mean_tau[k])) / 10
    pair = early_warning((run.t, np.stack([r["m"] for r in runs])), start=20, end=None,
                         surrogates=9, method="ar1", seed=4)
    for k in INDICATORS:
        np.testing.assert_array_equal(pair.indicators[k], joint.indicators[k])
        np.testing.assert_array_equal(pair.null_tau[k], joint.null_tau[k])
    against = early_warning(runs[:2], start=20, end="jump", null=null[3:7])
    assert against.method == "null" and against.null_tau["variance"].shape == (1, 4)
    assert_same_as_alone(against, 0, early_warning(run, start=20, null=null[3:7]))
    # the second run holds h fixed: it has no jump to stop before, and is left out
    assert list(against.replicates) == [0] and against.status == 1 and against.success
    ((which, why),) = against.left_out
    assert which == 1 and "level change" in why and "replicate 1: " in against.message
    assert "left out    replicate 1: its largest level change" in against.summary()


def test_a_record_without_a_jump_is_refused_saying_so(social_ramp):
    """A run held at h = -0.3 (no transition) has no jump for end="jump" to stop before: a
    ValueError says so (not "0 analysed points"), and end=None analyses it whole. A
    stationary AR(1) series (its level changes between windows of 5 % are noise) and a
    straight line (5 % of the range between windows) have no jump either; a step of 1 in
    noise of sd 0.1 has one, at the step."""
    _, _, null = social_ramp
    for record in (null[0], (np.arange(400.0), stationary_ar1(0.5, 400, np.random.default_rng(2))),
                   (np.arange(400.0), np.linspace(0, 1, 400))):
        with pytest.raises(ValueError, match="no jump found in the record of .*: its largest "
                                             "level change .*give end= a time, or None"):
            early_warning(record, surrogates=0)
    whole = early_warning(null[0], end=None, surrogates=0)
    assert whole.success and whole.trend.size == null[0].t.size and whole.jump is None
    t = np.arange(400.0)
    x = np.where(t < 300, 0.0, 1.0) + 0.1 * np.random.default_rng(3).standard_normal(400)
    stepped = early_warning((t, x), surrogates=0)
    assert stepped.jump == 300.0 and stepped.end == 300.0 - 20 - 1  # k = 20 points before


@pytest.fixture(scope="module")
def small_loop():
    """Social choice (σ = 0.3, fold h = 0.160) swept over h in [-0.4, 0.4] at rate 0.02 by
    N = 500 units, 3 replicates, step dt = 0.02: about 1.5 s with the continuation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cp.hysteresis(cp.load("social-choice"), "h", (-0.4, 0.4), rate=0.02,
                             population=500, replicates=3, seed=1, dt=0.02)


def test_a_hysteresis_loop_is_analysed_before_each_replicates_jump(small_loop):
    """Each replicate is analysed from the start of the up-leg to 5 % of its points before
    its own up-jump (still on the lower branch, below the fold's m = -0.54 + noise), the
    variance rises in every replicate (τ > 0.5; the mean beats all 19 mean surrogate τ), the
    truth from the loop's continuation has the fold at h = 0.160 and the variance falling
    with the distance to it; every row is what that replicate gives alone."""
    loop = small_loop
    up = loop.phase == "up"
    res = early_warning(loop, surrogates=19, seed=2)
    assert res.direction == "up" and res.order == 0 and list(res.replicates) == [0, 1, 2]
    jumps = [j["t"] for j in loop.jumps if j["direction"] == "up"]
    np.testing.assert_array_equal(res.jump, jumps)
    assert np.all(res.start == loop.t[up][0]) and np.all(res.end < res.jump)
    for i in range(3):
        analysed = np.isfinite(res.trend[i])
        assert np.count_nonzero(analysed) == np.count_nonzero(up & (loop.t <= res.end[i]))
        assert res.trend[i][analysed][-1] < -0.4
    assert np.all(res.tau["variance"] > 0.5) and res.combined_p["variance"] == 1 / 20
    truth = res.truth
    np.testing.assert_allclose(truth["fold"], loop.folds()[-1], atol=1e-12)
    assert truth["fold"][0] == pytest.approx(0.160, abs=1e-3)
    assert truth["mean"]["spearman_distance"]["variance"] < -0.5
    assert truth["distance"].shape == truth["ar1_prediction"].shape == (3, res.times.size)
    seeds = np.random.SeedSequence(2).spawn(3)
    for i in range(3):
        alone = early_warning((loop.t[up], loop.values["m"][i, up]), start=res.start[i],
                              end=res.end[i], surrogates=19, seed=seeds[i])
        assert_same_as_alone(res, i, alone)
    data = json.loads(json.dumps(res.to_dict()))
    assert data["mean_tau"] == res.mean_tau and len(data["truth"]["distance"]) == 3
    json.dumps(res.to_dict(), allow_nan=False)
    assert "3 replicates" in res.summary() and "truth       h fold at" in res.summary()
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    axes = res.plot()
    assert len(axes) == 4 and axes[2].get_ylabel() == "autocorrelation"
    _, ax = plt.subplots()
    assert res.plot(ax=ax) is ax and len(ax.get_lines()) == 3
    plt.close("all")
    down = early_warning(loop, direction="down", surrogates=0, diagram=None)
    assert np.all(down.start == loop.t[loop.phase == "down"][0]) and down.truth is None
    with pytest.raises(ValueError, match="no replicate of the loop has up-jump number 1"):
        early_warning(loop, order=1)


class Record:
    """A run as early_warning reads it: times, named series, the declared aggregates."""

    aggregate_names = ("m",)
    time = "continuous"

    def __init__(self, t, **series):
        self.t, self.series = t, series

    def __getitem__(self, name):
        return self.series[name]


def noisy_mean_field(replicates, seed, T=200.0, spacing=0.05, noise=0.04, h=(-0.4, 0.19)):
    """Curie-Weiss mean field with additive noise, eps dm = (tanh(beta (J m + h)) - m) dt
    + eps s dW, beta = 1, J = 1.5, eps = 0.1, started on the lower branch, with h ramped
    linearly over T; stochastic Heun with 10 steps per sample (AR(1) coefficient exact to
    (λ dt)³/6 = 1e-5 per step)."""
    rng = np.random.default_rng(seed)
    n, steps = int(round(T / spacing)) + 1, 10
    t = np.arange(n) * spacing
    dt = spacing / steps

    def drift(m, time):
        return (np.tanh(1.5 * m + h[0] + (h[1] - h[0]) * time / T) - m) / 0.1

    m = np.full(replicates, -0.949)
    out = np.empty((replicates, n))
    for i in range(n):
        out[:, i] = m
        for k in range(steps):
            now = t[i] + k * dt
            kick = noise * np.sqrt(dt) * rng.standard_normal(replicates)
            guess = m + drift(m, now) * dt + kick
            m = m + 0.5 * (drift(m, now) + drift(guess, now + dt)) * dt + kick
    ramp = h[0] + (h[1] - h[0]) * t / T
    return [Record(t, m=out[r], h=ramp) for r in range(replicates)]


def test_truth_scores_the_indicators_against_the_distance_to_the_fold():
    r"""Curie-Weiss (β = 1, J = 1.5: fold at h = 0.2075) with additive noise, h ramped from
    -0.4 to 0.19 over 200 time units, sampled every Δt = 0.05, 3 replicates. Linearised, the
    fluctuations are an OU process with the branch's λ(h) = (-1 + βJ(1 - m²))/ε, from -8.5 to
    -2.1, so the lag-1 autocorrelation follows a = e^{λΔt}, 0.65 -> 0.90. The Gaussian
    bandwidth is 5 time units (ten relaxation times at the end): the default, 20, leaves
    part of the branch's curvature near the fold in the residuals and biases the
    autocorrelation up by +0.013 (measured over 12 replicates; +0.001 with h held fixed).

    * sign: the autocorrelation and variance rise as the distance to the fold falls and
      recovery slows: Spearman ρ < -0.5 in every replicate and < -0.8 on average;
    * AR(1): a window of w = 2000 points estimates a with standard error
      sd = sqrt((1 - a²)/w) = 0.016 and bias -(1 + 4a)/w = -0.002; consecutive windows share
      most points, so the mean absolute deviation of a replicate is about |bias + one
      window's error|: below |bias| + 3 sd; the signed deviations of 3 independent
      replicates average within 3 sd/√3 of the bias; the prediction (a window's
      variance-weighted mean of a) rises within (0.65, 0.90);
    * a diagram that does not fit (the sampling interval mistaken by 2: a -> a²) fails that
      bound: its deviation exceeds 0.1.
    """
    model = cp.load("social-choice", sigma=0.0)
    diagram = cp.continuation(model, "h", (-0.5, 0.5), population=cp.MeanField(nodes=1),
                              ds_max=0.01)
    runs = noisy_mean_field(3, seed=0)
    res = early_warning(runs, end=None, bandwidth=5.0, surrogates=0, diagram=diagram)
    truth = res.truth
    assert truth["parameter"] == "h" and np.allclose(truth["fold"], 0.20755, atol=1e-4)
    assert np.all(truth["scored_windows"] == res.times.size)
    for score in ("spearman_distance", "spearman_recovery"):
        for k in ("variance", "autocorrelation"):
            assert np.all(truth[score][k] < -0.5), (score, k, truth[score][k])
            assert truth["mean"][score][k] < -0.8
    sd, bias = truth["ar1_stderr"], truth["ar1_expected_bias"]
    assert np.allclose(sd, 0.016, atol=2e-3) and np.allclose(bias, -0.002, atol=5e-4)
    assert np.all(truth["ar1_deviation"] < np.abs(bias) + 3 * sd), truth["ar1_deviation"]
    assert abs(np.mean(truth["ar1_bias"]) - np.mean(bias)) < 3 * np.mean(sd) / np.sqrt(3)
    prediction = truth["ar1_prediction"]
    assert np.all(np.diff(prediction, axis=1) > 0)  # window means of a, between the ends
    assert 0.65 < prediction.min() and prediction.max() < 0.90
    for j in (0, res.times.size // 2, -1):  # the branch's λ and the fold at window ends
        h = runs[0]["h"][np.searchsorted(runs[0].t, res.times[j])]
        m = optimize.brentq(lambda m: m - np.tanh(1.5 * m + h), -1, -np.sqrt(1 / 3))
        assert truth["recovery_rate"][0, j] == pytest.approx((1 - 1.5 * (1 - m * m)) / 0.1,
                                                             rel=1e-3)
        assert truth["distance"][0, j] == pytest.approx(truth["fold"][0] - h, abs=1e-12)
    one = early_warning(runs[1], end=None, bandwidth=5.0, surrogates=0, diagram=diagram)
    row = res.replicate(1).truth
    for k in ("distance", "recovery_rate", "ar1_prediction"):
        np.testing.assert_allclose(one.truth[k], row[k], rtol=1e-12)
    assert one.truth["ar1_deviation"] == pytest.approx(row["ar1_deviation"], rel=1e-12)
    assert "truth       h fold at 0.2075" in one.summary()
    slow = Record(2 * runs[0].t, m=runs[0]["m"], h=runs[0]["h"])  # Δt taken as 0.1
    wrong = early_warning(slow, end=None, bandwidth=10.0, surrogates=0, diagram=diagram)
    assert wrong.truth["ar1_deviation"] > 0.1


def test_bad_input():
    t = np.arange(100.0)
    x = np.random.default_rng(0).normal(size=100)
    run = cp.simulate(cp.load("social-choice"), 5.0)
    with pytest.raises(ValueError, match="no observable 'nope'.*'m'"):
        early_warning(run, "nope", end=None)
    for window in (0, 1, 1.5, -0.2):
        with pytest.raises(ValueError, match="window"):
            early_warning((t, x), window=window, end=None)
    with pytest.raises(ValueError, match="too few points"):
        early_warning((t[:5], x[:5]), end=None)
    with pytest.raises(ValueError, match="too few points"):
        early_warning((t, x), end=3.0)
    with pytest.raises(ValueError, match="equally spaced"):
        early_warning((t ** 2, x), end=None)
    with pytest.raises(ValueError, match="detrend"):
        early_warning((t, x), detrend="loess", end=None)
    with pytest.raises(ValueError, match="method"):
        early_warning((t, x), method="bootstrap", end=None)
    with pytest.raises(TypeError, match="pair"):
        early_warning(x, end=None)
    with pytest.raises(ValueError, match="direction"):
        early_warning((t, x), direction="sideways", end=None)
    with pytest.raises(ValueError, match="order"):
        early_warning((t, x), order=-1, end=None)
    with pytest.raises(ValueError, match="diagram"):
        early_warning((t, x), diagram="nope", end=None)
    with pytest.raises(TypeError, match="diagram"):
        early_warning((t, x), diagram=3, end=None)
    with pytest.raises(ValueError, match="one time grid"):
        early_warning([Record(t, m=x), Record(t + 0.5, m=x)], end=None)
    diagram = cp.continuation(cp.load("social-choice"), "h", (-0.4, 0.4),
                              population=cp.MeanField(nodes=1))
    with pytest.raises(ValueError, match=r"needs the swept parameter 'h'"):
        early_warning((t, x), "m", diagram=diagram, end=None)
    with pytest.raises(ValueError, match=r"do not record the swept parameter 'h'"):
        early_warning(Record(t, m=x), diagram=diagram, end=None)
    with pytest.raises(ValueError, match=r"diagram: it has no observable 'y'"):
        early_warning(Record(t, y=x, h=t), "y", diagram=diagram, end=None)
