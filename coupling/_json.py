"""The package's one JSON conversion: results and records in strict JSON types."""

import json
import math
from collections.abc import Mapping

import numpy as np


def jsonable(value):
    """``value`` in plain JSON types.

    Mappings become dicts with string keys; sequences and arrays lists; numpy scalars Python
    numbers; complex numbers ``{"re": ..., "im": ...}``; non-finite numbers ``None`` (strict
    JSON has no NaN or infinity); objects with a ``to_dict()`` their dict.
    """
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, complex):
        return {"re": jsonable(value.real), "im": jsonable(value.imag)}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "to_dict") and not isinstance(value, type):
        return jsonable(value.to_dict())
    return value


def dumps(value, **options):
    """Strict JSON text of ``value`` (``json.dumps`` with ``allow_nan=False``)."""
    return json.dumps(jsonable(value), allow_nan=False, **options)
