"""The Spark engine writes what DuckDB writes (local[2], one session for the module)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from citykpi.observe.rollup import rollup
from citykpi.observe.spec import load_spec
from citykpi.observe.synthetic import synthetic_observations

pytestmark = pytest.mark.slow  # a JVM starts once for the module (about 10 s)


def test_cli_with_spark_writes_the_same_values(
    three_stations: tuple[Path, pd.DataFrame],
    tmp_path: Path,
    invoke: Callable[..., tuple[int, str]],
) -> None:
    path, _ = three_stations
    files = {}
    for engine in ("duckdb", "spark"):
        out, cov = tmp_path / f"{engine}.csv", tmp_path / f"{engine}-cov.csv"
        code, output = invoke(
            "observations",
            "rollup",
            "pm25_annual_mean",
            str(path),
            "-o",
            str(out),
            "--coverage",
            str(cov),
            "--engine",
            engine,
        )
        assert code == 0, output
        files[engine] = (pd.read_csv(out), pd.read_csv(cov))
    (a, ca), (b, cb) = files["duckdb"], files["spark"]
    assert np.allclose(a["value"], b["value"], rtol=0, atol=1e-9)
    pd.testing.assert_frame_equal(a.drop(columns="value"), b.drop(columns="value"))
    pd.testing.assert_frame_equal(ca, cb, check_exact=False, atol=1e-9, rtol=0)


@pytest.mark.parametrize(
    "spec_id", ["pm25_annual_mean", "o3_annual_mean", "electricity_consumption_meters"]
)
def test_engines_agree_on_every_kind_of_spec(tmp_path: Path, spec_id: str) -> None:
    spec = load_spec(spec_id)
    prop = spec.properties[0]
    frame = synthetic_observations(seed=5, stations=3, prop=prop)
    if spec.measure == "cumulative":  # turn readings into a register
        frame["unit"] = "kWh"
        frame["value"] = frame.groupby("station")["value"].cumsum()
    path = tmp_path / "obs.parquet"
    frame.to_parquet(path, index=False)
    zoned = spec.model_copy(update={"timezone": "Europe/Oslo"})
    a = rollup(zoned, [path], engine="duckdb")
    b = rollup(zoned, [path], engine="spark")
    assert len(a.coverage) > 0
    pd.testing.assert_frame_equal(a.coverage, b.coverage, check_exact=False, atol=1e-9, rtol=0)
    # raw_value is the value's text: equal to 1e-9 as the value is, not digit for digit
    pd.testing.assert_frame_equal(
        a.inputs.drop(columns="raw_value"),
        b.inputs.drop(columns="raw_value"),
        check_exact=False,
        atol=1e-9,
        rtol=0,
    )
