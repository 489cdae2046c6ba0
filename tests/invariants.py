"""BifurcationKit-style invariants every continuation result must satisfy."""

import numpy as np

#: How much the unstable count changes across each kind of special point.
JUMPS = {"fold": 1, "branch": 1, "hopf": 2, "singular-hopf": 2, "flip": 1,
         "neimark-sacker": 2}


def jump(point):
    """The change of the unstable count across a special point (pairs crossing together
    count with their multiplicity)."""
    return JUMPS[point.kind] * point.data.get("multiplicity", 1)


def count_unstable(values):
    """Eigenvalues with a positive real part beyond round-off (stored NaNs ignored)."""
    values = values[~np.isnan(values)]
    scale = max(1.0, float(np.max(np.abs(values)))) if values.size else 1.0
    return int(np.sum(values.real > 1e-9 * scale))


def check_invariants(diagram, slow=0):
    """The recorded stability matches the signs of the stored eigenvalues; every special
    point lies in its interval; the unstable count jumps across it by at least its amount;
    and every change of the count between two vertices is explained by special points there.

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
        # at least its own jump (two special points on neighbouring vertices add theirs)
        assert abs(int(after) - int(before)) >= jump(point), point
    for index, branch in enumerate(diagram.branches):  # every change is explained
        points = [p for p in diagram.special_points if p.branch == index]
        for i in np.flatnonzero(np.diff(branch.n_unstable)):
            lo, hi = sorted(branch.param[i:i + 2])
            near = [p for p in points if lo - 1e-9 <= p.param <= hi + 1e-9]
            change = abs(int(branch.n_unstable[i + 1]) - int(branch.n_unstable[i]))
            assert sum(jump(p) for p in near) >= change, (branch.param[i], change, near)
