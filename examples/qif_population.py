"""QIF neurons and the MPR firing-rate equations: bistability and its cusp (docs/gallery/qif-population.png).

Quadratic integrate-and-fire neurons (theta form) with Lorentzian excitabilities, centre η
and half-width Δ = 1, coupled all-to-all with weight J (Montbrió, Pazó & Roxin 2015). The
exact firing-rate equations have two folds in (η, J), η = -R² - 3Δ²/(4R²),
J = 2πR + πΔ²/(2R³) (R = πτr), meeting in a cusp at η_c = -√3 Δ, J_c = (8π/3)(3/4)^{1/4}√Δ;
between them a low-rate node and a high-rate focus coexist. Second panel: at η = -5, J = 15
a current pulse I = 3 for 10 < t < 20 switches the population from the low to the high
state, where it stays after the pulse (the protocol of MPR 2015's time-series figure); a
network of N = 2000 theta neurons with sampled excitabilities follows the firing-rate
equations.
"""

import numpy as np

import coupling as cp

model = cp.load("qif-population")  # eta = -5, Delta = 1, J = 15, tau = 1
curve = cp.fold_curve(model, "eta", "J", (-12, 0), (2, 20))
(cusp,) = curve.special_points
R_c = 0.75**0.25
print(f"cusp (fold_curve): eta = {cusp.param:.10f}, J = {cusp.data['p2']:.10f}; closed form "
      f"-sqrt(3) = {-np.sqrt(3):.10f}, (8 pi/3)(3/4)^(1/4) = {8 * np.pi / 3 * R_c:.10f}")

states = sorted(cp.equilibria(model, quadrature="off"), key=lambda e: e["rate"])
for e in states:
    print(f"eta = -5, J = 15: r* = {e['rate']:.6f}, v* = {e['voltage']:.6f}, {e.stability}")

PULSE = {"I": [(10.0, 3.0), (20.0, 0.0)]}
T_END, N = 40.0, 2000
mean_field = cp.simulate(model, T_END, schedule=PULSE, n_points=801)
network = cp.simulate(model, T_END, population=N, seed=2, schedule=PULSE, method="RK45",
                      rtol=1e-4, atol=1e-7, n_points=801)


def rate(run):
    return run.context[:, run.context_names.index("rate")]


for label, t0, t1 in (("before the pulse", 5, 10), ("during", 15, 20), ("after", 30, 40)):
    window = (mean_field.t > t0) & (mean_field.t <= t1)
    print(f"{label:>16} ({t0} < t < {t1}): mean r, MPR {rate(mean_field)[window].mean():.4f}, "
          f"N = {N} {rate(network)[window].mean():.4f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (plane, series) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    curve.plot(ax=plane)
    plane.plot(-5, 15, "wo", mec="black", ms=7, label="η = -5, J = 15 (right panel)")
    plane.set(xlabel="mean excitability η", ylabel="synaptic weight J",
              title="folds of the firing-rate equations (Δ = 1) meet in a cusp")
    plane.legend(loc="upper right", fontsize=8)

    series.plot(network.t, rate(network), color="tab:blue", lw=0.9,
                label=f"network of N = {N} theta neurons")
    series.plot(mean_field.t, rate(mean_field), color="black", lw=1.6, ls="--",
                label="firing-rate equations (MPR)")
    series.axvspan(10, 20, color="0.9", label="current pulse I = 3")
    series.set(xlabel="time t (units of τ)", ylabel="firing rate r",
               title="η = -5, J = 15: a pulse switches low to high rate, which persists")
    series.legend(loc="upper right", fontsize=8)
    figure.suptitle("Quadratic integrate-and-fire population: exact mean field and bistability")
    figure.savefig(destination("gallery/qif-population.png"), dpi=110)
