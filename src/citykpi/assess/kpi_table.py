"""Read the KPI long table written by ``citykpi compute`` for the assessment.

The table has the columns :data:`citykpi.model.KPI_COLUMNS`; the assessment needs ``city``,
``year``, ``code``, ``data_point`` and ``value`` (``status`` too when present: only computed
and reported values are assessed). Every problem names the file, row and column.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Final

import pandas as pd

from citykpi.assess.meta import MetaMap, catalogue_meta
from citykpi.errors import InputError

REQUIRED: Final = ("city", "year", "code", "data_point", "value")


def read_kpi_table(path: str | Path, *, meta: MetaMap | None = None) -> pd.DataFrame:
    """Read and check a KPI long table (CSV).

    Parameters
    ----------
    path
        The CSV written by ``citykpi compute``.
    meta
        Data point metadata used to check the ids; defaults to the bundled catalogue.

    Returns
    -------
    pandas.DataFrame
        The table with ``year`` as int and ``value`` as float (NaN when empty).

    Raises
    ------
    InputError
        If the file is missing, lacks a required column, or a row has a non-integer year, a
        non-numeric value, an unknown data point or a code that does not match it.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"KPI table {str(p)!r} does not exist; write it with 'citykpi compute'."
        raise InputError(msg)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        msg = (
            f"{p}: not a readable CSV file ({e}); pass the KPI table written by 'citykpi compute'."
        )
        raise InputError(msg) from e
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        msg = (
            f"{p}: the KPI table lacks the column(s) {', '.join(map(repr, missing))}; it needs "
            f"{', '.join(REQUIRED)} (as written by 'citykpi compute')."
        )
        raise InputError(msg)
    info = catalogue_meta(meta)
    years: list[int] = []
    values: list[float] = []
    codes: list[str] = []
    for i, row in enumerate(frame.to_dict(orient="records"), start=2):
        try:
            years.append(int(str(row["year"]).strip()))
        except ValueError as e:
            msg = f"{p}, row {i}, column 'year': {row['year']!r} is not a year; write e.g. 2024."
            raise InputError(msg) from e
        raw = str(row["value"]).strip()
        try:
            value = float(raw) if raw else math.nan
        except ValueError as e:
            msg = (
                f"{p}, row {i}, column 'value': {raw!r} is not a number; write a plain number "
                "(decimal point, no unit) or leave it empty."
            )
            raise InputError(msg) from e
        values.append(value)
        dp = str(row["data_point"]).strip()
        if dp not in info:
            msg = (
                f"{p}, row {i}, column 'data_point': unknown data point {dp!r}; use a catalogue "
                "id such as 'air_pollution_pm25' (see 'citykpi catalogue')."
            )
            raise InputError(msg)
        code = str(row["code"]).strip() or info[dp].code
        if code != info[dp].code:
            msg = (
                f"{p}, row {i}, column 'code': {code!r} does not match data point {dp!r}, which "
                f"belongs to {info[dp].code!r}; correct the code."
            )
            raise InputError(msg)
        codes.append(code)
    frame["year"] = years
    frame["value"] = pd.Series(values, index=frame.index, dtype=float)
    frame["code"] = codes
    frame["data_point"] = frame["data_point"].str.strip()
    frame["city"] = frame["city"].str.strip()
    return frame


__all__ = ["read_kpi_table"]
