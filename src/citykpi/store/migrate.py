"""Create or migrate the store's schema with the Alembic migrations shipped in the package."""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from citykpi.errors import InputError, StoreError
from citykpi.store.engine import database_error, make_engine

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


def revisions() -> list[str]:
    """Return every migration's revision id, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


def _check_revision(revision: str, direction: str) -> None:
    """Refuse a target that is not ``head``/``base`` or a shipped revision id."""
    named = "head" if direction == "up" else "base"
    known = revisions()
    if revision in (named, *known):
        return
    msg = (
        f"Unknown revision {revision!r}; give {named!r} or one of the revisions "
        f"{', '.join(map(repr, known))} (oldest first)."
    )
    raise InputError(msg)


def _run(engine: Engine, direction: str, revision: str) -> None:
    _check_revision(revision, direction)
    config = _config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if direction == "up":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    except CommandError as e:
        msg = f"Cannot migrate {direction} to revision {revision!r}: {e}."
        raise InputError(msg) from e
    except DBAPIError as e:
        raise database_error(engine.url.render_as_string(hide_password=True), e) from e
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
        Target revision: ``"head"`` for the newest, or a revision id of :func:`revisions`.

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


__all__ = ["MIGRATIONS", "current_revision", "downgrade", "head_revision", "revisions", "upgrade"]
