"""Serialise the writers of one submission: the one lock every write takes first.

Modelling assumptions:

* Every transaction that changes a submission's values or states (import, value set and
  retract, the workflow's transitions, publish) calls :func:`lock_submission` before it reads
  anything of the submission it will base a write on, and reads the inputs a recomputation
  needs after it, in the same transaction. Two writers of one submission therefore never
  interleave, and a KPI is never computed from an input another writer has since replaced.
* On PostgreSQL the lock is ``SELECT ... FOR UPDATE`` on the submission's row (held until
  commit or rollback; READ COMMITTED statements after it see every earlier commit). A first
  import creates the row with ``INSERT ... ON CONFLICT DO NOTHING`` and then locks it, so eight
  first imports of one new city-year create one submission and run one after the other.
* On SQLite every write transaction holds the database's write lock from its start
  (``BEGIN IMMEDIATE``, see :mod:`citykpi.store.engine`); the same statements run there and
  serialise trivially.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from citykpi.errors import InputError, NotFound
from citykpi.store.audit import ActorRef, record
from citykpi.store.schema import City, Submission, utcnow

#: The reporting years a submission may have.
YEARS: Final = range(1900, 2201)

#: The columns of the submission's unique key.
KEY: Final = ["city_id", "year"]


def _create(session: Session, city: City, year: int) -> bool:
    """Insert the submission row unless it exists; return whether this call created it."""
    values: dict[str, object] = {
        "city_id": city.id,
        "year": year,
        "status": "open",
        "version": 1,
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    # Both dialects spell "insert unless the (city, year) row exists" the same way.
    if dialect == "postgresql":
        stmt = pg_insert(Submission).values(values).on_conflict_do_nothing(index_elements=KEY)
        result = session.execute(stmt.returning(Submission.id))
    elif dialect == "sqlite":
        lite = sqlite_insert(Submission).values(values).on_conflict_do_nothing(index_elements=KEY)
        result = session.execute(lite.returning(Submission.id))
    else:  # pragma: no cover - the store runs on SQLite and PostgreSQL only
        result = session.execute(insert(Submission).values(values).returning(Submission.id))
    return result.first() is not None


def lock_submission(
    session: Session,
    city: City,
    year: int,
    *,
    create_as: ActorRef | None = None,
) -> Submission:
    """Lock the submission of ``city`` for ``year`` for this transaction and return it.

    Parameters
    ----------
    session
        The writing transaction (:meth:`citykpi.store.Store.transaction`).
    city, year
        The submission.
    create_as
        Create the submission if it does not exist yet, attributed to this actor (audited as
        ``submission.create``); ``None`` refuses a missing one.

    Returns
    -------
    Submission
        The submission, freshly read under the lock.

    Raises
    ------
    NotFound
        No submission for that city and year and ``create_as`` is ``None``.
    InputError
        ``year`` is not a plausible reporting year.
    """
    return lock_or_create(session, city, year, create_as=create_as)[0]


def lock_or_create(
    session: Session,
    city: City,
    year: int,
    *,
    create_as: ActorRef | None = None,
) -> tuple[Submission, bool]:
    """Lock the submission as :func:`lock_submission` does; also say whether this call made it.

    A submission this transaction has just created holds no value yet, which the bulk import
    need not read to know. The store's own, not exported.
    """
    if create_as is not None:
        if year not in YEARS:
            msg = f"Reporting year {year!r} is not plausible; give a year such as 2024."
            raise InputError(msg)
        if _create(session, city, year):
            sub = _locked(session, city, year)
            assert sub is not None  # created just now, in this transaction
            record(
                session,
                create_as,
                "submission.create",
                sub.audit_key(),
                after={"city": city.name, "year": year, "status": "open"},
                city_id=city.id,
                year=year,
            )
            return sub, True
    sub = _locked(session, city, year)
    if sub is None:
        msg = (
            f"City {city.name!r} has no data for {year}; import a file first with "
            f"'citykpi import FILE --city {city.name!r} --year {year}'."
        )
        raise NotFound(msg)
    return sub, False


def _locked(session: Session, city: City, year: int) -> Submission | None:
    stmt = (
        select(Submission)
        .where(Submission.city_id == city.id, Submission.year == year)
        .with_for_update(of=Submission)
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


__all__ = ["YEARS", "lock_submission"]
