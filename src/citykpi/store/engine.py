"""Engines and transactions: SQLite in WAL mode with a busy timeout, PostgreSQL by URL.

One :class:`Store` wraps an engine and a session factory. Every change runs inside
:meth:`Store.transaction`, which commits once at the end or rolls everything back: an import
is one transaction, so a failure (or a killed process) leaves the database as it was.
Optimistic-locking failures surface as :class:`~citykpi.errors.ConflictError`.

Modelling assumptions:

* **Writes serialise.** On SQLite a transaction of :meth:`Store.transaction` begins with
  ``BEGIN IMMEDIATE`` (pysqlite's own transaction handling is switched off, so every read of
  the transaction happens inside it), so two writers never interleave: the second waits up to
  :data:`SQLITE_BUSY_TIMEOUT_MS`. :meth:`Store.reading` begins a deferred transaction that
  does not wait for writers (WAL readers see the last commit). On PostgreSQL writers serialise
  per submission with a row lock, see :func:`citykpi.store.locks.lock_submission`.
* **A read-only SQLite file** (the file or its folder cannot be written by this process, as on
  a read-only medium, or a URL with ``mode=ro``) is opened read-only: ``immutable=1`` when its
  folder cannot be written and no other process has it open (no ``-shm`` file beside it: SQLite
  cannot open a WAL database read-only otherwise), ``mode=ro`` else. Reading works; a write
  fails with a message saying that the database is read-only.
* **A damaged SQLite file** (``SQLITE_CORRUPT``, ``SQLITE_NOTADB``) gives a message saying so
  and how to recover it, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, unquote

from sqlalchemy import URL, Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from citykpi.errors import ConflictError, StoreError
from citykpi.settings import Settings, load_settings
from citykpi.store.audit import install_audit_guard

#: Milliseconds a writer waits for another SQLite writer before giving up.
SQLITE_BUSY_TIMEOUT_MS: Final = 30_000

#: Execution option that makes a SQLite transaction begin IMMEDIATE (take the write lock).
_WRITE: Final = "citykpi_write"


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    del connection_record
    # pysqlite would begin a transaction only before the first INSERT/UPDATE, so the reads
    # before it would run outside the transaction (and be stale by the time it writes):
    # _sqlite_begin emits BEGIN itself instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_read_only_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    del connection_record
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    immediate = conn.get_execution_options().get(_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def sqlite_file_read_only(path: Path) -> bool:
    """Return whether this process cannot write the SQLite file ``path`` or its folder.

    An absent file is not read-only (SQLite creates it). Root passes ``os.access`` on any
    file of a writable file system, so for root only a read-only medium counts.
    """
    if not path.exists():
        return False
    return not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_url(url: URL) -> URL:
    """Return the URL that opens the SQLite file of ``url`` read-only (see the module doc)."""
    path = Path(url.database or "").resolve()
    folder_writable = os.access(path.parent, os.W_OK)
    live = Path(f"{path}-shm").exists()
    mode = "mode=ro" if folder_writable or live else "immutable=1"
    return url.set(database=f"file:{quote(str(path))}?{mode}", query={"uri": "true"})


def is_read_only(url: URL) -> bool:
    """Return whether ``url`` opens a SQLite database read-only (``mode=ro`` or ``immutable``)."""
    if url.get_backend_name() != "sqlite":
        return False
    text = f"{url.database or ''}?{'&'.join(f'{k}={v}' for k, v in url.query.items())}"
    return "mode=ro" in text or "immutable=1" in text


def make_engine(url: str, *, read_only: bool | None = None) -> Engine:
    """Create an engine for ``url``; SQLite connections get WAL mode and a busy timeout.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``"sqlite:///citykpi.db"`` or
        ``"postgresql+psycopg://user@host/db"``.
    read_only
        Open a SQLite file read-only; ``None`` (default) decides by
        :func:`sqlite_file_read_only`. Ignored for other engines.

    Returns
    -------
    Engine
        The engine; nothing is connected yet.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(parsed, pool_pre_ping=True)
        database = parsed.database or ""
        on_file = database not in ("", ":memory:") and not database.startswith("file:")
        if read_only is None:
            read_only = on_file and sqlite_file_read_only(Path(database))
        if read_only and on_file:
            parsed = _read_only_url(parsed)
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        hook = _sqlite_read_only_pragmas if is_read_only(parsed) else _sqlite_pragmas
        event.listen(engine, "connect", hook)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    except (ArgumentError, ImportError) as e:
        msg = (
            f"Cannot use the database URL {url!r}: {e}. Give an SQLAlchemy URL such as "
            "'sqlite:///citykpi.db' or 'postgresql+psycopg://user@host/db' in "
            "CITYKPI_DATABASE_URL."
        )
        raise StoreError(msg) from e


def _sqlite_error_name(error: DBAPIError) -> str:
    return str(getattr(error.orig, "sqlite_errorname", ""))


def database_error(url: str, error: DBAPIError) -> StoreError:
    """Return the error to raise for a database failure ``error`` on the store at ``url``.

    A damaged SQLite file and a read-only one get a message saying what to do; anything else
    names the database's own message.
    """
    name = _sqlite_error_name(error)
    reason = str(error.orig).strip()
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        path = make_url(url).database or "citykpi.db"
        msg = (
            f"The database file {path!r} is damaged ({reason}); nothing was read or saved. "
            f"Restore it from a backup, or salvage what is left with "
            f"'sqlite3 {path} .recover | sqlite3 recovered.db', run 'citykpi db check' on "
            "the copy and point CITYKPI_DATABASE_URL at it."
        )
        return StoreError(msg)
    if name.startswith("SQLITE_READONLY"):
        msg = (
            f"The database at {url!r} is read-only ({reason}); nothing was saved. Read-only "
            "commands (history, review list, export, audit, db check) work on it; to change "
            "data, copy the file to a writable place and point CITYKPI_DATABASE_URL at the copy."
        )
        return StoreError(msg)
    msg = (
        f"The database at {url!r} failed: {reason}. Nothing was saved. "
        "If the schema is missing or old, run 'citykpi db upgrade'."
    )
    return StoreError(msg)


@dataclass
class Store:
    """An open store: engine, session factory and settings."""

    engine: Engine
    settings: Settings
    _factory: sessionmaker[Session] = field(init=False, repr=False)
    _read_factory: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        writing = self.engine if self.read_only else self.engine.execution_options(**{_WRITE: True})
        self._factory = sessionmaker(writing, expire_on_commit=False)
        self._read_factory = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def url(self) -> str:
        """Return the database URL without its password (a read-only SQLite file by its path)."""
        url = self.engine.url
        database = url.database or ""
        if url.get_backend_name() == "sqlite" and database.startswith("file:"):
            path = unquote(database.removeprefix("file:").split("?")[0])
            return f"sqlite:///{path}" + (" (read-only)" if self.read_only else "")
        return url.render_as_string(hide_password=True)

    @property
    def read_only(self) -> bool:
        """Return whether the store was opened read-only (a read-only SQLite file)."""
        return is_read_only(self.engine.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield a session whose changes commit together at the end, or not at all.

        On SQLite the transaction takes the database's write lock when it begins (``BEGIN
        IMMEDIATE``), so everything it reads is current until it commits.

        Raises
        ------
        ConflictError
            A concurrent transaction changed a row this one updates.
        StoreError
            The database refused the transaction (constraint, lock timeout, missing schema,
            read-only or damaged file).
        """
        with self._session(self._factory) as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """Yield a session for reading only: on SQLite it does not wait for writers.

        Anything it changes is rolled back at the end.
        """
        with self._session(self._read_factory, commit=False) as session:
            yield session

    @contextmanager
    def _session(self, factory: sessionmaker[Session], *, commit: bool = True) -> Iterator[Session]:
        session = factory()
        install_audit_guard(session)
        try:
            yield session
            if commit:
                session.commit()
            else:
                session.rollback()
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
        except DBAPIError as e:
            _quiet_rollback(session)
            raise database_error(self.url, e) from e
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def has_schema(self) -> bool:
        """Return whether the store's tables exist (``citykpi db upgrade`` has run).

        Raises
        ------
        StoreError
            The SQLite file is damaged or cannot be opened read-only; the message says what
            to do. Other connection failures raise SQLAlchemy's error for the caller to word.
        """
        try:
            return inspect(self.engine).has_table("kpi_values")
        except DBAPIError as e:
            name = _sqlite_error_name(e)
            if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_READONLY")):
                raise database_error(self.url, e) from e
            raise

    def require_schema(self) -> None:
        """Refuse a store that cannot be reached or has no citykpi schema, saying what to do.

        Raises
        ------
        StoreError
            The database is unreachable or damaged, or ``citykpi db upgrade`` has not run.
        """
        try:
            ready = self.has_schema()
        except SQLAlchemyError as e:
            reason = str(getattr(e, "orig", None) or e).strip()
            msg = (
                f"Cannot open the database at {self.url!r}: {reason}. Check "
                "CITYKPI_DATABASE_URL and that the server is running."
            )
            raise StoreError(msg) from e
        if not ready:
            msg = (
                f"The database at {self.url!r} has no citykpi schema yet; run 'citykpi db "
                "upgrade' first (set CITYKPI_DATABASE_URL to use another database)."
            )
            raise StoreError(msg)


def _quiet_rollback(session: Session) -> None:
    """Roll back after a database failure; a connection that cannot even roll back is dropped."""
    try:
        session.rollback()
    except DBAPIError:
        session.invalidate()


def open_store(
    url: str | None = None, *, settings: Settings | None = None, read_only: bool | None = None
) -> Store:
    """Open the store at ``url`` (default: the ``database_url`` setting).

    Parameters
    ----------
    url
        SQLAlchemy URL; ``None`` uses ``settings.resolved_database_url()``.
    settings
        Settings to use; default :func:`citykpi.settings.load_settings`.
    read_only
        Open a SQLite file read-only; ``None`` (default) when this process cannot write it
        (see :func:`make_engine`).

    Returns
    -------
    Store
        The open store. Run :func:`citykpi.store.upgrade` first on a new database.
    """
    resolved = settings if settings is not None else load_settings()
    engine = make_engine(url or resolved.resolved_database_url(), read_only=read_only)
    return Store(engine, resolved)


__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "Store",
    "database_error",
    "is_read_only",
    "make_engine",
    "open_store",
    "sqlite_file_read_only",
]
