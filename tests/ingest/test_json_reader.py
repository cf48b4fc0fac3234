"""The JSON reader: an array of records, or one submission with a values array."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from citykpi.catalogue import Catalogue
from citykpi.ingest import read_file

FrameOf = Callable[[list[tuple[object, ...]]], pd.DataFrame]


def test_array_of_records(tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf) -> None:
    path = tmp_path / "raw.json"
    records = [
        {
            "city": "Aldmoor",
            "year": 2024,
            "code": "population",
            "value": 81250,
            "quality": "Personal estimate",
        },
        {"City": "Aldmoor", "Year": "2024", "Code": "open_data_portal", "Value": False},
        {"city": "Aldmoor", "year": 2024, "code": "households", "value": None, "unit": "count"},
        {
            "city": "Aldmoor",
            "year": 2024,
            "code": "EN: EN: AQ: 1C",
            "data_point": "air_pollution_pm25",
            "value": 0.5,
            "source": "Station 4",
        },
    ]
    path.write_text(json.dumps(records), encoding="utf-8")
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
                "",
                "personal_estimate",
                str(path),
                1,
            ),
            ("Aldmoor", 2024, "input", "open_data_portal", 0.0, "FALSE", "", "", "", str(path), 2),
            ("Aldmoor", 2024, "input", "households", math.nan, "", "count", "", "", str(path), 3),
            (
                "Aldmoor",
                2024,
                "kpi",
                "air_pollution_pm25",
                0.5,
                "0.5",
                "",
                "Station 4",
                "",
                str(path),
                4,
            ),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


def test_one_submission_with_values(
    tmp_path: Path, catalogue: Catalogue, frame_of: FrameOf
) -> None:
    path = tmp_path / "aldmoor.json"
    document = {
        "city": "Aldmoor",
        "year": 2024,
        "values": [
            {"code": "population", "value": "81 250", "unit": "count"},
            {"code": "households", "value": 36100, "year": 2023},
        ],
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    result = read_file(path, catalogue=catalogue)
    expected = frame_of(
        [
            (
                "Aldmoor",
                2024,
                "input",
                "population",
                math.nan,
                "81 250",
                "count",
                "",
                "",
                str(path),
                1,
            ),
            ("Aldmoor", 2023, "input", "households", 36100.0, "36100", "", "", "", str(path), 2),
        ]
    )
    assert_frame_equal(result.frame, expected)
    assert result.issues == ()


@pytest.mark.parametrize(
    ("text", "reason", "row", "match"),
    [
        (
            '[{"city": "A", "year": 2024,',
            "unreadable_file",
            1,
            r"is not valid JSON \(Expecting property name enclosed in double quotes at line 1",
        ),
        ('{"city": "A"}', "unknown_layout", None, r"has an unknown JSON layout; write an array"),
        ('"text"', "unknown_layout", None, r"has an unknown JSON layout"),
        ("[1]", "unknown_layout", 1, r"record 1 is not an object"),
        (
            '[{"city": "A", "year": 2024, "code": "population"}]',
            "missing_column",
            1,
            r"record 1 lacks the field\(s\) 'value'",
        ),
        (
            '[{"city": "A", "year": 2024, "code": "population", "value": [1]}]',
            "missing_column",
            1,
            r"record 1 has a nested value in 'value'",
        ),
    ],
)
def test_structural_problems_become_issues(
    tmp_path: Path, catalogue: Catalogue, text: str, reason: str, row: int | None, match: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    result = read_file(path, catalogue=catalogue)
    assert result.frame.empty
    assert [(i.reason, i.location.file, i.location.row) for i in result.issues] == [
        (reason, str(path), row)
    ]
    assert re.search(match, result.issues[0].message), result.issues[0].message
