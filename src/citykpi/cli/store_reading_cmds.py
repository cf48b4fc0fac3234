"""Reading the store: ``history`` and the append-only ``audit`` trail.

The commands are registered by :func:`citykpi.cli.store_cmds.register`. ``audit --format
json`` gives each event's ``before`` and ``after`` as JSON objects (``null`` when there is
none); in CSV and on screen they are the stored JSON text, one cell each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from citykpi.cli._common import Cell, OutputFormat, emit_rows, guarded
from citykpi.cli._store_session import AS_USER, CITY, FORMAT, TOKEN, YEAR, reading_as
from citykpi.cli._terminal import json_safe
from citykpi.errors import InputError

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
    from citykpi.store import HISTORY_COLUMNS, history

    with reading_as(as_user, token) as (session, actor):
        rows = history(session, actor, city, year, code=code)
    columns = HISTORY_TABLE_COLUMNS if fmt is OutputFormat.table else HISTORY_COLUMNS
    emit_rows(rows, columns=columns, fmt=fmt, title=f"History of {city} {year}")


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
    from citykpi.store import AUDIT_COLUMNS
    from citykpi.store.trail import city_names, read_audit

    moment = _parse_since(since)
    with reading_as(as_user, token) as (session, actor):
        events = read_audit(session, actor, city=city, since=moment)
        names = city_names(session)
    columns = (*AUDIT_COLUMNS[:6], "city", *AUDIT_COLUMNS[7:])
    city_of = {e.id: names.get(e.city_id, "") if e.city_id else "" for e in events}
    if fmt is OutputFormat.json:
        records = [{**e.as_record(), "city": city_of[e.id]} for e in events]
        shown = [{c: r[c] for c in columns} for r in records]
        typer.echo(json_safe(json.dumps(shown, indent=2, ensure_ascii=False)))
        return
    rows: list[dict[str, Cell]] = [{**e.as_dict(), "city": city_of[e.id]} for e in events]
    emit_rows(rows, columns=columns, fmt=fmt, title="Audit trail")
