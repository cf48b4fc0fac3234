"""Read raw-input files of any supported format into one raw long table.

Supported formats, chosen by file extension: ``.csv`` (:mod:`.csv_reader`), ``.xlsx`` and
``.xlsm`` (:mod:`.xlsx_reader`, including the data-collection template) and ``.json``
(:mod:`.json_reader`). Every structural problem of every file is collected as an issue; only a
path that does not exist raises, because that is a mistake in the command, not in the data.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final, Protocol

from citykpi.catalogue import Catalogue, CatalogueIndex, catalogue_index
from citykpi.errors import InputError
from citykpi.ingest.csv_reader import read_csv
from citykpi.ingest.json_reader import read_json
from citykpi.ingest.table import IngestResult, RawTableBuilder, issue
from citykpi.ingest.xlsx_reader import read_xlsx
from citykpi.reasons import Reason


class Reader(Protocol):
    """What every reader is: a function that adds the values of one file to a builder.

    A reader reports each structural problem of the file as an issue in ``builder.issues`` (with
    an :class:`~citykpi.reasons.Reason`) and raises only ``OSError``, when the file
    cannot be opened.

    Parameters
    ----------
    path
        The file.
    file
        The name it is reported under.
    builder
        Where rows and issues go.
    """

    def __call__(self, path: Path, /, *, file: str, builder: RawTableBuilder) -> None: ...


#: Reader of each supported extension (lower case, with the dot).
READERS: Final[dict[str, Reader]] = {
    ".csv": read_csv,
    ".json": read_json,
    ".xlsx": read_xlsx,
    ".xlsm": read_xlsx,
}
_HINTS: Final[dict[str, str]] = {
    ".xls": "save it as .xlsx (Excel Workbook) from your spreadsheet program",
    ".ods": "save it as .xlsx (Excel Workbook) from your spreadsheet program",
    ".tsv": "rename it to .csv (tab-separated files are read as CSV)",
    ".txt": "rename it to .csv if it is a comma- or semicolon-separated table",
}


def read_files(
    paths: Iterable[str | Path], *, catalogue: Catalogue | CatalogueIndex | None = None
) -> IngestResult:
    """Read raw inputs from CSV, XLSX and JSON files into one raw long table.

    Parameters
    ----------
    paths
        Files to read, in order; rows keep that order and the order within each file.
    catalogue
        The catalogue (or its index) that resolves codes; the bundled one by default.

    Returns
    -------
    IngestResult
        The table (columns :data:`citykpi.model.RAW_COLUMNS`) and every structural issue.

    Raises
    ------
    InputError
        If a path does not exist (checked for every path before any file is read).
    """
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        msg = (
            f"File(s) not found: {', '.join(map(repr, missing))}; check the path(s) and the "
            "current folder."
        )
        raise InputError(msg)
    builder = RawTableBuilder(catalogue_index(catalogue))
    for path in files:
        _read_one(path, builder)
    return builder.result()


def read_file(
    path: str | Path, *, catalogue: Catalogue | CatalogueIndex | None = None
) -> IngestResult:
    """Read one raw-input file; see :func:`read_files`."""
    return read_files([path], catalogue=catalogue)


def _read_one(path: Path, builder: RawTableBuilder) -> None:
    file = str(path)
    if not path.is_file():
        msg = f"{file} is a folder, not a file; name the files inside it instead."
        builder.issues.append(issue(Reason.NOT_A_FILE, msg, file=file))
        return
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        fix = _HINTS.get(suffix, "convert it to one of those formats")
        msg = (
            f"{file} has the extension {suffix or '(none)'!r}, which citykpi cannot read; it "
            f"reads .csv, .xlsx and .json files: {fix}."
        )
        builder.issues.append(issue(Reason.UNSUPPORTED_FORMAT, msg, file=file, value=suffix))
        return
    try:
        reader(path, file=file, builder=builder)
    except OSError as e:
        msg = f"{file} cannot be read ({e.strerror or e}); check that you may read it."
        builder.issues.append(issue(Reason.UNREADABLE_FILE, msg, file=file))


__all__ = ["READERS", "Reader", "read_file", "read_files"]
