"""The checked frame keeps every row (converted, flagged) and the report renders every issue."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from rawrows import CATALOGUE_DIR, frame_of, raw

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.errors import InputError
from citykpi.model import Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.validate import CHECKED_COLUMNS, ISSUE_COLUMNS, validate


def test_frame_keeps_every_row_converts_units_and_flags_errors(
    catalogue: Catalogue, settings: Settings
) -> None:
    rows = [
        raw("no2_concentration", 0.02, unit="ppm"),
        raw("population", None, raw_value="lots"),
        raw("students", 10),
        raw("students", 10),
    ]
    checked = validate(frame_of(rows), catalogue=catalogue, settings=settings).frame
    expected = pd.DataFrame(
        {
            "city": ["Alpha"] * 4,
            "year": [2024] * 4,
            "kind": ["input"] * 4,
            "code": ["no2_concentration", "population", "students", "students"],
            "value": [38.0, math.nan, 10.0, 10.0],
            "raw_value": ["0.02", "lots", "10", "10"],
            "unit": ["ug/m**3", "inhabitant", "count", "count"],
            "source": ["City statistics office"] * 4,
            "quality": ["accurate_measurement"] * 4,
            "file": ["sub.csv"] * 4,
            "row": [2, 3, 4, 5],
            "original_value": [0.02, math.nan, 10.0, 10.0],
            "original_unit": ["ppm", "", "", ""],
            "error": [False, True, False, False],
            "duplicate": [False, False, False, True],
            "problems": [
                "",
                "The value 'lots' of 'population' is not a number; write a plain number in "
                "inhabitant (e.g. 1234.5, no thousands separators or units in the cell), or leave "
                "it empty or 'NR' if it is not reported.",
                "",
                "",
            ],
        }
    )
    assert list(checked.columns) == list(CHECKED_COLUMNS)
    assert_frame_equal(checked, expected, check_dtype=False)


def test_validation_never_changes_the_input_frame(catalogue: Catalogue, settings: Settings) -> None:
    frame = frame_of([raw("electricity_used", 5, unit="MWh")])
    before = frame.copy()
    validate(frame, catalogue=catalogue, settings=settings)
    assert_frame_equal(frame, before)


def test_strict_turns_warnings_into_errors(catalogue: Catalogue, settings: Settings) -> None:
    frame = frame_of([raw("students", 10), raw("students", 10)])
    lenient = validate(frame, catalogue=catalogue, settings=settings)
    strict = validate(frame, catalogue=catalogue, settings=settings, strict=True)
    assert lenient.ok
    assert [(i.reason, i.severity) for i in strict.issues] == [
        ("duplicate_identical", Severity.ERROR),
        ("too_many_not_reported", Severity.ERROR),
    ]
    assert not strict.ok
    assert strict.frame["error"].tolist() == [False, True]


def test_info_issues_stay_info_under_strict(catalogue: Catalogue, settings: Settings) -> None:
    frame = frame_of([raw("electricity_used", 5, unit="MWh")])
    result = validate(frame, catalogue=catalogue, settings=settings, strict=True)
    first = result.issues[0]
    assert (first.reason, first.severity) == ("unit_converted", Severity.INFO)


def test_tolerances_come_from_settings(catalogue: Catalogue) -> None:
    from citykpi.settings import load_settings

    frame = frame_of([raw("population", 1000), raw("population", 1080)])
    loose = validate(
        frame, catalogue=catalogue, settings=load_settings({}, denominator_tolerance=0.1)
    )
    tight = validate(frame, catalogue=catalogue, settings=load_settings({}))
    assert loose.issues[0].reason == "denominator_varies"
    assert tight.issues[0].reason == "denominator_inconsistent"


def test_reader_issues_lead_the_report_and_flag_their_rows(
    catalogue: Catalogue, settings: Settings
) -> None:
    reader_issue = Issue(
        Reason.MISSING_COLUMN,
        Severity.ERROR,
        "sub.csv row 3 has a problem the reader found.",
        Location(file="sub.csv", row=3),
    )
    frame = frame_of([raw("students", 10), raw("traffic_deaths", 2)])
    result = validate(frame, catalogue=catalogue, settings=settings, extra_issues=[reader_issue])
    assert result.issues[0] is reader_issue
    assert result.frame["error"].tolist() == [False, True]


def test_a_table_without_the_raw_columns_is_refused(catalogue: Catalogue) -> None:
    with pytest.raises(InputError, match=r"lacks the columns \['raw_value', 'source'"):
        validate(
            pd.DataFrame(columns=["city", "year", "kind", "code", "value", "unit"]),
            catalogue=catalogue,
        )


def test_report_renders_as_frame_and_json(catalogue: Catalogue, settings: Settings) -> None:
    frame = frame_of([raw("population", -5)])
    report = validate(frame, catalogue=catalogue, settings=settings).report
    table = report.to_frame()
    assert list(table.columns) == list(ISSUE_COLUMNS)
    assert table.loc[0, ["severity", "reason", "file", "row", "code", "value"]].tolist() == [
        "error",
        "negative_count",
        "sub.csv",
        2,
        "population",
        "-5",
    ]
    payload = json.loads(report.to_json())
    assert payload["ok"] is False
    assert (payload["errors"], payload["warnings"]) == (1, 1)
    assert payload["issues"][0]["reason"] == "negative_count"
    assert report.counts_by_reason() == {"negative_count": 1, "too_many_not_reported": 1}


def test_every_problem_is_collected_before_reporting(
    catalogue: Catalogue, settings: Settings
) -> None:
    rows = [
        raw("population", -5),
        raw("populaton", 10),
        raw("electricity_used", 3, unit="kg"),
        raw("resilience_plan", 3),
    ]
    result = validate(frame_of(rows), catalogue=catalogue, settings=settings)
    assert [(i.reason, i.location.row) for i in result.errors] == [
        ("negative_count", 2),
        ("unknown_code", 3),
        ("unit_not_convertible", 4),
        ("not_yes_no", 5),
    ]


_CAT = load_catalogue(CATALOGUE_DIR)


@hsettings(max_examples=60, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))
def test_a_reported_share_is_flagged_exactly_when_outside_0_to_100(value: float) -> None:
    frame = frame_of([raw("household_internet_access", value, kind="kpi", raw_value="x")])
    result = validate(frame, catalogue=_CAT)
    flagged = any(i.reason == Reason.SHARE_OUT_OF_RANGE for i in result.issues)
    assert flagged == (not 0.0 <= value <= 100.0)


@hsettings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["population", "students", "nope", "mode_share_car"]),
            st.one_of(st.none(), st.floats(min_value=-10, max_value=1e5, allow_nan=False)),
            st.sampled_from(["", "MWh", "%", "kg"]),
        ),
        max_size=12,
    )
)
def test_validation_keeps_every_row_in_order(rows: list[tuple[str, float | None, str]]) -> None:
    frame = frame_of([raw(code, value, unit=unit) for code, value, unit in rows])
    checked = validate(frame, catalogue=_CAT).frame
    assert checked["code"].tolist() == frame["code"].tolist()
    assert checked["row"].tolist() == frame["row"].tolist()
    assert checked["raw_value"].tolist() == frame["raw_value"].tolist()


def test_a_workbook_cell_reference_locates_the_issue(
    catalogue: Catalogue, settings: Settings
) -> None:
    frame = frame_of([raw("traffic_deaths", -1, row="Society and Culture!F12")])
    issue = validate(frame, catalogue=catalogue, settings=settings).errors[0]
    assert (issue.location.row, issue.location.cell) == (None, "Society and Culture!F12")
    assert issue.location.describe().startswith("sub.csv, cell Society and Culture!F12, ")


@hsettings(max_examples=60, deadline=None)
@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_mwh_converts_to_kwh_and_keeps_the_original(value: float) -> None:
    frame = frame_of([raw("electricity_used", value, unit="MWh")])
    row = validate(frame, catalogue=_CAT).frame.iloc[0]
    assert row["value"] == pytest.approx(value * 1000, rel=1e-12)
    assert (row["unit"], row["original_unit"], row["original_value"]) == ("kWh", "MWh", value)


@hsettings(max_examples=60, deadline=None)
@given(st.floats(min_value=0, max_value=1e4, allow_nan=False), st.sampled_from(["ppm", "ppb"]))
def test_no2_mixing_ratios_use_the_published_factor(value: float, unit: str) -> None:
    frame = frame_of([raw("no2_concentration", value, unit=unit)])
    row = validate(frame, catalogue=_CAT).frame.iloc[0]
    factor = 1900.0 if unit == "ppm" else 1.9
    assert row["value"] == pytest.approx(value * factor, rel=1e-12)
