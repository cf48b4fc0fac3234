"""Where an analysis gets its KPI table: a file written by ``citykpi compute``, or the store.

:func:`load_kpi_table` is the one function every analysis command (``assess``, ``trends``,
``peers``, ``plan``, ``index u4ssc``) and the Python API use. Both sources give the same typed
KPI long table (:data:`citykpi.model.KPI_COLUMNS`: ``year`` an int, ``value`` a float, NaN when
missing), so an analysis cannot tell where its values came from.

Reading the store follows the store's permission rules (:mod:`citykpi.store.users`), as the
``export`` command does: published values are public, so ``status="published"`` needs no user;
``"verified"`` and ``"any"`` include unpublished values and need a user with read access
(``as_user`` or ``token``), and a city editor sees only her own cities' unpublished values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal

import pandas as pd

from citykpi.errors import InputError, PermissionDenied
from citykpi.model import KPI_COLUMNS
from citykpi.settings import Settings
from citykpi.tables import KPI, coerce

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from citykpi.store import Store
    from citykpi.store.users import Actor

#: Which stored values an analysis reads.
Status = Literal["published", "verified", "any"]
STATUSES: Final[tuple[str, ...]] = ("published", "verified", "any")

#: Verification states each status admits; ``None`` admits every state.
_STATES: Final[dict[str, tuple[str, ...] | None]] = {
    "published": ("published",),
    "verified": ("verified", "published"),
    "any": None,
}

#: File types that hold raw inputs, not a KPI table: the command that reads them.
_RAW_SUFFIXES: Final = {".xlsx": "workbook", ".xls": "workbook", ".json": "JSON file"}


def load_kpi_table(
    path: str | Path | None = None,
    *,
    from_store: bool = False,
    status: str = "published",
    settings: Settings | None = None,
    cities: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    store: Store | None = None,
    as_user: str = "",
    token: str = "",
) -> pd.DataFrame:
    """Return the KPI table of a file or of the store, optionally for some cities and years.

    Parameters
    ----------
    path
        KPI table written by ``citykpi compute`` (CSV); leave out with ``from_store``.
    from_store
        Read the KPI values of the store instead (the database of ``settings``, or ``store``).
    status : {"published", "verified", "any"}
        Which stored values: those of published submissions; verified or published ones; or
        the current value whatever its verification state (never a retracted one).
    settings
        Settings naming the database (``database_url``); default :func:`load_settings`.
    cities, years
        Only these cities / reporting years (all when None).
    store
        An open store to read instead of the settings' database.
    as_user, token
        Who reads the store (a user name, or an API token); needed for ``"verified"`` and
        ``"any"``, optional for ``"published"``.

    Returns
    -------
    pandas.DataFrame
        The KPI long table: columns :data:`citykpi.model.KPI_COLUMNS` (a file's extra columns
        kept), ordered by city, year and data point for the store.

    Raises
    ------
    InputError
        If both or neither of a file and ``from_store`` are given, the status is unknown, the
        file is a raw-input file or not a KPI table, or no value matches.
    PermissionDenied
        If the reader may not read the values ``status`` asks for.
    StoreError
        If the database cannot be opened or has no citykpi schema.
    """
    if status not in STATUSES:
        msg = f"Unknown status {status!r}; use one of {', '.join(STATUSES)}."
        raise InputError(msg)
    if path is not None and from_store:
        msg = (
            f"Give either a KPI table file ({str(path)!r}) or --from-store, not both; drop one "
            "of them."
        )
        raise InputError(msg)
    if path is None and not from_store:
        msg = (
            "Say where the KPI values come from: give the KPI table written by 'citykpi "
            "compute' (e.g. kpis.csv) or add --from-store to read the store."
        )
        raise InputError(msg)
    if path is not None:
        table = _from_file(Path(path))
        where = repr(str(path))
    else:
        table, where = _from_store(
            status=status, settings=settings, store=store, as_user=as_user, token=token
        )
    return _only(table, cities=cities, years=years, where=where)


def _from_file(path: Path) -> pd.DataFrame:
    from citykpi.io import read_kpi_table

    kind = _RAW_SUFFIXES.get(path.suffix.lower())
    if kind is not None:
        what = "workbook" if kind == "workbook" else "file"
        msg = (
            f"{str(path)!r} is a raw-input {kind}, not a KPI table; this command reads the KPI "
            f"table that 'citykpi compute' writes. Compute the KPIs first with 'citykpi compute "
            f"{path} -o kpis.csv' and pass kpis.csv (or read the {what} into the store with "
            "'citykpi import' and use --from-store)."
        )
        raise InputError(msg)
    return read_kpi_table(path)


def _only(
    table: pd.DataFrame,
    *,
    cities: Sequence[str] | None,
    years: Sequence[int] | None,
    where: str,
) -> pd.DataFrame:
    """Keep the rows of ``cities`` and ``years``; refuse a table left empty."""
    if cities is not None:
        table = table[table["city"].isin(set(cities))]
    if years is not None:
        table = table[table["year"].isin({int(y) for y in years})]
    if table.empty:
        asked = []
        if cities is not None:
            asked.append(f"cities {', '.join(map(repr, cities))}")
        if years is not None:
            asked.append(f"years {', '.join(str(y) for y in years)}")
        scope = f" for {' and '.join(asked)}" if asked else ""
        msg = (
            f"{where} holds no KPI value{scope}; check the city names and years, or compute "
            "and import values first."
        )
        raise InputError(msg)
    return table.reset_index(drop=True)


def _from_store(
    *,
    status: str,
    settings: Settings | None,
    store: Store | None,
    as_user: str,
    token: str,
) -> tuple[pd.DataFrame, str]:
    from citykpi.store import open_store

    opened = store if store is not None else open_store(settings=settings)
    try:
        opened.require_schema()
        with opened.transaction() as session:
            table = stored_kpi_table(
                session,
                _reader(session, as_user=as_user, token=token, store=opened),
                status=status,
            )
    finally:
        if store is None:
            opened.dispose()
    if table.empty:
        hint = {
            "published": "publish a submission first ('citykpi publish CITY YEAR'), or read "
            "unpublished values with --status verified or any and --as USER",
            "verified": "verify values first ('citykpi review verify'), or use --status any",
            "any": "import a city's file first ('citykpi import')",
        }[status]
        msg = f"The store at {opened.url!r} holds no {status} KPI value; {hint}."
        raise InputError(msg)
    return table, f"The store at {opened.url!r} ({status} values)"


def _reader(session: Session, *, as_user: str, token: str, store: Store) -> Actor | None:
    """Return who reads, authenticated as every store command does (the token's owner, the
    saved login, ``as_user`` where a single-person store allows it), else nobody (public)."""
    from citykpi.store.credentials import authenticate

    settings = store.settings
    return authenticate(
        session,
        as_user=as_user,
        token=token,
        settings=settings,
        url=settings.resolved_database_url(),
    )


def stored_kpi_table(session: Session, actor: Actor | None, *, status: str) -> pd.DataFrame:
    """Return the store's current KPI values in ``status`` as a KPI long table (one query).

    Parameters
    ----------
    session
        A transaction on the store.
    actor
        The reader; None reads as the public, which may read published values only.
    status : {"published", "verified", "any"}
        Which values (see :func:`load_kpi_table`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`citykpi.model.KPI_COLUMNS`, by city, year and data point; unpublished
        values of cities the actor may not read are left out, as ``citykpi export`` does.

    Raises
    ------
    PermissionDenied
        If ``status`` includes unpublished values and the actor may not read them.
    """
    from sqlalchemy import select

    from citykpi.store.schema import City, Submission, Value, ValueRevision, on_current_revision
    from citykpi.store.users import Action

    public_only = status == "published"
    if actor is None and not public_only:
        msg = (
            f"Reading {status} values includes unpublished ones, which need a user with read "
            "access; add --as USER or --token TOKEN (Python: as_user=... or token=...)."
        )
        raise PermissionDenied(msg)
    if actor is not None:
        actor.require(Action.READ_PUBLISHED if public_only else Action.READ_DATA)
    stmt = (
        select(City.name, Submission.year, City.id, Value, ValueRevision)
        .join(Submission, Submission.city_id == City.id)
        .join(Value, Value.submission_id == Submission.id)
        .join(ValueRevision, on_current_revision())
        .where(Value.kind == "kpi", ValueRevision.retracted.is_(False))
        .order_by(City.name, Submission.year, Value.code)
    )
    states = _STATES[status]
    if states is not None:
        stmt = stmt.where(Value.state.in_(states))
    rows: list[dict[str, object]] = []
    for name, year, city_id, slot, rev in session.execute(stmt):
        if slot.state != "published" and not (
            actor is not None and actor.may(Action.READ_DATA, city_id=city_id)
        ):
            continue
        rows.append(
            {
                "city": name,
                "year": int(year),
                "code": slot.kpi_code,
                "data_point": slot.code,
                "value": math.nan if rev.value is None else float(rev.value),
                "unit": rev.unit,
                "status": rev.status,
                "reason": rev.reason,
                "provenance": rev.provenance,
                "quality": rev.quality,
            }
        )
    # the declared KPI column types, exactly as a file read by citykpi.io gets them
    return coerce(pd.DataFrame(rows, columns=list(KPI_COLUMNS)), KPI, file="the store")


__all__ = ["STATUSES", "Status", "load_kpi_table", "stored_kpi_table"]
