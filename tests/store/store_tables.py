"""Hand-made raw and KPI tables for the store tests (no catalogue needed)."""

from __future__ import annotations

import math

import pandas as pd

from citykpi.model import KPI_COLUMNS, RAW_COLUMNS


def raw_table(
    city: str, year: int, values: dict[str, float], *, file: str = "raw.csv"
) -> pd.DataFrame:
    """Return a raw table with one input row per ``values`` item."""
    rows = [
        {
            "city": city,
            "year": year,
            "kind": "input",
            "code": code,
            "value": value,
            "raw_value": f"{value:g}",
            "unit": "",  # the catalogue unit
            "source": "statistics office",
            "quality": "accurate_measurement",
            "file": file,
            "row": i + 2,
        }
        for i, (code, value) in enumerate(values.items())
    ]
    return pd.DataFrame(rows, columns=list(RAW_COLUMNS))


def kpi_table(
    city: str, year: int, values: dict[tuple[str, str], float | None], *, unit: str = "%"
) -> pd.DataFrame:
    """Return a KPI table: ``(kpi code, data point) -> value`` (``None``: not reported)."""
    rows = [
        {
            "city": city,
            "year": year,
            "code": code,
            "data_point": dp,
            "value": math.nan if value is None else value,
            "unit": unit,
            "status": "not_reported" if value is None else "computed",
            "reason": "missing inputs" if value is None else "",
            "provenance": "{}",
            "quality": "",
        }
        for (code, dp), value in values.items()
    ]
    return pd.DataFrame(rows, columns=list(KPI_COLUMNS))
