"""Load-time checks: each kind of catalogue problem, reported with file, KPI and field."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from citykpi.catalogue import load_catalogue
from citykpi.errors import CatalogueError

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
        "id": "households",
        "name": "Households",
        "unit": "household",
        "kind": "count",
        "sheet": "General",
        "description": "All households.",
    },
    {
        "id": "connected",
        "name": "Connected households",
        "unit": "household",
        "kind": "count",
        "sheet": "Economy",
        "description": "Households with Internet.",
    },
]
KPI: dict[str, Any] = {
    "code": "EC: ICT: ICT: 1C",
    "slug": "internet",
    "name": "Household Internet Access",
    "dimension": "Economy",
    "sub_dimension": "ICT",
    "category": "ICT Infrastructure",
    "tier": "core",
    "unit": "percent",
    "direction": "higher",
    "provenance": "official",
    "definition": "Share of households with Internet access.",
    "data_points": [
        {
            "id": "internet",
            "name": "Internet",
            "unit": "percent",
            "formula": "connected / households * 100",
        }
    ],
}


def _write(
    root: Path,
    *,
    kpis: list[dict[str, Any]] | None = None,
    inputs: list[dict[str, Any]] | None = None,
    framework: dict[str, Any] | None = None,
) -> Path:
    (root / "kpis").mkdir(parents=True, exist_ok=True)
    (root / "framework.yaml").write_text(yaml.safe_dump(framework or FRAMEWORK), "utf-8")
    (root / "inputs.yaml").write_text(yaml.safe_dump(INPUTS if inputs is None else inputs), "utf-8")
    body = [KPI] if kpis is None else kpis
    (root / "kpis" / "economy.yaml").write_text(yaml.safe_dump(body), "utf-8")
    return root


def _kpi(**changes: Any) -> dict[str, Any]:
    kpi = copy.deepcopy(KPI)
    kpi.update(changes)
    return kpi


def _point(**changes: Any) -> dict[str, Any]:
    dp = copy.deepcopy(KPI["data_points"][0])
    dp.update(changes)
    return dp


def test_a_valid_small_catalogue_loads(tmp_path: Path) -> None:
    cat = load_catalogue(_write(tmp_path))
    assert cat.version == "test-1"
    dp = cat.data_point("internet")
    assert dp.inputs == ("connected", "households")
    assert dp.direction.value == "higher"  # inherited from the KPI
    assert dp.provenance == "official"
    assert cat.inputs["households"].feeds == ("internet",)
    assert cat.kpi_of("internet").code == "EC: ICT: ICT: 1C"


@pytest.mark.parametrize(
    ("kpis", "match"),
    [
        (
            [_kpi(tier="basic")],
            r"economy\.yaml, KPI 'EC: ICT: ICT: 1C', field 'tier': Input should be 'core' or",
        ),
        ([_kpi(colour="red")], r"field 'colour': Extra inputs are not permitted"),
        (
            [{k: v for k, v in KPI.items() if k != "definition"}],
            r"field 'definition': Field required",
        ),
        (
            [_kpi(code="EC:ICT:ICT:1C")],
            r"field 'code': Value error, code 'EC:ICT:ICT:1C' is not in the",
        ),
        ([_kpi(sdg_targets=["SDG 11"])], r"SDG targets \['SDG 11'\] are not in the form"),
        ([_kpi(direction="up")], r"field 'direction': Input should be 'higher', 'lower'"),
        (
            [_kpi(data_points=[_point(unit=None)])],
            r"'data_points\.internet\.unit': Input should be a valid string",
        ),
    ],
)
def test_schema_errors_name_file_kpi_and_field(
    tmp_path: Path, kpis: list[dict[str, Any]], match: str
) -> None:
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, kpis=kpis))


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    root = _write(tmp_path)
    (root / "kpis" / "economy.yaml").write_text("- code: [unclosed\n", "utf-8")
    with pytest.raises(CatalogueError, match=r"economy\.yaml: is not valid YAML at line 2"):
        load_catalogue(root)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"does not exist; pass a directory holding"):
        load_catalogue(tmp_path / "nowhere")


def test_missing_kpi_file(tmp_path: Path) -> None:
    root = _write(tmp_path)
    (root / "kpis" / "economy.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"economy\.yaml: cannot be read"):
        load_catalogue(root)


@pytest.mark.parametrize(
    ("second", "match"),
    [
        (
            _kpi(slug="other", data_points=[_point(id="other")]),
            r"'code': 'EC: ICT: ICT: 1C' is also used by .*; each code must be unique",
        ),
        (
            _kpi(code="EC: ICT: ICT: 2C", data_points=[_point(id="other")]),
            r"'slug': 'internet' is also used by .*; each slug must be unique",
        ),
        (
            _kpi(code="EC: ICT: ICT: 2C", slug="other"),
            r"'data point id': 'internet' is also used by 'EC: ICT: ICT: 1C'",
        ),
    ],
)
def test_duplicates_are_refused(tmp_path: Path, second: dict[str, Any], match: str) -> None:
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, kpis=[KPI, second]))


def test_duplicate_input_id(tmp_path: Path) -> None:
    with pytest.raises(
        CatalogueError, match=r"inputs\.yaml, input 'households', field 'id': is declared twice"
    ):
        load_catalogue(_write(tmp_path, inputs=[*INPUTS, INPUTS[0]]))


def test_undeclared_formula_input(tmp_path: Path) -> None:
    kpis = [_kpi(data_points=[_point(formula="conected / households * 100")])]
    with pytest.raises(
        CatalogueError,
        match=r"field 'data_points\.internet\.formula': Formula .* reads undeclared input\(s\) "
        r"'conected' \(did you mean 'connected'\?\)",
    ):
        load_catalogue(_write(tmp_path, kpis=kpis))


def test_declared_input_never_used(tmp_path: Path) -> None:
    extra = {**INPUTS[0], "id": "orphan"}
    with pytest.raises(
        CatalogueError, match=r"input 'orphan': is declared but no formula reads it"
    ):
        load_catalogue(_write(tmp_path, inputs=[*INPUTS, extra]))


@pytest.mark.parametrize(
    ("dp", "match"),
    [
        (
            _point(formula="connected / households"),
            r"needs a multiplier of 100, but the formula multiplies by 1;",
        ),
        (_point(unit="kWh"), r"gives dimensionless .* cannot be expressed in the declared unit"),
        (_point(unit="bananas"), r"field 'data_points\.internet\.unit': Unknown unit 'bananas'"),
        (_point(formula="connected ** 2"), r"uses the operator '\*\*'"),
        (_point(formula="connected.real"), r"uses attribute access"),
        (
            _point(function="yes_no"),
            r"'data_points\.internet\.function': function is 'yes_no' but the",
        ),
        (
            _point(formula="share_of_total(connected, households, households)"),
            r"first argument 'connected' must also be one of the",
        ),
        (
            _point(formula="yes_no(connected)", unit="yes_no"),
            r"yes_no\(\) reads 'connected', which is not a boolean",
        ),
    ],
)
def test_formula_problems_name_the_data_point(
    tmp_path: Path, dp: dict[str, Any], match: str
) -> None:
    kpis = [_kpi(data_points=[dp])]
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, kpis=kpis))


@pytest.mark.parametrize(
    ("kpi", "match"),
    [
        (_kpi(category="Transport"), r"'category': 'Transport' is not a category of 'ICT'"),
        (
            _kpi(sub_dimension="Productivity"),
            r"'sub_dimension': 'Productivity' is not a sub-dimension of",
        ),
        (_kpi(tier="advanced"), r"field 'tier': is 'advanced' but the code ends in 'C'"),
        (_kpi(code="EC: P: ICT: 1C"), r"'code': has sub-dimension code 'P', expected 'ICT'"),
        (_kpi(dimension="Environment"), r"'dimension': 'Environment' is not a dimension"),
        (
            _kpi(code="EC: ICT: WS: 1C"),
            r"'code': has category code 'WS' but category 'ICT Infrastructure' has code 'ICT'",
        ),
        (_kpi(unit="count"), r"'unit': is 'count' but its only data point is in 'percent'"),
    ],
)
def test_hierarchy_must_match_the_framework(
    tmp_path: Path, kpi: dict[str, Any], match: str
) -> None:
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(_write(tmp_path, kpis=[kpi]))


def test_boolean_inputs_use_the_yes_no_unit(tmp_path: Path) -> None:
    inputs = [INPUTS[0], {**INPUTS[1], "kind": "boolean"}]
    with pytest.raises(
        CatalogueError, match=r"input 'connected', field 'kind': is 'boolean' with unit 'household'"
    ):
        load_catalogue(_write(tmp_path, inputs=inputs))


def test_every_problem_is_collected_into_one_error(tmp_path: Path) -> None:
    kpis = [
        _kpi(tier="advanced"),
        _kpi(
            code="EC: ICT: ICT: 2C",
            slug="two",
            data_points=[_point(id="two", formula="x / households * 100")],
        ),
    ]
    extra = {**INPUTS[0], "id": "orphan"}
    with pytest.raises(CatalogueError) as info:
        load_catalogue(_write(tmp_path, kpis=kpis, inputs=[*INPUTS, extra]))
    text = str(info.value)
    assert "has 3 problem(s)" in text
    assert "'tier': is 'advanced'" in text
    assert "undeclared input(s) 'x'" in text
    assert "input 'orphan': is declared but no formula reads it" in text


def test_a_listed_code_anomaly_is_accepted(tmp_path: Path) -> None:
    framework = copy.deepcopy(FRAMEWORK)
    framework["code_anomalies"] = [{"code": "EC: ICT: WS: 1C", "category": "ICT Infrastructure"}]
    framework["dimensions"][0]["sub_dimensions"][0]["categories"].append(
        {"code": "WS", "name": "Water and Sanitation"}
    )
    root = _write(tmp_path, kpis=[_kpi(code="EC: ICT: WS: 1C")], framework=framework)
    assert load_catalogue(root).kpi("EC: ICT: WS: 1C").category == "ICT Infrastructure"


def test_count_inputs_are_counted(tmp_path: Path) -> None:
    inputs = [INPUTS[0], {**INPUTS[1], "unit": "km"}]
    with pytest.raises(
        CatalogueError, match=r"input 'connected', field 'kind': is 'count' but unit 'km' measures"
    ):
        load_catalogue(_write(tmp_path, inputs=inputs))


def test_one_bad_kpi_hides_no_problem_of_another(tmp_path: Path) -> None:
    kpis = [
        _kpi(tier="basic"),
        _kpi(code="EC: ICT: ICT: 2C", slug="two", data_points=[_point(id="two", unit="kWh")]),
    ]
    with pytest.raises(CatalogueError) as info:
        load_catalogue(_write(tmp_path, kpis=kpis))
    text = str(info.value)
    assert "has 3 problem(s)" in text
    assert "KPI 'EC: ICT: ICT: 1C', field 'tier'" in text
    assert "KPI 'EC: ICT: ICT: 2C', field 'data_points.two.formula'" in text
    assert "KPI 'EC: ICT: ICT: 2C', field 'unit': is 'percent' but its only data point" in text


def test_a_bad_input_entry_is_named_by_its_id(tmp_path: Path) -> None:
    inputs = [INPUTS[0], {**INPUTS[1], "kind": "number"}]
    with pytest.raises(
        CatalogueError, match=r"inputs\.yaml, input 'connected', field 'kind': Input should be"
    ):
        load_catalogue(_write(tmp_path, inputs=inputs))


@pytest.mark.parametrize(
    ("text", "match"),
    [("", r"economy\.yaml: is empty"), ("code: x\n", r"economy\.yaml: must be a YAML list")],
)
def test_kpi_file_must_hold_a_list(tmp_path: Path, text: str, match: str) -> None:
    root = _write(tmp_path)
    (root / "kpis" / "economy.yaml").write_text(text, "utf-8")
    with pytest.raises(CatalogueError, match=match):
        load_catalogue(root)
