"""Engines and transactions: SQLite in WAL mode with a busy timeout, PostgreSQL by URL.

One :class:`Store` wraps an engine and a session factory. Every change runs inside
:meth:`Store.transaction`, which commits once at the end or rolls everything back: an import
is one transaction, so a failure (or a killed process) leaves the database as it was.
Optimistic-locking failures surface as :class:`~citykpi.errors.ConflictError`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from citykpi.errors import ConflictError, StoreError
from citykpi.settings import Settings, load_settings
from citykpi.store.audit import install_audit_guard

#: Milliseconds a writer waits for another SQLite writer before giving up.
SQLITE_BUSY_TIMEOUT_MS: Final = 30_000


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    del connection_record
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite connections get WAL mode and a busy timeout.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``"sqlite:///citykpi.db"`` or
        ``"postgresql+psycopg://user@host/db"``.

    Returns
    -------
    Engine
        The engine; nothing is connected yet.
    """
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as e:
        msg = (
            f"Cannot use the database URL {url!r}: {e}. Give an SQLAlchemy URL such as "
            "'sqlite:///citykpi.db' or 'postgresql+psycopg://user@host/db' in "
            "CITYKPI_DATABASE_URL."
        )
        raise StoreError(msg) from e


@dataclass
class Store:
    """An open store: engine, session factory and settings."""

    engine: Engine
    settings: Settings
    _factory: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """Return the database URL without its password."""
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session whose changes commit together at the end, or not at all.

        Raises
        ------
        ConflictError
            A concurrent transaction changed a row this one updates.
        StoreError
            The database refused the transaction (constraint, lock timeout, missing schema).
        """
        session = self._factory()
        install_audit_guard(session)
        try:
            yield session
            session.commit()
        except StaleDataError as e:
            session.rollback()
            msg = (
                "Someone else changed this record after you read it; nothing was saved. "
                "Read it again (e.g. 'citykpi history') and repeat your change."
            )
            raise ConflictError(msg) from e
        except IntegrityError as e:
            session.rollback()
            msg = f"The database refused the change: {e.orig}. Nothing was saved."
            raise ConflictError(msg) from e
        except OperationalError as e:
            session.rollback()
            msg = (
                f"The database at {self.url!r} failed: {e.orig}. Nothing was saved. "
                "If the schema is missing or old, run 'citykpi db upgrade'."
            )
            raise StoreError(msg) from e
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def has_schema(self) -> bool:
        """Return whether the store's tables exist (``citykpi db upgrade`` has run)."""
        return inspect(self.engine).has_table("kpi_values")


def open_store(url: str | None = None, *, settings: Settings | None = None) -> Store:
    """Open the store at ``url`` (default: the ``database_url`` setting).

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` uses ``settings.resolved_database_url()``.
    settings
        Settings to use; default :func:`citykpi.settings.load_settings`.

    Returns
    -------
    Store
        The open store. Run :func:`citykpi.store.upgrade` first on a new database.
    """
    resolved = settings if settings is not None else load_settings()
    return Store(make_engine(url or resolved.resolved_database_url()), resolved)


__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "Store", "make_engine", "open_store"]
