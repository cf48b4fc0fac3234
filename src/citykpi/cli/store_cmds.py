"""The store and verification-workflow commands.

Commands: db, user, token, city, import, value, submit, review, publish, history, export and
audit.

Every command except ``db upgrade`` runs as a user: ``--as USER`` (a local account; whoever
can open the database file could act as anyone anyway) or ``--token`` / ``CITYKPI_TOKEN`` (an
API token, checked against its stored hash). The first admin of an empty store is created
with ``citykpi user add NAME --role admin`` and no identity. Exit codes: 1 a file with errors
(nothing imported), 2 usage or input error, 3 the role forbids it, 4 a concurrent edit won.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from citykpi.cli._common import Cell, OutputFormat, console, emit_rows, err_console, guarded
from citykpi.errors import InputError, PermissionDenied, StoreError
from citykpi.settings import load_settings
from citykpi.store import (
    AUDIT_COLUMNS,
    EXPORT_COLUMNS,
    HISTORY_COLUMNS,
    CityProfile,
    Store,
    actor_by_name,
    actor_by_token,
    add_city,
    add_comment,
    add_user,
    answer,
    city_profile,
    create_token,
    disable_user,
    edit_value,
    exclude,
    export_values,
    history,
    list_cities,
    list_users,
    open_store,
    publish,
    query,
    retract_value,
    start_review,
    submit,
    upgrade,
    verify,
)
from citykpi.store.evidence import attach_evidence, list_evidence
from citykpi.store.findings import FINDING_COLUMNS, findings
from citykpi.store.importer import import_file
from citykpi.store.trail import city_names, read_audit
from citykpi.store.users import Actor, user_count

AS_USER = typer.Option("", "--as", help="Act as this user (local account name).")
TOKEN = typer.Option(
    "", "--token", envvar="CITYKPI_TOKEN", help="Act as the owner of this API token."
)
FORMAT = typer.Option(OutputFormat.table, "--format", help="Output format.")
CITY = typer.Argument(..., help="City name, as in 'citykpi city list'.")
YEAR = typer.Argument(..., help="Reporting year.")
CODES = typer.Argument(
    None, help="Input or KPI data point ids (input:ID or kpi:ID if an id names both)."
)


def _open() -> Store:
    store = open_store()
    try:
        ready = store.has_schema()
    except SQLAlchemyError as e:
        store.dispose()
        reason = str(getattr(e, "orig", None) or e).strip()
        msg = (
            f"Cannot open the database at {store.url!r}: {reason}. Check CITYKPI_DATABASE_URL "
            "and that the server is running."
        )
        raise StoreError(msg) from e
    if not ready:
        msg = (
            f"The database at {store.url!r} has no citykpi schema yet; run 'citykpi db upgrade' "
            "first (set CITYKPI_DATABASE_URL to use another database)."
        )
        store.dispose()
        raise StoreError(msg)
    return store


def _actor(session: Session, as_user: str, token: str) -> Actor:
    if token:
        return actor_by_token(session, token)
    if as_user:
        return actor_by_name(session, as_user)
    msg = "Say who you are with --as USER or --token TOKEN (or set CITYKPI_TOKEN)."
    raise PermissionDenied(msg)


@contextmanager
def _session(as_user: str, token: str) -> Iterator[tuple[Session, Actor]]:
    store = _open()
    try:
        with store.transaction() as session:
            yield session, _actor(session, as_user, token)
    finally:
        store.dispose()


def _done(message: str) -> None:
    console.print(message, highlight=False, soft_wrap=True)


# --- db --------------------------------------------------------------------------------------


@guarded
def db_upgrade_cmd(
    revision: str = typer.Option("head", "--revision", help="Target revision."),
) -> None:
    """Create or migrate the schema of the database in CITYKPI_DATABASE_URL."""
    store = open_store()
    url = store.url
    store.dispose()
    at = upgrade(store.settings.resolved_database_url(), revision=revision)
    _done(f"Database {url} is at revision {at}.")


# --- users and tokens -------------------------------------------------------------------------


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
    store = _open()
    try:
        with store.transaction() as session:
            bootstrap = not as_user and not token and user_count(session) == 0
            actor = None if bootstrap else _actor(session, as_user, token)
            added = add_user(session, actor, name, role=role, password=password, cities=cities)
    finally:
        store.dispose()
    _done(f"Added user {added.name!r} with role {added.role.value!r}.")


@guarded
def user_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List every user with role, state and cities (admins only)."""
    with _session(as_user, token) as (session, actor):
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
    with _session(as_user, token) as (session, actor):
        disable_user(session, actor, name, reason=reason)
    _done(f"User {name!r} is disabled.")


@guarded
def token_create_cmd(
    user: str = typer.Option("", "--user", help="Owner of the token (admins only); default you."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Create an API token and print it once (only its hash is stored)."""
    with _session(as_user, token) as (session, actor):
        created = create_token(session, actor, user=user, label=label)
    typer.echo(created)
    err_console.print("Keep this token secret: it is shown only once.", highlight=False)


# --- cities -----------------------------------------------------------------------------------

PROFILE_COLUMNS = (
    "name",
    "country",
    "region",
    "population",
    "population_class",
    "area_km2",
    "gdp_per_capita",
    "income_group",
    "coastal",
)


@guarded
def city_add_cmd(
    name: str = typer.Argument(..., help="City name."),
    country: str = typer.Option("", "--country"),
    region: str = typer.Option("", "--region"),
    population: float | None = typer.Option(None, "--population", help="Inhabitants."),
    area: float | None = typer.Option(None, "--area", help="Area in km²."),
    gdp: float | None = typer.Option(None, "--gdp-per-capita", help="GDP per capita (USD)."),
    income_group: str = typer.Option("", "--income-group"),
    coastal: bool | None = typer.Option(None, "--coastal/--inland"),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a city with its profile (admins only)."""
    profile = CityProfile(
        name,
        country=country,
        region=region,
        population=population,
        area_km2=area,
        gdp_per_capita=gdp,
        income_group=income_group,
        coastal=coastal,
    )
    with _session(as_user, token) as (session, actor):
        stored = add_city(session, actor, profile)
    _done(f"Added city {stored.name!r} ({stored.population_class or 'size unknown'}).")


@guarded
def city_list_cmd(as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT) -> None:
    """List every city with its profile."""
    with _session(as_user, token) as (session, actor):
        rows = [c.as_dict() for c in list_cities(session, actor)]
    emit_rows(rows, columns=PROFILE_COLUMNS, fmt=fmt, title="Cities")


@guarded
def city_show_cmd(
    name: str = CITY, as_user: str = AS_USER, token: str = TOKEN, fmt: OutputFormat = FORMAT
) -> None:
    """Show one city's profile."""
    with _session(as_user, token) as (session, actor):
        row = city_profile(session, actor, name).as_dict()
    emit_rows([row], columns=PROFILE_COLUMNS, fmt=fmt, title=name)


# --- import and values ------------------------------------------------------------------------


@guarded
def import_cmd(
    file: Path = typer.Argument(..., help="CSV, XLSX (the template) or JSON file."),
    city: str = typer.Option(..., "--city", help="City the file is for."),
    year: int = typer.Option(..., "--year", help="Reporting year the file is for."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Import a file as new revisions, in one transaction: a file with errors imports nothing."""
    store = _open()
    try:
        with store.transaction() as session:
            actor = _actor(session, as_user, token)
        with console.status(f"Importing {file.name}..."):
            summary = import_file(store, actor, file, city=city, year=year)
    finally:
        store.dispose()
    _done(
        f"Imported {summary.file} for {summary.city} {summary.year}: {summary.created} new "
        f"value(s), {summary.revised} revised, {summary.unchanged} unchanged "
        f"(catalogue {summary.catalogue_version})."
    )
    for issue in summary.warnings:
        err_console.print(
            f"[yellow]Warning:[/yellow] {issue.location.describe()}: {issue.message}",
            highlight=False,
            soft_wrap=True,
        )


@guarded
def value_set_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Argument(..., help="Input id or KPI data point id."),
    value: float = typer.Argument(..., help="The new value."),
    reason: str = typer.Option(..., "--reason", help="Why the value changes."),
    unit: str | None = typer.Option(None, "--unit", help="Unit; default the current one."),
    source: str | None = typer.Option(None, "--source", help="Source; default the current one."),
    expect_version: int | None = typer.Option(
        None, "--expect-version", help="Version you read; refuse if someone saved since."
    ),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Set a value as a new revision (a verified value returns to submitted)."""
    with _session(as_user, token) as (session, actor):
        version = edit_value(
            session,
            actor,
            city,
            year,
            code,
            value=value,
            reason=reason,
            unit=unit,
            source=source,
            expected_version=expect_version,
        )
    _done(f"Saved {code!r} of {city} {year} = {value:g} (version {version}).")


@guarded
def value_retract_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Argument(..., help="Input id or KPI data point id."),
    reason: str = typer.Option(..., "--reason", help="Why the value is retracted."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Retract a value: a recorded revision without a value; history keeps the old ones."""
    with _session(as_user, token) as (session, actor):
        retract_value(session, actor, city, year, code, reason=reason)
    _done(f"Retracted {code!r} of {city} {year}.")


@guarded
def value_answer_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Argument(..., help="The queried value."),
    comment: str = typer.Option(..., "--comment", help="Answer to the verifier's query."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Answer a verifier's query without changing the value."""
    with _session(as_user, token) as (session, actor):
        answer(session, actor, city, year, code, comment=comment)
    _done(f"Answered the query on {code!r}; resubmit with 'citykpi submit {city!r} {year}'.")


@guarded
def value_comment_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Argument(..., help="Input id or KPI data point id."),
    comment: str = typer.Option(..., "--comment", help="The note."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Add a note to a value."""
    with _session(as_user, token) as (session, actor):
        add_comment(session, actor, city, year, code, text=comment)
    _done(f"Noted on {code!r}.")


@guarded
def value_attach_cmd(
    city: str = CITY,
    year: int = YEAR,
    file: Path = typer.Argument(..., help="Evidence file (stored by content hash)."),
    code: str = typer.Option("", "--code", help="Value the file supports; default all."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Attach an evidence file to a submission or one value."""
    store = _open()
    try:
        with store.transaction() as session:
            actor = _actor(session, as_user, token)
            info = attach_evidence(
                session,
                actor,
                city,
                year,
                file,
                max_bytes=store.settings.evidence_max_bytes,
                code=code,
            )
    finally:
        store.dispose()
    _done(f"Attached {info.original_name!r} ({info.size} bytes, sha256 {info.sha256[:12]}...).")


@guarded
def value_evidence_cmd(
    city: str = CITY,
    year: int = YEAR,
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """List the evidence files attached to a submission."""
    with _session(as_user, token) as (session, actor):
        found = list_evidence(session, actor, city, year)
    rows: list[dict[str, Cell]] = [
        {"id": e.id, "file": e.original_name, "size": e.size, "sha256": e.sha256, "code": e.code}
        for e in found
    ]
    emit_rows(rows, columns=("id", "file", "size", "sha256", "code"), fmt=fmt, title="Evidence")


# --- workflow ---------------------------------------------------------------------------------


@guarded
def submit_cmd(
    city: str = CITY, year: int = YEAR, as_user: str = AS_USER, token: str = TOKEN
) -> None:
    """Submit a city's draft, corrected and answered values for verification."""
    with _session(as_user, token) as (session, actor):
        n = submit(session, actor, city, year)
    _done(f"Submitted {n} value(s) of {city} {year} for verification.")


REVIEW_COLUMNS = ("kind", "code", "kpi_code", "value", "unit", "state", "revision", "version")


@guarded
def review_list_cmd(
    city: str = CITY,
    year: int = YEAR,
    state: str = typer.Option("", "--state", help="Only values in this state."),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """List a submission's values with their state, then the verifier findings."""
    with _session(as_user, token) as (session, actor):
        rows = export_values(session, actor, state=state, city=city, year=year)
        found = findings(session, actor, city, year, settings=load_settings())
    emit_rows(rows, columns=REVIEW_COLUMNS, fmt=fmt, title=f"{city} {year}")
    if found:
        if fmt is OutputFormat.table:
            emit_rows(
                [f.as_dict() for f in found], columns=FINDING_COLUMNS, fmt=fmt, title="Findings"
            )
        else:
            err_console.print(
                f"{len(found)} finding(s); see them with --format table.", highlight=False
            )


@guarded
def review_start_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Take submitted values into review."""
    with _session(as_user, token) as (session, actor):
        n = start_review(session, actor, city, year, codes or [])
    _done(f"{n} value(s) of {city} {year} are in review.")


def _codes_or_all(codes: Sequence[str] | None, every: bool) -> list[str]:
    if codes and every:
        msg = "Give value codes or --all, not both."
        raise InputError(msg)
    if not codes and not every:
        msg = "Name the values to verify, or pass --all for every submitted or in-review value."
        raise InputError(msg)
    return list(codes or [])


@guarded
def review_verify_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    every: bool = typer.Option(False, "--all", help="Verify every submitted or in-review value."),
    comment: str = typer.Option("", "--comment", help="Note kept with the verification."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Verify values (a verifier cannot verify what she submitted or edited)."""
    wanted = _codes_or_all(codes, every)
    with _session(as_user, token) as (session, actor):
        n = verify(session, actor, city, year, wanted, comment=comment)
    _done(f"Verified {n} value(s) of {city} {year}.")


@guarded
def review_query_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    comment: str = typer.Option("", "--comment", help="What the city should check."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Query values: send them back to the city with a comment."""
    with _session(as_user, token) as (session, actor):
        n = query(session, actor, city, year, codes or [], comment=comment)
    _done(f"Queried {n} value(s) of {city} {year}.")


@guarded
def review_exclude_cmd(
    city: str = CITY,
    year: int = YEAR,
    codes: list[str] | None = CODES,
    reason: str = typer.Option("", "--reason", help="Why the value is not verified."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Exclude values from publication with a reason (U4SSC 'KPIs not verified')."""
    with _session(as_user, token) as (session, actor):
        n = exclude(session, actor, city, year, codes or [], reason=reason)
    _done(f"Excluded {n} value(s) of {city} {year}.")


@guarded
def publish_cmd(
    city: str = CITY,
    year: int = YEAR,
    reason: str = typer.Option("", "--reason", help="Note for the audit trail."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Publish a submission once every reported value is verified or excluded."""
    with _session(as_user, token) as (session, actor):
        n = publish(session, actor, city, year, reason=reason)
    _done(f"Published {city} {year}: {n} value(s).")


# --- reading ----------------------------------------------------------------------------------


#: The history columns shown on screen (CSV and JSON carry every column).
HISTORY_TABLE_COLUMNS = ("code", "revision", "value", "unit", "author", "time", "note", "state")


@guarded
def history_cmd(
    city: str = CITY,
    year: int = YEAR,
    code: str = typer.Option("", "--code", help="Only this input, data point or KPI code."),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Show every revision of a submission's values, oldest first."""
    with _session(as_user, token) as (session, actor):
        rows = history(session, actor, city, year, code=code)
    columns = HISTORY_TABLE_COLUMNS if fmt is OutputFormat.table else HISTORY_COLUMNS
    emit_rows(rows, columns=columns, fmt=fmt, title=f"History of {city} {year}")


@guarded
def export_cmd(
    status: str = typer.Option("", "--status", help="Only values in this state, e.g. published."),
    city: str = typer.Option("", "--city", help="Only this city."),
    year: int | None = typer.Option(None, "--year", help="Only this year."),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = typer.Option(OutputFormat.csv, "--format", help="Output format."),
) -> None:
    """Export the current value of every stored value (public users: --status published)."""
    with _session(as_user, token) as (session, actor):
        rows = export_values(session, actor, state=status, city=city, year=year)
    emit_rows(rows, columns=EXPORT_COLUMNS, fmt=fmt, title="Values")


def _parse_since(since: str) -> datetime | None:
    if not since:
        return None
    try:
        moment = datetime.fromisoformat(since)
    except ValueError as e:
        msg = f"--since {since!r} is not a date or time; use e.g. 2026-01-31 or 2026-01-31T12:00."
        raise InputError(msg) from e
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@guarded
def audit_cmd(
    city: str = typer.Option("", "--city", help="Only events about this city."),
    since: str = typer.Option("", "--since", help="Only events from this date/time (UTC)."),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = FORMAT,
) -> None:
    """Show the append-only audit trail: who changed what, when, from what to what, and why."""
    moment = _parse_since(since)
    with _session(as_user, token) as (session, actor):
        events = read_audit(session, actor, city=city, since=moment)
        names = city_names(session)
    rows: list[dict[str, Cell]] = [
        {**e.as_dict(), "city": names.get(e.city_id, "") if e.city_id else ""} for e in events
    ]
    columns = (*AUDIT_COLUMNS[:6], "city", *AUDIT_COLUMNS[7:])
    emit_rows(rows, columns=columns, fmt=fmt, title="Audit trail")


def _group(help_text: str) -> typer.Typer:
    return typer.Typer(help=help_text, no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the store and workflow commands to ``app``."""
    db_app = _group("Create or migrate the database schema.")
    db_app.command("upgrade")(db_upgrade_cmd)
    user_app = _group("Manage users and their roles.")
    user_app.command("add")(user_add_cmd)
    user_app.command("list")(user_list_cmd)
    user_app.command("disable")(user_disable_cmd)
    token_app = _group("Create API tokens.")
    token_app.command("create")(token_create_cmd)
    city_app = _group("Add, list and show cities and their profiles.")
    city_app.command("add")(city_add_cmd)
    city_app.command("list")(city_list_cmd)
    city_app.command("show")(city_show_cmd)
    value_app = _group("Edit, retract, answer, comment on and attach evidence to one value.")
    value_app.command("set")(value_set_cmd)
    value_app.command("retract")(value_retract_cmd)
    value_app.command("answer")(value_answer_cmd)
    value_app.command("comment")(value_comment_cmd)
    value_app.command("attach")(value_attach_cmd)
    value_app.command("evidence")(value_evidence_cmd)
    review_app = _group("The verifier's review: list, start, verify, query, exclude.")
    review_app.command("list")(review_list_cmd)
    review_app.command("start")(review_start_cmd)
    review_app.command("verify")(review_verify_cmd)
    review_app.command("query")(review_query_cmd)
    review_app.command("exclude")(review_exclude_cmd)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(city_app, name="city")
    app.command("import")(import_cmd)
    app.add_typer(value_app, name="value")
    app.command("submit")(submit_cmd)
    app.add_typer(review_app, name="review")
    app.command("publish")(publish_cmd)
    app.command("history")(history_cmd)
    app.command("export")(export_cmd)
    app.command("audit")(audit_cmd)


__all__ = ["register"]
