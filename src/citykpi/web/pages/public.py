"""The public pages: published values only, no login.

``/`` lists the cities (with a map when profiles carry coordinates) and ``/cities/{city}``
shows one city's latest published year: dimension, sub-dimension and category scores in the
four U4SSC bands, and each KPI with value, unit, target, band, SDG targets and data-quality
flag. Every band is written as text and a symbol as well as a colour. Charts are Vega-Lite
specs in ``<script type="application/json">`` blocks (``static/js/charts.js`` renders them),
each followed by the table it draws.

The values come from :func:`citykpi.sources.stored_kpi_table` with ``status="published"``
and are scored by :func:`citykpi.assess.assess_table`: the pages never score anything
themselves.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from citykpi.errors import NotFound
from citykpi.store import Store
from citykpi.web.pages.published import (
    CityPage,
    PublishedCity,
    city_page,
    published_cities,
)
from citykpi.web.pages.store import reader_store
from citykpi.web.templating import render

__all__ = ["city", "city_list", "router"]

#: The public pages.
router = APIRouter(tags=["pages"])

StoreDep = Annotated[Store, Depends(reader_store)]


@router.get("/", response_class=HTMLResponse, name="pages.city_list")
def city_list(request: Request, store: StoreDep) -> HTMLResponse:
    """List the cities with published data, on a map and in a table."""
    cities: list[PublishedCity] = published_cities(store)
    points = [
        {"name": c.name, "lat": c.latitude, "lon": c.longitude, "url": c.url}
        for c in cities
        if c.latitude is not None and c.longitude is not None
    ]
    return render(request, "public/cities.html", {"cities": cities, "points": points})


@router.get("/cities/{name:path}", response_class=HTMLResponse, name="pages.city")
def city(request: Request, name: str, store: StoreDep) -> HTMLResponse:
    """Show one city's latest published year."""
    try:
        page: CityPage = city_page(store, name)
    except NotFound as e:
        return render(request, "error.html", {"status": 404, "message": str(e)}, status_code=404)
    return render(request, "public/city.html", {"page": page})
