"""Read an XLSX workbook: the data-collection template, or sheets in the long or wide layout.

A workbook whose first sheet is the template cover (cell A1 reads
:data:`~citykpi.ingest.template_layout.MARKER`) is read as the template: city and year from the
cover, one row per filled-in input or KPI result. Any other workbook is read sheet by sheet,
each sheet in the long or the wide layout of :mod:`.tabular` with its header in row 1; a sheet
in neither layout is reported (an error if no sheet could be read, a warning otherwise), and an
empty sheet is skipped. Values are located by cell reference (``"Economy!F7"``); formulas are
read as the value the spreadsheet program last calculated.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import citykpi.ingest.template_layout as layout
from citykpi.ingest.table import RawTableBuilder, Record, issue
from citykpi.ingest.tabular import is_blank, read_rows, unknown_layout
from citykpi.ingest.values import CellValue, parse_year, raw_text
from citykpi.ingest.xlsx_limits import (
    UNREADABLE,
    CellBudget,
    TooManyCells,
    broken_part,
    check_archive,
)
from citykpi.model import Severity
from citykpi.reasons import Reason

Rows = list[tuple[CellValue, ...]]


def read_xlsx(path: Path, *, file: str, builder: RawTableBuilder) -> None:
    """Add the values of the workbook at ``path`` to ``builder`` (a :class:`~.readers.Reader`).

    The archive is checked against :mod:`.xlsx_limits` before openpyxl parses anything, and
    the cells read are counted, so a zip bomb or a sheet claiming millions of cells is
    refused quickly; a workbook whose parts do not parse is reported, naming the part.
    """
    problem = check_archive(path, file=file)
    if problem is not None:
        builder.issues.append(issue(Reason.UNREADABLE_FILE, problem, file=file))
        return
    part = "the workbook"
    try:
        # Opened here, not by openpyxl, so that it is closed even when openpyxl fails half-way.
        with path.open("rb") as stream, warnings.catch_warnings():
            # openpyxl warns of what it ignores (unsupported extensions, a missing stylesheet);
            # values are all citykpi reads, so those warnings would only be noise.
            warnings.simplefilter("ignore")
            workbook = load_workbook(stream, read_only=True, data_only=True)
            try:
                budget = CellBudget()
                sheets: dict[str, Rows] = {}
                for ws in workbook.worksheets:
                    part = f"sheet {ws.title!r}"
                    sheets[ws.title] = _values(ws, budget)
            finally:
                workbook.close()
    except TooManyCells as e:
        msg = f"{file} {part} {e}"
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return
    except UNREADABLE as e:
        broken = broken_part(path)
        if broken is not None:
            part = f"its part {broken!r}"
        msg = (
            f"{file} is not a readable XLSX workbook: {part} cannot be read "
            f"({_kind(e)}: {_short(e)}); open it in a spreadsheet program and save it "
            "again as .xlsx."
        )
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return
    cover = sheets.get(layout.COVER_SHEET)
    if cover is not None and _cell(cover, "A1") == layout.MARKER:
        _read_template(sheets, file=file, builder=builder)
    else:
        _read_sheets(sheets, file=file, builder=builder)


def _kind(error: BaseException) -> str:
    """Name the failure the same way whichever XML parser openpyxl uses (lxml or the stdlib)."""
    return "malformed XML" if isinstance(error, SyntaxError) else type(error).__name__


def _short(error: BaseException) -> str:
    text = str(error)
    return text if len(text) <= 200 else text[:200] + "..."


def _values(ws: Any, budget: CellBudget) -> Rows:
    rows: Rows = []
    for row in ws.iter_rows(values_only=True):
        budget.spend(len(row))
        rows.append(tuple(row))
    return rows


def _cell(rows: Rows, ref: str) -> CellValue:
    col = ord(ref[0]) - ord("A")
    row = int(ref[1:]) - 1
    if row < len(rows) and col < len(rows[row]):
        return rows[row][col]
    return None


def _numbered(rows: Rows, start: int) -> Iterator[tuple[int, Sequence[CellValue]]]:
    yield from enumerate(rows[start - 1 :], start=start)


def _read_sheets(sheets: dict[str, Rows], *, file: str, builder: RawTableBuilder) -> None:
    unknown: list[str] = []
    read = 0
    for title, rows in sheets.items():
        if not rows or all(is_blank(r) for r in rows):
            continue
        if read_rows(rows[0], _numbered(rows, 2), file=file, builder=builder, sheet=title):
            read += 1
        else:
            unknown.append(title)
    if not read and not unknown:
        msg = f"{file} has no data: every sheet is empty; fill in a sheet or the template."
        builder.issues.append(issue(Reason.EMPTY_FILE, msg, file=file))
    severity = Severity.WARNING if read else Severity.ERROR
    for title in unknown:
        unknown_layout(builder, f"{file} sheet {title!r}", file=file, severity=severity)


def _read_template(sheets: dict[str, Rows], *, file: str, builder: RawTableBuilder) -> None:
    cover = sheets[layout.COVER_SHEET]
    city = _cell(cover, layout.COVER_CITY)
    year = _cell(cover, layout.COVER_YEAR)
    if not raw_text(city).strip() or parse_year(year) is None:
        bad_city = not raw_text(city).strip()
        ref = layout.COVER_CITY if bad_city else layout.COVER_YEAR
        msg = f"{file} cell {layout.COVER_SHEET}!{ref} " + (
            "has no city; write the city name there."
            if bad_city
            else f"has year {raw_text(year)!r}; write the reporting year as four digits, e.g. 2024."
        )
        reason = Reason.MISSING_CITY if bad_city else Reason.MISSING_YEAR
        builder.issues.append(
            issue(reason, msg, file=file, row=f"{layout.COVER_SHEET}!{ref}", value=raw_text(year))
        )
        return
    for title, rows in sheets.items():
        if title == layout.COVER_SHEET:
            continue
        header = rows[layout.HEADER_ROW - 1] if len(rows) >= layout.HEADER_ROW else ()
        first = raw_text(header[0]).strip() if header else ""
        if first == layout.INPUT_HEADERS[0]:
            kind, code_col = "input", layout.INPUT_CODE_COL
        elif first == layout.KPI_HEADERS[0]:
            kind, code_col = "kpi", layout.KPI_CODE_COL
        else:
            msg = (
                f"{file} sheet {title!r} is not a sheet of the citykpi template (no "
                f"{layout.INPUT_HEADERS[0]!r} header in row {layout.HEADER_ROW}); it was ignored. "
                "Enter values on the template's own sheets."
            )
            builder.issues.append(
                issue(Reason.UNKNOWN_LAYOUT, msg, file=file, severity=Severity.WARNING)
            )
            continue
        for number, row in _numbered(rows, layout.HEADER_ROW + 1):
            _template_row(row, number, (title, kind, code_col), city, year, file, builder)


def _template_row(
    row: Sequence[CellValue],
    number: int,
    sheet: tuple[str, str, int],
    city: CellValue,
    year: CellValue,
    file: str,
    builder: RawTableBuilder,
) -> None:
    title, kind, code_col = sheet

    def at(col: int) -> CellValue:
        return row[col - 1] if col - 1 < len(row) else None

    filled = [
        at(c)
        for c in (layout.VALUE_COL, layout.OVERRIDE_COL, layout.QUALITY_COL, layout.SOURCE_COL)
    ]
    # A row counts as reported as soon as the city wrote anything in it, so nothing is lost.
    if all(raw_text(v).strip() == "" for v in filled):
        return
    override = raw_text(at(layout.OVERRIDE_COL)).strip()
    fields: dict[str, CellValue] = {
        "city": city,
        "year": year,
        "kind": kind,
        "code": at(code_col),
        "value": at(layout.VALUE_COL),
        "unit": override or at(layout.UNIT_COL[kind]),
        "quality": at(layout.QUALITY_COL),
        "source": at(layout.SOURCE_COL),
    }
    ref = f"{title}!{get_column_letter(layout.VALUE_COL)}{number}"
    builder.add(Record(fields, file, ref))


__all__ = ["read_xlsx"]
