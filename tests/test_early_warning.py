"""Early-warning indicators: closed forms for AR(1), critical slowing down, surrogate tests
and their size, a social-choice population ramped through its fold, bad input."""

import json

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from scipy.signal import lfilter
from scipy.stats import skew

import coupling as cp
from coupling.analysis._early_warning import _rolling, _surrogates, _trend, early_warning


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
    ind = _rolling(r, 41)
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
    phase = _surrogates(r, 10, "phase", rng)
    np.testing.assert_allclose(np.abs(np.fft.rfft(phase, axis=-1)),
                               np.broadcast_to(np.abs(np.fft.rfft(r)), (10, 251)),
                               rtol=1e-9, atol=1e-9)
    fake = _surrogates(r, 200, "ar1", rng)
    a_hat = _rolling(r, r.size)["autocorrelation"][0]
    fitted = _rolling(fake, r.size)
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
    np.testing.assert_allclose(_trend(t, x, "gaussian", 1.3), K @ x / K.sum(axis=1), atol=1e-3)
    np.testing.assert_allclose(_trend(t, 3 * t - 1, "linear", None), 3 * t - 1, atol=1e-12)


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
    text = repr(res)
    assert "observable='m'" in text and "autocorrelation" in text and "ar1" in text
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
