"""Limits an XLSX workbook must keep before openpyxl parses it, so hostile workbooks fail fast.

An XLSX file is a zip archive of XML parts. Three kinds of hostile workbook are refused:

* a **zip bomb**: parts that unpack to far more than the file's size. The zip directory states
  each part's unpacked size, and :mod:`zipfile` never unpacks more than that, so the sum of the
  stated sizes bounds the work (:data:`MAX_UNPACKED_BYTES`);
* a sheet whose ``<dimension>`` claims more rows, columns or cells than a spreadsheet holds
  (openpyxl pads every row to the claimed width), read from the first bytes of each sheet;
* a sheet that holds, or makes openpyxl produce, more than :data:`MAX_CELLS` cells in all:
  counted while the rows are read (:class:`CellBudget`), whatever the dimension says.

:data:`UNREADABLE` lists what openpyxl and the XML parser raise on a malformed part (sheet,
styles, workbook, ``[Content_Types].xml``), which the reader reports instead of crashing.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Final
from xml.etree import ElementTree

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.exceptions import InvalidFileException

#: Most bytes the parts of one workbook may unpack to: a 1,000,000-row long table, the largest
#: a city or a statistics office sends in one workbook, unpacks to about 520 MiB.
MAX_UNPACKED_BYTES: Final = 1024 * 1024 * 1024
#: Most parts in one archive.
MAX_PARTS: Final = 10_000
#: A spreadsheet's rows and columns (Excel: 1,048,576 rows, columns A to XFD).
MAX_ROWS: Final = 1_048_576
MAX_COLUMNS: Final = 16_384
#: Most cells read from one workbook, in all its sheets (a 1,000,000-row long table has 5-8M).
MAX_CELLS: Final = 16_000_000
#: How much of each sheet is unpacked to find its ``<dimension>``.
_HEAD_BYTES: Final = 8192

_DIMENSION: Final = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Za-z]{1,3})\$?([0-9]{1,7})"
    rb"(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?\""
)

#: What openpyxl, zipfile and the XML parser raise on a malformed workbook.
UNREADABLE: Final = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    SyntaxError,  # xml.etree.ElementTree.ParseError
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
    NotImplementedError,
    RuntimeError,  # an encrypted part
    OverflowError,
)


class TooManyCells(Exception):
    """Raised by :class:`CellBudget` with the end of a sentence: "has more than ... cells"."""


class CellBudget:
    """Count the cells read from one workbook and stop at :data:`MAX_CELLS`."""

    def __init__(self, limit: int = MAX_CELLS) -> None:
        self.left = limit
        self.limit = limit

    def spend(self, cells: int) -> None:
        """Count ``cells`` more cells.

        Raises
        ------
        TooManyCells
            Once more than the limit have been read.
        """
        self.left -= max(cells, 1)
        if self.left < 0:
            msg = (
                f"holds more than {self.limit:,} cells, the most citykpi reads from one "
                "workbook; split the data into several workbooks or CSV files."
            )
            raise TooManyCells(msg)


def _mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def _dimension_problem(name: str, head: bytes) -> str | None:
    match = _DIMENSION.search(head)
    if match is None:
        return None
    first_col, first_row, last_col, last_row = match.groups()
    col = last_col or first_col
    row = last_row or first_row
    columns = column_index_from_string(col.decode().upper()) if len(col) <= 3 else MAX_COLUMNS + 1
    rows = int(row)
    if rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_CELLS:
        return None
    return (
        f"declares in part {name!r} a sheet of {rows:,} rows and {columns:,} columns "
        f"({rows * columns:,} cells), more than citykpi reads ({MAX_CELLS:,} cells at most, "
        f"within {MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns)"
    )


def check_archive(path: Path, *, file: str) -> str | None:
    """Return why the workbook at ``path`` is refused before parsing, or None if it may be read.

    Parameters
    ----------
    path
        The workbook.
    file
        The name it is reported under.

    Returns
    -------
    str | None
        A sentence naming the file, the limit and the fix; None when the archive keeps the limits.

    Raises
    ------
    OSError
        When the file cannot be opened.
    """
    fix = "open it in a spreadsheet program and save it again as .xlsx"
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                return f"{file} holds {len(parts):,} parts, more than an XLSX workbook has; {fix}."
            unpacked = sum(p.file_size for p in parts)
            if unpacked > MAX_UNPACKED_BYTES:
                return (
                    f"{file} would unpack to {_mib(unpacked)}, more than the "
                    f"{_mib(MAX_UNPACKED_BYTES)} citykpi reads from one workbook (a zip bomb, or "
                    "a workbook too large): split the data into several files."
                )
            for part in parts:
                if not (
                    part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml")
                ):
                    continue
                with archive.open(part) as stream:
                    problem = _dimension_problem(part.filename, stream.read(_HEAD_BYTES))
                if problem is not None:
                    return f"{file} {problem}; delete the empty rows and columns, or {fix}."
    except UNREADABLE as e:
        return f"{file} is not a readable XLSX workbook ({type(e).__name__}: {e}); {fix}."
    return None


def broken_part(path: Path) -> str | None:
    """Return the name of the first XML part of the workbook that does not parse, or None.

    Called only once openpyxl has failed, to name the part in the message: every part is
    parsed as a stream (bounded by :func:`check_archive`, which has passed).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            for part in archive.infolist():
                if not part.filename.endswith((".xml", ".rels")):
                    continue
                try:
                    with archive.open(part) as stream:
                        for _ in ElementTree.iterparse(stream):
                            pass
                except ElementTree.ParseError:
                    return part.filename
    except UNREADABLE:
        return None
    return None


__all__ = [
    "MAX_CELLS",
    "MAX_COLUMNS",
    "MAX_PARTS",
    "MAX_ROWS",
    "MAX_UNPACKED_BYTES",
    "UNREADABLE",
    "CellBudget",
    "TooManyCells",
    "broken_part",
    "check_archive",
]
