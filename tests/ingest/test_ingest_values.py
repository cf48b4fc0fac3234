"""Parsing of values, qualities and years, and normalisation of codes."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from citykpi.ingest import normalise_code, normalise_quality, parse_value
from citykpi.ingest.values import parse_year, raw_text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("12", 12.0),
        (" 12.5 ", 12.5),
        ("-0.25", -0.25),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("yes", 1.0),
        ("YES", 1.0),
        ("True", 1.0),
        ("no", 0.0),
        ("false", 0.0),
        (7, 7.0),
        (2.5, 2.5),
        (True, 1.0),
        (False, 0.0),
    ],
)
def test_parse_value_reads_numbers_and_yes_no(cell: str | float | bool, expected: float) -> None:
    assert parse_value(cell) == expected


@pytest.mark.parametrize(
    "cell",
    [
        "",
        "  ",
        None,
        "n/a",
        "12,5",
        "1 000",
        "1_000",
        "inf",
        "nan",
        "45%",
        float("inf"),
        dt.date(2024, 1, 1),
    ],
)
def test_parse_value_gives_nan_for_what_is_not_a_finite_number(cell: object) -> None:
    assert math.isnan(parse_value(cell))  # type: ignore[arg-type]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_the_raw_text_of_a_float_parses_back_to_the_same_float(number: float) -> None:
    assert parse_value(raw_text(number)) == number


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ""),
        (12, "12"),
        (0.1, "0.1"),
        (True, "TRUE"),
        ("  a b ", "  a b "),
        (dt.date(2024, 3, 1), "2024-03-01"),
    ],
)
def test_raw_text_is_what_a_spreadsheet_shows(cell: object, expected: str) -> None:
    assert raw_text(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Based on accurate measurements", "accurate_measurement"),
        ("based on ACCURATE measurements ", "accurate_measurement"),
        ("accurate_measurement", "accurate_measurement"),
        ("Extrapolated from a survey of inhabitants", "extrapolated_from_survey"),
        ("extrapolated-from-higher-level-data", "extrapolated_from_higher_level_data"),
        ("Estimated on stated assumptions", "estimated_on_stated_assumptions"),
        ("PERSONAL ESTIMATE", "personal_estimate"),
        ("Unknown method / not traceable", "unknown_method"),
        ("unknown method", "unknown_method"),
        ("", ""),
        ("   ", ""),
        ("good enough", "good enough"),
    ],
)
def test_normalise_quality_accepts_labels_and_values_and_keeps_the_rest(
    text: str, expected: str
) -> None:
    assert normalise_quality(text) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (2024, 2024),
        ("2024", 2024),
        (" 2024 ", 2024),
        (2024.0, 2024),
        ("2024.0", 2024),
        (2024.5, None),
        ("twenty", None),
        ("", None),
        (None, None),
        (True, None),
    ],
)
def test_parse_year(cell: object, expected: int | None) -> None:
    assert parse_year(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EC: ICT: ICT: 1C", "EC: ICT: ICT: 1C"),
        ("EC:ICT:ICT:1C", "EC: ICT: ICT: 1C"),
        ("ec:ict:ict:1c", "EC: ICT: ICT: 1C"),
        (" SC: EH: ED:5A ", "SC: EH: ED: 5A"),
        ("SC : EH : H : 3 C", "SC: EH: H: 3C"),
        ("population", "population"),
        (" Population ", "population"),
        ("Households With Internet", "households_with_internet"),
        ("pm25-concentration", "pm25_concentration"),
        ("", ""),
    ],
)
def test_normalise_code(text: str, expected: str) -> None:
    assert normalise_code(text) == expected


@given(st.text(max_size=30))
def test_normalise_code_is_idempotent(text: str) -> None:
    once = normalise_code(text)
    assert normalise_code(once) == once
