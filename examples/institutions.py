"""High- and low-trust institutions and hysteresis in enforcement (docs/gallery/institutions.png).

(a) A slow sweep of the enforcement budget up and back down (mean field), over the
    continuation branches of institutional strength S: the low-trust state survives up to
    the fold at b = 3.23, the high-trust state down to the fold at b = 1.80.
(b) Restoring trust from the low-trust state at the default budget 2.5: a temporary boost
    of the budget to 4.0 past the upper fold flips the institution for good, in the mean
    field and in a finite population of 2000 individuals.
"""

import coupling as cp

model = cp.load("institutions")
nodes = cp.MeanField(nodes=24)
box = {"c": (0.0, 1.0), "S": (0.0, 1.0)}

found = cp.equilibria(model, population=nodes, bounds=box)
diagram = cp.continuation(model, "budget", (1.0, 4.0), start=[found[0]], population=nodes,
                          bounds=box)
keep, restore = sorted(point.param for point in diagram.folds())
loop = cp.hysteresis(model, "budget", (1.0, 4.0), rate=2e-3, hold=40, population=nodes,
                     diagram=diagram, n_points=400, observables=["S", "c"])
jumps = {j["direction"]: j["param"] for j in loop.jumps}

boost = {"budget": [(50, 4.0), (200, 2.5)]}
low_trust = {"S": found[0]["S"], "comply": 0}
mean_field = cp.simulate(model, t_end=350, population=nodes, schedule=boost,
                         initial={"S": found[0]["S"]})
agents = cp.simulate(model, t_end=350, population=2000, seed=1, schedule=boost, dt=0.05,
                     initial=low_trust)

print("equilibria at budget 2.5:", [(round(e["S"], 4), e.stable) for e in found])
print(f"folds: high trust lost below b = {keep:.4f}, low trust escaped above b = {restore:.4f}")
print(f"sweep at rate 2e-3: up-jump at b = {jumps['up']:.4f}, down-jump at "
      f"b = {jumps['down']:.4f}, loop width {loop.width:.3f}")
print(f"after the boost: S = {mean_field['S'][-1]:.4f} (mean field), "
      f"{agents['S'][-1]:.4f} (N = 2000)")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    loop.plot("S", ax=left)
    for b, text, y, side in ((keep, "keeping trust needs", 0.15, "left"),
                             (restore, "restoring it needs", 0.75, "right")):
        left.axvline(b, color="gray", lw=0.8, ls=":")
        left.annotate(f"{text}\nb > {b:.2f}", (b, y), xytext=(4 if side == "left" else -4, 0),
                      textcoords="offset points", fontsize=8, color="dimgray", ha=side)
    left.set(xlabel="enforcement budget b (policy lever)",
             ylabel="institutional strength S",
             title=f"(a) hysteresis in enforcement: sweep at rate 0.002 over the equilibria\n"
                   f"jumps at b = {jumps['up']:.2f} (up) and {jumps['down']:.2f} (down)")
    left.title.set_fontsize(10)
    right.plot(mean_field.t, mean_field["S"], color="black", lw=1.6,
               label="institutional strength S (mean field)")
    right.plot(agents.t, agents["S"], color="tab:blue", lw=1.0,
               label="institutional strength S (N = 2000)")
    right.plot(agents.t, agents["c"], color="tab:blue", lw=0.6, alpha=0.4,
               label="compliance share c (N = 2000)")
    budget = right.twinx()
    budget.plot(mean_field.t, mean_field["budget"], color="tab:red", lw=1.0, ls="--")
    budget.set_ylabel("enforcement budget b", color="tab:red")
    budget.set_ylim(0, 4.5)
    right.set(xlabel="time", ylabel="share / strength", ylim=(-0.02, 1.05),
              title="(b) restoring trust: a temporary budget boost past the fold\n"
                    "flips the low-trust state for good (budget dashed, right axis)")
    right.title.set_fontsize(10)
    right.legend(loc="lower right", frameon=False, fontsize=8)
    figure.savefig(destination("gallery/institutions.png"), dpi=110)
