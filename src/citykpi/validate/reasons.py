"""Reason codes of validation issues, with the severity each one carries by default.

A reason code is the stable, machine-readable name of a problem: reports, exports and tests
rely on it, so codes are only ever added, never renamed. The default severity follows the U4SSC
verification manual (VM §6.1-6.2): what makes a value unusable is an error, what a verifier would
only follow up with the city is a warning, and a change citykpi made on purpose (a unit
conversion) is recorded as info so that nothing changes silently.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

from citykpi.model import Severity


class ReasonCode(StrEnum):
    """Why a validation issue was raised."""

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

    @property
    def default_severity(self) -> Severity:
        """Return the severity an issue with this reason has unless ``strict`` raises it."""
        return _SEVERITY.get(self, Severity.ERROR)


_SEVERITY: Final[dict[ReasonCode, Severity]] = {
    ReasonCode.UNKNOWN_QUALITY: Severity.WARNING,
    ReasonCode.UNIT_CONVERTED: Severity.INFO,
    ReasonCode.DUPLICATE_IDENTICAL: Severity.WARNING,
    ReasonCode.DENOMINATOR_VARIES: Severity.WARNING,
    ReasonCode.TOO_MANY_NOT_REPORTED: Severity.WARNING,
}

__all__ = ["ReasonCode"]
