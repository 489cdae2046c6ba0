"""Schelling's segregation models: the grid before and after, the tipping sweep, and the
bounded neighbourhood's tolerance schedules with their equilibria."""

import numpy as np

import coupling as cp

ROWS = COLS = 50          # the snapshots
SIDE = 40                 # the sweep
PERIODS = 60
SEEDS = range(4)
TOLERANCES = np.round(np.arange(0.05, 0.901, 0.025), 3)

grid = cp.load("schelling", rows=ROWS, cols=COLS, tolerance=1 / 3)
run = cp.simulate(grid, t_end=PERIODS, seed=1, micro_snapshots=True)
start, end = (run.micro[i][:, 0].reshape(ROWS, COLS) for i in (0, -1))
print(f"tolerance 1/3: like-neighbour share {run['like'][0]:.3f} -> {run['like'][-1]:.3f}")


def final_segregation(model, tolerance):
    """The final like-neighbour share of every seed."""
    return [cp.simulate(model.with_parameters(tolerance=tolerance), t_end=PERIODS,
                        seed=s)["like"][-1] for s in SEEDS]


sweep = {}
for move in ("random", "nearest"):
    model = cp.load("schelling", rows=SIDE, cols=SIDE, move=move)
    third = final_segregation(model, 1 / 3)
    sweep[move] = final = np.array([final_segregation(model, t) for t in TOLERANCES])
    steepest = np.argmax(np.diff(final.mean(axis=1)))
    print(f"{move:8s} moves, {SIDE}x{SIDE}, {len(SEEDS)} seeds: at tolerance 1/3 "
          f"{np.mean(third):.3f} ± {np.std(third, ddof=1):.3f}; steepest rise from "
          f"{TOLERANCES[steepest]:.3f} to {TOLERANCES[steepest + 1]:.3f} "
          f"({final[steepest].mean():.3f} ± {final[steepest].std(ddof=1):.3f} -> "
          f"{final[steepest + 1].mean():.3f} ± {final[steepest + 1].std(ddof=1):.3f})")

bounded = cp.load("schelling", bounded=True)
with np.errstate(divide="ignore", invalid="ignore"):
    found = cp.equilibria(bounded, population="mean-field")
members = 150
for e in found:
    print(f"bounded neighbourhood: {members * e['inside_a']:5.1f} A, "
          f"{members * e['inside_b']:5.1f} B inside, eigenvalues {np.round(e.eigenvalues.real, 3)}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    colours = {"A": "#2b6cb0", "B": "#dd6b20"}
    cells = ListedColormap([colours["B"], "white", colours["A"]])
    figure, axes = plt.subplots(2, 2, figsize=(11, 10), layout="constrained")
    for ax, state, title in ((axes[0, 0], start, (f"random start (like share "
                              f"{run['like'][0]:.2f})")),
                             (axes[0, 1], end, (f"after {PERIODS} periods, tolerance 1/3 "
                              f"(like share {run['like'][-1]:.2f})"))):
        ax.imshow(state, cmap=cells, vmin=-1, vmax=1, interpolation="nearest")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 1].legend(handles=[Patch(color=colours["A"], label="group A"),
                               Patch(color=colours["B"], label="group B"),
                               Patch(facecolor="white", edgecolor="grey", label="vacant")],
                      loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)

    ax = axes[1, 0]
    for move, style in (("random", "o-"), ("nearest", "s--")):
        mean, sd = sweep[move].mean(axis=1), sweep[move].std(axis=1, ddof=1)
        ax.errorbar(TOLERANCES, mean, yerr=sd, fmt=style, ms=3, capsize=2,
                    label=f"move to a {move} vacancy" if move == "random"
                    else "move to the nearest satisfying vacancy")
    ax.axhline(0.5, color="grey", lw=0.8, ls=":", label="random start")
    ax.axvline(1 / 3, color="black", lw=0.8, ls=":", label="a third alike (Schelling)")
    ax.set_xlabel("tolerance τ: smallest like-neighbour share accepted")
    ax.set_ylabel("final mean like-neighbour share")
    ax.set_title(f"segregation against tolerance ({SIDE}x{SIDE}, {len(SEEDS)} seeds, ±1 sd)")
    ax.legend(loc="upper left", fontsize=8)

    ax = axes[1, 1]
    w = np.linspace(0, 100, 201)
    b = np.linspace(0, 50, 201)
    ax.plot(w, 2 * w * (1 - w / 100), color=colours["A"],
            label="A content: B ≤ 2 W (1 − W/100)")
    ax.plot(5 * b * (1 - b / 50), b, color=colours["B"],
            label="B content: W ≤ 5 B (1 − B/50)")
    for e in found:
        W, B = members * e["inside_a"], members * e["inside_b"]
        corner = min(W, B) < 1e-9
        ax.plot(W, B, "o", ms=9, color="black", mfc="black" if corner else "white",
                label="all one group (attracting)" if corner and W > 0 else
                ("mixed: saddle, tips either way" if not corner else None))
    ax.set_xlabel("A members inside, W (of 100)")
    ax.set_ylabel("B members inside, B (of 50)")
    ax.set_title("bounded neighbourhood: tolerance schedules and equilibria")
    ax.set_xlim(-3, 103)
    ax.set_ylim(-2, 60)
    ax.legend(loc="upper right", fontsize=8)
    figure.savefig(destination("gallery/schelling.png"), dpi=110)
