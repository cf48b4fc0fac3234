"""Reading the audit trail, with the reader's permissions applied."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from citykpi.store.audit import AuditRow, query_events
from citykpi.store.cities import find_city
from citykpi.store.schema import City
from citykpi.store.users import Action, Actor, Role


def read_audit(
    session: Session, actor: Actor, *, city: str = "", since: datetime | None = None
) -> list[AuditRow]:
    """Return the audit events the actor may read, oldest first.

    Parameters
    ----------
    session, actor
        Transaction and reader. Admins, verifiers and analysts read every event; a city
        editor reads the events of her own cities only.
    city
        Only events about this city.
    since
        Only events at or after this time.

    Returns
    -------
    list[AuditRow]
        The events.
    """
    if city:
        found = find_city(session, city)
        actor.require(Action.READ_AUDIT, city_id=found.id, city=city)
        return query_events(session, city_ids=[found.id], since=since)
    actor.require(Action.READ_AUDIT)
    if actor.role is Role.CITY_EDITOR:
        return query_events(session, city_ids=sorted(actor.city_ids), since=since)
    return query_events(session, since=since)


def city_names(session: Session) -> dict[int, str]:
    """Return city id -> name, to label audit events."""
    return {row.id: row.name for row in session.execute(select(City.id, City.name))}


__all__ = ["city_names", "read_audit"]
