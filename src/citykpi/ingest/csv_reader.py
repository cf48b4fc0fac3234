"""Read a CSV file of raw inputs in the long or the wide layout (see :mod:`.tabular`).

The file is read as text so that every value keeps exactly the characters written. UTF-8 (with
or without a byte-order mark) is expected; a file in another encoding is read as Windows-1252,
the encoding spreadsheet programs most often write, with a warning. The delimiter is the one
among ``,``, ``;`` and tab that the header line uses most (``;`` is common where the decimal
separator is a comma).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from citykpi.ingest.table import RawTableBuilder, issue
from citykpi.ingest.tabular import read_rows, unknown_layout
from citykpi.model import Severity
from citykpi.reasons import Reason


def _decode(data: bytes, *, file: str, builder: RawTableBuilder) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        msg = (
            f"{file} is not UTF-8 (byte {e.start + 1} cannot be decoded); it was read as "
            "Windows-1252. Save it as 'CSV UTF-8' if names or sources look wrong."
        )
        builder.issues.append(
            issue(Reason.ENCODING_FALLBACK, msg, file=file, severity=Severity.WARNING)
        )
        return data.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def read_csv(path: Path, *, file: str, builder: RawTableBuilder) -> None:
    """Add the values of the CSV file at ``path`` to ``builder`` (a :class:`~.readers.Reader`)."""
    text = _decode(path.read_bytes(), file=file, builder=builder)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as e:
        msg = f"{file} is not a readable CSV file ({e}); export it again as CSV."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))
        return
    if not records or all(not any(cell.strip() for cell in r) for r in records):
        msg = f"{file} is empty; write a header row and one row per value."
        builder.issues.append(issue(Reason.EMPTY_FILE, msg, file=file))
        return
    header, body = records[0], records[1:]
    rows = ((number, row) for number, row in enumerate(body, start=2))
    if not read_rows(list(header), rows, file=file, builder=builder):
        unknown_layout(builder, file, file=file, severity=Severity.ERROR)


__all__ = ["read_csv"]
