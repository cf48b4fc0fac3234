"""The ``validate`` and ``compute`` commands: raw-input files in, a report or KPI table out.

Exit codes: 0 when validation found no error, 1 when it found errors (``compute`` still writes
every value it could compute; the data points the errors touch are ``invalid``), 2 for a usage
or input error (a file that does not exist or cannot be read, an output that exists without
``--force``). The pipeline is imported inside the commands, so listing them stays fast.

``compute -o kpis.csv`` writes the KPI table through :func:`citykpi.io.write_kpi_table`: the
provenance of each row goes to ``kpis.provenance.jsonl`` beside it (one JSON object per line),
and the CSV's ``provenance`` cell points to that line. On standard output, which is one stream,
the CSV keeps the provenance JSON in its cells; ``--format json`` nests it as objects.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from citykpi.cli._common import (
    EXIT_OK,
    EXIT_VALIDATION,
    OutputFormat,
    console,
    emit_rows,
    err_console,
    guarded,
)
from citykpi.model import KPI_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.pipeline import Summary
    from citykpi.validate import ValidationResult

#: Columns of the validation table as printed on screen (CSV and JSON carry every column;
#: city, year and code are named in each message).
_TABLE_COLUMNS = ("where", "severity", "reason", "message")


class KpiFormat(StrEnum):
    """Formats of the KPI table written by ``compute``."""

    csv = "csv"
    json = "json"


FILES = typer.Argument(..., help="Raw-input files: .csv, .xlsx (the template) or .json.")


def _where(row: Mapping[str, object]) -> str:
    place = (
        f"cell {row['cell']}"
        if row.get("cell")
        else f"row {row['row']}"
        if row.get("row") is not None
        else ""
    )
    return f"{row.get('file') or ''} {place}".strip()


def _issue_summary(checked: ValidationResult) -> str:
    n_err, n_warn = len(checked.errors), len(checked.warnings)
    n_info = len(checked.issues) - n_err - n_warn
    return f"{n_err} error(s), {n_warn} warning(s), {n_info} info in {len(checked.frame)} row(s)"


@guarded
def validate_cmd(
    files: list[Path] = FILES,
    fmt: OutputFormat = typer.Option(
        OutputFormat.table, "-f", "--format", help="Output format of the report."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check raw-input files and list every problem with its file, row and fix."""
    from citykpi.pipeline import check
    from citykpi.validate import ISSUE_COLUMNS

    checked = check(files, strict=strict)
    rows = [i.as_dict() for i in checked.issues]
    if fmt is OutputFormat.table:
        if rows:
            shown = [{**r, "where": _where(r)} for r in rows]  # printed literally by emit_rows
            emit_rows(shown, columns=_TABLE_COLUMNS, fmt=fmt, title="Validation report")
        err_console.print(
            ("Validation failed: " if not checked.ok else "Validation passed: ")
            + _issue_summary(checked)
            + ".",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    else:
        emit_rows(rows, columns=ISSUE_COLUMNS, fmt=fmt)
    raise typer.Exit(EXIT_OK if checked.ok else EXIT_VALIDATION)


def summary_lines(summary: Summary) -> list[str]:
    """Return the closing lines describing a run (shared with ``demo``)."""
    s = summary.statuses
    lines = [
        f"Cities: {summary.cities}; years: {summary.year_span}; raw rows: {summary.rows}.",
        f"KPI data points: {s['computed']} computed, {s['reported']} reported, "
        f"{s['not_reported']} not reported, {s['invalid']} invalid.",
    ]
    sev = summary.issues_by_severity
    lines.append(
        f"Validation: {sev.get('error', 0)} error(s), {sev.get('warning', 0)} warning(s), "
        f"{sev.get('info', 0)} info."
    )
    lines.extend(f"  {reason}: {count}" for reason, count in summary.issues_by_reason.items())
    return lines


def _kpi_json(kpis: pd.DataFrame) -> str:
    import pandas as pd

    records = []
    for rec in kpis.to_dict("records"):
        value = rec["value"]
        records.append(
            {
                **{c: rec[c] for c in KPI_COLUMNS},
                "year": int(rec["year"]),
                "value": None if pd.isna(value) else float(value),
                "provenance": json.loads(str(rec["provenance"])),
            }
        )
    return json.dumps(records, indent=2, ensure_ascii=False)


@guarded
def compute_cmd(
    files: list[Path] = FILES,
    out: Path | None = typer.Option(
        None, "-o", "--out", help="File to write the KPI table to (default: standard output)."
    ),
    fmt: KpiFormat = typer.Option(KpiFormat.csv, "-f", "--format", help="Format of the KPI table."),
    force: bool = typer.Option(
        False, "--force", help="Replace OUT (and its provenance side file) if they exist."
    ),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Compute every KPI data point the inputs allow, with unit, status and provenance."""
    from citykpi.io import check_all_writable
    from citykpi.io.kpi_tables import kpi_table_paths

    if out is not None:  # refuse before computing anything
        check_all_writable(kpi_table_paths(out) if fmt is KpiFormat.csv else [out], force=force)
    from citykpi.pipeline import compute_files

    run = compute_files(files, strict=strict)
    written: list[Path] = []
    if out is None:
        from citykpi.io import csv_text

        text = _kpi_json(run.kpis) if fmt is KpiFormat.json else csv_text(run.kpis)
        typer.echo(text, nl=False)
    elif fmt is KpiFormat.json:
        from citykpi.io import write_text

        written = [write_text(_kpi_json(run.kpis), out, force=force)]
    else:
        from citykpi.io import write_kpi_table

        written = write_kpi_table(run.kpis, out, force=force)
    target = console if out is not None else err_console
    for line in summary_lines(run.summary):
        target.print(line, highlight=False, soft_wrap=True, markup=False)
    if out is not None:
        lines = [f"KPI table written to {out}."]
        lines += [f"Provenance of each row written to {p}." for p in written[1:]]
        for line in lines:
            target.print(line, highlight=False, soft_wrap=True, markup=False)
    if not run.checked.ok:
        hint = " ".join(f"{f}" for f in files)
        err_console.print(
            f"Validation found {len(run.checked.errors)} error(s); the data points they touch "
            f"are 'invalid'. Run 'citykpi validate {hint}' for the list.",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        raise typer.Exit(EXIT_VALIDATION)


def register(app: typer.Typer) -> None:
    """Add ``validate`` and ``compute`` to ``app``."""
    app.command("validate")(validate_cmd)
    app.command("compute")(compute_cmd)


__all__ = ["compute_cmd", "register", "summary_lines", "validate_cmd"]
