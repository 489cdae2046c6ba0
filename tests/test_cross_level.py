"""Cross-level inference (``cp.cross_level``): the pooled, within and ecological slopes and
their standard errors against exact answers, the reversals, the inputs it refuses, the
result contract and the ``coupling cross-level`` command."""

import json

import matplotlib
import numpy as np
import pytest

import coupling as cp
from coupling import cli

matplotlib.use("Agg")

BETA_W, GAMMA, TAU, SIGMA_X, SIGMA_Y = 0.5, -1.5, 0.6, 1.0, 1.0
GROUPS, SIZE = 20, 30
#: Replicates of the sampling experiment.
REPLICATES = 200
#: E[mu_g | group mean of x] = C * (group mean of x), for Normal compositions and equal sizes.
C = TAU ** 2 / (TAU ** 2 + SIGMA_X ** 2 / SIZE)
CROSS_LEVEL = ["cross-level", "ecological-fallacy", "--outcome", "y", "--covariate", "x",
               "--groups", "group", "--population", "300", "--seed", "3", "--time", "1"]


def sample(rng, groups=GROUPS, size=SIZE, gamma=GAMMA):
    """Groups drawn from a population of groups: compositions mu_g ~ N(0, TAU^2), units
    x = mu_g + xi, y = 1 + BETA_W x + gamma mu_g + eta."""
    g = np.repeat(np.arange(groups), size)
    mu = rng.normal(0.0, TAU, groups)[g]
    x = mu + rng.normal(0.0, SIGMA_X, g.size)
    y = 1.0 + BETA_W * x + gamma * mu + rng.normal(0.0, SIGMA_Y, g.size)
    return y, x, g


def expected(result):
    """The exact conditional expectations of the three slopes given the covariates.

    (mu_g, group mean of x) are jointly Normal, so E[y_i | x] = 1 + BETA_W x_i
    + GAMMA C (group mean of x) exactly: the within slope expects BETA_W (group means are
    orthogonal to within deviations), the ecological one BETA_W + GAMMA C, and the pooled
    one BETA_W + GAMMA C R, R the between-group share of the covariate's sum of squares."""
    return {"within": BETA_W, "ecological": BETA_W + GAMMA * C,
            "pooled": BETA_W + GAMMA * C * result.between_share}


@pytest.fixture(scope="module")
def replicates():
    rng = np.random.default_rng(20260101)
    return [cp.cross_level(*sample(rng)) for _ in range(REPLICATES)]


@pytest.mark.parametrize("slope", ["pooled", "within", "ecological"])
def test_estimates_are_unbiased_and_standard_errors_match_the_spread(replicates, slope):
    """Over R = 200 replicates: the mean deviation from the exact conditional expectation
    is within 4 standard errors of a mean of R (sd/sqrt(R)); the spread of the estimates
    over replicates equals the root-mean-square reported standard error within
    4/sqrt(2R) = 0.2 relative (the sampling error of a standard deviation from R draws;
    the within and ecological expectations are constants, so the spread around them is the
    spread of the estimates)."""
    estimates = np.array([r.slope(slope) for r in replicates])
    deviations = estimates - np.array([expected(r)[slope] for r in replicates])
    assert abs(deviations.mean()) < 4 * deviations.std(ddof=1) / np.sqrt(REPLICATES)
    se = np.sqrt(np.mean([r.slopes[slope]["se"] ** 2 for r in replicates]))
    assert estimates.std(ddof=1) / se == pytest.approx(1.0, abs=4 / np.sqrt(2 * REPLICATES))


def test_each_estimate_is_within_a_few_standard_errors_of_its_expectation(replicates):
    """One replicate: every slope within 4 of its own standard errors of the exact value."""
    result = replicates[0]
    for name, value in expected(result).items():
        assert abs(result.slope(name) - value) < 4 * result.slopes[name]["se"]
    assert [s["standard_error"] for s in result.slopes.values()] == [
        "cluster-robust by group (CR1)", "cluster-robust by group (CR1)",
        "heteroskedasticity-robust (HC3)"]


def test_the_fits_are_the_textbook_estimators():
    """Within = y on x with one dummy per group; ecological = least squares through the
    group means (weighted by size, or not); correlations = Pearson's at each level; the
    pooled slope is (1 - R) within + R ecological exactly with size weights."""
    rng = np.random.default_rng(5)
    y, x, g = sample(rng, groups=6, size=8)
    g = np.where(rng.random(g.size) < 0.2, (g + 1) % 6, g)  # unequal group sizes
    sized, equal = cp.cross_level(y, x, g), cp.cross_level(y, x, g, ecological="equal")
    dummies = (g[:, None] == np.arange(6)).astype(float)
    within = np.linalg.lstsq(np.column_stack([x, dummies]), y, rcond=None)[0][0]
    assert sized.slope("within") == pytest.approx(within, rel=1e-10)
    sizes = np.bincount(g)
    means_x, means_y = np.bincount(g, x) / sizes, np.bincount(g, y) / sizes
    assert equal.slope("ecological") == pytest.approx(np.polyfit(means_x, means_y, 1)[0],
                                                      rel=1e-10)
    weighted = np.polyfit(means_x, means_y, 1, w=np.sqrt(sizes))[0]
    assert sized.slope("ecological") == pytest.approx(weighted, rel=1e-10)
    assert sized.slope("pooled") == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-10)
    r = sized.between_share
    assert sized.slope("pooled") == pytest.approx(
        (1 - r) * sized.slope("within") + r * sized.slope("ecological"), rel=1e-12)
    assert sized.correlations["individual"]["estimate"] == pytest.approx(
        np.corrcoef(x, y)[0, 1], rel=1e-12)
    assert equal.correlations["ecological"]["estimate"] == pytest.approx(
        np.corrcoef(means_x, means_y)[0, 1], rel=1e-12)
    assert (sized.correlations["individual"]["z"]
            == pytest.approx(sized.slopes["pooled"]["z"], rel=1e-12))


def test_reversals_are_flagged_with_their_significance(replicates):
    reversed_ = replicates[0]
    pairs = {r["pair"]: r for r in reversed_.reversals}
    assert pairs[("within", "ecological")]["significant"]
    assert pairs[("within", "ecological")]["name"] == "ecological fallacy"
    assert reversed_.significant_reversal and "Significant sign reversal" in reversed_.message
    aligned = cp.cross_level(*sample(np.random.default_rng(1), gamma=1.0))
    assert not aligned.reversed and aligned.message == "No sign reversal between the levels."


def test_a_group_level_covariate_has_no_within_slope():
    g = np.repeat(np.arange(5), 4)
    x = g.astype(float)
    y = -x + np.random.default_rng(2).normal(size=g.size)
    result = cp.cross_level(y, x, g)
    assert result.status == 1 and result.success
    assert np.isnan(result.slope("within")) and "no within slope" in result.message
    assert np.isfinite(result.slope("ecological"))


@pytest.mark.parametrize("arguments, options, culprit", [
    (([1.0, 2, 3], [1.0, 2], [0, 1, 1]), {}, "one value per unit"),
    (([1.0, 2, 3], [1.0, 2, 4], [0, 0, 0]), {}, "at least 2"),
    (([1.0, 2, 3], [1.0, 1, 1], [0, 1, 1]), {}, "is constant"),
    (([1.0, np.nan, 3], [1.0, 2, 4], [0, 1, 1]), {}, "must be finite"),
    (([1.0, 2, 3], [1.0, 2, 4], [0, 1, 1]), {"ecological": "sized"}, "did you mean 'size'"),
    (([1.0, 2, 3], [1.0, 2, 4], [0, 1, 1]), {"outcome": "y"}, "with arrays"),
])
def test_bad_arrays_are_refused_naming_the_culprit(arguments, options, culprit):
    with pytest.raises(cp.ArgumentError, match=culprit):
        cp.cross_level(*arguments, **options)


@pytest.fixture(scope="module")
def model():
    return cp.load("ecological-fallacy")


def test_a_run_is_read_at_the_chosen_snapshot(model):
    run = cp.simulate(model, 2, population=300, seed=4, micro_snapshots=True)
    result = cp.cross_level(run, "x", "group", outcome="y", time=1)
    x, y = run.micro[1, :, 0], run.micro[1, :, 1]
    assert result.time == 1.0 and result.source == "ecological-fallacy"
    assert result.slope("pooled") == pytest.approx(np.polyfit(x, y, 1)[0], rel=1e-10)
    assert result.n_groups == np.unique(run.traits["group"]).size
    with pytest.raises(cp.UnknownNameError, match="did you mean 'group'"):
        cp.cross_level(run, "x", "grop", outcome="y")
    with pytest.raises(cp.ArgumentError, match="no micro snapshot at t = 0.5"):
        cp.cross_level(run, "x", "group", outcome="y", time=0.5)
    with pytest.raises(cp.ArgumentError, match="must name"):
        cp.cross_level(run, "x", "group")
    mean_field = cp.simulate(model, 1, population=cp.MeanField(nodes=2))
    with pytest.raises(cp.ArgumentError, match="finite population"):
        cp.cross_level(mean_field, "x", "group", outcome="y")


def test_the_result_contract(replicates):
    result = replicates[0]
    record = result.to_dict()
    json.dumps(record, allow_nan=False)
    assert record["slopes"]["within"]["estimate"] == result.slope("within")
    assert "x" not in record and record["significant_reversal"] is True
    frame = result.to_dataframe()
    assert list(frame.index) == ["pooled", "within", "ecological"]
    assert frame.loc["within", "ci_low"] < BETA_W < frame.loc["within", "ci_high"]
    ax = result.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert any(label.startswith("ecological slope") for label in labels)
    assert any(label.startswith("within slope") for label in labels)
    assert len(ax.get_lines()) == GROUPS + 2
    matplotlib.pyplot.close(ax.figure)


def test_command_line_summary_json_and_plot(tmp_path, capsys):
    figure = tmp_path / "cross.png"
    assert cli.main([*CROSS_LEVEL, "--plot", str(figure)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("model       ecological-fallacy")
    assert "within" in out and "ecological" in out and "reversal" in out
    assert figure.stat().st_size > 0
    assert cli.main([*CROSS_LEVEL, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["n"] == 300 and record["seed"] == 3 and record["population"] == 300
    run = cp.simulate(cp.load("ecological-fallacy"), 1, population=300, seed=3)
    direct = cp.cross_level(run, "x", "group", outcome="y")
    assert record["slopes"]["within"]["estimate"] == pytest.approx(direct.slope("within"),
                                                                   rel=1e-12)


def test_command_line_errors(capsys):
    assert cli.main([*CROSS_LEVEL, "--groups", "grop"]) == 1
    assert "did you mean 'group'" in capsys.readouterr().err
    assert cli.main([*CROSS_LEVEL, "--population", "mean-field"]) == 2
    assert "give a unit count N" in capsys.readouterr().err
    assert cli.main(CROSS_LEVEL[:4]) == 2
    assert "--covariate" in capsys.readouterr().err
