r"""Continuous-time runs with noise: a linearly implicit Euler–Maruyama scheme.

The flat state u = (x, y) obeys du = F(u) dt + G dW, with the drift F of the coupled system
(stiff when ε is small) and additive noise G (micro noise s/√ε per unit state, macro noise
σ(y)). Each step of length h solves one structured linear system,

.. math::  u_{n+1} = u_n + (I - hW)^{-1} h F(u_n) + G(u_n)\,\Delta W_n,
           \qquad \Delta W_n \sim N(0, h I),

with W the Jacobian of F, refreshed every ``REFRESH`` steps: a W-method, of first order for
any W and stable for the stiff units whenever W is close to the Jacobian (the drift-implicit
Euler–Maruyama scheme, Kloeden & Platen 1992, *Numerical Solution of Stochastic Differential
Equations*, Springer, §12.2; Steihaug & Wolfbrandt 1979, Math. Comp. 33, on W-methods). Its
strong order is 1 for additive noise and 1/2 for state-dependent macro noise; the solves cost
O(N) through the structured Jacobian. Steps are fitted into the intervals between output
times and parameter changes, and a ramp is set at each step's midpoint.
"""

import numpy as np

from ._common import describe_nonfinite, fixed_steps
from ._noise import Noise

#: Steps between Jacobian evaluations.
REFRESH = 5


def run(system, schedule, recorder, times, Z, y, *, dt):
    """Integrate from (Z, y) with steps of at most ``dt``; returns (status, message, final
    micro state, stats)."""
    noise = Noise(system)
    u = system.pack(Z, y)
    nm = system.size * system.k
    steps, factor, since, h_factored = 0, None, REFRESH, None
    if times[0] == 0:
        recorder.record(0.0, *system.unpack(u))
    for t, t_next, n, h in fixed_steps(times, schedule, dt):
        system.set_parameters(schedule.at(t))
        for i in range(n):
            if schedule.ramped:
                system.set_parameters(schedule.at(t + (i + 0.5) * h))
                since = REFRESH
            if since >= REFRESH or h != h_factored:
                try:
                    factor = system.jacobian(u).newton(h)
                except np.linalg.LinAlgError:
                    return -1, (f"singular Newton matrix at t = {t + i * h:.10g}"), \
                        system.unpack(u)[0], {"steps": steps}
                since, h_factored = 0, h
            kick = np.concatenate([noise.micro_kick(np.sqrt(h / system.eps)).ravel(),
                                   noise.macro_kick(u[nm:], np.sqrt(h))])
            u = u + factor.solve(h * system.rhs(u)) + kick
            since += 1
            steps += 1
        Z, y = system.unpack(u)
        culprit = describe_nonfinite(system, Z, y)
        if culprit is not None:
            return -1, f"non-finite value in {culprit} by t = {t_next:.6g}", Z, {"steps": steps}
        if t_next in times:
            system.set_parameters(schedule.at(t_next))
            recorder.record(t_next, Z, y)
    return 0, None, system.unpack(u)[0], {"steps": steps}
