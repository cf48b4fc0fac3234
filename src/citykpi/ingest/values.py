"""Turn cells as written into the typed fields of the raw table.

Modelling choices:

* ``raw_value`` keeps the text exactly as written; ``value`` is a finite float or NaN. Text
  numbers use a dot as decimal separator; anything else (``"12,5"``, ``"n/a"``, ``"inf"``) is
  NaN and left for validation to report as non-numeric, with the raw text in its message.
* ``yes``/``no``/``true``/``false`` (any case) are 1.0 and 0.0, for the yes/no data points.
* Data quality accepts the six U4SSC drop-down labels and the :class:`~citykpi.model.DataQuality`
  values, case-insensitively; an unrecognised quality is kept exactly as written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import lru_cache
from typing import Final

from citykpi.model import DataQuality

#: A cell value as a reader receives it (CSV text, JSON scalar, or an openpyxl cell value).
CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None

#: Largest number read as a year (four digits, as a year is written).
MAX_YEAR_NUMBER: Final = 9999
#: Longest text read as a number: longer digit strings are no measurement, and parsing them
#: is slow (a float has 17 significant digits).
MAX_NUMBER_TEXT: Final = 400

_BOOLEANS: Final[dict[str, float]] = {"yes": 1.0, "true": 1.0, "no": 0.0, "false": 0.0}
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_QUALITY_KEY: Final = re.compile(r"[\s_\-]+")


def _quality_key(text: str) -> str:
    return _QUALITY_KEY.sub(" ", text.strip().lower())


_QUALITIES: Final[dict[str, str]] = {
    **{_quality_key(q.value): q.value for q in DataQuality},
    **{_quality_key(q.label): q.value for q in DataQuality},
}


def raw_text(value: CellValue) -> str:
    """Return a cell value as the text a user wrote or a spreadsheet shows.

    Numbers keep their shortest exact form (``0.1`` -> ``"0.1"``, ``12`` -> ``"12"``), booleans
    read ``"TRUE"``/``"FALSE"`` as in a spreadsheet, and an empty cell is ``""``.
    """
    if type(value) is str:  # the common case (every CSV cell), first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def parse_value(value: CellValue) -> float:
    """Return the numeric value of a cell: a finite float, 1.0/0.0 for yes/no, else NaN.

    Parameters
    ----------
    value
        The cell as read (text from CSV, a JSON scalar or an openpyxl value).

    Returns
    -------
    float
        The value; NaN when the cell is empty or not a number.
    """
    if value is None:
        return math.nan
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int of hundreds of digits (JSON) is no float
            return math.nan
        return number if math.isfinite(number) else math.nan
    if not isinstance(value, str):
        return math.nan
    text = value.strip()
    if text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    if len(text) > MAX_NUMBER_TEXT or _NUMBER.fullmatch(text) is None:
        return math.nan
    number = float(text)
    return number if math.isfinite(number) else math.nan


@lru_cache(maxsize=1024)
def normalise_quality(text: str) -> str:
    """Return the :class:`~citykpi.model.DataQuality` value named by ``text``.

    Parameters
    ----------
    text
        A U4SSC drop-down label (``"Personal estimate"``) or an enum value
        (``"personal_estimate"``), in any case.

    Returns
    -------
    str
        The enum value; ``""`` for a blank text; ``text`` unchanged when it names no quality.
    """
    if not text.strip():
        return ""
    return _QUALITIES.get(_quality_key(text), text)


@lru_cache(maxsize=1024)
def parse_year(value: CellValue) -> int | None:
    """Return a reporting year written as ``2024``, ``"2024"`` or ``2024.0``; else ``None``.

    A year has at most four digits however it is written (``1e277`` or a 30-digit number is
    not a year), so that it always fits the table's 64-bit ``year`` column; whether it is a
    plausible reporting year is for validation to say.
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_YEAR_NUMBER else None
    if isinstance(value, float):
        ok = value.is_integer() and 0 <= value <= MAX_YEAR_NUMBER
        return int(value) if ok else None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{1,4}(\.0*)?", text):
            return int(float(text))
    return None


__all__ = ["CellValue", "normalise_quality", "parse_value", "parse_year", "raw_text"]
