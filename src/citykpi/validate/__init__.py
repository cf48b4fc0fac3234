"""Validation: every rule over the raw long table, collected into one report.

>>> checked = validate(read_files(paths).frame)        # doctest: +SKIP
>>> checked.report.ok, len(checked.report.errors)      # doctest: +SKIP

See :func:`validate` for the entry point, :class:`citykpi.reasons.Reason` for what each issue
means, :class:`ValidationResult` for what compute receives and :class:`RuleContext` for the
city profile and previous year the denominators are compared with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from citykpi.lazy import lazy_exports
from citykpi.validate.rules import RuleContext

if TYPE_CHECKING:
    from citykpi.validate.engine import validate
    from citykpi.validate.report import (
        CHECKED_COLUMNS,
        ISSUE_COLUMNS,
        ValidationReport,
        ValidationResult,
    )

#: Names imported on first use (:pep:`562`): pandas loads only when a command validates.
_LAZY = {
    "validate": "citykpi.validate.engine",
    "CHECKED_COLUMNS": "citykpi.validate.report",
    "ISSUE_COLUMNS": "citykpi.validate.report",
    "ValidationReport": "citykpi.validate.report",
    "ValidationResult": "citykpi.validate.report",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())


__all__ = [
    "CHECKED_COLUMNS",
    "ISSUE_COLUMNS",
    "RuleContext",
    "ValidationReport",
    "ValidationResult",
    "validate",
]
