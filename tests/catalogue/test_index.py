"""The one catalogue index: derived facts, nesting from the YAML, code normalisation, resolution."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from citykpi.catalogue import (
    CatalogueIndex,
    DataPointMeta,
    catalogue_index,
    load_catalogue,
    normalise_code,
)
from citykpi.catalogue.codes import CodeError, Resolved
from citykpi.catalogue.index import Fraction
from citykpi.errors import CatalogueError
from citykpi.model import Direction

WASTEWATER = "EN: EN: WS: 4C"


@pytest.fixture(scope="module")
def index() -> CatalogueIndex:
    return catalogue_index()


def test_the_index_is_built_once_per_catalogue(tmp_path: Path) -> None:
    bundled = load_catalogue()
    assert catalogue_index() is catalogue_index(bundled)
    assert catalogue_index(catalogue_index()) is catalogue_index()
    other = load_catalogue(_write(tmp_path, [_nested_kpi()]))
    assert catalogue_index(other) is catalogue_index(other)
    assert catalogue_index(other) is not catalogue_index()
    assert catalogue_index(other).catalogue is other


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("EC: ICT: ICT: 1C", "EC: ICT: ICT: 1C"),
        ("ec:ict:ict:1c", "EC: ICT: ICT: 1C"),
        ("  EC :ICT:  ICT :1 C ", "EC: ICT: ICT: 1C"),
        (" Total Population ", "total_population"),
        ("Households-With-Internet", "households_with_internet"),
        ("air_pollution_PM25", "air_pollution_pm25"),
        ("a - b", "a_b"),
        ("   ", ""),
    ],
)
def test_normalise_code(text: str, expected: str) -> None:
    assert normalise_code(text) == expected


@given(st.text(alphabet="abcXYZ:_- 19", max_size=20))
def test_normalise_code_is_idempotent(text: str) -> None:
    once = normalise_code(text)
    assert normalise_code(once) == once


def test_fractions_are_parts_over_a_whole_in_the_same_unit(index: CatalogueIndex) -> None:
    by_point = {f.data_point: f for f in index.fractions}
    assert by_point["household_internet_access"] == Fraction(
        "household_internet_access", "households_with_internet", "households"
    )
    assert by_point["wastewater_treatment_tertiary"] == Fraction(
        "wastewater_treatment_tertiary", "wastewater_tertiary", "wastewater_total"
    )
    # may exceed 100 (VM p118), so not a part of a whole
    assert "school_enrollment" not in by_point
    assert len(index.fractions) == 55


def test_denominators_come_from_the_formulas(index: CatalogueIndex) -> None:
    assert {"population", "households", "wastewater_total", "city_area"} <= index.denominators
    assert "households_with_internet" not in index.denominators
    assert len(index.denominators) == 37


def test_groups_with_parts(index: CatalogueIndex) -> None:
    assert index.sum_to_100 == ("EC: I: T: 4A", "EN: EN: WA: 1C")
    assert index.nested == (WASTEWATER,)
    assert [dp.id for dp in index.group("en:en:ws:4c")] == [
        "wastewater_treatment_primary",
        "wastewater_treatment_secondary",
        "wastewater_treatment_tertiary",
    ]
    assert index.group("XX: YY: ZZ: 9C") == ()


def test_nesting_pairs_are_read_from_the_yaml(index: CatalogueIndex) -> None:
    assert index.nesting(WASTEWATER) == (
        ("wastewater_treatment_secondary", "wastewater_treatment_primary"),
        ("wastewater_treatment_tertiary", "wastewater_treatment_secondary"),
    )
    assert index.nesting("EN: EN: WA: 1C") == ()


def test_nesting_follows_nests_in_not_the_words_in_ids(tmp_path: Path) -> None:
    kpi = _nested_kpi()
    # the level listed first lies within the second: the order comes from nests_in alone
    kpi["data_points"][0]["nests_in"] = "level_low"
    del kpi["data_points"][1]["nests_in"]
    index = catalogue_index(load_catalogue(_write(tmp_path, [kpi])))
    assert index.nested == ("EC: ICT: ICT: 1C",)
    assert index.nesting("EC: ICT: ICT: 1C") == (("level_high", "level_low"),)


@pytest.mark.parametrize(
    ("kind", "code", "unit", "yes_no", "over_100", "substance"),
    [
        ("input", "population", "inhabitant", False, False, None),
        ("input", "spatial_plan_compact", "yes_no", True, False, None),
        ("input", "no2_concentration", "ug/m**3", False, False, "NO2"),
        ("kpi", "air_pollution_no2", "ug/m**3", False, False, "NO2"),
        ("kpi", "air_pollution_pm25", "ug/m**3", False, False, None),
        ("kpi", "urban_development_and_spatial_planning_compact", "yes_no", True, False, None),
        ("kpi", "school_enrollment", "percent", False, True, None),
    ],
)
def test_facts_per_code(
    index: CatalogueIndex,
    kind: str,
    code: str,
    unit: str,
    yes_no: bool,
    over_100: bool,
    substance: str | None,
) -> None:
    assert index.unit_of(kind, code) == unit
    assert index.is_yes_no(kind, code) is yes_no
    assert index.may_exceed_100(kind, code) is over_100
    assert index.substance_of(kind, code) == substance


@pytest.mark.parametrize(
    ("code", "data_point", "expected"),
    [
        ("Population", "", Resolved("input", "population")),
        ("household_internet_access", "", Resolved("kpi", "household_internet_access")),
        ("ec:ict:ict:1c", "", Resolved("kpi", "household_internet_access")),
        (
            "Transportation Mode Share",
            "Transportation_Mode_Share_Walking",
            Resolved("kpi", "transportation_mode_share_walking"),
        ),
        (
            "EN:EN:WS:4C",
            "wastewater_treatment_tertiary",
            Resolved("kpi", "wastewater_treatment_tertiary"),
        ),
        ("no_such_code", "", Resolved("input", "no_such_code")),
    ],
)
def test_resolve_a_code_from_a_file(
    index: CatalogueIndex, code: str, data_point: str, expected: Resolved
) -> None:
    assert index.resolve(code, data_point=data_point) == expected


def test_resolve_asks_for_the_data_point_of_a_kpi_with_several(index: CatalogueIndex) -> None:
    with pytest.raises(
        CodeError, match=r"names KPI 'EN: EN: WS: 4C', which has 3 data points"
    ) as e:
        index.resolve("wastewater_treatment")
    assert e.value.reason == "ambiguous_kpi_code"


def test_kpi_by_code_or_slug_and_its_canonical_code(index: CatalogueIndex) -> None:
    assert index.kpi("wastewater treatment").code == WASTEWATER
    assert index.kpi("en:en:ws:4c").slug == "wastewater_treatment"
    assert index.codes.kpi_code("Wastewater-Treatment") == WASTEWATER
    assert index.codes.kpi_code("nothing") is None


def test_meta_of_a_data_point(index: CatalogueIndex) -> None:
    assert index.meta("air_pollution_no2") == DataPointMeta(
        data_point="air_pollution_no2",
        code="EN: EN: AQ: 1C",
        name="Air Pollution (NO2)",
        unit="ug/m**3",
        dimension="Environment",
        sub_dimension="Environment",
        category="Air Quality",
        direction=Direction.LOWER,
        sdg_targets=("11.6",),
    )
    assert list(index.metas) == list(index.data_points)
    with pytest.raises(CatalogueError, match=r"Unknown data point id 'air_pollution_co'"):
        index.meta("air_pollution_co")


# -- the schema's nesting checks, on a small catalogue ----------------------------------------

FRAMEWORK: dict[str, Any] = {
    "version": "test-1",
    "title": "Test framework",
    "dimensions": [
        {
            "code": "EC",
            "name": "Economy",
            "file": "economy.yaml",
            "sub_dimensions": [
                {
                    "code": "ICT",
                    "name": "ICT",
                    "categories": [{"code": "ICT", "name": "ICT Infrastructure"}],
                }
            ],
        }
    ],
}
INPUTS: list[dict[str, Any]] = [
    {
        "id": name,
        "name": name,
        "unit": "m**3",
        "kind": "quantity",
        "sheet": "Economy",
        "description": f"Volume {name}.",
    }
    for name in ("total", "high", "low")
]


def _nested_kpi() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "code": "EC: ICT: ICT: 1C",
            "slug": "levels",
            "name": "Levels",
            "dimension": "Economy",
            "sub_dimension": "ICT",
            "category": "ICT Infrastructure",
            "tier": "core",
            "unit": "percent",
            "direction": "higher",
            "provenance": "derived",
            "definition": "Two nested levels.",
            "parts": "nested",
            "data_points": [
                {
                    "id": "level_high",
                    "name": "High",
                    "unit": "percent",
                    "formula": "high / total * 100",
                },
                {
                    "id": "level_low",
                    "name": "Low",
                    "unit": "percent",
                    "formula": "low / total * 100",
                    "nests_in": "level_high",
                },
            ],
        }
    )


def _write(root: Path, kpis: list[dict[str, Any]]) -> Path:
    (root / "kpis").mkdir(parents=True, exist_ok=True)
    (root / "framework.yaml").write_text(yaml.safe_dump(FRAMEWORK), "utf-8")
    (root / "inputs.yaml").write_text(yaml.safe_dump(INPUTS), "utf-8")
    (root / "kpis" / "economy.yaml").write_text(yaml.safe_dump(kpis), "utf-8")
    return root


def _with(change: dict[str, Any], *, point: int = 1, **kpi: Any) -> dict[str, Any]:
    found = _nested_kpi()
    found.update(kpi)
    found["data_points"][point].update(change)
    return found


@pytest.mark.parametrize(
    ("kpi", "match"),
    [
        (
            _with({"nests_in": "air_pollution_no2"}),
            r"economy\.yaml, KPI 'EC: ICT: ICT: 1C': Value error, data point 'level_low' nests_in "
            r"'air_pollution_no2', which is not another data point of this KPI; use one of "
            r"\['level_high'\]",
        ),
        (
            _with({"nests_in": "level_low"}),
            r"data point 'level_low' nests_in 'level_low', which is not another data point",
        ),
        (
            _with({"nests_in": None}),
            r"is 'parts: nested' but no data point states nests_in",
        ),
        (
            _with({}, parts="sum_to_100"),
            r"data point\(s\) \['level_low'\] state nests_in but the KPI is not 'parts: nested'",
        ),
        (
            _with({"nests_in": "level_low"}, point=0),
            r"the nests_in of data point 'level_high' lead round in a loop",
        ),
        (
            _with({"typical_range": {"low": 90, "high": 10}}),
            r"typical_range low 90\.0 is above high 10\.0; swap them",
        ),
    ],
)
def test_the_schema_rejects_a_bad_nesting(tmp_path: Path, kpi: dict[str, Any], match: str) -> None:
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, [kpi]))
