"""Who may use the store: ``db upgrade``, ``login``/``logout``, ``user ...`` and ``token ...``.

The first admin of an empty store is created with ``citykpi user add NAME --role admin`` and
no identity: with ``--password-stdin`` on a shared store, without a password on a store made
single-person by ``citykpi db upgrade --single-person`` (SQLite only). Everyone else logs in
(``citykpi login USER``) or uses a token; see :mod:`citykpi.store.credentials`. The commands
are registered by :func:`citykpi.cli.store_cmds.register`.
"""

from __future__ import annotations

import sys
from datetime import timedelta

import typer

from citykpi.cli._common import Cell, OutputFormat, emit_rows, err_console, guarded
from citykpi.cli._store_session import (
    AS_USER,
    FORMAT,
    TOKEN,
    acting,
    done,
    opened,
    reading_as,
    session_as,
)
from citykpi.errors import InputError

PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


def _read_password(from_stdin: bool, *, confirm: bool) -> str:
    """Return a password from standard input's first line, else from a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
    else:
        password = str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))
    if not password:
        msg = "No password given; type one at the prompt or pipe it to --password-stdin."
        raise InputError(msg)
    return password


@guarded
def db_upgrade_cmd(
    revision: str = typer.Option("head", "--revision", help="Target revision."),
    single_person: bool = typer.Option(
        False,
        "--single-person",
        help="Mark the store single-person (SQLite only): --as USER then acts without a "
        "password for accounts that have neither password nor token.",
    ),
) -> None:
    """Create or migrate the schema of the database in CITYKPI_DATABASE_URL."""
    from citykpi.store import open_store, upgrade
    from citykpi.store.auth import make_single_person

    store = open_store()
    url = store.url
    store.dispose()
    at = upgrade(store.settings.resolved_database_url(), revision=revision)
    if single_person:
        with opened() as checked, checked.transaction() as session:
            make_single_person(session)
        done(f"Database {url} is at revision {at}; it is a single-person store.")
        return
    done(f"Database {url} is at revision {at}.")


@guarded
def user_add_cmd(
    name: str = typer.Argument(..., help="User name."),
    role: str = typer.Option(
        ..., "--role", help="admin, city_editor, verifier, analyst or public."
    ),
    cities: list[str] = typer.Option([], "--city", help="City a city editor may edit (repeat)."),
    password_stdin: bool = PASSWORD_STDIN,
    password: str = typer.Option(
        "",
        "--password",
        help="Password (visible to other local users in the process list: prefer "
        "--password-stdin).",
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a user; on an empty store the first admin needs no login."""
    from citykpi.store import add_user
    from citykpi.store.auth import is_single_person
    from citykpi.store.users import user_count

    if password_stdin:
        password = _read_password(True, confirm=False)
    with opened() as store, store.transaction() as session:
        bootstrap = not as_user and not token and user_count(session) == 0
        if bootstrap and not password and not is_single_person(session):
            msg = (
                f"The first admin of a shared store needs a password, or nobody could log in "
                f"as her: run 'citykpi user add {name} --role admin --password-stdin'. For a "
                "store only you use, run 'citykpi db upgrade --single-person' first."
            )
            raise InputError(msg)
        actor = None if bootstrap else acting(session, as_user, token)
        added = add_user(
            session,
            actor,
            name,
            role=role,
            password=password,
            cities=cities,
            password_min_length=store.settings.password_min_length,
        )
    done(f"Added user {added.name!r} with role {added.role.value!r}.")


@guarded
def user_password_cmd(
    name: str = typer.Argument(..., help="User whose password to set (yours, or any as admin)."),
    password_stdin: bool = PASSWORD_STDIN,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Set a password: your own, or anyone's as an admin."""
    from citykpi.store.users import set_password

    password = _read_password(password_stdin, confirm=True)
    with opened() as store, store.transaction() as session:
        actor = acting(session, as_user, token)
        set_password(
            session,
            actor,
            name,
            password,
            password_min_length=store.settings.password_min_length,
        )
    done(f"The password of {name!r} is set.")


@guarded
def user_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List every user with role, state and cities (admins only)."""
    from citykpi.store import list_users

    with reading_as(as_user, token) as (session, actor):
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
def login_cmd(
    user: str = typer.Argument(..., help="Your user name."),
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Log in: check your password and save a short-lived token that later commands use."""
    from citykpi.store.auth import login
    from citykpi.store.credentials import save_login

    password = _read_password(password_stdin, confirm=False)
    with opened() as store:
        settings = store.settings
        if settings.login_token_lifetime_hours <= 0:
            msg = "CITYKPI_LOGIN_TOKEN_LIFETIME_HOURS must be at least 1; set a positive number."
            raise InputError(msg)
        logged_in = login(store, user, password)
    path = save_login(
        settings,
        settings.resolved_database_url(),
        user=logged_in.user,
        token=logged_in.token,
        expires_at=logged_in.expires_at,
    )
    until = logged_in.expires_at.strftime("%Y-%m-%d %H:%M")
    done(f"Logged in as {logged_in.user!r} until {until} UTC (token saved in {path}).")


@guarded
def logout_cmd() -> None:
    """Log out: revoke the saved login token of this store and delete it."""
    from citykpi.settings import load_settings
    from citykpi.store.auth import revoke_secret
    from citykpi.store.credentials import forget_login, saved_login

    settings = load_settings()
    url = settings.resolved_database_url()
    saved = saved_login(settings, url)
    if saved is None:
        done("You are not logged in to this store.")
        return
    with opened() as store, store.transaction() as session:
        revoke_secret(session, saved.token)
    forget_login(settings, url)
    done(f"Logged out {saved.user!r}: the login token is revoked and deleted.")


@guarded
def token_create_cmd(
    user: str = typer.Option("", "--user", help="Owner of the token (admins only); default you."),
    name: str = typer.Option("", "--name", help="What the token is for, e.g. 'ci'."),
    label: str = typer.Option("", "--label", help="Former name of --name."),
    days: int = typer.Option(
        0, "--days", help="Days it stays valid; default CITYKPI_TOKEN_LIFETIME_DAYS."
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    from citykpi.settings import load_settings
    from citykpi.store import create_token

    lifetime = days or load_settings().token_lifetime_days
    if not 1 <= lifetime <= 3650:
        msg = f"A token lifetime of {lifetime} days is out of range; give 1 to 3650 days."
        raise InputError(msg)
    with session_as(as_user, token) as (session, actor):
        created = create_token(
            session, actor, user=user, name=name or label, lifetime=timedelta(days=lifetime)
        )
    typer.echo(created)
    err_console.print("Keep this token secret: it is shown only once.", highlight=False)


@guarded
def token_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List your tokens (an admin sees everyone's): name, expiry, last use, state."""
    from citykpi.store.auth import list_tokens

    with reading_as(as_user, token) as (session, actor):
        tokens = list_tokens(session, actor)
    rows: list[dict[str, Cell]] = [
        {
            "id": t.id,
            "user": t.user,
            "name": t.name,
            "created": t.created_at.strftime("%Y-%m-%d %H:%M"),
            "expires": t.expires_at.strftime("%Y-%m-%d %H:%M"),
            "last_used": t.last_used_at.strftime("%Y-%m-%d %H:%M") if t.last_used_at else "",
            "state": t.state,
        }
        for t in tokens
    ]
    columns = ("id", "user", "name", "created", "expires", "last_used", "state")
    emit_rows(rows, columns=columns, fmt=fmt, title="Tokens (times in UTC)")


@guarded
def token_revoke_cmd(
    which: str = typer.Argument(..., help="Token id or name, as in 'citykpi token list'."),
    user: str = typer.Option("", "--user", help="Whose token NAME is (admins only)."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Revoke a token: it is refused from now on."""
    from citykpi.store.auth import revoke_token

    with session_as(as_user, token) as (session, actor):
        revoked = revoke_token(session, actor, which, user=user)
    done(f"Revoked token {revoked.name!r} (id {revoked.id}) of {revoked.user!r}.")


__all__ = [
    "db_upgrade_cmd",
    "login_cmd",
    "logout_cmd",
    "token_create_cmd",
    "token_list_cmd",
    "token_revoke_cmd",
    "user_add_cmd",
    "user_disable_cmd",
    "user_list_cmd",
    "user_password_cmd",
]
