"""Alembic environment of the citykpi store: the connection is handed over programmatically.

:func:`citykpi.store.migrate.upgrade` puts an open connection in
``config.attributes["connection"]``; no ``alembic.ini`` or URL in a file is needed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from citykpi.store.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run the migrations on the connection the caller passed in."""
    connection = config.attributes.get("connection")
    if not isinstance(connection, Connection):
        msg = "Run citykpi migrations through citykpi.store.upgrade(), which passes a connection."
        raise TypeError(msg)
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    msg = "Offline (SQL script) migrations are not supported; run 'citykpi db upgrade'."
    raise RuntimeError(msg)
run_migrations_online()
