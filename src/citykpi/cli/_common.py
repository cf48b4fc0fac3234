"""Shared plumbing of the command-line interface: output formats, errors and exit codes.

Exit codes: 0 success, 1 validation errors found, 2 usage or input error, 3 permission
refused, 4 conflict with a concurrent edit. No command shows a traceback for bad input.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from functools import wraps
from typing import Final, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from citykpi.errors import (
    CityKpiError,
    ConflictError,
    PermissionDenied,
    ValidationFailed,
)

EXIT_OK: Final = 0
EXIT_VALIDATION: Final = 1
EXIT_USAGE: Final = 2
EXIT_PERMISSION: Final = 3
EXIT_CONFLICT: Final = 4

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


class OutputFormat(StrEnum):
    """Output formats of commands whose output is data."""

    table = "table"
    csv = "csv"
    json = "json"


def fail(message: str, *, code: int = EXIT_USAGE) -> NoReturn:
    """Print ``message`` on standard error and exit with ``code``."""
    line = Text("Error: ", style="bold red")
    line.append(message)  # plain text: a message quoting "[mass]" must not be read as markup
    err_console.print(line, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def exit_code_for(error: CityKpiError) -> int:
    """Return the exit code that reports ``error``."""
    if isinstance(error, ValidationFailed):
        return EXIT_VALIDATION
    if isinstance(error, PermissionDenied):
        return EXIT_PERMISSION
    if isinstance(error, ConflictError):
        return EXIT_CONFLICT
    return EXIT_USAGE


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn citykpi errors raised by a command into a clean message and exit code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CityKpiError as e:
            fail(str(e), code=exit_code_for(e))
        except OSError as e:
            fail(f"{e.strerror or e}: {e.filename!s}" if e.filename else str(e))

    return wrapper


Cell = str | int | float | bool | None


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.6g}"
    return str(value)


def emit_rows(
    rows: Sequence[Mapping[str, Cell]],
    *,
    columns: Sequence[str],
    fmt: OutputFormat,
    title: str = "",
) -> None:
    """Print ``rows`` as a rich table, CSV or JSON on standard output."""
    if fmt is OutputFormat.json:
        clean = [{c: _json_cell(r.get(c)) for c in columns} for r in rows]
        typer.echo(json.dumps(clean, indent=2, ensure_ascii=False))
        return
    if fmt is OutputFormat.csv:
        typer.echo(rows_to_csv(rows, columns=columns), nl=False)
        return
    table = Table(title=title or None, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(Text(_text(r.get(c))) for c in columns))
    console.print(table)


def _json_cell(value: Cell) -> Cell:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows_to_csv(rows: Iterable[Mapping[str, Cell]], *, columns: Sequence[str]) -> str:
    """Return ``rows`` as CSV text with a header line."""
    buf = io.StringIO()
    writer = csv.DictWriter(
        buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for r in rows:
        writer.writerow(
            {c: _text(r.get(c)) if isinstance(r.get(c), float) else r.get(c) for c in columns}
        )
    return buf.getvalue()


__all__ = [
    "EXIT_CONFLICT",
    "EXIT_OK",
    "EXIT_PERMISSION",
    "EXIT_USAGE",
    "EXIT_VALIDATION",
    "OutputFormat",
    "console",
    "emit_rows",
    "err_console",
    "exit_code_for",
    "fail",
    "guarded",
    "rows_to_csv",
]
