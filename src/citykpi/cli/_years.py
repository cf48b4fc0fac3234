"""The one parser of every reporting-year argument and option of the CLI.

A year reaches SQL queries and 64-bit columns, so ``2024000000000000000000`` or ``1e20`` must
stop at the command line with a usage error (exit 2) that says what a year is, not overflow
deep inside the database driver. The range is the template's: 1900 to 2100. Pass
``parser=parse_year`` to every year ``typer.Argument`` and ``typer.Option``.
"""

from __future__ import annotations

import re
from typing import Final

import typer

#: Earliest and latest year a command accepts (as ``citykpi template`` does).
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100
_DIGITS: Final = re.compile(r"[+-]?[0-9]{1,6}")


def parse_year(value: str | int) -> int:
    """Return ``value`` as a reporting year from :data:`MIN_YEAR` to :data:`MAX_YEAR`.

    Raises
    ------
    typer.BadParameter
        With the value and the range, when it is not such a year (a usage error: exit 2).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        year = value
    else:
        text = str(value).strip()
        if _DIGITS.fullmatch(text) is None:
            shown = text if len(text) <= 30 else text[:30] + "..."
            msg = (
                f"{shown!r} is not a year; give the year as four digits, from {MIN_YEAR} to "
                f"{MAX_YEAR}, e.g. 2024."
            )
            raise typer.BadParameter(msg)
        year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        msg = f"{year} is not a year from {MIN_YEAR} to {MAX_YEAR}; give e.g. 2024."
        raise typer.BadParameter(msg)
    return year


__all__ = ["MAX_YEAR", "MIN_YEAR", "parse_year"]
