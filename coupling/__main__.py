"""``python -m coupling``: the command line of :mod:`coupling.cli`."""

import sys

from .cli import main

sys.exit(main())
