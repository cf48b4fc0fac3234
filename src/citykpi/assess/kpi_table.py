"""Read the KPI long table written by ``citykpi compute`` for the assessment.

The table has the columns :data:`citykpi.model.KPI_COLUMNS`; the assessment needs ``city``,
``year``, ``code``, ``data_point`` and ``value`` (``status`` too when present: only computed
and reported values are assessed). Every problem names the file, row and column.
"""

from __future__ import annotations

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
    frame["city"] = frame["city"].str.strip()
    frame["data_point"] = frame["data_point"].str.strip()
    frame["code"] = frame["code"].str.strip()
    year_text = frame["year"].str.strip()
    years = pd.to_numeric(year_text, errors="coerce")
    bad = years.isna() | (years != years.round())
    if bad.any():
        i = int(bad.to_numpy().argmax())
        msg = (
            f"{p}, row {i + 2}, column 'year': {frame['year'].iloc[i]!r} is not a year; "
            "write e.g. 2024."
        )
        raise InputError(msg)
    value_text = frame["value"].str.strip()
    values = pd.to_numeric(value_text, errors="coerce")
    bad = values.isna() & (value_text != "") & ~value_text.str.lower().isin({"nan", "na", "n/a"})
    if bad.any():
        i = int(bad.to_numpy().argmax())
        msg = (
            f"{p}, row {i + 2}, column 'value': {value_text.iloc[i]!r} is not a number; write a "
            "plain number (decimal point, no unit) or leave it empty."
        )
        raise InputError(msg)
    unknown = ~frame["data_point"].isin(set(info))
    if unknown.any():
        i = int(unknown.to_numpy().argmax())
        msg = (
            f"{p}, row {i + 2}, column 'data_point': unknown data point "
            f"{frame['data_point'].iloc[i]!r}; use a catalogue id such as 'air_pollution_pm25' "
            "(see 'citykpi catalogue')."
        )
        raise InputError(msg)
    expected = frame["data_point"].map({dp: m.code for dp, m in info.items()})
    codes = frame["code"].where(frame["code"] != "", expected)
    wrong = codes != expected
    if wrong.any():
        i = int(wrong.to_numpy().argmax())
        dp = frame["data_point"].iloc[i]
        msg = (
            f"{p}, row {i + 2}, column 'code': {codes.iloc[i]!r} does not match data point "
            f"{dp!r}, which belongs to {expected.iloc[i]!r}; correct the code."
        )
        raise InputError(msg)
    frame["year"] = years.astype(int)
    frame["value"] = values.astype(float)
    frame["code"] = codes
    return frame


__all__ = ["read_kpi_table"]
