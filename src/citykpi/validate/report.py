"""The outcome of validation: the report of every issue, and the checked raw table.

:class:`ValidationResult` is what :func:`citykpi.validate.validate` returns and what
:func:`citykpi.compute.compute` consumes. Its ``frame`` keeps **every** input row in input
order; nothing is dropped and nothing is changed without a trace:

* ``value`` and ``unit`` are in the catalogue unit; ``original_value`` and ``original_unit`` are
  what the file said (``raw_value`` still holds the text exactly as written);
* ``error`` is True for a row that carries an error-severity issue of its own (its value is not
  used), ``duplicate`` is True for a second identical copy of a row (kept, but not used twice);
* ``problems`` holds the messages of the errors on the row, for the ``reason`` of the KPI
  values it would have fed.

Problems that concern a data point rather than one row (shares that do not sum to 100,
wastewater levels that do not nest, a numerator above its denominator) are listed in
``blocked``: ``(city, year, data point id) -> message``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from citykpi.model import RAW_COLUMNS, Issue, Severity

#: Columns of :attr:`ValidationResult.frame`: the raw columns, then what validation added.
CHECKED_COLUMNS: Final[tuple[str, ...]] = (
    *RAW_COLUMNS,
    "original_value",  # the numeric value before unit conversion
    "original_unit",  # the unit as given in the file
    "error",  # bool: the row carries an error and its value is not used
    "duplicate",  # bool: an identical copy of an earlier row, kept but not used twice
    "problems",  # messages of the errors on this row, "; "-joined
)

#: Columns of :meth:`ValidationReport.to_frame` (and of ``validation.csv``).
ISSUE_COLUMNS: Final[tuple[str, ...]] = (
    "severity",
    "reason",
    "file",
    "row",
    "cell",
    "field",
    "city",
    "year",
    "code",
    "value",
    "message",
)

DataPointKey = tuple[str, int, str]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Every issue found, in the order the rules found them (grouped by rule)."""

    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Return the issues of severity error."""
        return tuple(i for i in self.issues if i.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Return the issues of severity warning."""
        return tuple(i for i in self.issues if i.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        """Return True when no issue is an error (warnings and info do not count)."""
        return not self.errors

    def counts_by_reason(self) -> dict[str, int]:
        """Return how many issues each reason code has, most frequent first."""
        return dict(Counter(i.reason.value for i in self.issues).most_common())

    def to_frame(self) -> pd.DataFrame:
        """Return one row per issue with the columns :data:`ISSUE_COLUMNS`."""
        rows = [i.as_dict() for i in self.issues]
        frame = pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))
        return frame.astype({"row": "Int64", "year": "Int64"})

    def to_json(self) -> str:
        """Return the report as a JSON object ``{"ok", "errors", "warnings", "issues"}``."""
        payload = {
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [{c: i.as_dict()[c] for c in ISSUE_COLUMNS} for i in self.issues],
        }
        return json.dumps(payload, indent=2, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """The checked raw table (every row kept) with its report."""

    frame: pd.DataFrame
    report: ValidationReport
    blocked: Mapping[DataPointKey, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return True when validation found no error."""
        return self.report.ok

    @property
    def issues(self) -> tuple[Issue, ...]:
        """Return every issue of the report."""
        return self.report.issues

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Return the issues of severity error."""
        return self.report.errors

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Return the issues of severity warning."""
        return self.report.warnings

    def to_frame(self) -> pd.DataFrame:
        """Return the report as a frame (see :meth:`ValidationReport.to_frame`)."""
        return self.report.to_frame()


__all__ = [
    "CHECKED_COLUMNS",
    "ISSUE_COLUMNS",
    "DataPointKey",
    "ValidationReport",
    "ValidationResult",
]
