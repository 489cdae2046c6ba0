"""Spruce budworm outbreaks: the fold curves and cusp in (k, r), and a hysteresis loop in r
(docs/gallery/budworm.png).

Budworm x grows logistically (rate r, carrying capacity k) and is eaten by birds with a
Holling type III response. Left: the folds of the homogeneous mean field in the (k, r)
plane, which meet in a cusp at (3√3, 3√3/8) and bound the bistable wedge (refuge and
outbreak), with where the cusp moves when the birds' half-saturations spread (σ). Right:
r swept slowly up and down at k = 10: the outbreak starts past the upper fold and ends only
past the lower one.
"""

import numpy as np

import coupling as cp

bounds = {"x": (1e-6, 45.0), "P": (0.0, 1.0)}  # x > 0: the extinct state x = 0 left out
model = cp.load("budworm", r=0.55, k=10.0)
curve = cp.fold_curve(model, "k", "r", (1.0, 30.0), (0.05, 0.8), bounds=bounds, ds_max=0.2)
(cusp,) = [p for p in curve.special_points if p.kind == "cusp"]
print(f"cusp: k = {cusp.param:.12f} (3√3 = {3 * np.sqrt(3):.12f}), r = {cusp.data['p2']:.12f}"
      f" (3√3/8 = {3 * np.sqrt(3) / 8:.12f}), x = {cusp.state['x']:.8f}")

spreads = (0.2, 0.4, 0.6)
moved = []
for sigma in spreads:
    spread = cp.fold_curve(cp.load("budworm", sigma=sigma, k=6.0), "k", "r", (4.0, 7.0),
                           (0.5, 0.7), bounds=bounds, population=cp.MeanField(nodes=16),
                           shade=False)
    point = next(p for p in spread.special_points if p.kind == "cusp"
                 and p.status == "converged")
    moved.append((point.param, point.data["p2"]))
    print(f"sigma = {sigma}: cusp at k = {point.param:.6f}, r = {point.data['p2']:.6f}, "
          f"x = {point.state['x']:.6f}")

K, sweep = 10.0, (0.28, 0.66)
start = cp.load("budworm", r=sweep[0], k=K)
diagram = cp.continuation(start, "r", sweep, bounds=bounds)
folds = sorted(p.param for p in diagram.folds())
loop = cp.hysteresis(start, "r", sweep, rate=1e-3, diagram=diagram, n_points=200,
                     observables=["x"], hold=20, rtol=1e-5)
jumps = {j["direction"]: j["param"] for j in loop.jumps}
print(f"k = {K}: folds at r = {folds[0]:.6f} (collapse), {folds[1]:.6f} (outbreak); "
      f"sweep at rate 1e-3 jumps up at r = {jumps['up']:.4f}, down at {jumps['down']:.4f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
    curve.plot(ax=left)
    left.plot(*np.array(moved).T, "o-", color="tab:green", ms=4,
              label="cusp for spread σ = 0.2, 0.4, 0.6")
    left.axvline(K, color="0.3", lw=0.8, ls="--", label=f"sweep of the right panel (k = {K:g})")
    left.set(xlabel="carrying capacity k", ylabel="growth rate r",
             title="(a) folds in (k, r), cusp at (3√3, 3√3/8); shading: positive equilibria")
    left.legend(loc="upper right", frameon=False, fontsize=8)
    loop.plot("x", ax=right)
    for r, text in zip(folds, ("collapse", "outbreak")):
        right.axvline(r, color="tab:red", lw=0.8, ls=":")
        right.annotate(f"{text} fold\nr = {r:.3f}", (r, 5.5), xytext=(4, 0),
                       textcoords="offset points", color="tab:red", fontsize=8)
    right.set(xlabel="growth rate r", ylabel="budworm density x",
              title=f"(b) r swept up and down at rate 0.001, k = {K:g}")
    figure.savefig(destination("gallery/budworm.png"), dpi=110)
