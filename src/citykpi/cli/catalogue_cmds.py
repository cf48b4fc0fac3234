"""Commands over the KPI catalogue: ``citykpi catalogue`` and ``citykpi inputs``.

Like every command module, this one imports its stage inside the commands, so that
``citykpi --help`` does not load the catalogue (PyYAML, pint) to list the commands.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from citykpi.cli._common import OutputFormat, emit_rows, guarded

_TABLE_COLUMNS = ("code", "data_point", "unit", "direction", "provenance")

_FORMAT_HELP = (
    "Output format: table (one row per data point), csv (one row per data point, every "
    "column) or json (an array with one object per KPI, data points nested)."
)
_CATALOGUE_HELP = "Catalogue directory to read instead of the bundled U4SSC catalogue."


def catalogue(
    code: str | None = typer.Option(
        None,
        "--code",
        help="Show only this KPI: official code such as 'EC: ICT: ICT: 1C', slug or data point id.",
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help=_FORMAT_HELP),
    path: Path | None = typer.Option(None, "--catalogue", help=_CATALOGUE_HELP),
) -> None:
    """List the U4SSC KPIs with their data points, units, directions and formulas."""
    from citykpi.catalogue import load_catalogue
    from citykpi.catalogue.export import DATA_POINT_COLUMNS, data_point_rows, kpi_records

    cat = load_catalogue(path)
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(kpi_records(cat, code=code), indent=2, ensure_ascii=False))
        return
    rows = data_point_rows(cat, code=code)
    columns = DATA_POINT_COLUMNS if fmt is OutputFormat.csv else _TABLE_COLUMNS
    emit_rows(rows, columns=columns, fmt=fmt, title=f"U4SSC KPIs (catalogue {cat.version})")


def inputs(
    fmt: OutputFormat = typer.Option(
        OutputFormat.table,
        "--format",
        "-f",
        help="Output format: table (main columns), csv (every column) or json (feeds as a list).",
    ),
    path: Path | None = typer.Option(None, "--catalogue", help=_CATALOGUE_HELP),
) -> None:
    """List the raw inputs a city reports, each once, with unit and the data points it feeds."""
    from citykpi.catalogue import load_catalogue
    from citykpi.catalogue.export import INPUT_COLUMNS, input_rows

    cat = load_catalogue(path)
    rows = input_rows(cat)
    if fmt is OutputFormat.json:
        # JSON keeps the data points an input feeds as a list rather than joined text.
        records = [{**row, "feeds": list(cat.inputs[str(row["id"])].feeds)} for row in rows]
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    columns = INPUT_COLUMNS if fmt is OutputFormat.csv else ("id", "name", "unit", "kind", "sheet")
    emit_rows(rows, columns=columns, fmt=fmt, title=f"Raw inputs (catalogue {cat.version})")


def register(app: typer.Typer) -> None:
    """Add ``catalogue`` and ``inputs`` to ``app``."""
    app.command("catalogue")(guarded(catalogue))
    app.command("inputs")(guarded(inputs))
