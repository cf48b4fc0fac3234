"""Synthetic hourly observations for the demo, the tests and the benchmark, deterministic by seed.

Each station has a seasonal and daily cycle with noise, scattered missing hours, one outage of
several days, and a few readings flagged ``invalid``. Station 2 (when there are at least three)
loses 20 % of its hours, so it fails the 90 % capture rule; the last station changes
instrument on 1 July, reporting in ``mg/m3`` on a second datastream, so the unit layer must
convert it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from citykpi.observe.rollup import RollupResult, rollup
from citykpi.observe.spec import load_spec

#: Share of hours a station below the capture threshold keeps.
LOW_CAPTURE: Final = 0.80


def synthetic_observations(
    *,
    seed: int = 15,
    stations: int = 4,
    year: int = 2024,
    city: str = "Aldmoorvale",
    prop: str = "PM2.5",
    level: float = 12.0,
    gaps: float = 0.02,
) -> pd.DataFrame:
    """Return a tidy observation table of hourly readings (see the module docstring).

    Parameters
    ----------
    seed
        Seed of the random generator; the same seed gives the same table.
    stations
        Number of stations, named ``S01``, ``S02``...
    year
        Calendar year (UTC) of the readings.
    city, prop
        City and observed property written in every row.
    level
        Mean concentration of the series, ug/m3.
    gaps
        Share of hours missing at random at every station.
    """
    rng = np.random.default_rng(seed)
    hours = pd.date_range(
        f"{year}-01-01", f"{year + 1}-01-01", freq="h", inclusive="left", tz="UTC"
    )
    n = len(hours)
    doy = hours.day_of_year.to_numpy()
    hod = hours.hour.to_numpy()
    cycle = (
        1 + 0.3 * np.cos(2 * np.pi * (doy - 15) / 366) + 0.2 * np.sin(2 * np.pi * (hod - 8) / 24)
    )
    frames = []
    for s in range(stations):
        name = f"S{s + 1:02d}"
        values = level * (0.8 + 0.4 * rng.random()) * cycle + rng.normal(0, 1.5, n)
        values = np.round(np.clip(values, 0.1, None), 3).astype(np.float64)
        keep = rng.random(n) >= gaps
        start = int(rng.integers(0, n - 24 * 5))
        keep[start : start + 24 * int(rng.integers(2, 6))] = False  # an outage of 2-5 days
        if stations >= 3 and s == 1:
            keep &= rng.random(n) < LOW_CAPTURE / (1 - gaps)
        quality = np.where(rng.random(n) < 0.002, "invalid", "ok")
        unit = np.full(n, "ug/m3", dtype=object)
        stream = np.full(n, f"{name}-{prop}", dtype=object)
        if stations >= 2 and s == stations - 1:
            later = hours >= pd.Timestamp(f"{year}-07-01", tz="UTC")
            unit[later] = "mg/m3"
            stream[later] = f"{name}-{prop}-v2"
            values = np.where(later, values / 1000.0, values).astype(np.float64)
        frames.append(
            pd.DataFrame(
                {
                    "station": name,
                    "datastream": stream[keep],
                    "property": prop,
                    "time": hours[keep].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "value": values[keep],
                    "unit": unit[keep],
                    "quality": quality[keep],
                    "city": city,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def demo_air_quality(
    city: str, year: int, *, seed: int = 15, engine: str = "duckdb"
) -> RollupResult:
    """Roll up one synthetic PM2.5 year of ``city`` into its ``pm25_concentration`` input.

    The lead's demo writes ``result.inputs_file()`` and ``result.coverage`` through
    :mod:`citykpi.io`; the observations live only in a temporary folder.
    """
    frame = synthetic_observations(seed=seed, year=year, city=city)
    with tempfile.TemporaryDirectory(prefix="citykpi-demo-obs-") as tmp:
        path = Path(tmp) / "pm25.parquet"
        frame.to_parquet(path, index=False)
        return rollup(load_spec("pm25_annual_mean"), [path], engine=engine, years=(year,))


__all__ = ["LOW_CAPTURE", "demo_air_quality", "synthetic_observations"]
