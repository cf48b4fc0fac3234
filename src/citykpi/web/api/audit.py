"""The audit trail, newest first, filtered and paged: the JSON twin of ``/admin/audit``.

The events come from :func:`citykpi.store.trail.read_audit`, which applies the reader's
permission (admins, verifiers and analysts read every event; a city editor those of her
cities). ``before`` and ``after`` are the recorded states as JSON objects.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from citykpi.store.trail import city_names, read_audit
from citykpi.web.api.deps import ActorDep, PageDep, StoreDep
from citykpi.web.api.schemas import AuditEventOut, Page, error_responses

__all__ = ["audit_events", "router"]

#: The audit endpoint.
router = APIRouter(tags=["audit"], responses=error_responses(401, 403, 422))


@router.get(
    "/audit", response_model=Page[AuditEventOut], responses=error_responses(404), name="api.audit"
)
def audit_events(
    store: StoreDep,
    actor: ActorDep,
    paging: PageDep,
    city: Annotated[str, Query(max_length=200, description="Only events about this city.")] = "",
    action: Annotated[
        str, Query(max_length=100, description="Only actions containing this, e.g. 'publish'.")
    ] = "",
    user: Annotated[str, Query(max_length=100, description="Only events by this user.")] = "",
    since: Annotated[
        datetime | None, Query(description="Only events at or after this time (ISO 8601).")
    ] = None,
) -> Page[AuditEventOut]:
    """List the audit events the actor may read, newest first."""
    with store.reading() as s:
        rows = read_audit(s, actor, city=city, since=since)
        names = city_names(s)
    if action:
        rows = [r for r in rows if action.lower() in r.action.lower()]
    if user:
        rows = [r for r in rows if r.actor.lower() == user.lower()]
    newest = list(reversed(rows))
    items = [
        AuditEventOut.model_validate(
            {**r.as_record(), "city": names.get(r.city_id, "") if r.city_id is not None else ""}
        )
        for r in paging.of(newest)
    ]
    return Page[AuditEventOut](
        items=items, total=len(newest), limit=paging.limit, offset=paging.offset
    )
