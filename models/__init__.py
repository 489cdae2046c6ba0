"""The catalogue of canonical models, installed as ``coupling.models``.

Each module documents its equations and source and defines ``NAME``, ``SUMMARY`` and
``build(**options) -> coupling.Model``. Load one with ``coupling.load(NAME, **parameters)``.
"""
