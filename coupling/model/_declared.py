"""Declarations travel between processes as what was declared.

A pickled declaration (a model, its rules, its reduction) is rebuilt through its constructor
in the receiving process, so it is checked there again and never carries compiled code:
the compiled expressions are rebuilt on first use, once per process.
"""

from dataclasses import fields
from types import MappingProxyType


class Declared:
    """Mixin for frozen dataclasses whose constructor freezes and checks its fields."""

    def __reduce__(self):
        values = {f.name: _thawed(getattr(self, f.name)) for f in fields(self) if f.init}
        return _rebuild, (type(self), values)


def _rebuild(cls, values):
    return cls(**values)


def _thawed(value):
    return dict(value) if isinstance(value, MappingProxyType) else value
