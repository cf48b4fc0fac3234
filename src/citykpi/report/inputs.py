"""What a report reads: the KPI table, the city profiles and the verification record.

A report reads results, it never computes them. From the store it reads the published values
(:func:`citykpi.sources.stored_kpi_table`, ``status="published"``), or, for a draft, the current
values whatever their verification state (``status="any"``, which needs a user with read
access); with them the city profiles, the verification state of each value, who verified the
values and when the city-year was published. From a file it reads a KPI table written by
``citykpi compute`` (:func:`citykpi.sources.load_kpi_table`) and, optionally, a city profile
table; such values carry no verification record, and the report says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from citykpi.errors import InputError
from citykpi.model import CityProfile
from citykpi.settings import Settings
from citykpi.sources import load_kpi_table, stored_kpi_table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citykpi.store import Store

__all__ = ["ReportInputs", "read_file_inputs", "read_store_inputs"]

CityYear = tuple[str, int]


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything the documents of some city-years are made from."""

    table: pd.DataFrame  # KPI long table (citykpi.model.KPI_COLUMNS)
    origin: Literal["store", "file"]
    where: str  # the store's URL (password hidden) or the file's path
    draft: bool  # current values whatever their state, not only published ones
    profiles: Mapping[str, CityProfile] = field(default_factory=dict)
    #: verification state of each value: (city, year, data point) -> state; empty for a file
    states: Mapping[tuple[str, int, str], str] = field(default_factory=dict)
    verifiers: Mapping[CityYear, tuple[str, ...]] = field(default_factory=dict)
    published_on: Mapping[CityYear, date] = field(default_factory=dict)

    def city_years(self) -> list[CityYear]:
        """Return the city-years of the table, by city and year."""
        pairs = {
            (str(c), int(y)) for c, y in zip(self.table["city"], self.table["year"], strict=True)
        }
        return sorted(pairs)

    def profile(self, city: str) -> CityProfile:
        """Return the profile of ``city`` (a name-only profile when none was read)."""
        return self.profiles.get(city) or CityProfile(name=city)


def read_file_inputs(
    path: str | Path,
    *,
    profiles: str | Path | None = None,
    cities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> ReportInputs:
    """Read a KPI table file (and a city profile table) for reports.

    Parameters
    ----------
    path
        KPI table written by ``citykpi compute`` or ``citykpi export --kpi-table``.
    profiles
        City profile table (``cities.csv``); without it the profile section names the city only.
    cities, years
        Only these cities / years (all when None).

    Returns
    -------
    ReportInputs
        The values, with no verification record (``origin="file"``).

    Raises
    ------
    InputError
        If a file is missing, is not the expected table, or holds no value for the selection.
    """
    from citykpi.io import read_city_profiles

    table = load_kpi_table(path, cities=cities, years=years)
    read = read_city_profiles(profiles) if profiles is not None else ()
    return ReportInputs(
        table=table,
        origin="file",
        where=str(path),
        draft=False,
        profiles={p.name: p for p in read},
    )


def read_store_inputs(
    *,
    settings: Settings | None = None,
    store: Store | None = None,
    draft: bool = False,
    as_user: str = "",
    token: str = "",
    cities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
) -> ReportInputs:
    """Read the store's values, profiles and verification record for reports.

    Parameters
    ----------
    settings
        Settings naming the database; default :func:`citykpi.settings.load_settings`.
    store
        An open store to read instead of the settings' database.
    draft
        Read the current values whatever their state (needs ``as_user`` or ``token`` with read
        access), not only the published ones.
    as_user, token
        Who reads; optional for published values.
    cities, years
        Only these cities / years (all when None).

    Returns
    -------
    ReportInputs
        The values with their states, verifiers and publication dates (``origin="store"``).

    Raises
    ------
    InputError
        If the store holds no value for the selection.
    PermissionDenied
        If ``draft`` and the reader may not read unpublished values.
    """
    from citykpi.store import open_store
    from citykpi.store.credentials import authenticate

    opened = store if store is not None else open_store(settings=settings)
    status = "any" if draft else "published"
    try:
        opened.require_schema()
        with opened.transaction() as session:
            cfg = opened.settings
            actor = authenticate(
                session,
                as_user=as_user,
                token=token,
                settings=cfg,
                url=cfg.resolved_database_url(),
            )
            table = stored_kpi_table(session, actor, status=status)
            table = _only(table, cities=cities, years=years, where=opened.url, status=status)
            wanted = set(zip(table["city"].astype(str), table["year"].astype(int), strict=True))
            profiles = _profiles(session, {c for c, _ in wanted})
            states, verifiers, published = _record(session, wanted)
    finally:
        if store is None:
            opened.dispose()
    return ReportInputs(
        table=table,
        origin="store",
        where=opened.url,
        draft=draft,
        profiles=profiles,
        states=states,
        verifiers=verifiers,
        published_on=published,
    )


def _only(
    table: pd.DataFrame,
    *,
    cities: Sequence[str] | None,
    years: Sequence[int] | None,
    where: str,
    status: str,
) -> pd.DataFrame:
    if cities is not None:
        table = table[table["city"].isin(set(cities))]
    if years is not None:
        table = table[table["year"].isin({int(y) for y in years})]
    if table.empty:
        what = "published" if status == "published" else "current"
        scope = []
        if cities is not None:
            scope.append(f"city {', '.join(map(repr, cities))}")
        if years is not None:
            scope.append(f"year {', '.join(map(str, years))}")
        asked = f" for {' and '.join(scope)}" if scope else ""
        hint = (
            "publish the city-year first ('citykpi publish CITY YEAR'), or make a draft report "
            "of its current values with --draft --as USER"
            if status == "published"
            else "import the city's values first ('citykpi import')"
        )
        msg = f"The store at {where!r} holds no {what} KPI value{asked}; {hint}."
        raise InputError(msg)
    return table.reset_index(drop=True)


def _profiles(session: Session, names: set[str]) -> dict[str, CityProfile]:
    from sqlalchemy import select

    from citykpi.store.schema import City

    found: dict[str, CityProfile] = {}
    for c in session.scalars(select(City).where(City.name.in_(sorted(names)))):
        found[c.name] = CityProfile(
            name=c.name,
            country=c.country,
            region=c.region,
            population=c.population,
            area_km2=c.area_km2,
            gdp_per_capita=c.gdp_per_capita,
            income_group=c.income_group,
            coastal=c.coastal,
            population_class=c.population_class,
        )
    return found


def _record(
    session: Session, wanted: set[CityYear]
) -> tuple[dict[tuple[str, int, str], str], dict[CityYear, tuple[str, ...]], dict[CityYear, date]]:
    """Return the state of each KPI value, the verifiers and publication date per city-year."""
    from sqlalchemy import select

    from citykpi.store.schema import AuditEvent, City, Submission, Value

    states: dict[tuple[str, int, str], str] = {}
    published: dict[CityYear, date] = {}
    ids: dict[tuple[int, int], CityYear] = {}
    rows = session.execute(
        select(
            City.name, City.id, Submission.year, Submission.published_at, Value.code, Value.state
        )
        .join(Submission, Submission.city_id == City.id)
        .join(Value, Value.submission_id == Submission.id)
        .where(Value.kind == "kpi", City.name.in_(sorted({c for c, _ in wanted})))
    )
    for name, city_id, year, published_at, code, state in rows:
        key = (str(name), int(year))
        if key not in wanted:
            continue
        ids[(int(city_id), int(year))] = key
        states[(key[0], key[1], str(code))] = str(state)
        if published_at is not None:
            published[key] = published_at.date()
    names: dict[CityYear, set[str]] = {}
    events = session.execute(
        select(AuditEvent.city_id, AuditEvent.year, AuditEvent.actor_name)
        .where(
            AuditEvent.action == "value.verify",
            AuditEvent.city_id.in_(sorted({c for c, _ in ids})),
        )
        .distinct()
    )
    for event_city, event_year, actor in events:
        if event_city is None or event_year is None:
            continue
        key2 = ids.get((int(event_city), int(event_year)))
        if key2 is not None:
            names.setdefault(key2, set()).add(str(actor))
    verifiers = {k: tuple(sorted(v)) for k, v in names.items()}
    return states, verifiers, published
