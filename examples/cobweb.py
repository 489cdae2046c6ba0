"""The cobweb theorem (Ezekiel 1938): naive suppliers with heterogeneous slopes facing a
linear demand. The price oscillates around p* = A/(B + s); the oscillation is damped when the
mean supply slope s is below the demand slope B and explosive above. Continuation locates
the flip of the steady state at s/B = 1."""

import numpy as np

import coupling as cp

model = cp.load("cobweb")                                     # s = 0.8, B = 1, A = 10
A, B = model.parameters["A"], model.parameters["B"]
(flip,) = cp.continuation(model, "s", (0.5, 1.5)).special_points
print(f"{flip.kind} of the steady state at s/B = {flip.param / B:.15f}")
ratios = (0.8, 1.0, 1.1)
DEVIATION = 0.8  # every run starts this far below its own steady state A/(B + s)


def steady(r):
    return A / (B + r * B)


runs = {r: cp.simulate(cp.load("cobweb", price=steady(r) - DEVIATION).with_parameters(
    s=r * B), t_end=18) for r in ratios}
agents = cp.simulate(cp.load("cobweb", price=steady(0.8) - DEVIATION), t_end=18, population=100, seed=1)
print(f"N = 100 suppliers: mean slope {agents.traits['slope'].mean():.4f}, price after 18 "
      f"periods {agents['p'][-1]:.4f}; A/(B + mean slope) = "
      f"{A / (B + agents.traits['slope'].mean()):.4f}; mean field A/(B + s) = {A / 1.8:.4f}")


def cobweb_path(run, start):
    """The cobweb staircase in the (quantity, price) plane: supply point (Q_t, p_{t-1}),
    then demand point (Q_t, p_t)."""
    Q, p = run["Q"], run["p"]
    before = np.r_[start, p[:-1]]
    return np.column_stack([Q, Q]).ravel(), np.column_stack([before, p]).ravel()


if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
    colours = {0.8: "tab:blue", 1.0: "tab:gray", 1.1: "tab:red"}
    words = {0.8: "convergent", 1.0: "continuous", 1.1: "divergent"}
    for r, run in runs.items():
        left.plot(run.t, run["p"], "-o", ms=3, lw=1, color=colours[r],
                  label=f"s/B = {r:g} ({words[r]}), mean field")
    left.plot(agents.t, agents["p"], "x", ms=5, color="black",
              label=f"s/B = 0.8, N = 100 suppliers (mean slope "
                    f"{agents.traits['slope'].mean():.3f})")
    for r in ratios:
        left.axhline(steady(r), color=colours[r], lw=0.6, ls="--")
    left.set_xlabel("period t")
    left.set_ylabel("market price p_t")
    left.set_title("Cobweb price series: stable iff supply slope / demand slope < 1")
    left.legend(fontsize=8, loc="upper left")
    left.set_ylim(0, 11)
    q = np.linspace(0, 10, 2)
    right.plot(q, (A - q) / B, color="black", lw=1.5, label="demand p = (A − Q)/B")
    for r in (0.8, 1.1):
        run = runs[r]
        right.plot(q, q / (r * B), color=colours[r], lw=1.5, ls="--",
                   label=f"supply Q = s p, s/B = {r:g}")
        x, y = cobweb_path(run, steady(r) - DEVIATION)
        right.plot(x, y, color=colours[r], lw=0.9, alpha=0.8)
    right.set_xlim(0, 10)
    right.set_ylim(0, 10)
    right.set_xlabel("quantity Q (mean supply per supplier)")
    right.set_ylabel("price p")
    right.set_title(f"Cobweb diagram (flip by continuation at s/B = {flip.param / B:.12f})")
    right.legend(fontsize=8, loc="upper right")
    figure.savefig(destination("gallery/cobweb.png"), dpi=110)
