"""The checked interface: hourly PM2.5 of three stations, one with 80 % of its hours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

Invoke = Callable[..., tuple[int, str]]


def _expected_mean(frame: pd.DataFrame, valid: list[str]) -> float:
    means = frame[frame["station"].isin(valid)].groupby("station")["value"].mean()
    return float(means.mean())


def test_rollup_writes_mean_of_valid_stations_and_names_the_excluded_one(
    three_stations: tuple[Path, pd.DataFrame], tmp_path: Path, invoke: Invoke
) -> None:
    path, frame = three_stations
    out, cov = tmp_path / "inputs.csv", tmp_path / "coverage.csv"
    code, output = invoke(
        "observations",
        "rollup",
        "pm25_annual_mean",
        str(path),
        "-o",
        str(out),
        "--coverage",
        str(cov),
    )
    assert code == 0, output
    inputs = pd.read_csv(out)
    assert inputs[["city", "year", "kind", "code", "unit", "quality"]].to_dict("records") == [
        {
            "city": "Testville",
            "year": 2023,
            "kind": "input",
            "code": "pm25_concentration",
            "unit": "ug/m**3",
            "quality": "accurate_measurement",
        }
    ]
    assert inputs["value"].iloc[0] == pytest.approx(_expected_mean(frame, ["A", "B"]), abs=1e-9)
    assert "excluded: C (80.0 %)" in inputs["source"].iloc[0]
    coverage = pd.read_csv(cov)
    final = coverage[coverage["step"].str.endswith("per year")].set_index("station")
    assert final.loc["C", "passed"] == "no"
    assert final.loc["C", "share"] == pytest.approx(0.8, abs=1e-4)
    assert final.loc["C", "expected"] == 8760
    assert final.loc["A", "passed"] == "yes"
    assert final.loc["A", "valid"] == 8760
    assert final.loc["B", "passed"] == "yes"


def test_rollup_output_is_read_by_compute(
    three_stations: tuple[Path, pd.DataFrame], tmp_path: Path, invoke: Invoke
) -> None:
    path, frame = three_stations
    out = tmp_path / "inputs.csv"
    assert invoke("observations", "rollup", "pm25_annual_mean", str(path), "-o", str(out))[0] == 0
    kpis = tmp_path / "kpis.csv"
    code, output = invoke("compute", str(out), "-o", str(kpis))
    assert code == 0, output
    table = pd.read_csv(kpis)
    row = table[table["data_point"] == "air_pollution_pm25"].iloc[0]
    assert row["status"] == "computed"
    assert row["value"] == pytest.approx(_expected_mean(frame, ["A", "B"]), abs=1e-9)


def test_no_valid_station_is_not_reported_with_the_failing_coverage(
    tmp_path: Path, invoke: Invoke, hourly: Callable[..., pd.DataFrame]
) -> None:
    keep = np.arange(8760) < 8000  # 91.3 % of the hours: fails a 95 % rule
    path = tmp_path / "obs.csv"
    hourly("A", np.full(8760, 10.0), keep).to_csv(path, index=False)
    spec = tmp_path / "strict.yaml"
    spec.write_text(
        "id: strict\ntitle: t\ninput: pm25_concentration\nproperties: [PM2.5]\n"
        "unit: ug/m**3\nsteps:\n  - {period: hour, valid_if: {min_minutes: 45}}\n"
        "  - {period: year, valid_if: {min_share: 0.95}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "inputs.csv"
    assert invoke("observations", "rollup", str(spec), str(path), "-o", str(out))[0] == 0
    row = pd.read_csv(out, keep_default_na=False).iloc[0]
    assert row["value"] == "not reported"
    assert row["quality"] == ""
    assert "A (91.3 %)" in row["source"]
    assert "not reported" in row["source"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "station,time,value\nA,2023-01-01T00:00:00Z,1\n",
            "lacks the column(s) 'property', 'unit'",
        ),
        (
            "station,property,time,value,unit\nA,PM2.5,2023-01-01T00:00:00Z,1,bananas\n",
            "unknown unit 'bananas'",
        ),
        ("station,property,time,value,unit\nA,PM2.5,yesterday,1,ug/m3\n", "not ISO 8601"),
        (
            "station,property,time,value,unit\nA,PM2.5,2023-01-01T00:00:00Z,1,kWh\n",
            "Cannot convert",
        ),
    ],
)
def test_bad_observations_are_located_usage_errors(
    tmp_path: Path, content: str, message: str, invoke: Invoke
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    code, output = invoke(
        "observations",
        "rollup",
        "pm25_annual_mean",
        str(path),
        "-o",
        str(tmp_path / "o.csv"),
        "--city",
        "X",
    )
    assert code == 2
    assert message in " ".join(output.split())
    assert "Traceback" not in output


def test_existing_output_is_refused_without_force(
    three_stations: tuple[Path, pd.DataFrame], tmp_path: Path, invoke: Invoke
) -> None:
    path, _ = three_stations
    out = tmp_path / "inputs.csv"
    out.write_text("keep me", encoding="utf-8")
    code, output = invoke("observations", "rollup", "pm25_annual_mean", str(path), "-o", str(out))
    assert code == 2
    assert "--force" in output
    assert out.read_text(encoding="utf-8") == "keep me"


def test_specs_lists_the_shipped_specs(invoke: Invoke) -> None:
    code, output = invoke("observations", "specs", "--format", "csv")
    assert code == 0
    ids = [line.split(",")[0] for line in output.splitlines()[1:]]
    assert {"pm25_annual_mean", "o3_annual_mean", "electricity_consumption_meters"} <= set(ids)
