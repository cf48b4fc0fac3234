"""Verifier findings: the U4SSC verification manual's checks, offered on review.

The checks are the plausibility rules of :mod:`citykpi.validate.rules`, the same ones
:func:`citykpi.validate.validate` applies to a file: this module only loads a stored
submission's current values (raw inputs and KPI values, computed or reported), the city
profile and the previous year's inputs, adapts them to the rules' input and returns what the
rules find, as :class:`~citykpi.model.Issue` objects. Unlike validation, the findings see the
submission with its context, and they never block anything: the verifier decides whether to
query. In order (VM pp28-32):

* denominators differing by more than ``settings.denominator_tolerance`` (5 %) from the city
  profile or from the previous year;
* more than 20 % of the catalogue's KPIs not reported;
* values outside their range: negative counts, values outside the catalogue's bounds,
  percentages outside 0-100 (except the KPIs that may exceed 100);
* numerators above their denominators, shares that must sum to 100 deviating by more than
  ``settings.share_sum_tolerance`` percentage points, and levels that do not nest.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import Catalogue, CatalogueIndex, catalogue_index
from citykpi.model import Issue, Location
from citykpi.settings import Settings
from citykpi.store.cities import find_city, find_submission
from citykpi.store.schema import City, Submission, Value, ValueRevision, on_current_revision
from citykpi.store.users import Action, Actor
from citykpi.validate.rules import (
    Observed,
    RuleContext,
    SubmissionValues,
    check_against_context,
    check_coverage,
    check_parts,
    check_range,
)

#: The :meth:`~citykpi.model.Issue.as_dict` columns ``review list`` shows for each finding.
FINDING_COLUMNS: Final = ("reason", "code", "message")


def _current(session: Session, sub: Submission) -> list[Observed]:
    """Return the submission's current values that hold a number, inputs first, by code."""
    stmt = (
        select(Value.kind, Value.code, ValueRevision.value, ValueRevision.unit)
        .join(ValueRevision, on_current_revision())
        .where(
            Value.submission_id == sub.id,
            ValueRevision.retracted.is_(False),
            ValueRevision.value.is_not(None),
        )
        .order_by(Value.kind, Value.code)
    )
    city = sub.city.name
    return [
        Observed(
            kind,
            code,
            float(value),
            unit,
            Location(field="value", city=city, year=sub.year, code=code),
        )
        for kind, code, value, unit in session.execute(stmt)
        if value is not None
    ]


def _submission_values(sub: Submission, current: list[Observed]) -> SubmissionValues:
    return SubmissionValues(
        sub.city.name,
        sub.year,
        inputs={o.code: o for o in current if o.kind == "input"},
        reports={o.code: o for o in current if o.kind == "kpi"},
    )


def rule_context(session: Session, city: City, year: int) -> RuleContext:
    """Return the city profile's figures and the inputs of the latest earlier submission.

    The context the plausibility rules compare a submission with: the findings on review and
    the validation of an import both use it.
    """
    profile = {"population": city.population} if city.population else {}
    prev_sub = session.scalar(
        select(Submission)
        .where(Submission.city_id == city.id, Submission.year < year)
        .order_by(Submission.year.desc())
        .limit(1)
    )
    if prev_sub is None:
        return RuleContext(profile=profile)
    previous = {o.code: o.value for o in _current(session, prev_sub) if o.kind == "input"}
    return RuleContext(profile=profile, previous=previous, previous_year=prev_sub.year)


def check_stored(
    values: SubmissionValues,
    index: CatalogueIndex,
    context: RuleContext,
    *,
    settings: Settings,
) -> list[Issue]:
    """Return the findings of one submission's values in their context, in the module's order.

    Parameters
    ----------
    values
        The submission's values: inputs and KPI data points with a number.
    index
        The catalogue's facts.
    context
        The city profile's figures and the previous year's inputs.
    settings
        Tolerances ``denominator_tolerance`` and ``share_sum_tolerance``.

    Returns
    -------
    list[Issue]
        Denominator, coverage, range and parts issues, in that order.
    """
    tolerance = settings.denominator_tolerance
    ranges = [
        issue
        for obs in (*values.inputs.values(), *values.reports.values())
        for issue in check_range(obs, index)
    ]
    return [
        *check_against_context(values, index, context, tolerance=tolerance),
        *check_coverage(values, index),
        *ranges,
        *check_parts(values, index, settings=settings),
    ]


def findings(
    session: Session,
    actor: Actor,
    city: str,
    year: int,
    *,
    settings: Settings,
    catalogue: Catalogue | None = None,
) -> list[Issue]:
    """Return the verifier findings for ``city`` in ``year``.

    Parameters
    ----------
    session, actor
        Transaction and reader (needs read access to the city's data).
    city, year
        The submission to check.
    settings
        Tolerances ``denominator_tolerance`` and ``share_sum_tolerance``.
    catalogue
        The catalogue whose facts the rules use; the bundled one by default.

    Returns
    -------
    list[Issue]
        Denominator, coverage, range and parts issues, in that order; each located at the
        city, year and code it concerns.
    """
    found_city = find_city(session, city)
    actor.require(Action.READ_DATA, city_id=found_city.id, city=city)
    sub = find_submission(session, found_city, year)
    values = _submission_values(sub, _current(session, sub))
    context = rule_context(session, found_city, year)
    return check_stored(values, catalogue_index(catalogue), context, settings=settings)


__all__ = ["FINDING_COLUMNS", "check_stored", "findings", "rule_context"]
