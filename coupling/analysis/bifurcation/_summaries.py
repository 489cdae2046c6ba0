"""Text summaries of the bifurcation results: diagrams and two-parameter curves (equilibria
summarise themselves).

Each function returns a few lines for a person (the command line prints them under the
model, its parameter values and its population): one row per branch, curve or
special point, numbers to six significant digits (parameters of special points to twelve).
"""

from ..._text import counted, number_widths, row


def diagram_summary(diagram, observable=None):
    """The parameter range continued (``diagram.interval``), one row per branch of a
    :class:`~coupling.BifurcationDiagram` (points, ranges of the parameter and of
    ``observable``, how it ended) and one per special point.

    ``observable`` is an aggregate or macro variable (default: the first aggregate, else
    the first macro variable).
    """
    observable = observable or (diagram.aggregate_names + diagram.macro_names)[0]
    lo, hi = diagram.interval
    lines = [f"continued   {diagram.parameter} from {lo:g} to {hi:g}"]
    return "\n".join(lines + _branches_table(diagram, observable)
                     + _special_points_table(diagram))


def _branches_table(diagram, observable):
    """One row per branch: points, ranges of the parameter and ``observable``, its end."""
    p = diagram.parameter
    headings = ("#", "points", f"{p} min", f"{p} max", f"{observable} min",
                f"{observable} max")
    widths = (3, 8, *number_widths(headings[2:]))
    heading = counted(len(diagram.branches), "branch", "branches")
    if not diagram.branches:
        return [heading]
    lines = [f"{heading}:", row(headings, widths) + "   ended"]
    for i, branch in enumerate(diagram.branches):
        values = diagram.observable(branch, observable)
        ranges = (branch.param.min(), branch.param.max(), values.min(), values.max())
        lines.append(row((i, len(branch), *(f"{v:.6g}" for v in ranges)), widths)
                     + f"   {branch.message or 'at the ends of the range'}")
    return lines


def _special_points_table(diagram):
    """One row per special point: kind, branch, parameter (12 digits), state, status, and
    its data (a Hopf frequency, a Lyapunov coefficient)."""
    points = diagram.special_points
    names = diagram.macro_names + diagram.aggregate_names
    widths = (8, 8, 20, *number_widths(names), 11)
    heading = counted(len(points), "special point", "special points")
    if not points:
        return [heading]
    lines = [f"{heading}:", row(("kind", "branch", diagram.parameter, *names, "status"),
                                widths)]
    for point in points:
        data = "".join(f"  {key}={value:.6g}" for key, value in point.data.items())
        lines.append(row((point.kind, point.branch, f"{point.param:.12g}",
                          *(f"{point.state[n]:.6g}" for n in names), point.status), widths)
                     + data)
    return lines


def curve_summary(curve):
    """The parameter box, one row per curve of a :class:`~coupling.FoldCurve` (points and
    the ranges of both parameters) and one per special point (cusps, Bogdanov–Takens
    points), with both parameters to twelve digits."""
    p1, p2 = curve.parameters
    (a0, a1), (b0, b1) = curve.bounds
    what = "folds" if curve.kind == "fold" else "Hopf points"
    lines = [f"{what + ' in':<11} {p1} from {a0:g} to {a1:g}, {p2} from {b0:g} to {b1:g}"]
    heading = counted(len(curve.curves), f"{curve.kind} curve", f"{curve.kind} curves")
    if not curve.curves:
        lines.append(f"{heading}: no {what} in {p1} at the model's value of {p2}, where "
                     "the curves start")
    else:
        headings = ("#", "points", f"{p1} min", f"{p1} max", f"{p2} min", f"{p2} max")
        widths = (3, 8, *number_widths(headings[2:]))
        lines += [f"{heading}:", row(headings, widths)]
        for i, points in enumerate(curve.curves):
            ranges = (*_extent(points[:, 0]), *_extent(points[:, 1]))
            lines.append(row((i, len(points), *(f"{v:.6g}" for v in ranges)), widths))
    points = curve.special_points
    heading = counted(len(points), "special point", "special points")
    if not points:
        return "\n".join([*lines, heading])
    names = list(points[0].state)
    widths = (8, 8, 20, 20, *number_widths(names), 11)
    lines += [f"{heading}:", row(("kind", "curve", p1, p2, *names, "status"), widths)]
    for p in points:
        lines.append(row((p.kind, p.branch, f"{p.param:.12g}", f"{p.data['p2']:.12g}",
                          *(f"{p.state[n]:.6g}" for n in names), p.status), widths))
    return "\n".join(lines)


def _extent(values):
    return values.min(), values.max()
