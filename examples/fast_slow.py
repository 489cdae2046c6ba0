"""Fast units, slow macro feedback: the full model against its slow reduction (README figure).

The slow-feedback population relaxes on ε while its macro variable drifts on 1. As ε → 0 the
units sit on the critical manifold, and the macro state follows the reduced model, jumping
at the manifold's folds: a relaxation oscillation.
"""

import coupling as cp

model = cp.load("slow-feedback", x0=0.9)                 # units start on the upper branch
slow = cp.reduce(model)                                   # x_i = tanh(J X + a_i + y)
comparison = cp.compare_timescales(model, [0.03, 0.01, 0.003, 0.001], t_end=15)
print(comparison.summary())                               # O(ε) errors, period shift ~ ε^(2/3)
diagnostics = cp.timescale_diagnostics(model, comparison.full[-1])   # at the final state
print(f"effective timescale ratio {diagnostics.ratio:.2g} (declared ε = {diagnostics.eps:g})")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    comparison.plot_phase_plane(ax=left)
    comparison.plot_errors(ax=right)
    figure.savefig(destination("timescales.png"), dpi=110)
