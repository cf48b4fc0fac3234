"""A verifier's page for one submission: values with the manual's findings, and the actions.

``/review/submission?city=&year=`` lists the KPI and input values with their state and, inline,
the findings of :func:`citykpi.store.findings.findings` (denominators apart, not reported,
out of range, shares not summing, previous-year jumps). The form verifies, queries (with a
comment) or excludes (with a reason) the values ticked, in one go, through the store's workflow
functions, which enforce the four-eyes rule: a refusal is shown with the store's message.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from citykpi.errors import InputError, NotFound, PermissionDenied
from citykpi.model import Issue
from citykpi.store import Store
from citykpi.store.cities import require_on_city
from citykpi.store.findings import findings
from citykpi.store.listings import export_values
from citykpi.store.users import Action, Actor
from citykpi.store.workflow import exclude, query, verify
from citykpi.web.pages.forms import check_csrf
from citykpi.web.pages.store import reader_store
from citykpi.web.pages.work import login_redirect, signed_in
from citykpi.web.templating import render

__all__ = ["act", "router", "submission"]

#: The review pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]
ReviewAction = Literal["verify", "query", "exclude"]


def _page(
    request: Request,
    store: Store,
    actor: Actor,
    city: str,
    year: int,
    *,
    message: str = "",
    ok: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        with store.reading() as s:
            require_on_city(s, actor, Action.READ_DATA, city)
            rows = export_values(s, actor, city=city, year=year, kinds=("kpi", "input"))
            found = findings(s, actor, city, year, settings=store.settings)
    except (PermissionDenied, NotFound) as e:
        status = 403 if isinstance(e, PermissionDenied) else 404
        return render(
            request, "error.html", {"status": status, "message": str(e)}, status_code=status
        )
    by_code: dict[str, list[Issue]] = {}
    general: list[Issue] = []
    for issue in found:
        codes = [issue.location.code, *issue.data_points] if issue.location.code else []
        for code in codes or []:
            by_code.setdefault(code, []).append(issue)
        if not codes:
            general.append(issue)
    context = {
        "city": city,
        "year": year,
        "rows": rows,
        "findings": by_code,
        "general": general,
        "count": len(found),
        "message": message,
        "ok": ok,
    }
    return render(request, "work/submission.html", context, status_code=status_code)


def _act(
    request: Request,
    store: Store,
    actor: Actor,
    city: str,
    year: int,
    action: ReviewAction,
    codes: list[str],
    comment: str,
) -> HTMLResponse:
    try:
        if not codes:
            msg = "Tick the values to act on first."
            raise InputError(msg)
        with store.transaction() as s:
            if action == "verify":
                n = verify(s, actor, city, year, codes, comment=comment)
            elif action == "query":
                n = query(s, actor, city, year, codes, comment=comment)
            else:
                n = exclude(s, actor, city, year, codes, reason=comment)
    except (PermissionDenied, InputError, NotFound) as e:
        status = 403 if isinstance(e, PermissionDenied) else 422
        return _page(request, store, actor, city, year, message=str(e), status_code=status)
    done = {"verify": "verified", "query": "queried", "exclude": "excluded"}[action]
    return _page(request, store, actor, city, year, message=f"{n} value(s) {done}.", ok=True)


@router.get("/review/submission", response_class=HTMLResponse, name="pages.submission")
async def submission(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Query(min_length=1, max_length=200)],
    year: Annotated[int, Query(ge=1900, le=2200)],
) -> Response:
    """Show a submission's values with their findings and the review form."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    return await run_in_threadpool(_page, request, store, actor, city, year)


@router.post("/review/submission", response_class=HTMLResponse, name="pages.review_act")
async def act(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    action: Annotated[ReviewAction, Form()],
    csrf_token: Annotated[str, Form(max_length=200)],
    codes: Annotated[list[str] | None, Form()] = None,
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Verify, query or exclude the ticked values (the store applies the four-eyes rule)."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    try:
        check_csrf(request, csrf_token)
    except PermissionDenied as e:
        return render(request, "error.html", {"status": 403, "message": str(e)}, status_code=403)
    return await run_in_threadpool(
        _act, request, store, actor, city, year, action, list(codes or [])[:1000], comment
    )
