"""A fishery's collapse and its hysteresis in the tax on fishing (docs/gallery/fishery.png).

Fishers with Normal costs fish by logit on the profit p q s - c - T; the stock grows
logistically, is caught and is eaten by a saturating predator. The tax T is swept slowly
down from a healthy fishery and back up (mean field): the stock collapses just below the
collapse fold T_c and recovers only past the recovery fold T_r. Right: a tax cut collapses
the stock; restoring the old tax fails, a tax above T_r restores it.
"""

import coupling as cp

bounds = {"s": (0.005, 1.0), "f": (0.0, 1.0)}
interval = (-0.1, 0.45)
start = cp.load("fishery", tax=interval[1])
diagram = cp.continuation(start, "tax", interval, bounds=bounds,
                          start=cp.equilibria(start, bounds=bounds, quadrature="off"))
collapse, recovery = sorted(p.param for p in diagram.special_points)
loop = cp.hysteresis(cp.load("fishery", tax=interval[0]), "tax", interval, rate=1e-3,
                     diagram=diagram, observables=["s"], n_points=400, window=0.05)
(up,) = [j for j in loop.jumps if j["direction"] == "up"]
(down,) = [j for j in loop.jumps if j["direction"] == "down"]
print(f"folds (continuation): collapse below T = {collapse:.6f}, recovery above "
      f"T = {recovery:.6f}")
print(f"sweep at rate 1e-3: collapse at T = {down['param']:.4f}, recovery at "
      f"T = {up['param']:.4f}, loop width {loop.width:.4f}")

model = cp.load("fishery")  # tax 0.2, from the high stock
high = cp.equilibria(model, bounds={"s": (0.01, 0.5), "f": (0.2, 0.6)}, quadrature="off")[-1]
cut = {"tax": [(20, 0.0), (60, 0.2)]}            # a tax cut, then the old tax again
strong = {"tax": [(20, 0.0), (60, 0.35)]}        # a tax cut, then a tax above T_r
runs = {"restore T = 0.2 (fails)": cp.simulate(model, 140, schedule=cut, initial=high,
                                                      n_points=701),
        "raise to T = 0.35 (recovers)": cp.simulate(model, 140, schedule=strong, initial=high,
                                                    n_points=701)}
for label, run in runs.items():
    print(f"{label}: stock {run['s'][run.t <= 20][-1]:.3f} -> {run['s'][run.t <= 60][-1]:.3f}"
          f" -> {run['s'][-1]:.3f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    loop.plot("s", ax=left)
    for value, text, side in ((collapse, "collapse fold", 1), (recovery, "recovery fold", -1)):
        left.axvline(value, color="tab:red", lw=0.8, ls=":")
        left.annotate(f"{text}\nT = {value:.3f}", (value, 0.46), xytext=(4 * side, 0),
                      textcoords="offset points", color="tab:red", fontsize=8,
                      ha="left" if side > 0 else "right")
    left.set(xlabel="tax on fishing effort T (policy lever)", ylabel="fish stock s / K")
    left.set_title("(a) stock along a sweep of the tax at rate 0.001, with the equilibria")
    for (label, run), color in zip(runs.items(), ("tab:red", "tab:green")):
        right.plot(run.t, run["s"], color=color, label=label)
    right.axvspan(20, 60, color="0.9", label="tax cut to T = 0")
    right.set(xlabel="time (1/growth rate)", ylabel="fish stock s / K", ylim=(0, 0.5))
    right.set_title("(b) collapse after a tax cut; recovery needs T > T_r")
    right.legend(loc="upper left", fontsize=8)
    figure.savefig(destination("gallery/fishery.png"), dpi=110)
