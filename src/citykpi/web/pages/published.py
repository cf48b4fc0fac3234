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
from citykpi.errors import InputError, NotFound
from citykpi.sources import stored_kpi_table
from citykpi.store import Store
from citykpi.store.schema import AuditEvent, City

__all__ = [
    "BANDS",
    "COMPARE_MAX",
    "COMPARE_MIN",
    "Band",
    "CityPage",
    "KpiRow",
    "PublishedCity",
    "ScoreRow",
    "SdgPage",
    "SdgRow",
    "audit_mark",
    "band_of",
    "city_page",
    "compare",
    "published_cities",
    "sdg_goals",
    "sdg_page",
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


@dataclass(frozen=True, slots=True)
class SdgRow:
    """One KPI linked to a goal, with its band in each city that published it."""

    code: str
    name: str
    targets: tuple[str, ...]
    bands: tuple[Band | None, ...]  # one per city of :attr:`SdgPage.cities`; None: no value


@dataclass(frozen=True, slots=True)
class SdgPage:
    """The progress of every KPI linked to one SDG, across the cities with published values."""

    goal: int
    cities: tuple[PublishedCity, ...]
    rows: tuple[SdgRow, ...]


def _goal_of(target: str) -> int | None:
    head = target.split(".", 1)[0].strip()
    return int(head) if head.isdigit() else None


def sdg_goals(store: Store, *, mark: int | None = None) -> dict[int, int]:
    """Return, per SDG goal, how many published KPI values of the latest years link to it."""
    counts: dict[int, int] = {}
    for page in _snapshot(store, mark).pages.values():
        for k in page.kpis:
            for goal in {g for g in map(_goal_of, k.sdg_targets) if g is not None}:
                counts[goal] = counts.get(goal, 0) + 1
    return dict(sorted(counts.items()))


def sdg_page(store: Store, goal: int, *, mark: int | None = None) -> SdgPage:
    """Return the KPIs linked to SDG ``goal`` with their band in each city.

    Raises
    ------
    NotFound
        If ``goal`` is not 1-17.
    """
    if not 1 <= goal <= 17:
        msg = f"There is no SDG {goal}; the goals are numbered 1 to 17."
        raise NotFound(msg)
    snap = _snapshot(store, mark)
    cities = snap.cities
    by_code: dict[str, dict[str, KpiRow]] = {}
    for c in cities:
        for k in snap.pages[c.name].kpis:
            if any(_goal_of(t) == goal for t in k.sdg_targets):
                by_code.setdefault(k.code, {})[c.name] = k
    rows = []
    for code in sorted(by_code):
        per_city = by_code[code]
        first = next(iter(per_city.values()))
        rows.append(
            SdgRow(
                code=code,
                name=first.name,
                targets=tuple(t for t in first.sdg_targets if _goal_of(t) == goal),
                bands=tuple(per_city[c.name].band if c.name in per_city else None for c in cities),
            )
        )
    return SdgPage(goal=goal, cities=cities, rows=tuple(rows))


#: The fewest and most cities the compare page puts side by side.
COMPARE_MIN, COMPARE_MAX = 2, 5


def compare(store: Store, names: list[str], *, mark: int | None = None) -> list[CityPage]:
    """Return the pages of 2-5 cities, in the order given.

    Raises
    ------
    InputError
        If fewer than two or more than five distinct cities are named.
    NotFound
        If a named city has no published values.
    """
    unique = list(dict.fromkeys(names))
    if not COMPARE_MIN <= len(unique) <= COMPARE_MAX:
        msg = (
            f"Choose {COMPARE_MIN} to {COMPARE_MAX} different cities to compare; "
            f"{len(unique)} given."
        )
        raise InputError(msg)
    return [city_page(store, n, mark=mark) for n in unique]
