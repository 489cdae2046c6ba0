"""The public namespace of ``coupling`` is pinned: additions and removals are deliberate."""

import importlib
import subprocess
import sys
import types
from pathlib import Path

import coupling as cp

PROJECT_ROOT = Path(cp.__file__).resolve().parent.parent

EXPECTED = [
    "ArgumentError",
    "Arrivals",
    "Attractor",
    "Attractors",
    "Beta",
    "BifurcationDiagram",
    "Branch",
    "Choice",
    "ContinuationOptions",
    "CrossLevel",
    "DeclarationError",
    "DelayScaling",
    "Discrete",
    "EarlyWarning",
    "Equilibria",
    "Equilibrium",
    "Event",
    "Fixed",
    "FoldCurve",
    "HopfCurve",
    "HysteresisLoop",
    "IgnoredArgumentWarning",
    "Local",
    "LogNormal",
    "Lorentzian",
    "Macro",
    "Map",
    "Markov",
    "Mean",
    "MeanField",
    "Mixture",
    "Model",
    "MultistabilityWarning",
    "Normal",
    "ODE",
    "OrbitDiagram",
    "ParameterDomainError",
    "PathDependence",
    "QuadratureWarning",
    "Ramp",
    "RateWarning",
    "Reduction",
    "RegimeBreak",
    "RegimeMap",
    "ReplicateEarlyWarning",
    "Response",
    "Share",
    "SimulationError",
    "SpecialPoint",
    "Statistic",
    "Step",
    "Sweep",
    "TimescaleComparison",
    "TimescaleDiagnostics",
    "Trajectory",
    "Uniform",
    "UnknownNameError",
    "Variance",
    "attractors",
    "catalog",
    "compare_timescales",
    "continuation",
    "cross_level",
    "early_warning",
    "equilibria",
    "fold_curve",
    "hopf_curve",
    "hysteresis",
    "load",
    "logit",
    "orbit_diagram",
    "path_dependence",
    "random_graph",
    "read_model",
    "reduce",
    "regime_break",
    "regime_map",
    "rewire",
    "ring_lattice",
    "simulate",
    "sweep",
    "timescale_diagnostics",
    "torus_grid",
    "write_model",
]


def test_all_is_pinned():
    assert sorted(cp.__all__) == EXPECTED
    assert len(set(cp.__all__)) == len(cp.__all__)


def test_every_name_in_all_is_an_attribute():
    missing = [name for name in cp.__all__ if not hasattr(cp, name)]
    assert missing == []


def test_no_public_attribute_outside_all():
    extra = [name for name in dir(cp)
             if not name.startswith("_") and name not in cp.__all__
             and not isinstance(getattr(cp, name), types.ModuleType)]
    assert extra == []


def test_version():
    assert isinstance(cp.__version__, str)
    assert cp.__version__.count(".") >= 1


def test_errors_carry_symbol_and_level():
    exc = cp.DeclarationError("bad", symbol="x", level="micro")
    assert (exc.symbol, exc.level) == ("x", "micro")
    assert str(exc) == "[level 'micro', symbol 'x'] bad"
    assert issubclass(cp.DeclarationError, ValueError)
    assert issubclass(cp.SimulationError, RuntimeError)


def test_catalogue_is_the_coupling_models_package():
    models = importlib.import_module("coupling.models")
    assert models.__name__ == "coupling.models"
    assert "social-choice" in cp.catalog()
    module = importlib.import_module("coupling.models.social_choice")
    assert module.NAME == "social-choice"
    assert isinstance(module.build(), cp.Model)


def test_no_top_level_models_package(tmp_path):
    """The catalogue is installed as ``coupling.models`` only, never as ``models``.

    Run in a fresh interpreter outside the project so neither the working directory nor
    pytest's rootdir is on ``sys.path``.
    """
    code = ("import importlib.util, json\n"
            "import coupling.models\n"
            "spec = importlib.util.find_spec('models')\n"
            "print(json.dumps(None if spec is None else str(spec.origin)))\n")
    result = subprocess.run([sys.executable, "-I", "-c", code], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    origin = result.stdout.strip()
    if origin != "null":  # some unrelated 'models' may be installed; it must not be ours
        assert str(PROJECT_ROOT) not in origin, origin


def test_import_loads_no_heavy_dependency():
    """``import coupling`` (and so the command line's start) imports no solver, symbolic or
    plotting library: the public names load their modules on first use."""
    code = ("import sys, json, coupling\n"
            "heavy = ['sympy', 'scipy', 'matplotlib', 'pandas', 'statsmodels', 'xarray']\n"
            "print(json.dumps([m for m in heavy if m in sys.modules]))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
    assert cp.Normal(0.0, 1.0).mu == 0.0  # and the names are there when used
