"""Stop-and-go waves on a ring road (optimal-velocity model, docs/gallery/traffic.png).

(a) 50 cars at sensitivity a = 1, below the critical a_c = 2V'(b)cos²(π/N) ≈ 1.99: a 0.1
nudge of one car grows into jams that travel backwards against the traffic. (b) The
flow-density diagram: uniform flow q = ρ V(1/ρ) and the time-averaged flow of the jammed
rings (20 cars, a = 1): inside the unstable band it lies on the chord between the jam and
the free flow, below the uniform curve where V is concave (b > 2, low density) and above it
where V is convex (b < 2). (c) Continuation of uniform flow in a (12 cars): a pair of
eigenvalues of the travelling mode m crosses the imaginary axis at a = 2V'(b)cos²(πm/N),
first m = 1 at a_c.
"""

import sys
from pathlib import Path

import numpy as np

import coupling as cp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))
import traffic

# (a) a jam forming on a ring of 50 cars
CARS, A, DURATION = 50, 1.0, 400.0
jam = cp.simulate(cp.load("traffic", n=CARS, a=A, perturbation=0.1), DURATION, n_points=401,
                  micro_snapshots=True)
speeds = np.asarray(jam.micro)[:, :, 1]  # (time, car)
print(f"N = {CARS}, a = {A} < a_c = {traffic.critical_sensitivity(2.0, CARS):.4f}: final "
      f"speeds from {speeds[-1].min():.3f} to {speeds[-1].max():.3f} "
      f"(uniform flow V(b) = {traffic.optimal_velocity(2.0):.3f})")

# (b) flow-density: uniform flow and the jammed flows of 20 cars, averaged over 200 < t < 400
RING = 20
headways = np.array([1.0, 1.3, 1.6, 2.0, 2.3, 2.6, 3.2])
jammed = []
for b in headways:
    run = cp.simulate(cp.load("traffic", n=RING, a=A, b=b), 400.0, n_points=201)
    jammed.append(np.mean(np.asarray(run["flow"])[100:]))
jammed = np.array(jammed)
for b, q in zip(headways, jammed):
    print(f"density {1 / b:.3f}: uniform flow {traffic.optimal_velocity(b) / b:.4f}, "
          f"simulated {q:.4f}")

# (c) continuation of uniform flow in a on a ring of 12 cars
SMALL = 12
diagram = cp.continuation(cp.load("traffic", n=SMALL, a=1.5), "a", (1.3, 2.6))
hopfs = sorted((p for p in diagram.special_points if p.kind == "hopf"), key=lambda p: -p.param)
a_c = traffic.critical_sensitivity(2.0, SMALL)
for m, hopf in enumerate(hopfs, start=1):
    closed = 2 * np.cos(np.pi * m / SMALL) ** 2  # V'(2) = 1
    print(f"Hopf point of mode m = {m} at a = {hopf.param:.8f} (closed form {closed:.8f}), "
          f"frequency {hopf.data['omega']:.6f} (sin(2πm/N) = "
          f"{np.sin(2 * np.pi * m / SMALL):.6f})")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.6), layout="constrained",
                                                 width_ratios=(1.2, 1, 1))
    image = left.imshow(speeds, aspect="auto", origin="lower", cmap="RdYlGn",
                        extent=(-0.5, CARS - 0.5, 0, DURATION), vmin=0, vmax=2)
    figure.colorbar(image, ax=left, label="speed v_i")
    left.set(xlabel="car index i (car i + 1 drives ahead)", ylabel="time t",
             title=f"(a) stop-and-go waves: {CARS} cars, a = {A} < a_c = "
                   f"{traffic.critical_sensitivity(2.0, CARS):.2f}")

    rho = np.linspace(0.15, 1.6, 300)
    uniform = rho * traffic.optimal_velocity(1 / rho)
    band = [r for r in rho if traffic.critical_sensitivity(1 / r, RING) > A]
    middle.axvspan(min(band), max(band), color="0.92", label=f"uniform flow unstable (a = {A})")
    middle.plot(rho, uniform, color="tab:blue", label="uniform flow q = ρ V(1/ρ)")
    middle.plot(1 / headways, jammed, "o", color="tab:red",
                label=f"simulated, {RING} cars (mean over 200 < t < 400)")
    middle.set(xlabel="density ρ = 1/b (cars per unit length)",
               ylabel="flow q (cars per unit time)", ylim=(0.1, 0.72),
               title="(b) flow-density diagram (jams: chords, Bando Fig. 8)")
    middle.legend(loc="upper right", fontsize=8)

    (branch,) = diagram.branches
    middle_re = np.array([np.max(e.real) for e in branch.eigenvalues])
    right.axhline(0, color="0.6", lw=0.8)
    right.plot(branch.param, middle_re, color="tab:blue",
               label="rightmost Re λ of uniform flow (continuation)")
    right.axvline(a_c, color="tab:red", ls=":", label=f"a_c = 2V'(b)cos²(π/N) = {a_c:.4f}")
    right.plot([h.param for h in hopfs], [0.0] * len(hopfs), "s", color="tab:red",
               label="Hopf points found (modes m = 1, 2)")
    right.set(xlabel="sensitivity a (1 / reaction time)", ylabel="rightmost Re λ",
              title=f"(c) uniform flow in a: Hopf points, N = {SMALL} cars")
    right.legend(loc="upper right", fontsize=8)
    figure.savefig(destination("gallery/traffic.png"), dpi=110)
