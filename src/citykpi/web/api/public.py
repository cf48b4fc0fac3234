"""The public API: published values only, no sign-in; the JSON twins of the public pages.

``/cities``, ``/cities/{name}``, ``/sdg``, ``/sdg/{goal}`` and ``/compare`` answer what the
pages ``/``, ``/cities/{name}``, ``/sdg``, ``/sdg/{goal}`` and ``/compare`` show, read through
the same functions (:mod:`citykpi.web.pages.published`), so a page and its twin never disagree.

Each KPI of a city also carries its trend: the city's published values of that data point over
the years with the row of the library's trend table (:func:`citykpi.assess.series.
assess_trends`: SDSN trend, progress status, 2030 projection with its interval) over the same
published KPI table. Both are built once per audit mark.

The city document is cached as bytes, keyed on the store, the name and the store's latest
audit event (:func:`~citykpi.web.pages.published.audit_mark`); a publish records an audit
event, so the next request builds afresh, and a cache hit costs one ``max(id)`` query.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Final
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import StringConstraints
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from citykpi.assess.meta import catalogue_meta
from citykpi.assess.series import assess_trends
from citykpi.assess.trends import clean_series
from citykpi.sources import stored_kpi_table
from citykpi.store import Store
from citykpi.store.schema import AuditEvent
from citykpi.web.api.deps import PageDep, StoreDep
from citykpi.web.api.schemas import (
    BandOut,
    CityDetail,
    CityOut,
    KpiOut,
    Page,
    ScoreOut,
    SdgCityBand,
    SdgDetail,
    SdgGoalOut,
    SdgKpiOut,
    TrendOut,
    TrendPoint,
    error_responses,
)
from citykpi.web.pages.published import (
    COMPARE_MAX,
    Band,
    CityPage,
    PublishedCity,
    audit_mark,
    city_page,
    compare,
    published_cities,
    sdg_goals,
    sdg_page,
)
from citykpi.web.pages.store import reader_store

__all__ = ["city", "city_detail", "city_list", "compare_cities", "router", "sdg", "sdg_list"]

#: The public endpoints.
router = APIRouter(tags=["public"], responses=error_responses(401, 422))

#: Where this router's documents live, for the ``api_url`` links.
API_ROOT: Final = "/api/v1"

_NOT_FOUND = error_responses(404)
Series = dict[int, float]


def _band(band: Band) -> BandOut:
    return BandOut.model_validate({"key": band.key, "label": band.label, "symbol": band.symbol})


def _city(c: PublishedCity) -> CityOut:
    return CityOut(
        name=c.name,
        country=c.country,
        population=c.population,
        latest_year=c.latest_year,
        years=list(c.years),
        latitude=c.latitude,
        longitude=c.longitude,
        url=c.url,
        api_url=f"{API_ROOT}/cities/{quote(c.name, safe='')}",
    )


def _goals(targets: tuple[str, ...]) -> list[int]:
    heads = {t.split(".", 1)[0].strip() for t in targets}
    return sorted(int(h) for h in heads if h.isdigit() and 1 <= int(h) <= 17)


# --- trends: every published series with its statuses and projection, per audit mark ---------


@dataclass(frozen=True, slots=True)
class _Trends:
    mark: int
    series: dict[tuple[str, str], Series]  # (city, data point) -> published values by year
    rows: dict[tuple[str, str], dict[str, object]]  # (city, data point) -> trend table row


_trends_cache: dict[str, _Trends] = {}
_trends_lock = threading.Lock()


def _read_trends(store: Store, mark: int) -> _Trends:
    with store.reading() as s:
        table = stored_kpi_table(s, None, status="published")
    series: dict[tuple[str, str], Series] = {}
    for c, y, dp, v in zip(
        table["city"], table["year"], table["data_point"], table["value"], strict=True
    ):
        if v is not None:
            series.setdefault((str(c), str(dp)), {})[int(y)] = float(v)
    rows: dict[tuple[str, str], dict[str, object]] = {}
    if not table.empty:
        for r in assess_trends(table).to_dict("records"):
            rows[(str(r["city"]), str(r["data_point"]))] = {str(k): v for k, v in r.items()}
    cleaned = {key: clean_series(values) for key, values in series.items()}  # NaN: not reported
    return _Trends(mark, cleaned, rows)


def _trends(store: Store, mark: int) -> _Trends:
    cached = _trends_cache.get(store.url)
    if cached is not None and cached.mark == mark:
        return cached
    with _trends_lock:
        cached = _trends_cache.get(store.url)
        if cached is not None and cached.mark == mark:
            return cached
        built = _read_trends(store, mark)
        _trends_cache[store.url] = built
        return built


def _optional_float(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _optional_int(value: object) -> int | None:
    number = _optional_float(value)
    return None if number is None else int(number)


def _trend(trends: _Trends, city: str, data_point: str) -> TrendOut:
    values = trends.series.get((city, data_point), {})
    row = trends.rows.get((city, data_point), {})
    return TrendOut(
        status=str(row.get("sdsn_trend") or "insufficient_data"),
        arrow=str(row.get("sdsn_arrow") or ""),
        progress=str(row.get("progress_status") or "insufficient_data"),
        target_year=_optional_int(row.get("target_year")),
        projection_year=_optional_int(row.get("projection_year")),
        projection=_optional_float(row.get("projection_2030")),
        projection_low=_optional_float(row.get("projection_low")),
        projection_high=_optional_float(row.get("projection_high")),
        points=[TrendPoint(year=y, value=v) for y, v in sorted(values.items())],
    )


def _data_points() -> Mapping[tuple[str, str], str]:
    """Return (KPI code, data point name) -> data point id: how the page names its rows."""
    return {(m.code, m.name): dp for dp, m in catalogue_meta().items()}


def _detail(store: Store, page: CityPage, mark: int) -> CityDetail:
    trends = _trends(store, mark)
    points = _data_points()
    kpis = []
    for k in page.kpis:
        dp = points.get((k.code, k.name), k.name)
        kpis.append(
            KpiOut(
                code=k.code,
                name=k.name,
                dimension=k.dimension,
                sub_dimension=k.sub_dimension,
                category=k.category,
                value=k.value,
                unit=k.unit,
                target=k.target,
                band=_band(k.band),
                sdg_targets=list(k.sdg_targets),
                sdg_goals=_goals(k.sdg_targets),
                quality=k.quality,
                trend=_trend(trends, page.city.name, dp),
            )
        )
    return CityDetail(
        city=_city(page.city),
        year=page.year,
        scores=[
            ScoreOut(
                level=s.level,
                name=s.name,
                score=s.score,
                points=s.points,
                max_points=s.max_points,
                band=_band(s.band),
            )
            for s in page.scores
        ],
        kpis=kpis,
    )


# --- the city document, cached as bytes ---------------------------------------------------------

_MARK_QUERY: Final = select(func.max(AuditEvent.id))


def _mark(store: Store) -> int:
    """Return :func:`~citykpi.web.pages.published.audit_mark`'s value on a plain connection.

    The same ``max(id)`` of the audit trail, read without an ORM session (whose set-up was most
    of the cost of a cached answer: about 0.5 ms a request, against 0.1 ms here). A read only.
    """
    with store.engine.connect() as connection:
        return int(connection.execute(_MARK_QUERY).scalar() or 0)


#: The most city documents kept; emptied when full, stale marks dropped on every store.
_CACHE_LIMIT: Final = 256
_cache: dict[tuple[str, str, int], bytes] = {}
_cache_lock = threading.Lock()


def _city_bytes(store: Store, name: str, mark: int) -> bytes:
    key = (store.url, name, mark)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    body = _detail(store, city_page(store, name, mark=mark), mark).model_dump_json().encode()
    with _cache_lock:
        for k in [k for k in _cache if k[0] == store.url and k[2] != mark]:
            del _cache[k]
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = body
    return body


@router.get("/cities", response_model=Page[CityOut], name="api.cities")
def city_list(store: StoreDep, paging: PageDep) -> Page[CityOut]:
    """List the cities with published values, by name."""
    cities = [_city(c) for c in published_cities(store)]
    return Page[CityOut](
        items=paging.of(cities), total=len(cities), limit=paging.limit, offset=paging.offset
    )


@router.get("/cities/{name:path}", response_model=CityDetail, responses=_NOT_FOUND, name="api.city")
async def city(
    request: Request, name: Annotated[str, Path(description="The city's name, as listed.")]
) -> Response:
    """Return a city's latest published year: scores with bands, and every KPI with its trend."""
    store = reader_store(request)  # not a dependency: the load-tested path resolves only `name`
    mark = _mark(store)  # one small indexed query; cheaper inline than in a thread
    cached = _cache.get((store.url, name, mark))
    if cached is None:
        cached = await run_in_threadpool(_city_bytes, store, name, mark)
    return Response(cached, media_type="application/json")


def city_detail(store: Store, name: str) -> CityDetail:
    """Return the document ``GET /api/v1/cities/{name}`` answers.

    Raises
    ------
    NotFound
        If the city has no published values.
    """
    mark = audit_mark(store)
    return CityDetail.model_validate_json(_city_bytes(store, name, mark))


@router.get("/sdg", response_model=Page[SdgGoalOut], name="api.sdg_list")
def sdg_list(store: StoreDep, paging: PageDep) -> Page[SdgGoalOut]:
    """List the goals with how many published KPI values of the latest years link to each."""
    goals = [
        SdgGoalOut(goal=g, kpis=n, url=f"/sdg/{g}", api_url=f"{API_ROOT}/sdg/{g}")
        for g, n in sdg_goals(store).items()
        if 1 <= g <= 17
    ]
    return Page[SdgGoalOut](
        items=paging.of(goals), total=len(goals), limit=paging.limit, offset=paging.offset
    )


@router.get("/sdg/{goal}", response_model=SdgDetail, responses=_NOT_FOUND, name="api.sdg")
def sdg(store: StoreDep, goal: Annotated[int, Path(description="The goal, 1-17.")]) -> SdgDetail:
    """Return every KPI linked to SDG ``goal`` with its band in each city."""
    page = sdg_page(store, goal)
    names = [c.name for c in page.cities]
    return SdgDetail(
        goal=page.goal,
        cities=names,
        kpis=[
            SdgKpiOut(
                code=r.code,
                name=r.name,
                targets=list(r.targets),
                cities=[
                    SdgCityBand(city=n, band=_band(b) if b is not None else None)
                    for n, b in zip(names, r.bands, strict=True)
                ],
            )
            for r in page.rows
        ],
    )


@router.get("/compare", response_model=Page[CityDetail], responses=_NOT_FOUND, name="api.compare")
def compare_cities(
    store: StoreDep,
    city: Annotated[
        list[Annotated[str, StringConstraints(min_length=1, max_length=200)]],
        Query(
            max_length=50,
            description=f"A city's name; give 2 to {COMPARE_MAX} (?city=A&city=B).",
        ),
    ],
) -> Page[CityDetail]:
    """Put 2-5 cities side by side: each one's document, in the order given."""
    mark = audit_mark(store)
    pages = compare(store, list(city), mark=mark)
    details = [CityDetail.model_validate_json(_city_bytes(store, p.city.name, mark)) for p in pages]
    return Page[CityDetail](items=details, total=len(details), limit=COMPARE_MAX, offset=0)
