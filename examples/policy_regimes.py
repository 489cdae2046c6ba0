"""A Phillips curve estimated under one monetary rule, tested after a switch to another
(README figure): the Lucas critique, with the structural model's prediction alongside."""

import coupling as cp

model = cp.load("phillips-curve")                     # forecasters under the rule's persistence rho
result = cp.regime_break(model, {"rho": 0.2}, {"rho": 0.9}, switch_at=300,
                         reduced_form="u ~ inflation", seed=1)
print(result.summary())                               # slope -1.9 under A, -0.41 under B

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    from _figures import destination

    axes = result.plot()
    axes[0].figure.savefig(destination("regime.png"), dpi=100)
