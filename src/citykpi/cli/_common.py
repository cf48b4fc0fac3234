"""Shared plumbing of the command-line interface: output formats, errors and exit codes.

Exit codes: 0 success, 1 validation errors found, 2 usage or input error, 3 permission
refused, 4 conflict with a concurrent edit. No command shows a traceback for bad input.

Tables (``--format table``, the default) never break an id across lines: on a terminal they are
drawn with Rich when every cell's longest word fits, else listed one record at a time
(``field: value`` lines); when standard output is not a terminal (a pipe, a file, a test) they are
printed as plain aligned columns, one line per row, so ``grep`` and ``cut`` see whole ids.

User text is printed literally (:mod:`._terminal`): the consoles read no markup, and control
characters in cells and messages are shown as escapes (``\\x1b``). CSV output neutralises
cells a spreadsheet would execute (:func:`citykpi.io.cells.neutralise`).
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
from rich.table import Table
from rich.text import Text

from citykpi.cli._terminal import SafeConsole, json_safe, printable
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

console = SafeConsole()
err_console = SafeConsole(stderr=True)

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


def warn(message: str) -> None:
    """Print ``message`` on standard error after a yellow ``Warning:``, literally."""
    line = Text("Warning: ", style="yellow")
    line.append(message)
    err_console.print(line, highlight=False, soft_wrap=True)


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


def _exact(value: float) -> str:
    """Return a float as the shortest text that reads back as the same float ("" for NaN).

    Machine-readable output (CSV) must not round: a value exported and read back is the value
    that was stored.
    """
    if math.isnan(value):
        return ""
    text = repr(value)
    return text.removesuffix(".0") if "e" not in text else text


def emit_rows(
    rows: Sequence[Mapping[str, Cell]],
    *,
    columns: Sequence[str],
    fmt: OutputFormat,
    title: str = "",
) -> None:
    """Print ``rows`` as a table, CSV or JSON on standard output (see the module docstring)."""
    if fmt is OutputFormat.json:
        clean = [{c: _json_cell(r.get(c)) for c in columns} for r in rows]
        typer.echo(json_safe(json.dumps(clean, indent=2, ensure_ascii=False)))
        return
    if fmt is OutputFormat.csv:
        text = rows_to_csv(rows, columns=columns)
        # the data as it is for a pipe or a file; on a terminal, no control sequence acts
        typer.echo(printable(text) if console.is_terminal else text, nl=False)
        return
    cells = [[printable(_text(r.get(c)), one_line=True) for c in columns] for r in rows]
    title = printable(title, one_line=True)
    if not console.is_terminal:
        typer.echo(plain_table(cells, columns=columns, title=title), nl=False)
        return
    # a column of single words (ids, codes without spaces, numbers) is never wrapped; columns
    # of sentences wrap between words. Too narrow for that: one record at a time instead.
    single = [all(" " not in r[i] for r in cells) for i in range(len(columns))]
    needed = [
        max(
            [len(w) for w in c.split()]
            + [
                len(r[i]) if single[i] else max((len(w) for w in r[i].split()), default=0)
                for r in cells
            ]
        )
        for i, c in enumerate(columns)
    ]
    if sum(needed) + 3 * len(columns) + 1 > console.width:  # cell padding and borders
        console.print(
            Text(records(cells, columns=columns, title=title).rstrip("\n")), soft_wrap=True
        )
        return
    table = Table(title=Text(title) if title else None, show_lines=False)
    for i, c in enumerate(columns):
        table.add_column(c, overflow="fold", no_wrap=single[i])
    for line in cells:
        table.add_row(*(Text(v) for v in line))
    console.print(table)


def plain_table(cells: Sequence[Sequence[str]], *, columns: Sequence[str], title: str = "") -> str:
    """Return ``cells`` as aligned columns (two spaces apart, numbers right-aligned), no wrapping.

    Parameters
    ----------
    cells
        One list of cell texts per row, in the order of ``columns``.
    columns
        The header.
    title
        A first line, when given.
    """
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    numeric = [bool(cells) and all(_is_number(r[i]) for r in cells) for i in range(len(columns))]

    def line(values: Sequence[str]) -> str:
        padded = [
            v.rjust(w) if num else v.ljust(w)
            for v, w, num in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(padded).rstrip()

    lines = [title] if title else []
    lines += [line(columns), line(["-" * w for w in widths]), *(line(r) for r in cells)]
    return "\n".join(lines) + "\n"


def records(cells: Sequence[Sequence[str]], *, columns: Sequence[str], title: str = "") -> str:
    """Return ``cells`` as one block of ``field: value`` lines per row, blocks blank-separated."""
    width = max((len(c) for c in columns), default=0)
    blocks = [title] if title else []
    for r in cells:
        blocks.append(
            "\n".join(f"{c.ljust(width)}  {v}".rstrip() for c, v in zip(columns, r, strict=True))
        )
    return "\n\n".join(blocks) + "\n"


def _is_number(text: str) -> bool:
    if text == "":
        return True  # an empty cell does not make a numeric column textual
    try:
        float(text)
    except ValueError:
        return False
    return True


def _json_cell(value: Cell) -> Cell:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows_to_csv(rows: Iterable[Mapping[str, Cell]], *, columns: Sequence[str]) -> str:
    """Return ``rows`` as CSV text with a header line.

    Floats are written exactly (:func:`_exact`). Text cells a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``, tab or carriage return first) get a leading ``'``
    (:func:`citykpi.io.cells.neutralise`); numbers stay numbers.
    """
    from citykpi.io.cells import csv_quoting, neutralise

    def cell(value: Cell) -> Cell:
        if isinstance(value, float):
            return _exact(value)
        if isinstance(value, str):
            return neutralise(value)
        return value

    # Lists, not a dictionary per row: an export writes thousands of rows.
    table = [[cell(r.get(c)) for c in columns] for r in rows]
    quoting = csv_quoting(v for r in table for v in r)  # all quoted if one has "\r"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=quoting)
    writer.writerow(list(columns))
    writer.writerows(table)
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
    "plain_table",
    "records",
    "rows_to_csv",
    "warn",
]
