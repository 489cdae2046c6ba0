"""Progress of long work on stderr: a tqdm bar when tqdm is installed, else a line per step
of the percentage done with the estimated time left.

An analysis with a ``progress=`` option wraps its main loop::

    for value in progress(values, description="attractors", enabled=progress_option):
        ...

``enabled=None`` (the default of such options) shows progress only when stderr is a
terminal, so that logs and pipes stay clean; ``True`` forces it, ``False`` silences it.
"""

import sys
import time

#: The plain fallback prints a line each time the work done passes a multiple of this
#: percentage.
STEP = 10


def progress(iterable, *, total=None, description="", enabled=None, stream=None):
    """``iterable``, reporting its progress on ``stream`` (default stderr).

    Parameters
    ----------
    iterable : iterable
        The work, one item per step.
    total : int, optional
        The number of steps (default ``len(iterable)``; without either there is no
        percentage: tqdm counts the steps, the plain fallback stays silent).
    description : str
        What is being done, shown before the bar or at the start of each line.
    enabled : bool or None
        True to show progress, False not to, None (default) to show it only when the
        stream is a terminal.
    stream : file, optional
        Where to write (default ``sys.stderr``).

    Returns
    -------
    iterable
        ``iterable`` itself when progress is off; else an iterator over the same items.

    Raises
    ------
    TypeError
        If ``enabled`` is not True, False or None.

    Examples
    --------
    >>> items = [1, 2, 3]
    >>> progress(items, enabled=False) is items
    True
    """
    stream = sys.stderr if stream is None else stream
    if not _enabled(enabled, stream):
        return iterable
    if total is None and hasattr(iterable, "__len__"):
        total = len(iterable)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _lines(iterable, total, description, stream)
    return tqdm(iterable, total=total, desc=description or None, file=stream, leave=False)


def _enabled(enabled, stream):
    if enabled is None:
        return bool(getattr(stream, "isatty", lambda: False)())
    if not isinstance(enabled, bool):
        raise TypeError(f"progress must be True, False or None, got {enabled!r}")
    return enabled


def _lines(iterable, total, description, stream):
    """The plain fallback: a line "description: 40% (4/10), about 3 s left" each time the
    percentage done passes a multiple of STEP (nothing when ``total`` is unknown); the time
    left extrapolates the mean time per step so far."""
    prefix = f"{description}: " if description else ""
    shown, start = 0, time.perf_counter()
    for done, item in enumerate(iterable, start=1):
        yield item
        percent = 100 * done // total if total else 0
        if percent >= shown + STEP:
            shown = percent - percent % STEP
            left = (time.perf_counter() - start) / done * (total - done)
            eta = f", about {duration(left)} left" if done < total else ""
            print(f"{prefix}{percent}% ({done}/{total}){eta}", file=stream, flush=True)


def duration(seconds):
    """``seconds`` for a person: "4 s", "2 min 5 s", "1 h 3 min".

    >>> duration(3.4), duration(125), duration(3790)
    ('3 s', '2 min 5 s', '1 h 3 min')
    """
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min"
