"""The figure of an :class:`~coupling.OrbitDiagram`: the kept points against the parameter."""

import numpy as np

from ._common import _axes


def plot_orbit_diagram(diagram, *, ax=None, **style):
    """Every kept point (parameter value, observable value) as a small dot with some
    transparency, so that dense (chaotic) bands read as shading and cycles as lines.
    ``style`` overrides the defaults passed to ``Axes.scatter`` (``s=0.5``,
    ``alpha=0.5``, ``color="black"``, ``linewidths=0``)."""
    ax = _axes(ax)
    keep = diagram.points.shape[1]
    options = {"s": 0.5, "alpha": 0.5, "color": "black", "linewidths": 0, **style}
    ax.scatter(np.repeat(diagram.values, keep), diagram.points.ravel(), **options)
    ax.set_xlabel(diagram.parameter)
    ax.set_ylabel(diagram.observable)
    ax.set_title(f"orbit diagram ({diagram.keep} periods kept after "
                 f"{diagram.transient})")
    return ax
