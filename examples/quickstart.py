"""The README quickstart: declare a micro-macro model once, run it finite and mean-field."""

import coupling as cp

model = cp.Model(
    name="opinion",
    parameters={"beta": 1.0, "J": 1.5, "h": 0.0},
    policy=["h"],                                     # the macro-context lever
    traits={"a": cp.Normal(0.0, 0.3)},                # idiosyncratic taste
    micro=cp.Choice("s", options=(-1, 1), initial=(0.6, 0.4),
                    probabilities=cp.logit(["-(field + a)", "field + a"], intensity="beta")),
    aggregates={"m": "s"},                            # up: mean choice
    context={"field": "J*m + h + n"},                 # down: what each unit sees
    macro={"n": cp.Macro("0.1*(m - n)", 0.0)},        # slow macro norm
    timescale=0.1,
)
pulse = {"h": [(20, 3.0), (30, 0.0)]}                 # a temporary policy
mean_field = cp.simulate(model, t_end=60, schedule=pulse)
agents = cp.simulate(model, t_end=60, population=5000, seed=1, schedule=pulse)
print(mean_field.final(), agents.final())             # the pulse's effect outlives it

if __name__ == "__main__":
    import matplotlib

    matplotlib.use("Agg")
    from _figures import destination

    ax = agents.plot(["m"], label="N = 5000", color="tab:orange", lw=2.5, alpha=0.6)
    mean_field.plot(["m", "n"], ax=ax, label="mean-field", ls="--", lw=1.4,
                    zorder=3)  # dashed, on top: it is not hidden under the agents' line
    ax.set(ylabel="mean choice m, norm n")
    ax.figure.savefig(destination("quickstart.png"), dpi=120)
