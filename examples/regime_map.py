"""Regime maps: the (h, J) plane of social-choice (multistability between two fold curves
meeting at the cusp) and the (c, J) plane of slow-feedback (oscillation between two Hopf
curves), each cell classified by its stable equilibria, the curves traced by continuation.
Both sweeps run on all local cores (about 1.5 min on two)."""

import numpy as np

import coupling as cp

if __name__ == "__main__":  # the sweeps start worker processes
    choice = cp.regime_map(cp.load("social-choice", sigma=0.0), ("h", -1.0, 1.0, 25),
                           ("J", 0.5, 2.0, 16))
    feedback = cp.regime_map(cp.load("slow-feedback", sigma=0.0, eps=0.05),
                             ("c", -0.5, 0.5, 21), ("J", 1.2, 2.6, 8),
                             population=cp.MeanField(1))
    print(choice.summary(), feedback.summary(), sep="\n")
    x_h = np.sqrt(1 - (1 + 0.2 * 0.05) / 2.0)  # slow-feedback's Hopf point at J = 2
    print(f"Hopf at J = 2: c_H = {0.5 * x_h + 0.2 * (np.arctanh(x_h) - 2 * x_h):.6f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    choice.plot(ax=left)
    feedback.plot(ax=right)
    figure.savefig(destination("regime_map.png"), dpi=110)
