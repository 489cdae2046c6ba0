"""Figures of several results side by side, as the command line saves them."""

from ._common import _panels
from ._simulation import plot_delay_scaling


def plot_hysteresis_rates(loop, *, axes=None):
    """Two panels of a :class:`~coupling.HysteresisLoop` swept at several rates: the loop
    over the continuation, and the delay of the jumps after the folds against the rate.
    Returns the two Axes."""
    left, right = axes = _panels(axes, (1, 2), (12, 4.5))
    loop.plot(ax=left)
    plot_delay_scaling(loop.scaling, ax=right)
    return axes
