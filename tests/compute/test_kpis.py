"""Every status of a KPI value, the direct-report override, provenance and quality."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from kpirows import table

from citykpi.catalogue import Catalogue, load_catalogue
from citykpi.compute import compute, worst_quality
from citykpi.errors import InputError
from citykpi.model import KPI_COLUMNS
from citykpi.settings import load_settings
from citykpi.validate import validate

SETTINGS = load_settings({})


def _kpis(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    checked = validate(frame, catalogue=catalogue, settings=SETTINGS)
    return compute(checked, catalogue=catalogue).set_index("data_point")


@pytest.mark.parametrize(
    ("items", "data_point", "value", "unit"),
    [
        pytest.param(
            [("households_with_internet", 450), ("households", 1000)],
            "household_internet_access",
            45.0,
            "percent",
            id="share of households",
        ),
        pytest.param(
            [("electricity_used", 5, "MWh"), ("population", 1000)],
            "electricity_consumption",
            5.0,
            "kWh / inhabitant",
            id="MWh converted before the formula",
        ),
        pytest.param(
            [("traffic_deaths", 3), ("population", 150000)],
            "traffic_fatalities",
            2.0,
            "per_100k_inhabitants",
            id="per 100,000 inhabitants",
        ),
        pytest.param(
            [("no2_concentration", 0.02, "ppm")],
            "air_pollution_no2",
            38.0,
            "ug/m**3",
            id="NO2 ppm x1900",
        ),
        pytest.param([("resilience_plan", 1)], "resilience_plans", 1.0, "yes_no", id="yes is 1"),
        pytest.param(
            [("trips_car", 50), ("trips_public", 30), ("trips_walking", 20)],
            "mode_share_public",
            30.0,
            "percent",
            id="share of total",
        ),
        pytest.param(
            [("students", 1040), ("school_age_population", 1000)],
            "school_enrollment",
            104.0,
            "percent",
            id="enrolment above 100",
        ),
    ],
)
def test_computed_values(
    items: list[tuple[object, ...]],
    data_point: str,
    value: float,
    unit: str,
    catalogue: Catalogue,
) -> None:
    row = _kpis(table(items), catalogue).loc[data_point]
    assert (row["status"], row["unit"], row["reason"]) == ("computed", unit, "")
    assert row["value"] == pytest.approx(value, rel=1e-12)


def test_one_row_per_city_year_and_data_point_in_catalogue_order(catalogue: Catalogue) -> None:
    frame = pd.concat(
        [
            table([("population", 10)], city="Beta", year=2023),
            table([("population", 10)], city="Alpha", year=2024),
            table([("population", 10)], city="Alpha", year=2023),
        ],
        ignore_index=True,
    )
    kpis = compute(validate(frame, catalogue=catalogue), catalogue=catalogue)
    points = [dp.id for _, dp in catalogue.iter_data_points()]
    assert list(kpis.columns) == list(KPI_COLUMNS)
    assert len(kpis) == 3 * len(points) == 45
    assert kpis[["city", "year"]].drop_duplicates().values.tolist() == [
        ["Alpha", 2023],
        ["Alpha", 2024],
        ["Beta", 2023],
    ]
    assert kpis["data_point"].tolist()[: len(points)] == points
    assert kpis["code"].tolist()[0] == "EC: ICT: ICT: 1C"


def test_not_reported_names_the_missing_inputs(catalogue: Catalogue) -> None:
    kpis = _kpis(table([("households_with_internet", 450)]), catalogue)
    row = kpis.loc["household_internet_access"]
    assert row["status"] == "not_reported"
    assert row["reason"] == "Missing inputs: households."
    assert math.isnan(row["value"])
    assert kpis.loc["traffic_fatalities", "reason"] == "Missing inputs: traffic_deaths, population."


def test_an_empty_or_nr_value_is_not_reported(catalogue: Catalogue) -> None:
    kpis = _kpis(table([("traffic_deaths", None), ("population", 1000)]), catalogue)
    assert kpis.loc["traffic_fatalities", ["status", "reason"]].tolist() == [
        "not_reported",
        "Missing inputs: traffic_deaths.",
    ]


def test_division_by_zero_is_invalid_never_inf(catalogue: Catalogue) -> None:
    kpis = _kpis(table([("households_with_internet", 0), ("households", 0)]), catalogue)
    row = kpis.loc["household_internet_access"]
    assert row["status"] == "invalid"
    assert math.isnan(row["value"])
    assert row["reason"].startswith("Data point 'household_internet_access': ")
    assert "zero" in row["reason"].lower()


def test_zero_total_of_a_share_is_invalid(catalogue: Catalogue) -> None:
    kpis = _kpis(table([("trips_car", 0), ("trips_public", 0), ("trips_walking", 0)]), catalogue)
    assert kpis.loc["mode_share_car", "status"] == "invalid"
    assert "Division by zero" in kpis.loc["mode_share_car", "reason"]


def test_an_input_with_a_validation_error_makes_its_data_points_invalid(
    catalogue: Catalogue,
) -> None:
    kpis = _kpis(table([("traffic_deaths", -2), ("population", 1000)]), catalogue)
    row = kpis.loc["traffic_fatalities"]
    assert row["status"] == "invalid"
    assert row["reason"] == (
        "Input with a validation error: 'traffic_deaths': The count 'traffic_deaths' is "
        "negative (-2); a number of things cannot be below zero: correct the value."
    )
    assert kpis.loc["electricity_consumption", "status"] == "not_reported"


def test_a_blocked_data_point_is_invalid_with_the_rule_message(catalogue: Catalogue) -> None:
    kpis = _kpis(table([("households_with_internet", 1200), ("households", 1000)]), catalogue)
    row = kpis.loc["household_internet_access"]
    assert row["status"] == "invalid"
    assert row["reason"].startswith("'households_with_internet' (1200) is larger than")
    assert json.loads(row["provenance"])["computed_value"] == 120.0


def test_a_direct_report_wins_and_keeps_the_computed_value(catalogue: Catalogue) -> None:
    items = [
        ("households_with_internet", 450),
        ("households", 1000),
        ("household_internet_access", 47.5, "%", "kpi", "personal_estimate"),
    ]
    row = _kpis(table(items), catalogue).loc["household_internet_access"]
    assert (row["status"], row["value"], row["quality"]) == (
        "reported",
        47.5,
        "personal_estimate",
    )
    provenance = json.loads(row["provenance"])
    assert provenance["method"] == "reported"
    assert provenance["computed_value"] == 45.0
    assert provenance["reported"]["value"] == 47.5
    assert provenance["reported"]["original_unit"] == "%"
    assert provenance["reported"]["row"] == 4


def test_a_direct_report_alone_is_reported(catalogue: Catalogue) -> None:
    row = _kpis(table([("school_enrollment", 97, "", "kpi")]), catalogue).loc["school_enrollment"]
    assert (row["status"], row["value"], row["reason"]) == ("reported", 97.0, "")
    assert "computed_value" not in json.loads(row["provenance"])


def test_an_invalid_direct_report_is_not_replaced_by_a_computation(
    catalogue: Catalogue,
) -> None:
    items = [
        ("households_with_internet", 450),
        ("households", 1000),
        ("household_internet_access", 145, "", "kpi"),
    ]
    row = _kpis(table(items), catalogue).loc["household_internet_access"]
    assert row["status"] == "invalid"
    assert row["reason"].startswith(
        "The value reported directly has a validation error: The share "
        "'household_internet_access' is 145 %"
    )
    assert json.loads(row["provenance"])["computed_value"] == 45.0


def test_provenance_names_formula_version_and_every_input(catalogue: Catalogue) -> None:
    items = [
        ("electricity_used", 5, "MWh", "input", "extrapolated_from_survey"),
        ("population", 1000, "", "input", "accurate_measurement"),
    ]
    row = _kpis(table(items), catalogue).loc["electricity_consumption"]
    assert row["quality"] == "extrapolated_from_survey"
    assert json.loads(row["provenance"]) == {
        "method": "computed",
        "formula": "electricity_used / population",
        "catalogue_version": "test-1",
        "inputs": [
            {
                "id": "electricity_used",
                "value": 5000.0,
                "unit": "kWh",
                "original_value": 5.0,
                "original_unit": "MWh",
                "raw_value": "5",
                "source": "source of electricity_used",
                "quality": "extrapolated_from_survey",
                "file": "sub.csv",
                "row": 2,
            },
            {
                "id": "population",
                "value": 1000.0,
                "unit": "inhabitant",
                "original_value": 1000.0,
                "original_unit": None,
                "raw_value": "1000",
                "source": "source of population",
                "quality": "accurate_measurement",
                "file": "sub.csv",
                "row": 3,
            },
        ],
    }


@pytest.mark.parametrize(
    ("qualities", "worst"),
    [
        ([], ""),
        (["", ""], ""),
        (["accurate_measurement"], "accurate_measurement"),
        (["accurate_measurement", "personal_estimate", ""], "personal_estimate"),
        (
            ["Extrapolated from higher-level data", "extrapolated_from_survey"],
            "extrapolated_from_higher_level_data",
        ),
        (["unknown_method", "accurate_measurement"], "unknown_method"),
    ],
)
def test_worst_quality(qualities: list[str], worst: str) -> None:
    assert worst_quality(qualities) == worst


def test_compute_refuses_an_unvalidated_table(catalogue: Catalogue) -> None:
    from citykpi.validate import ValidationReport, ValidationResult

    unvalidated = ValidationResult(frame=table([("population", 1)]), report=ValidationReport())
    with pytest.raises(InputError, match=r"lacks the columns \['original_value'"):
        compute(unvalidated, catalogue=catalogue)


_CAT = load_catalogue(
    __import__("pathlib").Path(__file__).parents[1] / "validate" / "data" / "catalogue"
)


@hsettings(max_examples=80, deadline=None)
@given(
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
    st.floats(min_value=0, max_value=1e9, allow_nan=False),
)
def test_a_value_is_finite_or_the_status_says_why(deaths: float, population: float) -> None:
    frame = table([("traffic_deaths", deaths), ("population", population)])
    row = compute(validate(frame, catalogue=_CAT), catalogue=_CAT).set_index("data_point")
    row = row.loc["traffic_fatalities"]
    if row["status"] == "computed":
        assert math.isfinite(row["value"])
        assert row["value"] == pytest.approx(deaths / population * 100000)
    else:
        assert row["status"] == "invalid"
        assert population == 0 or not math.isfinite(deaths / population * 100000)
        assert math.isnan(row["value"])
