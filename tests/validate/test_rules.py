"""One test per validation rule: the rule fires with its reason, row and message, and stays
quiet on the matching good input."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from rawrows import frame_of, raw

from citykpi.catalogue import Catalogue
from citykpi.model import Severity
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.validate import validate

Row = dict[str, Any]
R = Reason
E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


_raw = raw


# (case id, rows, reason, severity, row of the issue, message pattern)
FIRES: list[tuple[str, list[Row], Reason, Severity, int | None, str]] = [
    (
        "missing city",
        [_raw("population", 1000, city="")],
        R.MISSING_CITY,
        E,
        2,
        r"^The row has no city; fill in the city name for the value of 'population'",
    ),
    (
        "missing year",
        [_raw("population", 1000, year=math.nan)],
        R.MISSING_YEAR,
        E,
        2,
        r"^The row has no valid reporting year; fill in the year as four digits, e\.g\. 2024\.$",
    ),
    (
        "year too early",
        [_raw("population", 1000, year=1899)],
        R.YEAR_OUT_OF_RANGE,
        E,
        2,
        r"^The year 1899 is outside 1990-\d{4}; correct the reporting year",
    ),
    (
        "year in the future",
        [_raw("population", 1000, year=2204)],
        R.YEAR_OUT_OF_RANGE,
        E,
        2,
        r"^The year 2204 is outside",
    ),
    (
        "unknown kind",
        [_raw("population", 1000, kind="value")],
        R.UNKNOWN_KIND,
        E,
        2,
        r"^The kind 'value' is not one of 'input' \(a raw input\) or 'kpi'",
    ),
    (
        "unknown code with a close match",
        [_raw("populaton", 1000)],
        R.UNKNOWN_CODE,
        E,
        2,
        r"^Unknown raw input code 'populaton'; did you mean 'population' or "
        r"'school_age_population'\?$",
    ),
    (
        "a data point given as an input",
        [_raw("school_enrollment", 95)],
        R.UNKNOWN_CODE,
        E,
        2,
        r"^Unknown raw input code 'school_enrollment'; it is a KPI data point: set kind to "
        r"'kpi'\.$",
    ),
    (
        "unknown code without a close match",
        [_raw("zzz", 1)],
        R.UNKNOWN_CODE,
        E,
        2,
        r"^Unknown raw input code 'zzz'; see 'citykpi inputs' for the known codes\.$",
    ),
    (
        "non-numeric value",
        [_raw("population", None, raw_value="12 000 people")],
        R.NON_NUMERIC,
        E,
        2,
        r"^The value '12 000 people' of 'population' is not a number; write a plain number in "
        r"inhabitant",
    ),
    (
        "n/a is not NR",
        [_raw("population", None, raw_value="n/a")],
        R.NON_NUMERIC,
        E,
        2,
        r"^The value 'n/a' of 'population' is not a number; ",
    ),
    (
        "yes/no input with another number",
        [_raw("resilience_plan", 2)],
        R.NOT_YES_NO,
        E,
        2,
        r"^The answer '2' for 'resilience_plan' is not yes or no; write 'yes' or 'no'\.$",
    ),
    (
        "yes/no data point reported as another number",
        [_raw("resilience_plans", 3, kind="kpi")],
        R.NOT_YES_NO,
        E,
        2,
        r"^The answer '3' for 'resilience_plans' is not yes or no; write 'yes' or 'no'\.$",
    ),
    (
        "yes/no input with text",
        [_raw("resilience_plan", None, raw_value="maybe")],
        R.NOT_YES_NO,
        E,
        2,
        r"^The answer 'maybe' for 'resilience_plan' is not yes or no",
    ),
    (
        "unknown data quality",
        [_raw("population", 1000, quality="pretty good")],
        R.UNKNOWN_QUALITY,
        W,
        2,
        r"^The data quality 'pretty good' is not one of the six U4SSC options "
        r"\(Based on accurate measurements; ",
    ),
    (
        "unit of another kind",
        [_raw("electricity_used", 5, unit="kg")],
        R.UNIT_NOT_CONVERTIBLE,
        E,
        2,
        r"^The unit 'kg' of 'electricity_used' does not convert to the catalogue unit 'kWh': "
        r"Cannot convert 5\.0 from 'kg' to 'kWh': the first measures \[mass\] and the second ",
    ),
    (
        "unknown unit",
        [_raw("electricity_used", 5, unit="gigawombats")],
        R.UNIT_NOT_CONVERTIBLE,
        E,
        2,
        r"^The unit 'gigawombats' of 'electricity_used' does not convert to the catalogue unit "
        r"'kWh': Unknown unit 'gigawombats'; ",
    ),
    (
        "ppb converted with the published NO2 factor",
        [_raw("no2_concentration", 20, unit="ppb")],
        R.UNIT_CONVERTED,
        INFO,
        2,
        r"^Converted 'no2_concentration' from 20 ppb to 38 ug/m\*\*3 \(as NO2\); the original "
        r"value is kept in 'original_value' and 'original_unit'\.$",
    ),
    (
        "MWh converted to kWh",
        [_raw("electricity_used", 5, unit="MWh")],
        R.UNIT_CONVERTED,
        INFO,
        2,
        r"^Converted 'electricity_used' from 5 MWh to 5000 kWh; ",
    ),
    (
        "negative count",
        [_raw("traffic_deaths", -3)],
        R.NEGATIVE_COUNT,
        E,
        2,
        r"^The count 'traffic_deaths' is negative \(-3\); a number of things cannot be below "
        r"zero: correct the value\.$",
    ),
    (
        "value above the catalogue's bounds",
        [_raw("no2_concentration", 2500)],
        R.OUT_OF_BOUNDS,
        E,
        2,
        r"^The value 2500 of 'no2_concentration' is outside the range the catalogue allows: it "
        r"must be between 0 and 2000 ug/m\*\*3; correct the value or its unit\.$",
    ),
    (
        "share above 100",
        [_raw("household_internet_access", 120, kind="kpi", unit="%")],
        R.SHARE_OUT_OF_RANGE,
        E,
        2,
        r"^The share 'household_internet_access' is 120 %, but a percentage must be between 0 "
        r"and 100; correct the value",
    ),
    (
        "negative share",
        [_raw("school_enrollment", -1, kind="kpi")],
        R.SHARE_OUT_OF_RANGE,
        E,
        2,
        r"^The share 'school_enrollment' is -1 %, but a percentage cannot be negative",
    ),
    (
        "numerator above denominator",
        [_raw("households", 1000), _raw("households_with_internet", 1200)],
        R.NUMERATOR_ABOVE_DENOMINATOR,
        E,
        3,
        r"^'households_with_internet' \(1200\) is larger than 'households' \(1000, sub\.csv row "
        r"2\) for 'Alpha' 2024, so 'household_internet_access' would exceed 100 %; correct one "
        r"of the two values \(a part cannot exceed the whole\)\.$",
    ),
    (
        "mode shares summing to 90",
        [
            _raw("mode_share_car", 50, kind="kpi"),
            _raw("mode_share_public", 30, kind="kpi"),
            _raw("mode_share_walking", 10, kind="kpi"),
        ],
        R.SHARES_DO_NOT_SUM,
        E,
        2,
        r"^The Transportation Mode Share shares of 'Alpha' 2024 sum to 90 % \(mode_share_car 50, "
        r"mode_share_public 30, mode_share_walking 10\); they must add up to 100 ± 2: correct "
        r"the shares\.$",
    ),
    (
        "partial waste shares already above 100",
        [
            _raw("solid_waste_landfill", 70, kind="kpi"),
            _raw("solid_waste_recycled", 40, kind="kpi"),
        ],
        R.SHARES_DO_NOT_SUM,
        E,
        2,
        r"^The Solid Waste Treatment shares of 'Alpha' 2024 sum to 110 % already, with some "
        r"shares not reported, \(solid_waste_landfill 70, solid_waste_recycled 40\)",
    ),
    (
        "secondary above primary",
        [
            _raw("wastewater_total", 1000, unit="m3"),
            _raw("wastewater_primary", 500, unit="m3"),
            _raw("wastewater_secondary", 600, unit="m3"),
        ],
        R.WASTEWATER_NOT_NESTED,
        E,
        4,
        r"^Wastewater treated to the secondary level \(60 %\) exceeds the primary level \(50 %\) "
        r"for 'Alpha' 2024; secondary treatment is part of primary treatment, so correct the "
        r"levels so that secondary <= primary\.$",
    ),
    (
        "tertiary above secondary, reported directly",
        [
            _raw("wastewater_treatment_primary", 90, kind="kpi"),
            _raw("wastewater_treatment_secondary", 40, kind="kpi"),
            _raw("wastewater_treatment_tertiary", 45, kind="kpi"),
        ],
        R.WASTEWATER_NOT_NESTED,
        E,
        4,
        r"^Wastewater treated to the tertiary level \(45 %\) exceeds the secondary level \(40 %\)",
    ),
    (
        "denominator differing by 10 %",
        [_raw("population", 1000), _raw("population", 1100, file="other.csv")],
        R.DENOMINATOR_INCONSISTENT,
        E,
        3,
        r"^The denominator 'population' for 'Alpha' 2024 differs between rows: 1000 \(sub\.csv "
        r"row 2\), 1100 \(other\.csv row 3\), by 10\.0%, more than the 5% the U4SSC verification "
        r"manual allows; use one figure",
    ),
    (
        "denominator differing by 4 %",
        [_raw("households", 1000), _raw("households", 1040)],
        R.DENOMINATOR_VARIES,
        W,
        3,
        r"^The denominator 'households' for 'Alpha' 2024 differs between rows: 1000 \(sub\.csv "
        r"row 2\), 1040 \(sub\.csv row 3\), by 4\.0% \(within the 5% allowed\); the first value "
        r"is used",
    ),
    (
        "duplicate with another value",
        [_raw("students", 10), _raw("students", 12)],
        R.DUPLICATE_CONFLICT,
        E,
        3,
        r"^'students' for 'Alpha' 2024 is given more than once with different values: 10 "
        r"\(sub\.csv row 2\), 12 \(sub\.csv row 3\); keep one row with the correct value\.$",
    ),
    (
        "identical duplicate",
        [_raw("students", 10), _raw("students", 10)],
        R.DUPLICATE_IDENTICAL,
        W,
        3,
        r"^'students' for 'Alpha' 2024 is given again with the same value 10 \(first at sub\.csv "
        r"row 2\); the first is used: delete the repeated row\.$",
    ),
    (
        "most KPIs not reported",
        [_raw("population", 1000)],
        R.TOO_MANY_NOT_REPORTED,
        W,
        None,
        r"^'Alpha' 2024 reports 0 of 9 KPIs: 9 \(100%\) are not reported, more than the 20% ",
    ),
]

# (case id, rows, reason that must not be raised)
QUIET: list[tuple[str, list[Row], Reason]] = [
    ("city given", [_raw("population", 1000)], R.MISSING_CITY),
    ("year given", [_raw("population", 1000)], R.MISSING_YEAR),
    ("year in range", [_raw("population", 1000, year=2015)], R.YEAR_OUT_OF_RANGE),
    ("kind kpi", [_raw("school_enrollment", 95, kind="kpi")], R.UNKNOWN_KIND),
    ("known code", [_raw("school_enrollment", 95, kind="kpi")], R.UNKNOWN_CODE),
    ("not reported NR", [_raw("population", None, raw_value="NR")], R.NON_NUMERIC),
    ("empty cell", [_raw("population", None, raw_value="")], R.NON_NUMERIC),
    ("yes", [_raw("resilience_plan", 1, raw_value="yes")], R.NOT_YES_NO),
    ("no reported directly", [_raw("resilience_plans", 0, kind="kpi")], R.NOT_YES_NO),
    ("quality label", [_raw("population", 1000, quality="Personal estimate")], R.UNKNOWN_QUALITY),
    ("no quality stated", [_raw("population", 1000, quality="")], R.UNKNOWN_QUALITY),
    ("convertible unit", [_raw("electricity_used", 5, unit="MWh")], R.UNIT_NOT_CONVERTIBLE),
    ("% spells percent", [_raw("mode_share_car", 50, kind="kpi", unit="%")], R.UNIT_CONVERTED),
    ("catalogue unit", [_raw("electricity_used", 5, unit="kWh")], R.UNIT_CONVERTED),
    ("zero count", [_raw("traffic_deaths", 0)], R.NEGATIVE_COUNT),
    ("within bounds", [_raw("no2_concentration", 2000)], R.OUT_OF_BOUNDS),
    ("share of 100", [_raw("household_internet_access", 100, kind="kpi")], R.SHARE_OUT_OF_RANGE),
    (
        "enrolment may exceed 100",
        [_raw("school_enrollment", 104, kind="kpi")],
        R.SHARE_OUT_OF_RANGE,
    ),
    (
        "numerator equal to denominator",
        [_raw("households", 1000), _raw("households_with_internet", 1000)],
        R.NUMERATOR_ABOVE_DENOMINATOR,
    ),
    (
        "students above school-age population (enrolment may exceed 100 %)",
        [_raw("students", 110), _raw("school_age_population", 100)],
        R.NUMERATOR_ABOVE_DENOMINATOR,
    ),
    (
        "mode shares summing to 98.5",
        [
            _raw("mode_share_car", 50, kind="kpi"),
            _raw("mode_share_public", 30, kind="kpi"),
            _raw("mode_share_walking", 18.5, kind="kpi"),
        ],
        R.SHARES_DO_NOT_SUM,
    ),
    (
        "partial mode shares below 100",
        [_raw("mode_share_car", 50, kind="kpi"), _raw("mode_share_public", 30, kind="kpi")],
        R.SHARES_DO_NOT_SUM,
    ),
    (
        "waste shares computed from amounts",
        [_raw("waste_landfill", 10), _raw("waste_recycled", 20), _raw("waste_other", 5)],
        R.SHARES_DO_NOT_SUM,
    ),
    (
        "nested wastewater levels",
        [
            _raw("wastewater_treatment_primary", 90, kind="kpi"),
            _raw("wastewater_treatment_secondary", 60, kind="kpi"),
            _raw("wastewater_treatment_tertiary", 60, kind="kpi"),
        ],
        R.WASTEWATER_NOT_NESTED,
    ),
    (
        "same denominator in two files",
        [_raw("population", 1000), _raw("population", 1000, file="other.csv")],
        R.DENOMINATOR_INCONSISTENT,
    ),
    (
        "same input for two cities",
        [_raw("students", 10), _raw("students", 12, city="Beta")],
        R.DUPLICATE_CONFLICT,
    ),
    (
        "same input for two years",
        [_raw("students", 10), _raw("students", 10, year=2023)],
        R.DUPLICATE_IDENTICAL,
    ),
]

_COVERAGE = [
    _raw("household_internet_access", 80, kind="kpi"),
    _raw("mode_share_car", 50, kind="kpi"),
    _raw("air_pollution_no2", 20, kind="kpi"),
    _raw("wastewater_treatment_primary", 90, kind="kpi"),
    _raw("solid_waste_landfill", 30, kind="kpi"),
    _raw("electricity_consumption", 5000, kind="kpi"),
    _raw("school_enrollment", 95, kind="kpi"),
    _raw("traffic_deaths", 3),
    _raw("population", 150000),
]
QUIET.append(("8 of 9 KPIs reported", _COVERAGE, R.TOO_MANY_NOT_REPORTED))


@pytest.mark.parametrize(
    ("rows", "reason", "severity", "row", "pattern"),
    [pytest.param(*case[1:], id=case[0]) for case in FIRES],
)
def test_rule_fires_with_reason_row_and_message(
    rows: list[Row],
    reason: Reason,
    severity: Severity,
    row: int | None,
    pattern: str,
    catalogue: Catalogue,
    settings: Settings,
) -> None:
    result = validate(frame_of(rows), catalogue=catalogue, settings=settings)
    found = [i for i in result.issues if i.reason == reason.value]
    assert len(found) == 1, [i.message for i in result.issues]
    issue = found[0]
    assert issue.severity is severity
    assert issue.location.row == row
    assert issue.location.file == "sub.csv" or issue.location.file == "other.csv"
    assert issue.location.city == (rows[0]["city"] or "")
    assert issue.message == issue.message.strip()
    assert re.search(pattern, issue.message), issue.message


@pytest.mark.parametrize(
    ("rows", "reason"), [pytest.param(*case[1:], id=case[0]) for case in QUIET]
)
def test_rule_stays_quiet_on_good_input(
    rows: list[Row],
    reason: Reason,
    catalogue: Catalogue,
    settings: Settings,
) -> None:
    result = validate(frame_of(rows), catalogue=catalogue, settings=settings)
    assert [i.message for i in result.issues if i.reason == reason.value] == []


def test_every_validation_reason_has_a_firing_case() -> None:
    assert {case[2] for case in FIRES} == {r for r in Reason if r.stage in {"validate", "rules"}}
