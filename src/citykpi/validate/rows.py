"""Row-level rules: each looks at one row of the raw table on its own.

Covers missing city or year, a year outside the plausible range, unknown kinds and codes (with
close matches suggested), values that are not numbers or not yes/no, unknown data-quality
options, units (converted to the catalogue unit when possible, each conversion recorded as an
info issue), and the range rule of :mod:`citykpi.validate.rules.ranges` (negative counts,
catalogue bounds, shares outside 0-100), which the store's findings share.

A value left empty or written ``NR`` (the U4SSC template's "not reported") is not a problem:
it is simply not reported, and :mod:`citykpi.compute` says so.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from citykpi.catalogue import CatalogueIndex, units
from citykpi.errors import UnitError
from citykpi.model import DataQuality, Location
from citykpi.reasons import Reason
from citykpi.validate.collector import Collector
from citykpi.validate.rules.ranges import check_range as check_value_range
from citykpi.validate.rules.values import Observed, format_value

#: Earliest reporting year accepted; the U4SSC KPIs date from 2017, 1990 leaves room for baselines.
MIN_YEAR: Final = 1990
#: Texts that mean "not reported" rather than "not a number": an empty cell or the U4SSC
#: template's "NR". Anything else ("n/a", "-", "?") is ambiguous and reported as non-numeric.
NOT_REPORTED_TEXTS: Final = frozenset({"", "nr", "n/r", "not reported"})
KINDS: Final = ("input", "kpi")
#: A text that reads as a number (as citykpi.ingest reads one), though maybe beyond a float.
_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SHOWN_LENGTH: Final = 40
_QUALITY_TEXTS: Final = frozenset(
    {q.value for q in DataQuality} | {q.label.casefold() for q in DataQuality}
)


def max_year() -> int:
    """Return the latest reporting year accepted: the current calendar year (UTC)."""
    return datetime.now(UTC).year


@dataclass(slots=True)
class Row:
    """One raw row as the rules see it; ``value`` and ``unit`` change on unit conversion."""

    pos: int
    city: str
    year: int | None
    kind: str
    code: str
    value: float
    raw_value: str
    unit: str
    source: str
    quality: str
    file: str
    row: int | None
    cell: str
    original_value: float
    original_unit: str
    raw_year: str = ""  # the year as written, when it is not a valid year
    known: bool = False  # kind and code are in the catalogue
    #: The row as the rules see it, once built (:meth:`observed`); not part of its identity.
    seen: Observed | None = field(default=None, repr=False, compare=False)

    def location(self, field: str = "", *, code: str | None = None) -> Location:
        """Return the location of this row, pointing at ``field``."""
        return Location(
            file=self.file,
            row=self.row,
            cell=self.cell,
            field=field,
            city=self.city,
            year=self.year,
            code=self.code if code is None else code,
        )

    def observed(self) -> Observed:
        """Return the row as the rules see it: its value in its (converted) unit, located.

        Built once, when the row-level rules are done with it, and kept: the cross-row rules
        read every row's value again.
        """
        seen = self.seen
        if seen is None or seen.value != self.value or seen.unit != self.unit:
            seen = Observed(self.kind, self.code, self.value, self.unit, self.location("value"))
            self.seen = seen
        return seen

    @property
    def has_value(self) -> bool:
        """Return True when the row holds a finite number."""
        return math.isfinite(self.value)


def add_row_issue(
    out: Collector, reason: Reason, message: str, row: Row, field: str, *, value: str = ""
) -> None:
    """Record an issue at ``field`` of ``row``; as an error it makes the row unusable."""
    out.add(reason, message, location=row.location(field), value=value, rows=[row.pos])


#: Most distinct unknown codes given close matches in one validation: difflib takes about a
#: millisecond a code, and a file of thousands of unknown columns is not a list of typos.
MAX_SUGGESTED_CODES: Final = 500


def _close_matches(code: str, kind: str, known: Iterable[str], out: Collector) -> list[str]:
    key = (kind, code)
    found = out.suggestions.get(key)
    if found is None:
        if len(out.suggestions) >= MAX_SUGGESTED_CODES:
            return []
        found = difflib.get_close_matches(code, list(known), n=3, cutoff=0.6)
        out.suggestions[key] = found
    return found


def check_identity(row: Row, view: CatalogueIndex, out: Collector) -> None:
    """Check city, year, kind and code; set ``row.known`` when the code can be used."""
    if not row.city:
        msg = (
            f"The row has no city; fill in the city name for the value of {row.code!r} "
            "(every row needs a city and a year)."
        )
        add_row_issue(out, Reason.MISSING_CITY, msg, row, "city")
    if row.year is None:
        found = f" (found {row.raw_year!r})" if row.raw_year else ""
        msg = (
            f"The row has no valid reporting year{found}; fill in the year as four digits, "
            "e.g. 2024."
        )
        add_row_issue(out, Reason.MISSING_YEAR, msg, row, "year", value=row.raw_year)
    elif not MIN_YEAR <= row.year <= max_year():
        msg = (
            f"The year {row.year} is outside {MIN_YEAR}-{max_year()}; correct the reporting "
            "year (a typo such as 2204 for 2024 is the usual cause)."
        )
        add_row_issue(out, Reason.YEAR_OUT_OF_RANGE, msg, row, "year", value=str(row.year))
    if row.kind not in KINDS:
        msg = (
            f"The kind {row.kind!r} is not one of 'input' (a raw input) or 'kpi' (a KPI data "
            "point reported directly); correct the kind column."
        )
        add_row_issue(out, Reason.UNKNOWN_KIND, msg, row, "kind", value=row.kind)
        return
    known = view.inputs if row.kind == "input" else view.data_points
    if row.code in known:
        row.known = True
        return
    other = view.data_points if row.kind == "input" else view.inputs
    if row.code in other:
        other_kind = "kpi" if row.kind == "input" else "input"
        what_other = "KPI data point" if other_kind == "kpi" else "raw input"
        hint = f"it is a {what_other}: set kind to {other_kind!r}."
    else:
        close = _close_matches(row.code, row.kind, known, out)
        listing = "'citykpi inputs'" if row.kind == "input" else "'citykpi catalogue'"
        hint = (
            f"did you mean {' or '.join(repr(c) for c in close)}?"
            if close
            else f"see {listing} for the known codes."
        )
    what = "raw input" if row.kind == "input" else "KPI data point"
    msg = f"Unknown {what} code {row.code!r}; {hint}"
    add_row_issue(out, Reason.UNKNOWN_CODE, msg, row, "code", value=row.code)


def _shown(text: str) -> str:
    """Return ``text`` quoted for a message, cut short when it is long."""
    if len(text) <= _SHOWN_LENGTH:
        return repr(text)
    return f"{text[:_SHOWN_LENGTH]!r}... ({len(text)} characters)"


def check_value(row: Row, view: CatalogueIndex, out: Collector) -> None:
    """Check that the value is a number (or yes/no for a yes/no input)."""
    text = row.raw_value.strip()
    is_boolean = view.is_yes_no(row.kind, row.code)
    if not row.has_value:
        if text.casefold() in NOT_REPORTED_TEXTS:
            return
        if is_boolean:
            msg = f"The answer {text!r} for {row.code!r} is not yes or no; write 'yes' or 'no'."
            reason = Reason.NOT_YES_NO
        elif _NUMBER.fullmatch(text):
            msg = (
                f"The value {_shown(text)} of {row.code!r} is too large to be a number; "
                "correct the value or its unit."
            )
            reason = Reason.OUT_OF_BOUNDS
        else:
            unit = view.unit_of(row.kind, row.code)
            msg = (
                f"The value {_shown(text)} of {row.code!r} is not a number; write a plain "
                f"number in {unit} (e.g. 1234.5, no thousands separators or units in the cell), "
                "or leave it empty or 'NR' if it is not reported."
            )
            reason = Reason.NON_NUMERIC
        add_row_issue(out, reason, msg, row, "value", value=text)
        return
    if is_boolean and row.value not in (0.0, 1.0):
        answer = text or format_value(row.value)
        msg = f"The answer {answer!r} for {row.code!r} is not yes or no; write 'yes' or 'no'."
        add_row_issue(
            out, Reason.NOT_YES_NO, msg, row, "value", value=text or format_value(row.value)
        )


def check_quality(row: Row, out: Collector) -> None:
    """Warn about a data-quality text that is none of the six U4SSC options."""
    text = row.quality.strip()
    if not text or text in _QUALITY_TEXTS or text.casefold() in _QUALITY_TEXTS:
        return
    options = "; ".join(q.label for q in DataQuality)
    msg = (
        f"The data quality {text!r} is not one of the six U4SSC options ({options}); choose one "
        "of them so the quality of the results can be stated."
    )
    out.add(Reason.UNKNOWN_QUALITY, msg, location=row.location("quality"), value=text)


def convert_unit(row: Row, view: CatalogueIndex, out: Collector) -> None:
    """Convert the value to the catalogue unit, or report a unit that cannot convert."""
    target = view.unit_of(row.kind, row.code)
    given = row.unit.strip()
    if view.is_yes_no(row.kind, row.code):
        row.unit = target
        return
    if not given or given == target:
        row.unit = target
        return
    if not row.has_value:
        return
    substance = view.substance_of(row.kind, row.code)
    try:
        converted = units.convert(row.value, given, target, substance=substance)
        factor = units.convert(1.0, given, target, substance=substance)
    # A unit is user input: whatever the unit library objects to is reported, never raised.
    except (UnitError, ValueError, TypeError, AttributeError) as e:
        detail = str(e).strip()
        fix = "" if detail.endswith(".") else "."
        msg = (
            f"The unit {given!r} of {row.code!r} does not convert to the catalogue unit "
            f"{target!r}: {detail}{fix}"
        )
        add_row_issue(out, Reason.UNIT_NOT_CONVERTIBLE, msg, row, "unit", value=given)
        return
    if not math.isfinite(converted):
        msg = (
            f"The value {row.raw_value!r} {given} of {row.code!r} does not convert to a finite "
            f"number of {target!r}; check the value."
        )
        add_row_issue(out, Reason.UNIT_NOT_CONVERTIBLE, msg, row, "unit", value=given)
        return
    if factor == 1.0:
        # Another spelling of the same unit ("%" for "percent"): nothing to report.
        row.unit = target
        return
    via = f" (as {substance})" if substance and given.lower() in {"ppm", "ppb"} else ""
    msg = (
        f"Converted {row.code!r} from {format_value(row.value)} {given} to "
        f"{format_value(converted)} {target}{via}; the original value is kept in "
        "'original_value' and 'original_unit'."
    )
    out.add(Reason.UNIT_CONVERTED, msg, location=row.location("unit"), value=given)
    row.value = converted
    row.unit = target


def check_range(row: Row, view: CatalogueIndex, out: Collector) -> None:
    """Check negative counts, catalogue bounds and shares outside 0-100 (after conversion).

    The rule itself is :func:`citykpi.validate.rules.check_range`, shared with the store.
    """
    if not row.has_value:
        return
    for issue in check_value_range(row.observed(), view):
        out.add_issue(issue, rows=[row.pos])


def check_row(row: Row, view: CatalogueIndex, out: Collector) -> None:
    """Run every row-level rule on ``row``, in order."""
    check_identity(row, view, out)
    check_quality(row, out)
    if not row.known:
        return
    check_value(row, view, out)
    convert_unit(row, view, out)
    check_range(row, view, out)


__all__ = ["KINDS", "MIN_YEAR", "NOT_REPORTED_TEXTS", "Row", "check_row", "max_year"]
