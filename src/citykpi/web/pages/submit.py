"""A city data officer's actions: upload a file, submit, answer a query; an admin's publish.

``/my/upload`` takes a filled workbook (``.xlsx``), CSV or JSON file for one city and year and
imports it with :func:`citykpi.store.importer.import_file`, the same function as
``citykpi import``: a file with any error imports nothing, and the page lists every problem
with its file, sheet cell or row, field and fix. ``/my/submit`` submits the city-year's values,
``/my/answer`` answers a verifier's query, ``/admin/publish`` publishes a verified city-year.
Each is a form with the session's CSRF token; each calls the store's workflow function with the
signed-in actor, and the store's refusal (role, four-eyes, state) is what the page shows.

Uploads are checked before they are read: the name must end in ``.xlsx``, ``.csv`` or ``.json``,
the content must look like it (a zip container for a workbook, UTF-8 text without NUL bytes
for the others), and the size is bounded by ``upload_max_bytes`` (the application's body limit
refuses larger requests before they are read).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Final, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from citykpi.errors import (
    CityKpiError,
    InputError,
    NotFound,
    PermissionDenied,
    StoreError,
    ValidationFailed,
)
from citykpi.model import Issue
from citykpi.store import Store
from citykpi.store.cities import require_on_city
from citykpi.store.importer import ImportSummary, import_file
from citykpi.store.users import Action, Actor
from citykpi.store.workflow import answer, publish, submit
from citykpi.web.errors import status_of
from citykpi.web.pages.forms import check_csrf
from citykpi.web.pages.store import reader_store
from citykpi.web.pages.values import values_page
from citykpi.web.pages.work import login_redirect, signed_in
from citykpi.web.templating import render

__all__ = ["check_upload", "router", "upload_form"]

#: The editor's and the admin's action pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]
T = TypeVar("T")
#: File types an upload may be, by suffix.
SUFFIXES: Final = frozenset({".xlsx", ".csv", ".json"})
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def check_upload(name: str, content: bytes, limit: int) -> str:
    """Return a safe file name for an upload, after checking its type and size.

    Parameters
    ----------
    name
        The name the browser sent.
    content
        The file's bytes.
    limit
        The largest size accepted, in bytes.

    Returns
    -------
    str
        The base name with characters outside letters, digits, ``.-_`` and space replaced.

    Raises
    ------
    InputError
        The suffix is not ``.xlsx``/``.csv``/``.json``, the content is not of that type, the
        file is empty or larger than ``limit``.
    """
    base = Path(name.replace("\\", "/")).name.strip() or "upload"
    safe = _UNSAFE_NAME.sub("_", base)[:120]
    suffix = Path(safe).suffix.lower()
    if suffix not in SUFFIXES:
        msg = (
            f"{safe!r} is not a workbook, CSV or JSON file; upload the filled template (.xlsx) "
            "or a .csv/.json file of raw inputs."
        )
        raise InputError(msg)
    if not content:
        msg = f"{safe!r} is empty; choose the filled file."
        raise InputError(msg)
    if len(content) > limit:
        msg = f"{safe!r} is larger than {limit} bytes; split it (one city-year per file)."
        raise InputError(msg)
    if suffix == ".xlsx":
        if not content.startswith(b"PK\x03\x04"):
            msg = f"{safe!r} is not an Excel workbook (.xlsx); save it as .xlsx and upload again."
            raise InputError(msg)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            msg = (
                f"{safe!r} is not UTF-8 text (byte {e.start + 1}); save it as UTF-8 "
                "(CSV UTF-8 in Excel) and upload again."
            )
            raise InputError(msg) from e
        if "\x00" in text:
            msg = f"{safe!r} holds NUL bytes, so it is not a text file; upload the CSV or JSON."
            raise InputError(msg)
    return safe


def _upload_page(
    request: Request,
    *,
    city: str = "",
    year: int | None = None,
    message: str = "",
    ok: bool = False,
    issues: tuple[Issue, ...] = (),
    summary: ImportSummary | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "city": city,
        "year": year,
        "message": message,
        "ok": ok,
        "issues": issues,
        "summary": summary,
        "accept": ",".join(sorted(SUFFIXES)),
    }
    return render(request, "work/upload.html", context, status_code=status_code)


@router.get("/my/upload", response_class=HTMLResponse, name="pages.upload")
async def upload_form(
    request: Request,
    city: Annotated[str, Query(max_length=200)] = "",
    year: Annotated[int | None, Query(ge=1900, le=2200)] = None,
) -> Response:
    """Show the upload form for a city-year."""
    if signed_in(request) is None:
        return login_redirect(request)
    return _upload_page(request, city=city, year=year)


def _import(
    store: Store, actor: Actor, name: str, content: bytes, city: str, year: int
) -> ImportSummary:
    with store.reading() as s:  # refuse before the file is read or validated
        require_on_city(s, actor, Action.EDIT_DATA, city)
    with tempfile.TemporaryDirectory(prefix="citykpi-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return import_file(store, actor, path, city=city, year=year)


@router.post("/my/upload", response_class=HTMLResponse, name="pages.upload_post")
async def upload(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(min_length=1, max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    csrf_token: Annotated[str, Form(max_length=200)],
    file: UploadFile,
) -> Response:
    """Import the uploaded file for the city-year and show what happened."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    try:
        check_csrf(request, csrf_token)
    except PermissionDenied as e:
        return _upload_page(request, city=city, year=year, message=str(e), status_code=403)
    limit = int(getattr(request.app.state.settings, "upload_max_bytes", 10 * 1024 * 1024))
    content = await file.read(limit + 1)
    try:
        actor.require(Action.EDIT_DATA)
        name = check_upload(file.filename or "", content, limit)
        summary = await run_in_threadpool(_import, store, actor, name, content, city, year)
    except ValidationFailed as e:
        issues = tuple(i for i in e.issues if isinstance(i, Issue))
        head = str(e).splitlines()[0] if str(e) else "The file has errors."
        return _upload_page(
            request, city=city, year=year, message=head, issues=issues, status_code=422
        )
    except (InputError, NotFound, PermissionDenied, StoreError) as e:
        status = 403 if isinstance(e, PermissionDenied) else 422
        return _upload_page(request, city=city, year=year, message=str(e), status_code=status)
    return _upload_page(
        request, city=city, year=year, ok=True, summary=summary, issues=summary.warnings
    )


def _refusal(request: Request, error: CityKpiError) -> HTMLResponse:
    status = status_of(error, signed_in=True)
    return render(
        request, "error.html", {"status": status, "message": str(error)}, status_code=status
    )


async def _workflow(
    request: Request, store: Store, csrf_token: str, step: Callable[[Session, Actor], T]
) -> T | Response:
    """Run one workflow step for the signed-in actor in a transaction, CSRF-checked.

    Returns the step's result, or the page that answers instead: the login form for a visitor,
    the store's refusal (403, 404, 409, 422 as :data:`citykpi.web.errors.STATUS` says).
    """
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)

    def run() -> T:
        with store.transaction() as s:
            return step(s, actor)

    try:
        check_csrf(request, csrf_token)
        return await run_in_threadpool(run)
    except (InputError, NotFound, PermissionDenied, StoreError) as e:
        return _refusal(request, e)


@router.post("/my/submit", response_class=HTMLResponse, name="pages.submit")
async def submit_form(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(min_length=1, max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    csrf_token: Annotated[str, Form(max_length=200)],
) -> Response:
    """Submit the city-year's values for verification."""
    n = await _workflow(request, store, csrf_token, lambda s, a: submit(s, a, city, year))
    if isinstance(n, Response):
        return n
    message = f"{n} value(s) submitted for verification."
    return await _values(request, store, city, year, message)


async def _values(request: Request, store: Store, city: str, year: int, message: str) -> Response:
    actor = signed_in(request)
    assert actor is not None  # _workflow let the step run
    return await run_in_threadpool(values_page, request, store, actor, city, year, message=message)


@router.post("/my/answer", response_class=HTMLResponse, name="pages.answer")
async def answer_form(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(min_length=1, max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    code: Annotated[str, Form(min_length=1, max_length=200)],
    csrf_token: Annotated[str, Form(max_length=200)],
    comment: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Answer a verifier's query on one value, without changing it."""
    done = await _workflow(
        request, store, csrf_token, lambda s, a: answer(s, a, city, year, code, comment=comment)
    )
    if isinstance(done, Response):
        return done
    return await _values(request, store, city, year, f"Query on {code} answered.")


@router.post("/admin/publish", response_class=HTMLResponse, name="pages.publish")
async def publish_form(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(min_length=1, max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    csrf_token: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Publish a verified city-year (an admin; the store checks every value is verified)."""
    n = await _workflow(
        request, store, csrf_token, lambda s, a: publish(s, a, city, year, reason=reason)
    )
    if isinstance(n, Response):
        return n
    return RedirectResponse(f"/cities/{quote(city, safe='')}?published={n}", status_code=303)
