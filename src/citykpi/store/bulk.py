"""Many at once: cities from one profile file, city-years from one multi-city file, new values.

Modelling assumptions:

* ``city add --from FILE`` adds every city of a profile table (``cities.csv``) in **one
  transaction**: a city that exists already, or a bad row, adds none of them.
* ``import FILE`` without ``--city``/``--year`` takes every city and year from the file's
  ``city`` and ``year`` columns and imports each city-year as :func:`citykpi.store.importer.
  import_raw` would, but the whole file is **one transaction**: the file is validated once, the
  KPIs of every city-year are computed in one pass, and a file with any error (a row, an unknown
  city, a city the editor may not edit) imports nothing.
* New value slots are written by :func:`citykpi.store.inserts.insert_new_values` (one
  multi-row ``INSERT`` per table), as every import's are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, SupportsInt, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.errors import InputError, ValidationFailed
from citykpi.model import Issue, Severity
from citykpi.store.schema import City, Submission, Value
from citykpi.store.users import Action, Actor

if TYPE_CHECKING:
    import pandas as pd

    from citykpi.store.engine import Store
    from citykpi.store.importer import ImportSummary
    from citykpi.tables import CityProfile


def add_cities(
    session: Session, actor: Actor, profiles: Iterable[CityProfile]
) -> list[CityProfile]:
    """Add every city of ``profiles`` in the caller's transaction (admins only).

    Returns
    -------
    list of CityProfile
        The stored profiles, in the given order, population classes filled in.

    Raises
    ------
    InputError
        A name is empty, given twice, or taken already (see :func:`citykpi.store.add_city`).
    """
    from citykpi.store.cities import add_city

    actor.require(Action.MANAGE_CITIES)
    given = list(profiles)
    seen: dict[str, str] = {}
    for p in given:
        key = p.name.strip().casefold()
        if key in seen:
            msg = (
                f"The city {p.name!r} is listed twice (also as {seen[key]!r}); give each city "
                "once. No city was added."
            )
            raise InputError(msg)
        seen[key] = p.name
    return [add_city(session, actor, p) for p in given]


def _by_city_year(frame: pd.DataFrame) -> dict[tuple[str, int], pd.DataFrame]:
    """Return the rows of ``frame`` by (city, year), in order of first appearance."""
    out: dict[tuple[str, int], pd.DataFrame] = {}
    for key, part in frame.groupby(["city", "year"], sort=False):
        city, year = cast("tuple[str, SupportsInt]", key)
        out[(str(city), int(year))] = part
    return out


@dataclass(frozen=True, slots=True)
class BulkImportSummary:
    """What the import of one multi-city file did: one summary per city-year."""

    file: str
    parts: tuple[ImportSummary, ...]
    warnings: tuple[Issue, ...] = ()

    @property
    def cities(self) -> int:
        """Return how many cities the file held."""
        return len({p.city for p in self.parts})

    @property
    def entered(self) -> int:
        """Return how many raw inputs of the file were stored (new, revised or unchanged)."""
        return sum(p.entered for p in self.parts)

    @property
    def recomputed(self) -> int:
        """Return how many KPI values were recomputed."""
        return sum(p.recomputed for p in self.parts)


def import_many(
    store: Store,
    actor: Actor,
    path: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> BulkImportSummary:
    """Import every city-year of a multi-city file (CSV, XLSX or JSON) in one transaction.

    Parameters
    ----------
    store, actor
        The open store and the city editor (or admin) importing; she must be allowed to edit
        every city of the file.
    path
        The file; its ``city`` and ``year`` columns say which submission each row is for.
    progress
        Called with ``"CITY YEAR"`` before each city-year is written.

    Returns
    -------
    BulkImportSummary
        One :class:`~citykpi.store.importer.ImportSummary` per city-year, in file order.

    Raises
    ------
    ValidationFailed
        The file has errors; nothing was imported and the message lists every one.
    NotFound
        A city of the file is not in the store (nothing was imported).
    """
    import pandas as pd

    from citykpi.catalogue import load_catalogue
    from citykpi.compute import compute
    from citykpi.ingest import read_files
    from citykpi.model import RAW_COLUMNS
    from citykpi.store.cities import find_city
    from citykpi.store.importer import issues_message, stored_raw_frame, write_import
    from citykpi.store.locks import lock_or_create
    from citykpi.store.values import ensure_not_published, framework_version
    from citykpi.validate import validate

    file = Path(path)
    result = read_files([file])
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    checked = validate(result.frame, extra_issues=result.issues)
    if not checked.report.ok:
        raise ValidationFailed(
            issues_message(checked.report.issues, file=file.name),
            issues=tuple(checked.report.issues),
        )
    catalogue = load_catalogue()
    new = checked.frame[~checked.frame["duplicate"]][list(RAW_COLUMNS)].copy()
    if new.empty:
        msg = f"{file.name!r} holds no values to import; fill in the template or the CSV first."
        raise InputError(msg)
    parts: list[ImportSummary] = []
    with store.transaction() as session:
        cities: dict[str, City] = {}
        for given in dict.fromkeys(new["city"].tolist()):
            found = find_city(session, given)
            actor.require(Action.EDIT_DATA, city_id=found.id, city=found.name)
            cities[given] = found
        new["city"] = new["city"].map({given: found.name for given, found in cities.items()})
        by_name = {found.name: found for found in cities.values()}
        groups = _by_city_year(new)
        stored: list[pd.DataFrame] = []
        locked: dict[tuple[str, int], Submission] = {}
        empty: set[tuple[str, int]] = set()
        for name, year in groups:
            # Lock before reading what is stored, as import_raw does (citykpi.store.locks).
            sub, created = lock_or_create(session, by_name[name], year, create_as=actor.ref)
            ensure_not_published(sub)
            locked[(name, year)] = sub
            if (
                created
                or session.scalar(select(Value.id).where(Value.submission_id == sub.id).limit(1))
                is None
            ):
                empty.add((name, year))
                continue  # nothing stored yet: the file is the whole submission
            old = stored_raw_frame(session, sub)
            mine = groups[(name, year)]
            keys = set(zip(mine["kind"], mine["code"], strict=True))
            keep = [(k, c) not in keys for k, c in zip(old["kind"], old["code"], strict=True)]
            if any(keep):
                stored.append(old[keep])
        full = checked  # first imports: the file is the whole of each submission
        if stored:
            merged = pd.concat([*stored, new], ignore_index=True)
            full = validate(merged, catalogue=catalogue)
            if not full.report.ok:
                raise ValidationFailed(issues_message(full.report.issues, file=file.name))
        kpis = compute(full, catalogue=catalogue)
        canonical = {given: found.name for given, found in cities.items()}
        kpis["city"] = kpis["city"].map(lambda c: canonical.get(c, c))
        kpi_groups = _by_city_year(kpis)
        fw_id = framework_version(session, actor, catalogue.version).id
        # Every row of a group is for its city-year (grouped by them above), the actor may edit
        # each city and each submission is locked: what import_tables checks first holds.
        for (name, year), mine in groups.items():
            if progress is not None:
                progress(f"{name} {year}")
            parts.append(
                write_import(
                    session,
                    actor,
                    locked[(name, year)],
                    mine,
                    kpi_groups.get((name, year), kpis.iloc[0:0]),
                    file_name=file.name,
                    file_sha256=digest,
                    catalogue_version=catalogue.version,
                    framework_version_id=fw_id,
                    empty=(name, year) in empty,
                )
            )
    warnings = tuple(i for i in checked.report.issues if i.severity is Severity.WARNING)
    return BulkImportSummary(file=file.name, parts=tuple(parts), warnings=warnings)


__all__ = ["BulkImportSummary", "add_cities", "import_many"]
