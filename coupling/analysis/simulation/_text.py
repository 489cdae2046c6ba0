"""Plain-text tables for the summaries of the simulation analyses."""


def counted(n, singular, plural):
    """"1 jump", "2 jumps"."""
    return f"{n} {singular if n == 1 else plural}"


def number_widths(headings):
    """Column widths for numbers printed with ``:.6g`` under ``headings``."""
    return [max(len(heading), 12) + 2 for heading in headings]


def optional(value):
    """A number with ``:.6g``, or "-" for none (None or NaN)."""
    return "-" if value is None or value != value else f"{value:.6g}"


def row(cells, widths):
    """A table row: the first cell left-aligned, the others right-aligned."""
    first, *rest = cells
    return f"  {first!s:<{widths[0]}}" + "".join(f"{cell!s:>{width}}"
                                                for cell, width in zip(rest, widths[1:]))
