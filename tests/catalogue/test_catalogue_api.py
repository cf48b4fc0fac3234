"""The public API of the loaded catalogue, as the other stages use it."""

from __future__ import annotations

import pytest

from citykpi.catalogue import evaluate, load_catalogue
from citykpi.errors import CatalogueError, FormulaError


@pytest.mark.parametrize(
    "key",
    ["EC: ICT: ICT: 1C", "EC:ICT:ICT:1C", "ec: ict: ict: 1c", "household_internet_access"],
)
def test_kpi_by_code_in_any_spacing_or_case_or_by_slug(key: str) -> None:
    assert load_catalogue().kpi(key).code == "EC: ICT: ICT: 1C"


@pytest.mark.parametrize(
    ("key", "match"),
    [
        (
            "EC: ICT: ICT: 6C",
            r"Unknown KPI code 'EC: ICT: ICT: 6C'\. Did you mean 'EC: ICT: ICT: 5C'",
        ),
        ("patent", r"Unknown KPI code 'patent'\. Did you mean 'patents'"),
        ("zzz", r"Unknown KPI code 'zzz'\. See 'citykpi catalogue' for every code\."),
    ],
)
def test_unknown_kpi_suggests_close_matches(key: str, match: str) -> None:
    with pytest.raises(CatalogueError, match=match):
        load_catalogue().kpi(key)


def test_data_point_and_its_kpi() -> None:
    cat = load_catalogue()
    assert cat.data_point("air_pollution_no2").unit == "ug/m**3"
    assert cat.kpi_of("air_pollution_no2").code == "EN: EN: AQ: 1C"
    assert cat.has_data_point("air_pollution_no2")
    assert not cat.has_data_point("air_pollution_co")


def test_unknown_data_point_and_input_suggest_close_ids() -> None:
    cat = load_catalogue()
    with pytest.raises(CatalogueError, match=r"Unknown data point id 'air_pollution_pm2'\. Did"):
        cat.data_point("air_pollution_pm2")
    with pytest.raises(CatalogueError, match=r"Unknown input id 'populaton'\. Did you mean"):
        cat.input("populaton")


def test_iteration_follows_code_order() -> None:
    pairs = list(load_catalogue().iter_data_points())
    assert pairs[0][1].id == "household_internet_access"
    assert pairs[-1][1].id == "local_food_production"
    assert [k.code for k in load_catalogue().kpis][:2] == ["EC: ICT: ICT: 1C", "EC: ICT: ICT: 2C"]


def test_inputs_registry_is_read_only() -> None:
    inputs = load_catalogue().inputs
    with pytest.raises(TypeError):
        inputs["population"] = inputs["households"]  # type: ignore[index]


def test_evaluate_names_the_data_point_on_failure() -> None:
    dp = load_catalogue().data_point("unemployment_rate")
    with pytest.raises(
        FormulaError,
        match=r"Data point 'unemployment_rate': Division by zero .* the denominator "
        r"'labour_force' is 0",
    ):
        evaluate(dp, {"unemployed": 10.0, "labour_force": 0.0})
    with pytest.raises(FormulaError, match=r"missing input\(s\) \['labour_force'\]"):
        evaluate(dp, {"unemployed": 10.0})


def test_extra_values_are_ignored() -> None:
    dp = load_catalogue().data_point("patents")
    values = {"patents_granted": 10.0, "population": 50_000.0, "households": 1.0}
    assert evaluate(dp, values) == 20.0


def test_only_enrolment_and_broadband_percentages_may_exceed_100() -> None:
    from citykpi.catalogue import load_catalogue

    marked = {
        (kpi.code, dp.id, dp.unit)
        for kpi, dp in load_catalogue().iter_data_points()
        if dp.may_exceed_100
    }
    assert marked == {
        ("EC: ICT: ICT: 2C", "fixed_broadband_subscriptions", "percent"),
        ("SC: EH: ED: 2C", "school_enrollment", "percent"),
    }


def test_shares_of_a_whole_and_nested_levels_are_marked_in_the_catalogue() -> None:
    from citykpi.catalogue import load_catalogue

    parts = {k.code: k.parts for k in load_catalogue().kpis if k.parts}
    assert parts == {
        "EC: I: T: 4A": "sum_to_100",
        "EN: EN: WA: 1C": "sum_to_100",
        "EN: EN: WS: 4C": "nested",
    }
