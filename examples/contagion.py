"""Complex contagion (Centola & Macy 2007): clustered lattice against random ties.

(a) Adoption over time from a seed of adjacent adopters on a ring lattice (N = 400, k = 4)
and on its degree-preserving random rewiring, for a simple (θ = 1) and a complex (θ = 2)
contagion. (b) Final adoption against the fraction of rewired ties. (c) Final adoption
against a random seed share: runs on random 4-regular graphs and on the lattice against the
binomial tree approximation (critical seed share 1/9) and the homogeneous mean field.
"""

import numpy as np
from coupling.models import contagion

import coupling as cp

N, K, REPLICATES = 400, 4, 5
lattice = cp.load("contagion", n=N, k=K)
random_ties = cp.rewire(lattice.network, 1.0, seed=1)


def run(model, network=None, seeds="neighbourhood", seed=0, t_end=600, stop=True):
    """A run from the seed adopters, with ``stop`` until no unit changes in a period."""
    model = model if network is None else model.replace(network=network)
    initial = {"x": contagion.seed_adopters(model.network, seeds, seed=seed)}
    return cp.simulate(model, t_end=t_end, initial=initial,
                       stop_at_equilibrium=0.5 if stop else None)


def saturation(path):
    full = np.flatnonzero(path["adoption"] >= 1)
    return int(path.t[full[0]]) if full.size else None


# (a) simple and complex contagion on the two networks
series = {}
for threshold, kind in [(1, "simple"), (2, "complex")]:
    model = lattice.with_parameters(threshold=threshold)
    for name, network in [("ring lattice", None), ("random (rewired)", random_ties)]:
        path = run(model, network, t_end=210, stop=False)
        series[kind, name] = path
        print(f"{kind:7s} θ = {threshold} on the {name:16s}: final adoption "
              f"{path['adoption'][-1]:.4f}, saturated at t = {saturation(path)}")

# (b) final adoption against the rewired fraction
fractions = np.array([0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0])
sweep = {}
for k, threshold in [(4, 1), (4, 2), (6, 2), (6, 3)]:
    model = cp.load("contagion", n=N, k=k, threshold=threshold)
    sweep[k, threshold] = np.array([
        np.mean([run(model, cp.rewire(model.network, p, seed=s))["adoption"][-1]
                 for s in range(REPLICATES)]) for p in fractions])
    print(f"k = {k}, θ = {threshold}: final adoption", np.round(sweep[k, threshold], 3))
r = (1 - fractions[1:]) ** 2
front_estimate = np.minimum(1, (K + 1 + 2 * r / (1 - r)) / N)

# (c) seed share: tree approximation, homogeneous mean field, random graphs, lattice
n_large = 1000
binomial = cp.load("contagion", approximation="binomial", k=K)
fold = cp.continuation(binomial, "seed_share", (0.02, 0.2)).folds()[0].param
shares = np.linspace(0.01, 0.2, 39)
tree = [cp.simulate(binomial.with_parameters(seed_share=a), t_end=300)["adoption"][-1]
        for a in shares]
homogeneous = cp.load("contagion", approximation="homogeneous", k=K)
mean_field = [cp.simulate(homogeneous.with_parameters(seed_share=a), t_end=5)["adoption"][-1]
              for a in shares]
large = cp.load("contagion", n=n_large, k=K)
regular = cp.rewire(large.network, 1.0, seed=2)
points = shares[::3]
on_random = [run(large, regular, seeds=a, seed=3)["adoption"][-1] for a in points]
on_lattice = [run(large, seeds=a, seed=3)["adoption"][-1] for a in points]
print(f"critical seed share of the tree approximation: {fold:.10f} (closed form 1/9)")
print("seed share a0:      ", np.round(points, 3))
print("tree approximation: ", np.round(np.interp(points, shares, tree), 4))
print("random 4-regular:   ", np.round(on_random, 4))
print("ring lattice:       ", np.round(on_lattice, 4))

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    ax = axes[0]
    styles = {"ring lattice": "-", "random (rewired)": "--"}
    colours = {"simple": "tab:blue", "complex": "tab:red"}
    for (kind, name), path in series.items():
        path.plot(["adoption"], ax=ax, label=f"{kind} (θ = {1 if kind == 'simple' else 2}), "
                  f"{name}", color=colours[kind], linestyle=styles[name])
    ax.set_xlabel("period t")
    ax.set_ylabel("adoption share")
    ax.set_title(f"(a) seed: one unit and its {K} neighbours, N = {N}, k = {K}")
    ax.legend(loc="center right", fontsize=8)

    ax = axes[1]
    shown = np.where(fractions == 0, 3e-4, fractions)
    for (k, threshold), finals in sweep.items():
        ax.plot(shown, finals, "o-", label=f"k = {k}, θ = {threshold}")
    ax.plot(shown[1:], front_estimate, "k:", label="k = 4, θ = 2: front survival (1 - p)²")
    ax.set_xscale("log")
    ax.set_xticks(shown, ["0"] + [f"{p:g}" for p in fractions[1:]])
    ax.axvline(1 / N, color="grey", lw=0.8)
    ax.set_xlabel("fraction p of ties rewired (degree-preserving); grey: p = 1/N")
    ax.set_ylabel(f"final adoption share (mean of {REPLICATES} networks)")
    ax.set_title("(b) long ties help simple and block complex contagion")
    ax.legend(fontsize=8)

    ax = axes[2]
    ax.plot(shares, tree, "k-", label="binomial tree approximation")
    ax.plot(shares, mean_field, color="tab:grey", ls="--", label="homogeneous mean field")
    ax.plot(points, on_random, "o", color="tab:orange", label="random 4-regular graph")
    ax.plot(points, on_lattice, "s", color="tab:green", label="ring lattice (clustered)")
    ax.axvline(fold, color="k", lw=0.8, ls=":")
    ax.annotate(f"critical seed share\n1/9 = {fold:.4f}", (fold, 0.6), xytext=(-6, 0),
                textcoords="offset points", fontsize=8, ha="right")
    ax.set_xlabel("random seed share a₀")
    ax.set_ylabel("final adoption share")
    ax.set_title(f"(c) θ = 2, k = {K}, N = {n_large}: mean field against networks")
    ax.legend(fontsize=8, loc="center right")
    figure.suptitle("Complex contagions and the weakness of long ties (Centola & Macy 2007)")
    figure.savefig(destination("gallery/contagion.png"), dpi=110)
