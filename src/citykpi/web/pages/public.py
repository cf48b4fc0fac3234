"""The public pages: published values only, no login.

``/`` lists the cities (with a map when profiles carry coordinates) and ``/cities/{city}``
shows one city's latest published year: dimension, sub-dimension and category scores in the
four U4SSC bands, and each KPI with value, unit, target, band, SDG targets and data-quality
flag. Every band is written as text and a symbol as well as a colour. Charts are Vega-Lite
specs in ``<script type="application/json">`` blocks (``static/js/charts.js`` renders them),
each followed by the table it draws.

The values come from :mod:`citykpi.web.pages.published`, which reads the published values and
scores them with the library. The page a visitor without a session gets is cached, keyed on the
path, the language and the store's latest audit event (:func:`~citykpi.web.pages.published.
audit_mark`): a publish records an audit event, so the next request renders afresh.
"""

from __future__ import annotations

import threading
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from citykpi.errors import InputError, NotFound
from citykpi.store import Store
from citykpi.web.pages.published import (
    COMPARE_MAX,
    audit_mark,
    city_page,
    compare,
    published_cities,
    sdg_goals,
    sdg_page,
)
from citykpi.web.pages.store import reader_store
from citykpi.web.templating import render

__all__ = ["city", "city_list", "compare_cities", "router", "sdg", "sdg_list"]

#: The public pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]

#: The most pages kept; the cache is emptied when it is full or the store changed.
_CACHE_LIMIT = 256
_cache: dict[tuple[str, str, str, int], bytes] = {}
_cache_lock = threading.Lock()


def _cache_key(request: Request, store: Store, mark: int) -> tuple[str, str, str, int] | None:
    """Return the cache key of an anonymous request (``None``: signed in, not cached)."""
    if getattr(request.state, "actor", None) is not None:
        return None
    return (store.url, request.url.path, str(getattr(request.state, "locale", None) or ""), mark)


def _remember(key: tuple[str, str, str, int] | None, response: HTMLResponse) -> HTMLResponse:
    if key is None or response.status_code != 200:
        return response
    with _cache_lock:
        stale = [k for k in _cache if k[0] == key[0] and k[3] != key[3]]
        for k in stale:
            del _cache[k]
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = bytes(response.body)
    return response


def _list_page(request: Request, store: Store, mark: int) -> HTMLResponse:
    cities = published_cities(store, mark=mark)
    points = [
        {"name": c.name, "lat": c.latitude, "lon": c.longitude, "url": c.url}
        for c in cities
        if c.latitude is not None and c.longitude is not None
    ]
    return render(request, "public/cities.html", {"cities": cities, "points": points})


def _city_page(request: Request, store: Store, name: str, mark: int) -> HTMLResponse:
    try:
        page = city_page(store, name, mark=mark)
    except NotFound as e:
        return render(request, "error.html", {"status": 404, "message": str(e)}, status_code=404)
    return render(request, "public/city.html", {"page": page})


@router.get("/", response_class=HTMLResponse, name="pages.city_list")
async def city_list(request: Request, store: StoreDep) -> HTMLResponse:
    """List the cities with published data, on a map and in a table."""
    mark = audit_mark(store)  # one small indexed query; cheaper inline than in a thread
    key = _cache_key(request, store, mark)
    cached = _cache.get(key) if key is not None else None
    if cached is not None:
        return HTMLResponse(cached)
    return _remember(key, await run_in_threadpool(_list_page, request, store, mark))


@router.get("/cities/{name:path}", response_class=HTMLResponse, name="pages.city")
async def city(request: Request, name: str, store: StoreDep) -> HTMLResponse:
    """Show one city's latest published year."""
    mark = audit_mark(store)
    key = _cache_key(request, store, mark)
    cached = _cache.get(key) if key is not None else None
    if cached is not None:
        return HTMLResponse(cached)
    return _remember(key, await run_in_threadpool(_city_page, request, store, name, mark))


def _sdg_list(request: Request, store: Store, mark: int) -> HTMLResponse:
    return render(request, "public/sdgs.html", {"goals": sdg_goals(store, mark=mark)})


def _sdg_page(request: Request, store: Store, goal: int, mark: int) -> HTMLResponse:
    try:
        page = sdg_page(store, goal, mark=mark)
    except NotFound as e:
        return render(request, "error.html", {"status": 404, "message": str(e)}, status_code=404)
    return render(request, "public/sdg.html", {"page": page})


@router.get("/sdg", response_class=HTMLResponse, name="pages.sdg_list")
async def sdg_list(request: Request, store: StoreDep) -> HTMLResponse:
    """List the goals with the number of published KPI values linked to each."""
    mark = audit_mark(store)
    key = _cache_key(request, store, mark)
    cached = _cache.get(key) if key is not None else None
    if cached is not None:
        return HTMLResponse(cached)
    return _remember(key, await run_in_threadpool(_sdg_list, request, store, mark))


@router.get("/sdg/{goal}", response_class=HTMLResponse, name="pages.sdg")
async def sdg(request: Request, goal: int, store: StoreDep) -> HTMLResponse:
    """Show the band of every KPI linked to SDG ``goal`` in every city."""
    mark = audit_mark(store)
    key = _cache_key(request, store, mark)
    cached = _cache.get(key) if key is not None else None
    if cached is not None:
        return HTMLResponse(cached)
    return _remember(key, await run_in_threadpool(_sdg_page, request, store, goal, mark))


def _compare_page(request: Request, store: Store, names: list[str], mark: int) -> HTMLResponse:
    cities = published_cities(store, mark=mark)
    context: dict[str, object] = {"cities": cities, "chosen": names, "most": COMPARE_MAX}
    if not names:
        return render(request, "public/compare.html", {**context, "pages": []})
    try:
        pages = compare(store, names, mark=mark)
    except (InputError, NotFound) as e:
        return render(
            request,
            "public/compare.html",
            {**context, "pages": [], "error": str(e)},
            status_code=422 if isinstance(e, InputError) else 404,
        )
    return render(request, "public/compare.html", {**context, "pages": pages})


@router.get("/compare", response_class=HTMLResponse, name="pages.compare")
async def compare_cities(
    request: Request,
    store: StoreDep,
    city: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> HTMLResponse:
    """Put 2-5 cities side by side (``?city=A&city=B``); without cities, the form to pick them."""
    mark = audit_mark(store)
    return await run_in_threadpool(_compare_page, request, store, list(city or [])[:50], mark)
