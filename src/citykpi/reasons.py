"""The one registry of reason codes: why an issue was raised, at any stage.

A reason code is the stable, machine-readable name of a problem. Readers (structure of a file),
validation (content of the rows), the verifier findings of the store (a stored submission with
its context) and the store itself (an import for the wrong submission) all report with a member
of :class:`Reason`; reports, exports and tests rely on the string values, so codes are only ever
added, never renamed.

The default severity follows the U4SSC verification manual (VM §6.1-6.2): what makes a value
unusable is an error, what a verifier would only follow up with the city is a warning, and a
change citykpi made on purpose (a unit conversion) is recorded as info so that nothing changes
silently. ``strict`` validation raises warnings to errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Severity(StrEnum):
    """Severity of an issue: errors block computation of what they touch."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Reason(StrEnum):
    """Why an issue was raised; see :attr:`doc` for each code's meaning."""

    # reading files (citykpi.ingest)
    UNSUPPORTED_FORMAT = "unsupported_format"
    UNREADABLE_FILE = "unreadable_file"
    NOT_A_FILE = "not_a_file"
    EMPTY_FILE = "empty_file"
    MISSING_COLUMN = "missing_column"
    DUPLICATE_COLUMN = "duplicate_column"
    UNKNOWN_LAYOUT = "unknown_layout"
    ENCODING_FALLBACK = "encoding_fallback"
    MISSING_CODE = "missing_code"
    AMBIGUOUS_KPI_CODE = "ambiguous_kpi_code"
    UNKNOWN_DATA_POINT = "unknown_data_point"
    # one row at a time (citykpi.validate; the first two also at ingest)
    MISSING_CITY = "missing_city"
    MISSING_YEAR = "missing_year"
    YEAR_OUT_OF_RANGE = "year_out_of_range"
    UNKNOWN_KIND = "unknown_kind"
    UNKNOWN_CODE = "unknown_code"
    NON_NUMERIC = "non_numeric"
    NOT_YES_NO = "not_yes_no"
    UNKNOWN_QUALITY = "unknown_quality"
    UNIT_NOT_CONVERTIBLE = "unit_not_convertible"
    UNIT_CONVERTED = "unit_converted"
    # plausibility rules (citykpi.validate.rules: validation and the store's findings)
    NEGATIVE_COUNT = "negative_count"
    OUT_OF_BOUNDS = "out_of_bounds"
    SHARE_OUT_OF_RANGE = "share_out_of_range"
    NUMERATOR_ABOVE_DENOMINATOR = "numerator_above_denominator"
    SHARES_DO_NOT_SUM = "shares_do_not_sum"
    WASTEWATER_NOT_NESTED = "wastewater_not_nested"
    DENOMINATOR_INCONSISTENT = "denominator_inconsistent"
    DENOMINATOR_VARIES = "denominator_varies"
    DUPLICATE_CONFLICT = "duplicate_conflict"
    DUPLICATE_IDENTICAL = "duplicate_identical"
    TOO_MANY_NOT_REPORTED = "too_many_not_reported"
    # the store (citykpi.store)
    WRONG_SUBMISSION = "wrong_submission"

    @property
    def default_severity(self) -> Severity:
        """Return the severity an issue with this reason has unless ``strict`` raises it."""
        return _REGISTRY[self].severity

    @property
    def doc(self) -> str:
        """Return the one-line documentation of this reason."""
        return _REGISTRY[self].doc

    @property
    def stage(self) -> str:
        """Return the stage that raises it: ``{"ingest", "validate", "rules", "store"}``."""
        return _REGISTRY[self].stage


@dataclass(frozen=True, slots=True)
class _Entry:
    stage: str
    severity: Severity
    doc: str


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

_REGISTRY: Final[dict[Reason, _Entry]] = {
    Reason.UNSUPPORTED_FORMAT: _Entry(
        "ingest", _E, "The file's extension is none of the formats citykpi reads."
    ),
    Reason.UNREADABLE_FILE: _Entry(
        "ingest", _E, "The file cannot be opened or parsed (corrupt, locked or not that format)."
    ),
    Reason.NOT_A_FILE: _Entry("ingest", _E, "The path given is a folder or does not exist."),
    Reason.EMPTY_FILE: _Entry("ingest", _E, "The file holds no rows or no sheet with data."),
    Reason.MISSING_COLUMN: _Entry(
        "ingest", _E, "A required column (city, year, code, value) is missing."
    ),
    Reason.DUPLICATE_COLUMN: _Entry(
        "ingest", _E, "Two columns of the file have the same (normalised) name."
    ),
    Reason.UNKNOWN_LAYOUT: _Entry(
        "ingest", _E, "The file or a sheet is in none of the layouts citykpi recognises."
    ),
    Reason.ENCODING_FALLBACK: _Entry(
        "ingest", _W, "The text file is not UTF-8 and was read in a fallback encoding."
    ),
    Reason.MISSING_CODE: _Entry("ingest", _E, "A row has a value but no input id or KPI code."),
    Reason.AMBIGUOUS_KPI_CODE: _Entry(
        "ingest", _E, "A KPI code has several data points and the row does not say which."
    ),
    Reason.UNKNOWN_DATA_POINT: _Entry(
        "ingest", _E, "The data point named for a KPI code is not one of that KPI's data points."
    ),
    Reason.MISSING_CITY: _Entry("validate", _E, "A row has no city name."),
    Reason.MISSING_YEAR: _Entry("validate", _E, "A row has no reporting year, or not a year."),
    Reason.YEAR_OUT_OF_RANGE: _Entry(
        "validate", _E, "The reporting year is before 1990 or after the current year."
    ),
    Reason.UNKNOWN_KIND: _Entry("validate", _E, "The kind of a row is neither 'input' nor 'kpi'."),
    Reason.UNKNOWN_CODE: _Entry(
        "validate", _E, "The input id or data point id is not in the catalogue."
    ),
    Reason.NON_NUMERIC: _Entry("validate", _E, "A value is not a number (nor empty or 'NR')."),
    Reason.NOT_YES_NO: _Entry("validate", _E, "The answer to a yes/no question is not yes or no."),
    Reason.UNKNOWN_QUALITY: _Entry(
        "validate", _W, "The data quality is none of the six U4SSC options."
    ),
    Reason.UNIT_NOT_CONVERTIBLE: _Entry(
        "validate", _E, "The unit given does not convert to the catalogue unit."
    ),
    Reason.UNIT_CONVERTED: _Entry(
        "validate", _I, "A value was converted to the catalogue unit (the original is kept)."
    ),
    Reason.NEGATIVE_COUNT: _Entry("rules", _E, "A count input is below zero."),
    Reason.OUT_OF_BOUNDS: _Entry(
        "rules", _E, "An input lies outside the bounds the catalogue declares for it."
    ),
    Reason.SHARE_OUT_OF_RANGE: _Entry(
        "rules", _E, "A percentage is outside 0-100 (and the KPI may not exceed 100 %)."
    ),
    Reason.NUMERATOR_ABOVE_DENOMINATOR: _Entry(
        "rules", _E, "The part of a percentage exceeds its whole (numerator above denominator)."
    ),
    Reason.SHARES_DO_NOT_SUM: _Entry(
        "rules", _E, "Shares of one whole (mode share, waste treatment) do not sum to 100."
    ),
    Reason.WASTEWATER_NOT_NESTED: _Entry(
        "rules", _E, "The levels of a nested KPI (wastewater treatment) do not nest."
    ),
    Reason.DENOMINATOR_INCONSISTENT: _Entry(
        "rules", _E, "A denominator differs between rows of one submission beyond the tolerance."
    ),
    Reason.DENOMINATOR_VARIES: _Entry(
        "rules",
        _W,
        "A denominator differs between rows, from the city profile or from the previous year.",
    ),
    Reason.DUPLICATE_CONFLICT: _Entry(
        "rules", _E, "The same input or data point is given twice with different values."
    ),
    Reason.DUPLICATE_IDENTICAL: _Entry(
        "rules", _W, "The same input or data point is given twice with the same value."
    ),
    Reason.TOO_MANY_NOT_REPORTED: _Entry(
        "rules", _W, "More than 20 % of the KPIs of a submission are not reported (VM p32)."
    ),
    Reason.WRONG_SUBMISSION: _Entry(
        "store", _E, "A row is for another city or year than the submission it is imported into."
    ),
}


def reasons_markdown() -> str:
    """Return the Markdown table of every reason code (``docs/reasons.md``)."""
    lines = [
        "# Reason codes",
        "",
        "Every issue citykpi reports carries one of these codes (`citykpi.reasons.Reason`).",
        "Generated from the registry by `citykpi.reasons.reasons_markdown()`; do not edit.",
        "",
        "| code | stage | default severity | meaning |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| `{r.value}` | {r.stage} | {r.default_severity.value} | {r.doc} |" for r in Reason]
    return "\n".join(lines) + "\n"


__all__ = ["Reason", "Severity", "reasons_markdown"]
