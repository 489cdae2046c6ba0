"""A bank run and its hysteresis in the fundamentals (docs/gallery/bank-run.png).

Depositors withdraw when perceived liquidity (reserves minus the strain of withdrawals)
falls below their Normal thresholds; the reserves are fed by the fundamentals f and drained
by withdrawals, on their own slower timescale. The fundamentals are swept slowly up from a
run (f = 0.3) and back down (mean field): the bank recovers only past the upper fold, and is
run on again only past the lower one. The continuation branches are overlaid.
"""

import numpy as np
from scipy import stats

import coupling as cp

model = cp.load("bank-run", fundamentals=0.3)
k = model.parameters["complementarity"] + model.parameters["drain"]
sigma = model.parameters["sigma"]
z = np.sqrt(2 * np.log(k / (sigma * np.sqrt(2 * np.pi))))
closed_form = (k * stats.norm.cdf(-z) + sigma * z, k * stats.norm.cdf(z) - sigma * z)

bounds = {"w": (0.0, 1.0), "R": (-1.0, 2.0)}
interval = (0.3, 1.25)
start = cp.equilibria(model, bounds=bounds, quadrature="off")
diagram = cp.continuation(model, "fundamentals", interval, start=start, bounds=bounds)
folds = sorted(p.param for p in diagram.folds())
loop = cp.hysteresis(model, "fundamentals", interval, rate=2e-3, diagram=diagram,
                     n_points=400)
(recovery,) = [j for j in loop.jumps if j["direction"] == "up"]
(run,) = [j for j in loop.jumps if j["direction"] == "down"]
print(f"folds (continuation): run below f = {folds[0]:.6f}, recovery above f = {folds[1]:.6f}")
print(f"folds (closed form):  {closed_form[0]:.6f}, {closed_form[1]:.6f}")
print(f"sweep at rate 2e-3: run at f = {run['param']:.4f}, recovery at f = "
      f"{recovery['param']:.4f}, loop width {loop.width:.4f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    for ax, name, label in ((left, "w", "share of deposits withdrawn w"),
                            (right, "R", "bank reserves R")):
        loop.plot(name, ax=ax)
        for f, text in zip(folds, ("run starts", "recovery")):
            ax.axvline(f, color="tab:red", lw=0.8, ls=":")
            ax.annotate(f"{text}\nf = {f:.3f}", (f, 0.5 if name == "w" else 0.25),
                        xytext=(4, 0), textcoords="offset points", color="tab:red",
                        fontsize=8)
        ax.set(xlabel="bank fundamentals f (policy lever)", ylabel=label)
    left.set_title("(a) withdrawals: a sweep of f up and back down at rate 0.002")
    right.set_title("(b) reserves along the same sweep")
    figure.savefig(destination("gallery/bank-run.png"), dpi=110)
