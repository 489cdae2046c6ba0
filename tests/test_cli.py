"""The ``coupling`` command line: models, simulate, equilibria, continue, folds, attractors,
hysteresis, demo, and its error reporting."""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, optimize

from coupling import cli
from coupling.cli import _demo

CURIE_WEISS = ["--set", "beta=2", "--set", "J=1", "--set", "sigma=0", "--set", "h=0"]
BISTABLE = ["--set", "sigma=0", "--set", "J=2"]  # beta = 1: m = tanh(2 m + h)
CONTINUE_H = ["continue", "social-choice", *BISTABLE, "--param", "h", "--range", "-1", "1"]
ATTRACTORS = ["attractors", "social-choice", *BISTABLE, "--population", "mean-field", "--seed",
              "1", "--t-end", "30"]
HYSTERESIS = ["hysteresis", "social-choice", *BISTABLE, "--population", "mean-field",
              "--param", "h", "--range", "-1", "1"]
FOLDS_HJ = ["folds", "social-choice", "--set", "sigma=0", "--params", "h", "J",
            "--range1", "-1", "1", "--range2", "0.5", "2"]


def _strict_json(text):
    """Parse ``text``, refusing the NaN/Infinity extensions of Python's json module."""
    def refuse(constant):
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=refuse)


def test_models_lists_the_catalogue(capsys):
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("social-choice "))
    assert "Brock-Durlauf" in line


def test_simulate_json_final_m_is_the_curie_weiss_fixed_point(capsys):
    """beta J = 2, sigma = h = 0: the mean field settles at the root of m = tanh(2 m)."""
    code = cli.main(["simulate", "social-choice", *CURIE_WEISS, "--population", "mean-field",
                     "--t-end", "40", "--json"])
    record = _strict_json(capsys.readouterr().out)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-14)
    assert code == 0
    assert record["final"]["m"] == pytest.approx(root, abs=1e-6)
    assert record["series"]["m"][-1] == record["final"]["m"]
    assert len(record["t"]) == len(record["series"]["m"])
    assert record["t"][-1] == 40.0
    assert record["parameters"] == {"beta": 2.0, "J": 1.0, "h": 0.0, "sigma": 0.0}
    assert (record["model"], record["population"], record["status"]) == \
        ("social-choice", "mean-field", 0)
    assert record["jumps"] == []


def test_simulate_json_of_a_seeded_population_is_reproducible(capsys):
    argv = ["simulate", "social-choice", "--population", "200", "--seed", "7", "--t-end", "2",
            "--json"]
    outputs = []
    for _ in range(2):
        assert cli.main(argv) == 0
        outputs.append(capsys.readouterr().out)
    record = _strict_json(outputs[0])
    assert outputs[0] == outputs[1]
    assert (record["population"], record["seed"]) == (200, 7)
    assert record["method"].startswith("stochastic")


def test_simulate_passes_model_options_through(capsys):
    """``norm=true`` is an option of build(): it adds the macro norm n and its parameters."""
    assert cli.main(["simulate", "social-choice", "--set", "norm=true", "--set", "tau=5",
                     "--t-end", "5", "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    assert "n" in record["final"]
    assert record["parameters"]["tau"] == 5.0


def test_simulate_reads_a_model_file(tmp_path, capsys):
    import coupling as cp

    path = tmp_path / "curie-weiss.json"
    cp.write_model(cp.load("social-choice", beta=2.0, J=1.0, sigma=0.0), path)
    assert cli.main(["simulate", str(path), "--set", "h=0.1", "--t-end", "30", "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m + 0.2), 0.5, 1.0, xtol=1e-14)
    assert record["final"]["m"] == pytest.approx(root, abs=1e-6)


def test_simulate_summary_for_people(capsys):
    assert cli.main(["simulate", "social-choice", *CURIE_WEISS, "--t-end", "40"]) == 0
    out = capsys.readouterr().out
    assert "population  mean-field" in out
    assert "The run reached the final time." in out
    assert "  m         0.957504" in out
    assert "jumps       0" in out


def test_simulate_plot_writes_a_png(tmp_path, capsys):
    path = tmp_path / "run.png"
    assert cli.main(["simulate", "social-choice", "--t-end", "5", "--plot", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000


def test_equilibria_json_of_the_curie_weiss_model(capsys):
    """beta J = 2, sigma = h = 0: m = 0 is a saddle between the roots +-m* of m = tanh(2 m)."""
    assert cli.main(["equilibria", "social-choice", *BISTABLE, "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-14)
    found = record["equilibria"]
    assert (record["model"], record["population"]) == ("social-choice", "mean-field")
    assert record["parameters"] == {"beta": 1.0, "J": 2.0, "h": 0.0, "sigma": 0.0}
    assert [e["aggregates"]["m"] for e in found] == pytest.approx([-root, 0.0, root], abs=1e-6)
    assert [e["stable"] for e in found] == [True, False, True]
    assert [e["n_unstable"] for e in found] == [0, 1, 0]
    for e in found:
        m = e["aggregates"]["m"]
        assert e["aggregates"]["adopters"] == pytest.approx((1 + m) / 2, abs=1e-12)
        assert e["residual"] < 1e-10
        re = np.array([value["re"] for value in e["eigenvalues"]])
        im = np.array([value["im"] for value in e["eigenvalues"]])
        assert np.all(np.diff(re) <= 1e-9)
        # real, up to the round-off of eig on a repeated eigenvalue
        assert (re[0] > 0) == (not e["stable"]) and np.all(np.abs(im) < 1e-12)


def test_equilibria_table_for_people(tmp_path, capsys):
    """A model file, and bounds that keep only the upper equilibrium."""
    import coupling as cp

    path = tmp_path / "bistable.json"
    cp.write_model(cp.load("social-choice", J=2.0, sigma=0.0), path)
    assert cli.main(["equilibria", str(path), "--bound", "m=0.5,1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "population  mean-field" in lines
    table = lines[lines.index("1 equilibrium:") + 1:]
    assert table[0].split() == ["#", "m", "adopters", "unstable", "leading", "Re(eig)",
                                "stability"]
    assert table[1].split()[:4] == ["0", "0.957504", "0.978752", "0"]
    assert table[1].split()[-1] == "stable"


def test_continue_json_folds_of_the_curie_weiss_model(capsys):
    """m = tanh(J m + h) folds where J (1 - m^2) = 1: at h = +-(J m_f - atanh m_f)."""
    assert cli.main([*CONTINUE_H, "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    J = 2.0
    m_f = np.sqrt(1 - 1 / J)
    h_f = J * m_f - np.arctanh(m_f)
    folds = [p for p in record["special_points"] if p["kind"] == "fold"]
    assert (record["model"], record["parameter"]) == ("social-choice", "h")
    assert record["parameters"] == {"beta": 1.0, "J": 2.0, "h": 0.0, "sigma": 0.0}
    assert len(record["special_points"]) == len(folds) == 2
    assert abs(folds[0]["param"] + h_f) < 1e-10 and abs(folds[1]["param"] - h_f) < 1e-10
    assert [p["state"]["m"] for p in folds] == pytest.approx([m_f, -m_f], abs=1e-8)
    for point in folds:
        lo, hi = point["interval"]
        assert lo <= point["param"] <= hi
        assert (point["status"], point["branch"], point["data"]) == ("converged", 0, {})
    assert record["interval"] == [-1.0, 1.0] and record["status"] == 0
    (branch,) = record["branches"]
    assert {"h", "stable", "n_unstable", "m", "adopters", "message"} <= set(branch)
    n = len(branch["h"])
    assert all(len(branch[key]) == n for key in ("stable", "n_unstable", "m", "adopters"))
    assert (min(branch["h"]), max(branch["h"])) == (-1.0, 1.0)
    assert branch["stable"] == [k == 0 for k in branch["n_unstable"]]
    assert set(branch["n_unstable"]) == {0, 1} and branch["message"] == ""


def test_continue_summary_for_people_and_plot(tmp_path, capsys):
    path = tmp_path / "diagram.png"
    assert cli.main([*CONTINUE_H, "--observable", "adopters", "--plot", str(path)]) == 0
    out = capsys.readouterr().out
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000
    assert "continued   h from -1 to 1" in out
    assert "1 branch:" in out and "adopters min" in out and "at the ends of the range" in out
    assert "2 special points:" in out
    folds = [line.split() for line in out.splitlines() if line.startswith("  fold ")]
    assert [fold[2] for fold in folds] == ["-0.532839975354", "0.532839975354"]
    assert [fold[-1] for fold in folds] == ["converged", "converged"]


def test_folds_json_cusp_and_curve_of_the_curie_weiss_model(capsys):
    """m = tanh(J m + h) folds where J (1 - m_f^2) = 1, at |h| = J m_f - atanh m_f: one curve
    in (h, J) through the cusp h = 0, J = 1."""
    assert cli.main([*FOLDS_HJ, "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    assert (record["model"], record["parameters"], record["population"], record["kind"]) == \
        ("social-choice", ["h", "J"], "mean-field", "fold")
    assert record["values"] == {"beta": 1.0, "J": 1.5, "h": 0.0, "sigma": 0.0}
    assert record["bounds"] == [[-1.0, 1.0], [0.5, 2.0]] and record["status"] == 0
    (cusp,) = record["special_points"]
    assert (cusp["kind"], cusp["status"]) == ("cusp", "converged")
    assert abs(cusp["param"]) < 1e-8 and abs(cusp["data"]["p2"] - 1.0) < 1e-8
    assert set(cusp["state"]) == {"m", "adopters"} and abs(cusp["state"]["m"]) < 1e-6
    (curve,) = record["curves"]
    assert set(curve["states"]) == {"m", "adopters"}
    h, J = np.array(curve["points"]).T
    m = np.array(curve["states"]["m"])
    assert h.size > 20 and all(len(column) == h.size for column in curve["states"].values())
    assert h.min() < -0.5 and h.max() > 0.5 and J.min() == pytest.approx(1.0, abs=1e-5)
    m_f = np.sqrt(1 - 1 / J)
    assert np.max(np.abs(np.abs(h) - (J * m_f - np.arctanh(m_f)))) < 1e-9
    assert np.max(np.abs(np.abs(m) - m_f)) < 1e-6
    assert np.all(np.sign(m[np.abs(h) > 1e-3]) == -np.sign(h[np.abs(h) > 1e-3]))


def test_folds_summary_for_people_and_plot(tmp_path, capsys):
    path = tmp_path / "folds.png"
    assert cli.main([*FOLDS_HJ, "--plot", str(path), "--grid", "5"]) == 0
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000
    captured = capsys.readouterr()
    assert captured.err == ("coupling: warning: --grid=5 is ignored: the regions between the "
                            "fold curves are each counted once\n")
    lines = captured.out.splitlines()
    assert "folds in    h from -1 to 1, J from 0.5 to 2" in lines
    assert lines[lines.index("1 fold curve:") + 1].split() == ["#", "points", "h", "min", "h",
                                                               "max", "J", "min", "J", "max"]
    assert "1 special point:" in lines
    (cusp,) = [line.split() for line in lines if line.startswith("  cusp ")]
    assert cusp[1] == "0" and abs(float(cusp[2])) < 1e-8 and cusp[3] == "1"
    assert cusp[-1] == "converged"


def test_attractors_table_for_people(capsys):
    """beta J = 2, sigma = h = 0: every sample ends at one of the two stable roots +-m* of
    m = tanh(2 m)."""
    assert cli.main([*ATTRACTORS, "--samples", "20"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert captured.err == ""
    assert "population  mean-field" in lines
    assert "sampled     20 initial conditions, each run to t = 30" in lines
    header = lines.index("2 attractors:")
    assert lines[header + 1].split() == ["#", "kind", "m", "fraction", "95%", "CI", "period",
                                         "residence", "time"]
    rows = [line.split() for line in lines[header + 2:]]
    assert len(rows) == 2 and [row[:3] for row in rows] == [["0", "fixed", "point"],
                                                             ["1", "fixed", "point"]]
    assert sorted(row[3] for row in rows) == ["-0.957504", "0.957504"]
    assert sum(float(row[4]) for row in rows) == pytest.approx(1.0)
    assert all(row[-2:] == ["-", "-"] for row in rows)


def test_attractors_json_of_the_curie_weiss_model(capsys):
    assert cli.main([*ATTRACTORS, "--samples", "10", "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    root = optimize.brentq(lambda m: m - np.tanh(2 * m), 0.5, 1.0, xtol=1e-14)
    assert (record["model"], record["population"], record["param"]) == \
        ("social-choice", "mean-field", None)
    assert record["parameters"] == {"beta": 1.0, "J": 2.0, "h": 0.0, "sigma": 0.0}
    assert (record["samples"], record["t_end"], record["seed"]) == (10, 30.0, 1)
    found = record["attractors"]
    assert [a["kind"] for a in found] == ["fixed point", "fixed point"]
    assert sorted(a["state"]["m"] for a in found) == pytest.approx([-root, root], abs=1e-5)
    assert sum(a["fraction"] for a in found) == pytest.approx(1.0)
    assert sum(a["count"] for a in found) == 10
    for a in found:
        assert a["ci"][0] <= a["fraction"] <= a["ci"][1]
        assert a["period"] is None and a["residence_time"] is None
    assert record["events"] == [] and record["failed"] == [0]


def test_attractors_over_a_range_births_deaths_and_plot(tmp_path, capsys):
    """h from -1 to 1 crosses both folds (|h| = 0.533): only the lower state exists at h = -1
    and only the upper one at h = 1. The upper state is born once a sample finds it, and
    seeded from then on; the lower one, seeded all along, dies between h = 0.5 and 1."""
    path = tmp_path / "basins.png"
    assert cli.main([*ATTRACTORS, "--samples", "8", "--param", "h", "--range", "-1", "1",
                     "--values", "5", "--plot", str(path)]) == 0
    assert path.read_bytes().startswith(b"\x89PNG") and path.stat().st_size > 1000
    lines = capsys.readouterr().out.splitlines()
    assert "sampled     8 initial conditions per value, each run to t = 30" in lines
    assert "tracked     h from -1 to 1 at 5 values" in lines
    rows = [line.split() for line in lines[lines.index("2 attractors:") + 2:
                                           lines.index("1 birth, 1 death:")]]
    by_value = {value: [row for row in rows if row[1] == value]
                for value in ("-1", "-0.5", "0", "0.5", "1")}
    assert sum(map(len, by_value.values())) == len(rows)
    for found in by_value.values():
        assert sum(float(row[5]) for row in found) == pytest.approx(1.0)
    (lower,), (upper,) = by_value["-1"], by_value["1"]
    assert float(lower[4]) < -0.9 and float(upper[4]) > 0.9
    (birth, death) = (event.split() for event in lines[lines.index("1 birth, 1 death:") + 2:])
    assert birth[:2] == ["birth", upper[0]] and float(birth[3]) - float(birth[2]) == 0.5
    assert death == ["death", lower[0], "0.5", "1"]


def _fold_field(J=2.0):
    """|h| at the folds of m = tanh(J m + h): where J (1 - m_f^2) = 1."""
    m_f = np.sqrt(1 - 1 / J)
    return J * m_f - np.arctanh(m_f)


def test_hysteresis_summary_for_people(capsys):
    """Swept slowly up and back across both folds (|h| = 0.5328), m jumps a little past
    each: up near +0.557, down near -0.557, a loop of width 2 x 0.557."""
    assert cli.main([*HYSTERESIS, "--rate", "0.01"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert captured.err == ""
    assert "population  mean-field" in lines
    assert "swept       h from -1 to 1 and back" in lines
    assert any(line.startswith("ramp        continuous at rate 0.01, held ") for line in lines)
    assert "hysteresis  yes" in lines
    assert "folds       h = -0.53284, 0.53284 (continuation of the mean field)" in lines
    assert any(line.startswith("rate check  quasi-static (") for line in lines)
    header = lines.index("2 jumps in m:")
    assert lines[header + 1].split() == ["direction", "h", "from", "to", "size"]
    up, down = (line.split() for line in lines[header + 2:header + 4])
    assert (up[0], down[0]) == ("up", "down") and len(lines) == header + 4
    h_f = _fold_field()
    assert h_f < float(up[1]) < 0.56 and -0.56 < float(down[1]) < -h_f
    assert float(up[2]) < -0.5 < 0.9 < float(up[3]) and float(down[2]) > 0.5 > -0.9 > \
        float(down[3])
    (width,) = [line.split()[1] for line in lines if line.startswith("width ")]
    assert float(width) == pytest.approx(float(up[1]) - float(down[1]), abs=1e-5)


def test_hysteresis_json_plot_and_the_delay_law(tmp_path, capsys):
    """Three rates: one jump each way per rate, past the folds by a delay that grows like
    rate^(2/3) (the fit over so few, fast rates sits a little below 2/3)."""
    path = tmp_path / "loop.png"
    assert cli.main([*HYSTERESIS, "--rates", "0.03", "0.01", "0.02", "--plot", str(path),
                     "--json"]) == 0
    captured = capsys.readouterr()
    record = _strict_json(captured.out)
    assert captured.err == "" and path.read_bytes().startswith(b"\x89PNG")
    assert (record["model"], record["population"], record["param"]) == \
        ("social-choice", "mean-field", "h")
    assert record["parameters"] == {"beta": 1.0, "J": 2.0, "h": 0.0, "sigma": 0.0}
    assert (record["ramp"], record["rate"], record["hysteresis"]) == ("continuous", 0.01, True)
    h_f = _fold_field()
    assert record["folds"] == pytest.approx([-h_f, h_f], abs=1e-8)
    for loop in [record, *record["by_rate"]]:
        up, down = loop["jumps"]
        assert (up["direction"], down["direction"]) == ("up", "down")
        assert h_f < up["param"] < 0.6 and -0.6 < down["param"] < -h_f
        assert up["from"] < -0.5 < 0.9 < up["to"] and down["from"] > 0.5 > -0.9 > down["to"]
        assert up["size"] == pytest.approx(up["to"] - up["from"])
        assert loop["width"] == pytest.approx(up["param"] - down["param"])
    assert sorted(loop["rate"] for loop in record["by_rate"]) == [0.02, 0.03]
    sweep = record["sweep"]
    assert set(sweep) == {"t", "h", "phase", "m", "adopters"}
    assert len(sweep["m"]) == 1 and len(sweep["m"][0]) == len(sweep["t"]) == len(sweep["h"])
    assert [s["direction"] for s in record["scaling"]] == ["up", "down"]
    for s in record["scaling"]:
        assert 0.6 < s["exponent"] < 2 / 3 and 0 < s["stderr"] < 0.01
        assert s["rates"] == [0.01, 0.02, 0.03] and abs(s["fold"]) == pytest.approx(h_f)


def test_hysteresis_reports_a_rate_dominated_loop_on_one_warning_line(capsys):
    """A staircase of 20 levels of 0.2 per leg sweeps at an effective rate 0.5, too fast:
    the jumps come at the first levels past the folds, at +-0.8 instead of +-0.53."""
    assert cli.main([*HYSTERESIS, "--settle", "0.2", "--steps", "20"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert any(line.startswith("ramp        staircase of 20 levels x 0.2 per leg (effective "
                               "rate 0.5), held ") for line in lines)
    assert any(line.startswith("rate check  rate-dominated (") for line in lines)
    header = lines.index("2 jumps in m:")
    assert [line.split()[:2] for line in lines[header + 2:]] == [["up", "0.8"],
                                                                 ["down", "-0.8"]]
    (warning,) = captured.err.splitlines()
    assert warning.startswith("coupling: warning: the loop is rate-dominated")


@pytest.mark.parametrize("argv, culprit", [
    (["simulate", "no-such-model"], "no-such-model"),
    (["simulate", "social-choice", "--set", "betta=2"], "betta"),
    (["simulate", "social-choice", "--set", "beta"], "'beta'"),
    (["simulate", "social-choice", "--set", "beta=high"], "high"),
    (["simulate", "social-choice", "--set", "beta=nan"], "beta"),
    (["simulate", "social-choice", "--t-end", "-1"], "--t-end"),
    (["simulate", "social-choice", "--population", "many"], "many"),
    (["simulate", "social-choice", "--population", "0"], "--population"),
    (["simulate", "social-choice", "--seed", "-3"], "--seed"),
    (["simulate", "social-choice", "--plot", "run.xyz"], "xyz"),
    (["continue", "social-choice", "--param", "betta", "--range", "0", "1"], "betta"),
    (["continue", "social-choice", "--range", "0", "1"], "--param"),
    (["continue", "social-choice", "--param", "h", "--range", "1", "-1"], "--range"),
    (["continue", "social-choice", "--param", "h", "--range", "0", "0"], "--range"),
    (["continue", "social-choice", "--param", "h", "--range", "0", "high"], "high"),
    (["continue", "social-choice", "--param", "h", "--range", "0", "inf"], "--range"),
    (["continue", "social-choice", "--param", "h", "--range", "0"], "--range"),
    (["continue", "social-choice", "--param", "h"], "--range"),
    (["continue", "social-choice", "--param", "h", "--range", "-1", "1", "--observable",
      "mm"], "mm"),
    (["continue", "social-choice", "--param", "h", "--range", "-1", "1", "--bound", "m"],
     "--bound"),
    (["equilibria", "social-choice", "--bound", "m=0"], "--bound"),
    (["equilibria", "social-choice", "--bound", "m=0;1"], "--bound"),
    (["equilibria", "social-choice", "--bound", "m=0,1,2"], "--bound"),
    (["equilibria", "social-choice", "--bound", "m=0,nan"], "--bound"),
    (["equilibria", "social-choice", "--bound", "=0,1"], "--bound"),
    (["equilibria", "social-choice", "--bound", "m=1,0"], "--bound"),
    (["equilibria", "social-choice", "--bound", "mm=0,1"], "mm"),
    (["folds", "social-choice", "--params", "h", "betta", "--range1", "-1", "1", "--range2",
      "0", "1"], "betta"),
    (["folds", "social-choice", "--params", "h", "h", "--range1", "-1", "1", "--range2", "-1",
      "1"], "--params"),
    (["folds", "social-choice", "--params", "h", "--range1", "-1", "1", "--range2", "0", "1"],
     "--params"),
    (["folds", "social-choice", "--params", "h", "J", "--range1", "1", "-1", "--range2", "0.5",
      "2"], "--range1"),
    (["folds", "social-choice", "--params", "h", "J", "--range1", "-1", "1", "--range2", "2",
      "0.5"], "--range2"),
    (["folds", "social-choice", "--params", "h", "J", "--range1", "-1", "1", "--range2", "2",
      "3"], "J = 1.5"),  # the curves start at the model's J = 1.5, outside the range
    (["folds", "social-choice", "--params", "h", "J", "--range2", "0.5", "2"], "--range1"),
    (["folds", "social-choice", "--params", "h", "J", "--range1", "-1", "1", "--range2", "0.5",
      "2", "--grid", "1"], "--grid"),
    (["attractors", "social-choice", "--param", "betta", "--range", "0", "1"], "betta"),
    (["attractors", "social-choice", "--param", "h"], "--range"),
    (["attractors", "social-choice", "--range", "-1", "1"], "--param"),
    (["attractors", "social-choice", "--param", "h", "--range", "1", "-1"], "--range"),
    (["attractors", "social-choice", "--values", "5"], "--values"),
    (["attractors", "social-choice", "--param", "h", "--range", "-1", "1", "--values", "1"],
     "--values"),
    (["attractors", "social-choice", "--samples", "0"], "--samples"),
    (["attractors", "social-choice", "--t-end", "0"], "--t-end"),
    ([*HYSTERESIS, "--rate", "0.1", "--settle", "1"], "--settle"),
    ([*HYSTERESIS, "--rate", "0.1", "--rates", "1", "2", "3"], "--rates"),
    ([*HYSTERESIS, "--rate", "0"], "--rate"),
    ([*HYSTERESIS, "--rate", "-0.1"], "--rate"),
    ([*HYSTERESIS, "--rates", "0.01", "0.02"], "--rates"),
    ([*HYSTERESIS, "--rates", "0.01", "0.02", "0.01"], "--rates"),
    ([*HYSTERESIS, "--steps", "10"], "--steps"),
    ([*HYSTERESIS, "--settle", "1", "--steps", "1"], "--steps"),
    ([*HYSTERESIS, "--replicates", "0"], "--replicates"),
    ([*HYSTERESIS, "--replicates", "3"], "mean-field"),
    (["hysteresis", "social-choice", "--param", "betta", "--range", "-1", "1"], "betta"),
    (["hysteresis", "social-choice", "--param", "h", "--range", "1", "-1"], "--range"),
    (["hysteresis", "social-choice", "--range", "-1", "1"], "--param"),
    (["equilibria", "no-such-model"], "no-such-model"),
    (["simulate"], "model"),
    (["frobnicate"], "frobnicate"),
    ([], "command"),
])
def test_bad_arguments_give_one_line_naming_the_culprit(argv, culprit, capsys, tmp_path,
                                                        monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("coupling: error: ")
    assert culprit in lines[0]


def test_a_library_bug_shows_its_traceback(monkeypatch):
    """Only the library's own errors are reported on one line: a TypeError raised inside an
    analysis is a bug, and propagates with its traceback."""
    import coupling as cp

    def broken(*args, **kwargs):
        raise TypeError("unsupported operand")

    monkeypatch.setattr(cp, "simulate", broken)
    with pytest.raises(TypeError, match="unsupported operand"):
        cli.main(["simulate", "social-choice"])


def test_a_declaration_error_is_one_line_and_exit_code_1(monkeypatch, capsys):
    import coupling as cp

    def refuse(*args, **kwargs):
        raise cp.DeclarationError("the micro rule reads 'm' directly", symbol="m",
                                  level="micro")

    monkeypatch.setattr(cp, "simulate", refuse)
    assert cli.main(["simulate", "social-choice"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("coupling: error: [level 'micro', symbol 'm'] the micro rule "
                            "reads 'm' directly\n")


def test_a_bad_figure_suffix_is_refused_before_the_work(monkeypatch, capsys):
    import coupling as cp

    monkeypatch.setattr(cp, "simulate", None)  # never reached
    assert cli.main(["simulate", "social-choice", "--plot", "run.xyz"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("coupling: error: argument --plot: cannot write a figure to "
                           "'run.xyz'")


def test_demo_writes_the_figures_and_the_summary(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(out)]) == 0
    summary = out / "summary.txt"
    for name in ("trajectories.png", "bifurcation.png", "fold_curve.png", "hysteresis.png",
                 "timescales.png", "regime.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    text = summary.read_text()
    assert "mean-field fixed point m* = 0.8209" in text
    for n in _demo.DEMO_POPULATIONS:
        assert f"\n  {n} " in text
    assert "recovers" in text and "hysteresis" in text
    assert "folds at h = -0.159976, +0.159976; hysteresis width 0.319953" in text
    assert "lies inside the bistable range" in text and "lies outside" in text
    sections = {section.split(" ", 1)[0]: section.splitlines()
                for section in text.split("\n\n")}
    rows = {float(line.split()[0]): line for line in sections["(d)"][-len(_demo.DEMO_SIGMAS):]}
    assert list(rows) == list(_demo.DEMO_SIGMAS)
    assert "no folds: no hysteresis" in rows[1.0]
    widths = [float(rows[s].rsplit(" ", 1)[1]) for s in _demo.DEMO_SIGMAS[:-1]]
    assert widths == sorted(widths, reverse=True)
    # (e): the cusp where J E[sech^2(sigma_c a)] = 1 for a ~ Normal(0, 1) (beta = 1, J = 1.5)
    (cusp,) = [line for line in sections["(e)"] if "cusp at" in line]
    sigma_c = float(cusp.split("sigma_c = ")[1].split(",")[0])
    assert sigma_c == pytest.approx(optimize.brentq(lambda s: 1.5 * integrate.quad(
        lambda a: np.exp(-a * a / 2) / np.sqrt(2 * np.pi) / np.cosh(s * a) ** 2, -12, 12)[0]
        - 1, 0.5, 1.0), abs=1e-5)
    assert cusp.endswith("h = +0.000000 (converged)")
    assert ("  for sigma above sigma_c the population has a single equilibrium for every h: "
            "no hysteresis") in sections["(e)"]
    # (f): the widths read off the fold curve agree with the continuations of (d)
    table = {float(line.split()[0]): line.split()[1:] for line in sections["(f)"][2:]}
    assert list(table) == list(_demo.DEMO_SIGMAS) and table[1.0] == ["0.0000", "no", "folds"]
    for sigma, width in zip(_demo.DEMO_SIGMAS, widths):
        assert abs(float(table[sigma][0]) - width) < 2e-4
        assert abs(float(table[sigma][1]) - width) < 1e-4
    # (g): the loop at the demo's rate is wider than the bistable range of (c), by the delays
    loop = sections["(g)"]
    assert f"and back at rate {_demo.DEMO_LOOP_RATE:g} (mean field)" in loop[0]
    (up,), (down,) = ([float(line.split()[4].rstrip(":")) for line in loop
                       if line.startswith(f"  {d}-jump at h = ")] for d in ("up", "down"))
    assert 0.159976 < up < 0.3 and -0.3 < down < -0.159976
    (width,) = [line for line in loop if line.startswith("  loop width ")]
    assert float(width.split()[2].rstrip(",")) == pytest.approx(up - down, abs=2e-4)
    assert "wider than the bistable range of (c), 0.3200: the jumps lag" in loop[-1]
    # (h): the delay after the folds grows with the rate, like rate^(2/3)
    delays = [[float(v) for v in line.split()] for line in sections["(h)"][2:-1]]
    assert [row[0] for row in delays] == list(_demo.DEMO_RATES)
    assert all(np.diff([row[2] for row in delays]) > 0)
    exponents = sections["(h)"][-1].split("alpha = ")[1]
    assert [float(e.split(" +- ")[0]) for e in exponents.split(", ")] == \
        pytest.approx([2 / 3, 2 / 3], abs=0.03)
    # (i): the folds of the critical manifold, continued in the frozen y; the same y as the
    # reduced run's jumps (slow-feedback's jumps at y = -0.47266..., tests/test_timescales.py)
    (folds,) = [line for line in sections["(i)"] if "folds of the critical manifold" in line]
    assert folds.count("y = ") == 1 and "-0.4727 (X = +0.6898)" in folds
    # (j): O(eps) before the first fold, period shift like eps^(2/3)
    rows = [line.split() for line in sections["(j)"][2:2 + len(_demo.FAST_SLOW_EPS)]]
    errors = [float(row[1]) for row in rows]
    assert errors == sorted(errors, reverse=True)
    orders = sections["(j)"][-1]
    assert float(orders.split("y ")[1].split(",")[0]) == pytest.approx(1.0, abs=0.1)
    assert float(orders.split("eps^")[1].split(" ")[0]) == pytest.approx(2 / 3, abs=0.06)
    # (k): the Phillips-curve slope -(1 - rho^2)/kappa under rho = 0.2 (300 rows: se 0.03,
    # x 1.2 for residual autocorrelation) and the structural prediction under rho = 0.9
    # (pooled over 10 runs: se about 0.015); the realised regime-B slope (300 rows with
    # residual autocorrelation 0.9: se about 0.2) only has to be flatter than regime A's
    (slopes,) = [line for line in sections["(k)"] if line.startswith("  slope under A")]
    a, theory_a, b, theory_b, structural = [
        float(x) for x in slopes.replace("(theory", "").replace(")", "").replace(
            ",", "").split() if x[0] in "+-"]
    assert abs(a - theory_a) < 0.15 and abs(structural - theory_b) < 0.06 and a < b < 0
    assert any("The reduced form broke at the regime switch" in line
               for line in sections["(k)"])
    printed = capsys.readouterr().out
    assert str(out.resolve()) in printed and "summary.txt" in printed
    assert "hysteresis.png" in printed and "timescales.png" in printed
    assert "regime.png" in printed


TIMESCALES = ["timescales", "slow-feedback", "--set", "c=0.3", "--set", "x0=0.9",
              "--t-end", "10"]


def test_timescales_summary_json_and_plot(tmp_path, capsys):
    """A stable equilibrium, no fold: the full runs converge to the reduced one at O(eps)."""
    assert cli.main([*TIMESCALES, "--eps", "0.1", "0.01", "0.001"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "model       slow-feedback" in lines
    (order,) = [line for line in lines if line.startswith("fitted order of convergence")]
    assert float(order.split("macro ")[1].split(",")[0]) == pytest.approx(1.0, abs=0.05)
    path = tmp_path / "timescales.png"
    assert cli.main([*TIMESCALES, "--eps", "0.01", "0.001", "--json", "--plot",
                     str(path)]) == 0
    captured = capsys.readouterr()
    record = _strict_json(captured.out)
    assert captured.err == "" and path.read_bytes().startswith(b"\x89PNG")
    assert record["eps"] == [0.01, 0.001] and record["separated"] == [True, True]
    assert record["period"] == [None, None] and record["folds"] == []
    assert record["model"] == "slow-feedback" and record["t_end"] == 10


def test_timescales_without_macro_variables_fits_no_order(capsys):
    """social-choice has no macro variables, and at eps = 0.01 the full run agrees with the
    reduced one to the integration accuracy: no order of convergence, and the summary says
    why instead of printing one."""
    argv = ["timescales", "social-choice", "--eps", "0.1", "0.01"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "fitted order of convergence" not in out
    assert "nan" not in out and "err macro" not in out
    assert "no order of convergence for the macro variables: the model has none" in out
    assert ("no order of convergence for the aggregates: fewer than two errors to fit: 2 of 2 "
            "measured, 1 of them within the integration accuracy") in out
    assert cli.main([*argv, "--json"]) == 0
    record = _strict_json(capsys.readouterr().out)
    assert record["order_macro"] is None and record["order_aggregates"] is None
    assert record["error_macro"] == [None, None] and record["status"] == 1
    assert set(record["unfitted"]) == {"macro", "aggregates"}


def test_timescales_needs_eps(capsys):
    assert cli.main(["timescales", "slow-feedback"]) == 2
    assert "--eps" in capsys.readouterr().err


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "coupling", "models"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("social-choice ") for line in done.stdout.splitlines())


REGIME = ["regime", "lucas-islands", "--lever", "sigma_m", "--before", "0.5", "--after", "1.5",
          "--switch-at", "200", "--seed", "2", "--replicates", "3"]


def test_regime_summary_json_and_plot(tmp_path, capsys):
    """The output-inflation slope falls from 0.8 to 0.31 (mean elasticity 1): a break."""
    assert cli.main(REGIME) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "model       lucas-islands" in lines
    assert any(line.startswith("The reduced form broke") for line in lines)
    path = tmp_path / "regime.png"
    assert cli.main([*REGIME, "--json", "--plot", str(path)]) == 0
    captured = capsys.readouterr()
    record = _strict_json(captured.out)
    assert captured.err == "" and path.read_bytes().startswith(b"\x89PNG")
    assert record["reduced_form"] == "output ~ inflation" and record["broke"]
    assert record["before"] == {"sigma_m": 0.5} and record["after"] == {"sigma_m": 1.5}
    assert abs(record["fit_before"]["coef"]["inflation"] - 0.8) < 0.05
    assert abs(record["structural"]["coef"]["inflation"] - 1 / 3.25) < 0.05


def test_regime_errors(capsys):
    assert cli.main(["regime", "lucas-islands", "--lever", "b", "--before", "1",
                     "--after", "2"]) == 1
    assert "not a policy lever" in capsys.readouterr().err


def test_set_takes_several_assignments_or_repeats(capsys):
    """--set A=1 B=2 and --set A=1 --set B=2 give the same model."""
    records = []
    for sets in (["--set", "sigma=0", "J=2"], ["--set", "sigma=0", "--set", "J=2"]):
        assert cli.main(["equilibria", "social-choice", *sets, "--json"]) == 0
        records.append(_strict_json(capsys.readouterr().out))
    assert records[0] == records[1] and records[0]["parameters"]["J"] == 2.0


def test_sweep_json_counts_the_curie_weiss_states(tmp_path, capsys):
    """J = 2: two stable states for |h| < 0.533, one outside; a store is written."""
    store = tmp_path / "s.db"
    code = cli.main(["sweep", "social-choice", "--set", "sigma=0", "--grid", "h=-0.8:0.8:5",
                     "J=2", "--workers", "1", "--store", str(store), "--json"])
    record = _strict_json(capsys.readouterr().out)
    assert code == 0 and record["dims"] == ["h", "J", "replicate"]
    assert [row[0][0] for row in record["outputs"]["stable"]] == [1, 2, 2, 2, 1]
    assert store.exists()


def test_sweep_and_map_plot_and_check_their_options(tmp_path, capsys):
    figure = tmp_path / "map.png"
    code = cli.main(["map", "social-choice", "--set", "sigma=0", "--params", "h=-1:1:5",
                     "J=0.5:2:4", "--workers", "2", "--plot", str(figure)])
    assert code == 0 and figure.stat().st_size > 1000
    assert "multistable" in capsys.readouterr().out
    assert cli.main(["sweep", "social-choice", "--grid", "h=0:1:3", "--task",
                     "hysteresis"]) == 2
    assert "--param and --range" in capsys.readouterr().err
    assert cli.main(["sweep", "social-choice", "--grid", "h=1:0:3"]) == 2
    assert "LO < HI" in capsys.readouterr().err
