"""The XLSX data-collection template: layout, protection, overwrite refusal and round trip."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from pandas.testing import assert_frame_equal
from typer.testing import CliRunner

from citykpi.catalogue import Catalogue
from citykpi.cli.main import build_app
from citykpi.errors import InputError
from citykpi.ingest import read_file
from citykpi.ingest import template_layout as layout
from citykpi.io import write_template
from citykpi.model import DataQuality

FrameOf = Callable[[list[tuple[object, ...]]], pd.DataFrame]
LABELS = [q.label for q in DataQuality]


def sheet(path: Path, title: str) -> Worksheet:
    ws = load_workbook(path)[title]
    assert isinstance(ws, Worksheet)
    return ws


def column(ws: Worksheet, col: int) -> list[object]:
    return [ws.cell(row=r, column=col).value for r in range(layout.HEADER_ROW + 1, ws.max_row + 1)]


def test_layout_asks_for_each_input_once_on_its_sheet(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    book = load_workbook(path)
    assert book.sheetnames == ["Cover", "General", "Economy", "Environment", "KPI results"]
    assert column(book["General"], 1) == ["households", "population"]
    assert column(book["Economy"], 1) == ["households_with_internet", "open_data_portal"]
    assert column(book["Environment"], 1) == ["pm25_concentration"]
    assert [c.value for c in book["General"][layout.HEADER_ROW]] == list(layout.INPUT_HEADERS)
    assert column(book["Economy"], 5) == ["EC: ICT: ICT: 1C", None]
    assert column(book["Economy"], 4) == [
        "Households with Internet access at home.",
        "Is there a portal? Answer yes or no.",
    ]
    assert column(book[layout.KPI_SHEET], 3) == [
        "household_internet_access",
        "air_pollution_pm25",
        "air_pollution_pm10",
    ]
    cover = book["Cover"]
    assert (cover["A1"].value, cover["B3"].value, cover["B4"].value, cover["B5"].value) == (
        layout.MARKER,
        "Aldmoor",
        2024,
        "test-1",
    )
    legend = [cover.cell(row=r, column=1).value for r in range(1, cover.max_row + 1)]
    assert all(label in legend for label in LABELS)


def test_ids_are_protected_and_the_cells_to_fill_are_not(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    book = load_workbook(path)
    assert book.security is not None
    assert book.security.lockStructure
    for title in ("Cover", "General", "Economy", "Environment", "KPI results"):
        assert book[title].protection.sheet, title
    ws = book["Economy"]
    assert ws["A4"].protection.locked
    assert ws["C4"].protection.locked
    for ref in ("F4", "G4", "H4", "I4"):
        assert not ws[ref].protection.locked, ref
    assert not book["Cover"]["B3"].protection.locked
    assert book["Cover"]["B5"].protection.locked


def test_data_quality_and_yes_no_cells_have_drop_downs(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    ws = sheet(path, "Economy")
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists == {"H4:H5": '"' + ",".join(LABELS) + '"', "F5": '"yes,no"'}
    cover = sheet(path, "Cover").data_validations.dataValidation
    assert [(str(v.sqref), v.type, v.formula1, v.formula2) for v in cover] == [
        ("B4", "whole", "1900", "2100")
    ]


def fill(path: Path) -> None:
    """Fill every cell a city may fill, with known values, as a spreadsheet program would."""
    book = load_workbook(path)
    book["Cover"]["B3"] = "Aldmoor City"
    values: dict[str, list[tuple[object, object, object, object]]] = {
        "General": [(36100, None, LABELS[0], "Register"), (81250.5, "1000 persons", None, None)],
        "Economy": [(30000, None, LABELS[1], "Survey 2024"), ("yes", None, LABELS[4], "Portal")],
        "Environment": [(0.012, "mg/m**3", LABELS[2], "Station 4")],
        "KPI results": [
            (None, None, None, None),
            ("n/a", None, LABELS[5], "Not measured"),
            (18, None, LABELS[3], None),
        ],
    }
    for title, rows in values.items():
        for row, cells in enumerate(rows, start=layout.HEADER_ROW + 1):
            for col, value in zip(
                (layout.VALUE_COL, layout.OVERRIDE_COL, layout.QUALITY_COL, layout.SOURCE_COL),
                cells,
                strict=True,
            ):
                book[title].cell(row=row, column=col, value=value)
    book.save(path)


def test_round_trip_gives_back_exactly_what_was_filled_in(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    fill(path)
    result = read_file(path, catalogue=catalogue)
    f = str(path)
    expected = frame_of(
        [
            (
                "Aldmoor City",
                2024,
                "input",
                "households",
                36100.0,
                "36100",
                "count",
                "Register",
                "accurate_measurement",
                f,
                "General!F4",
            ),
            (
                "Aldmoor City",
                2024,
                "input",
                "population",
                81250.5,
                "81250.5",
                "1000 persons",
                "",
                "",
                f,
                "General!F5",
            ),
            (
                "Aldmoor City",
                2024,
                "input",
                "households_with_internet",
                30000.0,
                "30000",
                "count",
                "Survey 2024",
                "extrapolated_from_survey",
                f,
                "Economy!F4",
            ),
            (
                "Aldmoor City",
                2024,
                "input",
                "open_data_portal",
                1.0,
                "yes",
                "dimensionless",
                "Portal",
                "personal_estimate",
                f,
                "Economy!F5",
            ),
            (
                "Aldmoor City",
                2024,
                "input",
                "pm25_concentration",
                0.012,
                "0.012",
                "mg/m**3",
                "Station 4",
                "extrapolated_from_higher_level_data",
                f,
                "Environment!F4",
            ),
            (
                "Aldmoor City",
                2024,
                "kpi",
                "air_pollution_pm25",
                math.nan,
                "n/a",
                "ug/m**3",
                "Not measured",
                "unknown_method",
                f,
                "KPI results!F5",
            ),
            (
                "Aldmoor City",
                2024,
                "kpi",
                "air_pollution_pm10",
                18.0,
                "18",
                "ug/m**3",
                "",
                "estimated_on_stated_assumptions",
                f,
                "KPI results!F6",
            ),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


def test_an_unfilled_template_reads_as_no_values(tmp_path: Path, catalogue: Catalogue) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    result = read_file(path, catalogue=catalogue)
    assert result.frame.empty
    assert result.issues == ()


@pytest.mark.parametrize(
    ("ref", "value", "reason", "match"),
    [
        ("B3", None, "missing_city", r"cell Cover!B3 has no city"),
        ("B4", "next year", "missing_year", r"cell Cover!B4 has year 'next year'"),
    ],
)
def test_a_cover_without_city_or_year_is_one_issue(
    tmp_path: Path, catalogue: Catalogue, ref: str, value: object, reason: str, match: str
) -> None:
    path = write_template("Aldmoor", 2024, tmp_path / "t.xlsx", catalogue=catalogue)
    fill(path)
    book = load_workbook(path)
    book["Cover"][ref] = value
    book.save(path)
    result = read_file(path, catalogue=catalogue)
    assert result.frame.empty
    assert [(i.reason, i.location.cell) for i in result.issues] == [(reason, f"Cover!{ref}")]
    assert re.search(match, result.issues[0].message), result.issues[0].message


def test_an_existing_file_is_never_overwritten_unless_asked(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"precious")
    with pytest.raises(InputError, match=r"already exists and was left untouched; .*--force"):
        write_template("Aldmoor", 2024, path, catalogue=catalogue)
    assert path.read_bytes() == b"precious"
    write_template("Aldmoor", 2024, path, catalogue=catalogue, force=True)
    assert sheet(path, "Cover")["B3"].value == "Aldmoor"


@pytest.mark.parametrize(
    ("city", "year", "name", "match"),
    [
        ("  ", 2024, "t.xlsx", r"The city name is blank"),
        ("A", 1850, "t.xlsx", r"Year 1850 is not a reporting year; give a year from 1900"),
        ("A", 2024, "t.xls", r"does not end in '\.xlsx'"),
        ("A", 2024, "missing/t.xlsx", r"Folder '.*missing' does not exist"),
    ],
)
def test_bad_arguments_are_refused(
    tmp_path: Path, catalogue: Catalogue, city: str, year: int, name: str, match: str
) -> None:
    with pytest.raises(InputError, match=match):
        write_template(city, year, tmp_path / name, catalogue=catalogue)
    assert list(tmp_path.iterdir()) == []


def test_cli_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"precious")
    result = CliRunner().invoke(build_app(), ["template", "Aldmoor", "2024", "-o", str(path)])
    assert result.exit_code == 2
    assert "already exists and was left untouched" in result.output
    assert path.read_bytes() == b"precious"
