"""Read a header and rows (from a CSV file or a worksheet) in the long or the wide layout.

Long layout: one row per value, columns ``city, year, code, value`` (required) and ``unit,
source, quality, kind, data_point`` (optional). Wide layout: one row per city and year, columns
``city, year`` then one column per code (input id, data point id or KPI code), with optional
``unit``, ``source`` and ``quality`` columns that apply to every value of the row. Header names
are matched after trimming, lower-casing and turning spaces into underscores; other columns of
the long layout are ignored. Entirely blank rows are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Final

from openpyxl.utils import get_column_letter

from citykpi.ingest.table import RawTableBuilder, Record, issue
from citykpi.ingest.values import CellValue, raw_text
from citykpi.model import Severity
from citykpi.reasons import Reason

REQUIRED: Final[tuple[str, ...]] = ("city", "year", "code", "value")
OPTIONAL: Final[tuple[str, ...]] = ("unit", "source", "quality", "kind", "data_point")
#: Most columns of a table read: a spreadsheet's (Excel's column XFD). Cell references of
#: wider tables have no spreadsheet name, and no layout needs more than a few hundred.
MAX_COLUMNS: Final = 16_384
#: Columns of a wide row that describe the whole row rather than name a code.
ROW_FIELDS: Final[tuple[str, ...]] = ("city", "year", "unit", "source", "quality")


def header_key(value: CellValue) -> str:
    """Return the normalised name of a header cell (``" Data Point "`` -> ``"data_point"``)."""
    return "_".join(raw_text(value).strip().lower().split())


def is_blank(row: Sequence[CellValue]) -> bool:
    """Return whether every cell of ``row`` is empty or whitespace."""
    return all(raw_text(v).strip() == "" for v in row)


def read_rows(
    header: Sequence[CellValue],
    rows: Iterable[tuple[int, Sequence[CellValue]]],
    *,
    file: str,
    builder: RawTableBuilder,
    sheet: str = "",
) -> bool:
    """Add every value of a table to ``builder``; return ``False`` if the layout is unknown.

    Parameters
    ----------
    header
        The header row.
    rows
        ``(row number, cells)`` pairs, row numbers 1-based as a spreadsheet shows them.
    file
        Name of the file, for locations.
    builder
        Where rows and issues go.
    sheet
        Worksheet name; when given, every row is located by a cell reference ``"Sheet!F7"``.

    Returns
    -------
    bool
        Whether the header matched the long or the wide layout (issues about missing or
        duplicate columns are added to ``builder`` either way).
    """
    where = f"{file} sheet {sheet!r}" if sheet else file
    if len(header) > MAX_COLUMNS:
        msg = (
            f"{where} has {len(header):,} columns, more than the {MAX_COLUMNS:,} a spreadsheet "
            "can hold (column XFD); the catalogue has a few hundred codes, so keep one column "
            "per code, or use the long layout (one row per value)."
        )
        builder.issues.append(issue(Reason.UNKNOWN_LAYOUT, msg, file=file, row=1))
        return True
    keys = [header_key(h) for h in header]
    present = {k for k in keys if k}
    counts = Counter(k for k in keys if k)
    duplicates = sorted(k for k, n in counts.items() if n > 1)
    if duplicates:
        msg = (
            f"{where} has the column(s) {', '.join(map(repr, duplicates))} more than once; "
            "keep one column of each name."
        )
        builder.issues.append(issue(Reason.DUPLICATE_COLUMN, msg, file=file, row=1))
        return True
    if "code" in present or "value" in present:
        missing = [c for c in REQUIRED if c not in present]
        if missing:
            msg = (
                f"{where} lacks the required column(s) {', '.join(map(repr, missing))}; a long "
                f"table needs the columns {', '.join(REQUIRED)} (optional: {', '.join(OPTIONAL)})."
            )
            builder.issues.append(
                issue(Reason.MISSING_COLUMN, msg, file=file, row=1, field_name=missing[0])
            )
            return True
        _read_long(keys, rows, file=file, builder=builder, sheet=sheet)
        return True
    if {"city", "year"} <= present and present - set(ROW_FIELDS):
        _read_wide(
            keys, [raw_text(h) for h in header], rows, file=file, builder=builder, sheet=sheet
        )
        return True
    return False


def layout_message(where: str) -> str:
    """Return the sentence that explains the accepted layouts, for an unknown one."""
    return (
        f"{where} has neither the long layout (columns {', '.join(REQUIRED)}) nor the wide "
        "layout (columns city, year and one column per input id); rename the header row or use "
        "'citykpi template' to get a workbook to fill in."
    )


def _cells(keys: Sequence[str], row: Sequence[CellValue]) -> dict[str, CellValue]:
    return {k: row[i] if i < len(row) else None for i, k in enumerate(keys) if k}


def _read_long(
    keys: Sequence[str],
    rows: Iterable[tuple[int, Sequence[CellValue]]],
    *,
    file: str,
    builder: RawTableBuilder,
    sheet: str,
) -> None:
    value_col = get_column_letter(keys.index("value") + 1)
    for number, row in rows:
        if is_blank(row):
            continue
        ref: int | str = f"{sheet}!{value_col}{number}" if sheet else number
        builder.add(Record(_cells(keys, row), file, ref))


def _read_wide(
    keys: Sequence[str],
    names: Sequence[str],
    rows: Iterable[tuple[int, Sequence[CellValue]]],
    *,
    file: str,
    builder: RawTableBuilder,
    sheet: str,
) -> None:
    # The code is taken from the header as written: normalising it is the code index's job.
    code_columns = [(i, names[i]) for i, k in enumerate(keys) if k and k not in ROW_FIELDS]
    prefix = f"{sheet}!" if sheet else ""
    for number, row in rows:
        if is_blank(row):
            continue
        shared = {k: v for k, v in _cells(keys, row).items() if k in ROW_FIELDS}
        for i, code in code_columns:
            cell = row[i] if i < len(row) else None
            if raw_text(cell).strip() == "":
                continue
            fields = {**shared, "code": code, "value": cell}
            builder.add(Record(fields, file, f"{prefix}{get_column_letter(i + 1)}{number}"))


def unknown_layout(builder: RawTableBuilder, where: str, *, file: str, severity: Severity) -> None:
    """Add the issue for a table whose header matches no layout."""
    builder.issues.append(
        issue(Reason.UNKNOWN_LAYOUT, layout_message(where), file=file, severity=severity)
    )


__all__ = [
    "MAX_COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "header_key",
    "is_blank",
    "read_rows",
    "unknown_layout",
]
