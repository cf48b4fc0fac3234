"""Verifier findings: the U4SSC verification manual's checks, offered on review.

Unlike validation (which sees one file), these checks see the stored submission with its
context: the city profile and the previous year's values. They never block anything; the
verifier decides whether to query. Checks (VM pp28-32):

* a denominator (``population``, ``households``) differing by more than
  ``settings.denominator_tolerance`` (5 %) from the city profile or from the previous year;
* more than 20 % of the KPIs without any reported data point;
* values outside their expected range: percentages outside 0-100 (except the KPIs that may
  exceed 100) and negative values;
* shares that must sum to 100 (Transportation Mode Share, Solid Waste Treatment) deviating by
  more than ``settings.share_sum_tolerance`` percentage points;
* wastewater treatment levels that do not nest (secondary <= primary, tertiary <= secondary).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.catalogue import load_catalogue
from citykpi.catalogue.units import is_percent
from citykpi.settings import Settings
from citykpi.store.cities import find_city, find_submission
from citykpi.store.schema import City, Submission, Value, ValueRevision, on_current_revision
from citykpi.store.users import Action, Actor

#: Inputs used as denominators across the report (VM p31).
DENOMINATORS: Final = ("population", "households")
#: Share of KPIs not reported above which the verifier follows up with the city (VM p32).
NOT_REPORTED_LIMIT: Final = 0.20


class FindingKind(StrEnum):
    """What a finding is about."""

    DENOMINATOR_VARIES = "denominator_varies"
    MANY_NOT_REPORTED = "many_not_reported"
    OUT_OF_RANGE = "out_of_range"
    SHARES_DO_NOT_SUM = "shares_do_not_sum"
    WASTEWATER_NOT_NESTED = "wastewater_not_nested"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check a verifier should follow up."""

    kind: FindingKind
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """Return the finding as a flat dictionary."""
        return {"kind": self.kind.value, "code": self.code, "message": self.message}


FINDING_COLUMNS: Final = ("kind", "code", "message")


@dataclass(frozen=True, slots=True)
class _Current:
    kind: str
    code: str
    kpi_code: str
    value: float | None
    unit: str


def _current_values(session: Session, sub: Submission) -> list[_Current]:
    stmt = (
        select(Value.kind, Value.code, Value.kpi_code, ValueRevision.value, ValueRevision.unit)
        .join(ValueRevision, on_current_revision())
        .where(Value.submission_id == sub.id, ValueRevision.retracted.is_(False))
        .order_by(Value.kind, Value.code)
    )
    return [_Current(*row) for row in session.execute(stmt)]


def _rel_diff(a: float, b: float) -> float:
    return abs(a - b) / abs(b) if b else float("inf") if a else 0.0


def _denominators(
    values: list[_Current], previous: list[_Current], city: City, tolerance: float
) -> list[Finding]:
    found: list[Finding] = []
    before = {v.code: v.value for v in previous if v.kind == "input" and v.value is not None}
    for v in values:
        if v.kind != "input" or v.code not in DENOMINATORS or v.value is None:
            continue
        if v.code == "population" and city.population:
            diff = _rel_diff(v.value, city.population)
            if diff > tolerance:
                found.append(
                    Finding(
                        FindingKind.DENOMINATOR_VARIES,
                        v.code,
                        f"Population {v.value:g} differs by {diff:.1%} from the city profile "
                        f"({city.population:g}); check that both refer to the same year and area.",
                    )
                )
        old = before.get(v.code)
        if old is not None:
            diff = _rel_diff(v.value, old)
            if diff > tolerance:
                found.append(
                    Finding(
                        FindingKind.DENOMINATOR_VARIES,
                        v.code,
                        f"{v.code.capitalize()} {v.value:g} differs by {diff:.1%} from the "
                        f"previous year ({old:g}); check the source and year of both.",
                    )
                )
    return found


def _coverage(values: list[_Current]) -> list[Finding]:
    kpis: dict[str, bool] = {}
    for v in values:
        if v.kind == "kpi" and v.kpi_code:
            kpis[v.kpi_code] = kpis.get(v.kpi_code, False) or v.value is not None
    if not kpis:
        return []
    missing = sum(1 for reported in kpis.values() if not reported)
    share = missing / len(kpis)
    if share <= NOT_REPORTED_LIMIT:
        return []
    msg = (
        f"{missing} of {len(kpis)} KPIs ({share:.0%}) are not reported, more than "
        f"{NOT_REPORTED_LIMIT:.0%}; follow up with the city (VM p32)."
    )
    return [Finding(FindingKind.MANY_NOT_REPORTED, "", msg)]


def _ranges(values: list[_Current]) -> list[Finding]:
    found: list[Finding] = []
    # which percentages may exceed 100 is catalogue data (e.g. gross school enrolment)
    may_exceed = {k.code for k, dp in load_catalogue().iter_data_points() if dp.may_exceed_100}
    for v in values:
        if v.value is None:
            continue
        if v.value < 0:
            found.append(
                Finding(
                    FindingKind.OUT_OF_RANGE,
                    v.code,
                    f"{v.code} is negative ({f'{v.value:g} {v.unit}'.strip()}); none of "
                    "these can be.",
                )
            )
        elif is_percent(v.unit) and v.value > 100 and v.kpi_code not in may_exceed:
            found.append(
                Finding(
                    FindingKind.OUT_OF_RANGE,
                    v.code,
                    f"{v.code} is {v.value:g} %, above 100 %; check numerator and denominator.",
                )
            )
    return found


def _shares(values: list[_Current], tolerance: float) -> list[Finding]:
    # which KPIs are shares of a whole, and which nest, is catalogue data (``parts``)
    kpis = load_catalogue().kpis
    sum_to_100 = [k.code for k in kpis if k.parts == "sum_to_100"]
    nested = [k.code for k in kpis if k.parts == "nested"]
    groups: dict[str, list[_Current]] = defaultdict(list)
    for v in values:
        if v.kind == "kpi" and v.kpi_code in (*sum_to_100, *nested):
            groups[v.kpi_code].append(v)
    found: list[Finding] = []
    for kpi_code in sum_to_100:
        parts = groups.get(kpi_code, [])
        known = [p.value for p in parts if p.value is not None]
        if not parts or len(known) < len(parts):
            continue
        total = sum(known)
        if abs(total - 100.0) > tolerance:
            found.append(
                Finding(
                    FindingKind.SHARES_DO_NOT_SUM,
                    kpi_code,
                    f"The shares of {kpi_code} sum to {total:g} %, not 100 % "
                    f"(tolerance {tolerance:g} points).",
                )
            )
    for kpi_code in nested:
        found.extend(_nesting(kpi_code, groups.get(kpi_code, [])))
    return found


def _nesting(kpi_code: str, parts: list[_Current]) -> list[Finding]:
    levels = {p.code.rsplit("_", 1)[-1]: p.value for p in parts if p.value is not None}
    found: list[Finding] = []
    for upper, lower in (("primary", "secondary"), ("secondary", "tertiary")):
        if upper in levels and lower in levels and levels[lower] > levels[upper]:
            found.append(
                Finding(
                    FindingKind.WASTEWATER_NOT_NESTED,
                    kpi_code,
                    f"Wastewater {lower} treatment ({levels[lower]:g} %) exceeds {upper} "
                    f"treatment ({levels[upper]:g} %); each level must nest in the one before.",
                )
            )
    return found


def findings(
    session: Session, actor: Actor, city: str, year: int, *, settings: Settings
) -> list[Finding]:
    """Return the verifier findings for ``city`` in ``year``.

    Parameters
    ----------
    session, actor
        Transaction and reader (needs read access to the city's data).
    city, year
        The submission to check.
    settings
        Tolerances ``denominator_tolerance`` and ``share_sum_tolerance``.

    Returns
    -------
    list[Finding]
        Denominator, coverage, range, share and nesting findings, in that order.
    """
    found_city = find_city(session, city)
    actor.require(Action.READ_DATA, city_id=found_city.id, city=city)
    sub = find_submission(session, found_city, year)
    values = _current_values(session, sub)
    prev_sub = session.scalar(
        select(Submission)
        .where(Submission.city_id == found_city.id, Submission.year < year)
        .order_by(Submission.year.desc())
        .limit(1)
    )
    previous = _current_values(session, prev_sub) if prev_sub is not None else []
    return [
        *_denominators(values, previous, found_city, settings.denominator_tolerance),
        *_coverage(values),
        *_ranges(values),
        *_shares(values, settings.share_sum_tolerance),
    ]


__all__ = ["FINDING_COLUMNS", "Finding", "FindingKind", "findings"]
