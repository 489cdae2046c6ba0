"""The shared argument checks of coupling._checks, and their use by the entry points."""

import warnings

import numpy as np
import pytest

import coupling as cp
from coupling import _checks

MODEL = cp.load("social-choice", norm=True)


def test_suggest_names_the_closest_candidate_or_nothing():
    assert _checks.suggest("bta", ["beta", "J", "h"]) == "; did you mean 'beta'?"
    assert _checks.suggest("zzz", ["beta", "J", "h"]) == ""
    assert _checks.suggest(3, ["3a", "b"]) == "; did you mean '3a'?"


def test_known_returns_the_name_or_raises_an_unknown_name_error():
    assert _checks.known("h", ["J", "h"], argument="a", what="x", level="parameters") == "h"
    with pytest.raises(cp.UnknownNameError) as info:
        _checks.known("hh", ["J", "h"], argument="schedule", what="a parameter of the model",
                      level="parameters")
    error = info.value
    assert isinstance(error, KeyError) and isinstance(error, cp.DeclarationError)
    assert error.symbol == "hh" and error.level == "parameters"
    assert str(error) == ("[level 'parameters', symbol 'hh'] schedule: 'hh' is not a parameter "
                          "of the model; expected one of ['J', 'h']; did you mean 'h'?")
    with pytest.raises(cp.UnknownNameError, match="1.5"):  # not a string at all
        _checks.known(1.5, ["J"], argument="a", what="a name", level="parameters")


def test_parameter_and_parameters():
    assert _checks.parameter(MODEL, "tau") == "tau"
    with pytest.raises(cp.UnknownNameError, match=r"param: 'taux' .*did you mean 'tau'\?"):
        _checks.parameter(MODEL, "taux")
    assert _checks.parameters(MODEL, {"h": 1, "J": 2}, argument="schedule") == ("h", "J")
    with pytest.raises(cp.UnknownNameError, match="schedule: 'kapa'.*'kappa'"):
        _checks.parameters(MODEL, ["h", "kapa"], argument="schedule")


def test_observables():
    assert _checks.observables(MODEL, None) == ("n", "m", "adopters", "field")
    assert _checks.observables(MODEL, "m") == ("m",)
    assert _checks.observables(MODEL, ["n", "field"]) == ("n", "field")
    with pytest.raises(cp.UnknownNameError, match="observables: 'adoptrs'.*'adopters'"):
        _checks.observables(MODEL, ["m", "adoptrs"])
    with pytest.raises(cp.UnknownNameError, match="watch: 'beta'"):  # a parameter is not
        _checks.observables(MODEL, "beta", argument="watch")
    with pytest.raises(ValueError, match="at least one"):
        _checks.observables(MODEL, [])
    with pytest.raises(ValueError, match=r"\['m'\] more than once"):
        _checks.observables(MODEL, ["m", "n", "m"])


def test_population():
    assert _checks.population(7) == 7 and type(_checks.population(np.int64(7))) is int
    assert _checks.population("mean-field") == cp.MeanField()
    assert _checks.population(cp.MeanField(9)) == cp.MeanField(9)
    for bad, words in [(0, "N = 0"), (-3, "N = -3"), (2.5, "unit count"), (True, "True"),
                       ("meanfield", "'meanfield'")]:
        with pytest.raises(cp.DeclarationError, match=words) as info:
            _checks.population(bad)
        assert info.value.level == "population"


def test_seed():
    sequence = np.random.SeedSequence(4)
    assert _checks.seed(None) is None and _checks.seed(0) == 0
    assert _checks.seed(sequence) is sequence
    assert _checks.seed(np.uint32(5)) == 5
    for bad in (-1, 1.5, "3", True, np.random.default_rng(0)):
        with pytest.raises(ValueError, match="seed must be a non-negative integer or a numpy "
                                             "SeedSequence, got"):
            _checks.seed(bad)
    with pytest.raises(ValueError, match="^seed must be .* got -1$"):
        _checks.seed(-1)


def test_ignored_warns_with_its_own_user_warning_pointing_at_the_caller():
    assert issubclass(_checks.IgnoredArgumentWarning, UserWarning)
    with pytest.warns(_checks.IgnoredArgumentWarning,
                      match=r"^dt=0\.1 is ignored: adaptive steps$") as record:
        _checks.ignored("dt", 0.1, "adaptive steps", stacklevel=2)
    assert record[0].filename == __file__


def test_interval_positive_count():
    assert _checks.interval([0, 2]) == (0.0, 2.0)
    for bad in ([2, 0], [0, np.inf], "ab", [1]):
        with pytest.raises(ValueError, match="interval"):
            _checks.interval(bad)
    assert _checks.positive(0.5, argument="rate") == 0.5
    for bad in (0, -1, np.nan, np.inf, True, "1"):
        with pytest.raises(ValueError, match="rate must be a positive number"):
            _checks.positive(bad, argument="rate")
    assert _checks.count(3, argument="steps") == 3
    for bad in (0, 2.0, True):
        with pytest.raises(ValueError, match="steps must be an integer >= 1"):
            _checks.count(bad, argument="steps")


# ---------------------------------------------------------------- the entry points use them
def test_simulate_refuses_a_bad_seed_naming_it():
    with pytest.raises(ValueError, match="^seed must be a non-negative integer or a numpy "
                                         "SeedSequence, got -1$"):
        cp.simulate(MODEL, 1.0, seed=-1)


def test_simulate_refuses_a_bad_population():
    with pytest.raises(cp.DeclarationError, match="N = 0"):
        cp.simulate(MODEL, 1.0, population=0)


@pytest.mark.parametrize("call, words", [
    (lambda: cp.simulate(MODEL, 1.0, schedule={"hh": [(0.5, 1.0)]}),
     ["schedule: 'hh'", "did you mean 'h'?"]),
    (lambda: cp.simulate(MODEL, 1.0, events={"e": "mm - 0.5"}),
     ["unknown name 'mm'", "did you mean 'm'?"]),
    (lambda: cp.simulate(MODEL, 1.0, initial={"nn": 0.5}), ["initial: 'nn'", "'n'?"]),
    (lambda: cp.load("social-choise"), ["name: 'social-choise'", "'social-choice'?"]),
    (lambda: cp.load("social-choice", bta=2.0), ["'bta'", "did you mean 'beta'?"]),
    (lambda: cp.load("social-choice", nrm=True), ["'nrm'", "did you mean 'norm'?"]),
])
def test_every_unknown_name_is_the_same_error(call, words):
    with pytest.raises(cp.UnknownNameError) as info:
        call()
    assert isinstance(info.value, KeyError) and isinstance(info.value, cp.DeclarationError)
    for word in words:
        assert word in str(info.value)


def test_load_still_passes_build_options_and_parameters():
    model = cp.load("social-choice", norm=True, kappa=0.25)
    assert "n" in model.macro and model.parameters["kappa"] == 0.25
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cp.load("social-choice").parameters["beta"] == 1.0


def test_bad_arguments_are_the_library_s_own_error():
    """A bad argument is an ArgumentError (a ValueError) naming it, so the command line
    reports it on one line while a bug keeps its traceback."""
    with pytest.raises(cp.ArgumentError) as error:
        _checks.interval((1.0, -1.0), argument="range")
    assert error.value.argument == "range" and isinstance(error.value, ValueError)
