"""coupling: coupled micro-macro dynamics.

A model is declared once, as two levels and three edges: micro units with traits and a rule,
aggregation up, a context map down, and macro dynamics on a slower timescale. It runs as a
finite population of N units or as its mean-field limit.

The public names are loaded on first use (PEP 562), so ``import coupling`` and the command
line start without importing sympy, scipy's solvers or the analyses they do not need.

>>> import coupling as cp
>>> model = cp.load("social-choice", beta=2.0, J=1.0, h=0.0, sigma=0.0)
>>> run = cp.simulate(model, t_end=20.0)
>>> print(f"{run['m'][-1]:.6f}")
0.957504
"""

import importlib

from ._errors import (ArgumentError, DeclarationError,  # noqa: F401 (public)
                      IgnoredArgumentWarning, ParameterDomainError, SimulationError,
                      UnknownNameError)

__version__ = "0.1.0"

#: module -> the public names it defines
_PUBLIC = {
    "._catalog": ("catalog", "load"),
    ".analysis._cross_level": ("CrossLevel", "cross_level"),
    ".analysis._timescales": ("TimescaleComparison", "TimescaleDiagnostics",
                              "compare_timescales", "timescale_diagnostics"),
    ".analysis.bifurcation._continuation": ("continuation",),
    ".analysis.bifurcation._curves": ("FoldCurve", "HopfCurve"),
    ".analysis.bifurcation._diagram": ("BifurcationDiagram", "Branch", "SpecialPoint"),
    ".analysis.bifurcation._engine": ("ContinuationOptions",),
    ".analysis.bifurcation._equilibria": ("Equilibria", "Equilibrium", "MultistabilityWarning",
                                          "QuadratureWarning", "equilibria"),
    ".analysis.bifurcation._fold_curve": ("fold_curve",),
    ".analysis.bifurcation._hopf_curve": ("hopf_curve",),
    ".analysis.regimes._regimes": ("RegimeBreak", "regime_break"),
    ".analysis.simulation._attractor_results": ("Attractor", "Attractors"),
    ".analysis.simulation._attractors": ("attractors",),
    ".analysis.simulation._early_warning": ("early_warning",),
    ".analysis.simulation._hysteresis": ("hysteresis",),
    ".analysis.simulation._hysteresis_results": ("DelayScaling", "HysteresisLoop",
                                                 "RateWarning"),
    ".analysis.simulation._orbits": ("OrbitDiagram", "orbit_diagram"),
    ".analysis.simulation._path_dependence": ("PathDependence", "path_dependence"),
    ".analysis.simulation._warning_results": ("EarlyWarning", "ReplicateEarlyWarning"),
    ".dynamics._common": ("Ramp",),
    ".dynamics._events": ("Event",),
    ".dynamics._simulate": ("simulate",),
    ".model._arrivals": ("Arrivals",),
    ".model._distributions": ("Beta", "Discrete", "Fixed", "LogNormal", "Lorentzian",
                              "Mixture", "Normal", "Uniform"),
    ".model._files": ("read_model", "write_model"),
    ".model._markov": ("Markov",),
    ".model._model": ("Model",),
    ".model._reduce": ("reduce",),
    ".model._reduction": ("Reduction",),
    ".model._rules": ("ODE", "Choice", "Local", "Macro", "Map", "Mean", "MeanField",
                      "Response", "Share", "Statistic", "Step", "Variance", "logit"),
    ".networks": ("random_graph", "rewire", "ring_lattice", "torus_grid"),
    ".results": ("Trajectory",),
    ".sweeps._regime_map": ("RegimeMap", "regime_map"),
    ".sweeps._result": ("Sweep",),
    ".sweeps._sweep": ("sweep",),
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = sorted([*_WHERE, "ArgumentError", "DeclarationError", "IgnoredArgumentWarning",
                  "ParameterDomainError", "SimulationError", "UnknownNameError"])


def __getattr__(name):
    """Import the module that defines a public name on first use."""
    if name not in _WHERE:
        raise AttributeError(f"module 'coupling' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # later look-ups are plain attribute reads
    return value


def __dir__():
    return sorted([*globals(), *_WHERE])
