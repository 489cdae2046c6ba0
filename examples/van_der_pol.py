"""Van der Pol relaxation oscillations as a fast-slow coupled model
(docs/gallery/van-der-pol.png).

Fast units relax to the Liénard cubic of their mean, the slow y integrates -X: the mean is
the Van der Pol oscillator with ε = 1/μ². Left: the critical manifold y = X³/3 - X and the
limit cycle at μ = 2, 5, 20. Right: the classical period over μ, T/μ, from simulated runs
(crossings of y = 0 by events) against the large-μ asymptotics.
"""

import numpy as np

import coupling as cp

T0 = 3 - 2 * np.log(2)
ALPHA = 2.338107410459767
ONE_NODE = cp.MeanField(nodes=1)


def asymptotic(mu):
    """T_classical/μ = (3 - 2 ln 2) + 3α μ^(-4/3) - (2/3) ln μ / μ²."""
    return T0 + 3 * ALPHA * mu ** (-4 / 3) - 2 / 3 * np.log(mu) / mu ** 2


def run(mu, t_end=None, n_points=2):
    """A run long enough for two upward crossings of y = 0."""
    t_end = 2.5 * asymptotic(mu) + 0.5 if t_end is None else t_end
    return cp.simulate(cp.load("van-der-pol", eps=mu ** -2.0), t_end, population=ONE_NODE,
                       events={"up": cp.Event("y", direction=1)}, rtol=1e-6, atol=1e-8,
                       n_points=n_points)


mus = np.array([3.0, 5.0, 10.0, 20.0, 50.0, 100.0])
periods = np.array([np.diff(run(mu).events["up"]["t"][:2])[0] for mu in mus])  # slow time
print("   mu   T_classical   asymptotic   (T - asymptotic) mu")
for mu, T in zip(mus, periods):
    print(f"{mu:5.0f}  {mu * T:12.6f}  {mu * asymptotic(mu):11.6f}  "
          f"{(T - asymptotic(mu)) * mu ** 2:10.4f}")
print(f"relaxation limit 3 - 2 ln 2 = {T0:.6f} (slow time)")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.8), layout="constrained")
    x = np.linspace(-2.4, 2.4, 400)
    middle = np.abs(x) < 1
    manifold = x ** 3 / 3 - x
    left.plot(x[~middle & (x < 0)], manifold[~middle & (x < 0)], "k-",
              label="critical manifold, attracting")
    left.plot(x[~middle & (x > 0)], manifold[~middle & (x > 0)], "k-")
    left.plot(x[middle], manifold[middle], "k--", label="critical manifold, repelling")
    for mu, color in ((2.0, "tab:blue"), (5.0, "tab:orange"), (20.0, "tab:green")):
        cycle = run(mu, t_end=10.0, n_points=4001)
        late = cycle.t > 5.0
        left.plot(cycle["X"][late], cycle["y"][late], color=color, lw=1.2,
                  label=f"limit cycle, μ = {mu:g}")
    left.plot([-1, 1], [2 / 3, -2 / 3], "o", color="tab:red", label="folds X = ±1")
    left.set(xlabel="mean state X", ylabel="slow variable y", ylim=(-1.9, 1.9))
    left.set_title("(a) phase plane: relaxation along the S-shaped manifold")
    left.legend(fontsize=8, loc="upper left")
    grid = np.logspace(np.log10(2.5), 2.1, 200)
    right.semilogx(grid, asymptotic(grid), "k-",
                   label="(3 - 2 ln 2) + 3α μ^(-4/3) - (2/3) μ^(-2) ln μ")
    right.axhline(T0, color="0.5", ls=":", label="relaxation limit 3 - 2 ln 2")
    right.semilogx(mus, periods, "o", color="tab:red", label="simulated (events)")
    right.set(xlabel="nonlinearity μ = ε^(-1/2)", ylabel="period / μ  (classical time)")
    right.set_title("(b) period against the large-μ asymptotics")
    right.legend(fontsize=8)
    figure.savefig(destination("gallery/van-der-pol.png"), dpi=110)
