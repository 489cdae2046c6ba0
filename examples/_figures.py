"""Where the example scripts write their figures: the working directory, or with ``--docs``
the README's figures in docs/ (to renew them on purpose)."""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent.parent / "docs"


def destination(name):
    """``docs/name`` when the script was run with ``--docs``, else ``./name`` (its folder
    made if needed)."""
    path = DOCS / name if "--docs" in sys.argv[1:] else Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"figure: {path}")
    return path
