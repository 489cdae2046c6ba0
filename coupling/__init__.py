"""coupling: coupled micro-macro dynamics.

A model is declared once, as two levels and three edges: micro units with traits and a rule,
aggregation up, a context map down, and macro dynamics on a slower timescale. It runs as a
finite population of N units or as its mean-field limit.

>>> import coupling as cp
>>> model = cp.load("social-choice", beta=2.0, J=1.0, h=0.0, sigma=0.0)
>>> run = cp.simulate(model, t_end=20.0)
>>> print(f"{run['m'][-1]:.6f}")
0.957504
"""

from ._catalog import catalog, load
from ._errors import (
                      DeclarationError,
                      IgnoredArgumentWarning,
                      ParameterDomainError,
                      SimulationError,
                      UnknownNameError,
)
from .analysis._timescales import (
                      TimescaleComparison,
                      TimescaleDiagnostics,
                      compare_timescales,
                      timescale_diagnostics,
)
from .analysis.bifurcation._continuation import continuation
from .analysis.bifurcation._curves import FoldCurve, HopfCurve
from .analysis.bifurcation._diagram import BifurcationDiagram, Branch, SpecialPoint
from .analysis.bifurcation._engine import ContinuationOptions
from .analysis.bifurcation._equilibria import (Equilibria, Equilibrium, MultistabilityWarning,
                                               QuadratureWarning, equilibria)
from .analysis.bifurcation._fold_curve import fold_curve
from .analysis.bifurcation._hopf_curve import hopf_curve
from .analysis.regimes._regimes import RegimeBreak, regime_break
from .analysis.simulation._attractor_results import Attractor, Attractors
from .analysis.simulation._attractors import attractors
from .analysis.simulation._early_warning import early_warning
from .analysis.simulation._hysteresis import hysteresis
from .analysis.simulation._hysteresis_results import (
                      DelayScaling,
                      HysteresisLoop,
                      RateWarning,
)
from .analysis.simulation._path_dependence import PathDependence, path_dependence
from .analysis.simulation._warning_results import EarlyWarning, ReplicateEarlyWarning
from .dynamics._common import Ramp
from .dynamics._events import Event
from .dynamics._simulate import simulate
from .model._distributions import Beta, Discrete, Fixed, LogNormal, Normal, Uniform
from .model._files import read_model, write_model
from .model._model import Model
from .model._reduce import reduce
from .model._rules import (
                      ODE,
                      Choice,
                      Local,
                      Macro,
                      Map,
                      Mean,
                      MeanField,
                      Response,
                      Share,
                      Statistic,
                      Step,
                      Variance,
                      logit,
)
from .results import Trajectory

__version__ = "0.1.0"

__all__ = [
    "Attractor",
    "Attractors",
    "Beta",
    "BifurcationDiagram",
    "Branch",
    "Choice",
    "ContinuationOptions",
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
    "Macro",
    "Map",
    "Mean",
    "MeanField",
    "Model",
    "MultistabilityWarning",
    "Normal",
    "ODE",
    "ParameterDomainError",
    "PathDependence",
    "QuadratureWarning",
    "Ramp",
    "RateWarning",
    "RegimeBreak",
    "ReplicateEarlyWarning",
    "Response",
    "Share",
    "SimulationError",
    "SpecialPoint",
    "Statistic",
    "Step",
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
    "early_warning",
    "equilibria",
    "fold_curve",
    "hopf_curve",
    "hysteresis",
    "load",
    "logit",
    "path_dependence",
    "read_model",
    "reduce",
    "regime_break",
    "simulate",
    "timescale_diagnostics",
    "write_model",
]
