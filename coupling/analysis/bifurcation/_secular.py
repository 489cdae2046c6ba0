r"""Stability of a structured Jacobian by the secular equation, in O(N) per evaluation.

The Jacobian is J = P + U Vᵀ with P = blockdiag(A_1, ..., A_M, D) (k x k unit blocks, an
m x m macro block) and factors U (n x r), Vᵀ (r x n) of small rank r. By the matrix
determinant lemma, for λ not an eigenvalue of P,

.. math::  \det(J - \lambda I) = \det(P - \lambda I)\, g(\lambda), \qquad
           g(\lambda) = \det\big(I_r + V^T (P - \lambda I)^{-1} U\big),

so the eigenvalues of J are the zeros of the *secular function* g, and the block eigenvalues
that the rank-r term cannot move (Golub 1973, "Some modified matrix eigenvalue problems",
SIAM Review 15; Bunch, Nielsen & Sorensen 1978, "Rank-one modification of the symmetric
eigenproblem", Numer. Math. 31). The blocks are diagonalised once, A_i = S_i Λ_i S_i^{-1}
(one batched ``eig``), which makes g a rational function with poles at the block eigenvalues:

.. math::  V^T (P - \lambda I)^{-1} U = \sum_j \frac{R_j}{\lambda_j - \lambda}, \qquad
           R_j = (V^T S)_{:,j}\, (S^{-1} U)_{j,:}.

Equal poles are merged and their residues summed: a block eigenvalue of multiplicity μ whose
summed residue has rank ρ stays an eigenvalue of J with multiplicity μ - ρ (identical units).
One evaluation of g costs O(n r^2); blocks with ill-conditioned eigenvectors are solved
instead (batched solves, O(M k^3)).

Stability is counted exactly by the argument principle, as in the Nyquist criterion (Nyquist
1932, "Regeneration theory", Bell System Technical Journal 11; Henrici 1974, "Applied and
Computational Complex Analysis" I, §4.10): the eigenvalues of J inside a contour are those of P
plus the winding number of g along it. Eigenvalues are zeros of g found by Newton's method,
with the zeros already known divided out (implicit deflation), and their completeness is
checked by that count.
"""

import numpy as np
import scipy.sparse.linalg as spla

from ._bloch import bloch_eigenvalues

#: Complex entries per batch of evaluations (4 MB): bounds the memory, and stays in cache.
CHUNK = 2.5e5
#: Block eigenvalues closer than this (relative to the largest) are one pole of g.
MERGE = 1e-10
#: Eigenvector condition number beyond which a block is solved rather than diagonalised.
MAX_CONDITION = 1e8
#: Eigenvalues within this distance (relative to the spectral scale) of the stability
#: boundary count as on it, not unstable (the convention of EquilibriumProblem.count_unstable).
BOUNDARY = 1e-9
#: Refinement of the contour: largest phase step of g between neighbouring samples, largest
#: step of log|g|, smallest sample spacing (relative), and caps on the work.
MAX_PHASE_STEP = np.pi / 8
MAX_LOG_STEP = 1.0
MIN_SPACING = 1e-13
MAX_ROUNDS = 200
MAX_SAMPLES = 200_000
#: Block eigenvalues closest to a contour whose imaginary parts (angles) seed its samples.
NEAREST_POLES = 64
#: Up to this many states a failure of the secular computation falls back on a dense `eig`.
DENSE_FALLBACK = 3000
#: Seed of the Arnoldi starting vector (a fixed seed: the same spectrum on every run).
ARNOLDI_SEED = 20260
#: Up to this many states the spectrum of a Jacobian with a network part is found densely.
NETWORK_DENSE = 600
#: Most eigenvalues one shift-invert Arnoldi run of a network Jacobian asks for.
NETWORK_MAX_K = 256
#: Arnoldi on a network Jacobian solved iteratively: values first asked for, relative
#: residual, and the margin (relative) by which the last must be left of the axis.
ITERATIVE_K = 3
ITERATIVE_TOL = 1e-3
ITERATIVE_MARGIN = 1e-2


def block_eigenvalues(J):
    """All M k + m eigenvalues of P = blockdiag(A_1, ..., A_M, D) (unit by unit, then macro)."""
    micro = J.A[:, 0, 0].astype(complex) if J.k == 1 else np.linalg.eigvals(J.A).ravel()
    return np.concatenate([micro, np.linalg.eigvals(J.macro).astype(complex)])


def secular(J, lam):
    """g(λ) = det(I_r + Vᵀ (P - λI)⁻¹ U) for an array of complex λ (any shape)."""
    lam = np.asarray(lam, dtype=complex)
    return _Secular(J).evaluate(lam.ravel())[0].reshape(lam.shape)


def count_unstable(J, *, discrete=False):
    """The exact number of eigenvalues with Re λ > 0 (flows), or of multipliers μ = λ + 1
    with |μ| > 1 when J = G' - I is the Jacobian of a map G minus the identity (maps).

    Counted with multiplicity by the argument principle (see :func:`_count_beyond`), with the
    boundary moved out by BOUNDARY x scale (scale: the largest block eigenvalue modulus, or
    multiplier modulus, at least 1): eigenvalues that close to it are not counted as unstable.
    Raises ArithmeticError if an eigenvalue sits on that shifted boundary to round-off.
    """
    sec = _Secular(J)
    return _count_beyond(sec, _stability_level(sec, discrete), discrete)


def polish(J, lam0, *, tol=1e-12, max_iter=30):
    """Newton's method on the secular function from approximate eigenvalues lam0 (any shape).

    λ ← λ - g/g' with g'/g = tr(T⁻¹ Vᵀ (P - λI)⁻² U), T = I + Vᵀ (P - λI)⁻¹ U (Jacobi's
    formula, and d/dλ (P - λI)⁻¹ = (P - λI)⁻²). A value is left unchanged if it is a block
    eigenvalue or Newton does not converge; starts near a block eigenvalue that stays an
    eigenvalue of J may converge to a nearby zero of g instead.
    """
    lam0 = np.asarray(lam0, dtype=complex)
    sec = _Secular(J)
    start = lam0.ravel()
    lam, ok = sec.newton(start, tol=tol, max_iter=max_iter)
    ok &= ~np.isin(start, sec.eigenvalues)
    return np.where(ok, lam, start).reshape(lam0.shape)


def leading_eigenvalues(J, count=6, *, discrete=False):
    """The `count` eigenvalues with the largest real part (flows) or the largest |λ + 1|
    (maps: multipliers minus one), in that order, and the exact number of unstable ones.

    Candidates are the block eigenvalues that stay and zeros of g found by Newton's method
    from seeds (see :func:`_seeds`); every value returned is a converged zero of g or a
    staying block eigenvalue. Completeness is verified by the argument principle: the number
    of eigenvalues beyond a level between the count-th candidate and the next one must equal
    the number of candidates beyond it. Failing that, more seeds, then Arnoldi seeds. If the
    candidates still do not account for the count, or the contour cannot be resolved (an
    eigenvalue on it to round-off), a Jacobian of at most DENSE_FALLBACK states is solved
    densely; a larger one raises ArithmeticError. A Jacobian with NaN or infinite entries
    raises ValueError.

    Returns
    -------
    values : ndarray (count,) complex
    n_unstable : int
    """
    _check_finite(J)
    try:
        return _secular_leading(J, count, discrete)
    except ArithmeticError:
        if J.shape[0] > DENSE_FALLBACK:
            raise
        return _dense_leading(J, count, discrete)


def _check_finite(J):
    for name, part in (("unit blocks", J.A), ("macro block", J.macro), ("U", J.U),
                       ("Vt", J.Vt)):
        if not np.all(np.isfinite(part)):
            raise ValueError(f"the Jacobian has NaN or infinite entries in its {name} (a "
                             f"derivative of the model that overflows at this state)")


def _dense_leading(J, count, discrete):
    """The leading eigenvalues and the unstable count from every eigenvalue of J, dense."""
    eig = np.linalg.eigvals(J.toarray())
    key = _key(discrete)
    eig = eig[np.lexsort((-eig.imag, -key(eig)))]
    scale = max(1.0, float(np.max(np.abs(eig + 1 if discrete else eig), initial=0.0)))
    level = 1 + BOUNDARY * scale if discrete else BOUNDARY * scale
    return eig[:count], int(np.sum(key(eig) > level))


def _secular_leading(J, count, discrete):
    sec = _Secular(J)
    count = min(count, sec.n)
    n_unstable = _count_beyond(sec, _stability_level(sec, discrete), discrete)
    key = _key(discrete)
    roots = np.empty(0, complex)
    level, beyond = _stability_level(sec, discrete), n_unstable
    for effort in (1, 4, 16, None, None):  # None: Arnoldi seeds
        if effort is None:
            seeds = _fallback_seeds(J, sec, level, max(beyond, count), discrete)
        else:
            seeds = _seeds(sec, key, effort * (count + 2 * sec.r + 4), lumped=effort == 1)
        roots = _add_roots(sec, seeds, roots)
        values = np.concatenate([sec.stays, roots])
        values = values[np.lexsort((-values.imag, -key(values)))]
        if values.size < count:
            continue
        level = (_map_level(sec, key(values), count) if discrete
                 else _level(sec, key(values), count, False))
        beyond = _count_beyond(sec, level, discrete)
        if beyond == np.sum(key(values) > level):
            return values[:count], n_unstable
    raise ArithmeticError(f"found {np.sum(key(values) > level)} of the {beyond} eigenvalues "
                          f"beyond {level:.6g}: the secular roots could not all be located")


# ---------------------------------------------------------------------- the secular function
class _Secular:
    """g(λ) of J as poles λ_j with r x r residues R_j, plus the blocks solved directly.

    Attributes: n, r; poles (p,), R (p, r, r) with numerical rank >= 1, weight = ||R_j||;
    stays (block eigenvalues in J's spectrum, with multiplicity); eigenvalues (all block
    eigenvalues); solved (list of (blocks, Vᵀ part, U part)); radius (|λ| >= radius implies
    ||K(λ)|| <= 1/2r, and bounds the spectrum of J); scale, map_scale (max |λ_j|, max |λ_j + 1|,
    at least 1).
    """

    def __init__(self, J):
        if J.coupling is not None:
            raise ValueError("the secular equation needs a block diagonal P: this Jacobian "
                             "has a network coupling part")
        n, r = J.U.shape
        nm = J.M * J.k
        groups = [(J.A, J.U[:nm].reshape(J.M, J.k, r),
                   J.Vt[:, :nm].reshape(r, J.M, J.k).transpose(1, 0, 2))]
        if J.n_macro:
            groups.append((J.macro[None], J.U[nm:][None], J.Vt[:, nm:][None]))
        parts = [_diagonalise(*group) for group in groups]
        poles, w, z, eigenvalues = (np.concatenate([p[i] for p in parts]) for i in range(4))
        self.solved = [p[4] for p in parts if p[4] is not None]
        self.n, self.r = n, r
        self.eigenvalues = eigenvalues
        self.scale = max(1.0, float(np.max(np.abs(eigenvalues), initial=0.0)))
        self.map_scale = max(1.0, float(np.max(np.abs(eigenvalues + 1), initial=0.0)))
        self._merge(poles, w, z)
        norm_p = max(np.sqrt(np.max(np.sum(b ** 2, axis=(1, 2)), initial=0.0)) for b, *_ in groups)
        norm_uv = np.linalg.norm(J.U, 2) * np.linalg.norm(J.Vt, 2) if r else 0.0
        self.radius = norm_p + 2 * r * norm_uv + 1e-300

    def _merge(self, poles, w, z):
        """Merge equal poles - equal to MERGE relative to the scale, as identical units are
        when their blocks come from finite differences; residues of numerical rank
        ρ < multiplicity μ leave μ - ρ copies of the pole in J's spectrum, and are truncated
        to that rank."""
        order = np.lexsort((poles.imag, poles.real))
        ordered = poles[order]
        labels = np.concatenate([[0], np.cumsum(np.abs(np.diff(ordered))
                                                > MERGE * self.scale)]).astype(int)
        inverse = np.empty_like(labels)
        inverse[order] = labels
        mult = np.bincount(labels)
        values = (np.bincount(labels, weights=ordered.real)
                  + 1j * np.bincount(labels, weights=ordered.imag)) / mult
        R = np.zeros((values.size, self.r, self.r), complex)
        np.add.at(R, inverse, w[:, :, None] * z[:, None, :])
        size = np.zeros(values.size)
        np.add.at(size, inverse, np.linalg.norm(w, axis=1) * np.linalg.norm(z, axis=1))
        u, s, vh = np.linalg.svd(R)
        # a residue below round-off of the spectral scale moves its pole by less than any
        # eigenvalue computation resolves (the backward error eps ||J||): the pole stays
        s[s <= 1e-11 * size[:, None] + 1e-15 * np.max(size, initial=0.0)
          + np.finfo(float).eps * self.scale] = 0.0
        rank = np.count_nonzero(s, axis=1)
        self.stays = np.repeat(values, mult - rank)
        coupled = rank > 0
        self.poles = values[coupled]
        self.R = ((u * s[:, None, :]) @ vh)[coupled]
        self.weight = np.linalg.norm(self.R, axis=(1, 2))

    def kernels(self, lam, derivative=False):
        """K(λ) = Vᵀ (P - λI)⁻¹ U and K'(λ) = Vᵀ (P - λI)⁻² U for a flat array of λ."""
        r = self.r
        K = np.zeros((lam.size, r, r), complex)
        dK = np.zeros_like(K) if derivative else None
        width = self.poles.size + sum(b.size for b, *_ in self.solved) + 1
        step = max(1, int(CHUNK // width))
        R = self.R.reshape(-1, r * r)
        for start in range(0, lam.size, step):
            part = slice(start, start + step)
            inv = 1.0 / (self.poles[None, :] - lam[part, None])
            K[part] = (inv @ R).reshape(-1, r, r)
            if derivative:
                dK[part] = ((inv * inv) @ R).reshape(-1, r, r)
            for blocks, Vt, U in self.solved:
                eye = np.eye(blocks.shape[1])
                inverse = np.linalg.inv(blocks[None] - lam[part, None, None, None] * eye)
                left = Vt[None] @ inverse
                K[part] += np.einsum("lbrs,bsq->lrq", left, U)
                if derivative:
                    dK[part] += np.einsum("lbrs,lbst,btq->lrq", left, inverse, U)
        return K, dK

    def evaluate(self, lam, derivative=False):
        """g(λ) and, if asked, g'/g = tr(T⁻¹ K'(λ)) with T = I + K(λ) (Jacobi's formula), for
        a flat array of λ; g'/g is inf where T is singular to the last bit."""
        if self.r == 0:
            return np.ones(lam.shape, complex), np.zeros(lam.shape, complex)
        K, dK = self.kernels(lam, derivative)
        T = np.eye(self.r) + K
        return np.linalg.det(T), _trace_solve(T, dK) if derivative else None

    def newton(self, lam, *, deflate=(), tol=1e-12, max_iter=30):
        """Newton on g(λ) / Π (λ - d) over the known zeros d: returns (λ, converged)."""
        lam = np.array(lam, dtype=complex)
        deflate = np.asarray(deflate, dtype=complex)
        active = np.isfinite(lam)
        ok = np.zeros(lam.shape, bool)
        last = np.full(lam.shape, np.inf)
        for _ in range(max_iter):
            if not active.any():
                break
            z = lam[active]
            with np.errstate(all="ignore"):
                dlog = self.evaluate(z, True)[1] - np.sum(1 / (z[:, None] - deflate), axis=1)
                step = -1 / dlog
            z = z + step
            good = np.isfinite(z) & (np.abs(z) <= 2 * self.radius)
            done = good & (np.abs(step) <= tol * np.maximum(1.0, np.abs(z)))
            idx = np.flatnonzero(active)
            lam[idx[good]] = z[good]
            ok[idx[done]] = True
            last[idx] = np.abs(step)
            active[idx[done | ~good]] = False
        # near a pole of order q Newton creeps away, λ - λ_j growing by 1 + 1/q a step:
        # a tiny step there is no convergence
        ok[ok] = self.pole_distance(lam[ok]) > 10 * last[ok]
        return lam, ok

    def pole_distance(self, lam):
        """Distance from each λ (flat) to the nearest block eigenvalue."""
        out = np.empty(lam.shape)
        step = max(1, int(CHUNK // (self.eigenvalues.size + 1)))
        for start in range(0, lam.size, step):
            part = slice(start, start + step)
            out[part] = np.min(np.abs(self.eigenvalues[None, :] - lam[part, None]), axis=1,
                               initial=np.inf)
        return out


def _trace_solve(T, B):
    """tr(T⁻¹ B) for stacks of r x r matrices; inf where T is singular to the last bit."""
    try:
        return np.trace(np.linalg.solve(T, B), axis1=1, axis2=2)
    except np.linalg.LinAlgError:
        out = np.full(T.shape[0], np.inf, complex)
        regular = np.linalg.det(T) != 0
        out[regular] = _trace_solve(T[regular], B[regular])
        return out


def _diagonalise(blocks, U, Vt):
    """Poles, residue factors w (rows of Vᵀ S) and z (rows of S⁻¹ U) of the well-conditioned
    blocks, all block eigenvalues, and the other blocks as (blocks, Vᵀ, U) to be solved."""
    s = blocks.shape[1]
    if s == 1:  # scalar blocks: the poles are the blocks themselves
        poles = blocks[:, 0, 0].astype(complex)
        return poles, Vt[:, :, 0].astype(complex), U[:, 0, :].astype(complex), poles, None
    lam, S = np.linalg.eig(blocks)
    sv = np.linalg.svd(S, compute_uv=False)
    good = np.isfinite(sv[:, 0]) & (sv[:, 0] <= MAX_CONDITION * sv[:, -1])
    S, Sinv = S[good], np.linalg.inv(S[good])
    shape = (S.shape[0] * s, U.shape[2])
    w = (Vt[good] @ S).transpose(0, 2, 1).reshape(shape)
    z = (Sinv @ U[good]).reshape(shape)
    solved = (blocks[~good], Vt[~good], U[~good]) if not good.all() else None
    return lam[good].ravel(), w, z, lam.ravel(), solved


# ---------------------------------------------------------------------- counting by the contour
def _key(discrete):
    """How far out an eigenvalue is: Re λ (flows), |λ + 1| (maps)."""
    return (lambda lam: np.abs(lam + 1)) if discrete else (lambda lam: lam.real)


def _stability_level(sec, discrete):
    """The shifted stability boundary: Re λ = BOUNDARY scale, or |μ| = 1 + BOUNDARY scale."""
    return 1 + BOUNDARY * sec.map_scale if discrete else BOUNDARY * sec.scale


def _count_beyond(sec, level, discrete):
    """Eigenvalues of J with Re λ > level (flows) or |λ + 1| > level (maps), by the argument
    principle: N(J) = N(P) + W, W the winding number of g around the region."""
    if discrete:  # count inside the circle, where g has no pole at infinity
        inside = np.sum(np.abs(sec.eigenvalues + 1) < level) + _winding_circle(sec, level)
        return int(sec.n - inside)
    return int(np.sum(sec.eigenvalues.real > level) + _winding_line(sec, level))


def _winding_line(sec, sigma):
    """Winding number of g around {Re λ > σ}: down the line Re λ = σ, back on a large
    semicircle where g → 1. Real J has g(conj λ) = conj g(λ), so with φ the continuous arg of
    g(σ + it), W = (φ(0) - φ(∞)) / π. Beyond t = radius, ||K|| <= 1/2r keeps every
    eigenvalue of I + K in the right half plane, so φ(∞) is the multiple of 2π nearest φ."""
    if sec.r == 0:
        return 0
    t_max = sec.radius
    far = np.abs(sec.eigenvalues - sigma)
    low = max(1e-3 * np.min(far[far > 0], initial=t_max), MIN_SPACING * t_max)
    near = _near_poles(sec, np.abs(sec.eigenvalues.real - sigma),
                       np.abs(sec.poles.real - sigma))
    grid = np.concatenate([[0.0, t_max], np.logspace(np.log10(low), np.log10(t_max),
                                                     4 * int(np.log10(t_max / low) + 2)),
                           np.abs(near.imag),
                           np.quantile(np.abs(sec.eigenvalues.imag), np.linspace(0, 1, 33))])
    change, end = _phase_change(sec, lambda t: sigma + 1j * t, lambda t: 1j + 0 * t, grid,
                                t_max, sec.scale)
    return _integer((np.angle(end) - change) / np.pi)


def _winding_circle(sec, rho):
    """Winding number of g around the circle |λ + 1| = ρ (counter-clockwise); by the
    conjugate symmetry, (φ(π) - φ(0)) / π with φ the continuous arg of g(-1 + ρ e^{iθ})."""
    if sec.r == 0:
        return 0
    near = _near_poles(sec, np.abs(np.abs(sec.eigenvalues + 1) - rho),
                       np.abs(np.abs(sec.poles + 1) - rho))
    angles = np.abs(np.angle(sec.eigenvalues + 1))
    grid = np.concatenate([np.linspace(0, np.pi, 33), np.abs(np.angle(near + 1)),
                           np.quantile(angles, np.linspace(0, 1, 33))])
    change, _ = _phase_change(sec, lambda t: -1 + rho * np.exp(1j * t),
                              lambda t: 1j * rho * np.exp(1j * t), grid, np.pi, 1.0)
    return _integer(change / np.pi)


def _near_poles(sec, distance, pole_distance):
    """Block eigenvalues that may hide a zero of g across the contour: the nearest ones, and
    the poles closer to it than a thousand times their residue (a zero of g lies within about
    ||R_j|| ||T⁻¹|| of its pole when the pole is isolated)."""
    nearest = np.argsort(distance)[:NEAREST_POLES]
    return np.concatenate([sec.eigenvalues[nearest],
                           sec.poles[pole_distance < 1e3 * sec.weight]])


def _phase_change(sec, curve, velocity, grid, t_max, t_ref):
    """Total change of arg g along curve(t), t from 0 to t_max (velocity: dλ/dt), and g at
    t_max.

    The samples start from `grid`; an interval is bisected (geometrically on long log-scale
    intervals) while arg g moves across it by more than MAX_PHASE_STEP, log|g| by more than
    MAX_LOG_STEP, or |d log g/dt| times its length exceeds 2 MAX_PHASE_STEP at an end (so
    that a fast turn cannot alias to a small step). An interval down to MIN_SPACING relative
    that still jumps by more than π/2 means a zero or pole of g on the contour:
    ArithmeticError.
    """
    t = np.unique(np.clip(grid, 0.0, t_max))
    g, rate = _sample(sec, curve(t), velocity(t))
    for _ in range(MAX_ROUNDS):
        ratio = g[1:] / g[:-1]
        step = np.angle(ratio)
        h = np.diff(t)
        bad = ((np.abs(step) > MAX_PHASE_STEP) | (np.abs(np.log(np.abs(ratio))) > MAX_LOG_STEP)
               | (np.maximum(np.abs(rate[1:]), np.abs(rate[:-1])) * h > 2 * MAX_PHASE_STEP))
        tiny = h <= MIN_SPACING * np.maximum(t[1:], t_ref)
        if np.any(bad & tiny & (np.abs(step) > np.pi / 2)):
            raise ArithmeticError("an eigenvalue lies on the contour (the stability boundary "
                                  "or the verification level) to round-off")
        split = bad & ~tiny
        if not split.any():
            return np.sum(step), g[-1]
        if t.size + split.sum() > MAX_SAMPLES:
            break
        a, b = t[:-1][split], t[1:][split]
        mid = np.where((a > 0) & (b > 4 * a), np.sqrt(a * b), (a + b) / 2)
        g_mid, rate_mid = _sample(sec, curve(mid), velocity(mid))
        order = np.argsort(np.concatenate([t, mid]))
        t = np.concatenate([t, mid])[order]
        g = np.concatenate([g, g_mid])[order]
        rate = np.concatenate([rate, rate_mid])[order]
    raise ArithmeticError("the phase of the secular function along the contour could not be "
                          "resolved")


def _sample(sec, lam, velocity):
    """g and d log g/dt along the contour."""
    g, dlog = sec.evaluate(lam, derivative=True)
    if not np.all(np.isfinite(g) & (g != 0) & np.isfinite(dlog)):
        raise ArithmeticError("the contour passes through an eigenvalue or a block eigenvalue")
    return g, dlog * velocity


def _integer(winding):
    n = round(float(winding))
    if abs(winding - n) > 0.1:
        raise ArithmeticError(f"non-integer winding number {winding:.3f}: J must be real")
    return n


# ---------------------------------------------------------------------- locating the zeros of g
def _seeds(sec, key, number, lumped):
    """Starting points for Newton: near each of the `number` outermost poles, the zeros
    λ_j + κ of the one-pole model det(T_j + R_j / (λ_j - λ)) = 0, κ the eigenvalues of
    T_j⁻¹ R_j with T_j = I + Σ_{i≠j} R_i / (λ_i - λ_j) (+ the solved blocks), and for the
    (nearly) real ones a companion off the real axis; if `lumped`, the eigenvalues of a small
    stand-in of J (size <= 8 + 48) that keeps the 8 outermost poles and lumps the others
    (seeds for the outliers); the solved blocks' eigenvalues, nudged."""
    if sec.r == 0:
        return np.empty(0, complex)
    r = sec.r
    top = np.argsort(-key(sec.poles))[:number]
    lam0 = sec.poles[top]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / (sec.poles[None, :] - lam0[:, None])
    inv[np.arange(top.size), top] = 0.0
    T = np.eye(r) + (inv @ sec.R.reshape(-1, r * r)).reshape(-1, r, r)
    for blocks, Vt, U in sec.solved:
        inverse = np.linalg.inv(blocks[None] - lam0[:, None, None, None] * np.eye(blocks.shape[1]))
        T += np.einsum("brs,lbst,btq->lrq", Vt, inverse, U)
    kappa = np.linalg.eigvals(np.linalg.pinv(T) @ sec.R[top])
    keep = np.abs(kappa) > 1e-10 * np.abs(kappa).max(initial=0)
    start, kappa = (lam0[:, None] + kappa)[keep], kappa[keep]
    # Newton from a real start stays real on real g: the companion reaches complex zeros
    real = np.abs(start.imag) < 0.25 * np.abs(kappa)
    one_pole = np.concatenate([start, start[real] + 0.5j * np.abs(kappa[real])])
    solved = np.concatenate([np.linalg.eigvals(b).ravel() for b, *_ in sec.solved] + [[]])
    solved = solved[np.argsort(-key(solved))[:number]]
    reduced = _reduced_eigenvalues(sec, top[:8], max(1, 16 // r)) if lumped else []
    return np.concatenate([one_pole, reduced, solved * (1 + 1e-6) + 1e-6])


def _reduced_eigenvalues(sec, top, clusters):
    """Eigenvalues of J̃ = diag(ν) + U' V'ᵀ whose secular function has the poles `top` and,
    for the other poles, one pole per cluster (slices of the real axis, upper and lower half
    planes apart) at their mean with the summed residue: V'ᵀ(diag(ν) - λ)⁻¹U' = Σ_c R_c/(ν_c - λ)
    with R_c = W_c Z_c factored by an SVD."""
    rest = np.setdiff1d(np.arange(sec.poles.size), top)
    rest = rest[np.argsort(sec.poles[rest].real)]
    side = np.sign(sec.poles[rest].imag).astype(int) + 1
    label = np.unique(np.arange(rest.size) * clusters // max(rest.size, 1) * 3 + side,
                      return_inverse=True)[1]
    size = np.bincount(label)
    centre = (np.bincount(label, sec.poles[rest].real)
              + 1j * np.bincount(label, sec.poles[rest].imag)) / np.maximum(size, 1)
    lumped = np.zeros((size.size, sec.r, sec.r), complex)
    np.add.at(lumped, label, sec.R[rest])
    nu = np.concatenate([sec.poles[top], centre])
    u, s, vh = np.linalg.svd(np.concatenate([sec.R[top], lumped]))
    keep = s > 1e-12 * s[:, :1]
    Vt = (u * s[:, None, :]).transpose(1, 0, 2)[:, keep]
    reduced = np.diag(np.broadcast_to(nu[:, None], keep.shape)[keep]) + vh[keep] @ Vt
    return np.linalg.eigvals(reduced)


def _fallback_seeds(J, sec, level, beyond, discrete):
    """All eigenvalues of a small J; else Arnoldi (ARPACK) for the `beyond` eigenvalues past
    the level (and a few more), as the largest in modulus of the Cayley transform
    C = I + 2τ (J - (σ+τ)I)⁻¹ (|c| > 1 exactly when Re λ > σ) with O(N) structured solves;
    for maps, of G = J + I. Arnoldi starts from a seeded normal vector (ARPACK's own start
    depends on its internal state); when it fails, there are no seeds."""
    from ..._linalg import LowRankSolver

    n = sec.n
    if n <= 64:
        return np.linalg.eigvals(J.toarray())
    k = min(beyond + 6, n - 2, 200)
    if discrete:
        op = spla.LinearOperator((n, n), matvec=lambda v: J.matvec(v) + v, dtype=float)
        shift = -1.0
    else:
        tau = sec.radius  # |c| then grows nearly with Re λ over the whole spectrum
        shift = level + tau
        solver = LowRankSolver(J.A - shift * np.eye(J.k)[None],
                               J.macro - shift * np.eye(J.n_macro), J.U, J.Vt)
        op = spla.LinearOperator((n, n), matvec=lambda v: v + 2 * tau * solver.solve(v),
                                 dtype=float)
    v0 = np.random.default_rng(ARNOLDI_SEED).standard_normal(n)
    try:
        c = spla.eigs(op, k=k, which="LM", return_eigenvectors=False, tol=1e-10,
                      maxiter=1000, v0=v0)
    except spla.ArpackNoConvergence as partial:
        c = partial.eigenvalues
    except spla.ArpackError:  # e.g. an invariant subspace exhausted (info -9): no seeds
        return np.empty(0, complex)
    return c + shift if discrete else shift + 2 * tau / (c - 1)


def _add_roots(sec, seeds, roots):
    """Newton from the seeds (deflating the known zeros); the new zeros, with their exact
    conjugates, joined to `roots`. Seeds that reach a zero found before them run again,
    deflating it."""
    for _ in range(2):
        lam, ok = sec.newton(seeds, deflate=roots)
        lam = lam[ok]
        lam = np.where(np.abs(lam.imag) <= 1e-12 * np.maximum(1, np.abs(lam)), lam.real, lam)
        lam = np.where(lam.imag < 0, lam.conj(), lam)  # one of each conjugate pair
        new = _distinct(lam, roots)
        roots = np.concatenate([roots, lam[new], lam[new & (lam.imag > 0)].conj()])
        seeds = seeds[ok][~new]
        if not new.any() or not seeds.size:
            break
    return roots


def _distinct(lam, known, tol=1e-10):
    """Mask of the first of each group of values of lam within tol (relative) of each other,
    leaving out those near a known value."""
    new = np.zeros(lam.size, bool)
    for i, z in enumerate(lam):
        pool = np.concatenate([known, lam[:i][new[:i]]])
        new[i] = not np.any(np.abs(pool - z) <= tol * max(1.0, abs(z)))
    return new


def _level(sec, keys, count, discrete):
    """A level between the count-th key (sorted decreasingly) and the next smaller one."""
    v = keys[count - 1]
    below = keys[keys < v - BOUNDARY * sec.scale]
    if below.size:
        return (v + below[0]) / 2
    gap = 1e-3 * sec.scale
    return max(v - gap, v / 2) if discrete else v - gap


def _map_level(sec, keys, count):
    """The verification level for maps, at least 1e-3 of the scale: a circle |λ + 1| = ρ
    closer to the multiplier 0 than that would pass through the round-off cluster of
    multipliers there (units whose state is reset every period)."""
    return max(_level(sec, keys, count, True), 1e-3 * sec.map_scale)


# ---------------------------------------------------------------------- network Jacobians
def network_leading_eigenvalues(J, count=6):
    r"""The `count` rightmost eigenvalues of a flow's Jacobian with a sparse network part
    (:class:`~coupling._linalg.StructuredJacobian` with ``coupling``), and the exact number
    with Re λ > 0.

    The secular function needs P block-diagonal, which a network part is not. At a uniform
    state of identical units on a ring or torus (the Jacobian's ``translations``), every
    eigenvalue comes from the Fourier modes of the network, exactly and in O(N)
    (:func:`~coupling.analysis.bifurcation._bloch.bloch_eigenvalues`). Otherwise, up to
    NETWORK_DENSE states every eigenvalue is computed densely; a network whose LU would fill in
    (``J.iterative``) by Arnoldi on J itself (:func:`_rightmost_by_arnoldi`); otherwise by
    shift-invert
    Arnoldi (ARPACK, a seeded starting vector) on the Cayley transform
    :math:`C = I + 2\tau (J - \tau I)^{-1}`, whose eigenvalues c = (λ + τ)/(λ - τ) have
    |c| > 1 exactly when Re λ > 0. τ bounds ‖J‖_∞ (then |c| grows nearly with Re λ over the
    whole spectrum). Each application of C is one solve with the sparse LU of the
    block-diagonal-plus-network part and the low-rank aggregates through Woodbury
    (:meth:`StructuredJacobian.shifted`), O(N) for a sparse network of bounded degree. The
    number k of values asked for doubles until the k-th largest |c| is below 1 (Re λ < 0
    beyond the BOUNDARY margin): all the unstable eigenvalues are then among those found,
    and the count is exact. The leading values are the rightmost of those found. The Krylov
    space has 4k vectors (twice ARPACK's default): the rest of the spectrum of a large ring
    is a tight cluster (spacing O(1/N²) at its edges), which the default space resolves only
    after thousands of restarts. k grows
    fourfold; up to DENSE_FALLBACK states, a k beyond n/8 (a sizeable share of the spectrum
    unstable, where Arnoldi costs more than a dense eig) or an Arnoldi run that does not
    converge (a tight cluster of eigenvalues) is replaced by the dense computation.

    Raises ArithmeticError, beyond DENSE_FALLBACK states, if Arnoldi does not converge or
    more than NETWORK_MAX_K values would be needed; ValueError for NaN or infinite entries.
    """
    _check_finite(J)
    if not np.all(np.isfinite(J.coupling.data)):
        raise ValueError("the Jacobian has NaN or infinite entries in its network part")
    lam = bloch_eigenvalues(J)
    if lam is not None:
        return _rightmost(lam, count)
    n = J.shape[0]
    if n <= NETWORK_DENSE:
        return _dense_leading(J, count, False)
    if J.iterative:
        return _rightmost_by_arnoldi(J, count)
    tau = _norm_bound(J)
    solver = J.shifted(tau)
    op = spla.LinearOperator((n, n), matvec=lambda v: v + 2 * tau * solver.solve(v),
                             dtype=float)
    v0 = np.random.default_rng(ARNOLDI_SEED).standard_normal(n)
    k = min(count + 8, n - 2)
    while True:
        try:
            c = spla.eigs(op, k=k, which="LM", return_eigenvectors=False, tol=1e-12,
                          maxiter=5000, v0=v0, ncv=min(n - 1, 4 * k))
        except spla.ArpackError as error:  # ArpackNoConvergence included
            if n <= DENSE_FALLBACK:
                return _dense_leading(J, count, False)
            raise ArithmeticError(f"shift-invert Arnoldi did not converge ({error})") \
                from None
        lam = tau + 2 * tau / (c - 1)
        level = BOUNDARY * max(1.0, float(np.max(np.abs(lam))))
        if np.min(lam.real) < -level or k >= n - 2:
            return _rightmost(lam, count)
        grown = min(4 * k, n - 2, NETWORK_MAX_K)
        # a sizeable share of the spectrum unstable: a dense eig costs less than Arnoldi
        if n <= DENSE_FALLBACK and (8 * grown > n or grown == k):
            return _dense_leading(J, count, False)
        if grown == k:
            raise ArithmeticError(f"more than {k} eigenvalues of the network Jacobian are "
                                  f"near or beyond the imaginary axis")
        k = grown


def _rightmost(lam, count):
    """The `count` rightmost of the eigenvalues lam (more if more are unstable), and how
    many are beyond the BOUNDARY margin of the imaginary axis."""
    lam = lam[np.lexsort((-lam.imag, -lam.real))]
    level = BOUNDARY * max(1.0, float(np.max(np.abs(lam))))
    unstable = int(np.sum(lam.real > level))
    return lam[:max(count, unstable)], unstable


def _rightmost_by_arnoldi(J, count):
    r"""The rightmost eigenvalues of a network Jacobian whose LU would fill in, by implicitly
    restarted Arnoldi on J itself (ARPACK, ``which="LR"``; matrix-vector products only,
    O(N) each), and the exact unstable count.

    k = ITERATIVE_K values are asked for, to a relative residual ITERATIVE_TOL, doubling
    until the k-th has Re θ < -ITERATIVE_MARGIN |θ| (beyond its own error): every unstable
    eigenvalue is then among those found. The tolerance is loose on purpose: the values
    beyond the first few lie at the edge of the network's bulk spectrum, a cluster of
    spacing N^{-2/3} that a tight tolerance would resolve only after thousands of
    restarts; the isolated leading values converge to round-off well before it is met.
    """
    n = J.shape[0]
    op = spla.LinearOperator((n, n), matvec=J.matvec, dtype=float)
    v0 = np.random.default_rng(ARNOLDI_SEED).standard_normal(n)
    k = min(ITERATIVE_K, n - 2)
    while True:
        try:
            lam = spla.eigs(op, k=k, which="LR", return_eigenvectors=False,
                            tol=ITERATIVE_TOL, maxiter=5000, v0=v0,
                            ncv=min(n - 1, max(2 * k + 1, 20)))
        except spla.ArpackError as error:
            raise ArithmeticError(f"Arnoldi did not converge ({error})") from None
        last = lam[np.argmin(lam.real)]
        if last.real < -ITERATIVE_MARGIN * abs(last) or k >= n - 2:
            return _rightmost(lam, count)
        if k >= NETWORK_MAX_K:
            raise ArithmeticError(f"more than {k} eigenvalues of the network Jacobian are "
                                  f"near or beyond the imaginary axis")
        k = min(2 * k, n - 2, NETWORK_MAX_K)


def _norm_bound(J):
    """An upper bound of ‖J‖_∞ (at least 1): unit blocks, macro block, network part and
    low-rank part U Vᵀ, row sums of absolute values."""
    rows = [np.abs(J.A).sum(axis=2).max(initial=0.0),
            np.abs(J.macro).sum(axis=1).max(initial=0.0),
            np.asarray(abs(J.coupling).sum(axis=1)).max(initial=0.0),
            np.abs(J.U).sum(axis=1).max(initial=0.0) * np.abs(J.Vt).sum(axis=1).max(initial=0.0)]
    return max(1.0, float(sum(rows)))
