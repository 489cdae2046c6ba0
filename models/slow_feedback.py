r"""A bistable population with slow negative macro feedback (a FitzHugh–Nagumo-type oscillator).

Each unit relaxes on the fast timescale ε to its response to the mean activity X, its own
threshold a_i and a slow macro variable y:

.. math::  \varepsilon\,\dot x_i = -x_i + \tanh(J X + a_i + y), \qquad X = \tfrac1N \sum_i x_i,

and the macro variable integrates the activity with a leak and a drive c (a policy lever):

.. math::  \dot y = -k X - b\,y + c.

For J > 1 the fast population is bistable (its critical manifold is S-shaped) and the slow
feedback drives it around the hysteresis loop: relaxation oscillations, born in Hopf
bifurcations. Every unit starts at x0 (default 0, the repelling middle of the S when
y = 0). For identical units (σ = 0) the equilibrium is x = X with
X = tanh(J X + y), y = (c - k X)/b, and its Jacobian is
[[(-1 + J s)/ε, s/ε], [-k, -b]] with s = 1 - X². The Hopf points, where the trace
vanishes with a positive determinant, are therefore at

.. math::  s_H = (1 + b\varepsilon)/J,\quad X_H = \pm\sqrt{1 - s_H},\quad
           c_H = k X_H + b\,(\operatorname{atanh} X_H - J X_H).

References
----------
R. FitzHugh (1961), "Impulses and physiological states in theoretical models of nerve
membrane", Biophysical Journal 1, 445-466 (the fast bistable / slow recovery structure).
H. R. Wilson and J. D. Cowan (1972), "Excitatory and inhibitory interactions in localized
populations of model neurons", Biophysical Journal 12, 1-24 (sigmoidal population response).
"""

import coupling as cp

NAME = "slow-feedback"
SUMMARY = ("Bistable units with slow negative macro feedback: relaxation oscillations "
           "(FitzHugh-Nagumo type)")


def build():
    """The model with the parameters of the fast/slow benchmark (ε = 1e-3, σ = 0.3)."""
    return cp.Model(
        name=NAME,
        description=SUMMARY,
        parameters={"J": 2.0, "k": 0.5, "b": 0.2, "c": 0.05, "sigma": 0.3, "eps": 1e-3,
                    "x0": 0.0},
        policy=("c",),
        traits={"a": cp.Normal(0.0, "sigma")},
        micro=cp.ODE(rhs={"x": "-x + tanh(J*X_seen + a + y_seen)"}, initial={"x": "x0"}),
        aggregates={"X": "x"},
        context={"X_seen": "X", "y_seen": "y"},
        macro={"y": cp.Macro("-k*X - b*y + c", 0.0)},
        timescale="eps",
    )
