"""Reading the store: ``history``, ``export`` and the append-only ``audit`` trail.

The commands are registered by :func:`citykpi.cli.store_cmds.register`. ``audit --format
json`` gives each event's ``before`` and ``after`` as JSON objects (``null`` when there is
none); in CSV and on screen they are the stored JSON text, one cell each.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from citykpi.cli._common import Cell, OutputFormat, emit_rows, guarded
from citykpi.cli._store_session import AS_USER, CITY, FORMAT, TOKEN, YEAR, session_as
from citykpi.cli._terminal import json_safe
from citykpi.cli._years import parse_year
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

    with session_as(as_user, token) as (session, actor):
        rows = history(session, actor, city, year, code=code)
    columns = HISTORY_TABLE_COLUMNS if fmt is OutputFormat.table else HISTORY_COLUMNS
    emit_rows(rows, columns=columns, fmt=fmt, title=f"History of {city} {year}")


@guarded
def export_cmd(
    status: str = typer.Option("", "--status", help="Only values in this state, e.g. published."),
    city: str = typer.Option("", "--city", help="Only this city."),
    year: int | None = typer.Option(None, "--year", help="Only this year.", parser=parse_year),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: OutputFormat = typer.Option(OutputFormat.csv, "--format", help="Output format."),
    kpi_table: bool = typer.Option(
        False,
        "--kpi-table",
        help="Write the KPI long table (the columns of 'citykpi compute'), which 'assess', "
        "'trends', 'peers', 'plan' and 'index u4ssc' read; --status is then published, "
        "verified or any (default published).",
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="With --kpi-table: write the table (CSV) to this file."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
) -> None:
    """Export the current value of every stored value (public users: --status published)."""
    from citykpi.store import EXPORT_COLUMNS, export_values

    if kpi_table:
        _export_kpi_table(status or "published", city, year, as_user, token, out, force)
        return
    if out is not None:
        msg = "-o/--out goes with --kpi-table; without it the export prints to standard output."
        raise InputError(msg)
    with session_as(as_user, token) as (session, actor):
        rows = export_values(session, actor, state=status, city=city, year=year)
    emit_rows(rows, columns=EXPORT_COLUMNS, fmt=fmt, title="Values")


def _export_kpi_table(
    status: str,
    city: str,
    year: int | None,
    as_user: str,
    token: str,
    out: Path | None,
    force: bool,
) -> None:
    """Write the store's KPI values as the KPI long table, exactly as the analysis reads them."""
    from citykpi.io import write_kpi_table
    from citykpi.model import KPI_COLUMNS
    from citykpi.sources import load_kpi_table

    table = load_kpi_table(
        from_store=True,
        status=status,
        cities=[city] if city else None,
        years=[year] if year is not None else None,
        as_user=as_user,
        token=token,
    )
    if out is None:
        typer.echo(table[list(KPI_COLUMNS)].to_csv(index=False), nl=False)
        return
    written = write_kpi_table(table, out, force=force)
    typer.echo(f"Wrote {len(table)} KPI values to {', '.join(str(p) for p in written)}.", err=True)


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
    with session_as(as_user, token) as (session, actor):
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
