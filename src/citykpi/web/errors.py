"""The one error shape of the REST API, and error pages that never show a stack trace.

Every error answered under ``/api/`` is JSON of one shape::

    {"ok": false, "error": "<one sentence with the fix>", "errors": [...], "status": 403}

``errors`` lists the individual problems where there are several (a request's invalid fields,
each with ``loc`` and ``msg``); it is empty otherwise. Every other path gets the HTML error
page. Library exceptions map to statuses in one table, :data:`STATUS`:

* :class:`~citykpi.errors.PermissionDenied`: 401 when nobody is signed in, 403 otherwise;
* :class:`~citykpi.errors.NotFound`: 404;
* :class:`~citykpi.errors.ConflictError`: 409 (a concurrent edit came first);
* :class:`~citykpi.errors.InputError`, :class:`~citykpi.errors.ValidationFailed`,
  :class:`~citykpi.errors.SpecError`: 422;
* any other :class:`~citykpi.errors.StoreError`: 409 (the store refuses the operation in the
  record's present state, e.g. publishing before every value is verified).

Anything else is a 500 whose message names an incident number that is also logged with the
traceback, so an operator can find it; the client never sees the traceback.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from citykpi.errors import (
    CityKpiError,
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
    SpecError,
    StoreError,
    ValidationFailed,
)

__all__ = [
    "API_PREFIX",
    "STATUS",
    "error_body",
    "error_response",
    "install_error_handlers",
    "status_of",
    "unexpected",
]

log = logging.getLogger("citykpi.web")

#: Paths under this prefix answer errors as JSON.
API_PREFIX: Final = "/api/"

#: Library exception -> HTTP status, most specific first.
STATUS: Final[tuple[tuple[type[CityKpiError], int], ...]] = (
    (PermissionDenied, 403),
    (NotFound, 404),
    (ConflictError, 409),
    (ValidationFailed, 422),
    (InputError, 422),
    (SpecError, 422),
    (StoreError, 409),
)

_REASONS: Final[Mapping[int, str]] = {
    400: "The request is malformed; check its parameters.",
    401: "Sign in first: send 'Authorization: Bearer <token>' or sign in at /login.",
    403: "You may not do this.",
    404: "There is no such page or resource; check the address.",
    405: "This address does not accept that method.",
    413: "The upload is too large.",
    415: "This upload type is not accepted.",
    422: "The request's values are not valid.",
    429: "Too many requests; wait a moment and try again.",
}


def error_body(status: int, error: str, errors: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Return the API's error document.

    Parameters
    ----------
    status
        The HTTP status.
    error
        One sentence saying what went wrong and how to fix it.
    errors
        The individual problems, when there are several.

    Returns
    -------
    dict
        ``{"ok": False, "error": ..., "errors": [...], "status": ...}``.
    """
    return {"ok": False, "error": error, "errors": [dict(e) for e in errors], "status": status}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == "/api"


def error_response(
    request: Request,
    status: int,
    error: str,
    errors: Sequence[Mapping[str, Any]] = (),
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Answer an error: JSON under ``/api/``, the HTML error page elsewhere.

    Parameters
    ----------
    request
        The request that failed.
    status
        The HTTP status.
    error
        The message, shown as text (escaped) on the page.
    errors
        The individual problems (JSON only; the page lists their messages).
    headers
        Extra response headers (``WWW-Authenticate``, ``Retry-After``).

    Returns
    -------
    Response
        The JSON document or the page.
    """
    if _is_api(request):
        return JSONResponse(error_body(status, error, errors), status_code=status, headers=headers)
    from citykpi.web.templating import render  # the pages' environment, loaded once

    details = [str(e.get("msg", "")) for e in errors if e.get("msg")]
    message = " ".join([error, *details]) if details else error
    page = render(request, "error.html", {"status": status, "message": message}, status_code=status)
    for key, value in (headers or {}).items():
        page.headers[key] = value
    return page


def status_of(error: CityKpiError, *, signed_in: bool) -> int:
    """Return the HTTP status of a library exception (see :data:`STATUS`)."""
    for kind, status in STATUS:
        if isinstance(error, kind):
            if status == 403 and not signed_in:
                return 401
            return status
    return 500


def _signed_in(request: Request) -> bool:
    return getattr(request.state, "actor", None) is not None


async def _library_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CityKpiError)
    status = status_of(exc, signed_in=_signed_in(request))
    if status == 500:
        return await unexpected(request, exc)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return error_response(request, status, str(exc), headers=headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else ""
    generic = {"Not Found", "Method Not Allowed", "Unauthorized", "Forbidden"}
    message = detail if detail and detail not in generic else _REASONS.get(status, detail)
    return error_response(request, status, message or "The request failed.", headers=exc.headers)


def _location(loc: Sequence[object]) -> str:
    return ".".join(str(part) for part in loc)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "loc": _location(e.get("loc", ())),
            "msg": f"{_location(e.get('loc', ()))}: {e.get('msg')}",
        }
        for e in exc.errors()
    ]
    return error_response(request, 422, _REASONS[422], problems)


async def unexpected(request: Request, exc: Exception) -> Response:
    incident = secrets.token_hex(4)
    log.error("incident %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    message = (
        f"The server could not complete the request (incident {incident}). Try again; if it "
        "happens again, give the incident number to the site's administrator."
    )
    return error_response(request, 500, message)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every error its shape on ``app``.

    Parameters
    ----------
    app
        The application (``create_app`` calls this).
    """
    app.add_exception_handler(CityKpiError, _library_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(Exception, unexpected)
