"""Where the example scripts write their figures: the working directory, or with ``--docs``
the README's figures in docs/ (to renew them on purpose)."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def destination(name):
    """``docs/name`` when the script was run with ``--docs``, else ``./name``."""
    path = DOCS / name if "--docs" in sys.argv[1:] else Path(name)
    print(f"figure: {path}")
    return path
