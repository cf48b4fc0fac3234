"""Names a package imports on first use (:pep:`562`), so a command loads only what it needs.

A package lists, for each public name, the module that defines it; the first access imports
that module and keeps the value in the package, so later accesses cost nothing. A name that is
itself a submodule of the package (``citykpi.catalogue.units``) maps to that module.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: MutableMapping[str, object]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """Return a package's ``__getattr__`` and ``__dir__`` that import ``exports`` on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Public name -> full name of the module that defines it.
    namespace
        The package's ``globals()``, where each value is kept once imported.

    Returns
    -------
    tuple of callables
        ``(__getattr__, __dir__)``, to assign at module level.
    """

    def getattr_(name: str) -> object:
        module = exports.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        imported = importlib.import_module(module)
        value = imported if module == f"{package}.{name}" else getattr(imported, name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *exports})

    return getattr_, dir_


__all__ = ["lazy_exports"]
