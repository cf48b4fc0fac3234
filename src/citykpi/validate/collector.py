"""Collect issues while the rules run, then hand back one report (collect all, report once).

Rules never raise on bad data: they call :meth:`Collector.add`, which builds the
:class:`~citykpi.model.Issue`, applies ``strict`` (warnings become errors) and remembers which
rows the issue makes unusable and which data points it blocks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from citykpi.model import Issue, Location, Severity
from citykpi.reasons import Reason
from citykpi.validate.report import DataPointKey


@dataclass(slots=True)
class Collector:
    """Accumulates issues, row flags and blocked data points."""

    strict: bool = False
    issues: list[Issue] = field(default_factory=list)
    row_problems: dict[int, list[str]] = field(default_factory=dict)
    blocked: dict[DataPointKey, str] = field(default_factory=dict)
    #: Close matches suggested per unknown code; bounded, as each costs a difflib search.
    suggestions: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def add(
        self,
        reason: Reason,
        message: str,
        *,
        location: Location,
        value: str = "",
        rows: Iterable[int] = (),
        block: Iterable[DataPointKey] = (),
    ) -> Issue:
        """Record one issue.

        Parameters
        ----------
        reason
            The reason code; its default severity applies unless ``strict`` raises it.
        message
            A full sentence saying what is wrong and how to fix it.
        location
            Where the problem is.
        value
            The offending value, as text.
        rows
            Positions (in the checked frame) of rows the issue makes unusable when it is an
            error.
        block
            ``(city, year, data point)`` keys the issue makes invalid when it is an error.

        Returns
        -------
        Issue
            The issue as recorded.
        """
        issue = Issue(reason, reason.default_severity, message, location, value)
        return self.add_issue(issue, rows=rows, block=block)

    def add_issue(
        self,
        issue: Issue,
        *,
        rows: Iterable[int] = (),
        block: Iterable[DataPointKey] = (),
    ) -> Issue:
        """Record an issue a rule built, applying ``strict``.

        As an error it makes ``rows`` unusable and blocks ``block`` as well as the data points
        the issue names (``issue.data_points``, for its city and year).

        Returns
        -------
        Issue
            The issue as recorded (an error where ``strict`` raised a warning).
        """
        if self.strict and issue.severity is Severity.WARNING:
            issue = replace(issue, severity=Severity.ERROR)
        self.issues.append(issue)
        if issue.severity is Severity.ERROR:
            for pos in rows:
                self.row_problems.setdefault(pos, []).append(issue.message)
            keys = list(block)
            loc = issue.location
            if loc.year is not None:
                keys += [(loc.city, loc.year, dp) for dp in issue.data_points]
            for key in keys:
                self.blocked.setdefault(key, issue.message)
        return issue

    def add_external(self, issue: Issue, *, rows: Iterable[int] = ()) -> None:
        """Record an issue found by an earlier stage (e.g. a reader), flagging its rows."""
        self.add_issue(issue, rows=rows)


__all__ = ["Collector"]
