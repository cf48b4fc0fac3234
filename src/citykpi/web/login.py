"""Signing in and out of the web application.

``GET /login`` shows the form; ``POST /login`` checks the password with the store's
rate-limited :func:`citykpi.store.auth.login` (the same check as ``citykpi login``), which
creates a login token; the session cookie carries that token from then on, with a new CSRF
token (no session fixation). ``POST /logout`` revokes the token. Both forms are CSRF-checked.
A wrong name and a wrong password get the same answer.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from citykpi.errors import PermissionDenied
from citykpi.store.auth import login, revoke_secret
from citykpi.store.users import Actor
from citykpi.web.pages.forms import check_csrf
from citykpi.web.pages.store import reader_store
from citykpi.web.sessions import SessionData, resolve_actor
from citykpi.web.templating import render

__all__ = ["home_of", "router", "safe_next"]

#: The sign-in routes (pages, so not in the API document).
router = APIRouter(include_in_schema=False)


def safe_next(target: str) -> str:
    """Return ``target`` if it is a path on this site, else ``""`` (no open redirect)."""
    if (
        not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
        or len(target) > 1000
    ):
        return ""
    return target


def home_of(actor: Actor) -> str:
    """Return where ``actor`` starts after signing in: her cities, the queue, or the list."""
    return {"city_editor": "/my", "verifier": "/review", "admin": "/my"}.get(actor.role, "/")


@router.get("/login", response_class=HTMLResponse, name="pages.login")
async def login_form(
    request: Request, next_url: Annotated[str, Query(alias="next", max_length=1000)] = ""
) -> Response:
    """Show the sign-in form."""
    return render(request, "login.html", {"next_url": safe_next(next_url), "error": ""})


@router.post("/login", response_class=HTMLResponse, name="pages.login_post")
async def login_post(
    request: Request,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)],
    next_url: Annotated[str, Form(alias="next", max_length=1000)] = "",
) -> Response:
    """Check the password; on success start a session and go on."""
    target = safe_next(next_url)
    try:
        check_csrf(request, csrf_token)
        done = await run_in_threadpool(login, reader_store(request), name, password)
    except PermissionDenied as e:
        context = {"next_url": target, "error": str(e), "name": name}
        return render(request, "login.html", context, status_code=401)
    request.state.session_out = SessionData.fresh(done.token)
    actor = await run_in_threadpool(resolve_actor, reader_store(request), done.token)
    return RedirectResponse(target or home_of(actor), status_code=303)


def _revoke(request: Request, token: str) -> None:
    with reader_store(request).transaction() as s:
        revoke_secret(s, token)


@router.post("/logout", name="pages.logout")
async def logout(request: Request, csrf_token: Annotated[str, Form(max_length=200)]) -> Response:
    """End the session: revoke its login token and forget it."""
    try:
        check_csrf(request, csrf_token)
    except PermissionDenied as e:
        return render(request, "error.html", {"status": 403, "message": str(e)}, status_code=403)
    session = getattr(request.state, "session", None)
    if isinstance(session, SessionData) and session.token:
        await run_in_threadpool(_revoke, request, session.token)
    request.state.session_out = SessionData.fresh()
    return RedirectResponse("/", status_code=303)
