r"""A lean variable-order NDF/BDF integrator whose Newton solves use the structured Jacobian.

Method
------
The numerical differentiation formulas (NDF) of orders 1 to 5 in backward-difference form
with quasi-constant step size (Shampine & Reichelt 1997, the scheme of MATLAB's ode15s). With
the backward differences :math:`\nabla^j y_n` of the solution, the predictor
:math:`y^{(0)}_{n+1} = \sum_{j=0}^{k} \nabla^j y_n` and :math:`\gamma_k = \sum_{j=1}^k 1/j`,
the order-k formula

.. math::  (1 - \kappa_k)\gamma_k\,(y_{n+1} - y^{(0)}_{n+1})
           + \sum_{j=1}^{k} \gamma_j \nabla^j y_n = h\,f(t_{n+1}, y_{n+1})

is solved for :math:`d = y_{n+1} - y^{(0)}_{n+1}` by simplified Newton iterations with the
matrix :math:`I - cJ`, :math:`c = h / ((1 - \kappa_k)\gamma_k)`. Since
:math:`d = \nabla^{k+1} y_{n+1}`, the local error is :math:`(\kappa_k \gamma_k + 1/(k+1))\,d`,
kept below 1 in the weighted RMS norm with weights :math:`1/(atol + rtol\,|y_n|)`. The κ are
those of Shampine & Reichelt's Table 1; κ = 0 gives the BDF (Hairer & Wanner, *Solving
Ordinary Differential Equations II*, §III.1 and §V.1).

Step and order. A step-size change by ρ maps the differences to those of the same
interpolating polynomial on the grid of step ρh. After k + 1 steps of constant size the
order (k - 1, k or k + 1) and the step are chosen from the three error estimates; ratios in
[1, 1.2) keep the step. In between, a step whose error estimate calls for a step smaller by
10 % or more reduces at once (rather than being rejected a step later).

Newton. The iterations stop on Hairer & Wanner's estimate
:math:`\eta\,\|\Delta\| \le 0.03`, :math:`\eta = \theta / (1 - \theta)` with the observed
contraction θ (their §IV.8; the first iteration uses :math:`\eta_{old}^{0.8}`), and give up
when θ ≥ 1 or convergence within four iterations is out of reach. The Jacobian is kept
across steps, re-evaluated when Newton fails with an old one or when the last step
contracted slowly (θ > 0.1), and :math:`I - cJ` is re-factored only when c changes. After a
failure with a fresh Jacobian the step shrinks by 0.3.

Dense output is the polynomial of the backward differences of the last step, exact at its
k + 1 grid points.

Why our own integrator
----------------------
* The problems are stiff fast–slow systems (ε ≪ 1). The NDF of orders 1–5 are
  L(α)-stable with α = 90°, 90°, 80°, 66°, 51° (Shampine & Reichelt, Table 1), so the
  relaxation of the fast units is followed with steps set by accuracy alone, and an implicit
  step costs one n-dimensional Newton system (Radau IIA, order 5, needs a real and a complex
  one per iteration).
* Every Newton solve is O(n): :math:`I - cJ` is block diagonal plus low rank, solved by the
  Woodbury identity (:mod:`coupling._linalg`, whose determinants use the matrix
  determinant lemma).
* With O(n) linear algebra the stepping machinery itself dominates up to n ~ 1e4: a few
  thousand steps are typical of a relaxation oscillation, and scipy's BDF spends ~150 µs of
  Python per step even on a 2-state problem. This implementation updates preallocated
  arrays in place, takes norms as ``sqrt(dot)``, calls LAPACK directly for the small dense
  parts, and a typical step costs two right-hand sides and two O(n) solves.

The solver follows the :class:`scipy.integrate.OdeSolver` interface (``step``, ``status``,
``t``, ``y``, ``dense_output``, counters ``nfev``, ``njev``, ``nlu``) and integrates forward
in time. :func:`fixed_step` runs it at a fixed order and step size (for convergence tests).

References
----------
L. F. Shampine and M. W. Reichelt (1997), "The MATLAB ODE Suite", SIAM J. Sci. Comput. 18,
1-22.
E. Hairer and G. Wanner (1996), *Solving Ordinary Differential Equations II: Stiff and
Differential-Algebraic Problems*, 2nd ed., Springer (§III.1, §IV.8, §V.1-2).
E. Hairer, S. P. Nørsett and G. Wanner (1993), *Solving Ordinary Differential Equations I*,
2nd ed., Springer, §II.4 (the starting step size).
"""

import math

import numpy as np
import numpy.polynomial.polynomial as poly
from scipy.integrate import DenseOutput, OdeSolver

from .._linalg import DenseJacobian

MAX_ORDER = 5
EPS = np.finfo(float).eps
#: Newton: at most this many iterations, converged when η ||Δ|| <= NEWTON_TOL (scaled norm).
NEWTON_MAXITER = 4
NEWTON_TOL = 0.03
#: Re-evaluate the Jacobian after a step whose Newton contraction θ exceeded this.
THETA_REFRESH = 0.1
#: Step reduction after Newton fails with a fresh Jacobian.
NEWTON_FAILURE_FACTOR = 0.3
#: Safety factor of the step-size choice (scaled down when Newton needed many iterations),
#: and the bounds of one change.
SAFETY = 0.9
MIN_FACTOR, MAX_FACTOR = 0.2, 10.0
#: Step-size ratios within [1, KEEP) keep the step (and the factored Newton matrix).
KEEP = 1.2
#: Between order choices, a step whose error asks for a step smaller by this factor or more
#: reduces at once instead of being rejected later.
REDUCE_BELOW = 0.9

#: κ_k of the NDF (Shampine & Reichelt 1997, Table 1), indexed by the order k.
KAPPA_NDF = np.array([0.0, -0.1850, -1 / 9, -0.0823, -0.0415, 0.0])
_GAMMA = np.concatenate(([0.0], np.cumsum(1.0 / np.arange(1, MAX_ORDER + 1))))
# B[j, i] = (-1)^i binom(j, i): the j-th backward difference of values at 0, -1, -2, ...
_BINOMIAL = np.array([[(-1) ** i * math.comb(j, i) for i in range(MAX_ORDER + 3)]
                      for j in range(MAX_ORDER + 3)], dtype=float)


def _coefficients(kappa):
    """alpha_k = (1 - κ_k) γ_k, the error constants κ_k γ_k + 1/(k+1) (k = 0..MAX_ORDER+1),
    and per order k the 2 x (k+1) matrix P with P D = (predictor, ψ): ones, and γ_j / alpha_k
    (j = 1..k)."""
    kappa = np.append(kappa, 0.0)
    gamma = np.append(_GAMMA, _GAMMA[-1] + 1 / (MAX_ORDER + 1))
    alpha = (1 - kappa) * gamma
    error = kappa * gamma + 1 / np.arange(1, MAX_ORDER + 3)
    predict = [None] + [np.vstack([np.ones(k + 1), np.append(0.0, _GAMMA[1:k + 1] / alpha[k])])
                        for k in range(1, MAX_ORDER + 1)]
    return alpha, error, predict


def _rescale_polynomials(size):
    r"""Coefficients P[j, m, p] with :math:`T_{jm}(\rho) = \sum_p P_{jmp} \rho^p`.

    The differences :math:`D_m = \nabla^m y_n` define the polynomial
    :math:`P(t_n + sh) = \sum_m D_m C_m(s)`, :math:`C_m(s) = \prod_{l<m} (s + l)/(l + 1)`;
    the differences of its values at :math:`s = -i\rho` (i = 0, 1, ...) are :math:`T D` with
    :math:`T = B\,C`, :math:`B_{ji} = (-1)^i \binom{j}{i}`, :math:`C_{im} = C_m(-i\rho)`, a
    polynomial of degree m in ρ (T is upper triangular, and T for fewer differences is its
    leading block)."""
    P = np.zeros((size, size, size))
    for m in range(size):
        for i in range(size):
            c = np.array([1.0])
            for q in range(m):  # (q - i ρ) / (q + 1)
                c = poly.polymul(c, [q / (q + 1), -i / (q + 1)])
            for j in range(size):
                P[j, m, :c.size] += _BINOMIAL[j, i] * c
    return P


_RESCALE = _rescale_polynomials(MAX_ORDER + 3)


def rescale_matrix(rows, rho):
    """T with T D the backward differences 1..rows-1 on the grid of step ρh, from those of
    step h (the value itself, row 0, is unchanged)."""
    return _RESCALE[1:rows, 1:rows, :rows] @ rho ** np.arange(rows)


def backward_differences(values):
    """Rows ∇^j y_n, j = 0..len-1, of values y_n, y_{n-1}, ... (newest first)."""
    D = [np.asarray(v, dtype=float) for v in values]
    out = [D[0]]
    while len(D) > 1:
        D = [a - b for a, b in zip(D[:-1], D[1:])]
        out.append(D[0])
    return np.array(out)


class StructuredBDF(OdeSolver):
    """Variable-step, variable-order NDF (or BDF) with Newton solves by ``jac(t, y).newton(c)``.

    Parameters
    ----------
    fun : callable ``fun(t, y) -> ndarray (n,)``
    t0, y0, t_bound : float, array_like (n,), float
        Start, initial state and end (t_bound > t0).
    jac : callable ``jac(t, y)``
        A :class:`~coupling._linalg.StructuredJacobian` (or anything with a
        ``newton(c)`` method returning an object with ``solve(b)`` for I - cJ), or a dense
        array.
    rtol, atol : float (atol may be an array (n,))
        Local error tolerances: the weighted RMS norm of the error estimate with weights
        1/(atol + rtol |y_n|) is kept below 1.
    max_step : float
        Largest step.
    first_step : float, optional
        Initial step (default: chosen from the first derivatives, Hairer, Nørsett & Wanner
        §II.4).
    max_order : int
        Highest order used (1 to 5).
    ndf : bool
        NDF (default) or BDF coefficients.
    """

    def __init__(self, fun, t0, y0, t_bound, *, jac, rtol=1e-3, atol=1e-6, max_step=np.inf,
                 first_step=None, max_order=MAX_ORDER, ndf=True):
        super().__init__(fun, t0, y0, t_bound, vectorized=False)
        if t_bound < t0:
            raise ValueError("StructuredBDF integrates forward in time: t_bound < t0")
        if not (rtol > 0 and np.all(np.asarray(atol) > 0)):
            raise ValueError("rtol and atol must be > 0")
        if not max_step > 0:
            raise ValueError("max_step must be > 0")
        if max_order not in range(1, MAX_ORDER + 1):
            raise ValueError(f"max_order must be 1 to {MAX_ORDER}, got {max_order}")
        self._f = fun
        self._jac = jac
        self.rtol, self.atol, self.max_step = rtol, atol, max_step
        self.max_order = max_order
        self.y = np.array(self.y, dtype=float)
        n = self.n
        self.newton_tol = max(10 * EPS / rtol, NEWTON_TOL)
        alpha, error_const, self._predict = _coefficients(
            KAPPA_NDF if ndf else np.zeros(MAX_ORDER + 1))
        self._alpha, self._error_const = alpha.tolist(), error_const.tolist()
        self._scale = np.empty(n)  # the norm's scale atol + rtol |y_n|
        self._tmp = np.empty(n)
        self._set_scale(self.y)
        self.D = np.zeros((MAX_ORDER + 2, n))
        self._d = self._d_prev = None  # ∇^{k+1} y of the last two steps
        self.D[0] = self.y
        self.order = 1
        self.n_equal_steps = 0
        self._eta = 1.0  # Newton's error-reduction estimate θ/(1-θ) of the last step
        self._lu, self._c = None, None
        self._adaptive = True
        self._k_dense = 1
        if first_step is not None and not first_step > 0:
            raise ValueError(f"first_step must be > 0, got {first_step}")
        if n == 0 or t_bound == t0:  # nothing to integrate: the first step() finishes
            self.h = 0.0
            return
        f0 = self._rhs(t0, self.y)
        h = self._initial_step(t0, f0) if first_step is None else float(first_step)
        self.h = min(h, max_step, t_bound - t0)
        self.D[1] = self.h * f0
        self.J = self._jacobian(t0, self.y)

    # ------------------------------------------------------------------ pieces
    def _rhs(self, t, y):
        self.nfev += 1
        return self._f(t, y)

    def _jacobian(self, t, y):
        self.njev += 1
        self._jac_current = True
        self._lu = None
        J = self._jac(t, y)
        return DenseJacobian(J) if isinstance(J, np.ndarray) else J

    def _set_scale(self, y):
        scale = self._scale
        np.abs(y, out=scale)
        scale *= self.rtol
        scale += self.atol

    def _norm(self, v):
        """The weighted RMS norm sqrt(mean((v / scale)^2))."""
        tmp = self._tmp
        np.divide(v, self._scale, out=tmp)
        return math.sqrt(np.dot(tmp, tmp) / tmp.size)

    def _initial_step(self, t0, f0):
        """Hairer, Nørsett & Wanner §II.4, for a method of order 1."""
        d0, d1 = self._norm(self.y), self._norm(f0)
        h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
        h0 = min(h0, self.t_bound - t0)
        f1 = self._rhs(t0 + h0, self.y + h0 * f0)
        d2 = self._norm(f1 - f0) / h0
        scale = max(d1, d2)
        h1 = max(1e-6, h0 * 1e-3) if scale <= 1e-15 else math.sqrt(0.01 / scale)
        return min(100 * h0, h1)

    def _rescale(self, factor, rows):
        """Change the step by ``factor``: differences 1..rows-1 move to the new grid."""
        D = self.D
        D[1:rows] = rescale_matrix(rows, factor) @ D[1:rows]
        self.h *= factor
        self.n_equal_steps = 0

    def _newton(self, t_new, y_pred, psi, lu):
        """Simplified Newton for d: d - c f(y_pred + d) + ψ = 0. Returns (converged, n_iter,
        y, d)."""
        c, tol, fun = self._c, self.newton_tol, self._f
        scale, tmp, n = self._scale, self._tmp, self.n
        y, d = y_pred, None
        eta = max(self._eta, EPS) ** 0.8
        dy_norm_old = None
        self._theta = 0.0
        for iteration in range(NEWTON_MAXITER):
            self.nfev += 1
            residual = fun(t_new, y)
            residual *= c
            residual -= psi
            if d is not None:
                residual -= d
            dy = lu.solve(residual)
            np.divide(dy, scale, out=tmp)
            dy_norm = math.sqrt(np.dot(tmp, tmp) / n)
            if not dy_norm < math.inf:
                return False, iteration + 1, None, None
            if dy_norm_old is not None:
                theta = dy_norm / dy_norm_old
                if theta >= 1 or (theta ** (NEWTON_MAXITER - 1 - iteration) / (1 - theta)
                                  * dy_norm > tol):
                    return False, iteration + 1, None, None
                eta = theta / (1 - theta)
                self._theta = theta
            if d is None:
                d = dy
                y = y_pred + dy
            else:
                d += dy
                y += dy
            if dy_norm == 0 or eta * dy_norm <= tol:
                self._eta = eta
                self._d_norm = dy_norm if iteration == 0 else None  # d = dy: its norm is known
                return True, iteration + 1, y, d
            dy_norm_old = dy_norm
        return False, NEWTON_MAXITER, None, None

    # ------------------------------------------------------------------ one step
    def _step_impl(self):
        t, D, t_bound = self.t, self.D, self.t_bound
        k = self.order
        min_step = 10 * EPS * max(abs(t), abs(t_bound))
        tries = 0
        while True:
            h = self.h
            if h < min_step:
                return False, (f"the step size fell below {min_step:.3g} after {tries} failed "
                               f"tries at order {k} (Newton did not converge or the error "
                               f"estimate stayed too large).")
            tries += 1
            t_new = t + h
            if t_new >= t_bound or t_bound - t_new < min_step:
                t_new = t_bound
                if t_new - t != h:
                    self._rescale((t_new - t) / h, k + 1)
                    h = self.h
            y_pred, psi = np.dot(self._predict[k], D[:k + 1])
            c = h / self._alpha[k]
            lu = self._lu
            if lu is None or c != self._c:
                try:
                    lu = self.J.newton(c)
                except np.linalg.LinAlgError:
                    lu = None
                self.nlu += 1
                self._lu, self._c = lu, c
            converged = False
            if lu is not None:
                converged, n_iter, y_new, d = self._newton(t_new, y_pred, psi, lu)
            if not converged:
                if not self._jac_current:
                    self.J = self._jacobian(t_new, y_pred)
                    continue
                if not self._adaptive:
                    return False, "Newton iterations did not converge at the fixed step."
                self._rescale(NEWTON_FAILURE_FACTOR, k + 1)
                continue
            if not self._adaptive:
                break
            error = self._error_const[k] * (self._norm(d) if self._d_norm is None
                                            else self._d_norm)
            if error <= 1:
                break
            self._rescale(max(MIN_FACTOR, SAFETY * error ** (-1 / (k + 1))), k + 1)

        # accept: the backward differences of y_{n+1}
        self.t, self.y = t_new, y_new
        self._jac_current = False
        if self._theta > THETA_REFRESH:  # slow contraction: a fresh Jacobian for the next step
            self.J = self._jacobian(t_new, y_new)
        self.n_equal_steps += 1
        self._k_dense = k
        # ∇^{k+1} y_{n+1} = d and ∇^j y_{n+1} = ∇^j y_n + ∇^{j+1} y_{n+1}; d itself (and
        # ∇^{k+2} = d - d_prev) is kept aside until an order change needs it
        D[k] += d
        for i in range(k - 1, -1, -1):
            D[i] += D[i + 1]
        self._d, self._d_prev = d, self._d
        self._set_scale(y_new)
        if not self._adaptive:
            return True, None
        safety = SAFETY * (2 * NEWTON_MAXITER + 1) / (2 * NEWTON_MAXITER + n_iter)
        if self.n_equal_steps > k:
            self._choose(k, error, safety)
        elif error:
            factor = safety * error ** (-1 / (k + 1))
            if factor < REDUCE_BELOW:
                self._rescale(factor, k + 1)
        return True, None

    def _choose(self, k, error, safety):
        """Order and step after k + 1 steps of equal size (Shampine & Reichelt §2.3)."""
        D, err = self.D, self._error_const
        rate = [0.0, error ** (-1 / (k + 1)) if error else math.inf, 0.0]
        if k > 1:
            e = err[k - 1] * self._norm(D[k])
            rate[0] = e ** (-1 / k) if e else math.inf
        if k < self.max_order:
            e = err[k + 1] * self._norm(self._d - self._d_prev)
            rate[2] = e ** (-1 / (k + 2)) if e else math.inf
        best = max(range(3), key=rate.__getitem__)
        factor = min(MAX_FACTOR, safety * rate[best], self.max_step / self.h)
        new_order = k + best - 1
        if new_order == k and 1 <= factor < KEEP:
            self.n_equal_steps = 0
            return
        if new_order > k:
            D[k + 1] = self._d
        self.order = new_order
        self._rescale(factor, max(k, new_order) + 1)

    def _dense_output_impl(self):
        # after an order increase the rescaled low differences involve ∇^{k+1}: the
        # interpolant is then the polynomial of degree k + 1 (through the last k + 2 points)
        k = max(self._k_dense, self.order)
        return NDFInterpolant(self.t_old, self.t, self.h, self.D[:k + 1].copy())


class NDFInterpolant(DenseOutput):
    r"""The polynomial of the backward differences over the last step:
    :math:`P(t_n + sh) = \sum_{m=0}^{k} \nabla^m y_n \prod_{l<m} (s + l)/(l + 1)`."""

    def __init__(self, t_old, t, h, D):
        super().__init__(t_old, t)
        self.h, self.D = h, D

    def _call_impl(self, t):
        s = (t - self.t) / self.h
        k = self.D.shape[0] - 1
        if s.ndim == 0:
            coefficients = np.empty(k + 1)
            value = 1.0
            coefficients[0] = value
            for m in range(1, k + 1):
                value *= (s + m - 1) / m
                coefficients[m] = value
            return coefficients @ self.D
        C = np.ones((k + 1, s.size))
        for m in range(1, k + 1):
            C[m] = C[m - 1] * (s + m - 1) / m
        return self.D.T @ C


def fixed_step(fun, jac, t0, past, h, n_steps, *, ndf=True, rtol=1e-13, atol=1e-13):
    """Integrate ``n_steps`` steps of size h at the fixed order k = len(past) - 1.

    ``past`` holds the exact values y(t0), y(t0 - h), ..., y(t0 - k h): the method then runs
    in its constant-step form from the start, and its global error shows its order. Newton
    iterates to the tight tolerances given. Returns (t, y) after the last step."""
    past = np.asarray(past, dtype=float)
    k = past.shape[0] - 1
    solver = StructuredBDF(fun, t0, past[0], t0 + (n_steps + 1) * h, jac=jac, rtol=rtol,
                           atol=atol, first_step=h, max_order=k, ndf=ndf)
    solver.D[:k + 1] = backward_differences(past)
    solver.D[k + 1:] = 0.0
    solver.order, solver.h, solver._adaptive = k, h, False
    for _ in range(n_steps):
        message = solver.step()
        if solver.status == "failed":
            raise RuntimeError(message)
    return solver.t, solver.y
