"""Synchronisation of Kuramoto oscillators: the Ott–Antonsen branch (docs/gallery/kuramoto.png).

Phases with Lorentzian natural frequencies (half-width Δ = 1) coupled with strength K. The
exact Ott–Antonsen mean field, continued in K on its invariant line ψ = 0, has the
incoherent state r = 0 losing stability at K_c = 2Δ and the synchronised branch
r = sqrt(1 - 2Δ/K); finite populations of N = 200 and 2000 oscillators with sampled
frequencies, time-averaged after a transient, sit on it within O(1/√N).

Second panel: bimodal frequencies, Lorentzians of half-width Δ = 1 at ±ω0 = ±1.5 (ω0 > Δ),
continued on the symmetric manifold z₂ = z̄₁: the incoherent state loses stability in a
Hopf point at K = 4Δ with frequency sqrt(ω0² - Δ²) (Martens et al. 2009), before the
branch point at K = 2(Δ² + ω0²)/Δ; the standing wave born there is simulated on the
reduction (its extremes of Re Z after a transient).
"""

import numpy as np

import coupling as cp

DELTA = 1.0
reduced = cp.load("kuramoto", fixed_phase=True, Delta=DELTA)
diagram = cp.continuation(reduced, "K", (0.5, 5.0))
(kc,) = {round(p.param, 9) for p in diagram.points("branch") if p.status == "converged"}
print(f"branch point (continuation): K_c = {kc:.9f}; closed form 2Δ = {2 * DELTA}")

free = cp.load("kuramoto", Delta=DELTA, K=3.0)
(synced,) = [e for e in cp.equilibria(free, quadrature="off") if e.stable]
r_star = np.hypot(synced["X_cos"], synced["X_sin"])
print(f"K = 3: r* = {r_star:.12f}, closed form {np.sqrt(1 - 2 * DELTA / 3):.12f}, "
      f"neutral directions {synced.neutral} (the phase ψ), eigenvalues "
      f"{np.round(synced.eigenvalues.real, 10)}")

couplings = np.array([1.0, 2.5, 3.0, 4.0, 5.0])
finite = {}
for N in (200, 2000):
    means = []
    for K in couplings:
        run = cp.simulate(free.with_parameters(K=K), 40, population=N, seed=3, method="RK45",
                          rtol=1e-4, atol=1e-7, n_points=201)
        r = np.hypot(run.aggregates[:, 0], run.aggregates[:, 1])
        means.append(r[run.t > 15].mean())
    finite[N] = np.array(means)
    oa = np.sqrt(np.clip(1 - 2 * DELTA / couplings, 0, None))
    print(f"N = {N}: time-averaged r {np.round(finite[N], 4)}; OA {np.round(oa, 4)}; "
          f"max |error| sqrt(N) = {np.max(np.abs(finite[N] - oa)) * np.sqrt(N):.2f}")

OMEGA0 = 1.5
bimodal = cp.load("kuramoto", fixed_phase=True, omega0=OMEGA0, Delta=DELTA)
bimodal_diagram = cp.continuation(bimodal, "K", (1.0, 8.0))
(hopf,) = bimodal_diagram.points("hopf")
(pitchfork,) = bimodal_diagram.points("branch")
print(f"bimodal ω0 = {OMEGA0}: Hopf at K = {hopf.param:.9f} (closed form 4Δ = {4 * DELTA}), "
      f"frequency {hopf.data['omega']:.9f} (sqrt(ω0² - Δ²) = "
      f"{np.sqrt(OMEGA0**2 - DELTA**2):.9f}); branch point at K = {pitchfork.param:.9f} "
      f"(2(Δ² + ω0²)/Δ = {2 * (DELTA**2 + OMEGA0**2) / DELTA})")
wave_couplings = np.array([4.05, 4.2, 4.4, 4.6])
wave_amplitude = []
for K in wave_couplings:
    run = cp.simulate(bimodal.with_parameters(K=K), 300, n_points=3001)
    wave_amplitude.append(np.abs(run.aggregates[run.t > 200, 0]).max())
wave_amplitude = np.array(wave_amplitude)
print(f"standing wave: max |Re Z| {np.round(wave_amplitude, 4)} at K = {wave_couplings}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (ax, wave_ax) = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
    diagram.plot("X_cos", ax=ax)
    for N, marker in ((200, "s"), (2000, "o")):
        ax.plot(couplings, finite[N], marker, ms=7, mfc="none", mew=1.5,
                label=f"N = {N}: time-averaged r (15 < t < 40)")
    ax.axvline(2 * DELTA, color="tab:red", lw=0.8, ls=":")
    ax.annotate("K_c = 2Δ", (2 * DELTA, 0.6), xytext=(4, 0), textcoords="offset points",
                color="tab:red")
    ax.set_ylim(-0.05, 0.9)  # the mirror branch X_cos = -r (ψ = π) lies below
    ax.set(xlabel="coupling strength K", ylabel="order parameter r (OA: X_cos on ψ = 0)",
           title="Lorentzian frequencies (Δ = 1): Ott–Antonsen branch")
    ax.legend(loc="lower right", fontsize=8)

    bimodal_diagram.plot("X_cos", ax=wave_ax)
    for sign in (1, -1):
        wave_ax.plot(wave_couplings, sign * wave_amplitude, "o", ms=6, mfc="none", mew=1.5,
                     color="tab:purple", label="standing wave: extremes of Re Z"
                     if sign > 0 else None)
    wave_ax.axvline(4 * DELTA, color="tab:red", lw=0.8, ls=":")
    wave_ax.annotate("Hopf, K = 4Δ", (4 * DELTA, 0.75), xytext=(-4, 0),
                     textcoords="offset points", ha="right", color="tab:red")
    wave_ax.set(xlabel="coupling strength K",
                ylabel="order parameter Re Z (X_cos on z₂ = z̄₁)",
                title=f"bimodal Lorentzians at ±ω0 = ±{OMEGA0} (Δ = 1): Hopf to a standing wave")
    wave_ax.legend(loc="lower left", fontsize=8)
    figure.suptitle("Kuramoto oscillators: Ott–Antonsen reductions")
    figure.savefig(destination("gallery/kuramoto.png"), dpi=110)
