"""Cities with their profiles, and submissions (one city and reporting year).

A city's profile is the one :class:`citykpi.tables.CityProfile` (re-exported here). The
population class is derived from the population when not given, with the one population-class
table :data:`citykpi.tables.POPULATION_CLASSES` that peer groups, the sample cities and the index
use too.
"""

from __future__ import annotations

import dataclasses
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound
from citykpi.model import CityProfile
from citykpi.model import population_class as _population_class
from citykpi.store.audit import record
from citykpi.store.names import check_unique, has_refused_characters, name_key, normalise_name
from citykpi.store.schema import City, Submission
from citykpi.store.users import Action, Actor


def population_class(population: float | None) -> str:
    """Return the population class of a city of ``population`` inhabitants ("" if unknown)."""
    if population is None or math.isnan(population) or population < 0:
        return ""
    return _population_class(population)


def _profile(city: City) -> CityProfile:
    return CityProfile(
        name=city.name,
        country=city.country,
        region=city.region,
        population=city.population,
        area_km2=city.area_km2,
        gdp_per_capita=city.gdp_per_capita,
        income_group=city.income_group,
        coastal=city.coastal,
        population_class=city.population_class,
    )


def find_city(session: Session, name: str) -> City:
    """Return the city called ``name``.

    Raises
    ------
    NotFound
        No such city; the message lists how to see the known ones.
    """
    city = None
    if not has_refused_characters(name):  # e.g. NUL, which PostgreSQL refuses in a query
        city = session.scalar(select(City).where(City.name == name))
        if city is None:
            city = session.scalar(select(City).where(City.name_key == name_key(name)))
    if city is None:
        msg = f"No city named {name!r}; see 'citykpi city list' or add it with 'citykpi city add'."
        raise NotFound(msg)
    return city


def add_city(session: Session, actor: Actor, profile: CityProfile) -> CityProfile:
    """Add a city with its profile (admins only).

    Returns
    -------
    CityProfile
        The stored profile, with the population class filled in.
    """
    actor.require(Action.MANAGE_CITIES)
    name = normalise_name(profile.name, what="city", max_length=200, example="Kristiansund")
    check_unique(name, session.scalars(select(City.name)), what="city")
    profile = dataclasses.replace(profile, name=name)
    for label, number in (
        ("population", profile.population),
        ("area_km2", profile.area_km2),
        ("gdp_per_capita", profile.gdp_per_capita),
    ):
        if number is not None and (math.isnan(number) or number < 0):
            msg = f"The {label} of city {profile.name!r} is {number!r}; give a non-negative number."
            raise InputError(msg)
    city = City(
        name=profile.name,
        country=profile.country,
        region=profile.region,
        population=profile.population,
        area_km2=profile.area_km2,
        gdp_per_capita=profile.gdp_per_capita,
        income_group=profile.income_group,
        coastal=profile.coastal,
        population_class=profile.population_class or population_class(profile.population),
    )
    session.add(city)
    session.flush()
    stored = _profile(city)
    record(
        session, actor.ref, "city.add", city.audit_key(), after=stored.as_dict(), city_id=city.id
    )
    return stored


def list_cities(session: Session, actor: Actor) -> list[CityProfile]:
    """Return every city's profile, by name."""
    actor.require(Action.READ_CITIES)
    return [_profile(c) for c in session.scalars(select(City).order_by(City.name))]


def city_profile(session: Session, actor: Actor, name: str) -> CityProfile:
    """Return the profile of city ``name``."""
    actor.require(Action.READ_CITIES)
    return _profile(find_city(session, name))


def find_submission(session: Session, city: City, year: int) -> Submission:
    """Return the submission of ``city`` for ``year``.

    Raises
    ------
    NotFound
        Nothing was imported for that city and year.
    """
    sub = session.scalar(
        select(Submission).where(Submission.city_id == city.id, Submission.year == year)
    )
    if sub is None:
        msg = (
            f"City {city.name!r} has no data for {year}; import a file first with "
            f"'citykpi import FILE --city {city.name!r} --year {year}'."
        )
        raise NotFound(msg)
    return sub


def get_or_create_submission(session: Session, actor: Actor, city: City, year: int) -> Submission:
    """Return the submission of ``city`` for ``year``, creating it (audited) if needed."""
    if not 1900 <= year <= 2200:
        msg = f"Reporting year {year!r} is not plausible; give a year such as 2024."
        raise InputError(msg)
    sub = session.scalar(
        select(Submission).where(Submission.city_id == city.id, Submission.year == year)
    )
    if sub is not None:
        return sub
    sub = Submission(city_id=city.id, year=year, status="open")
    session.add(sub)
    session.flush()
    record(
        session,
        actor.ref,
        "submission.create",
        sub.audit_key(),
        after={"city": city.name, "year": year, "status": "open"},
        city_id=city.id,
        year=year,
    )
    return sub


def require_on_city(session: Session, actor: Actor, action: Action, name: str) -> City:
    """Return city ``name`` once ``actor`` may take ``action`` on it.

    The check every shell makes before reading or changing one city's data, so that a city
    editor of another city is refused (403) before anything of this city is looked up.

    Raises
    ------
    PermissionDenied
        The actor's role lacks ``action``, or she is a city editor of other cities.
    NotFound
        There is no such city (only said to someone who may take the action on any city).
    """
    actor.require(action)
    found = find_city(session, name)
    actor.require(action, city_id=found.id, city=found.name)
    return found


__all__ = [
    "CityProfile",
    "add_city",
    "city_profile",
    "find_city",
    "find_submission",
    "get_or_create_submission",
    "list_cities",
    "population_class",
    "require_on_city",
]
