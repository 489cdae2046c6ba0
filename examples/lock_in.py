"""Lock-in by historical events: Pólya urns freezing at Beta-distributed shares, and Arthur's
adoption race absorbed at the lock-in barriers (gallery figure lock-in.png)."""

import numpy as np
from scipy import stats

import coupling as cp

a, b = 2.0, 1.0
urn = cp.load("lock-in", kind="polya", a=a, b=b, population=1000)
paths = [cp.simulate(urn, 1000, seed=seed) for seed in range(30)]
short = urn.replace(population=200)
limits = np.array([cp.simulate(short, 200, seed=100 + seed, t_eval=[200])["share_A"][-1]
                   for seed in range(400)])
ks = stats.kstest(limits, stats.beta(a, b).cdf)
print(f"Polya urn a={a:g}, b={b:g}: limit share mean {limits.mean():.4f} "
      f"(Beta mean {a / (a + b):.4f}), variance {limits.var(ddof=1):.4f} "
      f"(beta-binomial at n=200: {a * b * (a + b + 200) / ((a + b)**2 * (a + b + 1) * 200):.4f})"
      f", KS p-value {ks.pvalue:.3f}")

p, a_R, b_R, r = 0.6, 1.0, 0.5, 0.2                        # Δ = 2.5: barriers at ±3
race = cp.load("lock-in", kind="arthur", p=p, a_R=a_R, b_R=b_R, r=r, population=60)
m = int(np.floor((a_R - b_R) / r)) + 1
races = [cp.simulate(race, 60, seed=seed) for seed in range(400)]
to_a = np.mean([run["lead"][-1] > 0 for run in races])
expected = 1 / (1 + ((1 - p) / p) ** m)
print(f"Arthur p={p:g}, Δ={(a_R - b_R) / r:g}: lock-in to A in {to_a:.3f} of 400 runs, "
      f"gambler's ruin {expected:.3f} (± {np.sqrt(expected * (1 - expected) / 400):.3f})")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination
    from matplotlib.lines import Line2D

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.5), layout="constrained")
    for run in paths:
        run.plot(["share_A"], ax=left, color="tab:blue", lw=0.8, alpha=0.6)
    left.set_xscale("log")
    left.set_xlim(1, 1000)
    left.set_ylim(0, 1)
    left.set_xlabel("adopters n (log scale)")
    left.set_ylabel("share of technology A")
    left.set_title(f"30 Pólya urns (a = {a:g}, b = {b:g}):\npaths fan out, then freeze")
    left.legend(handles=[Line2D([], [], color="tab:blue", lw=0.8, label="share of A, one urn")],
                loc="lower right", frameon=False)

    grid = np.linspace(0, 1, 201)
    middle.hist(limits, bins=20, range=(0, 1), density=True, color="tab:blue", alpha=0.5,
                label="share after 200 adopters, 400 urns")
    middle.plot(grid, stats.beta(a, b).pdf(grid), color="k", lw=1.5,
                label=f"Beta({a:g}, {b:g}) density")
    middle.set_xlabel("limit share of A")
    middle.set_ylabel("density")
    middle.set_title(f"Limit shares against Beta({a:g}, {b:g})\n(Kolmogorov–Smirnov p = {ks.pvalue:.2f})")
    middle.legend(loc="upper left", frameon=False)

    for run in races[:25]:
        color = "tab:red" if run["lead"][-1] > 0 else "tab:green"
        run.plot(["lead"], ax=right, color=color, lw=0.9, alpha=0.6, drawstyle="steps-post")
    for side in (-m, m):
        right.axhline(side, color="k", ls="--", lw=1)
    right.set_ylim(-15, 15)
    right.set_xlim(0, 40)
    right.set_xlabel("adopters n")
    right.set_ylabel("lead of A, n_A − n_B")
    right.set_title(f"Arthur's race (p = {p:g}, Δ = {(a_R - b_R) / r:g}): absorbed at ±{m};\n"
                    f"A wins in {to_a:.2f} of 400 runs (gambler's ruin {expected:.2f})")
    right.legend(handles=[Line2D([], [], color="tab:red", label="locks in to A"),
                          Line2D([], [], color="tab:green", label="locks in to B"),
                          Line2D([], [], color="k", ls="--", label=f"lock-in barriers ±{m}")],
                 loc="upper left", framealpha=0.95)
    figure.savefig(destination("gallery/lock-in.png"), dpi=110)
