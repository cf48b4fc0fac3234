"""The web application and REST API (``citykpi serve``): :func:`create_app`.

Imported lazily so that ``import citykpi.web.templating`` (the reports' and the static site's
shared templates) does not load FastAPI's application machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from citykpi.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from citykpi.web.app import create_app

        return create_app
    msg = f"module 'citykpi.web' has no attribute {name!r}"
    raise AttributeError(msg)
