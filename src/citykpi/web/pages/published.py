"""What the public pages show, read from the published values of the store.

Everything is read with :func:`citykpi.sources.stored_kpi_table` (``status="published"``)
and scored by :func:`citykpi.assess.assess_table`; this module only arranges the results for
the templates. The arranged data is cached per store and dropped whenever the audit trail
grows: every publish (and every other write) records an audit event, so a page never shows
a state older than the last publish, and a read costs one ``max(id)`` query when nothing
changed.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Final

import pandas as pd
from sqlalchemy import func, select

from citykpi.assess import assess_table
from citykpi.assess.meta import catalogue_meta
from citykpi.errors import NotFound
from citykpi.sources import stored_kpi_table
from citykpi.store import Store
from citykpi.store.schema import AuditEvent, City

__all__ = [
    "BANDS",
    "Band",
    "CityPage",
    "KpiRow",
    "PublishedCity",
    "ScoreRow",
    "audit_mark",
    "band_of",
    "city_page",
    "published_cities",
]


@dataclass(frozen=True, slots=True)
class Band:
    """One of the four U4SSC bands, with the text and symbol that carry it besides colour."""

    key: str
    css: str
    symbol: str
    label: str


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    """Mark ``message`` for the ``web`` catalogue; the template translates it when shown."""
    return message


#: The U4SSC bands by the assessment's band key; ``""`` is "not scored".
BANDS: Final[dict[str, Band]] = {
    "95+": Band("95+", "band-a", "\u25cf\u25cf\u25cf\u25cf", N_("95 % or more of target")),
    "66-95": Band("66-95", "band-b", "\u25cf\u25cf\u25cf\u25cb", N_("66-95 % of target")),
    "33-66": Band("33-66", "band-c", "\u25cf\u25cf\u25cb\u25cb", N_("33-66 % of target")),
    "0-33": Band("0-33", "band-d", "\u25cf\u25cb\u25cb\u25cb", N_("under 33 % of target")),
    "": Band("", "band-none", "\u2013", N_("not scored")),
}


def band_of(key: object) -> Band:
    """Return the band for an assessment band key (anything unknown is "not scored")."""
    return BANDS.get(key if isinstance(key, str) else "", BANDS[""])


@dataclass(frozen=True, slots=True)
class PublishedCity:
    """A city with published data, as the city list shows it."""

    name: str
    country: str
    population: float | None
    years: tuple[int, ...]
    latitude: float | None = None
    longitude: float | None = None

    @property
    def latest_year(self) -> int:
        """Return the latest year with published values."""
        return self.years[-1]

    @property
    def url(self) -> str:
        """Return the path of the city's page."""
        from urllib.parse import quote

        return f"/cities/{quote(self.name, safe='')}"


@dataclass(frozen=True, slots=True)
class ScoreRow:
    """A dimension, sub-dimension or category score."""

    level: str
    name: str
    score: float | None
    points: int
    max_points: int
    band: Band


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One published KPI value with its assessment."""

    code: str
    name: str
    dimension: str
    sub_dimension: str
    category: str
    value: float | None
    unit: str
    target: float | None
    band: Band
    sdg_targets: tuple[str, ...]
    quality: str


@dataclass(frozen=True, slots=True)
class CityPage:
    """Everything the public page of one city shows for its latest published year."""

    city: PublishedCity
    year: int
    scores: tuple[ScoreRow, ...]
    kpis: tuple[KpiRow, ...]
    chart: dict[str, object] = field(default_factory=dict)

    def level(self, level: str) -> list[ScoreRow]:
        """Return the score rows of one level (``"dimension"``, ``"sub_dimension"``, ...)."""
        return [s for s in self.scores if s.level == level]


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True, slots=True)
class _Snapshot:
    key: int
    cities: tuple[PublishedCity, ...]
    pages: dict[str, CityPage]


_cache: dict[str, _Snapshot] = {}
_lock = threading.Lock()


def audit_mark(store: Store) -> int:
    """Return the id of the store's latest audit event: what changes whenever anything is written.

    Every publish records an audit event, so a cache keyed on this mark never outlives a publish.
    """
    with store.reading() as s:
        return int(s.scalar(select(func.max(AuditEvent.id))) or 0)


def _snapshot(store: Store, mark: int | None = None) -> _Snapshot:
    mark = audit_mark(store) if mark is None else mark
    cached = _cache.get(store.url)
    if cached is not None and cached.key == mark:
        return cached
    with _lock:
        cached = _cache.get(store.url)
        if cached is not None and cached.key == mark:
            return cached
        built = _build(store, mark)
        _cache[store.url] = built
        return built


def _build(store: Store, mark: int) -> _Snapshot:
    with store.reading() as s:
        table = stored_kpi_table(s, None, status="published")
        profiles = {
            name: (country, population)
            for name, country, population in s.execute(
                select(City.name, City.country, City.population)
            )
        }
    cities: list[PublishedCity] = []
    pages: dict[str, CityPage] = {}
    if table.empty:
        return _Snapshot(mark, (), {})
    assessment = assess_table(table)
    quality = {
        (str(c), int(y), str(d)): str(q or "")
        for c, y, d, q in zip(
            table["city"], table["year"], table["data_point"], table["quality"], strict=True
        )
    }
    for name, group in table.groupby("city", sort=True):
        city_name = str(name)
        country, population = profiles.get(city_name, ("", None))
        years = tuple(sorted({int(y) for y in group["year"]}))
        published = PublishedCity(
            name=city_name,
            country=str(country or ""),
            population=_number(population),
            years=years,
        )
        cities.append(published)
        pages[city_name] = _page(published, assessment.kpis, assessment.scores, quality)
    return _Snapshot(mark, tuple(cities), pages)


def _page(
    city: PublishedCity,
    kpis: pd.DataFrame,
    scores: pd.DataFrame,
    quality: dict[tuple[str, int, str], str],
) -> CityPage:
    year = city.latest_year
    metas = catalogue_meta()
    rows = kpis[(kpis["city"] == city.name) & (kpis["year"] == year)]
    kpi_rows: list[KpiRow] = []
    for r in rows.to_dict("records"):
        m = metas.get(str(r["data_point"]))
        kpi_rows.append(
            KpiRow(
                code=str(r["code"]),
                name=m.name if m is not None else str(r["data_point"]),
                dimension=m.dimension if m is not None else "",
                sub_dimension=m.sub_dimension if m is not None else "",
                category=m.category if m is not None else "",
                value=_number(r["value"]),
                unit=str(r["unit"] or ""),
                target=_number(r["target"]),
                band=band_of(r["band"]),
                sdg_targets=tuple(m.sdg_targets) if m is not None else (),
                quality=quality.get((city.name, year, str(r["data_point"])), ""),
            )
        )
    score_rows = [
        ScoreRow(
            level=str(r["level"]),
            name=str(r["name"]),
            score=_number(r["score"]),
            points=int(r["points"]),
            max_points=int(r["max_points"]),
            band=band_of(r["band"]),
        )
        for r in scores[(scores["city"] == city.name) & (scores["year"] == year)].to_dict("records")
    ]
    return CityPage(
        city=city,
        year=year,
        scores=tuple(score_rows),
        kpis=tuple(sorted(kpi_rows, key=lambda k: (k.dimension, k.category, k.code))),
        chart=_score_chart(city.name, year, [s for s in score_rows if s.level == "dimension"]),
    )


def _score_chart(city: str, year: int, rows: list[ScoreRow]) -> dict[str, object]:
    """Return a Vega-Lite bar chart of the dimension scores, the band as text on each bar."""
    values = [
        {"name": r.name, "score": r.score, "band": r.band.label}
        for r in rows
        if r.score is not None
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "description": f"Dimension scores of {city}, {year}",
        "data": {"values": values},
        "width": "container",
        "layer": [
            {
                "mark": "bar",
                "encoding": {
                    "y": {"field": "name", "type": "nominal", "title": None},
                    "x": {
                        "field": "score",
                        "type": "quantitative",
                        "title": "Score (% of maximum points)",
                        "scale": {"domain": [0, 100]},
                    },
                    "color": {
                        "field": "band",
                        "type": "nominal",
                        "title": "Band",
                        "scale": {
                            "domain": [b.label for b in BANDS.values()],
                            "range": ["#1a7f37", "#8fbf3f", "#e6a700", "#c62828", "#999999"],
                        },
                    },
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 3},
                "encoding": {
                    "y": {"field": "name", "type": "nominal"},
                    "x": {"field": "score", "type": "quantitative"},
                    "text": {"field": "band"},
                },
            },
        ],
    }


def published_cities(store: Store, *, mark: int | None = None) -> list[PublishedCity]:
    """Return the cities with published values, by name.

    ``mark`` is :func:`audit_mark` if the caller has just read it (saves one query).
    """
    return list(_snapshot(store, mark).cities)


def city_page(store: Store, name: str, *, mark: int | None = None) -> CityPage:
    """Return the public page data of city ``name`` (its latest published year).

    ``mark`` is :func:`audit_mark` if the caller has just read it (saves one query).

    Raises
    ------
    NotFound
        If the city has no published values (or does not exist).
    """
    page = _snapshot(store, mark).pages.get(name)
    if page is None:
        msg = f"No published data for city {name!r}; see the list of cities at '/'."
        raise NotFound(msg)
    return page
