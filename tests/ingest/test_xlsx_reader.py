"""The XLSX reader on plain workbooks (the template has its own tests)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from pandas.testing import assert_frame_equal

from citykpi.catalogue import Catalogue
from citykpi.ingest import read_file
from citykpi.model import Severity

FrameOf = Callable[[list[tuple[object, ...]]], pd.DataFrame]


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    book.save(path)
    return path


def test_long_and_wide_sheets(tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf) -> None:
    path = workbook(
        tmp_path / "raw.xlsx",
        {
            "Long": [
                ["city", "year", "code", "value", "quality"],
                ["Aldmoor", 2024, "population", 81250, "Personal estimate"],
                [None, None, None, None, None],
                ["Aldmoor", 2024.0, "open_data_portal", "no", None],
                ["Aldmoor", 2024, "households", 0.1, None],
            ],
            "Wide": [
                ["City", "Year", "population", "EC:ICT:ICT:1C"],
                ["Brindle", "2023", 5000, 77.25],
            ],
            "Empty": [],
        },
    )
    result = read_file(path, catalogue=catalogue)
    file = str(path)
    expected = frame_of(
        [
            (
                "Aldmoor",
                2024,
                "input",
                "population",
                81250.0,
                "81250",
                "",
                "",
                "personal_estimate",
                file,
                "Long!D2",
            ),
            ("Aldmoor", 2024, "input", "open_data_portal", 0.0, "no", "", "", "", file, "Long!D4"),
            ("Aldmoor", 2024, "input", "households", 0.1, "0.1", "", "", "", file, "Long!D5"),
            ("Brindle", 2023, "input", "population", 5000.0, "5000", "", "", "", file, "Wide!C2"),
            (
                "Brindle",
                2023,
                "kpi",
                "household_internet_access",
                77.25,
                "77.25",
                "",
                "",
                "",
                file,
                "Wide!D2",
            ),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


def test_an_unknown_sheet_next_to_a_good_one_is_a_warning(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = workbook(
        tmp_path / "raw.xlsx",
        {
            "Data": [["city", "year", "code", "value"], ["A", 2024, "population", 1]],
            "Notes": [["Remember to ask the utility"]],
        },
    )
    result = read_file(path, catalogue=catalogue)
    assert len(result.frame) == 1
    assert [(i.reason, i.severity) for i in result.issues] == [("unknown_layout", Severity.WARNING)]
    assert "sheet 'Notes' has neither the long layout" in result.issues[0].message


def test_a_workbook_with_no_known_sheet_is_an_error(tmp_path: Path, catalogue: Catalogue) -> None:
    path = workbook(tmp_path / "raw.xlsx", {"Notes": [["hello"]]})
    result = read_file(path, catalogue=catalogue)
    assert [(i.reason, i.severity) for i in result.issues] == [("unknown_layout", Severity.ERROR)]


def test_an_empty_workbook_is_reported(tmp_path: Path, catalogue: Catalogue) -> None:
    path = workbook(tmp_path / "raw.xlsx", {"Sheet": []})
    result = read_file(path, catalogue=catalogue)
    assert [i.reason for i in result.issues] == ["empty_file"]


def test_a_missing_column_names_the_sheet(tmp_path: Path, catalogue: Catalogue) -> None:
    path = workbook(tmp_path / "raw.xlsx", {"Data": [["city", "code", "value"], ["A", "x", 1]]})
    result = read_file(path, catalogue=catalogue)
    assert [(i.reason, i.location.field) for i in result.issues] == [("missing_column", "year")]
    assert f"{path} sheet 'Data' lacks the required column(s) 'year'" in result.issues[0].message


def test_a_file_that_is_not_a_workbook_is_unreadable(tmp_path: Path, catalogue: Catalogue) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("city,year,code,value\n", encoding="utf-8")
    result = read_file(path, catalogue=catalogue)
    assert result.frame.empty
    assert [i.reason for i in result.issues] == ["unreadable_file"]
    assert "is not a readable XLSX workbook" in result.issues[0].message
    assert "save it again as .xlsx" in result.issues[0].message
