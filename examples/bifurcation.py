"""Equilibria, continuation and fold curves of the social-choice model (README figures)."""

import coupling as cp

model = cp.load("social-choice", beta=1.0, J=1.5, sigma=0.3)
found = cp.equilibria(model)                              # all equilibria at h = 0
diagram = cp.continuation(model, "h", (-1, 1))            # m against the policy lever h
folds = [point.param for point in diagram.folds()]        # the hysteresis loop's edges
curve = cp.fold_curve(model, "h", "sigma", (-0.6, 0.6), (0.0, 1.2))  # heterogeneity vs h
print([(round(e["m"], 4), e.stable) for e in found], folds, curve.special_points)

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    diagram.plot("m", ax=left)
    curve.plot(ax=right)
    figure.savefig(destination("bifurcation.png"), dpi=110)
