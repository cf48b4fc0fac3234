"""Load the sample cities into a fresh store and run one verification cycle (``make demo``).

What :func:`load_demo` does, in order: migrates the database, creates one demo user per role
(``demo-admin``, ``demo-editor`` for every city, ``demo-verifier``, ``demo-analyst``,
``demo-public``), adds every city of ``cities.csv`` with its profile, imports the latest
``years`` reporting years of ``raw_inputs.csv`` city by city (each city-year is one
transaction; a city-year with errors, like the sample's deliberate ones, imports nothing and is
listed as rejected), and for the first ``cycle_cities`` cleanly imported cities runs submit ->
verify -> publish.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from sqlalchemy.engine import make_url

from citykpi.errors import InputError, ValidationFailed
from citykpi.ingest import read_files
from citykpi.io import read_city_profiles
from citykpi.settings import Settings
from citykpi.store.auth import make_single_person
from citykpi.store.cities import add_city
from citykpi.store.engine import Store, open_store
from citykpi.store.importer import import_raw
from citykpi.store.migrate import upgrade
from citykpi.store.users import Actor, add_user, user_count
from citykpi.store.workflow import publish, submit, verify

DEMO_USERS: Final = ("demo-admin", "demo-editor", "demo-verifier", "demo-analyst", "demo-public")


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """Where the demo database is and what was loaded into it."""

    database_url: str
    database_path: Path | None  # the SQLite file, None for a server database
    cities: int
    imported: tuple[tuple[str, int], ...]  # (city, year) imported
    rejected: tuple[tuple[str, int, str], ...]  # (city, year, one of the errors)
    published: tuple[tuple[str, int, int], ...]  # (city, year, values published)
    users: tuple[str, ...] = DEMO_USERS

    def lines(self) -> list[str]:
        """Return a short human-readable summary."""
        where = str(self.database_path) if self.database_path else self.database_url
        out = [
            f"Demo database: {where}",
            f"{self.cities} cities, {len(self.imported)} city-years imported, "
            f"{len(self.rejected)} rejected (files with errors import nothing).",
        ]
        out += [
            f"Published {city} {year}: {n} verified values." for city, year, n in self.published
        ]
        out += [f"Rejected {city} {year}: {why}" for city, year, why in self.rejected]
        out.append(
            f"Users: {', '.join(self.users)}; try 'citykpi review list CITY YEAR --as "
            "demo-verifier' or 'citykpi audit --as demo-analyst'."
        )
        return out


def load_demo(
    db_url: str,
    sample_dir: str | Path,
    *,
    years: int = 1,
    cycle_cities: int = 3,
    on_step: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Load the sample data into a fresh store and run one submit/verify/publish cycle.

    Parameters
    ----------
    db_url
        URL of a new, empty database (an SQLite file is created).
    sample_dir
        Folder written by :func:`citykpi.io.write_sample` (``cities.csv``, ``raw_inputs.csv``).
    years
        How many of the latest reporting years to import per city.
    cycle_cities
        How many cleanly imported cities go through submit, verify and publish.
    on_step
        Called with a short description of each step, for progress display.

    Returns
    -------
    DemoSummary
        Where the database is, and what was imported, rejected and published.

    Raises
    ------
    InputError
        The sample folder lacks its files, or the database already holds users.
    """
    folder = Path(sample_dir)
    cities_csv, raw_csv = folder / "cities.csv", folder / "raw_inputs.csv"
    for needed in (cities_csv, raw_csv):
        if not needed.is_file():
            msg = f"{str(needed)!r} does not exist; write the sample first with citykpi.sample."
            raise InputError(msg)
    step = on_step or (lambda _text: None)
    step("Migrating the database")
    upgrade(db_url)
    store = open_store(db_url, settings=Settings(database_url=db_url))
    try:
        with store.transaction() as s:
            if user_count(s):
                msg = f"The database at {store.url!r} already has users; give a fresh database."
                raise InputError(msg)
            admin = add_user(s, None, "demo-admin", role="admin")
            if s.get_bind().dialect.name == "sqlite":
                make_single_person(s)  # sample data for one person: --as works (docs/store.md)
        step("Adding the cities")
        profiles = read_city_profiles(cities_csv)
        with store.transaction() as s:
            for profile in profiles:
                add_city(s, admin, profile)
            names = [p.name for p in profiles]
            editor = add_user(s, admin, "demo-editor", role="city_editor", cities=names)
            verifier = add_user(s, admin, "demo-verifier", role="verifier")
            add_user(s, admin, "demo-analyst", role="analyst")
            add_user(s, admin, "demo-public", role="public")
        step("Reading the sample inputs")
        result = read_files([raw_csv])
        frame = result.frame
        latest = sorted(set(frame["year"].tolist()))[-years:]  # typed: citykpi.tables.RAW
        imported: list[tuple[str, int]] = []
        rejected: list[tuple[str, int, str]] = []
        for name in names:
            for year in latest:
                part = frame[(frame["city"] == name) & (frame["year"] == year)]
                if part.empty:
                    continue
                step(f"Importing {name} {year}")
                try:
                    import_raw(store, editor, part, city=name, year=year, file_name=raw_csv.name)
                except ValidationFailed as e:
                    lines = str(e).splitlines()
                    rejected.append((name, year, lines[-1].strip(" -") if lines else ""))
                    continue
                imported.append((name, year))
        published = [
            _cycle(store, editor, verifier, city, year) for city, year in imported[:cycle_cities]
        ]
        step("Done")
        url = make_url(db_url)
        path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
        return DemoSummary(
            database_url=store.url,
            database_path=path,
            cities=len(profiles),
            imported=tuple(imported),
            rejected=tuple(rejected),
            published=tuple(published),
        )
    finally:
        store.dispose()


def _cycle(
    store: Store, editor: Actor, verifier: Actor, city: str, year: int
) -> tuple[str, int, int]:
    with store.transaction() as s:
        submit(s, editor, city, year)
    with store.transaction() as s:
        verify(s, verifier, city, year, [], comment="Checked against the city statistics office.")
    with store.transaction() as s:
        n = publish(s, verifier, city, year, reason="Demo verification cycle.")
    return (city, year, n)


__all__ = ["DEMO_USERS", "DemoSummary", "load_demo"]
