"""Fixtures of the observation tests: small hourly tables written to tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from citykpi.cli.main import build_app

YEAR = 2023  # 8760 hours


def hourly(
    station: str,
    values: np.ndarray,
    keep: np.ndarray,
    *,
    unit: str = "ug/m3",
    prop: str = "PM2.5",
    city: str = "Testville",
) -> pd.DataFrame:
    """Return tidy hourly rows of one station for the hours ``keep`` selects."""
    hours = pd.date_range(
        f"{YEAR}-01-01", f"{YEAR + 1}-01-01", freq="h", inclusive="left", tz="UTC"
    )
    return pd.DataFrame(
        {
            "station": station,
            "property": prop,
            "time": hours[keep].strftime("%Y-%m-%dT%H:%M:%SZ"),
            "value": values[keep],
            "unit": unit,
            "city": city,
        }
    )


@pytest.fixture
def three_stations(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """Return an observation CSV of three stations (C keeps 80 % of its hours) and its frame."""
    rng = np.random.default_rng(7)
    n = 8760
    a = hourly("A", rng.uniform(5, 15, n), np.ones(n, dtype=bool))
    b_keep = rng.random(n) < 0.95
    b = hourly("B", rng.uniform(15, 25, n), b_keep)
    c_keep = np.zeros(n, dtype=bool)
    c_keep[: int(n * 0.8)] = True
    c = hourly("C", rng.uniform(30, 40, n), c_keep)
    frame = pd.concat([a, b, c], ignore_index=True)
    path = tmp_path / "obs.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(build_app(), list(args))
    return result.exit_code, result.output


Invoke = Callable[..., tuple[int, str]]
Hourly = Callable[..., pd.DataFrame]


@pytest.fixture
def invoke() -> Invoke:
    """Return a function running the CLI: ``invoke(*args) -> (exit code, output)``."""
    return _invoke


@pytest.fixture(name="hourly")
def hourly_fixture() -> Hourly:
    """Return :func:`hourly`."""
    return hourly
