"""Hostile XLSX workbooks: malformed parts, zip and cell bombs are refused quickly, by name."""

from __future__ import annotations

import io
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hostilekit import assert_clean_refusal, run_cli
from openpyxl import Workbook

from citykpi.ingest import read_files
from citykpi.reasons import Reason

SHEET = "xl/worksheets/sheet1.xml"
_NS = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _good() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Data"
    sheet.append(["city", "year", "code", "value"])
    sheet.append(["Aldmoor", 2024, "population", 81250])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _replace(part: str, new: Callable[[bytes], bytes]) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_good())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, new(data) if name == part else data)
    return out.getvalue()


def _declare_size(part: str, size: int) -> bytes:
    """Return the good workbook with ``part`` claiming to unpack to ``size`` bytes.

    The sizes a zip bomb states are what zipfile unpacks (never more), so a stated size is
    what the reader must refuse; the data behind it does not matter.
    """
    data = bytearray(_good())
    name = part.encode()
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + length]) == name:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at += 4
    return bytes(data)


def _wide_cells() -> bytes:
    rows = "".join(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 1000))
    body = _NS + b"<sheetData>" + rows.encode() + b"</sheetData></worksheet>"
    return _replace(SHEET, lambda _: body)


def _dimension() -> bytes:
    return _replace(SHEET, lambda b: b.replace(b'ref="A1:D2"', b'ref="A1:XFD1048576"'))


CASES: dict[str, tuple[Callable[[], bytes], str]] = {
    "malformed sheet": (
        lambda: _replace(SHEET, lambda _: _NS + b"<sheetData><row r='1'><c"),
        "its part 'xl/worksheets/sheet1.xml' cannot be read (malformed XML",
    ),
    "malformed styles": (
        lambda: _replace("xl/styles.xml", lambda _: b"<styleSheet><<<"),
        "its part 'xl/styles.xml' cannot be read (malformed XML",
    ),
    "malformed workbook": (
        lambda: _replace("xl/workbook.xml", lambda _: b"<workbook"),
        "its part 'xl/workbook.xml' cannot be read (malformed XML",
    ),
    "malformed content types": (
        lambda: _replace("[Content_Types].xml", lambda _: b"garbage<"),
        "its part '[Content_Types].xml' cannot be read (malformed XML",
    ),
    "no workbook part": (
        lambda: _replace("xl/workbook.xml", lambda _: b""),
        "is not a readable XLSX workbook",
    ),
    "zip bomb": (
        lambda: _declare_size(SHEET, 3_000_000_000),
        "would unpack to 2,861 MiB, more than the 1,024 MiB citykpi reads from one workbook",
    ),
    "dimension of 17 billion cells": (
        _dimension,
        "declares in part 'xl/worksheets/sheet1.xml' a sheet of 1,048,576 rows and 16,384 columns",
    ),
    "rows padded to column XFD": (
        _wide_cells,
        "sheet 'Data' holds more than 16,000,000 cells, the most citykpi reads",
    ),
    "not a zip at all": (lambda: b"PK\x03\x04 not really", "is not a readable XLSX workbook"),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def hostile(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """A hostile workbook, written once per case, and the message it must be refused with."""
    build, message = CASES[request.param]
    path = tmp_path_factory.mktemp("xlsx") / "hostile.xlsx"
    path.write_bytes(build())
    return path, message


def test_the_reader_refuses_quickly_naming_the_file(hostile: tuple[Path, str]) -> None:
    path, message = hostile
    start = time.perf_counter()
    result = read_files([path])
    assert time.perf_counter() - start < 5.0
    found = [i for i in result.issues if message in i.message]
    assert found, [i.message for i in result.issues]
    assert found[0].reason is Reason.UNREADABLE_FILE
    assert found[0].location.file == str(path)
    assert result.frame.empty


@pytest.mark.parametrize("command", ["validate", "compute"])
def test_the_cli_refuses_with_the_message(
    hostile: tuple[Path, str], command: str, tmp_path: Path
) -> None:
    path, message = hostile
    extra = ["-o", str(tmp_path / "kpis.csv")] if command == "compute" else []
    assert_clean_refusal(run_cli(command, str(path), *extra), expect=message)


def test_a_good_workbook_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "good.xlsx"
    path.write_bytes(_good())
    result = read_files([path])
    assert result.issues == ()
    assert result.frame[["city", "year", "code", "value"]].values.tolist() == [
        ["Aldmoor", 2024, "population", 81250.0]
    ]
