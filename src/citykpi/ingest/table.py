"""The raw long table the readers build, and the structural issues they collect.

Every reader turns each value it finds into one :class:`Record` and hands it to a
:class:`RawTableBuilder`, which normalises ids, parses the value and quality, and appends one row
of :data:`citykpi.model.RAW_COLUMNS`. Problems with the *structure* of a file (it cannot be
read, a required column is missing, a row has no city or year, a KPI code does not say which data
point) become :class:`~citykpi.model.Issue` objects with a :class:`~citykpi.reasons.Reason`;
problems with the *content* (non-numeric values, unknown codes or qualities, ...) are left in
the table for :mod:`citykpi.validate`.

The table is coerced once, here, to :data:`citykpi.tables.RAW`: ``year`` int64, ``value``
float64, text columns ``str`` (``""`` when empty); ``row`` holds the 1-based row number (int) for
CSV and JSON, and a cell reference such as ``"Economy!F7"`` (str) for workbooks and wide CSV
files. Later stages trust these types.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from citykpi.catalogue.codes import CodeError
from citykpi.catalogue.index import CatalogueIndex
from citykpi.ingest.values import CellValue, normalise_quality, parse_value, parse_year, raw_text
from citykpi.model import RAW_COLUMNS, Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.tables import RAW, coerce


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What :func:`citykpi.ingest.read_files` returns.

    Attributes
    ----------
    frame
        The raw long table, columns :data:`citykpi.model.RAW_COLUMNS`.
    issues
        Structural problems, each with a reason code, location and a sentence with the fix.
    """

    frame: pd.DataFrame
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        """Return whether no structural issue is an error."""
        return not any(i.severity is Severity.ERROR for i in self.issues)


@dataclass(frozen=True, slots=True)
class Record:
    """One value as a reader found it, before normalisation."""

    fields: Mapping[str, CellValue]
    file: str
    row: int | str  # 1-based row number, or a cell reference such as "Economy!F7"


def issue(
    reason: Reason,
    message: str,
    *,
    file: str,
    row: int | str | None = None,
    field_name: str = "",
    value: str = "",
    severity: Severity | None = None,
) -> Issue:
    """Build an ingest :class:`~citykpi.model.Issue` located in ``file`` (row or cell).

    ``severity`` defaults to the reason's default severity.
    """
    location = Location(
        file=file,
        row=row if isinstance(row, int) else None,
        cell=row if isinstance(row, str) else "",
        field=field_name,
    )
    return Issue(reason, severity or reason.default_severity, message, location, value)


def where(file: str, row: int | str) -> str:
    """Return ``"file row 4"`` or ``"file cell Economy!F7"`` for messages."""
    return f"{file} row {row}" if isinstance(row, int) else f"{file} cell {row}"


def empty_frame() -> pd.DataFrame:
    """Return an empty raw table with the right columns and dtypes."""
    return RAW.empty()


@dataclass
class RawTableBuilder:
    """Collect records and issues from any number of files, then build the raw table."""

    index: CatalogueIndex
    issues: list[Issue] = field(default_factory=list)
    _columns: dict[str, list[object]] = field(default_factory=lambda: {c: [] for c in RAW_COLUMNS})

    def __post_init__(self) -> None:
        self._lists = [self._columns[c] for c in RAW_COLUMNS]

    def add(self, record: Record) -> None:
        """Normalise ``record`` into one row, or collect the issue that prevents it."""
        get = record.fields.get
        city = raw_text(get("city")).strip()
        year = parse_year(get("year"))
        code_text = raw_text(get("code"))
        if not city or year is None or not code_text.strip():
            self.issues.append(self._missing(record, city, year))
            return
        try:
            resolved = self.index.resolve(
                code_text, data_point=raw_text(get("data_point")), kind=raw_text(get("kind"))
            )
        except CodeError as e:
            self.issues.append(
                issue(
                    Reason(e.reason),
                    f"{where(record.file, record.row)}: {e.message}",
                    file=record.file,
                    row=record.row,
                    field_name="code",
                    value=code_text,
                )
            )
            return
        raw = get("value")
        row = (
            city,
            year,
            resolved.kind,
            resolved.code,
            parse_value(raw),
            raw_text(raw),
            raw_text(get("unit")).strip(),
            raw_text(get("source")).strip(),
            normalise_quality(raw_text(get("quality"))),
            record.file,
            record.row,
        )
        for column, value in zip(self._lists, row, strict=True):
            column.append(value)

    def _missing(self, record: Record, city: str, year: int | None) -> Issue:
        at = where(record.file, record.row)
        if not city:
            msg = f"{at} has no city; write the city name in the city column."
            reason, name, value = Reason.MISSING_CITY, "city", ""
        elif year is None:
            value = raw_text(record.fields.get("year"))
            msg = (
                f"{at} has year {value!r}, which is not a year; write the reporting year as "
                "four digits, e.g. 2024."
            )
            reason, name = Reason.MISSING_YEAR, "year"
        else:
            msg = f"{at} has no code; write the input id or KPI code the value is for."
            reason, name, value = Reason.MISSING_CODE, "code", ""
        return issue(reason, msg, file=record.file, row=record.row, field_name=name, value=value)

    def frame(self) -> pd.DataFrame:
        """Return the raw table of every record added so far."""
        frame = pd.DataFrame(self._columns, columns=list(RAW_COLUMNS))
        return coerce(frame, RAW)

    def result(self) -> IngestResult:
        """Return the table and the issues collected."""
        return IngestResult(self.frame(), tuple(self.issues))


def display_name(path: Path) -> str:
    """Return the name a file is reported under: the path as the user gave it."""
    return str(path)


__all__ = [
    "IngestResult",
    "RawTableBuilder",
    "Record",
    "display_name",
    "empty_frame",
    "issue",
    "where",
]
