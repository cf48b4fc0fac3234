"""Who may use the store: ``db upgrade``, ``user add|list|disable`` and ``token create``.

The first admin of an empty store is created with ``citykpi user add NAME --role admin`` and
no identity; every other command here names who acts (``--as`` or ``--token``). The commands
are registered by :func:`citykpi.cli.store_cmds.register`.
"""

from __future__ import annotations

import typer

from citykpi.cli._common import Cell, OutputFormat, emit_rows, err_console, guarded
from citykpi.cli._store_session import (
    AS_USER,
    FORMAT,
    TOKEN,
    acting,
    done,
    opened,
    session_as,
)


@guarded
def db_upgrade_cmd(
    revision: str = typer.Option("head", "--revision", help="Target revision."),
) -> None:
    """Create or migrate the schema of the database in CITYKPI_DATABASE_URL."""
    from citykpi.store import open_store, upgrade

    store = open_store()
    url = store.url
    store.dispose()
    at = upgrade(store.settings.resolved_database_url(), revision=revision)
    done(f"Database {url} is at revision {at}.")


@guarded
def user_add_cmd(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(
        ..., "--role", help="admin, city_editor, verifier, analyst or public."
    ),
    cities: list[str] = typer.Option([], "--city", help="City a city editor may edit (repeat)."),
    password: str = typer.Option("", "--password", help="Password (stored as an argon2 hash)."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a user; on an empty store the first admin needs no --as."""
    from citykpi.store import add_user
    from citykpi.store.users import user_count

    with opened() as store, store.transaction() as session:
        bootstrap = not as_user and not token and user_count(session) == 0
        actor = None if bootstrap else acting(session, as_user, token)
        added = add_user(session, actor, name, role=role, password=password, cities=cities)
    done(f"Added user {added.name!r} with role {added.role.value!r}.")


@guarded
def user_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List every user with role, state and cities (admins only)."""
    from citykpi.store import list_users

    with session_as(as_user, token) as (session, actor):
        users = list_users(session, actor)
    rows: list[dict[str, Cell]] = [
        {"name": u.name, "role": u.role, "active": u.active, "cities": ", ".join(u.cities)}
        for u in users
    ]
    emit_rows(rows, columns=("name", "role", "active", "cities"), fmt=fmt, title="Users")


@guarded
def user_disable_cmd(
    name: str = typer.Argument(..., help="User to disable."),
    reason: str = typer.Option("", "--reason", help="Why, for the audit trail."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Disable a user: she can no longer act; her history stays."""
    from citykpi.store import disable_user

    with session_as(as_user, token) as (session, actor):
        disable_user(session, actor, name, reason=reason)
    done(f"User {name!r} is disabled.")


@guarded
def token_create_cmd(
    user: str = typer.Option("", "--user", help="Owner of the token (admins only); default you."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from citykpi.store import create_token

    with session_as(as_user, token) as (session, actor):
        created = create_token(session, actor, user=user, label=label)
    typer.echo(created)
    err_console.print("Keep this token secret: it is shown only once.", highlight=False)
