"""Commands: export (open-data formats) and site (the static open-data site)."""

from __future__ import annotations

from pathlib import Path

import typer

from citykpi.cli._common import OutputFormat, emit_rows, guarded
from citykpi.cli._store_session import AS_USER, TOKEN, session_as
from citykpi.cli._years import parse_year
from citykpi.errors import InputError


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


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("export")(export_cmd)
