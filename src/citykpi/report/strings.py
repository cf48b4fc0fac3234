"""The fixed text of the reports in each language, and numbers and dates written for it.

Fixed text goes through gettext in the ``report`` domain. The catalogues are the ``.po`` files
under ``citykpi/i18n/locales/<lang>/LC_MESSAGES/report.po``, read at run time with Babel (no
compile step), as the web interface reads its ``web`` domain. English is the source language.

Each catalogue states how far it can be trusted in its header comment, on a line
``status: validated|draft|machine``; the report prints that status, and a language marked
``validated`` must translate every message (a test holds it to that). KPI names and
definitions come from the catalogue, which is English only for now: the report says so.
"""

from __future__ import annotations

import gettext as _gettext
import io
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from citykpi.errors import InputError

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "catalogue",
    "check_language",
    "format_day",
    "format_number",
    "format_percent",
    "format_unit",
    "language_status",
    "translations",
]

#: The gettext domain of the report text.
DOMAIN: Final = "report"
#: The languages a report can be written in.
LANGUAGES: Final[tuple[str, ...]] = ("en", "fr", "es")
#: Where the ``.po`` catalogues of every domain live, one folder per language.
LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "i18n" / "locales"
#: The statuses a catalogue may declare, from the most to the least trusted.
STATUSES: Final[tuple[str, ...]] = ("validated", "draft", "machine")

_STATUS_LINE = re.compile(r"status:\s*(validated|draft|machine)", re.IGNORECASE)


def check_language(lang: str) -> str:
    """Return ``lang`` if reports can be written in it.

    Raises
    ------
    InputError
        If the language is not one of :data:`LANGUAGES`.
    """
    if lang not in LANGUAGES:
        msg = f"Reports are written in {', '.join(LANGUAGES)}; {lang!r} is not one of them."
        raise InputError(msg)
    return lang


def _po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def catalogue(lang: str) -> Catalog:
    """Return the Babel catalogue of the ``report`` domain in ``lang`` (read once).

    Raises
    ------
    InputError
        If the language is unknown or its catalogue file is missing.
    """
    path = _po_path(check_language(lang))
    if not path.is_file():
        msg = f"The report catalogue {str(path)!r} is missing; reinstall citykpi."
        raise InputError(msg)
    with path.open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


def language_status(lang: str) -> str:
    """Return the declared status of the ``lang`` catalogue: {"validated", "draft", "machine"}.

    A catalogue without a status line counts as ``"machine"``, the least trusted.
    """
    found = _STATUS_LINE.search(catalogue(lang).header_comment or "")
    return found.group(1).lower() if found else "machine"


@lru_cache(maxsize=8)
def translations(lang: str) -> _gettext.NullTranslations:
    """Return the ``report`` translations for ``lang`` (English: the source strings)."""
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(lang))
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def format_number(value: float | None, lang: str) -> str:
    """Write ``value`` for ``lang``: grouped, two decimals at most, three significant below 1.

    Returns
    -------
    str
        The number, or ``"–"`` when there is none.
    """
    if value is None or math.isnan(value):
        return "\u2013"
    size = abs(value)
    if size >= 1000:
        pattern = "#,##0"
    elif size >= 1 or size == 0:
        pattern = "#,##0.##"
    else:
        pattern = "#,##0.###"
    return format_decimal(value, format=pattern, locale=lang)


def format_percent(value: float | None, lang: str) -> str:
    """Write a percentage (0-100) rounded to a whole number, the sign as ``lang`` spaces it."""
    if value is None or math.isnan(value):
        return "\u2013"
    number = format_decimal(round(value), format="#,##0", locale=lang)
    # French and Spanish put a (narrow) space before the sign; English writes it close.
    return f"{number}\u202f%" if lang in ("fr", "es") else f"{number}%"


#: How the catalogue's unit spellings are shown to a reader.
_UNITS: Final[dict[str, str]] = {
    "percent": "%",
    "dimensionless": "",
    "count": "",
    "yes_no": "",
    "per_100k": "per 100,000",
    "per_100k_inhabitants": "per 100,000 inhabitants",
}


def format_unit(unit: str) -> str:
    """Return the catalogue unit ``unit`` as a reader writes it (``"ug/m**3"`` -> ``"µg/m³"``)."""
    if unit in _UNITS:
        return _UNITS[unit]
    text = unit.replace(" * per_100k_inhabitants", " per 100,000 inhabitants")
    text = text.replace("**2", "\u00b2").replace("**3", "\u00b3")
    return re.sub(r"\bug\b", "\u00b5g", text)


def format_day(day: date, lang: str) -> str:
    """Write a date in the long form of ``lang`` (``"6 December 2026"``, ``"6 décembre 2026"``)."""
    return format_date(day, format="long", locale=Locale.parse(lang))
