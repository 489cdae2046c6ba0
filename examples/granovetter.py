"""Granovetter's riot: the critical spread of thresholds (docs/gallery/granovetter.png).

The mean field r_{t+1} = Φ((r_t - μ)/σ), μ = 0.25, continued in the spread σ: the small riot
and the tipping point meet in a fold at the critical spread σ* (Granovetter 1978: about 12.2
in a crowd of 100 with mean threshold 25). Over it, finite crowds of N units with sampled
thresholds, each started from nobody rioting: the share they end at.
"""

import numpy as np

import coupling as cp

model = cp.load("granovetter")  # mu = 0.25
diagram = cp.continuation(model, "sigma", (0.02, 0.5), ds=0.005, ds_max=0.005)
(fold,) = diagram.folds()
print(f"critical spread sigma* = {fold.param:.6f} (Granovetter 1978: 12.2 %), "
      f"riot there r = {fold.state['r']:.4f}")

spreads = np.union1d(np.linspace(0.03, 0.5, 48), np.linspace(0.1, 0.16, 31))
crowds = {}
for N in (100, 1000, 10_000):
    # the same seed for every spread: the thresholds are mu + sigma z_i with fixed z_i,
    # so each crowd has its own sharp critical spread
    crowds[N] = np.array([cp.simulate(model.with_parameters(sigma=s), t_end=N, population=N,
                                      seed=1, stop_at_equilibrium=1e-12)["r"][-1]
                          for s in spreads])
    jump = spreads[np.argmax(crowds[N] > 0.5)]
    print(f"N = {N:>6}: the riot from nobody first reaches most of the crowd at sigma = "
          f"{jump:.3f}")
ladder = cp.simulate(cp.load("granovetter", thresholds=np.arange(100) / 100), t_end=100)
changed = np.arange(100) / 100
changed[1] = 0.02
single = cp.simulate(cp.load("granovetter", thresholds=changed), t_end=100)
print(f"thresholds 0..99 of 100: final share {ladder['r'][-1]:.2f}; with 1 -> 2: "
      f"{single['r'][-1]:.2f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, ax = plt.subplots(figsize=(8, 5.5), layout="constrained")
    diagram.plot("r", ax=ax)
    for (N, shares), marker in zip(crowds.items(), ("o", "s", "^")):
        ax.plot(spreads, shares, marker, ms=4, mfc="none", alpha=0.8,
                label=f"N = {N} from r = 0 (one crowd)")
    ax.axvline(fold.param, color="tab:red", lw=0.8, ls=":")
    ax.annotate(f"critical spread σ* = {fold.param:.4f}\n(Granovetter: 12.2 %)",
                (fold.param, fold.state["r"]), xytext=(0.2, 0.35),
                textcoords="data", color="tab:red", fontsize=9,
                arrowprops={"arrowstyle": "->", "color": "tab:red"})
    ax.set(xlabel="threshold spread σ (share of the crowd)",
           ylabel="share participating r at equilibrium",
           title="Granovetter's riot: mean threshold μ = 0.25, equilibria against the spread")
    ax.legend(loc="center right", frameon=False)
    figure.savefig(destination("gallery/granovetter.png"), dpi=110)
