"""Helpers shared by the figures: a fresh Axes, or a row or column of panels."""


def _axes(ax):
    """``ax``, or the Axes of a new figure when it is None."""
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    return ax


def _panels(axes, shape, figsize):
    """``axes``, or the panels of a new figure with ``shape`` (rows, columns) when it is
    None."""
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(*shape, figsize=figsize, layout="constrained")
    return axes
