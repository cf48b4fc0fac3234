"""The data package (validated by frictionless), CSV and Parquet, with hostile city names."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.parquet as pq

from citykpi.io.cells import restore
from citykpi.opendata import OpenData, export_open_data

if TYPE_CHECKING:
    from conftest import Cli


def test_the_data_package_is_valid_and_keyed(
    hostile: OpenData, hostile_name: str, out: Path
) -> None:
    from frictionless import Package

    export_open_data(hostile, "datapackage", out / "dp")
    descriptor = json.loads((out / "dp" / "datapackage.json").read_text("utf-8"))
    values = next(r for r in descriptor["resources"] if r["name"] == "values")
    assert values["schema"]["primaryKey"] == ["city", "year", "data_point"]
    assert {fk["reference"]["resource"] for fk in values["schema"]["foreignKeys"]} == {
        "cities",
        "kpis",
    }
    assert descriptor["licenses"][0]["name"] == hostile.release.licence
    assert descriptor["citation"] == "Demo cite"
    report = Package(str(out / "dp" / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    text = (out / "dp" / "values.csv").read_text("utf-8")
    assert hostile_name not in text  # the formula is neutralised ...
    cities = {restore(r["city"]) for r in csv.DictReader(io.StringIO(text))}
    assert hostile_name in cities  # ... and reads back exactly


def test_csv_and_parquet_carry_the_values_and_the_licence(cli: Cli, out: Path) -> None:
    assert cli("export", "--format", "csv", "-o", str(out / "v.csv"))[0] == 0
    assert cli("export", "--format", "parquet", "-o", str(out / "v.parquet"))[0] == 0
    rows = list(csv.DictReader(io.StringIO((out / "v.csv").read_text("utf-8"))))
    table = pq.read_table(out / "v.parquet")
    assert len(rows) == table.num_rows == cli.count()
    assert {r["licence"] for r in rows} == {"CC-BY-4.0"}
    meta = json.loads(table.schema.metadata[b"citykpi.release"])
    assert meta["licence"] == "CC-BY-4.0"
    assert meta["catalogue_version"]
    assert table.column("value").to_pylist()[0] == float(rows[0]["value"])


def test_open_data_formats_need_a_path_and_refuse_to_overwrite(cli: Cli, out: Path) -> None:
    code, _, err = cli("export", "--format", "ngsi-ld")
    assert code == 2
    assert "add -o PATH" in err
    target = out / "x.csv"
    target.write_text("mine", encoding="utf-8")
    code, _, err = cli("export", "--format", "csv", "-o", str(target))
    assert code == 2
    assert "--force" in err
    assert target.read_text("utf-8") == "mine"
    code, _, err = cli("export", "--format", "json", "-o", str(out / "y.json"))
    assert code == 2
    assert "prints to standard output" in err


def test_unpublished_values_need_a_user_who_may_read_them(cli: Cli, out: Path) -> None:
    code, _, err = cli("export", "--format", "csv", "--status", "any", "-o", str(out / "a.csv"))
    assert code == 3
    assert "--as USER" in err
    assert not (out / "a.csv").exists()
    code, _, err = cli(
        "export",
        "--format",
        "csv",
        "--status",
        "any",
        "--as",
        "demo-analyst",
        "-o",
        str(out / "a.csv"),
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO((out / "a.csv").read_text("utf-8"))))
    assert len(rows) > cli.count()
    assert {r["obs_status"] for r in rows} >= {"NV"}
