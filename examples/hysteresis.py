"""Hysteresis, basins and early warnings of the social-choice model (docs/hysteresis.png).

(a) A slow sweep of the field h up and back down: the population jumps just past each fold
    of the continuation branches (the overlay), and the loop between the jumps is the
    hysteresis.
(b) The delay after the fold against the sweep rate: the saddle-node law delay ~ rate^(2/3).
(c) Basin fractions of the two attractors against h, from random initial choice shares.
(d) Early warnings in a finite population of 2000 agents (taste spread σ = 0.3) pushed
    through the fold: variance and autocorrelation of m rise before the jump.
"""

import numpy as np

import coupling as cp

model = cp.load("social-choice", beta=1.0, J=2.0, sigma=0.0)
mean_field = cp.MeanField(nodes=1)

loop = cp.hysteresis(model, "h", (-1, 1), rate=0.03, population=mean_field)
scan = cp.hysteresis(model, "h", (-1, 1), rates=np.logspace(-4, -2, 4), population=mean_field)
basins = cp.attractors(model, param="h", values=np.linspace(-1, 1, 21), samples=30,
                       population=mean_field, seed=1, t_end=30)
# the catalogue's default (sigma = 0.3: fold at h = 0.160), in discrete time, h ramped past it
agents = cp.simulate(cp.load("social-choice").replace(time="discrete"), t_end=1500,
                     population=2000, seed=1, schedule={"h": cp.Ramp([(0, -0.3), (1500, 0.25)])})
warning = cp.early_warning(agents, "m", start=20, seed=1)

print(loop)
print(scan.scaling)
print(warning)

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, axes = plt.subplots(2, 2, figsize=(12, 9), layout="constrained")
    loop.plot(ax=axes[0, 0])
    axes[0, 0].set_title(f"(a) sweep of h at rate 0.03: width {loop.width:.3f}")
    rates = np.logspace(-4.2, -1.8, 50)
    for fit, marker in zip(scan.scaling, ("o", "x")):
        axes[0, 1].loglog(fit.rates, fit.delays, marker, ms=8,
                          label=f"{fit.direction} jumps: exponent {fit.exponent:.3f} "
                                f"± {fit.stderr:.3f}")
    axes[0, 1].loglog(rates, scan.scaling[0].prefactor * rates ** (2 / 3), "k--", lw=1,
                      label="rate^(2/3) (Haberman 1979)")
    axes[0, 1].set(xlabel="sweep rate", ylabel="delay of the jump after the fold",
                   title="(b) delay after the fold")
    axes[0, 1].legend(frameon=False)
    basins.plot(ax=axes[1, 0])
    axes[1, 0].set_title("(c) basin fractions of the two attractors (95% intervals)")
    warning.plot(ax=axes[1, 1])
    axes[1, 1].set_title("(d) early warnings before the jump, N = 2000 agents")
    figure.savefig(destination("hysteresis.png"), dpi=110)
