"""The evolution of cooperation: ALLC, ALLD and TFT under imitation (docs/gallery/cooperation.png).

(a) Continuation in the continuation probability w on the TFT–ALLD edge: all-TFT turns
    stable at the branch point w_c = (T − R)/(T − P) = 1/2 (Axelrod 1984, Proposition 2),
    where the basin boundary x* enters the edge; the closed form of x* overlaid.
(b) At w = 0.75 (x* = 0.2 TFT): runs started below and above x* end in all-ALLD and
    all-TFT, in the mean field and for N = 2000 imitating units (4 runs each).
(c) The strategy simplex: replicator trajectories (mean field) from a grid of starts,
    coloured by outcome; x* is a saddle whose stable manifold bounds the basin of ALLD.
"""

import numpy as np

import coupling as cp

T, R, P, S, w = 5.0, 3.0, 1.0, 0.0, 0.75
edge = cp.load("cooperation", strategies=("ALLD", "TFT"))
diagram = cp.continuation(edge, "w", (0.3, 0.95), bounds={"share_ALLD": (0.0, 1.0)})
(branch_point,) = [p for p in diagram.special_points if p.status == "converged"]
found = cp.equilibria(edge)
x_star = 1 - found[1]["share_ALLD"]
closed_form = (P - S) * (1 - w) / ((P - S) * (1 - w) + w * (T - P) - (T - R))

full = cp.load("cooperation")
exact = {"method": "RK45", "atol": 1e-13}  # shares near extinction stay >= 0
sides = {}
N, replicates = 2000, 4
for label, x in (("below", x_star - 0.06), ("above", x_star + 0.06)):
    start = {"strategy": np.array([0.0, 1 - x, x])}
    agents_start = {"strategy": np.repeat([1, 2], [round(N * (1 - x)), round(N * x)])}
    sides[label] = (x, cp.simulate(full, t_end=150, initial=start, **exact),
                    [cp.simulate(full, t_end=150, population=N, seed=seed, dt=0.05,
                                 initial=agents_start) for seed in range(replicates)])

starts = [(c, d) for c in np.linspace(0.1, 0.8, 4) for d in np.linspace(0.1, 0.85, 6)
          if c + d < 0.95]
paths = [cp.simulate(full, t_end=300, n_points=301,
                     initial={"strategy": np.array([c, d, 1 - c - d])}, **exact)
         for c, d in starts]

print(f"branch point (all-TFT turns stable) at w = {branch_point.param:.10f}; "
      f"(T - R)/(T - P) = {(T - R) / (T - P):.10f}")
print(f"basin boundary at w = {w}: x* = {x_star:.12f} (closed form {closed_form:.12f}), "
      f"eigenvalue {found[1].eigenvalues[0].real:+.4f}")
for label, (x, mf, ag) in sides.items():
    finite = ", ".join(f"{run['x_TFT'][-1]:.3f}" for run in ag)
    print(f"start {label} x* (x_TFT = {x:.2f}): x_TFT(150) = {mf['x_TFT'][-1]:.4f} (mean "
          f"field), {finite} ({replicates} runs, N = {N})")


def ternary(run):
    """(x, y) of the shares: ALLD at (0, 0), TFT at (1, 0), ALLC at the apex."""
    return run["x_TFT"] + 0.5 * run["x_ALLC"], np.sqrt(3) / 2 * run["x_ALLC"]


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.9), layout="constrained")
    diagram.plot("share_ALLD", ax=axes[0])
    ws = np.linspace(0.5, 0.95, 200)
    x_line = (P - S) * (1 - ws) / ((P - S) * (1 - ws) + ws * (T - P) - (T - R))
    axes[0].plot(ws, 1 - x_line, ":", color="tab:red", lw=2, label="closed form 1 − x*(w)")
    axes[0].set(xlabel="continuation probability w",
                ylabel="ALLD share at rest (TFT–ALLD edge)",
                title=f"(a) TFT resists ALLD for w > (T−R)/(T−P) = {branch_point.param:.3f}")
    axes[0].legend(loc="center right", frameon=False, fontsize=8)

    colors = {"below": "tab:red", "above": "tab:blue"}
    for label, (x, mf, ag) in sides.items():
        axes[1].plot(mf.t, mf["x_TFT"], color=colors[label], lw=1.8,
                     label=f"start x_TFT = {x:.2f} (mean field)")
        for i, run in enumerate(ag):
            axes[1].plot(run.t, run["x_TFT"], color=colors[label], lw=0.7, alpha=0.5,
                         label=f"{replicates} runs of N = {N}" if i == 0 else None)
    axes[1].axhline(x_star, color="gray", ls="--", lw=1,
                    label=f"basin boundary x* = {x_star:.2f}")
    axes[1].set(xlabel="time (mean revision intervals)", ylabel="TFT share",
                ylim=(-0.02, 1.02), title=f"(b) either side of x* at w = {w}")
    axes[1].legend(loc="center right", frameon=False, fontsize=8)

    ax = axes[2]
    ax.plot([0, 1, 0.5, 0], [0, 0, np.sqrt(3) / 2, 0], color="black", lw=1)
    for run in paths:
        outcome = "tab:red" if run["x_ALLD"][-1] > 0.5 else "tab:blue"
        x, y = ternary(run)
        ax.plot(x, y, color=outcome, lw=0.9, alpha=0.8)
        ax.plot(x[0], y[0], "o", color=outcome, ms=3)
    ax.plot(x_star, 0, "o", color="white", mec="black", ms=8, zorder=3)
    ax.annotate("saddle x*", (x_star, 0), xytext=(0, -14), textcoords="offset points",
                ha="center", fontsize=8)
    for name, (x, y), offset in (("ALLD", (0, 0), (-10, -12)), ("TFT", (1, 0), (10, -12)),
                                 ("ALLC", (0.5, np.sqrt(3) / 2), (0, 6))):
        ax.annotate(name, (x, y), xytext=offset, textcoords="offset points", ha="center")
    ax.plot([], [], color="tab:red", label="to all-ALLD")
    ax.plot([], [], color="tab:blue", label="to the ALLC–TFT edge (neutral)")
    ax.set(aspect="equal", xlim=(-0.1, 1.1), ylim=(-0.12, 0.95),
           title="(c) replicator trajectories on the simplex")
    ax.axis("off")
    ax.legend(loc="upper right", frameon=False, fontsize=8)
    figure.savefig(destination("gallery/cooperation.png"), dpi=110)
