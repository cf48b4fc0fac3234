"""What every API endpoint takes: the store, the signed-in actor, and a page of a list.

The application core sets ``request.state.actor`` from the session cookie or the bearer token;
:func:`signed_in_actor` only refuses a visitor, with :class:`~citykpi.errors.PermissionDenied`,
which the core answers as a 401 in the one error shape. What the actor may then do is decided by
the store's functions, never here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final, TypeVar

from fastapi import Depends, Query, Request

from citykpi.errors import PermissionDenied
from citykpi.store import Store
from citykpi.store.users import Actor
from citykpi.web.pages.store import reader_store

__all__ = [
    "LIMIT_DEFAULT",
    "LIMIT_MAX",
    "ActorDep",
    "PageDep",
    "Paging",
    "StoreDep",
    "signed_in_actor",
]

T = TypeVar("T")

#: Items in a page of a list when the request does not say.
LIMIT_DEFAULT: Final = 100
#: The most items one page may hold.
LIMIT_MAX: Final = 1000


def signed_in_actor(request: Request) -> Actor:
    """Return the actor the request is signed in as.

    Raises
    ------
    PermissionDenied
        Nobody is signed in (answered as 401).
    """
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        msg = (
            "Sign in first: send 'Authorization: Bearer <token>' (from 'citykpi token create') "
            "or sign in at /login."
        )
        raise PermissionDenied(msg)
    return actor


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of a list a request asks for."""

    limit: int
    offset: int

    def of(self, items: Sequence[T]) -> list[T]:
        """Return the items of this page."""
        return list(items[self.offset : self.offset + self.limit])


def _paging(
    limit: Annotated[
        int, Query(ge=1, le=LIMIT_MAX, description=f"Items per page, at most {LIMIT_MAX}.")
    ] = LIMIT_DEFAULT,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")] = 0,
) -> Paging:
    return Paging(limit=limit, offset=offset)


async def _store(request: Request) -> Store:
    # An async dependency runs on the event loop: a sync one would cost a thread hop per request.
    return reader_store(request)


StoreDep = Annotated[Store, Depends(_store)]
ActorDep = Annotated[Actor, Depends(signed_in_actor)]
PageDep = Annotated[Paging, Depends(_paging)]
