"""`citykpi validate` and `citykpi compute` end to end, on real files written in tmp_path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app
from citykpi.io import read_kpi_table
from citykpi.model import KPI_COLUMNS

HEADER = "city,year,code,value,unit,source,quality\n"
CLEAN = HEADER + (
    "Sample City,2024,population,150000,,Census,accurate_measurement\n"
    "Sample City,2024,households,60000,,Census,accurate_measurement\n"
    "Sample City,2024,households_with_internet,48000,,ISP survey,extrapolated_from_survey\n"
    "Sample City,2024,no2_concentration,20,ppb,Monitoring network,accurate_measurement\n"
)
#: Row 3 has a negative count, row 4 an unknown code.
WITH_ERRORS = HEADER + (
    "Sample City,2024,population,150000,,Census,accurate_measurement\n"
    "Sample City,2024,households,-60000,,Census,accurate_measurement\n"
    "Sample City,2024,populaton,3,,Census,accurate_measurement\n"
    "Sample City,2024,households_with_internet,48000,,ISP survey,extrapolated_from_survey\n"
)


def _write(tmp_path: Path, text: str, name: str = "sub.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(build_app(), list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_validate_a_clean_file_exits_0(tmp_path: Path) -> None:
    code, out, err = _run("validate", str(_write(tmp_path, CLEAN)))
    assert code == 0
    assert "unit_converted" in out
    assert "Validation passed: 0 error(s), 1 warning(s), 1 info in 4 row(s)." in err


def test_validate_prints_each_problem_with_its_row_and_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, WITH_ERRORS)
    code, out, err = _run("validate", str(path), "--format", "csv")
    assert code == 1
    frame = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    errors = frame[frame["severity"] == "error"]
    assert errors[["reason", "row", "code"]].values.tolist() == [
        ["negative_count", "3", "households"],
        ["unknown_code", "4", "populaton"],
    ]
    assert set(errors["file"]) == {str(path)}
    assert err == ""


def test_validate_table_names_file_and_row(tmp_path: Path) -> None:
    path = _write(tmp_path, WITH_ERRORS)
    code, out, err = _run("validate", str(path))
    assert code == 1
    assert "sub.csv row 3" in out.replace("\n", " ") or "row 3" in out
    assert "negative_count" in out
    assert "Validation failed: 2 error(s)" in err


def test_validate_json_is_one_object_per_issue(tmp_path: Path) -> None:
    code, out, _ = _run("validate", str(_write(tmp_path, WITH_ERRORS)), "-f", "json")
    assert code == 1
    issues = json.loads(out)
    assert [i["reason"] for i in issues if i["severity"] == "error"] == [
        "negative_count",
        "unknown_code",
    ]
    assert issues[0]["message"] == (
        "The count 'households' is negative (-60000); a number of things cannot be below zero: "
        "correct the value."
    )


def test_validate_strict_fails_on_warnings(tmp_path: Path) -> None:
    path = _write(tmp_path, CLEAN)
    assert _run("validate", str(path))[0] == 0
    code, _, err = _run("validate", str(path), "--strict")
    assert code == 1
    assert "Validation failed: 1 error(s), 0 warning(s)" in err


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "File(s) not found: "),
        ("empty.csv", b"", "is empty; write a header row"),
        ("notes.txt", b"city,year\n", "has the extension '.txt', which citykpi cannot read"),
        ("garbage.csv", bytes(range(256)) * 8, "has neither the long layout"),
        ("garbage.xlsx", bytes(range(256)) * 8, "is not a readable XLSX workbook"),
        ("garbage.json", b"\x00\xff\xfe{[", "garbage.json"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "compute"])
def test_bad_input_files_exit_2_without_traceback(
    tmp_path: Path, command: str, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, out, err = _run(command, str(path))
    assert code == 2
    assert message in " ".join(err.split())
    assert "Traceback" not in out + err


def test_compute_writes_the_kpi_table_and_exits_0(tmp_path: Path) -> None:
    out_path = tmp_path / "kpis.csv"
    code, out, _ = _run("compute", str(_write(tmp_path, CLEAN)), "-o", str(out_path))
    assert code == 0
    assert "KPI data points: 2 computed, 0 reported, 110 not reported, 0 invalid." in out
    assert f"KPI table written to {out_path}." in " ".join(out.split())
    kpis = pd.read_csv(out_path)
    assert list(kpis.columns) == list(KPI_COLUMNS)
    assert len(kpis) == 112
    done = kpis[kpis["status"] == "computed"].set_index("data_point")
    assert done.loc["household_internet_access", ["code", "value", "unit", "quality"]].tolist() == [
        "EC: ICT: ICT: 1C",
        80.0,
        "percent",
        "extrapolated_from_survey",
    ]
    assert done.loc["air_pollution_no2", ["value", "unit"]].tolist() == [38.0, "ug/m**3"]


def test_compute_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    src = _write(tmp_path, CLEAN)
    out_path = tmp_path / "kpis.csv"
    out_path.write_text("keep me", encoding="utf-8")
    code, _, err = _run("compute", str(src), "-o", str(out_path))
    assert code == 2
    assert "already exists; choose another file or add --force" in " ".join(err.split())
    assert out_path.read_text(encoding="utf-8") == "keep me"
    assert not (tmp_path / "kpis.provenance.jsonl").exists()  # refused before anything ran
    assert _run("compute", str(src), "-o", str(out_path), "--force")[0] == 0
    assert out_path.read_text(encoding="utf-8").startswith("city,year,code,data_point,")


def test_compute_refuses_an_existing_provenance_file_too(tmp_path: Path) -> None:
    src = _write(tmp_path, CLEAN)
    side = tmp_path / "kpis.provenance.jsonl"
    side.write_text("mine\n", encoding="utf-8")
    code, _, err = _run("compute", str(src), "-o", str(tmp_path / "kpis.csv"))
    assert code == 2
    assert f"Output file {str(side)!r} already exists; choose another file or add --force" in (
        " ".join(err.split())
    )
    assert side.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "kpis.csv").exists()


def test_compute_writes_provenance_beside_the_kpi_table(tmp_path: Path) -> None:
    out_path = tmp_path / "kpis.csv"
    code, out, _ = _run("compute", str(_write(tmp_path, CLEAN)), "-o", str(out_path))
    assert code == 0
    side = tmp_path / "kpis.provenance.jsonl"
    assert f"Provenance of each row written to {side}." in " ".join(out.split())
    table = pd.read_csv(out_path, dtype=str, keep_default_na=False)
    assert table["provenance"].tolist()[:2] == [
        "kpis.provenance.jsonl:1",
        "kpis.provenance.jsonl:2",
    ]
    records = [json.loads(line) for line in side.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(table) == 112
    first = records[0]
    assert list(first) == ["city", "year", "data_point", "provenance"]
    assert (first["city"], first["year"], first["data_point"]) == (
        "Sample City",
        2024,
        "household_internet_access",
    )
    assert first["provenance"]["formula"] == "households_with_internet / households * 100"


def test_compute_json_to_a_file_nests_provenance(tmp_path: Path) -> None:
    out_path = tmp_path / "kpis.json"
    code, _, _ = _run("compute", str(_write(tmp_path, CLEAN)), "-o", str(out_path), "-f", "json")
    assert code == 0
    records = json.loads(out_path.read_text(encoding="utf-8"))
    assert records[0]["provenance"]["method"] == "computed"
    assert not (tmp_path / "kpis.provenance.jsonl").exists()
    assert _run("compute", str(_write(tmp_path, CLEAN)), "-o", str(out_path), "-f", "json")[0] == 2


def test_compute_with_errors_writes_what_it_can_and_exits_1(tmp_path: Path) -> None:
    out_path = tmp_path / "kpis.csv"
    code, _, err = _run("compute", str(_write(tmp_path, WITH_ERRORS)), "-o", str(out_path))
    assert code == 1
    assert "Validation found 2 error(s)" in err
    kpis = pd.read_csv(out_path, keep_default_na=False).set_index("data_point")
    row = kpis.loc["household_internet_access"]
    assert row["status"] == "invalid"
    assert row["reason"].startswith("Input with a validation error: 'households': The count")


def test_compute_json_to_stdout_nests_provenance(tmp_path: Path) -> None:
    code, out, err = _run("compute", str(_write(tmp_path, CLEAN)), "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 112
    first = records[0]
    assert list(first) == list(KPI_COLUMNS)
    assert (first["data_point"], first["value"], first["status"]) == (
        "household_internet_access",
        80.0,
        "computed",
    )
    assert first["provenance"]["formula"] == "households_with_internet / households * 100"
    assert [i["id"] for i in first["provenance"]["inputs"]] == [
        "households_with_internet",
        "households",
    ]
    assert "KPI data points: 2 computed" in err


def test_compute_csv_to_stdout(tmp_path: Path) -> None:
    code, out, _ = _run("compute", str(_write(tmp_path, CLEAN)))
    assert code == 0
    assert out.splitlines()[0] == ",".join(KPI_COLUMNS)
    assert len(out.splitlines()) == 113


@pytest.mark.slow
def test_demo_runs_the_pipeline_on_the_sample_cities(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo"
    code, out, _ = _run("demo", "--out", str(out_dir))
    assert code == 0
    text = " ".join(out.split())
    assert "Cities: 40; years: 2015-2024;" in text
    assert f"Outputs in {out_dir}/: raw.csv" in text
    issues = pd.read_csv(out_dir / "validation.csv", dtype=str, keep_default_na=False)
    known = pd.read_csv(out_dir / "sample" / "known_errors.csv", dtype=str)
    found = set(map(tuple, issues[["reason", "city", "year", "code"]].values.tolist()))
    expected = [tuple(k) for k in known[["reason", "city", "year", "code"]].values.tolist()]
    assert len(expected) == 8
    assert [k for k in expected if k not in found] == []
    kpis = pd.read_csv(out_dir / "kpis.csv")
    assert len(kpis) == 40 * 10 * 112
    # later stages: one city assessed, the index with rank intervals, the demo store
    assert "Weakest KPIs (each by its weakest data point):" in text
    assert "Suggested target:" in text
    ranks = pd.read_csv(out_dir / "index" / "rank_stats.csv")
    assert list(ranks.columns[:6]) == ["unit", "nominal", "mean", "median", "q5", "q95"]
    assert ((ranks["q5"] <= ranks["nominal"]) & (ranks["nominal"] <= ranks["q95"])).all()
    assert len(pd.read_csv(out_dir / "index" / "replications.csv")) == 500
    assert (out_dir / "citykpi-demo.db").is_file()
    assert text.count("verified values.") == 3
    # the sensor roll-up, the open data and the site, from what the store published
    obs = pd.read_csv(out_dir / "observations" / "pm25_inputs.csv")
    assert obs[["city", "year", "code"]].values.tolist() == [
        ["Aldmoorvale", 2024, "pm25_concentration"]
    ]
    assert 0 < float(obs.loc[0, "value"]) < 100
    package = json.loads((out_dir / "opendata" / "datapackage.json").read_text(encoding="utf-8"))
    published = pd.read_csv(out_dir / "opendata" / "values.csv", dtype=str)
    assert set(published["city"]) == {"Aldmoorvale", "Brassquill", "Cindermarch"}
    assert {r["name"] for r in package["resources"]} >= {"values", "cities"}
    assert (out_dir / "site" / "index.html").is_file()
    assert f"open {out_dir / 'site' / 'index.html'}" in text


def test_a_file_with_a_header_and_no_value_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("validate", str(_write(tmp_path, HEADER)))
    assert code == 2
    assert "No values found in " in err


def test_template_filled_in_then_validated_and_computed(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from citykpi.ingest import template_layout as layout

    template = tmp_path / "sample.xlsx"
    assert _run("template", "Sample City", "2024", "-o", str(template))[0] == 0
    book = load_workbook(template)
    filled: dict[str, str] = {}
    values = {"households": 60000, "households_with_internet": 48000}
    for ws in book.worksheets[1:]:
        if ws.title == layout.KPI_SHEET:
            continue
        for row in range(layout.HEADER_ROW + 1, ws.max_row + 1):
            code = ws.cell(row=row, column=layout.INPUT_CODE_COL).value
            if code in values:
                ws.cell(row=row, column=layout.VALUE_COL, value=values[str(code)])
                ws.cell(row=row, column=layout.QUALITY_COL, value="Personal estimate")
                filled[str(code)] = f"{ws.title}!F{row}"
    book.save(template)
    assert sorted(filled) == ["households", "households_with_internet"]
    assert _run("validate", str(template))[0] == 0
    out_path = tmp_path / "kpis.csv"
    assert _run("compute", str(template), "-o", str(out_path))[0] == 0
    # issue 8: the provenance is in kpis.provenance.jsonl; reading the table re-attaches it
    kpis = read_kpi_table(out_path).set_index("data_point")
    row = kpis.loc["household_internet_access"]
    assert (row["status"], row["value"], row["quality"]) == (
        "computed",
        80.0,
        "personal_estimate",
    )
    provenance = json.loads(row["provenance"])
    assert {i["id"]: i["row"] for i in provenance["inputs"]} == filled
