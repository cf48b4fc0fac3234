"""The city profile table on disk (``cities.csv`` of the sample, ``--cities`` of the commands).

The table's columns and types are declared once in :data:`citykpi.tables.PROFILE`; reading a
file here only adds the file name to the messages.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from citykpi.errors import InputError
from citykpi.tables import CityProfile, profile_frame, profiles_from_frame


def _read(path: str | Path) -> tuple[pd.DataFrame, Path]:
    p = Path(path)
    if not p.is_file():
        msg = f"City profile file {str(p)!r} does not exist; check the path given to --cities."
        raise InputError(msg)
    try:
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        msg = f"{p}: not a readable CSV file ({e}); pass a city profile table (CSV)."
        raise InputError(msg) from e
    frame.columns = [c.strip().lower() for c in frame.columns]
    return frame, p


def read_profiles(path: str | Path) -> pd.DataFrame:
    """Read a city profile table (CSV), typed, with ``population_class`` filled in.

    Parameters
    ----------
    path
        CSV with a ``city`` (or ``name``) column and any profile fields; ``population`` is
        needed for ``population_class``.

    Returns
    -------
    pandas.DataFrame
        One row per city, the city name in column ``city``
        (:func:`citykpi.tables.profile_frame`).

    Raises
    ------
    InputError
        If the file is missing or unreadable, lacks a city column or has a bad cell (such as a
        non-numeric population); the message names the file, row and column.
    """
    frame, p = _read(path)
    return profile_frame(frame, file=str(p))


def read_city_profiles(path: str | Path) -> tuple[CityProfile, ...]:
    """Read a city profile table (CSV) as one :class:`~citykpi.tables.CityProfile` per row.

    Raises
    ------
    InputError
        As :func:`read_profiles`.
    """
    frame, p = _read(path)
    return profiles_from_frame(frame, file=str(p))


__all__ = ["read_city_profiles", "read_profiles"]
