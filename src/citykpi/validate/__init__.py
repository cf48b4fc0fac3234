"""Validation: every rule over the raw long table, collected into one report.

>>> checked = validate(read_files(paths).frame)        # doctest: +SKIP
>>> checked.report.ok, len(checked.report.errors)      # doctest: +SKIP

See :func:`validate` for the entry point, :class:`citykpi.reasons.Reason` for what each issue
means, :class:`ValidationResult` for what compute receives and :class:`RuleContext` for the
city profile and previous year the denominators are compared with.
"""

from citykpi.validate.engine import validate
from citykpi.validate.report import (
    CHECKED_COLUMNS,
    ISSUE_COLUMNS,
    ValidationReport,
    ValidationResult,
)
from citykpi.validate.rules import RuleContext

__all__ = [
    "CHECKED_COLUMNS",
    "ISSUE_COLUMNS",
    "RuleContext",
    "ValidationReport",
    "ValidationResult",
    "validate",
]
