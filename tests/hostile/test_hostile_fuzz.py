"""Bounded fuzzing of every reader and of the validator: nothing but located issues come out.

Each test draws small hostile inputs (bytes, CSV tables, JSON documents, mutated workbooks,
raw frames), writes them to a file where a reader needs one, and requires that reading,
validating and computing never raise, that every issue of a reader names the file, and that
every validation issue is located. ``max_examples`` is set on each test so that CI runs the
same number everywhere.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from citykpi import tables
from citykpi.catalogue import load_catalogue
from citykpi.compute import compute
from citykpi.ingest import IngestResult, read_files
from citykpi.model import RAW_COLUMNS
from citykpi.validate import validate

_CAT = load_catalogue()
_INPUTS = sorted(_CAT.inputs)[:12]
_POINTS = sorted(dp.id for kpi in _CAT.kpis for dp in kpi.data_points)[:6]
_BASE = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Texts that have broken a reader or the validator before, and their relatives.
HOSTILE_TEXTS = (
    "", " ", "NR", "nan", "inf", "-inf", "1e308", "-1e308", "1e400", "9" * 400, "1e277",
    "0x10", "1,5", "yes", "TRUE", "\x00", "\ud800", "\ufeff", "=1+1", "[/y]", "'", '"', ",",
    ";", "\t", "\r", "\n", "km**2**2**2**2**2**2", "__import__('os')", "1/0", "km**(2",
    "ug/m3", "%", "µg/m³", "(" * 50, "2024", "99999999999999999999999", "-1", "0", "2024.5",
)  # fmt: skip
_texts = st.one_of(
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=12),
    st.sampled_from(_INPUTS + _POINTS),
)
_HEADERS = ("city", "year", "code", "value", "unit", "source", "quality", "kind", "data_point")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def check_reader_result(result: IngestResult) -> None:
    """Validate what a reader returned; every issue of the reader must name the file."""
    for found in result.issues:
        assert found.location.file, found
        assert found.message.strip(), found
    checked = validate(result.frame, extra_issues=result.issues)
    for found in checked.report.issues:
        assert found.message.strip(), found


def _read(folder: Path, name: str, data: bytes) -> IngestResult:
    path = folder / name
    path.write_bytes(data)
    return read_files([path])


@settings(_BASE, max_examples=300)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".json", ".xlsx"]))
def test_any_bytes_in_any_reader(folder: Path, data: bytes, suffix: str) -> None:
    check_reader_result(_read(folder, f"bytes{suffix}", data))


@st.composite
def _csv_tables(draw: st.DrawFn) -> bytes:
    header = draw(
        st.lists(st.one_of(st.sampled_from(_HEADERS + tuple(_INPUTS)), _texts), max_size=8)
    )
    rows = draw(st.lists(st.lists(_texts, max_size=9), max_size=6))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    lines = [delimiter.join(header), *(delimiter.join(r) for r in rows)]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
    return "\n".join(lines).encode(
        encoding, errors="surrogatepass" if "8" in encoding else "replace"
    )


@settings(_BASE, max_examples=400)
@given(data=_csv_tables())
def test_csv_tables(folder: Path, data: bytes) -> None:
    check_reader_result(_read(folder, "table.csv", data))


_json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    _texts,
)
_json_values = st.recursive(
    _json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_texts, inner, max_size=4),
    max_leaves=12,
)
_records = st.fixed_dictionaries(
    {"city": _json_scalars, "year": _json_scalars, "code": _json_scalars, "value": _json_scalars},
    optional={"unit": _json_scalars, "quality": _json_scalars, "data_point": _json_values},
)
_documents = st.one_of(
    st.lists(_records, max_size=5),
    st.fixed_dictionaries(
        {"city": _json_scalars, "year": _json_scalars, "values": st.lists(_records, max_size=4)}
    ),
    _json_values,
)


@settings(_BASE, max_examples=400)
@given(document=_documents, extra=st.sampled_from(["", " ", "\n[", '"\\ud800"', "9" * 30]))
def test_json_documents(folder: Path, document: object, extra: str) -> None:
    text = json.dumps(document, ensure_ascii=bool(len(extra) % 2)) + extra
    check_reader_result(_read(folder, "doc.json", text.encode("utf-8", errors="surrogatepass")))


def _workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["city", "year", "code", "value", "unit"])
    sheet.append(["Aldmoor", 2024, "population", 81250, ""])
    sheet.append(["Aldmoor", 2024, "city_area", 120, "km2"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_GOOD_XLSX = _workbook()
_PARTS = zipfile.ZipFile(io.BytesIO(_GOOD_XLSX)).namelist()


@st.composite
def _mutated_workbooks(draw: st.DrawFn) -> bytes:
    part = draw(st.sampled_from(_PARTS))
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_GOOD_XLSX)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            data = src.read(name)
            if name == part:
                how = draw(st.sampled_from(["cut", "flip", "replace", "drop"]))
                if how == "drop":
                    continue
                if how == "cut":
                    data = data[: draw(st.integers(0, len(data)))]
                elif how == "flip":
                    at = draw(st.integers(0, max(len(data) - 1, 0)))
                    data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at + 1 :]
                else:
                    data = draw(st.binary(max_size=64)) or b"<x/>"
            dst.writestr(name, data)
    whole = out.getvalue()
    if draw(st.booleans()):
        return whole
    cut = draw(st.integers(0, len(whole)))
    return whole[:cut] + draw(st.binary(max_size=16)) + whole[cut + 16 :]


@settings(_BASE, max_examples=200)
@given(data=_mutated_workbooks())
def test_mutated_workbooks(folder: Path, data: bytes) -> None:
    check_reader_result(_read(folder, "book.xlsx", data))


#: Texts a raw table can hold: every reader refuses an unpaired surrogate with its file and
#: record (tests/hostile/test_hostile_files.py), so none reaches a table, and pandas' Arrow
#: strings cannot store one.
_frame_texts = st.one_of(
    st.sampled_from([t for t in HOSTILE_TEXTS if t != "\ud800"]),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=12),
    st.sampled_from(_INPUTS + _POINTS),
)
_floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 1e18, 1e19, 1e308, -1e308, 5e-324]),
)
_raw_rows = st.fixed_dictionaries(
    {
        "city": st.sampled_from(["Aldmoor", "aldmoor ", "", "\x00", "[/y]"]),
        "year": st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([2024, 2023, 1990])),
        "kind": st.sampled_from(["input", "kpi", "", "other"]),
        "code": st.sampled_from(_INPUTS + _POINTS + ["unknown_code", ""]),
        "value": _floats,
        "raw_value": _frame_texts,
        "unit": st.one_of(_frame_texts, st.sampled_from(["", "km2", "ha", "%"])),
        "source": _frame_texts,
        "quality": st.sampled_from(["", "accurate_measurement", "Personal estimate", "?"]),
        "file": st.sampled_from(["a.csv", "b.json"]),
        "row": st.one_of(st.integers(1, 10**6), st.sampled_from(["Economy!F7", ""])),
    }
)


@settings(_BASE, max_examples=250)
@given(rows=st.lists(_raw_rows, max_size=8))
def test_validate_and_compute_raw_frames(rows: list[dict[str, object]]) -> None:
    frame = tables.coerce(pd.DataFrame(rows, columns=list(RAW_COLUMNS)), tables.RAW)
    checked = validate(frame)
    for found in checked.report.issues:
        assert found.message.strip(), found
    kpis = compute(checked)
    finite = kpis["value"].dropna()
    assert all(math.isfinite(v) for v in finite)
