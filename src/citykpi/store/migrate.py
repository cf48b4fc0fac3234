"""Create or migrate the store's schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from citykpi.errors import StoreError
from citykpi.store.engine import make_engine

MIGRATIONS: Final = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """Return the newest migration's revision id."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover - the package always ships migrations
        msg = f"No migrations found in {MIGRATIONS}; the installation is incomplete."
        raise StoreError(msg)
    return head


def _run(engine: Engine, direction: str, revision: str) -> None:
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if direction == "up":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    except SQLAlchemyError as e:
        where = engine.url.render_as_string(hide_password=True)
        msg = f"Migrating the database at {where!r} {direction} to {revision!r} failed: {e}."
        raise StoreError(msg) from e


def _migrate(url: str, direction: str, revision: str) -> str:
    """Migrate the database at ``url`` {"up", "down"} to ``revision``; return its revision."""
    engine = make_engine(url)
    try:
        _run(engine, direction, revision)
        return current_revision(engine) or ""
    finally:
        engine.dispose()


def upgrade(url: str, *, revision: str = "head") -> str:
    """Create or migrate the schema at ``url`` up to ``revision``.

    Parameters
    ----------
    url
        SQLAlchemy URL of the database (created for SQLite files).
    revision
        Target revision; ``"head"`` for the newest.

    Returns
    -------
    str
        The revision the database is at afterwards.
    """
    return _migrate(url, "up", revision)


def downgrade(url: str, *, revision: str = "base") -> str:
    """Migrate the schema at ``url`` down to ``revision`` (``"base"`` drops everything).

    Returns
    -------
    str
        The revision the database is at afterwards (``""`` at base).
    """
    return _migrate(url, "down", revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database behind ``engine`` is at, ``None`` if never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


__all__ = ["MIGRATIONS", "current_revision", "downgrade", "head_revision", "upgrade"]
