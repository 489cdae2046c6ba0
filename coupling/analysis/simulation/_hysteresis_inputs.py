"""The arguments of ``cp.hysteresis``, checked before any simulation starts."""

import numpy as np

from ... import _checks
from ..._checks import fraction
from ._inputs import child_seed, progress_option, seed_root


class SweepSpec:
    """Validated arguments of a sweep: the model, the interval, the ramp, the population and
    its replicate seeds, the observables and the simulate options."""

    def __init__(self, model, param, interval, *, rate, settle, steps, rates, observables,
                 population, seed, replicates, hold, n_points, window, threshold,
                 confidence, diagram, bounds, progress, dt, method, rtol, atol):
        from ...model._model import Model
        from ...model._rules import MeanField
        from ..bifurcation._diagram import BifurcationDiagram

        if not isinstance(model, Model):
            raise TypeError(f"model: hysteresis needs a cp.Model, got {type(model).__name__}")
        _checks.parameter(model, param)
        lo, hi = _checks.interval(interval)
        given = [n for n, v in (("rate", rate), ("settle", settle), ("rates", rates))
                 if v is not None]
        if len(given) > 1:
            raise ValueError(f"give one of rate, settle and rates, not {' and '.join(given)}")
        self.rate = None if rate is None else _checks.positive(rate, argument="rate")
        self.settle = None if settle is None else _checks.positive(settle, argument="settle")
        self.rates = None if rates is None else _rates(rates)
        self.steps = _checks.count(steps, argument="steps", minimum=2)
        self.n_points = _checks.count(n_points, argument="n_points", minimum=10)
        self.window = fraction(window, argument="window")
        self.threshold = fraction(threshold, argument="threshold")
        self.confidence = fraction(confidence, argument="confidence")
        self.hold = None if hold is None else _checks.positive(hold, argument="hold")
        population = model.population if population is None else _checks.population(population)
        mean_field = isinstance(population, MeanField)
        stochastic = model.is_stochastic and not mean_field
        if replicates is None:
            replicates = 5 if stochastic else 1
        replicates = _checks.count(replicates, argument="replicates")
        if mean_field and replicates > 1:
            raise ValueError("replicates: the mean-field limit is deterministic, every "
                             "replicate would be the same; use a finite population")
        if not (diagram in ("auto", None) or isinstance(diagram, BifurcationDiagram)):
            raise TypeError(f"diagram must be 'auto', None or a BifurcationDiagram, got "
                            f"{type(diagram).__name__}")
        if isinstance(diagram, BifurcationDiagram) and diagram.parameter != param:
            raise ValueError(f"diagram: it continues {diagram.parameter!r}, not {param!r}")
        self.model, self.param, self.lo, self.hi = model, param, lo, hi
        self.span = hi - lo
        self.population, self.mean_field, self.stochastic = population, mean_field, stochastic
        self.replicates, self.root = replicates, seed_root(seed)
        self.seeds = [child_seed(self.root, i) for i in range(replicates)]
        self.observables = _observables(model, observables)
        self.diagram, self.bounds = diagram, None if bounds is None else dict(bounds)
        self.progress = progress_option(progress)
        self.discrete = model.time == "discrete"
        self.response = model.micro.kind == "response"
        if not stochastic:  # tighter than simulate's defaults: the jumps are located finely
            rtol = 1e-6 if rtol is None else rtol
            atol = 1e-9 if atol is None else atol
        given = {"dt": dt, "method": method, "rtol": rtol, "atol": atol}
        self.options = {k: v for k, v in given.items() if v is not None}


def _rates(rates):
    values = np.sort(np.asarray(rates, dtype=float).ravel())
    if values.size < 3 or np.any(~np.isfinite(values)) or np.any(values <= 0) \
            or np.any(np.diff(values) == 0):
        raise ValueError(f"rates must be at least 3 distinct positive numbers, got {rates!r}")
    return values.tolist()


def _observables(model, observables):
    """What the sweep records; the first is the primary observable (default: every
    aggregate, then macro variable)."""
    if observables is not None:
        return _checks.observables(model, observables)
    if not (model.aggregates or model.macro):
        raise ValueError("observables: the model has nothing to observe by default; name a "
                         "context variable")
    return tuple(model.aggregates) + tuple(model.macro)
