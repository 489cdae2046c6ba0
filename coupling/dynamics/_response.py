r"""Response rules: the micro level as the self-consistent fixed point of the aggregates.

With x_i = r(θ_i, c) and c = D(y, X), the aggregates solve

.. math::  \Phi(X) = X, \qquad \Phi(X) = \sum_i w_i\, g\big(r(\theta_i, D(y, X)), \theta_i\big),

an a-dimensional problem whatever the number of units. Its Jacobian is
:math:`\Phi'(X) = \sum_i w_i\, G_i R_i D_X` (aggregate, response and context derivatives).
A fixed point is *attracting* for the fast dynamics ε ẋ_i = r_i - x_i that response rules are
the limit of when every eigenvalue of Φ'(X) - I has a negative real part.

The tracker follows the branch the system is on by Newton's method from the last accepted
fixed point. When the branch ends at a fold (Newton fails, or lands on a repelling fixed
point), the system jumps: the fast dynamics dX/dτ = Φ(X) - X are relaxed from where it was to
the surviving attracting branch, and the jump is recorded.
"""

import numpy as np
from scipy.integrate import RK45, solve_ivp

from ._common import describe_nonfinite


class BranchLost(Exception):
    """The tracked fixed point no longer exists (or lost stability) at this macro state."""


class FixedPointTracker:
    def __init__(self, system, *, tol=1e-12, max_iter=30, continuous=True):
        self.system = system
        self.tol, self.max_iter = tol, max_iter
        # along a continuous path a large Newton move means another branch; between the
        # periods of a map (and its shocks) the fixed point may move any distance
        self.continuous = continuous
        self._X = self.last = None

    @property
    def X(self):
        """The accepted fixed point on the tracked branch."""
        return self._X

    @X.setter
    def X(self, value):
        self._X = self.last = value

    def phi(self, y, X):
        s = self.system
        ctx = s.context(y, X, {})
        Z = s.rule_values(None, ctx)
        return s.aggregates(Z)[0], Z, ctx

    def phi_jacobian(self, y, X, Z, ctx):
        s = self.system
        DX = np.array([[np.asarray(v, float).mean() for v in row]
                       for row in s._context_jacobian(y, X, {}, ctx)[0]])
        env = s.micro_env(Z)
        env.update(ctx)
        R = s.code.micro.jacobian(env, s.context_names)      # [k][nc]
        G, _ = s._aggregate_jacobians(Z, X)                   # (a, M, k)
        a, nc = len(X), len(s.context_names)
        GR = np.zeros((a, nc))
        for i in range(len(R)):
            for j in range(nc):
                GR[:, j] += G[:, :, i] @ np.broadcast_to(R[i][j], (s.size,))
        return GR @ DX if nc else np.zeros((a, a))

    def newton(self, y, X0):
        """Newton on Φ(X) - X from X0; returns (X, Z, ctx, stable) or raises BranchLost.

        Converged when |Φ(X) - X| <= tol (1 + |X|); the Jacobian at that point gives the
        stability of the fixed point under the fast dynamics.
        """
        X = np.array(X0, dtype=float)
        for _ in range(self.max_iter):
            F, Z, ctx = self.phi(y, X)
            residual = F - X
            if not np.all(np.isfinite(residual)):
                raise BranchLost("non-finite response")
            J = self.phi_jacobian(y, X, Z, ctx) - np.eye(X.size)
            if np.max(np.abs(residual)) <= self.tol * (1 + np.max(np.abs(X))):
                return X, Z, ctx, bool(np.all(np.linalg.eigvals(J).real < 0))
            try:
                X = X - np.linalg.solve(J, residual)
            except np.linalg.LinAlgError:
                raise BranchLost("singular fixed-point Jacobian") from None
        raise BranchLost("Newton did not converge")

    def relax(self, y, X0):
        """Follow dX/dτ = Φ(X) - X from X0 to an attracting fixed point (or raise)."""
        def rhs(tau, X):
            return self.phi(y, X)[0] - X

        def settled(tau, X):  # close enough for Newton to finish the job
            return np.max(np.abs(rhs(tau, X))) - 1e-7

        settled.terminal = True
        sol = solve_ivp(rhs, (0.0, 1e4), np.asarray(X0, float), rtol=1e-8, atol=1e-10,
                        events=settled)
        if sol.status != 1:
            raise BranchLost("the fast dynamics did not settle")
        X, Z, ctx, stable = self.newton(y, sol.y[:, -1])
        if not stable:
            raise BranchLost("the fast dynamics settled on a repelling fixed point")
        return X, Z, ctx, stable

    def start(self, y, X0):
        """The attracting fixed point reached from the aggregates X0."""
        X, Z, ctx, stable = self.newton(y, X0) if self._near(y, X0) else self.relax(y, X0)
        if not stable:
            X, Z, ctx, stable = self.relax(y, X + 1e-6 * (1 + np.abs(X)))
        self.X = X
        return X, Z, ctx

    def _near(self, y, X0):
        return np.max(np.abs(self.phi(y, np.asarray(X0, float))[0] - X0)) < 1e-3

    def follow(self, y):
        """The fixed point on the tracked branch at y (raises BranchLost at a fold).

        Newton starts from the last fixed point found (a nearby stage of the same step)."""
        X, Z, ctx, stable = self.newton(y, self.X if self.last is None else self.last)
        if not stable:
            raise BranchLost("the tracked fixed point became repelling")
        if self.continuous and np.max(np.abs(X - self.X)) > 0.25 * (1 + np.max(np.abs(self.X))):
            raise BranchLost("Newton left the tracked branch")
        self.last = X
        return X, Z, ctx

    def jump(self, t, y, recorder, drift=None):
        """Relax from the last fixed point to the surviving branch; record the jump.

        At a fold of a moving macro state (``drift`` = dy/dt) the fold point itself is a
        (degenerate) fixed point, so the relaxation starts a little past it, moving y along
        the drift by growing amounts until the state leaves the lost branch. Returns the new
        (X, Z, ctx, y).
        """
        before = self.X.copy()
        probes = [0.0] if drift is None else 1e-8 * 4.0 ** np.arange(12)
        for delta in probes:
            y_probe = y if drift is None else y + delta * drift
            try:
                X, Z, ctx, stable = self.relax(y_probe, before)
            except BranchLost:
                continue
            if drift is None or np.max(np.abs(X - before)) > 1e-3 * (1 + np.max(np.abs(X))):
                break
        else:
            raise BranchLost(f"the fixed point was lost at t = {t:.6g} and relaxing found "
                             "no other branch")
        if np.max(np.abs(X - before)) > 1e-6 * (1 + np.max(np.abs(X))):
            names = self.system.global_aggregates
            recorder.jumps.append({
                "t": float(t), "before": dict(zip(names, before.tolist())),
                "after": dict(zip(names, X.tolist())),
                "macro": dict(zip(self.system.macro_names, np.asarray(y_probe).tolist()))})
        self.X = X
        return X, Z, ctx, y_probe


def run(system, schedule, recorder, times, Z, y, *, rtol, atol, max_step,
        stop_at_equilibrium):
    """Continuous-time run: the macro ODE (RK45) on the tracked fixed-point branch, from the
    attracting fixed point reached from the aggregates of Z at the macro state y.

    Parameters are held constant between restarts, so a ramp becomes a staircase switching
    at every output time (exact there). With ``stop_at_equilibrium`` the run stops once
    max |dy/dt| falls below it after the schedule's last change (status 1)."""
    schedule = schedule.staircase(times)
    tracker = FixedPointTracker(system)
    y = np.array(y, dtype=float)
    t_end = times[-1]
    h_min = 1e-9 * max(1.0, t_end)
    system.set_parameters(schedule.at(0.0))
    X, Z, ctx = tracker.start(y, system.aggregates(Z)[0])
    stats = {"steps": 0, "nfev": 0}
    next_out = 0

    def at(t, v):
        try:
            X, Z, ctx = tracker.follow(v)
        except BranchLost:
            return tracker.jump(t, v, recorder)[:3]
        tracker.X = X
        return X, Z, ctx

    def fun(t, v):
        stats["nfev"] += 1
        X, _, ctx = tracker.follow(v)
        return system.macro_rhs(v, X, ctx)

    def settled(t, y, X, Z, ctx):
        """Whether the run stops at t, at an equilibrium after the last change (recorded)."""
        if stop_at_equilibrium is None or t < schedule.settled \
                or np.max(np.abs(system.macro_rhs(y, X, ctx)), initial=0.0) >= stop_at_equilibrium:
            return False
        if not recorder.times or recorder.times[-1] < t:
            recorder.record(t, Z, y, (X, {}, ctx))
        return True

    for t0, t1 in schedule.segments(t_end):
        system.set_parameters(schedule.at(t0))
        X, Z, ctx = at(t0, y)
        while next_out < times.size and times[next_out] <= t0:
            recorder.record(times[next_out], Z, y, (X, {}, ctx))
            next_out += 1
        if settled(t0, y, X, Z, ctx):
            return 1, _stopped(t0, stop_at_equilibrium), Z, stats
        # a time at a parameter change is recorded under the new value, by the next segment
        last = t_end if t1 == t_end else np.nextafter(t1, -np.inf)
        t, limit = t0, max_step
        while t < t1:
            if not system.macro_names:  # nothing moves between parameter changes
                while next_out < times.size and times[next_out] <= last:
                    recorder.record(times[next_out], Z, y, (X, {}, ctx))
                    next_out += 1
                break
            solver = None
            try:
                solver = RK45(fun, t, y, t1, rtol=rtol, atol=atol, max_step=limit,
                              first_step=limit if np.isfinite(limit) else None)
                while solver.status == "running":
                    solver.step()
                    stats["steps"] += 1
                    if solver.status == "failed":
                        return -1, f"integration failed at t = {t:.6g}", Z, stats
                    X_new, Z_new, ctx_new = tracker.follow(solver.y)
                    dense = solver.dense_output()
                    while next_out < times.size and times[next_out] <= min(solver.t, last):
                        yi = dense(times[next_out])
                        Xi, Zi, ci = tracker.newton(yi, X_new)[:3]
                        recorder.record(times[next_out], Zi, yi, (Xi, {}, ci))
                        next_out += 1
                    t, y, X, Z, ctx = solver.t, solver.y.copy(), X_new, Z_new, ctx_new
                    tracker.X = X
                    culprit = describe_nonfinite(system, Z, y)
                    if culprit is not None:
                        return -1, f"non-finite value in {culprit} at t = {t:.6g}", Z, stats
                    if settled(t, y, X, Z, ctx):
                        return 1, _stopped(t, stop_at_equilibrium), Z, stats
                    limit = min(max_step, 2.0 * limit)
            except BranchLost:
                # (t, y, X) is the last accepted state: shrink the step towards the fold
                h_try = getattr(solver, "h_abs", t1 - t) if solver is not None else t1 - t
                limit = min(limit, h_try, t1 - t) / 4
                if limit < h_min:
                    drift = system.macro_rhs(y, X, ctx)
                    try:
                        X, Z, ctx, y = tracker.jump(t, y, recorder, drift)
                    except BranchLost as exc:
                        return -1, str(exc), Z, stats
                    limit = max_step
    return 0, None, Z, stats


def _stopped(t, tol):
    return f"stopped at an equilibrium at t = {t:.6g} (max |dy/dt| < {tol:g})"
