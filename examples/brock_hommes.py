"""Brock & Hommes (1997): the rational route to randomness in the cobweb model with rational
versus naive predictors. The orbit diagram in the intensity of choice β, with the closed-form
period-doubling point β* = (2/C) artanh(B/b), and a chaotic price series."""

import numpy as np

import coupling as cp

model = cp.load("brock-hommes", beta=1.0)                   # b = 1.35, B = 1, C = 1
b, B, C = (model.parameters[n] for n in ("b", "B", "C"))
beta_star = 2 / C * np.arctanh(B / b)                       # the closed form
diagram = cp.continuation(model, "beta", (0.5, 4.0))        # the flip of the steady state
(flip,) = [p for p in diagram.special_points if p.kind == "flip"]
orbits = cp.orbit_diagram(model, "beta", np.linspace(0.5, 12.0, 200), "p", transient=300,
                          keep=80, follow=False)
chaotic = 10.0
series = cp.simulate(model.with_parameters(beta=chaotic), t_end=400)
print(f"beta* closed form {beta_star:.12f}, continuation flip {flip.param:.12f} "
      f"(error {abs(flip.param - beta_star):.1e})")
print(orbits.summary())
print(f"largest Lyapunov exponent at beta = {chaotic:g}: "
      f"{orbits.lyapunov[np.argmin(np.abs(orbits.values - chaotic))]:.3f}")

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from _figures import destination

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained",
                                         gridspec_kw={"width_ratios": [3, 2]})
    orbits.plot(ax=left, s=1.0, alpha=0.4)
    left.axvline(beta_star, color="tab:red", lw=1, ls="--",
                 label=f"β* = (2/C) artanh(B/b) = {beta_star:.4f}")
    betas = np.linspace(beta_star, 6.0, 200)
    amplitude = np.sqrt((C - 2 / betas * np.arctanh(B / b)) / (2 * b))
    left.plot(betas, amplitude, color="tab:red", lw=0.8, alpha=0.7,
              label="2-cycle ±p̄, p̄² = (C − (2/β) artanh(B/b))/(2b)")
    left.plot(betas, -amplitude, color="tab:red", lw=0.8, alpha=0.7)
    left.axvline(chaotic, color="tab:blue", lw=1, ls=":", label=f"β = {chaotic:g} (right)")
    left.set_xlabel("intensity of choice β")
    left.set_ylabel("price deviation p − p*")
    left.set_title("Rational route to randomness: orbit diagram (b/B = 1.35, C = 1)")
    left.legend(loc="lower left", fontsize=8)
    t, p = series.t[-50:], series["p"][-50:]
    right.plot(t, p, "-o", ms=2.5, lw=0.8, color="black", label="price deviation p − p*")
    right.set_xlabel("period t")
    right.set_ylabel("price deviation p − p*")
    share = right.twinx()
    share.plot(t, series["rational"][-50:], color="tab:orange", lw=0.8,
               label="share of rational producers n₁")
    share.set_ylabel("share of rational producers n₁")
    share.set_ylim(0, 1)
    right.set_title(f"Chaotic prices and predictor switching at β = {chaotic:g}")
    lines = right.get_legend_handles_labels()
    extra = share.get_legend_handles_labels()
    right.legend(lines[0] + extra[0], lines[1] + extra[1], loc="upper center", fontsize=8,
                 ncols=2, bbox_to_anchor=(0.5, -0.14), frameon=False)
    figure.savefig(destination("gallery/brock-hommes.png"), dpi=110)
