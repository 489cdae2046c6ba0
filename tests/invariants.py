"""BifurcationKit-style invariants every continuation result must satisfy."""

import numpy as np

#: How much the unstable count changes across each kind of special point.
JUMPS = {"fold": 1, "branch": 1, "hopf": 2, "singular-hopf": 2}


def count_unstable(values):
    """Eigenvalues with a positive real part beyond round-off (stored NaNs ignored)."""
    values = values[~np.isnan(values)]
    scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
    return int(np.sum(values.real > 1e-9 * scale))


def check_invariants(diagram, slow=0):
    """The recorded stability matches the signs of the stored eigenvalues; every special
    point lies in its interval; the unstable count jumps across it by the right amount.

    ``slow``: for a response rule, the number of slow eigenvalues stored before the fast ones
    (the two groups are in different time units and are judged each on its own scale)."""
    for branch in diagram.branches:
        recount = [count_unstable(row[:slow]) + count_unstable(row[slow:])
                   for row in branch.eigenvalues]
        assert np.array_equal(recount, branch.n_unstable)
        assert np.array_equal(branch.stable, branch.n_unstable == 0)
    for point in diagram.special_points:
        lo, hi = point.interval
        assert lo - 1e-12 <= point.param <= hi + 1e-12, point
        branch = diagram.branches[point.branch]
        name, value = next(iter(point.state.items()))
        i = int(np.argmin(np.abs(branch.param - point.param)
                          + np.abs(diagram.observable(branch, name) - value)))
        before = branch.n_unstable[max(i - 1, 0)]
        after = branch.n_unstable[min(i + 1, len(branch) - 1)]
        assert abs(int(after) - int(before)) == JUMPS[point.kind], point
