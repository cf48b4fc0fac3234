"""What every open-data format is written from: the values a reader may see, with their metadata.

:func:`read_open_data` reads the store once, through the store's own reading functions
(:func:`citykpi.sources.stored_kpi_table` for the KPI values, :func:`citykpi.store.export_values`
for the verification state of unpublished values, :func:`citykpi.store.cities.list_cities` for
the profiles), so the permission rules are the store's: published values are public; the
statuses ``verified`` and ``any`` need a user who may read unpublished data, and a city editor
sees only her own cities' unpublished values.

The result, :class:`OpenData`, is one long table of KPI data points (:data:`OPEN_COLUMNS`,
one row per city, year and data point, not-reported points included with an empty value) plus
the city profiles and the :class:`Release` (licence, citation, publisher, catalogue and target
set versions), which every format writes beside the values.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from citykpi.errors import InputError
from citykpi.model import CityProfile, KpiStatus
from citykpi.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citykpi.store.users import Actor

#: The columns of :attr:`OpenData.values`, in order.
OPEN_COLUMNS: Final[tuple[str, ...]] = (
    "city",
    "city_id",
    "country",
    "year",
    "kpi",
    "data_point",
    "name",
    "dimension",
    "sub_dimension",
    "category",
    "value",
    "unit",
    "status",
    "obs_status",
    "quality",
    "verification",
    "sdg_targets",
    "reason",
)

#: Observation status: the three words of the issue, as codes of the SDMX code list.
OBS_STATUS: Final[dict[str, str]] = {
    "R": "reported",
    "NR": "not reported",
    "NV": "not verified",
}

#: Statuses an export may ask for (those of :func:`citykpi.sources.stored_kpi_table`).
EXPORT_STATUSES: Final[tuple[str, ...]] = ("published", "verified", "any")

_ID_CHARS: Final = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class Release:
    """What is said about the data as a whole: licence, citation and versions.

    Attributes
    ----------
    licence, licence_url
        SPDX identifier and address of the licence text.
    citation
        How to cite the data.
    publisher
        Who publishes it (SDMX agency name, NGSI-LD provider).
    catalogue_version, target_set
        The catalogue version of the values and the name of the target set of the scores.
    status
        Which values: ``"published"``, ``"verified"`` or ``"any"``.
    created
        When the release was read from the store (UTC).
    """

    licence: str
    licence_url: str
    citation: str
    publisher: str
    catalogue_version: str
    target_set: str
    status: str
    created: datetime

    def as_dict(self) -> dict[str, str]:
        """Return the release as flat text fields (``created`` in ISO 8601)."""
        return {
            "licence": self.licence,
            "licence_url": self.licence_url,
            "citation": self.citation,
            "publisher": self.publisher,
            "catalogue_version": self.catalogue_version,
            "target_set": self.target_set,
            "status": self.status,
            "created": self.created.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class OpenData:
    """The values of an export with the cities' profiles and the release metadata.

    Attributes
    ----------
    values
        One row per city, year and KPI data point, columns :data:`OPEN_COLUMNS`.
    profiles
        The profile of each city in ``values``, by name.
    release
        Licence, citation and versions.
    """

    values: pd.DataFrame
    profiles: Mapping[str, CityProfile]
    release: Release
    city_ids: Mapping[str, str] = field(default_factory=dict)

    def only(self, *, city: str = "", year: int | None = None) -> OpenData:
        """Return the same data restricted to one city and/or one year."""
        rows = self.values
        if city:
            rows = rows[rows["city"] == city]
        if year is not None:
            rows = rows[rows["year"] == year]
        names = set(rows["city"])
        profiles = {n: p for n, p in self.profiles.items() if n in names}
        return OpenData(rows.reset_index(drop=True), profiles, self.release, self.city_ids)


def iter_rows(frame: pd.DataFrame) -> Iterator[Any]:
    """Yield the rows of ``frame`` as named tuples (fields named after the columns)."""
    yield from frame.itertuples(index=False)


def city_ids(names: Sequence[str]) -> dict[str, str]:
    """Return an SDMX identifier for each city name, stable for the same set of names.

    The identifier is the name folded to ASCII letters and digits, upper case, words joined by
    ``_`` (``"Foxglove Ward"`` -> ``"FOXGLOVE_WARD"``); when two names fold to the same text, or a
    name folds to nothing, each such name gets a short hash of itself appended, so identifiers
    never collide.
    """
    folded: dict[str, str] = {}
    for name in names:
        ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        folded[name] = _ID_CHARS.sub("_", ascii_text).strip("_").upper()[:48]
    counts: dict[str, int] = {}
    for text in folded.values():
        counts[text] = counts.get(text, 0) + 1
    ids: dict[str, str] = {}
    for name, text in folded.items():
        if not text or counts[text] > 1 or not text[0].isalpha():
            digest = hashlib.sha256(name.encode()).hexdigest()[:8].upper()
            text = f"C{digest}" if not text else f"{text}_{digest}"
            if not text[0].isalpha():
                text = "C" + text
        ids[name] = text
    return ids


def release_of(
    settings: Settings, *, status: str, stored: Mapping[str, str] | None = None
) -> Release:
    """Return the release metadata: the store's settings rows win over the ``CITYKPI_DATA_*``
    settings.

    Parameters
    ----------
    settings
        The resolved settings (``data_licence``, ``data_licence_url``, ``data_citation``,
        ``data_publisher``).
    status
        Which values the release holds.
    stored
        Rows of the store's settings table (``data_licence`` ...), if any.
    """
    from citykpi.assess import default_targets
    from citykpi.catalogue import load_catalogue

    rows = stored or {}
    created = datetime.now(UTC).replace(microsecond=0)
    publisher = rows.get("data_publisher") or settings.data_publisher
    citation = rows.get("data_citation") or settings.data_citation
    if not citation:
        citation = f"{publisher}, U4SSC KPIs of the published cities ({created.year})"
    return Release(
        licence=rows.get("data_licence") or settings.data_licence,
        licence_url=rows.get("data_licence_url") or settings.data_licence_url,
        citation=citation,
        publisher=publisher,
        catalogue_version=load_catalogue().version,
        target_set=default_targets().name,
        status=status,
        created=created,
    )


def read_open_data(
    session: Session,
    actor: Actor | None,
    *,
    status: str = "published",
    settings: Settings | None = None,
    city: str = "",
    year: int | None = None,
) -> OpenData:
    """Read the values ``actor`` may see in ``status`` from the store, with their metadata.

    Parameters
    ----------
    session
        A transaction on the store.
    actor
        The reader; None reads as the public (published values only).
    status : {"published", "verified", "any"}
        Which values (see :func:`citykpi.sources.load_kpi_table`).
    settings
        For the licence and citation; default :func:`citykpi.settings.load_settings`.
    city, year
        Only this city / year.

    Returns
    -------
    OpenData
        The values, profiles and release.

    Raises
    ------
    InputError
        If ``status`` is unknown or nothing matches.
    PermissionDenied
        If ``status`` includes unpublished values the actor may not read.
    """
    from sqlalchemy import select

    from citykpi.settings import load_settings
    from citykpi.sources import stored_kpi_table
    from citykpi.store import export_values
    from citykpi.store.cities import list_cities
    from citykpi.store.schema import StoreSetting
    from citykpi.store.users import Actor, Role

    if status not in EXPORT_STATUSES:
        msg = f"Unknown status {status!r}; use one of {', '.join(EXPORT_STATUSES)}."
        raise InputError(msg)
    table = stored_kpi_table(session, actor, status=status)
    if city:
        table = table[table["city"] == city]
    if year is not None:
        table = table[table["year"] == year]
    if table.empty:
        scope = "".join(
            [f" of city {city!r}" if city else "", f" for {year}" if year is not None else ""]
        )
        msg = (
            f"The store holds no {status} KPI value{scope}; check the city name and year, or "
            "publish a submission first ('citykpi publish CITY YEAR')."
        )
        raise InputError(msg)
    reader = actor or Actor(id=0, name="public", role=Role.PUBLIC, auth="anonymous")
    profiles = {p.name: p for p in list_cities(session, reader) if p.name in set(table["city"])}
    states: dict[tuple[str, int, str], str] = {}
    if status != "published" and actor is not None:
        for row in export_values(session, actor, city=city, year=year, kinds=("kpi",)):
            states[(str(row["city"]), int(str(row["year"])), str(row["code"]))] = str(row["state"])
    query = select(StoreSetting.key, StoreSetting.value).where(StoreSetting.key.like("data_%"))
    stored = {str(key): str(value) for key, value in session.execute(query)}
    release = release_of(settings or load_settings(), status=status, stored=stored)
    ids = city_ids(sorted(set(table["city"])))
    return OpenData(_open_table(table, profiles, states, ids), profiles, release, ids)


def _open_table(
    table: pd.DataFrame,
    profiles: Mapping[str, CityProfile],
    states: Mapping[tuple[str, int, str], str],
    ids: Mapping[str, str],
) -> pd.DataFrame:
    """Add the catalogue's names, the city's id and country and the observation status."""
    from citykpi.catalogue import catalogue_index

    idx = catalogue_index()
    rows: list[dict[str, object]] = []
    for rec in table.to_dict("records"):
        dp = str(rec["data_point"])
        meta = idx.meta(dp)
        kpi = idx.kpi_of[dp]
        name = str(rec["city"])
        year = int(rec["year"])
        state = states.get((name, year, dp), "published")
        status = str(rec["status"])
        if state not in ("published", "verified"):
            obs = "NV"
        elif status in (KpiStatus.COMPUTED, KpiStatus.REPORTED):
            obs = "R"
        else:
            obs = "NR"
        profile = profiles.get(name)
        rows.append(
            {
                "city": name,
                "city_id": ids[name],
                "country": profile.country if profile else "",
                "year": year,
                "kpi": kpi.code,
                "data_point": dp,
                "name": meta.name,
                "dimension": kpi.dimension,
                "sub_dimension": kpi.sub_dimension,
                "category": kpi.category,
                "value": rec["value"],
                "unit": str(rec["unit"]) or meta.unit,
                "status": status,
                "obs_status": obs,
                "quality": str(rec["quality"]),
                "verification": state,
                "sdg_targets": " ".join(kpi.sdg_targets),
                "reason": str(rec["reason"]),
            }
        )
    frame = pd.DataFrame(rows, columns=list(OPEN_COLUMNS))
    frame["year"] = frame["year"].astype("int64")
    frame["value"] = frame["value"].astype("float64")
    return frame


__all__ = [
    "EXPORT_STATUSES",
    "OBS_STATUS",
    "OPEN_COLUMNS",
    "OpenData",
    "Release",
    "city_ids",
    "iter_rows",
    "read_open_data",
    "release_of",
]
