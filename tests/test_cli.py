"""The ``coupling`` command line: models, simulate, demo, and its error reporting."""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import optimize

from coupling import cli

CURIE_WEISS = ["--set", "beta=2", "--set", "J=1", "--set", "sigma=0", "--set", "h=0"]


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


def test_plain_turns_non_finite_numbers_into_null():
    record = {"x": np.array([1.0, np.nan, np.inf]), "y": (np.float64(-np.inf), 2),
              "z": {"n": np.int64(3)}}
    assert cli._plain(record) == {"x": [1.0, None, None], "y": [None, 2], "z": {"n": 3}}


def test_demo_writes_the_figure_and_the_summary(tmp_path, capsys):
    out = tmp_path / "demo"
    assert cli.main(["demo", "--out", str(out)]) == 0
    figure, summary = out / "trajectories.png", out / "summary.txt"
    assert figure.read_bytes().startswith(b"\x89PNG")
    text = summary.read_text()
    assert "mean-field fixed point m* = 0.8209" in text
    for n in cli.DEMO_POPULATIONS:
        assert f"\n  {n} " in text
    assert "recovers" in text and "hysteresis" in text
    printed = capsys.readouterr().out
    assert str(out.resolve()) in printed and "summary.txt" in printed


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run([sys.executable, "-m", "coupling", "models"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("social-choice")
