"""Cross-row rules: the rows of one file adapted to the one rule set of :mod:`.rules`.

The rules compare the values of one submission (one city and year, across every sheet and
file); they are written once in :mod:`citykpi.validate.rules` and shared with the store's
verifier findings. This module turns the rows into the rules' input
(:class:`~citykpi.validate.rules.SubmissionValues`: the first usable row of each input and
directly reported data point) and records what the rules return, deciding what an issue does
to the rows of a file:

* a repeated row whose first copy is used (identical, or a denominator within the tolerance)
  is set aside, so that it is not used twice; conflicting copies make every copy unusable;
* a fraction, share-sum or nesting error blocks the data points it names;
* the denominators are also compared with a context (city profile, previous year) when the
  caller gives one;
* coverage counts every row that gives a value, also rows with errors (they were reported).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from citykpi.catalogue import CatalogueIndex
from citykpi.reasons import Reason
from citykpi.settings import Settings
from citykpi.validate.collector import Collector
from citykpi.validate.rows import Row
from citykpi.validate.rules import (
    Observed,
    RuleContext,
    SubmissionValues,
    check_against_context,
    check_copies,
    check_coverage,
    check_fractions,
    check_nesting,
    check_share_sums,
)

Submission = tuple[str, int]

#: Reasons of a repeated copy that is set aside while the first copy is used.
_FIRST_COPY_USED = frozenset({Reason.DUPLICATE_IDENTICAL, Reason.DENOMINATOR_VARIES})


def observed(row: Row) -> Observed:
    """Return a row as the rules see it: its value in the catalogue unit, located."""
    return row.observed()


def check_duplicates(
    rows: Sequence[Row], view: CatalogueIndex, out: Collector, settings: Settings
) -> set[int]:
    """Report repeated rows; return the positions of copies that must not be used twice."""
    groups: dict[tuple[str, int, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        usable = row.known and row.city and row.has_value and row.pos not in out.row_problems
        if usable and row.year is not None:
            groups[(row.city, row.year, row.kind, row.code)].append(row)
    unused: set[int] = set()
    tolerance = settings.denominator_tolerance
    for group in groups.values():
        if len(group) < 2:  # a single copy is not repeated (check_copies returns nothing)
            continue
        issues = check_copies([observed(r) for r in group], view, tolerance=tolerance)
        for row, issue in zip(group[1:], issues, strict=True):
            if issue.reason in _FIRST_COPY_USED:
                out.add_issue(issue, rows=[row.pos])
                unused.add(row.pos)
            else:
                # Conflicting values make every copy unusable: none of them can be trusted.
                out.add_issue(issue, rows=[r.pos for r in group])
    return unused


def _collect(rows: Iterable[Row]) -> dict[Submission, SubmissionValues]:
    inputs: dict[Submission, dict[str, Observed]] = defaultdict(dict)
    reports: dict[Submission, dict[str, Observed]] = defaultdict(dict)
    files: dict[Submission, str] = {}
    for row in rows:
        if row.year is None:
            continue
        sub = (row.city, row.year)
        files.setdefault(sub, row.file)
        target = inputs[sub] if row.kind == "input" else reports[sub]
        if row.code not in target:
            target[row.code] = observed(row)
    return {
        sub: SubmissionValues(sub[0], sub[1], inputs[sub], reports[sub], file=file)
        for sub, file in files.items()
    }


def usable_values(
    rows: Iterable[Row], out: Collector, unused: set[int]
) -> dict[Submission, SubmissionValues]:
    """Return, per submission, the first usable row of each input and reported data point."""
    return _collect(
        row
        for row in rows
        if row.known
        and row.city
        and row.year is not None
        and row.has_value
        and row.pos not in out.row_problems
        and row.pos not in unused
    )


def check_submissions(
    found: Mapping[Submission, SubmissionValues],
    view: CatalogueIndex,
    out: Collector,
    settings: Settings,
    *,
    contexts: Mapping[Submission, RuleContext] | None = None,
) -> None:
    """Report fractions, share sums, nesting and (given a context) denominators, per rule."""
    for values in found.values():
        for issue in check_fractions(values, view):
            out.add_issue(issue)
    for values in found.values():
        for issue in check_share_sums(values, view, tolerance=settings.share_sum_tolerance):
            out.add_issue(issue)
    for values in found.values():
        for issue in check_nesting(values, view):
            out.add_issue(issue)
    tolerance = settings.denominator_tolerance
    for sub, context in (contexts or {}).items():
        given = found.get(sub)
        if given is None:
            continue
        for issue in check_against_context(given, view, context, tolerance=tolerance):
            out.add_issue(issue)


def check_rows_coverage(
    rows: Sequence[Row],
    view: CatalogueIndex,
    out: Collector,
    *,
    present: Mapping[Submission, SubmissionValues] | None = None,
) -> None:
    """Warn per submission when more than 20 % of the KPIs are not reported.

    ``present`` is what :func:`usable_values` returned when no row had a problem and no copy
    was set aside: then it holds every row that gives a value, which is what coverage counts,
    and the rows need not be collected again.
    """
    files: dict[Submission, str] = {}
    for row in rows:
        if row.city and row.year is not None:
            files.setdefault((row.city, row.year), row.file)
    if present is None:
        present = _collect(
            r for r in rows if r.city and r.year is not None and r.known and r.has_value
        )
    for sub, file in files.items():
        # a submission whose rows all lack a usable value still counts, as reporting nothing
        got = present.get(sub, SubmissionValues(*sub))
        values = SubmissionValues(sub[0], sub[1], got.inputs, got.reports, file=file)
        for issue in check_coverage(values, view):
            out.add_issue(issue)


__all__ = [
    "check_duplicates",
    "check_rows_coverage",
    "check_submissions",
    "observed",
    "usable_values",
]
