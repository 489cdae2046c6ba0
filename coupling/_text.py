"""Plain-text tables for the summaries of results: counts, column widths, rows."""


def counted(n, singular, plural):
    """``n`` with the noun that fits it: "1 branch", "2 branches"."""
    return f"{n} {singular if n == 1 else plural}"


def number_widths(headings):
    """Column widths for numbers printed with ``:.6g`` under ``headings``."""
    return [max(len(heading), 12) + 2 for heading in headings]


def optional(value):
    """A number with ``:.6g``, or "-" for none (None or NaN)."""
    return "-" if value is None or value != value else f"{value:.6g}"


def row(cells, widths):
    """A table row: the first cell left-aligned, the others right-aligned, each in its
    width."""
    first, *rest = cells
    return f"  {first!s:<{widths[0]}}" + "".join(f"{cell!s:>{width}}"
                                                for cell, width in zip(rest, widths[1:]))
