"""Builders of raw rows for the validation tests (imported by the tests of this folder)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from citykpi.model import RAW_COLUMNS

CATALOGUE_DIR = Path(__file__).parent / "data" / "catalogue"

Row = dict[str, Any]


def _text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def raw(
    code: str,
    value: float | None,
    *,
    unit: str = "",
    kind: str = "input",
    city: str = "Alpha",
    year: float = 2024,
    raw_value: str | None = None,
    quality: str = "accurate_measurement",
    source: str = "City statistics office",
    file: str = "sub.csv",
    row: int | str = 2,
) -> Row:
    """Return one raw row as the readers would produce it."""
    return {
        "city": city,
        "year": year,
        "kind": kind,
        "code": code,
        "value": math.nan if value is None else float(value),
        "raw_value": raw_value if raw_value is not None else _text(value),
        "unit": unit,
        "source": source,
        "quality": quality,
        "file": file,
        "row": row,
    }


def frame_of(rows: Sequence[Row]) -> pd.DataFrame:
    """Return the raw table of ``rows``, numbering rows 2, 3, ... where not given."""
    numbered = [{**r, "row": r["row"] if r["row"] != 2 else i + 2} for i, r in enumerate(rows)]
    return pd.DataFrame(numbered, columns=list(RAW_COLUMNS))
