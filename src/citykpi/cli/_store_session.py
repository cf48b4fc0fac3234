"""What every store command shares: who acts, on which database, and the common options.

Every command except ``db upgrade`` runs as an authenticated user: the saved login of
``citykpi login`` (used automatically), ``--token`` / ``CITYKPI_TOKEN`` (an API token, checked
against its stored hash), or ``--as USER`` alone, accepted only on a single-person SQLite store
for an account with neither password nor token (:mod:`citykpi.store.credentials` states the
order). :mod:`citykpi.store` (and with it SQLAlchemy) is imported when a command opens the
database, not when the command line is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import OutputFormat, console
from citykpi.cli._years import parse_year
from citykpi.errors import PermissionDenied, StoreError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citykpi.store import Store
    from citykpi.store.users import Actor

AS_USER = typer.Option(
    "",
    "--as",
    help="Act as this user: her saved login ('citykpi login'), or, on a single-person store, "
    "an account without password or token.",
)
TOKEN = typer.Option(
    "", "--token", envvar="CITYKPI_TOKEN", help="Act as the owner of this API token."
)
FORMAT = typer.Option(OutputFormat.table, "--format", help="Output format.")
CITY = typer.Argument(..., help="City name, as in 'citykpi city list'.")
YEAR = typer.Argument(..., help="Reporting year.", parser=parse_year)
CODE = typer.Argument(..., help="Input id or KPI data point id.")
CODES = typer.Argument(
    None, help="Input or KPI data point ids (input:ID or kpi:ID if an id names both)."
)


def open_checked() -> Store:
    """Open the store of ``CITYKPI_DATABASE_URL``; refuse one that is unreachable or empty."""
    from citykpi.store import open_store

    store = open_store()
    try:
        store.require_schema()
    except BaseException:
        store.dispose()
        raise
    return store


@contextmanager
def opened() -> Iterator[Store]:
    """Yield the checked store and dispose of it afterwards, whatever happens."""
    store = open_checked()
    try:
        yield store
    finally:
        store.dispose()


def acting(session: Session, as_user: str, token: str, *, touch: bool = True) -> Actor:
    """Return who acts, authenticated (see :func:`citykpi.store.credentials.authenticate`).

    Raises
    ------
    PermissionDenied
        Nobody is named or logged in, or the named account needs a credential; the message
        says how to log in.
    """
    from citykpi.settings import load_settings
    from citykpi.store.credentials import HOW_TO_LOG_IN, authenticate

    settings = load_settings()
    actor = authenticate(
        session,
        as_user=as_user,
        token=token,
        settings=settings,
        url=settings.resolved_database_url(),
        touch=touch,
    )
    if actor is None:
        raise PermissionDenied(HOW_TO_LOG_IN)
    return actor


@contextmanager
def session_as(as_user: str, token: str) -> Iterator[tuple[Session, Actor]]:
    """Yield one transaction on the store and the user acting in it."""
    with opened() as store, store.transaction() as session:
        yield session, acting(session, as_user, token)


@contextmanager
def reading_as(as_user: str, token: str) -> Iterator[tuple[Session, Actor]]:
    """Yield a read-only session on the store and the user acting in it.

    On SQLite the reader neither takes nor waits for the write lock. The token's last-used
    time (updated at most every few minutes) is recorded afterwards, in a short writing
    transaction of its own, only when it is due; on a read-only medium never, and not when
    another writer keeps the lock past the busy timeout (the read has succeeded already).
    """
    from citykpi.settings import load_settings
    from citykpi.store.auth import touch_due, touch_token
    from citykpi.store.credentials import presented_token

    settings = load_settings()
    used = presented_token(
        as_user=as_user, token=token, settings=settings, url=settings.resolved_database_url()
    )
    with opened() as store:
        with store.reading() as session:
            actor = acting(session, as_user, token, touch=False)
            due = bool(used) and not store.read_only and touch_due(session, used)
            yield session, actor
        if due:
            try:
                with store.transaction() as session:
                    touch_token(session, used)
            except StoreError:  # bookkeeping only: a writer holding the lock keeps it unset
                pass


def done(message: str) -> None:
    """Say on standard output what a command did."""
    console.print(message, highlight=False, soft_wrap=True)
