"""A shallow lake: clear and turbid states, the cusp in (a, b), and irreversibility below
b = 1/2 (docs/gallery/shallow-lake.png).

Phosphorus x is loaded by farms (mean loading a, the policy lever), lost at rate b and
recycled from the sediment as the lake turns turbid. Left: the folds in the (a, b) plane,
their cusp at (1/8, 3√3/8) and the bistable region; below b = 1/2 the lower fold lies at
a < 0. Right: the loading swept up from 0 and back to 0 at rate 2e-4 at b = 0.6 (the lake recovers)
and at b = 0.45 (it stays turbid at zero loading).
"""

import numpy as np

import coupling as cp

bounds = {"x": (-0.5, 4.0), "L": (-1.0, 1.0)}
model = cp.load("shallow-lake")
curve = cp.fold_curve(model, "a", "b", (-0.25, 0.25), (0.35, 0.75), bounds=bounds)
(cusp,) = curve.special_points
print(f"cusp: a = {cusp.param:.12f} (1/8), b = {cusp.data['p2']:.12f} "
      f"(3√3/8 = {3 * np.sqrt(3) / 8:.12f}), x = {cusp.state['x']:.8f} (1/√3 = "
      f"{1 / np.sqrt(3):.8f})")
for b in (0.49, 0.5, 0.51):
    folds = cp.continuation(model.with_parameters(b=b, a=-0.05), "a", (-0.05, 0.2),
                            bounds=bounds).folds()
    print(f"b = {b}: lower fold at a = {min(p.param for p in folds):+.6f}")

sweep, loops = (0.0, 0.2), {}
for b in (0.6, 0.45):
    lake = cp.load("shallow-lake", b=b, a=sweep[0])
    diagram = cp.continuation(lake, "a", sweep, bounds=bounds)
    loops[b] = cp.hysteresis(lake, "a", sweep, rate=2e-4, diagram=diagram, n_points=200,
                             observables=["x"], hold=20, window=0.05)
    folds = ", ".join(f"{p.param:+.4f}" for p in sorted(diagram.folds(), key=lambda p: p.param))
    jumps = ", ".join(f"{j['direction']} at a = {j['param']:.4f}" for j in loops[b].jumps)
    print(f"b = {b}: folds at a = {folds}; sweep: {jumps}; "
          f"x at a = 0 after the sweep {np.asarray(loops[b].values['x']).ravel()[-1]:.4f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, axes = plt.subplots(1, 3, figsize=(16, 4.8), layout="constrained")
    curve.plot(ax=axes[0])
    axes[0].axhline(0.5, color="tab:purple", lw=1, ls="--",
                    label="b = 1/2: lower fold at a = 0")
    axes[0].axvline(0.0, color="0.4", lw=0.8, ls=":")
    for i, b in enumerate(loops):
        axes[0].plot(sweep, (b, b), color="0.2", lw=2.5, alpha=0.5,
                     label="sweeps of (b) and (c)" if i == 0 else None)
    axes[0].set(xlabel="phosphorus loading a (policy lever)", ylabel="loss rate b",
                title="(a) folds in (a, b): cusp at (1/8, 3√3/8)")
    axes[0].legend(loc="upper left", frameon=False, fontsize=8)
    for ax, (b, loop), verdict in zip(axes[1:], loops.items(),
                                      ("hysteresis, reversible", "irreversible: turbid at a = 0")):
        loop.plot("x", ax=ax)
        ax.set(xlabel="phosphorus loading a (swept 0 → 0.2 → 0 at rate 2e-4)",
               ylabel="phosphorus in the water x", title=f"({'bc'[b < 0.5]}) b = {b}: {verdict}")
    figure.savefig(destination("gallery/shallow-lake.png"), dpi=110)
