"""A city-year's values, and editing one value with optimistic locking.

``/values?city=&year=`` lists the KPI values of a city-year the reader may read (the store's
permission-checked listing), each with a link to ``/values/edit``, which shows the value, its
unit, source, data-quality flag and revision history, and saves a new value through
:func:`citykpi.store.edits.edit_value` with the version the form was read at. When someone else
saved in between, the store refuses (:class:`~citykpi.errors.ConflictError`); the page then
says who changed it and shows both values, and nothing is overwritten.

The form carries the session's CSRF token; the save compares it with the session's before doing
anything (the application core's CSRF check runs first where it is installed).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from citykpi.errors import (
    ConflictError,
    InputError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from citykpi.store import Store
from citykpi.store.cities import require_on_city
from citykpi.store.edits import edit_value
from citykpi.store.listings import export_values, history
from citykpi.store.users import Action, Actor
from citykpi.web.pages.forms import check_csrf
from citykpi.web.pages.store import reader_store
from citykpi.web.pages.work import login_redirect, signed_in
from citykpi.web.templating import render

__all__ = ["edit_form", "router", "save_value", "value_list", "values_page"]

#: The value pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]
CityQ = Annotated[str, Query(min_length=1, max_length=200)]
YearQ = Annotated[int, Query(ge=1900, le=2200)]
CodeQ = Annotated[str, Query(min_length=1, max_length=200)]


def _error(request: Request, status: int, error: Exception) -> HTMLResponse:
    return render(
        request, "error.html", {"status": status, "message": str(error)}, status_code=status
    )


def values_page(
    request: Request,
    store: Store,
    actor: Actor,
    city: str,
    year: int,
    *,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    """Render a city-year's values with the actions the actor's role offers.

    ``message`` (the outcome of an action just taken) is shown above the table.
    """
    try:
        with store.reading() as s:
            require_on_city(s, actor, Action.READ_DATA, city)
            rows = export_values(s, actor, city=city, year=year, kinds=("kpi", "input"))
    except (PermissionDenied, NotFound) as e:
        return _error(request, 403 if isinstance(e, PermissionDenied) else 404, e)
    context = {
        "city": city,
        "year": year,
        "rows": rows,
        "message": message,
        "may_submit": actor.may(Action.SUBMIT),
        "may_publish": actor.may(Action.PUBLISH),
        "queried": [r for r in rows if r["state"] == "queried"],
    }
    return render(request, "work/values.html", context, status_code=status_code)


def _form(
    request: Request,
    store: Store,
    actor: Actor,
    city: str,
    year: int,
    code: str,
    *,
    message: str = "",
    conflict: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        with store.reading() as s:
            require_on_city(s, actor, Action.READ_DATA, city)
            revisions = history(s, actor, city, year, code=code)
    except (PermissionDenied, NotFound, InputError) as e:
        return _error(request, 403 if isinstance(e, PermissionDenied) else 404, e)
    current = [r for r in revisions if r["current"]]
    if not current:
        return _error(request, 404, NotFound(f"No value {code!r} for {city!r} {year}."))
    context = {
        "city": city,
        "year": year,
        "code": code,
        "value": current[-1],
        "revisions": revisions,
        "may_edit": actor.may(Action.EDIT_VALUE),
        "message": message,
        "conflict": conflict,
    }
    return render(request, "work/value_edit.html", context, status_code=status_code)


def _save(request: Request, store: Store, actor: Actor, form: dict[str, str]) -> HTMLResponse:
    city, code = form["city"], form["code"]
    year = int(form["year"])
    try:
        number = float(form["value"].replace(",", ""))
    except ValueError:
        msg = f"The value {form['value']!r} is not a number; write it like 1234.5."
        return _form(request, store, actor, city, year, code, message=msg, status_code=422)
    try:
        with store.transaction() as s:
            require_on_city(s, actor, Action.EDIT_VALUE, city)
            edit_value(
                s,
                actor,
                city,
                year,
                code,
                value=number,
                reason=form["reason"],
                unit=form["unit"] or None,
                source=form["source"] or None,
                expected_version=int(form["version"]),
            )
    except ConflictError as e:
        yours = {"value": number, "unit": form["unit"], "source": form["source"]}
        return _form(
            request,
            store,
            actor,
            city,
            year,
            code,
            message=str(e),
            conflict=yours,
            status_code=409,
        )
    except PermissionDenied as e:
        return _error(request, 403, e)
    except (InputError, NotFound, ValidationFailed) as e:
        return _form(request, store, actor, city, year, code, message=str(e), status_code=422)
    return _form(request, store, actor, city, year, code, message="saved")


@router.get("/values", response_class=HTMLResponse, name="pages.values")
async def value_list(request: Request, store: StoreDep, city: CityQ, year: YearQ) -> Response:
    """List a city-year's values with links to edit each."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    return await run_in_threadpool(values_page, request, store, actor, city, year)


@router.get("/values/edit", response_class=HTMLResponse, name="pages.value_edit")
async def edit_form(
    request: Request, store: StoreDep, city: CityQ, year: YearQ, code: CodeQ
) -> Response:
    """Show one value, its history and the form to change it."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    return await run_in_threadpool(_form, request, store, actor, city, year, code)


@router.post("/values/edit", response_class=HTMLResponse, name="pages.value_save")
async def save_value(
    request: Request,
    store: StoreDep,
    city: Annotated[str, Form(max_length=200)],
    year: Annotated[int, Form(ge=1900, le=2200)],
    code: Annotated[str, Form(max_length=200)],
    value: Annotated[str, Form(max_length=100)],
    version: Annotated[int, Form(ge=0)],
    reason: Annotated[str, Form(max_length=2000)],
    csrf_token: Annotated[str, Form(max_length=200)],
    unit: Annotated[str, Form(max_length=100)] = "",
    source: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Save a new value with the version the form was read at (refused if it changed)."""
    actor = signed_in(request)
    if actor is None:
        return login_redirect(request)
    try:
        check_csrf(request, csrf_token)
    except PermissionDenied as e:
        return _error(request, 403, e)
    form = {
        "city": city,
        "year": str(year),
        "code": code,
        "value": value,
        "version": str(version),
        "reason": reason,
        "unit": unit,
        "source": source,
    }
    return await run_in_threadpool(_save, request, store, actor, form)
