"""The results of ``cp.hysteresis``: the loop of one sweep and the delay law over rates."""

from dataclasses import dataclass, field

import numpy as np

from ..._json import jsonable
from ..._text import counted, number_widths, optional, row
from ...results import Result


class RateWarning(UserWarning):
    """The sweep is too fast for its loop to be quasi-static (or a jump outran the leg)."""


@dataclass
class DelayScaling(Result):
    r"""How the delay after a fold scales with the ramp rate: δ = C r^α.

    Attributes
    ----------
    direction : str
        "up" or "down": the sweep direction of the jumps.
    fold : float
        Parameter value of the fold the delays are measured from.
    fold_source : str
        "continuation" (a fold of the deterministic counterpart) or "fit" (fitted as the
        r → 0 limit of the jump locations).
    exponent, stderr : float
        α and its standard error (theory for a saddle-node: 2/3); NaN when the fit failed.
    prefactor : float
        C.
    rates, delays : ndarray
        The rates used and the measured delays |p_jump − p_fold| (mean over replicates).
    jump_params : ndarray
        The jump locations at those rates.
    status, message : int, str
        0 fitted; -1 no fit (see ``message``).
    """

    direction: str
    fold: float
    fold_source: str
    exponent: float
    stderr: float
    prefactor: float
    rates: np.ndarray = field(repr=False)
    delays: np.ndarray = field(repr=False)
    jump_params: np.ndarray = field(repr=False)
    status: int = 0
    message: str = "The delay law was fitted."

    def summary(self):
        """One line: the fold, the exponent with its standard error, the prefactor."""
        if not self.success:
            return f"{self.direction}-jumps: {self.message}"
        source = "continuation" if self.fold_source == "continuation" else \
            "fitted as the slow limit"
        return (f"{self.direction}-jumps after the fold at {self.fold:.6g} ({source}): "
                f"delay = {self.prefactor:.4g} rate^{self.exponent:.4f} "
                f"(± {self.stderr:.4f}; theory 2/3) over {self.rates.size} rates")

    def plot(self, *, ax=None):
        """The delays against the rate, log-log, with the fit and the slope 2/3."""
        from ...plotting._simulation import plot_delay_scaling

        return plot_delay_scaling([self], ax=ax)

    def to_dataframe(self):
        """One row per rate: rate, jump location, delay."""
        import pandas as pd

        return pd.DataFrame({"rate": self.rates, "jump": self.jump_params,
                             "delay": self.delays})

    def __repr__(self):
        return (f"DelayScaling({self.direction!r}, fold={self.fold:.6g} "
                f"({self.fold_source}), exponent={self.exponent:.4f} ± {self.stderr:.4f}, "
                f"prefactor={self.prefactor:.4g}, {self.rates.size} rates)")


@dataclass
class HysteresisLoop(Result):
    r"""A simulated up-and-down sweep of one parameter, its jumps and its loop.

    Attributes
    ----------
    param : str
    interval : (float, float)
    observable : str
        The primary observable: jumps are detected on it.
    observables : tuple of str
        Everything recorded (aggregates, macro and context variables).
    ramp : str
        "continuous" (a ramp at ``rate``) or "staircase" (``steps`` levels of ``settle``).
    rate : float
        Parameter units per unit time (for a staircase the effective rate
        (hi − lo)/(steps · settle)).
    settle, steps, hold : float, int, float
        Level duration and count (staircase), and the hold at each end.
    population, replicates, seed
        "mean-field" or N; the number of runs; the root seed entropy (replicate i is seeded
        by ``SeedSequence(seed, spawn_key=(i,))``).
    t, param_values : ndarray (n,)
        Sample times and parameter values of the sweep.
    phase : ndarray (n,) of str
        "hold", "up" or "down" for each sample.
    values : dict of ndarray (replicates, n)
        The observables at the samples.
    jumps : list of dict
        Every jump of every replicate: ``direction`` ("up"/"down"), ``param`` (where the
        observable crossed the middle of the jump), ``from``, ``to`` (primary observable
        before and after), ``size`` (to − from), ``observable``, ``t``, ``before`` and
        ``after`` (every observable), ``replicate``, ``during_hold``.
    jump_summary : list of dict
        Per direction and order (the k-th jump of that direction in a replicate): ``mean``,
        ``sd``, ``ci`` (Student-t at ``confidence``), ``n_jumped``, ``fraction`` of the
        replicates that jumped, mean ``from``, ``to``, ``size``.
    hysteresis : bool
        A loop in at least half of the replicates.
    loops : list of dict
        The loops of the first replicate: ``up``, ``down`` (jump locations), ``width``.
    width, area : float
        Mean over replicates of the loop width (0 without hysteresis) and of the signed area
        ∮ y dp = ∫ (y_down − y_up) dp. ``widths``, ``areas`` per replicate; ``width_ci``,
        ``area_ci`` with several replicates.
    window : float
        The parameter window of the jump criterion.
    resolution : float
        The smallest loop width that counts: the window, or 1.5 levels where the
        parameter moves in levels (a staircase, a response rule), since there a reversible
        steep change shows an up- and a down-jump exactly one level apart.
    relaxation_rate : float
        λ, the slowest relaxation rate at the ends (inf: a response rule without macro
        state follows at once); ``relaxation_source`` "jacobian", "simulation" or "none".
    lag, delay_estimate : float
        ℓ = r/λ and δ̂ (see the module notes); ``rate_dominated`` the verdict.
    warnings : list of str
        What was warned about (also issued as :class:`RateWarning`).
    diagram : BifurcationDiagram or None
        Continuation of the deterministic counterpart over the interval (for the overlay).
    scaling : list of DelayScaling
        With ``rates=``: the fit of the delay after each fold against the rate.
    by_rate : list of HysteresisLoop
        With ``rates=``: one loop per rate, slowest first (this loop is the first).
    verdict : str
        The verdict in words: which jumps make the loop, or why the jumps found make none.
    status, message : int, str
        0 done, 1 done with warnings; ``message`` is the verdict and the warnings.
    """

    _not_serialised = ("t", "param_values", "phase", "values", "diagram", "by_rate")

    param: str
    interval: tuple
    observable: str
    observables: tuple
    ramp: str
    rate: float
    settle: float
    steps: int
    hold: float
    population: object
    replicates: int
    seed: object
    t: np.ndarray = field(repr=False)
    param_values: np.ndarray = field(repr=False)
    phase: np.ndarray = field(repr=False)
    values: dict = field(repr=False)
    jumps: list = field(repr=False)
    jump_summary: list = field(repr=False)
    hysteresis: bool = False
    loops: list = field(default_factory=list, repr=False)
    width: float = 0.0
    area: float = 0.0
    widths: np.ndarray = field(default=None, repr=False)
    areas: np.ndarray = field(default=None, repr=False)
    width_ci: tuple = (np.nan, np.nan)
    area_ci: tuple = (np.nan, np.nan)
    confidence: float = 0.95
    window: float = 0.0
    resolution: float = 0.0
    relaxation_rate: float = np.nan
    relaxation_source: str = "none"
    lag: float = np.nan
    delay_estimate: float = np.nan
    rate_dominated: bool = False
    warnings: list = field(default_factory=list, repr=False)
    diagram: object = field(default=None, repr=False)
    scaling: list = field(default_factory=list, repr=False)
    by_rate: list = field(default_factory=list, repr=False)
    model: str = ""
    verdict: str = ""
    status: int = 0
    message: str = ""

    # ------------------------------------------------------------------ views
    def leg(self, direction, observable=None, replicate=0):
        """(param, values) of one leg, in sweep order."""
        if direction not in ("up", "down"):
            raise ValueError(f"direction must be 'up' or 'down', got {direction!r}")
        name = self._name(observable)
        mask = self.phase == direction
        return self.param_values[mask], self.values[name][replicate, mask]

    def folds(self):
        """Parameter values of the folds of the deterministic counterpart (if continued)."""
        if self.diagram is None:
            return []
        return [p.param for p in self.diagram.folds()]

    def to_dict(self, sweep=False):
        """Strict JSON types; ``sweep=True`` adds the sampled sweep (``"sweep"``: t, the
        parameter, the phase and each observable per replicate)."""
        out = super().to_dict()
        out["folds"] = jsonable(self.folds())
        out["by_rate"] = [loop.to_dict() for loop in self.by_rate if loop is not self]
        if sweep:
            out["sweep"] = jsonable({"t": self.t, self.param: self.param_values,
                                     "phase": self.phase, **self.values})
        return out

    def to_dataframe(self):
        """The sweep, one row per replicate and sample: replicate, t, phase, param, values."""
        import pandas as pd

        n = self.t.size
        frames = []
        for r in range(self.replicates):
            data = {"replicate": np.full(n, r), "t": self.t, "phase": self.phase,
                    self.param: self.param_values}
            data.update({name: v[r] for name, v in self.values.items()})
            frames.append(pd.DataFrame(data))
        return pd.concat(frames, ignore_index=True)

    def plot(self, observable=None, *, ax=None):
        """The loop against the parameter: up-leg blue, down-leg orange, arrows for the sweep
        direction and the jumps; over the continuation branches of the deterministic
        counterpart when there is one (stable solid, unstable dashed, folds LP)."""
        from ...plotting._simulation import plot_hysteresis

        return plot_hysteresis(self, observable, ax=ax)

    def plot_delays(self, *, ax=None):
        """With ``rates=``: the delay after each fold against the rate (``scaling``)."""
        from ...plotting._simulation import plot_delay_scaling

        if not self.scaling:
            raise ValueError("plot_delays: the loop has no delay law; sweep with rates=[...]")
        return plot_delay_scaling(self.scaling, ax=ax)

    def _name(self, observable):
        name = self.observable if observable is None else observable
        if name not in self.values:
            raise KeyError(f"no observable {name!r}; the sweep recorded "
                           f"{list(self.observables)}")
        return name

    # ------------------------------------------------------------------ text
    def summary(self):
        """The sweep, the verdict, the folds, the rate check, the jumps and, with several
        rates, the loop per rate and the delay law."""
        lo, hi = self.interval
        lines = [f"swept       {self.param} from {lo:g} to {hi:g} and back",
                 f"ramp        {self._ramp_text()}, held {self.hold:.3g} at each end"]
        if self.replicates > 1:
            lines.append(f"replicates  {self.replicates} (seed {self.seed})")
        lines += self._loop_lines()
        if self.folds():
            lines.append(f"folds       {self.param} = "
                         + ", ".join(f"{f:.6g}" for f in self.folds())
                         + " (continuation of the mean field)")
        if np.isfinite(self.lag) and np.isfinite(self.delay_estimate):
            lines.append("rate check  " + ("rate-dominated" if self.rate_dominated
                                           else "quasi-static")
                         + f" (lag {self.lag:.3g}, relaxation rate "
                           f"{self.relaxation_rate:.3g}, delay estimate "
                           f"{self.delay_estimate:.3g})")
        lines += self._jumps_table()
        if len(self.by_rate) > 1:
            lines += self._by_rate_table()
        if self.scaling:
            lines += self._scaling_table()
        return "\n".join(lines)

    def _ramp_text(self):
        if self.ramp == "staircase":
            return (f"staircase of {self.steps} levels x {self.settle:g} per leg "
                    f"(effective rate {self.rate:.3g})")
        rates = sorted({self.rate, *(loop.rate for loop in self.by_rate)})
        if len(rates) > 1:
            return (f"continuous at {len(rates)} rates from {rates[0]:.3g} to "
                    f"{rates[-1]:.3g} (below: the slowest)")
        return f"continuous at rate {self.rate:.3g}"

    def _loop_lines(self):
        def value(name):
            text = f"{getattr(self, name):.6g}"
            ci = getattr(self, f"{name}_ci")
            if self.replicates > 1 and np.all(np.isfinite(ci)):
                text += (f", {self.confidence:.0%} CI [{ci[0]:.6g}, {ci[1]:.6g}] over the "
                         f"replicates")
            return text

        if self.hysteresis:
            return ["hysteresis  yes", f"width       {value('width')}",
                    f"area        {value('area')}"]
        lines = ["hysteresis  no (width 0)"]
        if self.jumps:  # say why the jumps found make no loop
            lines.append(f"            {self.verdict}")
        return lines + [f"area        {value('area')}"]

    def _jumps_table(self):
        p, y = self.param, self.observable
        if self.replicates == 1:
            heading = f"{counted(len(self.jumps), 'jump', 'jumps')} in {y}"
            if not self.jumps:
                return [heading]
            headings = ("direction", p, "from", "to", "size")
            widths = (11, *number_widths(headings[1:]))
            lines = [f"{heading}:", row(headings, widths)]
            for j in self.jumps:
                lines.append(row((j["direction"], *(f"{j[k]:.6g}" for k in
                                                    ("param", "from", "to", "size"))),
                                 widths)
                             + ("   completed during the hold" if j["during_hold"] else ""))
            return lines
        found = self.jump_summary
        heading = (f"{counted(len(found), 'jump', 'jumps')} in {y} per replicate, over "
                   f"{self.replicates} replicates")
        if not found:
            return [heading]
        headings = ("direction", f"mean {p}", f"{self.confidence:.0%} CI", "jumped",
                    "mean from", "mean to", "mean size")
        widths = (11, *number_widths(headings[1:2]), 24, 10, *number_widths(headings[4:]))
        lines = [f"{heading}:", row(headings, widths)]
        for s in found:
            ci = "[{:.4g}, {:.4g}]".format(*s["ci"]) if np.all(np.isfinite(s["ci"])) else "-"
            lines.append(row((s["direction"], f"{s['mean']:.6g}", ci,
                              f"{s['n_jumped']}/{self.replicates}",
                              *(f"{s[k]:.6g}" for k in ("from", "to", "size"))), widths)
                         + ("   completed during the hold" if s["during_hold"] else ""))
        return lines

    def _by_rate_table(self):
        p = self.param
        headings = ("rate", "width", "area", f"up-jump {p}", f"down-jump {p}")
        widths = (12, *number_widths(headings[1:]))
        lines = [f"loops at {len(self.by_rate)} rates:", row(headings, widths)]
        for loop in sorted(self.by_rate, key=lambda loop: loop.rate):
            first = {s["direction"]: f"{s['mean']:.6g}" for s in loop.jump_summary
                     if s["order"] == 0}
            lines.append(row((f"{loop.rate:.6g}", f"{loop.width:.6g}", f"{loop.area:.6g}",
                              first.get("up", "-"), first.get("down", "-")), widths))
        return lines

    def _scaling_table(self):
        headings = ("direction", f"fold {self.param}", "exponent", "stderr", "prefactor")
        widths = (11, *number_widths(headings[1:]))
        lines = ["delay after the fold ~ C rate^alpha (theory: alpha = 2/3):",
                 row(headings, widths)]
        for s in self.scaling:
            lines.append(row((s.direction, *(optional(getattr(s, k)) for k in
                                             ("fold", "exponent", "stderr", "prefactor"))),
                             widths)
                         + ("" if s.fold_source == "continuation"
                            else "   fold fitted as the slow limit"))
        return lines

    def __repr__(self):
        lo, hi = self.interval
        return (f"HysteresisLoop({self.model!r}, {self.param} in [{lo:g}, {hi:g}], "
                f"{self.ramp} rate={self.rate:.3g}, population={self.population}"
                + (f", replicates={self.replicates}" if self.replicates > 1 else "")
                + f", hysteresis={self.hysteresis}, width={self.width:.6g}, "
                  f"{counted(len(self.jumps), 'jump', 'jumps')}, status={self.status})")
