"""`citykpi catalogue` and `citykpi inputs`: the interfaces checked by issue 2."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citykpi.catalogue import DATA_DIR
from citykpi.cli.main import build_app

REQUIRED_KPI_KEYS = {
    "code",
    "name",
    "dimension",
    "sub_dimension",
    "category",
    "tier",
    "unit",
    "direction",
    "provenance",
    "sdg_targets",
    "data_points",
}


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.stdout, result.stderr


def test_catalogue_json_is_an_array_with_one_object_per_kpi() -> None:
    code, out, _ = _run("catalogue", "--format", "json")
    assert code == 0
    kpis = json.loads(out)
    assert len(kpis) == 91
    assert all(set(k) >= REQUIRED_KPI_KEYS for k in kpis)
    points = [dp for k in kpis for dp in k["data_points"]]
    assert len(points) == 112
    assert all({"id", "unit", "formula", "inputs"} <= set(dp) for dp in points)


def test_catalogue_json_for_one_code() -> None:
    code, out, _ = _run("catalogue", "--code", "EC: ICT: ICT: 1C", "--format", "json")
    assert code == 0
    (kpi,) = json.loads(out)
    assert kpi["code"] == "EC: ICT: ICT: 1C"
    assert kpi["tier"] == "core"
    assert kpi["provenance"] == "official"
    assert kpi["sdg_targets"] == ["17.8"]
    assert kpi["data_points"][0]["formula"] == "households_with_internet / households * 100"
    assert kpi["data_points"][0]["inputs"] == ["households_with_internet", "households"]


def test_catalogue_code_accepts_a_slug_unspaced_code_or_data_point() -> None:
    by_slug = json.loads(_run("catalogue", "--code", "air_pollution", "-f", "json")[1])
    by_code = json.loads(_run("catalogue", "--code", "EN:EN:AQ:1C", "-f", "json")[1])
    by_point = json.loads(_run("catalogue", "--code", "air_pollution_no2", "-f", "json")[1])
    assert by_slug == by_code == by_point
    assert [dp["id"] for dp in by_code[0]["data_points"]] == [
        "air_pollution_pm25",
        "air_pollution_pm10",
        "air_pollution_no2",
        "air_pollution_so2",
        "air_pollution_o3",
    ]


def test_catalogue_csv_has_one_row_per_data_point() -> None:
    code, out, _ = _run("catalogue", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 112
    walking = next(r for r in rows if r["data_point"] == "transportation_mode_share_walking")
    assert walking["code"] == "EC: I: T: 4A"
    assert walking["direction"] == "higher"
    assert walking["unit"] == "percent"
    assert walking["inputs"].split(";")[0] == "trips_walking"


def test_catalogue_table_names_the_version() -> None:
    code, out, _ = _run("catalogue", "--code", "SC: SH: SA: 9C")
    assert code == 0
    assert "u4ssc-2017.1" in out
    assert "9C" in out
    assert "Violent" not in out  # only the KPI asked for


@pytest.mark.parametrize("bad", ["EC: ICT: ICT: 9C", "no such kpi"])
def test_unknown_code_exits_2_with_a_message(bad: str) -> None:
    code, out, err = _run("catalogue", "--code", bad)
    assert code == 2
    assert out == ""
    assert f"Unknown KPI code {bad!r}" in err
    assert "Traceback" not in err


def test_unknown_code_message_suggests_close_codes() -> None:
    _, _, err = _run("catalogue", "--code", "EC: ICT: ICT: 9C")
    assert "'EC: ICT: ICT: 5C'" in err


def test_broken_catalogue_directory_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("catalogue", "--catalogue", str(tmp_path / "missing"))
    assert code == 2
    assert "does not exist" in err


def test_other_catalogue_directory_is_read(tmp_path: Path) -> None:
    copy = tmp_path / "cat"
    (copy / "kpis").mkdir(parents=True)
    for p in DATA_DIR.rglob("*.yaml"):
        (copy / p.relative_to(DATA_DIR)).write_bytes(p.read_bytes())
    framework = copy / "framework.yaml"
    framework.write_text(
        framework.read_text(encoding="utf-8").replace('"u4ssc-2017.1"', '"local-9"'),
        encoding="utf-8",
    )
    code, out, _ = _run("catalogue", "--catalogue", str(copy), "--code", "EC: P: IN: 2C")
    assert code == 0
    assert "local-9" in out


def test_inputs_csv_lists_each_input_once_with_what_it_feeds() -> None:
    code, out, _ = _run("inputs", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    population = next(r for r in rows if r["id"] == "population")
    assert population["unit"] == "inhabitant"
    assert population["sheet"] == "General"
    assert "traffic_fatalities" in population["feeds"].split(";")
    no2 = next(r for r in rows if r["id"] == "no2_concentration")
    assert no2["substance"] == "NO2"


def test_inputs_json_keeps_feeds_as_a_list() -> None:
    code, out, _ = _run("inputs", "-f", "json")
    assert code == 0
    by_id = {r["id"]: r for r in json.loads(out)}
    assert by_id["households_with_internet"]["feeds"] == ["household_internet_access"]
    assert by_id["spatial_plan_compact"]["kind"] == "boolean"
    assert by_id["gini_coefficient"]["max"] == 1.0


def test_inputs_table_lists_the_shared_inputs() -> None:
    code, out, _ = _run("inputs")
    assert code == 0
    assert "population" in out
    assert "General" in out
