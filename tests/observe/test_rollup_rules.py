"""Roll-up rules on small hand-made series (DuckDB): each expected value computed by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from citykpi.errors import InputError
from citykpi.observe.readers import read_json_observations
from citykpi.observe.rollup import calendar, rollup
from citykpi.observe.spec import load_spec, parse_spec


def _write(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


def test_an_hour_needs_45_minutes_of_quarter_hour_readings(tmp_path: Path) -> None:
    # Hour 0 has three 15-minute readings (45 min: valid), hour 1 two (30 min: invalid).
    times = ["00:00", "00:15", "00:30", "01:00", "01:15"]
    frame = pd.DataFrame(
        {
            "station": "A",
            "property": "PM10",
            "time": [f"2023-03-01T{t}:00Z" for t in times],
            "value": [10.0, 20.0, 30.0, 100.0, 100.0],
            "unit": "ug/m3",
        }
    )
    spec = load_spec("pm10_annual_mean").model_copy(update={"sampling_minutes": 15.0})
    result = rollup(spec, [_write(frame, tmp_path / "o.csv")], city="X")
    cov = result.coverage.set_index("step")
    assert cov.loc["1:mean per hour", "present"] == 5
    assert cov.loc["2:mean per year", "present"] == 2  # two hours with readings
    assert cov.loc["2:mean per year", "valid"] == 1  # only the 45-minute hour
    assert cov.loc["2:mean per year", "value"] == pytest.approx(20.0)


def test_ppb_converts_with_the_published_factor(
    tmp_path: Path, hourly: Callable[..., pd.DataFrame]
) -> None:
    n = 8760
    frame = hourly("A", np.full(n, 10.0), np.ones(n, dtype=bool), unit="ppb", prop="NO2")
    result = rollup(load_spec("no2_annual_mean"), [_write(frame, tmp_path / "o.csv")])
    assert result.inputs["value"].iloc[0] == pytest.approx(19.0)  # 10 ppb x 1.9


def test_flagged_readings_are_present_but_not_valid(
    tmp_path: Path, hourly: Callable[..., pd.DataFrame]
) -> None:
    n = 8760
    frame = hourly("A", np.full(n, 10.0), np.ones(n, dtype=bool))
    frame["quality"] = np.where(np.arange(n) < 1000, "invalid", "ok")
    frame.loc[:999, "value"] = 1000.0
    result = rollup(load_spec("pm25_annual_mean"), [_write(frame, tmp_path / "o.csv")])
    final = result.coverage.iloc[-1]
    assert (final["present"], final["valid"]) == (8760, 7760)
    assert final["passed"] == "no"  # 88.6 % < 90 %


def test_meter_deltas_span_new_year_and_refuse_resets(tmp_path: Path) -> None:
    times = [
        "2023-12-31T23:45:00Z",
        "2024-01-01T00:00:00Z",
        "2024-06-01T00:00:00Z",
        "2024-06-01T00:15:00Z",
        "2024-12-31T23:45:00Z",
        "2025-01-01T00:00:00Z",
    ]
    frame = pd.DataFrame(
        {
            "station": "M1",
            "property": "electricity",
            "time": times,
            "value": [100.0, 101.5, 900.0, 5.0, 25.0, 30.0],  # reset between 06-01 readings
            "unit": "kWh",
            "city": "X",
        }
    )
    spec = load_spec("electricity_consumption_meters")
    result = rollup(spec, [_write(frame, tmp_path / "o.csv")], years=(2024,))
    final = result.coverage.iloc[-1]
    # 2024 deltas: 1.5 (spans New Year), 798.5, reset (invalid), 20.0
    assert final["value"] == pytest.approx(1.5 + 798.5 + 20.0)
    assert (final["present"], final["valid"]) == (4, 3)
    assert final["expected"] == 366 * 24 * 4
    assert result.inputs["raw_value"].iloc[0] == "not reported"  # far below 90 % of readings


def test_ozone_needs_75_percent_in_each_season(
    tmp_path: Path, hourly: Callable[..., pd.DataFrame]
) -> None:
    n = 8760
    hours = pd.date_range("2023-01-01", periods=n, freq="h")
    keep = np.ones(n, dtype=bool)
    summer = (hours.month >= 4) & (hours.month <= 9)
    keep[np.flatnonzero(summer)[: int(summer.sum() * 0.3)]] = False  # summer at 70 %
    frame = hourly("A", np.full(n, 50.0), keep, prop="O3")
    result = rollup(load_spec("o3_annual_mean"), [_write(frame, tmp_path / "o.csv")])
    rows = result.coverage.set_index("period")
    assert rows.loc["summer", "passed"] == "no"
    assert rows.loc["winter", "passed"] == "yes"
    assert rows.loc["year"].iloc[-1]["share"] > 0.75  # the year as a whole would pass
    assert result.inputs["raw_value"].iloc[0] == "not reported"


def test_local_year_of_a_zone_with_daylight_saving() -> None:
    oslo = calendar(2024, "Europe/Oslo")
    assert oslo["minutes"] == 8784 * 60
    assert oslo["hour"] == 8783  # the repeated October hour is one wall-clock hour
    assert oslo["day"] == 366
    assert calendar(2023, "UTC")["hour"] == 8760


def test_population_weights_weight_the_mean(
    tmp_path: Path, hourly: Callable[..., pd.DataFrame]
) -> None:
    n = 8760
    every = np.ones(n, dtype=bool)
    frame = pd.concat([hourly("A", np.full(n, 10.0), every), hourly("B", np.full(n, 40.0), every)])
    weights = pd.DataFrame({"station": ["A", "B"], "weight": ["300000", "100000"]})
    result = rollup(
        load_spec("pm25_annual_mean"), [_write(frame, tmp_path / "o.csv")], stations=weights
    )
    assert result.inputs["value"].iloc[0] == pytest.approx((10 * 3 + 40) / 4)


def test_spec_errors_name_every_field(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        parse_spec(
            {
                "id": "Bad Id",
                "title": "t",
                "input": "pm25_concentration",
                "properties": [],
                "unit": "ug/m3",
                "steps": [{"period": "week"}],
            },
            file="bad.yaml",
        )
    text = str(e.value)
    assert text.startswith("bad.yaml is not a valid roll-up spec")
    assert "id:" in text
    assert "properties:" in text
    assert "steps.0.period:" in text
    with pytest.raises(InputError, match="may not be empty or hold quotes"):
        parse_spec(
            {
                "id": "x",
                "title": "t",
                "input": "pm25_concentration",
                "properties": ["a'; DROP"],
                "unit": "ug/m3",
                "steps": [{"period": "year"}],
            },
            file="x.yaml",
        )
    with pytest.raises(InputError, match="'nope' is not a raw input"):
        parse_spec(
            {
                "id": "x",
                "title": "t",
                "input": "nope",
                "properties": ["a"],
                "unit": "ug/m3",
                "steps": [{"period": "year"}],
            },
            file="x.yaml",
        )


def test_sensorthings_and_ngsi_ld_read_into_the_same_rows(tmp_path: Path) -> None:
    sta = {
        "value": [
            {
                "@iot.id": 1,
                "phenomenonTime": "2023-01-01T00:00:00Z",
                "result": 12.5,
                "Datastream": {
                    "name": "A-pm25",
                    "unitOfMeasurement": {"symbol": "µg/m³"},
                    "ObservedProperty": {"name": "PM2.5"},
                    "Thing": {"name": "A"},
                },
            }
        ]
    }
    ngsi = [
        {
            "id": "urn:ngsi-ld:AirQualityObserved:A",
            "type": "AirQualityObserved",
            "pm25": [
                {
                    "type": "Property",
                    "value": 12.5,
                    "observedAt": "2023-01-01T00:00:00Z",
                    "unitCode": "GQ",
                }
            ],
        }
    ]
    (tmp_path / "sta.json").write_text(json.dumps(sta), encoding="utf-8")
    (tmp_path / "ngsi.json").write_text(json.dumps(ngsi), encoding="utf-8")
    a = read_json_observations(tmp_path / "sta.json")
    b = read_json_observations(tmp_path / "ngsi.json")
    assert a[["station", "property", "time", "value", "unit"]].to_dict("records") == [
        {
            "station": "A",
            "property": "PM2.5",
            "time": "2023-01-01T00:00:00Z",
            "value": 12.5,
            "unit": "µg/m³",
        }
    ]
    assert b[["property", "time", "value", "unit"]].to_dict("records") == [
        {"property": "pm25", "time": "2023-01-01T00:00:00Z", "value": 12.5, "unit": "ug/m**3"}
    ]
    result = rollup(
        load_spec("pm25_annual_mean"), [tmp_path / "sta.json", tmp_path / "ngsi.json"], city="X"
    )
    assert len(result.coverage) == 4  # two stations, two steps
    assert set(result.coverage["value"].dropna()) == {12.5}


def test_synthetic_observations_are_deterministic_and_have_their_defects() -> None:
    from citykpi.observe.synthetic import synthetic_observations

    a = synthetic_observations(seed=3)
    pd.testing.assert_frame_equal(a, synthetic_observations(seed=3))
    assert not a.equals(synthetic_observations(seed=4))
    assert set(a["unit"]) == {"ug/m3", "mg/m3"}
    counts = a.groupby("station").size()
    assert counts["S02"] < 0.82 * 8784 < counts["S01"]
