"""Submissions for signed-in users: values with their state, revisions, findings and actions.

The JSON twins of ``/my``, ``/review``, ``/values``, ``/values/edit`` and
``/review/submission``. Every read and write goes through the store's functions with the
signed-in actor (:func:`citykpi.store.listings.export_values` and
:func:`~citykpi.store.listings.history`, :func:`citykpi.store.findings.findings`, the
workflow's :func:`~citykpi.store.workflow.submit`, :func:`~citykpi.store.workflow.verify`,
:func:`~citykpi.store.workflow.query`, :func:`~citykpi.store.workflow.exclude`,
:func:`~citykpi.store.workflow.publish`, and :func:`citykpi.store.edits.edit_value`); they
apply the roles, the city scopes and the four-eyes rule and refuse with the store's message.

A city's unpublished values are read only after ``Actor.require(READ_DATA)`` for that city, so
an editor asking for another city's values gets a 403 rather than an empty list.
"""

from __future__ import annotations

from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from citykpi.catalogue import normalise_code
from citykpi.errors import ConflictError, InputError, NotFound
from citykpi.store import Store
from citykpi.store.cities import find_city, find_submission
from citykpi.store.edits import edit_value
from citykpi.store.findings import findings
from citykpi.store.listings import export_values, history
from citykpi.store.states import ValueState
from citykpi.store.users import Action, Actor
from citykpi.store.workflow import exclude, publish, query, submit, verify
from citykpi.web.api.deps import ActorDep, PageDep, StoreDep
from citykpi.web.api.schemas import (
    ActionIn,
    ActionOut,
    DimensionOut,
    EditOut,
    FindingOut,
    Page,
    RevisionOut,
    SubmissionOut,
    ValueEditIn,
    ValueKind,
    ValueOut,
    error_responses,
)
from citykpi.web.errors import error_response
from citykpi.web.pages.work import progress

__all__ = [
    "act",
    "edit",
    "list_findings",
    "list_revisions",
    "list_submissions",
    "list_values",
    "router",
]

#: The submission endpoints.
router = APIRouter(tags=["submissions"], responses=error_responses(401, 403, 422))

_SUBMISSION: Final = "/submissions/{city:path}/{year}"
CityPath = Annotated[str, Path(min_length=1, max_length=200, description="The city's name.")]
YearPath = Annotated[int, Path(ge=1900, le=2200, description="The reporting year.")]
CodePath = Annotated[
    str, Path(min_length=1, max_length=200, description="Input id, data point id or KPI code.")
]


def _values_url(city: str, year: int) -> str:
    return f"/api/v1/submissions/{quote(city, safe='')}/{year}/values"


def _readable(session: Session, actor: Actor, city: str, year: int) -> None:
    """Refuse unless the actor may read the city's unpublished data and the year exists."""
    found = find_city(session, city)
    actor.require(Action.READ_DATA, city_id=found.id, city=city)
    find_submission(session, found, year)


def _value(row: dict[str, object]) -> ValueOut:
    return ValueOut.model_validate(row)


@router.get("/submissions", response_model=Page[SubmissionOut], name="api.submissions")
def list_submissions(
    store: StoreDep,
    actor: ActorDep,
    paging: PageDep,
    waiting: Annotated[
        bool | None,
        Query(
            description=(
                "Only city-years with values waiting for a verifier (true) or without (false); "
                "default: the queue for a verifier, every readable city-year for others."
            )
        ),
    ] = None,
) -> Page[SubmissionOut]:
    """List the city-years the actor may read, with completion per dimension and states."""
    rows = progress(store, actor)
    if waiting is None:
        waiting = True if actor.may(Action.REVIEW) and not actor.may(Action.EDIT_DATA) else None
    if waiting is not None:
        rows = [r for r in rows if bool(r.to_review) is waiting]
    items = [
        SubmissionOut(
            city=r.city,
            year=r.year,
            dimensions=[
                DimensionOut(
                    dimension=d.dimension, reported=d.reported, total=d.total, percent=d.percent
                )
                for d in r.dimensions
            ],
            states=dict(r.states),
            to_review=r.to_review,
            values_url=_values_url(r.city, r.year),
        )
        for r in rows
    ]
    return Page[SubmissionOut](
        items=paging.of(items), total=len(items), limit=paging.limit, offset=paging.offset
    )


@router.get(
    f"{_SUBMISSION}/values",
    response_model=Page[ValueOut],
    responses=error_responses(404),
    name="api.values",
)
def list_values(
    store: StoreDep,
    actor: ActorDep,
    paging: PageDep,
    city: CityPath,
    year: YearPath,
    kind: Annotated[ValueKind | None, Query(description="Only inputs or only KPIs.")] = None,
    state: Annotated[ValueState | None, Query(description="Only values in this state.")] = None,
) -> Page[ValueOut]:
    """List a city-year's current values with their verification state and version."""
    with store.reading() as s:
        _readable(s, actor, city, year)
        rows = export_values(
            s,
            actor,
            city=city,
            year=year,
            state=state.value if state is not None else "",
            kinds=(kind,) if kind else ("input", "kpi"),
        )
    items = [_value(dict(r)) for r in paging.of(rows)]
    return Page[ValueOut](items=items, total=len(rows), limit=paging.limit, offset=paging.offset)


@router.get(
    f"{_SUBMISSION}/values/{{kind}}/{{code}}/revisions",
    response_model=Page[RevisionOut],
    responses=error_responses(404),
    name="api.revisions",
)
def list_revisions(
    store: StoreDep,
    actor: ActorDep,
    paging: PageDep,
    city: CityPath,
    year: YearPath,
    kind: ValueKind,
    code: CodePath,
) -> Page[RevisionOut]:
    """List every revision of one value, oldest first, with author, time and note."""
    with store.reading() as s:
        rows = [r for r in history(s, actor, city, year, code=code) if r["kind"] == kind]
    if not rows:
        msg = f"City {city!r} has no {kind} value {code!r} for {year}."
        raise NotFound(msg)
    items = [RevisionOut.model_validate(dict(r)) for r in paging.of(rows)]
    return Page[RevisionOut](items=items, total=len(rows), limit=paging.limit, offset=paging.offset)


@router.get(
    f"{_SUBMISSION}/findings",
    response_model=Page[FindingOut],
    responses=error_responses(404),
    name="api.findings",
)
def list_findings(
    store: StoreDep, actor: ActorDep, paging: PageDep, city: CityPath, year: YearPath
) -> Page[FindingOut]:
    """List the verification manual's findings on a submission (denominators, ranges, ...)."""
    with store.reading() as s:
        found = findings(s, actor, city, year, settings=store.settings)
    items = [
        FindingOut(
            reason=i.reason.value,
            severity=i.severity.value,
            message=i.message,
            city=i.location.city,
            year=i.location.year,
            code=i.location.code,
            field=i.location.field,
            value=i.value,
            data_points=list(i.data_points),
        )
        for i in found
    ]
    return Page[FindingOut](
        items=paging.of(items), total=len(items), limit=paging.limit, offset=paging.offset
    )


_DONE: Final = {
    "submit": "submitted",
    "verify": "verified",
    "query": "queried",
    "exclude": "excluded",
    "publish": "published",
}


def _run(store: Store, actor: Actor, city: str, year: int, body: ActionIn) -> int:
    codes = list(body.codes)
    if body.action in {"submit", "publish"} and codes:
        msg = f"{body.action.capitalize()} acts on the whole submission; send no 'codes'."
        raise InputError(msg)
    with store.transaction() as s:
        if body.action == "submit":
            return submit(s, actor, city, year)
        if body.action == "verify":
            return verify(s, actor, city, year, codes, comment=body.comment)
        if body.action == "query":
            return query(s, actor, city, year, codes, comment=body.comment)
        if body.action == "exclude":
            return exclude(s, actor, city, year, codes, reason=body.comment)
        return publish(s, actor, city, year, reason=body.comment)


@router.post(
    f"{_SUBMISSION}/actions",
    response_model=ActionOut,
    responses=error_responses(400, 404, 409, 503),
    name="api.actions",
)
def act(
    store: StoreDep, actor: ActorDep, city: CityPath, year: YearPath, body: ActionIn
) -> ActionOut:
    """Submit, verify, query, exclude or publish values (the store applies roles and four eyes).

    ``verify`` without codes verifies every submitted value; ``query`` needs a comment and
    ``exclude`` a reason (the comment); ``submit`` and ``publish`` act on the whole submission.
    """
    n = _run(store, actor, city, year, body)
    return ActionOut(
        action=body.action,
        city=city,
        year=year,
        count=n,
        message=f"{n} value(s) {_DONE[body.action]}.",
    )


def _conflict(
    request: Request,
    store: Store,
    actor: Actor,
    where: tuple[str, int, ValueKind, str],
    body: ValueEditIn,
    error: ConflictError,
) -> Response:
    """Answer a 409 that says who changed the value, and shows theirs and yours."""
    city, year, kind, code = where
    with store.reading() as s:
        revisions = [r for r in history(s, actor, city, year, code=code) if r["kind"] == kind]
    current = next((r for r in reversed(revisions) if r["current"]), None)
    yours = f"yours: {body.value!r}"
    if current is None:
        return error_response(request, 409, str(error), [{"loc": "body.value", "msg": yours}])
    unit = f" {current['unit']}" if current["unit"] else ""
    theirs = (
        f"{current['author'] or 'someone'} saved {current['value']!r}{unit} "
        f"(version {current['version']}) at {current['time']}"
    )
    message = f"{error} Someone else saved this value first: {theirs}; {yours}."
    problems: list[dict[str, object]] = [
        {"loc": "stored", "msg": f"Stored: {theirs}.", "value": current["value"]},
        {"loc": "body.value", "msg": f"Yours: {body.value!r}, not saved.", "value": body.value},
    ]
    return error_response(request, 409, message, problems)


@router.put(
    f"{_SUBMISSION}/values/{{kind}}/{{code}}",
    response_model=EditOut,
    responses=error_responses(400, 404, 409, 503),
    name="api.value_edit",
)
def edit(
    request: Request,
    store: StoreDep,
    actor: ActorDep,
    city: CityPath,
    year: YearPath,
    kind: ValueKind,
    code: CodePath,
    body: ValueEditIn,
) -> EditOut | Response:
    """Save a new value with the version it was read at; a concurrent edit is refused (409)."""
    try:
        with store.transaction() as s:
            edit_value(
                s,
                actor,
                city,
                year,
                code,
                value=body.value,
                reason=body.reason,
                kind=kind,
                unit=body.unit,
                source=body.source,
                expected_version=body.expect_version,
            )
    except ConflictError as e:
        return _conflict(request, store, actor, (city, year, kind, code), body, e)
    with store.reading() as s:
        rows = export_values(s, actor, city=city, year=year, kinds=(kind,))
    wanted = normalise_code(code)
    saved = next(r for r in rows if r["code"] == wanted)
    return EditOut(value=_value(dict(saved)))
