"""The audit trail page, with filters and a CSV export.

The events come from :func:`citykpi.store.trail.read_audit`, which applies the reader's
permission (admins, verifiers and analysts read every event; a city editor those of her
cities). The CSV goes through :func:`citykpi.io.writing.csv_text`, which neutralises cells a
spreadsheet would run as formulas.
"""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from citykpi.errors import NotFound, PermissionDenied
from citykpi.io.writing import csv_text
from citykpi.store import Store
from citykpi.store.audit import AuditRow
from citykpi.store.trail import city_names, read_audit
from citykpi.store.users import Actor
from citykpi.web.pages.store import reader_store
from citykpi.web.pages.work import login_redirect, signed_in
from citykpi.web.templating import render

__all__ = ["audit_trail", "router"]

#: The administration pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]

#: The most events one page shows (the CSV export has them all).
PAGE_SIZE = 200


def _events(
    store: Store, actor: Actor, *, city: str, action: str, user: str
) -> tuple[list[AuditRow], dict[int, str]]:
    with store.reading() as s:
        rows = read_audit(s, actor, city=city)
        names = city_names(s)
    if action:
        rows = [r for r in rows if action.lower() in r.action.lower()]
    if user:
        rows = [r for r in rows if r.actor.lower() == user.lower()]
    return rows, names


def _audit_response(
    request: Request, store: Store, actor: Actor, filters: dict[str, str], fmt: str
) -> Response:
    try:
        rows, names = _events(store, actor, **filters)
    except PermissionDenied as e:
        return render(request, "error.html", {"status": 403, "message": str(e)}, status_code=403)
    except NotFound as e:
        return render(request, "error.html", {"status": 404, "message": str(e)}, status_code=404)
    if fmt == "csv":
        frame = pd.DataFrame(
            [{**r.as_dict(), "city": names.get(r.city_id or -1, "")} for r in rows]
        )
        return Response(
            csv_text(frame),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
        )
    newest = list(reversed(rows))[:PAGE_SIZE]
    context = {"rows": newest, "total": len(rows), "names": names, "filters": filters}
    return render(request, "admin/audit.html", context)


@router.get("/admin/audit", response_class=HTMLResponse, name="pages.audit")
async def audit_trail(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Query(max_length=200)] = "",
    action: Annotated[str, Query(max_length=100)] = "",
    user: Annotated[str, Query(max_length=100)] = "",
    fmt: Annotated[str, Query(alias="format", pattern="^(html|csv)$")] = "html",
) -> Response:
    """Show the audit trail, newest first, filtered by city, action and user; or export it."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    filters = {"city": city, "action": action, "user": user}
    return await run_in_threadpool(_audit_response, request, store, actor, filters, fmt)
