"""Raw tables for the compute tests, written as (code, value[, unit]) triples per submission."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from citykpi.model import RAW_COLUMNS

Item = tuple[Any, ...]


def table(
    items: Sequence[Item],
    *,
    city: str = "Alpha",
    year: int = 2024,
    quality: str = "accurate_measurement",
    file: str = "sub.csv",
) -> pd.DataFrame:
    """Return a raw table; an item is ``(code, value)``, ``(code, value, unit)`` or
    ``(code, value, unit, kind, quality)``; a value of None is not reported."""
    rows = []
    for i, item in enumerate(items):
        code, value = item[0], item[1]
        unit = item[2] if len(item) > 2 else ""
        kind = item[3] if len(item) > 3 else "input"
        qual = item[4] if len(item) > 4 else quality
        rows.append(
            {
                "city": city,
                "year": year,
                "kind": kind,
                "code": code,
                "value": math.nan if value is None else float(value),
                "raw_value": "" if value is None else f"{value:g}",
                "unit": unit,
                "source": f"source of {code}",
                "quality": qual,
                "file": file,
                "row": i + 2,
            }
        )
    return pd.DataFrame(rows, columns=list(RAW_COLUMNS))
