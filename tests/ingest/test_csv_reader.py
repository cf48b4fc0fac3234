"""The CSV reader: long and wide layouts, delimiters, encodings and structural issues."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from citykpi.catalogue import Catalogue
from citykpi.ingest import read_file
from citykpi.model import Severity

FrameOf = Callable[[list[tuple[object, ...]]], pd.DataFrame]
NAN = math.nan


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_long_csv_is_read_exactly(tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf) -> None:
    path = write(
        tmp_path,
        "raw.csv",
        "city,year,code,value,unit,source,quality\n"
        "Aldmoor,2024,Population,81250,,Census 2024,Based on accurate measurements\n"
        ' Aldmoor ,2024,households,"36,100",count,Register,personal_estimate\n'
        "\n"
        "Aldmoor,2024,EC:ICT:ICT:1C,87.5,%,Survey,Guesswork\n"
        "Aldmoor,2023,open_data_portal,Yes,,,\n",
    )
    result = read_file(path, catalogue=catalogue)
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
                "Census 2024",
                "accurate_measurement",
                str(path),
                2,
            ),
            (
                "Aldmoor",
                2024,
                "input",
                "households",
                NAN,
                "36,100",
                "count",
                "Register",
                "personal_estimate",
                str(path),
                3,
            ),
            (
                "Aldmoor",
                2024,
                "kpi",
                "household_internet_access",
                87.5,
                "87.5",
                "%",
                "Survey",
                "Guesswork",
                str(path),
                5,
            ),
            ("Aldmoor", 2023, "input", "open_data_portal", 1.0, "Yes", "", "", "", str(path), 6),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()
    assert result.ok


def test_long_csv_with_semicolons_bom_and_optional_columns(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    path = write(
        tmp_path,
        "raw.csv",
        "\ufeffCity;Year;Code;Data Point;Kind;Value\n"
        "Brindle;2022;EN: EN: AQ: 1C;air_pollution_pm10;kpi;21.5\n",
    )
    result = read_file(path, catalogue=catalogue)
    expected = frame_of(
        [("Brindle", 2022, "kpi", "air_pollution_pm10", 21.5, "21.5", "", "", "", str(path), 2)]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


def test_wide_csv_gives_one_row_per_filled_cell(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    path = write(
        tmp_path,
        "wide.csv",
        "city,year,population,Households,EC: ICT: ICT: 1C,source\n"
        "Aldmoor,2024,81250,,90,Stat office\n"
        "Brindle,2024,n/a,1200,,\n",
    )
    result = read_file(path, catalogue=catalogue)
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
                "Stat office",
                "",
                str(path),
                "C2",
            ),
            (
                "Aldmoor",
                2024,
                "kpi",
                "household_internet_access",
                90.0,
                "90",
                "",
                "Stat office",
                "",
                str(path),
                "E2",
            ),
            ("Brindle", 2024, "input", "population", NAN, "n/a", "", "", "", str(path), "C3"),
            ("Brindle", 2024, "input", "households", 1200.0, "1200", "", "", "", str(path), "D3"),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


def test_a_cp1252_file_is_read_with_a_warning(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    text = "city,year,code,value,source\nMålby,2024,population,100,Bureau d'étude\n"
    path = write(tmp_path, "latin.csv", text, encoding="cp1252")
    result = read_file(path, catalogue=catalogue)
    expected = frame_of(
        [
            (
                "Målby",
                2024,
                "input",
                "population",
                100.0,
                "100",
                "",
                "Bureau d'étude",
                "",
                str(path),
                2,
            )
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert [(i.reason, i.severity) for i in result.issues] == [
        ("encoding_fallback", Severity.WARNING)
    ]
    assert result.ok


@pytest.mark.parametrize(
    ("text", "reason", "row", "field", "match"),
    [
        (
            "city,year,code\nA,2024,population\n",
            "missing_column",
            1,
            "value",
            r"lacks the required column\(s\) 'value'; a long table needs the columns "
            r"city, year, code, value",
        ),
        (
            "city,code,value,value\n",
            "duplicate_column",
            1,
            "",
            r"has the column\(s\) 'value' more than once",
        ),
        (
            "name,amount\nA,1\n",
            "unknown_layout",
            None,
            "",
            r"has neither the long layout .* nor the wide layout",
        ),
        ("", "empty_file", None, "", r"is empty; write a header row"),
        ("\n ,\n", "empty_file", None, "", r"is empty"),
        (
            "city,year,code,value\n,2024,population,1\n",
            "missing_city",
            2,
            "city",
            r"row 2 has no city; write the city name",
        ),
        (
            "city,year,code,value\nA,24th,population,1\n",
            "missing_year",
            2,
            "year",
            r"row 2 has year '24th', which is not a year",
        ),
        ("city,year,code,value\nA,2024, ,1\n", "missing_code", 2, "code", r"row 2 has no code"),
        (
            "city,year,code,value\nA,2024,EN:EN:AQ:1C,12\n",
            "ambiguous_kpi_code",
            2,
            "code",
            r"row 2: Code 'EN:EN:AQ:1C' names KPI 'EN: EN: AQ: 1C', which has 2 data points",
        ),
    ],
)
def test_structural_problems_become_issues(
    tmp_path: Path,
    catalogue: Catalogue,
    text: str,
    reason: str,
    row: int | None,
    field: str,
    match: str,
) -> None:
    path = write(tmp_path, "bad.csv", text)
    result = read_file(path, catalogue=catalogue)
    assert result.frame.empty
    assert len(result.issues) == 1
    found = result.issues[0]
    assert (found.reason, found.severity) == (reason, Severity.ERROR)
    assert (found.location.file, found.location.row, found.location.field) == (
        str(path),
        row,
        field,
    )
    assert re.search(match, found.message), found.message
    assert not result.ok


def test_good_rows_are_kept_next_to_a_bad_one(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    path = write(
        tmp_path,
        "raw.csv",
        "city,year,code,value\nA,2024,population,10\nA,,population,11\nA,2024,households,4\n",
    )
    result = read_file(path, catalogue=catalogue)
    expected = frame_of(
        [
            ("A", 2024, "input", "population", 10.0, "10", "", "", "", str(path), 2),
            ("A", 2024, "input", "households", 4.0, "4", "", "", "", str(path), 4),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert [(i.reason, i.location.row) for i in result.issues] == [("missing_year", 3)]
