"""The catalogue of canonical models, by name."""

import importlib
import inspect
import pkgutil

from . import _checks


def _modules():
    from . import models

    found = {}
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"{models.__name__}.{info.name}")
        if hasattr(module, "build") and hasattr(module, "NAME"):
            found[module.NAME] = module
    return dict(sorted(found.items()))


def catalog():
    """Catalogue model names -> one-line descriptions."""
    return {name: module.SUMMARY for name, module in _modules().items()}


def load(name, **values):
    """A catalogue model by name, with parameter values (and model options) overridden.

    Keyword arguments that ``build`` of the model file takes (structural options such as
    whether a macro variable is included) are passed to it; the rest must be parameters.

    Raises
    ------
    UnknownNameError
        ``name`` is not in the catalogue, or a keyword is neither a parameter of the model
        nor an option of its ``build`` (with the closest name in both cases).

    Examples
    --------
    >>> import coupling as cp
    >>> cp.load("social-choice", beta=1.5, h=0.1).parameters["h"]
    0.1
    """
    modules = _modules()
    _checks.known(name, modules, argument="name", what="a model of the catalogue",
                  level="catalog")
    build = modules[name].build
    options = set(inspect.signature(build).parameters)
    model = build(**{k: v for k, v in values.items() if k in options})
    params = {k: v for k, v in values.items() if k not in options}
    for key in params:
        _checks.known(key, [*model.parameters, *options], argument=f"load({name!r})",
                      what="a parameter or build option of the model", level="parameters")
    return model.with_parameters(**params)


def reduced_form(name):
    """The relation a catalogue model offers for policy-regime tests (its ``REDUCED_FORM``,
    e.g. ``"u ~ inflation"``), or None (also for a model file)."""
    return getattr(_modules().get(name), "REDUCED_FORM", None)
