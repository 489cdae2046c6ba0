r"""Every eigenvalue of a translation-invariant network Jacobian, by its Fourier (Bloch) modes.

At a uniform state of identical units on a ring or torus network
(:func:`~coupling.networks.translations`), the structured Jacobian

.. math::  J = \mathrm{blockdiag}(A) + \sum_s B_s \otimes T^s + U V^T

(k x k unit block A, one k x k block B_s per network offset s, T the translation, U Vᵀ the
global aggregates and macro variables) commutes with the translations. Its eigenvectors
are then Fourier modes :math:`x_j = e^{i\theta\cdot j}\,\xi` over the units, with
:math:`\theta = 2\pi (q_1/R, q_2/C)` (a ring: :math:`2\pi q/N`); the global means and the
macro variables see only the uniform mode q = 0. So

* for each q ≠ 0 the k eigenvalues of :math:`\hat A(q) = A + \sum_s B_s e^{i\theta\cdot s}`;
* for q = 0 the k + m eigenvalues of J on its invariant subspace of uniform micro states and
  macro variables, k + m products with J.

That is all Nk + m eigenvalues, exactly (the finite-ring correction included: θ runs over
the N modes of this ring, not a continuum), in O(N d k² + N k³) for d ties per unit: the
discrete Fourier transform of the network (Davis 1979, "Circulant Matrices", §5.6; Ashcroft
& Mermin 1976, "Solid State Physics", ch. 8). Whether a Jacobian has this structure is
checked in numbers, not assumed: the same A, B_s and aggregate factors at every unit, within
HOMOGENEOUS of their scale.
"""

import numpy as np

#: Largest difference between units' blocks (relative to their scale) that still counts as
#: the same block: Newton's uniform states agree to round-off.
HOMOGENEOUS = 1e-10


def bloch_eigenvalues(J):
    """Every eigenvalue of a network Jacobian with declared ``translations``, or None when its
    blocks differ between units (a state that is not uniform, or heterogeneous units)."""
    if J.translations is None:
        return None
    symmetry, blocks = J.translations
    A, nm = J.A, J.M * J.k
    d = len(symmetry.offsets)
    pattern = np.empty((d, J.k, J.k))
    pattern[symmetry.edge_offset[:d]] = blocks[:d]  # B_s from unit 0's ties
    Um, Vm = J.U[:nm].reshape(J.M, J.k, -1), J.Vt[:, :nm].reshape(-1, J.M, J.k)
    if not (_same(A, A[:1]) and _same(blocks, pattern[symmetry.edge_offset])
            and _same(Um, Um[:1]) and _same(Vm, Vm[:, :1])):
        return None
    modes = np.stack(np.meshgrid(*[np.arange(p) for p in symmetry.shape], indexing="ij"),
                     axis=-1).reshape(-1, len(symmetry.shape))[1:]
    theta = 2 * np.pi * modes / np.asarray(symmetry.shape)
    phases = np.exp(1j * theta @ symmetry.offsets.T)  # (N - 1, d)
    symbols = A[0] + np.einsum("qs,sab->qab", phases, pattern)
    return np.concatenate([np.linalg.eigvals(symbols).ravel(), _uniform_mode(J)])


def _uniform_mode(J):
    """The k + m eigenvalues of J on the uniform micro states and the macro variables."""
    k, m, nm = J.k, J.n_macro, J.M * J.k
    reduced = np.empty((k + m, k + m))
    for a in range(k + m):
        basis = np.zeros(J.shape[0])
        if a < k:
            basis[a:nm:k] = 1.0
        else:
            basis[nm + a - k] = 1.0
        image = J.matvec(basis)
        reduced[:k, a], reduced[k:, a] = image[:k], image[nm:]
    return np.linalg.eigvals(reduced)


def _same(values, reference):
    """values equal to reference (broadcast) within HOMOGENEOUS of their scale."""
    scale = max(float(np.max(np.abs(values), initial=0.0)), 1e-300)
    return float(np.max(np.abs(values - reference), initial=0.0)) <= HOMOGENEOUS * scale
