"""How a page reaches the store the application serves.

The application core keeps the open :class:`citykpi.store.Store` on ``app.state.store``; a
page takes it through :func:`reader_store` so that one place knows where it lives.
"""

from __future__ import annotations

from fastapi import Request

from citykpi.errors import StoreError
from citykpi.store import Store

__all__ = ["reader_store"]


def reader_store(request: Request) -> Store:
    """Return the store of the application serving ``request``.

    Raises
    ------
    StoreError
        If the application was built without a store.
    """
    store = getattr(request.app.state, "store", None)
    if not isinstance(store, Store):
        msg = "The web application has no store; start it with 'citykpi serve'."
        raise StoreError(msg)
    return store
