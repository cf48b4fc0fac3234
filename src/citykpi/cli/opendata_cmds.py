"""Commands: export (open-data formats) and site (the static open-data site).

``citykpi export`` without ``-o`` prints the store's current values as a table, CSV or JSON
(any verification state, for users who may read them); with ``--format sdmx-csv``,
``sdmx-ml``, ``ngsi-ld``, ``datapackage``, ``csv`` or ``parquet`` and ``-o PATH`` it writes
the open-data formats of :mod:`citykpi.opendata` (published values by default, which anyone
may read; ``--status verified`` or ``any`` for users who may read unpublished values).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import OutputFormat, emit_rows, guarded
from citykpi.cli._store_session import AS_USER, TOKEN, done, opened, session_as
from citykpi.cli._years import parse_year
from citykpi.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citykpi.store.users import Actor


class ExportFormat(StrEnum):
    """Formats of ``citykpi export``: the three printed ones and the open-data files."""

    table = "table"
    json = "json"
    csv = "csv"
    sdmx_csv = "sdmx-csv"
    sdmx_ml = "sdmx-ml"
    ngsi_ld = "ngsi-ld"
    datapackage = "datapackage"
    parquet = "parquet"


class NgsiForm(StrEnum):
    """The two NGSI-LD representations."""

    keyvalues = "keyvalues"
    normalized = "normalized"


_PRINTED = {ExportFormat.table, ExportFormat.json, ExportFormat.csv}
_FILES_ONLY = set(ExportFormat) - _PRINTED


@contextmanager
def _reader(as_user: str, token: str) -> Iterator[tuple[Session, Actor | None]]:
    """Yield a transaction and who reads: the named or logged-in user, else the public."""
    from citykpi.settings import load_settings
    from citykpi.store.credentials import authenticate

    settings = load_settings()
    with opened() as store, store.transaction() as session:
        actor = authenticate(
            session,
            as_user=as_user,
            token=token,
            settings=settings,
            url=settings.resolved_database_url(),
        )
        yield session, actor


@guarded
def export_cmd(
    status: str = typer.Option(
        "",
        "--status",
        help="Only values in this state. Open-data formats: published (default), verified or "
        "any; printed output: any verification state, e.g. published.",
    ),
    city: str = typer.Option("", "--city", help="Only this city."),
    year: int | None = typer.Option(None, "--year", help="Only this year.", parser=parse_year),
    as_user: str = AS_USER,
    token: str = TOKEN,
    fmt: ExportFormat = typer.Option(
        ExportFormat.csv,
        "--format",
        help="table, json or csv print the stored values (csv with -o writes the open-data "
        "value table); sdmx-csv, sdmx-ml, ngsi-ld, datapackage and parquet write open data "
        "to -o PATH.",
    ),
    form: NgsiForm = typer.Option(
        NgsiForm.keyvalues, "--ngsi-form", help="NGSI-LD representation of the entities."
    ),
    kpi_table: bool = typer.Option(
        False,
        "--kpi-table",
        help="Write the KPI long table (the columns of 'citykpi compute'), which 'assess', "
        "'trends', 'peers', 'plan' and 'index u4ssc' read; --status is then published, "
        "verified or any (default published).",
    ),
    out: Path | None = typer.Option(
        None,
        "-o",
        "--out",
        help="Write to this file (or folder, for datapackage and sdmx-ml) instead of printing.",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite OUT if it exists."),
) -> None:
    """Export values: print the current ones, or write published open data (SDMX, NGSI-LD,
    a data package, CSV, Parquet) with -o."""
    from citykpi.store import EXPORT_COLUMNS, export_values

    if kpi_table:
        _export_kpi_table(status or "published", city, year, as_user, token, out, force)
        return
    if out is None and fmt in _FILES_ONLY:
        msg = f"--format {fmt.value} writes files; add -o PATH (e.g. -o export.{_suffix(fmt)})."
        raise InputError(msg)
    if out is not None:
        if fmt in (ExportFormat.table, ExportFormat.json):
            msg = (
                f"--format {fmt.value} prints to standard output; drop -o, or write a file "
                "with --format csv, sdmx-csv, sdmx-ml, ngsi-ld, datapackage or parquet."
            )
            raise InputError(msg)
        _export_open_data(fmt, form, status or "published", city, year, as_user, token, out, force)
        return
    with session_as(as_user, token) as (session, actor):
        rows = export_values(session, actor, state=status, city=city, year=year)
    emit_rows(rows, columns=EXPORT_COLUMNS, fmt=OutputFormat(fmt.value), title="Values")


def _suffix(fmt: ExportFormat) -> str:
    return {"sdmx-csv": "csv", "sdmx-ml": "xml", "ngsi-ld": "jsonld"}.get(fmt.value, fmt.value)


def _export_open_data(
    fmt: ExportFormat,
    form: NgsiForm,
    status: str,
    city: str,
    year: int | None,
    as_user: str,
    token: str,
    out: Path,
    force: bool,
) -> None:
    from citykpi.opendata import export_open_data, read_open_data

    with _reader(as_user, token) as (session, actor):
        data = read_open_data(session, actor, status=status, city=city, year=year)
    written = export_open_data(data, fmt.value, out, force=force, form=form.value)
    names = ", ".join(str(p) for p in written)
    done(f"Wrote {len(data.values)} {status} values as {fmt.value} to {names}.")


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


@guarded
def site_build_cmd(
    out: Path = typer.Option(..., "-o", "--out", help="Folder of the site (created if needed)."),
    as_user: str = AS_USER,
    token: str = TOKEN,
) -> None:
    """Build the static open-data site of the published values (rewrites only what changed)."""
    from citykpi.opendata import build_site, read_open_data

    with _reader(as_user, token) as (session, actor):
        data = read_open_data(session, actor, status="published")
    result = build_site(data, out)
    done(
        f"Built the site in {out}: {result.written} files written, {result.unchanged} "
        f"unchanged, {result.removed} removed; open {out / 'index.html'}."
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("export")(export_cmd)
    site_app = typer.Typer(help="The static open-data site.", no_args_is_help=True)
    site_app.command("build")(site_build_cmd)
    app.add_typer(site_app, name="site")
