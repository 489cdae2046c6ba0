"""The ecological fallacy (Robinson 1950): within every group y rises with x, yet across
the group means it falls, because the group effect moves against the groups' composition.

Runs the ``ecological-fallacy`` model (1000 units in 48 groups), estimates the slope of y on
x among individuals and across group means with ``cp.cross_level``, prints them against
their expected values and draws the gallery figure.
"""

import coupling as cp

model = cp.load("ecological-fallacy")
p = model.parameters
run = cp.simulate(model, 1, seed=7)
result = cp.cross_level(run, "x", "group", outcome="y")

lam = p["tau"] ** 2 / (p["tau"] ** 2 + p["sigma_x"] ** 2)
n, groups = result.n, result.n_groups
kappa = (n - 1) * p["tau"] ** 2 / ((n - 1) * p["tau"] ** 2 + (groups - 1) * p["sigma_x"] ** 2)
expected = {"within": p["beta_w"], "pooled": p["beta_w"] + p["gamma"] * lam,
            "ecological": p["beta_w"] + p["gamma"] * kappa}
print(result.summary())
print("expected slopes: " + ", ".join(f"{name} {value:+.4f}" for name, value in
                                      expected.items())
      + f" (ecological -> beta_w + gamma = {p['beta_w'] + p['gamma']:+.4f} for large groups)")
print("Robinson (1950): individual r = +0.118, ecological r = -0.526 over the 48 states")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5), layout="constrained")
    result.plot(ax=left)
    left.set_title(f"{n} units in {groups} groups: individual r = "
                   f"{result.correlations['individual']['estimate']:+.3f}, ecological r = "
                   f"{result.correlations['ecological']['estimate']:+.3f}", fontsize=10)
    result.plot(ax=right, units=False)
    right.set_title(f"group means (area ∝ size) and the within lines: within slope "
                    f"{result.slope('within'):+.2f}, ecological {result.slope('ecological'):+.2f}",
                    fontsize=10)
    for ax in (left, right):
        ax.set(xlabel="covariate x (e.g. being foreign-born)",
               ylabel="outcome y (e.g. illiteracy)")
    figure.suptitle("Ecological fallacy: the slope within groups reverses across group means "
                    "(Robinson 1950)")
    figure.savefig(destination("gallery/ecological-fallacy.png"), dpi=110)
