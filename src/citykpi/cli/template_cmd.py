"""The ``template`` command: write the XLSX data-collection workbook for a city and year."""

from __future__ import annotations

from pathlib import Path

import typer

from citykpi.cli._common import console, guarded
from citykpi.cli._years import parse_year


@guarded
def template(
    city: str = typer.Argument(..., help="Name of the city, written on the cover sheet."),
    year: int = typer.Argument(..., help="Reporting year, e.g. 2024.", parser=parse_year),
    output: Path = typer.Option(
        ..., "--output", "-o", help="Workbook to write (.xlsx); an existing file is kept."
    ),
    force: bool = typer.Option(False, "--force", help="Replace the output file if it exists."),
) -> None:
    """Write the XLSX data-collection template a city fills in (read back by validate/compute)."""
    from citykpi.io import write_template

    path = write_template(city, year, output, force=force)
    console.print(
        f"Wrote the data-collection template for {city.strip()!r} {year} to {path}. "
        f"Fill in the yellow cells, then run 'citykpi validate {path}'.",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``template`` command to ``app``."""
    app.command("template")(template)
